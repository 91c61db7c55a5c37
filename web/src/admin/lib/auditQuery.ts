/*
 * The audit browser's filters as the query of GET /audit (src/api/api_audit.c):
 * project, task, actor (ids), action (exact name), since/until (ISO 8601 UTC,
 * until exclusive) and the keyset cursor (seq of the last record shown).
 */

export interface AuditFilters {
  action: string;
  actor: string; /* user id, '' = anyone */
  project: string; /* project id, '' = any */
  task: string; /* task id, '' = any */
  from: string; /* YYYY-MM-DD, inclusive, UTC */
  to: string; /* YYYY-MM-DD, inclusive, UTC */
}

export const emptyAuditFilters: AuditFilters = { action: '', actor: '', project: '', task: '', from: '', to: '' };

export type AuditQuery = { ok: true; query: string } | { ok: false; field: keyof AuditFilters; message: string };

const ID = /^[1-9]\d{0,17}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The day after a YYYY-MM-DD date, so that "to" includes that whole day. */
export function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

function validDate(date: string): boolean {
  if (!DATE.test(date)) return false;
  const t = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === date;
}

export function auditQuery(f: AuditFilters, cursor: string | null = null, limit = 50): AuditQuery {
  const q = new URLSearchParams();
  const action = f.action.trim();
  if (action) q.set('action', action);
  for (const key of ['actor', 'project', 'task'] as const) {
    const v = f[key].trim();
    if (!v) continue;
    if (!ID.test(v)) return { ok: false, field: key, message: `${label(key)} must be a positive whole number.` };
    q.set(key, v);
  }
  if (f.from && !validDate(f.from)) return { ok: false, field: 'from', message: 'From must be a date.' };
  if (f.to && !validDate(f.to)) return { ok: false, field: 'to', message: 'To must be a date.' };
  if (f.from && f.to && f.to < f.from) return { ok: false, field: 'to', message: 'To must not be before From.' };
  if (f.from) q.set('since', `${f.from}T00:00:00Z`);
  if (f.to) q.set('until', `${nextDay(f.to)}T00:00:00Z`);
  q.set('limit', String(limit));
  if (cursor) q.set('cursor', cursor);
  return { ok: true, query: '?' + q.toString() };
}

function label(key: 'actor' | 'project' | 'task'): string {
  return key === 'actor' ? 'Actor' : key === 'project' ? 'Project' : 'Task';
}
