// LABELFLOW_MEDIA_REDIRECT: with blobs in a bucket, a signed media link
// that passes our checks answers 302 to the store's own presigned URL,
// which a plain HTTP client fetches (Range included) from the store alone;
// an expired or foreign link is still refused with 403 and no Location;
// bearer requests, and the same setting on local disk, still stream. The
// bucket is s3rver's (tests/storage, npm), started here on a free
// loopback port as tests/unit/test_blob_adapters.c starts it; skipped
// when it is not installed (scripts/install-deps installs it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, ADMIN, JWT_SECRET, errorCode, createUser } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const S3RVER = join(root, 'tests', 'storage', 'node_modules', '.bin', 's3rver');
const skip = existsSync(S3RVER) ? false : 's3rver is not installed (scripts/install-deps)';
const BUCKET = 'lf-media';
const CONFIG = `<View><Audio name="aud" value="$audio"/>
  <Labels name="seg" toName="aud"><Label value="speech"/></Labels></View>`;

let work, s3, s3url, srv, disk, wav;

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

async function waitPort(port, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const up = await new Promise((resolve) => {
      const c = connect(port, '127.0.0.1', () => { c.end(); resolve(true); }).on('error', () => resolve(false));
    });
    if (up) return;
  }
  throw new Error(`s3rver did not start:\n${readFileSync(join(work, 's3rver.log'), 'utf8')}`);
}

// The server's URL key: HMAC-SHA256 under its JWT key (as media.test.mjs).
function sign(id, exp, uid) {
  const jwtKey = createHash('sha256').update(JWT_SECRET).digest();
  const key = createHmac('sha256', jwtKey).update('labelflow media url v1').digest();
  return createHmac('sha256', key).update(`${id}.${exp}.${uid}`).digest('hex');
}

// A project with an annotator on server `on`, one WAV uploaded: the item,
// the annotator's signed link to it and the annotator.
async function setup(on) {
  const admin = await on.login(ADMIN.email, ADMIN.password);
  const p = await on.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'redirect', label_config: CONFIG } });
  assert.equal(p.status, 201);
  const fd = new FormData();
  fd.append('file', new Blob([wav]), 'tone.wav');
  const up = await on.api('POST', `/api/v1/projects/${p.body.id}/media`, { token: admin.access_token, raw: fd });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const ann = await createUser(on, admin.access_token, 'annotator');
  const put = await on.api('PUT', `/api/v1/projects/${p.body.id}/members/${ann.id}`, { token: admin.access_token, body: { role: 'annotator' } });
  assert.ok(put.status < 300);
  const tok = (await on.login(ann.email, ann.password)).access_token;
  const info = await on.api('GET', `/api/v1/media/${up.body.items[0].id}/info`, { token: tok });
  assert.equal(info.status, 200);
  return { item: up.body.items[0], url: info.body.url, ann, tok, admin };
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'lf-redirect-'));
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', join(work, 'tone.wav')]);
  wav = readFileSync(join(work, 'tone.wav'));
  const port = await freePort();
  s3url = `http://127.0.0.1:${port}`;
  const log = openSync(join(work, 's3rver.log'), 'w');
  s3 = spawn(S3RVER, ['-d', join(work, 's3'), '-a', '127.0.0.1', '-p', String(port), '--silent',
    '--no-vhost-buckets', '--configure-bucket', BUCKET], {
    // s3rver's continuation tokens use DES, in OpenSSL's legacy provider.
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', log, log],
  });
  await waitPort(port, 30000);
  srv = await startServer({
    env: {
      LABELFLOW_STORAGE: `s3://${BUCKET}/lf`,
      LABELFLOW_S3_ENDPOINT: s3url,
      LABELFLOW_S3_PATH_STYLE: '1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      LABELFLOW_MEDIA_REDIRECT: '1',
    },
  });
  disk = await startServer({ env: { LABELFLOW_MEDIA_REDIRECT: '1' } });
});

after(async () => {
  if (skip) return;
  await srv?.stop();
  await disk?.stop();
  if (s3) { s3.kill('SIGTERM'); await new Promise((r) => s3.once('exit', r)); }
  rmSync(work, { recursive: true, force: true });
});

