/*
 * Bucket sources: an s3://, gs:// or azure:// prefix connected to a
 * project as a dataset. The server reads it with its own credentials; the
 * URL only names the bucket. A sync is a background job whose counts the
 * source shows as it goes.
 */
import { api } from './client';
import { fetchAll, pagePath } from './paging';
import type { components } from './schema.gen';
import type { ListPage } from './types';

export type SourceSync = components['schemas']['SourceSync'];
export type Source = components['schemas']['Source'];

/* Every connected source of the project (all pages). */
export async function listSources(projectId: number): Promise<ListPage<Source>> {
  const items = await fetchAll((q) => api<ListPage<Source>>('GET', pagePath(`/projects/${projectId}/sources`, q)), { limit: 200, max: 100000 });
  return { items, next_cursor: null };
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
