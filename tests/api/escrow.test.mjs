// Escrow and payments: deposits (idempotent), holds on claim, release on
// give-back and expiry, pay on acceptance, rework and overturned reviews
// paid correctly, 402 when escrow runs dry, refunds, earnings, and a
// ledger that verifies — every balance checked to the cent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode, cli, sql, dbUrl, PG } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, nerResult } from './workflow-lib.mjs';

let srv;
before(async () => { srv = await startServer({ env: { LABELFLOW_SWEEP_MS: '100' } }); });
after(async () => { await srv.stop(); });

const RATES = { l1: 100, l2: 50, l3: 30 };
const deposit = (admin, pid, amount, key, reference = 'wire 42') =>
  srv.api('POST', `/api/v1/projects/${pid}/escrow/deposits`, { token: admin.access_token, body: { amount, reference, idempotency_key: key } });
const escrow = async (admin, pid) => (await srv.api('GET', `/api/v1/projects/${pid}/escrow`, { token: admin.access_token })).body;
const earnings = async (u) => (await srv.api('GET', '/api/v1/me/earnings', { token: u.token })).body;
async function verified(admin) {
  const v = await srv.api('GET', '/api/v1/ledger/verify', { token: admin.access_token });
  assert.equal(v.status, 200);
  assert.equal(v.body.ok, true, v.body.reason);
}

