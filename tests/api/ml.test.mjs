// ML backends (src/ml/): a real Label Studio-protocol backend process
// (tests/support/ml-backend.mjs) connected to a project: health and setup,
// credentials sent and never returned, 2,000 imported tasks predicted in
// batches while the backend fails some calls (the job queue retries),
// invalid predictions recorded and not stored, L1 claims by ascending
// score, on-demand prediction by filter with a second backend and the
// older answer shape, training, interactive pre-annotation, refused URLs
// and who may do what. Runs on SQLite, or PostgreSQL with LABELFLOW_TEST_PG.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { startServer, startWorker, createUser, sql } from './lib.mjs';
import { spawnBackend } from '../support/ml-backend.mjs';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="pos"/><Choice value="neg"/>
  </Choices>
</View>`;
const N = 2000;
const BATCH = 25;
const INVALID_MOD = 97;
const SECRET = 'sekrit-key-123';

let srv, admin, be, be2, be3, slow, pid, annotators = [], backend;
// LabelFlow behind a reverse proxy, whose address is LABELFLOW_PUBLIC_URL:
// the proxy's port must be known before the server starts.
let proxy, publicUrl, proxied = 0;

const api = (method, path, body, token = admin.access_token) => srv.api(method, path, { token, body });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 120000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function allTasks() {
  const out = [];
  let cursor = '';
  for (;;) {
    const r = await api('GET', `/api/v1/projects/${pid}/tasks?limit=500${cursor ? '&cursor=' + cursor : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...r.body.items);
    if (!r.body.next_cursor) return out;
    cursor = encodeURIComponent(r.body.next_cursor);
  }
}

