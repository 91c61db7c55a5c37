// The consensus a reviewer starts from (issue 18): a project with overlap
// 3 and a config with Choices and RectangleLabels; three annotators submit
// and the reviewer's claim, and the task as a reviewer reads it, carry
// the merged proposal — the majority's choice, one box whose geometry is
// the mean of the three that overlap — and the disagreement: a box only
// one annotator drew. An annotator reading the task gets no consensus;
// once a reviewer's rejection voids the L1 work, nothing is merged. Of an
// annotator who revised, the latest version is the one merged.
// Runs on the store the harness selects (SQLite, or PostgreSQL with
// LABELFLOW_TEST_PG).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib.mjs';
import { setupProject, claim, submit, review, revise } from './workflow-lib.mjs';

const CONFIG = `<View><Image name="image" value="$image"/>
  <Choices name="weather" toName="image"><Choice value="Sunny"/><Choice value="Rainy"/></Choices>
  <RectangleLabels name="box" toName="image"><Label value="Car"/><Label value="Person"/></RectangleLabels>
</View>`;

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const choice = (c) => ({ id: 'c', from_name: 'weather', to_name: 'image', type: 'choices', value: { choices: [c] } });
const box = (id, x, y, width, height, label) => ({
  id, from_name: 'box', to_name: 'image', type: 'rectanglelabels', original_width: 640, original_height: 480,
  value: { x, y, width, height, rotation: 0, rectanglelabels: [label] },
});
// Three Car boxes that overlap each other (IoU 0.52 to 0.9), one Person
// box that only the first annotator drew. The third annotator first says
// Rainy, two against one, then revises to Sunny: only their latest
// version counts, so Sunny wins two to one.
const RESULTS = [
  [choice('Sunny'), box('a', 10, 10, 20, 20, 'Car'), box('b', 60, 60, 10, 10, 'Person')],
  [choice('Rainy'), box('a', 12, 14, 20, 22, 'Car')],
  [choice('Rainy'), box('a', 11, 10, 20, 20, 'Car')],
];
const REVISED = [choice('Sunny'), box('a', 11, 10, 20, 20, 'Car')];

function close(got, want, what) {
  assert.ok(Math.abs(got - want) < 1e-9, `${what}: ${got}, expected ${want}`);
}

function checkConsensus(cons) {
  assert.ok(cons, 'the reviewer gets a consensus');
  assert.equal(cons.annotators, 3);
  assert.equal(cons.quorum, 2);
  const weather = cons.result.filter((r) => r.from_name === 'weather');
  assert.equal(weather.length, 1);
  assert.deepEqual(weather[0].value.choices, ['Sunny']);
  const boxes = cons.result.filter((r) => r.from_name === 'box');
  assert.equal(boxes.length, 1);
  const v = boxes[0].value;
  assert.deepEqual(v.rectanglelabels, ['Car']);
  close(v.x, (10 + 12 + 11) / 3, 'x');
  close(v.y, (10 + 14 + 10) / 3, 'y');
  close(v.width, 20, 'width');
  close(v.height, (20 + 22 + 20) / 3, 'height');
  // Fresh ids, none of the annotators'.
  const ids = cons.result.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^consensus_\d+$/);

  const byName = Object.fromEntries(cons.controls.map((c) => [c.name, c]));
  assert.equal(byName.weather.method, 'vote');
  assert.equal(byName.weather.agreement, 1);
  assert.deepEqual(byName.weather.disagreements, []);
  assert.equal(byName.box.method, 'cluster');
  close(byName.box.agreement, 0.5, 'box agreement');
  assert.equal(byName.box.disagreements.length, 1);
  const d = byName.box.disagreements[0];
  assert.equal(d.reason, 'no_quorum');
  assert.equal(d.to_name, 'image');
  assert.equal(d.annotators, 1);
  assert.deepEqual(d.labels, [{ value: ['Person'], count: 1 }]);
  assert.equal(d.value.x, 60);
}

test('three annotators of an overlap-3 task: the reviewer sees their consensus and where they disagree', async () => {
  const { admin, project, annotators, reviewers: [reviewer] } = await setupProject(srv, {
    label_config: CONFIG, policies: { overlap: 3 }, counts: { annotator: 3, reviewer: 1, super_reviewer: 0 },
  });
  const created = await srv.api('POST', `/api/v1/projects/${project.id}/tasks`, {
    token: admin.access_token, body: { tasks: [{ data: { image: 'https://example.org/street.jpg' } }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  let taskId;
  for (const [k, a] of annotators.entries()) {
    const c = await claim(srv, a, project.id, 'l1');
    assert.equal(c.status, 200, JSON.stringify(c.body));
    taskId = c.body.id;
    // Before the last submit: the annotator's own claim has no consensus.
    assert.equal(c.body.consensus, undefined);
    const s = await submit(srv, a, taskId, RESULTS[k]);
    assert.equal(s.status, 200, JSON.stringify(s.body));
  }

  const rev = await revise(srv, annotators[2], taskId, REVISED);
  assert.equal(rev.status, 200, JSON.stringify(rev.body));

  // An annotator reads the task they worked on: no consensus, which
  // would show the others' work.
  const mine = await srv.api('GET', `/api/v1/tasks/${taskId}`, { token: annotators[0].token });
  assert.equal(mine.status, 200, JSON.stringify(mine.body));
  assert.equal(mine.body.consensus, undefined);

  const c = await claim(srv, reviewer, project.id, 'l2');
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal(c.body.id, taskId);
  assert.equal(c.body.annotations.length, 4);
  checkConsensus(c.body.consensus);

  const read = await srv.api('GET', `/api/v1/tasks/${taskId}`, { token: admin.access_token });
  assert.equal(read.status, 200);
  checkConsensus(read.body.consensus);

  // The project's quorum and IoU: unanimity leaves Sunny (two of three)
  // out; an IoU of 0.95 leaves the Car boxes (0.52 to 0.9) unclustered.
  const policy = async (policies) => {
    const p = await srv.api('PATCH', `/api/v1/projects/${project.id}`, { token: admin.access_token, body: { policies } });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    return (await srv.api('GET', `/api/v1/tasks/${taskId}`, { token: admin.access_token })).body.consensus;
  };
  let cons = await policy({ consensus_quorum: 3 });
  assert.equal(cons.quorum, 3);
  assert.deepEqual(cons.result.filter((r) => r.from_name === 'weather'), []);
  assert.equal(cons.result.filter((r) => r.from_name === 'box').length, 1);
  cons = await policy({ consensus_quorum: 0, consensus_iou: 0.95 });
  assert.equal(cons.quorum, 2);
  assert.deepEqual(cons.result.filter((r) => r.from_name === 'box'), []);
  checkConsensus(await policy({ consensus_iou: 0.5 }));

  // The reviewer rejects: the L1 work is voided and no longer merged.
  const r = await review(srv, reviewer, taskId, { decision: 'reject', comment: 'redo the boxes' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const after = await srv.api('GET', `/api/v1/tasks/${taskId}`, { token: admin.access_token });
  assert.equal(after.status, 200);
  assert.equal(after.body.consensus, undefined);
});
