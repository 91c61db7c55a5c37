// /metrics: drives some traffic (logins, claims, submits, an import job),
// then checks the scrape with Debian's `promtool check metrics` and that
// the counters moved by exactly what was done. Also the JSON log format
// (LABELFLOW_LOG_FORMAT=json) of the same server's access log.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, waitJob, sealed } from './lib.mjs';
import { setupProject, addTasks, claim, nerResult } from './workflow-lib.mjs';

// { 'name{labels}': value } of a scrape.
function parse(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

async function scrape(srv) {
  const r = await srv.api('GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return r.body;
}

const promtool = spawnSync('promtool', ['--version']).status === 0;

test('/metrics counts requests by route, claims, transitions and jobs, and passes promtool', async (t) => {
  const srv = await startServer({ env: { LABELFLOW_LOG_FORMAT: 'json' } });
  t.after(() => srv.stop());
  const { admin, project, annotators } = await setupProject(srv, { counts: { annotator: 1, reviewer: 1, super_reviewer: 1 } });
  await addTasks(srv, admin, project.id, ['Alice one', 'Bob two', 'Carol three']);
  const before = parse(await scrape(srv));
  const [ann] = annotators;

  for (let i = 0; i < 2; i++) {
    const c = await claim(srv, ann, project.id, 'l1');
    assert.equal(c.status, 200);
    const s = await srv.api('POST', `/api/v1/tasks/${c.body.id}/submit`, {
      token: ann.token, body: { result: nerResult() }, headers: { 'x-request-id': `req-submit-${i}` },
    });
    assert.equal(s.status, 200, JSON.stringify(s.body));
  }
  assert.equal((await claim(srv, ann, project.id, 'l3')).status, 403); // not a super reviewer
  const imp = await srv.api('POST', `/api/v1/projects/${project.id}/imports`, {
    token: admin.access_token, raw: 'text\nDora four\nEve five\n', headers: { 'content-type': 'text/csv' },
  });
  assert.equal(imp.status, 202, JSON.stringify(imp.body));
  assert.equal((await waitJob(srv, admin.access_token, `/api/v1/imports/${imp.body.id}`)).status, 'done');

  const text = await scrape(srv);
  if (promtool) {
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  } else {
    t.diagnostic('promtool not installed (Debian package prometheus): format not checked');
  }
  const after = parse(text);
  const delta = (k) => (after[k] ?? 0) - (before[k] ?? 0);
  const claimRoute = 'route="/api/v1/projects/{id}/claim",method="POST"';
  assert.equal(delta(`labelflow_http_requests_total{${claimRoute},status="200"}`), 2);
  assert.equal(delta(`labelflow_http_requests_total{${claimRoute},status="403"}`), 1);
  assert.equal(delta(`labelflow_http_requests_total{route="/api/v1/tasks/{id}/submit",method="POST",status="200"}`), 2);
  assert.equal(delta(`labelflow_http_request_duration_seconds_count{${claimRoute}}`), 3);
  assert.ok(after[`labelflow_http_request_duration_seconds_bucket{${claimRoute},le="+Inf"}`] >= 3);
  // No raw path (with its ids) ever becomes a label.
  assert.doesNotMatch(text, new RegExp(`/projects/${project.id}/`));
  assert.equal(delta('labelflow_task_claims_total{stage="l1",outcome="ok"}'), 2);
  assert.equal(delta('labelflow_task_transitions_total{event="claim",outcome="ok"}'), 2);
  assert.equal(delta('labelflow_task_transitions_total{event="submit",outcome="ok"}'), 2);
  assert.equal(delta('labelflow_job_runs_total{kind="import"}'), 1);
  assert.equal(after['labelflow_job_failures_total{kind="import"}'] ?? 0, 0);
  assert.equal(delta('labelflow_job_duration_seconds_count{kind="import"}'), 1);
  assert.equal(after[`labelflow_queue_depth{project="${project.id}",stage="l1"}`], 3);
  assert.equal(after[`labelflow_queue_depth{project="${project.id}",stage="l2"}`], 2);
  assert.equal(after.labelflow_db_up, 1);
  assert.ok(after.process_resident_memory_bytes > 1e6);
  assert.ok(after.process_open_fds > 3);
  assert.ok(after.process_cpu_seconds_total > 0);

  // Audit verification shows up once it has run.
  assert.equal(after.labelflow_audit_verify_ok, undefined);
  assert.equal((await srv.api('GET', '/api/v1/audit/verify', { token: admin.access_token })).status, 200);
  const audited = parse(await scrape(srv));
  assert.equal(audited.labelflow_audit_verify_ok, 1);
  assert.ok(audited.labelflow_audit_verify_records > 0);

  // The sealer's work: every record it sealed, in batches, and how long
  // records waited (a summary a benchmark reads p50/p99 from).
  const v = await sealed(srv, admin.access_token);
  const seal = parse(await scrape(srv));
  assert.equal(seal.labelflow_audit_unsealed, 0);
  assert.equal(seal.labelflow_audit_unsealed_age_seconds, 0);
  assert.equal(seal.labelflow_audit_sealed_records_total, v.body.count);
  assert.ok(seal.labelflow_audit_seal_batches_total >= 1);
  assert.ok(seal.labelflow_audit_seal_batches_total <= v.body.checkpoints);
  assert.equal(seal.labelflow_audit_seal_lag_seconds_count, v.body.count);
  const p50 = seal['labelflow_audit_seal_lag_seconds{quantile="0.5"}'];
  const p99 = seal['labelflow_audit_seal_lag_seconds{quantile="0.99"}'];
  assert.ok(p50 >= 0 && p50 <= p99, `p50 ${p50} p99 ${p99}`);
  assert.ok(p99 < 10, `p99 ${p99}`);

  // The same requests in the JSON access log: one object per line.
  const records = srv.log().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const submits = records.filter((r) => r.route === '/api/v1/tasks/{id}/submit');
  assert.equal(submits.length, 2);
  for (const [i, r] of submits.entries()) {
    assert.equal(r.level, 'info');
    assert.match(r.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(r.method, 'POST');
    assert.equal(r.status, 200);
    assert.equal(typeof r.duration_ms, 'number');
    assert.equal(r.request_id, `req-submit-${i}`);
    assert.equal(r.user_id, ann.id);
  }
  // Unauthenticated requests carry no user.
  assert.ok(records.some((r) => r.route === '/metrics' && r.user_id === undefined));
  // Error lines are JSON too (the warning about the unknown variable is
  // not there: the environment has none, so use the first-start notice).
  assert.ok(srv.log().split('\n').filter(Boolean).every((l) => l.startsWith('{')), srv.log().slice(0, 2000));
});
