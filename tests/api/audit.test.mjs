// The audit trail: records for every user/auth change, filters, sealing
// into a signed chain, inclusion proofs checked independently, and
// tampering with records or checkpoints found and named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, ADMIN, createUser, cli, sql, dbUrl, dropGuard, sealed, auditKey } from './lib.mjs';
import { recordHash, checkProof, publicKey } from './audit-lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('audit trail records changes, filters them, seals and proves them, and detects tampering', async (t) => {
  let srv = await startServer();
  const dir = srv.dir;
  let admin = await srv.login(ADMIN.email, ADMIN.password);
  const u = await createUser(srv, admin.access_token, 'annotator');
  await srv.api('PATCH', `/api/v1/users/${u.id}`, { token: admin.access_token, body: { role: 'reviewer' } });
  await srv.api('POST', '/api/v1/auth/login', { body: { email: u.email, password: 'wrong-password' } });

  await t.test('every change has a record at once, newest first; sealed, they form a hash chain', async () => {
    const now = await srv.api('GET', '/api/v1/audit?limit=100', { token: admin.access_token });
    assert.equal(now.status, 200);
    const ids = now.body.items.map((a) => a.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.ok(now.body.items.some((a) => a.action === 'auth.login_failed'), 'listed before sealing too');
    const v = await sealed(srv, admin.access_token);
    assert.equal(v.body.unsealed, 0);
    const r = await srv.api('GET', '/api/v1/audit?limit=100', { token: admin.access_token });
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
    assert.ok(p2.body.items[0].id < p1.body.items[1].id);
  });

  await t.test('verify passes on an untouched chain and names the key it checked signatures with', async () => {
    const v = await srv.api('GET', '/api/v1/audit/verify', { token: admin.access_token });
    assert.equal(v.status, 200);
    assert.equal(v.body.ok, true);
    assert.ok(v.body.count >= 5);
    assert.ok(v.body.checkpoints >= 1);
    assert.equal(v.body.unsealed, 0);
    assert.match(v.body.key_id, /^[0-9a-f]{16}$/);
    const pk = Buffer.from(publicKey(auditKey(dir)).export({ format: 'jwk' }).x, 'base64url').toString('hex');
    assert.equal(v.body.key_id, pk.slice(0, 16));
    const c = cli(['audit', 'verify', '--db', srv.db]);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /audit chain ok/);
  });

  await t.test('every sealed record has an inclusion proof that checks out independently', async (t) => {
    const pub = publicKey(auditKey(dir));
    const v = await srv.api('GET', '/api/v1/audit/verify', { token: admin.access_token });
    for (let seq = 1; seq <= v.body.count; seq++) {
      const p = await srv.api('GET', `/api/v1/audit/${seq}/proof`, { token: admin.access_token });
      assert.equal(p.status, 200, JSON.stringify(p.body));
      assert.deepEqual(Object.keys(p.body).sort(), ['checkpoint', 'leaf_index', 'path', 'record', 'tree_size']);
      assert.deepEqual(Object.keys(p.body.record).sort(), ['action', 'actor_id', 'actor_role', 'details', 'entity_id', 'entity_type', 'from_state', 'hash', 'prev_hash', 'project_id', 'seq', 'task_id', 'to_state', 'ts'].sort());
      assert.deepEqual(Object.keys(p.body.checkpoint).sort(), ['batch', 'first_seq', 'hash', 'key_id', 'last_seq', 'prev', 'root', 'sealed_at', 'signature'].sort());
      assert.equal(p.body.record.seq, seq);
      assert.equal(checkProof(p.body, pub), null, `seq ${seq}`);
      // A proof of another record, or a flipped path hash, does not pass.
      const forged = structuredClone(p.body);
      forged.record.details = '{"forged":true}';
      assert.notEqual(checkProof(forged, pub), null);
    }
    // The independent Python checker (python3-nacl), when installed.
    const script = join(root, 'scripts', 'audit-proof.py');
    const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    if (spawnSync(py, ['-c', 'import nacl'], { encoding: 'utf8' }).status === 0) {
      const pk = Buffer.from(pub.export({ format: 'jwk' }).x, 'base64url').toString('hex');
      for (let seq = 1; seq <= v.body.count; seq++) {
        const p = await srv.api('GET', `/api/v1/audit/${seq}/proof`, { token: admin.access_token });
        const r = spawnSync(py, [script, '--pubkey', pk], { input: JSON.stringify(p.body), encoding: 'utf8' });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        p.body.record.details = '{"forged":true}';
        const bad = spawnSync(py, [script, '--pubkey', pk], { input: JSON.stringify(p.body), encoding: 'utf8' });
        assert.equal(bad.status, 1, bad.stdout + bad.stderr);
      }
    } else {
      t.diagnostic('python3-nacl not installed: scripts/audit-proof.py not run');
    }
    const missing = await srv.api('GET', `/api/v1/audit/${v.body.count + 1000}/proof`, { token: admin.access_token });
    assert.equal(missing.status, 404);
  });

  await t.test('SQL cannot update, delete or seal twice audit records, nor touch checkpoints', async () => {
    assert.throws(() => sql(srv.db, "UPDATE audit_log SET action = 'x' WHERE seq = 2"), /append-only/);
    assert.throws(() => sql(srv.db, 'UPDATE audit_log SET seq = seq + 1000 WHERE seq = 2'), /append-only/);
    assert.throws(() => sql(srv.db, 'DELETE FROM audit_log WHERE seq = 2'), /append-only/);
    assert.throws(() => sql(srv.db, "UPDATE audit_checkpoints SET root = 'x' WHERE batch = 1"), /append-only/);
    assert.throws(() => sql(srv.db, 'DELETE FROM audit_checkpoints WHERE batch = 1'), /append-only/);
  });

  await t.test('a record altered in the database file is found and named', async () => {
    await srv.stop({ keep: true });
    // An attacker with the file drops the guard and edits a record.
    dropGuard(dbUrl(dir), 'audit_log', 'update');
    sql(dbUrl(dir), "UPDATE audit_log SET details = '{\"role\":\"admin\"}' WHERE seq = 3");
    const c = cli(['audit', 'verify', '--db', dbUrl(dir)]);
    assert.equal(c.status, 1);
    assert.match(c.stdout, /BROKEN at seq 3 .*altered/);
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
    assert.match(c.stdout, /BROKEN at seq 3 .*sequence gap/);
    srv = await startServer({ dir });
  });

  await srv.stop();
});

