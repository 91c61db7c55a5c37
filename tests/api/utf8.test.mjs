// Text that is not UTF-8, wherever it comes in (path, query parameter,
// header, JSON body, multipart part names), is refused with a 400 before
// anything is written: the server never stores what it could not render,
// so a failure it reports always means that nothing changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, waitJob, ADMIN, errorCode } from './lib.mjs';
import { NER_CONFIG } from './workflow-lib.mjs';

let srv, admin, pid;
before(async () => {
  srv = await startServer();
  admin = await srv.login(ADMIN.email, ADMIN.password);
  const r = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'utf8', label_config: NER_CONFIG } });
  assert.equal(r.status, 201);
  pid = r.body.id;
});
after(async () => { await srv.stop(); });

const auth = () => ({ authorization: `Bearer ${admin.access_token}` });

// What a refused request must have left as it was.
async function nothingStored() {
  const imports = await srv.api('GET', `/api/v1/projects/${pid}/imports`, { token: admin.access_token });
  assert.equal(imports.status, 200);
  assert.deepEqual(imports.body.items, []);
  const p = await srv.api('GET', `/api/v1/projects/${pid}`, { token: admin.access_token });
  assert.equal(p.body.task_count, 0);
  const projects = await srv.api('GET', '/api/v1/projects', { token: admin.access_token });
  assert.equal(projects.body.items.length, 1);
  const blobs = join(srv.dir, 'blobs');
  const files = existsSync(blobs) ? readdirSync(blobs, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [];
  assert.deepEqual(files.map((e) => e.name), [], 'no blob was kept');
}

function upload(query, { body = 'text\nAlice\nBob\n', headers = {} } = {}) {
  return fetch(`${srv.url}/api/v1/projects/${pid}/imports${query}`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'text/csv', ...headers }, body,
  });
}

test('an import whose filename is not UTF-8 is refused and leaves nothing', async () => {
  const r = await upload('?filename=a%ffb.txt');
  assert.equal(r.status, 400);
  const body = await r.json();
  assert.equal(body.error.code, 'invalid_utf8');
  assert.match(body.error.message, /filename/);
  await nothingStored();
});

test('an import whose task type is not UTF-8 (or an overlong form) is refused and leaves nothing', async () => {
  for (const q of ['?task_type=x%ffy', '?task_type=%c0%af', '?task_type=%ed%a0%80']) {
    const r = await upload(q);
    assert.equal(r.status, 400, q);
    assert.equal((await r.json()).error.code, 'invalid_utf8');
  }
  await nothingStored();
});

test('a multipart part whose file name is not UTF-8 is refused and leaves nothing', async () => {
  const b = 'XyZb0undary';
  const body = Buffer.concat([
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="a`),
    Buffer.from([0xff]),
    Buffer.from(`b.csv"\r\nContent-Type: text/csv\r\n\r\ntext\nAlice\n\r\n--${b}--\r\n`),
  ]);
  const r = await fetch(`${srv.url}/api/v1/projects/${pid}/imports`, {
    method: 'POST', headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${b}` }, body,
  });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, 'invalid_utf8');
  await nothingStored();
});

test('a query parameter, path or header that is not UTF-8 is a 400 with the JSON error shape', async () => {
  const cases = [
    [`/api/v1/projects/${pid}/tasks?state=%ff`, {}],
    ['/api/v1/projects/%ff', {}],
    ['/api/v1/audit?action=%fe', {}],
    ['/api/v1/me', { 'x-note': 'caf\xe9' }],
  ];
  for (const [path, headers] of cases) {
    const r = await fetch(srv.url + path, { headers: { ...auth(), ...headers } });
    assert.equal(r.status, 400, path);
    assert.match(r.headers.get('content-type'), /application\/json/);
    const body = await r.json();
    assert.equal(body.error.code, 'invalid_utf8', path);
    assert.ok(body.error.message.length > 0);
  }
});

test('a JSON body with bytes that are not UTF-8 is refused and creates nothing', async () => {
  const body = Buffer.concat([Buffer.from('{"name":"bad '), Buffer.from([0xc3, 0x28]), Buffer.from('","label_config":"<View/>"}')]);
  const r = await fetch(`${srv.url}/api/v1/projects`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, 'malformed_json');
  await nothingStored();
});

test('UTF-8 names are kept and read back everywhere', async () => {
  const r = await upload('?filename=' + encodeURIComponent('naïve-日本.csv') + '&task_type=' + encodeURIComponent('größe'));
  assert.equal(r.status, 202);
  const im = await r.json();
  assert.equal(im.filename, 'naïve-日本.csv');
  const done = await waitJob(srv, admin.access_token, `/api/v1/imports/${im.id}`);
  assert.equal(done.status, 'done');
  const list = await srv.api('GET', `/api/v1/projects/${pid}/imports`, { token: admin.access_token });
  assert.deepEqual(list.body.items.map((x) => x.filename), ['naïve-日本.csv']);
  const tasks = await srv.api('GET', `/api/v1/projects/${pid}/tasks`, { token: admin.access_token });
  assert.equal(tasks.status, 200);
  assert.equal(tasks.body.items.length, 2);
  for (const t of tasks.body.items) {
    const one = await srv.api('GET', `/api/v1/tasks/${t.id}`, { token: admin.access_token });
    assert.equal(one.status, 200);
    assert.equal(one.body.task_type, 'größe');
  }
});
