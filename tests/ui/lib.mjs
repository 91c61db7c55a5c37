// Browser test harness: a real `labelflow serve` serving the built UI
// (web/dist), Debian's chromium driven by playwright-core, and helpers for
// what every scenario does (sign in, screenshots, canvas gestures).
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, crc32 } from 'node:zlib';
import { ADMIN, createUser, startServer, waitJob } from '../api/lib.mjs';

export { ADMIN, createUser, errorCode } from '../api/lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEB_DIR = process.env.LABELFLOW_WEB_DIR || join(root, 'web', 'dist');
export const ARTIFACTS = join(root, 'test-artifacts', 'ui');

// Generous: two cores run the server, chromium and other suites at once,
// and the Label Studio bundle is 2 MB of JavaScript to parse.
export const TIMEOUT = 30000;

// A named-entity project (PER, ORG over $text), as the text tests use.
export const NER_CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="#d33"/>
    <Label value="ORG" background="#33d"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;

// A project (NER_CONFIG unless fields say otherwise) with a new annotator
// as its member and the given tasks, made through the API by the admin
// (adminToken). Returns { pid, annotator, first } (first: the first task's id).
export async function annotatorProject(srv, adminToken, fields, tasks) {
  const api = async (method, path, body) => {
    const r = await srv.api(method, path, { token: adminToken, body });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const p = await api('POST', '/api/v1/projects', { label_config: NER_CONFIG, ...fields });
  const annotator = await createUser(srv, adminToken, 'annotator');
  await api('PUT', `/api/v1/projects/${p.id}/members/${annotator.id}`, { role: 'annotator' });
  const created = await api('POST', `/api/v1/projects/${p.id}/tasks`, { tasks });
  return { pid: p.id, annotator, first: created.first_id };
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// A server with the built UI. Fails at once, with the fix, when the UI
// has not been built.
export async function startUiServer(env = {}) {
  if (!existsSync(join(WEB_DIR, 'index.html')))
    throw new Error(`no built web UI in ${WEB_DIR}: run \`make\` (it runs npm run build in web/)`);
  const srv = await startServer({ env: { LABELFLOW_WEB_DIR: WEB_DIR, LABELFLOW_ACCESS_LOG: '0', ...env } });
  return srv;
}

// What most UI test files share: a UI server, a browser and the admin's
// token, opened before their tests and closed after them:
//   before(async () => ({ srv, browser, admin } = await openUi()));
//   after(() => closeUi(srv, browser));
export async function openUi(env = {}) {
  const srv = await startUiServer(env);
  const browser = await launchBrowser();
  const admin = (await srv.login(ADMIN.email, ADMIN.password)).access_token;
  return { srv, browser, admin };
}

export async function closeUi(srv, browser) {
  await browser?.close();
  await srv?.stop();
}

// One API call as `token`; throws with the answer unless it is a success,
// and returns the body.
export async function callApi(srv, token, method, path, body) {
  const r = await srv.api(method, path, { token, body });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// Makes a user a member of the project in one role.
export function addMember(srv, adminToken, projectId, userId, role) {
  return callApi(srv, adminToken, 'PUT', `/api/v1/projects/${projectId}/members/${userId}`, { role });
}

// Seeds n tasks, data dataOf(i) for i = 0..n-1, through one JSONL import
// upload (one request and one background job: the fastest way in for a
// large project), and waits until they all exist.
export async function importTasks(srv, adminToken, projectId, n, dataOf) {
  const lines = new Array(n);
  for (let i = 0; i < n; i++) lines[i] = JSON.stringify(dataOf(i));
  const r = await srv.api('POST', `/api/v1/projects/${projectId}/imports`, {
    token: adminToken,
    raw: lines.join('\n') + '\n',
    headers: { 'content-type': 'application/x-ndjson' },
  });
  if (r.status !== 202) throw new Error(`import: ${r.status} ${JSON.stringify(r.body)}`);
  const done = await waitJob(srv, adminToken, `/api/v1/imports/${r.body.id}`);
  if (done.status !== 'done' || done.tasks_created !== n) throw new Error(`import: ${JSON.stringify(done)}`);
  return done;
}

// Every page runs under the Content-Security-Policy the server sends
// (src/web/web.h, LF_WEB_CSP). A violation fails the test that closes the
// page's context; one on a page whose context is never closed (or whose
// close error is ignored) fails the file at browser.close, by exit status
// rather than by throwing, so the caller's after() still stops its server.
// The whole UI, canvas included, must work within the policy.
const cspViolations = [];

function checkCsp(list, where) {
  if (list.length > 0) throw new Error(`Content-Security-Policy violations (${where}):\n${list.join('\n')}`);
}

// For a test that provokes violations on purpose: returns the page's and
// forgets them.
export function takeCspViolations(page) {
  const seen = page.csp.splice(0);
  for (const m of seen) cspViolations.splice(cspViolations.indexOf(m), 1);
  return seen;
}

export async function launchBrowser() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, timeout: TIMEOUT });
  const close = browser.close.bind(browser);
  browser.close = async (...args) => {
    await close(...args);
    if (cspViolations.length > 0) {
      console.error(`Content-Security-Policy violations:\n${cspViolations.join('\n')}`);
      process.exitCode = 1;
    }
  };
  return browser;
}

