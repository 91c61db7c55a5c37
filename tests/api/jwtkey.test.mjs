// The signing key a server makes for itself when LABELFLOW_JWT_SECRET is
// unset: one per data folder, beside the SQLite database, mode 0600, and
// a server run as an unprivileged user starts with the default settings.
// (On PostgreSQL the key folder is the working directory's
// ./labelflow-data; these cases are about the SQLite default.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, chownSync, chmodSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, request, ADMIN, PG, BIN } from './lib.mjs';

const skip = PG ? 'the key beside the database is the SQLite default' : false;

test('two instances with different data folders refuse each other\'s tokens', { skip }, async () => {
  const a = await startServer({ env: { LABELFLOW_JWT_SECRET: '' } });
  const b = await startServer({ env: { LABELFLOW_JWT_SECRET: '' } });
  try {
    const ta = (await a.login(ADMIN.email, ADMIN.password)).access_token;
    const tb = (await b.login(ADMIN.email, ADMIN.password)).access_token;
    assert.equal((await a.api('GET', '/api/v1/me', { token: ta })).status, 200);
    assert.equal((await b.api('GET', '/api/v1/me', { token: tb })).status, 200);
    assert.equal((await b.api('GET', '/api/v1/me', { token: ta })).status, 401);
    assert.equal((await a.api('GET', '/api/v1/me', { token: tb })).status, 401);
    for (const s of [a, b]) {
      const st = statSync(join(s.dir, 'jwt.key'));
      assert.equal(st.size, 32);
      assert.equal(st.mode & 0o777, 0o600, 'the key is readable by its owner only');
    }
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('a restart on the same folder keeps the key: tokens stay valid', { skip }, async () => {
  const a = await startServer({ env: { LABELFLOW_JWT_SECRET: '' } });
  const token = (await a.login(ADMIN.email, ADMIN.password)).access_token;
  await a.stop({ keep: true });
  const again = await startServer({ dir: a.dir, env: { LABELFLOW_JWT_SECRET: '' } });
  try {
    assert.equal((await again.api('GET', '/api/v1/me', { token })).status, 200);
  } finally {
    await again.stop();
  }
});

// The server as `nobody` (when the tests run as root) in a folder of its
// own, with no LABELFLOW_* settings but the first admin: the database and
// key land in ./labelflow-data.
test('an unprivileged user starts the server with the default configuration', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-nobody-'));
  const asRoot = process.getuid() === 0;
  if (asRoot) { chownSync(dir, 65534, 65534); chmodSync(dir, 0o755); }
  const env = { PATH: process.env.PATH, LABELFLOW_ADMIN_EMAIL: ADMIN.email,
    LABELFLOW_ADMIN_PASSWORD: ADMIN.password, LABELFLOW_LISTEN: '127.0.0.1:0',
    LABELFLOW_WEB_DIR: join(dir, 'no-web-ui'), ASAN_OPTIONS: process.env.ASAN_OPTIONS || '',
    UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || '' };
  // The checkout may sit in a folder only root can enter (mktemp -d is
  // 0700): nobody runs its own copy of the binary.
  const bin = join(dir, 'labelflow');
  copyFileSync(BIN, bin);
  chmodSync(bin, 0o755);
  const proc = spawn(bin, ['serve', '--threads', '4'], {
    cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('no start:\n' + err)), 20000);
      proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/[0-9.]+:[0-9]+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      exited.then((code) => { clearTimeout(timer); reject(new Error(`exited ${code}:\n${err}`)); });
    });
    const r = await request(url, 'POST', '/api/v1/auth/login', { body: ADMIN });
    assert.equal(r.status, 200);
    assert.equal((await request(url, 'GET', '/api/v1/me', { token: r.body.access_token })).status, 200);
    const key = join(dir, 'labelflow-data', 'jwt.key');
    assert.ok(existsSync(key), 'the key is in the data folder');
    const st = statSync(key);
    assert.equal(st.mode & 0o777, 0o600);
    if (asRoot) assert.equal(st.uid, 65534, 'the key belongs to the user who runs the server');
  } finally {
    proc.kill('SIGTERM');
    assert.equal(await exited, 0, err.slice(-2000));
    rmSync(dir, { recursive: true, force: true });
  }
});
