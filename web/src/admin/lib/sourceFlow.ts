/* Bucket sources: what the form accepts and how a sync's counts read. */
import type { Source, SourceSync } from '../../api/sources';

/* The schemes the server reads; it refuses anything else (a local path would expose its disk). */
export function sourceUrlProblem(url: string): string {
  const u = url.trim();
  if (!u) return 'Enter a bucket URL.';
  if (!/^(s3|gs):\/\/[^/]+/.test(u) && !/^azure:\/\/[^/]+\/[^/]+/.test(u))
    return 'Use s3://bucket/prefix, gs://bucket/prefix or azure://account/container/prefix.';
  return '';
}

export function syncActive(s: SourceSync | null | undefined): boolean {
  return !!s && (s.status === 'queued' || s.status === 'running');
}

/* True while any source's latest sync is still going: the list keeps polling. */
export function anySyncActive(sources: Source[] | undefined): boolean {
  return !!sources && sources.some((s) => syncActive(s.last_sync));
}

export function syncSummary(s: SourceSync | null | undefined): string {
  if (!s) return 'never synced';
  const n = (v: number) => v.toLocaleString('en-US');
  const parts = [`${n(s.listed)} listed`, `${n(s.new)} new`, `${n(s.tasks_created)} tasks`];
  if (s.refused > 0) parts.push(`${n(s.refused)} refused`);
  if (s.changed > 0) parts.push(`${n(s.changed)} changed (not re-imported)`);
  return `${s.status}: ${parts.join(', ')}`;
}
