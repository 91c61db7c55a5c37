// Exports over the API: background job, streamed download, every format
// on small projects, filters, report of what a format cannot express, the
// Label Studio JSON round trip, and empty exports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitJob, errorCode } from './lib.mjs';
import { setupProject, addTasks, claim, submit, review, decide, nerResult } from './workflow-lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const IMAGE_CONFIG = `<View><Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image"><Label value="cat"/><Label value="dog"/></RectangleLabels>
  <PolygonLabels name="poly" toName="image"><Label value="cat"/><Label value="dog"/></PolygonLabels>
</View>`;

async function accept(ctx, taskId, result) {
  const { project, annotators: [a1], reviewers: [r1], supers: [s1] } = ctx;
  assert.equal((await claim(srv, a1, project.id, 'l1')).body.id, taskId);
  assert.equal((await submit(srv, a1, taskId, result)).status, 200);
  await claim(srv, r1, project.id, 'l2');
  await review(srv, r1, taskId, { decision: 'approve' });
  await claim(srv, s1, project.id, 'l3');
  assert.equal((await decide(srv, s1, taskId, { decision: 'approve' })).body.state, 'accepted');
}

async function runExport(admin, pid, format, filter) {
  const r = await srv.api('POST', `/api/v1/projects/${pid}/exports`, { token: admin.access_token, body: { format, filter } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const e = await waitJob(srv, admin.access_token, `/api/v1/exports/${r.body.id}`);
  assert.equal(e.status, 'done', JSON.stringify(e));
  const res = await fetch(srv.url + e.file_url, { headers: { authorization: `Bearer ${admin.access_token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition'), /attachment/);
  return { export: e, body: Buffer.from(await res.arrayBuffer()) };
}

