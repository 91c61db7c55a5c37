// Idempotency keys under concurrency (issue 11): many identical requests
// with one key at once apply once, and every one of them gets the
// original's result — a replay that arrives while the original is still
// being written waits for it instead of answering 404 or 409. Only a
// request with the same key and different parameters is refused (409
// idempotency_key_reused). Deposits, refunds and payout batches, on
// whichever store the server runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, nerResult } from './workflow-lib.mjs';

const N = 24;
const RATES = { l1: 100, l2: 50, l3: 30 };
let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const post = (admin, path, body) => srv.api('POST', path, { token: admin.access_token, body });
const escrow = async (admin, pid) => (await srv.api('GET', `/api/v1/projects/${pid}/escrow`, { token: admin.access_token })).body;
const earnings = async (u) => (await srv.api('GET', '/api/v1/me/earnings', { token: u.token })).body;
// Fires n requests at once behind a long write (an import of a few
// thousand tasks into a scratch project): they queue up for the database
// together, so on SQLite they share one group-commit batch with the
// original, which is where a replay could see the original's row before
// it was committed. Returns the n answers.
let scratch;
async function burst(n, send) {
  if (!scratch) scratch = (await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } }));
  const tasks = Array.from({ length: 3000 }, (_, i) => ({ data: { text: 'load ' + i } }));
  const load = srv.api('POST', `/api/v1/projects/${scratch.project.id}/tasks`, { token: scratch.admin.access_token, body: { tasks } });
  await new Promise((r) => setTimeout(r, 5));
  const rs = await Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  assert.equal((await load).status, 201);
  return rs;
}
const show = (rs) => JSON.stringify(rs.map((r) => [r.status, r.body.id ?? r.body.error?.code]));

// Every answer is the original (one 201) or its replay (200), all naming
// the same record. Returns that record.
function oneOriginal(rs) {
  assert.deepEqual(rs.filter((r) => r.status !== 201 && r.status !== 200).map((r) => [r.status, r.body]), [], show(rs));
  assert.equal(rs.filter((r) => r.status === 201).length, 1, show(rs));
  const first = rs.find((r) => r.status === 201).body;
  for (const r of rs) assert.equal(r.body.id, first.id, show(rs));
  return first;
}

async function ledgerTxns(admin, pid, kind) {
  const l = await srv.api('GET', `/api/v1/projects/${pid}/ledger?limit=1000`, { token: admin.access_token });
  assert.equal(l.status, 200);
  return new Set(l.body.items.filter((e) => e.txn_kind === kind).map((e) => e.txn_id)).size;
}

async function audited(admin, pid, action) {
  const a = await srv.api('GET', `/api/v1/audit?project=${pid}&action=${action}&limit=500`, { token: admin.access_token });
  assert.equal(a.status, 200);
  return a.body.items.length;
}

async function verified(admin) {
  const v = await srv.api('GET', '/api/v1/ledger/verify', { token: admin.access_token });
  assert.equal(v.body.ok, true, v.body.reason);
}

