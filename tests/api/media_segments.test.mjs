// Long audio and video split into segment tasks (policies segment_seconds
// and segment_overlap_seconds): a 95 s tone in 30 s segments with 2 s
// overlap becomes four tasks [0,30] [28,58] [56,86] [84,95]; each task's
// media is a file cut from the source (checked with ffprobe) and its data
// says where it lies on the source; a region labelled at 5-7 s of the
// second segment exports at 33-35 s of the source in WebVTT, Label Studio
// JSON and CSV. Media is generated with Debian's ffmpeg.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitJob, errorCode } from './lib.mjs';
import { setupProject, claim, submit, review, decide } from './workflow-lib.mjs';

const CONFIG = `<View>
  <Labels name="speaker" toName="audio"><Label value="Alice"/><Label value="Bob"/></Labels>
  <Audio name="audio" value="$audio"/>
  <TextArea name="transcription" toName="audio" perRegion="true"/>
  <Video name="video" value="$video"/>
  <Choices name="scene" toName="video"><Choice value="indoor"/></Choices>
</View>`;
const SEGMENTS = { segment_seconds: 30, segment_overlap_seconds: 2 };

let srv, work;
const f = {};

function ffmpeg(args, out) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, join(work, out)]);
  return readFileSync(join(work, out));
}

// Duration in seconds and stream types of a file, as ffprobe reads it.
function ffprobe(buf, name) {
  const path = join(work, name);
  writeFileSync(path, buf);
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type', '-of', 'json', path]);
  const j = JSON.parse(out);
  return { duration: Number(j.format.duration), types: j.streams.map((s) => s.codec_type) };
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lf-seg-'));
  f.wav = ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=95', '-ar', '16000'], 'long.wav');
  f.short = ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=20', '-ar', '16000'], 'short.wav');
  // 12 s of video with a keyframe every second (25 fps, GOP 25) and audio.
  f.mp4 = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=12:size=160x120:rate=25', '-f', 'lavfi', '-i', 'sine=duration=12',
    '-c:v', 'mpeg4', '-g', '25', '-c:a', 'aac', '-shortest'], 'clip.mp4');
  srv = await startServer();
});
after(async () => {
  await srv.stop();
  rmSync(work, { recursive: true, force: true });
});

function form(files) {
  const fd = new FormData();
  for (const [name, buf] of files) fd.append('file', new Blob([buf]), name);
  return fd;
}
const upload = (admin, pid, files) => srv.api('POST', `/api/v1/projects/${pid}/media`, { token: admin.access_token, raw: form(files) });

