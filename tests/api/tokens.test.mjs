// API tokens (personal access tokens): created with a login session and
// shown once, listed without secret, accepted as `Authorization: Token`
// and as Bearer, capped by their role and project list (the intersection
// with what the user may do), refused on the next request after
// revocation, deactivation or expiry, stored as a hash only, and audited.
// Runs on SQLite, and on PostgreSQL with LABELFLOW_TEST_PG.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode, sql, createUser, ADMIN } from './lib.mjs';
import { setupProject } from './workflow-lib.mjs';

let srv, env, other;
before(async () => {
  srv = await startServer();
  env = await setupProject(srv, { counts: { annotator: 1, reviewer: 1, super_reviewer: 0 } });
  other = await srv.api('POST', '/api/v1/projects', { token: env.admin.access_token, body: { name: 'Other', label_config: env.project.label_config } });
  assert.equal(other.status, 201);
});
after(async () => { await srv.stop(); });

const withToken = (method, path, token, opts = {}) =>
  srv.api(method, path, { ...opts, headers: { authorization: `Token ${token}` } });
const create = (session, body) => srv.api('POST', '/api/v1/me/tokens', { token: session, body });

test('a token is shown once, listed without its secret, and works as Token and as Bearer', async () => {
  const r = await create(env.admin.access_token, { name: 'ci script' });
  assert.equal(r.status, 201);
  assert.match(r.body.token, /^lf_pat_[0-9a-f]{12}_[0-9a-f]{64}$/);
  assert.equal(r.body.prefix, r.body.token.slice(7, 19));
  assert.equal(r.body.role, 'admin');
  assert.equal(r.body.project_ids, null);
  assert.equal(r.body.expires_at, null);
  assert.equal(r.body.last_used_at, null);

  const list = await srv.api('GET', '/api/v1/me/tokens', { token: env.admin.access_token });
  assert.equal(list.status, 200);
  const row = list.body.items.find((t) => t.id === r.body.id);
  assert.equal(row.name, 'ci script');
  assert.equal(row.prefix, r.body.prefix);
  assert.ok(!('token' in row) && !('hash' in row));
  assert.ok(!JSON.stringify(list.body).includes(r.body.token.slice(20)), 'the secret is in the list');

  const me = await withToken('GET', '/api/v1/me', r.body.token);
  assert.equal(me.status, 200);
  assert.equal(me.body.email, ADMIN.email);
  const bearer = await srv.api('GET', '/api/v1/users', { token: r.body.token });
  assert.equal(bearer.status, 200, 'an admin token of role admin reaches admin routes');

  // Used: last_used_at is set (written at most once a minute).
  const after1 = (await srv.api('GET', '/api/v1/me/tokens', { token: env.admin.access_token })).body.items.find((t) => t.id === r.body.id);
  assert.ok(after1.last_used_at, 'last_used_at is recorded');
  await withToken('GET', '/api/v1/me', r.body.token);
  const after2 = (await srv.api('GET', '/api/v1/me/tokens', { token: env.admin.access_token })).body.items.find((t) => t.id === r.body.id);
  assert.equal(after2.last_used_at, after1.last_used_at, 'not rewritten within the minute');

  // A wrong secret with a real prefix, and garbage, are refused alike.
  const forged = r.body.token.slice(0, 20) + '0'.repeat(64);
  assert.equal(errorCode(await withToken('GET', '/api/v1/me', forged)), 'invalid_token');
  assert.equal(errorCode(await withToken('GET', '/api/v1/me', 'lf_pat_nonsense')), 'invalid_token');
});

test('the secret is stored as a hash only', async () => {
  const r = await create(env.admin.access_token, { name: 'hash check' });
  const secret = r.body.token.slice(20);
  const rows = sql(srv.db, `SELECT * FROM api_tokens WHERE id = ${r.body.id}`);
  assert.ok(rows.includes(r.body.prefix), 'the row is the one created');
  assert.ok(!rows.includes(secret), 'the secret is stored');
  assert.ok(!rows.includes(r.body.token), 'the token is stored');
  const hash = sql(srv.db, `SELECT hash FROM api_tokens WHERE id = ${r.body.id}`).trim();
  assert.match(hash, /^[0-9a-f]{64}$/);
  // Nor does it reach the audit trail.
  assert.ok(!sql(srv.db, 'SELECT details FROM audit_log').includes(secret));
});

