import { describe, expect, it } from 'vitest';
import { auditQuery, emptyAuditFilters, nextDay } from './auditQuery';

const params = (q: string) => Object.fromEntries(new URLSearchParams(q.slice(1)));

describe('audit filters to query', () => {
  it('sends only the limit when nothing is filtered', () => {
    expect(auditQuery(emptyAuditFilters)).toEqual({ ok: true, query: '?limit=50' });
  });

  it('maps every filter onto the server parameter', () => {
    const r = auditQuery(
      { action: ' task.submit ', actor: '7', project: '3', task: '42', from: '2026-01-30', to: '2026-01-31' },
      '1234',
      20,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(params(r.query)).toEqual({
      action: 'task.submit',
      actor: '7',
      project: '3',
      task: '42',
      since: '2026-01-30T00:00:00Z',
      /* "to" is inclusive in the form and exclusive on the server. */
      until: '2026-02-01T00:00:00Z',
      limit: '20',
      cursor: '1234',
    });
  });

  it('escapes what people type', () => {
    const r = auditQuery({ ...emptyAuditFilters, action: 'a&b=c' });
    expect(r.ok && params(r.query).action).toBe('a&b=c');
  });

  it('refuses bad ids and backwards date ranges, naming the field', () => {
    expect(auditQuery({ ...emptyAuditFilters, task: '4x' })).toMatchObject({ ok: false, field: 'task' });
    expect(auditQuery({ ...emptyAuditFilters, actor: '0' })).toMatchObject({ ok: false, field: 'actor' });
    expect(auditQuery({ ...emptyAuditFilters, project: '-1' })).toMatchObject({ ok: false, field: 'project' });
    expect(auditQuery({ ...emptyAuditFilters, from: '2026-02-01', to: '2026-01-01' })).toMatchObject({ ok: false, field: 'to' });
    expect(auditQuery({ ...emptyAuditFilters, from: '2026-02-30' })).toMatchObject({ ok: false, field: 'from' });
  });

  it('steps over month, year and leap-day ends', () => {
    expect(nextDay('2026-01-31')).toBe('2026-02-01');
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
  });
});
