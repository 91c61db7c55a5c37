// The project settings' policies are a form: each policy its own input
// with bounds from GET /meta; wrong values are shown next to their fields,
// all at once, Save stays disabled until they are fixed, and the saved
// values reach the server. Label configs start from a gallery of
// templates, when creating a project and in its settings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, closeUi, dumpProblems, newPage, openUi, screenshot, signInAs } from './lib.mjs';

const CONFIG = `<View><Labels name="label" toName="text"><Label value="PER"/></Labels><Text name="text" value="$text"/></View>`;

let srv, browser, admin;
before(async () => ({ srv, browser, admin } = await openUi()));
after(() => closeUi(srv, browser));

const api = async (method, path, body) => {
  const r = await srv.api(method, path, { token: admin, body });
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

test('two invalid policies are both marked at their fields, fixed and saved', async (t) => {
  const p = await api('POST', '/api/v1/projects', { name: 'Policies', label_config: CONFIG });
  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close().catch(() => {}); });
  await signInAs(page, { email: ADMIN.email, password: ADMIN.password }, { admin: true });
  await page.goto(`/admin/projects/${p.id}/settings`);

  const overlap = page.getByLabel('Overlap', { exact: true });
  const share = page.getByLabel('L3 sample rate');
  const save = page.getByRole('button', { name: 'Save' });
  assert.equal(await overlap.inputValue(), '1');
  assert.equal(await share.inputValue(), '100');
  await overlap.fill('25');
  await share.fill('150');
  const overlapError = page.locator('[data-policy="overlap"] .field-error');
  const shareError = page.locator('[data-policy="l3_sample_rate"] .field-error');
  await overlapError.waitFor();
  assert.equal(await overlapError.innerText(), 'Enter a whole number from 1 to 20 (annotations).');
  assert.equal(await shareError.innerText(), 'Enter a percentage from 0 to 100, at most two decimals.');
  assert.equal(await page.locator('.policy-field .field-error').count(), 2);
  assert.ok(await save.isDisabled());
  await screenshot(page, 'settings-policy-errors');

  await overlap.fill('3');
  await share.fill('25');
  assert.equal(await page.locator('.policy-field .field-error').count(), 0);
  await page.getByLabel('Lease seconds').fill('900');
  await page.getByLabel('Pay overturned l2').check();
  await save.click();
  await page.getByText('Settings saved.').waitFor();

  const got = await api('GET', `/api/v1/projects/${p.id}`);
  assert.equal(got.policies.overlap, 3);
  assert.equal(got.policies.l3_sample_rate, 0.25);
  assert.equal(got.policies.lease_seconds, 900);
  assert.equal(got.policies.pay_overturned_l2, true);
});

test('a project is created from a gallery card, and settings replace an edited config only once confirmed', async (t) => {
  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close().catch(() => {}); });
  await signInAs(page, { email: ADMIN.email, password: ADMIN.password }, { admin: true });
  await page.getByRole('button', { name: 'New project' }).click();
  const gallery = page.locator('#new-project-form .template-gallery');
  assert.deepEqual(await gallery.getByRole('heading').allInnerTexts(), ['Text', 'Image', 'Audio', 'Video']);
  const card = gallery.getByRole('button', { name: /^Keypoints on images/ });
  assert.match(await card.innerText(), /Left eye/);
  await page.getByLabel('Name', { exact: true }).fill('Faces');
  await card.click();
  assert.equal(await card.getAttribute('aria-pressed'), 'true');
  assert.match(await page.getByLabel('Label config', { exact: true }).inputValue(), /<KeyPointLabels/);
  await screenshot(page, 'template-gallery');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL(/\/admin\/projects\/\d+/);
  const pid = Number(new URL(page.url()).pathname.match(/\/admin\/projects\/(\d+)/)[1]);
  const created = await api('GET', `/api/v1/projects/${pid}`);
  assert.equal(created.name, 'Faces');
  assert.match(created.label_config, /<KeyPointLabels name="point" toName="image"/);

  // Settings: an edited config is replaced only after a confirmation.
  await page.goto(`/admin/projects/${pid}/settings`);
  const config = page.getByLabel('Label config', { exact: true });
  await config.fill(created.label_config.replace('Nose', 'Chin'));
  await page.getByRole('button', { name: 'Start from a template' }).click();
  await page.getByRole('button', { name: /^Polygons on images/ }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Keep my config' }).click();
  assert.match(await config.inputValue(), /Chin/);
  await page.getByRole('button', { name: /^Polygons on images/ }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Replace config' }).click();
  assert.match(await config.inputValue(), /<PolygonLabels/);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Settings saved.').waitFor();
  assert.match((await api('GET', `/api/v1/projects/${pid}`)).label_config, /<PolygonLabels/);
});