test('a signed link to a blob in a bucket answers 302 to the store, which serves the bytes and ranges', { skip }, async () => {
  const { item, url, tok } = await setup(srv);
  const r = await fetch(srv.url + url, { redirect: 'manual' });
  assert.equal(r.status, 302);
  const location = r.headers.get('location');
  assert.ok(location.startsWith(`${s3url}/${BUCKET}/lf/media/`), location);
  const q = new URL(location).searchParams;
  assert.equal(q.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
  // It expires with our link (600 s), never later.
  const ours = Number(new URL(srv.url + url).searchParams.get('exp')) - Math.floor(Date.now() / 1000);
  assert.ok(Number(q.get('X-Amz-Expires')) <= ours + 1 && Number(q.get('X-Amz-Expires')) > 500, q.get('X-Amz-Expires'));
  assert.equal(r.headers.get('cache-control'), 'no-store');

  // The store, fetched by a plain client without any of our credentials.
  let b = await fetch(location);
  assert.equal(b.status, 200);
  // The detected type, signed into the URL: the store itself keeps none.
  assert.equal(b.headers.get('content-type'), item.mime);
  assert.ok(Buffer.from(await b.arrayBuffer()).equals(wav));
  b = await fetch(location, { headers: { range: 'bytes=100-199' } });
  assert.equal(b.status, 206);
  assert.equal(b.headers.get('content-range'), `bytes 100-199/${wav.length}`);
  assert.ok(Buffer.from(await b.arrayBuffer()).equals(wav.subarray(100, 200)));
  // As a media tag does: the Range follows the redirect. (Not a suffix
  // range: s3rver 3.7.1 answers "bytes=-64" with bytes 0-64.)
  b = await fetch(srv.url + url, { headers: { range: 'bytes=1000-1063' } });
  assert.equal(b.status, 206);
  assert.ok(b.url.startsWith(s3url), b.url);
  assert.ok(Buffer.from(await b.arrayBuffer()).equals(wav.subarray(1000, 1064)));

  // A bearer request is the API's: streamed by the server, as before.
  b = await fetch(`${srv.url}/api/v1/media/${item.id}`, { headers: { authorization: `Bearer ${tok}` }, redirect: 'manual' });
  assert.equal(b.status, 200);
  assert.ok(Buffer.from(await b.arrayBuffer()).equals(wav));

  // The store's signature never reaches the log.
  assert.ok(!srv.log().includes(q.get('X-Amz-Signature')), 'presigned URL logged');
  assert.ok(srv.log().includes(`/api/v1/media/${item.id} 302`), 'the redirect is in the access log');
});

test('an expired, forged or foreign link is refused with 403 and no redirect', { skip }, async () => {
  const { item, url, ann, admin } = await setup(srv);
  const refused = async (path, code) => {
    const r = await fetch(srv.url + path, { redirect: 'manual' });
    assert.equal(r.status, 403, path);
    assert.equal(r.headers.get('location'), null);
    assert.equal(errorCode({ body: await r.json() }), code);
  };
  const past = Math.floor(Date.now() / 1000) - 5;
  await refused(`/api/v1/media/${item.id}?exp=${past}&uid=${ann.id}&sig=${sign(item.id, past, ann.id)}`, 'invalid_signature');
  const q = new URL(srv.url + url).searchParams;
  const flipped = q.get('sig').replace(/^./, (c) => (c === '0' ? '1' : '0'));
  await refused(`/api/v1/media/${item.id}?exp=${q.get('exp')}&uid=${ann.id}&sig=${flipped}`, 'invalid_signature');
  // Signed for someone outside the project.
  const other = await createUser(srv, admin.access_token, 'annotator');
  const exp = Math.floor(Date.now() / 1000) + 600;
  await refused(`/api/v1/media/${item.id}?exp=${exp}&uid=${other.id}&sig=${sign(item.id, exp, other.id)}`, 'forbidden');
});

test('on local disk the setting changes nothing: the signed link streams', { skip }, async () => {
  const { url } = await setup(disk);
  const r = await fetch(disk.url + url, { redirect: 'manual', headers: { range: 'bytes=0-9' } });
  assert.equal(r.status, 206);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(wav.subarray(0, 10)));
});
