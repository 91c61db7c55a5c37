// `labelflow backup`: an online copy of the SQLite database taken while a
// server writes to it is a consistent database: integrity_check passes
// and its audit chain verifies (a torn copy would have a chain whose tail
// records are missing their predecessors, or an index out of step with
// its table). PostgreSQL URLs are refused with a pointer to pg_dump/PITR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, ADMIN, PG, BIN, cli, sql, createUser, auditKey } from './lib.mjs';

const skip = PG ? 'backup copies SQLite databases; PostgreSQL has pg_dump and PITR' : false;

function backup(args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(BIN, ['backup', ...args], { env: { ...process.env, ...env } });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

test('copies taken during writes are consistent databases', { skip }, async () => {
  const srv = await startServer();
  const out = mkdtempSync(join(tmpdir(), 'lf-backup-'));
  try {
    const admin = (await srv.login(ADMIN.email, ADMIN.password)).access_token;
    const dbPath = srv.db.replace(/^sqlite:/, '');
    let writing = true, written = 0;
    // Four writers creating users (each one write with its audit record)
    // for as long as the copies run.
    const writers = Array.from({ length: 4 }, async () => {
      while (writing) { await createUser(srv, admin, 'annotator'); written++; }
    });
    const copies = [];
    for (let i = 0; i < 5; i++) {
      while (written < (i + 1) * 10) await new Promise((r) => setTimeout(r, 10));
      const file = join(out, `copy-${i}.db`);
      const r = await backup(['--db', srv.db, '--out', file]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /integrity ok/);
      copies.push(file);
    }
    writing = false;
    await Promise.all(writers);
    let last = 0;
    for (const file of copies) {
      assert.deepEqual(readdirSync(out).filter((f) => f.includes('.tmp-')), [], 'no temporary file left');
      assert.equal(sql(file, 'PRAGMA integrity_check').trim(), 'ok');
      assert.equal(sql(file, 'PRAGMA journal_mode').trim(), 'delete', 'the copy is one file');
      const users = Number(sql(file, 'SELECT count(*) FROM users'));
      assert.ok(users >= last, 'later copies hold at least as much');
      last = users;
      // The server's key; and a copy's unsealed records are as old as the
      // copy, not a stopped sealer.
      const v = cli(['audit', 'verify', '--db', `sqlite:${file}`], { env: { LABELFLOW_AUDIT_KEY: auditKey(srv.dir), LABELFLOW_AUDIT_SEAL_MAX_LAG_MS: '86400000' } });
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /audit chain ok/);
    }
    assert.ok(last > 1 && last <= written + 1, `copies hold ${last} of ${written + 1} users`);
    assert.ok(Number(sql(srv.db, 'SELECT count(*) FROM users')) === written + 1, 'the source has every user');
    assert.ok(existsSync(dbPath));
  } finally {
    rmSync(out, { recursive: true, force: true });
    await srv.stop();
  }
});

test('an existing file is never replaced and a missing database is not created', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-backup-'));
  try {
    const taken = join(dir, 'taken.db');
    writeFileSync(taken, 'keep me');
    const r1 = await backup(['--db', `sqlite:${join(dir, 'nothing.db')}`, '--out', join(dir, 'a.db')]);
    assert.equal(r1.code, 1);
    assert.match(r1.err, /cannot open/);
    assert.equal(existsSync(join(dir, 'nothing.db')), false);
    const r2 = await backup(['--db', `sqlite:${join(dir, 'nothing.db')}`, '--out', taken]);
    assert.equal(r2.code, 1);
    assert.match(r2.err, /exists/);
    const r3 = await backup(['--db', `sqlite:${join(dir, 'x.db')}`]);
    assert.equal(r3.code, 2, 'no --out is a usage error');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL is refused with a pointer to pg_dump and PITR', async () => {
  const r = await backup(['--out', join(tmpdir(), 'never.db')], { LABELFLOW_DB: 'postgres://nobody@127.0.0.1:1/none' });
  assert.equal(r.code, 2);
  assert.match(r.err, /pg_dump/);
  assert.match(r.err, /PITR/);
});
