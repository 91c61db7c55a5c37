/*
 * Keeps a task's lease alive while someone works on it.
 *
 * Beats at a third of the lease, so two beats can fail (a flaky network,
 * a busy server) before the lease runs out. Each beat's answer carries the
 * new expiry, which sets the next delay; the lease length may differ per
 * project and task type, so it is never assumed.
 */
import { ApiError } from '../api/client';

export interface LeaseAnswer {
  lease?: { expires_in_ms: number } | null;
}

export interface HeartbeatOptions {
  /* Time left on the lease when it was granted (the claim's lease.expires_in_ms). */
  leaseMs: number;
  /* Sends one heartbeat; resolves with the task's new lease. */
  beat: () => Promise<LeaseAnswer>;
  /* The lease is gone (expired, taken back, task moved on): work can no longer be submitted. */
  onLost: (err: ApiError) => void;
  /* A beat failed in a way that may pass (network, server busy); the scheduler retries. */
  onTransientError?: (err: unknown) => void;
  /* Never beat more often than this. */
  minIntervalMs?: number;
  now?: () => number;
}

export interface Heartbeat {
  stop(): void;
  readonly stopped: boolean;
}

/* Refusals that mean the lease is no longer ours. */
function isLeaseLost(e: unknown): e is ApiError {
  return e instanceof ApiError && (e.status === 409 || e.status === 404 || e.status === 403 || e.code === 'lease_lost');
}

export function startHeartbeat(opts: HeartbeatOptions): Heartbeat {
  const now = opts.now ?? (() => Date.now());
  const minInterval = opts.minIntervalMs ?? 1000;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let expiresAt = now() + opts.leaseMs;
  /* The lease length as granted; the interval is a third of it. */
  let leaseMs = opts.leaseMs;

  const stop = () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };

  const lost = (err: ApiError) => {
    if (stopped) return;
    stop();
    opts.onLost(err);
  };

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(tick, Math.max(minInterval, delay));
  };

  const tick = async () => {
    timer = null;
    if (stopped) return;
    try {
      const answer = await opts.beat();
      if (stopped) return;
      const left = answer?.lease?.expires_in_ms;
      if (typeof left !== 'number' || left <= 0) {
        lost(new ApiError(409, 'lease_lost', 'The lease on this task has ended.'));
        return;
      }
      leaseMs = left;
      expiresAt = now() + left;
      schedule(leaseMs / 3);
    } catch (e) {
      if (stopped) return;
      if (isLeaseLost(e)) {
        lost(e);
        return;
      }
      opts.onTransientError?.(e);
      const left = expiresAt - now();
      if (left <= 0) {
        lost(new ApiError(409, 'lease_lost', 'The lease on this task ran out while the server could not be reached.'));
        return;
      }
      /* Retry sooner than a normal beat, but still before the lease runs out. */
      schedule(Math.min(leaseMs / 3, left / 2));
    }
  };

  schedule(leaseMs / 3);
  return {
    stop,
    get stopped() {
      return stopped;
    },
  };
}
