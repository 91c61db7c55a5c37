// Event webhooks: a real receiver on 127.0.0.1 (the server allows it with
// LABELFLOW_OUTBOUND_ALLOW) checks every request's LabelFlow-Signature
// with node:crypto and refuses each event's first attempt with a 500, so
// every event is delivered by a retry. A full L1 -> L2 (one rejection and
// rework) -> L3 run, with the server killed -9 in the middle and
// restarted, must bring every event it caused, each id once after
// deduplication and nothing else: not the submit refused for an invalid
// result (a rolled-back transition), nothing from before the webhook
// existed. Then CRUD, the secret shown once, access, the delivery log,
// its paging and filter, redelivery, the test PING, and SSRF refusals
// on a server without the allow-list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { startServer, errorCode, createUser, ADMIN, sql } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, nerResult } from './workflow-lib.mjs';

const FAST = {
  LABELFLOW_OUTBOUND_ALLOW: '127.0.0.1',
  LABELFLOW_WEBHOOK_RETRY_MS: '200',
  LABELFLOW_WEBHOOK_DISPATCH_MS: '50',
  LABELFLOW_WEBHOOK_ATTEMPTS: '4',
  LABELFLOW_JOB_LEASE_MS: '2000',
  LABELFLOW_ACCESS_LOG: '0',
};

// The receiver: records every request, verifies its signature against the
// secret of its path's webhook, fails the first `failFirst` attempts of
// each event id with 500.
function receiver() {
  const rx = { requests: [], secrets: new Map(), failFirst: 1, seen: new Map(), badSignatures: 0, status: null };
  rx.server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const sig = req.headers['labelflow-signature'] || '';
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
      const secret = rx.secrets.get(req.url);
      let valid = false;
      if (m && secret) {
        const hkey = createHash('sha256').update(secret).digest(); // the HMAC key (net/sign.h)
        const mac = createHmac('sha256', hkey).update(`${m[1]}.${raw}`).digest();
        valid = timingSafeEqual(mac, Buffer.from(m[2], 'hex')) && Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
      }
      if (!valid) rx.badSignatures++;
      let body = null;
      try { body = JSON.parse(raw); } catch { /* recorded as null */ }
      const id = body && body.id;
      const n = (rx.seen.get(id) || 0) + 1;
      rx.seen.set(id, n);
      const status = rx.status ?? (n <= rx.failFirst ? 500 : 200);
      rx.requests.push({ at: Date.now(), path: req.url, headers: req.headers, body, status, valid });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'try again');
    });
  });
  return new Promise((resolve) => rx.server.listen(0, '127.0.0.1', () => {
    rx.base = `http://127.0.0.1:${rx.server.address().port}`;
    resolve(rx);
  }));
}

const wait = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await wait(100);
  }
}

let rx;
before(async () => { rx = await receiver(); });
after(() => rx.server.close());

