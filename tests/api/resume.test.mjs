// A reopened labeling page resumes the task its annotator holds, with the
// draft of unsaved regions; drafts are the holder's alone; a page closed
// for good gives its task back through a signed release beacon (no
// Authorization header), after a grace a reload cancels.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode } from './lib.mjs';
import { setupProject, addTasks, claim, submit, nerResult } from './workflow-lib.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.stop();
});

const resume = (who, pid, stage = 'l1') =>
  srv.api('POST', `/api/v1/projects/${pid}/claim`, { token: who.token, body: { stage, resume: true } });
const putDraft = (who, id, result) => srv.api('PUT', `/api/v1/tasks/${id}/draft`, { token: who.token, body: { result } });
const getTask = (who, id) => srv.api('GET', `/api/v1/tasks/${id}`, { token: who.token });
const beacon = (url) => srv.api('POST', url);
const escrow = async (admin, pid) => (await srv.api('GET', `/api/v1/projects/${pid}/escrow`, { token: admin.access_token })).body;

async function waitFor(fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('resume returns the held task with its draft; a fresh claim still takes another', async () => {
  const { admin, project, annotators, reviewers } = await setupProject(srv);
  const [a, b] = annotators;
  await addTasks(srv, admin, project.id, ['Alice Smith works here.', 'Bob Jones too.', 'Carol.']);
  const first = await claim(srv, a, project.id, 'l1');
  assert.equal(first.status, 200);
  assert.equal(first.body.resumed, false);
  assert.match(first.body.release_beacon, new RegExp(`^/api/v1/tasks/${first.body.id}/release-beacon\\?`));

  const draft = nerResult('PER', 0, 11);
  const saved = await putDraft(a, first.body.id, draft);
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.task_id, first.body.id);

  // The page reloads: resume gives the same task and the draft, renews the lease.
  const again = await resume(a, project.id);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.id, first.body.id);
  assert.equal(again.body.resumed, true);
  assert.equal(again.body.work_id, first.body.work_id);
  assert.deepEqual(again.body.draft.result, draft);
  assert.ok(again.body.lease.expires_in_ms > 0);

  // Nobody else sees the draft or can write one, and resume never hands another's task.
  const other = await resume(b, project.id);
  assert.equal(other.status, 200);
  assert.notEqual(other.body.id, first.body.id);
  assert.equal(other.body.resumed, false);
  assert.equal(other.body.draft, undefined);
  const stolen = await putDraft(b, first.body.id, []);
  assert.equal(stolen.status, 409);
  assert.equal(errorCode(stolen), 'lease_lost');
  for (const who of [admin.access_token, reviewers[0].token]) {
    const t = await srv.api('GET', `/api/v1/tasks/${first.body.id}`, { token: who });
    assert.equal(t.status, 200);
    assert.equal(t.body.draft, undefined);
    assert.equal(t.body.release_beacon, undefined);
    assert.equal(t.body.resumed, undefined);
    assert.ok(!JSON.stringify(t.body).includes('"end":11'), 'the draft leaks into the task');
  }

  // A bad draft is refused; a skip-style claim (no resume) takes a new task.
  assert.equal((await putDraft(a, first.body.id, { not: 'an array' })).status, 422);
  const next = await claim(srv, a, project.id, 'l1');
  assert.equal(next.status, 200);
  assert.notEqual(next.body.id, first.body.id);
  assert.notEqual(next.body.id, other.body.id);

  // Submitting ends the stint, and its draft with it.
  assert.equal((await submit(srv, a, first.body.id, draft)).status, 200);
  assert.equal((await putDraft(a, first.body.id, draft)).status, 409);
  const task = await getTask(a, first.body.id);
  assert.equal(task.body.annotations.length, 1);
  // The holder's own GET carries no claim-only fields either.
  const mine = await getTask(a, next.body.id);
  assert.equal(mine.status, 200);
  assert.equal(mine.body.resumed, undefined);
  assert.equal(mine.body.release_beacon, undefined);
});

