/*
 * Money, the one module for it. Amounts travel as integers in the
 * currency's minor unit, and every currency the API returns comes with its
 * `currency_exponent` (decimal places of the minor unit: 2 for USD, 0 for
 * JPY and KRW, 3 for KWD), computed on the server by one function
 * (lf_ledger_currency_exponent). The client keeps no table of its own, so a
 * worker and an admin always see one balance the same way; only when the
 * exponent is absent (an old server) does it ask Intl. Conversions are done
 * on integers and decimal strings, never by dividing floats.
 */

export type Exponent = number | null | undefined;

const FALLBACK_CURRENCY = 'USD';

/* Intl's fraction digits for the code: the fallback when the API gave none. */
function intlDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2; // not a currency code Intl accepts: cents are the common case
  }
}

/* The server's table of exponents (GET /meta), once loaded (api/meta.ts). */
let table: { default_exponent: number; exponents: Record<string, number> } | null = null;

export function setCurrencyTable(t: typeof table): void {
  table = t;
}

/* The exponent the API sent; else the server's table (GET /meta); Intl's guess only before that loaded. */
export function currencyExponent(currency: string | null | undefined, exponent?: Exponent): number {
  if (typeof exponent === 'number' && Number.isInteger(exponent) && exponent >= 0 && exponent <= 6) return exponent;
  const cur = currency || FALLBACK_CURRENCY;
  if (table) return table.exponents[cur] ?? table.default_exponent;
  return intlDigits(cur);
}

/* 123456, 2 -> "1234.56"; exact for every safe integer. */
function decimalString(amount: number, exp: number): string {
  const neg = amount < 0;
  const digits = String(Math.abs(Math.trunc(amount))).padStart(exp + 1, '0');
  const whole = digits.slice(0, digits.length - exp);
  const frac = exp > 0 ? '.' + digits.slice(digits.length - exp) : '';
  return `${neg ? '-' : ''}${whole}${frac}`;
}

/*
 * Intl formats a decimal string exactly (ECMA-402 NumberFormat v3), so
 * large amounts are not rounded through a float.
 */
function intlFormat(nf: Intl.NumberFormat, decimal: string): string {
  return (nf.format as (v: number | string) => string)(decimal);
}

/** 1000 KRW (exponent 0) -> "₩1,000"; 123456 USD -> "$1,234.56". */
export function formatMoney(amount: number, currency: string | null | undefined, exponent?: Exponent): string {
  const cur = currency || FALLBACK_CURRENCY;
  const exp = currencyExponent(cur, exponent);
  const decimal = decimalString(amount, exp);
  try {
    const nf = new Intl.NumberFormat(undefined, { style: 'currency', currency: cur, minimumFractionDigits: exp, maximumFractionDigits: exp });
    return intlFormat(nf, decimal);
  } catch {
    return `${formatMinor(amount, cur, exp)} ${cur}`;
  }
}

/** 123456 USD -> "1,234.56": the number alone, for columns headed with the currency. */
export function formatMinor(amount: number, currency: string | null | undefined, exponent?: Exponent): string {
  const exp = currencyExponent(currency, exponent);
  const nf = new Intl.NumberFormat(undefined, { minimumFractionDigits: exp, maximumFractionDigits: exp });
  return intlFormat(nf, decimalString(amount, exp));
}

/* The same amount in major units, as a plain number for charts. */
export function toMajor(amount: number, currency: string | null | undefined, exponent?: Exponent): number {
  return Number(decimalString(amount, currencyExponent(currency, exponent)));
}

/** Minor units back to the text a person would type (no grouping): 123456 USD -> "1234.56". */
export function minorToInput(amount: number, currency: string | null | undefined, exponent?: Exponent): string {
  return decimalString(amount, currencyExponent(currency, exponent));
}

/* An example amount for a hint: "250.00" for USD, "5000" for JPY. */
export function exampleAmount(currency: string | null | undefined, exponent?: Exponent): string {
  const exp = currencyExponent(currency, exponent);
  return exp ? '250.' + '0'.repeat(exp) : '5000';
}

export type Parsed = { ok: true; value: number } | { ok: false; message: string };

/**
 * "12.5" USD -> 1250. Refuses more decimals than the currency has rather
 * than rounding someone's money.
 */
export function parseMajor(text: string, currency: string, { allowZero = false, exponent }: { allowZero?: boolean; exponent?: Exponent } = {}): Parsed {
  const exp = currencyExponent(currency, exponent);
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
