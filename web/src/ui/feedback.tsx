/* What a page says about itself: errors, loading, confirmations. */
import type { ReactNode } from 'react';
import { errorMessage } from '../api/client';

/*
 * An API or client error, announced to screen readers as it appears. Takes
 * a message or anything thrown; renders nothing for none.
 */
export function ErrorAlert({ error, id, children }: { error: unknown; id?: string; children?: ReactNode }) {
  if (error === null || error === undefined || error === '') return null;
  const text = typeof error === 'string' ? error : errorMessage(error);
  return (
    <div className="error" role="alert" id={id}>
      <p>{text}</p>
      {children}
    </div>
  );
}

/* "Loading the ledger…" for what="the ledger"; label replaces the whole text. */
export function Loading({ what, label }: { what?: string; label?: string }) {
  return (
    <p className="muted" role="status">
      {label ?? (what ? `Loading ${what}…` : 'Loading…')}
    </p>
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
