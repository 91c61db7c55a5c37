// Dataset imports: streamed uploads (raw and multipart) of every format,
// split into tasks by a background job, progress, and refusals of bad
// files that leave nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitJob, ADMIN, errorCode, createUser, sql, dbUrl } from './lib.mjs';
import { NER_CONFIG } from './workflow-lib.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = await srv.login(ADMIN.email, ADMIN.password);
});
after(async () => { await srv.stop(); });

async function project(policies = {}) {
  const r = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body: { name: 'imp', label_config: NER_CONFIG, policies } });
  assert.equal(r.status, 201);
  return r.body.id;
}

function upload(projectId, body, { type = 'text/csv', query = '', token = admin.access_token } = {}) {
  return srv.api('POST', `/api/v1/projects/${projectId}/imports${query}`, { token, raw: body, headers: { 'content-type': type } });
}

const waitDone = (id) => waitJob(srv, admin.access_token, `/api/v1/imports/${id}`);

async function tasksOf(projectId) {
  const out = [];
  let cursor = '';
  for (;;) {
    const r = await srv.api('GET', `/api/v1/projects/${projectId}/tasks?limit=500${cursor ? '&cursor=' + cursor : ''}`, { token: admin.access_token });
    out.push(...r.body.items);
    if (!r.body.next_cursor) return out;
    cursor = r.body.next_cursor;
  }
}

