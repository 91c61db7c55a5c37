// The labeling page survives a reload and gives its task back when closed
// for good; stored predictions open on the canvas as editable
// pre-annotations with their model named. The API is only read, to check
// what the page did.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { annotatorProject, closeUi, dumpProblems, labelText, newPage, openUi, screenshot, signInAs, waitForCanvas } from './lib.mjs';

let srv, browser, admin;
before(async () => ({ srv, browser, admin } = await openUi()));
after(() => closeUi(srv, browser));

const project = (name, tasks) => annotatorProject(srv, admin, { name }, tasks);

// The task the label page shows, from its task bar.
const shownTask = async (page) => Number(await page.locator('.task-bar strong').first().innerText());

test('reload resumes the same task with the draft span; closing the page gives it back', async (t) => {
  const { pid, annotator } = await project('Resume', [
    { data: { text: 'Alice Smith works at Acme Corp.' } },
    { data: { text: 'Bob Jones lives in Paris.' } },
  ]);
  let page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close().catch(() => {}); });
  await signInAs(page, annotator);
  await page.goto(`/work/projects/${pid}/label`);
  await waitForCanvas(page);
  const id = await shownTask(page);

  const saved = page.waitForResponse((r) => r.url().includes(`/api/v1/tasks/${id}/draft`) && r.request().method() === 'PUT' && r.status() === 200);
  await labelText(page, 'PER', 'Alice Smith');
  await saved;
  await page.getByText(/Draft saved at/).waitFor();

  await page.reload();
  await waitForCanvas(page);
  assert.equal(await shownTask(page), id, 'the reload must resume the task it held');
  await page.getByText('Your unsaved work was restored.').waitFor();
  await page.locator('.htx-highlight', { hasText: 'Alice Smith' }).first().waitFor();
  await screenshot(page, 'resume-after-reload');
  const held = (await srv.api('GET', `/api/v1/tasks/${id}`, { token: admin })).body;
  assert.equal(held.state, 'locked_l1');
  assert.equal(held.lease.holder, annotator.id);
  assert.equal(held.draft, undefined, 'a draft is shown to its holder only');

  // Closed for good: the beacon gives the task back within seconds.
  const t0 = Date.now();
  await page.close();
  for (;;) {
    const now = (await srv.api('GET', `/api/v1/tasks/${id}`, { token: admin })).body;
    if (now.state === 'queued_l1') break;
    assert.ok(Date.now() - t0 < 15000, `the task is still ${now.state} after ${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const took = Date.now() - t0;
  t.diagnostic(`task back in the queue ${took} ms after the page closed`);
  const hist = (await srv.api('GET', `/api/v1/tasks/${id}`, { token: admin })).body.history;
  assert.equal(hist.at(-1).status, 'released');
});

test('predictions open on the canvas as editable pre-annotations, with the model named', async (t) => {
  const span = { from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 9, text: 'Bob Jones', labels: ['PER'] } };
  const { pid, annotator, first } = await project('Predictions', [
    { data: { text: 'Bob Jones lives in Paris.' }, predictions: [{ model_version: 'ner-v2', score: 0.87, result: [span] }] },
  ]);
  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close(); });
  await signInAs(page, annotator);
  await page.goto(`/work/projects/${pid}/label`);
  await waitForCanvas(page);
  await page.getByText('Pre-annotated by model ner-v2 (score 0.87)').waitFor();
  await page.locator('.htx-highlight', { hasText: 'Bob Jones' }).first().waitFor();
  // Editable: the annotator adds a region next to the model's and submits both.
  await labelText(page, 'ORG', 'Paris');
  await screenshot(page, 'predictions-on-canvas');
  await page.getByRole('button', { name: 'Submit', exact: true }).first().click();
  await page.getByText('No more tasks').waitFor();
  const task = (await srv.api('GET', `/api/v1/tasks/${first}`, { token: admin })).body;
  assert.equal(task.state, 'queued_l2');
  const labels = task.annotations.at(-1).result.map((r) => `${r.value.labels[0]}:${r.value.start}-${r.value.end}`).sort();
  assert.deepEqual(labels, ['ORG:19-24', 'PER:0-9']);
});
