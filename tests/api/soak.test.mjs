// kill -9 soak: 32 clients work the whole loop (claim, submit, review,
// approve, release) while the server (two rounds in three) or the job
// worker (every third) is killed with SIGKILL at a random moment, round
// after round. After each restart:
//   - no acknowledged transition is lost: every claim whose submit,
//     decision or release answered 200 shows that stint finished so;
//   - once the leases have run out, no task is held (all back in a queue
//     or final): a kill never strands a task;
//   - no double assignment: the stints of each task never overlap;
//   - the ledger and the audit chain verify.
// Exports started each round finish despite worker kills. Rounds:
// LF_SOAK_ROUNDS (3 here, 50 per store in `make soak`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startWorker, ADMIN } from './lib.mjs';
import { setupProject, addTasks, nerResult } from './workflow-lib.mjs';

const SANITIZED = !!process.env.LABELFLOW_SANITIZED;
const ROUNDS = Number(process.env.LF_SOAK_ROUNDS || (SANITIZED ? 1 : 3));
const LEASE_S = 3;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test(`kill -9 soak: ${ROUNDS} rounds of 32 clients, server or worker killed at random`, { timeout: 180000 + ROUNDS * 90000 }, async () => {
  const env = { LABELFLOW_ACCESS_LOG: '0', LABELFLOW_JOB_THREADS: '0', LABELFLOW_SWEEP_MS: '100' };
  let srv = await startServer({ env });
  const dir = srv.dir;
  let worker = startWorker(dir);
  const { admin, project, annotators, reviewers, supers } = await setupProject(srv, {
    rates: { l1: 5, l2: 2, l3: 1 },
    policies: { lease_seconds: LEASE_S, l3_sample_rate: 0.3, max_attempts: 100, max_reworks: 100 },
    counts: { annotator: 20, reviewer: 8, super_reviewer: 4 },
  });
  const pid = project.id;
  const dep = await srv.api('POST', `/api/v1/projects/${pid}/escrow/deposits`, { token: admin.access_token, body: { amount: 100000000, idempotency_key: 'soak' } });
  assert.equal(dep.status, 201);
  for (let left = 2000 + 300 * ROUNDS, i = 0; left > 0; left -= 5000, i++)
    await addTasks(srv, admin, pid, Array.from({ length: Math.min(left, 5000) }, (_, j) => `Alice ${i}-${j} met Bob.`));

  try {
    await soak();
  } catch (e) {
    // Leave no process behind to keep the runner waiting.
    srv.proc.kill('SIGKILL');
    worker.proc.kill('SIGKILL');
    throw e;
  }

  async function soak() {
    const acked = []; // {task, work, status}: transitions that answered 200
    const exports = [];
    const kills = { server: 0, worker: 0 };
    let alive;

    // One person's loop at their stage until the round ends or the server dies.
    async function client(u, stage) {
      while (alive) {
        try {
          const c = await srv.api('POST', `/api/v1/projects/${pid}/claim`, { token: u.token, body: { stage } });
          if (c.status !== 200) {
            await sleep(30);
            continue;
          }
          const t = c.body.id;
          const roll = Math.random();
          let path = `/api/v1/tasks/${t}/release`, body = {}, status = 'released';
          if (roll >= 0.1) {
            status = 'done';
            if (stage === 'l1') [path, body] = [`/api/v1/tasks/${t}/submit`, { result: nerResult('PER', 0, 5) }];
            else if (stage === 'l2') [path, body] = [`/api/v1/tasks/${t}/review`, roll < 0.25 ? { decision: 'reject', comment: 'redo' } : { decision: 'approve' }];
            else [path, body] = [`/api/v1/tasks/${t}/decide`, roll < 0.2 ? { decision: 'send_back_l1', comment: 'redo' } : { decision: 'approve' }];
          }
          const r = await srv.api('POST', path, { token: u.token, body });
          if (r.status === 200) acked.push({ task: t, work: c.body.work_id, status });
        } catch {
          return; // the server died under this request
        }
      }
    }

    async function check(since) {
      const token = (await srv.login(ADMIN.email, ADMIN.password)).access_token;
      const get = async (id) => {
        const r = await srv.api('GET', `/api/v1/tasks/${id}`, { token });
        assert.equal(r.status, 200);
        return r.body;
      };
      // Leases of the killed server's clients run out; the sweeper returns
      // their tasks to the queues.
      const deadline = Date.now() + LEASE_S * 1000 + 20000;
      let held;
      do {
        await sleep(200);
        held = [];
        for (const state of ['locked_l1', 'locked_l2', 'locked_l3']) {
          const r = await srv.api('GET', `/api/v1/projects/${pid}/tasks?state=${state}&limit=500`, { token });
          held.push(...r.body.items.map((t) => t.id));
        }
      } while (held.length > 0 && Date.now() < deadline);
      assert.deepEqual(held, [], 'tasks still held after their leases ran out');

      const touched = new Map();
      for (const a of acked.slice(since)) {
        if (!touched.has(a.task)) touched.set(a.task, await get(a.task));
        const h = touched.get(a.task).history.find((x) => x.work_id === a.work);
        assert.ok(h, `acknowledged work ${a.work} on task ${a.task} is lost`);
        // Finished work stays done, or voided once a later stage rejected it.
        const kept = a.status === 'done' ? ['done', 'voided'] : [a.status];
        assert.ok(kept.includes(h.status), `work ${a.work} on task ${a.task}: ${a.status} acknowledged, ${h.status} stored`);
      }
      for (const [id, t] of touched) {
        const stints = [...t.history].sort((x, y) => Date.parse(x.started_at) - Date.parse(y.started_at) || x.work_id - y.work_id);
        for (let i = 0; i < stints.length; i++) {
          assert.notEqual(stints[i].status, 'active', `task ${id}: a stint is still active`);
          if (i > 0)
            assert.ok(Date.parse(stints[i - 1].finished_at) <= Date.parse(stints[i].started_at), `task ${id}: stints ${stints[i - 1].work_id} and ${stints[i].work_id} overlap`);
        }
      }
      const lv = await srv.api('GET', '/api/v1/ledger/verify', { token });
      assert.equal(lv.body.ok, true, lv.body.reason);
      const av = await srv.api('GET', '/api/v1/audit/verify', { token });
      assert.equal(av.body.ok, true, av.body.reason);
      return touched.size;
    }

    for (let round = 0; round < ROUNDS; round++) {
      const ex = await srv.api('POST', `/api/v1/projects/${pid}/exports`, { token: admin.access_token, body: { format: 'jsonl', filter: { state: ['accepted', 'queued_l2'] } } });
      assert.equal(ex.status, 202);
      exports.push(ex.body.id);
      const since = acked.length;
      alive = true;
      const clients = [
        ...annotators.map((u) => client(u, 'l1')),
        ...reviewers.map((u) => client(u, 'l2')),
        ...supers.map((u) => client(u, 'l3')),
      ];
      // A random moment, once some work was acknowledged this round.
      const until = Date.now() + 300 + Math.random() * 1500;
      while ((Date.now() < until || acked.length < since + 10) && Date.now() < until + 30000) await sleep(20);
      // Every third round the worker, else the server: a short run kills both.
      if (round % 3 !== 2) {
        kills.server++;
        srv.proc.kill('SIGKILL');
        await srv.exited;
        alive = false;
        await Promise.all(clients);
        srv = await startServer({ dir, env });
      } else {
        kills.worker++;
        worker.proc.kill('SIGKILL');
        await worker.exited;
        alive = false;
        await Promise.all(clients);
        worker = startWorker(dir);
      }
      const n = await check(since);
      console.log(`# round ${round + 1}: ${acked.length - since} acknowledged, ${n} tasks checked`);
    }
    assert.ok(acked.length >= ROUNDS * 10, `only ${acked.length} transitions acknowledged`);

    const token = (await srv.login(ADMIN.email, ADMIN.password)).access_token;
    for (const id of exports) {
      let st;
      const deadline = Date.now() + 120000;
      do {
        await sleep(100);
        st = (await srv.api('GET', `/api/v1/exports/${id}`, { token })).body;
      } while (st.status !== 'done' && st.status !== 'failed' && Date.now() < deadline);
      assert.equal(st.status, 'done', `export ${id}: ${JSON.stringify(st)}`);
    }
    console.log(`# ${ROUNDS} rounds survived: ${kills.server} server kills, ${kills.worker} worker kills, ${acked.length} transitions acknowledged`);
    worker.proc.kill('SIGTERM');
    await worker.exited;
    await srv.stop();
  }
});
