// GET /me/earnings/history: a worker's earned and paid money per UTC day,
// read from the ledger — accepted work counts as earned once, a settled
// payout as paid, a rejected submission not at all, and nobody sees
// another person's money.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitJob, errorCode, sql } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, nerResult } from './workflow-lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const history = (u, q = '') => srv.api('GET', `/api/v1/me/earnings/history${q}`, { token: u.token });
const today = () => new Date().toISOString().slice(0, 10);

const waitBatch = (admin, id) =>
  waitJob(srv, admin.access_token, `/api/v1/payouts/${id}`, { until: (b) => !['queued', 'running'].includes(b.status) });

test('earned on acceptance, paid on settlement, per day and currency', async () => {
  const { admin, project, annotators: [a1], reviewers: [r1], supers: [s1] } = await setupProject(srv, {
    rates: { l1: 100, l2: 50, l3: 30 },
    counts: { annotator: 1, reviewer: 1, super_reviewer: 1 },
  });
  const pid = project.id;
  await srv.api('POST', `/api/v1/projects/${pid}/escrow/deposits`, { token: admin.access_token, body: { amount: 10000, idempotency_key: 'fund' } });
  await addTasks(srv, admin, pid, ['Alice', 'Bob']);

  // Nothing yet: an empty list, not an error.
  let h = await history(a1);
  assert.equal(h.status, 200);
  assert.deepEqual(h.body.items, []);

  // Task 1: rejected once (that stint is never earned), then accepted.
  let c = await claim(srv, a1, pid, 'l1');
  const t1 = c.body.id;
  await submit(srv, a1, t1, nerResult('PER', 0, 5));
  await claim(srv, r1, pid, 'l2');
  await review(srv, r1, t1, { decision: 'reject', comment: 'redo' });
  // Submitted but not accepted: pending, so not in the history.
  assert.deepEqual((await history(a1)).body.items, []);
  c = await claim(srv, a1, pid, 'l1');
  assert.equal(c.body.id, t1);
  await submit(srv, a1, t1, nerResult('PER', 0, 5));
  await claim(srv, r1, pid, 'l2');
  await review(srv, r1, t1, { decision: 'approve' });
  await claim(srv, s1, pid, 'l3');
  assert.equal((await decide(srv, s1, t1, { decision: 'approve' })).status, 200);

  h = await history(a1);
  assert.deepEqual(h.body.items, [{ day: today(), currency: 'USD', currency_exponent: 2, earned: 100, paid: 0 }]);
  // The reviewer earned for the reject and for the approval.
  assert.deepEqual((await history(r1)).body.items, [{ day: today(), currency: 'USD', currency_exponent: 2, earned: 100, paid: 0 }]);

  // Pay a1 out (CSV adapter settles at once): paid appears, earned stays what was earned.
  const b = await srv.api('POST', '/api/v1/payouts', { token: admin.access_token, body: { idempotency_key: 'pay-a1', adapter: 'csv', user_ids: [a1.id] } });
  assert.equal(b.status, 201, JSON.stringify(b.body));
  assert.equal((await waitBatch(admin, b.body.id)).status, 'done');
  h = await history(a1);
  assert.deepEqual(h.body.items, [{ day: today(), currency: 'USD', currency_exponent: 2, earned: 100, paid: 100 }]);

  // Money of earlier days lands on its own day, oldest first, and the window cuts it off.
  const dayMs = 86400000;
  const threeDaysAgo = (Math.floor(Date.now() / dayMs) - 3) * dayMs + 3600000;
  sql(srv.db, `UPDATE ledger_txns SET created_at = ${threeDaysAgo} WHERE kind = 'earn' AND task_id = ${t1}`);
  h = await history(a1);
  const earlier = new Date(threeDaysAgo).toISOString().slice(0, 10);
  assert.deepEqual(h.body.items, [
    { day: earlier, currency: 'USD', currency_exponent: 2, earned: 100, paid: 0 },
    { day: today(), currency: 'USD', currency_exponent: 2, earned: 0, paid: 100 },
  ]);
  assert.deepEqual((await history(a1, '?days=3')).body.items, [{ day: today(), currency: 'USD', currency_exponent: 2, earned: 0, paid: 100 }]);
  assert.equal((await history(a1, '?days=4')).body.items.length, 2);
});

test('bad parameters and no token are refused with the error shape', async () => {
  const { annotators: [a1] } = await setupProject(srv, { counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  for (const q of ['?days=0', '?days=367', '?days=abc']) {
    const r = await history(a1, q);
    assert.equal(r.status, 400, q);
    errorCode(r);
  }
  const anon = await srv.api('GET', '/api/v1/me/earnings/history');
  assert.equal(anon.status, 401);
  assert.equal(errorCode(anon), 'unauthorized');
});
