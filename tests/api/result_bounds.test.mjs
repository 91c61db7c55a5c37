// Results must lie inside their object: a NER span past the end of the
// task's text is refused on submit, on a reviewer's correction, in
// predictions given with new tasks and in imported Label Studio tasks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitJob, errorCode } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, nerResult } from './workflow-lib.mjs';

const TEXT = 'Alice works at Acme today'; // 25 characters

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const waitDone = (admin, id) => waitJob(srv, admin.access_token, `/api/v1/imports/${id}`);

test('a span past the end of the text is refused on submit and on review; the lease stays', async () => {
  const { admin, project, annotators: [a1], reviewers: [r1] } = await setupProject(srv);
  await addTasks(srv, admin, project.id, [TEXT]);
  const c = await claim(srv, a1, project.id, 'l1');
  assert.equal(c.status, 200);
  const id = c.body.id;

  let r = await submit(srv, a1, id, nerResult('PER', 0, 3000));
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(errorCode(r), 'invalid_result');
  assert.match(r.body.error.message, /result\[0\]: value\.end 3000 is past the end of the text of "text" \(25 characters\)/);
  r = await submit(srv, a1, id, nerResult('PER', 0, 26));
  assert.equal(r.status, 422);
  assert.equal(errorCode(r), 'invalid_result');

  // Nothing was stored and a1 still holds the task.
  let t = await srv.api('GET', `/api/v1/tasks/${id}`, { token: a1.token });
  assert.equal(t.body.state, 'locked_l1');
  assert.equal(t.body.lease.holder, a1.id);
  assert.equal(t.body.annotations.length, 0);

  r = await submit(srv, a1, id, nerResult('ORG', 15, 25));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'queued_l2');

  // A reviewer's correction is held to the same bounds.
  const rc = await claim(srv, r1, project.id, 'l2');
  assert.equal(rc.body.id, id);
  r = await review(srv, r1, id, { decision: 'approve', result: nerResult('ORG', 15, 40) });
  assert.equal(r.status, 422);
  assert.equal(errorCode(r), 'invalid_result');
  t = await srv.api('GET', `/api/v1/tasks/${id}`, { token: admin.access_token });
  assert.equal(t.body.state, 'locked_l2');
  assert.equal(t.body.annotations.length, 1);
  r = await review(srv, r1, id, { decision: 'approve', result: nerResult('ORG', 15, 19) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

test('predictions past the text are refused when tasks are created or imported', async () => {
  const { admin, project } = await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const pred = (start, end) => [{ model_version: 'v1', result: nerResult('PER', start, end) }];

  let r = await srv.api('POST', `/api/v1/projects/${project.id}/tasks`, {
    token: admin.access_token,
    body: { tasks: [{ data: { text: TEXT }, predictions: pred(0, 5) }, { data: { text: TEXT }, predictions: pred(20, 3000) }] },
  });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(errorCode(r), 'invalid_result');
  assert.match(r.body.error.message, /^tasks\[1\]\.predictions\[0\]: result\[0\]: value\.end 3000/);
  let list = await srv.api('GET', `/api/v1/projects/${project.id}/tasks`, { token: admin.access_token });
  assert.equal(list.body.items.length, 0);

  const lines = [
    JSON.stringify({ data: { text: TEXT }, predictions: pred(0, 5) }),
    JSON.stringify({ data: { text: 'short' }, annotations: [{ result: nerResult('PER', 0, 6) }] }),
    JSON.stringify({ data: { text: 'Bob' }, predictions: pred(0, 3) }),
  ].join('\n') + '\n';
  // annotations=prior: imported annotations are checked like predictions.
  const upload = (query) => srv.api('POST', `/api/v1/projects/${project.id}/imports?format=label_studio&annotations=prior${query}`, {
    token: admin.access_token, raw: lines, headers: { 'content-type': 'application/x-ndjson' },
  });
  r = await upload('');
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(errorCode(r), 'malformed_upload');
  assert.match(r.body.error.message, /^line 2: annotations\[0\]: result\[0\]: value\.end 6 is past the end of the text of "text" \(5 characters\)/);
  list = await srv.api('GET', `/api/v1/projects/${project.id}/tasks`, { token: admin.access_token });
  assert.equal(list.body.items.length, 0);

  r = await upload('&skip_bad=true');
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const done = await waitDone(admin, r.body.id);
  assert.equal(done.status, 'done');
  assert.equal(done.tasks_created, 2);
  assert.equal(done.skipped, 1);
  assert.equal(done.errors[0].line, 2);
  list = await srv.api('GET', `/api/v1/projects/${project.id}/tasks`, { token: admin.access_token });
  assert.deepEqual(list.body.items.map((t) => t.data.text), [TEXT, 'Bob']);
  assert.equal(list.body.items[1].predictions[0].result[0].value.end, 3);
});
