import { describe, expect, it } from 'vitest';
import {
  ariaSort,
  bulkBody,
  bulkSummary,
  defaultFilters,
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
  type Paging,
} from './dataManager';
import { currentCursor, firstPage, pageNumber } from '../../ui/pager';

const f = (over: Partial<DmFilters> = {}): DmFilters => ({ ...defaultFilters, ...over });

describe('data manager filters in the URL', () => {
  it('leaves defaults out and reads back what it wrote', () => {
    expect(filtersToSearch(defaultFilters).toString()).toBe('');
    const all = f({ state: 'locked_l1', role: 'reviewer', person: '7', from: '2026-01-01', to: '2026-01-31', q: 'Acme & co', sort: '-updated_at', limit: 200 });
    const s = filtersToSearch(all);
    expect(s.get('as')).toBe('reviewer');
    expect(parseFilters(new URLSearchParams(s.toString()))).toEqual(all);
  });

  it('drops malformed values for their defaults', () => {
    const got = parseFilters(new URLSearchParams('state=x%20y&person=abc&as=boss&from=2026-02-30&to=yesterday&sort=name&limit=7'));
    expect(got).toEqual(defaultFilters);
  });

  it('keeps the person\'s role, which alone does not change the listing', () => {
    expect(filtersToSearch(f({ role: 'holder' })).toString()).toBe('as=holder');
    expect(filtersToSearch(f({ role: 'holder', person: '3' })).toString()).toBe('person=3&as=holder');
    expect(filterKey(f({ role: 'holder' }))).toBe(filterKey(defaultFilters));
    expect(filterKey(f({ role: 'holder', person: '3' }))).not.toBe(filterKey(f({ person: '3' })));
  });
});

describe('data manager listing query', () => {
  it('asks for the first page in id order by default', () => {
    expect(listQuery(defaultFilters, null)).toEqual({ ok: true, query: { sort: 'id', limit: 50 } });
  });

  it('maps each filter to the API parameter, the person by role, the dates as whole UTC days', () => {
    const r = listQuery(f({ state: 'queued_l2', person: '5', role: 'annotator', q: 'Bob', from: '2026-03-01', to: '2026-03-31', sort: '-priority', limit: 100 }), 'c2');
    expect(r).toEqual({
      ok: true,
      query: {
        sort: '-priority',
        limit: 100,
        cursor: 'c2',
        state: 'queued_l2',
        annotator: 5,
        q: 'Bob',
        updated_since: '2026-03-01T00:00:00Z',
        updated_until: '2026-04-01T00:00:00Z',
      },
    });
    const rev = listQuery(f({ person: '5', role: 'reviewer' }), null);
    expect(rev.ok && rev.query.reviewer).toBe(5);
    const held = listQuery(f({ person: '5', role: 'holder' }), null);
    expect(held.ok && held.query.assignee).toBe(5);
    expect(held.ok && 'annotator' in held.query).toBe(false);
  });

  it('refuses a date range that ends before it starts', () => {
    expect(listQuery(f({ from: '2026-03-02', to: '2026-03-01' }), null).ok).toBe(false);
    expect(listQuery(f({ from: '2026-03-01', to: '2026-03-01' }), null).ok).toBe(true);
  });
});

describe('data manager sorting', () => {
  it('sorts a new column ascending, then flips it', () => {
    expect(toggleSort('id', 'id')).toBe('-id');
    expect(toggleSort('-id', 'id')).toBe('id');
    expect(toggleSort('-id', 'updated_at')).toBe('updated_at');
    expect(toggleSort('updated_at', 'priority')).toBe('priority');
  });

  it('tells assistive technology which column sorts and how', () => {
    expect(ariaSort('-priority', 'priority')).toBe('descending');
    expect(ariaSort('priority', 'priority')).toBe('ascending');
    expect(ariaSort('priority', 'id')).toBe('none');
  });
});

describe('data manager cursor stack', () => {
  const start: Paging = { key: '', pager: firstPage };

  it('goes forward with each next_cursor and back without asking the server for one', () => {
    let p = pagingReducer(start, { type: 'next', cursor: 'a' });
    p = pagingReducer(p, { type: 'next', cursor: 'b' });
    expect(pageNumber(p.pager)).toBe(3);
    expect(currentCursor(p.pager)).toBe('b');
    p = pagingReducer(p, { type: 'prev' });
    expect(currentCursor(p.pager)).toBe('a');
    p = pagingReducer(p, { type: 'prev' });
    expect(currentCursor(p.pager)).toBeNull();
    expect(pagingReducer(p, { type: 'prev' })).toEqual(p);
  });

  it('stays on the last page when there is no next cursor', () => {
    const p = pagingReducer(start, { type: 'next', cursor: null });
    expect(pageNumber(p.pager)).toBe(1);
  });

  it('starts again at the first page when the filters or the order change, not otherwise', () => {
    const k1 = filterKey(f({ state: 'queued_l1' }));
    let p = pagingReducer(start, { type: 'reset', key: k1 });
    p = pagingReducer(p, { type: 'next', cursor: 'a' });
    expect(pagingReducer(p, { type: 'reset', key: k1 })).toBe(p);
    const sorted = pagingReducer(p, { type: 'reset', key: filterKey(f({ state: 'queued_l1', sort: '-id' })) });
    expect(sorted.pager).toEqual(firstPage);
  });
});

