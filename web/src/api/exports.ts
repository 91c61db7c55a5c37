/* Exports: start a background export, follow it, download its file. */
import { API_PREFIX, api } from './client';
import { fetchFile } from './files';
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

export function downloadExport(id: number): Promise<ExportFile> {
  return fetchFile(exportFileUrl(id), () => getExport(id));
}
