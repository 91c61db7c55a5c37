// The L1 -> L2 -> L3 life cycle over HTTP: claims, leases, submit,
// review, decide, rework routing, escalations, separation of duties.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, nerResult } from './workflow-lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('full path: submit, reject with comment, rework by the same annotator, approve, final approve', async () => {
  const { admin, project, annotators: [a1, a2], reviewers: [r1], supers: [s1] } = await setupProject(srv);
  await addTasks(srv, admin, project.id, ['Alice works at Acme']);

  const c = await claim(srv, a1, project.id, 'l1');
  assert.equal(c.status, 200);
  assert.equal(c.body.state, 'locked_l1');
  assert.equal(c.body.data.text, 'Alice works at Acme');
  assert.equal(c.body.lease.holder, a1.id);
  const taskId = c.body.id;

  // Nobody else gets it while a1 holds it.
  assert.equal((await claim(srv, a2, project.id, 'l1')).status, 204);

  const s = await submit(srv, a1, taskId, nerResult('PER'));
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal(s.body.state, 'queued_l2');

  const rc = await claim(srv, r1, project.id, 'l2');
  assert.equal(rc.status, 200);
  assert.equal(rc.body.id, taskId);
  assert.equal(rc.body.annotations.length, 1);
  assert.deepEqual(rc.body.annotations[0].result, nerResult('PER'));

  // Reject needs a comment.
  const noComment = await review(srv, r1, taskId, { decision: 'reject' });
  assert.equal(noComment.status, 422);
  assert.equal(errorCode(noComment), 'comment_required');
  const rej = await review(srv, r1, taskId, { decision: 'reject', comment: 'Acme is an ORG too' });
  assert.equal(rej.status, 200);
  assert.equal(rej.body.state, 'queued_l1');
  assert.equal(rej.body.reworks, 1);

  // The rework goes back to its annotator first: a2 gets nothing...
  assert.equal((await claim(srv, a2, project.id, 'l1')).status, 204);
  // ...a1 gets it, with the comment and their earlier annotation.
  const again = await claim(srv, a1, project.id, 'l1');
  assert.equal(again.status, 200);
  assert.equal(again.body.id, taskId);
  assert.equal(again.body.last_comment, 'Acme is an ORG too');
  assert.equal(again.body.annotations.length, 1);
  const result2 = [...nerResult('PER'), { id: 'r2', from_name: 'label', to_name: 'text', type: 'labels', value: { start: 15, end: 19, labels: ['ORG'] } }];
  assert.equal((await submit(srv, a1, taskId, result2)).status, 200);

  assert.equal((await claim(srv, r1, project.id, 'l2')).body.id, taskId);
  const ok = await review(srv, r1, taskId, { decision: 'approve' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.state, 'queued_l3');

  const sc = await claim(srv, s1, project.id, 'l3');
  assert.equal(sc.status, 200);
  assert.equal(sc.body.annotations.length, 2);
  assert.ok(sc.body.history.length >= 4);
  const fin = await decide(srv, s1, taskId, { decision: 'approve' });
  assert.equal(fin.status, 200);
  assert.equal(fin.body.state, 'accepted');

  // Final: nothing applies any more.
  const late = await decide(srv, s1, taskId, { decision: 'approve' });
  assert.equal(late.status, 409);

  // The dashboard counts it, and the audit trail has every step.
  const p = await srv.api('GET', `/api/v1/projects/${project.id}`, { token: admin.access_token });
  assert.equal(p.body.counts.accepted, 1);
  const audit = await srv.api('GET', `/api/v1/audit?task=${taskId}&limit=100`, { token: admin.access_token });
  const actions = audit.body.items.map((a) => a.action).reverse();
  assert.deepEqual(actions, ['task.claim', 'task.submit', 'task.claim', 'task.l2_reject', 'task.claim', 'task.submit', 'task.claim', 'task.l2_approve', 'task.claim', 'task.l3_approve']);
  const v = await srv.api('GET', '/api/v1/audit/verify', { token: admin.access_token });
  assert.equal(v.body.ok, true);
});

test('escalation after max reworks goes to L3', async () => {
  const { admin, project, annotators: [a1], reviewers: [r1], supers: [s1] } = await setupProject(srv, { policies: { max_reworks: 1 } });
  await addTasks(srv, admin, project.id, ['Bob']);
  let id;
  for (let round = 0; round < 2; round++) {
    const c = await claim(srv, a1, project.id, 'l1');
    assert.equal(c.status, 200);
    id = c.body.id;
    assert.equal((await submit(srv, a1, id, nerResult('PER', 0, 3))).status, 200);
    assert.equal((await claim(srv, r1, project.id, 'l2')).status, 200);
    const r = await review(srv, r1, id, { decision: 'reject', comment: `round ${round}` });
    assert.equal(r.status, 200);
    assert.equal(r.body.state, round === 0 ? 'queued_l1' : 'queued_l3');
  }
  const sc = await claim(srv, s1, project.id, 'l3');
  assert.equal(sc.body.id, id);
});

