// Test harness: starts a real `labelflow serve` on a temporary database and
// a free loopback port, and talks to it over HTTP. The database is SQLite,
// or, when LABELFLOW_TEST_PG names a PostgreSQL server (scripts/pg-cluster),
// a fresh PostgreSQL database per data folder on that server.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, createHmac, randomBytes } from 'node:crypto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.LABELFLOW_BIN || join(root, 'build', 'labelflow');
export const JWT_SECRET = 'test-secret-' + randomBytes(8).toString('hex');
export const ADMIN = { email: 'admin@example.org', password: 'admin-password-1' };
export const PG = process.env.LABELFLOW_TEST_PG || '';

// The database URL of a data folder: its SQLite file, or a PostgreSQL
// database named after the folder (so a restart on the same folder finds
// the same data), created on first use.
const dirOfDb = new Map();
export function dbUrl(dir) {
  const url = dbUrlOf(dir);
  dirOfDb.set(url, dir);
  return url;
}

// The audit signing key of a data folder: every server, worker and CLI
// verify on one database must share it (a key of their own would sign a
// chain the others call forged), and on PostgreSQL the default place
// (./labelflow-data) would be the repository's, shared by every test.
export function auditKey(dir) {
  return join(dir, 'audit-ed25519.key');
}

function dbUrlOf(dir) {
  if (!PG) return `sqlite:${join(dir, 'labelflow.db')}`;
  const name = 'lf_' + createHash('sha256').update(dir).digest('hex').slice(0, 16);
  const url = new URL(PG);
  const r = spawnSync('psql', ['-X', '-q', '-d', PG, '-c', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (r.status !== 0 && !/already exists/.test(r.stderr)) throw new Error(`createdb: ${r.stderr}`);
  url.pathname = '/' + name;
  return url.toString();
}

function dropDb(url) {
  if (!url.startsWith('postgres')) return;
  const name = new URL(url).pathname.slice(1);
  spawnSync('psql', ['-X', '-q', '-d', PG, '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
}

// Starts a server. Options: env (extra environment), dir (reuse a data
// folder, e.g. after a restart). Resolves once it prints its address.
// The environment without the harness's own LABELFLOW_* variables (which
// binary, which test database), which the server would warn about as
// unknown settings.
const HARNESS_VARS = /^LABELFLOW_(BIN|TEST_|ASAN_|UNIT_DIR|SANITIZED)/;
export function baseEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !HARNESS_VARS.test(k)));
}

export async function startServer({ env = {}, dir, threads = 8 } = {}) {
  dir = dir || mkdtempSync(join(tmpdir(), 'lf-api-'));
  const logPath = join(dir, `server-${Date.now()}.log`);
  const db = dbUrl(dir);
  const log = openSync(logPath, 'a');
  const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--threads', String(threads)], {
    env: {
      ...baseEnv(),
      LABELFLOW_DB: db,
      LABELFLOW_STORAGE: `file:${join(dir, 'blobs')}`,
      LABELFLOW_JWT_SECRET: JWT_SECRET,
      LABELFLOW_ADMIN_EMAIL: ADMIN.email,
      LABELFLOW_ADMIN_PASSWORD: ADMIN.password,
      LABELFLOW_LOGIN_IP_BURST: '100000',
      // Every test client is 127.0.0.1, and some open hundreds of
      // connections at once (http_hardening tests the limit itself).
      LABELFLOW_MAX_CONNECTIONS_PER_IP: '0',
      // The API alone unless a test serves a UI folder: whether web/dist
      // happens to be built must not change what the API tests see.
      LABELFLOW_WEB_DIR: join(dir, 'no-web-ui'),
      LABELFLOW_AUDIT_KEY: auditKey(dir),
      // Tests create and log in thousands of users: at the default cost
      // argon2id was half the CPU of the whole suite. auth.test.mjs runs
      // the default cost and the rehash between the two.
      LABELFLOW_PASSWORD_COST: 'minimum',
      ...env,
    },
    stdio: ['ignore', 'pipe', log],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + readFileSync(logPath, 'utf8'))), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.]+:[0-9]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n` + readFileSync(logPath, 'utf8'))); });
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const srv = {
    url, dir, proc, logPath,
    db,
    log: () => readFileSync(logPath, 'utf8'),
    // Stops with SIGTERM and checks a clean exit (under ASan a leak or
    // memory error makes the exit code non-zero).
    async stop({ keep = false } = {}) {
      proc.kill('SIGTERM');
      const { code, signal } = await exited;
      // Database errors are the operator's business, not the client's:
      // the test output shows them so a failure can be traced.
      for (const line of srv.log().split('\n')) if (/database error/.test(line)) console.log('# ' + line);
      if (code !== 0) throw new Error(`server exit code ${code} signal ${signal}:\n${srv.log().slice(-4000)}`);
      if (!keep) { rmSync(dir, { recursive: true, force: true }); dropDb(db); }
    },
    exited,
    api: (method, path, opts) => request(url, method, path, opts),
    login: (email, password) => login(url, email, password),
  };
  return srv;
}

// `labelflow worker` on a server's data folder: the job runner as a
// process of its own (a 2 s job lease, so a successor takes over soon).
export function startWorker(dir, env = {}) {
  const proc = spawn(BIN, ['worker'], {
    env: { ...baseEnv(), LABELFLOW_DB: dbUrl(dir), LABELFLOW_STORAGE: `file:${join(dir, 'blobs')}`, LABELFLOW_JWT_SECRET: JWT_SECRET, LABELFLOW_AUDIT_KEY: auditKey(dir), LABELFLOW_JOB_THREADS: '2', LABELFLOW_JOB_LEASE_MS: '2000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return { proc, exited };
}

// One HTTP request. opts: token, body (object -> JSON), raw (string/Buffer),
// headers. Returns { status, headers, body } with body parsed when JSON.
export async function request(base, method, path, { token, body, raw, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) { h['content-type'] ??= 'application/json'; payload = JSON.stringify(body); }
  if (raw !== undefined) payload = raw;
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed = text;
  if ((res.headers.get('content-type') || '').includes('application/json')) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function login(base, email, password) {
  const r = await request(base, 'POST', '/api/v1/auth/login', { body: { email, password } });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// Asserts the contract's error shape and returns the code.
export function errorCode(res) {
  const e = res.body && res.body.error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string' || e.message.length === 0)
    throw new Error(`not an error body: ${JSON.stringify(res.body)}`);
  return e.code;
}

const b64url = (b) => Buffer.from(b).toString('base64url');

// Builds a JWT signed with the test secret (the server derives its key as
// SHA-256 of LABELFLOW_JWT_SECRET), so tests can craft expired tokens or
// ones with a wrong algorithm that are otherwise perfectly signed.
export function signJwt(header, claims, secret = JWT_SECRET) {
  const key = createHash('sha256').update(secret).digest();
  const data = b64url(JSON.stringify(header)) + '.' + b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', key).update(data).digest('base64url');
  return data + '.' + sig;
}


export function decodeJwt(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

// Runs the labelflow binary (CLI subcommands) synchronously.
// With --db of a test folder's database, it gets that folder's audit key.
export function cli(args, { env = {}, input } = {}) {
  const i = args.indexOf('--db');
  const dir = i >= 0 ? dirOfDb.get(args[i + 1]) : undefined;
  const key = dir ? { LABELFLOW_AUDIT_KEY: auditKey(dir) } : {};
  return spawnSync(BIN, args, { env: { ...baseEnv(), ...key, ...env }, input, encoding: 'utf8' });
}

// Polls GET /audit/verify until every committed record is sealed (the
// sealer runs every 100 ms) and returns that verdict.
export async function sealed(srv, token, { timeoutMs = 15000 } = {}) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await srv.api('GET', '/api/v1/audit/verify', { token });
    if (v.status !== 200) throw new Error(`audit/verify: ${v.status} ${JSON.stringify(v.body)}`);
    if (v.body.unsealed === 0 || !v.body.ok || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Runs SQL directly on a server's database (a dbUrl), as someone with the
// database file or credentials would; rows come back as `a|b` lines.
export function sql(db, text) {
  const r = db.startsWith('postgres')
    ? spawnSync('psql', ['-X', '-q', '-A', '-t', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', text], { encoding: 'utf8' })
    // The server's writer (the audit sealer every 100 ms, besides
    // requests) may hold the write lock: wait for it, as a client would.
    : spawnSync('sqlite3', ['-cmd', '.timeout 10000', db.replace(/^sqlite:/, ''), text], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sql failed: ${r.stderr}`);
  return r.stdout;
}

