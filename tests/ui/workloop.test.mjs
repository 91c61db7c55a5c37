// The annotator's loop around the canvas: the project's instructions open
// over the page on first visit only; the queue size and the tasks done are
// shown; on a 240 KB text the task bar (Submit) stays in the window and the
// canvas scrolls inside a bounded box instead of growing the page; the
// lease countdown warns in its last minute when the lease is not renewed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeUi, createUser, dumpProblems, newPage, openUi, screenshot, signInAs, waitForCanvas } from './lib.mjs';

const CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="#d33"/>
    <Label value="ORG" background="#33d"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;

let srv, browser, admin;
before(async () => ({ srv, browser, admin } = await openUi()));
after(() => closeUi(srv, browser));

const api = async (method, path, body) => {
  const r = await srv.api(method, path, { token: admin, body });
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

async function project(fields, tasks) {
  const p = await api('POST', '/api/v1/projects', { label_config: CONFIG, ...fields });
  const annotator = await createUser(srv, admin, 'annotator');
  await api('PUT', `/api/v1/projects/${p.id}/members/${annotator.id}`, { role: 'annotator' });
  await api('POST', `/api/v1/projects/${p.id}/tasks`, { tasks });
  return { pid: p.id, annotator };
}

// About 240 KB of text in paragraphs.
function longText() {
  const para = 'Alice Smith met Bob Jones at Acme Corp in Paris to talk about the quarterly numbers and the new office. ';
  const out = [];
  let n = 0;
  while (n < 240 * 1024) {
    const p = para.repeat(8).trim();
    out.push(p);
    n += p.length + 2;
  }
  out.push('THE VERY END.');
  return out.join('\n\n');
}

test('instructions overlay once, queue and progress, Submit reachable on a 240 KB text', async (t) => {
  const text = longText();
  assert.ok(text.length >= 240 * 1024);
  const { pid, annotator } = await project(
    { name: 'Long texts', instructions: 'Mark every person as PER and every company as ORG.' },
    [{ data: { text } }, { data: { text: 'Short one.' } }, { data: { text: 'Another.' } }],
  );
  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close().catch(() => {}); });
  // The list of one's projects fetches the canvas bundle ahead (a prefetch, not a claim).
  const prefetched = page.waitForRequest((r) => /label-studio-[\d.]+\/main\.js$/.test(r.url()));
  await signInAs(page, annotator);
  await prefetched;
  assert.equal(await page.evaluate(() => typeof window.LabelStudio), 'undefined', 'prefetched, not run');
  const unclaimed = (await api('GET', `/api/v1/projects/${pid}`)).counts;
  assert.equal(unclaimed.locked_l1 ?? 0, 0, 'nothing is claimed before the label page opens');
  await page.goto(`/work/projects/${pid}/label`);

  const dialog = page.getByRole('dialog', { name: 'Instructions for Long texts' });
  await dialog.waitFor();
  await dialog.getByText('Mark every person as PER').waitFor();
  await screenshot(page, 'workloop-instructions');
  await dialog.getByRole('button', { name: /Got it/ }).click();
  await dialog.waitFor({ state: 'detached' });

  await waitForCanvas(page);
  await page.locator('.lsf-richtext__container', { hasText: 'THE VERY END.' }).first().waitFor();
  // Three tasks, one claimed: two wait in the queue.
  await page.locator('.queue-size', { hasText: /^2$/ }).waitFor();
  assert.equal(await page.locator('.done-count').innerText(), '0');
  await page.locator('.lease-timer[data-level="ok"]').waitFor();

  // The page stays about a window tall; the canvas box scrolls instead.
  const heights = await page.evaluate(() => {
    const box = document.querySelector('.label-canvas');
    return { page: document.documentElement.scrollHeight, inner: window.innerHeight, box: box.clientHeight, content: box.scrollHeight };
  });
  assert.ok(heights.page < heights.inner * 2, `page is ${heights.page} px tall for a ${heights.inner} px window`);
  assert.ok(heights.content > heights.box * 5, `the canvas box scrolls its content (${JSON.stringify(heights)})`);

  // Scroll everything to the bottom: Submit and the label bar stay in view.
  await page.evaluate(() => {
    const box = document.querySelector('.label-canvas');
    box.scrollTop = box.scrollHeight;
    window.scrollTo(0, document.documentElement.scrollHeight);
  });
  await page.getByText('THE VERY END.').first().waitFor();
  const submit = page.getByRole('button', { name: 'Submit' });
  // In the window and not covered by anything (the stuck task bar over the label bar, say).
  const inView = async (loc) => {
    const bb = await loc.boundingBox();
    if (!bb || bb.y < 0 || bb.y + bb.height > 820) return false;
    return loc.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit !== null && (el === hit || el.contains(hit));
    });
  };
  assert.ok(await inView(submit), `Submit is out of the window: ${JSON.stringify(await submit.boundingBox())}`);
  assert.ok(await inView(page.locator('.lsf-label', { hasText: /^PER/ }).first()), 'the label bar is out of the window');
  await screenshot(page, 'workloop-long-text-bottom');

  await submit.click();
  await page.locator('.done-count', { hasText: /^1$/ }).waitFor();
  await page.locator('.queue-size', { hasText: /^1$/ }).waitFor();

  // A reload does not open the instructions again.
  await page.reload();
  await waitForCanvas(page);
  assert.equal(await page.getByRole('dialog').count(), 0, 'the instructions open on first visit only');
});

test('the lease countdown warns in its last minute when the lease is not renewed', async (t) => {
  const { pid, annotator } = await project({ name: 'Short lease', policies: { lease_seconds: 70 } }, [{ data: { text: 'Alice Smith works at Acme.' } }]);
  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close().catch(() => {}); });
  await signInAs(page, annotator);
  // The server cannot be reached for renewals.
  await page.route('**/api/v1/tasks/*/heartbeat', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"down"}}' }));
  await page.goto(`/work/projects/${pid}/label`);
  await waitForCanvas(page);
  const timer = page.locator('.lease-timer');
  await timer.waitFor();
  const warning = page.locator('.lease-timer[data-level="warn"][role="alert"]');
  await warning.waitFor({ timeout: 20000 });
  assert.match(await warning.innerText(), /Lease ends in (1:00|0:[0-5]\d)/);
  await screenshot(page, 'workloop-lease-warning');
});