test('L3 sends back to L1 and to L2, and discards with a reason', async () => {
  const { admin, project, annotators: [a1], reviewers: [r1], supers: [s1] } = await setupProject(srv);
  await addTasks(srv, admin, project.id, ['One', 'Two']);
  const toL3 = async () => {
    const c = await claim(srv, a1, project.id, 'l1');
    await submit(srv, a1, c.body.id, nerResult('PER', 0, 3));
    await claim(srv, r1, project.id, 'l2');
    await review(srv, r1, c.body.id, { decision: 'approve' });
    return c.body.id;
  };
  const t1 = await toL3();
  assert.equal((await claim(srv, s1, project.id, 'l3')).body.id, t1);
  assert.equal((await decide(srv, s1, t1, { decision: 'send_back_l1' })).status, 422);
  const b1 = await decide(srv, s1, t1, { decision: 'send_back_l1', comment: 'wrong span' });
  assert.equal(b1.body.state, 'queued_l1');
  // Back at L1, offered to its annotator again.
  const c1 = await claim(srv, a1, project.id, 'l1');
  assert.equal(c1.body.id, t1);
  assert.equal(c1.body.last_comment, 'wrong span');
  await submit(srv, a1, t1, nerResult('PER', 0, 3));
  await claim(srv, r1, project.id, 'l2');
  await review(srv, r1, t1, { decision: 'approve' });
  assert.equal((await claim(srv, s1, project.id, 'l3')).body.id, t1);
  const b2 = await decide(srv, s1, t1, { decision: 'send_back_l2', comment: 'review again' });
  assert.equal(b2.body.state, 'queued_l2');
  assert.equal((await claim(srv, r1, project.id, 'l2')).body.id, t1);
  await review(srv, r1, t1, { decision: 'escalate', comment: 'unsure' });
  assert.equal((await claim(srv, s1, project.id, 'l3')).body.id, t1);
  const d = await decide(srv, s1, t1, { decision: 'discard', comment: 'garbled text' });
  assert.equal(d.body.state, 'discarded');

  // Override stores the L3's own result as the final version.
  const t2 = await toL3();
  await claim(srv, s1, project.id, 'l3');
  assert.equal((await decide(srv, s1, t2, { decision: 'override' })).status, 422);
  const o = await decide(srv, s1, t2, { decision: 'override', comment: 'fixed', result: nerResult('ORG', 0, 3) });
  assert.equal(o.body.state, 'accepted');
  const full = await srv.api('GET', `/api/v1/tasks/${t2}`, { token: admin.access_token });
  const last = full.body.annotations.at(-1);
  assert.equal(last.kind, 'override');
  assert.equal(last.author_id, s1.id);
  assert.equal(last.result[0].value.labels[0], 'ORG');
});

test('separation of duties: nobody reviews or approves their own work', async () => {
  const { admin, project, annotators: [a1] } = await setupProject(srv, { counts: { reviewer: 0, super_reviewer: 0 } });
  // a1 is also reviewer and super reviewer of this project.
  await srv.api('PUT', `/api/v1/projects/${project.id}/members/${a1.id}`, { token: admin.access_token, body: { roles: ['annotator', 'reviewer', 'super_reviewer'] } });
  await addTasks(srv, admin, project.id, ['Self review']);
  const c = await claim(srv, a1, project.id, 'l1');
  await submit(srv, a1, c.body.id, nerResult('PER', 0, 4));
  assert.equal((await claim(srv, a1, project.id, 'l2')).status, 204);
  // An admin requeue to L3 does not let them approve it either.
  const rq = await srv.api('POST', `/api/v1/tasks/${c.body.id}/requeue`, { token: admin.access_token, body: { to: 'queued_l3', reason: 'test' } });
  assert.equal(rq.status, 200);
  assert.equal((await claim(srv, a1, project.id, 'l3')).status, 204);
});

