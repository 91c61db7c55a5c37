// Scale-out on PostgreSQL: two `labelflow serve` and two `labelflow worker`
// processes on one database. 64 clients spread over both servers drain a
// project through L1, L2 and L3 while one server and one worker are killed
// with SIGKILL, and a few clients walk away from tasks they claimed. The
// survivors finish the project: no task was ever held by two people at
// once, none was lost or done twice, abandoned leases came back, the
// ledger balances and the audit chain verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitJob, baseEnv, BIN, JWT_SECRET, PG, sql, dbUrl, request, auditKey, sealed } from './lib.mjs';
import { setupProject, nerResult } from './workflow-lib.mjs';

const TASKS = Number(process.env.LF_SCALEOUT_TASKS || 20000);
const CLIENTS = 64;
const ABANDON = 4; // clients who claim once and vanish
const RATES = { l1: 5, l2: 3, l3: 2 };

function startWorker(dir, name) {
  const proc = spawn(BIN, ['worker'], {
    env: {
      ...baseEnv(), LABELFLOW_DB: dbUrl(dir), LABELFLOW_STORAGE: `file:${join(dir, 'blobs')}`,
      LABELFLOW_JWT_SECRET: JWT_SECRET, LABELFLOW_AUDIT_KEY: auditKey(dir), LABELFLOW_JOB_THREADS: '2', LABELFLOW_JOB_LEASE_MS: '2000', LABELFLOW_SWEEP_MS: '300',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return { name, proc, exited };
}

test('two servers and two workers on one PostgreSQL survive kill -9 of one of each', { skip: !PG && 'needs LABELFLOW_TEST_PG', timeout: 900000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-scale-'));
  const env = { LABELFLOW_JOB_THREADS: '0', LABELFLOW_ACCESS_LOG: '0', LABELFLOW_THREADS: '16', LABELFLOW_DB_POOL: '8' };
  const a = await startServer({ dir, env });
  const b = await startServer({ dir, env });
  const workers = [startWorker(dir, 'w1'), startWorker(dir, 'w2')];
  const servers = [a, b];
  const alive = new Set([a, b]);
  try {
    // Everyone may work at every stage (separation of duties still keeps
    // them off their own work), so all 64 clients stay busy to the end.
    const { admin, project, annotators: people } = await setupProject(a, {
      policies: { lease_seconds: 15, l3_sample_rate: 1 },
      rates: RATES,
      counts: { annotator: CLIENTS, reviewer: 0, super_reviewer: 0 },
    });
    for (const u of people) {
      const m = await a.api('PUT', `/api/v1/projects/${project.id}/members/${u.id}`, { token: admin.access_token, body: { roles: ['annotator', 'reviewer', 'super_reviewer'] } });
      assert.equal(m.status, 200);
    }
    const per = RATES.l1 + RATES.l2 + RATES.l3;
    const DEPOSIT = TASKS * per + 999;
    const dep = await b.api('POST', `/api/v1/projects/${project.id}/escrow/deposits`, { token: admin.access_token, body: { amount: DEPOSIT, idempotency_key: 'fund' } });
    assert.equal(dep.status, 201);

    // The import is a job: one of the workers runs it.
    const rows = Array.from({ length: TASKS }, (_, i) => JSON.stringify({ text: `Alice number ${i}` })).join('\n') + '\n';
    const imp = await a.api('POST', `/api/v1/projects/${project.id}/imports`, { token: admin.access_token, raw: rows, headers: { 'content-type': 'application/x-ndjson' } });
    assert.equal(imp.status, 202);
    const st = await waitJob(b, admin.access_token, `/api/v1/imports/${imp.body.id}`, { timeoutMs: 600000 });
    assert.equal(st.status, 'done', JSON.stringify(st));

    // Each client starts on one server and moves to the other when its
    // server stops answering (the servers keep no state of their own).
    // A request whose server died mid-way may or may not have committed:
    // the retry then gets 409, and the database checks below decide.
    const errors = [];
    // task id + stage -> user holding it now. (At the next stage a task
    // can be claimed before its previous holder has read the response.)
    const held = new Map();
    let done = false;
    async function call(i, method, path, token, body) {
      for (let k = 0; k < servers.length * 2; k++) {
        const srv = servers[(i + k) % servers.length];
        if (!alive.has(srv)) continue;
        try {
          const r = await request(srv.url, method, path, { token, body });
          return { ...r, retried: k > 0 };
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw new Error('no server answered');
    }
    async function counts() {
      const p = await call(0, 'GET', `/api/v1/projects/${project.id}`, admin.access_token);
      return p.body.counts;
    }
    const abandoned = [];
    const finish = {
      l1: (i, u, id) => call(i, 'POST', `/api/v1/tasks/${id}/submit`, u.token, { result: nerResult('PER', 0, 5) }),
      l2: (i, u, id) => call(i, 'POST', `/api/v1/tasks/${id}/review`, u.token, { decision: 'approve' }),
      l3: (i, u, id) => call(i, 'POST', `/api/v1/tasks/${id}/decide`, u.token, { decision: 'approve' }),
    };
    // Each client takes the latest stage that has work for it.
    async function client(i, u, abandon) {
      for (;;) {
        let c, stage;
        for (stage of ['l3', 'l2', 'l1']) {
          if (abandon && stage !== 'l1') continue;
          c = await call(i, 'POST', `/api/v1/projects/${project.id}/claim`, u.token, { stage });
          if (c.status !== 204) break;
        }
        if (c.status === 204) {
          if (done) return;
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (c.status !== 200) { errors.push([`claim ${stage}`, c.status, c.body]); return; }
        const id = c.body.id;
        if (abandon) { abandoned.push(id); return; }
        const key = `${id}:${stage}`;
        if (held.has(key)) errors.push(['held twice', key, held.get(key), u.id]);
        held.set(key, u.id);
        const r = await finish[stage](i, u, id);
        held.delete(key);
        if (r.status !== 200 && !(r.retried && r.status === 409)) errors.push([`${stage} finish`, id, r.status, r.body]);
      }
    }

    const t0 = Date.now();
    const clients = people.map((u, i) => client(i, u, i < ABANDON));

    // Mid-run: one server and one worker die without warning.
    let killedAt = 0;
    const killer = (async () => {
      for (;;) {
        const c = await counts();
        if ((c.accepted || 0) >= TASKS / 4) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      killedAt = (await counts()).accepted;
      a.proc.kill('SIGKILL');
      workers[0].proc.kill('SIGKILL');
      alive.delete(a);
      await Promise.all([a.exited, workers[0].exited]);
    })();
    for (;;) {
      const c = await counts();
      if (c.accepted === TASKS) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    done = true;
    await Promise.all([killer, ...clients]);
    const secs = (Date.now() - t0) / 1000;
    console.log(`# ${TASKS} tasks through L1+L2+L3 on 2 servers in ${secs.toFixed(1)} s; server and worker killed at ${killedAt} accepted`);

    assert.deepEqual(errors.slice(0, 5), []);
    assert.ok(killedAt > 0 && killedAt < TASKS, 'the kill happened mid-run');
    // Every abandoned task's lease expired and someone else finished it.
    assert.equal(abandoned.length, ABANDON);
    const q = (text) => sql(b.db, text).trim();
    for (const id of abandoned) {
      assert.equal(q(`SELECT state FROM tasks WHERE id = ${id}`), 'accepted');
      assert.equal(q(`SELECT COUNT(*) FROM task_work WHERE task_id = ${id} AND stage = 1 AND status = 'done'`), '1');
    }
    // From the database: all tasks accepted, none held by two people at
    // once, exactly one finished stint per stage by three different people.
    assert.equal(q(`SELECT COUNT(*) FROM tasks WHERE project_id = ${project.id} AND state = 'accepted'`), String(TASKS));
    assert.equal(q(`SELECT COUNT(*) FROM task_work a JOIN task_work b ON a.task_id = b.task_id AND a.id < b.id
      AND a.started_at < COALESCE(b.finished_at, 9e18) AND b.started_at < COALESCE(a.finished_at, 9e18)`), '0');
    assert.equal(q(`SELECT COUNT(*) FROM (SELECT task_id FROM task_work WHERE project_id = ${project.id} AND status = 'done'
      GROUP BY task_id HAVING SUM(CASE WHEN stage = 1 THEN 1 ELSE 0 END) = 1 AND SUM(CASE WHEN stage = 2 THEN 1 ELSE 0 END) = 1
      AND SUM(CASE WHEN stage = 3 THEN 1 ELSE 0 END) = 1 AND COUNT(DISTINCT user_id) = 3) x`), String(TASKS));

    // Money: everything earned, nothing held, the rest still available.
    const e = (await b.api('GET', `/api/v1/projects/${project.id}/escrow`, { token: admin.access_token })).body;
    assert.equal(e.held, 0);
    assert.equal(e.spent, TASKS * per);
    assert.equal(e.available, DEPOSIT - TASKS * per);
    const lv = await b.api('GET', '/api/v1/ledger/verify', { token: admin.access_token });
    assert.equal(lv.body.ok, true, lv.body.reason);
    const v = await sealed(b, admin.access_token);
    assert.equal(v.body.ok, true, JSON.stringify(v.body));
    assert.equal(v.body.unsealed, 0);
    assert.ok(v.body.count >= TASKS * 6);
  } finally {
    for (const w of workers) w.proc.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    if (alive.has(a)) await a.stop({ keep: true });
    await b.stop();
  }
});
