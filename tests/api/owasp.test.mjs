// The OWASP API Top 10 checks as one table-driven test. RULES names, for
// every route the server has, who may call it, which fixture object fills
// its {id} and {user_id}, and a minimal valid body. The route list comes
// from the server itself (GET /api/v1/openapi.json, which
// tests/openapi/routes.test.mjs ties to src/api/api_routes.c), so a new
// route without a rule, or a rule whose route is gone, fails here.
//
// With that table the test walks every route with every actor and checks:
// - authorization (API1 object level, API5 function level): anonymous 401,
//   an outsider 404 on another project's things (byte for byte the answer
//   for a missing id), a member without the role 403, and anyone allowed
//   neither 401, 403 nor 404;
// - mass assignment (API3/API6): each write route's body plus fields it
//   must not take changes nothing they name;
// - data exposure (API3): no password, hash, secret or foreign token in any
//   response, no other person's e-mail to a non-admin, no SQL or source
//   locations in error messages, never a 500;
// - resource limits (API4): a JSON body of max_body + 1 bytes is 413, a
//   page limit above its maximum is 400, and no page is longer than that.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import { startServer, ADMIN, createUser, waitJob, sql, login } from './lib.mjs';
import { setupProject, addTasks, nerResult, NER_CONFIG } from './workflow-lib.mjs';
import { createBackend } from '../support/ml-backend.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MISSING = 2147483000;
const METRICS_TOKEN = 'owasp-metrics-token-0123456789abcdef';
const ACTORS = ['anonymous', 'outsider', 'annotator', 'reviewer', 'super_reviewer', 'admin'];
const MEMBERS = ['annotator', 'reviewer', 'super_reviewer'];

// Who may call a route. For each actor: 'ok' (anything but 401, 403 and
// 404: a 400/409/422 from a minimal body or the state of the fixture is
// fine) or the status the actor must get.
const ACCESS = {
  // Anyone, with or without a token.
  public: () => 'ok',
  // Any signed-in user.
  user: (a) => (a === 'anonymous' ? 401 : 'ok'),
  // Global admin routes.
  admin: (a) => (a === 'anonymous' ? 401 : a === 'admin' ? 'ok' : 403),
  // A project's management (admins): another project's things answer as
  // missing ones to outsiders; members learn the thing exists, and 403.
  manage: (a) => (a === 'anonymous' ? 401 : a === 'outsider' ? 404 : a === 'admin' ? 'ok' : 403),
  // Any member of the project, and admins.
  member: (a) => (a === 'anonymous' ? 401 : a === 'outsider' ? 404 : 'ok'),
  // A stage's role in the project; admins hold no stage unless a member.
  l1: (a) => (a === 'anonymous' ? 401 : a === 'outsider' ? 404 : a === 'annotator' ? 'ok' : 403),
  l2: (a) => (a === 'anonymous' ? 401 : a === 'outsider' ? 404 : a === 'reviewer' ? 'ok' : 403),
  l3: (a) => (a === 'anonymous' ? 401 : a === 'outsider' ? 404 : a === 'super_reviewer' ? 'ok' : 403),
  // The holder of the task a body names (T1, the annotator's), or a manager.
  holder: (a) => (a === 'anonymous' ? 401 : a === 'outsider' ? 404 : ['annotator', 'admin'].includes(a) ? 'ok' : 403),
  // One's own thing (an API token): someone else's reads as a missing one.
  own: (a) => (a === 'anonymous' ? 401 : a === 'admin' ? 'ok' : 404),
  // Metrics: the server here allows no client address (see before()), so
  // only the metrics token opens them; a user's token, even an admin's,
  // does not.
  metrics: () => 403,
  // A signed link (release beacon) rather than a token: without its
  // signature everyone, token or not, gets 403.
  signed: () => 403,
};

