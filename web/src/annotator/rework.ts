/*
 * Whether the task in hand came back for rework. An L2 rejection counts in
 * reworks; an L3 send-back to L1 does not (reworks bounds L2 rejections,
 * see max_reworks), but both leave their comment in last_comment, and at
 * L1 a comment only ever comes with a return. So the badge and the note
 * go by either, and the note's title does not claim which reviewer wrote it.
 */
import type { Task } from '../api/types';

export const SENT_BACK_TITLE = 'Sent back with this comment';

/* The badge text, or null for a task labeled the first time. */
export function reworkBadge(task: Pick<Task, 'reworks' | 'last_comment'>): string | null {
  if (task.reworks > 0) return `Rework ${task.reworks}`;
  return task.last_comment ? 'Rework' : null;
}