test('CSV with quotes, embedded newlines and a BOM, grouped 2 items per task', async () => {
  const pid = await project({ items_per_task: 2 });
  const csv = '\ufefftext,source\r\n"Alice, from ""Acme""",web\r\n"two\nlines",mail\r\nthird,web\r\n';
  const r = await upload(pid, csv, { query: '?filename=data.csv' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.format, 'csv');
  assert.equal(r.body.items_total, 3);
  assert.equal(r.body.filename, 'data.csv');
  const done = await waitDone(r.body.id);
  assert.equal(done.status, 'done');
  assert.equal(done.tasks_created, 2);
  assert.equal(done.progress, 1);
  assert.equal(done.bytes_done, Buffer.byteLength(csv));
  const tasks = await tasksOf(pid);
  assert.equal(tasks.length, 2);
  assert.deepEqual(tasks[0].data, { items: [{ text: 'Alice, from "Acme"', source: 'web' }, { text: 'two\nlines', source: 'mail' }] });
  assert.deepEqual(tasks[1].data, { items: [{ text: 'third', source: 'web' }] });
  assert.ok(tasks.every((t) => t.state === 'queued_l1'));
});

test('JSONL, JSON array, plain text and TSV, one item per task', async () => {
  const cases = [
    ['{"text":"a"}\n{"text":"b"}\n\n{"text":"c"}\n', 'application/x-ndjson', 'jsonl'],
    ['[{"text":"a"},{"text":"b"},{"text":"c"}]', 'application/json', 'json'],
    ['a\nb\nc\n', 'text/plain', 'text'],
    ['text\tn\na\t1\nb\t2\nc\t3\n', 'text/tab-separated-values', 'tsv'],
  ];
  for (const [body, type, format] of cases) {
    const pid = await project();
    const r = await upload(pid, body, { type });
    assert.equal(r.status, 202, format + ' ' + JSON.stringify(r.body));
    assert.equal(r.body.format, format);
    const done = await waitDone(r.body.id);
    assert.equal(done.tasks_created, 3, format);
    const tasks = await tasksOf(pid);
    assert.deepEqual(tasks.map((t) => t.data.text), ['a', 'b', 'c'], format);
  }
});

test('JSONL strings that start with an escape are decoded (fast JSON path)', async () => {
  const pid = await project();
  const body = '{"text":"\\"quoted\\" word"}\n{"\\u00e9":"\\ud83d\\ude00","n":"\\n"}\n{"text":""}\n';
  const r = await upload(pid, body, { type: 'application/x-ndjson' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal((await waitDone(r.body.id)).tasks_created, 3);
  const tasks = await tasksOf(pid);
  assert.deepEqual(tasks.map((t) => t.data), [{ text: '"quoted" word' }, { 'é': '😀', n: '\n' }, { text: '' }]);
});

test('Label Studio tasks keep their predictions', async () => {
  const pid = await project();
  const ls = [{ data: { text: 'Bob at Initech' }, predictions: [{ model_version: 'v1', result: [{ from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 3, labels: ['PER'] } }] }] }];
  const r = await upload(pid, JSON.stringify(ls), { type: 'application/json', query: '?format=label_studio' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await waitDone(r.body.id);
  const [t] = await tasksOf(pid);
  assert.equal(t.data.text, 'Bob at Initech');
  assert.equal(t.predictions.length, 1);
  assert.equal(t.predictions[0].model_version, 'v1');
});

test('multipart upload with a file part and form fields', async () => {
  const pid = await project();
  const form = new FormData();
  form.append('format', 'jsonl');
  form.append('file', new Blob(['{"text":"x"}\n{"text":"y"}\n'], { type: 'application/octet-stream' }), 'rows.jsonl');
  const res = await fetch(`${srv.url}/api/v1/projects/${pid}/imports`, { method: 'POST', headers: { authorization: `Bearer ${admin.access_token}` }, body: form });
  const body = await res.json();
  assert.equal(res.status, 202, JSON.stringify(body));
  assert.equal(body.filename, 'rows.jsonl');
  assert.equal((await waitDone(body.id)).tasks_created, 2);
});

test('a malformed file is refused with its line number and nothing is stored', async () => {
  const pid = await project();
  const cases = [
    ['a,b\n1,2\n3\n', 'text/csv', /line 3/],
    ['{"text":"ok"}\n{"text": nope}\n', 'application/x-ndjson', /line 2/],
    ['[{"text":"a"},', 'application/json', /./],
    ['text\n"unterminated\n', 'text/csv', /./],
  ];
  for (const [body, type, re] of cases) {
    const r = await upload(pid, body, { type });
    assert.equal(r.status, 422, body);
    assert.equal(errorCode(r), 'malformed_upload');
    assert.match(r.body.error.message, re);
  }
  const empty = await upload(pid, '', { type: 'text/csv' });
  assert.equal(empty.status, 422);
  assert.equal(errorCode(empty), 'empty_upload');
  const headerOnly = await upload(pid, 'text\n', { type: 'text/csv' });
  assert.equal(headerOnly.status, 422);
  assert.equal(errorCode(headerOnly), 'no_items');
  const list = await srv.api('GET', `/api/v1/projects/${pid}/imports`, { token: admin.access_token });
  assert.equal(list.body.items.length, 0);
  assert.equal((await tasksOf(pid)).length, 0);
  assert.equal(sql(srv.db, `SELECT COUNT(*) FROM imports WHERE project_id = ${pid}`).trim(), '0');
});

test('an image or a recording sent as a dataset is named and pointed at the media endpoint', async () => {
  const pid = await project();
  // A 1x1 PNG and a WAV header, as a user drops them on the dataset upload.
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d0b0f00000000049454e44ae426082', 'hex');
  const wav = Buffer.alloc(44);
  wav.write('RIFF', 0); wav.writeUInt32LE(36, 4); wav.write('WAVEfmt ', 8); wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); wav.writeUInt16LE(1, 22); wav.writeUInt32LE(8000, 24); wav.writeUInt32LE(16000, 28);
  wav.writeUInt16LE(2, 32); wav.writeUInt16LE(16, 34); wav.write('data', 36); wav.writeUInt32LE(0, 40);
  const cases = [
    [png, 'image/png', '?filename=cat.png', /^cat\.png is an image file \(image\/png\)/],
    // The content decides, not the name or an explicit format.
    [wav, 'text/csv', '?filename=rows.csv&format=csv', /^rows\.csv is an audio file \(audio\/[a-z-]*wav\)/],
  ];
  for (const [body, type, query, re] of cases) {
    const r = await upload(pid, body, { type, query });
    assert.equal(r.status, 415, JSON.stringify(r.body));
    assert.equal(errorCode(r), 'media_not_dataset');
    assert.match(r.body.error.message, re);
    assert.match(r.body.error.message, /csv, tsv, json, jsonl, text or label_studio/);
    assert.ok(r.body.error.message.includes(`POST /api/v1/projects/${pid}/media`), r.body.error.message);
    assert.doesNotMatch(r.body.error.message, /UTF-8/);
  }
  assert.equal(sql(srv.db, `SELECT COUNT(*) FROM imports WHERE project_id = ${pid}`).trim(), '0');
});

test('skip_bad imports the good rows and lists the bad ones', async () => {
  const pid = await project();
  const r = await upload(pid, '{"text":"a"}\nbroken\n{"text":"c"}\n[1,\n', { type: 'application/x-ndjson', query: '?skip_bad=true' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.skipped, 2);
  assert.deepEqual(r.body.errors.map((e) => e.line), [2, 4]);
  const done = await waitDone(r.body.id);
  assert.equal(done.tasks_created, 2);
  assert.equal(done.skipped, 2);
});

test('uploads are refused before reading: wrong role, unknown project, unknown format', async () => {
  const pid = await project();
  const u = await createUser(srv, admin.access_token, 'annotator');
  const s = await srv.login(u.email, u.password);
  // Outside the project it does not exist; a member lacks the role.
  assert.equal((await upload(pid, 'text\na\n', { token: s.access_token })).status, 404);
  await srv.api('PUT', `/api/v1/projects/${pid}/members/${u.id}`, { token: admin.access_token, body: { role: 'annotator' } });
  const r = await upload(pid, 'text\na\n', { token: s.access_token });
  assert.equal(r.status, 403);
  assert.equal((await upload(999999, 'text\na\n')).status, 404);
  const f = await upload(pid, 'text\na\n', { query: '?format=xlsx' });
  assert.equal(f.status, 422);
  assert.equal(errorCode(f), 'invalid_format');
  const anon = await srv.api('POST', `/api/v1/projects/${pid}/imports`, { raw: 'text\na\n', headers: { 'content-type': 'text/csv' } });
  assert.equal(anon.status, 401);
});

test('a large upload streams through in constant memory', async () => {
  const pid = await project();
  const rows = 200000;
  const lines = [];
  for (let i = 0; i < rows; i++) lines.push(`{"text":"row ${i} with some padding to make it longer"}`);
  const body = lines.join('\n') + '\n';
  const r = await upload(pid, body, { type: 'application/x-ndjson' });
  assert.equal(r.status, 202);
  const done = await waitDone(r.body.id);
  assert.equal(done.tasks_created, rows);
  const p = await srv.api('GET', `/api/v1/projects/${pid}`, { token: admin.access_token });
  assert.equal(p.body.counts.queued_l1, rows);
  // Peak RSS of the server stays far below the upload size times a few
  // (not measurable under ASan, whose quarantine keeps freed memory).
  if (process.env.LABELFLOW_SANITIZED) return;
  const status = (await import('node:fs')).readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8');
  const hwm = Number(status.match(/VmHWM:\s+(\d+)/)[1]);
  assert.ok(hwm < 200 * 1024, `peak RSS ${hwm} kB`);
});

// Annotations are people's work: an import neither drops them silently
// nor passes them off as anyone's. By default the task carrying them is
// refused, naming its line; annotations=prior keeps them beside the
// predictions, marked as imported annotations.
test('Label Studio annotations are refused by default, naming the row, or kept as prior annotations', async () => {
  const pid = await project();
  const span = { from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 3, labels: ['PER'] } };
  const ls = [
    { data: { text: 'Ann at Acme' } },
    { data: { text: 'Bob at Initech' }, annotations: [{ completed_by: 7, result: [span] }] },
  ];
  const body = JSON.stringify(ls, null, 1);
  const line = body.split('\n').findIndex((l) => l.includes('Bob')) ;
  const r = await upload(pid, body, { type: 'application/json', query: '?format=label_studio' });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(errorCode(r), 'malformed_upload');
  assert.match(r.body.error.message, /^line \d+: the task has 1 annotation: send annotations=prior to import them as pre-annotations, or remove them$/);
  assert.ok(Number(r.body.error.message.match(/^line (\d+)/)[1]) <= line + 1);
  assert.equal((await tasksOf(pid)).length, 0);

  // skip_bad skips and reports that row instead of refusing the file.
  const skipped = await upload(pid, body, { type: 'application/json', query: '?format=label_studio&skip_bad=true' });
  assert.equal(skipped.status, 202, JSON.stringify(skipped.body));
  assert.equal(skipped.body.annotations, 'refuse');
  assert.equal(skipped.body.skipped, 1);
  assert.match(skipped.body.errors[0].message, /1 annotation/);
  assert.equal((await waitDone(skipped.body.id)).tasks_created, 1);

  const bad = await upload(pid, body, { type: 'application/json', query: '?format=label_studio&annotations=l1' });
  assert.equal(bad.status, 422);
  assert.equal(errorCode(bad), 'invalid_annotations');
  const notLs = await upload(pid, '{"text":"x"}\n', { type: 'application/x-ndjson', query: '?annotations=prior' });
  assert.equal(notLs.status, 422);
  assert.equal(errorCode(notLs), 'invalid_annotations');

  const pid2 = await project();
  const kept = await upload(pid2, body, { type: 'application/json', query: '?format=label_studio&annotations=prior' });
  assert.equal(kept.status, 202, JSON.stringify(kept.body));
  assert.equal(kept.body.annotations, 'prior');
  assert.equal((await waitDone(kept.body.id)).tasks_created, 2);
  const bob = (await tasksOf(pid2)).find((t) => t.data.text.startsWith('Bob'));
  assert.equal(bob.predictions.length, 1);
  assert.equal(bob.predictions[0].origin, 'annotation');
  assert.deepEqual(bob.predictions[0].result, [span]);
  assert.equal(bob.state, 'queued_l1');
  const full = await srv.api('GET', `/api/v1/tasks/${bob.id}`, { token: admin.access_token });
  assert.deepEqual(full.body.annotations, [], 'prior annotations are nobody\'s work');
});
