// Inter-annotator agreement (GET /projects/{id}/agreement): four annotators
// label eight tasks with overlap 3, a sentiment choice, a star rating (some
// leave it out: missing values) and a PER span (whose pairs are scored by
// span F1). Every figure the server
// gives — percent agreement, Krippendorff's alpha, Fleiss' kappa, each
// annotator pair's shared tasks, percent agreement and Cohen's kappa — is
// checked against the textbook formulas computed here from what the
// annotators submitted, not from anything the server said. The server
// keeps its figures up to date one change at a time, so they are checked
// midway, after the rest, after an annotator revises an answer and after
// a reviewer's rejection voids a task's L1 work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, errorCode, sql } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, revise } from './workflow-lib.mjs';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="Pos"/><Choice value="Neg"/><Choice value="Neu"/></Choices>
  <Rating name="stars" toName="text" maxRating="5"/>
  <Labels name="label" toName="text"><Label value="PER"/></Labels>
</View>`;

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

// What annotator k answers on task t: mostly agreeing, with disagreement
// spread unevenly; annotator 3 never rates odd tasks.
const CHOICES = ['Pos', 'Neg', 'Neu'];
const choiceOf = (t, k) => CHOICES[(t + (k === 2 && t % 3 === 0 ? 1 : 0) + (k === 1 && t === 5 ? 2 : 0)) % 3];
const starsOf = (t, k) => (k === 3 && t % 2 === 1 ? null : 1 + ((t + (k === 0 ? 1 : 0)) % 5));
// A PER span on "task N": most mark "task", some less, one sometimes none.
const spanOf = (t, k) => (k === 3 && t % 4 === 0 ? null : [[0, 4], [0, 4], [0, 2], [1, 4]][k]);
function resultOf(t, k, choice = choiceOf(t, k)) {
  const r = [{ id: 's', from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }];
  const stars = starsOf(t, k);
  if (stars !== null) r.push({ id: 'r', from_name: 'stars', to_name: 'text', type: 'rating', value: { rating: stars } });
  const span = spanOf(t, k);
  if (span !== null) r.push({ id: 'n', from_name: 'label', to_name: 'text', type: 'labels', value: { start: span[0], end: span[1], labels: ['PER'] } });
  return r;
}

// ---- the reference: units are Maps coder -> category -------------------
function pairable(units) { return units.filter((u) => u.size >= 2); }
function percentRef(units) {
  const us = pairable(units);
  if (us.length === 0) return null;
  let sum = 0;
  for (const u of us) {
    const v = [...u.values()];
    let agree = 0;
    for (let i = 0; i < v.length; i++) for (let j = 0; j < v.length; j++) if (i !== j && v[i] === v[j]) agree++;
    sum += agree / (v.length * (v.length - 1));
  }
  return sum / us.length;
}
function alphaRef(units) {
  const o = new Map();
  const add = (c, k, w) => o.set(`${c}\u0000${k}`, (o.get(`${c}\u0000${k}`) || 0) + w);
  const nc = new Map();
  for (const u of pairable(units)) {
    const v = [...u.values()];
    for (let i = 0; i < v.length; i++) for (let j = 0; j < v.length; j++) if (i !== j) add(v[i], v[j], 1 / (v.length - 1));
  }
  let n = 0, disagree = 0;
  for (const [key, w] of o) {
    const [c, k] = key.split('\u0000');
    nc.set(c, (nc.get(c) || 0) + w);
    n += w;
    if (c !== k) disagree += w;
  }
  if (n === 0) return null;
  let expected = 0;
  for (const [c, a] of nc) for (const [k, b] of nc) if (c !== k) expected += a * b;
  expected /= n - 1;
  return expected === 0 ? 'no_variation' : 1 - disagree / expected;
}
function fleissRef(units) {
  const counts = new Map();
  for (const u of pairable(units)) counts.set(u.size, (counts.get(u.size) || 0) + 1);
  let raters = 0;
  for (const [m, c] of counts) if (c > (counts.get(raters) || 0) || (c === counts.get(raters) && m > raters)) raters = m;
  const us = pairable(units).filter((u) => u.size === raters);
  if (us.length === 0) return { value: null, raters };
  let P = 0;
  const total = new Map();
  for (const u of us) {
    const per = new Map();
    for (const c of u.values()) { per.set(c, (per.get(c) || 0) + 1); total.set(c, (total.get(c) || 0) + 1); }
    let s = 0;
    for (const x of per.values()) s += x * (x - 1);
    P += s / (raters * (raters - 1));
  }
  P /= us.length;
  let Pe = 0;
  for (const x of total.values()) Pe += (x / (us.length * raters)) ** 2;
  return { value: Pe === 1 ? 'no_variation' : (P - Pe) / (1 - Pe), raters, units: us.length };
}
function pairsRef(units) {
  const out = new Map();
  for (const u of units) {
    const coders = [...u.keys()].sort((a, b) => a - b);
    for (let i = 0; i < coders.length; i++) for (let j = i + 1; j < coders.length; j++) {
      const key = `${coders[i]}-${coders[j]}`;
      const p = out.get(key) || { shared: 0, same: 0, row: new Map(), col: new Map() };
      const a = u.get(coders[i]), b = u.get(coders[j]);
      p.shared++;
      if (a === b) p.same++;
      p.row.set(a, (p.row.get(a) || 0) + 1);
      p.col.set(b, (p.col.get(b) || 0) + 1);
      out.set(key, p);
    }
  }
  const res = new Map();
  for (const [key, p] of out) {
    const po = p.same / p.shared;
    let pe = 0;
    for (const [c, x] of p.row) pe += (x / p.shared) * ((p.col.get(c) || 0) / p.shared);
    res.set(key, { shared: p.shared, percent: po, kappa: pe === 1 ? 'no_variation' : (po - pe) / (1 - pe) });
  }
  return res;
}

// Span F1 of two annotators' PER spans (one each or none): characters
// both cover over each side's; a pair where neither marked one is not
// compared.
function spanF1(a, b) {
  const chars = (s) => new Set(s === null ? [] : Array.from({ length: s[1] - s[0] }, (_, i) => s[0] + i));
  const A = chars(a), B = chars(b);
  const both = [...A].filter((c) => B.has(c)).length;
  if (A.size === 0 || B.size === 0 || both === 0) return 0;
  const p = both / A.size, r = both / B.size;
  return (2 * p * r) / (p + r);
}
function regionRef(submitted) {
  let sum = 0, n = 0;
  const pairs = new Map();
  for (const answers of submitted.values()) {
    const people = [...answers.entries()];
    for (let i = 0; i < people.length; i++) for (let j = i + 1; j < people.length; j++) {
      const [ua, a] = people[i], [ub, b] = people[j];
      if (a.span === null && b.span === null) continue;
      const f = spanF1(a.span, b.span);
      sum += f; n++;
      const key = `${Math.min(ua, ub)}-${Math.max(ua, ub)}`;
      const p = pairs.get(key) || { sum: 0, n: 0 };
      p.sum += f; p.n++;
      pairs.set(key, p);
    }
  }
  return { mean: n ? sum / n : null, n, pairs };
}

const close = (got, want, what, tolerance = 1e-9) => {
  if (want === null) return assert.equal(got.status, 'no_data', what);
  if (want === 'no_variation') return assert.equal(got.status, 'no_variation', what);
  assert.equal(got.status, 'ok', what);
  assert.ok(Math.abs(got.value - want) < tolerance, `${what}: ${got.value} != ${want}`);
};

function check(body, submitted, what) {
  for (const [name, field] of [['sentiment', 'choice'], ['stars', 'stars']]) {
    const units = [];
    for (const answers of submitted.values()) {
      const u = new Map();
      for (const [user, a] of answers) if (a[field] !== null) u.set(user, String(a[field]));
      if (u.size > 0) units.push(u);
    }
    const c = body.controls.find((x) => x.name === name);
    assert.ok(c, `${what}: control ${name}`);
    close(c.percent, percentRef(units), `${what} ${name} percent`);
    close(c.alpha, alphaRef(units), `${what} ${name} alpha`);
    const f = fleissRef(units);
    close(c.fleiss, f.value, `${what} ${name} fleiss`);
    if (f.value !== null) assert.equal(c.fleiss.raters, f.raters, `${what} ${name} raters`);
    const want = pairsRef(units);
    assert.equal(c.pairs.length, want.size, `${what} ${name} pairs`);
    for (const p of c.pairs) {
      assert.ok(p.user_a < p.user_b);
      const w = want.get(`${p.user_a}-${p.user_b}`);
      assert.ok(w, `${what} ${name} pair ${p.user_a}-${p.user_b}`);
      assert.equal(p.shared, w.shared);
      close(p.percent, w.percent, `${what} ${name} pair percent`);
      close(p.kappa, w.kappa, `${what} ${name} pair kappa`);
    }
  }
  assert.deepEqual(body.other_controls, []);
  const want = regionRef(submitted);
  const region = body.regions.find((x) => x.name === 'label');
  assert.ok(region, `${what}: region control`);
  if (want.n > 0) assert.equal(region.method, 'span_f1');
  // Pair scores are kept in millionths (exact sums when a task changes).
  close(region.mean, want.mean, `${what} span F1`, 1e-6);
  assert.equal(region.mean.units, want.n, `${what} span pairs`);
  assert.equal(region.pairs.length, want.pairs.size, `${what} span pairs`);
  for (const p of region.pairs) {
    const w = want.pairs.get(`${p.user_a}-${p.user_b}`);
    assert.ok(w, `${what} span pair ${p.user_a}-${p.user_b}`);
    assert.equal(p.shared, w.n);
    close(p.mean, w.sum / w.n, `${what} span pair mean`, 1e-6);
  }
}

test('agreement on classifications matches the textbook formulas, kept up to date through revisions and rejections', async () => {
  const { admin, project, annotators, reviewers: [r1] } = await setupProject(srv, {
    label_config: CONFIG, policies: { overlap: 3 }, counts: { annotator: 4, reviewer: 1, super_reviewer: 0 },
  });
  const created = await addTasks(srv, admin, project.id, Array.from({ length: 8 }, (_, i) => `task ${i}`));
  const taskIndex = (id) => id - created.first_id;
  const agreement = async () => {
    const r = await srv.api('GET', `/api/v1/projects/${project.id}/agreement`, { token: admin.access_token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const submitted = new Map(); // task id -> Map user -> {choice, stars}
  // Before any work: nothing to compare.
  const empty = await agreement();
  assert.equal(empty.tasks, 0);
  for (const c of empty.controls) assert.equal(c.alpha.status, 'no_data');
  assert.equal(empty.regions[0].mean.status, 'no_data');
  assert.equal(empty.regions[0].method, null);
  // Rounds of claim + submit by every annotator until the queue is done,
  // with a look midway.
  let round = 0, more = true;
  while (more) {
    more = false;
    for (const [k, a] of annotators.entries()) {
      const c = await claim(srv, a, project.id, 'l1');
      if (c.status === 204) continue;
      assert.equal(c.status, 200, JSON.stringify(c.body));
      more = true;
      const t = taskIndex(c.body.id);
      assert.equal((await submit(srv, a, c.body.id, resultOf(t, k))).status, 200);
      if (!submitted.has(c.body.id)) submitted.set(c.body.id, new Map());
      submitted.get(c.body.id).set(a.id, { choice: choiceOf(t, k), stars: starsOf(t, k), span: spanOf(t, k) });
    }
    if (++round === 2) check(await agreement(), submitted, 'midway');
  }
  assert.equal([...submitted.values()].filter((m) => m.size === 3).length, 8);
  const full = await agreement();
  assert.equal(full.tasks, 8);
  check(full, submitted, 'all submitted');

  // The author of a task's latest L1 version revises it before review:
  // their answer changes, the others' stay.
  const [lastTask, answers] = [...submitted.entries()][0];
  const authorId = [...answers.keys()].pop();
  const k = annotators.findIndex((a) => a.id === authorId);
  const was = answers.get(authorId).choice;
  const now = CHOICES[(CHOICES.indexOf(was) + 1) % 3];
  const rev = await revise(srv, annotators[k], lastTask, resultOf(taskIndex(lastTask), k, now));
  assert.equal(rev.status, 200, JSON.stringify(rev.body));
  answers.set(authorId, { choice: now, stars: starsOf(taskIndex(lastTask), k), span: spanOf(taskIndex(lastTask), k) });
  check(await agreement(), submitted, 'after a revision');

  // A reviewer rejects one task: its L1 work is voided and no longer counts.
  const c = await claim(srv, r1, project.id, 'l2');
  assert.equal(c.status, 200);
  assert.equal((await review(srv, r1, c.body.id, { decision: 'reject', comment: 'redo' })).status, 200);
  submitted.delete(c.body.id);
  const after = await agreement();
  assert.equal(after.tasks, 7);
  check(after, submitted, 'after a rejection');
});

// ---- Number, TextArea and the trend --------------------------------------
// A sentiment choice, a Number (nominal: the exact value) and a TextArea
// (pairs scored 1 - CER, taken both ways and averaged, as CER divides by
// the side taken as reference).
const CONFIG2 = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="Pos"/><Choice value="Neg"/></Choices>
  <Number name="count" toName="text" min="0" max="100"/>
  <TextArea name="note" toName="text"/>
</View>`;
const choice2Of = (t, k) => ((t + (k === 2 && t % 2 === 0 ? 1 : 0)) % 2 ? 'Neg' : 'Pos');
const countOf = (t, k) => (k === 2 && t === 1 ? null : (t % 4) + (k === 1 && t % 3 === 0 ? 1 : 0) + (t === 7 ? 0.5 : 0));
// Notes: equal, longer ("abc" vs "abcdef" is 0.5 one way, 0 the other),
// a typo, or none.
const noteOf = (t, k) => (k === 2 && t === 4 ? null : [`note ${t}`, t % 2 ? `note ${t} more` : `note ${t}`, `n0te ${t}`][k]);
function result2Of(t, k, choice = choice2Of(t, k)) {
  const r = [{ id: 's', from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }];
  if (countOf(t, k) !== null) r.push({ id: 'c', from_name: 'count', to_name: 'text', type: 'number', value: { number: countOf(t, k) } });
  if (noteOf(t, k) !== null) r.push({ id: 'n', from_name: 'note', to_name: 'text', type: 'textarea', value: { text: [noteOf(t, k)] } });
  return r;
}

