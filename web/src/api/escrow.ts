/* A project's money: escrow balances, deposits, refunds and the ledger. */
import { api } from './client';
import { pagePath, type PageQuery } from './paging';
import type { Deposit, Escrow, LedgerLine, ListPage } from './types';

export function getEscrow(projectId: number): Promise<Escrow> {
  return api<Escrow>('GET', `/projects/${projectId}/escrow`);
}

/* Idempotent by key: a replayed key answers the same deposit with replayed: true. */
export function depositEscrow(projectId: number, body: { amount: number; reference?: string; idempotency_key: string }): Promise<Deposit> {
  return api<Deposit>('POST', `/projects/${projectId}/escrow/deposits`, body);
}

/* Closed projects only: the unspent escrow back to the funder. */
export function refundEscrow(projectId: number, idempotencyKey: string): Promise<Deposit> {
  return api<Deposit>('POST', `/projects/${projectId}/escrow/refund`, { idempotency_key: idempotencyKey });
}

export function listLedger(projectId: number, q: PageQuery = {}): Promise<ListPage<LedgerLine>> {
  return api<ListPage<LedgerLine>>('GET', pagePath(`/projects/${projectId}/ledger`, q));
}
