// Audit sealing under failure and concurrency, on SQLite and (with
// LABELFLOW_TEST_PG) PostgreSQL: a sealer killed mid-batch and restarted
// seals every record exactly once; two sealers started at once with 64
// concurrent writers leave one chain holding every committed record; a
// stopped sealer is reported; records from before sealing are signed only
// when their chain verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, ADMIN, createUser, sealed, sql, cli, dropGuard } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const count = (db, q) => Number(sql(db, q).trim());

// The trail is one gapless chain holding each record exactly once.
function assertOneChain(db, verdict) {
  const total = count(db, 'SELECT COUNT(*) FROM audit_log');
  assert.equal(count(db, 'SELECT COUNT(*) FROM audit_log WHERE seq IS NULL'), 0);
  assert.equal(count(db, 'SELECT COUNT(DISTINCT seq) FROM audit_log'), total);
  assert.equal(count(db, 'SELECT MAX(seq) FROM audit_log'), total);
  assert.equal(count(db, 'SELECT MAX(batch) FROM audit_checkpoints'), count(db, 'SELECT COUNT(*) FROM audit_checkpoints'));
  assert.equal(count(db, 'SELECT MAX(last_seq) FROM audit_checkpoints'), total);
  assert.equal(verdict.ok, true, JSON.stringify(verdict));
  assert.equal(verdict.count, total);
  return total;
}

