// Revising a submitted task while it waits for L2 (POST /tasks/{id}/revise):
// the author's new version is what the next reviewer sees; anyone else, a
// claimed task and invalid results are refused; the money stays as the
// submit left it; and a revise racing a reviewer's claim either lands
// before the claim or is refused, never half of each. Runs on SQLite, and
// on PostgreSQL when LABELFLOW_TEST_PG is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, revise, nerResult } from './workflow-lib.mjs';

const ORIGINAL = nerResult('PER', 0, 5);
const REVISED = nerResult('ORG', 0, 5);

const latest = (task) => task.annotations[task.annotations.length - 1];

// The annotator claims and submits the next L1 task; returns its id.
async function claimAndSubmit(srv, who, projectId, result = ORIGINAL) {
  const c = await claim(srv, who, projectId, 'l1');
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const s = await submit(srv, who, c.body.id, result);
  assert.equal(s.status, 200, JSON.stringify(s.body));
  return c.body.id;
}

test('revise while queued for L2', async (t) => {
  const srv = await startServer();
  try {
    const { admin, project, annotators: [a1, a2], reviewers: [r1] } = await setupProject(srv, {
      rates: { l1: 7, l2: 3, l3: 2 },
    });
    const dep = await srv.api('POST', `/api/v1/projects/${project.id}/escrow/deposits`, {
      token: admin.access_token, body: { amount: 1000, idempotency_key: 'revise-dep' },
    });
    assert.equal(dep.status, 201, JSON.stringify(dep.body));
    await addTasks(srv, admin, project.id, ['Alice met Bob.', 'Carol met Dave.', 'Erin met Frank.']);

    await t.test('the author revises; the reviewer who claims next sees the new version', async () => {
      const id = await claimAndSubmit(srv, a1, project.id);
      const escrowBefore = (await srv.api('GET', `/api/v1/projects/${project.id}/escrow`, { token: admin.access_token })).body;
      const r = await revise(srv, a1, id, REVISED);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.state, 'queued_l2');
      assert.equal(r.body.lease, undefined);
      assert.deepEqual(r.body.annotations.map((a) => a.version), [1, 2]);
      assert.deepEqual(latest(r.body).result, REVISED);
      assert.equal(latest(r.body).kind, 'annotation');
      assert.equal(latest(r.body).stage, 1);
      assert.equal(latest(r.body).author_id, a1.id);
      // No lease, no new stint, and the submit's pending hold stays.
      assert.equal(r.body.history.length, 1);
      const escrowAfter = (await srv.api('GET', `/api/v1/projects/${project.id}/escrow`, { token: admin.access_token })).body;
      assert.deepEqual(escrowAfter, escrowBefore);
      // Revising again is a third version.
      const again = await revise(srv, a1, id, REVISED);
      assert.equal(again.status, 200);
      assert.equal(latest(again.body).version, 3);

      const c = await claim(srv, r1, project.id, 'l2');
      assert.equal(c.status, 200);
      assert.equal(c.body.id, id);
      assert.deepEqual(latest(c.body).result, REVISED);
      const g = await srv.api('GET', `/api/v1/tasks/${id}`, { token: r1.token });
      assert.deepEqual(latest(g.body).result, REVISED);

      // Claimed by the reviewer: too late.
      const late = await revise(srv, a1, id, ORIGINAL);
      assert.equal(late.status, 409);
      assert.equal(errorCode(late), 'task_claimed');
      // Decided: still refused, as the wrong state.
      assert.equal((await review(srv, r1, id, { decision: 'approve' })).status, 200);
      const decided = await revise(srv, a1, id, ORIGINAL);
      assert.equal(decided.status, 409);
      assert.equal(errorCode(decided), 'wrong_state');

      // One audit record per revise, queued_l2 to queued_l2, by the author.
      const au = await srv.api('GET', `/api/v1/audit?task=${id}&action=task.revise`, { token: admin.access_token });
      assert.equal(au.status, 200);
      assert.equal(au.body.items.length, 2);
      for (const e of au.body.items) {
        assert.equal(e.actor_id, a1.id);
        assert.equal(e.from_state, 'queued_l2');
        assert.equal(e.to_state, 'queued_l2');
      }
      assert.deepEqual(au.body.items.map((e) => e.details.annotation_version).sort(), [2, 3]);
      const meta = await srv.api('GET', '/api/v1/meta', { token: admin.access_token });
      assert.ok(meta.body.audit_actions.includes('task.revise'));
    });

    await t.test('another annotator, a reviewer, a task still at L1: refused', async () => {
      const id = await claimAndSubmit(srv, a1, project.id);
      // The work page lists what a1 may revise with worker=: only a1's.
      const mine = await srv.api('GET', `/api/v1/projects/${project.id}/tasks?state=queued_l2&worker=${a1.id}`, { token: admin.access_token });
      assert.equal(mine.status, 200);
      assert.deepEqual(mine.body.items.map((x) => x.id), [id]);
      const none = await srv.api('GET', `/api/v1/projects/${project.id}/tasks?state=queued_l2&worker=${a2.id}`, { token: admin.access_token });
      assert.deepEqual(none.body.items, []);
      // a2 never worked on it: as if it did not exist, like reading it.
      const other = await revise(srv, a2, id, REVISED);
      assert.equal(other.status, 404);
      assert.equal((await srv.api('GET', `/api/v1/tasks/${id}`, { token: a2.token })).status, 404);
      // A reviewer has no L1 role in the project.
      assert.equal((await revise(srv, r1, id, REVISED)).status, 403);
      assert.equal((await revise(srv, a1, 999999, REVISED)).status, 404);
      // A task a1 holds at L1 is submitted, not revised.
      const held = await claim(srv, a1, project.id, 'l1');
      const r = await revise(srv, a1, held.body.id, REVISED);
      assert.equal(r.status, 409);
      assert.equal(errorCode(r), 'wrong_state');
      assert.equal((await srv.api('POST', `/api/v1/tasks/${held.body.id}/release`, { token: a1.token })).status, 200);
      const g = await srv.api('GET', `/api/v1/tasks/${id}`, { token: a1.token });
      assert.deepEqual(g.body.annotations.map((a) => a.version), [1]);
    });

    await t.test('results are validated as a submit\'s', async () => {
      const c = await claim(srv, r1, project.id, 'l2');
      if (c.status === 200) await srv.api('POST', `/api/v1/tasks/${c.body.id}/release`, { token: r1.token });
      const id = c.status === 200 ? c.body.id : await claimAndSubmit(srv, a1, project.id);
      let r = await revise(srv, a1, id, nerResult('LOC'));
      assert.equal(r.status, 422);
      assert.equal(errorCode(r), 'invalid_result');
      assert.match(r.body.error.message, /LOC/);
      r = await revise(srv, a1, id, nerResult('PER', 0, 500));
      assert.equal(r.status, 422);
      assert.equal(errorCode(r), 'invalid_result');
      r = await revise(srv, a1, id, { not: 'an array' });
      assert.equal(r.status, 422);
      assert.equal(errorCode(r), 'invalid_result');
      r = await srv.api('POST', `/api/v1/tasks/${id}/revise`, { token: a1.token, body: {} });
      assert.equal(r.status, 422);
      assert.equal(errorCode(r), 'missing_field');
      r = await srv.api('POST', `/api/v1/tasks/${id}/revise`, { token: a1.token, body: { result: null } });
      assert.equal(r.status, 422);
      assert.equal(errorCode(r), 'result_required');
      r = await srv.api('POST', `/api/v1/tasks/${id}/revise`, { token: a1.token, raw: '{"result": [', headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 400);
      // A reviewer released it, deciding nothing: the author may still revise.
      r = await revise(srv, a1, id, REVISED);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    });
  } finally {
    await srv.stop();
  }
});

