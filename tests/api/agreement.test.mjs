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
import { startServer, errorCode } from './lib.mjs';
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

test('agreement is for the project\'s managers only, and a missing project is 404', async () => {
  const { project, annotators: [a1] } = await setupProject(srv, { label_config: CONFIG, counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const r = await srv.api('GET', `/api/v1/projects/${project.id}/agreement`, { token: a1.token });
  assert.equal(r.status, 403);
  const { admin } = await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const none = await srv.api('GET', '/api/v1/projects/2147483000/agreement', { token: admin.access_token });
  assert.equal(none.status, 404);
  assert.equal(errorCode(none), 'not_found');
});
