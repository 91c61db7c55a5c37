/*
 * List paging, the one helper for every keyset-paged list: a pager (the
 * cursors seen so far, ./pager.ts), the request for the current page, and
 * the Previous/Next controls.
 */
import { useState } from 'react';
import type { PageQuery } from '../api/paging';
import type { ListPage } from '../api/types';
import { useLoad } from './hooks';
import { currentCursor, firstPage, nextPage, prevPage, type Pager } from './pager';

export function PagerControls(props: {
  label: string;
  pager: Pager;
  nextCursor: string | null | undefined;
  onPrev: () => void;
  onNext: () => void;
  newer?: boolean;
}) {
  const { pager, nextCursor } = props;
  const older = props.newer ? 'Older' : 'Next page';
  const newer = props.newer ? 'Newer' : 'Previous page';
  return (
    <nav aria-label={props.label} className="pager">
      <button type="button" onClick={props.onPrev} disabled={pager.stack.length <= 1}>
        {newer}
      </button>
      <span>Page {pager.stack.length}</span>
      <button type="button" onClick={props.onNext} disabled={!nextCursor}>
        {older}
      </button>
    </nav>
  );
}

/* What PagerControls needs to move a pager back and forth. */
export function pagerPropsFor(pager: Pager, setPager: (p: Pager) => void, nextCursor: string | null | undefined) {
  return {
    pager,
    nextCursor,
    onPrev: () => setPager(prevPage(pager)),
    onNext: () => setPager(nextPage(pager, nextCursor)),
  };
}

/*
 * One keyset-paged list: `page` fetches one page (a resource function such
 * as listLedger), reloaded whenever deps change; pagerProps feed
 * PagerControls.
 */
export function usePagedList<T>(page: (q: PageQuery) => Promise<ListPage<T>>, limit: number, deps: unknown[] = []) {
  const [pager, setPager] = useState<Pager>(firstPage);
  const cursor = currentCursor(pager);
  const list = useLoad<ListPage<T>>(() => page({ limit, cursor }), [...deps, cursor]);
  return { list, pager, setPager, pagerProps: pagerPropsFor(pager, setPager, list.data?.next_cursor) };
}
