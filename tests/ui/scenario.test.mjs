// The whole life of a task through the browser, one person per browser
// context: an admin sets up a NER project (config, L3 required, rates,
// members, a CSV upload, escrow); an annotator labels two entities in the
// Label Studio canvas; a reviewer rejects with a comment; the annotator
// sees it and resubmits; the reviewer and then the super reviewer approve;
// the admin sees the task accepted, the escrow moved and the audit chain
// verified. The API is only read, to check what the UI claims.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, NER_CONFIG, startUiServer, launchBrowser, newPage, signInAs, screenshot, dumpProblems,
  waitForCanvas, labelText,
} from './lib.mjs';

const TEXT = 'Alice Smith works at Acme Corp in Paris.';
const CSV = `text\n"${TEXT}"\n`;
const COMMENT = 'Acme Corp is right, but check the PER span once more.';
const PROJECT = 'NER people and companies';
const uid = Math.random().toString(36).slice(2, 8);
const PEOPLE = {
  annotator: { email: `ann-${uid}@example.org`, name: 'Ann Otator', password: 'ann-password-1', role: 'annotator', label: 'Annotator' },
  reviewer: { email: `rev-${uid}@example.org`, name: 'Rita Reviewer', password: 'rev-password-1', role: 'reviewer', label: 'Reviewer' },
  super: { email: `sup-${uid}@example.org`, name: 'Sam Super', password: 'sup-password-1', role: 'super_reviewer', label: 'Super reviewer' },
};

let srv, browser, adminToken;
const pages = {};
let projectId = 0;
let failed = null;

before(async () => {
  srv = await startUiServer();
  browser = await launchBrowser();
  adminToken = (await srv.login(ADMIN.email, ADMIN.password)).access_token;
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

// One step of the story; after a failure the rest is skipped, since each
// step needs the state the previous ones built.
function step(name, fn) {
  test(name, async (t) => {
    if (failed) {
      t.skip(`an earlier step failed (${failed})`);
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      failed = name;
      dumpProblems(t, ...Object.values(pages));
      for (const [who, p] of Object.entries(pages)) await screenshot(p, `failed-${who}`).catch(() => {});
      throw e;
    }
  });
}

const apiGet = async (path) => {
  const r = await srv.api('GET', path, { token: adminToken });
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};
const theTask = async () => {
  const list = await apiGet(`/api/v1/projects/${projectId}/tasks?limit=10`);
  assert.equal(list.items.length, 1, JSON.stringify(list.items));
  return apiGet(`/api/v1/tasks/${list.items[0].id}`);
};
// "1,234.56 USD" -> 123456 (USD has two decimals).
const minor = (text) => Math.round(Number(text.replace(/[^0-9.-]/g, '')) * 100);

// Picks the option whose value or text matches.
async function choose(select, pattern) {
  const value = await select.evaluate((el, src) => {
    const re = new RegExp(src, 'i');
    const o = [...el.options].find((x) => re.test(x.value) || re.test(x.textContent));
    return o ? o.value : null;
  }, pattern.source);
  assert.ok(value !== null, `no option matching ${pattern}`);
  await select.selectOption(value);
}

async function openTab(page, name) {
  await page.getByRole('link', { name, exact: true }).click();
}

step('the admin signs in and creates the users through the UI', async () => {
  const page = (pages.admin = await newPage(browser, srv));
  await signInAs(page, ADMIN, { admin: true });
  await screenshot(page, 'admin-projects');
  await page.goto('/admin/users');
  for (const p of Object.values(PEOPLE)) {
    await page.getByRole('button', { name: 'New user' }).click();
    await page.getByLabel('Email', { exact: true }).fill(p.email);
    await page.getByLabel('Name', { exact: true }).fill(p.name);
    await page.getByLabel('Password', { exact: true }).fill(p.password);
    await choose(page.getByLabel('Role', { exact: true }), new RegExp(`^${p.role}$|^${p.label}$`));
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: p.email }).waitFor();
  }
  const users = (await apiGet('/api/v1/users?limit=100')).items;
  for (const p of Object.values(PEOPLE)) {
    const u = users.find((x) => x.email === p.email);
    assert.ok(u, `${p.email} was not created`);
    assert.equal(u.role, p.role);
    p.id = u.id;
  }
  await screenshot(page, 'admin-users');
});