// Levenshtein distance over code points.
function levenshtein(a, b) {
  const x = Array.from(a), y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length];
}
// 1 - CER of answer against reference (at least 0; an empty reference
// scores 1 only against an empty answer).
const oneMinusCer = (answer, ref) => {
  const len = Array.from(ref).length;
  const d = levenshtein(answer, ref);
  return len === 0 ? (d === 0 ? 1 : 0) : Math.max(0, 1 - d / len);
};
// A pair of notes: the mean of both directions; a pair without any note
// is not compared.
const notePair = (a, b) => (a === null && b === null ? null : (oneMinusCer(a ?? '', b ?? '') + oneMinusCer(b ?? '', a ?? '')) / 2);

// The units of a classification field over a set of tasks' answers.
function unitsOf(answersList, field) {
  const units = [];
  for (const answers of answersList) {
    const u = new Map();
    for (const [user, a] of answers) if (a[field] !== null) u.set(user, String(a[field]));
    if (u.size > 0) units.push(u);
  }
  return units;
}
function notePairs(answersList) {
  const scores = [];
  for (const answers of answersList) {
    const people = [...answers.values()];
    for (let i = 0; i < people.length; i++) for (let j = i + 1; j < people.length; j++) {
      const s = notePair(people[i].note, people[j].note);
      if (s !== null) scores.push(s);
    }
  }
  return scores;
}