test('with overlap 2 only the author of the latest version revises', async () => {
  const srv = await startServer();
  try {
    const { admin, project, annotators: [a1, a2] } = await setupProject(srv, { policies: { overlap: 2 } });
    await addTasks(srv, admin, project.id, ['Alice met Bob.']);
    const id = await claimAndSubmit(srv, a1, project.id);
    // Waiting for its second annotation (queued_l1): nobody revises yet.
    let r = await revise(srv, a1, id, REVISED);
    assert.equal(r.status, 409);
    assert.equal(errorCode(r), 'wrong_state');
    assert.equal(await claimAndSubmit(srv, a2, project.id, nerResult('ORG', 6, 9)), id);
    r = await revise(srv, a1, id, REVISED);
    assert.equal(r.status, 403);
    assert.equal(errorCode(r), 'not_author');
    r = await revise(srv, a2, id, REVISED);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(latest(r.body).version, 3);
  } finally {
    await srv.stop();
  }
});

test('a task an L3 sent back to L2 was decided on: its author cannot revise it', async () => {
  const srv = await startServer();
  try {
    const { admin, project, annotators: [a1], reviewers: [r1], supers: [s1] } = await setupProject(srv, {
      policies: { l3_sample_rate: 1 },
    });
    await addTasks(srv, admin, project.id, ['Alice met Bob.']);
    const id = await claimAndSubmit(srv, a1, project.id);
    assert.equal((await claim(srv, r1, project.id, 'l2')).body.id, id);
    assert.equal((await review(srv, r1, id, { decision: 'approve' })).status, 200);
    assert.equal((await claim(srv, s1, project.id, 'l3')).body.id, id);
    assert.equal((await decide(srv, s1, id, { decision: 'send_back_l2', comment: 'look again' })).status, 200);
    const g = await srv.api('GET', `/api/v1/tasks/${id}`, { token: admin.access_token });
    assert.equal(g.body.state, 'queued_l2');
    // The latest version is still a1's submission, but L2 approved it once.
    assert.equal(latest(g.body).author_id, a1.id);
    const r = await revise(srv, a1, id, REVISED);
    assert.equal(r.status, 403);
    assert.equal(errorCode(r), 'not_author');
    assert.match(r.body.error.message, /before a reviewer has decided/);
  } finally {
    await srv.stop();
  }
});

