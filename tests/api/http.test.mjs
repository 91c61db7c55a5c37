// The HTTP layer: error shapes, body limits, content types, malformed
// JSON, unknown routes, health endpoints, login rate limiting, and
// graceful shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, ADMIN, errorCode } from './lib.mjs';

function rawRequest(url, { method = 'POST', path, headers = {}, chunks = [] }) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: body ? JSON.parse(body) : null }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test('http layer refuses bad requests with the JSON error shape', async (t) => {
  const srv = await startServer();
  t.after(() => srv.stop());
  const admin = await srv.login(ADMIN.email, ADMIN.password);

  await t.test('unknown path is 404, wrong method is 405', async () => {
    const a = await srv.api('GET', '/api/v1/nope');
    assert.equal(a.status, 404);
    assert.equal(errorCode(a), 'not_found');
    const b = await srv.api('DELETE', '/api/v1/me', { token: admin.access_token });
    assert.equal(b.status, 405);
    assert.equal(errorCode(b), 'method_not_allowed');
  });

  await t.test('a body over the limit is 413 (declared length)', async () => {
    const big = JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(20000) });
    const r = await srv.api('POST', '/api/v1/auth/login', { raw: big, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 413);
    assert.equal(errorCode(r), 'payload_too_large');
  });

  await t.test('a chunked body over the limit is 413', async () => {
    const chunk = 'x'.repeat(8192);
    const r = await rawRequest(srv.url, {
      path: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: Array(4).fill(chunk),
    });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'payload_too_large');
  });

  await t.test('a wrong content type is 415', async () => {
    const r = await srv.api('POST', '/api/v1/auth/login', { raw: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 415);
    assert.equal(errorCode(r), 'unsupported_media_type');
  });

  await t.test('malformed JSON is 400 and says where', async () => {
    const r = await srv.api('POST', '/api/v1/auth/login', { raw: '{"email": "a@b.c", ', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.equal(errorCode(r), 'malformed_json');
    assert.match(r.body.error.message, /line 1/);
  });

  await t.test('a JSON body that is not an object is 400', async () => {
    const r = await srv.api('POST', '/api/v1/auth/login', { raw: '[1,2]', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.equal(errorCode(r), 'malformed_json');
  });

  await t.test('duplicate keys are refused', async () => {
    const r = await srv.api('POST', '/api/v1/auth/login', { raw: '{"email":"a@b.c","email":"x@y.z","password":"12345678"}', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400);
  });

  await t.test('wrong field types are 422', async () => {
    const r = await srv.api('POST', '/api/v1/auth/login', { body: { email: 5, password: 'x' } });
    assert.equal(r.status, 422);
    assert.equal(errorCode(r), 'invalid_field');
  });

  await t.test('a browser at the root gets a page, not an error', async () => {
    const r = await srv.api('GET', '/');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/html/);
    assert.match(r.body, /LabelFlow is running/);
  });

  await t.test('health, readiness and metrics answer', async () => {
    assert.equal((await srv.api('GET', '/healthz')).body.status, 'ok');
    assert.equal((await srv.api('GET', '/readyz')).body.status, 'ready');
    // A request is counted when it completes, just after its response
    // went out: /metrics may be answered first, so it is read again for
    // up to 2 s until the readyz request shows.
    const readyz = /labelflow_http_request_duration_seconds_bucket\{route="\/readyz",method="GET",le="\+Inf"\} [1-9]/;
    let m = await srv.api('GET', '/metrics');
    for (let i = 0; i < 40 && !readyz.test(m.body); i++) {
      await new Promise((r) => setTimeout(r, 50));
      m = await srv.api('GET', '/metrics');
    }
    assert.equal(m.status, 200);
    assert.match(m.body, /labelflow_http_requests_total\{route="[^"]+",method="[A-Z()a-z]+",status="4\d\d"\} [1-9]/);
    assert.match(m.body, readyz);
  });

  await t.test('the server still serves after all of that', async () => {
    assert.equal((await srv.api('GET', '/api/v1/me', { token: admin.access_token })).status, 200);
  });
});

test('login attempts are rate limited per account and address and per address (429)', async (t) => {
  const srv = await startServer({ env: { LABELFLOW_LOGIN_FAILURES: '3', LABELFLOW_LOGIN_IP_BURST: '8' } });
  t.after(() => srv.stop());
  const bad = { email: ADMIN.email, password: 'wrong-password' };
  for (let i = 0; i < 3; i++)
    assert.equal((await srv.api('POST', '/api/v1/auth/login', { body: bad })).status, 401);
  const limited = await srv.api('POST', '/api/v1/auth/login', { body: bad });
  assert.equal(limited.status, 429);
  assert.equal(errorCode(limited), 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  // Even the right password is refused from here while the delay runs.
  assert.equal((await srv.api('POST', '/api/v1/auth/login', { body: ADMIN })).status, 429);
  // Other accounts are limited by address only: 8 attempts from this
  // address in all, 5 used above.
  const other = { email: 'other@example.org', password: 'wrong-password' };
  for (let i = 0; i < 3; i++)
    assert.equal((await srv.api('POST', '/api/v1/auth/login', { body: other })).status, 401);
  assert.equal((await srv.api('POST', '/api/v1/auth/login', { body: other })).status, 429);
});

test('SIGTERM lets in-flight requests finish', async () => {
  const srv = await startServer();
  // A login spends ~50-100 ms hashing; stop the server while it runs. A
  // fixed delay raced a loaded machine (the signal could come before the
  // request arrived): wait until /metrics counts it in flight (the
  // metrics request itself is the other one).
  const pending = srv.api('POST', '/api/v1/auth/login', { body: ADMIN });
  for (let i = 0; i < 500; i++) {
    const m = await srv.api('GET', '/metrics');
    if (Number(/labelflow_http_inflight (\d+)/.exec(m.body)[1]) >= 2) break;
  }
  srv.proc.kill('SIGTERM');
  const r = await pending;
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.access_token, 'string');
  const { code } = await srv.exited;
  assert.equal(code, 0);
});
