// Signing in and out in a real browser: the API's error shown to the
// user, each role's landing page, sign-out, the session kept in an
// HttpOnly cookie (no token in storage) across reloads and tabs, the
// silent token refresh, what happens when the session cannot be
// refreshed any more, and the Content-Security-Policy at work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, createUser, startUiServer, launchBrowser, newPage, signIn, signInAs, screenshot, dumpProblems, takeCspViolations } from './lib.mjs';

let srv, browser;
// Access tokens live 3 s: long enough to load a page, short enough to
// watch the client refresh them.
const ACCESS_TTL = 3;

before(async () => {
  srv = await startUiServer({ LABELFLOW_ACCESS_TTL: String(ACCESS_TTL) });
  browser = await launchBrowser();
});
// A fresh admin token for each use: they expire within seconds here.
const adminToken = async () => (await srv.login(ADMIN.email, ADMIN.password)).access_token;
after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('a wrong password shows the API error and stays on the sign-in page', async (t) => {
  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close(); });
  const api = await srv.api('POST', '/api/v1/auth/login', { body: { email: ADMIN.email, password: 'wrong-password' } });
  assert.equal(api.status, 401);
  await signIn(page, ADMIN.email, 'wrong-password');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), new RegExp(api.body.error.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.match(new URL(page.url()).pathname, /^\/login/);
  await screenshot(page, 'login-error');
});

test('the admin lands on projects, others on their work, and sign-out ends it', async (t) => {
  const annotator = await createUser(srv, await adminToken(), 'annotator');
  const admin = await newPage(browser, srv);
  const ann = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, admin, ann); return Promise.all([admin.context().close(), ann.context().close()]); });

  await signInAs(admin, ADMIN, { admin: true });
  await admin.getByText('Administrator').first().waitFor();
  await admin.getByRole('button', { name: 'Sign out' }).waitFor();

  await signInAs(ann, annotator);
  await ann.getByText(annotator.name).first().waitFor();
  await screenshot(ann, 'annotator-work-empty');

  // No token is where a script could read it: the refresh token is an
  // HttpOnly, Secure, SameSite=Strict cookie for /api/v1/auth only, and
  // the access token lives in memory.
  const storage = () => ann.evaluate(() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]));
  assert.doesNotMatch(await storage(), /eyJ|token/i);
  assert.equal(await ann.evaluate(() => document.cookie), '');
  const cookies = await ann.context().cookies();
  assert.equal(cookies.length, 1, JSON.stringify(cookies));
  assert.equal(cookies[0].name, 'lf_refresh');
  assert.equal(cookies[0].path, '/api/v1/auth');
  assert.equal(cookies[0].httpOnly, true);
  assert.equal(cookies[0].secure, true);
  assert.equal(cookies[0].sameSite, 'Strict');

  // Reloading keeps the session (through the cookie); an annotator cannot
  // open the admin area.
  await ann.reload();
  await ann.waitForURL('**/work');
  await ann.getByText(annotator.name).first().waitFor();
  assert.doesNotMatch(await storage(), /eyJ|token/i);
  // A new tab of the same browser is signed in too.
  const tab = await ann.context().newPage();
  await tab.goto('/work');
  await tab.getByText(annotator.name).first().waitFor();
  await tab.close();
  await ann.goto('/admin/users');
  await ann.getByRole('button', { name: 'Sign out' }).waitFor();
  await ann.waitForTimeout(500);
  assert.equal(await ann.getByRole('button', { name: 'New user' }).count(), 0);

  await ann.getByRole('button', { name: 'Sign out' }).click();
  await ann.waitForURL('**/login');
  await ann.goto('/work');
  await ann.waitForURL('**/login');
  await ann.getByRole('button', { name: 'Sign in' }).waitFor();
});

test('an expired access token is refreshed without bothering the user', async (t) => {
  const annotator = await createUser(srv, await adminToken(), 'annotator');
  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close(); });
  const refreshes = [];
  page.on('response', (r) => {
    if (r.url().endsWith('/api/v1/auth/refresh')) refreshes.push(r.status());
  });
  await signInAs(page, annotator);
  await page.waitForTimeout((ACCESS_TTL + 1) * 1000);
  await page.getByRole('link', { name: 'My earnings' }).first().click();
  await page.waitForURL('**/earnings');
  await page.getByTestId('earnings-pending').waitFor();
  assert.ok(refreshes.includes(200), `refresh calls: ${JSON.stringify(refreshes)}`);
  assert.match(new URL(page.url()).pathname, /^\/earnings/);
});

test('a session that cannot be refreshed sends the user back to sign in', async (t) => {
  const annotator = await createUser(srv, await adminToken(), 'annotator');
  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close(); });
  await signInAs(page, annotator);
  // Deactivation ends the account's sessions: the next refresh fails.
  const off = await srv.api('PATCH', `/api/v1/users/${annotator.id}`, { token: await adminToken(), body: { active: false } });
  assert.equal(off.status, 200);
  await page.waitForTimeout((ACCESS_TTL + 1) * 1000);
  // A request of the page's own (a poll) may find the session gone first
  // and send the user to sign in before the click: either way is right.
  if (!new URL(page.url()).pathname.startsWith('/login'))
    await page.getByRole('link', { name: 'My earnings' }).first().click({ timeout: 10000 }).catch(() => {});
  await page.waitForURL('**/login');
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
});

test('the page runs under the CSP: an injected inline script does not run, and the harness sees it', async (t) => {
  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close(); });
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const ran = await page.evaluate(async () => {
    window.injected = false;
    const s = document.createElement('script');
    s.textContent = 'window.injected = true';
    document.body.append(s);
    const img = document.createElement('img');
    img.setAttribute('onerror', 'window.injected = true');
    img.src = 'data:,not-an-image';
    document.body.append(img);
    await new Promise((r) => setTimeout(r, 300));
    return window.injected;
  });
  assert.equal(ran, false);
  await page.waitForTimeout(200);
  // Expected here, so taken off the list that fails any other test.
  const seen = takeCspViolations(page);
  assert.ok(seen.some((m) => /script-src/.test(m)), JSON.stringify(seen));
});
