/*
 * Bucket sources: an s3://, gs:// or azure:// prefix connected to a
 * project as a dataset. The server reads it with its own credentials; the
 * URL only names the bucket. A sync is a background job whose counts the
 * source shows as it goes.
 */
import { api } from './client';
import type { ListPage } from './types';

export interface SourceSync {
  id: number;
  source_id: number;
  status: 'queued' | 'running' | 'done' | 'failed';
  listed: number;
  new: number;
  known: number;
  changed: number;
  refused: number;
  objects_read: number;
  tasks_created: number;
  report: { refused?: { key: string; code: string; message: string }[] };
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface Source {
  id: number;
  project_id: number;
  url: string;
  created_at: string;
  last_sync: SourceSync | null;
}

export function listSources(projectId: number): Promise<ListPage<Source>> {
  return api<ListPage<Source>>('GET', `/projects/${projectId}/sources`);
}

export function createSource(projectId: number, url: string): Promise<Source> {
  return api<Source>('POST', `/projects/${projectId}/sources`, { url });
}

export function syncSource(id: number): Promise<SourceSync> {
  return api<SourceSync>('POST', `/sources/${id}/sync`, {});
}

export function deleteSource(id: number): Promise<void> {
  return api<void>('DELETE', `/sources/${id}`);
}
