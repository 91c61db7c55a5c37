// `labelflow worker` as a separate process: a server that runs no job
// threads accepts an import, and a worker process on the same database
// runs it. Killing that worker and starting another finishes the job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, startWorker, ADMIN, PG } from './lib.mjs';

// The import once it is done or failed, or as it is after ms.
async function finished(srv, token, id, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const st = (await srv.api('GET', `/api/v1/imports/${id}`, { token })).body;
    if (st.status === 'done' || st.status === 'failed' || Date.now() > deadline) return st;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('imports run in a separate worker process, and survive its death', { timeout: 120000 }, async () => {
  const srv = await startServer({ env: { LABELFLOW_JOB_THREADS: '0' } });
  try {
    const admin = await srv.login(ADMIN.email, ADMIN.password);
    const p = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'w', label_config: '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>' } });
    const rows = Array.from({ length: 50000 }, (_, i) => `{"text":"r${i}"}`).join('\n') + '\n';
    const imp = await srv.api('POST', `/api/v1/projects/${p.body.id}/imports`, { token: admin.access_token, raw: rows, headers: { 'content-type': 'application/x-ndjson' } });
    assert.equal(imp.status, 202);
    // Nobody runs jobs yet: the import waits.
    await new Promise((r) => setTimeout(r, 700));
    const waiting = (await srv.api('GET', `/api/v1/imports/${imp.body.id}`, { token: admin.access_token })).body;
    assert.equal(waiting.status, 'queued');
    // A worker that dies at once (SIGKILL) leaves the job to the next one.
    const w1 = startWorker(srv.dir);
    await new Promise((r) => setTimeout(r, 150));
    w1.proc.kill('SIGKILL');
    await w1.exited;
    const w2 = startWorker(srv.dir);
    // Up to two minutes: the machine may be busy with other tests.
    const st = await finished(srv, admin.access_token, imp.body.id, 120000);
    assert.equal(st.status, 'done', JSON.stringify(st));
    assert.equal(st.tasks_created, 50000);
    w2.proc.kill('SIGTERM');
    const { code } = await w2.exited;
    assert.equal(code, 0);
  } finally {
    await srv.stop();
  }
});

// A worker signs the media links ML backends are sent with the servers'
// JWT key; without one it still runs every other job, and says so.
test('a worker whose JWT key file is damaged still runs jobs, and says what it cannot sign', { skip: PG ? 'the key file lies beside a SQLite database' : false, timeout: 120000 }, async () => {
  const srv = await startServer({ env: { LABELFLOW_JOB_THREADS: '0' } });
  try {
    writeFileSync(join(srv.dir, 'jwt.key'), 'short');
    const admin = await srv.login(ADMIN.email, ADMIN.password);
    const p = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'k', label_config: '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>' } });
    const imp = await srv.api('POST', `/api/v1/projects/${p.body.id}/imports`, { token: admin.access_token, raw: '{"text":"a"}\n{"text":"b"}\n', headers: { 'content-type': 'application/x-ndjson' } });
    assert.equal(imp.status, 202);
    const w = startWorker(srv.dir, { LABELFLOW_JWT_SECRET: undefined });
    let err = '';
    w.proc.stderr.on('data', (d) => { err += d; });
    w.proc.stdout.resume();
    const st = await finished(srv, admin.access_token, imp.body.id, 60000);
    assert.equal(st.status, 'done', JSON.stringify(st));
    w.proc.kill('SIGTERM');
    assert.equal((await w.exited).code, 0);
    assert.match(err, /jwt\.key is damaged/);
    assert.match(err, /no JWT key .*unsigned media links/);
  } finally {
    await srv.stop();
  }
});