// The trend: tasks grouped by their day (the UTC day of their newest
// annotation), per day each classification control's percent agreement
// over its pairable tasks and the note pairs' mean.
function trendRef(submitted, dayOf) {
  const byDay = new Map();
  for (const [task, answers] of submitted) {
    const d = dayOf.get(task);
    if (!byDay.has(d)) byDay.set(d, []);
    byDay.get(d).push(answers);
  }
  const days = [];
  for (const d of [...byDay.keys()].sort()) {
    const controls = {};
    for (const [name, field] of [['sentiment', 'choice'], ['count', 'count']]) {
      const units = pairable(unitsOf(byDay.get(d), field));
      if (units.length > 0) controls[name] = { value: percentRef(units), units: units.length };
    }
    const notes = notePairs(byDay.get(d));
    if (notes.length > 0) controls.note = { value: notes.reduce((a, b) => a + b, 0) / notes.length, units: notes.length };
    if (Object.keys(controls).length > 0) days.push({ date: d, controls });
  }
  return days;
}

function check2(body, submitted, dayOf, what) {
  const all = [...submitted.values()];
  for (const [name, field] of [['sentiment', 'choice'], ['count', 'count']]) {
    const units = unitsOf(all, field);
    const c = body.controls.find((x) => x.name === name);
    assert.ok(c, `${what}: control ${name}`);
    assert.equal(c.type, name === 'count' ? 'number' : 'choices');
    close(c.percent, percentRef(units), `${what} ${name} percent`);
    close(c.alpha, alphaRef(units), `${what} ${name} alpha`);
    assert.equal(c.percent.units, pairable(units).length, `${what} ${name} units`);
  }
  assert.deepEqual(body.other_controls, [], `${what}: Number and TextArea are measured`);
  const note = body.regions.find((x) => x.name === 'note');
  assert.ok(note, `${what}: TextArea control`);
  assert.equal(note.method, 'cer');
  const notes = notePairs(all);
  close(note.mean, notes.reduce((a, b) => a + b, 0) / notes.length, `${what} note mean`, 1e-6);
  assert.equal(note.mean.units, notes.length, `${what} note pairs`);

  const want = trendRef(submitted, dayOf);
  assert.deepEqual(body.trend.map((d) => d.date), want.map((d) => d.date), `${what}: trend days`);
  for (const [i, w] of want.entries()) {
    const got = body.trend[i];
    assert.deepEqual(Object.keys(got.controls).sort(), Object.keys(w.controls).sort(), `${what}: controls on ${w.date}`);
    for (const [name, v] of Object.entries(w.controls)) {
      assert.equal(got.controls[name].units, v.units, `${what}: ${name} units on ${w.date}`);
      // Per-day sums are kept in millionths, like the pair scores.
      assert.ok(Math.abs(got.controls[name].value - v.value) < 1e-6, `${what}: ${name} on ${w.date}: ${got.controls[name].value} != ${v.value}`);
    }
  }
}

