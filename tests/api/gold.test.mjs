// Gold tasks (issue 18): tasks with a known answer, mixed into annotators'
// L1 queues at the project's rate, indistinguishable from ordinary tasks in
// every answer an annotator gets, scored at submit, never reviewed or
// exported; failed gold unpaid unless the project says so; an annotator
// whose gold answers keep failing is suspended (audited, told why) until an
// admin reinstates them. Runs on SQLite and, under `make test`, PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode, waitJob, sql } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review } from './workflow-lib.mjs';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="Pos"/><Choice value="Neg"/></Choices>
  <Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
</View>`;
const choice = (c) => ({ id: 'c', from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [c] } });
const span = (start, end, label = 'PER') => ({ id: `s${start}`, from_name: 'label', to_name: 'text', type: 'labels', value: { start, end, labels: [label] } });

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const api = (who, method, path, body) => srv.api(method, path, { token: who.token ?? who.access_token, body });
const addGold = (admin, pid, body) => api(admin, 'POST', `/api/v1/projects/${pid}/gold`, body);
async function pages(admin, path) {
  const out = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api(admin, 'GET', `${path}${sep}limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...r.body.items);
    cursor = r.body.next_cursor;
  } while (cursor);
  return out;
}
const allTasks = (admin, pid) => pages(admin, `/api/v1/projects/${pid}/tasks?view=table`);
const goldList = (admin, pid) => pages(admin, `/api/v1/projects/${pid}/gold`);

test('gold tasks are made from data and an answer, or from a task, checked against the label config', async () => {
  const { admin, project, annotators: [a], reviewers: [r] } = await setupProject(srv, { label_config: CONFIG, policies: { l3_sample_rate: 0 } });
  const pid = project.id;
  await addTasks(srv, admin, pid, ['Alice went home', 'Carol']);
  const [t1] = await allTasks(admin, pid);
  const refused = [
    [{ data: { text: 'Bob' } }, 'invalid_gold'],
    [{ answer: [choice('Pos')] }, 'invalid_gold'],
    [{ data: { text: 'Bob' }, answer: [choice('Maybe')] }, 'invalid_answer'],
    [{ data: { text: 'Bob' }, answer: [span(0, 10)] }, 'invalid_answer'],
    [{ data: { text: 'Bob' }, answer: { choices: ['Pos'] } }, 'invalid_answer'],
    [{ task_id: t1.id }, 'invalid_gold'], // not accepted: no answer to take
  ];
  for (const [body, code] of refused) {
    const res = await addGold(admin, pid, body);
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.equal(errorCode(res), code, JSON.stringify(body));
  }
  assert.equal((await addGold(admin, pid, { task_id: 999999, answer: [choice('Pos')] })).status, 404);
  const given = await addGold(admin, pid, { task_id: t1.id, answer: [choice('Pos')] });
  assert.equal(given.status, 201);
  assert.equal(given.body.source_task_id, t1.id);
  assert.deepEqual(given.body.data, { text: 'Alice went home' });
  // An accepted task's answer is its accepted result.
  const c = await claim(srv, a, pid, 'l1');
  await submit(srv, a, c.body.id, [choice('Neg'), span(0, 5)]);
  await claim(srv, r, pid, 'l2');
  assert.equal((await review(srv, r, c.body.id, { decision: 'approve' })).body.state, 'accepted');
  const promoted = await addGold(admin, pid, { task_id: c.body.id });
  assert.equal(promoted.status, 201, JSON.stringify(promoted.body));
  assert.deepEqual(promoted.body.answer, [choice('Neg'), span(0, 5)]);
  const made = await addGold(admin, pid, { data: { text: 'Bob' }, answer: [choice('Neg'), span(0, 3)] });
  assert.equal(made.status, 201);
  assert.equal(made.body.answered, 0);
  assert.equal(made.body.mean_score, null);
  assert.equal(made.body.retired_at, null);
  assert.deepEqual((await goldList(admin, pid)).map((g) => g.id), [given.body.id, promoted.body.id, made.body.id]);
  // Many at once: all or none, the refused item named.
  const bulk = await addGold(admin, pid, { items: [{ data: { text: 'Dan' }, answer: [choice('Pos')] }, { task_id: t1.id, answer: [choice('Neg')] }] });
  assert.equal(bulk.status, 201, JSON.stringify(bulk.body));
  assert.deepEqual(bulk.body.items.map((g) => g.source_task_id), [null, t1.id]);
  const before = (await goldList(admin, pid)).length;
  const bad = await addGold(admin, pid, { items: [{ data: { text: 'Eve' }, answer: [choice('Pos')] }, { data: { text: 'Fay' }, answer: [choice('Maybe')] }] });
  assert.equal(bad.status, 422);
  assert.equal(errorCode(bad), 'invalid_answer');
  assert.match(bad.body.error.message, /^items\[1\]: /);
  assert.equal((await goldList(admin, pid)).length, before, 'nothing of a refused batch is kept');
  assert.equal(errorCode(await addGold(admin, pid, { items: [] })), 'invalid_gold');
  assert.equal(errorCode(await addGold(admin, pid, { items: [{ task_id: 'x', answer: [choice('Pos')] }] })), 'invalid_gold');
  for (const g of bulk.body.items) assert.equal((await api(admin, 'DELETE', `/api/v1/projects/${pid}/gold/${g.id}`)).status, 204);
  // Only managers see gold.
  assert.equal((await api(a, 'GET', `/api/v1/projects/${pid}/gold`)).status, 403);
  assert.equal((await addGold(a, pid, { data: { text: 'x' }, answer: [choice('Pos')] })).status, 403);
  // Retired: 204, then 404; it stays listed, marked.
  assert.equal((await api(admin, 'DELETE', `/api/v1/projects/${pid}/gold/${made.body.id}`)).status, 204);
  assert.equal((await api(admin, 'DELETE', `/api/v1/projects/${pid}/gold/${made.body.id}`)).status, 404);
  assert.notEqual((await goldList(admin, pid)).find((g) => g.id === made.body.id).retired_at, null);
});