async function media(admin, id) {
  const res = await fetch(`${srv.url}/api/v1/media/${id}`, { headers: { authorization: `Bearer ${admin.access_token}` } });
  assert.equal(res.status, 200);
  return { type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

async function runExport(admin, pid, format) {
  const r = await srv.api('POST', `/api/v1/projects/${pid}/exports`, { token: admin.access_token, body: { format } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const e = await waitJob(srv, admin.access_token, `/api/v1/exports/${r.body.id}`);
  assert.equal(e.status, 'done', JSON.stringify(e));
  const res = await fetch(srv.url + e.file_url, { headers: { authorization: `Bearer ${admin.access_token}` } });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer()).toString('utf8');
}

// A speaker region with its transcription, in the segment's own seconds.
const region = (id, start, end, text, speaker = 'Alice') => [
  { id, from_name: 'speaker', to_name: 'audio', type: 'labels', value: { start, end, labels: [speaker] } },
  { id, from_name: 'transcription', to_name: 'audio', type: 'textarea', value: { start, end, text: [text] } },
];

test('the segment policy is validated: overlap below length, not per task type', async () => {
  const ctx = await setupProject(srv, { label_config: CONFIG, counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const patch = (body) => srv.api('PATCH', `/api/v1/projects/${ctx.project.id}`, { token: ctx.admin.access_token, body });
  let r = await patch({ policies: { segment_seconds: 30, segment_overlap_seconds: 30 } });
  assert.equal(r.status, 422);
  assert.equal(errorCode(r), 'invalid_policy');
  assert.match(r.body.error.message, /segment_overlap_seconds must be less than segment_seconds/);
  r = await patch({ policies: SEGMENTS });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.policies.segment_seconds, 30);
  assert.equal(r.body.policies.segment_overlap_seconds, 2);
  // Shortening the length below the overlap in force is refused too.
  assert.equal((await patch({ policies: { segment_seconds: 2 } })).status, 422);
  r = await patch({ task_types: { long: { segment_seconds: 60 } } });
  assert.equal(r.status, 422);
  assert.match(r.body.error.message, /whole project/);
});

test('a 95 s recording becomes four segment tasks, each a playable cut of its window; regions export on the source timeline', async () => {
  const ctx = await setupProject(srv, { label_config: CONFIG, policies: SEGMENTS, counts: { annotator: 1, reviewer: 1, super_reviewer: 1 } });
  const { admin, project, annotators: [a1], reviewers: [r1], supers: [s1] } = ctx;
  const up = await upload(admin, project.id, [['talk.wav', f.wav], ['short.wav', f.short]]);
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.equal(up.body.count, 2);
  assert.equal(up.body.tasks, 5);
  const [long, short] = up.body.items;
  assert.ok(Math.abs(long.duration_ms - 95000) <= 50, `duration ${long.duration_ms}`);
  assert.deepEqual(long.segments.map((s) => [s.segment_start, s.segment_end]), [[0, 30], [28, 58], [56, 86], [84, 95]]);
  assert.equal(long.task_id, long.segments[0].task_id);
  // Shorter than one segment: one task with the file itself, not cut.
  assert.equal(short.segments, undefined);

  const tasks = (await srv.api('GET', `/api/v1/projects/${project.id}/tasks?limit=50`, { token: admin.access_token })).body.items;
  assert.equal(tasks.length, 5);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  for (const [i, seg] of long.segments.entries()) {
    const data = byId.get(seg.task_id).data;
    assert.deepEqual(data, { audio: `/api/v1/media/${seg.media_id}`, segment_start: seg.segment_start, segment_end: seg.segment_end, source_media: `/api/v1/media/${long.id}` });
    // The cut file is the segment: its duration is the window's.
    const m = await media(admin, seg.media_id);
    assert.equal(m.type, 'audio/x-wav');
    const probe = ffprobe(m.body, `seg${i}.wav`);
    assert.deepEqual(probe.types, ['audio']);
    const want = seg.segment_end - seg.segment_start;
    assert.ok(Math.abs(probe.duration - want) < 0.05, `segment ${i}: ${probe.duration} s, want ${want}`);
    const info = await srv.api('GET', `/api/v1/media/${seg.media_id}/info`, { token: admin.access_token });
    assert.equal(info.body.source_id, long.id);
    assert.equal(info.body.segment_start, seg.segment_start);
    // The signed link of /info plays it in an <audio> tag.
    const signed = await fetch(srv.url + info.body.url);
    assert.equal(signed.status, 200);
    assert.equal(Buffer.from(await signed.arrayBuffer()).length, m.body.length);
  }
  assert.equal(byId.get(short.task_id).data.audio, `/api/v1/media/${short.id}`);
  assert.equal(byId.get(short.task_id).data.segment_start, undefined);
  // The source stays whole and servable.
  assert.ok(Math.abs(ffprobe((await media(admin, long.id)).body, 'source.wav').duration - 95) < 0.05);

  // Label every task; the second segment gets the region at 5-7 s.
  const second = long.segments[1].task_id;
  for (let i = 0; i < 5; i++) {
    const c = await claim(srv, a1, project.id, 'l1');
    assert.equal(c.status, 200);
    const result = c.body.id === second ? region('r1', 5.0, 7.0, 'hello') : region('x', 1.0, 2.0, 'other', 'Bob');
    assert.equal((await submit(srv, a1, c.body.id, result)).status, 200);
    const l2 = await claim(srv, r1, project.id, 'l2');
    assert.equal((await review(srv, r1, l2.body.id, { decision: 'approve' })).status, 200);
    const l3 = await claim(srv, s1, project.id, 'l3');
    assert.equal((await decide(srv, s1, l3.body.id, { decision: 'approve' })).body.state, 'accepted');
  }

  const vtt = await runExport(admin, project.id, 'webvtt');
  assert.match(vtt, /00:00:33\.000 --> 00:00:35\.000\n<v Alice>hello/);
  // The other tasks' regions at 1-2 s: the short file's and the first
  // segment's at 1 s, the third's at 57 s, the fourth's at 85 s.
  for (const at of ['00:00:01.000', '00:00:57.000', '00:01:25.000']) assert.ok(vtt.includes(`${at} --> `), at);
  assert.equal(vtt.split('\n').filter((l) => l.includes(' --> ')).length, 5);

  const ls = JSON.parse(await runExport(admin, project.id, 'label_studio_json'));
  const t2 = ls.find((t) => t.id === second);
  // The annotation stays as labelled (relative to the segment's file)...
  assert.equal(t2.annotations[0].result[0].value.start, 5);
  // ...and the source block maps it onto the original recording.
  assert.equal(t2.source.media, `/api/v1/media/${long.id}`);
  assert.equal(t2.source.segment_start, 28);
  assert.equal(t2.source.segment_end, 58);
  for (const r of t2.source.result) assert.deepEqual([r.value.start, r.value.end], [33, 35]);
  assert.equal(t2.source.result[0].value.labels[0], 'Alice');
  assert.equal(ls.find((t) => t.id === short.task_id).source, undefined);

  const jl = (await runExport(admin, project.id, 'jsonl')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(jl.find((t) => t.id === second).source, t2.source);

  const csv = await runExport(admin, project.id, 'csv');
  const row = csv.split('\r\n').find((l) => l.startsWith(`${second},`));
  assert.match(row, /Alice:33-35/);
});

test('video is cut at keyframes into playable MP4 segments', async () => {
  const ctx = await setupProject(srv, { label_config: CONFIG, policies: { segment_seconds: 5, segment_overlap_seconds: 1 }, counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const up = await upload(ctx.admin, ctx.project.id, [['clip.mp4', f.mp4]]);
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const segs = up.body.items[0].segments;
  // 12 s in 5 s with 1 s overlap: [0,5] [4,9] [8,12]; keyframes each second.
  assert.deepEqual(segs.map((s) => [s.segment_start, s.segment_end]), [[0, 5], [4, 9], [8, 12]]);
  for (const [i, seg] of segs.entries()) {
    const m = await media(ctx.admin, seg.media_id);
    assert.equal(m.type, 'video/mp4');
    const probe = ffprobe(m.body, `seg${i}.mp4`);
    assert.deepEqual(probe.types.sort(), ['audio', 'video']);
    const want = seg.segment_end - seg.segment_start;
    assert.ok(Math.abs(probe.duration - want) < 0.15, `segment ${i}: ${probe.duration} s, want ${want}`);
  }
});

test('a file that cannot be cut refuses the upload and leaves nothing behind', async () => {
  const ctx = await setupProject(srv, { label_config: CONFIG, policies: SEGMENTS, counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  // AIFF is audio we take whole but do not write segments in.
  const aiff = ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=40', '-ar', '8000'], 'long.aiff');
  const r = await upload(ctx.admin, ctx.project.id, [['talk.wav', f.wav], ['long.aiff', aiff]]);
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(errorCode(r), 'unsegmentable_media');
  assert.match(r.body.error.message, /long\.aiff/);
  const tasks = (await srv.api('GET', `/api/v1/projects/${ctx.project.id}/tasks`, { token: ctx.admin.access_token })).body.items;
  assert.equal(tasks.length, 0);
  const dir = join(srv.dir, 'blobs', 'media', String(ctx.project.id));
  const left = existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [];
  assert.deepEqual(left, []);
});
