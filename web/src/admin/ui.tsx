/*
 * Small building blocks shared by the admin views: loading data, showing
 * the server's errors in an alert, status messages, keyset paging controls.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, errorMessage } from '../api/client';
import type { Pager } from './lib/pager';

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
