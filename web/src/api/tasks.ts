/* Tasks and the workflow's transitions: claim, heartbeat, release, submit, revise, review, decide. */
import { api, apiKeepalive } from './client';
import { pagePath, type PageQuery } from './paging';
import type { SubmitAnswer } from './quality';
import type { BulkBody, BulkResult, ClaimedTask, ListPage, ReviewBody, Stage, Task, TaskRow } from './types';

/* The listing's filters (GET /projects/{id}/tasks); unset or empty ones are left out. q is a
 * plain, case-sensitive substring of the data; the times are ms or ISO 8601. assignee is the
 * current holder, worker anyone who worked on it, annotator and reviewer who did at L1 and at
 * L2/L3. */
export type TaskFilter = {
  state?: string;
  assignee?: number;
  worker?: number;
  annotator?: number;
  reviewer?: number;
  q?: string;
  updated_since?: string;
  updated_until?: string;
};

/* The listing's orders; a minus sorts descending. */
export type TaskSort = 'id' | '-id' | 'updated_at' | '-updated_at' | 'priority' | '-priority';

const FILTER_KEYS = ['state', 'assignee', 'worker', 'annotator', 'reviewer', 'q', 'updated_since', 'updated_until'] as const;

function tasksPath(projectId: number, q: PageQuery & TaskFilter & { sort?: TaskSort }, view?: 'table'): string {
  const params = new URLSearchParams();
  if (view) params.set('view', view);
  for (const key of FILTER_KEYS) {
    const v = q[key];
    if (v !== undefined && v !== '') params.set(key, String(v));
  }
  if (q.sort && q.sort !== 'id') params.set('sort', q.sort);
  const qs = params.toString();
  return pagePath(`/projects/${projectId}/tasks${qs ? '?' + qs : ''}`, q);
}

export function listTasks(projectId: number, q: PageQuery & TaskFilter & { sort?: TaskSort } = {}): Promise<ListPage<Task>> {
  return api<ListPage<Task>>('GET', tasksPath(projectId, q));
}

/* The data manager's rows: a preview instead of the data, and the people. The cursor
 * of a page is only valid with the same sort. */
export function listTaskRows(projectId: number, q: PageQuery & TaskFilter & { sort?: TaskSort } = {}): Promise<ListPage<TaskRow>> {
  return api<ListPage<TaskRow>>('GET', tasksPath(projectId, q, 'table'));
}

/* A bulk action on a selection: each task on its own, failures listed one by one. */
export function bulkTasks(projectId: number, body: BulkBody): Promise<BulkResult> {
  return api<BulkResult>('POST', `/projects/${projectId}/tasks/bulk`, body);
}

/* The next task of the stage with its lease, or undefined (204) when there is none. With
 * resume, the task the caller already holds at the stage (and its draft) comes first. */
export function claimTask(projectId: number, stage: Stage, resume = false): Promise<ClaimedTask | undefined> {
  return api<ClaimedTask | undefined>('POST', `/projects/${projectId}/claim`, { stage, resume });
}

/* The holder's unsaved regions, kept on the server for a resume. */
export function saveDraft(taskId: number, result: unknown[]): Promise<unknown> {
  return api<unknown>('PUT', `/tasks/${taskId}/draft`, { result });
}

/* The same from a page being left: sent even if the page is gone before it answers. */
export function saveDraftOnLeave(taskId: number, result: unknown[]): void {
  apiKeepalive('PUT', `/tasks/${taskId}/draft`, { result });
}

/*
 * A closing page gives its task back: the claim's signed release URL, sent
 * as a beacon (which can carry no token). The server waits a few seconds
 * before releasing, so a reload that resumes the task keeps it.
 */
export function sendReleaseBeacon(url: string): boolean {
  return typeof navigator.sendBeacon === 'function' && navigator.sendBeacon(url);
}

export function heartbeatTask(taskId: number): Promise<Task> {
  return api<Task>('POST', `/tasks/${taskId}/heartbeat`);
}

export function releaseTask(taskId: number): Promise<void> {
  return api<void>('POST', `/tasks/${taskId}/release`);
}

/* After a gold task, with the project's gold_feedback on, the answer carries the score. */
export function submitTask(taskId: number, result: unknown[]): Promise<SubmitAnswer> {
  return api<SubmitAnswer>('POST', `/tasks/${taskId}/submit`, { result });
}

/* One task with the versions and work the caller may see. */
export function getTask(taskId: number): Promise<Task> {
  return api<Task>('GET', `/tasks/${taskId}`);
}

/* The author replaces their submitted result while the task waits for review (queued_l2). */
export function reviseTask(taskId: number, result: unknown[]): Promise<Task> {
  return api<Task>('POST', `/tasks/${taskId}/revise`, { result });
}

/* L2's review or L3's decision on the task. */
export function judgeTask(taskId: number, action: 'review' | 'decide', body: ReviewBody): Promise<Task> {
  return api<Task>('POST', `/tasks/${taskId}/${action}`, body);
}
