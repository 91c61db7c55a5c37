/*
 * Money is integer minor units everywhere in the API. People type and read
 * major units, so the conversion happens here, with the same exponents as
 * the server's payout statements (src/payout/csv.c).
 */

const THREE = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

export function currencyExponent(currency: string): number {
  if (currency === 'JPY') return 0;
  return THREE.has(currency) ? 3 : 2;
}

/** 123456 USD -> "1,234.56"; integer arithmetic, so no rounding drift. */
export function formatMinor(amount: number, currency: string): string {
  const exp = currencyExponent(currency);
  const neg = amount < 0;
  const abs = Math.abs(Math.trunc(amount));
  const div = 10 ** exp;
  const whole = Math.floor(abs / div).toLocaleString('en-US');
  const frac = exp > 0 ? '.' + String(abs % div).padStart(exp, '0') : '';
  return `${neg ? '-' : ''}${whole}${frac}`;
}

export function formatMoney(amount: number, currency: string): string {
  return `${formatMinor(amount, currency)} ${currency}`;
}

export type Parsed = { ok: true; value: number } | { ok: false; message: string };

/**
 * "12.5" USD -> 1250. Refuses more decimals than the currency has rather
 * than rounding someone's money.
 */
export function parseMajor(text: string, currency: string, { allowZero = false } = {}): Parsed {
  const exp = currencyExponent(currency);
  const t = text.trim().replace(/,/g, '');
  const m = /^(\d+)(?:\.(\d*))?$/.exec(t);
  if (!m) return { ok: false, message: `Enter an amount in ${currency}, such as ${exp ? '25.' + '0'.repeat(exp) : '25'}.` };
  const frac = m[2] ?? '';
  if (frac.length > exp)
    return { ok: false, message: exp ? `${currency} has ${exp} decimal places at most.` : `${currency} has no decimal places.` };
  const value = Number(m[1]) * 10 ** exp + Number((frac + '0'.repeat(exp)).slice(0, exp) || '0');
  if (!Number.isSafeInteger(value)) return { ok: false, message: 'That amount is too large.' };
  if (value === 0 && !allowZero) return { ok: false, message: 'The amount must be more than zero.' };
  return { ok: true, value };
}

/** Minor units back to the text a person would type (no grouping). */
export function minorToInput(amount: number, currency: string): string {
  return formatMinor(amount, currency).replace(/,/g, '');
}
