// The dashboard figures: work per day and per person, computed from tasks
// driven through the whole workflow, with the money each person earned.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, nerResult } from './workflow-lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const RATES = { l1: 100, l2: 50, l3: 30 };
const stats = (token, pid, query = '') => srv.api('GET', `/api/v1/projects/${pid}/stats${query}`, { token });
const utcDate = (ms) => new Date(ms).toISOString().slice(0, 10);

test('throughput per day and per-person figures follow the workflow', async () => {
  const { admin, project, annotators: [a1, a2], reviewers: [r1], supers: [s1] } = await setupProject(srv, { rates: RATES, counts: { reviewer: 1 } });
  const pid = project.id;
  const dep = await srv.api('POST', `/api/v1/projects/${pid}/escrow/deposits`, { token: admin.access_token, body: { amount: 5000, idempotency_key: 'stats-fund' } });
  assert.equal(dep.status, 201);

  // Before any work, nothing to show.
  const empty = await stats(admin.access_token, pid);
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.body, { project_id: pid, currency: 'USD', currency_exponent: 2, throughput: [], people: [] });

  const started = Date.now();
  await addTasks(srv, admin, pid, ['Alice at Acme', 'Bob at Initech', 'Carol at Hooli']);
  // The claim order within a queue is the server's business, so each step
  // leaves exactly one task claimable where the test needs to know which.
  const annotate = async (who, result = nerResult('PER', 0, 5)) => {
    const c = await claim(srv, who, pid, 'l1');
    assert.equal(c.status, 200);
    assert.equal((await submit(srv, who, c.body.id, result)).status, 200);
    return c.body.id;
  };
  const x = await annotate(a1);
  // r1 rejects it (a1's first annotation is voided); the rework goes back to a1.
  assert.equal((await claim(srv, r1, pid, 'l2')).body.id, x);
  assert.equal((await review(srv, r1, x, { decision: 'reject', comment: 'Acme is an ORG' })).status, 200);
  assert.equal(await annotate(a1, nerResult('ORG', 9, 13)), x);
  const y = await annotate(a2);
  const approved = [];
  for (let i = 0; i < 2; i++) {
    const c = await claim(srv, r1, pid, 'l2');
    approved.push(c.body.id);
    assert.equal((await review(srv, r1, c.body.id, { decision: 'approve' })).status, 200);
  }
  assert.deepEqual(approved.sort(), [x, y].sort());
  // The third task stays in the review queue.
  await annotate(a1);
  for (let i = 0; i < 2; i++) {
    const c = await claim(srv, s1, pid, 'l3');
    assert.equal((await decide(srv, s1, c.body.id, { decision: 'approve' })).body.state, 'accepted');
  }
  const finished = Date.now();

  const r = await stats(admin.access_token, pid);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.currency, 'USD');

  // Usually one day; a run across UTC midnight spreads over two.
  const days = r.body.throughput;
  assert.ok(days.length >= 1 && days.length <= 2, JSON.stringify(days));
  for (const d of days) assert.ok(d.date >= utcDate(started) && d.date <= utcDate(finished), d.date);
  const sum = (k) => days.reduce((s, d) => s + d[k], 0);
  assert.deepEqual({ submitted: sum('submitted'), reviewed: sum('reviewed'), decided: sum('decided'), accepted: sum('accepted') },
    { submitted: 4, reviewed: 3, decided: 2, accepted: 2 });
  if (utcDate(started) === utcDate(finished)) assert.equal(days[0].date, utcDate(started));

  // The project's own counts agree with the accepted figure.
  const p = await srv.api('GET', `/api/v1/projects/${pid}`, { token: admin.access_token });
  assert.equal(p.body.counts.accepted, sum('accepted'));
  assert.equal(p.body.counts.queued_l2, 1);

  const people = Object.fromEntries(r.body.people.map((x) => [x.user_id, x]));
  assert.deepEqual(r.body.people.map((x) => x.user_id), [a1.id, a2.id, r1.id, s1.id].sort((x, y) => x - y));
  const pick = (x) => ({ name: x.name, email: x.email, submitted: x.submitted, rejected: x.rejected, reviewed: x.reviewed, decided: x.decided, earned: x.earned });
  // a1: x twice (the first rejected) and a third task not accepted, so not earned.
  assert.deepEqual(pick(people[a1.id]), { name: a1.name, email: a1.email, submitted: 3, rejected: 1, reviewed: 0, decided: 0, earned: 100 });
  assert.deepEqual(pick(people[a2.id]), { name: a2.name, email: a2.email, submitted: 1, rejected: 0, reviewed: 0, decided: 0, earned: 100 });
  // r1: the reject and both approvals are paid once their tasks are accepted.
  assert.deepEqual(pick(people[r1.id]), { name: r1.name, email: r1.email, submitted: 0, rejected: 0, reviewed: 3, decided: 0, earned: 150 });
  assert.deepEqual(pick(people[s1.id]), { name: s1.name, email: s1.email, submitted: 0, rejected: 0, reviewed: 0, decided: 2, earned: 60 });
  const elapsed = (finished - started) / 1000;
  for (const id of [a1.id, a2.id]) {
    assert.ok(people[id].avg_annotate_seconds >= 0 && people[id].avg_annotate_seconds <= elapsed, String(people[id].avg_annotate_seconds));
  }
  assert.equal(people[r1.id].avg_annotate_seconds, 0);

  // The range filters: everything lies in [started, finished + 1).
  const inRange = await stats(admin.access_token, pid, `?since=${started}&until=${finished + 1}`);
  assert.deepEqual(inRange.body.throughput, days);
  const before = await stats(admin.access_token, pid, `?until=${started}`);
  assert.deepEqual([before.body.throughput, before.body.people], [[], []]);
  const later = await stats(admin.access_token, pid, `?since=${new Date(finished + 1000).toISOString()}`);
  assert.deepEqual([later.body.throughput, later.body.people], [[], []]);
});

test('stats are for project managers only, and reject bad ranges', async () => {
  const { admin, project, annotators: [a1] } = await setupProject(srv, { counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const pid = project.id;
  const anon = await srv.api('GET', `/api/v1/projects/${pid}/stats`);
  assert.equal(anon.status, 401);
  const member = await stats(a1.token, pid);
  assert.equal(member.status, 403);
  assert.equal(errorCode(member), 'forbidden');
  const missing = await stats(admin.access_token, 999999);
  assert.equal(missing.status, 404);
  const backwards = await stats(admin.access_token, pid, '?since=2026-02-01&until=2026-01-01');
  assert.equal(backwards.status, 400);
  assert.equal(errorCode(backwards), 'bad_parameter');
  const garbage = await stats(admin.access_token, pid, '?since=yesterday');
  assert.equal(garbage.status, 400);
});
