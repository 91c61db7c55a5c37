// 64 clients at once over HTTP: 48 annotators and 16 reviewers drain a
// project of 20,000 tasks through L1 and L2. Afterwards no task was ever
// held by two people at once, none was lost or done twice, the audit
// chain verifies, and every cent of escrow is accounted for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql, dbUrl, sealed } from './lib.mjs';
import { setupProject, addTasks, nerResult } from './workflow-lib.mjs';

const TASKS = Number(process.env.LF_CONCURRENCY_TASKS || 20000);
const ANNOTATORS = 48;
const REVIEWERS = 16;

test(`${ANNOTATORS + REVIEWERS} concurrent clients drain ${TASKS} tasks through L1 and L2`, { timeout: 600000 }, async () => {
  const srv = await startServer({ env: { LABELFLOW_ACCESS_LOG: '0', LABELFLOW_THREADS: '16' } });
  try {
    const { admin, project, annotators, reviewers } = await setupProject(srv, {
      policies: { lease_seconds: 3600 },
      rates: { l1: 7, l2: 3, l3: 1 },
      counts: { annotator: ANNOTATORS, reviewer: REVIEWERS, super_reviewer: 0 },
    });
    const DEPOSIT = TASKS * 10 + 12345;
    const dep = await srv.api('POST', `/api/v1/projects/${project.id}/escrow/deposits`, { token: admin.access_token, body: { amount: DEPOSIT, idempotency_key: 'fund' } });
    assert.equal(dep.status, 201);
    for (let i = 0; i < TASKS; i += 10000) {
      const n = Math.min(10000, TASKS - i);
      await addTasks(srv, admin, project.id, Array.from({ length: n }, (_, k) => `Alice number ${i + k}`));
    }
    const claimedL1 = new Map(); // task id -> annotator
    const claimedL2 = new Map();
    const errors = [];
    let l1Done = false;

    async function annotator(u) {
      for (;;) {
        const c = await srv.api('POST', `/api/v1/projects/${project.id}/claim`, { token: u.token, body: { stage: 'l1' } });
        if (c.status === 204) return;
        if (c.status !== 200) { errors.push(['claim l1', c.status, c.body]); return; }
        if (claimedL1.has(c.body.id)) errors.push(['double l1 claim', c.body.id, claimedL1.get(c.body.id), u.id]);
        claimedL1.set(c.body.id, u.id);
        const s = await srv.api('POST', `/api/v1/tasks/${c.body.id}/submit`, { token: u.token, body: { result: nerResult('PER', 0, 5) } });
        if (s.status !== 200) errors.push(['submit', s.status, s.body]);
      }
    }
    async function reviewer(u) {
      for (;;) {
        const c = await srv.api('POST', `/api/v1/projects/${project.id}/claim`, { token: u.token, body: { stage: 'l2' } });
        if (c.status === 204) {
          if (l1Done) return;
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        if (c.status !== 200) { errors.push(['claim l2', c.status, c.body]); return; }
        if (claimedL2.has(c.body.id)) errors.push(['double l2 claim', c.body.id]);
        claimedL2.set(c.body.id, u.id);
        const r = await srv.api('POST', `/api/v1/tasks/${c.body.id}/review`, { token: u.token, body: { decision: 'approve' } });
        if (r.status !== 200) errors.push(['review', r.status, r.body]);
      }
    }
    const t0 = Date.now();
    const l1 = Promise.all(annotators.map(annotator)).then(() => { l1Done = true; });
    await Promise.all([l1, ...reviewers.map(reviewer)]);
    const secs = (Date.now() - t0) / 1000;
    console.log(`# drained ${TASKS} tasks through L1+L2 in ${secs.toFixed(1)} s (${((TASKS * 4) / secs).toFixed(0)} requests/s)`);

    assert.deepEqual(errors.slice(0, 5), []);
    assert.equal(claimedL1.size, TASKS);
    assert.equal(claimedL2.size, TASKS);
    const p = await srv.api('GET', `/api/v1/projects/${project.id}`, { token: admin.access_token });
    assert.equal(p.body.task_count, TASKS);
    assert.equal(p.body.counts.queued_l3, TASKS);

    // From the database itself: no two stints on one task overlapped, each
    // task has exactly one finished L1 and one finished L2 stint, by
    // different people, and one annotation version.
    const q = (text) => sql(srv.db, text).trim();
    assert.equal(q(`SELECT COUNT(*) FROM task_work a JOIN task_work b ON a.task_id = b.task_id AND a.id < b.id
      AND a.started_at < COALESCE(b.finished_at, 9e18) AND b.started_at < COALESCE(a.finished_at, 9e18)`), '0');
    assert.equal(q(`SELECT COUNT(*) FROM (SELECT task_id FROM task_work WHERE project_id = ${project.id}
      GROUP BY task_id HAVING SUM(CASE WHEN stage = 1 AND status = 'done' THEN 1 ELSE 0 END) = 1
      AND SUM(CASE WHEN stage = 2 AND status = 'done' THEN 1 ELSE 0 END) = 1
      AND COUNT(*) = 2 AND COUNT(DISTINCT user_id) = 2) x`), String(TASKS));
    assert.equal(q(`SELECT COUNT(*) FROM annotations a JOIN tasks t ON t.id = a.task_id WHERE t.project_id = ${project.id}`), String(TASKS));
    assert.equal(q(`SELECT COUNT(*) FROM audit_log WHERE project_id = ${project.id} AND action LIKE 'task.%'`), String(TASKS * 4));

    // Money: every task's L1 and L2 work is held (awaiting L3), nothing
    // spent, and available + held + spent is exactly what was deposited.
    const e = (await srv.api('GET', `/api/v1/projects/${project.id}/escrow`, { token: admin.access_token })).body;
    assert.equal(e.held, TASKS * 10);
    assert.equal(e.available + e.held + e.spent, DEPOSIT);
    const lv = await srv.api('GET', '/api/v1/ledger/verify', { token: admin.access_token });
    assert.equal(lv.body.ok, true, lv.body.reason);
    // Every record committed so far is sealed within moments.
    const v = await sealed(srv, admin.access_token);
    assert.equal(v.body.ok, true, JSON.stringify(v.body));
    assert.equal(v.body.unsealed, 0);
    assert.ok(v.body.count > TASKS * 4);
    // How long records waited for the sealer under this load.
    const m = (await srv.api('GET', '/metrics')).body;
    const lag = (k) => Number((m.match(new RegExp(`^labelflow_audit_seal_lag_seconds\\{quantile="${k}"\\} (\\S+)$`, 'm')) || [])[1]) * 1000;
    console.log(`# seal lag p50 ${lag('0.5')} ms, p99 ${lag('0.99')} ms; ${v.body.count} records in ${v.body.checkpoints} checkpoints`);
  } finally {
    await srv.stop();
  }
});
