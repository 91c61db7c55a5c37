import { describe, expect, it } from 'vitest';
import { firstPage, currentCursor, nextPage, pageNumber, prevPage } from '../../ui/pager';
import { dateRange, throughputSeries } from './series';

describe('throughput series', () => {
  it('lists every day of a range, across month ends', () => {
    expect(dateRange('2026-01-30', '2026-02-02')).toEqual(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    expect(dateRange('2026-01-02', '2026-01-01')).toEqual([]);
  });

  it('fills days without work with zeros, one series per stage', () => {
    const s = throughputSeries(
      [
        { date: '2026-01-02', submitted: 5, reviewed: 3, decided: 1, accepted: 1 },
        { date: '2026-01-04', submitted: 2, reviewed: 0, decided: 0, accepted: 0 },
      ],
      '2026-01-01',
      '2026-01-04',
    );
    expect(s.map((x) => x.name)).toEqual(['Annotated (L1)', 'Reviewed (L2)', 'Decided (L3)', 'Accepted']);
    expect(s[0].points).toEqual([
      { x: '2026-01-01', y: 0 },
      { x: '2026-01-02', y: 5 },
      { x: '2026-01-03', y: 0 },
      { x: '2026-01-04', y: 2 },
    ]);
    expect(s[3].points.map((p) => p.y)).toEqual([0, 1, 0, 0]);
  });

  it('widens the range rather than hide a day the server returned', () => {
    const s = throughputSeries([{ date: '2026-01-05', submitted: 1, reviewed: 0, decided: 0, accepted: 0 }], '2026-01-03', '2026-01-04');
    expect(s[0].points.map((p) => p.x)).toEqual(['2026-01-03', '2026-01-04', '2026-01-05']);
  });
});

describe('keyset pager', () => {
  it('keeps the cursors of the pages seen so it can go back', () => {
    let p = firstPage;
    expect(currentCursor(p)).toBeNull();
    p = nextPage(p, '90');
    p = nextPage(p, '40');
    expect([currentCursor(p), pageNumber(p)]).toEqual(['40', 3]);
    p = prevPage(p);
    expect([currentCursor(p), pageNumber(p)]).toEqual(['90', 2]);
    p = prevPage(prevPage(p));
    expect([currentCursor(p), pageNumber(p)]).toEqual([null, 1]);
    /* No next cursor: there is no further page. */
    expect(nextPage(p, null)).toBe(p);
  });
});
