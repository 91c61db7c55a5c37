// The first slice of the data manager (issue 15): GET /projects/{id}/tasks
// filters by a substring of the task data (q) and by an updated_at range,
// combined with the existing state filter and keyset cursor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode } from './lib.mjs';
import { setupProject, addTasks, claim } from './workflow-lib.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.stop();
});

async function listAll(admin, pid, query) {
  const ids = [];
  let cursor = '';
  for (;;) {
    const r = await srv.api('GET', `/api/v1/projects/${pid}/tasks?limit=2&${query}${cursor ? '&cursor=' + cursor : ''}`, {
      token: admin.access_token,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    ids.push(...r.body.items.map((t) => t.id));
    if (!r.body.next_cursor) return ids;
    cursor = r.body.next_cursor;
  }
}

test('q matches a plain substring of the data across pages; % and _ are literal', async () => {
  const { admin, project } = await setupProject(srv, { counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const made = await addTasks(srv, admin, project.id, ['apple pie', 'Apple tart', 'pear', 'apple juice', 'crab apple', '100% apple', 'a_b']);
  const ids = Array.from({ length: 7 }, (_, i) => made.first_id + i);
  assert.deepEqual(await listAll(admin, project.id, 'q=apple'), [ids[0], ids[3], ids[4], ids[5]]);
  assert.deepEqual(await listAll(admin, project.id, 'q=' + encodeURIComponent('0%')), [ids[5]]);
  assert.deepEqual(await listAll(admin, project.id, 'q=' + encodeURIComponent('a_b')), [ids[6]]);
  assert.deepEqual(await listAll(admin, project.id, 'q=' + encodeURIComponent('%')), [ids[5]]);
  assert.deepEqual(await listAll(admin, project.id, 'q='), ids);
});

test('updated_since/updated_until bound updated_at and combine with state', async () => {
  const { admin, project, annotators } = await setupProject(srv, { counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const made = await addTasks(srv, admin, project.id, ['one', 'two', 'three']);
  await new Promise((r) => setTimeout(r, 20));
  const mid = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  const c = await claim(srv, annotators[0], project.id, 'l1');
  assert.equal(c.status, 200);
  const held = c.body.id ?? c.body.task?.id;
  assert.deepEqual(await listAll(admin, project.id, `updated_since=${mid}`), [held]);
  const before = await listAll(admin, project.id, `updated_until=${mid}`);
  assert.equal(before.length, 2);
  assert.ok(!before.includes(held));
  const iso = new Date(mid).toISOString();
  assert.deepEqual(await listAll(admin, project.id, `updated_since=${iso}&state=locked_l1`), [held]);
  assert.deepEqual(await listAll(admin, project.id, `updated_since=${iso}&state=queued_l1`), []);
  assert.ok(held >= made.first_id);
  const bad = await srv.api('GET', `/api/v1/projects/${project.id}/tasks?updated_since=yesterday`, { token: admin.access_token });
  assert.equal(bad.status, 400);
  assert.equal(errorCode(bad), 'bad_parameter');
});
