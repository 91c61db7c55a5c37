// Outbound request safety (src/net/outbound.c) through the payout webhook:
// a webhook URL naming `localhost` (a DNS name, not an address, that
// resolves to loopback) is refused with a clear error and reaches nothing;
// LABELFLOW_OUTBOUND_ALLOW naming the host, or the loopback block, lets a
// real local receiver be paid; a bad allow-list entry stops the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, waitJob } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, nerResult } from './workflow-lib.mjs';

const SECRET = 'outbound-webhook-secret';
const received = [];
let receiver, url;

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const item = JSON.parse(body);
      received.push(item);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ reference: `tx-${item.id}` }));
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://localhost:${receiver.address().port}/payouts`;
});
after(() => {
  receiver.closeAllConnections();
  receiver.close();
});

// One accepted task: its annotator, reviewer and super reviewer earn
// 100, 50 and 30 (USD).
async function payable(srv) {
  const ctx = await setupProject(srv, { rates: { l1: 100, l2: 50, l3: 30 }, counts: { annotator: 1, reviewer: 1, super_reviewer: 1 } });
  const { admin, project, annotators: [a1], reviewers: [r1], supers: [s1] } = ctx;
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

test('a payout webhook at localhost is refused, naming the address and the setting that allows it', async (t) => {
  const srv = await startServer({ env: { LABELFLOW_PAYOUT_WEBHOOK_URL: url, LABELFLOW_PAYOUT_WEBHOOK_SECRET: SECRET } });
  t.after(() => srv.stop());
  const { admin, annotators: [a1] } = await payable(srv);
  const before = received.length;
  const r = await srv.api('POST', '/api/v1/payouts', { token: admin.access_token, body: { idempotency_key: 'local-1', adapter: 'webhook', user_ids: [a1.id] } });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'webhook_refused');
  assert.match(r.body.error.message, /host localhost is the internal address (127\.0\.0\.1|::1)/);
  assert.match(r.body.error.message, /LABELFLOW_OUTBOUND_ALLOW/);
  // Nothing was sent and nothing left the payable balance.
  assert.equal(received.length, before);
  const e = await srv.api('GET', '/api/v1/me/earnings', { token: a1.token });
  assert.equal(e.body.earned, 100);
});

for (const [n, allow] of ['localhost', '127.0.0.0/8, ::1/128'].entries()) {
  test(`LABELFLOW_OUTBOUND_ALLOW=${allow} lets the payout webhook at localhost be paid`, async (t) => {
    const srv = await startServer({ env: { LABELFLOW_PAYOUT_WEBHOOK_URL: url, LABELFLOW_PAYOUT_WEBHOOK_SECRET: SECRET, LABELFLOW_OUTBOUND_ALLOW: allow } });
    t.after(() => srv.stop());
    const { admin, annotators: [a1] } = await payable(srv);
    const before = received.length;
    const b = await srv.api('POST', '/api/v1/payouts', { token: admin.access_token, body: { idempotency_key: `allowed-${n}`, adapter: 'webhook', user_ids: [a1.id] } });
    assert.equal(b.status, 201, JSON.stringify(b.body));
    const done = await waitJob(srv, admin.access_token, `/api/v1/payouts/${b.body.id}`, { until: (x) => !['queued', 'running'].includes(x.status) });
    assert.equal(done.status, 'done', JSON.stringify(done));
    assert.equal(done.items[0].external_ref, `tx-${done.items[0].id}`);
    assert.deepEqual(received.slice(before).map((i) => [i.user_id, i.amount]), [[a1.id, 100]]);
  });
}

test('an allow-list entry that is neither an address block nor a host name stops the server, naming it', async () => {
  await assert.rejects(startServer({ env: { LABELFLOW_OUTBOUND_ALLOW: '10.0.0.0/8, 10.0.0.0/33' } }),
    /LABELFLOW_OUTBOUND_ALLOW: '10\.0\.0\.0\/33' is not an address, ADDRESS\/BITS block or host name/);
  await assert.rejects(startServer({ env: { LABELFLOW_OUTBOUND_ALLOW: 'http://hooks.example' } }),
    /LABELFLOW_OUTBOUND_ALLOW: 'http:\/\/hooks\.example' is not/);
});
