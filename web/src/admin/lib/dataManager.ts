/*
 * The data manager's pure logic: its filters as the page's URL query (so a
 * reload keeps them) and as the query of GET /projects/{id}/tasks?view=table,
 * the sortable columns, the stack of cursors for Previous/Next, the
 * selection, and the bodies and answers of the bulk actions.
 */
import type { PageQuery } from '../../api/paging';
import type { TaskFilter, TaskSort } from '../../api/tasks';
import type { BulkAction, BulkBody, BulkResult, Lease } from '../../api/types';
import { firstPage, nextPage, prevPage, type Pager } from '../../ui/pager';
import { nextDay } from './auditQuery';

/* Which of a person's relations to a task the person filter means. */
export type PersonRole = 'annotator' | 'reviewer' | 'holder';

export interface DmFilters {
  state: string; /* a TaskState, '' = any */
  role: PersonRole;
  person: string; /* user id, '' = anyone */
  from: string; /* YYYY-MM-DD, inclusive, UTC */
  to: string; /* YYYY-MM-DD, inclusive, UTC */
  q: string; /* substring of the data */
  sort: TaskSort;
  limit: number;
}

export const PAGE_SIZES = [50, 100, 200];
export const SORTS: TaskSort[] = ['id', '-id', 'updated_at', '-updated_at', 'priority', '-priority'];
export const defaultFilters: DmFilters = { state: '', role: 'annotator', person: '', from: '', to: '', q: '', sort: 'id', limit: 50 };

const ID = /^[1-9]\d{0,17}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ROLES: PersonRole[] = ['annotator', 'reviewer', 'holder'];

function validDate(date: string): boolean {
  if (!DATE.test(date)) return false;
  const t = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === date;
}

/* The filters from the page's URL query; what is missing or malformed takes its default. */
export function parseFilters(search: URLSearchParams): DmFilters {
  const get = (k: string) => search.get(k) ?? '';
  const role = get('as') as PersonRole;
  const sort = get('sort') as TaskSort;
  const limit = Number(get('limit'));
  return {
    state: /^[a-z0-9_]{1,32}$/.test(get('state')) ? get('state') : '',
    role: ROLES.includes(role) ? role : defaultFilters.role,
    person: ID.test(get('person')) ? get('person') : '',
    from: validDate(get('from')) ? get('from') : '',
    to: validDate(get('to')) ? get('to') : '',
    q: get('q'),
    sort: SORTS.includes(sort) ? sort : defaultFilters.sort,
    limit: PAGE_SIZES.includes(limit) ? limit : defaultFilters.limit,
  };
}

/* The filters as the page's URL query, defaults left out. */
export function filtersToSearch(f: DmFilters): URLSearchParams {
  const s = new URLSearchParams();
  if (f.state) s.set('state', f.state);
  if (f.person) s.set('person', f.person);
  if (f.role !== defaultFilters.role) s.set('as', f.role);
  if (f.from) s.set('from', f.from);
  if (f.to) s.set('to', f.to);
  if (f.q) s.set('q', f.q);
  if (f.sort !== defaultFilters.sort) s.set('sort', f.sort);
  if (f.limit !== defaultFilters.limit) s.set('limit', String(f.limit));
  return s;
}

/* One string per distinct listing: a change of it starts again at the first page. The
 * person's role alone, with nobody chosen yet, changes nothing. */
export function filterKey(f: DmFilters): string {
  return filtersToSearch(f.person ? f : { ...f, role: defaultFilters.role }).toString();
}

export type ListQuery = { ok: true; query: PageQuery & TaskFilter & { sort: TaskSort } } | { ok: false; message: string };

/* The query of one page of the listing. The dates are whole UTC days: "to" includes its day. */
export function listQuery(f: DmFilters, cursor: string | null): ListQuery {
  if (f.from && f.to && f.to < f.from) return { ok: false, message: 'The "updated to" date must not be before the "updated from" date.' };
  const query: PageQuery & TaskFilter & { sort: TaskSort } = { sort: f.sort, limit: f.limit };
  if (cursor) query.cursor = cursor;
  if (f.state) query.state = f.state;
  if (f.person) {
    const id = Number(f.person);
    if (f.role === 'holder') query.assignee = id;
    else query[f.role] = id;
  }
  if (f.q) query.q = f.q;
  if (f.from) query.updated_since = `${f.from}T00:00:00Z`;
  if (f.to) query.updated_until = `${nextDay(f.to)}T00:00:00Z`;
  return { ok: true, query };
}

/* The columns that sort, by the field the API sorts on. */
export type SortColumn = 'id' | 'updated_at' | 'priority';

/* A click on a column's header: that column ascending, or the other way when it already sorts. */
export function toggleSort(sort: TaskSort, column: SortColumn): TaskSort {
  if (sort === column) return `-${column}` as TaskSort;
  return column;
}

export function ariaSort(sort: TaskSort, column: SortColumn): 'ascending' | 'descending' | 'none' {
  if (sort === column) return 'ascending';
  if (sort === `-${column}`) return 'descending';
  return 'none';
}

