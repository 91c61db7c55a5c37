// Helpers for workflow tests: a project with members of each role.
import { ADMIN, createUser } from './lib.mjs';

export const NER_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/>
  </Labels>
</View>`;

export function nerResult(label = 'PER', start = 0, end = 5) {
  return [{ id: 'r1', from_name: 'label', to_name: 'text', type: 'labels', value: { start, end, labels: [label] } }];
}

// Creates a project and n users per role, each a member with that role,
// logged in. Returns { admin, project, annotators, reviewers, supers }.
export async function setupProject(srv, { policies = {}, rates, counts = {}, label_config = NER_CONFIG } = {}) {
  const admin = await srv.login(ADMIN.email, ADMIN.password);
  const body = { name: 'P ' + Math.random().toString(36).slice(2), label_config, policies };
  if (rates) body.rates = rates;
  const p = await srv.api('POST', '/api/v1/projects', { token: admin.access_token, body });
  if (p.status !== 201) throw new Error(`create project: ${p.status} ${JSON.stringify(p.body)}`);
  const out = { admin, project: p.body, annotators: [], reviewers: [], supers: [] };
  const want = { annotator: counts.annotator ?? 2, reviewer: counts.reviewer ?? 2, super_reviewer: counts.super_reviewer ?? 1 };
  const lists = { annotator: out.annotators, reviewer: out.reviewers, super_reviewer: out.supers };
  for (const [role, n] of Object.entries(want)) {
    for (let i = 0; i < n; i++) {
      const u = await createUser(srv, admin.access_token, role);
      const m = await srv.api('PUT', `/api/v1/projects/${p.body.id}/members/${u.id}`, { token: admin.access_token, body: { role } });
      if (m.status !== 200) throw new Error(`member: ${m.status} ${JSON.stringify(m.body)}`);
      const s = await srv.login(u.email, u.password);
      lists[role].push({ ...u, token: s.access_token });
    }
  }
  return out;
}

export async function addTasks(srv, admin, projectId, texts) {
  const r = await srv.api('POST', `/api/v1/projects/${projectId}/tasks`, {
    token: admin.access_token,
    body: { tasks: texts.map((text) => ({ data: { text } })) },
  });
  if (r.status !== 201) throw new Error(`tasks: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export const claim = (srv, who, projectId, stage) =>
  srv.api('POST', `/api/v1/projects/${projectId}/claim`, { token: who.token, body: { stage } });
export const submit = (srv, who, taskId, result) =>
  srv.api('POST', `/api/v1/tasks/${taskId}/submit`, { token: who.token, body: { result } });
export const review = (srv, who, taskId, body) =>
  srv.api('POST', `/api/v1/tasks/${taskId}/review`, { token: who.token, body });
export const decide = (srv, who, taskId, body) =>
  srv.api('POST', `/api/v1/tasks/${taskId}/decide`, { token: who.token, body });
export const revise = (srv, who, taskId, result) =>
  srv.api('POST', `/api/v1/tasks/${taskId}/revise`, { token: who.token, body: { result } });
