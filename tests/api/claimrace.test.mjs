// Claims racing for a short queue whose escrow runs out: 32 people claim
// at once at each stage on 8 queued tasks with escrow for 5. Exactly 5
// win and the other 27 are told the escrow cannot cover them (402). None
// is told "nothing to do" (204): tasks are waiting. On PostgreSQL the
// losers' rows are locked until their transactions roll back, and a
// claimer that skipped them must not take the skip for an empty queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ADMIN, createUser } from './lib.mjs';
import { NER_CONFIG, addTasks, claim, submit, review, nerResult } from './workflow-lib.mjs';

const PEOPLE = 32;
const TASKS = 8;
const COVERED = 5;

async function deposit(srv, admin, projectId, amount) {
  const r = await srv.api('POST', `/api/v1/projects/${projectId}/escrow/deposits`, {
    token: admin.access_token, body: { amount, idempotency_key: 'd' + Math.random() },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

// Everyone claims at once; returns the answers' statuses counted and the
// winners as [person, task id].
async function race(srv, people, projectId, stage) {
  const answers = await Promise.all(people.map((u) => claim(srv, u, projectId, stage)));
  const counts = {};
  const won = [];
  answers.forEach((r, i) => {
    counts[r.status] = (counts[r.status] || 0) + 1;
    if (r.status === 200) won.push([people[i], r.body.id]);
    if (r.status === 402) assert.equal(r.body.error.code, 'insufficient_escrow');
  });
  return { counts, won };
}

test('claims racing for escrow at every stage: the covered ones win, the rest are told 402, never 204', { timeout: 900000 }, async () => {
  const srv = await startServer({ threads: 32, env: { LABELFLOW_ACCESS_LOG: '0', LABELFLOW_DB_POOL: '16' } });
  try {
    const admin = await srv.login(ADMIN.email, ADMIN.password);
    const people = [];
    for (let i = 0; i < PEOPLE; i++) people.push(await createUser(srv, admin.access_token, 'annotator'));
    // Rounds on fresh projects: one round may not happen to interleave.
    for (let round = 0; round < 3; round++) {
      const p = await srv.api('POST', '/api/v1/projects', {
        token: admin.access_token,
        body: { name: `race ${round} ${Date.now()}`, label_config: NER_CONFIG, rates: { l1: 1, l2: 1, l3: 1 },
          policies: { l3_sample_rate: 1, lease_seconds: 600 } },
      });
      assert.equal(p.status, 201);
      const pid = p.body.id;
      for (const u of people) {
        const m = await srv.api('PUT', `/api/v1/projects/${pid}/members/${u.id}`, {
          token: admin.access_token, body: { roles: ['annotator', 'reviewer', 'super_reviewer'] },
        });
        assert.equal(m.status, 200, JSON.stringify(m.body));
        if (!u.token) u.token = (await srv.login(u.email, u.password)).access_token;
      }
      await addTasks(srv, admin, pid, Array.from({ length: TASKS }, (_, i) => `Alice met Bob ${i}`));

      const finish = { l1: (u, id) => submit(srv, u, id, nerResult('PER', 0, 5)),
        l2: (u, id) => review(srv, u, id, { decision: 'approve' }) };
      for (const stage of ['l1', 'l2', 'l3']) {
        await deposit(srv, admin, pid, COVERED);
        const { counts, won } = await race(srv, people, pid, stage);
        assert.deepEqual(counts, { 200: COVERED, 402: PEOPLE - COVERED }, `round ${round} stage ${stage}`);
        assert.equal(new Set(won.map(([, id]) => id)).size, COVERED, 'no task won twice');
        if (stage === 'l3') break;
        // The rest of the stage's tasks, then on to the next stage.
        await deposit(srv, admin, pid, TASKS - COVERED);
        for (const u of people) {
          if (won.length === TASKS) break;
          if (won.some(([w]) => w === u)) continue;
          const c = await claim(srv, u, pid, stage);
          if (c.status === 200) won.push([u, c.body.id]);
        }
        assert.equal(won.length, TASKS);
        for (const [u, id] of won) assert.equal((await finish[stage](u, id)).status, 200);
        const q = await srv.api('GET', `/api/v1/projects/${pid}`, { token: admin.access_token });
        assert.equal(q.body.counts[stage === 'l1' ? 'queued_l2' : 'queued_l3'], TASKS);
      }
    }
  } finally {
    await srv.stop();
  }
});
