// Bucket sources: a prefix of an S3 bucket (s3rver, started here) becomes
// a project's dataset. A sync is a job that makes one media item and one
// task per new object, refuses what is not media in its report, and reads
// only objects it has not seen: a second sync lists, and does not read,
// what it imported or refused before. Media is served from the bucket in
// place, by range. Exports can be written to a bucket. Media is generated
// with Debian's ffmpeg.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, ADMIN, errorCode, createUser } from './lib.mjs';
import { spawnBackend } from '../support/ml-backend.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const S3RVER = join(root, 'tests', 'storage', 'node_modules', '.bin', 's3rver');
const CONFIG = `<View>
  <Image name="img" value="$image"/>
  <Choices name="c" toName="img"><Choice value="cat"/></Choices>
  <Audio name="aud" value="$audio"/>
  <Labels name="seg" toName="aud"><Label value="speech"/></Labels>
</View>`;

let s3, s3url, srv, admin, work;
const f = {};

function ffmpeg(args, out) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, join(work, out)]);
  return readFileSync(join(work, out));
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// s3rver takes anonymous requests: the test writes and reads the bucket
// directly, as another tool would; the server signs with S3RVER's keys.
const put = (key, body, bucket = 'lfsrc') => fetch(`${s3url}/${bucket}/${key}`, { method: 'PUT', body }).then((r) => assert.equal(r.status, 200));
const getObject = (key, bucket) => fetch(`${s3url}/${bucket}/${key}`);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lf-sources-'));
  f.png = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48', '-frames:v', '1'], 'a.png');
  f.png2 = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=32x24', '-frames:v', '1'], 'b.png');
  f.wav = ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1'], 'tone.wav');
  const port = await freePort();
  s3url = `http://127.0.0.1:${port}`;
  s3 = spawn(S3RVER, ['-d', join(work, 's3'), '-a', '127.0.0.1', '-p', String(port), '--silent', '--no-vhost-buckets',
    '--configure-bucket', 'lfsrc', '--configure-bucket', 'lfexp'], {
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' }, stdio: 'ignore',
  });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${s3url}/lfsrc`)).status === 200) break; } catch { /* not yet */ }
    if (i > 100) throw new Error('s3rver did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  srv = await startServer({
    env: {
      LABELFLOW_S3_ENDPOINT: s3url, LABELFLOW_S3_PATH_STYLE: '1',
      AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
      LABELFLOW_OUTBOUND_ALLOW: 'localhost',
    },
  });
  admin = await srv.login(ADMIN.email, ADMIN.password);
});
after(async () => {
  await srv.stop();
  s3.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

async function project() {
  const r = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'bucket', label_config: CONFIG } });
  assert.equal(r.status, 201);
  return r.body.id;
}

async function tasksOf(pid) {
  const r = await srv.api('GET', `/api/v1/projects/${pid}/tasks?limit=500`, { token: admin.access_token });
  assert.equal(r.status, 200);
  return r.body.items;
}

// Starts a sync and waits for it to end (3 minutes at most, however slow
// the machine); returns the finished sync.
async function sync(sid, on = srv, token = admin.access_token) {
  const r = await on.api('POST', `/api/v1/sources/${sid}/sync`, { token, body: {} });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.status, 'queued');
  const end = Date.now() + 180000;
  while (Date.now() < end) {
    const g = await on.api('GET', `/api/v1/sources/${sid}`, { token });
    assert.equal(g.status, 200);
    const s = g.body.last_sync;
    assert.equal(s.id, r.body.id);
    if (s.status === 'done' || s.status === 'failed') return s;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('sync did not finish');
}

test('a bucket prefix syncs into tasks, refuses junk, serves in place by range, and re-syncs only new keys', async () => {
  const pid = await project();
  await put('ds1/img/a.png', f.png);
  await put('ds1/tone.wav', f.wav);
  await put('ds1/junk.bin', Buffer.from('this is not an image at all, just text\n'));
  await put('ds1/empty.bin', Buffer.alloc(0));
  await put('other/c.png', f.png2); // outside the prefix

  const c = await srv.api('POST', `/api/v1/projects/${pid}/sources`, { token: admin.access_token, body: { url: 's3://lfsrc/ds1/' } });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal(c.body.url, 's3://lfsrc/ds1/');
  assert.equal(c.body.last_sync, null);
  assert.ok(!JSON.stringify(c.body).includes('S3RVER'), 'no credential in the answer');
  const sid = c.body.id;

  const s1 = await sync(sid);
  assert.equal(s1.status, 'done', JSON.stringify(s1));
  // The empty object is refused from its listed size, without a read.
  assert.deepEqual([s1.listed, s1.new, s1.known, s1.refused, s1.objects_read, s1.tasks_created], [4, 4, 0, 2, 3, 2]);
  const refusals = Object.fromEntries(s1.report.refused.map((x) => [x.key, x]));
  assert.deepEqual(Object.keys(refusals).sort(), ['empty.bin', 'junk.bin']);
  assert.equal(refusals['junk.bin'].code, 'unsupported_media');
  assert.match(refusals['junk.bin'].message, /junk\.bin.*text\/plain/);
  assert.equal(refusals['empty.bin'].code, 'empty_file');

  const tasks = await tasksOf(pid);
  assert.equal(tasks.length, 2);
  const byKind = {};
  for (const t of tasks) {
    const [kind, url] = Object.entries(t.data)[0];
    const info = await srv.api('GET', `${url}/info`, { token: admin.access_token });
    assert.equal(info.status, 200);
    byKind[kind] = { task: t, info: info.body, url };
  }
  const img = byKind.image, aud = byKind.audio;
  assert.deepEqual([img.info.filename, img.info.mime, img.info.width, img.info.height], ['img/a.png', 'image/png', 64, 48]);
  assert.equal(img.info.bytes, f.png.length);
  assert.equal(img.info.storage_source_id, sid);
  assert.equal(img.info.sha256, '');
  assert.equal(aud.info.kind, 'audio');
  assert.ok(Math.abs(aud.info.duration_ms - 1000) <= 50, `wav duration ${aud.info.duration_ms}`);

  // Served from the bucket, in place, by range, with the bucket's ETag.
  const whole = await fetch(srv.url + img.url, { headers: { authorization: `Bearer ${admin.access_token}` } });
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await whole.arrayBuffer()), f.png);
  assert.equal(whole.headers.get('etag'), (await getObject('ds1/img/a.png', 'lfsrc')).headers.get('etag'));
  const part = await fetch(srv.url + aud.url, { headers: { authorization: `Bearer ${admin.access_token}`, range: 'bytes=4-11' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 4-11/${f.wav.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), f.wav.subarray(4, 12));
  const signed = await fetch(srv.url + img.info.url, { headers: { range: 'bytes=-4' } });
  assert.equal(signed.status, 206);
  assert.deepEqual(Buffer.from(await signed.arrayBuffer()), f.png.subarray(f.png.length - 4));
  const bad = await fetch(srv.url + img.url, { headers: { authorization: `Bearer ${admin.access_token}`, range: `bytes=${f.png.length}-` } });
  assert.equal(bad.status, 416);

  // Nothing new: the second sync lists and reads nothing.
  const s2 = await sync(sid);
  assert.deepEqual([s2.status, s2.listed, s2.new, s2.known, s2.objects_read, s2.tasks_created], ['done', 4, 0, 4, 0, 0]);

  // Imported objects altered in the bucket (junk of another size; the
  // same size with other bytes, told by the listed ETag) and the refused
  // one are counted as changed, not read again; only the new keys are.
  await put('ds1/img/a.png', Buffer.from('garbage now'));
  await put('ds1/tone.wav', Buffer.from(f.wav).reverse());
  await put('ds1/junk.bin', f.png2);
  await put('ds1/img/b.png', f.png2);
  await put('ds1/z/late.wav', f.wav);
  const s3sync = await sync(sid);
  assert.equal(s3sync.status, 'done');
  assert.deepEqual([s3sync.listed, s3sync.new, s3sync.known, s3sync.changed, s3sync.objects_read, s3sync.tasks_created, s3sync.refused],
    [6, 2, 4, 3, 2, 2, 0]);
  const after3 = await tasksOf(pid);
  assert.equal(after3.length, 4);
  const again = await srv.api('GET', `${img.url}/info`, { token: admin.access_token });
  assert.deepEqual([again.body.mime, again.body.width, again.body.bytes], ['image/png', 64, f.png.length], 'not re-probed');

  // Syncs and the connection are in the audit trail.
  const audit = await srv.api('GET', `/api/v1/audit?project=${pid}&limit=100`, { token: admin.access_token });
  assert.equal(audit.status, 200);
  const actions = audit.body.items.map((e) => e.action);
  assert.ok(actions.includes('source.create'), actions.join());
  assert.equal(actions.filter((a) => a === 'source.sync').length, 3);
  assert.equal(actions.filter((a) => a === 'source.sync.done').length, 3);

  // Listed per project; deleting disconnects it (its media stay served).
  const list = await srv.api('GET', `/api/v1/projects/${pid}/sources`, { token: admin.access_token });
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((s) => [s.id, s.last_sync.id]), [[sid, s3sync.id]]);
  const del = await srv.api('DELETE', `/api/v1/sources/${sid}`, { token: admin.access_token });
  assert.equal(del.status, 204);
  const gone = await srv.api('POST', `/api/v1/sources/${sid}/sync`, { token: admin.access_token, body: {} });
  assert.equal(gone.status, 404);
  const still = await fetch(srv.url + aud.url, { headers: { authorization: `Bearer ${admin.access_token}` } });
  assert.equal(still.status, 200);
});

// A sync's new tasks are queued for the project's ML backends in the
// transaction that creates them, as an import's are; the backend is sent
// each object as a link signed for the admin who connected it.
test('a sync\'s new tasks are predicted by the project\'s ML backend, sent signed media links', async () => {
  const pid = await project();
  const be = await spawnBackend(['--version', 'bucket-v1']);
  try {
    const b = await srv.api('POST', `/api/v1/projects/${pid}/ml-backends`, { token: admin.access_token, body: { url: be.url, auto_predict: true } });
    assert.equal(b.status, 201, JSON.stringify(b.body));
    assert.equal(b.body.hostname, '');
    await put('ml/a.png', f.png);
    await put('ml/b.png', f.png2);
    const c = await srv.api('POST', `/api/v1/projects/${pid}/sources`, { token: admin.access_token, body: { url: 's3://lfsrc/ml/' } });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal((await sync(c.body.id)).tasks_created, 2);
    const end = Date.now() + 60000;
    let tasks;
    while (!(tasks = await tasksOf(pid)).every((t) => t.predictions?.length === 1)) {
      assert.ok(Date.now() < end, 'the synced tasks were not predicted');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(tasks.map((t) => t.predictions[0].model_version), ['bucket-v1', 'bucket-v1']);
    assert.deepEqual(tasks.map((t) => t.predictions[0].result[0].value.choices), [['cat'], ['cat']]);
    const log = await be.log();
    const sent = log.filter((e) => e.path === '/predict').flatMap((e) => e.tasks);
    assert.deepEqual(sent.sort((x, y) => x - y), tasks.map((t) => t.id).sort((x, y) => x - y));
    // Without LABELFLOW_PUBLIC_URL the hostname is empty and the links
    // relative, but signed all the same.
    assert.equal(log.find((e) => e.path === '/setup').hostname, '');
    for (const d of log.filter((e) => e.path === '/predict').flatMap((e) => e.data))
      assert.match(d.image, /^\/api\/v1\/media\/\d+\?exp=\d+&uid=1&sig=[0-9a-f]{64}$/);
  } finally {
    await be.stop();
  }
});

test('local paths, file: URLs, unknown buckets and non-admins are refused', async () => {
  const pid = await project();
  for (const url of ['file:/etc', 'file:///etc/passwd', '/var/lib', '../blobs', 'http://example.org/x', 's3://']) {
    const r = await srv.api('POST', `/api/v1/projects/${pid}/sources`, { token: admin.access_token, body: { url } });
    assert.equal(r.status, 422, url);
    assert.equal(errorCode(r), 'invalid_source_url', url);
    assert.ok(r.body.error.message.length > 0);
  }
  const nb = await srv.api('POST', `/api/v1/projects/${pid}/sources`, { token: admin.access_token, body: { url: 's3://no-such-bucket/x/' } });
  assert.equal(nb.status, 422);
  assert.equal(errorCode(nb), 'source_unreachable');
  assert.ok(!JSON.stringify(nb.body).includes('S3RVER'));

  const ann = await createUser(srv, admin.access_token, 'annotator');
  const m = await srv.api('PUT', `/api/v1/projects/${pid}/members/${ann.id}`, { token: admin.access_token, body: { role: 'annotator' } });
  assert.ok(m.status === 200 || m.status === 201 || m.status === 204, String(m.status));
  const tok = (await srv.login(ann.email, ann.password)).access_token;
  const r = await srv.api('POST', `/api/v1/projects/${pid}/sources`, { token: tok, body: { url: 's3://lfsrc/ds1/' } });
  assert.equal(r.status, 403);
  const ok = await srv.api('POST', `/api/v1/projects/${pid}/sources`, { token: admin.access_token, body: { url: 's3://lfsrc/ds1/' } });
  assert.equal(ok.status, 201);
  for (const [method, path] of [['GET', `/api/v1/sources/${ok.body.id}`], ['POST', `/api/v1/sources/${ok.body.id}/sync`], ['DELETE', `/api/v1/sources/${ok.body.id}`], ['GET', `/api/v1/projects/${pid}/sources`]]) {
    const x = await srv.api(method, path, { token: tok, body: method === 'POST' ? {} : undefined });
    assert.equal(x.status, 403, `${method} ${path}`);
  }
});

test('an export is written to a bucket, and says where', async () => {
  const pid = await project();
  const refused = await srv.api('POST', `/api/v1/projects/${pid}/exports`, { token: admin.access_token, body: { format: 'coco', target: 'file:/tmp/x' } });
  assert.equal(refused.status, 422);
  assert.equal(errorCode(refused), 'invalid_target');
  const r = await srv.api('POST', `/api/v1/projects/${pid}/exports`, { token: admin.access_token, body: { format: 'coco', target: 's3://lfexp/labels/' } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.target, 's3://lfexp/labels/');
  let e;
  for (let i = 0; i < 300; i++) {
    e = (await srv.api('GET', `/api/v1/exports/${r.body.id}`, { token: admin.access_token })).body;
    if (e.status === 'done' || e.status === 'failed') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(e.status, 'done', JSON.stringify(e));
  assert.equal(e.location, `s3://lfexp/labels/export-${e.id}.json`);
  const obj = await getObject(`labels/export-${e.id}.json`, 'lfexp');
  assert.equal(obj.status, 200);
  const body = Buffer.from(await obj.arrayBuffer());
  assert.equal(body.length, e.bytes);
  assert.ok(Array.isArray(JSON.parse(body).images));
  const file = await fetch(srv.url + e.file_url, { headers: { authorization: `Bearer ${admin.access_token}` } });
  assert.equal(file.status, 200);
  assert.deepEqual(Buffer.from(await file.arrayBuffer()), body);
});

