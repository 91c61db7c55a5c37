/* Attachments the server streams: export files, payout statements. */
import { errorFromBody } from './client';
import { getSession } from './session';
import type { ExportFile } from './types';

/*
 * An attachment needs the bearer token, so it is fetched rather than linked.
 * check goes through api() first: it refreshes an expired token (and finds
 * a missing file) before the raw fetch needs it.
 */
export async function fetchFile(url: string, check: () => Promise<unknown>): Promise<ExportFile> {
  await check();
  const token = getSession()?.access_token;
  const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw errorFromBody(res.status, res.statusText, res.headers.get('content-type') || '', await res.text());
  return { blob: await res.blob(), disposition: res.headers.get('content-disposition') };
}