// Removes the append-only guard of a table (what an attacker with the
// database would do first).
export function dropGuard(db, table, op) {
  const name = `${table === 'audit_log' ? 'audit' : table}_no_${op}`;
  sql(db, db.startsWith('postgres') ? `DROP TRIGGER ${name} ON ${table}` : `DROP TRIGGER ${name}`);
}

// Creates a user through the API as admin and returns it with its password.
let userSeq = 0;
export async function createUser(srv, adminToken, role, extra = {}) {
  userSeq++;
  const u = { email: `${role}${userSeq}-${randomBytes(3).toString('hex')}@example.org`, name: `${role} ${userSeq}`, password: 'user-password-' + userSeq, role, ...extra };
  const r = await srv.api('POST', '/api/v1/users', { token: adminToken, body: u });
  if (r.status !== 201) throw new Error(`create user: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...r.body, password: u.password };
}

// Polls GET path (a job: an import, export or payout batch) until until()
// holds for its body, which it returns. The limit is time, not a number of
// polls: on a loaded machine each poll is slower, the job too.
export async function waitJob(srv, token, path, { until = (b) => b.status === 'done' || b.status === 'failed', timeoutMs = 180000 } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await srv.api('GET', path, { token });
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    if (until(r.body)) return r.body;
    if (Date.now() > end) throw new Error(`${path} did not finish in ${timeoutMs / 1000} s: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}
