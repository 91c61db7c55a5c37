// Gold tasks in the browser (issue 18): a sentiment project serves gold at
// rate 0.5 with feedback on. The annotator labels in the browser, every
// ordinary task as Pos, until a gold task comes (nothing tells it apart
// before the submit), answers it wrong (Neg where the gold says Pos) and
// sees the feedback panel with 0% and Failed, then goes on with Next task.
// The admin's Quality tab shows the annotator with 1 gold answered and 0
// passed, and the served gold item answered once; the admin suspends the
// annotator there with a reason, the annotator's label page shows that
// reason, and after Reinstate "Check again" brings a task.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, TIMEOUT, addMember, callApi, closeUi, createUser, dumpProblems, newPage, openUi, screenshot, signInAs, waitForCanvas } from './lib.mjs';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="Pos"/><Choice value="Neg"/></Choices>
</View>`;

const ORDINARY = Array.from({ length: 10 }, (_, i) => `Ordinary sentence number ${i}.`);
const GOLD = ['Reference sentence alpha.', 'Reference sentence beta.', 'Reference sentence gamma.'];
const GOLD_ANSWER = [{ id: 'g1', from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Pos'] } }];

let srv, browser, admin;
before(async () => ({ srv, browser, admin } = await openUi()));
after(() => closeUi(srv, browser));

const isClaim = (r) => r.request().method() === 'POST' && /\/api\/v1\/projects\/\d+\/claim$/.test(new URL(r.url()).pathname);
const isSubmit = (r) => r.request().method() === 'POST' && /\/api\/v1\/tasks\/\d+\/submit$/.test(new URL(r.url()).pathname);

// The page's responses that match, handed out in the order they came, so
// none is missed between an action and the wait for its answer.
function responses(page, match, what) {
  const seen = [];
  const waiting = [];
  page.on('response', (r) => {
    if (!match(r)) return;
    const w = waiting.shift();
    if (w) w(r);
    else seen.push(r);
  });
  return () => {
    if (seen.length) return Promise.resolve(seen.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} answered within ${TIMEOUT} ms`)), TIMEOUT);
      waiting.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  };
}

