/* Shapes of the server's JSON, as written by src/api/*.c. */

export type TaskState =
  | 'queued_l1'
  | 'locked_l1'
  | 'queued_l2'
  | 'locked_l2'
  | 'queued_l3'
  | 'locked_l3'
  | 'accepted'
  | 'discarded';

export type Stage = 'l1' | 'l2' | 'l3';

export type ProjectRole = 'annotator' | 'reviewer' | 'super_reviewer';

export interface Project {
  id: number;
  name: string;
  description: string;
  instructions: string;
  label_config: string;
  currency: string;
  rates: Record<string, number>;
  policies: Record<string, unknown>;
  status: string;
  counts?: Record<string, number>;
  task_count?: number;
}

export interface Member {
  user_id: number;
  email: string;
  name: string;
  roles: ProjectRole[];
}

export interface Lease {
  holder: number;
  expires_at: string;
  expires_in_ms: number;
}

/* One stored version of a task's result. */
export interface AnnotationVersion {
  id: number;
  version: number;
  author_id: number;
  stage: number;
  kind: 'annotation' | 'correction' | 'override' | string;
  result: unknown[];
  created_at: string;
}

/* One stint of work on a task: a claim and how it ended. */
export interface WorkEntry {
  work_id: number;
  user_id: number;
  stage: number;
  status: string;
  decision?: string | null;
  comment?: string | null;
  started_at: string;
  finished_at?: string;
}

export interface Task {
  id: number;
  project_id: number;
  state: TaskState;
  data: Record<string, unknown>;
  predictions: unknown;
  priority: number;
  task_type?: string | null;
  attempts: number;
  reworks: number;
  annotations_done: number;
  last_comment?: string | null;
  created_at: string;
  updated_at: string;
  lease?: Lease;
  work_id?: number;
  annotations?: AnnotationVersion[];
  history?: WorkEntry[];
}

export interface ListPage<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface EarningsTotals {
  pending: number;
  earned: number;
  paid: number;
}

export interface Earnings {
  projects: (EarningsTotals & { project_id: number; currency: string })[];
  by_currency: Record<string, EarningsTotals>;
  currency?: string | null;
  pending?: number;
  earned?: number;
  paid?: number;
}

export interface EarningsDay {
  day: string;
  currency: string;
  earned: number;
  paid: number;
}
