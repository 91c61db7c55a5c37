/* Payout batches: /payouts. */
import { API_PREFIX, api } from './client';
import { fetchFile } from './files';
import { pagePath, type PageQuery } from './paging';
import type { ExportFile, ListPage, NewPayout, PayoutBatch } from './types';

export function listPayouts(q: PageQuery = {}): Promise<ListPage<PayoutBatch>> {
  return api<ListPage<PayoutBatch>>('GET', pagePath('/payouts', q));
}

/* Idempotent by key: a repeated click answers the same batch. */
export function createPayout(body: NewPayout): Promise<PayoutBatch> {
  return api<PayoutBatch>('POST', '/payouts', body);
}

export function getPayout(id: number): Promise<PayoutBatch> {
  return api<PayoutBatch>('GET', `/payouts/${id}`);
}

/* Where a csv batch's statement is: a link target; the download goes through downloadStatement. */
export function payoutStatementUrl(id: number): string {
  return `${API_PREFIX}/payouts/${id}/statement`;
}

export function downloadStatement(id: number): Promise<ExportFile> {
  return fetchFile(payoutStatementUrl(id), () => getPayout(id));
}
