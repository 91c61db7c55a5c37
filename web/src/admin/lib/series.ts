/*
 * The stats endpoint returns only days with work; a chart over time needs
 * every day of the range, with zeros where nothing happened.
 */

import type { ThroughputDay } from '../../api/types';

export type { ThroughputDay } from '../../api/types';

export const DAY_MS = 86_400_000;

export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Every date from `from` to `to` inclusive (YYYY-MM-DD, UTC). */
export function dateRange(from: string, to: string): string[] {
  const out: string[] = [];
  let t = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(t) || Number.isNaN(end)) return out;
  for (; t <= end && out.length < 3660; t += DAY_MS) out.push(utcDate(t));
  return out;
}

const SERIES: { key: keyof Omit<ThroughputDay, 'date'>; name: string }[] = [
  { key: 'submitted', name: 'Annotated (L1)' },
  { key: 'reviewed', name: 'Reviewed (L2)' },
  { key: 'decided', name: 'Decided (L3)' },
  { key: 'accepted', name: 'Accepted' },
];

/**
 * LineChart series over [from, to]. Days outside the range are dropped; the
 * range grows to include any day the server returned, so no work is hidden
 * when the clock of the browser and the server disagree.
 */
export function throughputSeries(days: ThroughputDay[], from: string, to: string) {
  const byDate = new Map(days.map((d) => [d.date, d]));
  let lo = from;
  let hi = to;
  for (const d of days) {
    if (d.date < lo) lo = d.date;
    if (d.date > hi) hi = d.date;
  }
  const dates = dateRange(lo, hi);
  return SERIES.map((s) => ({
    name: s.name,
    points: dates.map((date) => ({ x: date, y: byDate.get(date)?.[s.key] ?? 0 })),
  }));
}
