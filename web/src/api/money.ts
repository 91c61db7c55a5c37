/* Amounts travel as integers in the currency's minor unit (cents for USD). */

function digits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2; // unknown code: cents are the common case
  }
}

export function formatMoney(minor: number, currency: string | null | undefined): string {
  const cur = currency || 'USD';
  const d = digits(cur);
  const major = minor / 10 ** d;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: cur, minimumFractionDigits: d, maximumFractionDigits: d }).format(major);
  } catch {
    return `${major.toFixed(d)} ${cur}`;
  }
}

/* The same amount in major units, as a plain number for charts. */
export function toMajor(minor: number, currency: string | null | undefined): number {
  return minor / 10 ** digits(currency || 'USD');
}
