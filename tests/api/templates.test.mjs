// Every label-config template of the UI's gallery (web/src/admin/lib/
// templates.json, the file the UI itself imports) is accepted by the
// server's parser as a project's config, and the gallery covers text,
// image, audio and video.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, ADMIN } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const templates = JSON.parse(readFileSync(join(root, 'web/src/admin/lib/templates.json'), 'utf8'));

let srv, token;
before(async () => {
  srv = await startServer();
  token = (await srv.login(ADMIN.email, ADMIN.password)).access_token;
});
after(async () => {
  await srv.stop();
});

test('the gallery has text, image, audio and video templates with unique ids', () => {
  assert.deepEqual([...new Set(templates.map((t) => t.group))], ['Text', 'Image', 'Audio', 'Video']);
  assert.equal(new Set(templates.map((t) => t.id)).size, templates.length);
  for (const t of templates) {
    assert.ok(t.name && t.description && t.config.length > 2, t.id);
  }
});

test('every template is accepted as a project config by the server', async () => {
  for (const t of templates) {
    const label_config = t.config.join('\n');
    const r = await srv.api('POST', '/api/v1/projects', { token, body: { name: `Template ${t.id}`, label_config } });
    assert.equal(r.status, 201, `${t.id}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.label_config, label_config);
  }
});