// What an annotator's answers about a task may hold: the same keys for gold
// and ordinary tasks, and nothing that names gold.
function assertOrdinary(body, where) {
  assert.ok(!JSON.stringify(body).includes('gold'), `${where}: ${JSON.stringify(body)}`);
  assert.ok(!('feedback' in body), where);
}

test('gold is served at the project rate, hidden from annotators, scored, never reviewed or exported', async () => {
  // Under ASan the server is several times slower: half the claims there.
  const RATE = 0.2, CLAIMS = process.env.LABELFLOW_SANITIZED ? 1000 : 2000, GOLD = 120, WORKERS = 8;
  const { admin, project, annotators, reviewers: [r] } = await setupProject(srv, {
    label_config: CONFIG, policies: { gold_rate: RATE, l3_sample_rate: 0 }, counts: { annotator: WORKERS },
  });
  const pid = project.id;
  for (let i = 0; i < CLAIMS; i += 500)
    await addTasks(srv, admin, pid, Array.from({ length: Math.min(500, CLAIMS - i) }, (_, k) => `task ${i + k}`));
  for (let g = 0; g < GOLD; g++) {
    const res = await addGold(admin, pid, { data: { text: `sample ${g}` }, answer: [choice(g % 2 ? 'Pos' : 'Neg')] });
    assert.equal(res.status, 201);
  }
  // Each worker claims and submits until the workers made CLAIMS claims;
  // half their answers are right for gold tasks (they cannot tell which).
  let claims = 0;
  const keys = new Set();
  await Promise.all(annotators.map(async (a) => {
    while (claims < CLAIMS) {
      claims++;
      const c = await claim(srv, a, pid, 'l1');
      assert.equal(c.status, 200, JSON.stringify(c.body));
      assertOrdinary(c.body, 'claim');
      keys.add(Object.keys(c.body).sort().join(','));
      const s = await submit(srv, a, c.body.id, [choice(c.body.id % 2 ? 'Pos' : 'Neg')]);
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assertOrdinary(s.body, 'submit');
      assert.equal(s.body.state, 'queued_l2');
    }
  }));
  assert.equal(keys.size, 1, `claims answered with different shapes: ${[...keys].join(' | ')}`);
  const tasks = await allTasks(admin, pid);
  const copies = tasks.filter((t) => t.gold_id);
  // Binomial(CLAIMS, RATE): for 2000 claims mean 400, sd 17.9; 5 sd either
  // way (a wrong rate, 0.1 or 0.3, is 11 sd off).
  const served = copies.length;
  const sd = Math.sqrt(CLAIMS * RATE * (1 - RATE));
  assert.ok(Math.abs(served - CLAIMS * RATE) < 5 * sd, `gold served on ${served} of ${CLAIMS} claims`);
  // The gold list counts the same answers.
  const gl = await goldList(admin, pid);
  assert.equal(gl.reduce((s, g) => s + g.answered, 0), served);
  // Nobody got one gold task twice; no copy waits for review.
  const seen = new Set();
  for (const t of copies) {
    assert.ok(t.annotator, JSON.stringify(t));
    const key = `${t.annotator.id}:${t.gold_id}`;
    assert.ok(!seen.has(key), `gold ${t.gold_id} served twice to one annotator: ${JSON.stringify(copies.filter((x) => x.gold_id === t.gold_id))}`);
    seen.add(key);
    assert.ok(['accepted', 'discarded'].includes(t.state), t.state);
  }
  // An annotator reading a gold task they did sees an ordinary submitted
  // task; the others do not see it at all.
  const mine = copies[0];
  for (const a of annotators) {
    const g = await api(a, 'GET', `/api/v1/tasks/${mine.id}`);
    if (a.id !== mine.annotator.id) {
      assert.equal(g.status, 404);
      continue;
    }
    assert.equal(g.status, 200);
    assertOrdinary(g.body, 'get');
    assert.equal(g.body.state, 'queued_l2');
  }
  // Reviewers get only ordinary tasks.
  for (let i = 0; i < 20; i++) {
    const c = await claim(srv, r, pid, 'l2');
    assert.equal(c.status, 200);
    assert.ok(!copies.some((t) => t.id === c.body.id), 'a gold copy reached review');
    await review(srv, r, c.body.id, { decision: 'approve' });
  }
  // Progress counts and exports leave gold copies out.
  const p = await api(admin, 'GET', `/api/v1/projects/${pid}`);
  assert.equal(p.body.task_count, CLAIMS, JSON.stringify(p.body.counts));
  assert.equal(p.body.counts.accepted, 20);
  const ex = await api(admin, 'POST', `/api/v1/projects/${pid}/exports`, { format: 'jsonl', filter: { state: ['accepted', 'discarded', 'queued_l2'] } });
  assert.equal(ex.status, 202, JSON.stringify(ex.body));
  const e = await waitJob(srv, admin.access_token, `/api/v1/exports/${ex.body.id}`);
  assert.equal(e.status, 'done', JSON.stringify(e));
  const res = await fetch(srv.url + e.file_url, { headers: { authorization: `Bearer ${admin.access_token}` } });
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, CLAIMS - served);
  const copyIds = new Set(copies.map((t) => t.id));
  assert.ok(!lines.some((l) => copyIds.has(l.id)), 'a gold copy was exported');
});

