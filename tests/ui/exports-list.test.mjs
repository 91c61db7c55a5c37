// The Exports tab lists the project's past exports (format, filters,
// status, size, created) with a download link each, and a new export joins
// the list when it finishes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, closeUi, dumpProblems, newPage, openUi, screenshot, signInAs } from './lib.mjs';
import { waitJob } from '../api/lib.mjs';

const CONFIG = `<View><Labels name="label" toName="text"><Label value="PER"/></Labels><Text name="text" value="$text"/></View>`;

let srv, browser, admin;
before(async () => ({ srv, browser, admin } = await openUi()));
after(() => closeUi(srv, browser));

const api = async (method, path, body) => {
  const r = await srv.api(method, path, { token: admin, body });
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

test('past exports with their filters, sizes and download links', async (t) => {
  const p = await api('POST', '/api/v1/projects', { name: 'Exported', label_config: CONFIG });
  await api('POST', `/api/v1/projects/${p.id}/tasks`, { tasks: [{ data: { text: 'Alice' } }, { data: { text: 'Bob' } }] });
  const a = await api('POST', `/api/v1/projects/${p.id}/exports`, { format: 'jsonl', filter: { state: ['queued_l1'] } });
  const b = await api('POST', `/api/v1/projects/${p.id}/exports`, { format: 'csv', filter: { state: ['accepted'] } });
  const done = [await waitJob(srv, admin, `/api/v1/exports/${a.id}`), await waitJob(srv, admin, `/api/v1/exports/${b.id}`)];

  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close().catch(() => {}); });
  await signInAs(page, { email: ADMIN.email, password: ADMIN.password }, { admin: true });
  await page.goto(`/admin/projects/${p.id}/exports`);
  const table = page.locator('table.past-exports');
  const rowA = table.locator('tr', { hasText: `#${a.id}` }).first();
  await rowA.getByRole('link', { name: `Download #${a.id}` }).waitFor();
  assert.match(await rowA.innerText(), /JSON Lines/);
  assert.match(await rowA.innerText(), /queued_l1/);
  assert.match(await rowA.innerText(), new RegExp(`${done[0].bytes.toLocaleString('en-US')} bytes`));
  const rows = await table.locator('tbody tr').allInnerTexts();
  assert.match(rows[0], new RegExp(`#${b.id}`), 'newest first');
  assert.match(rows[1], new RegExp(`#${a.id}`));
  await screenshot(page, 'exports-list');

  const dl = page.waitForEvent('download');
  await rowA.getByRole('link', { name: `Download #${a.id}` }).click();
  const file = await dl;
  assert.match(file.suggestedFilename(), new RegExp(`export-${a.id}`));

  // A new export from the form appears at the top once it is done.
  await page.getByLabel('Format').selectOption('tsv');
  await page.getByRole('button', { name: 'Export' }).click();
  await page.getByRole('link', { name: /^Download export #/ }).waitFor();
  await table.locator('tbody tr').first().getByText('TSV').waitFor();
  assert.equal(await table.locator('tbody tr').count(), 3);
});
