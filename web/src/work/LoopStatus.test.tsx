import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseTimer } from './LoopStatus';

describe('LeaseTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('counts down and raises an alert in the last minute', () => {
    render(<LeaseTimer expiresAt={Date.now() + 62_000} />);
    expect(screen.getByText(/Lease:/).textContent).toBe('Lease: 1:02 left');
    expect(screen.queryByRole('alert')).toBeNull();
    act(() => vi.advanceTimersByTime(2_000));
    expect(screen.getByRole('alert').textContent).toMatch(/^Lease ends in 1:00/);
    act(() => vi.advanceTimersByTime(60_000));
    expect(screen.getByRole('alert').textContent).toMatch(/has run out/);
  });

  it('follows a renewal', () => {
    const { rerender } = render(<LeaseTimer expiresAt={Date.now() + 30_000} />);
    expect(screen.getByRole('alert')).toBeTruthy();
    rerender(<LeaseTimer expiresAt={Date.now() + 600_000} />);
    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText(/Lease:/).textContent).toBe('Lease: 9:59 left');
  });
});
