/* Data tables: the header row and the row shown when there is nothing to list. */
import type { ReactNode } from 'react';

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