const json = (body) => ({ body });
// The rules: one per route. access: a key of ACCESS. id / user_id: the
// fixture object filling the capture. req(fx, actor): the minimal valid
// request (body, raw, query). state: when "allowed" depends on state, what
// the allowed actor gets otherwise. inputs: fields of the body that are
// legitimately the caller's to set (left out of the mass-assignment probe).
// fresh: the route ends the caller's session, so it gets a new one.
// tokens: the answer may carry tokens (login, refresh, a new API token). secrets: a
// 201 answer may carry a top-level secret (a new webhook's). For the mass-
// assignment probe: before(fx) reads what after(fx, res, was) compares;
// forgeInside(body, forged) also forges inside nested objects.
// A new route: add its line here (the first test names it until then).
const RULES = {
  'GET /': { access: 'public' },
  'GET /healthz': { access: 'public' },
  'GET /readyz': { access: 'public' },
  'GET /metrics': { access: 'metrics' },
  'GET /api/v1/openapi.json': { access: 'public' },
  'GET /api/v1/meta': { access: 'public' },
  'POST /api/v1/auth/login': { access: 'public', req: (fx, a) => json(fx.creds(a)), inputs: ['email', 'password'], tokens: true, after: async (fx, r) => assert.notEqual(r.body.user?.role, 'admin') },
  'POST /api/v1/auth/refresh': { access: 'public', req: async (fx, a) => json({ refresh_token: (await login(fx.url, fx.creds(a).email, fx.creds(a).password)).refresh_token }), inputs: ['refresh_token'], tokens: true },
  'POST /api/v1/auth/logout': { access: 'user', fresh: true, req: () => json({}) },
  'GET /api/v1/me': { access: 'user' },
  'POST /api/v1/me/tokens': { access: 'user', req: () => json({ name: 'walk' }), inputs: ['name', 'role', 'project_ids', 'expires_in_days'], tokens: true },
  'GET /api/v1/me/tokens': { access: 'user', bounded: "the caller's own live tokens, at most 100" },
  'DELETE /api/v1/me/tokens/{id}': { access: 'own', id: 'pat' },
  'POST /api/v1/users': {
    access: 'admin', req: (fx) => json({ email: `u${++fx.seq}@owasp.example.org`, name: 'New', password: 'new-password-1', role: 'annotator' }), inputs: ['email', 'name', 'password', 'role'],
    // A created user is what its role says, whatever else the body claims.
    after: async (fx, r) => assert.ok(r.status >= 400 || (r.body.role === 'annotator' && r.body.is_admin === undefined), JSON.stringify(r.body)),
  },
  'GET /api/v1/users': { access: 'admin', list: true },
  'DELETE /api/v1/users/{id}/tokens/{token_id}': { access: 'admin', id: 'spare' },
  'PATCH /api/v1/users/{id}': {
    access: 'admin', id: 'spare', req: () => json({ name: 'Spare renamed' }), inputs: ['name', 'email', 'password', 'role', 'active'],
    after: async (fx) => {
      const u = (await fx.get('admin', '/api/v1/users?limit=200')).items.find((x) => x.id === fx.spare);
      assert.equal(u.role, 'annotator');
      await login(fx.url, fx.people.spare.email, fx.people.spare.password);
    },
  },
  'POST /api/v1/projects': { access: 'admin', req: () => json({ name: `OWASP ${++fx.seq}`, label_config: NER_CONFIG }), inputs: ['name', 'label_config'] },
  'GET /api/v1/projects': { access: 'user', list: true },
  'GET /api/v1/projects/{id}': { access: 'member', id: 'P' },
  'PATCH /api/v1/projects/{id}': {
    access: 'manage', id: 'P', req: () => json({ description: 'changed' }), inputs: ['description', 'name', 'status', 'label_config', 'policies', 'rates', 'currency'],
    after: async (fx) => {
      const p = await fx.get('admin', `/api/v1/projects/${fx.P}`);
      assert.equal(p.id, fx.P);
      assert.notEqual(p.created_by, fx.ids.outsider);
    },
  },
  'GET /api/v1/projects/{id}/stats': { access: 'manage', id: 'P' },
  'GET /api/v1/projects/{id}/agreement': { access: 'manage', id: 'P' },
  'GET /api/v1/projects/{id}/members': { access: 'member', id: 'P', list: true },
  'POST /api/v1/projects/{id}/gold': { access: 'manage', id: 'P', req: () => json({ data: { text: 'known answer' }, answer: nerResult('PER', 0, 5) }), inputs: ['task_id', 'data', 'answer'] },
  'GET /api/v1/projects/{id}/gold': { access: 'manage', id: 'P', list: true },
  'DELETE /api/v1/projects/{id}/gold/{gold_id}': { access: 'manage', id: 'P' },
  // Webhooks: {webhook_id} is fx.webhook (fx.gwebhook under /webhooks); a
  // DELETE gets a webhook of its own (fx.webhookDel, fx.gwebhookDel), so the
  // walk's other routes still find theirs.
  'POST /api/v1/projects/{id}/webhooks': { access: 'manage', id: 'P', req: () => json({ url: 'http://93.184.215.14/walk' }), inputs: ['url', 'events', 'active', 'secret', 'headers', 'escrow_low_below'], secrets: true },
  'GET /api/v1/projects/{id}/webhooks': { access: 'manage', id: 'P', list: true },
  'GET /api/v1/projects/{id}/webhooks/{webhook_id}': { access: 'manage', id: 'P' },
  'PATCH /api/v1/projects/{id}/webhooks/{webhook_id}': { access: 'manage', id: 'P', req: () => json({ events: ['TASK_ACCEPTED'] }), inputs: ['url', 'events', 'active', 'headers', 'escrow_low_below'] },
  'DELETE /api/v1/projects/{id}/webhooks/{webhook_id}': { access: 'manage', id: 'P' },
  'GET /api/v1/projects/{id}/webhooks/{webhook_id}/deliveries': { access: 'manage', id: 'P', list: true },
  'POST /api/v1/projects/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver': { access: 'manage', id: 'P' },
  'POST /api/v1/projects/{id}/webhooks/{webhook_id}/test': { access: 'manage', id: 'P' },
  'POST /api/v1/webhooks': { access: 'admin', req: () => json({ url: 'http://93.184.215.14/walk' }), inputs: ['url', 'events', 'active', 'secret', 'headers', 'escrow_low_below'], secrets: true },
  'GET /api/v1/webhooks': { access: 'admin', list: true },
  'GET /api/v1/webhooks/{webhook_id}': { access: 'admin' },
  'PATCH /api/v1/webhooks/{webhook_id}': { access: 'admin', req: () => json({ events: ['TASK_ACCEPTED'] }), inputs: ['url', 'events', 'active', 'headers', 'escrow_low_below'] },
  'DELETE /api/v1/webhooks/{webhook_id}': { access: 'admin' },
  'GET /api/v1/webhooks/{webhook_id}/deliveries': { access: 'admin', list: true },
  'POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver': { access: 'admin' },
  'POST /api/v1/webhooks/{webhook_id}/test': { access: 'admin' },
  'GET /api/v1/projects/{id}/quality/annotators': { access: 'manage', id: 'P', list: true },
  'POST /api/v1/projects/{id}/ml-backends': { access: 'manage', id: 'P', req: (fx) => json({ url: fx.mlUrl, title: 'walk' }), inputs: ['url', 'title', 'auth', 'auth_user', 'auth_secret', 'auto_predict', 'batch_size', 'concurrency', 'timeout_ms'] },
  'GET /api/v1/projects/{id}/ml-backends': { access: 'manage', id: 'P', bounded: "the project's backends, a handful" },
  'GET /api/v1/projects/{id}/ml-backends/{backend_id}': { access: 'manage', id: 'P' },
  'PATCH /api/v1/projects/{id}/ml-backends/{backend_id}': { access: 'manage', id: 'P', req: () => json({ title: 'renamed' }), inputs: ['url', 'title', 'auth', 'auth_user', 'auth_secret', 'auto_predict', 'batch_size', 'concurrency', 'timeout_ms'] },
  'DELETE /api/v1/projects/{id}/ml-backends/{backend_id}': { access: 'manage', id: 'P' },
  'POST /api/v1/projects/{id}/ml-backends/{backend_id}/predict': { access: 'manage', id: 'P', req: (fx) => json({ task_ids: [fx.T2] }), inputs: ['task_ids', 'filter'] },
  'GET /api/v1/projects/{id}/ml-backends/{backend_id}/errors': { access: 'manage', id: 'P', list: true },
  'POST /api/v1/projects/{id}/ml-backends/{backend_id}/train': { access: 'manage', id: 'P', req: () => json({}) },
  'POST /api/v1/projects/{id}/ml-backends/{backend_id}/interactive': { access: 'holder', id: 'P', req: (fx) => json({ task_id: fx.T1, context: { result: [] } }), inputs: ['task_id', 'context'] },
  // The annotator who holds Tother: nothing after the walk needs them.
  'POST /api/v1/projects/{id}/members/{user_id}/suspension': { access: 'manage', id: 'P', user_id: 'annotator2', req: () => json({ reason: 'walk' }), inputs: ['reason'] },
  'DELETE /api/v1/projects/{id}/members/{user_id}/suspension': { access: 'manage', id: 'P', user_id: 'annotator2' },
  'PUT /api/v1/projects/{id}/members/{user_id}': {
    access: 'manage', id: 'P', user_id: 'spare2', req: () => json({ role: 'annotator' }), inputs: ['role', 'roles'],
    // The project is the one in the path, not one named in the body.
    after: async (fx) => assert.ok(!(await fx.get('admin', `/api/v1/projects/${fx.Q}/members`)).items.some((m) => (m.user_id ?? m.id) === fx.spare2)),
  },
  'DELETE /api/v1/projects/{id}/members/{user_id}': { access: 'manage', id: 'P', user_id: 'spare2' },
  'GET /api/v1/projects/{id}/tasks': { access: 'member', id: 'P', list: true },
  'POST /api/v1/projects/{id}/tasks': {
    access: 'manage', id: 'P', req: () => json({ tasks: [{ data: { text: 'added' } }] }), inputs: ['tasks'],
    // The forged fields inside a task too: a new task is queued, unheld,
    // in the project of the path.
    forgeInside: (body, f) => ({ ...body, tasks: body.tasks.map((t) => ({ ...t, ...f })) }),
    after: async (fx, r) => {
      if (r.status >= 400) return;
      const t = await fx.get('admin', `/api/v1/tasks/${r.body.first_id}`);
      assert.equal(t.project_id, fx.P);
      assert.equal(t.state, 'queued_l1');
      assert.equal(t.lease, undefined, JSON.stringify(t));
    },
  },
  'POST /api/v1/projects/{id}/tasks/bulk': { access: 'manage', id: 'P', req: (fx) => json({ action: 'priority', task_ids: [fx.T2], priority: 3 }), inputs: ['action', 'task_ids', 'priority'] },
  'POST /api/v1/projects/{id}/imports': { access: 'manage', id: 'P', req: () => ({ query: '?format=jsonl', raw: '{"text":"imported"}\n', headers: { 'content-type': 'application/x-ndjson' } }) },
  'GET /api/v1/projects/{id}/imports': { access: 'manage', id: 'P', list: true },
  'POST /api/v1/projects/{id}/media': { access: 'manage', id: 'P', req: () => ({ query: '?filename=dot.png', raw: PNG, headers: { 'content-type': 'image/png' } }) },
  'GET /api/v1/media/{id}': { access: 'member', id: 'media' },
  'GET /api/v1/media/{id}/info': { access: 'member', id: 'media' },
  'POST /api/v1/projects/{id}/sources': { access: 'manage', id: 'P', req: () => json({ url: 's3://owasp-none/prefix/' }), inputs: ['url'] },
  'GET /api/v1/projects/{id}/sources': { access: 'manage', id: 'P', list: true },
  'GET /api/v1/sources/{id}': { access: 'manage', id: 'source' },
  'DELETE /api/v1/sources/{id}': { access: 'manage', id: 'source2' },
  'POST /api/v1/sources/{id}/sync': { access: 'manage', id: 'source', req: () => json({}) },
  'GET /api/v1/imports/{id}': { access: 'manage', id: 'import' },
  'POST /api/v1/projects/{id}/claim': {
    access: 'l1', id: 'P', req: () => json({ stage: 'l1' }), inputs: ['stage', 'resume'],
    // The lease is the caller's, not the one the body names.
    after: async (fx, r) => {
      if (r.status !== 200) return;
      assert.equal(r.body.lease.holder, fx.ids.annotator);
      assert.equal(r.body.project_id, fx.P);
      fx.T1 = r.body.id;
    },
  },
  'GET /api/v1/tasks/{id}': { access: 'member', id: 'T1' },
  'POST /api/v1/tasks/{id}/heartbeat': { access: 'member', id: 'T1', state: 'lease holder; other members 409 lease_lost', req: () => json({}) },
  'POST /api/v1/tasks/{id}/release': { access: 'member', id: 'T1', state: 'lease holder; other members 409 lease_lost', req: () => json({}) },
  'PUT /api/v1/tasks/{id}/draft': { access: 'member', id: 'T1', state: 'lease holder; other members 409 lease_lost', req: () => json({ result: [] }), inputs: ['result'] },
  'POST /api/v1/tasks/{id}/release-beacon': { access: 'signed', id: 'T1' },
  'POST /api/v1/tasks/{id}/submit': {
    access: 'l1', id: 'T1', state: 'L1 lease holder; else 409', req: () => json({ result: nerResult() }), inputs: ['result'],
    after: async (fx) => assert.notEqual((await fx.get('admin', `/api/v1/tasks/${fx.T1}`)).state, 'accepted'),
  },
  'POST /api/v1/tasks/{id}/revise': { access: 'l1', id: 'T1', state: 'author while queued_l2; else 409', req: () => json({ result: nerResult() }), inputs: ['result'] },
  'POST /api/v1/tasks/{id}/review': { access: 'l2', id: 'T1', state: 'L2 lease holder; else 409', req: () => json({ decision: 'approve', comment: 'ok' }), inputs: ['decision', 'comment'] },
  'POST /api/v1/tasks/{id}/decide': { access: 'l3', id: 'T1', state: 'L3 lease holder; else 409', req: () => json({ decision: 'approve', comment: 'ok' }), inputs: ['decision', 'comment'] },
  'POST /api/v1/tasks/{id}/requeue': { access: 'manage', id: 'T2', req: () => json({ to: 'queued_l1', reason: 'owasp' }), inputs: ['to', 'reason'] },
  'POST /api/v1/projects/{id}/escrow/deposits': {
    access: 'manage', id: 'P', req: (fx) => json({ amount: 100, reference: 'owasp', idempotency_key: `dep-${++fx.seq}` }), inputs: ['amount', 'reference', 'idempotency_key'],
    before: async (fx) => ({ p: await fx.get('admin', `/api/v1/projects/${fx.P}/escrow`), q: await fx.get('admin', `/api/v1/projects/${fx.Q}/escrow`) }),
    // Exactly the amount, into the project of the path.
    after: async (fx, r, was) => {
      assert.deepEqual(await fx.get('admin', `/api/v1/projects/${fx.Q}/escrow`), was.q);
      assert.equal((await fx.get('admin', `/api/v1/projects/${fx.P}/escrow`)).available, was.p.available + 100);
    },
  },
  'POST /api/v1/projects/{id}/escrow/refund': { access: 'manage', id: 'P', state: 'closed projects; an active one 409', req: (fx) => json({ idempotency_key: `ref-${++fx.seq}` }), inputs: ['idempotency_key'] },
  'GET /api/v1/projects/{id}/escrow': { access: 'manage', id: 'P' },
  'GET /api/v1/projects/{id}/ledger': { access: 'manage', id: 'P', list: true },
  'GET /api/v1/ledger/verify': { access: 'admin' },
  'GET /api/v1/me/earnings': { access: 'user' },
  'GET /api/v1/me/earnings/history': { access: 'user', bounded: 'one item per day and currency, days <= 366' },
  'GET /api/v1/me/progress': { access: 'user', bounded: "one item per project of the caller's own work" },
  'POST /api/v1/payouts': { access: 'admin', req: (fx) => json({ idempotency_key: `pay-${++fx.seq}`, adapter: 'csv' }), inputs: ['idempotency_key', 'adapter'] },
  'GET /api/v1/payouts': { access: 'admin', list: true },
  'GET /api/v1/payouts/{id}': { access: 'admin', id: 'payout', bounded: 'one item per payee of the batch, to admins' },
  'GET /api/v1/payouts/{id}/statement': { access: 'admin', id: 'payout' },
  'POST /api/v1/projects/{id}/exports': { access: 'manage', id: 'P', req: () => json({ format: 'jsonl' }), inputs: ['format'] },
  'GET /api/v1/projects/{id}/exports': { access: 'manage', id: 'P', list: true },
  'GET /api/v1/exports/{id}': { access: 'manage', id: 'export' },
  'GET /api/v1/exports/{id}/file': { access: 'manage', id: 'export' },
  'GET /api/v1/audit': { access: 'admin', list: true },
  'GET /api/v1/audit/verify': { access: 'admin' },
  'GET /api/v1/audit/{seq}/proof': { access: 'admin', id: 'auditSeq' },
};

