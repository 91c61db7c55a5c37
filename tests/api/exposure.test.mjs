// What the API tells people who should not know: members see each other's
// names but not their e-mail addresses; to someone outside a project, its
// project, tasks, imports and exports answer exactly as missing ones do;
// a disabled account is named as such only to someone with its password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ADMIN, createUser, waitJob } from './lib.mjs';
import { setupProject, addTasks } from './workflow-lib.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.stop();
});

test('members see names, not e-mail addresses; admins see both', async () => {
  const { admin, project, annotators: [a1], reviewers: [r1] } = await setupProject(srv, { counts: { annotator: 1, reviewer: 1, super_reviewer: 0 } });
  for (const who of [a1, r1]) {
    const r = await srv.api('GET', `/api/v1/projects/${project.id}/members`, { token: who.token });
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 2);
    for (const m of r.body.items) {
      assert.equal(m.email, undefined, JSON.stringify(m));
      assert.ok(m.name);
    }
    assert.ok(!JSON.stringify(r.body).includes('@'), JSON.stringify(r.body));
  }
  const r = await srv.api('GET', `/api/v1/projects/${project.id}/members`, { token: admin.access_token });
  assert.deepEqual(r.body.items.map((m) => m.email).sort(), [a1.email, r1.email].sort());
});

test("another project's things answer as missing ones to outsiders; members without the role get 403", async () => {
  const { admin, project, annotators: [member] } = await setupProject(srv, { counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } });
  const outsider = (await setupProject(srv, { counts: { annotator: 1, reviewer: 0, super_reviewer: 0 } })).annotators[0];
  const pid = project.id;
  const token = admin.access_token;
  const task = (await addTasks(srv, admin, pid, ['secret text'])).first_id;
  const imp = await srv.api('POST', `/api/v1/projects/${pid}/imports?format=jsonl`, { token, raw: '{"text":"x"}\n', headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(imp.status, 202);
  await waitJob(srv, token, `/api/v1/imports/${imp.body.id}`);
  const exp = await srv.api('POST', `/api/v1/projects/${pid}/exports`, { token, body: { format: 'jsonl' } });
  assert.equal(exp.status, 202);
  const missing = 2147483000;
  const pairs = [
    [`/api/v1/projects/${pid}`, `/api/v1/projects/${missing}`],
    [`/api/v1/projects/${pid}/tasks`, `/api/v1/projects/${missing}/tasks`],
    [`/api/v1/projects/${pid}/members`, `/api/v1/projects/${missing}/members`],
    [`/api/v1/projects/${pid}/stats`, `/api/v1/projects/${missing}/stats`],
    [`/api/v1/tasks/${task}`, `/api/v1/tasks/${missing}`],
    [`/api/v1/imports/${imp.body.id}`, `/api/v1/imports/${missing}`],
    [`/api/v1/exports/${exp.body.id}`, `/api/v1/exports/${missing}`],
    [`/api/v1/exports/${exp.body.id}/file`, `/api/v1/exports/${missing}/file`],
  ];
  for (const [theirs, none] of pairs) {
    const a = await srv.api('GET', theirs, { token: outsider.token });
    const b = await srv.api('GET', none, { token: outsider.token });
    assert.equal(a.status, 404, `${theirs}: ${a.status} ${JSON.stringify(a.body)}`);
    assert.deepEqual(a.body, b.body, theirs);
  }
  for (const [path, body] of [
    [`/api/v1/tasks/${task}/submit`, { result: [] }],
    [`/api/v1/projects/${pid}/claim`, { stage: 'l1' }],
    [`/api/v1/projects/${pid}/tasks/bulk`, { action: 'release', task_ids: [task] }],
  ]) {
    const r = await srv.api('POST', path, { token: outsider.token, body });
    assert.equal(r.status, 404, `${path}: ${r.status}`);
  }
  // A member learns the project exists, and that their role stops them.
  const s = await srv.api('GET', `/api/v1/projects/${pid}/stats`, { token: member.token });
  assert.equal(s.status, 403);
  const e = await srv.api('GET', `/api/v1/exports/${exp.body.id}`, { token: member.token });
  assert.equal(e.status, 403);
});

test('a disabled account is named only to someone who knows its password', async () => {
  const admin = await srv.login(ADMIN.email, ADMIN.password);
  const u = await createUser(srv, admin.access_token, 'annotator');
  const off = await srv.api('PATCH', `/api/v1/users/${u.id}`, { token: admin.access_token, body: { active: false } });
  assert.equal(off.status, 200);
  const wrong = await srv.api('POST', '/api/v1/auth/login', { body: { email: u.email, password: 'not the password' } });
  const nobody = await srv.api('POST', '/api/v1/auth/login', { body: { email: 'nobody-' + u.email, password: 'not the password' } });
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.body, nobody.body);
  const right = await srv.api('POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
  assert.equal(right.status, 401);
  assert.equal(right.body.error.code, 'account_disabled');
});

// A vendor's project has thousands of annotators: the members list pages
// by person (a page of `limit` people carries all of each one's roles),
// and the pages together are every member exactly once.
test('the members list pages by person, every role of each on its page', async () => {
  const { admin, project } = await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const people = [];
  for (let i = 0; i < 7; i++) {
    const u = await createUser(srv, admin.access_token, 'annotator');
    const roles = i % 2 ? ['annotator', 'reviewer', 'super_reviewer'] : ['annotator'];
    const m = await srv.api('PUT', `/api/v1/projects/${project.id}/members/${u.id}`, { token: admin.access_token, body: { roles } });
    assert.equal(m.status, 200);
    people.push([u.id, roles]);
  }
  const seen = [];
  let cursor = null, pages = 0;
  do {
    const r = await srv.api('GET', `/api/v1/projects/${project.id}/members?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.access_token });
    assert.equal(r.status, 200);
    assert.ok(r.body.items.length <= 3);
    seen.push(...r.body.items.map((m) => [m.user_id, [...m.roles].sort()]));
    cursor = r.body.next_cursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  const mine = seen.filter(([id]) => people.some(([p]) => p === id));
  assert.deepEqual(mine, people.map(([id, roles]) => [id, [...roles].sort()]));
  const all = await srv.api('GET', `/api/v1/projects/${project.id}/members`, { token: admin.access_token });
  assert.equal(all.body.next_cursor, null);
  assert.equal(all.body.items.length, seen.length);
  for (const q of ['limit=0', 'limit=501', 'cursor=-1', 'cursor=x'])
    assert.equal((await srv.api('GET', `/api/v1/projects/${project.id}/members?${q}`, { token: admin.access_token })).status, 400, q);
});
