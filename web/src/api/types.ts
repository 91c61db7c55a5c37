/*
 * Shapes of the server's JSON, as written by src/api/*.c. Every object with
 * a `currency` carries its `currency_exponent` (decimal places of the minor
 * unit); lib/money.ts formats amounts with it.
 */

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
  currency_exponent?: number;
  rates: Record<string, number>;
  policies: Record<string, unknown>;
  status: string;
  counts?: Record<string, number>;
  task_count?: number;
  created_at?: string;
  updated_at?: string;
}

/* Fields of POST /projects and PATCH /projects/{id}. */
export interface ProjectInput {
  name?: string;
  description?: string;
  instructions?: string;
  label_config?: string;
  currency?: string;
  status?: string;
  rates?: Record<string, number>;
  policies?: Record<string, unknown>;
}

/* GET /me, and the users an admin manages (GET /users). */
export type UserRole = 'admin' | 'annotator' | 'reviewer' | 'super_reviewer';

export interface UserRecord {
  id: number;
  email: string;
  name: string;
  role: string;
  active: boolean;
  created_at: string;
  updated_at?: string;
}

export interface NewUser {
  email: string;
  name: string;
  password: string;
  role: string;
}

export interface UserPatch {
  name?: string;
  role?: string;
  active?: boolean;
  password?: string;
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
  currency_exponent?: number;
}

export interface Earnings {
  projects: (EarningsTotals & { project_id: number; currency: string })[];
  by_currency: Record<string, EarningsTotals>;
  currency?: string | null;
  currency_exponent?: number | null;
  pending?: number;
  earned?: number;
  paid?: number;
}

export interface EarningsDay {
  day: string;
  currency: string;
  currency_exponent?: number;
  earned: number;
  paid: number;
}

/* GET /projects/{id}/escrow. */
export interface Escrow {
  project_id?: number;
  currency: string;
  currency_exponent?: number;
  available: number;
  held: number;
  spent: number;
}

/* POST /projects/{id}/escrow/deposits and /escrow/refund. */
export interface Deposit {
  id: number;
  project_id: number;
  kind: 'deposit' | 'refund' | string;
  amount: number;
  currency: string;
  currency_exponent?: number;
  reference?: string | null;
  idempotency_key: string;
  created_at: string;
  replayed?: boolean;
  escrow: Escrow;
}

/* GET /projects/{id}/ledger items. */
export interface LedgerLine {
  entry_id: number;
  txn_id: number;
  txn_kind: string;
  account: string;
  currency: string;
  currency_exponent?: number;
  amount: number;
  created_at: string;
  user_id?: number;
  task_id?: number;
  memo?: string;
}

export interface PayoutItem {
  id: number;
  project_id: number;
  user_id: number;
  currency: string;
  currency_exponent?: number;
  amount: number;
  status: string;
  attempts: number;
  last_error?: string | null;
  external_ref?: string | null;
}

export interface PayoutBatch {
  id: number;
  idempotency_key: string;
  adapter: string;
  status: 'queued' | 'running' | 'done' | 'partial' | 'failed';
  min_amount: number;
  statement_key?: string | null;
  items: PayoutItem[];
  totals: Record<string, number>;
  /* The exponent of each currency in totals. */
  currency_exponents?: Record<string, number>;
  created_at: string;
  updated_at: string;
}

export interface NewPayout {
  idempotency_key: string;
  min_amount: number;
  adapter: string;
  user_ids?: number[];
}

export interface AuditRecord {
  seq: number;
  time: string;
  actor_id?: number;
  actor_role?: string;
  action: string;
  entity_type: string;
  entity_id?: string;
  project_id?: number;
  task_id?: number;
  from_state?: string;
  to_state?: string;
  details?: unknown;
  hash: string;
}

export interface AuditVerdict {
  ok: boolean;
  count: number;
  head: string;
  broken_seq?: number;
  reason?: string;
}

export interface ExportJob {
  id: number;
  format: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  tasks_total: number;
  tasks_done: number;
  bytes: number;
  report: unknown;
  error?: string | null;
  file_url?: string;
}

/* A downloaded export file and the name the server suggests for it. */
export interface ExportFile {
  blob: Blob;
  disposition: string | null;
}

/* GET /projects/{id}/stats. */
export interface ThroughputDay {
  date: string; /* YYYY-MM-DD, UTC */
  submitted: number;
  reviewed: number;
  decided: number;
  accepted: number;
}

export interface PersonStats {
  user_id: number;
  name: string;
  email: string;
  submitted: number;
  rejected: number;
  reviewed: number;
  decided: number;
  avg_annotate_seconds: number;
  earned: number;
}

export interface ProjectStats {
  project_id?: number;
  currency: string;
  currency_exponent?: number;
  throughput: ThroughputDay[];
  people: PersonStats[];
}

/* Bodies of the task transitions. */
export interface ReviewBody {
  decision: string;
  comment?: string;
  result?: unknown[];
}


export interface ImportError {
  line: number;
  message: string;
}

/* GET /imports/{id} (src/api/api_imports.c). */
export interface ImportJob {
  id: number;
  project_id: number;
  status: 'queued' | 'running' | 'done' | 'failed';
  format: string;
  filename?: string | null;
  bytes_total: number;
  bytes_done: number;
  items_total: number;
  items_done: number;
  tasks_created: number;
  skipped: number;
  progress: number;
  errors: ImportError[];
  error?: string | null;
  created_at?: string;
}

/* A media item (POST /projects/{id}/media, GET /media/{id}/info). */
export type MediaKind = 'image' | 'audio' | 'video';

export interface MediaStream {
  type: string;
  codec?: string;
  [key: string]: unknown;
}

export interface MediaItem {
  id: number;
  task_id?: number;
  filename: string;
  mime: string;
  kind: MediaKind;
  bytes: number;
  /* 0 when not known (audio has none). */
  width: number;
  height: number;
  duration_ms: number;
  probe: { streams?: MediaStream[]; [key: string]: unknown };
}

/* 201 of POST /projects/{id}/media: one task per item, all or none. */
export interface MediaUpload {
  import_id: number;
  count: number;
  items: MediaItem[];
}

/* GET /media/{id}/info: the item and a signed link for <img>/<audio>/<video>. */
export interface MediaInfo extends MediaItem {
  project_id: number;
  import_id: number;
  sha256: string;
  created_at: string;
  url: string;
  url_expires_at: string;
}