/*
 * Previous/Next over a keyset listing: the cursors of the pages seen (ui/pager),
 * kept only for the listing they came from, since a cursor is valid only with
 * its own filters and sort.
 */
export interface Paging {
  key: string;
  pager: Pager;
}

export type PagingAction = { type: 'next'; cursor: string | null | undefined } | { type: 'prev' } | { type: 'reset'; key: string };

export function pagingReducer(p: Paging, a: PagingAction): Paging {
  switch (a.type) {
    case 'next':
      return { ...p, pager: nextPage(p.pager, a.cursor) };
    case 'prev':
      return { ...p, pager: prevPage(p.pager) };
    case 'reset':
      return a.key === p.key ? p : { key: a.key, pager: firstPage };
  }
}

/* The selection: task ids, kept across pages until cleared or acted on. */
export function toggleOne(sel: ReadonlySet<number>, id: number): Set<number> {
  const out = new Set(sel);
  if (out.has(id)) out.delete(id);
  else out.add(id);
  return out;
}

/* The header's checkbox: selects the whole page, or unselects it when it is all selected. */
export function togglePage(sel: ReadonlySet<number>, ids: number[]): Set<number> {
  const out = new Set(sel);
  if (pageSelection(sel, ids) === 'all') for (const id of ids) out.delete(id);
  else for (const id of ids) out.add(id);
  return out;
}

export function pageSelection(sel: ReadonlySet<number>, ids: number[]): 'all' | 'some' | 'none' {
  const n = ids.filter((id) => sel.has(id)).length;
  if (n === 0) return 'none';
  return n === ids.length ? 'all' : 'some';
}

export const BULK_MAX = 1000;
export const EXPORT_MAX = 10000;

export interface BulkForm {
  to: string; /* requeue: queued_l1..3 */
  priority: string; /* priority: an integer */
  comment: string;
}

export type BulkRequest = { ok: true; body: BulkBody } | { ok: false; message: string };

/* The body of POST /projects/{id}/tasks/bulk, refusing what the server would. */
export function bulkBody(action: BulkAction, ids: Iterable<number>, form: BulkForm): BulkRequest {
  const task_ids = [...new Set(ids)].sort((a, b) => a - b);
  if (task_ids.length === 0) return { ok: false, message: 'Select at least one task.' };
  if (task_ids.length > BULK_MAX) return { ok: false, message: `Select at most ${BULK_MAX} tasks for one action.` };
  const comment = form.comment.trim();
  const body: BulkBody = { action, task_ids };
  if (action === 'requeue') {
    if (!/^queued_l[123]$/.test(form.to)) return { ok: false, message: 'Choose the queue to requeue to.' };
    body.to = form.to as BulkBody['to'];
  }
  if (action === 'priority') {
    if (!/^-?\d{1,9}$/.test(form.priority.trim())) return { ok: false, message: 'The priority is a whole number.' };
    body.priority = Number(form.priority.trim());
  }
  if ((action === 'requeue' || action === 'discard') && !comment) return { ok: false, message: 'Say why in the comment.' };
  if (comment) body.comment = comment;
  return { ok: true, body };
}

const ACTION_DONE: Record<BulkAction, string> = {
  release: 'released',
  requeue: 'requeued',
  priority: 'reprioritised',
  discard: 'discarded',
};

/* The answer in words: how many were done, how many failed. */
export function bulkSummary(r: BulkResult): string {
  const what = ACTION_DONE[r.action as BulkAction] ?? 'done';
  const done = `${r.done.length} ${r.done.length === 1 ? 'task' : 'tasks'} ${what}`;
  return r.failed.length ? `${done}, ${r.failed.length} failed.` : `${done}.`;
}

/*
 * The body of POST /projects/{id}/exports for the selection. An export keeps
 * only accepted tasks unless told otherwise, so it names every state (from
 * GET /meta): a selection is exported whatever its tasks' states.
 */
export type ExportSelection = { ok: true; body: { format: string; filter: { task_ids: number[]; state: string[] } } } | { ok: false; message: string };

export function exportSelectionBody(format: string, ids: Iterable<number>, states: string[]): ExportSelection {
  const task_ids = [...new Set(ids)].sort((a, b) => a - b);
  if (task_ids.length === 0) return { ok: false, message: 'Select at least one task.' };
  if (task_ids.length > EXPORT_MAX) return { ok: false, message: `Select at most ${EXPORT_MAX} tasks to export.` };
  if (!format) return { ok: false, message: 'Choose a format.' };
  if (states.length === 0) return { ok: false, message: 'The task states are not loaded yet; try again.' };
  return { ok: true, body: { format, filter: { task_ids, state: states } } };
}

/*
 * What is left of a lease, counted from when the page was loaded: the
 * server's expires_in_ms, so a skewed clock in the browser does not matter.
 */
export function leaseLeft(lease: Pick<Lease, 'expires_in_ms'> | null | undefined, loadedAt: number, now: number): string {
  if (!lease) return '';
  const ms = lease.expires_in_ms - (now - loadedAt);
  if (ms <= 0) return 'expired';
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h} h ${String(m).padStart(2, '0')} min left` : `${m}:${sec} left`;
}
