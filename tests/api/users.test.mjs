// User administration and role checks: admin-only endpoints refuse other
// roles with 403, validation errors are 422, duplicates 409.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ADMIN, errorCode, createUser } from './lib.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = await srv.login(ADMIN.email, ADMIN.password);
});
after(async () => { await srv.stop(); });

test('admin creates users; the response never carries a password hash', async () => {
  const r = await srv.api('POST', '/api/v1/users', { token: admin.access_token, body: { email: 'ann@example.org', name: 'Ann', password: 'ann-password', role: 'annotator' } });
  assert.equal(r.status, 201);
  assert.equal(r.body.email, 'ann@example.org');
  assert.equal(r.body.role, 'annotator');
  assert.equal(r.body.active, true);
  assert.deepEqual(Object.keys(r.body).sort(), ['active', 'created_at', 'email', 'id', 'name', 'role', 'updated_at']);
  const s = await srv.login('ann@example.org', 'ann-password');
  assert.equal(s.user.id, r.body.id);
});

test('duplicate email (any case) is 409', async () => {
  const body = { email: 'Dup@Example.org', name: 'D', password: 'dup-password', role: 'reviewer' };
  assert.equal((await srv.api('POST', '/api/v1/users', { token: admin.access_token, body })).status, 201);
  const r = await srv.api('POST', '/api/v1/users', { token: admin.access_token, body: { ...body, email: 'dup@example.ORG' } });
  assert.equal(r.status, 409);
  assert.equal(errorCode(r), 'email_taken');
});

test('invalid user fields are 422 with a reason', async () => {
  const base = { email: 'v@example.org', name: 'V', password: 'long-enough', role: 'annotator' };
  const cases = [
    [{ ...base, email: 'not-an-email' }, /email/],
    [{ ...base, role: 'boss' }, /role/],
    [{ ...base, password: 'short' }, /password/],
    [{ ...base, name: '' }, /name/],
    [{ email: 'x@example.org' }, /name|password|role/],
  ];
  for (const [body, re] of cases) {
    const r = await srv.api('POST', '/api/v1/users', { token: admin.access_token, body });
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.match(r.body.error.message, re);
  }
});

test('non-admins get 403 on admin endpoints; no token gets 401', async () => {
  for (const role of ['annotator', 'reviewer', 'super_reviewer']) {
    const u = await createUser(srv, admin.access_token, role);
    const s = await srv.login(u.email, u.password);
    const calls = [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { email: 'z@example.org', name: 'z', password: 'zzzzzzzz', role: 'admin' }],
      ['PATCH', `/api/v1/users/${u.id}`, { role: 'admin' }],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/audit/verify'],
    ];
    for (const [m, p, body] of calls) {
      const r = await srv.api(m, p, { token: s.access_token, body });
      assert.equal(r.status, 403, `${role} ${m} ${p}`);
      assert.equal(errorCode(r), 'forbidden');
      const anon = await srv.api(m, p, { body });
      assert.equal(anon.status, 401, `anonymous ${m} ${p}`);
    }
    // Their own profile is fine, and the role did not change.
    const me = await srv.api('GET', '/api/v1/me', { token: s.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.body.role, role);
  }
});

test('user list paginates with a keyset cursor', async () => {
  for (let i = 0; i < 5; i++) await createUser(srv, admin.access_token, 'annotator');
  const seen = [];
  let cursor = '';
  for (let page = 0; page < 50; page++) {
    const r = await srv.api('GET', `/api/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.access_token });
    assert.equal(r.status, 200);
    assert.ok(r.body.items.length <= 2);
    seen.push(...r.body.items.map((u) => u.id));
    if (!r.body.next_cursor) break;
    cursor = r.body.next_cursor;
  }
  const all = await srv.api('GET', '/api/v1/users?limit=500', { token: admin.access_token });
  assert.deepEqual(seen, all.body.items.map((u) => u.id));
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(seen.length >= 6);
  const bad = await srv.api('GET', '/api/v1/users?limit=abc', { token: admin.access_token });
  assert.equal(bad.status, 400);
  assert.equal(errorCode(bad), 'bad_parameter');
});

test('patch changes role and name; unknown user is 404; an admin cannot demote themselves', async () => {
  const u = await createUser(srv, admin.access_token, 'annotator');
  const r = await srv.api('PATCH', `/api/v1/users/${u.id}`, { token: admin.access_token, body: { role: 'reviewer', name: 'Renamed' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.role, 'reviewer');
  assert.equal(r.body.name, 'Renamed');
  assert.equal((await srv.api('PATCH', '/api/v1/users/999999', { token: admin.access_token, body: { name: 'x' } })).status, 404);
  assert.equal((await srv.api('PATCH', '/api/v1/users/abc', { token: admin.access_token, body: { name: 'x' } })).status, 404);
  const self = await srv.api('PATCH', `/api/v1/users/${admin.user.id}`, { token: admin.access_token, body: { active: false } });
  assert.equal(self.status, 409);
  assert.equal(errorCode(self), 'cannot_demote_self');
  const bad = await srv.api('PATCH', `/api/v1/users/${u.id}`, { token: admin.access_token, body: { role: 'king' } });
  assert.equal(bad.status, 422);
});

test('a password change ends existing sessions and the new password works', async () => {
  const u = await createUser(srv, admin.access_token, 'annotator');
  const s = await srv.login(u.email, u.password);
  const r = await srv.api('PATCH', `/api/v1/users/${u.id}`, { token: admin.access_token, body: { password: 'brand-new-password' } });
  assert.equal(r.status, 200);
  assert.equal((await srv.api('GET', '/api/v1/me', { token: s.access_token })).status, 401);
  await srv.login(u.email, 'brand-new-password');
});
