import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClaimedTask } from '../api/types';
import { createDraftSaver, describePrediction, initialResult, predictionsOf } from './draft';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

const span = (start: number, end: number) => ({ from_name: 'label', to_name: 'text', type: 'labels', value: { start, end, labels: ['PER'] } });

function task(extra: Partial<ClaimedTask>): ClaimedTask {
  return {
    id: 7,
    project_id: 1,
    state: 'locked_l1',
    data: { text: 'Alice Smith' },
    predictions: null,
    priority: 0,
    task_type: null,
    attempts: 0,
    reworks: 0,
    annotations_done: 0,
    last_comment: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    resumed: false,
    ...extra,
  } as ClaimedTask;
}

describe('what a task opens with', () => {
  it('a resumed task opens on its draft, before any stored version', () => {
    const t = task({
      resumed: true,
      draft: { result: [span(0, 5)], saved_at: '2026-01-01T00:00:01Z' },
      annotations: [{ id: 1, version: 1, author_id: 2, stage: 1, kind: 'annotation', result: [span(6, 11)], created_at: '2026-01-01T00:00:00Z' }],
    });
    expect(initialResult(t)).toEqual([span(0, 5)]);
  });

  it('a fresh claim ignores a draft field and opens on the latest version (rework) or nothing', () => {
    expect(initialResult(task({ draft: { result: [span(0, 5)], saved_at: 'x' } }))).toBeUndefined();
    const rework = task({
      annotations: [
        { id: 2, version: 2, author_id: 2, stage: 1, kind: 'annotation', result: [span(6, 11)], created_at: 'b' },
        { id: 1, version: 1, author_id: 2, stage: 1, kind: 'annotation', result: [span(0, 5)], created_at: 'a' },
      ],
    });
    expect(initialResult(rework)).toEqual([span(6, 11)]);
  });

  it('stored predictions become Label Studio pre-annotations with their model', () => {
    const t = task({
      predictions: [
        { model_version: 'ner-v2', score: 0.873, result: [span(0, 5)] },
        { result: 'not an array' },
        { origin: 'annotation', result: [span(6, 11)] },
      ],
    });
    const p = predictionsOf(t);
    expect(p).toEqual([
      { id: 1, result: [span(0, 5)], model_version: 'ner-v2', score: 0.873 },
      { id: 3, result: [span(6, 11)], model_version: 'imported annotation', origin: 'annotation' },
    ]);
    expect(describePrediction(p[0])).toBe('model ner-v2 (score 0.87)');
    expect(describePrediction(p[1])).toBe('an imported annotation');
    expect(predictionsOf(task({ predictions: null }))).toEqual([]);
  });

  it('a prediction an ML backend stored names the backend, for "Ask the model"', () => {
    const p = predictionsOf(task({ predictions: [{ model_version: 'v1', score: 0.2, ml_backend_id: 7, created_at: 1, result: [span(0, 5)] }] }));
    expect(p).toEqual([{ id: 1, result: [span(0, 5)], model_version: 'v1', score: 0.2, ml_backend_id: 7 }]);
  });
});

describe('draft saver', () => {
  it('saves once the canvas stops changing, and never the same result twice', async () => {
    const save = vi.fn(async () => undefined);
    const saver = createDraftSaver({ save, delayMs: 1000 });
    saver.update([]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(save).not.toHaveBeenCalled();
    saver.update([span(0, 1)]);
    await vi.advanceTimersByTimeAsync(600);
    saver.update([span(0, 5)]);
    await vi.advanceTimersByTimeAsync(999);
    expect(save).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(save).toHaveBeenCalledTimes(1);
    expect(save).toHaveBeenLastCalledWith([span(0, 5)]);
    saver.update([span(0, 5)]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(save).toHaveBeenCalledTimes(1);
    expect(saver.pending()).toBeNull();
  });

  it('starts from the restored draft: reopening sends nothing until it changes', async () => {
    const save = vi.fn(async () => undefined);
    const saver = createDraftSaver({ save, delayMs: 10 }, [span(0, 5)]);
    saver.update([span(0, 5)]);
    await vi.advanceTimersByTimeAsync(100);
    expect(save).not.toHaveBeenCalled();
    saver.update([]);
    await vi.advanceTimersByTimeAsync(10);
    expect(save).toHaveBeenCalledWith([]);
  });

  it('one request at a time: a change made during a save is sent after it', async () => {
    let release!: () => void;
    const save = vi.fn(() => new Promise<void>((r) => (release = r)));
    const saver = createDraftSaver({ save, delayMs: 10 });
    saver.update([span(0, 1)]);
    await vi.advanceTimersByTimeAsync(10);
    expect(save).toHaveBeenCalledTimes(1);
    saver.update([span(0, 2)]);
    await vi.advanceTimersByTimeAsync(50);
    expect(save).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(save).toHaveBeenCalledTimes(2);
    expect(save).toHaveBeenLastCalledWith([span(0, 2)]);
  });

  it('a failed save stays pending for the page-leave send and the next flush', async () => {
    const onError = vi.fn();
    const save = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValue(undefined);
    const saver = createDraftSaver({ save, delayMs: 10, onError });
    saver.update([span(0, 3)]);
    await vi.advanceTimersByTimeAsync(10);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(saver.pending()).toEqual([span(0, 3)]);
    await saver.flush();
    expect(save).toHaveBeenCalledTimes(2);
    expect(saver.pending()).toBeNull();
  });

  it('sends nothing once stopped (task submitted or page left)', async () => {
    const save = vi.fn(async () => undefined);
    const saver = createDraftSaver({ save, delayMs: 10 });
    saver.update([span(0, 3)]);
    saver.stop();
    saver.update([span(0, 4)]);
    await vi.advanceTimersByTimeAsync(100);
    await saver.flush();
    expect(save).not.toHaveBeenCalled();
  });
});
