/* Tasks and the workflow's transitions: claim, heartbeat, release, submit, review, decide. */
import { api } from './client';
import { pagePath, type PageQuery } from './paging';
import type { ListPage, ReviewBody, Stage, Task } from './types';

export function listTasks(projectId: number, q: PageQuery & { state?: string } = {}): Promise<ListPage<Task>> {
  const path = q.state ? `/projects/${projectId}/tasks?state=${encodeURIComponent(q.state)}` : `/projects/${projectId}/tasks`;
  return api<ListPage<Task>>('GET', pagePath(path, q));
}

/* The next task of the stage with its lease, or undefined (204) when there is none. */
export function claimTask(projectId: number, stage: Stage): Promise<Task | undefined> {
  return api<Task | undefined>('POST', `/projects/${projectId}/claim`, { stage });
}

export function heartbeatTask(taskId: number): Promise<Task> {
  return api<Task>('POST', `/tasks/${taskId}/heartbeat`);
}

export function releaseTask(taskId: number): Promise<void> {
  return api<void>('POST', `/tasks/${taskId}/release`);
}

export function submitTask(taskId: number, result: unknown[]): Promise<Task> {
  return api<Task>('POST', `/tasks/${taskId}/submit`, { result });
}

/* L2's review or L3's decision on the task. */
export function judgeTask(taskId: number, action: 'review' | 'decide', body: ReviewBody): Promise<Task> {
  return api<Task>('POST', `/tasks/${taskId}/${action}`, body);
}
