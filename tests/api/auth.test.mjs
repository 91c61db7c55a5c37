// Login, refresh-token rotation and reuse detection, logout, refusal of
// forged, alg:none, wrong-algorithm and expired tokens, and login backoff
// per (account, address), with the address from X-Forwarded-For behind a
// trusted proxy only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, ADMIN, errorCode, signJwt, decodeJwt, createUser, sql } from './lib.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = await srv.login(ADMIN.email, ADMIN.password);
});
after(async () => { await srv.stop(); });

test('login returns tokens and the user without secrets', async () => {
  const r = await srv.api('POST', '/api/v1/auth/login', { body: ADMIN });
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.access_token, 'string');
  assert.equal(typeof r.body.refresh_token, 'string');
  assert.ok(r.body.expires_in > 0);
  assert.equal(r.body.user.email, ADMIN.email);
  assert.equal(r.body.user.role, 'admin');
  assert.equal(r.body.user.password_hash, undefined);
  const claims = decodeJwt(r.body.access_token);
  assert.equal(claims.sub, r.body.user.id);
  assert.ok(claims.exp > claims.iat && claims.jti && claims.sid);
  const me = await srv.api('GET', '/api/v1/me', { token: r.body.access_token });
  assert.equal(me.status, 200);
  assert.equal(me.body.id, r.body.user.id);
});

test('wrong password and unknown email get the same 401', async () => {
  const a = await srv.api('POST', '/api/v1/auth/login', { body: { email: ADMIN.email, password: 'nope-nope-nope' } });
  const b = await srv.api('POST', '/api/v1/auth/login', { body: { email: 'ghost@example.org', password: 'nope-nope-nope' } });
  assert.equal(a.status, 401);
  assert.equal(b.status, 401);
  assert.equal(errorCode(a), 'invalid_credentials');
  assert.equal(errorCode(b), 'invalid_credentials');
  assert.equal(a.body.error.message, b.body.error.message);
});

test('login without fields is a 422 with the field named', async () => {
  const r = await srv.api('POST', '/api/v1/auth/login', { body: { email: ADMIN.email } });
  assert.equal(r.status, 422);
  assert.equal(errorCode(r), 'missing_field');
  assert.match(r.body.error.message, /password/);
});

test('refresh rotates the token; replaying an old one ends the whole family', async () => {
  const s = await srv.login(ADMIN.email, ADMIN.password);
  const r1 = await srv.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: s.refresh_token } });
  assert.equal(r1.status, 200);
  assert.notEqual(r1.body.refresh_token, s.refresh_token);
  assert.equal((await srv.api('GET', '/api/v1/me', { token: r1.body.access_token })).status, 200);

  // The first token again: a replay. Refused, and the session is revoked.
  const replay = await srv.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: s.refresh_token } });
  assert.equal(replay.status, 401);
  assert.equal(errorCode(replay), 'refresh_token_reused');
  // The newest refresh token of the family no longer works either...
  const r2 = await srv.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: r1.body.refresh_token } });
  assert.equal(r2.status, 401);
  // ...nor do the access tokens of that session.
  const me = await srv.api('GET', '/api/v1/me', { token: r1.body.access_token });
  assert.equal(me.status, 401);
  assert.equal(errorCode(me), 'session_revoked');
  // Other sessions of the same user are unaffected.
  assert.equal((await srv.api('GET', '/api/v1/me', { token: admin.access_token })).status, 200);
});

test('an unknown refresh token is refused', async () => {
  const r = await srv.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: 'x'.repeat(43) } });
  assert.equal(r.status, 401);
  assert.equal(errorCode(r), 'invalid_refresh_token');
});

test('logout revokes the session: access and refresh tokens stop working', async () => {
  const s = await srv.login(ADMIN.email, ADMIN.password);
  const out = await srv.api('POST', '/api/v1/auth/logout', { token: s.access_token });
  assert.equal(out.status, 204);
  assert.equal((await srv.api('GET', '/api/v1/me', { token: s.access_token })).status, 401);
  const r = await srv.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: s.refresh_token } });
  assert.equal(r.status, 401);
});

