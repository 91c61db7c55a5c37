// An image bounding-box project labeled in the canvas with the mouse: the
// annotator drags two boxes on a PNG (served from loopback, as task data
// references media by URL) and the stored Label Studio result has them
// where they were drawn, in percent of the image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, createUser, startUiServer, launchBrowser, newPage, signInAs, screenshot, dumpProblems,
  waitForCanvas, drawBox, makePng, serveFiles,
} from './lib.mjs';

const CONFIG = `<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Car" background="#e33"/>
    <Label value="Tree" background="#3a3"/>
  </RectangleLabels>
</View>`;
const W = 480, H = 320;

let srv, browser, media;
before(async () => {
  srv = await startUiServer();
  browser = await launchBrowser();
  media = await serveFiles({ '/street.png': { type: 'image/png', body: makePng(W, H) } });
});
after(async () => {
  await browser?.close();
  await media?.close();
  await srv?.stop();
});

test('an annotator draws boxes on an image with the mouse', async (t) => {
  const admin = (await srv.login(ADMIN.email, ADMIN.password)).access_token;
  const p = await srv.api('POST', '/api/v1/projects', { token: admin, body: { name: 'Street objects', label_config: CONFIG } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const pid = p.body.id;
  const annotator = await createUser(srv, admin, 'annotator');
  assert.equal((await srv.api('PUT', `/api/v1/projects/${pid}/members/${annotator.id}`, { token: admin, body: { role: 'annotator' } })).status, 200);
  const imageUrl = `${media.url}/street.png`;
  const created = await srv.api('POST', `/api/v1/projects/${pid}/tasks`, { token: admin, body: { tasks: [{ data: { image: imageUrl } }] } });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  const page = await newPage(browser, srv);
  t.after(() => { dumpProblems(t, page); return page.context().close(); });
  await signInAs(page, annotator);
  await page.getByRole('button', { name: 'Label next' }).first().click();
  await page.waitForURL(`**/work/projects/${pid}/label`);
  await waitForCanvas(page);
  const image = page.locator(`img[src="${imageUrl}"]`).first();
  await image.waitFor();
  await page.waitForFunction((src) => [...document.images].some((i) => i.src === src && i.complete && i.naturalWidth > 0), imageUrl);

  await drawBox(page, 'Car', image, [0.2, 0.3], [0.6, 0.7]);
  await drawBox(page, 'Tree', image, [0.7, 0.1], [0.9, 0.5]);
  await screenshot(page, 'annotator-image-boxes');
  await page.getByRole('button', { name: 'Submit', exact: true }).first().click();
  await page.getByText('No more tasks').waitFor();

  const list = await srv.api('GET', `/api/v1/projects/${pid}/tasks`, { token: admin });
  const task = (await srv.api('GET', `/api/v1/tasks/${list.body.items[0].id}`, { token: admin })).body;
  assert.equal(task.state, 'queued_l2');
  const boxes = task.annotations.at(-1).result.filter((r) => r.type === 'rectanglelabels');
  assert.equal(boxes.length, 2, JSON.stringify(task.annotations));
  const byLabel = Object.fromEntries(boxes.map((b) => [b.value.rectanglelabels[0], b]));
  const near = (got, want, what) => assert.ok(Math.abs(got - want) <= 2, `${what}: ${got} is not ~${want}`);
  for (const [label, [x, y, w, h]] of Object.entries({ Car: [20, 30, 40, 40], Tree: [70, 10, 20, 40] })) {
    const b = byLabel[label];
    assert.ok(b, `no ${label} box`);
    assert.equal(b.from_name, 'box');
    assert.equal(b.to_name, 'image');
    assert.equal(b.original_width, W);
    assert.equal(b.original_height, H);
    near(b.value.x, x, `${label} x`);
    near(b.value.y, y, `${label} y`);
    near(b.value.width, w, `${label} width`);
    near(b.value.height, h, `${label} height`);
  }
});
