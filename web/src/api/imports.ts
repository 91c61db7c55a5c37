/* Dataset imports: the upload (raw body, real progress) and the import job. */
import { api, apiUpload } from './client';
import type { ImportJob, ListPage } from './types';

export interface ImportOptions {
  projectId: number;
  file: Blob & { name?: string };
  format?: string; /* '' = let the server detect it */
  skipBad?: boolean;
}

/* The path of POST /projects/{id}/imports with its query: the body is the raw file. */
export function importPath(o: ImportOptions): string {
  const q = new URLSearchParams();
  if (o.file.name) q.set('filename', o.file.name);
  if (o.format) q.set('format', o.format);
  if (o.skipBad) q.set('skip_bad', 'true');
  const qs = q.toString();
  return `/projects/${o.projectId}/imports${qs ? '?' + qs : ''}`;
}

export function uploadImport(o: ImportOptions, onProgress: (sent: number, total: number) => void): Promise<ImportJob> {
  return apiUpload<ImportJob>(importPath(o), o.file, o.file.type || 'application/octet-stream', onProgress);
}

export function getImport(id: number): Promise<ImportJob> {
  return api<ImportJob>('GET', `/imports/${id}`);
}

export function listImports(projectId: number, limit = 20): Promise<ListPage<ImportJob>> {
  return api<ListPage<ImportJob>>('GET', `/projects/${projectId}/imports?limit=${limit}`);
}
