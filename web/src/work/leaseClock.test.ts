import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatLeft, readLease, startLeaseClock, type LeaseReading } from './leaseClock';

describe('lease countdown', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('formats the time left, rounded up', () => {
    expect(formatLeft(600_000)).toBe('10:00');
    expect(formatLeft(59_001)).toBe('1:00');
    expect(formatLeft(59_000)).toBe('0:59');
    expect(formatLeft(1)).toBe('0:01');
    expect(formatLeft(0)).toBe('0:00');
    expect(formatLeft(-5)).toBe('0:00');
    expect(formatLeft(3_661_000)).toBe('1:01:01');
  });

  it('warns in the last minute and says when it is over', () => {
    const t0 = Date.now();
    expect(readLease(t0 + 61_000, t0).level).toBe('ok');
    expect(readLease(t0 + 60_000, t0).level).toBe('warn');
    expect(readLease(t0 + 1, t0).level).toBe('warn');
    expect(readLease(t0, t0).level).toBe('over');
    expect(readLease(t0 + 10_000, t0, 5_000).level).toBe('ok');
  });

  it('ticks every second, turns to a warning 60 s before the end, and follows a renewal', () => {
    let expires = Date.now() + 90_000;
    const seen: LeaseReading[] = [];
    const clock = startLeaseClock(() => expires, (r) => seen.push(r));
    expect(seen.at(-1)).toMatchObject({ text: '1:30', level: 'ok' });
    vi.advanceTimersByTime(29_000);
    expect(seen.at(-1)).toMatchObject({ text: '1:01', level: 'ok' });
    vi.advanceTimersByTime(1_000);
    expect(seen.at(-1)).toMatchObject({ text: '1:00', level: 'warn' });
    vi.advanceTimersByTime(45_000);
    expect(seen.at(-1)).toMatchObject({ text: '0:15', level: 'warn' });
    /* A heartbeat answered: the next tick reads the new expiry. */
    expires = Date.now() + 600_000;
    vi.advanceTimersByTime(1_000);
    expect(seen.at(-1)).toMatchObject({ text: '9:59', level: 'ok' });
    expires = Date.now() + 2_000;
    vi.advanceTimersByTime(3_000);
    expect(seen.at(-1)).toMatchObject({ text: '0:00', level: 'over' });
    const n = seen.length;
    clock.stop();
    vi.advanceTimersByTime(5_000);
    expect(seen.length).toBe(n);
  });
});
