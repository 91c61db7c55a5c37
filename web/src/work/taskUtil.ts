import type { AnnotationVersion, Task } from '../api/types';

/* Used only if the server ever omits the lease; the default project lease is longer. */
const FALLBACK_LEASE_MS = 5 * 60 * 1000;

export function leaseMsOf(t: Task): number {
  const ms = t.lease?.expires_in_ms;
  return typeof ms === 'number' && ms > 0 ? ms : FALLBACK_LEASE_MS;
}

export function sortedVersions(t: Task): AnnotationVersion[] {
  return [...(t.annotations ?? [])].sort((a, b) => a.version - b.version || a.id - b.id);
}

/* The newest stored result: what a reviewer judges, or what a reworking annotator starts from. */
export function latestResult(t: Task): unknown[] | undefined {
  const v = sortedVersions(t);
  const last = v[v.length - 1];
  return last && Array.isArray(last.result) ? last.result : undefined;
}
