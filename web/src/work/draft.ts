/*
 * The annotator's unsaved work, kept on the server while they label, so
 * that a reloaded or crashed page resumes where it was (the claim with
 * `resume` hands the draft back). Pure logic, no React: which result a
 * task opens with, and a saver that sends the canvas's result after it
 * stopped changing, one request at a time, never the same result twice.
 */
import type { ClaimedTask } from '../api/types';
import { latestResult } from './taskUtil';

/* What the canvas starts from, first found: the holder's own draft (the
 * page was reloaded), the latest stored version (rework), else nothing
 * (pre-annotations, if any, are the canvas's to offer). */
export function initialResult(t: ClaimedTask): unknown[] | undefined {
  const draft = t.resumed ? t.draft?.result : undefined;
  if (Array.isArray(draft)) return draft;
  return latestResult(t);
}

/* A model's pre-annotation of the task, as Label Studio takes it. */
export interface Prediction {
  id: number;
  result: unknown[];
  model_version: string;
  score?: number;
  /* "annotation": an imported annotation kept as a prior (import option annotations=prior). */
  origin?: string;
  /* The ML backend that made it (its interactive endpoint can be asked again). */
  ml_backend_id?: number;
}

/* The task's stored predictions with a usable result; ids are positions,
 * since imported predictions carry none of ours. */
export function predictionsOf(t: { predictions?: unknown }): Prediction[] {
  if (!Array.isArray(t.predictions)) return [];
  const out: Prediction[] = [];
  t.predictions.forEach((p, i) => {
    if (!p || typeof p !== 'object' || !Array.isArray((p as { result?: unknown }).result)) return;
    const o = p as { result: unknown[]; model_version?: unknown; score?: unknown; origin?: unknown; ml_backend_id?: unknown };
    out.push({
      id: i + 1,
      result: o.result,
      model_version: typeof o.model_version === 'string' && o.model_version ? o.model_version : o.origin === 'annotation' ? 'imported annotation' : 'unnamed model',
      ...(typeof o.score === 'number' ? { score: o.score } : {}),
      ...(typeof o.origin === 'string' ? { origin: o.origin } : {}),
      ...(typeof o.ml_backend_id === 'number' ? { ml_backend_id: o.ml_backend_id } : {}),
    });
  });
  return out;
}

/* "model ner-v2 (score 0.87)", for the task bar. */
export function describePrediction(p: Prediction): string {
  const who = p.origin === 'annotation' ? 'an imported annotation' : `model ${p.model_version}`;
  return typeof p.score === 'number' ? `${who} (score ${p.score.toFixed(2)})` : who;
}

export interface DraftSaverOptions {
  /* Sends one draft; rejects when it could not be saved. */
  save: (result: unknown[]) => Promise<unknown>;
  /* Quiet time after the last change before a save. */
  delayMs?: number;
  onSaved?: () => void;
  onError?: (e: unknown) => void;
}

export interface DraftSaver {
  /* The canvas's current result; saved once it stops changing. */
  update(result: unknown[]): void;
  /* Saves a pending change now (leaving the page, submitting). */
  flush(): Promise<void>;
  /* The result waiting to be saved, if any (for a last keepalive send). */
  pending(): unknown[] | null;
  /* Forgets everything pending; nothing is sent any more. */
  stop(): void;
}

export function createDraftSaver(opts: DraftSaverOptions, initial?: unknown[]): DraftSaver {
  const delay = opts.delayMs ?? 1500;
  /* The last result the server has (or was opened with): nothing to send while it is unchanged. */
  let saved = JSON.stringify(initial ?? []);
  let next: { result: unknown[]; text: string } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: Promise<void> | null = null;
  let stopped = false;

  const clear = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };

  /* One request at a time: a change made while one is in flight is sent after it. */
  const send = async (): Promise<void> => {
    clear();
    if (inFlight) await inFlight;
    if (stopped || !next) return;
    const { result, text } = next;
    next = null;
    inFlight = opts
      .save(result)
      .then(() => {
        saved = text;
        opts.onSaved?.();
      })
      .catch((e) => {
        /* Not saved: keep it for the next change or flush, unless newer work replaced it. */
        if (!next) next = { result, text };
        opts.onError?.(e);
      })
      .finally(() => {
        inFlight = null;
      });
    await inFlight;
  };

  return {
    update(result) {
      if (stopped) return;
      const text = JSON.stringify(result);
      if (text === (next?.text ?? saved)) return;
      next = text === saved ? null : { result, text };
      clear();
      if (next) timer = setTimeout(() => void send(), delay);
    },
    flush: send,
    pending: () => (next ? next.result : null),
    stop() {
      stopped = true;
      next = null;
      clear();
    },
  };
}
