// An annotator earns in a USD and a EUR project; the admin pays out only
// USD from the Payouts page (a EUR minimum above what is owed there); the
// annotator's earnings page shows one line per currency with the right
// pending, earned and paid amounts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startUiServer, launchBrowser, newPage, signInAs, screenshot, dumpProblems } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, nerResult } from '../api/workflow-lib.mjs';

let srv, browser;
before(async () => {
  srv = await startUiServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const ok = (r, what) => {
  assert.ok(r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

// A project in currency whose three people are a1, r1 and s1, funded.
async function project(ctx, currency, l1) {
  const { admin } = ctx;
  const p = ok(await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: `Earn ${currency}`, label_config: ctx.project.label_config, currency, rates: { l1, l2: 10, l3: 10 } } }), 'project');
  for (const [u, role] of [[ctx.annotators[0], 'annotator'], [ctx.reviewers[0], 'reviewer'], [ctx.supers[0], 'super_reviewer']])
    ok(await srv.api('PUT', `/api/v1/projects/${p.id}/members/${u.id}`, { token: admin.access_token, body: { role } }), 'member');
  ok(await srv.api('POST', `/api/v1/projects/${p.id}/escrow/deposits`, { token: admin.access_token, body: { amount: 100000, idempotency_key: `fund-${p.id}` } }), 'deposit');
  return p;
}

// One task through L1, L2 and L3: the annotator earns l1.
async function accept(ctx, pid) {
  const [a1] = ctx.annotators, [r1] = ctx.reviewers, [s1] = ctx.supers;
  const c = ok(await claim(srv, a1, pid, 'l1'), 'claim');
  ok(await submit(srv, a1, c.id, nerResult('PER', 0, 3)), 'submit');
  ok(await claim(srv, r1, pid, 'l2'), 'claim l2');
  ok(await review(srv, r1, c.id, { decision: 'approve' }), 'review');
  ok(await claim(srv, s1, pid, 'l3'), 'claim l3');
  assert.equal(ok(await decide(srv, s1, c.id, { decision: 'approve' }), 'decide').state, 'accepted');
}

test('earnings in EUR and USD, after a USD-only payout, one line per currency', async (t) => {
  const ctx = await setupProject(srv, { counts: { annotator: 1, reviewer: 1, super_reviewer: 1 } });
  const [a1] = ctx.annotators;
  const usd = await project(ctx, 'USD', 150);
  const eur = await project(ctx, 'EUR', 275);
  await addTasks(srv, ctx.admin, usd.id, ['Ann one', 'Ann two']);
  await addTasks(srv, ctx.admin, eur.id, ['Eve one']);
  await accept(ctx, usd.id);
  await accept(ctx, eur.id);
  // A second USD task submitted and waiting for review: pending.
  const waiting = ok(await claim(srv, a1, usd.id, 'l1'), 'claim');
  ok(await submit(srv, a1, waiting.id, nerResult('PER', 0, 3)), 'submit');

  const admin = await newPage(browser, srv);
  const ann = await newPage(browser, srv);
  t.after(() => {
    dumpProblems(t, admin, ann);
    return Promise.all([admin, ann].map((p) => p.context().close().catch(() => {})));
  });
  await signInAs(admin, { email: ADMIN.email, password: ADMIN.password }, { admin: true });
  await admin.goto('/admin/payouts');
  // Earned so far: $1.50 and €2.75; €10.00 keeps EUR out of this batch.
  await admin.getByLabel('Minimum in USD').fill('0.01');
  await admin.getByLabel('Minimum in EUR').fill('10.00');
  await admin.getByRole('button', { name: 'Create payout batch' }).click();
  const created = await admin.getByText(/^Batch #\d+ created with/).innerText();
  const batchId = Number(/#(\d+)/.exec(created)[1]);
  const batch = ok(await srv.api('GET', `/api/v1/payouts/${batchId}`, { token: ctx.admin.access_token }), 'batch');
  assert.deepEqual(batch.min_amounts, { EUR: 1000, USD: 1 });
  assert.deepEqual(Object.keys(batch.totals), ['USD']);
  for (let i = 0; i < 150 && (await admin.getByTestId(`payout-status-${batchId}`).innerText()) !== 'Paid'; i++) {
    await admin.getByRole('button', { name: 'Refresh' }).click();
    await admin.waitForTimeout(200);
  }
  assert.equal(await admin.getByTestId(`payout-status-${batchId}`).innerText(), 'Paid');

  await signInAs(ann, a1);
  await ann.goto('/earnings');
  const table = ann.getByRole('table', { name: 'Totals in every currency' });
  await table.waitFor();
  const rows = await table.locator('tbody tr').allInnerTexts();
  const cells = rows.map((r) => r.split('\t').map((c) => c.trim()));
  assert.deepEqual(cells, [
    ['EUR', '€0.00', '€2.75', '€0.00'],
    ['USD', '$1.50', '$0.00', '$1.50'],
  ]);
  assert.deepEqual(await ann.getByTestId('earnings-paid').locator('.money-line').allInnerTexts(), ['€0.00', '$1.50']);
  assert.deepEqual(await ann.getByTestId('earnings-pending').locator('.money-line').allInnerTexts(), ['€0.00', '$1.50']);
  assert.deepEqual(await ann.getByTestId('earnings-earned').locator('.money-line').allInnerTexts(), ['€2.75', '$0.00']);
  // Each currency has its own running totals: the USD payout is charted
  // too, not only the first currency's.
  for (const c of ['EUR', 'USD'])
    await ann.getByRole('figure', { name: `Earned and paid over the last 90 days (${c}, running totals)` }).waitFor({ timeout: 5000 });
  const usdChart = ann.getByRole('table', { name: 'Earned and paid over the last 90 days (USD, running totals)' });
  assert.match((await usdChart.locator('tbody tr').last().innerText()).replace(/\s+/g, ' '), /1\.5 1\.5$/);
  await screenshot(ann, 'earnings-multi-currency');
});
