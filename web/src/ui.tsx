/* Small shared pieces of the app's own pages. */
import { useEffect, type ReactNode } from 'react';

export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · LabelFlow`;
  }, [title]);
}

/* An API or client error, announced to screen readers as it appears. */
export function ErrorAlert({ message, children }: { message: string | null | undefined; children?: ReactNode }) {
  if (!message) return null;
  return (
    <div className="error" role="alert">
      <p>{message}</p>
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="muted" role="status">
      {label}
    </p>
  );
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export type Column = ReactNode | { label: ReactNode; className: string };

function isClassed(c: Column): c is { label: ReactNode; className: string } {
  return typeof c === 'object' && c !== null && 'className' in c && !('$$typeof' in c);
}

/* The header row of a data table: every column a scope="col" cell. */
export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) =>
          isClassed(c) ? (
            <th scope="col" key={i} className={c.className}>
              {c.label}
            </th>
          ) : (
            <th scope="col" key={i}>
              {c}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}

/* The one row a table shows when it has nothing to list. */
export function EmptyRow({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan}>{children}</td>
    </tr>
  );
}
