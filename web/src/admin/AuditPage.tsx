/*
 * "/admin/audit": the audit trail, newest first, with filters, keyset
 * paging and a check of the whole hash chain.
 */
import { useState, type FormEvent } from 'react';
import { listAudit, verifyAudit } from '../api/audit';
import { getMeta } from '../api/meta';
import { allProjects } from '../api/projects';
import type { AuditVerdict } from '../api/types';
import { allUsers } from '../api/users';
import {
  ErrorAlert,
  Loading,
  PagerControls,
  TableHead,
  currentCursor,
  firstPage,
  formatTime,
  pagerPropsFor,
  useLoad,
  usePageTitle,
  type Pager,
} from '../ui';
import { auditQuery, emptyAuditFilters, type AuditFilters } from './lib/auditQuery';

export function AuditPage() {
  usePageTitle('Audit log');
  const [draft, setDraft] = useState<AuditFilters>(emptyAuditFilters);
  const [applied, setApplied] = useState<AuditFilters>(emptyAuditFilters);
  const [pager, setPager] = useState<Pager>(firstPage);
  const [filterError, setFilterError] = useState('');
  const cursor = currentCursor(pager);
  const q = auditQuery(applied, cursor);
  const query = q.ok ? q.query : '';
  const records = useLoad(() => listAudit(query), [query]);
  const users = useLoad(allUsers, []);
  const projects = useLoad(() => allProjects(), []);
  /* The filter matches exact names: offer the server's own list of them. */
  const meta = useLoad(getMeta, []);
  const actions = meta.data?.audit_actions;
  const names = new Map((users.data ?? []).map((u) => [u.id, u.name]));
  const projectNames = new Map((projects.data ?? []).map((p) => [p.id, p.name]));

  const [verdict, setVerdict] = useState<AuditVerdict | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const [verifying, setVerifying] = useState(false);

  function apply(e: FormEvent) {
    e.preventDefault();
    const check = auditQuery(draft);
    if (!check.ok) {
      setFilterError(check.message);
      return;
    }
    setFilterError('');
    setApplied(draft);
    setPager(firstPage);
  }

  function clear() {
    setDraft(emptyAuditFilters);
    setApplied(emptyAuditFilters);
    setFilterError('');
    setPager(firstPage);
  }

  async function verify() {
    setVerifying(true);
    setVerdict(null);
    setVerifyError(null);
    try {
      setVerdict(await verifyAudit());
    } catch (e) {
      setVerifyError(e);
    } finally {
      setVerifying(false);
    }
  }

  const set = (k: keyof AuditFilters) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });

  return (
    <section className="admin-page">
      <div className="page-head">
        <h1>Audit log</h1>
        <button type="button" onClick={verify} disabled={verifying}>
          Verify chain
        </button>
      </div>
      <div role="status" className="status-message">
        {verifying && 'Checking every record of the chain…'}
        {verdict?.ok && (
          <span className="ok">
            Chain verified: {verdict.count.toLocaleString()} records in {verdict.checkpoints.toLocaleString()} signed
            batches, head {verdict.head.slice(0, 16)}…{verdict.unsealed > 0 && ` (${verdict.unsealed.toLocaleString()} awaiting sealing)`}
          </span>
        )}
      </div>
      {verdict && !verdict.ok && (
        <ErrorAlert
          error={
            verdict.broken_seq || verdict.broken_batch
              ? `The chain is broken at ${verdict.broken_seq ? `record #${verdict.broken_seq}` : `batch ${verdict.broken_batch}`}: ${verdict.reason ?? 'hash mismatch'}. Records from there on cannot be trusted.`
              : `The audit trail does not verify: ${verdict.reason ?? 'unknown reason'}.`
          }
        />
      )}
      <ErrorAlert error={verifyError} />

      <form className="card filters" onSubmit={apply} aria-labelledby="filters-title">
        <h2 id="filters-title">Filters</h2>
        <div className="filter-grid">
          <div>
            <label htmlFor="au-action">Action</label>
            {actions ? (
              <select id="au-action" value={draft.action} onChange={set('action')}>
                <option value="">Any action</option>
                {actions.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            ) : (
              /* Without the list (GET /meta failed) an exact name can still be typed. */
              <input id="au-action" value={draft.action} onChange={set('action')} />
            )}
          </div>
          <div>
            <label htmlFor="au-actor">Actor</label>
            <select id="au-actor" value={draft.actor} onChange={set('actor')}>
              <option value="">Anyone</option>
              {users.data?.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name} ({u.email})
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="au-project">Project</label>
            <select id="au-project" value={draft.project} onChange={set('project')}>
              <option value="">Any</option>
              {projects.data?.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="au-task">Task</label>
            <input id="au-task" inputMode="numeric" value={draft.task} onChange={set('task')} placeholder="Task id" />
          </div>
          <div>
            <label htmlFor="au-from">From date</label>
            <input id="au-from" type="date" value={draft.from} onChange={set('from')} />
          </div>
          <div>
            <label htmlFor="au-to">To date</label>
            <input id="au-to" type="date" value={draft.to} onChange={set('to')} />
          </div>
        </div>
        <ErrorAlert error={filterError} />
        <div className="form-actions">
          <button type="submit">Apply filters</button>
          <button type="button" className="secondary" onClick={clear}>
            Clear filters
          </button>
        </div>
      </form>

      <ErrorAlert error={records.error} />
      {records.loading && !records.data ? (
        <Loading what="audit records" />
      ) : (
        <table className="data-table audit-table">
          <caption className="sr-only">Audit records, newest first</caption>
          <TableHead columns={['#', 'Time', 'Actor', 'Action', 'Entity', 'Project', 'Task', 'State change', 'Details']} />
          <tbody>
            {records.data?.items.length === 0 && (
              <tr>
                <td colSpan={9}>No records match.</td>
              </tr>
            )}
            {records.data?.items.map((r) => (
              <tr key={r.id}>
                <td className="num" title={r.seq === null ? 'Not sealed yet' : undefined}>
                  {r.seq ?? '…'}
                </td>
                <td>{formatTime(r.time, { seconds: true })}</td>
                <td>
                  {r.actor_id ? names.get(r.actor_id) ?? `#${r.actor_id}` : 'System'}
                  {r.actor_role && <div className="hint">{r.actor_role}</div>}
                </td>
                <td>
                  <code>{r.action}</code>
                </td>
                <td>
                  {r.entity_type}
                  {r.entity_id ? ` ${r.entity_id}` : ''}
                </td>
                <td>{r.project_id ? projectNames.get(r.project_id) ?? `#${r.project_id}` : ''}</td>
                <td>{r.task_id ?? ''}</td>
                <td>{r.from_state || r.to_state ? `${r.from_state ?? '—'} → ${r.to_state ?? '—'}` : ''}</td>
                <td>
                  {r.details !== undefined && r.details !== null && (
                    <details>
                      <summary>Show</summary>
                      <pre className="code">{JSON.stringify(r.details, null, 2)}</pre>
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagerControls label="Audit pages" newer {...pagerPropsFor(pager, setPager, records.data?.next_cursor)} />
    </section>
  );
}
