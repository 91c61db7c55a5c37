import type { TaskState } from '../api/types';

/* Text for times and the names of states and roles, the same on every page. */

/* An ISO time in the reader's locale: "Mar 4, 2026, 10:15 AM"; seconds when they matter. */
export function formatTime(iso: string | null | undefined, { seconds = false } = {}): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: seconds ? 'medium' : 'short' });
}

/* Labels only: which states exist, and their order, come from the API (GET /meta, a project's counts). */
export const STATE_LABELS: Record<TaskState, string> = {
  queued_l1: 'Waiting for annotation',
  locked_l1: 'Being annotated',
  queued_l2: 'Waiting for review',
  locked_l2: 'In review',
  queued_l3: 'Waiting for approval',
  locked_l3: 'In approval',
  accepted: 'Accepted',
  discarded: 'Discarded',
};


export const ROLE_LABELS: Record<string, string> = {
  admin: 'Admin',
  annotator: 'Annotator',
  reviewer: 'Reviewer',
  super_reviewer: 'Super reviewer',
};
