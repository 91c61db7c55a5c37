// The OpenAPI document and the server cannot drift apart:
// - the document the binary serves is openapi/openapi.yaml;
// - every route of src/api/api_routes.c is documented with its method, and
//   every documented operation is a route (both directions, by parsing the
//   table), and the running server routes every documented operation and
//   answers 405 to every other method on a documented path;
// - real responses of a small workflow validate against the documented
//   schemas of their operation and status (ajv, JSON Schema 2020-12).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startServer, ADMIN, createUser } from '../api/lib.mjs';
import { NER_CONFIG, nerResult } from '../api/workflow-lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

let srv, doc, admin;
before(async () => {
  srv = await startServer();
  admin = await srv.login(ADMIN.email, ADMIN.password);
  const r = await srv.api('GET', '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  doc = r.body;
});
after(async () => { await srv.stop(); });

function routerOps() {
  const src = readFileSync(join(root, 'src', 'api', 'api_routes.c'), 'utf8');
  const ops = [...src.matchAll(/\.method = "([A-Z]+)", \.pattern = "([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.ok(ops.length > 40, 'the route table parses');
  return ops;
}

function docOps() {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const m of METHODS) if (item[m]) ops.push(`${m.toUpperCase()} ${path}`);
  return ops;
}

test('the served document is openapi/openapi.yaml', () => {
  const yaml = YAML.parse(readFileSync(join(root, 'openapi', 'openapi.yaml'), 'utf8'));
  assert.ok(isDeepStrictEqual(doc, yaml), 'the binary serves another document than openapi/openapi.yaml: rebuild it');
  assert.equal(doc.openapi, '3.1.0');
});

test('every route is documented and every documented operation is a route', () => {
  const routes = routerOps();
  const documented = docOps();
  assert.deepEqual(routes.filter((r) => !documented.includes(r)), [], 'routes missing from the document');
  assert.deepEqual(documented.filter((d) => !routes.includes(d)), [], 'documented operations the router lacks');
  assert.equal(new Set(routes).size, routes.length, 'no route twice');
});

// A route the router does not know is a 404 "No such endpoint" (the same
// code, not_found, as a missing resource, so the message tells them apart)
// or a 405 when the path exists with other methods.
function routeUnknown(r) {
  if (r.status === 405) return true;
  return r.status === 404 && typeof r.body === 'object' && /^No such endpoint/.test(r.body?.error?.message ?? '');
}

test('the running server routes every documented operation, and no other method', async () => {
  // A session of its own for logout, which ends it.
  const spare = await srv.login(ADMIN.email, ADMIN.password);
  for (const [path, item] of Object.entries(doc.paths)) {
    const url = path.replace(/\{[a-z_]+\}/g, '987654');
    for (const m of METHODS) {
      const method = m.toUpperCase();
      const token = path === '/api/v1/auth/logout' ? spare.access_token : admin.access_token;
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      const r = await srv.api(method, url, { token, body });
      if (item[m]) assert.ok(!routeUnknown(r), `${method} ${path} is documented but not routed: ${r.status} ${JSON.stringify(r.body)}`);
      else assert.equal(r.status, 405, `${method} ${path} is not documented but answers ${r.status}`);
    }
  }
  // The check itself can tell an unknown route from a missing resource.
  assert.ok(routeUnknown(await srv.api('GET', '/api/v1/no-such-thing', { token: admin.access_token })));
  assert.ok(!routeUnknown(await srv.api('GET', '/api/v1/tasks/987654', { token: admin.access_token })));
});

// Validates res against the documented response of method + path template.
let ajv;
function check(method, template, res) {
  if (!ajv) {
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('int64', true);
    ajv.addSchema(doc, 'openapi.json');
  }
  const op = doc.paths[template]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${template} is documented`);
  let resp = op.responses[String(res.status)];
  assert.ok(resp, `${method} ${template}: status ${res.status} is documented (${JSON.stringify(res.body).slice(0, 300)})`);
  let pointer = `#/paths/${template.replaceAll('~', '~0').replaceAll('/', '~1')}/${method.toLowerCase()}/responses/${res.status}`;
  if (resp.$ref) {
    pointer = resp.$ref;
    resp = resp.$ref.slice(2).split('/').reduce((o, k) => o[k], doc);
  }
  if (!resp.content) {
    assert.ok(res.body === '' || res.body == null, `${method} ${template} ${res.status} has no body`);
    return res.body;
  }
  assert.ok(resp.content['application/json'], `${method} ${template} ${res.status} is JSON`);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const validate = ajv.getSchema(`openapi.json${pointer}/content/application~1json/schema`);
  assert.ok(validate(res.body), `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body).slice(0, 800)}`);
  return res.body;
}

test('the schema check refuses what does not match', () => {
  const bad = { status: 404, headers: new Headers({ 'content-type': 'application/json' }), body: { error: { code: 'Not Snake', message: '' } } };
  assert.throws(() => check('GET', '/api/v1/tasks/{id}', bad), /must match pattern|must NOT have fewer/);
  const task = { status: 200, headers: new Headers({ 'content-type': 'application/json' }), body: { id: 1, state: 'nope' } };
  assert.throws(() => check('GET', '/api/v1/tasks/{id}', task), /required property|must be equal to one of/);
});

async function call(method, template, params, opts = {}) {
  let path = template;
  for (const [k, v] of Object.entries(params)) path = path.replace(`{${k}}`, String(v));
  const r = await srv.api(method, path + (opts.query ?? ''), { token: admin.access_token, ...opts });
  return { r, body: check(method, template, r) };
}

test('real responses match their documented schemas', async () => {
  const none = {};
  await call('GET', '/healthz', none);
  await call('GET', '/readyz', none);
  const meta = (await call('GET', '/api/v1/meta', none)).body;
  // The enumerations the document names are the server's tables.
  const s = doc.components.schemas;
  assert.deepEqual(meta.task_states, s.TaskState.enum);
  assert.deepEqual(meta.stages, s.Stage.enum);
  assert.deepEqual(meta.import_formats, s.ImportFormat.enum);
  assert.deepEqual(meta.export_formats.map((f) => f.name), s.ExportFormat.enum);
  check('POST', '/api/v1/auth/login', await srv.api('POST', '/api/v1/auth/login', { body: ADMIN }));
  check('POST', '/api/v1/auth/login', await srv.api('POST', '/api/v1/auth/login', { body: { email: ADMIN.email, password: 'wrong-password-1' } }));
  check('POST', '/api/v1/auth/refresh', await srv.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: admin.refresh_token } }));
  admin = await srv.login(ADMIN.email, ADMIN.password);
  check('GET', '/api/v1/me', await srv.api('GET', '/api/v1/me'));
  await call('GET', '/api/v1/me', none);

  const user = await createUser(srv, admin.access_token, 'annotator');
  await call('GET', '/api/v1/users', none, { query: '?limit=1' });
  await call('PATCH', '/api/v1/users/{id}', { id: user.id }, { body: { name: 'Renamed' } });
  await call('POST', '/api/v1/users', none, { body: { email: 'x' } });

  const project = (await call('POST', '/api/v1/projects', none, {
    body: { name: 'openapi', label_config: NER_CONFIG, currency: 'JPY', rates: { l1: 10, l2: 5, l3: 3 }, task_types: { long: { lease_seconds: 900 } } },
  })).body;
  const id = project.id;
  await call('GET', '/api/v1/projects', none);
  await call('PATCH', '/api/v1/projects/{id}', { id }, { body: { description: 'described' } });
  await call('PUT', '/api/v1/projects/{id}/members/{user_id}', { id, user_id: user.id }, { body: { roles: ['annotator', 'reviewer'] } });
  await call('GET', '/api/v1/projects/{id}/members', { id });
  await call('POST', '/api/v1/projects/{id}/tasks', { id }, { body: { tasks: [{ data: { text: 'Alice met Bob' } }, { data: { text: 'Carol' }, priority: 5 }] } });
  await call('POST', '/api/v1/projects/{id}/escrow/deposits', { id }, { body: { amount: 1000, reference: 'wire', idempotency_key: 'k1' } });
  await call('POST', '/api/v1/projects/{id}/escrow/deposits', { id }, { body: { amount: 1000, reference: 'wire', idempotency_key: 'k1' } });
  await call('GET', '/api/v1/projects/{id}/escrow', { id });
  const task = (await call('POST', '/api/v1/projects/{id}/claim', { id }, { body: { stage: 'l1' } })).body;
  await call('POST', '/api/v1/tasks/{id}/heartbeat', { id: task.id });
  await call('POST', '/api/v1/tasks/{id}/submit', { id: task.id }, { body: { result: nerResult() } });
  const reviewed = (await call('POST', '/api/v1/projects/{id}/claim', { id }, { body: { stage: 'l2' } })).body;
  await call('POST', '/api/v1/tasks/{id}/review', { id: reviewed.id }, { body: { decision: 'approve', comment: 'fine' } });
  await call('POST', '/api/v1/projects/{id}/claim', { id }, { body: { stage: 'l3' } });
  await call('GET', '/api/v1/tasks/{id}', { id: task.id });
  await call('GET', '/api/v1/projects/{id}/tasks', { id }, { query: '?limit=1' });
  await call('GET', '/api/v1/projects/{id}/tasks', { id }, { query: '?state=nope' });
  await call('GET', '/api/v1/projects/{id}', { id });
  await call('GET', '/api/v1/projects/{id}/ledger', { id });
  await call('GET', '/api/v1/projects/{id}/stats', { id });
  await call('GET', '/api/v1/projects/{id}/agreement', { id });
  await call('GET', '/api/v1/ledger/verify', none);
  const gold = (await call('POST', '/api/v1/projects/{id}/gold', { id }, { body: { data: { text: 'Known' }, answer: nerResult('PER', 0, 5) } })).body;
  await call('POST', '/api/v1/projects/{id}/gold', { id }, { body: { data: { text: 'Known' } } });
  await call('GET', '/api/v1/projects/{id}/gold', { id }, { query: '?limit=1' });
  await call('POST', '/api/v1/projects/{id}/members/{user_id}/suspension', { id, user_id: user.id }, { body: { reason: 'checked' } });
  await call('POST', '/api/v1/projects/{id}/members/{user_id}/suspension', { id, user_id: user.id }, { body: { reason: 'again' } });
  await call('GET', '/api/v1/projects/{id}/quality/annotators', { id });
  await call('DELETE', '/api/v1/projects/{id}/members/{user_id}/suspension', { id, user_id: user.id });
  await call('DELETE', '/api/v1/projects/{id}/gold/{gold_id}', { id, gold_id: gold.id });
  await call('DELETE', '/api/v1/projects/{id}/gold/{gold_id}', { id, gold_id: gold.id });

  // Webhooks (never reached: the walk needs only their answers).
  const hook = (await call('POST', '/api/v1/projects/{id}/webhooks', { id }, { body: { url: 'http://93.184.215.14/hook', events: ['TASK_ACCEPTED'], headers: { 'X-Token': 'x' } } })).body;
  await call('POST', '/api/v1/projects/{id}/webhooks', { id }, { body: { url: 'http://127.0.0.1/hook' } });
  await call('GET', '/api/v1/projects/{id}/webhooks', { id });
  await call('PATCH', '/api/v1/projects/{id}/webhooks/{webhook_id}', { id, webhook_id: hook.id }, { body: { active: false } });
  await call('GET', '/api/v1/projects/{id}/webhooks/{webhook_id}', { id, webhook_id: hook.id });
  const ping = (await call('POST', '/api/v1/projects/{id}/webhooks/{webhook_id}/test', { id, webhook_id: hook.id })).body;
  await call('GET', '/api/v1/projects/{id}/webhooks/{webhook_id}/deliveries', { id, webhook_id: hook.id }, { query: '?status=pending' });
  await call('POST', '/api/v1/projects/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver', { id, webhook_id: hook.id, delivery_id: ping.id });
  await call('DELETE', '/api/v1/projects/{id}/webhooks/{webhook_id}', { id, webhook_id: hook.id });
  const ghook = (await call('POST', '/api/v1/webhooks', none, { body: { url: 'http://93.184.215.14/global' } })).body;
  await call('GET', '/api/v1/webhooks', none);
  await call('GET', '/api/v1/webhooks/{webhook_id}/deliveries', { webhook_id: ghook.id });
  await call('DELETE', '/api/v1/webhooks/{webhook_id}', { webhook_id: ghook.id });

  const imp = await call('POST', '/api/v1/projects/{id}/imports', { id }, {
    query: '?format=jsonl&filename=t.jsonl', raw: '{"text":"one"}\n{"text":"two"}\n', headers: { 'content-type': 'application/x-ndjson' },
  });
  await call('GET', '/api/v1/imports/{id}', { id: imp.body.id });
  await call('GET', '/api/v1/projects/{id}/imports', { id });
  await call('POST', '/api/v1/projects/{id}/imports', { id }, { query: '?format=jsonl', raw: '{"text":', headers: { 'content-type': 'application/x-ndjson' } });

  const exp = await call('POST', '/api/v1/projects/{id}/exports', { id }, { body: { format: 'jsonl', filter: { state: ['accepted'] } } });
  let e = exp.body;
  for (let i = 0; i < 100 && e.status !== 'done' && e.status !== 'failed'; i++) {
    await new Promise((res) => setTimeout(res, 100));
    e = (await call('GET', '/api/v1/exports/{id}', { id: e.id })).body;
  }
  assert.equal(e.status, 'done');
  const file = await srv.api('GET', `/api/v1/exports/${e.id}/file`, { token: admin.access_token });
  assert.equal(file.status, 200);

  await call('POST', '/api/v1/payouts', none, { body: { idempotency_key: 'p1' } });
  await call('GET', '/api/v1/payouts', none);
  await call('GET', '/api/v1/payouts/{id}', { id: 987654 });
  await call('GET', '/api/v1/me/earnings', none);
  await call('GET', '/api/v1/me/earnings/history', none);
  await call('GET', '/api/v1/audit', none, { query: '?limit=20' });
  await call('GET', '/api/v1/audit/verify', none);
  await call('GET', '/api/v1/tasks/{id}', { id: 987654 });
  await call('GET', '/api/v1/media/{id}/info', { id: 987654 });
  await call('DELETE', '/api/v1/projects/{id}/members/{user_id}', { id, user_id: user.id });
  check('GET', '/api/v1/me', await srv.api('GET', '/api/v1/me'));
  await call('POST', '/api/v1/auth/logout', none);
});

