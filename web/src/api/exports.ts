/* Exports: start a background export, follow it, download its file. */
import { API_PREFIX, api } from './client';
import { fetchFile } from './files';
import { pagePath, type PageQuery } from './paging';
import type { ExportFile, ExportJob, ListPage } from './types';

export function createExport(projectId: number, body: { format: string; filter?: Record<string, unknown> }): Promise<ExportJob> {
  return api<ExportJob>('POST', `/projects/${projectId}/exports`, body);
}

/* The project's past exports, newest first. */
export function listExports(projectId: number, q: PageQuery = {}): Promise<ListPage<ExportJob>> {
  return api<ListPage<ExportJob>>('GET', pagePath(`/projects/${projectId}/exports`, q));
}

export function getExport(id: number): Promise<ExportJob> {
  return api<ExportJob>('GET', `/exports/${id}`);
}

/* Where the file is: a link target; the download itself goes through downloadExport. */
export function exportFileUrl(id: number): string {
  return `${API_PREFIX}/exports/${id}/file`;
}

export function downloadExport(id: number): Promise<ExportFile> {
  return fetchFile(exportFileUrl(id), () => getExport(id));
}
