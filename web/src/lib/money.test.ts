import { describe, expect, it } from 'vitest';
import { currencyExponent, exampleAmount, formatMinor, formatMoney, minorToInput, parseMajor, toMajor } from './money';

describe('money', () => {
  it("takes the server's exponent, and Intl's only when there is none", () => {
    expect(currencyExponent('KRW', 0)).toBe(0);
    expect(currencyExponent('EUR', 2)).toBe(2);
    expect(currencyExponent('KWD', 3)).toBe(3);
    /* The server is the authority, even where Intl disagrees. */
    expect(currencyExponent('ISK', 0)).toBe(0);
    expect(['USD', 'EUR', 'JPY', 'KRW', 'KWD'].map((c) => currencyExponent(c))).toEqual([2, 2, 0, 0, 3]);
    expect(currencyExponent('USD', null)).toBe(2);
  });

  it('shows KRW 1000 minor units as ₩1,000, not ₩10', () => {
    expect(formatMoney(1000, 'KRW', 0)).toBe('₩1,000');
    expect(formatMoney(1000, 'KRW')).toBe('₩1,000');
    expect(toMajor(1000, 'KRW', 0)).toBe(1000);
  });

  it('formats minor units exactly', () => {
    expect(formatMinor(123456, 'USD', 2)).toBe('1,234.56');
    expect(formatMinor(5, 'USD', 2)).toBe('0.05');
    expect(formatMinor(-250, 'EUR', 2)).toBe('-2.50');
    expect(formatMinor(5000, 'JPY', 0)).toBe('5,000');
    expect(formatMinor(1005, 'KWD', 3)).toBe('1.005');
    expect(formatMoney(100, 'USD', 2)).toBe('$1.00');
    expect(formatMoney(-250, 'USD', 2)).toBe('-$2.50');
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'USD', 2)).toBe('$90,071,992,547,409.91');
    expect(minorToInput(123456, 'USD', 2)).toBe('1234.56');
    expect(minorToInput(5, 'KWD', 3)).toBe('0.005');
    expect(minorToInput(7, 'KRW', 0)).toBe('7');
    expect(toMajor(123456, 'USD', 2)).toBe(1234.56);
    expect(exampleAmount('JPY', 0)).toBe('5000');
    expect(exampleAmount('USD', 2)).toBe('250.00');
  });

  it('parses what people type into minor units', () => {
    expect(parseMajor('12.5', 'USD')).toEqual({ ok: true, value: 1250 });
    expect(parseMajor(' 1,000.05 ', 'USD')).toEqual({ ok: true, value: 100005 });
    expect(parseMajor('7', 'USD')).toEqual({ ok: true, value: 700 });
    expect(parseMajor('7.', 'USD')).toEqual({ ok: true, value: 700 });
    expect(parseMajor('5000', 'JPY')).toEqual({ ok: true, value: 5000 });
    expect(parseMajor('1000', 'KRW', { exponent: 0 })).toEqual({ ok: true, value: 1000 });
    expect(parseMajor('0.001', 'KWD')).toEqual({ ok: true, value: 1 });
    /* 0.29 * 100 is 28.999999999999996 in floating point: must still be 29. */
    expect(parseMajor('0.29', 'USD')).toEqual({ ok: true, value: 29 });
  });

  it('refuses amounts it would have to round or cannot read', () => {
    for (const [text, cur] of [['1.005', 'USD'], ['1.5', 'JPY'], ['1.5', 'KRW'], ['-3', 'USD'], ['abc', 'USD'], ['', 'USD'], ['1e3', 'USD']]) {
      const r = parseMajor(text, cur);
      expect(r.ok, `${text} ${cur}`).toBe(false);
    }
    expect(parseMajor('0', 'USD').ok).toBe(false);
    expect(parseMajor('0', 'USD', { allowZero: true })).toEqual({ ok: true, value: 0 });
    expect(parseMajor('99999999999999999', 'USD').ok).toBe(false);
  });
});
