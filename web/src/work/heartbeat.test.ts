import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { startHeartbeat } from './heartbeat';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});

afterEach(() => {
  vi.useRealTimers();
});

const leaseAnswer = (ms: number) => ({ lease: { expires_in_ms: ms } });

describe('lease heartbeat', () => {
  it('beats at a third of the lease, then at a third of each renewed lease', async () => {
    const beat = vi.fn(async () => leaseAnswer(60_000));
    const hb = startHeartbeat({ leaseMs: 90_000, beat, onLost: vi.fn() });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(beat).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(beat).toHaveBeenCalledTimes(1);
    /* The renewed lease is 60 s, so the next beat is 20 s later, not 30 s. */
    await vi.advanceTimersByTimeAsync(19_999);
    expect(beat).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(beat).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(20_000 * 5);
    expect(beat).toHaveBeenCalledTimes(7);
    hb.stop();
  });

  it('stops beating once stopped (submit, skip or unmount)', async () => {
    const beat = vi.fn(async () => leaseAnswer(30_000));
    const hb = startHeartbeat({ leaseMs: 30_000, beat, onLost: vi.fn() });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(beat).toHaveBeenCalledTimes(1);
    hb.stop();
    expect(hb.stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(beat).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores the answer of a beat that was in flight when stopped', async () => {
    let answer!: (v: unknown) => void;
    const beat = vi.fn(() => new Promise<any>((r) => (answer = r)));
    const onLost = vi.fn();
    const hb = startHeartbeat({ leaseMs: 3_000, beat, onLost });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(beat).toHaveBeenCalledTimes(1);
    hb.stop();
    answer(leaseAnswer(3_000));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(beat).toHaveBeenCalledTimes(1);
    expect(onLost).not.toHaveBeenCalled();
  });

  it('reports lease_lost and stops when the server refuses the beat', async () => {
    const refusal = new ApiError(409, 'lease_lost', 'You no longer hold this task.');
    const beat = vi.fn().mockResolvedValueOnce(leaseAnswer(30_000)).mockRejectedValueOnce(refusal);
    const onLost = vi.fn();
    startHeartbeat({ leaseMs: 30_000, beat, onLost });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onLost).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(onLost.mock.calls[0][0]).toBe(refusal);
    await vi.advanceTimersByTimeAsync(300_000);
    expect(beat).toHaveBeenCalledTimes(2);
  });

  it('retries transient failures before the lease runs out, then gives up as lost', async () => {
    const down = new ApiError(0, 'network_error', 'Could not reach the server.');
    const beat = vi.fn(async () => {
      throw down;
    });
    const onLost = vi.fn();
    const onTransientError = vi.fn();
    startHeartbeat({ leaseMs: 9_000, beat, onLost, onTransientError, minIntervalMs: 100 });
    await vi.advanceTimersByTimeAsync(3_000); // first beat at 3 s fails
    expect(beat).toHaveBeenCalledTimes(1);
    expect(onTransientError).toHaveBeenCalledTimes(1);
    expect(onLost).not.toHaveBeenCalled();
    /* Retries come faster than the normal interval: 6 s left -> next try 3 s later at the latest. */
    await vi.advanceTimersByTimeAsync(3_000);
    expect(beat.mock.calls.length).toBeGreaterThanOrEqual(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(onLost.mock.calls[0][0].code).toBe('lease_lost');
    const n = beat.mock.calls.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(beat).toHaveBeenCalledTimes(n);
  });

  it('a recovered beat after a transient failure renews the lease', async () => {
    const beat = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(503, 'db_busy', 'busy'))
      .mockResolvedValue(leaseAnswer(9_000));
    const onLost = vi.fn();
    startHeartbeat({ leaseMs: 9_000, beat, onLost, minIntervalMs: 100 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onLost).not.toHaveBeenCalled();
    expect(beat.mock.calls.length).toBeGreaterThan(10);
  });
});