// Fields no write route takes from its caller; each names what it would
// forge. Values point at the other project and the outsider.
const forged = (fx) => ({
  id: 987654,
  project_id: fx.Q,
  role: 'admin',
  is_admin: true,
  created_by: fx.ids.outsider,
  created_at: '2001-01-01T00:00:00Z',
  updated_at: '2001-01-01T00:00:00Z',
  password_hash: 'x',
  state: 'accepted',
  lease_owner: fx.ids.outsider,
  assignee: fx.ids.outsider,
  user_id: fx.ids.outsider,
  balance: 1000000000,
  amount: 1000000000,
  earned: 1000000000,
  paid: 1000000000,
  available: 1000000000,
  totals: { USD: 1000000000 },
  active: false,
});

// A 1x1 PNG, built here so that no binary fixture is needed.
const PNG = (() => {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const t = Buffer.concat([Buffer.from(type), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(t));
    return Buffer.concat([len, t, c]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
})();

// max_body per route, read from the route table (0: the server's default).
const DEFAULT_MAX_BODY = 1 << 20;
function routeTable() {
  const src = readFileSync(join(root, 'src', 'api', 'api_routes.c'), 'utf8');
  const out = {};
  const re = /\.method = "(\w+)", \.pattern = "([^"]+)",.*?\.body = (LF_BODY_\w+), \.max_body = ([^,}]+)/g;
  for (const m of src.matchAll(re)) {
    // The expressions are C integer constants: "16 * 1024", "2 << 20", "(size_t)4 << 30".
    const expr = m[4].replace(/\(size_t\)/g, '').trim();
    const v = /^\d+$/.test(expr) ? Number(expr)
      : /^(\d+) \* (\d+)$/.test(expr) ? Number(RegExp.$1) * Number(RegExp.$2)
      : /^(\d+) << (\d+)$/.test(expr) ? Number(RegExp.$1) * 2 ** Number(RegExp.$2)
      : NaN;
    assert.ok(!Number.isNaN(v), `cannot read max_body ${m[4]}`);
    out[`${m[1]} ${m[2]}`] = { body: m[3], maxBody: v || DEFAULT_MAX_BODY };
  }
  return out;
}