test('the role caps the token: an admin token scoped annotator cannot use admin routes', async () => {
  const r = await create(env.admin.access_token, { name: 'low', role: 'annotator' });
  assert.equal(r.status, 201);
  assert.equal(r.body.role, 'annotator');
  const users = await withToken('GET', '/api/v1/users', r.body.token);
  assert.equal(users.status, 403);
  const proj = await withToken('PATCH', `/api/v1/projects/${env.project.id}`, r.body.token, { body: { name: 'renamed' } });
  assert.ok([403, 404].includes(proj.status), `project admin with an annotator token: ${proj.status}`);

  // A reviewer's annotator token cannot review, though the reviewer can.
  const rev = env.reviewers[0];
  const t = await create(rev.token, { name: 'rev low', role: 'annotator' });
  assert.equal(t.status, 201);
  const claimL2 = await withToken('POST', `/api/v1/projects/${env.project.id}/claim`, t.body.token, { body: { stage: 'l2' } });
  assert.equal(claimL2.status, 403);
  assert.equal(errorCode(claimL2), 'forbidden');
  // Nobody but an admin may make an admin token.
  const up = await create(rev.token, { name: 'up', role: 'admin' });
  assert.equal(up.status, 422);
  assert.equal(errorCode(up), 'invalid_token_role');
});

test('a token limited to projects is an outsider elsewhere', async () => {
  const r = await create(env.admin.access_token, { name: 'one project', project_ids: [env.project.id] });
  assert.equal(r.status, 201);
  assert.deepEqual(r.body.project_ids, [env.project.id]);
  assert.equal((await withToken('GET', `/api/v1/projects/${env.project.id}`, r.body.token)).status, 200);
  const elsewhere = await withToken('GET', `/api/v1/projects/${other.body.id}`, r.body.token);
  assert.equal(elsewhere.status, 404);
  // It lists only its projects (the admin sees both with a session).
  const all = await srv.api('GET', '/api/v1/projects', { token: env.admin.access_token });
  assert.ok(all.body.items.some((p) => p.id === other.body.id));
  const listed = await withToken('GET', '/api/v1/projects', r.body.token);
  assert.deepEqual(listed.body.items.map((p) => p.id), [env.project.id]);
  // Not an admin outside its projects either.
  assert.equal((await withToken('GET', '/api/v1/users', r.body.token)).status, 403);
  const bad = await create(env.admin.access_token, { name: 'x', project_ids: [] });
  assert.equal(bad.status, 422);
});

test('revocation and deactivation take effect on the next request', async () => {
  const r = await create(env.admin.access_token, { name: 'to revoke' });
  assert.equal((await withToken('GET', '/api/v1/me', r.body.token)).status, 200);
  const del = await srv.api('DELETE', `/api/v1/me/tokens/${r.body.id}`, { token: env.admin.access_token });
  assert.equal(del.status, 204);
  const after = await withToken('GET', '/api/v1/me', r.body.token);
  assert.equal(after.status, 401);
  assert.equal(errorCode(after), 'token_revoked');
  assert.ok(!(await srv.api('GET', '/api/v1/me/tokens', { token: env.admin.access_token })).body.items.some((t) => t.id === r.body.id));
  assert.equal((await srv.api('DELETE', `/api/v1/me/tokens/${r.body.id}`, { token: env.admin.access_token })).status, 404);

  // Someone else's token is a 404 to DELETE /me/tokens/{id}; an admin
  // revokes it through /users/{id}/tokens/{token_id}.
  const u = await createUser(srv, env.admin.access_token, 'annotator');
  const s = await srv.login(u.email, u.password);
  const ut = await create(s.access_token, { name: 'user token' });
  assert.equal((await srv.api('DELETE', `/api/v1/me/tokens/${ut.body.id}`, { token: env.admin.access_token })).status, 404);
  assert.equal((await withToken('GET', '/api/v1/me', ut.body.token)).status, 200);
  assert.equal((await srv.api('DELETE', `/api/v1/users/${u.id}/tokens/${ut.body.id}`, { token: s.access_token })).status, 403);
  assert.equal((await srv.api('DELETE', `/api/v1/users/${u.id}/tokens/${ut.body.id}`, { token: env.admin.access_token })).status, 204);
  assert.equal(errorCode(await withToken('GET', '/api/v1/me', ut.body.token)), 'token_revoked');

  // Deactivating the user stops their tokens at once.
  const ut2 = await create(s.access_token, { name: 'user token 2' });
  assert.equal((await withToken('GET', '/api/v1/me', ut2.body.token)).status, 200);
  assert.equal((await srv.api('PATCH', `/api/v1/users/${u.id}`, { token: env.admin.access_token, body: { active: false } })).status, 200);
  assert.equal((await withToken('GET', '/api/v1/me', ut2.body.token)).status, 401);
});

