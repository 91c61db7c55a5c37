/* Projects: /projects, /projects/{id}, its stats and its agreement. */
import { api } from './client';
import { fetchAll, pagePath, type PageQuery } from './paging';
import type { ListPage, Project, ProjectAgreement, ProjectInput, ProjectStats } from './types';

export function listProjects(q: PageQuery = {}): Promise<ListPage<Project>> {
  return api<ListPage<Project>>('GET', pagePath('/projects', q));
}

/* Every project the caller can see (members see theirs). */
export function allProjects(opts: { limit?: number; max?: number } = {}): Promise<Project[]> {
  return fetchAll(listProjects, opts);
}

/* One project with its task counts per state. */
export function getProject(id: number): Promise<Project> {
  return api<Project>('GET', `/projects/${id}`);
}

export function createProject(body: ProjectInput): Promise<Project> {
  return api<Project>('POST', '/projects', body);
}

export function updateProject(id: number, body: ProjectInput): Promise<Project> {
  return api<Project>('PATCH', `/projects/${id}`, body);
}

/* Work per day and per person since `since` (YYYY-MM-DD, from its UTC midnight). */
export function getProjectStats(id: number, since: string): Promise<ProjectStats> {
  return api<ProjectStats>('GET', `/projects/${id}/stats?since=${since}T00:00:00Z`);
}

/* Inter-annotator agreement on the classification controls. */
export function getProjectAgreement(id: number): Promise<ProjectAgreement> {
  return api<ProjectAgreement>('GET', `/projects/${id}/agreement`);
}