test('refusals: no lease, wrong role, wrong label, wrong state', async () => {
  const { admin, project, annotators: [a1, a2], reviewers: [r1] } = await setupProject(srv);
  await addTasks(srv, admin, project.id, ['Carol', 'Dave']);
  // A reviewer cannot claim L1; an annotator cannot claim L2.
  let r = await claim(srv, r1, project.id, 'l1');
  assert.equal(r.status, 403);
  r = await claim(srv, a1, project.id, 'l2');
  assert.equal(r.status, 403);
  assert.equal((await claim(srv, a1, project.id, 'l4')).status, 422);
  const c = await claim(srv, a1, project.id, 'l1');
  const id = c.body.id;
  // Submitting without the lease.
  r = await submit(srv, a2, id, nerResult());
  assert.equal(r.status, 409);
  assert.equal(errorCode(r), 'lease_lost');
  // A label that is not in the config.
  r = await submit(srv, a1, id, nerResult('LOC'));
  assert.equal(r.status, 422);
  assert.equal(errorCode(r), 'invalid_result');
  assert.match(r.body.error.message, /LOC/);
  r = await submit(srv, a1, id, { not: 'an array' });
  assert.equal(r.status, 422);
  r = await srv.api('POST', `/api/v1/tasks/${id}/submit`, { token: a1.token, body: {} });
  assert.equal(r.status, 422);
  // The task is untouched by the refusals: still a1's.
  const t = await srv.api('GET', `/api/v1/tasks/${id}`, { token: a1.token });
  assert.equal(t.body.state, 'locked_l1');
  assert.equal(t.body.annotations.length, 0);
  // Review of a task that is not at L2.
  r = await review(srv, r1, id, { decision: 'approve' });
  assert.equal(r.status, 409);
  // Unknown task.
  assert.equal((await submit(srv, a1, 999999, nerResult())).status, 404);
  // Heartbeat by the holder extends the lease; by another is refused.
  const hb = await srv.api('POST', `/api/v1/tasks/${id}/heartbeat`, { token: a1.token });
  assert.equal(hb.status, 200);
  assert.ok(hb.body.lease.expires_in_ms > 500000);
  assert.equal((await srv.api('POST', `/api/v1/tasks/${id}/heartbeat`, { token: a2.token })).status, 409);
  // Release returns it to the queue; then a2 can take it.
  const rel = await srv.api('POST', `/api/v1/tasks/${id}/release`, { token: a1.token });
  assert.equal(rel.body.state, 'queued_l1');
  const c2 = await claim(srv, a2, project.id, 'l1');
  assert.equal(c2.status, 200);
});

test('annotators see only their own tasks; non-members see nothing', async () => {
  const { admin, project, annotators: [a1, a2], reviewers: [r1] } = await setupProject(srv);
  await addTasks(srv, admin, project.id, ['E1', 'E2', 'E3']);
  const c1 = await claim(srv, a1, project.id, 'l1');
  await submit(srv, a1, c1.body.id, nerResult('PER', 0, 2));
  const c2 = await claim(srv, a2, project.id, 'l1');
  const l1 = await srv.api('GET', `/api/v1/projects/${project.id}/tasks`, { token: a1.token });
  assert.deepEqual(l1.body.items.map((t) => t.id), [c1.body.id]);
  assert.equal((await srv.api('GET', `/api/v1/tasks/${c2.body.id}`, { token: a1.token })).status, 404);
  const all = await srv.api('GET', `/api/v1/projects/${project.id}/tasks?limit=2`, { token: r1.token });
  assert.equal(all.body.items.length, 2);
  assert.ok(all.body.next_cursor);
  const q = await srv.api('GET', `/api/v1/projects/${project.id}/tasks?state=queued_l2`, { token: admin.access_token });
  assert.deepEqual(q.body.items.map((t) => t.id), [c1.body.id]);
  assert.equal((await srv.api('GET', `/api/v1/projects/${project.id}/tasks?state=bogus`, { token: admin.access_token })).status, 400);
  // Someone from another project: to them it does not exist.
  const other = await setupProject(srv, { counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const outsider = other.annotators[0];
  assert.equal((await srv.api('GET', `/api/v1/projects/${project.id}`, { token: outsider.token })).status, 404);
  assert.equal((await srv.api('GET', `/api/v1/projects/${project.id}/tasks`, { token: outsider.token })).status, 404);
  assert.equal((await claim(srv, outsider, project.id, 'l1')).status, 404);
  assert.equal((await srv.api('GET', `/api/v1/tasks/${c1.body.id}`, { token: outsider.token })).status, 404);
});

test('project validation: label config errors are 422 with the reason', async () => {
  const admin = await srv.login('admin@example.org', 'admin-password-1');
  const bad = [
    ['<View><Text name="t" value="$t"/><Labels name="l" toName="nope"><Label value="A"/></Labels></View>', /nope/],
    ['<View><Foo/></View>', /Foo/],
    ['<View><Text name="t" value="$t"/><Labels toName="t"><Label value="A"/></Labels></View>', /name/],
    ['not xml', /./],
  ];
  for (const [label_config, re] of bad) {
    const r = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'x', label_config } });
    assert.equal(r.status, 422, label_config);
    assert.equal(errorCode(r), 'invalid_label_config');
    assert.match(r.body.error.message, re);
  }
  const pol = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'x', label_config: bad[0][0].replace('nope', 't'), policies: { lease_seconds: -1 } } });
  assert.equal(pol.status, 422);
  assert.equal(errorCode(pol), 'invalid_policy');
  // Every wrong key in one answer, not one per attempt.
  const many = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'x', label_config: bad[0][0].replace('nope', 't'), policies: { lease_seconds: -1, overlap: 1, colour: 'red', l3_sample_rate: 2 } } });
  assert.equal(many.status, 422);
  assert.equal(errorCode(many), 'invalid_policy');
  assert.deepEqual(many.body.error.details, [
    'policy lease_seconds must be an integer from 1 to 604800',
    'unknown policy "colour"',
    'policy l3_sample_rate must be a number from 0 to 1',
  ]);
  assert.match(many.body.error.message, /^3 policy problems: policy lease_seconds .*; unknown policy "colour"; policy l3_sample_rate .*\.$/);
  const types = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'x', label_config: bad[0][0].replace('nope', 't'), task_types: { hard: { overlap: 0, nope: 1 } } } });
  assert.equal(types.status, 422);
  assert.deepEqual(types.body.error.details, ['task type "hard": policy overlap must be an integer from 1 to 20', 'task type "hard": unknown policy "nope"']);
  const rates = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'x', label_config: bad[0][0].replace('nope', 't'), rates: { l1: 1.5 } } });
  assert.equal(rates.status, 422);
});