before(async () => {
  be = await spawnBackend(['--delay', '2', '--fail-every', '7', '--invalid-mod', String(INVALID_MOD), '--auth', `header:X-Api-Key:${SECRET}`, '--version', 'v1']);
  be2 = await spawnBackend(['--version', 'v2', '--shape', 'predictions']);
  be3 = await spawnBackend(['--version', 'down', '--fail-every', '1']);
  slow = await spawnBackend(['--version', 'slow', '--delay', '300']);
  proxy = http.createServer((req, res) => {
    proxied++;
    const up = http.request(new URL(req.url, srv.url), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  publicUrl = `http://127.0.0.1:${proxy.address().port}`;
  srv = await startServer({ env: { LABELFLOW_OUTBOUND_ALLOW: 'localhost', LABELFLOW_PUBLIC_URL: publicUrl } });
  admin = await srv.login('admin@example.org', 'admin-password-1');
  const p = await api('POST', '/api/v1/projects', { name: 'ml', label_config: CONFIG, policies: { ml_uncertainty_order: true } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  pid = p.body.id;
  for (let i = 0; i < 2; i++) {
    const u = await createUser(srv, admin.access_token, 'annotator');
    assert.equal((await api('PUT', `/api/v1/projects/${pid}/members/${u.id}`, { role: 'annotator' })).status, 200);
    annotators.push({ ...u, token: (await srv.login(u.email, u.password)).access_token });
  }
});
after(async () => {
  proxy?.close();
  await srv?.stop();
  await be?.stop();
  await be2?.stop();
  await be3?.stop();
  await slow?.stop();
});

test('connect: health and setup are called with the credentials, the model version is stored, the secret never returned', async () => {
  const bad = await api('POST', `/api/v1/projects/${pid}/ml-backends`, { url: be.url, auth: 'header', auth_user: 'X-Api-Key', auth_secret: 'wrong' });
  assert.equal(bad.status, 422, JSON.stringify(bad.body));
  assert.equal(bad.body.error.code, 'ml_backend_unreachable');
  assert.match(bad.body.error.message, /health.*401/i);
  await be.reset();
  const r = await api('POST', `/api/v1/projects/${pid}/ml-backends`, { title: 'sentiment', url: be.url, auth: 'header', auth_user: 'X-Api-Key', auth_secret: SECRET, auto_predict: true, batch_size: BATCH, concurrency: 2, timeout_ms: 5000 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  backend = r.body;
  assert.equal(backend.model_version, 'v1');
  assert.equal(backend.state, 'connected');
  assert.equal(backend.auth, 'header');
  assert.ok(!JSON.stringify(backend).includes(SECRET));
  const log = await be.log();
  assert.deepEqual(log.map((c) => c.path), ['/health', '/setup']);
  assert.ok(log.every((c) => c.auth === SECRET));
  const project = (await api('GET', `/api/v1/projects/${pid}`)).body;
  assert.equal(log[1].project, `${pid}.${Math.floor(Date.parse(project.created_at) / 1000)}`);
  assert.equal(log[1].schema, true);
  const list = await api('GET', `/api/v1/projects/${pid}/ml-backends`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((b) => b.id), [backend.id]);
  assert.ok(!JSON.stringify(list.body).includes(SECRET));
  const audit = await api('GET', `/api/v1/audit?action=ml_backend.connect`);
  assert.equal(audit.status, 200);
  assert.ok(audit.body.items.some((e) => e.entity_id === String(backend.id)), JSON.stringify(audit.body));
  assert.ok(!JSON.stringify(audit.body).includes(SECRET));
});

test(`an import of ${N} tasks is predicted in batches of ${BATCH}, failed calls retried, invalid results recorded and not stored`, async () => {
  await be.reset();
  const rows = Array.from({ length: N }, (_, i) => ({ text: `t${i}${i % 100 === 0 ? ' needle' : ''}`, score: ((i * 7919) % 10007) / 10007 }));
  const im = await srv.api('POST', `/api/v1/projects/${pid}/imports`, { token: admin.access_token, raw: JSON.stringify(rows), headers: { 'content-type': 'application/json' } });
  assert.equal(im.status, 202, JSON.stringify(im.body));
  const b = await until('the predictions', async () => {
    const g = await api('GET', `/api/v1/projects/${pid}/ml-backends/${backend.id}`);
    return g.body.progress.done >= N && g.body.progress.pending === 0 ? g.body : null;
  }, 300000);
  const tasks = await allTasks();
  assert.equal(tasks.length, N);
  const invalid = tasks.filter((t) => t.id % INVALID_MOD === 0).map((t) => t.id).sort((x, y) => x - y);
  assert.ok(invalid.length > 0);
  assert.equal(b.progress.predicted, N - invalid.length);
  assert.equal(b.progress.errors, invalid.length);
  for (const t of tasks) {
    const mine = (t.predictions || []).filter((p) => p.ml_backend_id === backend.id);
    if (t.id % INVALID_MOD === 0) {
      assert.equal(mine.length, 0, `task ${t.id} kept an invalid prediction`);
      continue;
    }
    assert.equal(mine.length, 1, `task ${t.id}: ${JSON.stringify(t.predictions)}`);
    assert.equal(mine[0].model_version, 'v1');
    assert.equal(mine[0].score, t.data.score);
    assert.deepEqual(mine[0].result[0].value, { choices: ['pos'] });
  }
  // The calls: batches of BATCH tasks each, every 7th failed and retried.
  const calls = (await be.log()).filter((c) => c.path === '/predict');
  assert.ok(calls.every((c) => c.tasks.length === BATCH), JSON.stringify(calls.map((c) => c.tasks.length)));
  const failed = calls.filter((c) => c.failed);
  assert.ok(failed.length >= Math.floor(N / BATCH / 7), `failed calls: ${failed.length}`);
  for (const f of failed) assert.ok(calls.some((c) => !c.failed && c.at > f.at && c.tasks[0] === f.tasks[0]), `batch at ${f.tasks[0]} was retried`);
  assert.equal(calls.filter((c) => !c.failed).length, N / BATCH);
  assert.ok(calls.every((c) => c.auth === SECRET && c.model_version === 'v1'));
  // The refused ones are listed, paged, newest first.
  const seen = [];
  let cursor = '';
  for (;;) {
    const e = await api('GET', `/api/v1/projects/${pid}/ml-backends/${backend.id}/errors?limit=7${cursor ? '&cursor=' + cursor : ''}`);
    assert.equal(e.status, 200, JSON.stringify(e.body));
    seen.push(...e.body.items);
    if (!e.body.next_cursor) break;
    cursor = e.body.next_cursor;
  }
  assert.deepEqual(seen.map((e) => e.task_id).sort((x, y) => x - y), invalid);
  assert.ok(seen.every((e) => e.model_version === 'v1' && /__no_such_choice__|choice/i.test(e.error)), JSON.stringify(seen[0]));
  // Asking again costs no call: every task has this version's prediction or was refused... and refused ones are asked again.
  await be.reset();
  const again = await api('POST', `/api/v1/projects/${pid}/ml-backends/${backend.id}/predict`, { task_ids: tasks.filter((t) => t.id % INVALID_MOD !== 0).slice(0, 100).map((t) => t.id) });
  assert.equal(again.status, 202, JSON.stringify(again.body));
  assert.equal(again.body.tasks, 100);
  assert.equal(again.body.jobs, 100 / BATCH);
  assert.equal(typeof again.body.job_id, 'number');
  await until('the repeat', async () => (await api('GET', `/api/v1/projects/${pid}/ml-backends/${backend.id}`)).body.progress.pending === 0);
  assert.equal((await be.log()).filter((c) => c.path === '/predict').length, 0);
});

test('under ml_uncertainty_order L1 claims come in ascending score', async () => {
  const tasks = await allTasks();
  const ranked = tasks.filter((t) => t.id % INVALID_MOD !== 0).sort((x, y) => x.data.score - y.data.score || x.id - y.id);
  const got = [];
  for (let i = 0; i < 4; i++) {
    const who = annotators[i % 2];
    const c = await srv.api('POST', `/api/v1/projects/${pid}/claim`, { token: who.token, body: { stage: 'l1' } });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    got.push(c.body.id);
    const s = await srv.api('POST', `/api/v1/tasks/${c.body.id}/submit`, { token: who.token, body: { result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['neg'] } }] } });
    assert.equal(s.status, 200, JSON.stringify(s.body));
  }
  assert.deepEqual(got, ranked.slice(0, 4).map((t) => t.id));
});

test('on demand by filter: a second backend (older answer shape) predicts only the tasks the filter selects, keeping the first one\'s', async () => {
  const r = await api('POST', `/api/v1/projects/${pid}/ml-backends`, { url: be2.url, batch_size: 8 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.model_version, 'v2');
  assert.equal(r.body.auto_predict, false);
  const p = await api('POST', `/api/v1/projects/${pid}/ml-backends/${r.body.id}/predict`, { filter: { q: 'needle', state: 'queued_l1' } });
  assert.equal(p.status, 202, JSON.stringify(p.body));
  const tasks = await allTasks();
  const want = tasks.filter((t) => t.data.text.includes('needle') && t.state === 'queued_l1').map((t) => t.id);
  assert.equal(p.body.tasks, want.length);
  await until('the filtered predictions', async () => (await api('GET', `/api/v1/projects/${pid}/ml-backends/${r.body.id}`)).body.progress.pending === 0);
  const after = await allTasks();
  for (const t of after) {
    const v2 = (t.predictions || []).filter((x) => x.ml_backend_id === r.body.id);
    assert.equal(v2.length, want.includes(t.id) ? 1 : 0, `task ${t.id}`);
    if (want.includes(t.id) && t.id % INVALID_MOD !== 0) {
      assert.equal(t.predictions.length, 2);
      assert.equal(v2[0].model_version, 'v2');
    }
  }
  const audit = await api('GET', `/api/v1/audit?action=ml.predict`);
  assert.ok(audit.body.items.some((e) => e.entity_id === String(r.body.id)));
  // Deleting it keeps its predictions in the tasks.
  assert.equal((await api('DELETE', `/api/v1/projects/${pid}/ml-backends/${r.body.id}`)).status, 204);
  assert.equal((await api('GET', `/api/v1/projects/${pid}/ml-backends/${r.body.id}`)).status, 404);
  const kept = (await allTasks()).filter((t) => (t.predictions || []).some((x) => x.ml_backend_id === r.body.id));
  assert.equal(kept.length, want.length);
});

test('a batch whose calls all fail is retried with backoff, then its tasks are recorded as errors and the backend shows the failure', async () => {
  const r = await api('POST', `/api/v1/projects/${pid}/ml-backends`, { url: be3.url, batch_size: 3 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const ids = (await allTasks()).filter((t) => t.state === 'queued_l1').slice(0, 3).map((t) => t.id);
  const t0 = Date.now();
  const p = await api('POST', `/api/v1/projects/${pid}/ml-backends/${r.body.id}/predict`, { task_ids: ids });
  assert.equal(p.status, 202);
  assert.equal(p.body.jobs, 1);
  const b = await until('the last attempt', async () => {
    const g = (await api('GET', `/api/v1/projects/${pid}/ml-backends/${r.body.id}`)).body;
    return g.progress.pending === 0 ? g : null;
  });
  const calls = (await be3.log()).filter((c) => c.path === '/predict');
  assert.equal(calls.length, 5, 'LF_JOBS_MAX_ATTEMPTS calls');
  assert.ok(calls.every((c) => c.failed && JSON.stringify(c.tasks) === JSON.stringify(ids)));
  // Backoff: the gaps grow (500 ms * 2^(n-1), jittered down to half).
  const gaps = calls.slice(1).map((c, i) => c.at - calls[i].at);
  assert.ok(gaps[3] >= 900, `gaps ${gaps}`);
  assert.ok(Date.now() - t0 >= 1500);
  assert.equal(b.progress.predicted, 0);
  assert.equal(b.progress.errors, 3);
  assert.equal(b.state, 'error');
  assert.match(b.last_error, /no prediction after 5 attempt\(s\): \/predict answered HTTP 500/);
  const e = await api('GET', `/api/v1/projects/${pid}/ml-backends/${r.body.id}/errors`);
  assert.deepEqual(e.body.items.map((x) => x.task_id).sort((x, y) => x - y), [...ids].sort((x, y) => x - y));
  assert.equal((await api('DELETE', `/api/v1/projects/${pid}/ml-backends/${r.body.id}`)).status, 204);
});

test('train sends START_TRAINING to /webhook', async () => {
  await be.reset();
  const r = await api('POST', `/api/v1/projects/${pid}/ml-backends/${backend.id}/train`, {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.started, true);
  assert.equal(r.body.answer.job_id, 'train-1');
  const log = await be.log();
  assert.deepEqual(log.map((c) => [c.path, c.action]), [['/webhook', 'START_TRAINING']]);
  assert.equal(log[0].project.id, pid);
  assert.equal(log[0].auth, SECRET);
});

test('interactive: the holder of a task gets a checked prediction for its context, not stored; others are refused', async () => {
  const [a1, a2] = annotators;
  const c = await srv.api('POST', `/api/v1/projects/${pid}/claim`, { token: a1.token, body: { stage: 'l1' } });
  assert.equal(c.status, 200);
  const before = (await api('GET', `/api/v1/tasks/${c.body.id}`)).body.predictions;
  await be.reset();
  const context = { result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['pos'] } }] };
  const r = await srv.api('POST', `/api/v1/projects/${pid}/ml-backends/${backend.id}/interactive`, { token: a1.token, body: { task_id: c.body.id, context } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.result[0].value, { choices: ['neg'] });
  assert.equal(r.body.model_version, 'v1');
  const log = await be.log();
  assert.deepEqual(log.map((x) => x.path), ['/predict']);
  assert.deepEqual(log[0].context, context);
  assert.deepEqual(log[0].tasks, [c.body.id]);
  assert.deepEqual((await api('GET', `/api/v1/tasks/${c.body.id}`)).body.predictions, before);
  const other = await srv.api('POST', `/api/v1/projects/${pid}/ml-backends/${backend.id}/interactive`, { token: a2.token, body: { task_id: c.body.id, context } });
  assert.equal(other.status, 403, JSON.stringify(other.body));
});

test('URLs are checked: loopback not on the allow-list, cloud metadata and other schemes are refused with 422', async () => {
  for (const url of [`http://127.0.0.1:${be.port}`, 'http://169.254.169.254/latest', 'ftp://localhost/x', 'http://[::ffff:127.0.0.1]:80/']) {
    const r = await api('POST', `/api/v1/projects/${pid}/ml-backends`, { url });
    assert.equal(r.status, 422, `${url}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'url_refused', url);
  }
  const m = await api('POST', `/api/v1/projects/${pid}/ml-backends`, { url: 'http://169.254.169.254/' });
  assert.match(m.body.error.message, /169\.254\.169\.254/);
  const bad = await api('POST', `/api/v1/projects/${pid}/ml-backends`, { url: be.url, auth: 'header', auth_user: 'X-Evil\r\nHost', auth_secret: 'x' });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.code, 'invalid_ml_backend');
});

test('only the project\'s admin manages backends', async () => {
  const [a1] = annotators;
  const base = `/api/v1/projects/${pid}/ml-backends`;
  assert.equal((await srv.api('POST', base, { token: a1.token, body: { url: be.url } })).status, 403);
  assert.equal((await srv.api('GET', base, { token: a1.token })).status, 403);
  assert.equal((await srv.api('GET', `${base}/${backend.id}`, { token: a1.token })).status, 403);
  assert.equal((await srv.api('PATCH', `${base}/${backend.id}`, { token: a1.token, body: { title: 'x' } })).status, 403);
  assert.equal((await srv.api('POST', `${base}/${backend.id}/predict`, { token: a1.token, body: { task_ids: [1] } })).status, 403);
  assert.equal((await srv.api('POST', `${base}/${backend.id}/train`, { token: a1.token, body: {} })).status, 403);
  assert.equal((await srv.api('GET', `${base}/${backend.id}/errors`, { token: a1.token })).status, 403);
  assert.equal((await srv.api('DELETE', `${base}/${backend.id}`, { token: a1.token })).status, 403);
  assert.equal((await srv.api('GET', base)).status, 401);
  const p = await api('PATCH', `${base}/${backend.id}`, { title: 'renamed', batch_size: 50 });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body.title, 'renamed');
  assert.equal(p.body.batch_size, 50);
  assert.equal(p.body.model_version, 'v1');
});

test('annotation events reach the backend\'s /webhook through an event webhook, signed, with the label config Label Studio\'s backends train from', async () => {
  const a2 = annotators[1];
  const hook = await api('POST', `/api/v1/projects/${pid}/webhooks`, { url: `${be.url}/webhook`, events: ['ANNOTATION_CREATED', 'ANNOTATION_UPDATED'], headers: { 'X-Api-Key': SECRET } });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  await be.reset();
  const c = await srv.api('POST', `/api/v1/projects/${pid}/claim`, { token: a2.token, body: { stage: 'l1' } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const result = [{ id: 'a', from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['neg'] } }];
  const s = await srv.api('POST', `/api/v1/tasks/${c.body.id}/submit`, { token: a2.token, body: { result } });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  const got = await until('the annotation event at /webhook', async () => (await be.log()).find((x) => x.path === '/webhook'));
  assert.equal(got.action, 'ANNOTATION_CREATED');
  assert.equal(got.auth, SECRET);
  assert.equal(got.project.id, pid);
  assert.equal(got.project.label_config, CONFIG);
  assert.equal(got.task.id, c.body.id);
  assert.deepEqual(got.annotation.result, result);
  const d = await until('the delivery recorded', async () => {
    const r = await api('GET', `/api/v1/projects/${pid}/webhooks/${hook.body.id}/deliveries`);
    return r.body.items.find((x) => x.status === 'delivered');
  });
  assert.equal(d.response_code, 201);
  assert.equal(d.event, 'ANNOTATION_CREATED');
});

test('tasks created through the API are predicted too when the backend predicts new tasks', async () => {
  const p = await api('POST', '/api/v1/projects', { name: 'ml direct', label_config: CONFIG });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const b = await api('POST', `/api/v1/projects/${p.body.id}/ml-backends`, { url: be2.url, auto_predict: true, batch_size: 2 });
  assert.equal(b.status, 201, JSON.stringify(b.body));
  const made = await api('POST', `/api/v1/projects/${p.body.id}/tasks`, { tasks: [1, 2, 3].map((i) => ({ data: { text: `direct ${i}` } })) });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const list = await until('three predicted tasks', async () => {
    const r = await api('GET', `/api/v1/projects/${p.body.id}/tasks?limit=10`);
    return r.body.items.length === 3 && r.body.items.every((t) => (t.predictions || []).some((x) => x.model_version === 'v2')) && r.body.items;
  });
  for (const t of list) assert.equal(t.predictions.filter((x) => x.ml_backend_id === b.body.id).length, 1);
});

test('webhook deliveries are not held back by a long run of prediction jobs (the job queue\'s express lane)', async () => {
  const b = await api('POST', `/api/v1/projects/${pid}/ml-backends`, { url: slow.url, batch_size: 10 });
  assert.equal(b.status, 201, JSON.stringify(b.body));
  const q = await api('POST', `/api/v1/projects/${pid}/ml-backends/${b.body.id}/predict`, { filter: {} });
  assert.equal(q.status, 202, JSON.stringify(q.body));
  assert.ok(q.body.jobs >= 100, `${q.body.jobs} jobs queued`);
  const hook = await api('POST', `/api/v1/projects/${pid}/webhooks`, { url: `${be.url}/webhook`, events: ['PROJECT_UPDATED'], headers: { 'X-Api-Key': SECRET } });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  assert.equal((await api('PATCH', `/api/v1/projects/${pid}`, { name: 'ml, renamed' })).status, 200);
  await until('the PROJECT_UPDATED delivery', async () => {
    const r = await api('GET', `/api/v1/projects/${pid}/webhooks/${hook.body.id}/deliveries`);
    return r.body.items.some((x) => x.status === 'delivered');
  });
  const progress = (await api('GET', `/api/v1/projects/${pid}/ml-backends/${b.body.id}`)).body.progress;
  assert.ok(progress.pending > 0, `the predictions queued before it are still running (${JSON.stringify(progress)})`);
  // Disconnected, its queued jobs end at once: the tests after this one
  // need the job queue.
  assert.equal((await api('DELETE', `/api/v1/projects/${pid}/ml-backends/${b.body.id}`)).status, 204);
});

// concurrency is the backend's, not each process's: a server and a
// worker process running its jobs side by side call it no more than that
// at once (each call holds a slot row, src/ml/gate.c).
test('a backend\'s concurrency holds across processes: a server and a worker never call it more than that at once', async () => {
  const gpu = await spawnBackend(['--version', 'gpu', '--delay', '150']);
  const w = startWorker(srv.dir, { LABELFLOW_OUTBOUND_ALLOW: 'localhost', LABELFLOW_JOB_THREADS: '4' });
  try {
    const p = await api('POST', '/api/v1/projects', { name: 'one gpu', label_config: CONFIG });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    const t = await api('POST', `/api/v1/projects/${p.body.id}/tasks`, { tasks: Array.from({ length: 24 }, (_, i) => ({ data: { text: `gpu ${i}` } })) });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    const b = await api('POST', `/api/v1/projects/${p.body.id}/ml-backends`, { url: gpu.url, batch_size: 2, concurrency: 1 });
    assert.equal(b.status, 201, JSON.stringify(b.body));
    const before = Number(sql(srv.db, 'SELECT COALESCE(MAX(id), 0) FROM jobs').trim());
    const q = await api('POST', `/api/v1/projects/${p.body.id}/ml-backends/${b.body.id}/predict`, { filter: {} });
    assert.equal(q.status, 202, JSON.stringify(q.body));
    assert.equal(q.body.jobs, 12);
    await until('24 tasks predicted', async () => (await api('GET', `/api/v1/projects/${p.body.id}/ml-backends/${b.body.id}`)).body.progress.predicted === 24, 60000);
    // Both processes ran its jobs, or the bound would prove nothing.
    const owners = sql(srv.db, `SELECT COUNT(DISTINCT lease_owner) FROM jobs WHERE kind = 'ml.predict' AND id > ${before}`).trim();
    assert.ok(Number(owners) >= 2, `the jobs ran in ${owners} process(es)`);
    assert.deepEqual(await gpu.stats(), { inflight: 0, max_inflight: 1 });
  } finally {
    w.proc.kill('SIGTERM');
    await w.exited;
    await gpu.stop();
  }
});

// A w x h PNG of one colour.
function png(w, h, [r, g, b]) {
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => [r, g, b]).flat())]);
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(Array.from({ length: h }, () => row)))), chunk('IEND', Buffer.alloc(0))]);
}

// Image models need the pixels: each uploaded file reaches the backend as a
// link it downloads like any URL (as Label Studio's get_local_path does),
// signed for the admin who connected it, under LABELFLOW_PUBLIC_URL, which
// /setup gives as the hostname. Access follows that admin's.
test('image tasks: the backend downloads each file through a link signed for its creator, under LABELFLOW_PUBLIC_URL', async () => {
  const IMAGE = '<View><Image name="img" value="$image"/><Choices name="kind" toName="img"><Choice value="cat"/><Choice value="dog"/></Choices></View>';
  const owner = await createUser(srv, admin.access_token, 'admin');
  const ot = (await srv.login(owner.email, owner.password)).access_token;
  const p = await api('POST', '/api/v1/projects', { name: 'ml images', label_config: IMAGE }, ot);
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const mb = await spawnBackend(['--version', 'img-v1', '--fetch-media', '1']);
  try {
    const c = await api('POST', `/api/v1/projects/${p.body.id}/ml-backends`, { url: mb.url, auto_predict: true }, ot);
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal((await mb.log()).find((e) => e.path === '/setup').hostname, publicUrl);
    assert.equal(c.body.hostname, publicUrl, 'the API says what the backend was told');
    // Uploads are predicted as they are imported, like every other import.
    const files = [png(8, 6, [200, 30, 30]), png(5, 9, [30, 30, 200])];
    const sha = files.map((f) => createHash('sha256').update(f).digest('hex'));
    const media = [];
    for (const [i, f] of files.entries()) {
      const r = await srv.api('POST', `/api/v1/projects/${p.body.id}/media?filename=f${i}.png`, { token: ot, raw: f, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      media.push(r.body.items[0]);
    }
    const tasks = await until('both images predicted', async () => {
      const r = await api('GET', `/api/v1/projects/${p.body.id}/tasks?limit=10`, undefined, ot);
      return r.body.items.length === 2 && r.body.items.every((t) => t.predictions?.length === 1) && r.body.items;
    }, 30000);
    assert.deepEqual(tasks.map((t) => t.predictions[0].result[0].value.choices), [['cat'], ['cat']]);
    // The stored data keeps its paths: the links were made for the call.
    assert.deepEqual(tasks.map((t) => t.data.image), media.map((m) => `/api/v1/media/${m.id}`));
    const got = (await mb.log()).filter((e) => e.path === '/predict').flatMap((e) => e.media);
    assert.equal(got.length, 2, JSON.stringify(got));
    got.sort((a, b) => a.task - b.task);
    for (const [i, g] of got.entries()) {
      assert.equal(g.status, 200, JSON.stringify(g));
      assert.equal(g.sha256, sha[i], 'the backend got the uploaded bytes');
      assert.ok(g.url.startsWith(`${publicUrl}/api/v1/media/${media[i].id}?`), g.url);
      const q = new URL(g.url).searchParams;
      assert.equal(q.get('uid'), String(owner.id));
      assert.match(q.get('sig'), /^[0-9a-f]{64}$/);
    }
    assert.ok(proxied >= 2, 'the downloads went through the public address');
    // A tampered link is refused; the creator's deactivation ends access.
    const link = new URL(got[0].url);
    link.searchParams.set('uid', String(admin.user.id));
    assert.equal((await fetch(link)).status, 403);
    assert.equal((await fetch(got[0].url)).status, 200);
    // Label Studio's SDK adds "Authorization: Token <access_token>" to
    // downloads under the hostname: the signature decides, not the header.
    assert.equal((await fetch(got[0].url, { headers: { authorization: 'Token ' } })).status, 200);
    assert.equal((await fetch(got[0].url, { headers: { authorization: 'Token not-a-token' } })).status, 200);
    assert.equal((await api('PATCH', `/api/v1/users/${owner.id}`, { active: false })).status, 200);
    assert.equal((await fetch(got[0].url)).status, 403);
  } finally {
    await mb.stop();
  }
});

test('a LABELFLOW_PUBLIC_URL that is no http(s)://host[:port] stops the server, naming it', async () => {
  for (const bad of ['labelflow.example.com', 'ftp://labelflow.example.com', 'https://labelflow.example.com/', 'https://', 'https://a.example/x?y'])
    await assert.rejects(startServer({ env: { LABELFLOW_PUBLIC_URL: bad } }), /LABELFLOW_PUBLIC_URL: .* is not http\(s\):\/\/host\[:port\]/, bad);
  const ok = await startServer({ env: { LABELFLOW_PUBLIC_URL: 'https://labelflow.example.com:8443' } });
  await ok.stop();
});
