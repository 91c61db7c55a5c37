// ML backends in the browser (issue 19): the admin connects a real
// Label Studio-protocol backend (tests/support/ml-backend.mjs) on the
// project's "ML backends" tab, imports tasks, and the backend's
// predictions arrive in the background. The annotator's labeling page
// shows the model's pre-annotation (named, with its score) on the canvas:
// submitting untouched sends the model's choice. On the next task "Ask the
// model" sends the regions drawn so far as the context and the canvas
// reopens on the answer (the backend answers the other choice for a
// context), which is what is submitted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, callApi, closeUi, createUser, dumpProblems, importTasks, newPage, openUi, screenshot, signInAs, waitForCanvas } from './lib.mjs';
import { spawnBackend } from '../support/ml-backend.mjs';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="Pos"/><Choice value="Neg"/></Choices>
</View>`;

let srv, browser, admin, be;
before(async () => {
  be = await spawnBackend(['--delay', '5', '--version', 'sentiment-v1']);
  ({ srv, browser, admin } = await openUi({ LABELFLOW_OUTBOUND_ALLOW: 'localhost' }));
});
after(async () => {
  await closeUi(srv, browser);
  await be?.stop();
});

test('the annotator sees the backend\'s pre-annotation and can ask the model again', async (t) => {
  const p = await callApi(srv, admin, 'POST', '/api/v1/projects', { name: 'ML sentiment', label_config: CONFIG });
  const annotator = await createUser(srv, admin, 'annotator');
  await addMember(srv, admin, p.id, annotator.id, 'annotator');

  const adm = await newPage(browser, srv);
  const ann = await newPage(browser, srv);
  t.after(() => {
    dumpProblems(t, adm, ann);
    return Promise.all([adm.context().close().catch(() => {}), ann.context().close().catch(() => {})]);
  });
  await signInAs(adm, { email: 'admin@example.org', password: 'admin-password-1' }, { admin: true });
  await adm.goto(`/admin/projects/${p.id}/ml`);
  await adm.getByTestId('ml-url').fill(be.url);
  await adm.getByTestId('ml-title').fill('Sentiment model');
  await adm.getByTestId('ml-connect').click();
  await adm.getByText('Connected Sentiment model: model version sentiment-v1.').waitFor();
  const [backend] = (await callApi(srv, admin, 'GET', `/api/v1/projects/${p.id}/ml-backends`)).items;
  assert.equal(backend.auto_predict, true);
  assert.equal(await adm.getByTestId(`ml-version-${backend.id}`).innerText(), 'sentiment-v1');

  await importTasks(srv, admin, p.id, 2, (i) => ({ text: `Sentence number ${i}.`, score: 0.25 + i / 2 }));
  for (let i = 0; ; i++) {
    const b = await callApi(srv, admin, 'GET', `/api/v1/projects/${p.id}/ml-backends/${backend.id}`);
    if (b.progress.predicted === 2) break;
    assert.ok(i < 150, `predictions did not arrive: ${JSON.stringify(b.progress)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await adm.reload();
  await adm.getByTestId(`ml-progress-${backend.id}`).getByText('2 predicted · 0 refused').waitFor();
  await screenshot(adm, 'ml-backends-tab');

  await signInAs(ann, annotator);
  await ann.goto(`/work/projects/${p.id}/label`);
  await waitForCanvas(ann);
  await ann.getByText('Pre-annotated by model sentiment-v1 (score 0.25)').waitFor();
  await screenshot(ann, 'ml-pre-annotation');
  await ann.getByRole('button', { name: 'Submit', exact: true }).click();
  await ann.getByText('Pre-annotated by model sentiment-v1 (score 0.75)').waitFor();
  const tasks = (await callApi(srv, admin, 'GET', `/api/v1/projects/${p.id}/tasks`)).items.sort((a, b) => a.id - b.id);
  const first = await callApi(srv, admin, 'GET', `/api/v1/tasks/${tasks[0].id}`);
  assert.deepEqual(first.annotations.at(-1).result.map((r) => r.value.choices), [['Pos']], 'the untouched pre-annotation was submitted');

  await be.reset();
  await ann.getByTestId('ask-model').click();
  await ann.getByText('Pre-annotated by model sentiment-v1 (score 0.75)').waitFor();
  for (let i = 0; (await be.log()).length === 0; i++) {
    assert.ok(i < 100, 'the model was not asked');
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitForCanvas(ann);
  const asked = (await be.log()).filter((c) => c.path === '/predict');
  assert.equal(asked.length, 1);
  assert.deepEqual(asked[0].tasks, [tasks[1].id]);
  assert.deepEqual(asked[0].context.result.map((r) => r.value.choices), [['Pos']], 'the regions on the canvas went as the context');
  await ann.getByText("The model's answer is on the canvas.").waitFor();
  await ann.locator('.lsf-main-view').first().waitFor();
  await ann.locator('.label-canvas label:has(input:checked)', { hasText: 'Neg' }).waitFor();
  await screenshot(ann, 'ml-asked-the-model');
  await ann.getByRole('button', { name: 'Submit', exact: true }).click();
  await ann.getByText('No more tasks').waitFor();
  const second = await callApi(srv, admin, 'GET', `/api/v1/tasks/${tasks[1].id}`);
  assert.deepEqual(second.annotations.at(-1).result.map((r) => r.value.choices), [['Neg']], "the model's interactive answer was submitted");
  // Asking stores nothing: the task keeps the one prediction made on import.
  assert.equal(second.predictions.length, 1);
});