// A trail of three sealed batches in a stopped server's database.
async function threeBatches() {
  const srv = await startServer();
  const admin = await srv.login(ADMIN.email, ADMIN.password);
  for (let b = 0; b < 3; b++) {
    for (let i = 0; i < 3; i++) await createUser(srv, admin.access_token, 'annotator');
    const v = await sealed(srv, admin.access_token);
    assert.equal(v.body.ok, true, JSON.stringify(v.body));
  }
  const proofs = [];
  const v = await srv.api('GET', '/api/v1/audit/verify', { token: admin.access_token });
  for (let seq = 1; seq <= v.body.count; seq++) proofs.push((await srv.api('GET', `/api/v1/audit/${seq}/proof`, { token: admin.access_token })).body);
  await srv.stop({ keep: true });
  const batches = [...new Set(proofs.map((p) => p.checkpoint.batch))];
  assert.ok(batches.length >= 3, `batches ${batches}`);
  return { srv, db: dbUrl(srv.dir), proofs, batches };
}

function verdict(db) {
  const c = cli(['audit', 'verify', '--db', db]);
  return { status: c.status, out: c.stdout + c.stderr };
}

test('tampering that the record chain alone would miss is found and named by batch', async (t) => {
  await t.test('a record altered and the whole chain after it rehashed breaks its batch root', async () => {
    const { srv, db, proofs } = await threeBatches();
    const mid = proofs[Math.floor(proofs.length / 2)];
    dropGuard(db, 'audit_log', 'update');
    // Recompute every hash from the altered record on, as an attacker who
    // knows the formula would: every link and hash checks out again.
    let prev = mid.record.prev_hash;
    for (const p of proofs.slice(proofs.indexOf(mid))) {
      const r = { ...p.record, prev_hash: prev };
      if (p === mid) r.details = '{"forged":true}';
      r.hash = recordHash(r);
      sql(db, `UPDATE audit_log SET details = '${r.details.replace(/'/g, "''")}', prev_hash = '${r.prev_hash}', hash = '${r.hash}' WHERE seq = ${r.seq}`);
      prev = r.hash;
    }
    const v = verdict(db);
    assert.equal(v.status, 1);
    assert.match(v.out, new RegExp(`\\(batch ${mid.checkpoint.batch}\\): the Merkle root of batch ${mid.checkpoint.batch} does not match`));
    await srv.stop();
  });

  await t.test('an altered checkpoint is found by its hash and signature', async () => {
    const { srv, db, batches } = await threeBatches();
    dropGuard(db, 'audit_checkpoints', 'update');
    sql(db, `UPDATE audit_checkpoints SET sealed_at = sealed_at + 1 WHERE batch = ${batches[1]}`);
    const v = verdict(db);
    assert.equal(v.status, 1);
    assert.match(v.out, new RegExp(`checkpoint of batch ${batches[1]} was altered`));
    await srv.stop();
  });

  await t.test('a deleted checkpoint in the middle is found as missing', async () => {
    const { srv, db, batches } = await threeBatches();
    dropGuard(db, 'audit_checkpoints', 'delete');
    sql(db, `DELETE FROM audit_checkpoints WHERE batch = ${batches[1]}`);
    const v = verdict(db);
    assert.equal(v.status, 1);
    assert.match(v.out, new RegExp(`checkpoint of batch ${batches[1]} is missing`));
    await srv.stop();
  });

  await t.test('the newest checkpoint deleted leaves its records uncovered', async () => {
    const { srv, db, batches } = await threeBatches();
    const last = batches[batches.length - 1];
    dropGuard(db, 'audit_checkpoints', 'delete');
    sql(db, `DELETE FROM audit_checkpoints WHERE batch = ${last}`);
    const v = verdict(db);
    assert.equal(v.status, 1);
    assert.match(v.out, new RegExp(`sealed in batch ${last} but no checkpoint covers it`));
    await srv.stop();
  });

  await t.test('the newest records deleted fall short of their checkpoint', async () => {
    const { srv, db, proofs, batches } = await threeBatches();
    const last = proofs[proofs.length - 1];
    dropGuard(db, 'audit_log', 'delete');
    sql(db, `DELETE FROM audit_log WHERE seq = ${last.record.seq}`);
    const v = verdict(db);
    assert.equal(v.status, 1);
    assert.match(v.out, new RegExp(`batch ${batches[batches.length - 1]}.*newest records were deleted`));
    await srv.stop();
  });
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
