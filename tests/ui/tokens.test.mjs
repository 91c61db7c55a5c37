// API tokens from the browser: an annotator opens "API tokens" from the
// header, creates a token (shown once, with a copy button), a script uses
// it, the list shows it without its secret, and revoking it in the page
// refuses the script's next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startUiServer, launchBrowser, newPage, signInAs, screenshot, dumpProblems, createUser, ADMIN } from './lib.mjs';

let srv, browser;
before(async () => {
  srv = await startUiServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('create, use and revoke an API token in the page', async (t) => {
  const admin = await srv.login(ADMIN.email, ADMIN.password);
  const user = await createUser(srv, admin.access_token, 'annotator');
  const page = await newPage(browser, srv);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  try {
    await signInAs(page, user);
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.waitForURL('**/account/tokens');
    await page.getByText('No tokens yet.').waitFor();
    await page.getByRole('button', { name: 'New token' }).click();
    await page.getByLabel('Name').fill('nightly export');
    // An annotator is not offered the admin role.
    const roles = await page.getByLabel('Role').locator('option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(roles, ['annotator', 'reviewer', 'super_reviewer']);
    await page.getByLabel('Expires after (days)').fill('7');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').textContent()).trim();
    assert.match(token, /^lf_pat_[0-9a-f]{12}_[0-9a-f]{64}$/);
    await page.getByRole('button', { name: 'Copy token' }).click();
    await page.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);

    const me = await srv.api('GET', '/api/v1/me', { headers: { authorization: `Token ${token}` } });
    assert.equal(me.status, 200);
    assert.equal(me.body.email, user.email);

    // Done hides the secret; the row shows the prefix only.
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('new-token').count(), 0);
    const row = page.getByRole('row', { name: /nightly export/ });
    await row.waitFor();
    const text = await row.textContent();
    assert.ok(text.includes(`lf_pat_${token.slice(7, 19)}_…`), text);
    assert.ok(!text.includes(token.slice(20)), 'the secret is in the list');
    await screenshot(page, 'tokens-list');

    await page.getByRole('button', { name: 'Revoke nightly export' }).click();
    await page.getByText('Token nightly export revoked.').waitFor();
    const after = await srv.api('GET', '/api/v1/me', { headers: { authorization: `Token ${token}` } });
    assert.equal(after.status, 401);
    assert.equal(after.body.error.code, 'token_revoked');
  } catch (e) {
    dumpProblems(t, page);
    await screenshot(page, 'tokens-failure');
    throw e;
  } finally {
    await page.context().close();
  }
});