test('every event of an L1 -> L2 -> L3 run arrives once by id, signed, through retries and a kill -9', { timeout: 300000 }, async () => {
  let srv = await startServer({ env: FAST });
  const dir = srv.dir;
  const { admin, project, annotators: [a1], reviewers: [r1], supers: [s1] } = await setupProject(srv, { counts: { annotator: 1, reviewer: 1, super_reviewer: 1 } });
  // Tasks made before the webhook existed are no event of its.
  await addTasks(srv, admin, project.id, ['Early bird']);
  const t = admin.access_token;
  const hook = await srv.api('POST', `/api/v1/projects/${project.id}/webhooks`, { token: t, body: { url: `${rx.base}/run`, events: ['*'] } });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  rx.secrets.set('/run', hook.body.secret);
  const created = await addTasks(srv, admin, project.id, ['Alice 0 at Acme', 'Alice 1 at Acme', 'Alice 2 at Acme', 'Alice 3 at Acme']);
  const ids = Array.from({ length: created.created }, (_, i) => created.first_id + i);
  const expected = new Map(); // event -> count
  const add = (ev) => expected.set(ev, (expected.get(ev) || 0) + 1);
  add('TASKS_CREATED');

  async function runTask(first) {
    const c = await claim(srv, a1, project.id, 'l1');
    assert.equal(c.status, 200);
    if (first) {
      // An invalid result is refused: the transition rolls back and
      // must announce nothing.
      const bad = await submit(srv, a1, c.body.id, [{ id: 'x', from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 3, labels: ['NOPE'] } }]);
      assert.equal(bad.status, 422, JSON.stringify(bad.body));
    }
    assert.equal((await submit(srv, a1, c.body.id, nerResult())).status, 200);
    add('ANNOTATION_CREATED'); add('TASK_SUBMITTED');
    assert.equal((await claim(srv, r1, project.id, 'l2')).body.id, c.body.id);
    if (first) {
      assert.equal((await review(srv, r1, c.body.id, { decision: 'reject', comment: 'again' })).status, 200);
      add('TASK_REVIEWED');
      assert.equal((await claim(srv, a1, project.id, 'l1')).body.id, c.body.id);
      assert.equal((await submit(srv, a1, c.body.id, nerResult('ORG'))).status, 200);
      add('ANNOTATION_UPDATED'); add('TASK_SUBMITTED');
      assert.equal((await claim(srv, r1, project.id, 'l2')).body.id, c.body.id);
    }
    assert.equal((await review(srv, r1, c.body.id, { decision: 'approve' })).status, 200);
    add('TASK_REVIEWED');
  }
  // The first is the early task (lowest id): its events count, its creation not.
  await runTask(true);
  await runTask(false);
  // kill -9 mid-run: deliveries are pending (each first attempt fails).
  srv.proc.kill('SIGKILL');
  await srv.exited;
  srv = await startServer({ dir, env: FAST });
  const admin2 = await srv.login(ADMIN.email, ADMIN.password);
  const login = async (u) => ({ ...u, token: (await srv.login(u.email, u.password)).access_token });
  const [a, r, s] = [await login(a1), await login(r1), await login(s1)];
  for (;;) {
    const c = await claim(srv, a, project.id, 'l1');
    if (c.status !== 200) break;
    assert.equal((await submit(srv, a, c.body.id, nerResult())).status, 200);
    add('ANNOTATION_CREATED'); add('TASK_SUBMITTED');
  }
  for (;;) {
    const c = await claim(srv, r, project.id, 'l2');
    if (c.status !== 200) break;
    assert.equal((await review(srv, r, c.body.id, { decision: 'approve' })).status, 200);
    add('TASK_REVIEWED');
  }
  let l3 = 0;
  for (;;) {
    const c = await claim(srv, s, project.id, 'l3');
    if (c.status !== 200) break;
    assert.equal((await decide(srv, s, c.body.id, { decision: 'approve' })).status, 200);
    add('TASK_REVIEWED'); add('TASK_ACCEPTED');
    l3++;
  }
  assert.equal(l3, 5);
  const total = [...expected.values()].reduce((x, y) => x + y, 0);
  const delivered = () => {
    const ok = new Set(rx.requests.filter((q) => q.path === '/run' && q.status === 200).map((q) => q.body.id));
    return ok.size >= total ? ok : null;
  };
  await until(`${total} events delivered`, delivered, 120000);
  await wait(1000); // anything extra would arrive now
  const reqs = rx.requests.filter((q) => q.path === '/run');
  assert.equal(reqs.filter((q) => !q.valid).length, 0, 'every request is signed with the secret');
  const byId = new Map();
  for (const q of reqs) byId.set(q.body.id, q.body);
  assert.equal(byId.size, total, `distinct event ids: ${[...byId.keys()].sort().join(' ')}`);
  const got = new Map();
  for (const b of byId.values()) got.set(b.event, (got.get(b.event) || 0) + 1);
  assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...expected].sort()));
  // Each event was refused once, then delivered: its id came at least twice.
  for (const id of byId.keys()) assert.ok(rx.seen.get(id) >= 2, `event ${id} was not retried`);
  // Headers and the payload shape.
  const one = reqs.find((q) => q.body.event === 'ANNOTATION_UPDATED' && q.status === 200);
  assert.equal(one.headers['labelflow-event'], 'ANNOTATION_UPDATED');
  assert.match(one.headers['labelflow-delivery'], /^\d+$/);
  assert.equal(one.headers['content-type'], 'application/json');
  assert.equal(one.body.action, 'ANNOTATION_UPDATED');
  assert.equal(one.body.project.id, project.id);
  assert.equal(one.body.annotation.version, 2);
  assert.equal(one.body.annotation.result[0].value.labels[0], 'ORG');
  assert.equal(one.body.task.data.text, 'Early bird');
  const tc = [...byId.values()].find((b) => b.event === 'TASKS_CREATED');
  assert.equal(tc.count, 4);
  assert.deepEqual(tc.tasks.map((x) => x.id), ids);
  // The delivery log says the same.
  const log = await srv.api('GET', `/api/v1/projects/${project.id}/webhooks/${hook.body.id}/deliveries?limit=200`, { token: admin2.access_token });
  assert.equal(log.status, 200);
  assert.equal(log.body.items.length, total);
  for (const d of log.body.items) {
    assert.equal(d.status, 'delivered', JSON.stringify(d));
    assert.equal(d.response_code, 200);
    // The recorded attempts: one the killed server made and never
    // recorded is not among them (rx.seen above counts every one).
    assert.ok(d.attempts >= 1, JSON.stringify(d));
  }
  await srv.stop();
});

