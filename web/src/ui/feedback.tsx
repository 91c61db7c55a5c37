/* What a page says about itself: errors, loading, confirmations. */
import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api/client';

/*
 * An API or client error, announced to screen readers as it appears. Takes
 * a message or anything thrown; renders nothing for none. When the server
 * listed several problems (error.details), each gets its own line, so a
 * form can be fixed in one go.
 */
export function ErrorAlert({ error, id, children }: { error: unknown; id?: string; children?: ReactNode }) {
  if (error === null || error === undefined || error === '') return null;
  const details = error instanceof ApiError && error.details.length > 1 ? error.details : null;
  const text = details ? `${details.length} problems:` : typeof error === 'string' ? error : errorMessage(error);
  return (
    <div className="error" role="alert" id={id}>
      <p>{text}</p>
      {details && (
        <ul>
          {details.map((d, i) => (
            <li key={i}>{d}</li>
          ))}
        </ul>
      )}
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
