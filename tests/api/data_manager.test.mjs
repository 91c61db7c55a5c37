// The data manager's API (issue 15): GET /projects/{id}/tasks filters
// (text, dates, state, people), sorts with keyset cursors and gives table
// rows; POST /projects/{id}/tasks/bulk acts on a selection; exports take one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode, waitJob } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, nerResult } from './workflow-lib.mjs';

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

// ---- sorting, people, bulk actions, export of a selection ----

const RATES = { l1: 100, l2: 50, l3: 30 };
const bulk = (token, pid, body) => srv.api('POST', `/api/v1/projects/${pid}/tasks/bulk`, { token, body });
const escrow = async (admin, pid) => (await srv.api('GET', `/api/v1/projects/${pid}/escrow`, { token: admin.access_token })).body;
const getTask = async (admin, id) => (await srv.api('GET', `/api/v1/tasks/${id}`, { token: admin.access_token })).body;

async function listRows(admin, pid, query, limit = 2) {
  const rows = [];
  let cursor = '';
  for (;;) {
    const r = await srv.api('GET', `/api/v1/projects/${pid}/tasks?limit=${limit}&${query}${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`, {
      token: admin.access_token,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    rows.push(...r.body.items);
    if (!r.body.next_cursor) return rows;
    cursor = r.body.next_cursor;
  }
}

test('sort orders page through every task once, in order, with ties broken by id', async () => {
  const { admin, project, annotators: [a1] } = await setupProject(srv, { counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const pid = project.id;
  const made = await addTasks(srv, admin, pid, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  const ids = Array.from({ length: 7 }, (_, i) => made.first_id + i);
  const prio = [3, -1, 3, 0, 7, 3, -1];
  for (const p of new Set(prio)) {
    const r = await bulk(admin.access_token, pid, { action: 'priority', priority: p, task_ids: ids.filter((_, i) => prio[i] === p) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.failed.length, 0);
  }
  // Touch two tasks so updated_at differs from id order.
  await new Promise((r) => setTimeout(r, 5));
  assert.equal((await claim(srv, a1, pid, 'l1')).body.id, ids[4]); // highest priority first
  await new Promise((r) => setTimeout(r, 5));
  await bulk(admin.access_token, pid, { action: 'priority', priority: 3, task_ids: [ids[0]] });

  const byPrio = ids.map((id, i) => ({ id, p: prio[i] }));
  const asc = [...byPrio].sort((x, y) => x.p - y.p || x.id - y.id).map((x) => x.id);
  assert.deepEqual((await listRows(admin, pid, 'sort=priority')).map((t) => t.id), asc);
  assert.deepEqual((await listRows(admin, pid, 'sort=-priority')).map((t) => t.id), [...asc].reverse());
  assert.deepEqual((await listRows(admin, pid, 'sort=-id', 3)).map((t) => t.id), [...ids].reverse());
  const upd = await listRows(admin, pid, 'sort=updated_at');
  const key = (t) => [Date.parse(t.updated_at), t.id];
  const sorted = [...upd].sort((x, y) => key(x)[0] - key(y)[0] || x.id - y.id);
  assert.deepEqual(upd.map((t) => t.id), sorted.map((t) => t.id));
  assert.equal(upd.length, 7);
  assert.deepEqual(upd.slice(-2).map((t) => t.id), [ids[4], ids[0]]); // touched last
  assert.deepEqual((await listRows(admin, pid, 'sort=-updated_at')).map((t) => t.id), upd.map((t) => t.id).reverse());
  // Filters combine with an order.
  assert.deepEqual((await listRows(admin, pid, 'sort=-priority&state=queued_l1', 1)).map((t) => t.id), asc.filter((id) => id !== ids[4]).reverse());

  // Cursors belong to their order; the default order still takes a bare id.
  const first = await srv.api('GET', `/api/v1/projects/${pid}/tasks?limit=2&sort=-updated_at`, { token: admin.access_token });
  const cur = first.body.next_cursor;
  const wrong = await srv.api('GET', `/api/v1/projects/${pid}/tasks?sort=priority&cursor=${encodeURIComponent(cur)}`, { token: admin.access_token });
  assert.equal(wrong.status, 400);
  assert.equal(errorCode(wrong), 'bad_parameter');
  const noSort = await srv.api('GET', `/api/v1/projects/${pid}/tasks?cursor=${encodeURIComponent(cur)}`, { token: admin.access_token });
  assert.equal(noSort.status, 400);
  const bare = await srv.api('GET', `/api/v1/projects/${pid}/tasks?cursor=${ids[4]}`, { token: admin.access_token });
  assert.deepEqual(bare.body.items.map((t) => t.id), ids.slice(5));
  for (const q of ['sort=name', 'sort=priority&cursor=p1', 'sort=priority&cursor=p1.x', 'cursor=-3', 'view=cards']) {
    const r = await srv.api('GET', `/api/v1/projects/${pid}/tasks?${q}`, { token: admin.access_token });
    assert.equal(r.status, 400, q);
    assert.equal(errorCode(r), 'bad_parameter', q);
  }
});

test('view=table: a preview instead of the data, and who holds, annotated and reviewed each task', async () => {
  const { admin, project, annotators: [a1, a2], reviewers: [r1] } = await setupProject(srv, { counts: { annotator: 2, reviewer: 1, super_reviewer: 0 }, policies: { l3_sample_rate: 0 } });
  const pid = project.id;
  const long = 'ab\n  '.repeat(300); // white space runs show as one space
  const made = await addTasks(srv, admin, pid, ['Alice met Bob.', long, 'third']);
  const [t1, t2, t3] = [made.first_id, made.first_id + 1, made.first_id + 2];
  assert.equal((await claim(srv, a1, pid, 'l1')).body.id, t1);
  assert.equal((await submit(srv, a1, t1, nerResult())).status, 200);
  assert.equal((await claim(srv, r1, pid, 'l2')).body.id, t1);
  assert.equal((await review(srv, r1, t1, { decision: 'approve' })).status, 200);
  assert.equal((await claim(srv, a2, pid, 'l1')).body.id, t2);

  const rows = await listRows(admin, pid, 'view=table', 500);
  const row = Object.fromEntries(rows.map((t) => [t.id, t]));
  assert.equal(row[t1].preview, 'Alice met Bob.');
  assert.equal(row[t1].state, 'accepted');
  assert.equal(row[t1].data, undefined);
  assert.equal(row[t1].predictions, undefined);
  assert.deepEqual(row[t1].annotator, { id: a1.id, name: a1.name });
  assert.deepEqual(row[t1].reviewer, { id: r1.id, name: r1.name });
  assert.equal(row[t1].holder, null);
  assert.equal(row[t1].score, null);
  assert.deepEqual(row[t2].holder, { id: a2.id, name: a2.name });
  assert.ok(row[t2].lease.expires_at);
  assert.equal(row[t2].annotator, null);
  assert.ok(row[t2].preview.startsWith('ab ab ab') && row[t2].preview.endsWith('a…'), row[t2].preview);
  assert.equal([...row[t2].preview].length, 161); // 160 characters and the ellipsis
  assert.equal(row[t3].preview, 'third');
  // Without view=table the listing keeps the data.
  const plain = await srv.api('GET', `/api/v1/projects/${pid}/tasks?limit=1`, { token: admin.access_token });
  assert.deepEqual(plain.body.items[0].data, { text: 'Alice met Bob.' });

  // People filters.
  assert.deepEqual((await listRows(admin, pid, `annotator=${a1.id}`)).map((t) => t.id), [t1]);
  assert.deepEqual((await listRows(admin, pid, `annotator=${a2.id}`)).map((t) => t.id), [t2]);
  assert.deepEqual((await listRows(admin, pid, `reviewer=${r1.id}`)).map((t) => t.id), [t1]);
  assert.deepEqual((await listRows(admin, pid, `reviewer=${a1.id}`)).map((t) => t.id), []);
  assert.deepEqual((await listRows(admin, pid, `assignee=${a2.id}&view=table`)).map((t) => t.id), [t2]);
});

test('bulk release gives held tasks back with their escrow holds; other tasks fail one by one', async () => {
  const { admin, project, annotators: [a1, a2], reviewers: [r1] } = await setupProject(srv, { rates: RATES, counts: { annotator: 2, reviewer: 1, super_reviewer: 0 } });
  const other = await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const pid = project.id;
  const token = admin.access_token;
  assert.equal((await srv.api('POST', `/api/v1/projects/${pid}/escrow/deposits`, { token, body: { amount: 1000, idempotency_key: 'k' + pid } })).status, 201);
  const made = await addTasks(srv, admin, pid, ['one', 'two', 'three', 'four']);
  const foreign = (await addTasks(srv, other.admin, other.project.id, ['x'])).first_id;
  const [t1, t2, t3] = [made.first_id, made.first_id + 1, made.first_id + 2];
  assert.equal((await claim(srv, a1, pid, 'l1')).body.id, t1);
  assert.equal((await claim(srv, a2, pid, 'l1')).body.id, t2);
  assert.deepEqual(await escrow(admin, pid), { project_id: pid, currency: 'USD', currency_exponent: 2, available: 800, held: 200, spent: 0 });

  // Who may: managers only.
  const denied = await bulk(a1.token, pid, { action: 'release', task_ids: [t1] });
  assert.equal(denied.status, 403);
  assert.equal((await getTask(admin, t1)).state, 'locked_l1');

  const r = await bulk(token, pid, { action: 'release', task_ids: [t1, t2, t3, foreign, 999999999] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.action, 'release');
  assert.deepEqual(r.body.done, [t1, t2]);
  assert.deepEqual(r.body.failed.map((f) => [f.id, f.error.code]), [[t3, 'not_held'], [foreign, 'task_not_found'], [999999999, 'task_not_found']]);
  for (const id of [t1, t2]) {
    const t = await getTask(admin, id);
    assert.equal(t.state, 'queued_l1');
    assert.equal(t.lease, undefined);
    assert.equal(t.history.at(-1).status, 'released');
  }
  assert.equal((await getTask(other.admin, foreign)).state, 'queued_l1');
  assert.deepEqual(await escrow(admin, pid), { project_id: pid, currency: 'USD', currency_exponent: 2, available: 1000, held: 0, spent: 0 });
  // The holders learn it on their next heartbeat.
  const hb = await srv.api('POST', `/api/v1/tasks/${t1}/heartbeat`, { token: a1.token });
  assert.equal(hb.status, 409);
  const audit = await srv.api('GET', `/api/v1/audit?task_id=${t1}`, { token });
  assert.ok(audit.body.items.some((e) => e.action === 'task.admin_release'), JSON.stringify(audit.body.items.map((e) => e.action)));

  // Requeue needs a target, discard a reason; both go through the workflow.
  assert.equal((await bulk(token, pid, { action: 'requeue', task_ids: [t1] })).status, 422);
  const rq = await bulk(token, pid, { action: 'requeue', to: 'queued_l3', comment: 'expert look', task_ids: [t1, t2] });
  assert.deepEqual(rq.body.done, [t1, t2]);
  assert.equal((await getTask(admin, t1)).state, 'queued_l3');
  const noReason = await bulk(token, pid, { action: 'discard', task_ids: [t3] });
  assert.equal(noReason.status, 200);
  assert.deepEqual(noReason.body.failed.map((f) => f.error.code), ['comment_required']);

  // Discard returns the holds of finished work too.
  const t4 = made.first_id + 3;
  assert.equal((await claim(srv, a1, pid, 'l1')).body.id, t3);
  assert.equal((await submit(srv, a1, t3, nerResult('PER', 0, 3))).status, 200);
  assert.equal((await claim(srv, r1, pid, 'l2')).body.id, t3);
  assert.equal((await escrow(admin, pid)).held, 150);
  const d = await bulk(token, pid, { action: 'discard', comment: 'broken text', task_ids: [t3, t4] });
  assert.deepEqual(d.body.done, [t3, t4]);
  assert.equal((await getTask(admin, t3)).state, 'discarded');
  assert.deepEqual(await escrow(admin, pid), { project_id: pid, currency: 'USD', currency_exponent: 2, available: 1000, held: 0, spent: 0 });
  const again = await bulk(token, pid, { action: 'priority', priority: 5, task_ids: [t3] });
  assert.deepEqual(again.body.failed.map((f) => f.error.code), ['wrong_state']);
  const v = await srv.api('GET', '/api/v1/ledger/verify', { token });
  assert.equal(v.body.ok, true, v.body.reason);

  // Whole-request errors.
  for (const body of [
    { action: 'explode', task_ids: [t1] },
    { action: 'release', task_ids: [] },
    { action: 'release', task_ids: [t1, t1] },
    { action: 'release', task_ids: ['1'] },
    { action: 'priority', task_ids: [t1] },
    { action: 'release', task_ids: Array.from({ length: 1001 }, (_, i) => i + 1) },
  ]) {
    const e = await bulk(token, pid, body);
    assert.equal(e.status, 422, JSON.stringify(body));
    assert.ok(e.body.error.message, JSON.stringify(e.body));
  }
});

test('an export of a selection holds exactly the selected tasks', async () => {
  const { admin, project } = await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const pid = project.id;
  const token = admin.access_token;
  const made = await addTasks(srv, admin, pid, ['a', 'b', 'c', 'd']);
  const pick = [made.first_id + 1, made.first_id + 3];
  const r = await srv.api('POST', `/api/v1/projects/${pid}/exports`, { token, body: { format: 'jsonl', filter: { state: ['queued_l1'], task_ids: pick } } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const job = await waitJob(srv, token, `/api/v1/exports/${r.body.id}`);
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.tasks_total, 2);
  const file = await fetch(`${srv.url}/api/v1/exports/${r.body.id}/file`, { headers: { authorization: `Bearer ${token}` } });
  const lines = (await file.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.id), pick);
  for (const filter of [{ task_ids: [] }, { task_ids: [0] }, { task_ids: 'all' }, { task_ids: Array.from({ length: 10001 }, (_, i) => i + 1) }]) {
    const bad = await srv.api('POST', `/api/v1/projects/${pid}/exports`, { token, body: { format: 'jsonl', filter } });
    assert.equal(bad.status, 422, JSON.stringify(bad.body).slice(0, 200));
  }
});
