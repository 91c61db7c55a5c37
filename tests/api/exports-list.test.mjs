// GET /projects/{id}/exports: the project's past exports, newest first,
// keyset paged, each with its format, filter, status, size, creation time
// and (once done) download link; managers only. Runs on SQLite, and on
// PostgreSQL under `make test-pg`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitJob } from './lib.mjs';
import { setupProject, addTasks } from './workflow-lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('exports are listed newest first, paged, with filter, size and link', async () => {
  const ctx = await setupProject(srv, { counts: { annotator: 1 } });
  const { admin, project, annotators: [a1] } = ctx;
  const other = await setupProject(srv);
  await addTasks(srv, admin, project.id, ['Alice met Bob.', 'Carol met Dan.']);
  const token = admin.access_token;
  const ids = [];
  for (const [format, filter] of [['jsonl', undefined], ['csv', { state: ['queued_l1'] }], ['label_studio_json', undefined]]) {
    const r = await srv.api('POST', `/api/v1/projects/${project.id}/exports`, { token, body: { format, filter } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    ids.push(r.body.id);
  }
  await srv.api('POST', `/api/v1/projects/${other.project.id}/exports`, { token: other.admin.access_token, body: { format: 'jsonl' } });
  for (const id of ids) assert.equal((await waitJob(srv, token, `/api/v1/exports/${id}`)).status, 'done');

  const all = await srv.api('GET', `/api/v1/projects/${project.id}/exports`, { token });
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.deepEqual(all.body.items.map((e) => e.id), [...ids].reverse(), 'this project only, newest first');
  assert.equal(all.body.next_cursor, null);
  const csv = all.body.items[1];
  assert.equal(csv.format, 'csv');
  assert.deepEqual(csv.filter.state, ['queued_l1']);
  assert.equal(csv.status, 'done');
  assert.ok(csv.bytes > 0);
  assert.equal(csv.tasks_total, 2);
  assert.ok(Date.parse(csv.created_at) > 0);
  assert.equal(csv.file_url, `/api/v1/exports/${csv.id}/file`);
  const file = await fetch(srv.url + csv.file_url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(file.status, 200);
  assert.equal(Buffer.from(await file.arrayBuffer()).length, csv.bytes);

  // Keyset pages of one.
  const seen = [];
  let cursor = null;
  for (let i = 0; i < 5; i++) {
    const q = `limit=1${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await srv.api('GET', `/api/v1/projects/${project.id}/exports?${q}`, { token });
    assert.equal(page.status, 200);
    seen.push(...page.body.items.map((e) => e.id));
    cursor = page.body.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual(seen, [...ids].reverse());

  assert.equal((await srv.api('GET', `/api/v1/projects/${project.id}/exports?limit=0`, { token })).status, 400);
  assert.equal((await srv.api('GET', `/api/v1/projects/${project.id}/exports`, { token: a1.token })).status, 403);
  assert.equal((await srv.api('GET', `/api/v1/projects/999999/exports`, { token })).status, 404);
  assert.equal((await srv.api('GET', `/api/v1/projects/${project.id}/exports`)).status, 401);
});
