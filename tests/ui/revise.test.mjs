// Revising a submitted task from the work home: the annotator submits,
// finds the task under "Submitted, waiting for review", opens it with the
// submitted regions on the canvas, adds one and saves the revision, which
// the API then shows as the task's latest version. Once a reviewer has
// claimed the task, saving again is refused and the page says so. The work
// home's own progress counts the submission once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { annotatorProject, closeUi, createUser, dumpProblems, labelText, newPage, openUi, screenshot, signInAs, waitForCanvas } from './lib.mjs';

let srv, browser, admin;
before(async () => ({ srv, browser, admin } = await openUi()));
after(() => closeUi(srv, browser));

// The work home's progress figures of the (only) project, label -> value.
const figures = (page) =>
  page.locator('.my-progress dl > div').evaluateAll((divs) =>
    Object.fromEntries(divs.map((d) => [d.querySelector('dt').textContent, d.querySelector('dd').textContent])));

const spans = (result) => result.map((r) => `${r.value.labels[0]}:${r.value.start}-${r.value.end}`).sort();

test('submit, then revise from the work home; a claimed task can no longer be revised', async (t) => {
  const { pid, annotator, first } = await annotatorProject(srv, admin, { name: 'Revise' }, [
    { data: { text: 'Alice Smith works at Acme Corp.' } },
  ]);
  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close().catch(() => {}); });
  await signInAs(page, annotator);
  await page.goto(`/work/projects/${pid}/label`);
  await waitForCanvas(page);
  await labelText(page, 'PER', 'Alice Smith');
  await page.getByRole('button', { name: 'Submit', exact: true }).first().click();
  await page.getByText('No more tasks').waitFor();

  await page.goto('/work');
  // The work home's own progress counts the submission as waiting for review.
  await page.getByRole('heading', { name: 'Your progress' }).waitFor();
  assert.deepEqual(await figures(page), { Submitted: '1', Accepted: '0', 'Sent back': '0', 'Waiting for review': '1', 'Last 7 days': '1' });
  const list = page.getByRole('list', { name: 'Submitted, waiting for review' });
  await list.getByText(`Task ${first}`).waitFor();
  await list.getByRole('link', { name: `Revise task ${first}` }).click();
  await page.waitForURL(`**/work/projects/${pid}/revise/${first}`);
  await waitForCanvas(page);
  // The submitted region is on the canvas to be edited.
  await page.locator('.htx-highlight', { hasText: 'Alice Smith' }).first().waitFor();
  await labelText(page, 'ORG', 'Acme Corp');
  await page.getByRole('button', { name: 'Save revision' }).click();
  await page.getByText(/Revision saved at .* as version 2/).waitFor();
  await screenshot(page, 'revise-saved');

  const task = (await srv.api('GET', `/api/v1/tasks/${first}`, { token: admin })).body;
  assert.equal(task.state, 'queued_l2');
  assert.deepEqual(task.annotations.map((a) => a.version), [1, 2]);
  assert.deepEqual(spans(task.annotations[0].result), ['PER:0-11']);
  assert.deepEqual(spans(task.annotations.at(-1).result), ['ORG:21-30', 'PER:0-11']);
  assert.equal(task.annotations.at(-1).author_id, annotator.id);

  // A reviewer claims it while the page is open: the next save is refused.
  const reviewer = await createUser(srv, admin, 'reviewer');
  const m = await srv.api('PUT', `/api/v1/projects/${pid}/members/${reviewer.id}`, { token: admin, body: { role: 'reviewer' } });
  assert.equal(m.status, 200);
  const rtoken = (await srv.login(reviewer.email, reviewer.password)).access_token;
  const c = await srv.api('POST', `/api/v1/projects/${pid}/claim`, { token: rtoken, body: { stage: 'l2' } });
  assert.equal(c.status, 200);
  assert.equal(c.body.id, first);
  await page.getByRole('button', { name: 'Save revision' }).click();
  await page.getByRole('alert').getByText('A reviewer has claimed this task meanwhile').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save revision' }).isDisabled(), true);
  await screenshot(page, 'revise-claimed');
  const after = (await srv.api('GET', `/api/v1/tasks/${first}`, { token: admin })).body;
  assert.equal(after.annotations.length, 2);

  // Back home, the claimed task is no longer offered for revision.
  const listed = page.waitForResponse((r) => r.url().includes(`/api/v1/projects/${pid}/tasks?`) && r.url().includes('state=queued_l2'));
  await page.goto('/work');
  assert.deepEqual((await (await listed).json()).items, []);
  await page.getByRole('heading', { name: 'Revise' }).waitFor();
  assert.equal(await page.getByRole('link', { name: `Revise task ${first}` }).count(), 0);
  // A revision is not a second submission.
  assert.equal((await figures(page)).Submitted, '1');
  await screenshot(page, 'revise-work-home');
});
