/*
 * Small building blocks shared by the admin views: loading data, showing
 * the server's errors in an alert, status messages, keyset paging controls.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, errorMessage } from '../api/client';
import { newIdempotencyKey } from './lib/keys';
import { currentCursor, firstPage, nextPage, prevPage, type Pager } from './lib/pager';

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

/* The server's message, announced to screen readers as it appears. */
export function ErrorAlert({ error, id }: { error: unknown; id?: string }) {
  if (error === null || error === undefined || error === '') return null;
  const text = typeof error === 'string' ? error : errorMessage(error);
  return (
    <div role="alert" className="alert alert-error" id={id}>
      {text}
    </div>
  );
}

/* Polite confirmations ("User created."). Always rendered so that screen readers pick up changes. */
export function StatusMessage({ children }: { children?: ReactNode }) {
  return (
    <p role="status" className="status-message">
      {children}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="loading">Loading {what}…</p>;
}

export function PagerControls(props: {
  label: string;
  pager: Pager;
  nextCursor: string | null | undefined;
  onPrev: () => void;
  onNext: () => void;
  newer?: boolean;
}) {
  const { pager, nextCursor } = props;
  const older = props.newer ? 'Older' : 'Next page';
  const newer = props.newer ? 'Newer' : 'Previous page';
  return (
    <nav aria-label={props.label} className="pager">
      <button type="button" onClick={props.onPrev} disabled={pager.stack.length <= 1}>
        {newer}
      </button>
      <span>Page {pager.stack.length}</span>
      <button type="button" onClick={props.onNext} disabled={!nextCursor}>
        {older}
      </button>
    </nav>
  );
}

export interface KeysetPage<T> {
  items: T[];
  next_cursor?: string | null;
}

/*
 * One keyset-paged list at `path` (no query string of its own), reloaded
 * whenever deps change; pagerProps feed PagerControls.
 */
export function usePagedList<T>(path: string, limit: number, deps: unknown[] = []) {
  const [pager, setPager] = useState<Pager>(firstPage);
  const cursor = currentCursor(pager);
  const list = useLoad<KeysetPage<T>>(() => api('GET', `${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`), [...deps, cursor]);
  return { list, pager, setPager, pagerProps: pagerPropsFor(pager, setPager, list.data?.next_cursor) };
}

/* What PagerControls needs to move a pager back and forth. */
export function pagerPropsFor(pager: Pager, setPager: (p: Pager) => void, nextCursor: string | null | undefined) {
  return {
    pager,
    nextCursor,
    onPrev: () => setPager(prevPage(pager)),
    onNext: () => setPager(nextPage(pager, nextCursor)),
  };
}

/* Names of every user by id, for showing who did something. */
export function useUserNames(): Map<number, string> {
  const users = useLoad<UserRow[]>(() => fetchAll<UserRow>('/users'), []);
  return new Map((users.data ?? []).map((u) => [u.id, u.name]));
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

/* A monospace text area for XML or JSON; its hint is read out as its description. */
export function CodeField(props: {
  id: string;
  label: string;
  hint: ReactNode;
  rows: number;
  required?: boolean;
  value: string;
  onChange: (v: string) => void;
}) {
  const hintId = `${props.id}-hint`;
  return (
    <>
      <label htmlFor={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        className="code"
        rows={props.rows}
        required={props.required}
        spellCheck={false}
        aria-describedby={hintId}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <p id={hintId} className="hint">
        {props.hint}
      </p>
    </>
  );
}

/* The buttons under a form: the submit button first, then any others. */
export function FormActions({ submit, busy, children }: { submit: string; busy: boolean; children?: ReactNode }) {
  return (
    <div className="form-actions">
      <button type="submit" disabled={busy}>
        {submit}
      </button>
      {children}
    </div>
  );
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

export function CreateHead(props: { title: string; label: string; formId: string; toggle: ReturnType<typeof useCreateToggle> }) {
  const { creating, setCreating, button } = props.toggle;
  return (
    <div className="page-head">
      <h1>{props.title}</h1>
      <button type="button" ref={button} aria-expanded={creating} aria-controls={props.formId} onClick={() => setCreating((c) => !c)}>
        {props.label}
      </button>
    </div>
  );
}

export function formatTime(iso: string | null | undefined, { seconds = false } = {}): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: seconds ? 'medium' : 'short' });
}

export const STATE_LABELS: Record<string, string> = {
  queued_l1: 'Waiting for annotation',
  locked_l1: 'Being annotated',
  queued_l2: 'Waiting for review',
  locked_l2: 'In review',
  queued_l3: 'Waiting for approval',
  locked_l3: 'In approval',
  accepted: 'Accepted',
  discarded: 'Discarded',
};

export const STATES = Object.keys(STATE_LABELS);

export const ROLE_LABELS: Record<string, string> = {
  admin: 'Admin',
  annotator: 'Annotator',
  reviewer: 'Reviewer',
  super_reviewer: 'Super reviewer',
};

export interface UserRow {
  id: number;
  email: string;
  name: string;
  role: string;
  active: boolean;
  created_at: string;
}

export interface ProjectRow {
  id: number;
  name: string;
  description: string;
  status: string;
  currency: string;
  created_at: string;
}

/* Every page of a keyset-paged list, for pickers (users, projects). */
export async function fetchAll<T>(path: string, max = 5000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: { items: T[]; next_cursor?: string | null } = await api(
      'GET',
      `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...page.items);
    cursor = page.next_cursor ?? null;
  } while (cursor && out.length < max);
  return out;
}
