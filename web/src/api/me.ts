/* The signed-in person: /me, their earnings and their own progress. */
import { api } from './client';
import type { Earnings, EarningsDay, ListPage, ProjectProgress } from './types';

export function getEarnings(): Promise<Earnings> {
  return api<Earnings>('GET', '/me/earnings');
}

/* Earned and paid per UTC day over the last `days` days, oldest first. */
export function getEarningsHistory(days: number): Promise<ListPage<EarningsDay>> {
  return api<ListPage<EarningsDay>>('GET', `/me/earnings/history?days=${days}`);
}

/* Lifetime and last-7-days counts of the caller's L1 submissions, per project they worked in. */
export function getProgress(): Promise<ListPage<ProjectProgress>> {
  return api<ListPage<ProjectProgress>>('GET', '/me/progress');
}
