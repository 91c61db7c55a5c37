// kill -9 in the middle of work: everything a client was told succeeded
// is still there after a restart, the audit chain and the ledger verify,
// and an import interrupted mid-way finishes without creating any task
// twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql, dbUrl, sealed } from './lib.mjs';
import { setupProject, addTasks, nerResult } from './workflow-lib.mjs';

test('acknowledged transitions survive kill -9; chain and ledger verify after restart', { timeout: 300000 }, async () => {
  let srv = await startServer({ env: { LABELFLOW_ACCESS_LOG: '0' } });
  const dir = srv.dir;
  const { admin, project, annotators } = await setupProject(srv, {
    rates: { l1: 5, l2: 1, l3: 1 }, counts: { annotator: 16, reviewer: 0, super_reviewer: 0 },
  });
  await srv.api('POST', `/api/v1/projects/${project.id}/escrow/deposits`, { token: admin.access_token, body: { amount: 1000000, idempotency_key: 'f' } });
  await addTasks(srv, admin, project.id, Array.from({ length: 3000 }, (_, i) => `Alice ${i}`));
  const acked = new Set(); // tasks whose submit answered 200
  let stop = false;
  async function worker(u) {
    while (!stop) {
      let c;
      try {
        c = await srv.api('POST', `/api/v1/projects/${project.id}/claim`, { token: u.token, body: { stage: 'l1' } });
        if (c.status !== 200) return;
        const s = await srv.api('POST', `/api/v1/tasks/${c.body.id}/submit`, { token: u.token, body: { result: nerResult('PER', 0, 5) } });
        if (s.status === 200) acked.add(c.body.id);
      } catch { return; } // the server died mid-request
    }
  }
  const running = Promise.all(annotators.map(worker));
  // Kill mid-run, once some submits were acknowledged (by count, not
  // time: a loaded machine may take longer to get there).
  const deadline = Date.now() + 60000;
  while (acked.size < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  srv.proc.kill('SIGKILL');
  stop = true;
  await running;
  await srv.exited;
  assert.ok(acked.size > 50, `only ${acked.size} submits before the kill`);

  srv = await startServer({ dir, env: { LABELFLOW_ACCESS_LOG: '0' } });
  const a2 = await srv.login('admin@example.org', 'admin-password-1');
  // Every acknowledged submit is in the database.
  const done = new Set(sql(srv.db, `SELECT id FROM tasks WHERE project_id = ${project.id} AND state = 'queued_l2'`).trim().split('\n').map(Number));
  for (const id of acked) assert.ok(done.has(id), `task ${id} was acknowledged but lost`);
  assert.equal(sql(srv.db, `SELECT COUNT(*) FROM tasks WHERE project_id = ${project.id}`).trim(), '3000');
  // What was committed but not sealed before the kill is sealed now.
  const v = await sealed(srv, a2.access_token);
  assert.equal(v.body.ok, true, v.body.reason);
  assert.equal(v.body.unsealed, 0);
  const lv = await srv.api('GET', '/api/v1/ledger/verify', { token: a2.access_token });
  assert.equal(lv.body.ok, true, lv.body.reason);
  await srv.stop();
});

test('an import killed mid-way resumes after restart and creates each task once', { timeout: 300000 }, async () => {
  // A 2 s job lease, so the restarted server takes the dead job over soon.
  const env = { LABELFLOW_ACCESS_LOG: '0', LABELFLOW_JOB_LEASE_MS: '2000' };
  let srv = await startServer({ env });
  const dir = srv.dir;
  const admin = await srv.login('admin@example.org', 'admin-password-1');
  const p = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'big', label_config: '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>' } });
  const rows = 300000;
  const body = Array.from({ length: rows }, (_, i) => `{"text":"row ${i}"}`).join('\n') + '\n';
  const imp = await srv.api('POST', `/api/v1/projects/${p.body.id}/imports`, { token: admin.access_token, raw: body, headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(imp.status, 202);
  // Kill once some batches are committed but before the end (waiting up
  // to a minute: on a loaded machine the job may start late).
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const created = Number(sql(srv.db, `SELECT COUNT(*) FROM tasks WHERE project_id = ${p.body.id}`).trim());
    if (created >= 4096) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  srv.proc.kill('SIGKILL');
  await srv.exited;
  const before = Number(sql(dbUrl(dir), `SELECT COUNT(*) FROM tasks WHERE project_id = ${p.body.id}`).trim());
  assert.ok(before > 0, 'no batch was committed before the kill');
  srv = await startServer({ dir, env });
  const a2 = await srv.login('admin@example.org', 'admin-password-1');
  let st;
  for (let i = 0; i < 900; i++) {
    st = (await srv.api('GET', `/api/v1/imports/${imp.body.id}`, { token: a2.access_token })).body;
    if (st.status === 'done' || st.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(st.status, 'done', JSON.stringify(st));
  assert.equal(st.tasks_created, rows);
  assert.equal(sql(srv.db, `SELECT COUNT(*), COUNT(DISTINCT import_seq) FROM tasks WHERE project_id = ${p.body.id}`).trim(), `${rows}|${rows}`);
  console.log(`# ${before} tasks were committed before the kill; the import resumed and finished`);
  await srv.stop();
});
