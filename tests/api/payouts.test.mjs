// Payouts: batches with an idempotency key, the signed webhook adapter
// against a real local receiver that verifies signatures and fails the
// first attempts, a refused payout returning to payable, the CSV
// statement, the ledger verifying afterwards, and webhook URLs that point
// inside the network refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, waitJob } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, nerResult } from './workflow-lib.mjs';

const SECRET = 'webhook-secret-for-tests';
const received = [];
let failFirst = 2;
let refuseUser = null;
let receiver, srv;

function verify(header, body) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header || '');
  if (!m) return false;
  const key = createHash('sha256').update(SECRET).digest();
  const want = createHmac('sha256', key).update(`${m[1]}.${body}`).digest();
  return Math.abs(Date.now() / 1000 - Number(m[1])) < 300 && timingSafeEqual(want, Buffer.from(m[2], 'hex'));
}

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const ok = verify(req.headers['labelflow-signature'], body);
      const item = JSON.parse(body);
      received.push({ ok, key: req.headers['idempotency-key'], item });
      if (!ok) { res.writeHead(401); return res.end(); }
      if (failFirst > 0) { failFirst--; res.writeHead(500); return res.end('try later'); }
      if (item.user_id === refuseUser) { res.writeHead(400, { 'content-type': 'application/json' }); return res.end('{"error":"closed account"}'); }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ reference: `tx-${item.id}` }));
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  srv = await startServer({ env: {
    LABELFLOW_PAYOUT_WEBHOOK_URL: `http://127.0.0.1:${receiver.address().port}/payouts`,
    LABELFLOW_PAYOUT_WEBHOOK_SECRET: SECRET,
    // The receiver is on loopback, which is refused unless allowed.
    LABELFLOW_PAYOUT_WEBHOOK_ALLOW_PRIVATE: '1',
  } });
});
after(async () => {
  receiver.closeAllConnections();
  receiver.close();
  await srv.stop();
});

const earnings = async (u) => (await srv.api('GET', '/api/v1/me/earnings', { token: u.token })).body;
const waitBatch = (admin, id) =>
  waitJob(srv, admin.access_token, `/api/v1/payouts/${id}`, { until: (b) => !['queued', 'running'].includes(b.status) });

