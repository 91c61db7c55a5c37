// The agreement matrix in the browser: two annotators label four tasks of a
// sentiment project with overlap 2 (agreeing on three), and the admin's
// project overview shows the control's percent agreement, Krippendorff's
// alpha and Fleiss' kappa, and the two-by-two matrix of Cohen's kappa with
// the shared task count, each as the API computes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, addMember, callApi, closeUi, createUser, dumpProblems, newPage, openUi, screenshot, signInAs } from './lib.mjs';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="Pos"/><Choice value="Neg"/><Choice value="Neu"/></Choices>
</View>`;

let srv, browser, admin;
before(async () => ({ srv, browser, admin } = await openUi()));
after(() => closeUi(srv, browser));

test('the project overview shows agreement and the annotator matrix', async (t) => {
  const p = await callApi(srv, admin, 'POST', '/api/v1/projects', { name: 'Agreement', label_config: CONFIG, policies: { overlap: 2 } });
  const people = [];
  for (let i = 0; i < 2; i++) {
    const u = await createUser(srv, admin, 'annotator');
    await addMember(srv, admin, p.id, u.id, 'annotator');
    people.push({ ...u, token: (await srv.login(u.email, u.password)).access_token });
  }
  await callApi(srv, admin, 'POST', `/api/v1/projects/${p.id}/tasks`, { tasks: ['a', 'b', 'c', 'd'].map((text) => ({ data: { text } })) });
  const answers = [['Pos', 'Pos', 'Neg', 'Neu'], ['Pos', 'Neg', 'Neg', 'Neu']];
  for (const [k, who] of people.entries()) {
    for (let i = 0; i < 4; i++) {
      const c = await callApi(srv, who.token, 'POST', `/api/v1/projects/${p.id}/claim`, { stage: 'l1' });
      const text = c.data.text;
      const choice = answers[k]['abcd'.indexOf(text)];
      await callApi(srv, who.token, 'POST', `/api/v1/tasks/${c.id}/submit`, {
        result: [{ id: 's', from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }],
      });
    }
  }
  const api = (await srv.api('GET', `/api/v1/projects/${p.id}/agreement`, { token: admin })).body;
  const c = api.controls[0];
  assert.equal(c.percent.value, 0.75);
  const [a, b] = people.map((u) => u.id).sort((x, y) => x - y);
  const pair = c.pairs.find((x) => x.user_a === a && x.user_b === b);
  assert.equal(pair.shared, 4);

  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close().catch(() => {}); });
  await signInAs(page, ADMIN, { admin: true });
  await page.goto(`/admin/projects/${p.id}`);
  await page.getByRole('heading', { name: 'Agreement between annotators' }).waitFor();
  await page.getByTestId('alpha-sentiment').filter({ hasText: c.alpha.value.toFixed(2) }).waitFor();
  assert.equal(await page.getByTestId('percent-sentiment').innerText(), '0.75');
  assert.equal(await page.getByTestId('fleiss-sentiment').innerText(), c.fleiss.value.toFixed(2));
  assert.equal(await page.getByTestId('units-sentiment').innerText(), '4');
  const matrix = page.getByRole('table', { name: /Cohen's kappa between annotators/ });
  await matrix.getByRole('rowheader', { name: people.find((u) => u.id === a).name }).waitFor();
  const cell = `${pair.kappa.value.toFixed(2)} (4)`;
  assert.equal(await page.getByTestId(`pair-sentiment-${a}-${b}`).innerText(), cell);
  assert.equal(await page.getByTestId(`pair-sentiment-${b}-${a}`).innerText(), cell);
  await screenshot(page, 'agreement-matrix');
});