step('the admin creates a NER project', async () => {
  const page = pages.admin;
  await page.goto('/admin/projects');
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Name', { exact: true }).fill(PROJECT);
  await page.getByLabel('Description', { exact: true }).fill('People and organisations in news text');
  await page.getByLabel('Label config', { exact: true }).fill(NER_CONFIG);
  await page.getByLabel('Currency', { exact: true }).fill('USD');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL(/\/admin\/projects\/\d+/);
  projectId = Number(new URL(page.url()).pathname.match(/\/admin\/projects\/(\d+)/)[1]);
  const p = await apiGet(`/api/v1/projects/${projectId}`);
  assert.equal(p.name, PROJECT);
  assert.match(p.label_config, /<Label value="ORG"/);
  assert.equal(p.currency, 'USD');
});

step('settings: L3 required, rates, and a live preview of the config', async () => {
  const page = pages.admin;
  await openTab(page, 'Settings');
  // The preview is a real canvas with the project's labels.
  await page.locator('.lsf-label', { hasText: /^ORG/ }).first().waitFor();
  await page.getByLabel('L3 sample rate').fill('100');
  await page.getByLabel('Max reworks').fill('2');
  await page.getByLabel('L1 rate').fill('1.00');
  await page.getByLabel('L2 rate').fill('0.50');
  await page.getByLabel('L3 rate').fill('0.30');
  await page.getByRole('button', { name: 'Save' }).click();
  await assert.doesNotReject(async () => {
    for (let i = 0; i < 50; i++) {
      const p = await apiGet(`/api/v1/projects/${projectId}`);
      if (p.rates.l1 === 100 && p.policies.l3_sample_rate === 1) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('settings were not saved');
  });
  const p = await apiGet(`/api/v1/projects/${projectId}`);
  assert.deepEqual({ l1: p.rates.l1, l2: p.rates.l2, l3: p.rates.l3 }, { l1: 100, l2: 50, l3: 30 });
  assert.equal(p.policies.max_reworks, 2);
  await screenshot(page, 'admin-settings');

  // A broken config is refused with the server's message, and not saved.
  const bad = '<View><Labels name="x" toName="nothing"><Label value="A"/></Labels></View>';
  const refused = await srv.api('PATCH', `/api/v1/projects/${projectId}`, { token: adminToken, body: { label_config: bad } });
  assert.equal(refused.status, 422);
  await page.getByLabel('Label config', { exact: true }).fill(bad);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').filter({ hasText: refused.body.error.message }).waitFor();
  assert.match((await apiGet(`/api/v1/projects/${projectId}`)).label_config, /<Label value="ORG"/);
  await page.reload();
});

step('members: one person per role', async () => {
  const page = pages.admin;
  await openTab(page, 'Members');
  for (const p of Object.values(PEOPLE)) {
    await choose(page.getByLabel('User', { exact: true }), new RegExp(p.email.replace(/[.]/g, '\\.')));
    await page.getByLabel(p.label, { exact: true }).check();
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('cell', { name: p.name }).first().waitFor();
  }
  const members = (await apiGet(`/api/v1/projects/${projectId}/members`)).items;
  for (const p of Object.values(PEOPLE)) {
    const m = members.find((x) => x.user_id === p.id);
    assert.ok(m, `${p.name} is not a member`);
    assert.deepEqual(m.roles ?? [m.role], [p.role]);
  }
  await screenshot(page, 'admin-members');
});

step('data: a picture sent as a dataset is named and pointed at the media form', async () => {
  const page = pages.admin;
  await openTab(page, 'Data');
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d0b0f00000000049454e44ae426082', 'hex');
  await page.getByLabel('Dataset file').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'photo.png' });
  await alert.waitFor();
  assert.match(await alert.innerText(), /photo\.png is an image file \(image\/png\), not a dataset/);
  assert.doesNotMatch(await alert.innerText(), /UTF-8/);
  await alert.getByRole('link', { name: 'Upload media' }).waitFor();
  // Refused, not stuck at "Upload 0%".
  assert.equal(await page.getByRole('progressbar', { name: 'Upload progress' }).count(), 0);
});