// A reviewer's view of an overlap task carries the consensus: two
// annotators whose spans partly agree, so it has a merged span and a
// disagreement, both checked against the schema.
test('a task with a consensus matches its documented schema', async () => {
  admin = await srv.login(ADMIN.email, ADMIN.password);
  const project = (await call('POST', '/api/v1/projects', {}, {
    body: { name: 'consensus', label_config: NER_CONFIG, policies: { overlap: 2 } },
  })).body;
  const id = project.id;
  await call('POST', '/api/v1/projects/{id}/tasks', { id }, { body: { tasks: [{ data: { text: 'Alice met Bob' } }] } });
  const spans = [[0, 5], [0, 3]];
  let taskId;
  for (const [start, end] of spans) {
    const u = await createUser(srv, admin.access_token, 'annotator');
    await call('PUT', '/api/v1/projects/{id}/members/{user_id}', { id, user_id: u.id }, { body: { roles: ['annotator'] } });
    const token = (await srv.login(u.email, u.password)).access_token;
    const c = await srv.api('POST', `/api/v1/projects/${id}/claim`, { token, body: { stage: 'l1' } });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    taskId = c.body.id;
    const s = await srv.api('POST', `/api/v1/tasks/${taskId}/submit`, { token, body: { result: nerResult('PER', start, end) } });
    assert.equal(s.status, 200, JSON.stringify(s.body));
  }
  const me = (await call('GET', '/api/v1/me', {})).body;
  await call('PUT', '/api/v1/projects/{id}/members/{user_id}', { id, user_id: me.id }, { body: { roles: ['reviewer'] } });
  const claimed = (await call('POST', '/api/v1/projects/{id}/claim', { id }, { body: { stage: 'l2' } })).body;
  assert.ok(claimed.consensus, JSON.stringify(claimed));
  assert.equal(claimed.consensus.result.length, 1);
  assert.equal(claimed.consensus.controls[0].disagreements.length, 1);
  const read = (await call('GET', '/api/v1/tasks/{id}', { id: taskId })).body;
  assert.deepEqual(read.consensus, claimed.consensus);
});
