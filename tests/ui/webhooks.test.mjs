// Webhooks in the browser: the admin adds a webhook to a local receiver on
// the project's Webhooks tab and sees its secret once; one L1 submit makes
// the log show delivered deliveries with 200. The receiver then refuses
// everything: a test PING fails with 503 after its attempts, the admin
// presses Redeliver once the receiver answers again, and the log shows it
// delivered with 200. Every request the receiver got was signed with the
// secret the page showed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { NER_CONFIG, addMember, callApi, closeUi, createUser, dumpProblems, newPage, openUi, signInAs } from './lib.mjs';

let srv, browser, admin, rx;
const got = [];
let status = 200;
let secret = '';

before(async () => {
  rx = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(req.headers['labelflow-signature'] || '');
      const key = createHash('sha256').update(secret).digest();
      const valid = !!m && createHmac('sha256', key).update(`${m[1]}.${raw}`).digest('hex') === m[2];
      got.push({ body: JSON.parse(raw), valid, status });
      res.writeHead(status);
      res.end(status === 200 ? 'ok' : 'down');
    });
  });
  await new Promise((r) => rx.listen(0, '127.0.0.1', r));
  ({ srv, browser, admin } = await openUi({
    LABELFLOW_OUTBOUND_ALLOW: '127.0.0.1',
    LABELFLOW_WEBHOOK_RETRY_MS: '100',
    LABELFLOW_WEBHOOK_ATTEMPTS: '2',
    LABELFLOW_WEBHOOK_DISPATCH_MS: '50',
  }));
});
after(async () => {
  await closeUi(srv, browser);
  rx.close();
});

test('a webhook delivers an L1 submit with 200 and a failed PING is redelivered', async (t) => {
  const p = await callApi(srv, admin, 'POST', '/api/v1/projects', { name: 'Hooks', label_config: NER_CONFIG });
  const annotator = await createUser(srv, admin, 'annotator');
  await addMember(srv, admin, p.id, annotator.id, 'annotator');
  await callApi(srv, admin, 'POST', `/api/v1/projects/${p.id}/tasks`, { tasks: [{ data: { text: 'Alice met Bob' } }] });

  const page = await newPage(browser, srv);
  t.after(() => {
    dumpProblems(t, page);
    return page.context().close().catch(() => {});
  });
  await signInAs(page, { email: 'admin@example.org', password: 'admin-password-1' }, { admin: true });
  await page.goto(`/admin/projects/${p.id}/webhooks`);
  await page.getByTestId('webhook-add-url').fill(`http://127.0.0.1:${rx.address().port}/in`);
  await page.getByTestId('webhook-add-event-TASK_SUBMITTED').check();
  await page.getByTestId('webhook-add-submit').click();
  secret = (await page.getByTestId('webhook-secret-value').textContent()).trim();
  assert.match(secret, /^whsec_[0-9a-f]{48}$/);
  const hooks = await callApi(srv, admin, 'GET', `/api/v1/projects/${p.id}/webhooks`);
  const id = hooks.items[0].id;
  assert.deepEqual(hooks.items[0].events, ['TASK_SUBMITTED']);

  // One L1 submit, through the API as the annotator.
  const ann = (await srv.login(annotator.email, annotator.password)).access_token;
  const c = await callApi(srv, ann, 'POST', `/api/v1/projects/${p.id}/claim`, { stage: 'l1' });
  await callApi(srv, ann, 'POST', `/api/v1/tasks/${c.id}/submit`, {
    result: [{ id: 'r1', from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 5, labels: ['PER'] } }],
  });
  await page.getByTestId(`webhook-log-${id}`).click();
  const first = await waitDelivery(page, (d) => d.event === 'TASK_SUBMITTED' && d.status === 'delivered', id, p.id);
  assert.equal((await page.getByTestId(`delivery-code-${first.id}`).textContent()).trim(), '200');
  assert.equal((await page.getByTestId(`delivery-status-${first.id}`).textContent()).trim(), 'delivered');

  // The receiver goes down: the PING fails after its attempts.
  status = 503;
  await page.getByTestId(`webhook-test-${id}`).click();
  const failed = await waitDelivery(page, (d) => d.event === 'PING' && d.status === 'failed', id, p.id);
  assert.equal((await page.getByTestId(`delivery-code-${failed.id}`).textContent()).trim(), '503 · HTTP 503');
  status = 200;
  await page.getByTestId(`delivery-redeliver-${failed.id}`).click();
  await page.getByText(`Delivery #${failed.id} queued again.`).waitFor();
  await waitDelivery(page, (d) => d.id === failed.id && d.status === 'delivered', id, p.id);
  assert.equal((await page.getByTestId(`delivery-code-${failed.id}`).textContent()).trim(), '200');
  assert.ok(got.length >= 4 && got.every((g) => g.valid), 'every request was signed with the secret shown');
});

// Presses Refresh until the log shows a delivery matching `want` (read
// through the API to know its id), and returns it.
async function waitDelivery(page, want, hookId, projectId) {
  const end = Date.now() + 30000;
  for (;;) {
    const log = await callApi(srv, admin, 'GET', `/api/v1/projects/${projectId}/webhooks/${hookId}/deliveries`);
    const d = log.items.find(want);
    if (d) {
      await page.getByTestId('deliveries-refresh').click();
      await page.getByTestId(`delivery-status-${d.id}`).filter({ hasText: d.status }).waitFor();
      return d;
    }
    if (Date.now() > end) throw new Error('the delivery did not come');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a global webhook made on the admin\'s Webhooks page hears a project\'s event', async (t) => {
  const page = await newPage(browser, srv);
  t.after(() => {
    dumpProblems(t, page);
    return page.context().close().catch(() => {});
  });
  await signInAs(page, { email: 'admin@example.org', password: 'admin-password-1' }, { admin: true });
  await page.goto('/admin/webhooks');
  await page.getByRole('heading', { name: 'Global webhooks' }).waitFor();
  await page.getByTestId('webhook-add-url').fill(`http://127.0.0.1:${rx.address().port}/global`);
  await page.getByTestId('webhook-add-event-PROJECT_UPDATED').check();
  await page.getByTestId('webhook-add-submit').click();
  secret = (await page.getByTestId('webhook-secret-value').textContent()).trim();
  const hooks = await callApi(srv, admin, 'GET', '/api/v1/webhooks');
  assert.equal(hooks.items.length, 1);
  assert.equal(hooks.items[0].project_id, null);
  const p = await callApi(srv, admin, 'POST', '/api/v1/projects', { name: 'Global hooks', label_config: NER_CONFIG });
  await callApi(srv, admin, 'PATCH', `/api/v1/projects/${p.id}`, { name: 'Global hooks, renamed' });
  const end = Date.now() + 30000;
  let seen;
  while (!(seen = got.find((g) => g.body.event === 'PROJECT_UPDATED' && g.body.project.id === p.id))) {
    if (Date.now() > end) throw new Error('PROJECT_UPDATED did not come');
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(seen.valid, 'signed with the secret the page showed');
});
