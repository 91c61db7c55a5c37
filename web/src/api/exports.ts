/* Exports: start a background export, follow it, download its file. */
import { API_PREFIX, api, errorFromBody } from './client';
import { getSession } from './session';
import type { ExportFile, ExportJob } from './types';

export function createExport(projectId: number, body: { format: string; filter?: Record<string, unknown> }): Promise<ExportJob> {
  return api<ExportJob>('POST', `/projects/${projectId}/exports`, body);
}

export function getExport(id: number): Promise<ExportJob> {
  return api<ExportJob>('GET', `/exports/${id}`);
}

/* Where the file is: a link target; the download itself goes through downloadExport. */
export function exportFileUrl(id: number): string {
  return `${API_PREFIX}/exports/${id}/file`;
}

/*
 * The file needs the bearer token, so it is fetched rather than linked.
 * Through api() first: it refreshes an expired token before the raw fetch needs it.
 */
export async function downloadExport(id: number): Promise<ExportFile> {
  await getExport(id);
  const token = getSession()?.access_token;
  const res = await fetch(exportFileUrl(id), {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  if (!res.ok) throw errorFromBody(res.status, res.statusText, res.headers.get('content-type') || '', await res.text());
  return { blob: await res.blob(), disposition: res.headers.get('content-disposition') };
}
