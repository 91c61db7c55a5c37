/*
 * The data manager: the project's tasks as a table, filtered, sorted and
 * keyset-paged by the server (GET /projects/{id}/tasks?view=table), with
 * bulk actions on a selection (POST /projects/{id}/tasks/bulk) and export
 * of it. The filters live in the URL, so a reload or a shared link shows
 * the same listing. There is no total: counting a large project on every
 * page is what makes a listing slow; the counts per state are shown apart.
 */
import { useEffect, useReducer, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { createExport, getExport } from '../../api/exports';
import { listMembers } from '../../api/members';
import { getMeta } from '../../api/meta';
import { getProject } from '../../api/projects';
import { bulkTasks, listTaskRows } from '../../api/tasks';
import type { BulkAction, BulkResult, ExportJob, Project, TaskRow, TaskState } from '../../api/types';
import { ErrorAlert, Loading, STATE_LABELS, StatusMessage, formatTime, useLoad } from '../../ui';
import { currentCursor, firstPage, pageNumber } from '../../ui/pager';
import {
  PAGE_SIZES,
  ariaSort,
  bulkBody,
  bulkSummary,
  exportSelectionBody,
  filterKey,
  filtersToSearch,
  leaseLeft,
  listQuery,
  pageSelection,
  pagingReducer,
  parseFilters,
  toggleOne,
  togglePage,
  toggleSort,
  type DmFilters,
  type PersonRole,
  type SortColumn,
} from '../lib/dataManager';
import { EXPORT_LABELS } from '../lib/exportFilter';
import { TaskPanel } from './TaskPanel';

const ROLE_NAMES: Record<PersonRole, string> = { annotator: 'Annotator', reviewer: 'Reviewer', holder: 'Holder' };
const QUEUES = ['queued_l1', 'queued_l2', 'queued_l3'] as const;
const SEARCH_DELAY_MS = 300;

/* A column header that sorts: a button inside, aria-sort on the cell. */
function SortHeader({ label, column, sort, onSort }: { label: string; column: SortColumn; sort: DmFilters['sort']; onSort: (c: SortColumn) => void }) {
  const how = ariaSort(sort, column);
  return (
    <th scope="col" aria-sort={how}>
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {label}
        <span aria-hidden="true">{how === 'ascending' ? ' ▲' : how === 'descending' ? ' ▼' : ''}</span>
      </button>
    </th>
  );
}

/* The header's checkbox: checked, unchecked, or mixed when part of the page is selected. */
function PageCheckbox({ state, onChange }: { state: 'all' | 'some' | 'none'; onChange: () => void }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = state === 'some';
  }, [state]);
  return <input type="checkbox" ref={ref} aria-label="Select every task on this page" checked={state === 'all'} onChange={onChange} />;
}

/* A lease's end: the time of day, as leases last minutes to hours; the full date is in its title. */
function untilTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { timeStyle: 'short' });
}

function personName(p: { id: number; name?: string | null } | null | undefined): string {
  return p ? (p.name ?? `user #${p.id}`) : '';
}

/* manage: the bulk actions and the selection they act on (admins); reviewers get the
 * table, the filters and the task panel only, as the API allows them. */