// Many tasks wait for L2; for each one its author revises while a reviewer
// claims, all at once. Whoever claimed a task sees the revised version iff
// that task's revise answered 200; a refused revise says task_claimed.
test('revise racing the reviewers\' claims: one order or the other, per task', { timeout: 300000 }, async (t) => {
  const TASKS = 16;
  const srv = await startServer({ threads: 32, env: { LABELFLOW_ACCESS_LOG: '0', LABELFLOW_DB_POOL: '16' } });
  try {
    const { admin, project, annotators: [a1], reviewers } = await setupProject(srv, {
      counts: { annotator: 1, reviewer: TASKS, super_reviewer: 0 },
    });
    const seen = { 200: 0, 409: 0 };
    for (let round = 0; round < 3; round++) {
      await addTasks(srv, admin, project.id, Array.from({ length: TASKS }, (_, i) => `Alice met Bob ${round}.${i}`));
      const ids = [];
      for (let i = 0; i < TASKS; i++) ids.push(await claimAndSubmit(srv, a1, project.id));
      const calls = [];
      for (let i = 0; i < TASKS; i++) {
        calls.push(revise(srv, a1, ids[i], REVISED));
        calls.push(claim(srv, reviewers[i], project.id, 'l2'));
      }
      const answers = await Promise.all(calls);
      const revised = new Map();
      const claimed = new Map();
      for (let i = 0; i < TASKS; i++) {
        const rv = answers[2 * i];
        const cl = answers[2 * i + 1];
        assert.ok(rv.status === 200 || rv.status === 409, `revise ${rv.status} ${JSON.stringify(rv.body)}`);
        if (rv.status === 409) assert.equal(errorCode(rv), 'task_claimed');
        seen[rv.status]++;
        revised.set(ids[i], rv.status === 200);
        assert.equal(cl.status, 200, `claim ${cl.status} ${JSON.stringify(cl.body)}`);
        claimed.set(cl.body.id, cl.body);
      }
      // Every waiting task went to exactly one reviewer.
      assert.deepEqual([...claimed.keys()].sort((x, y) => x - y), [...ids].sort((x, y) => x - y));
      for (const [id, task] of claimed) {
        const want = revised.get(id) ? REVISED : ORIGINAL;
        assert.deepEqual(latest(task).result, want, `task ${id}: revise ${revised.get(id) ? 200 : 409}`);
        assert.equal(task.annotations.length, revised.get(id) ? 2 : 1);
      }
      for (const [id, task] of claimed) {
        const holder = reviewers.find((r) => r.id === task.lease.holder);
        assert.equal((await review(srv, holder, id, { decision: 'approve' })).status, 200);
      }
    }
    t.diagnostic(`revise answers: ${seen[200]} landed before the claim, ${seen[409]} refused`);
  } finally {
    await srv.stop();
  }
});