test('missing or malformed Authorization header is 401', async () => {
  for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer ' }, { authorization: 'Bearer not.a.jwt' }]) {
    const r = await srv.api('GET', '/api/v1/me', { headers });
    assert.equal(r.status, 401, JSON.stringify(headers));
    errorCode(r);
  }
});

test('forged tokens are refused: alg none, wrong key, HS512 header, tampered claims, expired', async () => {
  const good = decodeJwt(admin.access_token);
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const forged = {
    alg_none: b64({ alg: 'none', typ: 'JWT' }) + '.' + b64(good) + '.',
    alg_none_upper: b64({ alg: 'None' }) + '.' + b64(good) + '.',
    wrong_key: signJwt({ alg: 'HS256', typ: 'JWT' }, good, 'another-secret'),
    hs512_header: signJwt({ alg: 'HS512', typ: 'JWT' }, good),
    expired: signJwt({ alg: 'HS256', typ: 'JWT' }, { ...good, iat: now - 3600, exp: now - 60 }),
    tampered: (() => { const [h, , s] = admin.access_token.split('.'); return h + '.' + b64({ ...good, sub: 999 }) + '.' + s; })(),
  };
  for (const [name, token] of Object.entries(forged)) {
    const r = await srv.api('GET', '/api/v1/me', { token });
    assert.equal(r.status, 401, name);
    assert.equal(errorCode(r), 'invalid_token', name);
  }
  // Control: a token we sign with the right key and fresh claims works, so
  // the refusals above are about what was forged, not the harness.
  const fresh = signJwt({ alg: 'HS256', typ: 'JWT' }, { ...good, iat: now, exp: now + 60 });
  assert.equal((await srv.api('GET', '/api/v1/me', { token: fresh })).status, 200);
});

test('a deactivated user is refused at once, and cannot log in', async () => {
  const u = await createUser(srv, admin.access_token, 'annotator');
  const s = await srv.login(u.email, u.password);
  assert.equal((await srv.api('GET', '/api/v1/me', { token: s.access_token })).status, 200);
  const p = await srv.api('PATCH', `/api/v1/users/${u.id}`, { token: admin.access_token, body: { active: false } });
  assert.equal(p.status, 200);
  assert.equal(p.body.active, false);
  assert.equal((await srv.api('GET', '/api/v1/me', { token: s.access_token })).status, 401);
  const again = await srv.api('POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
  assert.equal(again.status, 401);
  const r = await srv.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: s.refresh_token } });
  assert.equal(r.status, 401);
});

