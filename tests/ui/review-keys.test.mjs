// The review page (L2) works from the keyboard: Ctrl+Enter approves,
// Ctrl+Shift+X with no comment puts the cursor in the comment box and with
// one rejects, Ctrl+Shift+S skips to the next task; the keys are shown on
// the page and on the buttons (aria-keyshortcuts). The page shows the
// task's history and version compare, as the approval page (L3) does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeUi, createUser, dumpProblems, newPage, openUi, screenshot, signInAs, waitForCanvas } from './lib.mjs';

const CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="#d33"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;

let srv, browser, admin;
before(async () => ({ srv, browser, admin } = await openUi()));
after(() => closeUi(srv, browser));

const call = async (token, method, path, body) => {
  const r = await srv.api(method, path, { token, body });
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

test('review shortcuts: approve, reject with a comment, next; history on the L2 page', async (t) => {
  const p = await call(admin, 'POST', '/api/v1/projects', { name: 'Keys', label_config: CONFIG });
  const annotator = await createUser(srv, admin, 'annotator');
  const reviewer = await createUser(srv, admin, 'reviewer');
  await call(admin, 'PUT', `/api/v1/projects/${p.id}/members/${annotator.id}`, { role: 'annotator' });
  await call(admin, 'PUT', `/api/v1/projects/${p.id}/members/${reviewer.id}`, { role: 'reviewer' });
  await call(admin, 'POST', `/api/v1/projects/${p.id}/tasks`, {
    tasks: [1, 2, 3].map((i) => ({ data: { text: `Alice Smith number ${i}.` } })),
  });
  const at = (await srv.login(annotator.email, annotator.password)).access_token;
  for (let i = 0; i < 3; i++) {
    const c = await call(at, 'POST', `/api/v1/projects/${p.id}/claim`, { stage: 'l1' });
    await call(at, 'POST', `/api/v1/tasks/${c.id}/submit`, {
      result: [{ id: 'r1', from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 11, labels: ['PER'] } }],
    });
  }
  const state = async (id) => (await call(admin, 'GET', `/api/v1/tasks/${id}`)).state;
  const until = async (id, pred) => {
    for (let i = 0; i < 100; i++) {
      const s = await state(id);
      if (pred(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    return state(id);
  };

  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close().catch(() => {}); });
  await signInAs(page, reviewer);
  await page.goto(`/work/projects/${p.id}/review`);
  await waitForCanvas(page);
  const shown = async () => Number(await page.locator('.task-bar strong').first().innerText());

  // The keys are on the page and on the buttons.
  await page.getByText(/Shortcuts: Ctrl\+Enter approves, Ctrl\+Shift\+X rejects/).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Approve', exact: true }).getAttribute('aria-keyshortcuts'), 'Control+Enter');
  assert.equal(await page.getByRole('button', { name: 'Reject', exact: true }).getAttribute('aria-keyshortcuts'), 'Control+Shift+X');
  assert.equal(await page.getByRole('button', { name: 'Skip', exact: true }).getAttribute('aria-keyshortcuts'), 'Control+Shift+S');
  // History and version compare, as on L3.
  await page.getByRole('heading', { name: /History/ }).first().waitFor();
  await screenshot(page, 'review-keys');

  // Next: skip to another task.
  const first = await shown();
  await page.keyboard.press('Control+Shift+S');
  await page.waitForFunction((id) => Number(document.querySelector('.task-bar strong')?.textContent) !== id, first);
  await waitForCanvas(page);

  // Approve.
  const second = await shown();
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+Enter');
  assert.notEqual(await until(second, (s) => s !== 'locked_l2'), 'locked_l2');
  assert.ok(['queued_l3', 'accepted'].includes(await state(second)), 'approved');
  await page.waitForFunction((id) => Number(document.querySelector('.task-bar strong')?.textContent) !== id, second);
  await waitForCanvas(page);

  // Reject: the first press puts the cursor in the comment box, the second sends.
  const third = await shown();
  await page.keyboard.press('Control+Shift+X');
  const box = page.getByLabel('Comment');
  await page.waitForFunction(() => document.activeElement?.id === 'review-comment');
  assert.equal(await state(third), 'locked_l2', 'nothing is sent without a comment');
  await page.keyboard.type('The span misses the surname.');
  assert.equal(await box.inputValue(), 'The span misses the surname.');
  await page.keyboard.press('Control+Shift+X');
  assert.equal(await until(third, (s) => s !== 'locked_l2'), 'queued_l1', 'rejected back to the annotator');
  const t3 = await call(admin, 'GET', `/api/v1/tasks/${third}`);
  assert.equal(t3.last_comment, 'The span misses the surname.');
});
