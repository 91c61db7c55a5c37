/*
 * The UI kit: the one set of building blocks every page uses, the
 * worker's and the admin's alike.
 */
export { ErrorAlert, Loading, StatusMessage } from './feedback';
export { CodeField, CreateHead, FormActions } from './forms';
export { ROLE_LABELS, STATE_LABELS, formatTime } from './format';
export { useCreateToggle, useIdempotencyKey, useLoad, useMoneyForm, usePageTitle, useSubmit, type Loaded } from './hooks';
export { PagerControls, pagerPropsFor, usePagedList } from './paging';
export { currentCursor, firstPage, nextPage, pageNumber, prevPage, type Pager } from './pager';
export { EmptyRow, TableHead, type Column } from './table';
export { useUserNames } from './users';
