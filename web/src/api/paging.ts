/*
 * Keyset-paged lists: every list answers {items, next_cursor}; a page is
 * asked for with ?limit= and the cursor of the page before it.
 */
import type { ListPage } from './types';

export interface PageQuery {
  limit?: number;
  cursor?: string | null;
}

/* `path` plus the page's query, after any query `path` already has. */
export function pagePath(path: string, { limit, cursor }: PageQuery = {}): string {
  const q = new URLSearchParams();
  if (limit !== undefined) q.set('limit', String(limit));
  if (cursor) q.set('cursor', cursor);
  const qs = q.toString();
  if (!qs) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${qs}`;
}

/* Every page of a list, for pickers (users, projects), up to `max` items. */
export async function fetchAll<T>(page: (q: PageQuery) => Promise<ListPage<T>>, { limit = 500, max = 5000 } = {}): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const p: ListPage<T> = await page({ limit, cursor });
    out.push(...p.items);
    cursor = p.next_cursor ?? null;
  } while (cursor && out.length < max);
  return out;
}