test('webhook CRUD, secret shown once, access, log paging, redelivery, PING', { timeout: 120000 }, async () => {
  const srv = await startServer({ env: FAST });
  const { admin, project, annotators: [a1] } = await setupProject(srv, { counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const t = admin.access_token;
  const base = `/api/v1/projects/${project.id}/webhooks`;
  const c = await srv.api('POST', base, { token: t, body: { url: `${rx.base}/crud`, events: ['TASKS_CREATED'], headers: { 'X-Token': 'hush' } } });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.match(c.body.secret, /^whsec_[0-9a-f]{48}$/);
  assert.deepEqual(c.body.headers, ['X-Token']);
  assert.equal(c.body.active, true);
  rx.secrets.set('/crud', c.body.secret);
  const g = await srv.api('GET', `${base}/${c.body.id}`, { token: t });
  assert.equal(g.status, 200);
  assert.equal(g.body.secret, undefined);
  assert.ok(!JSON.stringify(g.body).includes('hush'));
  const l = await srv.api('GET', base, { token: t });
  assert.equal(l.body.items.length, 1);
  assert.equal(l.body.items[0].secret, undefined);
  // Bad input.
  assert.equal(errorCode(await srv.api('POST', base, { token: t, body: { url: `${rx.base}/x`, events: ['NOPE'] } })), 'invalid_events');
  assert.equal(errorCode(await srv.api('POST', base, { token: t, body: { url: `${rx.base}/x`, headers: { 'LabelFlow-Signature': 'x' } } })), 'invalid_headers');
  assert.equal(errorCode(await srv.api('POST', base, { token: t, body: { url: 'ftp://example.org/x' } })), 'invalid_url');
  // Access: an annotator of the project may not manage, an outsider sees nothing, globals are admins'.
  assert.equal((await srv.api('GET', base, { token: a1.token })).status, 403);
  assert.equal((await srv.api('POST', base, { token: a1.token, body: { url: `${rx.base}/x` } })).status, 403);
  const outsider = await createUser(srv, t, 'annotator');
  const ot = (await srv.login(outsider.email, outsider.password)).access_token;
  assert.equal((await srv.api('GET', `${base}/${c.body.id}`, { token: ot })).status, 404);
  assert.equal((await srv.api('GET', '/api/v1/webhooks', { token: a1.token })).status, 403);
  // A project's webhook is not reachable as a global one.
  assert.equal((await srv.api('GET', `/api/v1/webhooks/${c.body.id}`, { token: t })).status, 404);

  // Deliveries: the receiver refuses everything of this webhook, so they fail after the attempts.
  rx.status = 503;
  for (let i = 0; i < 3; i++) await addTasks(srv, admin, project.id, [`t${i}`]);
  const dl = `${base}/${c.body.id}/deliveries`;
  await until('3 failed deliveries', async () => {
    const r = await srv.api('GET', `${dl}?status=failed`, { token: t });
    return r.body.items.length === 3 ? r : null;
  });
  const p1 = await srv.api('GET', `${dl}?limit=2`, { token: t });
  assert.equal(p1.body.items.length, 2);
  assert.ok(p1.body.next_cursor);
  const p2 = await srv.api('GET', `${dl}?limit=2&cursor=${p1.body.next_cursor}`, { token: t });
  assert.equal(p2.body.items.length, 1);
  assert.equal(p2.body.next_cursor, null);
  assert.ok(p1.body.items[0].id > p1.body.items[1].id && p1.body.items[1].id > p2.body.items[0].id, 'newest first');
  const f = p2.body.items[0];
  assert.equal(f.attempts, 4);
  assert.equal(f.response_code, 503);
  assert.equal(f.response_excerpt, 'try again');
  assert.equal(f.last_error, 'HTTP 503');
  // The extra header reached the receiver.
  assert.ok(rx.requests.some((q) => q.path === '/crud' && q.headers['x-token'] === 'hush'));
  assert.equal(errorCode(await srv.api('GET', `${dl}?status=odd`, { token: t })), 'invalid_query');
  // Redelivery of the failed one, now that the receiver answers.
  rx.status = 200;
  const rd = await srv.api('POST', `${dl}/${f.id}/redeliver`, { token: t });
  assert.equal(rd.status, 202, JSON.stringify(rd.body));
  assert.equal(rd.body.status, 'pending');
  await until('redelivered', async () => {
    const r = await srv.api('GET', `${dl}?status=delivered`, { token: t });
    return r.body.items.some((d) => d.id === f.id) ? r : null;
  });
  const again = rx.requests.filter((q) => q.path === '/crud' && q.body.id === f.event_id);
  assert.equal(again.at(-1).status, 200);
  assert.ok(again.every((q) => q.valid));
  // PING, also to an inactive webhook.
  const off = await srv.api('PATCH', `${base}/${c.body.id}`, { token: t, body: { active: false, events: ['TASK_ACCEPTED'] } });
  assert.equal(off.status, 200);
  assert.equal(off.body.active, false);
  assert.deepEqual(off.body.events, ['TASK_ACCEPTED']);
  const ping = await srv.api('POST', `${base}/${c.body.id}/test`, { token: t });
  assert.equal(ping.status, 202);
  assert.equal(ping.body.event, 'PING');
  await until('ping', () => rx.requests.find((q) => q.path === '/crud' && q.body.event === 'PING' && q.valid));
  // Global webhooks: admins only; they hear every project.
  const gl = await srv.api('POST', '/api/v1/webhooks', { token: t, body: { url: `${rx.base}/global`, events: ['TASKS_CREATED'] } });
  assert.equal(gl.status, 201);
  assert.equal(gl.body.project_id, null);
  rx.secrets.set('/global', gl.body.secret);
  await wait(300);
  await addTasks(srv, admin, project.id, ['for everyone']);
  await until('global delivery', () => rx.requests.find((q) => q.path === '/global' && q.status === 200 && q.valid));
  // Delete: gone with its log.
  assert.equal((await srv.api('DELETE', `${base}/${c.body.id}`, { token: t })).status, 204);
  assert.equal((await srv.api('GET', `${base}/${c.body.id}`, { token: t })).status, 404);
  assert.equal((await srv.api('GET', dl, { token: t })).status, 404);
  // Audited.
  const au = await srv.api('GET', `/api/v1/audit?project_id=${project.id}&limit=200`, { token: t });
  const actions = au.body.items.map((x) => x.action);
  for (const a of ['webhook.create', 'webhook.update', 'webhook.delete']) assert.ok(actions.includes(a), a);
  await srv.stop();
});

test('EXPORT_FINISHED when an export is done, PAYOUT_SENT per paid item, in their project', { timeout: 120000 }, async () => {
  const srv = await startServer({ env: FAST });
  const { admin, project, annotators: [a1], reviewers: [r1], supers: [s1] } = await setupProject(srv, { rates: { l1: 100, l2: 50, l3: 30 }, counts: { annotator: 1, reviewer: 1, super_reviewer: 1 } });
  const t = admin.access_token;
  const hook = await srv.api('POST', `/api/v1/projects/${project.id}/webhooks`, { token: t, body: { url: `${rx.base}/money`, events: ['EXPORT_FINISHED', 'PAYOUT_SENT'] } });
  assert.equal(hook.status, 201);
  rx.secrets.set('/money', hook.body.secret);
  await srv.api('POST', `/api/v1/projects/${project.id}/escrow/deposits`, { token: t, body: { amount: 1000, idempotency_key: 'f' } });
  await addTasks(srv, admin, project.id, ['Ann']);
  const c = await claim(srv, a1, project.id, 'l1');
  await submit(srv, a1, c.body.id, nerResult('PER', 0, 3));
  await claim(srv, r1, project.id, 'l2');
  await review(srv, r1, c.body.id, { decision: 'approve' });
  await claim(srv, s1, project.id, 'l3');
  assert.equal((await decide(srv, s1, c.body.id, { decision: 'approve' })).body.state, 'accepted');
  const exp = await srv.api('POST', `/api/v1/projects/${project.id}/exports`, { token: t, body: { format: 'jsonl' } });
  assert.equal(exp.status, 202);
  const pay = await srv.api('POST', '/api/v1/payouts', { token: t, body: { idempotency_key: 'hooks-1', adapter: 'csv', user_ids: [a1.id, r1.id, s1.id] } });
  assert.equal(pay.status, 201, JSON.stringify(pay.body));
  const ok = (ev) => rx.requests.filter((q) => q.path === '/money' && q.status === 200 && q.body.event === ev);
  await until('the export and three payouts', () => ok('EXPORT_FINISHED').length >= 1 && new Set(ok('PAYOUT_SENT').map((q) => q.body.id)).size >= 3);
  const e = ok('EXPORT_FINISHED')[0].body;
  assert.equal(e.export.id, exp.body.id);
  assert.equal(e.export.format, 'jsonl');
  assert.equal(e.export.tasks, 1);
  assert.equal(e.project.id, project.id);
  const paid = [...new Map(ok('PAYOUT_SENT').map((q) => [q.body.id, q.body])).values()];
  assert.deepEqual(paid.map((b) => [b.payout.user_id, b.payout.amount, b.payout.currency]).sort((x, y) => x[0] - y[0]),
    [[a1.id, 100, 'USD'], [r1.id, 50, 'USD'], [s1.id, 30, 'USD']].sort((x, y) => x[0] - y[0]));
  assert.ok(rx.requests.filter((q) => q.path === '/money').every((q) => q.valid));
  await srv.stop();
});

test('ESCROW_LOW once when a claim takes the escrow under the threshold, again only after it recovered', { timeout: 120000 }, async () => {
  const srv = await startServer({ env: FAST });
  const { admin, project, annotators: [a1] } = await setupProject(srv, { rates: { l1: 100, l2: 0, l3: 0 }, counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const t = admin.access_token;
  const deposit = (amount, key) => srv.api('POST', `/api/v1/projects/${project.id}/escrow/deposits`, { token: t, body: { amount, idempotency_key: key } });
  assert.equal((await deposit(300, 'd1')).status, 201);
  const hook = await srv.api('POST', `/api/v1/projects/${project.id}/webhooks`, { token: t, body: { url: `${rx.base}/escrow`, events: ['ESCROW_LOW'], escrow_low_below: 150 } });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  assert.equal(hook.body.escrow_low_below, 150);
  rx.secrets.set('/escrow', hook.body.secret);
  await addTasks(srv, admin, project.id, ['one', 'two', 'three', 'four', 'five']);
  const cycle = async () => {
    const c = await claim(srv, a1, project.id, 'l1');
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal((await submit(srv, a1, c.body.id, nerResult('PER', 0, 3))).status, 200);
  };
  const low = () => [...new Map(rx.requests.filter((q) => q.path === '/escrow' && q.status === 200).map((q) => [q.body.id, q.body])).values()];
  await cycle(); // 200 left: not low
  await cycle(); // 100 left: low
  await until('ESCROW_LOW', () => low().length === 1);
  const e = low()[0];
  assert.equal(e.event, 'ESCROW_LOW');
  assert.deepEqual(e.escrow, { available: 100, held: 200, threshold: 150, currency: 'USD' });
  assert.equal(e.cause, 'task.claim');
  await cycle(); // 0 left: still low, not announced again
  assert.equal((await deposit(1000, 'd2')).status, 201); // 1000: recovered
  await cycle(); // 900
  await wait(1500);
  assert.equal(low().length, 1, 'announced once while low');
  assert.equal((await srv.api('PATCH', `/api/v1/projects/${project.id}/webhooks/${hook.body.id}`, { token: t, body: { escrow_low_below: 950 } })).status, 200);
  await cycle(); // 800 < 950: low again after having recovered
  await until('a second ESCROW_LOW', () => low().length === 2);
  assert.equal(low()[1].escrow.available, 800);
  assert.ok(rx.requests.filter((q) => q.path === '/escrow').every((q) => q.valid));
  await srv.stop();
});

test('pausing a webhook fails its pending retries at once; a redelivery sends them when it is active again', { timeout: 120000 }, async () => {
  const srv = await startServer({ env: { ...FAST, LABELFLOW_WEBHOOK_RETRY_MS: '1500' } });
  const { admin, project } = await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const t = admin.access_token;
  const base = `/api/v1/projects/${project.id}/webhooks`;
  const hook = await srv.api('POST', base, { token: t, body: { url: `${rx.base}/pause`, events: ['TASKS_CREATED'] } });
  rx.secrets.set('/pause', hook.body.secret);
  rx.status = 500;
  await addTasks(srv, admin, project.id, ['paused']);
  const dl = `${base}/${hook.body.id}/deliveries`;
  const first = await until('a first failed attempt', async () => {
    const r = await srv.api('GET', dl, { token: t });
    return r.body.items[0]?.attempts === 1 ? r.body.items[0] : null;
  });
  assert.equal(first.status, 'pending');
  assert.equal((await srv.api('PATCH', `${base}/${hook.body.id}`, { token: t, body: { active: false } })).status, 200);
  const sent = rx.requests.filter((q) => q.path === '/pause').length;
  const failed = await until('failed while paused', async () => {
    const r = await srv.api('GET', `${dl}?status=failed`, { token: t });
    return r.body.items[0];
  });
  assert.equal(failed.attempts, 2);
  assert.match(failed.last_error, /paused/);
  assert.equal(rx.requests.filter((q) => q.path === '/pause').length, sent, 'nothing was sent while paused');
  rx.status = null;
  assert.equal((await srv.api('PATCH', `${base}/${hook.body.id}`, { token: t, body: { active: true } })).status, 200);
  assert.equal((await srv.api('POST', `${dl}/${failed.id}/redeliver`, { token: t })).status, 202);
  await until('delivered after the redelivery', async () => (await srv.api('GET', `${dl}?status=delivered`, { token: t })).body.items[0]);
  await srv.stop();
});

// A burst: 1,000 submits by 8 annotators raise 2,000 events. They are
// sent in batches by one drain job per webhook, so the job table grows by
// far fewer rows than deliveries (the one-job-per-delivery design made
// 2,000), and a kill -9 while the backlog drains loses none: the leased
// ones come due again and are sent again.
test('a burst of 2,000 events is delivered completely, each id once after dedup, by far fewer jobs than deliveries', { timeout: 300000 }, async (t0) => {
  // Each dispatch round that makes deliveries may queue a drain: at FAST's
  // 50 ms, ASan under load made 230 of them in a 20 s burst. At 500 ms the
  // bound below holds for bursts up to 100 s.
  const env = { ...FAST, LABELFLOW_WEBHOOK_DISPATCH_MS: '500' };
  let srv = await startServer({ env });
  const dir = srv.dir;
  const { admin, project, annotators } = await setupProject(srv, { counts: { annotator: 8, reviewer: 0, super_reviewer: 0 } });
  const t = admin.access_token;
  const hook = await srv.api('POST', `/api/v1/projects/${project.id}/webhooks`, { token: t, body: { url: `${rx.base}/burst`, events: ['ANNOTATION_CREATED', 'TASK_SUBMITTED'] } });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  rx.secrets.set('/burst', hook.body.secret);
  rx.failFirst = 0;
  // Also when an assertion fails: a server left running would keep the
  // test file from ever ending.
  t0.after(async () => {
    rx.failFirst = 1;
    await srv.stop().catch(() => {});
  });
  const jobsBefore = Number(sql(srv.db, "SELECT COUNT(*) FROM jobs WHERE kind LIKE 'webhook.%'").trim());
  await addTasks(srv, admin, project.id, Array.from({ length: 1000 }, (_, i) => `Alice ${i} at Acme`));
  let submits = 0;
  await Promise.all(annotators.map(async (a) => {
    for (;;) {
      const c = await claim(srv, a, project.id, 'l1');
      if (c.status !== 200) break;
      assert.equal((await submit(srv, a, c.body.id, nerResult())).status, 200);
      submits++;
    }
  }));
  assert.equal(submits, 1000);
  const ok = () => new Set(rx.requests.filter((q) => q.path === '/burst' && q.status === 200).map((q) => q.body.id));
  await until('the first deliveries', () => ok().size > 0);
  srv.proc.kill('SIGKILL');
  await srv.exited;
  srv = await startServer({ dir, env });
  await until('2,000 events delivered', () => ok().size >= 2000, 180000);
  await wait(1000); // anything extra would arrive now
  const reqs = rx.requests.filter((q) => q.path === '/burst');
  assert.equal(reqs.filter((q) => !q.valid).length, 0, 'every request is signed with the secret');
  const ids = ok();
  assert.equal(ids.size, 2000);
  const byEvent = new Map();
  for (const q of reqs) byEvent.set(q.body.id, q.body.event);
  assert.equal(byEvent.size, 2000, 'nothing but the burst\'s events arrived');
  assert.equal([...byEvent.values()].filter((e) => e === 'ANNOTATION_CREATED').length, 1000);
  assert.equal([...byEvent.values()].filter((e) => e === 'TASK_SUBMITTED').length, 1000);
  // Deliveries the killed server had sent but not recorded come due again
  // once their lease runs out: sent again (the receiver dedupes) and then
  // recorded.
  const rows = () => sql(srv.db, `SELECT status, COUNT(*) FROM webhook_deliveries WHERE webhook_id = ${hook.body.id} GROUP BY status`).trim();
  await until('all 2,000 recorded as delivered', () => rows() === 'delivered|2000', 60000);
  const jobs = Number(sql(srv.db, "SELECT COUNT(*) FROM jobs WHERE kind LIKE 'webhook.%'").trim()) - jobsBefore;
  assert.ok(jobs > 0 && jobs <= 200, `${jobs} drain jobs for 2,000 deliveries`);
});

// A database upgraded with jobs of the one-delivery-per-job design still
// queued: such a job drains its webhook.
test('a queued webhook.deliver job of the previous version drains its webhook', { timeout: 120000 }, async () => {
  const srv = await startServer({ env: FAST });
  const admin = await srv.login(ADMIN.email, ADMIN.password);
  const hook = await srv.api('POST', '/api/v1/webhooks', { token: admin.access_token, body: { url: `${rx.base}/legacy`, events: ['PROJECT_UPDATED'] } });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  rx.secrets.set('/legacy', hook.body.secret);
  const now = Date.now();
  const did = Number(sql(srv.db, `INSERT INTO webhook_deliveries (webhook_id, event, event_id, payload, status, attempts, created_at, next_attempt_at)
    VALUES (${hook.body.id}, 'PING', 'legacy.1', '{"id":"legacy.1","event":"PING"}', 'pending', 0, ${now}, ${now}) RETURNING id`).trim());
  const payload = JSON.stringify({ project_id: 0, webhook_id: hook.body.id, delivery_id: did, attempt: 1, first: 1 });
  const jid = Number(sql(srv.db, `INSERT INTO jobs (kind, payload, status, run_after, created_at, updated_at)
    VALUES ('webhook.deliver', '${payload}', 'queued', 0, ${now}, ${now}) RETURNING id`).trim());
  try {
    await until('the legacy job done', () => sql(srv.db, `SELECT status FROM jobs WHERE id = ${jid}`).trim() === 'done');
    // The receiver refuses each id's first attempt: the drain's retry
    // brings it.
    const d = await until('delivered', async () => {
      const r = await srv.api('GET', `/api/v1/webhooks/${hook.body.id}/deliveries`, { token: admin.access_token });
      return r.body.items[0]?.status === 'delivered' ? r.body.items[0] : null;
    });
    assert.equal(d.attempts, 2);
    const reqs = rx.requests.filter((q) => q.path === '/legacy');
    assert.deepEqual(reqs.map((q) => [q.body.id, q.status, q.valid]), [['legacy.1', 500, true], ['legacy.1', 200, true]]);
  } finally {
    await srv.stop();
  }
});

test('without the allow-list, internal webhook URLs are refused with a clear error', { timeout: 60000 }, async () => {
  const srv = await startServer();
  const admin = await srv.login(ADMIN.email, ADMIN.password);
  for (const url of ['http://127.0.0.1:9/x', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/h', 'http://localhost:9/x', 'http://[::1]:9/x']) {
    const r = await srv.api('POST', '/api/v1/webhooks', { token: admin.access_token, body: { url } });
    assert.equal(r.status, 422, `${url}: ${r.status}`);
    assert.equal(errorCode(r), 'invalid_url');
    assert.match(r.body.error.message, /LABELFLOW_OUTBOUND_ALLOW/, r.body.error.message);
  }
  await srv.stop();
});

test('retention deletes finished deliveries and jobs past LABELFLOW_RETAIN_DAYS, never pending or queued ones', { timeout: 120000 }, async () => {
  const srv = await startServer({ env: { ...FAST, LABELFLOW_RETENTION_MS: '200', LABELFLOW_RETAIN_DAYS: '30' } });
  try {
    const admin = await srv.login(ADMIN.email, ADMIN.password);
    const hook = await srv.api('POST', '/api/v1/webhooks', { token: admin.access_token, body: { url: `${rx.base}/retain`, events: ['PROJECT_UPDATED'] } });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    rx.secrets.set('/retain', hook.body.secret);
    const old = Date.now() - 40 * 86400000;
    // Rows are told apart by what they hold, not by id: SQLite gives a
    // deleted highest id to the next row.
    for (const [status, eid] of [['delivered', 'old.delivered'], ['failed', 'old.failed'], ['pending', 'old.pending']])
      sql(srv.db, `INSERT INTO webhook_deliveries (webhook_id, event, event_id, payload, status, attempts, created_at, next_attempt_at)
        VALUES (${hook.body.id}, 'PING', '${eid}', '{}', '${status}', 1, ${old}, ${status === 'pending' ? Date.now() + 86400000 : 'NULL'})`);
    for (const status of ['done', 'queued'])
      sql(srv.db, `INSERT INTO jobs (kind, payload, status, run_after, created_at, updated_at)
        VALUES ('retention.probe', '{}', '${status}', ${status === 'queued' ? Date.now() + 86400000 : 0}, ${old}, ${old})`);
    const ping = await srv.api('POST', `/api/v1/webhooks/${hook.body.id}/test`, { token: admin.access_token, body: {} });
    assert.equal(ping.status, 202, JSON.stringify(ping.body));
    const deliveries = () => sql(srv.db, `SELECT event_id FROM webhook_deliveries WHERE webhook_id = ${hook.body.id} ORDER BY event_id`).trim().split('\n');
    const probes = () => sql(srv.db, "SELECT status FROM jobs WHERE kind = 'retention.probe'").trim();
    await until('the old finished rows pruned', () => deliveries().length === 2 && probes() === 'queued').catch((e) => {
      throw new Error(`${e.message} (${deliveries()}, ${probes()}); server log:\n${srv.log().slice(-2000)}`);
    });
    assert.deepEqual(deliveries(), ['old.pending', ping.body.event_id].sort(), 'the old pending one and the recent one stay');
  } finally {
    await srv.stop();
  }
});
