import { describe, expect, it } from 'vitest';
import { currencyExponent, formatMinor, formatMoney, minorToInput, parseMajor } from './money';

describe('money', () => {
  it('uses the same exponents as the server', () => {
    expect(['USD', 'EUR', 'JPY', 'KWD', 'TND'].map(currencyExponent)).toEqual([2, 2, 0, 3, 3]);
  });

  it('formats minor units exactly', () => {
    expect(formatMinor(123456, 'USD')).toBe('1,234.56');
    expect(formatMinor(5, 'USD')).toBe('0.05');
    expect(formatMinor(-250, 'EUR')).toBe('-2.50');
    expect(formatMinor(5000, 'JPY')).toBe('5,000');
    expect(formatMinor(1005, 'KWD')).toBe('1.005');
    expect(formatMoney(100, 'USD')).toBe('1.00 USD');
    expect(minorToInput(123456, 'USD')).toBe('1234.56');
  });

  it('parses what people type into minor units', () => {
    expect(parseMajor('12.5', 'USD')).toEqual({ ok: true, value: 1250 });
    expect(parseMajor(' 1,000.05 ', 'USD')).toEqual({ ok: true, value: 100005 });
    expect(parseMajor('7', 'USD')).toEqual({ ok: true, value: 700 });
    expect(parseMajor('7.', 'USD')).toEqual({ ok: true, value: 700 });
    expect(parseMajor('5000', 'JPY')).toEqual({ ok: true, value: 5000 });
    expect(parseMajor('0.001', 'KWD')).toEqual({ ok: true, value: 1 });
    /* 0.29 * 100 is 28.999999999999996 in floating point: must still be 29. */
    expect(parseMajor('0.29', 'USD')).toEqual({ ok: true, value: 29 });
  });

  it('refuses amounts it would have to round or cannot read', () => {
    for (const [text, cur] of [['1.005', 'USD'], ['1.5', 'JPY'], ['-3', 'USD'], ['abc', 'USD'], ['', 'USD'], ['1e3', 'USD']]) {
      const r = parseMajor(text, cur);
      expect(r.ok, `${text} ${cur}`).toBe(false);
    }
    expect(parseMajor('0', 'USD').ok).toBe(false);
    expect(parseMajor('0', 'USD', { allowZero: true })).toEqual({ ok: true, value: 0 });
    expect(parseMajor('99999999999999999', 'USD').ok).toBe(false);
  });
});
