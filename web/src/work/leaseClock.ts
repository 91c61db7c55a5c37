/*
 * The lease countdown shown beside an open task: how long the lease has
 * left (as last granted by the claim or a heartbeat) and, in its last
 * minute, a warning. The heartbeat renews the lease at a third of its
 * length, so the warning only appears when renewals fail (network, server)
 * or the page has been asleep: exactly when the annotator must know.
 */

/* The warning starts this long before the lease ends. */
export const LEASE_WARN_MS = 60 * 1000;

export type LeaseLevel = 'ok' | 'warn' | 'over';

export interface LeaseReading {
  /* Milliseconds left, never below zero. */
  leftMs: number;
  level: LeaseLevel;
  /* m:ss (h:mm:ss past an hour), rounded up so 0:00 means over. */
  text: string;
}

export function formatLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function readLease(expiresAt: number, now: number, warnMs = LEASE_WARN_MS): LeaseReading {
  const leftMs = Math.max(0, expiresAt - now);
  const level: LeaseLevel = leftMs <= 0 ? 'over' : leftMs <= warnMs ? 'warn' : 'ok';
  return { leftMs, level, text: formatLeft(leftMs) };
}

export interface LeaseClock {
  stop(): void;
}

/*
 * Calls `onTick` at once and then every second until stopped, with the
 * reading for `expiresAt()` (read on each tick, so a renewal shows at once).
 */
export function startLeaseClock(
  expiresAt: () => number,
  onTick: (r: LeaseReading) => void,
  opts: { warnMs?: number; now?: () => number } = {},
): LeaseClock {
  const now = opts.now ?? (() => Date.now());
  const tick = () => onTick(readLease(expiresAt(), now(), opts.warnMs));
  tick();
  const timer = setInterval(tick, 1000);
  return { stop: () => clearInterval(timer) };
}
