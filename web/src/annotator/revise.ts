/*
 * Revising a submitted task while it waits for review: whether the page
 * may still offer it, what to say when the server refuses, and the short
 * text that names a task in the list of submitted ones.
 */
import { ApiError } from '../api/client';
import type { Task } from '../api/types';
import { STATE_LABELS } from '../ui';

export const CLAIMED_MESSAGE = 'A reviewer has claimed this task meanwhile; it can no longer be revised.';

/* Why the task can no longer be revised, or null while it waits for review. */
export function closedReason(task: Pick<Task, 'state'>): string | null {
  if (task.state === 'queued_l2') return null;
  if (task.state === 'locked_l2') return CLAIMED_MESSAGE;
  return `This task is no longer waiting for review (${STATE_LABELS[task.state].toLowerCase()}); it can no longer be revised.`;
}

/* A refusal that closes the revision for good (the task moved on, or is not the caller's to
 * revise), as the sentence to show; null for any other error (worth retrying). */
export function refusalReason(e: unknown): string | null {
  if (!(e instanceof ApiError)) return null;
  if (e.code === 'task_claimed') return CLAIMED_MESSAGE;
  if (e.code === 'wrong_state' || e.code === 'not_author') return e.message;
  return null;
}

/* The first text of the task's data, on one line and cut to max characters. */
export function taskSnippet(data: unknown, max = 80): string {
  let text = '';
  if (typeof data === 'string') text = data;
  else if (data && typeof data === 'object') {
    const first = Object.values(data as Record<string, unknown>).find((v) => typeof v === 'string');
    if (typeof first === 'string') text = first;
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
