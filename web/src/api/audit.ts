/* The audit trail: /audit and the chain check. */
import { api } from './client';
import type { AuditRecord, AuditVerdict, ListPage } from './types';

/* `query` is built by admin/lib/auditQuery.ts: "" or "?project=...&cursor=...". */
export function listAudit(query: string): Promise<ListPage<AuditRecord>> {
  return api<ListPage<AuditRecord>>('GET', `/audit${query}`);
}

export function verifyAudit(): Promise<AuditVerdict> {
  return api<AuditVerdict>('GET', '/audit/verify');
}
