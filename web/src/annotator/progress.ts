/*
 * How the work home shows an annotator's own progress in a project: the
 * figures in reading order with their labels, and the share of decided
 * submissions that were accepted.
 */
import type { ProjectProgress } from '../api/types';

export interface ProgressFigure {
  label: string;
  value: number;
}

/* The figures to show, in order; all zero for a project with no submission yet. */
export function progressFigures(p: ProjectProgress | undefined): ProgressFigure[] {
  return [
    { label: 'Submitted', value: p?.submitted ?? 0 },
    { label: 'Accepted', value: p?.accepted ?? 0 },
    { label: 'Sent back', value: p?.rejected ?? 0 },
    { label: 'Waiting for review', value: p?.pending_review ?? 0 },
    { label: 'Last 7 days', value: p?.last_7_days ?? 0 },
  ];
}

/* "83% accepted" over the submissions that were decided (accepted or sent back); null while
 * none has been, so a new annotator is not shown a 0%. Rounded down, so 99.6% is not "100%". */
export function acceptanceNote(p: ProjectProgress | undefined): string | null {
  if (!p) return null;
  const decided = p.accepted + p.rejected;
  if (decided === 0) return null;
  return `${Math.floor((100 * p.accepted) / decided)}% accepted`;
}
