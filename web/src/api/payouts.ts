/* Payout batches: /payouts. */
import { api } from './client';
import { pagePath, type PageQuery } from './paging';
import type { ListPage, NewPayout, PayoutBatch } from './types';

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