step('data: a CSV upload with upload and import progress', async () => {
  const page = pages.admin;
  await openTab(page, 'Data');
  await page.getByLabel('Dataset file').setInputFiles({ name: 'news.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByText('Import finished').waitFor();
  assert.match(await page.getByText('Import finished').innerText(), /\b1 task/);
  assert.equal(await page.getByRole('progressbar', { name: 'Upload progress' }).getAttribute('value'), '1');
  assert.equal(await page.getByRole('progressbar', { name: 'Import progress' }).getAttribute('value'), '1');
  const task = await theTask();
  assert.equal(task.data.text, TEXT);
  assert.equal(task.state, 'queued_l1');
  await screenshot(page, 'admin-data');
});

step('escrow: a deposit shows in the balances', async () => {
  const page = pages.admin;
  await openTab(page, 'Escrow');
  await page.getByLabel('Amount').fill('10.00');
  await page.getByRole('button', { name: 'Deposit' }).click();
  await page.getByTestId('escrow-available').filter({ hasText: /10\.00/ }).waitFor();
  const e = await apiGet(`/api/v1/projects/${projectId}/escrow`);
  assert.deepEqual({ available: e.available, held: e.held, spent: e.spent }, { available: 1000, held: 0, spent: 0 });
  assert.equal(minor(await page.getByTestId('escrow-held').innerText()), 0);
  assert.equal(minor(await page.getByTestId('escrow-spent').innerText()), 0);
  await screenshot(page, 'admin-escrow-before');
});

async function openQueue(who, button, path) {
  const page = pages[who];
  await page.goto('/work');
  const row = page.locator('li, tr, article, section').filter({ hasText: PROJECT }).filter({ has: page.getByRole('button', { name: button }) }).last();
  await row.getByRole('button', { name: button }).click();
  await page.waitForURL(`**/work/projects/${projectId}/${path}`);
  await waitForCanvas(page);
}

step('the annotator labels two entities in the canvas and submits', async () => {
  const page = (pages.annotator = await newPage(browser, srv));
  await signInAs(page, PEOPLE.annotator);
  await page.getByText(PROJECT).first().waitFor();
  await screenshot(page, 'annotator-work');
  await openQueue('annotator', 'Label next', 'label');
  await page.locator('.lsf-richtext__container', { hasText: TEXT }).waitFor();
  // Claiming held the L1 rate in escrow.
  assert.equal((await apiGet(`/api/v1/projects/${projectId}/escrow`)).held > 0, true);
  await labelText(page, 'PER', 'Alice Smith');
  await labelText(page, 'ORG', 'Acme Corp');
  await screenshot(page, 'annotator-label');
  await page.getByRole('button', { name: 'Submit', exact: true }).first().click();
  await page.getByText('No more tasks').waitFor();
  const task = await theTask();
  assert.equal(task.state, 'queued_l2');
  const result = task.annotations.at(-1).result;
  const spans = result.map((r) => [r.value.start, r.value.end, r.value.labels[0]]).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(spans, [[0, 11, 'PER'], [21, 30, 'ORG']]);
});

step('the reviewer rejects with a comment', async () => {
  const page = (pages.reviewer = await newPage(browser, srv));
  await signInAs(page, PEOPLE.reviewer);
  await screenshot(page, 'reviewer-work');
  await openQueue('reviewer', 'Review next', 'review');
  // The annotation is shown: both regions are highlighted in the text.
  await page.locator('.lsf-richtext__container', { hasText: TEXT }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.lsf-richtext__container .htx-highlight').length >= 2);
  await screenshot(page, 'reviewer-review');
  await page.getByLabel('Comment').fill(COMMENT);
  await page.getByRole('button', { name: 'Reject', exact: true }).click();
  for (let i = 0; i < 50 && (await theTask()).state !== 'queued_l1'; i++) await page.waitForTimeout(200);
  const task = await theTask();
  assert.equal(task.state, 'queued_l1');
  assert.equal(task.reworks, 1);
});

step('the annotator sees the comment and resubmits', async () => {
  const page = pages.annotator;
  await openQueue('annotator', 'Label next', 'label');
  const note = page.getByRole('note', { name: 'Sent back with this comment' });
  await page.locator('.badge', { hasText: 'Rework 1' }).waitFor();
  await note.waitFor();
  assert.match(await note.innerText(), new RegExp(COMMENT.replace(/[.]/g, '\\.')));
  await page.locator('.lsf-richtext__container', { hasText: TEXT }).waitFor();
  // The earlier annotation comes back to be corrected, not redone.
  await page.waitForFunction(() => document.querySelectorAll('.lsf-richtext__container .htx-highlight').length >= 2);
  await screenshot(page, 'annotator-rework');
  await page.keyboard.press('Control+Enter');
  await page.getByText('No more tasks').waitFor();
  const task = await theTask();
  assert.equal(task.state, 'queued_l2');
  assert.equal(task.annotations.at(-1).result.length, 2);
});

step('the reviewer approves', async () => {
  const page = pages.reviewer;
  await openQueue('reviewer', 'Review next', 'review');
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  for (let i = 0; i < 50 && (await theTask()).state !== 'queued_l3'; i++) await page.waitForTimeout(200);
  assert.equal((await theTask()).state, 'queued_l3');
});

step('the super reviewer sees the history and approves', async () => {
  const page = (pages.super = await newPage(browser, srv));
  await signInAs(page, PEOPLE.super);
  await screenshot(page, 'super-work');
  await openQueue('super', 'Approve next', 'approve');
  const history = page.locator('section', { has: page.getByRole('heading', { name: 'History' }) }).last();
  await history.waitFor();
  await history.getByText(COMMENT).first().waitFor();
  await history.getByText(PEOPLE.annotator.name).first().waitFor();
  await screenshot(page, 'super-approve');
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  for (let i = 0; i < 50 && (await theTask()).state !== 'accepted'; i++) await page.waitForTimeout(200);
  assert.equal((await theTask()).state, 'accepted');
});

step('the admin sees the task accepted, the escrow moved and the chain verified', async () => {
  const page = pages.admin;
  await page.goto(`/admin/projects/${projectId}`);
  await page.getByTestId('count-accepted').filter({ hasText: /^\s*1\s*$/ }).waitFor();
  await screenshot(page, 'admin-overview');

  await openTab(page, 'Escrow');
  const e = await apiGet(`/api/v1/projects/${projectId}/escrow`);
  // Paid: the annotation, two L2 decisions (reject and approve) and the L3 one.
  assert.equal(e.held, 0);
  assert.equal(e.spent, 100 + 2 * 50 + 30, JSON.stringify(e));
  assert.equal(e.available + e.spent, 1000);
  await page.getByTestId('escrow-spent').filter({ hasText: /[1-9]/ }).waitFor();
  assert.equal(minor(await page.getByTestId('escrow-available').innerText()), e.available);
  assert.equal(minor(await page.getByTestId('escrow-held').innerText()), e.held);
  assert.equal(minor(await page.getByTestId('escrow-spent').innerText()), e.spent);
  await screenshot(page, 'admin-escrow-after');

  await page.goto('/admin/audit');
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await page.getByText('Chain verified').waitFor();
  await screenshot(page, 'admin-audit');
  const v = await apiGet('/api/v1/audit/verify');
  assert.equal(v.ok, true);
});
