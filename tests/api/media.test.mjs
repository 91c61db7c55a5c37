// Media datasets: images, audio and video uploaded as files, several files
// or archives become media items and tasks; their type is told by content
// and their properties probed; they are served by range to members, with
// a bearer token or a short-lived signed URL; bad uploads are refused
// naming the file and leave nothing behind. Media is generated with
// Debian's ffmpeg, archives with Python's zipfile and tarfile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, ADMIN, JWT_SECRET, errorCode, createUser } from './lib.mjs';

const CONFIG = `<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="cat"/></RectangleLabels>
  <Audio name="aud" value="$audio"/>
  <Labels name="seg" toName="aud"><Label value="speech"/></Labels>
  <Video name="vid" value="$video"/>
  <Choices name="kind" toName="vid"><Choice value="indoor"/></Choices>
</View>`;
const IMAGE_ONLY = `<View><Image name="photo" value="$picture"/>
  <Choices name="c" toName="photo"><Choice value="a"/></Choices></View>`;

let srv, admin, work;
const f = {}; // generated files: name -> Buffer

function ffmpeg(args, out) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, join(work, out)]);
  return readFileSync(join(work, out));
}

// Builds an archive with Python: entries [name, data | {symlink}] .
function archive(kind, entries, name) {
  const spec = JSON.stringify(entries.map(([n, d]) => [n, typeof d === 'string' ? { file: d } : d]));
  const py = `
import json, sys, zipfile, tarfile, io, os
kind, out, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
def data(d):
    if 'file' in d: return open(d['file'], 'rb').read()
    if 'zeros' in d: return bytes(d['zeros'])
    return d.get('text', '').encode()
if kind == 'zip':
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
        for n, d in spec:
            if 'symlink' in d:
                zi = zipfile.ZipInfo(n); zi.external_attr = (0o120777 << 16); z.writestr(zi, d['symlink'])
            elif n.endswith('/'):
                z.writestr(zipfile.ZipInfo(n), b'')
            else:
                z.writestr(zipfile.ZipInfo(n) if n.startswith('/') else n, data(d), zipfile.ZIP_DEFLATED)
else:
    with tarfile.open(out, 'w:gz' if kind == 'tgz' else 'w') as t:
        for n, d in spec:
            ti = tarfile.TarInfo(n)
            if 'symlink' in d:
                ti.type = tarfile.SYMTYPE; ti.linkname = d['symlink']; t.addfile(ti)
            else:
                b = data(d); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
`;
  const out = join(work, name);
  execFileSync('python3', ['-c', py, kind, out, spec]);
  return readFileSync(out);
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lf-media-'));
  f.wav = ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2'], 'tone.wav');
  f.mp4 = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=2:size=320x240:rate=25', '-c:v', 'mpeg4', '-g', '10'], 'clip.mp4');
  f.png = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48', '-frames:v', '1'], 'img.png');
  f.jpg = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=80x60', '-frames:v', '1'], 'img.jpg');
  srv = await startServer();
  admin = await srv.login(ADMIN.email, ADMIN.password);
});
after(async () => {
  await srv.stop();
  rmSync(work, { recursive: true, force: true });
});

async function project(label_config = CONFIG) {
  const r = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'media', label_config } });
  assert.equal(r.status, 201);
  return r.body.id;
}

function form(files) {
  const fd = new FormData();
  for (const [name, buf] of files) fd.append('file', new Blob([buf]), name);
  return fd;
}

const upload = (pid, files, token = admin.access_token) =>
  srv.api('POST', `/api/v1/projects/${pid}/media`, { token, raw: form(files) });

async function tasksOf(pid) {
  const r = await srv.api('GET', `/api/v1/projects/${pid}/tasks?limit=500`, { token: admin.access_token });
  assert.equal(r.status, 200);
  return r.body.items;
}