test('deposits are idempotent and typed', async () => {
  const { admin, project } = await setupProject(srv, { rates: RATES, counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const d1 = await deposit(admin, project.id, 1000, 'dep-1');
  assert.equal(d1.status, 201);
  assert.equal(d1.body.amount, 1000);
  assert.equal(d1.body.currency, 'USD');
  assert.deepEqual(d1.body.escrow, { project_id: project.id, currency: 'USD', currency_exponent: 2, available: 1000, held: 0, spent: 0 });
  const again = await deposit(admin, project.id, 1000, 'dep-1');
  assert.equal(again.status, 200);
  assert.equal(again.body.id, d1.body.id);
  assert.equal(again.body.replayed, true);
  assert.equal((await escrow(admin, project.id)).available, 1000);
  const clash = await deposit(admin, project.id, 999, 'dep-1');
  assert.equal(clash.status, 409);
  assert.equal(errorCode(clash), 'idempotency_key_reused');
  for (const amount of [0, -5, 1.5, '10']) {
    const r = await deposit(admin, project.id, amount, 'bad-' + amount);
    assert.equal(r.status, 422, String(amount));
  }
  const noKey = await srv.api('POST', `/api/v1/projects/${project.id}/escrow/deposits`, { token: admin.access_token, body: { amount: 5 } });
  assert.equal(noKey.status, 422);
  // Rates must be integers too.
  const badRates = await srv.api('PATCH', `/api/v1/projects/${project.id}`, { token: admin.access_token, body: { rates: { l1: 0.5 } } });
  assert.equal(badRates.status, 422);
  // Money has moved: the currency is locked.
  const cur = await srv.api('PATCH', `/api/v1/projects/${project.id}`, { token: admin.access_token, body: { currency: 'EUR' } });
  assert.equal(cur.status, 409);
  assert.equal(errorCode(cur), 'currency_locked');
  await verified(admin);
});

test('a full project: holds, rework, overturn, acceptance, earnings, to the cent', async () => {
  const { admin, project, annotators: [a1, a2], reviewers: [r1, r2], supers: [s1] } = await setupProject(srv, { rates: RATES });
  const pid = project.id;
  await deposit(admin, pid, 1000, 'fund');
  await addTasks(srv, admin, pid, ['Alice', 'Bob']);

  // Claim reserves the L1 rate; release gives it back.
  let c = await claim(srv, a1, pid, 'l1');
  const t1 = c.body.id;
  assert.deepEqual(await escrow(admin, pid), { project_id: pid, currency: 'USD', currency_exponent: 2, available: 900, held: 100, spent: 0 });
  await srv.api('POST', `/api/v1/tasks/${t1}/release`, { token: a1.token });
  assert.equal((await escrow(admin, pid)).available, 1000);

  // Submit: the hold waits (pending). Reject: that L1 work goes back.
  c = await claim(srv, a1, pid, 'l1');
  assert.equal(c.body.id, t1);
  await submit(srv, a1, t1, nerResult('PER', 0, 5));
  assert.equal((await earnings(a1)).pending, 100);
  await claim(srv, r1, pid, 'l2');
  await review(srv, r1, t1, { decision: 'reject', comment: 'redo' });
  let e = await escrow(admin, pid);
  assert.equal(e.available, 950); // 1000 - r1's review hold (50)
  assert.equal(e.held, 50);
  assert.equal((await earnings(a1)).pending, 0);

  // Rework, approve, L3 sends back to L2 (r1's approval overturned, not paid),
  // r2 approves, L3 approves: paid are a1 once (100), r1 for the reject
  // (50), r2 (50), s1 twice (30 + 30).
  await claim(srv, a1, pid, 'l1');
  await submit(srv, a1, t1, nerResult('PER', 0, 5));
  await claim(srv, r1, pid, 'l2');
  await review(srv, r1, t1, { decision: 'approve' });
  await claim(srv, s1, pid, 'l3');
  await decide(srv, s1, t1, { decision: 'send_back_l2', comment: 'check again' });
  e = await escrow(admin, pid);
  // held: a1 100 + r1 reject 50 + s1 30 (r1's approval released)
  assert.equal(e.held, 180);
  assert.equal(e.available, 820);
  c = await claim(srv, r2, pid, 'l2');
  assert.equal(c.body.id, t1);
  await review(srv, r2, t1, { decision: 'approve' });
  await claim(srv, s1, pid, 'l3');
  const fin = await decide(srv, s1, t1, { decision: 'approve' });
  assert.equal(fin.body.state, 'accepted');
  e = await escrow(admin, pid);
  assert.deepEqual(e, { project_id: pid, currency: 'USD', currency_exponent: 2, available: 740, held: 0, spent: 260 });
  assert.deepEqual([(await earnings(a1)).earned, (await earnings(r1)).earned, (await earnings(r2)).earned, (await earnings(s1)).earned], [100, 50, 50, 60]);
  const ea = await earnings(a1);
  assert.equal(ea.currency, 'USD');
  assert.deepEqual(ea.projects, [{ project_id: pid, currency: 'USD', currency_exponent: 2, pending: 0, earned: 100, paid: 0 }]);

  // Discard pays nobody and returns every hold.
  const c2 = await claim(srv, a2, pid, 'l1');
  await submit(srv, a2, c2.body.id, nerResult('PER', 0, 3));
  await claim(srv, r2, pid, 'l2');
  await review(srv, r2, c2.body.id, { decision: 'escalate', comment: 'odd' });
  await claim(srv, s1, pid, 'l3');
  await decide(srv, s1, c2.body.id, { decision: 'discard', comment: 'garbage' });
  e = await escrow(admin, pid);
  assert.deepEqual(e, { project_id: pid, currency: 'USD', currency_exponent: 2, available: 740, held: 0, spent: 260 });
  assert.equal((await earnings(a2)).earned, 0);

  // The ledger lists it all, and it verifies; so does the CLI.
  const ledger = await srv.api('GET', `/api/v1/projects/${pid}/ledger?limit=500`, { token: admin.access_token });
  assert.ok(ledger.body.items.length > 10);
  assert.equal(ledger.body.items.reduce((s, l) => s + l.amount, 0), 0);
  // Shards stay inside the ledger: a deposit reads as two lines (funding
  // out, escrow in), not one per escrow shard, and no line is zero.
  const deposits = ledger.body.items.filter((l) => l.txn_kind === 'deposit');
  assert.ok(deposits.length > 0);
  for (const txn of new Set(deposits.map((l) => l.txn_id))) {
    assert.deepEqual(deposits.filter((l) => l.txn_id === txn).map((l) => l.account).sort(), ['escrow', 'external_funding']);
  }
  assert.ok(ledger.body.items.every((l) => l.amount !== 0));
  // Pages of three lines give back the same lines, none split or repeated.
  const paged = [];
  for (let cursor = ''; ;) {
    const page = await srv.api('GET', `/api/v1/projects/${pid}/ledger?limit=3${cursor}`, { token: admin.access_token });
    paged.push(...page.body.items);
    if (!page.body.next_cursor) break;
    cursor = `&cursor=${page.body.next_cursor}`;
  }
  assert.deepEqual(paged, ledger.body.items);
  await verified(admin);
  const v = cli(['ledger', 'verify', '--db', srv.db]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  // Workers cannot read the project's money.
  assert.equal((await srv.api('GET', `/api/v1/projects/${pid}/escrow`, { token: a1.token })).status, 403);
  assert.equal((await srv.api('GET', `/api/v1/projects/${pid}/ledger`, { token: r1.token })).status, 403);
});

test('402 when escrow cannot cover a claim; work resumes after a deposit', async () => {
  const { admin, project, annotators: [a1, a2] } = await setupProject(srv, { rates: RATES });
  await deposit(admin, project.id, 150, 'small');
  await addTasks(srv, admin, project.id, ['1', '2', '3']);
  assert.equal((await claim(srv, a1, project.id, 'l1')).status, 200);
  const dry = await claim(srv, a2, project.id, 'l1');
  assert.equal(dry.status, 402);
  assert.equal(errorCode(dry), 'insufficient_escrow');
  assert.match(dry.body.error.message, /50 USD more/);
  // Nothing was half done: the task is still queued, nobody holds it.
  const q = await srv.api('GET', `/api/v1/projects/${project.id}/tasks?state=queued_l1`, { token: admin.access_token });
  assert.equal(q.body.items.length, 2);
  await deposit(admin, project.id, 500, 'topup');
  assert.equal((await claim(srv, a2, project.id, 'l1')).status, 200);
  assert.deepEqual(await escrow(admin, project.id), { project_id: project.id, currency: 'USD', currency_exponent: 2, available: 450, held: 200, spent: 0 });
  await verified(admin);
});

test('an expired lease returns its hold', async () => {
  const { admin, project, annotators: [a1] } = await setupProject(srv, { rates: RATES, policies: { lease_seconds: 1 } });
  await deposit(admin, project.id, 300, 'f');
  await addTasks(srv, admin, project.id, ['x']);
  await claim(srv, a1, project.id, 'l1');
  assert.equal((await escrow(admin, project.id)).held, 100);
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await escrow(admin, project.id), { project_id: project.id, currency: 'USD', currency_exponent: 2, available: 300, held: 0, spent: 0 });
  await verified(admin);
});

test('refund of unspent escrow when the project is closed', async () => {
  const { admin, project } = await setupProject(srv, { rates: RATES, counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  await deposit(admin, project.id, 700, 'f');
  const early = await srv.api('POST', `/api/v1/projects/${project.id}/escrow/refund`, { token: admin.access_token, body: { idempotency_key: 'r1' } });
  assert.equal(early.status, 409);
  assert.equal(errorCode(early), 'project_active');
  await srv.api('PATCH', `/api/v1/projects/${project.id}`, { token: admin.access_token, body: { status: 'closed' } });
  const r = await srv.api('POST', `/api/v1/projects/${project.id}/escrow/refund`, { token: admin.access_token, body: { idempotency_key: 'r1' } });
  assert.equal(r.status, 201);
  assert.equal(r.body.amount, 700);
  assert.equal(r.body.kind, 'refund');
  assert.equal(r.body.escrow.available, 0);
  const again = await srv.api('POST', `/api/v1/projects/${project.id}/escrow/refund`, { token: admin.access_token, body: { idempotency_key: 'r1' } });
  assert.equal(again.status, 200);
  assert.equal(again.body.id, r.body.id);
  const empty = await srv.api('POST', `/api/v1/projects/${project.id}/escrow/refund`, { token: admin.access_token, body: { idempotency_key: 'r2' } });
  assert.equal(empty.status, 409);
  assert.equal(errorCode(empty), 'escrow_empty');
  await verified(admin);
});

test('the balance check catches a tampered ledger', async () => {
  const { admin, project } = await setupProject(srv, { rates: RATES, counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  await deposit(admin, project.id, 500, 'f');
  await verified(admin);
  const dir = srv.dir;
  await srv.stop({ keep: true });
  sql(dbUrl(dir), `UPDATE ledger_accounts SET balance = balance + 1 WHERE kind = 'escrow' AND project_id = ${project.id}`);
  const v = cli(['ledger', 'verify', '--db', dbUrl(dir)]);
  assert.equal(v.status, 1);
  assert.match(v.stdout, /differ from their entries/);
  srv = await startServer({ dir, env: { LABELFLOW_SWEEP_MS: '100' } });
  const admin2 = await srv.login('admin@example.org', 'admin-password-1');
  const r = await srv.api('GET', '/api/v1/ledger/verify', { token: admin2.access_token });
  assert.equal(r.body.ok, false);
  sql(dbUrl(dir), `UPDATE ledger_accounts SET balance = balance - 1 WHERE kind = 'escrow' AND project_id = ${project.id}`);
});

test('every currency the API returns comes with its minor-unit exponent', async () => {
  // The web UI formats amounts with this exponent and keeps no table of
  // its own: KRW has no minor unit, so 1000 minor units are ₩1,000.
  const { admin, project, annotators: [a1] } = await setupProject(srv, { rates: RATES, counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const pid = project.id;
  assert.equal(project.currency_exponent, 2);
  const patched = await srv.api('PATCH', `/api/v1/projects/${pid}`, { token: admin.access_token, body: { currency: 'KRW' } });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.currency_exponent, 0);
  const d = await deposit(admin, pid, 1000, 'krw');
  assert.equal(d.status, 201);
  assert.equal(d.body.currency_exponent, 0);
  assert.deepEqual(await escrow(admin, pid), { project_id: pid, currency: 'KRW', currency_exponent: 0, available: 1000, held: 0, spent: 0 });
  await addTasks(srv, admin, pid, ['x']);
  assert.equal((await claim(srv, a1, pid, 'l1')).status, 200);
  const ea = await earnings(a1);
  assert.deepEqual(ea.projects, [{ project_id: pid, currency: 'KRW', currency_exponent: 0, pending: 100, earned: 0, paid: 0 }]);
  assert.deepEqual(ea.by_currency, { KRW: { currency_exponent: 0, pending: 100, earned: 0, paid: 0 } });
  assert.equal(ea.currency, 'KRW');
  assert.equal(ea.currency_exponent, 0);
  const ledger = await srv.api('GET', `/api/v1/projects/${pid}/ledger`, { token: admin.access_token });
  assert.ok(ledger.body.items.length > 0);
  for (const l of ledger.body.items) assert.equal(l.currency_exponent, 0);
  for (const [cur, exp] of [['EUR', 2], ['JPY', 0], ['KWD', 3], ['USD', 2]]) {
    const { project: p } = await setupProject(srv, { rates: RATES, counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
    const r = await srv.api('PATCH', `/api/v1/projects/${p.id}`, { token: admin.access_token, body: { currency: cur } });
    assert.equal(r.body.currency_exponent, exp, cur);
    assert.equal((await srv.api('GET', `/api/v1/projects/${p.id}`, { token: admin.access_token })).body.currency_exponent, exp, cur);
  }
  await verified(admin);
});

// A claim takes its rate inside a savepoint (a short shard rolls back to
// it) and writes the task it locked outside. Were the task written inside
// the savepoint, the old row version would carry a MultiXact (the lock's
// xid and the subtransaction's), which no index scan can prove dead: the
// queue's index would keep every claimed task until VACUUM, and each
// claim walk them all. Read from the heap pages themselves (pageinspect),
// after claims that both take from their shard and refill it.
test('PostgreSQL: paid claims leave no MultiXact on the tasks they claim', { skip: !PG }, async () => {
  const { admin, project, annotators: [a1] } = await setupProject(srv, { rates: RATES });
  await deposit(admin, project.id, 16 * 125 + 1000, 'spread');
  const texts = Array.from({ length: 24 }, (_, i) => `text number ${i}`);
  await addTasks(srv, admin, project.id, texts);
  for (let i = 0; i < texts.length; i++) {
    const c = await claim(srv, a1, project.id, 'l1');
    assert.equal(c.status, 200);
    assert.equal((await submit(srv, a1, c.body.id, nerResult())).status, 200);
  }
  const refills = sql(srv.db, `SELECT COUNT(*) FROM ledger_txns WHERE kind = 'rebalance' AND project_id = ${project.id}`).trim();
  assert.ok(Number(refills) > 0, 'some claims found their shard short and refilled it');
  sql(srv.db, 'CREATE EXTENSION IF NOT EXISTS pageinspect');
  // Versions replaced (xmax set, not a mere lock: 0x0080), and the
  // versions whose xmax is a MultiXact (0x1000).
  const [replaced, multi] = sql(srv.db, `SELECT COUNT(*) FILTER (WHERE t_xmax <> 0 AND t_infomask & 128 = 0),
      COUNT(*) FILTER (WHERE t_infomask & 4096 <> 0)
    FROM generate_series(0, pg_relation_size('tasks') / 8192 - 1) AS b,
      heap_page_items(get_raw_page('tasks', b::int))`).trim().split('|').map(Number);
  // Page pruning may have removed some (it did: about two in three).
  assert.ok(replaced > 0, 'versions the claims replaced are still on the pages');
  assert.equal(multi, 0);
});