test('with LABELFLOW_MEDIA_REDIRECT a signed link to a bucket object answers 302 to that bucket, typed', async () => {
  const red = await startServer({
    env: {
      LABELFLOW_S3_ENDPOINT: s3url, LABELFLOW_S3_PATH_STYLE: '1', LABELFLOW_MEDIA_REDIRECT: '1',
      AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
  });
  try {
    const tok = (await red.login(ADMIN.email, ADMIN.password)).access_token;
    await put('ds-red/a.png', f.png);
    const p = await red.api('POST', '/api/v1/projects', { token: tok, body: { name: 'redirect', label_config: CONFIG } });
    assert.equal(p.status, 201);
    const c = await red.api('POST', `/api/v1/projects/${p.body.id}/sources`, { token: tok, body: { url: 's3://lfsrc/ds-red/' } });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal((await sync(c.body.id, red, tok)).tasks_created, 1);
    const t = (await red.api('GET', `/api/v1/projects/${p.body.id}/tasks`, { token: tok })).body.items[0];
    const info = await red.api('GET', `${t.data.image}/info`, { token: tok });
    const r = await fetch(red.url + info.body.url, { redirect: 'manual' });
    assert.equal(r.status, 302);
    // The source bucket's own object, not the server's store.
    const location = r.headers.get('location');
    assert.ok(location.startsWith(`${s3url}/lfsrc/ds-red/a.png?`), location);
    const b = await fetch(location);
    assert.equal(b.status, 200);
    assert.equal(b.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await b.arrayBuffer()).equals(f.png));
  } finally {
    await red.stop();
  }
});

// A project may connect many prefixes: the list pages by id like every
// other list, each page carrying its sources' latest syncs.
test('the sources list pages by id', async () => {
  const pid = await project();
  const ids = [];
  for (const prefix of ['ds1/', 'ds2/', 'ds3/']) {
    const c = await srv.api('POST', `/api/v1/projects/${pid}/sources`, { token: admin.access_token, body: { url: `s3://lfsrc/${prefix}` } });
    assert.equal(c.status, 201);
    ids.push(c.body.id);
  }
  const seen = [];
  let cursor = null, pages = 0;
  do {
    const r = await srv.api('GET', `/api/v1/projects/${pid}/sources?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.access_token });
    assert.equal(r.status, 200);
    assert.ok(r.body.items.length <= 2);
    for (const s of r.body.items) assert.ok('last_sync' in s, JSON.stringify(s));
    seen.push(...r.body.items.map((s) => s.id));
    cursor = r.body.next_cursor;
    pages++;
  } while (cursor);
  assert.deepEqual(seen, ids);
  assert.equal(pages, 2);
  const bad = await srv.api('GET', `/api/v1/projects/${pid}/sources?limit=0`, { token: admin.access_token });
  assert.equal(bad.status, 400);
});