// Expiry is set in the database rather than waited for: the API's
// shortest expiry is a day, and a test-only knob for seconds would be a
// way to make tokens the API otherwise does not offer.
test('an expired token is refused with token_expired', async () => {
  const r = await create(env.admin.access_token, { name: 'short', expires_in_days: 1 });
  assert.equal(r.status, 201);
  const exp = Date.parse(r.body.expires_at);
  assert.ok(Math.abs(exp - (Date.now() + 86400e3)) < 120e3, `expires_at ${r.body.expires_at}`);
  assert.equal((await withToken('GET', '/api/v1/me', r.body.token)).status, 200);
  sql(srv.db, `UPDATE api_tokens SET expires_at = ${Date.now() - 1000} WHERE id = ${r.body.id}`);
  const res = await withToken('GET', '/api/v1/me', r.body.token);
  assert.equal(res.status, 401);
  assert.equal(errorCode(res), 'token_expired');
  assert.equal((await create(env.admin.access_token, { name: 'x', expires_in_days: 0 })).status, 422);
});

test('a token cannot create tokens nor log out', async () => {
  const r = await create(env.admin.access_token, { name: 'no minting' });
  const mint = await srv.api('POST', '/api/v1/me/tokens', { token: r.body.token, body: { name: 'child' } });
  assert.equal(mint.status, 403);
  assert.equal(errorCode(mint), 'token_not_allowed');
  const out = await srv.api('POST', '/api/v1/auth/logout', { token: r.body.token, body: {} });
  assert.equal(out.status, 422);
  assert.equal((await withToken('GET', '/api/v1/me', r.body.token)).status, 200);
});

test('creation and revocation are audited, without the secret', async () => {
  const r = await create(env.admin.access_token, { name: 'audited', role: 'reviewer', project_ids: [env.project.id] });
  await srv.api('DELETE', `/api/v1/me/tokens/${r.body.id}`, { token: env.admin.access_token });
  for (const action of ['token.create', 'token.revoke']) {
    const a = await srv.api('GET', `/api/v1/audit?action=${action}`, { token: env.admin.access_token });
    assert.equal(a.status, 200);
    const e = a.body.items.find((x) => x.entity_id === String(r.body.id));
    assert.ok(e, `${action} recorded`);
    assert.equal(e.entity_type, 'api_token');
    assert.equal(e.details.prefix, r.body.prefix);
    assert.equal(e.details.role, 'reviewer');
    assert.deepEqual(e.details.project_ids, [env.project.id]);
    assert.ok(!JSON.stringify(e).includes(r.body.token.slice(20)));
  }
});

// The cap keeps a user's list one page; the rows are written directly,
// as 100 API calls would only be slower.
test('at most 100 live tokens per user', async () => {
  const u = await createUser(srv, env.admin.access_token, 'annotator');
  const s = await srv.login(u.email, u.password);
  const values = Array.from({ length: 100 }, (_, i) => `(${u.id}, 'n', 'cap${String(i).padStart(3, '0')}${u.id}', 'x', 'annotator', ${Date.now()})`).join(', ');
  sql(srv.db, `INSERT INTO api_tokens (user_id, name, prefix, hash, role, created_at) VALUES ${values}`);
  const r = await create(s.access_token, { name: 'one too many' });
  assert.equal(r.status, 409);
  assert.equal(errorCode(r), 'too_many_tokens');
  sql(srv.db, `UPDATE api_tokens SET revoked_at = ${Date.now()} WHERE prefix = 'cap000${u.id}'`);
  assert.equal((await create(s.access_token, { name: 'room again' })).status, 201);
});