const RATES = { l1: 100, l2: 50, l3: 30 };
const earnings = async (u) => (await api(u, 'GET', '/api/v1/me/earnings')).body;
const escrow = async (admin, pid) => (await api(admin, 'GET', `/api/v1/projects/${pid}/escrow`)).body;
const deposit = (admin, pid, amount) =>
  api(admin, 'POST', `/api/v1/projects/${pid}/escrow/deposits`, { amount, reference: 'fund', idempotency_key: `k${pid}` });

test('gold answers are scored with feedback, failed gold is not paid, and failing annotators are suspended until reinstated', async () => {
  const { admin, project, annotators: [a1, a2], reviewers: [r] } = await setupProject(srv, {
    label_config: CONFIG, rates: RATES,
    policies: { gold_rate: 1, gold_feedback: true, gold_pass: 0.8, suspend_below: 0.5, suspend_min_gold: 2 },
  });
  const pid = project.id;
  assert.equal((await deposit(admin, pid, 10000)).status, 201);
  await addTasks(srv, admin, pid, ['one', 'two', 'three']);
  const gold = [];
  for (const answer of [[choice('Pos'), span(0, 5)], [choice('Neg')], [choice('Pos')], [choice('Neg')]])
    gold.push((await addGold(admin, pid, { data: { text: 'Alice and Bob' }, answer })).body.id);

  // First gold: choice right, span 0-3 of 0-5 (precision 1, recall 0.6,
  // F1 0.75): overall (1 + 0.75) / 2 = 0.875, passed and paid at once.
  let c = await claim(srv, a1, pid, 'l1');
  let s = await submit(srv, a1, c.body.id, [choice('Pos'), span(0, 3)]);
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal(s.body.state, 'queued_l2');
  assert.equal(s.body.feedback.score, 0.875);
  assert.equal(s.body.feedback.passed, true);
  assert.equal(s.body.feedback.pass_score, 0.8);
  assert.deepEqual(s.body.feedback.expected, [choice('Pos'), span(0, 5)]);
  assert.deepEqual(s.body.feedback.controls.map((x) => [x.name, x.method, x.score]), [['sentiment', 'exact', 1], ['label', 'span_f1', 0.75]]);
  assert.deepEqual([(await earnings(a1)).earned, (await earnings(a1)).pending], [100, 0]);

  // Second: wrong. Not paid: its hold goes back to escrow. Mean 0.4375 over
  // 2 answers is under 0.5: suspended, audited, told why.
  c = await claim(srv, a1, pid, 'l1');
  s = await submit(srv, a1, c.body.id, [choice('Pos')]);
  assert.equal(s.body.feedback.score, 0);
  assert.equal(s.body.feedback.passed, false);
  assert.equal((await earnings(a1)).earned, 100);
  assert.deepEqual(await escrow(admin, pid), { project_id: pid, currency: 'USD', currency_exponent: 2, available: 9900, held: 0, spent: 100 });
  c = await claim(srv, a1, pid, 'l1');
  assert.equal(c.status, 403);
  assert.equal(errorCode(c), 'member_suspended');
  assert.match(c.body.error.message, /mean score on 2 gold tasks is 43\.8%, under the project's 50\.0%/);
  const audit = await api(admin, 'GET', '/api/v1/audit?action=member.suspend');
  const rec = audit.body.items.filter((x) => x.project_id === pid);
  assert.equal(rec.length, 1);
  assert.equal(rec[0].details.user_id, a1.id);
  // Still a member: what is theirs stays readable.
  assert.equal((await api(a1, 'GET', `/api/v1/projects/${pid}`)).status, 200);
  let q = await api(admin, 'GET', `/api/v1/projects/${pid}/quality/annotators`);
  let row = q.body.items.find((x) => x.user_id === a1.id);
  assert.deepEqual(row.gold, { answered: 2, passed: 1, mean_score: 0.4375 });
  assert.equal(row.suspended.by, null);
  assert.match(row.suspended.reason, /43\.8%/);
  assert.equal(q.body.items.find((x) => x.user_id === a2.id).suspended, null);
  // Changing their roles does not lift it.
  assert.equal((await api(admin, 'PUT', `/api/v1/projects/${pid}/members/${a1.id}`, { roles: ['annotator', 'reviewer'] })).status, 200);
  assert.equal(errorCode(await claim(srv, a1, pid, 'l1')), 'member_suspended');

  // Reinstated: a fresh start, counted from now.
  assert.equal((await api(admin, 'DELETE', `/api/v1/projects/${pid}/members/${a1.id}/suspension`)).status, 204);
  const again = await api(admin, 'DELETE', `/api/v1/projects/${pid}/members/${a1.id}/suspension`);
  assert.equal(again.status, 404);
  assert.equal(errorCode(again), 'not_suspended');
  c = await claim(srv, a1, pid, 'l1');
  assert.equal(c.status, 200);
  await submit(srv, a1, c.body.id, [choice('Neg')]); // gold 3 is Pos: wrong, 1 since reinstatement
  c = await claim(srv, a1, pid, 'l1');
  assert.equal(c.status, 200, 'one failed answer since reinstatement is under suspend_min_gold');
  await submit(srv, a1, c.body.id, [choice('Pos')]); // gold 4 is Neg: wrong again
  assert.equal(errorCode(await claim(srv, a1, pid, 'l1')), 'member_suspended');
  assert.equal((await api(admin, 'GET', '/api/v1/audit?action=member.reinstate')).body.items.filter((x) => x.project_id === pid).length, 1);

  // Out of gold tasks, a1... is suspended; a2 is suspended by hand.
  let m = await api(admin, 'POST', `/api/v1/projects/${pid}/members/${a2.id}/suspension`, { reason: 'Copied answers between accounts.' });
  assert.equal(m.status, 200);
  m = await api(admin, 'POST', `/api/v1/projects/${pid}/members/${a2.id}/suspension`, { reason: 'again' });
  assert.equal(errorCode(m), 'already_suspended');
  assert.equal(errorCode(await api(admin, 'POST', `/api/v1/projects/${pid}/members/${r.id}/suspension`, { reason: 'x' })), 'not_annotator');
  assert.equal(errorCode(await api(admin, 'POST', `/api/v1/projects/${pid}/members/${a2.id}/suspension`, {})), 'missing_field');
  c = await claim(srv, a2, pid, 'l1');
  assert.equal(errorCode(c), 'member_suspended');
  assert.match(c.body.error.message, /Copied answers between accounts\./);
  q = await api(admin, 'GET', `/api/v1/projects/${pid}/quality/annotators`);
  row = q.body.items.find((x) => x.user_id === a2.id);
  assert.equal(row.suspended.by, admin.user?.id ?? row.suspended.by);
  assert.notEqual(row.suspended.by, null);
  // The gold list counts answers per gold task.
  const gl = await goldList(admin, pid);
  assert.deepEqual(gl.map((g) => [g.answered, g.passed]), [[1, 1], [1, 0], [1, 0], [1, 0]]);
  const v = await api(admin, 'GET', '/api/v1/ledger/verify');
  assert.equal(v.body.ok, true, v.body.reason);
});

test('a project that pays failed gold pays it; gold copies refuse what their kind cannot do', async () => {
  const { admin, project, annotators: [a], reviewers: [r] } = await setupProject(srv, {
    label_config: CONFIG, rates: RATES, policies: { gold_rate: 1, pay_failed_gold: true },
  });
  const pid = project.id;
  await deposit(admin, pid, 1000);
  await addTasks(srv, admin, pid, ['one', 'two']);
  await addGold(admin, pid, { data: { text: 'x' }, answer: [choice('Pos')] });
  await addGold(admin, pid, { data: { text: 'y' }, answer: [choice('Pos')] });
  let c = await claim(srv, a, pid, 'l1');
  let s = await submit(srv, a, c.body.id, [choice('Neg')]);
  assert.equal(s.status, 200);
  assert.ok(!('feedback' in s.body), 'no feedback unless the project gives it');
  assert.equal((await earnings(a)).earned, 100);
  // A released gold copy ends: the annotator gets neither it nor its gold
  // back, and its hold returns to escrow.
  c = await claim(srv, a, pid, 'l1');
  const copy = c.body.id;
  const hb = await api(a, 'POST', `/api/v1/tasks/${copy}/heartbeat`);
  assert.equal(hb.status, 200);
  assertOrdinary(hb.body, 'heartbeat');
  const rel = await api(a, 'POST', `/api/v1/tasks/${copy}/release`);
  assert.equal(rel.status, 200);
  assertOrdinary(rel.body, 'release');
  assert.equal(rel.body.state, 'queued_l1');
  assert.equal((await escrow(admin, pid)).held, 0);
  c = await claim(srv, a, pid, 'l1');
  assert.notEqual(c.body.id, copy);
  assert.equal(c.body.data.text, 'one', 'no gold left for this annotator: an ordinary task');
  // An admin cannot requeue a gold copy into review.
  const rq = await api(admin, 'POST', `/api/v1/tasks/${copy}/requeue`, { to: 'queued_l2', comment: 'x' });
  assert.equal(rq.status, 409);
  void r;
  const v = await api(admin, 'GET', '/api/v1/ledger/verify');
  assert.equal(v.body.ok, true, v.body.reason);
});

test('32 annotators at once with overlap 3 and gold: nobody gets two stints of a task or one gold task twice', async () => {
  const TASKS = 120, K = 3, GOLD = 15, N = 32;
  const { admin, project, annotators } = await setupProject(srv, {
    label_config: CONFIG, policies: { overlap: K, gold_rate: 0.2 }, counts: { annotator: N, reviewer: 0, super_reviewer: 0 },
  });
  const pid = project.id;
  await addTasks(srv, admin, pid, Array.from({ length: TASKS }, (_, i) => `task ${i}`));
  for (let g = 0; g < GOLD; g++) await addGold(admin, pid, { data: { text: `sample ${g}` }, answer: [choice('Pos')] });
  const errors = [];
  await Promise.all(annotators.map(async (a) => {
    for (;;) {
      const c = await claim(srv, a, pid, 'l1');
      if (c.status === 204) return;
      if (c.status !== 200) { errors.push(`claim ${c.status} ${JSON.stringify(c.body)}`); return; }
      const s = await submit(srv, a, c.body.id, [choice('Pos')]);
      if (s.status !== 200) errors.push(`submit ${s.status} ${JSON.stringify(s.body)}`);
    }
  }));
  assert.deepEqual(errors.slice(0, 5), []);
  const q = (text) => sql(srv.db, text).trim();
  // Every task got K annotations by K different people, one stint each.
  assert.equal(q(`SELECT COUNT(*) FROM (SELECT task_id FROM task_work w JOIN tasks t ON t.id = w.task_id
    WHERE t.project_id = ${pid} AND t.gold_id IS NULL AND w.stage = 1 AND w.status = 'done'
    GROUP BY task_id HAVING COUNT(*) = ${K} AND COUNT(DISTINCT user_id) = ${K}) x`), String(TASKS));
  assert.equal(q(`SELECT COUNT(*) FROM task_work w JOIN tasks t ON t.id = w.task_id
    WHERE t.project_id = ${pid} AND t.gold_id IS NULL AND w.stage = 1 AND w.status = 'done'`), String(TASKS * K));
  // No gold task went to one person twice, and each copy was answered once.
  assert.equal(q(`SELECT COUNT(*) FROM (SELECT t.gold_id, w.user_id FROM tasks t JOIN task_work w ON w.task_id = t.id
    WHERE t.project_id = ${pid} AND t.gold_id IS NOT NULL GROUP BY t.gold_id, w.user_id HAVING COUNT(*) > 1) x`), '0');
  const copies = Number(q(`SELECT COUNT(*) FROM tasks WHERE project_id = ${pid} AND gold_id IS NOT NULL`));
  assert.ok(copies > 0, 'gold was served');
  assert.equal(q(`SELECT COUNT(*) FROM gold_answers WHERE project_id = ${pid} AND answered_at IS NOT NULL`), String(copies));
  const p = await api(admin, 'GET', `/api/v1/projects/${pid}`);
  assert.equal(p.body.counts.queued_l2, TASKS);
  assert.equal(p.body.task_count, TASKS);
});

test('overlap grows one annotator at a time while a task\'s annotators disagree, up to overlap_max', async () => {
  const { admin, project, annotators } = await setupProject(srv, {
    label_config: CONFIG, policies: { overlap: 2, overlap_max: 4, overlap_agreement: 0.6 }, counts: { annotator: 5 },
  });
  const pid = project.id;
  assert.equal(errorCode(await api(admin, 'PATCH', `/api/v1/projects/${pid}`, { policies: { overlap: 3, overlap_max: 2 } })), 'invalid_policy');
  await addTasks(srv, admin, pid, ['agreed', 'disputed']);
  const [agreed, disputed] = (await allTasks(admin, pid)).map((t) => t.id);
  // Each annotator takes both tasks in id order; what they answer on each.
  const answers = {
    [agreed]: ['Pos', 'Pos'],
    // 2 disagree (0.0) -> a third; Pos, Neg, Pos: pairs 0, 1, 0 = 0.33 -> a
    // fourth, the maximum: review, whatever it answers (not measured).
    [disputed]: ['Pos', 'Neg', 'Pos', 'Pos'],
  };
  const state = async (id) => (await api(admin, 'GET', `/api/v1/tasks/${id}`)).body;
  for (const a of annotators) {
    for (;;) {
      const c = await claim(srv, a, pid, 'l1');
      if (c.status === 204) break;
      const k = answers[c.body.id].length - (answers[c.body.id].left ??= answers[c.body.id].length);
      answers[c.body.id].left--;
      const s = await submit(srv, a, c.body.id, [choice(answers[c.body.id][k])]);
      assert.equal(s.status, 200, JSON.stringify(s.body));
    }
  }
  assert.equal((await state(agreed)).state, 'queued_l2');
  assert.equal((await state(agreed)).annotations_done, 2);
  const d = await state(disputed);
  assert.equal(d.state, 'queued_l2');
  assert.equal(d.annotations_done, 4);
  // The agreement each decision rested on is in the audit trail.
  const measured = async (id) => (await api(admin, 'GET', `/api/v1/audit?task=${id}&action=task.submit`)).body.items
    .map((x) => x.details.agreement).filter((x) => x !== undefined).map((x) => Math.round(x * 1000) / 1000).sort();
  assert.deepEqual(await measured(disputed), [0, 0.333]);
  assert.deepEqual(await measured(agreed), [1]);
  // Each annotator's agreement with the others: their pairs' percent
  // agreement weighted by shared tasks. a1-a2 share both tasks and agree
  // on one (0.5 x 2); on the disputed task a1, a3, a4 said Pos, a2 Neg.
  const q = (await api(admin, 'GET', `/api/v1/projects/${pid}/quality/annotators`)).body.items;
  const peer = (k) => q.find((x) => x.user_id === annotators[k].id).agreement;
  assert.deepEqual([peer(0).units, peer(1).units, peer(2).units, peer(3).units, peer(4).units], [4, 4, 3, 3, 0]);
  assert.deepEqual([0, 1, 2, 3].map((k) => Math.round(peer(k).value * 1000) / 1000), [0.75, 0.25, 0.667, 0.667]);
  assert.equal(peer(4).value, null);
});

test('pay follows gold accuracy: a bonus or a penalty on the L1 rate, fixed in the hold at the claim, to the cent', async () => {
  const { admin, project, annotators: [a1, a2], reviewers: [r] } = await setupProject(srv, {
    label_config: CONFIG, rates: RATES,
    policies: { gold_rate: 1, l3_sample_rate: 0, gold_bonus: 0.2, gold_bonus_above: 0.9, gold_penalty: 0.5, gold_penalty_below: 0.5, pay_band_min_gold: 2 },
  });
  const pid = project.id;
  assert.equal(errorCode(await api(admin, 'PATCH', `/api/v1/projects/${pid}`, { policies: { gold_penalty_below: 0.95 } })), 'invalid_policy');
  assert.equal((await deposit(admin, pid, 10000)).status, 201);
  await addTasks(srv, admin, pid, ['one', 'two', 'three']);
  await addGold(admin, pid, { data: { text: 'x' }, answer: [choice('Pos')] });
  await addGold(admin, pid, { data: { text: 'y' }, answer: [choice('Neg')] });
  // a1 answers both gold tasks right (paid the plain rate: fewer than 2
  // answers when each was claimed); a2 both wrong (not paid).
  for (const [who, answers] of [[a1, ['Pos', 'Neg']], [a2, ['Neg', 'Pos']]]) {
    for (const c of answers) {
      const t = await claim(srv, who, pid, 'l1');
      assert.equal((await submit(srv, who, t.body.id, [choice(c)])).status, 200);
    }
  }
  assert.equal((await earnings(a1)).earned, 200);
  assert.equal((await earnings(a2)).earned, 0);
  // Their next claims are ordinary tasks, held at 120 and 50.
  const t1 = await claim(srv, a1, pid, 'l1');
  assert.equal((await escrow(admin, pid)).held, 120);
  const t2 = await claim(srv, a2, pid, 'l1');
  assert.equal((await escrow(admin, pid)).held, 170);
  await submit(srv, a1, t1.body.id, [choice('Pos')]);
  await submit(srv, a2, t2.body.id, [choice('Pos')]);
  assert.deepEqual([(await earnings(a1)).pending, (await earnings(a2)).pending], [120, 50]);
  for (let i = 0; i < 2; i++) {
    const c = await claim(srv, r, pid, 'l2');
    assert.equal((await review(srv, r, c.body.id, { decision: 'approve' })).body.state, 'accepted');
  }
  assert.deepEqual([(await earnings(a1)).earned, (await earnings(a2)).earned, (await earnings(r)).earned], [320, 50, 100]);
  assert.deepEqual(await escrow(admin, pid), { project_id: pid, currency: 'USD', currency_exponent: 2, available: 9530, held: 0, spent: 470 });
  // The claim's audit record names the band (the reviewer's claim none).
  const band = async (id) => (await api(admin, 'GET', `/api/v1/audit?task=${id}&action=task.claim`)).body.items
    .map((x) => `${x.actor_role}:${x.details.pay_band ?? '-'}`).sort();
  assert.deepEqual(await band(t1.body.id), ['annotator:gold_bonus', 'reviewer:-']);
  assert.deepEqual(await band(t2.body.id), ['annotator:gold_penalty', 'reviewer:-']);
  const v = await api(admin, 'GET', '/api/v1/ledger/verify');
  assert.equal(v.body.ok, true, v.body.reason);
});

test('a Label Studio import with annotations=gold makes gold tasks, the latest annotation the answer, never shown', async () => {
  const { admin, project, annotators: [a] } = await setupProject(srv, { label_config: CONFIG, policies: { gold_rate: 1 } });
  const pid = project.id;
  const upload = (body, query) => srv.api('POST', `/api/v1/projects/${pid}/imports${query}`, {
    token: admin.access_token, raw: body, headers: { 'content-type': 'application/json' },
  });
  const model = { model_version: 'm1', score: 0.4, result: [choice('Neg')] };
  const tasks = [
    { data: { text: 'Ann' }, predictions: [model], annotations: [{ result: [choice('Neg')] }, { result: [choice('Pos'), span(0, 3)] }] },
    { data: { text: 'Bob' }, annotations: [{ result: [choice('Neg')] }] },
  ];
  // Every row needs an answer that fits the config and can be scored.
  const missing = await upload(JSON.stringify([...tasks, { data: { text: 'Cy' } }]), '?format=label_studio&annotations=gold');
  assert.equal(missing.status, 422);
  assert.match(missing.body.error.message, /no annotation: a gold task's known answer is its latest annotation/);
  const wrong = await upload(JSON.stringify([{ data: { text: 'Cy' }, annotations: [{ result: [choice('Maybe')] }] }]), '?format=label_studio&annotations=gold');
  assert.equal(wrong.status, 422);
  assert.equal(errorCode(await upload('{"text":"x"}\n', '?format=jsonl&annotations=gold')), 'invalid_annotations');
  assert.equal((await goldList(admin, pid)).length, 0, 'nothing of a refused file is kept');
  const ok = await upload(JSON.stringify(tasks), '?format=label_studio&annotations=gold');
  assert.equal(ok.status, 202, JSON.stringify(ok.body));
  assert.equal(ok.body.annotations, 'gold');
  const done = await waitJob(srv, admin.access_token, `/api/v1/imports/${ok.body.id}`);
  assert.equal(done.status, 'done', JSON.stringify(done));
  const gl = await goldList(admin, pid);
  assert.deepEqual(gl.map((g) => [g.data.text, g.answer]), [['Ann', [choice('Pos'), span(0, 3)]], ['Bob', [choice('Neg')]]]);
  assert.equal((await allTasks(admin, pid)).length, 0, 'no ordinary task was made');
  // Served (with an ordinary task to give), the copy shows the model's
  // prediction, never the annotation that is its answer.
  await addTasks(srv, admin, pid, ['real work']);
  const c = await claim(srv, a, pid, 'l1');
  assert.equal(c.body.data.text, 'Ann');
  assert.deepEqual(c.body.predictions, [{ ...model, origin: 'prediction' }]);
});
