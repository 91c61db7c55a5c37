/* Hooks the pages share: the title, loading data, submitting forms. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { newIdempotencyKey } from '../lib/keys';

export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · LabelFlow`;
  }, [title]);
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (v: T) => void;
}

/*
 * Runs load() on mount and whenever deps change. Answers to superseded
 * requests are dropped, so a slow earlier page never replaces a later one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    load().then(
      (v) => {
        if (mine !== seq.current) return;
        setData(v);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (mine !== seq.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload, setData };
}

/*
 * An idempotency key that stays the same while `deps` do, so a retried
 * click cannot repeat a movement; renew() after it succeeded.
 */
export function useIdempotencyKey(prefix: string, deps: unknown[]): [string, () => void] {
  const [key, setKey] = useState(() => newIdempotencyKey(prefix));
  useEffect(() => setKey(newIdempotencyKey(prefix)), deps);
  const renew = useCallback(() => setKey(newIdempotencyKey(prefix)), [prefix]);
  return [key, renew];
}

/* A form's busy flag and server error around one submission at a time. */
export function useSubmit() {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return { error, setError, busy, run };
}

/*
 * A form that moves money: its idempotency key, its submission, and the
 * confirmation shown after it. begin() clears what the last attempt said.
 */
export function useMoneyForm(prefix: string, deps: unknown[]) {
  const [key, renewKey] = useIdempotencyKey(prefix, deps);
  const submit = useSubmit();
  const [status, setStatus] = useState('');
  function begin() {
    submit.setError(null);
    setStatus('');
  }
  return { ...submit, key, renewKey, status, setStatus, begin };
}

/*
 * A page heading with the button that opens and closes its "new ..." form;
 * closing gives focus back to the button.
 */
export function useCreateToggle() {
  const [creating, setCreating] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => {
    setCreating(false);
    button.current?.focus();
  }, []);
  return { creating, setCreating, button, close };
}