test('concurrent deposits with one key apply once and all answer the same deposit', async () => {
  const { admin, project } = await setupProject(srv, { rates: RATES, counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const path = `/api/v1/projects/${project.id}/escrow/deposits`;
  const body = { amount: 1000, reference: 'wire 7', idempotency_key: 'fund-once' };
  const rs = await burst(N, () => post(admin, path, body));
  const d = oneOriginal(rs);
  assert.equal(d.amount, 1000);
  for (const r of rs) assert.equal(r.body.replayed, r.status === 200);
  assert.equal((await escrow(admin, project.id)).available, 1000);
  assert.equal(await ledgerTxns(admin, project.id, 'deposit'), 1);
  assert.equal(await audited(admin, project.id, 'escrow.deposit'), 1);

  // The same key with other parameters is refused, whenever it comes.
  for (const other of [{ ...body, amount: 999 }, { ...body, reference: 'wire 8' }]) {
    const clash = await post(admin, path, other);
    assert.equal(clash.status, 409, JSON.stringify(clash.body));
    assert.equal(errorCode(clash), 'idempotency_key_reused');
  }

  // Racing requests with one key and two amounts: whichever amount wins,
  // its requests get that deposit and the others 409.
  const race = await burst(N, (i) => post(admin, path, { amount: i % 3 ? 500 : 700, idempotency_key: 'fund-race' }));
  const won = race.find((r) => r.status === 201);
  assert.ok(won, show(race));
  for (const [i, r] of race.entries()) {
    if ((i % 3 ? 500 : 700) === won.body.amount) {
      assert.ok(r.status === 201 || r.status === 200, show(race));
      assert.equal(r.body.id, won.body.id, show(race));
    } else {
      assert.equal(r.status, 409, show(race));
      assert.equal(errorCode(r), 'idempotency_key_reused');
    }
  }
  assert.equal((await escrow(admin, project.id)).available, 1000 + won.body.amount);
  assert.equal(await ledgerTxns(admin, project.id, 'deposit'), 2);
  await verified(admin);
});

test('concurrent refunds with one key refund once', async () => {
  const { admin, project } = await setupProject(srv, { rates: RATES, counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  assert.equal((await post(admin, `/api/v1/projects/${project.id}/escrow/deposits`, { amount: 700, idempotency_key: 'f' })).status, 201);
  await srv.api('PATCH', `/api/v1/projects/${project.id}`, { token: admin.access_token, body: { status: 'closed' } });
  const path = `/api/v1/projects/${project.id}/escrow/refund`;
  const rs = await burst(N, () => post(admin, path, { idempotency_key: 'close-out' }));
  const r = oneOriginal(rs);
  assert.equal(r.kind, 'refund');
  assert.equal(r.amount, 700);
  for (const x of rs) assert.equal(x.body.amount, 700);
  assert.equal((await escrow(admin, project.id)).available, 0);
  assert.equal(await ledgerTxns(admin, project.id, 'refund'), 1);
  assert.equal(await audited(admin, project.id, 'escrow.refund'), 1);
  // A deposit's key is not a refund's, nor the other way round.
  const asDeposit = await post(admin, `/api/v1/projects/${project.id}/escrow/deposits`, { amount: 700, idempotency_key: 'close-out' });
  assert.equal(asDeposit.status, 409);
  assert.equal(errorCode(asDeposit), 'idempotency_key_reused');
  const asRefund = await post(admin, path, { idempotency_key: 'f' });
  assert.equal(asRefund.status, 409);
  assert.equal(errorCode(asRefund), 'idempotency_key_reused');
  await verified(admin);
});

// One accepted task: a1 earns 100, r1 50, s1 30.
async function acceptedProject() {
  const ctx = await setupProject(srv, { rates: RATES, counts: { annotator: 1, reviewer: 1, super_reviewer: 1 } });
  const { admin, project, annotators: [a1], reviewers: [r1], supers: [s1] } = ctx;
  await post(admin, `/api/v1/projects/${project.id}/escrow/deposits`, { amount: 1000, idempotency_key: 'f' });
  await addTasks(srv, admin, project.id, ['Ann']);
  const c = await claim(srv, a1, project.id, 'l1');
  await submit(srv, a1, c.body.id, nerResult('PER', 0, 3));
  await claim(srv, r1, project.id, 'l2');
  await review(srv, r1, c.body.id, { decision: 'approve' });
  await claim(srv, s1, project.id, 'l3');
  assert.equal((await decide(srv, s1, c.body.id, { decision: 'approve' })).body.state, 'accepted');
  return ctx;
}

test('concurrent payouts with one key make one batch and all answer it', async () => {
  const { admin, annotators: [a1], reviewers: [r1], supers: [s1] } = await acceptedProject();
  const body = { idempotency_key: 'payday-once', adapter: 'csv', min_amount: 1, user_ids: [a1.id, r1.id, s1.id] };
  const rs = await burst(N, () => post(admin, '/api/v1/payouts', body));
  const b = oneOriginal(rs);
  for (const r of rs) {
    assert.equal(r.body.items.length, 3, show(rs));
    assert.deepEqual(r.body.totals, { USD: 180 });
  }
  // More rounds (empty batches by now): each replay answers the batch.
  for (const key of ['payday-2', 'payday-3', 'payday-4']) oneOriginal(await burst(N, () => post(admin, '/api/v1/payouts', { ...body, idempotency_key: key })));
  // Moved into the batch once: nothing is left payable for another one.
  const next = await post(admin, '/api/v1/payouts', { ...body, idempotency_key: 'payday-after' });
  assert.equal(next.status, 201);
  assert.deepEqual(next.body.items, []);
  for (const [u, amount] of [[a1, 100], [r1, 50], [s1, 30]]) {
    const e = await earnings(u);
    assert.equal(e.earned + e.paid, amount);
  }

  // Same key, other parameters: refused. The same users in another order
  // are the same request.
  for (const other of [{ min_amount: 2 }, { adapter: 'webhook' }, { user_ids: [a1.id] }, { user_ids: undefined }]) {
    const clash = await post(admin, '/api/v1/payouts', { ...body, ...other });
    assert.equal(clash.status, 409, JSON.stringify(other));
    assert.equal(errorCode(clash), 'idempotency_key_reused');
  }
  const reordered = await post(admin, '/api/v1/payouts', { ...body, user_ids: [s1.id, a1.id, r1.id, a1.id] });
  assert.equal(reordered.status, 200, JSON.stringify(reordered.body));
  assert.equal(reordered.body.id, b.id);
  await verified(admin);
});

test('racing payouts with one key and different parameters: the loser gets 409', async () => {
  const { admin, annotators: [a1], reviewers: [r1], supers: [s1] } = await acceptedProject();
  const users = [a1.id, r1.id, s1.id];
  const min = (i) => (i % 4 ? 1 : 40);
  const rs = await burst(N, (i) =>
    post(admin, '/api/v1/payouts', { idempotency_key: 'payday-race', adapter: 'csv', min_amount: min(i), user_ids: users }));
  const won = rs.find((r) => r.status === 201);
  assert.ok(won, show(rs));
  for (const [i, r] of rs.entries()) {
    if (min(i) === won.body.min_amount) {
      assert.ok(r.status === 201 || r.status === 200, show(rs));
      assert.equal(r.body.id, won.body.id, show(rs));
    } else {
      assert.equal(r.status, 409, show(rs));
      assert.equal(errorCode(r), 'idempotency_key_reused');
    }
  }
  await verified(admin);
});