// A fresh browser context (own storage: one person) with one page. Page
// errors and failed API calls are collected in page.problems, printed by
// dumpProblems when a test fails, so a broken view explains itself.
export async function newPage(browser, srv) {
  const context = await browser.newContext({ baseURL: srv.url, viewport: { width: 1366, height: 820 } });
  context.setDefaultTimeout(TIMEOUT);
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'} (${e.sourceFile || 'page'}:${e.lineNumber})`),
    );
  });
  const page = await context.newPage();
  page.csp = [];
  page.on('console', (m) => {
    const text = m.text();
    if (/^Refused to|Content Security Policy|^CSP violation/.test(text)) {
      page.csp.push(text.slice(0, 400));
      cspViolations.push(text.slice(0, 400));
    }
  });
  const closeContext = context.close.bind(context);
  context.close = async (...args) => {
    const url = page.url();
    await closeContext(...args);
    checkCsp(page.csp, url);
  };
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console: ${m.text().slice(0, 300)}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && r.url().includes('/api/')) page.problems.push(`${r.request().method()} ${r.url()} -> ${r.status()}`);
  });
  return page;
}

export function dumpProblems(t, ...pages) {
  for (const p of pages) for (const line of p.problems ?? []) t.diagnostic(line);
}

export async function signIn(page, email, password) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// Signs in and waits for the role's home: /admin/projects or /work.
export async function signInAs(page, user, { admin = false } = {}) {
  await signIn(page, user.email, user.password);
  await page.waitForURL(admin ? '**/admin/projects' : '**/work');
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// The Label Studio canvas has mounted and rendered its task.
export async function waitForCanvas(page) {
  await page.waitForFunction(() => typeof window.LabelStudio === 'function', null, { timeout: TIMEOUT });
  await page.locator('.lsf-main-view').first().waitFor({ timeout: TIMEOUT });
}

/*
 * Highlights `words` in the Label Studio text area and labels them with
 * `label`: clicks the label (making it the active one), selects the words
 * with a DOM Range and sends the mouseup Label Studio listens for. A
 * synthetic selection is exact where a mouse drag would depend on fonts
 * and line wrapping.
 */
export async function labelText(page, label, words) {
  await page.keyboard.press('Escape'); // nothing selected: a label click must not relabel a region
  await page.locator('.lsf-label', { hasText: new RegExp(`^${label}`) }).first().click();
  await page.evaluate((w) => {
    const box = document.querySelector('.lsf-richtext__container');
    if (!box) throw new Error('no Label Studio text area');
    const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const i = n.data.indexOf(w);
      if (i < 0) continue;
      const range = document.createRange();
      range.setStart(n, i);
      range.setEnd(n, i + w.length);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      const r = range.getBoundingClientRect();
      box.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, clientX: r.right, clientY: r.bottom - 2 }));
      return;
    }
    throw new Error(`"${w}" is not in the text area`);
  }, words);
}

/* Draws a box on the Label Studio image by a mouse drag, from and to
 * fractions of the displayed image's size. */
export async function drawBox(page, label, image, [x0, y0], [x1, y1]) {
  await page.keyboard.press('Escape');
  await page.locator('.lsf-label', { hasText: new RegExp(`^${label}`) }).first().click();
  const bb = await image.boundingBox();
  await page.mouse.move(bb.x + bb.width * x0, bb.y + bb.height * y0);
  await page.mouse.down();
  await page.mouse.move(bb.x + bb.width * ((x0 + x1) / 2), bb.y + bb.height * ((y0 + y1) / 2), { steps: 6 });
  await page.mouse.move(bb.x + bb.width * x1, bb.y + bb.height * y1, { steps: 6 });
  await page.mouse.up();
}

// A width x height RGB PNG with a gradient and a dark rectangle in it.
export function makePng(width, height) {
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const inside = x > width * 0.2 && x < width * 0.6 && y > height * 0.3 && y < height * 0.7;
      row[1 + x * 3] = inside ? 30 : (x * 255) / width;
      row[2 + x * 3] = inside ? 30 : (y * 255) / height;
      row[3 + x * 3] = inside ? 30 : 180;
    }
    rows.push(row);
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Serves fixed files on a loopback port: the media a task's data points
// at (the server stores no media yet). Resolves with { url, close }.
export function serveFiles(files) {
  const server = http.createServer((req, res) => {
    const f = files[req.url.split('?')[0]];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'content-length': f.body.length, 'access-control-allow-origin': '*' });
    res.end(f.body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }),
    );
  });
}