test('the sealer killed with kill -9 mid-batch and restarted seals every record exactly once', { timeout: 120000 }, async () => {
  // Test-only: each batch waits 600 ms between being sealed and its
  // commit, so a kill at any moment of steady traffic lands mid-batch.
  const env = { LABELFLOW_AUDIT_SEAL_MS: '10', LABELFLOW_AUDIT_SEAL_TEST_PAUSE_MS: '600', LABELFLOW_ACCESS_LOG: '0' };
  let srv = await startServer({ env });
  const dir = srv.dir;
  for (let round = 0; round < 4; round++) {
    const admin = await srv.login(ADMIN.email, ADMIN.password);
    // Steady traffic until the kill: six clients create users one after
    // the other, so records keep arriving while batches are held. (Six
    // creations and a pause let every batch commit before the kill once
    // a creation stopped costing a real argon2id hash.)
    let killed = false, created = 0;
    const clients = Array.from({ length: 6 }, async () => {
      while (!killed) {
        try {
          await createUser(srv, admin.access_token, 'annotator');
          created++;
        } catch {
          break;
        }
      }
    });
    await sleep(900);
    killed = true;
    srv.proc.kill('SIGKILL');
    await srv.exited;
    await Promise.all(clients);
    assert.ok(created > 0, `round ${round}: no user was created`);
    // The batch in flight is gone whole: its records are unsealed again,
    // none half-sealed, no checkpoint without its records.
    assert.ok(count(srv.db, 'SELECT COUNT(*) FROM audit_log WHERE seq IS NULL') > 0, `round ${round}: nothing in flight`);
    assert.equal(count(srv.db, 'SELECT COUNT(*) FROM audit_log WHERE seq IS NOT NULL AND batch > (SELECT COALESCE(MAX(batch), 0) FROM audit_checkpoints)'), 0);
    srv = await startServer({ dir, env });
  }
  await srv.stop({ keep: true });
  srv = await startServer({ dir });
  const admin = await srv.login(ADMIN.email, ADMIN.password);
  const v = await sealed(srv, admin.access_token);
  assertOneChain(srv.db, v.body);
  // Every committed user (the kills cut some creations short, answered
  // or not) has its one record.
  assert.equal(count(srv.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.create'"), count(srv.db, 'SELECT COUNT(*) FROM users'));
  await srv.stop();
});

test('two sealers started at once and 64 concurrent writers leave one chain with every committed record', { timeout: 180000 }, async () => {
  const env = { LABELFLOW_ACCESS_LOG: '0', LABELFLOW_AUDIT_SEAL_MS: '20' };
  const first = await startServer({ env });
  const dir = first.dir;
  const admin0 = await first.login(ADMIN.email, ADMIN.password);
  const people = [];
  for (let i = 0; i < 8; i++) people.push(await createUser(first, admin0.access_token, 'annotator'));
  await first.stop({ keep: true });

  const [a, b] = await Promise.all([startServer({ dir, env }), startServer({ dir, env })]);
  const tokens = await Promise.all([a, b].map(async (s) => (await s.login(ADMIN.email, ADMIN.password)).access_token));
  const before = count(a.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.update'");
  let ok = 0;
  await Promise.all(Array.from({ length: 64 }, async (_, w) => {
    const srv = w % 2 ? b : a;
    for (let i = 0; i < 8; i++) {
      const u = people[(w + i) % people.length];
      const r = await srv.api('PATCH', `/api/v1/users/${u.id}`, { token: tokens[w % 2], body: { name: `w${w} i${i}` } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      ok++;
    }
  }));
  const v = await sealed(a, tokens[0]);
  const total = assertOneChain(a.db, v.body);
  assert.equal(count(a.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.update'") - before, ok);
  const vb = await b.api('GET', '/api/v1/audit/verify', { token: tokens[1] });
  assert.equal(vb.body.ok, true);
  assert.equal(vb.body.count, total);
  await b.stop({ keep: true });
  await a.stop();
});

test('a process with another key file leaves the sealing to the others instead of forging the chain', { timeout: 60000 }, async () => {
  const env = { LABELFLOW_AUDIT_SEAL_MS: '20' };
  const a = await startServer({ env });
  const admin = await a.login(ADMIN.email, ADMIN.password);
  await sealed(a, admin.access_token);
  const b = await startServer({ dir: a.dir, env: { ...env, LABELFLOW_AUDIT_KEY: join(a.dir, 'other.key') } });
  const tb = (await b.login(ADMIN.email, ADMIN.password)).access_token;
  for (let i = 0; i < 10; i++) await createUser(i % 2 ? a : b, i % 2 ? admin.access_token : tb, 'annotator');
  const v = await sealed(a, admin.access_token);
  assertOneChain(a.db, v.body);
  assert.equal(count(a.db, `SELECT COUNT(*) FROM audit_checkpoints WHERE key_id <> '${v.body.key_id}'`), 0);
  await sleep(200);
  assert.match(b.log(), /signed with another key than this process's/);
  await b.stop({ keep: true });
  await a.stop();
});

test('a record waiting for sealing has no proof yet (409), and a sealer that stopped is reported', { timeout: 60000 }, async () => {
  // The sealer's first round is a minute away: everything stays unsealed.
  const srv = await startServer({ env: { LABELFLOW_AUDIT_SEAL_MS: '60000', LABELFLOW_AUDIT_SEAL_MAX_LAG_MS: '300' } });
  const admin = await srv.login(ADMIN.email, ADMIN.password);
  const p = await srv.api('GET', '/api/v1/audit/1/proof', { token: admin.access_token });
  assert.equal(p.status, 409);
  assert.equal(p.body.error.code, 'not_sealed');
  const list = await srv.api('GET', '/api/v1/audit', { token: admin.access_token });
  assert.ok(list.body.items.length >= 2);
  assert.ok(list.body.items.every((r) => r.seq === null && r.hash === null && r.id > 0));
  await sleep(500);
  const v = await srv.api('GET', '/api/v1/audit/verify', { token: admin.access_token });
  assert.equal(v.body.ok, false);
  assert.ok(v.body.unsealed >= 2);
  assert.ok(v.body.oldest_unsealed_ms > 300);
  assert.match(v.body.reason, /wait for sealing.*no sealer is running/);
  // A clean stop seals what is left.
  await srv.stop({ keep: true });
  const c = cli(['audit', 'verify', '--db', srv.db]);
  assert.equal(c.status, 0, c.stdout + c.stderr);
  assert.match(c.stdout, /0 unsealed/);
});

test('records chained before sealing existed are signed as batch 1 only if their chain verifies', { timeout: 60000 }, async (t) => {
  // A trail as the migration leaves an old one: records with seq, hash and
  // batch 1, and no checkpoint.
  async function legacyTrail() {
    const srv = await startServer();
    const admin = await srv.login(ADMIN.email, ADMIN.password);
    for (let i = 0; i < 4; i++) await createUser(srv, admin.access_token, 'annotator');
    await sealed(srv, admin.access_token);
    await srv.stop({ keep: true });
    dropGuard(srv.db, 'audit_checkpoints', 'delete');
    dropGuard(srv.db, 'audit_log', 'update');
    sql(srv.db, 'DELETE FROM audit_checkpoints');
    sql(srv.db, 'UPDATE audit_log SET batch = 1');
    return srv;
  }

  await t.test('an intact one is signed and the chain goes on after it', async () => {
    const old = await legacyTrail();
    const n = count(old.db, 'SELECT COUNT(*) FROM audit_log');
    const srv = await startServer({ dir: old.dir });
    const admin = await srv.login(ADMIN.email, ADMIN.password);
    const v = await sealed(srv, admin.access_token);
    assertOneChain(srv.db, v.body);
    assert.equal(sql(srv.db, 'SELECT first_seq, last_seq FROM audit_checkpoints WHERE batch = 1').trim(), `1|${n}`);
    assert.match(srv.log(), /signed the \d+ records sealed before checkpoints/);
    await srv.stop();
  });

  await t.test('a broken one is refused: nothing is signed or sealed, and verify names the record', async () => {
    const old = await legacyTrail();
    sql(old.db, "UPDATE audit_log SET details = '{\"forged\":1}' WHERE seq = 2");
    const srv = await startServer({ dir: old.dir, env: { LABELFLOW_AUDIT_SEAL_MS: '20' } });
    const admin = await srv.login(ADMIN.email, ADMIN.password);
    await sleep(300);
    assert.equal(count(srv.db, 'SELECT COUNT(*) FROM audit_checkpoints'), 0);
    assert.ok(count(srv.db, 'SELECT COUNT(*) FROM audit_log WHERE seq IS NULL') > 0);
    assert.match(srv.log(), /broken at seq 2 .*refusing to sign it/);
    const v = await srv.api('GET', '/api/v1/audit/verify', { token: admin.access_token });
    assert.equal(v.body.ok, false);
    assert.equal(v.body.broken_seq, 2);
    assert.match(v.body.reason, /altered/);
    await srv.stop();
  });
});