test('a release beacon gives the task back after the grace, with its escrow hold', async () => {
  const { admin, project, annotators } = await setupProject(srv, { rates: { l1: 100, l2: 10, l3: 10 } });
  const [a, b] = annotators;
  await srv.api('POST', `/api/v1/projects/${project.id}/escrow/deposits`, {
    token: admin.access_token,
    body: { amount: 1000, idempotency_key: 'dep-' + project.id },
  });
  const [id] = [(await addTasks(srv, admin, project.id, ['Only task here.'])).first_id];
  const c = await claim(srv, a, project.id, 'l1');
  assert.equal(c.body.id, id);
  assert.equal((await escrow(admin, project.id)).held, 100);
  await putDraft(a, id, nerResult('PER', 0, 4));

  // Forged, tampered or foreign links are refused without touching the task.
  const url = new URL(c.body.release_beacon, srv.url);
  const forged = new URL(url);
  forged.searchParams.set('sig', '0'.repeat(64));
  const otherUser = new URL(url);
  otherUser.searchParams.set('uid', String(b.id));
  const otherTask = url.pathname.replace(`/tasks/${id}/`, `/tasks/${id + 1}/`) + url.search;
  const later = new URL(url);
  later.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
  for (const u of [forged.pathname + forged.search, otherUser.pathname + otherUser.search, otherTask, later.pathname + later.search, url.pathname]) {
    const r = await beacon(u);
    assert.equal(r.status, 403, u);
    assert.equal(errorCode(r), 'invalid_signature');
  }

  // A reload cancels: the beacon asks, the resume (a heartbeat) takes it back.
  const asked = await beacon(c.body.release_beacon);
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  assert.ok(asked.body.release_in_ms > 0);
  const back = await resume(a, project.id);
  assert.equal(back.body.id, id);
  assert.equal(back.body.resumed, true);
  assert.ok(back.body.draft, 'the draft survives a reload');
  await new Promise((r) => setTimeout(r, asked.body.release_in_ms + 2000));
  assert.equal((await getTask(a, id)).body.state, 'locked_l1', 'a resumed task must stay held');

  // Closed for good: the task is back in the queue within seconds, the hold in escrow.
  const hb = await srv.api('POST', `/api/v1/tasks/${id}/heartbeat`, { token: a.token });
  assert.ok(hb.body.release_beacon);
  const t0 = Date.now();
  assert.equal((await beacon(hb.body.release_beacon)).status, 202);
  await waitFor(async () => (await getTask(a, id)).body.state === 'queued_l1');
  const took = Date.now() - t0;
  assert.ok(took < 10000, `released after ${took} ms`);
  assert.deepEqual(
    { held: (await escrow(admin, project.id)).held, available: (await escrow(admin, project.id)).available },
    { held: 0, available: 1000 },
  );
  const hist = (await srv.api('GET', `/api/v1/tasks/${id}`, { token: admin.access_token })).body.history;
  assert.equal(hist.at(-1).status, 'released');
  // The stint is over: its link no longer works, and the draft went with it.
  const stale = await beacon(hb.body.release_beacon);
  assert.equal(stale.status, 409);
  assert.equal(errorCode(stale), 'lease_lost');
  const again = await claim(srv, b, project.id, 'l1');
  assert.equal(again.body.id, id);
  assert.equal(again.body.draft, undefined);
  assert.equal((await resume(a, project.id)).status, 204);
});

// The grace is the project's release_grace_seconds: polled, with bounds
// generous for a loaded machine (the sweeper runs every second).
test('the release grace is a project policy: 1 s releases soon, 30 s not within 3 s', async () => {
  const state = async (who, id) => (await getTask(who, id)).body.state;
  const short = await setupProject(srv, { policies: { release_grace_seconds: 1 } });
  const long = await setupProject(srv, { policies: { release_grace_seconds: 30 } });
  await addTasks(srv, short.admin, short.project.id, ['Short grace.']);
  await addTasks(srv, long.admin, long.project.id, ['Long grace.']);
  const cs = await claim(srv, short.annotators[0], short.project.id, 'l1');
  const cl = await claim(srv, long.annotators[0], long.project.id, 'l1');

  const t0 = Date.now();
  const as = await beacon(cs.body.release_beacon);
  const al = await beacon(cl.body.release_beacon);
  assert.equal(as.status, 202);
  assert.equal(as.body.release_in_ms, 1000);
  assert.equal(al.body.release_in_ms, 30000);
  await waitFor(async () => (await state(short.annotators[0], cs.body.id)) === 'queued_l1', 4500);
  const took = Date.now() - t0;
  assert.ok(took >= 900, `released after ${took} ms, before its grace`);
  while (Date.now() - t0 < 3000) {
    assert.equal(await state(long.annotators[0], cl.body.id), 'locked_l1', `released within ${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

test('an expired release link is refused', async () => {
  const { admin, project, annotators } = await setupProject(srv, { policies: { lease_seconds: 1 } });
  const [a] = annotators;
  await addTasks(srv, admin, project.id, ['Short lease.']);
  const c = await claim(srv, a, project.id, 'l1');
  // The link expires with the lease (whole seconds, rounded up).
  await new Promise((r) => setTimeout(r, 3500));
  const r = await beacon(c.body.release_beacon);
  assert.equal(r.status, 403);
  assert.equal(errorCode(r), 'invalid_signature');
});