// One accepted task: a1 earns 100, r1 50, s1 30 (in USD unless told).
async function acceptedProject(currency) {
  const ctx = await setupProject(srv, { rates: { l1: 100, l2: 50, l3: 30 }, counts: { annotator: 1, reviewer: 1, super_reviewer: 1 } });
  const { admin, project, annotators: [a1], reviewers: [r1], supers: [s1] } = ctx;
  if (currency) {
    const r = await srv.api('PATCH', `/api/v1/projects/${project.id}`, { token: admin.access_token, body: { currency } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  await srv.api('POST', `/api/v1/projects/${project.id}/escrow/deposits`, { token: admin.access_token, body: { amount: 1000, idempotency_key: 'f' } });
  await addTasks(srv, admin, project.id, ['Ann']);
  const c = await claim(srv, a1, project.id, 'l1');
  await submit(srv, a1, c.body.id, nerResult('PER', 0, 3));
  await claim(srv, r1, project.id, 'l2');
  await review(srv, r1, c.body.id, { decision: 'approve' });
  await claim(srv, s1, project.id, 'l3');
  assert.equal((await decide(srv, s1, c.body.id, { decision: 'approve' })).body.state, 'accepted');
  return ctx;
}

test('webhook payouts retry through failures, are signed, idempotent and settle the ledger', async () => {
  const { admin, annotators: [a1], reviewers: [r1], supers: [s1] } = await acceptedProject();
  refuseUser = r1.id;
  const body = { idempotency_key: 'payday-1', adapter: 'webhook', min_amount: 1, user_ids: [a1.id, r1.id, s1.id] };
  const b = await srv.api('POST', '/api/v1/payouts', { token: admin.access_token, body });
  assert.equal(b.status, 201, JSON.stringify(b.body));
  assert.equal(b.body.items.length, 3);
  assert.deepEqual(b.body.totals, { USD: 180 });
  // A webhook batch writes no statement.
  const none = await srv.api('GET', `/api/v1/payouts/${b.body.id}/statement`, { token: admin.access_token });
  assert.equal(none.status, 409);
  assert.equal(none.body.error.code, 'no_statement');
  // Money in a batch still shows as earned, not paid, until confirmed.
  assert.deepEqual([(await earnings(a1)).earned, (await earnings(a1)).paid], [100, 0]);
  const replay = await srv.api('POST', '/api/v1/payouts', { token: admin.access_token, body });
  assert.equal(replay.status, 200);
  assert.equal(replay.body.id, b.body.id);

  const done = await waitBatch(admin, b.body.id);
  assert.equal(done.status, 'partial');
  const byUser = Object.fromEntries(done.items.map((i) => [i.user_id, i]));
  assert.equal(byUser[a1.id].status, 'paid');
  assert.equal(byUser[a1.id].external_ref, `tx-${byUser[a1.id].id}`);
  assert.equal(byUser[s1.id].status, 'paid');
  assert.equal(byUser[r1.id].status, 'failed');
  assert.match(byUser[r1.id].last_error, /400/);
  // Every request was signed; retries reused the item's idempotency key.
  assert.ok(received.length >= 5);
  assert.ok(received.every((r) => r.ok));
  const keys = received.filter((r) => r.item.user_id === a1.id).map((r) => r.key);
  assert.ok(keys.length >= 1 && keys.every((k) => k === `payday-1:${byUser[a1.id].id}`));

  assert.deepEqual(await earnings(a1), { ...(await earnings(a1)), earned: 0, paid: 100 });
  assert.equal((await earnings(s1)).paid, 30);
  // The refused payout is payable again.
  assert.deepEqual([(await earnings(r1)).earned, (await earnings(r1)).paid], [50, 0]);
  const v = await srv.api('GET', '/api/v1/ledger/verify', { token: admin.access_token });
  assert.equal(v.body.ok, true, v.body.reason);
  // A second batch finds only what is still payable.
  refuseUser = null;
  const b2 = await srv.api('POST', '/api/v1/payouts', { token: admin.access_token, body: { idempotency_key: 'payday-2', adapter: 'webhook', user_ids: [a1.id, r1.id, s1.id] } });
  assert.deepEqual(b2.body.items.map((i) => [i.user_id, i.amount]), [[r1.id, 50]]);
  assert.equal((await waitBatch(admin, b2.body.id)).status, 'done');
  assert.equal((await earnings(r1)).paid, 50);
});

test('CSV statement batch, with a minimum amount', async () => {
  const { admin, annotators: [a1], reviewers: [r1], supers: [s1] } = await acceptedProject();
  const b = await srv.api('POST', '/api/v1/payouts', { token: admin.access_token, body: { idempotency_key: 'csv-1', adapter: 'csv', min_amount: 40, user_ids: [a1.id, r1.id, s1.id] } });
  assert.equal(b.status, 201);
  // s1's 30 is under the minimum and stays payable.
  assert.deepEqual(b.body.items.map((i) => i.user_id).sort(), [a1.id, r1.id].sort());
  const done = await waitBatch(admin, b.body.id);
  assert.equal(done.status, 'done');
  assert.ok(done.statement_key);
  const csv = readFileSync(join(srv.dir, 'blobs', done.statement_key), 'utf8').trim().split('\r\n');
  assert.equal(csv[0], 'item_id,batch_id,user_id,email,name,project_id,currency,amount_minor,amount,idempotency_key');
  assert.equal(csv.length, 3);
  assert.ok(csv.some((l) => l.includes(',USD,100,1.00,')));
  // Finance downloads the statement over the API.
  const st = await fetch(`${srv.url}/api/v1/payouts/${b.body.id}/statement`, { headers: { authorization: `Bearer ${admin.access_token}` } });
  assert.equal(st.status, 200);
  assert.match(st.headers.get('content-type'), /^text\/csv/);
  assert.equal(st.headers.get('content-disposition'), `attachment; filename="payout-${b.body.id}-statement.csv"`);
  assert.deepEqual((await st.text()).trim().split('\r\n'), csv);
  assert.equal((await srv.api('GET', `/api/v1/payouts/${b.body.id}/statement`, { token: a1.token })).status, 403);
  assert.equal((await srv.api('GET', '/api/v1/payouts/999999/statement', { token: admin.access_token })).status, 404);
  assert.equal((await earnings(s1)).earned, 30);
  assert.equal((await earnings(a1)).paid, 100);
  const list = await srv.api('GET', '/api/v1/payouts', { token: admin.access_token });
  assert.ok(list.body.items.some((x) => x.id === b.body.id));
  assert.equal((await srv.api('GET', '/api/v1/payouts', { token: a1.token })).status, 403);
  const bad = await srv.api('POST', '/api/v1/payouts', { token: admin.access_token, body: { idempotency_key: 'x', adapter: 'paypal' } });
  assert.equal(bad.status, 422);
  const v = await srv.api('GET', '/api/v1/ledger/verify', { token: admin.access_token });
  assert.equal(v.body.ok, true, v.body.reason);
});

test('a minimum per currency, beside the single one', async () => {
  const usd = await acceptedProject();
  const eur = await acceptedProject('EUR');
  const { admin } = usd;
  const users = [usd, eur].flatMap((c) => [c.annotators[0].id, c.reviewers[0].id, c.supers[0].id]);
  const post = (body) => srv.api('POST', '/api/v1/payouts', { token: admin.access_token, body: { adapter: 'csv', user_ids: users, ...body } });
  const b = await post({ idempotency_key: 'per-currency-1', min_amount: 1, min_amounts: { USD: 40, EUR: 60 } });
  assert.equal(b.status, 201, JSON.stringify(b.body));
  assert.deepEqual(b.body.min_amounts, { EUR: 60, USD: 40 });
  // USD: 100 and 50 reach 40, 30 does not; EUR: only 100 reaches 60.
  const got = b.body.items.map((i) => `${i.currency} ${i.user_id} ${i.amount}`).sort();
  assert.deepEqual(got, [
    `EUR ${eur.annotators[0].id} 100`,
    `USD ${usd.annotators[0].id} 100`,
    `USD ${usd.reviewers[0].id} 50`,
  ].sort());
  assert.deepEqual(b.body.totals, { EUR: 100, USD: 150 });
  // The same minimums in another order are the same request; others are not.
  const again = await post({ idempotency_key: 'per-currency-1', min_amount: 1, min_amounts: { EUR: 60, USD: 40 } });
  assert.equal(again.status, 200);
  assert.equal(again.body.id, b.body.id);
  const other = await post({ idempotency_key: 'per-currency-1', min_amount: 1, min_amounts: { EUR: 61, USD: 40 } });
  assert.equal(other.status, 409);
  // A currency without a minimum of its own keeps min_amount.
  const rest = await post({ idempotency_key: 'per-currency-2', min_amount: 40, min_amounts: { USD: 1 } });
  assert.equal(rest.status, 201);
  assert.deepEqual(rest.body.items.map((i) => `${i.currency} ${i.amount}`).sort(), ['EUR 50', 'USD 30']);
  const listed = await srv.api('GET', `/api/v1/payouts/${rest.body.id}`, { token: admin.access_token });
  assert.deepEqual(listed.body.min_amounts, { USD: 1 });
  // Only currency codes, only whole non-negative minor units, only currencies in use.
  for (const [min_amounts, code] of [
    [{ usd: 1 }, 'invalid_field'],
    [{ EURO: 1 }, 'invalid_field'],
    [{ EUR: -1 }, 'invalid_field'],
    [{ EUR: 1.5 }, 'invalid_field'],
    [{ EUR: '10' }, 'invalid_field'],
    [[1], 'invalid_field'],
    [{ XTS: 1 }, 'unknown_currency'],
  ]) {
    const r = await post({ idempotency_key: `bad-${JSON.stringify(min_amounts)}`, min_amounts });
    assert.equal(r.status, 422, JSON.stringify(min_amounts));
    assert.equal(r.body.error.code, code, JSON.stringify(r.body));
  }
  assert.deepEqual((await post({ idempotency_key: 'per-currency-zero', min_amounts: { EUR: 0 } })).status, 201);
  const v = await srv.api('GET', '/api/v1/ledger/verify', { token: admin.access_token });
  assert.equal(v.body.ok, true, v.body.reason);
});

test('a webhook url on an internal address is refused (422) unless allowed', async (t) => {
  for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://0x7f000001:9/pay', 'http://2130706433/pay', 'http://[::ffff:127.0.0.1]/pay', 'http://10.0.0.7/pay']) {
    const s = await startServer({ env: { LABELFLOW_PAYOUT_WEBHOOK_URL: url, LABELFLOW_PAYOUT_WEBHOOK_SECRET: SECRET } });
    const admin = await s.login('admin@example.org', 'admin-password-1');
    const r = await s.api('POST', '/api/v1/payouts', { token: admin.access_token, body: { idempotency_key: 'x', adapter: 'webhook' } });
    await s.stop();
    assert.equal(r.status, 422, `${url}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'webhook_refused');
    assert.match(r.body.error.message, /internal address .*LABELFLOW_PAYOUT_WEBHOOK_ALLOW_PRIVATE=1/);
  }
  // The csv adapter does not care where the webhook points.
  const s = await startServer({ env: { LABELFLOW_PAYOUT_WEBHOOK_URL: 'http://127.0.0.1:9/pay', LABELFLOW_PAYOUT_WEBHOOK_SECRET: SECRET } });
  t.after(() => s.stop());
  const admin = await s.login('admin@example.org', 'admin-password-1');
  const r = await s.api('POST', '/api/v1/payouts', { token: admin.access_token, body: { idempotency_key: 'y', adapter: 'csv' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
});
