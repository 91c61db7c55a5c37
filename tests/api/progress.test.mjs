// GET /me/progress: an annotator's own L1 work per project, lifetime and
// the last 7 days, split by how it ended: accepted, rejected (sent back),
// pending review. A revision is not a new submission, and nobody sees
// anyone else's counts. Runs on SQLite, and on PostgreSQL when
// LABELFLOW_TEST_PG is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, revise, nerResult } from './workflow-lib.mjs';

const progress = async (srv, who) => {
  const r = await srv.api('GET', '/api/v1/me/progress', { token: who.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.next_cursor, null);
  return r.body.items;
};

async function claimAndSubmit(srv, who, projectId) {
  const c = await claim(srv, who, projectId, 'l1');
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal((await submit(srv, who, c.body.id, nerResult())).status, 200);
  return c.body.id;
}

test('own progress per project: submitted, accepted, rejected, pending, last 7 days', async () => {
  const srv = await startServer();
  try {
    // Every L2 approval is final here (no L3 sample), so accepted follows at once.
    const { admin, project, annotators: [a1, a2], reviewers: [r1] } = await setupProject(srv, {
      policies: { l3_sample_rate: 0 },
    });
    const other = await setupProject(srv, { policies: { l3_sample_rate: 0 } });
    assert.deepEqual(await progress(srv, a1), []);
    await addTasks(srv, admin, project.id, ['t1 Alice', 't2 Alice', 't3 Alice', 't4 Alice']);

    // t1 accepted; t2 rejected then resubmitted and pending; t3 pending and revised.
    const t1 = await claimAndSubmit(srv, a1, project.id);
    const t2 = await claimAndSubmit(srv, a1, project.id);
    const t3 = await claimAndSubmit(srv, a1, project.id);
    for (const want of [t1, t2]) {
      const c = await claim(srv, r1, project.id, 'l2');
      assert.equal(c.body.id, want);
      const body = want === t1 ? { decision: 'approve' } : { decision: 'reject', comment: 'redo' };
      assert.equal((await review(srv, r1, want, body)).status, 200);
    }
    const again = await claim(srv, a1, project.id, 'l1');
    assert.equal(again.body.id, t2, 'the rework comes back to its annotator first');
    assert.equal((await submit(srv, a1, t2, nerResult())).status, 200);
    assert.equal((await revise(srv, a1, t3, nerResult('ORG'))).status, 200);
    // a2 works too, and in another project a1 is not in.
    await claimAndSubmit(srv, a2, project.id);
    await addTasks(srv, other.admin, other.project.id, ['x Alice']);
    await claimAndSubmit(srv, other.annotators[0], other.project.id);

    assert.deepEqual(await progress(srv, a1), [
      { project_id: project.id, submitted: 4, accepted: 1, rejected: 1, pending_review: 2, last_7_days: 4 },
    ]);
    assert.deepEqual(await progress(srv, a2), [
      { project_id: project.id, submitted: 1, accepted: 0, rejected: 0, pending_review: 1, last_7_days: 1 },
    ]);
    assert.deepEqual(await progress(srv, other.annotators[0]), [
      { project_id: other.project.id, submitted: 1, accepted: 0, rejected: 0, pending_review: 1, last_7_days: 1 },
    ]);
    // A reviewer's L2 work is not L1 progress.
    assert.deepEqual(await progress(srv, r1), []);

    // Work finished 8 days ago counts in the lifetime figures only.
    sql(srv.db, `UPDATE task_work SET finished_at = finished_at - ${8 * 86400000} WHERE task_id = ${t1} AND stage = 1`);
    assert.deepEqual(await progress(srv, a1), [
      { project_id: project.id, submitted: 4, accepted: 1, rejected: 1, pending_review: 2, last_7_days: 3 },
    ]);

    assert.equal((await srv.api('GET', '/api/v1/me/progress')).status, 401);
  } finally {
    await srv.stop();
  }
});