test('a wrong gold answer shows 0% and Failed, and the Quality tab counts it', async (t) => {
  const p = await callApi(srv, admin, 'POST', '/api/v1/projects', {
    name: 'Gold sentiment',
    label_config: CONFIG,
    policies: { gold_rate: 0.5, gold_feedback: true },
  });
  assert.equal(p.policies.gold_rate, 0.5);
  assert.equal(p.policies.gold_feedback, true);
  const annotator = await createUser(srv, admin, 'annotator');
  await addMember(srv, admin, p.id, annotator.id, 'annotator');
  await callApi(srv, admin, 'POST', `/api/v1/projects/${p.id}/tasks`, { tasks: ORDINARY.map((text) => ({ data: { text } })) });
  for (const text of GOLD) {
    const g = await callApi(srv, admin, 'POST', `/api/v1/projects/${p.id}/gold`, { data: { text }, answer: GOLD_ANSWER });
    assert.deepEqual([g.source_task_id, g.answered, g.passed, g.mean_score, g.retired_at], [null, 0, 0, null, null]);
  }
  assert.equal((await callApi(srv, admin, 'GET', `/api/v1/projects/${p.id}/gold`)).items.length, 3);

  const ann = await newPage(browser, srv);
  t.after(() => {
    dumpProblems(t, ann);
    return ann.context().close().catch(() => {});
  });
  const nextClaim = responses(ann, isClaim, 'claim');
  const nextSubmit = responses(ann, isSubmit, 'submit');
  await signInAs(ann, annotator);
  await ann.goto(`/work/projects/${p.id}/label`);

  // At rate 0.5, a gold task comes within a few claims; 13 tasks exist in all.
  let served = null;
  for (let i = 0; i < ORDINARY.length + GOLD.length && !served; i++) {
    const claim = await nextClaim();
    assert.equal(claim.status(), 200, `claim ${i + 1} answered ${claim.status()}: no gold task came`);
    const task = await claim.json();
    const gold = GOLD.includes(task.data.text);
    await waitForCanvas(ann);
    await ann.locator('.lsf-richtext__container', { hasText: task.data.text }).first().waitFor();
    // Nothing gold-related shows before the submit.
    assert.equal(await ann.getByTestId('gold-feedback').count(), 0);
    await ann.locator('.label-canvas').getByText(gold ? /^Neg/ : /^Pos/).first().click();
    await ann.getByRole('button', { name: 'Submit', exact: true }).click();
    const submit = await nextSubmit();
    assert.equal(submit.status(), 200, `submit of task ${task.id}: ${submit.status()}`);
    const answer = await submit.json();
    if (!gold) {
      assert.equal(answer.feedback, undefined, `an ordinary task (${task.data.text}) got feedback`);
      continue;
    }
    served = { text: task.data.text, feedback: answer.feedback };
  }
  assert.ok(served, 'no gold task was served');
  assert.equal(served.feedback.score, 0);
  assert.equal(served.feedback.passed, false);
  assert.equal(served.feedback.pass_score, 0.8);
  assert.deepEqual(served.feedback.expected.map((r) => r.value.choices), [['Pos']]);
  assert.deepEqual(served.feedback.controls.map((c) => [c.name, c.score]), [['sentiment', 0]]);

  const panel = ann.getByTestId('gold-feedback');
  await panel.waitFor();
  assert.equal(await ann.getByTestId('gold-feedback-score').innerText(), '0%');
  assert.equal(await ann.getByTestId('gold-feedback-verdict').innerText(), 'Failed');
  const cells = await ann.getByTestId('gold-feedback-control-sentiment').locator('td').allInnerTexts();
  assert.deepEqual([cells[0], cells[2]], ['sentiment', '0%']);
  // The next task waits for the annotator: nothing was claimed after the gold submit.
  assert.equal(await ann.locator('.lsf-main-view').count(), 0);
  await screenshot(ann, 'gold-feedback-failed');
  await ann.getByTestId('gold-feedback-next').click();
  const following = await nextClaim();
  assert.equal(following.status(), 200);
  await panel.waitFor({ state: 'detached' });
  await waitForCanvas(ann);
  // Leaving the label page gives the open task back.
  await ann.goto('/work');

  // The admin's Quality tab.
  const goldItem = (await callApi(srv, admin, 'GET', `/api/v1/projects/${p.id}/gold`)).items.find((g) => g.data.text === served.text);
  assert.deepEqual([goldItem.answered, goldItem.passed, goldItem.mean_score], [1, 0, 0]);
  const adm = await newPage(browser, srv);
  t.after(() => {
    dumpProblems(t, adm);
    return adm.context().close().catch(() => {});
  });
  await signInAs(adm, ADMIN, { admin: true });
  await adm.goto(`/admin/projects/${p.id}`);
  await adm.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'Quality' }).click();
  await adm.waitForURL(`**/admin/projects/${p.id}/quality`);
  const row = adm.getByTestId(`annotator-row-${annotator.id}`);
  await row.waitFor();
  const goldCell = adm.getByTestId(`annotator-gold-${annotator.id}`);
  assert.equal(await goldCell.getAttribute('data-answered'), '1');
  assert.equal(await goldCell.getAttribute('data-passed'), '0');
  assert.equal(await goldCell.innerText(), '0% · 0 of 1 passed');
  await adm.getByTestId(`gold-row-${goldItem.id}`).waitFor();
  assert.equal(await adm.getByTestId(`gold-answered-${goldItem.id}`).innerText(), '1');
  assert.equal(await adm.getByTestId(`gold-passed-${goldItem.id}`).innerText(), '0');

  // Suspended by hand, with a reason the annotator then reads.
  const reason = 'Answers without reading the sentence.';
  await adm.getByTestId(`suspend-${annotator.id}`).click();
  await adm.getByTestId(`suspend-reason-${annotator.id}`).fill(reason);
  await adm.getByTestId(`suspend-confirm-${annotator.id}`).click();
  await adm.getByTestId(`suspended-${annotator.id}`).waitFor();
  await row.getByText(reason).waitFor();
  await screenshot(adm, 'gold-quality-tab');

  await ann.goto(`/work/projects/${p.id}/label`);
  const refused = await nextClaim();
  assert.equal(refused.status(), 403);
  assert.equal((await refused.json()).error.code, 'member_suspended');
  const message = ann.getByTestId('suspended-message');
  await message.waitFor();
  assert.ok((await message.innerText()).includes(reason), await message.innerText());
  assert.equal(await ann.getByText('Could not get a task').count(), 0);
  await screenshot(ann, 'gold-suspended');

  await adm.getByTestId(`reinstate-${annotator.id}`).click();
  await adm.getByTestId(`suspend-${annotator.id}`).waitFor();
  await ann.getByRole('button', { name: 'Check again' }).click();
  const again = await nextClaim();
  assert.equal(again.status(), 200);
  await message.waitFor({ state: 'detached' });
  await waitForCanvas(ann);
});