export function TasksTab({ project, manage = true }: { project: Project; manage?: boolean }) {
  const [search, setSearch] = useSearchParams();
  const filters = parseFilters(search);
  const key = filterKey(filters);
  const setFilters = (f: DmFilters) => setSearch(filtersToSearch(f), { replace: true });
  /* The filters of the latest render, for the delayed search: it must not undo a filter set meanwhile. */
  const latest = useRef(filters);
  latest.current = filters;

  /* The text search waits for typing to pause, so each key press is not a request. */
  const [qInput, setQInput] = useState(filters.q);
  useEffect(() => setQInput(filters.q), [filters.q]);
  useEffect(() => {
    if (qInput === filters.q) return;
    const t = setTimeout(() => setFilters({ ...latest.current, q: qInput }), SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [qInput]);

  const [paging, dispatch] = useReducer(pagingReducer, { key, pager: firstPage });
  useEffect(() => dispatch({ type: 'reset', key }), [key]);
  /* Until the reset lands, a cursor of the previous listing must not be sent with the new filters. */
  const pager = paging.key === key ? paging.pager : firstPage;
  const cursor = currentCursor(pager);

  const [refresh, setRefresh] = useState(0);
  const query = listQuery(filters, cursor);
  const rows = useLoad(async () => {
    if (!query.ok) throw query.message;
    const page = await listTaskRows(project.id, query.query);
    return { page, loadedAt: Date.now() };
  }, [project.id, key, cursor, refresh]);
  const counts = useLoad(() => getProject(project.id), [project.id, refresh]);
  const members = useLoad(() => listMembers(project.id), [project.id]);
  const meta = useLoad(getMeta, []);

  const items: TaskRow[] = rows.data?.page.items ?? [];
  const pageIds = items.map((r) => r.id);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [open, setOpen] = useState<number | null>(null);

  /* Lease countdowns tick while a shown task is held. */
  const [now, setNow] = useState(Date.now());
  const anyHeld = items.some((r) => r.lease);
  useEffect(() => {
    if (!anyHeld) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [anyHeld]);

  const memberList = members.data?.items ?? [];
  const nameOf = (id: number) => {
    const m = memberList.find((x) => x.user_id === id);
    return (m && (m.name || m.email)) || `user #${id}`;
  };
  const table = useRef<HTMLTableElement>(null);
  /* Closing the panel gives focus back to the row it was opened from, as a dialog would. */
  const closePanel = (id: number) => {
    setOpen(null);
    table.current?.querySelector<HTMLButtonElement>(`tr[data-task-id="${id}"] button`)?.focus();
  };
  const c = counts.data?.counts ?? {};
  const done = () => {
    setSelected(new Set());
    setRefresh((r) => r + 1);
  };

  return (
    <div className="data-manager">
      <div className="page-head">
        <h2>Tasks</h2>
        <button type="button" onClick={() => setRefresh((r) => r + 1)}>
          Refresh
        </button>
      </div>

      <section aria-labelledby="dm-counts-title">
        <h3 id="dm-counts-title" className="sr-only">
          Tasks by state
        </h3>
        <ErrorAlert error={counts.error} />
        <ul className="state-counts">
          <li>
            All: <strong data-testid="dm-count-total">{(counts.data?.task_count ?? 0).toLocaleString()}</strong>
          </li>
          {(Object.keys(c) as TaskState[]).map((s) => (
            <li key={s}>
              {STATE_LABELS[s] ?? s}: <strong data-testid={`dm-count-${s}`}>{(c[s] ?? 0).toLocaleString()}</strong>
            </li>
          ))}
        </ul>
      </section>

      <form className="filter-grid card" role="search" aria-label="Task filters" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label htmlFor="dm-state">State</label>
          <select id="dm-state" value={filters.state} onChange={(e) => setFilters({ ...filters, state: e.target.value })}>
            <option value="">Any state</option>
            {(meta.data?.task_states ?? []).map((s) => (
              <option key={s} value={s}>
                {STATE_LABELS[s] ?? s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="dm-role">Person's part</label>
          <select id="dm-role" value={filters.role} onChange={(e) => setFilters({ ...filters, role: e.target.value as PersonRole })}>
            {(Object.keys(ROLE_NAMES) as PersonRole[]).map((r) => (
              <option key={r} value={r}>
                {ROLE_NAMES[r]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="dm-person">Person</label>
          <select id="dm-person" value={filters.person} onChange={(e) => setFilters({ ...filters, person: e.target.value })}>
            <option value="">Anyone</option>
            {memberList.map((m) => (
              <option key={m.user_id} value={m.user_id}>
                {m.name} ({m.email})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="dm-from">Updated from date</label>
          <input id="dm-from" type="date" value={filters.from} onChange={(e) => setFilters({ ...filters, from: e.target.value })} />
        </div>
        <div>
          <label htmlFor="dm-to">Updated to date</label>
          <input id="dm-to" type="date" value={filters.to} onChange={(e) => setFilters({ ...filters, to: e.target.value })} />
        </div>
        <div>
          <label htmlFor="dm-q">Search in data</label>
          <input id="dm-q" type="search" value={qInput} aria-describedby="dm-q-hint" onChange={(e) => setQInput(e.target.value)} />
          <p id="dm-q-hint" className="hint">
            Exact, case-sensitive text.
          </p>
        </div>
        <div>
          <label htmlFor="dm-limit">Tasks per page</label>
          <select id="dm-limit" value={filters.limit} onChange={(e) => setFilters({ ...filters, limit: Number(e.target.value) })}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </form>

      {manage && (
        <BulkBar
          project={project}
          selected={selected}
          states={meta.data?.task_states ?? []}
          formats={(meta.data?.export_formats ?? []).map((f) => f.name)}
          onClear={() => setSelected(new Set())}
          onDone={done}
        />
      )}

      <ErrorAlert error={rows.error} />
      <div className="dm-body">
        <div className="dm-table-wrap">
          <table className="data-table dm-table" ref={table} aria-busy={rows.loading}>
            <caption>
              Tasks, page {pageNumber(pager)}
              {rows.loading ? ' (loading…)' : ''}
            </caption>
            <thead>
              <tr>
                {manage && (
                  <th scope="col">
                    <PageCheckbox state={pageSelection(selected, pageIds)} onChange={() => setSelected(togglePage(selected, pageIds))} />
                  </th>
                )}
                <SortHeader label="ID" column="id" sort={filters.sort} onSort={(col) => setFilters({ ...filters, sort: toggleSort(filters.sort, col) })} />
                <th scope="col">State</th>
                <th scope="col">Data</th>
                <th scope="col">Held by</th>
                <th scope="col">Annotator</th>
                <th scope="col">Reviewer</th>
                <th scope="col">Score</th>
                <SortHeader label="Priority" column="priority" sort={filters.sort} onSort={(col) => setFilters({ ...filters, sort: toggleSort(filters.sort, col) })} />
                <SortHeader label="Updated" column="updated_at" sort={filters.sort} onSort={(col) => setFilters({ ...filters, sort: toggleSort(filters.sort, col) })} />
              </tr>
            </thead>
            <tbody>
              {rows.data && items.length === 0 && (
                <tr>
                  <td colSpan={10}>No tasks match.</td>
                </tr>
              )}
              {!rows.data && rows.loading && (
                <tr>
                  <td colSpan={10}>
                    <Loading what="tasks" />
                  </td>
                </tr>
              )}
              {items.map((r) => (
                <tr key={r.id} data-task-id={r.id} className={open === r.id ? 'open' : undefined} onClick={() => setOpen(r.id)}>
                  {manage && (
                    <td onClick={(e) => e.stopPropagation()}>
                      <input type="checkbox" aria-label={`Select task ${r.id}`} checked={selected.has(r.id)} onChange={() => setSelected(toggleOne(selected, r.id))} />
                    </td>
                  )}
                  <th scope="row">
                    <button
                      type="button"
                      className="link-button"
                      aria-label={`Open task ${r.id}`}
                      onClick={(e) => {
                        e.stopPropagation();
                        setOpen(r.id);
                      }}
                    >
                      #{r.id}
                    </button>
                  </th>
                  <td>
                    <span className={`badge state-badge state-${r.state}`}>{STATE_LABELS[r.state] ?? r.state}</span>
                  </td>
                  <td className="preview">{r.preview}</td>
                  <td>
                    {r.holder && (
                      <>
                        {personName(r.holder)}
                        {r.lease && (
                          <div className="hint" title={`until ${formatTime(r.lease.expires_at, { seconds: true })}`}>
                            until {untilTime(r.lease.expires_at)} · {leaseLeft(r.lease, rows.data?.loadedAt ?? now, now)}
                          </div>
                        )}
                      </>
                    )}
                  </td>
                  <td>{personName(r.annotator)}</td>
                  <td>{personName(r.reviewer)}</td>
                  <td className="num">{r.score !== null && r.score !== undefined ? String(r.score) : ''}</td>
                  <td className="num">{r.priority}</td>
                  <td>{formatTime(r.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="Task pages" className="pager">
            <button type="button" onClick={() => dispatch({ type: 'prev' })} disabled={pageNumber(pager) <= 1}>
              Previous page
            </button>
            <span>Page {pageNumber(pager)}</span>
            <button type="button" onClick={() => dispatch({ type: 'next', cursor: rows.data?.page.next_cursor })} disabled={rows.loading || !rows.data?.page.next_cursor}>
              Next page
            </button>
          </nav>
        </div>
        {open !== null && <TaskPanel taskId={open} nameOf={nameOf} onClose={() => closePanel(open)} />}
      </div>
    </div>
  );
}

/* The actions on the selection, and what the last one did. */
function BulkBar(props: { project: Project; selected: Set<number>; states: string[]; formats: string[]; onClear: () => void; onDone: () => void }) {
  const { project, selected } = props;
  const [form, setForm] = useState<'' | Exclude<BulkAction, 'release'> | 'export'>('');
  const [to, setTo] = useState('queued_l1');
  const [priority, setPriority] = useState('0');
  const [comment, setComment] = useState('');
  const [format, setFormat] = useState('jsonl');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<BulkResult | null>(null);
  const [job, setJob] = useState<ExportJob | null>(null);
  const n = selected.size;

  /* Follow the export until it ends. */
  useEffect(() => {
    if (!job || job.status === 'done' || job.status === 'failed') return;
    let live = true;
    const t = setTimeout(() => {
      getExport(job.id).then(
        (j) => live && setJob(j),
        (e) => live && setError(e),
      );
    }, 500);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [job]);

  /* A form that is not complete says so before anything is confirmed or sent. */
  async function run(action: BulkAction, confirmText?: string) {
    setError(null);
    setResult(null);
    const b = bulkBody(action, selected, { to, priority, comment });
    if (!b.ok) {
      setError(b.message);
      return;
    }
    if (confirmText && !window.confirm(confirmText)) return;
    setBusy(true);
    try {
      setResult(await bulkTasks(project.id, b.body));
      setForm('');
      setComment('');
      props.onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function exportSelection() {
    setError(null);
    const b = exportSelectionBody(format, selected, props.states);
    if (!b.ok) {
      setError(b.message);
      return;
    }
    setBusy(true);
    try {
      setJob(await createExport(project.id, b.body));
      setForm('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (form === 'export') void exportSelection();
    else if (form === 'discard') void run('discard', `Discard ${n} ${n === 1 ? 'task' : 'tasks'}? Discarded tasks leave the workflow.`);
    else if (form) void run(form);
  }

  const toggle = (f: typeof form) => setForm(form === f ? '' : f);

  return (
    <section className="bulk-bar card" aria-labelledby="dm-bulk-title">
      <div className="page-head">
        <h3 id="dm-bulk-title">
          {n} {n === 1 ? 'task' : 'tasks'} selected
        </h3>
        <button type="button" onClick={props.onClear} disabled={n === 0}>
          Clear selection
        </button>
      </div>
      <div className="form-actions" role="group" aria-label="Bulk actions">
        <button type="button" disabled={n === 0 || busy} onClick={() => run('release')}>
          Release held
        </button>
        <button type="button" disabled={n === 0 || busy} aria-expanded={form === 'requeue'} onClick={() => toggle('requeue')}>
          Requeue to…
        </button>
        <button type="button" disabled={n === 0 || busy} aria-expanded={form === 'priority'} onClick={() => toggle('priority')}>
          Set priority
        </button>
        <button type="button" disabled={n === 0 || busy} aria-expanded={form === 'discard'} onClick={() => toggle('discard')}>
          Discard
        </button>
        <button type="button" disabled={n === 0 || busy} aria-expanded={form === 'export'} onClick={() => toggle('export')}>
          Export selection
        </button>
      </div>
      {form && (
        <form className="form-grid" onSubmit={submit} aria-label="Bulk action details">
          {form === 'requeue' && (
            <>
              <label htmlFor="dm-to-queue">Queue</label>
              <select id="dm-to-queue" value={to} onChange={(e) => setTo(e.target.value)}>
                {QUEUES.map((q) => (
                  <option key={q} value={q}>
                    {STATE_LABELS[q]}
                  </option>
                ))}
              </select>
            </>
          )}
          {form === 'priority' && (
            <>
              <label htmlFor="dm-priority">Priority</label>
              <input id="dm-priority" type="number" step={1} value={priority} onChange={(e) => setPriority(e.target.value)} />
            </>
          )}
          {(form === 'requeue' || form === 'discard') && (
            <>
              <label htmlFor="dm-comment">Comment (why)</label>
              <textarea id="dm-comment" required rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
            </>
          )}
          {form === 'export' && (
            <>
              <label htmlFor="dm-format">Export format</label>
              <select id="dm-format" value={format} onChange={(e) => setFormat(e.target.value)}>
                {props.formats.map((f) => (
                  <option key={f} value={f}>
                    {EXPORT_LABELS[f as keyof typeof EXPORT_LABELS] ?? f}
                  </option>
                ))}
              </select>
            </>
          )}
          <div className="form-actions">
            <button type="submit" disabled={busy}>
              {form === 'requeue' ? 'Requeue' : form === 'priority' ? 'Set priority' : form === 'discard' ? 'Discard tasks' : 'Start export'}
            </button>
            <button type="button" onClick={() => setForm('')}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorAlert error={error} />
      <StatusMessage>{result ? bulkSummary(result) : ''}</StatusMessage>
      {result && result.failed.length > 0 && (
        <ul className="bulk-failures" aria-label="Tasks that failed">
          {result.failed.map((f) => (
            <li key={f.id}>
              Task #{f.id}: {f.error.message} ({f.error.code})
            </li>
          ))}
        </ul>
      )}
      {job && (
        <p role="status">
          Export #{job.id}: {job.status}
          {job.status === 'done' && `, ${job.tasks_done} tasks`}
          {job.status === 'failed' && ` (${job.error ?? 'unknown error'})`}.{' '}
          <Link to={`/admin/projects/${project.id}/exports`}>See it in Exports</Link>
        </p>
      )}
    </section>
  );
}
