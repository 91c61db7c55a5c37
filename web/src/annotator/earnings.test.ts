import { describe, expect, it } from 'vitest';
import { cumulativeSeries, headlineLines } from './EarningsPage';

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

describe('earnings headline', () => {
  it('has one line per currency, so a USD payout shows beside EUR work', () => {
    const lines = headlineLines({
      currency: null,
      currency_exponent: null,
      pending: 0,
      earned: 0,
      paid: 0,
      projects: [],
      by_currency: {
        USD: { currency_exponent: 2, pending: 0, earned: 0, paid: 1250 },
        EUR: { currency_exponent: 2, pending: 300, earned: 4000, paid: 0 },
      },
    });
    expect(lines.paid).toEqual(['€0.00', '$12.50']);
    expect(lines.earned).toEqual(['€40.00', '$0.00']);
    expect(lines.pending).toEqual(['€3.00', '$0.00']);
  });

  it('falls back to the single amounts before any money moved', () => {
    const lines = headlineLines({ currency: null, currency_exponent: null, pending: 0, earned: 0, paid: 0, projects: [], by_currency: {} });
    expect(lines.paid).toEqual(['$0.00']);
  });
});