const DAY = 86400000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

test('Number and TextArea agreement, and the trend per day, match the reference, kept up to date through a revision', async () => {
  const { admin, project, annotators } = await setupProject(srv, {
    label_config: CONFIG2, policies: { overlap: 3 }, counts: { annotator: 3, reviewer: 0, super_reviewer: 0 },
  });
  const created = await addTasks(srv, admin, project.id, Array.from({ length: 9 }, (_, i) => `task ${i}`));
  const taskIndex = (id) => id - created.first_id;
  const agreement = async () => {
    const r = await srv.api('GET', `/api/v1/projects/${project.id}/agreement`, { token: admin.access_token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const submitted = new Map(); // task id -> Map user -> {choice, count, note}
  let more = true;
  while (more) {
    more = false;
    for (const [k, a] of annotators.entries()) {
      const c = await claim(srv, a, project.id, 'l1');
      if (c.status === 204) continue;
      assert.equal(c.status, 200, JSON.stringify(c.body));
      more = true;
      const t = taskIndex(c.body.id);
      const s = await submit(srv, a, c.body.id, result2Of(t, k));
      assert.equal(s.status, 200, JSON.stringify(s.body));
      if (!submitted.has(c.body.id)) submitted.set(c.body.id, new Map());
      submitted.get(c.body.id).set(a.id, { choice: choice2Of(t, k), count: countOf(t, k), note: noteOf(t, k) });
    }
  }
  assert.equal([...submitted.values()].filter((m) => m.size === 3).length, 9);

  // The trend needs tasks on different days, and the server has no clock
  // to set: the annotations' created_at are moved into the past with SQL,
  // before the first agreement call (the server reads each task once,
  // then only tasks whose updated_at moved). Task t's annotations go to
  // day t % 3 after BASE, annotator k's at k + 1 o'clock; task 5's last
  // one is moved past midnight, which makes the whole task the next day's.
  const BASE = Date.UTC(2026, 9, 10);
  const dayOf = new Map();
  for (const [task, answers] of submitted) {
    const t = taskIndex(task);
    for (const [k, a] of annotators.entries()) {
      if (!answers.has(a.id)) continue;
      const at = t === 5 && k === 2 ? BASE + 3 * DAY + 1800000 : BASE + (t % 3) * DAY + (k + 1) * 3600000;
      sql(srv.db, `UPDATE annotations SET created_at = ${at} WHERE task_id = ${task} AND author_id = ${a.id} AND stage = 1`);
    }
    dayOf.set(task, isoDay(t === 5 ? BASE + 3 * DAY : BASE + (t % 3) * DAY));
  }
  const first = await agreement();
  assert.equal(first.trend.length, 4);
  check2(first, submitted, dayOf, 'all submitted');

  // A revision today moves its task from its day to today: taken back from
  // the old day's sums, added to today's.
  const [task, answers] = [...submitted.entries()].find(([id]) => taskIndex(id) === 3);
  const rows = sql(srv.db, `SELECT author_id FROM annotations WHERE task_id = ${task} AND stage = 1 ORDER BY version DESC LIMIT 1`);
  const authorId = Number(rows.trim());
  const k = annotators.findIndex((a) => a.id === authorId);
  const t = taskIndex(task);
  const now = choice2Of(t, k) === 'Pos' ? 'Neg' : 'Pos';
  const rev = await revise(srv, annotators[k], task, result2Of(t, k, now));
  assert.equal(rev.status, 200, JSON.stringify(rev.body));
  answers.set(authorId, { choice: now, count: countOf(t, k), note: noteOf(t, k) });
  const newest = Number(sql(srv.db, `SELECT MAX(created_at) FROM annotations WHERE task_id = ${task} AND stage = 1`).trim());
  assert.ok(newest > BASE + 30 * DAY, 'the revision is dated now');
  dayOf.set(task, isoDay(newest));
  const after = await agreement();
  assert.equal(after.trend.length, 5);
  check2(after, submitted, dayOf, 'after a revision');
});

test('the trend keeps the newest 90 days with data', async () => {
  const { admin, project, annotators } = await setupProject(srv, {
    label_config: CONFIG2, policies: { overlap: 2 }, counts: { annotator: 2, reviewer: 0, super_reviewer: 0 },
  });
  const n = 92;
  const created = await addTasks(srv, admin, project.id, Array.from({ length: n }, (_, i) => `task ${i}`));
  for (const a of annotators) {
    for (;;) {
      const c = await claim(srv, a, project.id, 'l1');
      if (c.status === 204) break;
      assert.equal(c.status, 200, JSON.stringify(c.body));
      const r = [{ id: 's', from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Pos'] } }];
      assert.equal((await submit(srv, a, c.body.id, r)).status, 200);
    }
  }
  // One task a day (see above for why SQL): task i on day i after BASE.
  const BASE = Date.UTC(2026, 5, 1);
  sql(srv.db, `UPDATE annotations SET created_at = ${BASE} + (task_id - ${created.first_id}) * ${DAY} + 3600000 WHERE task_id >= ${created.first_id}`);
  const r = await srv.api('GET', `/api/v1/projects/${project.id}/agreement`, { token: admin.access_token });
  assert.equal(r.status, 200);
  assert.equal(r.body.tasks, n);
  assert.equal(r.body.trend.length, 90);
  assert.deepEqual(r.body.trend.map((d) => d.date), Array.from({ length: 90 }, (_, i) => isoDay(BASE + (i + 2) * DAY)));
  for (const d of r.body.trend) assert.deepEqual(d.controls, { sentiment: { value: 1, units: 1 } });
});

test('agreement is for the project\'s managers only, and a missing project is 404', async () => {
  const { project, annotators: [a1] } = await setupProject(srv, { label_config: CONFIG, counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const r = await srv.api('GET', `/api/v1/projects/${project.id}/agreement`, { token: a1.token });
  assert.equal(r.status, 403);
  const { admin } = await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const none = await srv.api('GET', '/api/v1/projects/2147483000/agreement', { token: admin.access_token });
  assert.equal(none.status, 404);
  assert.equal(errorCode(none), 'not_found');
});