function py(code, file) {
  const r = spawnSync('python3', ['-c', code, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('text project: JSONL, Label Studio JSON (round trip), CSV, CoNLL-2003, filters', async () => {
  const ctx = await setupProject(srv);
  const { admin, project } = ctx;
  const { first_id } = await addTasks(srv, admin, project.id, ['Alice works at Acme', 'Bob lives here', 'not done yet']);
  await accept(ctx, first_id, [...nerResult('PER', 0, 5), { id: 'r2', from_name: 'label', to_name: 'text', type: 'labels', value: { start: 15, end: 19, labels: ['ORG'] } }]);
  await accept(ctx, first_id + 1, nerResult('PER', 0, 3));

  const jl = await runExport(admin, project.id, 'jsonl');
  const lines = jl.body.toString().trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2); // accepted only by default
  assert.equal(lines[0].data.text, 'Alice works at Acme');
  assert.equal(lines[0].annotations[0].result.length, 2);
  assert.equal(jl.export.report.tasks, 2);

  const all = await runExport(admin, project.id, 'jsonl', { state: ['accepted', 'queued_l1'] });
  assert.equal(all.body.toString().trim().split('\n').length, 3);

  const ls = await runExport(admin, project.id, 'label_studio_json', { include_versions: true });
  const tasks = JSON.parse(ls.body.toString());
  assert.equal(tasks.length, 2);
  assert.deepEqual(tasks[1].annotations.at(-1).result, nerResult('PER', 0, 3));
  // Round trip: the export imports back into a new project with the same
  // results, its accepted annotations kept as prior annotations.
  const ctx2 = await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const plain = await runExport(admin, project.id, 'label_studio_json');
  const imp = await srv.api('POST', `/api/v1/projects/${ctx2.project.id}/imports?format=label_studio&annotations=prior`, { token: admin.access_token, raw: plain.body, headers: { 'content-type': 'application/json' } });
  assert.equal(imp.status, 202, JSON.stringify(imp.body));
  assert.equal((await waitJob(srv, admin.access_token, `/api/v1/imports/${imp.body.id}`)).status, 'done');
  const back = (await srv.api('GET', `/api/v1/projects/${ctx2.project.id}/tasks`, { token: admin.access_token })).body.items;
  assert.equal(back.length, 2);
  assert.deepEqual(back.map((t) => t.data.text), ['Alice works at Acme', 'Bob lives here']);
  assert.deepEqual(back[0].predictions[0].result, lines[0].annotations[0].result);

  const csv = await runExport(admin, project.id, 'csv');
  const rows = csv.body.toString().trim().split(/\r?\n/);
  assert.equal(rows.length, 3);
  assert.match(rows[0], /^id,state,text/);
  assert.match(rows[1], /PER/);

  const conll = await runExport(admin, project.id, 'conll2003');
  const text = conll.body.toString();
  assert.match(text, /^-DOCSTART- -X- -X- O/);
  assert.match(text, /\nAlice -X- _ B-PER\n/);
  assert.match(text, /\nAcme -X- _ B-ORG\n/);
  assert.match(text, /\nworks -X- _ O\n/);

  const bad = await srv.api('POST', `/api/v1/projects/${project.id}/exports`, { token: admin.access_token, body: { format: 'xlsx' } });
  assert.equal(bad.status, 422);
  assert.equal(errorCode(bad), 'invalid_format');
  const badFilter = await srv.api('POST', `/api/v1/projects/${project.id}/exports`, { token: admin.access_token, body: { format: 'jsonl', filter: { state: 'done' } } });
  assert.equal(badFilter.status, 422);
  assert.equal((await srv.api('POST', `/api/v1/projects/${project.id}/exports`, { token: ctx.annotators[0].token, body: { format: 'jsonl' } })).status, 403);
  assert.equal((await srv.api('GET', '/api/v1/exports/999999', { token: admin.access_token })).status, 404);
  assert.equal((await srv.api('GET', '/api/v1/exports/999999')).status, 401);
  assert.equal((await srv.api('GET', `/api/v1/exports/${jl.export.id}`, { token: ctx.annotators[0].token })).status, 403);
  assert.equal((await srv.api('GET', `/api/v1/exports/${jl.export.id}/file`, { token: ctx.annotators[0].token })).status, 403);
  assert.equal((await srv.api('GET', '/api/v1/imports/999999', { token: admin.access_token })).status, 404);
});

test('CoNLL-2003 skips a nested entity whole, and the report counts and names it', async () => {
  const label_config = `<View><Text name="text" value="$text"/><Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/></Labels></View>`;
  const ctx = await setupProject(srv, { label_config });
  const { admin, project } = ctx;
  const { first_id } = await addTasks(srv, admin, project.id, ['She studied at University of Paris today']);
  await accept(ctx, first_id, [
    { id: 'org', from_name: 'label', to_name: 'text', type: 'labels', value: { start: 15, end: 34, labels: ['ORG'] } },
    { id: 'loc', from_name: 'label', to_name: 'text', type: 'labels', value: { start: 29, end: 34, labels: ['LOC'] } },
    { id: 'gap', from_name: 'label', to_name: 'text', type: 'labels', value: { start: 3, end: 4, labels: ['PER'] } },
  ]);
  const conll = await runExport(admin, project.id, 'conll2003');
  const text = conll.body.toString();
  // The outer entity keeps its tokens, none of them is cut.
  assert.match(text, /\nUniversity -X- _ B-ORG\nof -X- _ I-ORG\nParis -X- _ I-ORG\ntoday -X- _ O\n/);
  assert.doesNotMatch(text, /LOC|PER/);
  const rep = conll.export.report;
  assert.equal(rep.regions, 1);
  assert.equal(rep.skipped, 2);
  // Named in text order, each with its reason; skipped_why is the first.
  assert.deepEqual(rep.skipped_regions.map(({ task_id, region, label }) => [task_id, region, label]), [
    [first_id, 'gap', 'PER'], [first_id, 'loc', 'LOC'],
  ]);
  assert.equal(rep.skipped_regions[0].reason, 'labels spans covering no token in conll2003');
  assert.equal(rep.skipped_regions[1].reason, 'labels spans nested in or overlapping another span in conll2003');
  assert.equal(rep.skipped_why, rep.skipped_regions[0].reason);
});

test('image project: COCO (parsed by python), YOLO and VOC zips, polygons reported as skipped in YOLO', async () => {
  const ctx = await setupProject(srv, { label_config: IMAGE_CONFIG });
  const { admin, project } = ctx;
  const created = await srv.api('POST', `/api/v1/projects/${project.id}/tasks`, { token: admin.access_token, body: { tasks: [{ data: { image: 'https://example.org/cat.jpg' } }] } });
  const first_id = created.body.first_id;
  const box = { id: 'b1', from_name: 'box', to_name: 'image', type: 'rectanglelabels', original_width: 200, original_height: 100, value: { x: 10, y: 20, width: 50, height: 40, rotation: 0, rectanglelabels: ['dog'] } };
  const poly = { id: 'p1', from_name: 'poly', to_name: 'image', type: 'polygonlabels', original_width: 200, original_height: 100, value: { points: [[10, 10], [20, 10], [20, 30]], polygonlabels: ['cat'] } };
  await accept(ctx, first_id, [box, poly]);
  const dir = mkdtempSync(join(tmpdir(), 'lf-exp-'));

  const coco = await runExport(admin, project.id, 'coco');
  writeFileSync(join(dir, 'coco.json'), coco.body);
  const out = py(`import json,sys
d=json.load(open(sys.argv[1]))
cats={c['id']:c['name'] for c in d['categories']}
imgs={i['id'] for i in d['images']}
assert all(a['image_id'] in imgs and a['category_id'] in cats for a in d['annotations'])
b=[a for a in d['annotations'] if not a.get('segmentation')] or d['annotations']
print(len(d['images']), len(d['annotations']), sorted(cats.values()), [round(v,2) for v in d['annotations'][0]['bbox']])`, join(dir, 'coco.json'));
  assert.match(out, /^1 2 \['cat', 'dog'\] \[20\.0, 20\.0, 100\.0, 40\.0\]$/);

  const yolo = await runExport(admin, project.id, 'yolo');
  writeFileSync(join(dir, 'y.zip'), yolo.body);
  const y = py(`import zipfile,sys
z=zipfile.ZipFile(sys.argv[1])
names=sorted(z.namelist())
lab=[n for n in names if n.startswith('labels/')][0]
print(z.read('classes.txt').decode().split(), z.read(lab).decode().strip())`, join(dir, 'y.zip'));
  assert.match(y, /\['cat', 'dog'\] 1 0\.350000 0\.400000 0\.500000 0\.400000/);
  assert.equal(yolo.export.report.skipped, 1);
  assert.match(yolo.export.report.skipped_why, /polygon/i);
  assert.deepEqual(yolo.export.report.skipped_regions, [{ task_id: first_id, region: 'p1', label: 'cat', reason: 'polygonlabels results in yolo' }]);

  const voc = await runExport(admin, project.id, 'voc');
  writeFileSync(join(dir, 'v.zip'), voc.body);
  const v = py(`import zipfile,sys,xml.etree.ElementTree as ET
z=zipfile.ZipFile(sys.argv[1])
x=ET.fromstring(z.read([n for n in z.namelist() if n.endswith('.xml')][0]))
o=x.find('object'); b=o.find('bndbox')
print(o.find('name').text, b.find('xmin').text, b.find('ymin').text, b.find('xmax').text, b.find('ymax').text, x.find('size/width').text)`, join(dir, 'v.zip'));
  assert.equal(v, 'dog 20 20 120 60 200');
});

test('an empty project exports valid empty files', async () => {
  const { admin, project } = await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const ls = await runExport(admin, project.id, 'label_studio_json');
  assert.deepEqual(JSON.parse(ls.body.toString()), []);
  const jl = await runExport(admin, project.id, 'jsonl');
  assert.equal(jl.body.length, 0);
  const vtt = await runExport(admin, project.id, 'webvtt');
  assert.match(vtt.body.toString(), /^WEBVTT/);
  const coco = await runExport(admin, project.id, 'coco');
  const c = JSON.parse(coco.body.toString());
  assert.deepEqual([c.images, c.annotations], [[], []]);
});
