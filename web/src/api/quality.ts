/*
 * Label quality (issue 18): a project's gold tasks, its annotators' scores,
 * and suspending an annotator from labeling. The shapes are written here
 * from the issue's contract because openapi/openapi.yaml does not describe
 * these endpoints yet; once it does they become aliases in types.ts like
 * every other resource's.
 */
import { api } from './client';
import { pagePath, type PageQuery } from './paging';
import type { ListPage, Task } from './types';

/* One Label Studio result region: from_name, to_name, type, value, ... */
export type ResultItem = Record<string, unknown>;

/* A gold item: a task with a known answer, served to L1 among the real ones. */
export interface Gold {
  id: number;
  project_id: number;
  task_type: string | null;
  data: Record<string, unknown>;
  answer: ResultItem[];
  /* The task it was promoted from; null for one made from data. */
  source_task_id: number | null;
  created_at: string;
  /* Retired items are no longer served; their answers are kept. */
  retired_at: string | null;
  answered: number;
  passed: number;
  mean_score: number | null;
}

/* POST /projects/{id}/gold: promote a task (its accepted result is the answer unless one is
 * given), or make an item from data and an answer. */
export type NewGold = { task_id: number; answer?: ResultItem[] } | { data: Record<string, unknown>; answer: ResultItem[] };

export interface Suspension {
  reason: string;
  at: string;
  /* The admin who suspended; null when the gold-score rule did. */
  by: number | null;
}

export interface AnnotatorQuality {
  user_id: number;
  name: string;
  email: string;
  gold: { answered: number; passed: number; mean_score: number | null };
  review: { submitted: number; accepted: number; rejected: number; acceptance_rate: number | null };
  /* With the other annotators of the same overlap tasks, weighted by what each pair shares. */
  agreement: { value: number | null; units: number };
  score: number | null;
  confidence: number;
  suspended: Suspension | null;
}

/* One control's share of a gold answer's score. */
export interface ControlScore {
  name: string;
  method: string;
  score: number;
}

/* Shown to the annotator right after submitting a gold task, when the project's gold_feedback is on. */
export interface GoldFeedback {
  score: number;
  passed: boolean;
  pass_score: number;
  expected: ResultItem[];
  controls: ControlScore[];
}

/* The L1 submit's answer: the task, with feedback after a gold task. */
export type SubmitAnswer = Task & { feedback?: GoldFeedback };

/* The error code of a claim refused to a suspended annotator (403). */
export const MEMBER_SUSPENDED = 'member_suspended';

export function listGold(projectId: number, q: PageQuery = {}): Promise<ListPage<Gold>> {
  return api<ListPage<Gold>>('GET', pagePath(`/projects/${projectId}/gold`, q));
}

export function createGold(projectId: number, body: NewGold): Promise<Gold> {
  return api<Gold>('POST', `/projects/${projectId}/gold`, body);
}

/* Retires the item: it is served no more. */
export function retireGold(projectId: number, goldId: number): Promise<void> {
  return api<void>('DELETE', `/projects/${projectId}/gold/${goldId}`);
}

export function listAnnotatorQuality(projectId: number): Promise<{ items: AnnotatorQuality[] }> {
  return api<{ items: AnnotatorQuality[] }>('GET', `/projects/${projectId}/quality/annotators`);
}

export function suspendMember(projectId: number, userId: number, reason: string): Promise<unknown> {
  return api<unknown>('POST', `/projects/${projectId}/members/${userId}/suspension`, { reason });
}

export function reinstateMember(projectId: number, userId: number): Promise<void> {
  return api<void>('DELETE', `/projects/${projectId}/members/${userId}/suspension`);
}

/* The feedback in a transition's answer, or null: only a gold task's L1 submit carries it. */
export function feedbackOf(answer: unknown): GoldFeedback | null {
  if (typeof answer !== 'object' || answer === null || !('feedback' in answer)) return null;
  const f = (answer as { feedback: unknown }).feedback;
  if (typeof f !== 'object' || f === null) return null;
  const g = f as Partial<GoldFeedback>;
  if (typeof g.score !== 'number' || typeof g.passed !== 'boolean') return null;
  return {
    score: g.score,
    passed: g.passed,
    pass_score: typeof g.pass_score === 'number' ? g.pass_score : 0,
    expected: Array.isArray(g.expected) ? g.expected : [],
    controls: Array.isArray(g.controls) ? g.controls : [],
  };
}
