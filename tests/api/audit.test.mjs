// The audit trail: records for every user/auth change, filters, and the
// hash chain catching a record edited directly in the database file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ADMIN, createUser, cli, sql, dbUrl, dropGuard } from './lib.mjs';

test('audit trail records changes, filters them, and detects tampering', async (t) => {
  let srv = await startServer();
  const dir = srv.dir;
  let admin = await srv.login(ADMIN.email, ADMIN.password);
  const u = await createUser(srv, admin.access_token, 'annotator');
  await srv.api('PATCH', `/api/v1/users/${u.id}`, { token: admin.access_token, body: { role: 'reviewer' } });
  await srv.api('POST', '/api/v1/auth/login', { body: { email: u.email, password: 'wrong-password' } });

  await t.test('every change has a record, newest first, with a hash chain', async () => {
    const r = await srv.api('GET', '/api/v1/audit?limit=100', { token: admin.access_token });
    assert.equal(r.status, 200);
    const actions = r.body.items.map((a) => a.action);
    for (const a of ['user.create', 'auth.login', 'user.update', 'auth.login_failed']) assert.ok(actions.includes(a), a);
    const seqs = r.body.items.map((a) => a.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
    for (let i = 0; i + 1 < r.body.items.length; i++) assert.equal(r.body.items[i].prev_hash, r.body.items[i + 1].hash);
    const upd = r.body.items.find((a) => a.action === 'user.update');
    assert.equal(upd.actor_id, admin.user.id);
    assert.equal(upd.entity_id, String(u.id));
    assert.equal(upd.details.before.role, 'annotator');
    assert.equal(upd.details.after.role, 'reviewer');
  });

  await t.test('GET /meta lists every action the filter matches, and the records use them', async () => {
    const meta = await srv.api('GET', '/api/v1/meta', { token: admin.access_token });
    assert.equal(meta.status, 200);
    const listed = meta.body.audit_actions;
    for (const a of ['user.create', 'auth.login_failed', 'task.l2_reject', 'task.l3_send_back_l1', 'payout.create']) assert.ok(listed.includes(a), a);
    assert.equal(new Set(listed).size, listed.length);
    const r = await srv.api('GET', '/api/v1/audit?limit=100', { token: admin.access_token });
    for (const rec of r.body.items) assert.ok(listed.includes(rec.action), rec.action);
  });

  await t.test('filters by action, actor and time; cursor pages', async () => {
    const byAction = await srv.api('GET', '/api/v1/audit?action=user.create', { token: admin.access_token });
    assert.ok(byAction.body.items.length >= 2);
    assert.ok(byAction.body.items.every((a) => a.action === 'user.create'));
    const byActor = await srv.api('GET', `/api/v1/audit?actor=${u.id}`, { token: admin.access_token });
    assert.ok(byActor.body.items.length >= 1);
    assert.ok(byActor.body.items.every((a) => a.actor_id === u.id));
    const future = await srv.api('GET', '/api/v1/audit?since=2999-01-01T00:00:00Z', { token: admin.access_token });
    assert.equal(future.body.items.length, 0);
    const badTime = await srv.api('GET', '/api/v1/audit?since=yesterday', { token: admin.access_token });
    assert.equal(badTime.status, 400);
    const p1 = await srv.api('GET', '/api/v1/audit?limit=2', { token: admin.access_token });
    assert.ok(p1.body.next_cursor);
    const p2 = await srv.api('GET', `/api/v1/audit?limit=2&cursor=${p1.body.next_cursor}`, { token: admin.access_token });
    assert.ok(p2.body.items[0].seq < p1.body.items[1].seq);
  });

  await t.test('verify passes on an untouched chain', async () => {
    const v = await srv.api('GET', '/api/v1/audit/verify', { token: admin.access_token });
    assert.equal(v.status, 200);
    assert.equal(v.body.ok, true);
    assert.ok(v.body.count >= 5);
    const c = cli(['audit', 'verify', '--db', srv.db]);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /audit chain ok/);
  });

  await t.test('SQL cannot update or delete audit records', async () => {
    assert.throws(() => sql(srv.db, "UPDATE audit_log SET action = 'x' WHERE seq = 2"), /append-only/);
    assert.throws(() => sql(srv.db, 'DELETE FROM audit_log WHERE seq = 2'), /append-only/);
  });

  await t.test('a record altered in the database file is found and named', async () => {
    await srv.stop({ keep: true });
    // An attacker with the file drops the guard and edits a record.
    dropGuard(dbUrl(dir), 'audit_log', 'update');
    sql(dbUrl(dir), "UPDATE audit_log SET details = '{\"role\":\"admin\"}' WHERE seq = 3");
    const c = cli(['audit', 'verify', '--db', dbUrl(dir)]);
    assert.equal(c.status, 1);
    assert.match(c.stdout, /BROKEN at seq 3/);
    srv = await startServer({ dir });
    admin = await srv.login(ADMIN.email, ADMIN.password);
    const v = await srv.api('GET', '/api/v1/audit/verify', { token: admin.access_token });
    assert.equal(v.body.ok, false);
    assert.equal(v.body.broken_seq, 3);
    assert.match(v.body.reason, /altered/);
  });

  await t.test('a deleted record is found as a gap', async () => {
    await srv.stop({ keep: true });
    dropGuard(dbUrl(dir), 'audit_log', 'delete');
    sql(dbUrl(dir), 'DELETE FROM audit_log WHERE seq = 2');
    const c = cli(['audit', 'verify', '--db', dbUrl(dir)]);
    assert.equal(c.status, 1);
    assert.match(c.stdout, /BROKEN at seq 3: sequence gap/);
    srv = await startServer({ dir });
  });

  await srv.stop();
});

test('labelflow user add and migrate work from the command line', async () => {
  const srv = await startServer();
  const db = srv.db;
  const add = cli(['user', 'add', '--email', 'cli@example.org', '--name', 'Cli', '--role', 'reviewer', '--password-stdin', '--db', db], { input: 'cli-password-1\n' });
  assert.equal(add.status, 0, add.stderr);
  assert.match(add.stdout, /created user \d+/);
  const s = await srv.login('cli@example.org', 'cli-password-1');
  assert.equal(s.user.role, 'reviewer');
  const dup = cli(['user', 'add', '--email', 'cli@example.org', '--role', 'reviewer', '--password-stdin', '--db', db], { input: 'cli-password-1\n' });
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /already exists/);
  const badRole = cli(['user', 'add', '--email', 'x@example.org', '--role', 'boss', '--password-stdin', '--db', db], { input: 'cli-password-1\n' });
  assert.equal(badRole.status, 1);
  const mig = cli(['migrate', '--db', db]);
  assert.equal(mig.status, 0);
  assert.match(mig.stdout, /schema at version [1-9]/);
  await srv.stop();
});