let srv;
let fx;
let mlBackend;
let doc;
const seen = []; // every response of the walk: { actor, route, status, body }
const failures = [];

// A webhook route's {webhook_id} and {delivery_id}: the project's or the
// global fixture, a DELETE's own webhook.
function hookIds(method, pattern) {
  const global = pattern.startsWith('/api/v1/webhooks');
  const w = method === 'DELETE' ? (global ? fx.gwebhookDel : fx.webhookDel) : global ? fx.gwebhook : fx.webhook;
  return pattern.replace('{webhook_id}', String(w)).replace('{delivery_id}', String(global ? fx.gdelivery : fx.delivery));
}

async function call(actor, route, { id, userId, query = '', body, raw, headers = {}, token } = {}) {
  const [method, pattern] = route.split(' ');
  const path = hookIds(method, pattern).replace(/\{(id|seq)\}/, String(id)).replace('{user_id}', String(userId)).replace('{gold_id}', String(fx.gold)).replace('{backend_id}', String(method === 'DELETE' ? fx.mlSpare : fx.ml)).replace('{token_id}', String(fx.sparePat)) + query;
  const t = token ?? (actor === 'anonymous' ? undefined : fx.tokens[actor]);
  const r = await srv.api(method, path, { token: t, body, raw, headers });
  seen.push({ actor, route, status: r.status, body: r.body });
  return r;
}