// A request from another loopback address (all of 127/8 is local on
// Linux), so one server sees two clients: an attacker and the owner.
function fromAddress(url, localAddress, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url + path, {
      method, localAddress,
      headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        const json = (res.headers['content-type'] || '').includes('application/json');
        resolve({ status: res.statusCode, headers: res.headers, body: json ? JSON.parse(text) : text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

test('wrong passwords from one address delay that address only, growing, never a lockout', async (t) => {
  const s = await startServer({ env: { LABELFLOW_LOGIN_FAILURES: '3' } });
  t.after(() => s.stop());
  const attacker = (body) => fromAddress(s.url, '127.0.0.2', 'POST', '/api/v1/auth/login', body);
  const owner = (body) => fromAddress(s.url, '127.0.0.1', 'POST', '/api/v1/auth/login', body);
  // Mixed case is one account: three wrong passwords, then a delay.
  const cases = [ADMIN.email.toUpperCase(), ADMIN.email, 'Admin@Example.ORG'];
  for (const email of cases)
    assert.equal((await attacker({ email, password: 'wrong-password' })).status, 401);
  const limited = await attacker({ email: ADMIN.email, password: 'wrong-password' });
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error.code, 'rate_limited');
  assert.match(limited.body.error.message, /try again in \d+ second/);
  assert.equal(limited.headers['retry-after'], '1');
  // While it waits, even the right password is refused from there.
  assert.equal((await attacker(ADMIN)).status, 429);
  // The owner, elsewhere, is not delayed at all, however long the attack.
  for (let i = 0; i < 12; i++) {
    const r = await attacker({ email: ADMIN.email, password: 'wrong-password' });
    assert.ok(r.status === 401 || r.status === 429, `attacker got ${r.status}`);
  }
  const ok = await owner(ADMIN);
  assert.equal(ok.status, 200);
  assert.equal(typeof ok.body.access_token, 'string');
  // The delay ends: after Retry-After the right password works from the
  // attacker's address too (a wrong one would have doubled the delay).
  const s2 = await startServer({ env: { LABELFLOW_LOGIN_FAILURES: '2' } });
  t.after(() => s2.stop());
  const from2 = (body) => fromAddress(s2.url, '127.0.0.3', 'POST', '/api/v1/auth/login', body);
  for (let i = 0; i < 2; i++)
    assert.equal((await from2({ email: ADMIN.email, password: 'wrong-password' })).status, 401);
  const wait = await from2(ADMIN);
  assert.equal(wait.status, 429);
  await new Promise((r) => setTimeout(r, Number(wait.headers['retry-after']) * 1000 + 50));
  assert.equal((await from2({ email: ADMIN.email.toUpperCase(), password: ADMIN.password })).status, 200);
  // A success forgets the failures: two more wrong tries are free again.
  for (let i = 0; i < 2; i++)
    assert.equal((await from2({ email: ADMIN.email, password: 'wrong-password' })).status, 401);
});

// The browser's session: the refresh token only in an HttpOnly cookie the
// page's scripts cannot read, sent only to /api/v1/auth, and a refresh by
// cookie needs the X-LabelFlow-CSRF header, which a cross-site form or
// fetch cannot set (SameSite=Strict keeps the cookie off them as well).
test('browsers keep the refresh token in an HttpOnly cookie; a cookie refresh needs the CSRF header', async () => {
  const BROWSER = { 'x-labelflow-csrf': '1' };
  const cookieOf = (r) => {
    const c = r.headers.get('set-cookie');
    assert.ok(c, 'no Set-Cookie');
    return c;
  };
  const login = await srv.api('POST', '/api/v1/auth/login', { body: ADMIN, headers: BROWSER });
  assert.equal(login.status, 200);
  assert.equal(typeof login.body.access_token, 'string');
  // Scripts on the page never see the refresh token.
  assert.equal(login.body.refresh_token, undefined);
  const set = cookieOf(login);
  const attrs = set.split(';').map((a) => a.trim());
  const [name, value] = attrs[0].split('=');
  assert.equal(name, 'lf_refresh');
  assert.ok(value.length >= 40);
  const lower = attrs.slice(1).map((a) => a.toLowerCase());
  for (const a of ['httponly', 'secure', 'samesite=strict', 'path=/api/v1/auth'])
    assert.ok(lower.includes(a), `${a} missing in ${set}`);
  assert.ok(lower.includes(`max-age=${2592000}`), set);
  const cookie = `lf_refresh=${value}`;

  // Without the CSRF header the cookie is not honoured.
  const forged = await srv.api('POST', '/api/v1/auth/refresh', { headers: { cookie } });
  assert.equal(forged.status, 403);
  assert.equal(errorCode(forged), 'csrf_header_required');
  const forged2 = await srv.api('POST', '/api/v1/auth/refresh', { body: {}, headers: { cookie } });
  assert.equal(forged2.status, 403);

  // With it, the cookie rotates and the body carries only the access token.
  const ok = await srv.api('POST', '/api/v1/auth/refresh', { headers: { cookie, ...BROWSER } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.refresh_token, undefined);
  assert.equal((await srv.api('GET', '/api/v1/me', { token: ok.body.access_token })).status, 200);
  const next = cookieOf(ok).split(';')[0];
  assert.notEqual(next, cookie);
  // The old cookie is spent: presenting it again ends the family.
  assert.equal((await srv.api('POST', '/api/v1/auth/refresh', { headers: { cookie, ...BROWSER } })).status, 401);

  // Logout clears the cookie.
  const again = await srv.api('POST', '/api/v1/auth/login', { body: ADMIN, headers: BROWSER });
  const out = await srv.api('POST', '/api/v1/auth/logout', { token: again.body.access_token, headers: { cookie: cookieOf(again).split(';')[0] } });
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie') || '', /^lf_refresh=;.*Max-Age=0/i);

  // Scripts keep the body token and get no cookie.
  const script = await srv.api('POST', '/api/v1/auth/login', { body: ADMIN });
  assert.equal(typeof script.body.refresh_token, 'string');
  assert.equal(script.headers.get('set-cookie'), null);
  const rot = await srv.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: script.body.refresh_token } });
  assert.equal(rot.status, 200);
  assert.equal(typeof rot.body.refresh_token, 'string');
  // No token at all is a 422 naming the field, as before.
  assert.equal((await srv.api('POST', '/api/v1/auth/refresh', { body: {} })).status, 422);
});

// Behind a reverse proxy every connection comes from the proxy. Listed in
// LABELFLOW_TRUSTED_PROXIES, the proxy's X-Forwarded-For names the client:
// one attacker then delays only their own address, not everyone behind
// the proxy, and /metrics (loopback only) is not opened to the internet
// by a proxy on loopback. From any other address the header is ignored.
test('X-Forwarded-For names the client behind a trusted proxy, and is ignored from anyone else', async (t) => {
  const s = await startServer({ env: { LABELFLOW_LOGIN_FAILURES: '2', LABELFLOW_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8', LABELFLOW_METRICS_ALLOW: '127.0.0.1' } });
  t.after(() => s.stop());
  const login = (peer, xff, body) => fromAddress(s.url, peer, 'POST', '/api/v1/auth/login', body, xff ? { 'x-forwarded-for': xff } : {});
  const wrong = { email: ADMIN.email, password: 'wrong-password' };
  // Two wrong passwords from the client xff names start its delay (1 s:
  // each check below comes right after the failures it checks).
  const failTwice = async (xff) => {
    for (let i = 0; i < 2; i++)
      assert.equal((await login('127.0.0.1', xff, wrong)).status, 401);
  };
  await failTwice('203.0.113.5');
  assert.equal((await login('127.0.0.1', '203.0.113.5', ADMIN)).status, 429);
  // Another client behind the same proxy, and the proxy's own address.
  assert.equal((await login('127.0.0.1', '203.0.113.6', ADMIN)).status, 200);
  assert.equal((await login('127.0.0.1', null, ADMIN)).status, 200);
  // A chain: trusted hops are passed over from the right; the first
  // untrusted address is the client, whatever it claims before that.
  await failTwice('198.51.100.50');
  assert.equal((await login('127.0.0.1', '198.51.100.1, 198.51.100.50, 10.1.2.3', ADMIN)).status, 429);
  assert.equal((await login('127.0.0.1', '198.51.100.50, 198.51.100.1', ADMIN)).status, 200);
  // Two headers are one list, in order.
  await failTwice('198.51.100.60');
  const twoHeaders = await new Promise((resolve, reject) => {
    const payload = JSON.stringify(ADMIN);
    const req = http.request(s.url + '/api/v1/auth/login', {
      method: 'POST', localAddress: '127.0.0.1',
      headers: [['content-type', 'application/json'], ['content-length', String(Buffer.byteLength(payload))],
        ['x-forwarded-for', '198.51.100.60'], ['x-forwarded-for', '10.9.9.9']],
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    req.end(payload);
  });
  assert.equal(twoHeaders, 429);
  // Text that is no address is not believed: the walk stops at the proxy.
  assert.equal((await login('127.0.0.1', '203.0.113.5, not-an-address', ADMIN)).status, 200);
  // /metrics: the proxy itself is on loopback, the client it names is not.
  const metrics = (xff) => fromAddress(s.url, '127.0.0.1', 'GET', '/metrics', undefined, xff ? { 'x-forwarded-for': xff } : {});
  assert.equal((await metrics(null)).status, 200);
  assert.equal((await metrics('203.0.113.9')).status, 403);
  // An address that is not a trusted proxy cannot choose its own: its
  // header is ignored, so its failures count against itself.
  const untrusted = (xff, body) => fromAddress(s.url, '127.0.0.2', 'POST', '/api/v1/auth/login', body, { 'x-forwarded-for': xff });
  for (let i = 0; i < 2; i++)
    assert.equal((await untrusted(`192.0.2.${i + 1}`, wrong)).status, 401);
  assert.equal((await untrusted('192.0.2.77', ADMIN)).status, 429);
  // Nor can it pass for an address /metrics lets in.
  assert.equal((await fromAddress(s.url, '127.0.0.2', 'GET', '/metrics', undefined, { 'x-forwarded-for': '127.0.0.1' })).status, 403);
  // The access log names the client, not the proxy.
  assert.match(s.log(), /203\.0\.113\.6 POST \/api\/v1\/auth\/login 200/);
});

test('a LABELFLOW_TRUSTED_PROXIES entry that is no address stops the server, naming it', async () => {
  await assert.rejects(startServer({ env: { LABELFLOW_TRUSTED_PROXIES: '127.0.0.1, proxy.example' } }),
    /LABELFLOW_TRUSTED_PROXIES: 'proxy\.example' is not an address/);
});

// LABELFLOW_PASSWORD_COST: the default is libsodium's interactive cost;
// a login redoes a hash of another cost, both ways, and keeps working.
test('a login redoes a password hash of another LABELFLOW_PASSWORD_COST; the default is interactive', async () => {
  const hashOf = (s, id) => sql(s.db, `SELECT password_hash FROM users WHERE id = ${id}`).trim();
  const INTERACTIVE = /^\$argon2id\$v=19\$m=65536,t=2,p=1\$/;
  const MINIMUM = /^\$argon2id\$v=19\$m=8,t=1,p=1\$/;
  let s = await startServer({ env: { LABELFLOW_PASSWORD_COST: undefined } });
  const dir = s.dir;
  const a = await s.login(ADMIN.email, ADMIN.password);
  const u = await createUser(s, a.access_token, 'annotator');
  assert.match(hashOf(s, u.id), INTERACTIVE);
  assert.doesNotMatch(s.log(), /PASSWORD_COST/);
  await s.stop({ keep: true });

  s = await startServer({ dir, env: { LABELFLOW_PASSWORD_COST: 'minimum' } });
  assert.match(s.log(), /LABELFLOW_PASSWORD_COST=minimum: password hashes protect nothing/);
  assert.equal((await s.api('POST', '/api/v1/auth/login', { body: { email: u.email, password: 'wrong-password' } })).status, 401);
  assert.match(hashOf(s, u.id), INTERACTIVE, 'a wrong password changes nothing');
  await s.login(u.email, u.password);
  assert.match(hashOf(s, u.id), MINIMUM);
  await s.login(u.email, u.password);
  await s.stop({ keep: true });

  s = await startServer({ dir, env: { LABELFLOW_PASSWORD_COST: undefined } });
  await s.login(u.email, u.password);
  assert.match(hashOf(s, u.id), INTERACTIVE);
  await s.stop();
  await assert.rejects(startServer({ env: { LABELFLOW_PASSWORD_COST: 'weak' } }), /LABELFLOW_PASSWORD_COST/);
});
