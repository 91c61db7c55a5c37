/*
 * Keyset paging: the API returns next_cursor for the page after this one
 * and nothing for going back, so the cursors of the pages already seen are
 * kept on a stack. The first page has cursor null.
 */
export interface Pager {
  stack: (string | null)[];
}

export const firstPage: Pager = { stack: [null] };

export function currentCursor(p: Pager): string | null {
  return p.stack[p.stack.length - 1];
}

export function nextPage(p: Pager, nextCursor: string | null | undefined): Pager {
  return nextCursor ? { stack: [...p.stack, nextCursor] } : p;
}

export function prevPage(p: Pager): Pager {
  return p.stack.length > 1 ? { stack: p.stack.slice(0, -1) } : p;
}

export function pageNumber(p: Pager): number {
  return p.stack.length;
}
