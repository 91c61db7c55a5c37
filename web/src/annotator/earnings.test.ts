import { describe, expect, it } from 'vitest';
import { cumulativeSeries } from './EarningsPage';

describe('earnings chart series', () => {
  it('runs totals over every day from the day before the first money until today', () => {
    const today = Date.parse('2026-03-05T15:00:00Z');
    const [earned, paid] = cumulativeSeries(
      [
        { day: '2026-03-04', currency: 'USD', currency_exponent: 2, earned: 250, paid: 100 },
        { day: '2026-03-02', currency: 'USD', currency_exponent: 2, earned: 100, paid: 0 },
        { day: '2026-03-03', currency: 'EUR', currency_exponent: 2, earned: 999, paid: 0 },
      ],
      'USD',
      today,
    );
    expect(earned.points).toEqual([
      { x: '2026-03-01', y: 0 },
      { x: '2026-03-02', y: 1 },
      { x: '2026-03-03', y: 1 },
      { x: '2026-03-04', y: 3.5 },
      { x: '2026-03-05', y: 3.5 },
    ]);
    expect(paid.points.map((p) => p.y)).toEqual([0, 0, 0, 1, 1]);
  });

  it('has no points without money', () => {
    const s = cumulativeSeries([], 'USD');
    expect(s.every((x) => x.points.length === 0)).toBe(true);
  });
});
