// Uploaded media labeled in the browser. Media is generated at test time
// with Debian's ffmpeg. (a) An admin creates a bounding-box project from
// its template, has a fake image refused naming the file, then uploads two
// PNGs on the data tab (one dropped on the drop zone, one through the file
// input); an annotator draws a box on one, loaded through its signed link,
// and submits; a reviewer sees the image and the box and approves.
// (b) An audio project from the segmentation template: the annotator's
// canvas plays the uploaded WAV through its signed link, a segment is
// labeled and transcribed and submitted. (c) A video classification
// project: the player loads the clip through its signed link (read by
// Range, answered 206) and seeks, and a choice is submitted. (d) An audio
// project cut into 30 s segments with 2 s overlap: the annotator draws a
// region at 5-7 s on the waveform of the SECOND segment and submits it;
// once reviewed and accepted (through the API) the export puts it at
// 33-35 s of the source recording.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN, createUser, startUiServer, launchBrowser, newPage, signInAs, screenshot, dumpProblems,
  waitForCanvas, drawBox,
} from './lib.mjs';

let srv, browser, admin, work;
const media = {};

function ffmpeg(args, out) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, join(work, out)]);
  return join(work, out);
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lf-ui-media-'));
  media.street = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240', '-frames:v', '1'], 'street.png');
  media.park = ffmpeg(['-f', 'lavfi', '-i', 'smptebars=size=320x240', '-frames:v', '1'], 'park.png');
  media.clip = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=3:size=320x240:rate=25', '-c:v', 'libvpx', '-b:v', '300k', '-g', '25'], 'clip.webm');
  media.tone = ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=4', '-ac', '1', '-ar', '16000'], 'tone.wav');
  media.call = ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=58', '-ac', '1', '-ar', '16000'], 'call.wav');
  srv = await startUiServer();
  browser = await launchBrowser();
  admin = (await srv.login(ADMIN.email, ADMIN.password)).access_token;
});
after(async () => {
  await browser?.close();
  await srv?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function apiGet(path) {
  const r = await srv.api('GET', path, { token: admin });
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

// Polls the task until its state is `want` (the page's own announcements
// are replaced as soon as the next task is claimed).
async function waitForState(taskId, want) {
  let task;
  for (let i = 0; i < 100; i++) {
    task = await apiGet(`/api/v1/tasks/${taskId}`);
    if (task.state === want) return task;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`task ${taskId} is ${task.state}, not ${want}`);
}

async function addMember(pid, user, role) {
  const r = await srv.api('PUT', `/api/v1/projects/${pid}/members/${user.id}`, { token: admin, body: { role } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

// The admin's "New project" form with a gallery card chosen by its name.
async function createFromTemplate(page, name, template) {
  await page.goto('/admin/projects');
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: new RegExp(`^${template}`) }).click();
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL(/\/admin\/projects\/\d+/);
  return Number(new URL(page.url()).pathname.match(/\/admin\/projects\/(\d+)/)[1]);
}

// Drops files on an element as a person dragging them from their desktop would.
async function dropFiles(page, target, files) {
  const payload = files.map((f) => ({ name: f.name, type: f.type, b64: f.buffer.toString('base64') }));
  const dt = await page.evaluateHandle((fs) => {
    const d = new DataTransfer();
    for (const f of fs) d.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    return d;
  }, payload);
  for (const type of ['dragenter', 'dragover', 'drop']) await target.dispatchEvent(type, { dataTransfer: dt });
}

// Waits for an <img> served through a signed media link to be decoded.
async function signedImage(page) {
  await page.waitForFunction(
    () => [...document.images].some((i) => /\/api\/v1\/media\/\d+\?exp=\d+&uid=\d+&sig=[0-9a-f]+$/.test(i.src) && i.complete && i.naturalWidth > 0),
    null,
  );
  return page.locator('img[src*="/api/v1/media/"][src*="sig="]').first();
}

test('an admin uploads PNGs on the data tab; an annotator boxes one through its signed link; a reviewer approves', async (t) => {
  const adminPage = await newPage(browser, srv);
  const pages = [adminPage];
  t.after(() => { dumpProblems(t, ...pages); return Promise.all(pages.map((p) => p.context().close())); });
  await signInAs(adminPage, ADMIN, { admin: true });
  const pid = await createFromTemplate(adminPage, 'Street boxes', 'Bounding boxes on images');
  const project = await apiGet(`/api/v1/projects/${pid}`);
  assert.match(project.label_config, /<RectangleLabels name="label" toName="image">/);

  await adminPage.getByRole('link', { name: 'Data', exact: true }).click();
  const zone = adminPage.getByTestId('media-drop-zone');
  await zone.waitFor();

  // A text file calling itself a PNG: refused, the file named, nothing kept.
  const fake = { name: 'notes.png', type: 'image/png', buffer: Buffer.from('these are only notes, not a picture\n') };
  await adminPage.getByLabel('Choose media files').setInputFiles(fake);
  await adminPage.getByRole('button', { name: 'Upload media' }).click();
  await adminPage.getByRole('alert').filter({ hasText: 'notes.png' }).waitFor();
  assert.equal((await apiGet(`/api/v1/projects/${pid}/tasks`)).items.length, 0);
  // That refusal was expected: not a problem to report if the test fails later.
  adminPage.problems = adminPage.problems.filter((p) => !p.includes('422'));
  await adminPage.getByRole('button', { name: 'Clear' }).click();

  // One file dropped on the zone, one chosen with the picker, one upload.
  await dropFiles(adminPage, zone, [{ name: 'street.png', type: 'image/png', buffer: readFileSync(media.street) }]);
  await adminPage.getByLabel('Choose media files').setInputFiles(media.park);
  await adminPage.getByRole('list', { name: 'Chosen files' }).getByText('park.png').waitFor();
  await adminPage.getByRole('list', { name: 'Chosen files' }).getByText('street.png').waitFor();
  await adminPage.getByRole('button', { name: 'Upload media' }).click();
  await adminPage.getByText('2 tasks created').waitFor();
  const table = adminPage.getByRole('table', { name: 'Uploaded media' });
  for (const name of ['street.png', 'park.png']) {
    const row = table.getByRole('row').filter({ hasText: name });
    await row.getByText('320 × 240').waitFor();
    await row.getByText('image/png').waitFor();
  }
  await screenshot(adminPage, 'admin-media-upload');

  const tasks = (await apiGet(`/api/v1/projects/${pid}/tasks`)).items;
  assert.equal(tasks.length, 2);
  for (const task of tasks) assert.match(task.data.image, /^\/api\/v1\/media\/\d+$/);

  const annotator = await createUser(srv, admin, 'annotator');
  const reviewer = await createUser(srv, admin, 'reviewer');
  await addMember(pid, annotator, 'annotator');
  await addMember(pid, reviewer, 'reviewer');

  const ann = await newPage(browser, srv);
  pages.push(ann);
  await signInAs(ann, annotator);
  await ann.getByRole('button', { name: 'Label next' }).first().click();
  await ann.waitForURL(`**/work/projects/${pid}/label`);
  await waitForCanvas(ann);
  const image = await signedImage(ann);
  await drawBox(ann, 'Car', image, [0.2, 0.25], [0.6, 0.75]);
  await screenshot(ann, 'annotator-media-box');
  const taskId = Number((await ann.locator('.task-bar strong').first().textContent()).trim());
  await ann.getByRole('button', { name: 'Submit', exact: true }).first().click();
  const stored = await waitForState(taskId, 'queued_l2');
  const boxes = stored.annotations.at(-1).result.filter((r) => r.type === 'rectanglelabels');
  assert.equal(boxes.length, 1, JSON.stringify(stored.annotations));
  const [box] = boxes;
  assert.deepEqual(box.value.rectanglelabels, ['Car']);
  assert.deepEqual([box.original_width, box.original_height], [320, 240]);
  const near = (got, want, what) => assert.ok(Math.abs(got - want) <= 2, `${what}: ${got} is not ~${want}`);
  near(box.value.x, 20, 'x');
  near(box.value.y, 25, 'y');
  near(box.value.width, 40, 'width');
  near(box.value.height, 50, 'height');

  // The reviewer's loop loads the same media through a link of their own.
  const rev = await newPage(browser, srv);
  pages.push(rev);
  await signInAs(rev, reviewer);
  await rev.getByRole('button', { name: 'Review next' }).first().click();
  await rev.waitForURL(`**/work/projects/${pid}/review`);
  await waitForCanvas(rev);
  const revImage = await signedImage(rev);
  assert.match(await revImage.getAttribute('src'), new RegExp(`uid=${reviewer.id}&`));
  await rev.locator('.lsf-region-item, .lsf-entity, [class*="lsf-region"]').first().waitFor({ state: 'attached' });
  await screenshot(rev, 'reviewer-media-box');
  await rev.getByRole('button', { name: 'Approve', exact: true }).click();
  await rev.getByText('No more tasks').waitFor();
  // Approved at L2: on to the super reviewer (every task is sampled by default).
  assert.equal((await apiGet(`/api/v1/tasks/${taskId}`)).state, 'queued_l3');
});

test('an audio project: the canvas plays the uploaded WAV and a labeled, transcribed segment is submitted', async (t) => {
  const adminPage = await newPage(browser, srv);
  const pages = [adminPage];
  t.after(() => { dumpProblems(t, ...pages); return Promise.all(pages.map((p) => p.context().close())); });
  await signInAs(adminPage, ADMIN, { admin: true });
  const pid = await createFromTemplate(adminPage, 'Call recordings', 'Audio segmentation and transcription');
  const up = await srv.api('POST', `/api/v1/projects/${pid}/media?filename=tone.wav`, {
    token: admin, raw: readFileSync(media.tone), headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.equal(up.body.items[0].kind, 'audio');
  const taskId = up.body.items[0].task_id;
  const annotator = await createUser(srv, admin, 'annotator');
  await addMember(pid, annotator, 'annotator');

  const ann = await newPage(browser, srv);
  pages.push(ann);
  await signInAs(ann, annotator);
  await ann.getByRole('button', { name: 'Label next' }).first().click();
  await ann.waitForURL(`**/work/projects/${pid}/label`);
  await waitForCanvas(ann);
  // The player has the signed link and knows the file's length.
  await ann.waitForFunction(() => {
    const a = document.querySelector('.label-canvas audio');
    return a && /sig=[0-9a-f]+$/.test(a.currentSrc || a.src) && a.readyState >= 1 && a.duration > 3.5;
  });
  const duration = await ann.evaluate(() => document.querySelector('.label-canvas audio').duration);
  assert.ok(Math.abs(duration - 4) < 0.2, `duration ${duration}`);
  // The waveform is drawn from the same bytes.
  const wave = ann.locator('.label-canvas wave').first();
  await wave.waitFor();

  // Choose the label, then drag across the waveform from 25% to 60%.
  await ann.locator('.lsf-label', { hasText: /^Speech/ }).first().click();
  const bb = await wave.boundingBox();
  const y = bb.y + bb.height / 2;
  await ann.mouse.move(bb.x + bb.width * 0.25, y);
  await ann.mouse.down();
  await ann.mouse.move(bb.x + bb.width * 0.4, y, { steps: 5 });
  await ann.mouse.move(bb.x + bb.width * 0.6, y, { steps: 5 });
  await ann.mouse.up();
  await ann.locator('.label-canvas region').first().waitFor();

  // The per-region transcription box appears once the region is selected.
  const textbox = ann.locator('.label-canvas textarea, .label-canvas input[name="transcription"]').first();
  if (!(await textbox.isVisible())) await ann.locator('.label-canvas region').first().click();
  await textbox.fill('a steady tone');
  await ann.locator('.label-canvas').getByRole('button', { name: 'Add', exact: true }).click();
  await ann.locator('.label-canvas').getByText('a steady tone').first().waitFor();
  await screenshot(ann, 'annotator-audio-segment');
  await ann.getByRole('button', { name: 'Submit', exact: true }).first().click();
  await ann.getByText('No more tasks').waitFor();
  const stored = await waitForState(taskId, 'queued_l2');
  const result = stored.annotations.at(-1).result;
  const seg = result.find((r) => r.type === 'labels');
  assert.ok(seg, JSON.stringify(result));
  assert.equal(seg.from_name, 'segment');
  assert.equal(seg.to_name, 'audio');
  assert.deepEqual(seg.value.labels, ['Speech']);
  assert.ok(Math.abs(seg.value.start - 1.0) < 0.3, `start ${seg.value.start}`);
  assert.ok(Math.abs(seg.value.end - 2.4) < 0.3, `end ${seg.value.end}`);
  const text = result.find((r) => r.type === 'textarea');
  assert.ok(text, `no transcription in ${JSON.stringify(result)}`);
  assert.equal(text.id, seg.id, 'the transcription belongs to the segment');
  assert.deepEqual(text.value.text, ['a steady tone']);
});

test('a video project: the player loads the clip through its signed link, seeks, and a class is submitted', async (t) => {
  const pages = [];
  t.after(() => { dumpProblems(t, ...pages); return Promise.all(pages.map((p) => p.context().close())); });
  const adminPage = await newPage(browser, srv);
  pages.push(adminPage);
  await signInAs(adminPage, ADMIN, { admin: true });
  const pid = await createFromTemplate(adminPage, 'Scenes', 'Video classification');
  await adminPage.getByRole('link', { name: 'Data', exact: true }).click();
  await adminPage.getByLabel('Choose media files').setInputFiles(media.clip);
  await adminPage.getByRole('button', { name: 'Upload media' }).click();
  await adminPage.getByText('1 task created').waitFor();
  const row = adminPage.getByRole('table', { name: 'Uploaded media' }).getByRole('row').filter({ hasText: 'clip.webm' });
  await row.getByText('0:03').waitFor();
  await row.getByText('320 × 240').waitFor();
  const taskId = (await apiGet(`/api/v1/projects/${pid}/tasks`)).items[0].id;
  const annotator = await createUser(srv, admin, 'annotator');
  await addMember(pid, annotator, 'annotator');

  const ann = await newPage(browser, srv);
  pages.push(ann);
  // What the player asks of the signed link, and what it is answered.
  const reads = [];
  ann.on('response', async (r) => {
    if (/\/api\/v1\/media\/\d+\?exp=/.test(r.url())) reads.push({ status: r.status(), range: (await r.request().allHeaders()).range });
  });
  await signInAs(ann, annotator);
  await ann.getByRole('button', { name: 'Label next' }).first().click();
  await ann.waitForURL(`**/work/projects/${pid}/label`);
  await waitForCanvas(ann);
  await ann.waitForFunction(() => {
    const v = document.querySelector('.label-canvas video');
    return v && /sig=[0-9a-f]+$/.test(v.currentSrc || v.src) && v.readyState >= 1 && v.duration > 2.5;
  });
  const seeked = await ann.evaluate(
    () =>
      new Promise((resolve) => {
        const v = document.querySelector('.label-canvas video');
        v.addEventListener('seeked', () => resolve({ at: v.currentTime, width: v.videoWidth }), { once: true });
        v.currentTime = 2;
      }),
  );
  assert.ok(Math.abs(seeked.at - 2) < 0.1, `seeked to ${seeked.at}`);
  assert.equal(seeked.width, 320);
  // The media element reads by byte range, and the server answers 206.
  assert.ok(reads.some((r) => r.status === 206 && /^bytes=\d+-/.test(r.range ?? '')), JSON.stringify(reads));
  await ann.locator('.label-canvas').getByText(/^Outdoor/).first().click();
  await screenshot(ann, 'annotator-video-choice');
  await ann.getByRole('button', { name: 'Submit', exact: true }).first().click();
  await ann.getByText('No more tasks').waitFor();
  const stored = await waitForState(taskId, 'queued_l2');
  const choice = stored.annotations.at(-1).result.find((r) => r.type === 'choices');
  assert.ok(choice, JSON.stringify(stored.annotations));
  assert.deepEqual([choice.from_name, choice.to_name, choice.value.choices], ['scene', 'video', ['Outdoor']]);
});

// Exports a project in format and returns the file's text.
async function runExport(pid, format) {
  const r = await srv.api('POST', `/api/v1/projects/${pid}/exports`, { token: admin, body: { format } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  let e;
  for (let i = 0; i < 400 && !['done', 'failed'].includes(e?.status); i++) {
    if (i > 0) await new Promise((res) => setTimeout(res, 50));
    e = await apiGet(`/api/v1/exports/${r.body.id}`);
  }
  assert.equal(e.status, 'done', JSON.stringify(e));
  const res = await fetch(srv.url + e.file_url, { headers: { authorization: `Bearer ${admin}` } });
  assert.equal(res.status, 200);
  return res.text();
}

test('a segmented audio project: a region drawn in the second segment exports on the source timeline', async (t) => {
  const pages = [];
  t.after(() => { dumpProblems(t, ...pages); return Promise.all(pages.map((p) => p.context().close())); });
  const adminPage = await newPage(browser, srv);
  pages.push(adminPage);
  await signInAs(adminPage, ADMIN, { admin: true });
  const pid = await createFromTemplate(adminPage, 'Long calls', 'Audio segmentation and transcription');
  const patch = await srv.api('PATCH', `/api/v1/projects/${pid}`, { token: admin, body: { policies: { segment_seconds: 30, segment_overlap_seconds: 2 } } });
  assert.equal(patch.status, 200, JSON.stringify(patch.body));
  // 58 s in 30 s with 2 s overlap: [0,30] [28,58], a task each.
  const up = await srv.api('POST', `/api/v1/projects/${pid}/media?filename=call.wav`, {
    token: admin, raw: readFileSync(media.call), headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const [first, second] = up.body.items[0].segments;
  assert.deepEqual(up.body.items[0].segments.map((s) => [s.segment_start, s.segment_end]), [[0, 30], [28, 58]]);

  const [annotator, other, reviewer, superReviewer] = await Promise.all(
    ['annotator', 'annotator', 'reviewer', 'super_reviewer'].map((role) => createUser(srv, admin, role)));
  for (const [u, role] of [[annotator, 'annotator'], [other, 'annotator'], [reviewer, 'reviewer'], [superReviewer, 'super_reviewer']])
    await addMember(pid, u, role);
  const tokenOf = async (u) => (await srv.login(u.email, u.password)).access_token;
  const act = async (u, method, path, body) => {
    const r = await srv.api(method, path, { token: await tokenOf(u), body });
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  // Someone else holds the first segment, so "Label next" brings the second.
  assert.equal((await act(other, 'POST', `/api/v1/projects/${pid}/claim`, { stage: 'l1' })).id, first.task_id);

  const ann = await newPage(browser, srv);
  pages.push(ann);
  await signInAs(ann, annotator);
  await ann.getByRole('button', { name: 'Label next' }).first().click();
  await ann.waitForURL(`**/work/projects/${pid}/label`);
  await waitForCanvas(ann);
  // The player has the second segment's own file (30 s) by its signed link.
  await ann.waitForFunction((id) => {
    const a = document.querySelector('.label-canvas audio');
    return a && new RegExp(`/api/v1/media/${id}\\?exp=\\d+&uid=\\d+&sig=[0-9a-f]+$`).test(a.currentSrc || a.src) && a.readyState >= 1;
  }, second.media_id);
  const duration = await ann.evaluate(() => document.querySelector('.label-canvas audio').duration);
  assert.ok(Math.abs(duration - 30) < 0.2, `duration ${duration}`);
  assert.equal(Number((await ann.locator('.task-bar strong').first().textContent()).trim()), second.task_id);

  // The waveform spans the segment's 30 s: 5-7 s is 1/6 to 7/30 of its width.
  const wave = ann.locator('.label-canvas wave').first();
  await wave.waitFor();
  await ann.locator('.lsf-label', { hasText: /^Speech/ }).first().click();
  const bb = await wave.boundingBox();
  const y = bb.y + bb.height / 2;
  await ann.mouse.move(bb.x + (bb.width * 5) / 30, y);
  await ann.mouse.down();
  await ann.mouse.move(bb.x + (bb.width * 6) / 30, y, { steps: 5 });
  await ann.mouse.move(bb.x + (bb.width * 7) / 30, y, { steps: 5 });
  await ann.mouse.up();
  await ann.locator('.label-canvas region').first().waitFor();
  await screenshot(ann, 'annotator-audio-second-segment');
  await ann.getByRole('button', { name: 'Submit', exact: true }).first().click();
  const stored = await waitForState(second.task_id, 'queued_l2');
  const seg = stored.annotations.at(-1).result.find((r) => r.type === 'labels');
  assert.ok(seg, JSON.stringify(stored.annotations));
  assert.deepEqual(seg.value.labels, ['Speech']);
  // Times on the segment's own file, as the canvas reports them.
  assert.ok(Math.abs(seg.value.start - 5) < 0.3, `start ${seg.value.start}`);
  assert.ok(Math.abs(seg.value.end - 7) < 0.3, `end ${seg.value.end}`);

  // Review and acceptance through the API: L2 approves, L3 accepts.
  assert.equal((await act(reviewer, 'POST', `/api/v1/projects/${pid}/claim`, { stage: 'l2' })).id, second.task_id);
  await act(reviewer, 'POST', `/api/v1/tasks/${second.task_id}/review`, { decision: 'approve' });
  assert.equal((await act(superReviewer, 'POST', `/api/v1/projects/${pid}/claim`, { stage: 'l3' })).id, second.task_id);
  assert.equal((await act(superReviewer, 'POST', `/api/v1/tasks/${second.task_id}/decide`, { decision: 'approve' })).state, 'accepted');

  // The export maps the region onto the 58 s recording: 28 s later.
  const exported = JSON.parse(await runExport(pid, 'label_studio_json'));
  const task = exported.find((x) => x.id === second.task_id);
  assert.ok(task, JSON.stringify(exported));
  assert.equal(task.source.media, `/api/v1/media/${up.body.items[0].id}`);
  assert.equal(task.source.segment_start, 28);
  const onSource = task.source.result.find((r) => r.type === 'labels');
  assert.ok(Math.abs(onSource.value.start - (seg.value.start + 28)) < 1e-6, JSON.stringify(onSource));
  assert.ok(Math.abs(onSource.value.end - (seg.value.end + 28)) < 1e-6, JSON.stringify(onSource));
  assert.ok(Math.abs(onSource.value.start - 33) < 0.3 && Math.abs(onSource.value.end - 35) < 0.3, JSON.stringify(onSource));
});
