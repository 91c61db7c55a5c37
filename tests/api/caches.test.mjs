// What a server may keep between requests and what it may not, with two
// servers on one database (both stores: two processes on one SQLite file,
// or on one PostgreSQL database). Each server keeps a project's
// configuration (policies, rates, currency, task types, label config) by
// project version: a change made through one server applies to the
// other's next transition. Sessions and memberships are kept by neither:
// a logout, a removed member, a changed role or a disabled user is
// refused on the other server's very next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, errorCode } from './lib.mjs';
import { setupProject, addTasks, claim, submit, nerResult, NER_CONFIG } from './workflow-lib.mjs';

let a, b;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-caches-'));
  a = await startServer({ dir });
  b = await startServer({ dir });
});
after(async () => {
  await b.stop({ keep: true });
  await a.stop();
});

const patch = (admin, pid, body) => a.api('PATCH', `/api/v1/projects/${pid}`, { token: admin.access_token, body });
const escrow = async (admin, pid) => (await b.api('GET', `/api/v1/projects/${pid}/escrow`, { token: admin.access_token })).body;
// Claims on b and checks the lease it was given, in seconds.
async function claimOnB(who, pid, leaseSeconds) {
  const c = await claim(b, who, pid, 'l1');
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const ms = c.body.lease.expires_in_ms;
  assert.ok(ms > (leaseSeconds - 30) * 1000 && ms <= leaseSeconds * 1000, `lease ${ms} ms, want ${leaseSeconds} s`);
  return c.body;
}

test('a project configuration changed through one server applies to the other server\'s next transition', async () => {
  const { admin, project, annotators: [ann] } = await setupProject(a, {
    policies: { lease_seconds: 600 },
    rates: { l1: 5 },
    counts: { annotator: 1, reviewer: 0, super_reviewer: 0 },
  });
  const pid = project.id;
  assert.equal((await a.api('POST', `/api/v1/projects/${pid}/escrow/deposits`, { token: admin.access_token, body: { amount: 1000, idempotency_key: 'fund' } })).status, 201);
  await addTasks(a, admin, pid, ['Alice met Bob in Paris.', 'Carol met Dan in Rome.', 'Erin met Frank in Oslo.', 'Gina met Hal in Bern.', 'Ivan met Jo in Kyiv.']);

  // b caches the configuration: lease 600 s, rate 5, no LOC label.
  let t = await claimOnB(ann, pid, 600);
  assert.equal((await escrow(admin, pid)).held, 5);
  const loc = [{ ...nerResult()[0], value: { start: 0, end: 5, labels: ['LOC'] } }];
  let s = await submit(b, ann, t.id, loc);
  assert.equal(s.status, 422);
  assert.equal(errorCode(s), 'invalid_result');

  // Label config: LOC is a label now.
  assert.equal((await patch(admin, pid, { label_config: NER_CONFIG.replace('<Label value="ORG"/>', '<Label value="ORG"/><Label value="LOC"/>') })).status, 200);
  s = await submit(b, ann, t.id, loc);
  assert.equal(s.status, 200, JSON.stringify(s.body));

  // Policy: the next claim's lease.
  assert.equal((await patch(admin, pid, { policies: { lease_seconds: 120 } })).status, 200);
  t = await claimOnB(ann, pid, 120);
  assert.equal((await submit(b, ann, t.id, nerResult())).status, 200);

  // Rates: the next claim's hold.
  const held = (await escrow(admin, pid)).held;
  assert.equal((await patch(admin, pid, { rates: { l1: 7 } })).status, 200);
  t = await claimOnB(ann, pid, 120);
  assert.equal((await escrow(admin, pid)).held, held + 7);
  assert.equal((await submit(b, ann, t.id, nerResult())).status, 200);

  // Task types: a typed task's lease, from its type's override.
  const typed = await a.api('POST', `/api/v1/projects/${pid}/tasks`, { token: admin.access_token, body: { tasks: [{ data: { text: 'Kim met Lee in Seoul.' }, task_type: 'hard', priority: 9 }] } });
  assert.equal(typed.status, 201);
  t = await claimOnB(ann, pid, 120);
  assert.equal(t.task_type, 'hard');
  assert.equal((await a.api('POST', `/api/v1/tasks/${t.id}/release`, { token: ann.token, body: {} })).status, 200);
  assert.equal((await patch(admin, pid, { task_types: { hard: { lease_seconds: 60 } } })).status, 200);
  t = await claimOnB(ann, pid, 60);
  assert.equal(t.task_type, 'hard');
  assert.equal((await submit(b, ann, t.id, nerResult())).status, 200);

  // Currency, on a project where no money moved yet (it is locked after):
  // the refusal names the currency the claim reserves in.
  const other = await setupProject(a, { rates: { l1: 5 }, counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  await addTasks(a, other.admin, other.project.id, ['Max met Ned in Lima.']);
  let c = await claim(b, other.annotators[0], other.project.id, 'l1');
  assert.equal(c.status, 402);
  assert.match(c.body.error.message, /USD/);
  assert.equal((await patch(admin, other.project.id, { currency: 'EUR' })).status, 200);
  c = await claim(b, other.annotators[0], other.project.id, 'l1');
  assert.equal(c.status, 402);
  assert.match(c.body.error.message, /EUR/);
});

test('a logout, a removed member, a changed role and a disabled user are refused on the other server\'s next request', async () => {
  const { admin, project, annotators } = await setupProject(a, { counts: { annotator: 4, reviewer: 0, super_reviewer: 0 } });
  const pid = project.id;
  await addTasks(a, admin, pid, ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight']);
  const [out, removed, moved, disabled] = annotators;
  const held = {};
  for (const u of annotators) {
    const c = await claim(b, u, pid, 'l1');
    assert.equal(c.status, 200);
    held[u.id] = c.body.id;
    // A task-scoped request on b too, so both kinds of check ran there.
    assert.equal((await b.api('POST', `/api/v1/tasks/${held[u.id]}/heartbeat`, { token: u.token, body: {} })).status, 200);
  }

  assert.equal((await a.api('POST', '/api/v1/auth/logout', { token: out.token, body: {} })).status, 204);
  let r = await claim(b, out, pid, 'l1');
  assert.equal(r.status, 401);
  assert.equal(errorCode(r), 'session_revoked');

  assert.equal((await a.api('DELETE', `/api/v1/projects/${pid}/members/${removed.id}`, { token: admin.access_token })).status, 204);
  r = await b.api('POST', `/api/v1/tasks/${held[removed.id]}/heartbeat`, { token: removed.token, body: {} });
  assert.equal(r.status, 404);
  r = await claim(b, removed, pid, 'l1');
  assert.equal(r.status, 404);

  assert.equal((await a.api('PUT', `/api/v1/projects/${pid}/members/${moved.id}`, { token: admin.access_token, body: { role: 'reviewer' } })).status, 200);
  r = await claim(b, moved, pid, 'l1');
  assert.equal(r.status, 403);
  r = await submit(b, moved, held[moved.id], nerResult());
  assert.equal(r.status, 403);

  assert.equal((await a.api('PATCH', `/api/v1/users/${disabled.id}`, { token: admin.access_token, body: { active: false } })).status, 200);
  r = await b.api('POST', `/api/v1/tasks/${held[disabled.id]}/heartbeat`, { token: disabled.token, body: {} });
  assert.equal(r.status, 401);
  assert.equal(errorCode(r), 'session_revoked');
});