describe('data manager selection', () => {
  it('toggles single rows', () => {
    const s = toggleOne(new Set([1]), 2);
    expect([...s].sort()).toEqual([1, 2]);
    expect([...toggleOne(s, 1)]).toEqual([2]);
  });

  it('selects a whole page, keeping other pages, and unselects it when all of it is selected', () => {
    const other = new Set([99]);
    const page = [1, 2, 3];
    expect(pageSelection(other, page)).toBe('none');
    const all = togglePage(new Set([99, 2]), page);
    expect([...all].sort((a, b) => a - b)).toEqual([1, 2, 3, 99]);
    expect(pageSelection(all, page)).toBe('all');
    expect(pageSelection(new Set([2]), page)).toBe('some');
    expect([...togglePage(all, page)]).toEqual([99]);
  });
});

describe('data manager bulk actions', () => {
  const form = { to: '', priority: '', comment: '' };

  it('builds each action with what it needs, ids sorted and distinct', () => {
    expect(bulkBody('release', [3, 1, 3], form)).toEqual({ ok: true, body: { action: 'release', task_ids: [1, 3] } });
    expect(bulkBody('requeue', [1], { ...form, to: 'queued_l2', comment: ' redo ' })).toEqual({
      ok: true,
      body: { action: 'requeue', task_ids: [1], to: 'queued_l2', comment: 'redo' },
    });
    expect(bulkBody('priority', [1], { ...form, priority: '-5' })).toEqual({ ok: true, body: { action: 'priority', task_ids: [1], priority: -5 } });
    expect(bulkBody('discard', [1], { ...form, comment: 'spam' })).toEqual({ ok: true, body: { action: 'discard', task_ids: [1], comment: 'spam' } });
  });

  it('refuses what the server would refuse', () => {
    expect(bulkBody('release', [], form).ok).toBe(false);
    expect(bulkBody('release', Array.from({ length: 1001 }, (_, i) => i + 1), form).ok).toBe(false);
    expect(bulkBody('requeue', [1], { ...form, comment: 'x' }).ok).toBe(false);
    expect(bulkBody('requeue', [1], { ...form, to: 'queued_l1' }).ok).toBe(false);
    expect(bulkBody('discard', [1], { ...form, comment: '  ' }).ok).toBe(false);
    expect(bulkBody('priority', [1], { ...form, priority: '1.5' }).ok).toBe(false);
    expect(bulkBody('priority', [1], form).ok).toBe(false);
  });

  it('sums up the answer', () => {
    expect(bulkSummary({ action: 'release', done: [1, 2], failed: [] })).toBe('2 tasks released.');
    expect(bulkSummary({ action: 'discard', done: [1], failed: [{ id: 2, error: { code: 'wrong_state', message: 'final' } }] })).toBe(
      '1 task discarded, 1 failed.',
    );
  });

  it('exports the selection in every state', () => {
    expect(exportSelectionBody('jsonl', [5, 2], ['accepted', 'queued_l1'])).toEqual({
      ok: true,
      body: { format: 'jsonl', filter: { task_ids: [2, 5], state: ['accepted', 'queued_l1'] } },
    });
    expect(exportSelectionBody('jsonl', [], ['accepted']).ok).toBe(false);
    expect(exportSelectionBody('', [1], ['accepted']).ok).toBe(false);
    expect(exportSelectionBody('jsonl', [1], []).ok).toBe(false);
  });
});

describe('lease countdown', () => {
  it('counts down from the server\'s expires_in_ms since the page was loaded', () => {
    expect(leaseLeft({ expires_in_ms: 125_000 }, 1000, 1000)).toBe('2:05 left');
    expect(leaseLeft({ expires_in_ms: 125_000 }, 1000, 6000)).toBe('2:00 left');
    expect(leaseLeft({ expires_in_ms: 3 * 3600_000 + 60_000 }, 0, 0)).toBe('3 h 01 min left');
    expect(leaseLeft({ expires_in_ms: 1000 }, 0, 5000)).toBe('expired');
    expect(leaseLeft(null, 0, 0)).toBe('');
  });
});