before(async () => {
  // A model server the ML backend routes reach (LABELFLOW_OUTBOUND_ALLOW).
  mlBackend = createBackend();
  const mlPort = await mlBackend.listen();
  srv = await startServer({ env: { LABELFLOW_METRICS_ALLOW: '10.0.0.0/8', LABELFLOW_METRICS_TOKEN: METRICS_TOKEN, LABELFLOW_OUTBOUND_ALLOW: 'localhost' } });
  const world = await setupProject(srv, {
    counts: { annotator: 2, reviewer: 1, super_reviewer: 1 },
    // A release beacon must not hand the held task back during the walk.
    policies: { release_grace_seconds: 300 },
    // Text tasks and an uploaded image in one project.
    label_config: NER_CONFIG.replace('</View>', '  <Image name="image" value="$image"/>\n</View>'),
  });
  const other = await setupProject(srv, { counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const admin = world.admin;
  const at = admin.access_token;
  const [ann, rev, sup, out] = [world.annotators[0], world.reviewers[0], world.supers[0], other.annotators[0]];
  const P = world.project.id;
  const spare = await createUser(srv, at, 'annotator');
  const spare2 = await createUser(srv, at, 'annotator');
  const m = await srv.api('PUT', `/api/v1/projects/${P}/members/${spare2.id}`, { token: at, body: { role: 'annotator' } });
  assert.equal(m.status, 200);
  const tasks = await addTasks(srv, admin, P, ['first task', 'second task', 'third task']);
  const claim = await srv.api('POST', `/api/v1/projects/${P}/claim`, { token: ann.token, body: { stage: 'l1' } });
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  const T1 = claim.body.id ?? claim.body.task?.id;
  // A task another annotator of P holds: the annotator never worked on it.
  const held = await srv.api('POST', `/api/v1/projects/${P}/claim`, { token: world.annotators[1].token, body: { stage: 'l1' } });
  assert.equal(held.status, 200, JSON.stringify(held.body));
  const T2 = [tasks.first_id, tasks.first_id + 1, tasks.first_id + 2].find((t) => t !== T1 && t !== held.body.id);
  const imp = await srv.api('POST', `/api/v1/projects/${P}/imports?format=jsonl`, { token: at, raw: '{"text":"x"}\n', headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(imp.status, 202, JSON.stringify(imp.body));
  await waitJob(srv, at, `/api/v1/imports/${imp.body.id}`);
  const exp = await srv.api('POST', `/api/v1/projects/${P}/exports`, { token: at, body: { format: 'jsonl' } });
  assert.equal(exp.status, 202, JSON.stringify(exp.body));
  await waitJob(srv, at, `/api/v1/exports/${exp.body.id}`);
  const media = await srv.api('POST', `/api/v1/projects/${P}/media?filename=dot.png`, { token: at, raw: PNG, headers: { 'content-type': 'image/png' } });
  assert.equal(media.status, 201, JSON.stringify(media.body));
  const pay = await srv.api('POST', '/api/v1/payouts', { token: at, body: { idempotency_key: 'owasp-fixture', adapter: 'csv' } });
  assert.ok(pay.status === 201 || pay.status === 200, JSON.stringify(pay.body));
  // A bucket source needs a bucket to be created through the API; its row
  // is all the authorization checks read, so the fixture writes it.
  const adminId = (await srv.api('GET', '/api/v1/me', { token: at })).body.id;
  const now = Date.now();
  sql(srv.db, `INSERT INTO storage_sources (project_id, url, created_by, created_at) VALUES (${P}, 's3://owasp-none/a/', ${adminId}, ${now}), (${P}, 's3://owasp-none/b/', ${adminId}, ${now})`);
  const srcIds = sql(srv.db, `SELECT id FROM storage_sources WHERE project_id = ${P} ORDER BY id`).trim().split('\n').map(Number);
  const gold = await srv.api('POST', `/api/v1/projects/${P}/gold`, { token: at, body: { data: { text: 'known answer' }, answer: nerResult('PER', 0, 5) } });
  assert.equal(gold.status, 201, JSON.stringify(gold.body));
  const ml = await srv.api('POST', `/api/v1/projects/${P}/ml-backends`, { token: at, body: { url: `http://localhost:${mlPort}`, auth: 'basic', auth_user: 'walker', auth_secret: 'ml-basic-secret' } });
  assert.equal(ml.status, 201, JSON.stringify(ml.body));
  // The DELETE route's: the walk's other routes keep the first.
  const mlSpare = await srv.api('POST', `/api/v1/projects/${P}/ml-backends`, { token: at, body: { url: `http://localhost:${mlPort}` } });
  assert.equal(mlSpare.status, 201, JSON.stringify(mlSpare.body));
  // API tokens: one of the admin's, one of the spare user's.
  const pat = await srv.api('POST', '/api/v1/me/tokens', { token: at, body: { name: 'owasp' } });
  assert.equal(pat.status, 201, JSON.stringify(pat.body));
  const spareSession = await login(srv.url, spare.email, spare.password);
  const sparePat = await srv.api('POST', '/api/v1/me/tokens', { token: spareSession.access_token, body: { name: 'owasp' } });
  assert.equal(sparePat.status, 201, JSON.stringify(sparePat.body));
  // Webhooks at a public address (never reached here: the walk only needs
  // the rows), each with a delivery (its test PING).
  const hook = async (base) => {
    const h = await srv.api('POST', base, { token: at, body: { url: 'http://93.184.215.14/hook' } });
    assert.equal(h.status, 201, JSON.stringify(h.body));
    return h.body.id;
  };
  const ping = async (base, id) => {
    const r = await srv.api('POST', `${base}/${id}/test`, { token: at });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body.id;
  };
  const webhook = await hook(`/api/v1/projects/${P}/webhooks`), webhookDel = await hook(`/api/v1/projects/${P}/webhooks`);
  const gwebhook = await hook('/api/v1/webhooks'), gwebhookDel = await hook('/api/v1/webhooks');
  const delivery = await ping(`/api/v1/projects/${P}/webhooks`, webhook), gdelivery = await ping('/api/v1/webhooks', gwebhook);
  const people = { admin: { ...ADMIN, id: adminId }, annotator: ann, reviewer: rev, super_reviewer: sup, outsider: out, spare, spare2, annotator2: world.annotators[1] };
  fx = {
    url: srv.url,
    seq: 0,
    P, Q: other.project.id, T1, T2, Tother: held.body.id, projectName: world.project.name,
    import: imp.body.id, export: exp.body.id, media: media.body.items[0].id, payout: pay.body.id,
    source: srcIds[0], source2: srcIds[1], spare: spare.id, spare2: spare2.id, annotator2: world.annotators[1].id, gold: gold.body.id,
    ml: ml.body.id, mlSpare: mlSpare.body.id, mlUrl: `http://localhost:${mlPort}`,
    pat: pat.body.id, sparePat: sparePat.body.id,
    webhook, webhookDel, gwebhook, gwebhookDel, delivery, gdelivery,
    // The first admin's creation: sealed within 100 ms of the start.
    auditSeq: 1,
    beacon: claim.body.release_beacon,
    people,
    ids: Object.fromEntries(Object.entries(people).map(([k, v]) => [k, v.id])),
    emails: Object.fromEntries(Object.entries(people).map(([k, v]) => [k, v.email])),
    tokens: { admin: at, annotator: ann.token, reviewer: rev.token, super_reviewer: sup.token, outsider: out.token },
    // Login credentials per actor (anonymous signs in as the spare user).
    get: async (a, path) => {
      const r = await srv.api('GET', path, { token: fx.tokens[a] });
      assert.equal(r.status, 200, `GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    creds: (a) => (a === 'anonymous' ? { email: spare.email, password: spare.password } : { email: people[a].email, password: people[a].password }),
  };
  doc = (await srv.api('GET', '/api/v1/openapi.json')).body;
});

after(async () => {
  await srv?.stop();
  mlBackend?.close();
});

const serverRoutes = () => {
  const out = [];
  for (const [path, ops] of Object.entries(doc.paths))
    for (const m of Object.keys(ops)) if (['get', 'post', 'put', 'patch', 'delete'].includes(m)) out.push(`${m.toUpperCase()} ${path}`);
  return out;
};

test('every route has a rule and every rule a route', () => {
  const routes = serverRoutes();
  const missing = routes.filter((r) => !RULES[r]);
  const stale = Object.keys(RULES).filter((r) => !routes.includes(r));
  assert.deepEqual(missing, [], `routes without a rule in tests/api/owasp.test.mjs: ${missing.join(', ')}`);
  assert.deepEqual(stale, [], `rules without a route: ${stale.join(', ')}`);
  const table = routeTable();
  assert.deepEqual(Object.keys(table).sort(), routes.sort(), 'api_routes.c parsed as the served document');
});

// Runs one route as one actor and checks the answer's class.
async function walkOne(route, rule, actor) {
  const want = ACCESS[rule.access](actor);
  const r0 = rule.req ? await rule.req(fx, actor) : {};
  let token;
  if (rule.fresh && actor !== 'anonymous') token = (await login(srv.url, fx.creds(actor).email, fx.creds(actor).password)).access_token;
  const ids = { id: fx[rule.id], userId: fx[rule.user_id] };
  const r = await call(actor, route, { ...ids, ...r0, token });
  const where = `${route} as ${actor}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
  if (r.status >= 500) return failures.push(`${where} (a server error)`);
  if (want === 'ok') {
    if ([401, 403, 404].includes(r.status)) failures.push(`${where} (expected allowed)`);
    return;
  }
  if (r.status !== want) return failures.push(`${where} (expected ${want})`);
  if (typeof r.body !== 'object' || !r.body.error || typeof r.body.error.code !== 'string')
    failures.push(`${where} (not an error body)`);
  // Another project's thing must read exactly as a missing one.
  if (want === 404 && rule.id) {
    const r0b = rule.req ? await rule.req(fx, actor) : {};
    const none = await call(actor, route, { ...r0b, id: MISSING, userId: ids.userId });
    if (none.status !== r.status || JSON.stringify(none.body) !== JSON.stringify(r.body))
      failures.push(`${where} differs from a missing id: ${none.status} ${JSON.stringify(none.body)}`);
  }
}

test('authorization: every route x every actor', async () => {
  // Routes that end what later routes use (a member, a source, the held
  // lease) come last; within a route the admin comes last.
  const order = Object.keys(RULES).sort((a, b) => last(a) - last(b));
  // The release beacon is allowed with its signed link and no token; the
  // link names one task, one stint and one person, and nothing else.
  assert.ok(fx.beacon, 'the claim answers a release_beacon');
  const beacon = 'POST /api/v1/tasks/{id}/release-beacon';
  const forgedSig = fx.beacon.replace(/sig=([0-9a-f])/, (_, c) => `sig=${c === '0' ? '1' : '0'}`);
  const otherTask = fx.beacon.replace(`/tasks/${fx.T1}/`, `/tasks/${fx.T2}/`);
  const otherUser = fx.beacon.replace(/uid=\d+/, `uid=${fx.ids.reviewer}`);
  for (const [url, want] of [[forgedSig, 403], [otherTask, 403], [otherUser, 403], [fx.beacon, 202]]) {
    const r = await srv.api('POST', url);
    seen.push({ actor: 'anonymous', route: beacon, status: r.status, body: r.body });
    if (r.status !== want) failures.push(`${url}: ${r.status} ${JSON.stringify(r.body)} (expected ${want})`);
  }
  const m = await srv.api('GET', '/metrics', { token: METRICS_TOKEN });
  if (m.status !== 200) failures.push(`/metrics with the metrics token: ${m.status}`);
  for (const route of order) for (const actor of ACTORS) await walkOne(route, RULES[route], actor);
  // Inside the project, annotators see only the tasks they worked on: one
  // another annotator holds reads as missing, and no lease holder's route
  // acts on it (409 lease_lost, or 404).
  for (const route of order.filter((r) => r.includes(' /api/v1/tasks/{id}') && ['member', 'l1'].includes(RULES[r].access))) {
    const r0 = RULES[route].req ? await RULES[route].req(fx, 'annotator') : {};
    const r = await call('annotator', route, { ...r0, id: fx.Tother });
    const where = `${route} as annotator on another annotator's task: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
    if (route.startsWith('GET')) {
      const none = await call('annotator', route, { ...r0, id: MISSING });
      if (r.status !== 404 || JSON.stringify(r.body) !== JSON.stringify(none.body)) failures.push(`${where} (expected the missing task's 404)`);
    } else if (![404, 409].includes(r.status) || !r.body?.error) failures.push(`${where} (expected 404 or 409)`);
  }
  assert.deepEqual(failures, [], '\n' + failures.join('\n'));
});
const last = (route) => (/^DELETE|\/submit$/.test(route) ? 1 : /\/release$/.test(route) ? 2 : 0);

// The first actor a rule allows, for the checks that need one.
// Routes anyone may call are tried as an annotator, whose forged role
// would show.
const allowedActor = (rule) =>
  (['public', 'user'].includes(rule.access) ? ['annotator'] : ['admin', 'annotator', 'reviewer', 'super_reviewer']).find((a) => ACCESS[rule.access](a) === 'ok');

// A forged value that came back: a response field named like a forged one
// that holds the forged value.
function forgedEcho(body, f, inputs) {
  const hits = [];
  const visit = (o) => {
    if (Array.isArray(o)) return o.forEach(visit);
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o)) {
      if (k in f && !inputs.includes(k) && JSON.stringify(v) === JSON.stringify(f[k])) hits.push(`${k}=${JSON.stringify(v)}`);
      visit(v);
    }
  };
  visit(body);
  return hits;
}

test('mass assignment: no write route takes fields that are not its inputs', async () => {
  const problems = [];
  // A held lease again (the walk released it), for the lease holder's routes.
  const c = await srv.api('POST', `/api/v1/projects/${fx.P}/claim`, { token: fx.tokens.annotator, body: { stage: 'l1' } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  fx.T1 = c.body.id;
  const writes = Object.keys(RULES).filter((r) => !r.startsWith('GET') && !r.startsWith('DELETE') && RULES[r].req).sort((a, b) => last(a) - last(b));
  for (const route of writes) {
    const rule = RULES[route];
    const actor = allowedActor(rule);
    if (!actor) continue;
    const req = await rule.req(fx, actor);
    if (!req.body) continue; // a stream upload: no JSON fields to forge
    const f = Object.fromEntries(Object.entries(forged(fx)).filter(([k]) => !(rule.inputs || []).includes(k)));
    const body = rule.forgeInside ? rule.forgeInside({ ...req.body, ...f }, f) : { ...req.body, ...f };
    let token;
    if (rule.fresh) token = (await login(srv.url, fx.creds(actor).email, fx.creds(actor).password)).access_token;
    const was = rule.before ? await rule.before(fx) : undefined;
    const r = await call(actor, route, { id: fx[rule.id], userId: fx[rule.user_id], ...req, body, token });
    if (r.status >= 500 || [401, 403, 404].includes(r.status)) {
      problems.push(`${route} as ${actor}: ${r.status} ${JSON.stringify(r.body)}`);
      continue;
    }
    const echo = forgedEcho(r.body, f, rule.inputs || []);
    if (echo.length) problems.push(`${route}: the answer carries forged ${echo.join(', ')}`);
    if (rule.after) {
      try {
        await rule.after(fx, r, was);
      } catch (e) {
        problems.push(`${route}: ${e.message}`);
      }
    }
  }
  assert.deepEqual(problems, [], '\n' + problems.join('\n'));
});

// Sends a body the server refuses by its declared length: with
// `Expect: 100-continue` the body follows only if the server asks for it,
// so the refusal is read rather than lost to the connection the server
// closes mid-upload.
function oversized(actor, route, id, userId, raw) {
  const [method, pattern] = route.split(' ');
  const u = new URL(srv.url + hookIds(method, pattern).replace(/\{(id|seq)\}/, String(id)).replace('{user_id}', String(userId)).replace('{gold_id}', String(fx.gold)).replace('{backend_id}', String(fx.ml)));
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(raw), expect: '100-continue' };
  if (actor !== 'anonymous') headers.authorization = `Bearer ${fx.tokens[actor]}`;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(u, { method, headers }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body = text;
        try { body = JSON.parse(text); } catch { /* not JSON: reported as such */ }
        seen.push({ actor, route, status: res.statusCode, body });
        resolve({ status: res.statusCode, body });
      });
    });
    req.on('error', (e) => { if (!answered) reject(new Error(`${route}: ${e.message}`)); });
    req.on('continue', () => req.end(raw));
  });
}

test('resource limits: bodies over max_body are 413, page limits are capped', async () => {
  const problems = [];
  const table = routeTable();
  for (const [route, { body, maxBody }] of Object.entries(table)) {
    if (body !== 'LF_BODY_JSON') continue;
    const rule = RULES[route];
    const actor = allowedActor(rule);
    const pad = maxBody + 1 - '{"a":""}'.length;
    const raw = `{"a":"${'x'.repeat(pad)}"}`;
    const r = await oversized(actor, route, fx[rule.id] ?? MISSING, fx[rule.user_id], raw);
    if (r.status !== 413 || !r.body?.error?.code) problems.push(`${route} as ${actor}, ${raw.length} bytes: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    // Authorization comes before the body: an anonymous caller of a route
    // that needs a token is told 401, whatever it sends.
    if (rule.access !== 'public') {
      const a = await oversized('anonymous', route, fx[rule.id] ?? MISSING, fx[rule.user_id], raw);
      if (a.status !== 401) problems.push(`${route} as anonymous, ${raw.length} bytes: ${a.status} (expected 401)`);
    }
    // And an outsider learns nothing of another project from the headers
    // either: its thing answers as a missing one (404 where the headers
    // name the project or task; a source's sync is judged after its body,
    // 413 for both).
    if (rule.id && ACCESS[rule.access]('outsider') === 404) {
      const o = await oversized('outsider', route, fx[rule.id], fx[rule.user_id], raw);
      const none = await oversized('outsider', route, MISSING, fx[rule.user_id], raw);
      if (![404, 413].includes(o.status) || o.status !== none.status || JSON.stringify(o.body) !== JSON.stringify(none.body))
        problems.push(`${route} as outsider, ${raw.length} bytes: ${o.status} ${JSON.stringify(o.body)}; a missing id: ${none.status} ${JSON.stringify(none.body)}`);
    }
  }
  const ref = (p) => (p.$ref ? p.$ref.split('/').slice(1).reduce((o, k) => o[k], doc) : p);
  for (const [path, ops] of Object.entries(doc.paths)) {
    const op = ops.get;
    if (!op) continue;
    const params = [...(ops.parameters || []), ...(op.parameters || [])].map(ref);
    const limit = params.find((p) => p.name === 'limit' && p.in === 'query');
    if (!limit) continue;
    const route = `GET ${path}`;
    const rule = RULES[route];
    const actor = allowedActor(rule);
    const max = limit.schema?.maximum;
    if (typeof max !== 'number') {
      problems.push(`${route}: limit has no documented maximum`);
      continue;
    }
    const over = await call(actor, route, { id: fx[rule.id], userId: fx[rule.user_id], query: '?limit=100000' });
    if (over.status !== 400 || !over.body?.error) problems.push(`${route}?limit=100000 as ${actor}: ${over.status}`);
    const page = await call(actor, route, { id: fx[rule.id], userId: fx[rule.user_id], query: `?limit=${max}` });
    if (page.status !== 200 || !Array.isArray(page.body.items) || page.body.items.length > max)
      problems.push(`${route}?limit=${max}: ${page.status} ${page.body.items?.length} items`);
    const dflt = await call(actor, route, { id: fx[rule.id], userId: fx[rule.user_id] });
    if (dflt.status !== 200 || dflt.body.items.length > max) problems.push(`${route}: ${dflt.body.items?.length} items with no limit`);
  }
  assert.deepEqual(problems, [], '\n' + problems.join('\n'));
});

test('authorization and exposure again on every read, after work was submitted and claimed for review', async () => {
  // Reads now carry history: who submitted, who reviews.
  const r = await srv.api('POST', `/api/v1/projects/${fx.P}/claim`, { token: fx.tokens.reviewer, body: { stage: 'l2' } });
  assert.ok([200, 204].includes(r.status), JSON.stringify(r.body));
  if (r.status === 200) fx.T1 = r.body.id;
  failures.length = 0;
  for (const route of Object.keys(RULES).filter((x) => x.startsWith('GET'))) for (const actor of ACTORS) await walkOne(route, RULES[route], actor);
  assert.deepEqual(failures, [], '\n' + failures.join('\n'));
});

// Every answer with a list of items is paged with a documented maximum,
// or its rule says what bounds it.
const limitParam = (route) => {
  const [, path] = route.split(' ');
  const ops = doc.paths[path];
  const ref = (p) => (p.$ref ? p.$ref.split('/').slice(1).reduce((o, k) => o[k], doc) : p);
  return [...(ops.parameters || []), ...(ops.get?.parameters || [])].map(ref).find((p) => p.name === 'limit' && p.in === 'query');
};
const lists = () => [...new Set(seen.filter((x) => x.route.startsWith('GET') && x.status === 200 && Array.isArray(x.body?.items)).map((x) => x.route))];

test('resource limits: every list is paged or bounded', () => {
  const unbounded = lists().filter((r) => !limitParam(r) && !RULES[r].bounded && !RULES[r].unpaged);
  assert.deepEqual(unbounded, [], 'lists with neither a limit nor a bound');
});

// No list is answered whole any more (a rule's `unpaged` would say why):
// a new one cannot join unseen.
test('resource limits: no list is answered whole', () => {
  const whole = Object.keys(RULES).filter((r) => RULES[r].unpaged);
  assert.deepEqual(whole, []);
  for (const r of ['GET /api/v1/projects/{id}/members', 'GET /api/v1/projects/{id}/sources'])
    assert.ok(limitParam(r), `${r} takes a limit`);
});

// Keys no response may carry: secrets and credentials. The audit trail's
// `hash` and `prev_hash` (and a proof's checkpoint `hash`) are the links of
// its public hash chain, not secrets.
const SECRET_KEY = /(^|_)password($|_hash)|secret|^hash$|_hash$|^salt$|api_key|private_key/i;
const TOKEN_KEY = /token/i;
// What an error message must not show: SQL, database engines, source
// locations, stack traces.
const INTERNALS = /sqlite|postgres|libpq|syntax error|\bselect\b.*\bfrom\b|\binsert into\b|\bupdate\b.*\bset\b|\bdelete from\b|constraint|\.c:\d+|backtrace|stack trace|segmentation|0x[0-9a-f]{8,}/i;

test('data exposure: no secrets, tokens, other people\'s e-mails or internals in any response', () => {
  const problems = [];
  const emails = Object.entries(fx.people).map(([k, v]) => [k, v.email.toLowerCase()]);
  for (const s of seen) {
    if (s.status >= 500) problems.push(`${s.route} as ${s.actor}: ${s.status}`);
    if (!s.body || typeof s.body !== 'object') continue;
    const isAudit = s.route === 'GET /api/v1/audit' || s.route === 'GET /api/v1/audit/{seq}/proof';
    const tokensOk = RULES[s.route]?.tokens && (s.status === 200 || s.status === 201);
    // A new webhook's signing secret is shown this once, to its creator.
    const secretOk = RULES[s.route]?.secrets && s.status === 201;
    const own = fx.creds(s.actor).email.toLowerCase();
    const visit = (o, path) => {
      if (Array.isArray(o)) return o.forEach((v, i) => visit(v, `${path}[${i}]`));
      if (typeof o === 'string') {
        // Other people's addresses: admins see them, nobody else does.
        if (s.actor !== 'admin' && s.route !== 'GET /api/v1/openapi.json')
          for (const [who, e] of emails) if (e !== own && o.toLowerCase().includes(e)) problems.push(`${s.route} as ${s.actor}: ${who}'s e-mail at ${path}`);
        return;
      }
      if (!o || typeof o !== 'object') return;
      for (const [k, v] of Object.entries(o)) {
        if (SECRET_KEY.test(k) && !(isAudit && /^(prev_)?hash$/.test(k)) && !(secretOk && path === '$' && k === 'secret') && s.route !== 'GET /api/v1/openapi.json')
          problems.push(`${s.route} as ${s.actor}: key ${path}.${k}`);
        if (TOKEN_KEY.test(k) && !tokensOk && s.route !== 'GET /api/v1/openapi.json')
          problems.push(`${s.route} as ${s.actor}: token key ${path}.${k}`);
        visit(v, `${path}.${k}`);
      }
    };
    visit(s.body, '$');
    // The beacon link releases the caller's lease: only its holder gets it.
    if (JSON.stringify(s.body).includes('release_beacon') && s.route !== 'GET /api/v1/openapi.json' &&
        !(s.actor === 'annotator' && /\/claim$|\/heartbeat$/.test(s.route)))
      problems.push(`${s.route} as ${s.actor}: a release_beacon`);
    // Another project's things never reach an outsider or anonymous caller:
    // neither its name nor its tasks' text.
    if (['outsider', 'anonymous'].includes(s.actor) && s.route !== 'GET /api/v1/openapi.json')
      for (const marker of [fx.projectName, 'first task', 'second task', 'third task'])
        if (JSON.stringify(s.body).includes(marker)) problems.push(`${s.route} as ${s.actor}: shows "${marker}" of project P`);
    const msg = s.body.error?.message;
    if (typeof msg === 'string' && INTERNALS.test(msg)) problems.push(`${s.route} as ${s.actor}: error message shows internals: ${msg}`);
  }
  assert.ok(seen.length > 400, `only ${seen.length} responses were collected`);
  assert.deepEqual([...new Set(problems)], [], '\n' + [...new Set(problems)].join('\n'));
});
