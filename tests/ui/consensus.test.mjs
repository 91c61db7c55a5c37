// The review page (L2) of an overlap task shows the annotators' consensus:
// three annotators mark names in one sentence, partly agreeing; the
// reviewer sees the disagreement in words, loads the consensus into the
// canvas with "Start from consensus" and approves it as their correction,
// which is stored as the L2 version: the merged spans, not any
// annotator's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeUi, createUser, dumpProblems, newPage, openUi, screenshot, signInAs, waitForCanvas } from './lib.mjs';

const CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="#d33"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;
const TEXT = 'Alice met Bob in Paris';
const span = (start, end) => ({ id: `s${start}`, from_name: 'label', to_name: 'text', type: 'labels', value: { start, end, text: TEXT.slice(start, end), labels: ['PER'] } });
// Alice by all three, Bob by two, Paris by one.
const RESULTS = [[span(0, 5), span(10, 13), span(17, 22)], [span(0, 5), span(10, 13)], [span(0, 5)]];

let srv, browser, admin;
before(async () => ({ srv, browser, admin } = await openUi()));
after(() => closeUi(srv, browser));

const call = async (token, method, path, body) => {
  const r = await srv.api(method, path, { token, body });
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

test('review from the consensus: disagreements listed, the merged spans approved as the correction', async (t) => {
  const p = await call(admin, 'POST', '/api/v1/projects', { name: 'Consensus', label_config: CONFIG, policies: { overlap: 3 } });
  const reviewer = await createUser(srv, admin, 'reviewer');
  await call(admin, 'PUT', `/api/v1/projects/${p.id}/members/${reviewer.id}`, { role: 'reviewer' });
  const task = (await call(admin, 'POST', `/api/v1/projects/${p.id}/tasks`, { tasks: [{ data: { text: TEXT } }] })).first_id;
  for (const result of RESULTS) {
    const a = await createUser(srv, admin, 'annotator');
    await call(admin, 'PUT', `/api/v1/projects/${p.id}/members/${a.id}`, { role: 'annotator' });
    const token = (await srv.login(a.email, a.password)).access_token;
    const c = await call(token, 'POST', `/api/v1/projects/${p.id}/claim`, { stage: 'l1' });
    assert.equal(c.id, task);
    await call(token, 'POST', `/api/v1/tasks/${c.id}/submit`, { result });
  }

  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close().catch(() => {}); });
  await signInAs(page, reviewer);
  await page.goto(`/work/projects/${p.id}/review`);
  await waitForCanvas(page);
  await page.getByRole('heading', { name: 'Consensus of 3 annotators' }).waitFor();
  const list = page.getByRole('list', { name: 'Disagreements' });
  assert.match(await list.innerText(), /PER “Paris” chars 17–22: marked by 1 of 3\./);
  await screenshot(page, 'consensus');

  await page.getByRole('button', { name: 'Start from consensus' }).click();
  await page.getByRole('button', { name: 'Consensus loaded' }).waitFor();
  await page.getByRole('region', { name: 'Consensus (editing)' }).waitFor();
  await waitForCanvas(page);
  await page.getByRole('button', { name: 'Correct and approve' }).click();

  let versions = [];
  for (let i = 0; i < 100 && !versions.some((v) => v.stage === 2); i++) {
    await new Promise((r) => setTimeout(r, 100));
    versions = (await call(admin, 'GET', `/api/v1/tasks/${task}`)).annotations;
  }
  const correction = versions.find((v) => v.stage === 2);
  assert.ok(correction, 'the reviewer\'s correction is stored');
  const spans = correction.result.map((r) => [r.value.start, r.value.end, r.value.labels.join()]).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(spans, [[0, 5, 'PER'], [10, 13, 'PER']]);
});
