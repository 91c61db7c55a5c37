/*
 * A dataset import has two phases a person waits through: the upload (bytes
 * leaving the browser) and the background import (the server's job turning
 * rows into tasks). This is the state machine behind the two progress bars,
 * kept free of React and of the network so it can be tested on its own.
 */

import type { ImportOptions } from '../../api/imports';
import type { ImportJob } from '../../api/types';
import { ApiError } from '../../api/client';

export type { ImportOptions } from '../../api/imports';

export type { ImportError, ImportJob } from '../../api/types';

export type ImportState =
  | { phase: 'idle' }
  | { phase: 'uploading'; sent: number; total: number }
  | { phase: 'importing'; job: ImportJob }
  | { phase: 'done'; job: ImportJob }
  /* code: the API's error code when the server refused (media_not_dataset...). */
  | { phase: 'failed'; stage: 'upload' | 'import'; message: string; code?: string; job?: ImportJob };

export type ImportEvent =
  | { type: 'start'; total: number }
  | { type: 'progress'; sent: number; total: number }
  | { type: 'job'; job: ImportJob }
  | { type: 'error'; message: string; code?: string }
  | { type: 'reset' };

export const initialImportState: ImportState = { phase: 'idle' };

function fromJob(job: ImportJob): ImportState {
  if (job.status === 'done') return { phase: 'done', job };
  if (job.status === 'failed')
    return { phase: 'failed', stage: 'import', message: job.error || 'The import failed.', job };
  return { phase: 'importing', job };
}

export function importReducer(state: ImportState, ev: ImportEvent): ImportState {
  switch (ev.type) {
    case 'reset':
      return initialImportState;
    case 'start':
      return { phase: 'uploading', sent: 0, total: ev.total };
    case 'progress':
      /* XHR progress can arrive after the response; it must not undo it. */
      if (state.phase !== 'uploading') return state;
      return { phase: 'uploading', sent: Math.min(ev.sent, ev.total || ev.sent), total: ev.total || state.total };
    case 'job':
      if (state.phase === 'idle' || state.phase === 'done' || state.phase === 'failed') return state;
      /* A late poll answer must not move a finished import backwards. */
      if (
        state.phase === 'importing' &&
        state.job.id === ev.job.id &&
        (ev.job.status === 'queued' || ev.job.status === 'running') &&
        ev.job.items_done < state.job.items_done
      )
        return state;
      return fromJob(ev.job);
    case 'error':
      if (state.phase === 'idle' || state.phase === 'done') return state;
      return {
        phase: 'failed',
        stage: state.phase === 'uploading' ? 'upload' : 'import',
        message: ev.message,
        code: ev.code,
        job: state.phase === 'importing' ? state.job : undefined,
      };
  }
}

/** Values for the two <progress> elements; null means indeterminate. */
export function progressOf(state: ImportState): { upload: number | null; import: number | null } {
  switch (state.phase) {
    case 'idle':
      return { upload: 0, import: 0 };
    case 'uploading':
      return { upload: state.total > 0 ? state.sent / state.total : null, import: 0 };
    case 'importing':
      /* Until the job has counted the items, the bar cannot say how far it is. */
      return { upload: 1, import: state.job.items_total > 0 ? clamp01(state.job.items_done / state.job.items_total) : null };
    case 'done':
      return { upload: 1, import: 1 };
    case 'failed':
      return { upload: state.stage === 'upload' ? 0 : 1, import: state.job ? clamp01(state.job.progress) : 0 };
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

export interface ImportDeps {
  /* api/imports.ts: uploadImport and getImport. */
  upload: (o: ImportOptions, onProgress: (sent: number, total: number) => void) => Promise<ImportJob>;
  get: (id: number) => Promise<ImportJob>;
  dispatch: (ev: ImportEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  pollMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function messageOf(e: unknown): string {
  if (e instanceof Error && e.message) return e.message;
  return 'The request failed.';
}

/**
 * Uploads, then polls the import job until it is done or failed, reporting
 * every step through deps.dispatch. Resolves with the last job seen (or null
 * when the upload itself failed or the caller aborted).
 */
export async function runImport(o: ImportOptions, deps: ImportDeps): Promise<ImportJob | null> {
  const sleep = deps.sleep ?? defaultSleep;
  const pollMs = deps.pollMs ?? 500;
  deps.dispatch({ type: 'start', total: o.file.size });
  let job: ImportJob;
  try {
    job = await deps.upload(o, (sent, total) => deps.dispatch({ type: 'progress', sent, total }));
  } catch (e) {
    deps.dispatch({ type: 'error', message: messageOf(e), code: e instanceof ApiError ? e.code : undefined });
    return null;
  }
  if (deps.signal?.aborted) return null;
  deps.dispatch({ type: 'job', job });
  let failures = 0;
  while (job.status !== 'done' && job.status !== 'failed') {
    await sleep(pollMs);
    if (deps.signal?.aborted) return null;
    try {
      job = await deps.get(job.id);
      failures = 0;
    } catch (e) {
      /* One lost poll is not a failed import; several in a row are reported. */
      if (++failures < 3) continue;
      deps.dispatch({ type: 'error', message: messageOf(e) });
      return job;
    }
    if (deps.signal?.aborted) return null;
    deps.dispatch({ type: 'job', job });
  }
  return job;
}
