/*
 * Bucket sources: an s3://, gs:// or azure:// prefix connected to a
 * project as a dataset. The server reads it with its own credentials; the
 * URL only names the bucket. A sync is a background job whose counts the
 * source shows as it goes.
 */
import { api } from './client';
import type { components } from './schema.gen';
import type { ListPage } from './types';

export type SourceSync = components['schemas']['SourceSync'];
export type Source = components['schemas']['Source'];

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
