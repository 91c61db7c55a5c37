/*
 * GET /meta: the enumerations the UI offers (task states, import and
 * export formats) and the currencies' minor-unit exponents, from the
 * server's own tables rather than copies here. Asked once per page load;
 * a failure is asked again on next use.
 */
import { api } from './client';
import type { Meta } from './types';
import { setCurrencyTable } from '../lib/money';

let cached: Promise<Meta> | null = null;

export function getMeta(): Promise<Meta> {
  if (!cached) {
    cached = api<Meta>('GET', '/meta').then(
      (m) => {
        setCurrencyTable(m.currencies);
        return m;
      },
      (e: unknown) => {
        cached = null;
        throw e;
      },
    );
  }
  return cached;
}