test('GET /meta publishes every policy with the bounds and default the server enforces', async () => {
  const admin = await srv.login('admin@example.org', 'admin-password-1');
  const label_config = '<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="A"/></Choices></View>';
  const meta = await srv.api('GET', '/api/v1/meta', { token: admin.access_token });
  const fields = meta.body.policy_fields;
  const fresh = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'meta', label_config } });
  assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
  assert.deepEqual(fields.map((f) => f.name).sort(), Object.keys(fresh.body.policies).sort());
  for (const f of fields) {
    assert.deepEqual(fresh.body.policies[f.name], f.default, `${f.name} default`);
    assert.ok(f.description.length > 0, `${f.name} description`);
    if (f.type === 'boolean') continue;
    const step = f.type === 'integer' ? 1 : 0.0001;
    // The segment overlap must stay below a non-zero segment length.
    const extra = f.name === 'segment_overlap_seconds' ? { segment_seconds: 86400 } : {};
    const at = (v) => srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'b', label_config, policies: { ...extra, [f.name]: v } } });
    assert.equal((await at(f.min)).status, 201, `${f.name} min`);
    assert.equal((await at(f.name === 'segment_overlap_seconds' ? f.max - 1 : f.max)).status, 201, `${f.name} max`);
    assert.equal((await at(f.min - step)).status, 422, `${f.name} below min`);
    assert.equal((await at(f.max + step)).status, 422, `${f.name} above max`);
  }
});

test('expired leases return to the queue; past max attempts the task escalates to L3', async () => {
  const fast = await startServer({ env: { LABELFLOW_SWEEP_MS: '100' } });
  try {
    const { admin, project, annotators: [a1, a2], supers: [s1] } = await setupProject(fast, { policies: { lease_seconds: 1, max_attempts: 1 } });
    await addTasks(fast, admin, project.id, ['Eve']);
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    const c1 = await claim(fast, a1, project.id, 'l1');
    assert.equal(c1.status, 200);
    const id = c1.body.id;
    await wait(1600);
    // The sweeper gave it back: attempts 1, and a1's late submit is refused.
    let t = await fast.api('GET', `/api/v1/tasks/${id}`, { token: admin.access_token });
    assert.equal(t.body.state, 'queued_l1');
    assert.equal(t.body.attempts, 1);
    const late = await submit(fast, a1, id, nerResult('PER', 0, 3));
    assert.equal(late.status, 409);
    assert.equal(errorCode(late), 'wrong_state');
    // Second expiry is past max_attempts: straight to L3.
    assert.equal((await claim(fast, a2, project.id, 'l1')).body.id, id);
    await wait(1600);
    t = await fast.api('GET', `/api/v1/tasks/${id}`, { token: admin.access_token });
    assert.equal(t.body.state, 'queued_l3');
    assert.equal(t.body.attempts, 2);
    assert.deepEqual(t.body.history.map((h) => h.status), ['expired', 'expired']);
    assert.equal((await claim(fast, s1, project.id, 'l3')).body.id, id);
    const audit = await fast.api('GET', `/api/v1/audit?task=${id}&action=task.expire`, { token: admin.access_token });
    assert.equal(audit.body.items.length, 2);
    assert.equal(audit.body.items[0].actor_role, 'system');
    assert.equal(audit.body.items[0].details.escalated, true);
  } finally {
    await fast.stop();
  }
});