// Every blob file under the store's media folder for a project.
function mediaBlobs(pid) {
  const dir = join(srv.dir, 'blobs', 'media', String(pid));
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

test('single files and several files in one upload become items and tasks with probed properties', async () => {
  const pid = await project();
  const r = await upload(pid, [['photo.png', f.png], ['shot.jpg', f.jpg], ['tone.wav', f.wav], ['clip.mp4', f.mp4]]);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.count, 4);
  const [png, jpg, wav, mp4] = r.body.items;
  assert.deepEqual([png.kind, png.mime, png.width, png.height], ['image', 'image/png', 64, 48]);
  assert.deepEqual([jpg.kind, jpg.mime, jpg.width, jpg.height], ['image', 'image/jpeg', 80, 60]);
  assert.equal(wav.kind, 'audio');
  assert.ok(Math.abs(wav.duration_ms - 2000) <= 50, `wav duration ${wav.duration_ms}`);
  assert.equal(wav.probe.streams[0].type, 'audio');
  assert.equal(wav.probe.streams[0].codec, 'pcm_s16le');
  assert.equal(mp4.kind, 'video');
  assert.deepEqual([mp4.width, mp4.height], [320, 240]);
  assert.ok(Math.abs(mp4.duration_ms - 2000) <= 100, `mp4 duration ${mp4.duration_ms}`);
  assert.equal(mp4.probe.streams[0].codec, 'mpeg4');
  assert.equal(wav.bytes, f.wav.length);

  const tasks = await tasksOf(pid);
  assert.equal(tasks.length, 4);
  assert.deepEqual(tasks.map((t) => t.data), [
    { image: `/api/v1/media/${png.id}` }, { image: `/api/v1/media/${jpg.id}` },
    { audio: `/api/v1/media/${wav.id}` }, { video: `/api/v1/media/${mp4.id}` },
  ]);
  assert.deepEqual(tasks.map((t) => t.id), r.body.items.map((i) => i.task_id));

  const info = await srv.api('GET', `/api/v1/media/${wav.id}/info`, { token: admin.access_token });
  assert.equal(info.status, 200);
  assert.equal(info.body.sha256, createHash('sha256').update(f.wav).digest('hex'));
  assert.equal(info.body.filename, 'tone.wav');
  assert.equal(info.body.duration_ms, wav.duration_ms);
  const imp = await srv.api('GET', `/api/v1/imports/${r.body.import_id}`, { token: admin.access_token });
  assert.deepEqual([imp.body.format, imp.body.status, imp.body.tasks_created], ['media', 'done', 4]);

  // A raw body is one file, named by ?filename=; the data key follows the config.
  const pid2 = await project(IMAGE_ONLY);
  const raw = await srv.api('POST', `/api/v1/projects/${pid2}/media?filename=p.png`, { token: admin.access_token, raw: f.png, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(raw.status, 201, JSON.stringify(raw.body));
  assert.deepEqual((await tasksOf(pid2))[0].data, { picture: `/api/v1/media/${raw.body.items[0].id}` });
});

test('zip, tar and tar.gz archives: one item per entry, folders and hidden files skipped', async () => {
  const entries = [['set/', {}], ['set/a.png', join(work, 'img.png')], ['set/b.wav', join(work, 'tone.wav')], ['.DS_Store', { text: 'junk' }]];
  for (const [kind, name] of [['zip', 'set.zip'], ['tar', 'set.tar'], ['tgz', 'set.tar.gz']]) {
    const pid = await project();
    const r = await upload(pid, [[name, archive(kind, kind === 'zip' ? entries : entries.slice(1), name)]]);
    assert.equal(r.status, 201, `${name}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body.items.map((i) => [i.filename, i.kind]), [['set/a.png', 'image'], ['set/b.wav', 'audio']]);
    assert.equal((await tasksOf(pid)).length, 2);
    // The archive itself is not kept: only its entries' blobs remain.
    assert.equal(mediaBlobs(pid).length, 2);
  }
});

test('Range reads: whole, first bytes, middle, suffix, open-ended, unsatisfiable, If-None-Match', async () => {
  const pid = await project();
  const up = await upload(pid, [['clip.mp4', f.mp4]]);
  const id = up.body.items[0].id;
  const size = f.mp4.length;
  const get = (headers = {}) => fetch(`${srv.url}/api/v1/media/${id}`, { headers: { authorization: `Bearer ${admin.access_token}`, ...headers } });

  let r = await get();
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'video/mp4');
  assert.equal(r.headers.get('accept-ranges'), 'bytes');
  const etag = r.headers.get('etag');
  assert.equal(etag, `"${createHash('sha256').update(f.mp4).digest('hex')}"`);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(f.mp4));

  const cases = [
    ['bytes=0-99', 0, 99],
    [`bytes=1000-${1000 + 4095}`, 1000, 1000 + 4095],
    ['bytes=-500', size - 500, size - 1],
    [`bytes=${size - 10}-`, size - 10, size - 1],
    [`bytes=${size - 5}-${size + 1000}`, size - 5, size - 1],
  ];
  for (const [range, a, b] of cases) {
    r = await get({ range });
    assert.equal(r.status, 206, range);
    assert.equal(r.headers.get('content-range'), `bytes ${a}-${b}/${size}`, range);
    assert.equal(Number(r.headers.get('content-length')), b - a + 1, range);
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(f.mp4.subarray(a, b + 1)), range);
  }
  for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
    r = await get({ range });
    assert.equal(r.status, 416, range);
    assert.equal(r.headers.get('content-range'), `bytes */${size}`);
    assert.equal((await r.json()).error.code, 'range_not_satisfiable');
  }
  // Forms we do not serve by range get the whole file (RFC 9110 allows it).
  for (const range of ['bytes=0-1,5-6', 'items=0-5', 'bytes=9-3']) {
    r = await get({ range });
    assert.equal(r.status, 200, range);
    assert.equal((await r.arrayBuffer()).byteLength, size);
  }
  r = await get({ 'if-none-match': etag });
  assert.equal(r.status, 304);
});

// The server's URL key: HMAC-SHA256 under its JWT key (SHA-256 of the secret).
function sign(id, exp, uid) {
  const jwtKey = createHash('sha256').update(JWT_SECRET).digest();
  const key = createHmac('sha256', jwtKey).update('labelflow media url v1').digest();
  return createHmac('sha256', key).update(`${id}.${exp}.${uid}`).digest('hex');
}

test('signed URLs work without a bearer token; expired, forged, foreign and revoked ones get 403', async () => {
  const pid = await project();
  const up = await upload(pid, [['photo.png', f.png], ['tone.wav', f.wav]]);
  const [img, wav] = up.body.items;
  const ann = await createUser(srv, admin.access_token, 'annotator');
  const put = await srv.api('PUT', `/api/v1/projects/${pid}/members/${ann.id}`, { token: admin.access_token, body: { role: 'annotator' } });
  assert.ok(put.status < 300, JSON.stringify(put.body));
  const annTok = (await srv.login(ann.email, ann.password)).access_token;

  const info = await srv.api('GET', `/api/v1/media/${wav.id}/info`, { token: annTok });
  assert.equal(info.status, 200, JSON.stringify(info.body));
  const url = info.body.url;
  assert.match(url, new RegExp(`^/api/v1/media/${wav.id}\\?exp=\\d+&uid=${ann.id}&sig=[0-9a-f]{64}$`));
  const left = Date.parse(info.body.url_expires_at) - Date.now();
  assert.ok(left > 500e3 && left <= 600e3, `expires in ${left} ms`);

  let r = await fetch(srv.url + url);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'audio/x-wav');
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(f.wav));
  r = await fetch(srv.url + url, { headers: { range: 'bytes=-100' } });
  assert.equal(r.status, 206);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(f.wav.subarray(f.wav.length - 100)));

  const q = new URL(srv.url + url).searchParams;
  const refused = async (path, code = 'invalid_signature') => {
    const res = await srv.api('GET', path);
    assert.equal(res.status, 403, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(errorCode(res), code);
  };
  const past = Math.floor(Date.now() / 1000) - 5;
  await refused(`/api/v1/media/${wav.id}?exp=${past}&uid=${ann.id}&sig=${sign(wav.id, past, ann.id)}`);
  const flipped = q.get('sig').replace(/^./, (c) => (c === '0' ? '1' : '0'));
  await refused(`/api/v1/media/${wav.id}?exp=${q.get('exp')}&uid=${ann.id}&sig=${flipped}`);
  await refused(`/api/v1/media/${wav.id}?exp=${Number(q.get('exp')) + 3600}&uid=${ann.id}&sig=${q.get('sig')}`);
  await refused(`/api/v1/media/${img.id}?exp=${q.get('exp')}&uid=${ann.id}&sig=${q.get('sig')}`);
  await refused(`/api/v1/media/${wav.id}?exp=${q.get('exp')}&uid=1&sig=${q.get('sig')}`);
  // No token and no signature: 401, as everywhere.
  assert.equal((await srv.api('GET', `/api/v1/media/${wav.id}`)).status, 401);

  // Someone outside the project: neither a token nor a link they sign for themselves.
  const other = await createUser(srv, admin.access_token, 'annotator');
  const otherTok = (await srv.login(other.email, other.password)).access_token;
  // To them the item does not exist (as any other project's thing).
  assert.equal((await srv.api('GET', `/api/v1/media/${wav.id}`, { token: otherTok })).status, 404);
  assert.equal((await srv.api('GET', `/api/v1/media/${wav.id}/info`, { token: otherTok })).status, 404);
  const exp = Math.floor(Date.now() / 1000) + 600;
  await refused(`/api/v1/media/${wav.id}?exp=${exp}&uid=${other.id}&sig=${sign(wav.id, exp, other.id)}`, 'forbidden');

  // Removed from the project: the link it was given stops working.
  const del = await srv.api('DELETE', `/api/v1/projects/${pid}/members/${ann.id}`, { token: admin.access_token });
  assert.ok(del.status < 300);
  await refused(url, 'forbidden');
});

test('bad uploads are refused naming the file, and nothing is imported', async () => {
  const head = f.mp4.subarray(0, Math.floor(f.mp4.length / 2));
  const cases = [
    ['dotdot.zip', archive('zip', [['ok.png', join(work, 'img.png')], ['../evil.png', join(work, 'img.png')]], 'dotdot.zip'), 422, 'unsafe_archive', '../evil.png'],
    ['abs.zip', archive('zip', [['/etc/evil.png', join(work, 'img.png')]], 'abs.zip'), 422, 'unsafe_archive', '/etc/evil.png'],
    ['link.zip', archive('zip', [['a.png', join(work, 'img.png')], ['link.png', { symlink: '/etc/passwd' }]], 'link.zip'), 422, 'unsafe_archive', 'link.png'],
    ['link.tar', archive('tar', [['link.png', { symlink: '../../x' }]], 'link.tar'), 422, 'unsafe_archive', 'link.png'],
    ['bomb.zip', archive('zip', [['zeros.wav', { zeros: 30 << 20 }]], 'bomb.zip'), 422, 'archive_too_large', 'bomb.zip'],
    ['fake.png', Buffer.from('this is only text, not a picture\n'), 422, 'unsupported_media', 'fake.png'],
    ['tone.png', f.wav, 422, 'media_type_mismatch', 'tone.png'],
    ['cut.mp4', head, 422, 'unreadable_media', 'cut.mp4'],
    ['empty.zip', archive('zip', [], 'empty.zip'), 422, 'empty_archive', 'empty.zip'],
    ['empty.tar.gz', archive('tgz', [], 'empty.tar.gz'), 422, 'empty_archive', 'empty.tar.gz'],
    ['zero.png', Buffer.alloc(0), 422, 'empty_file', 'zero.png'],
  ];
  const pid = await project();
  for (const [name, buf, status, code, named] of cases) {
    // A good file first: refusing the bad one must take it back too.
    const r = await upload(pid, [['good.png', f.png], [name, buf]]);
    assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
    assert.equal(errorCode(r), code, name);
    assert.ok(r.body.error.message.includes(named), `${name}: ${r.body.error.message}`);
  }
  // An image-only project refuses audio by its label config.
  const pid2 = await project(IMAGE_ONLY);
  const r = await upload(pid2, [['tone.wav', f.wav]]);
  assert.equal(r.status, 422);
  assert.equal(errorCode(r), 'media_type_mismatch');
  assert.match(r.body.error.message, /tone\.wav.*no Audio object/);

  for (const p of [pid, pid2]) {
    assert.equal((await tasksOf(p)).length, 0);
    assert.deepEqual(mediaBlobs(p), []);
    const imps = await srv.api('GET', `/api/v1/projects/${p}/imports`, { token: admin.access_token });
    assert.equal(imps.body.items.length, 0);
  }
  // Only admins upload (refused before the body is read: a small one);
  // to someone outside the project it does not exist.
  const ann = await createUser(srv, admin.access_token, 'annotator');
  const annTok = (await srv.login(ann.email, ann.password)).access_token;
  const small = { raw: 'x', headers: { 'content-type': 'image/png' } };
  assert.equal((await srv.api('POST', `/api/v1/projects/${pid}/media`, { token: annTok, ...small })).status, 404);
  assert.equal((await srv.api('POST', '/api/v1/projects/999999/media', { token: admin.access_token, ...small })).status, 404);
});
