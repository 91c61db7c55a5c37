/*
 * "/admin/users": accounts and their global roles. Deactivating ends the
 * person's sessions at once (the server revokes them); it can be undone.
 */
import { useRef, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { usePageTitle } from '../ui';
import { currentCursor, firstPage, nextPage, prevPage, type Pager } from './lib/pager';
import { ErrorAlert, Loading, PagerControls, ROLE_LABELS, StatusMessage, formatTime, useLoad, type UserRow } from './ui';

const ROLES = ['annotator', 'reviewer', 'super_reviewer', 'admin'];

interface Page {
  items: UserRow[];
  next_cursor?: string | null;
}

export function UsersPage() {
  usePageTitle('Users');
  const [pager, setPager] = useState<Pager>(firstPage);
  const cursor = currentCursor(pager);
  const list = useLoad<Page>(() => api('GET', `/users?limit=50${cursor ? `&cursor=${cursor}` : ''}`), [cursor]);
  const [creating, setCreating] = useState(false);
  const [status, setStatus] = useState('');
  const [rowError, setRowError] = useState<unknown>(null);
  const newButton = useRef<HTMLButtonElement>(null);

  function replace(u: UserRow) {
    if (!list.data) return;
    list.setData({ ...list.data, items: list.data.items.map((x) => (x.id === u.id ? u : x)) });
  }

  async function patch(u: UserRow, body: Partial<UserRow>, done: string) {
    setRowError(null);
    setStatus('');
    try {
      replace(await api<UserRow>('PATCH', `/users/${u.id}`, body));
      setStatus(done);
    } catch (e) {
      setRowError(e);
    }
  }

  return (
    <section className="admin-page">
      <div className="page-head">
        <h1>Users</h1>
        <button
          type="button"
          ref={newButton}
          aria-expanded={creating}
          aria-controls="new-user-form"
          onClick={() => setCreating((c) => !c)}
        >
          New user
        </button>
      </div>
      {creating && (
        <NewUserForm
          onCreated={(u) => {
            setCreating(false);
            setStatus(`User ${u.email} created.`);
            list.reload();
            newButton.current?.focus();
          }}
          onCancel={() => {
            setCreating(false);
            newButton.current?.focus();
          }}
        />
      )}
      <StatusMessage>{status}</StatusMessage>
      <ErrorAlert error={rowError} />
      <ErrorAlert error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="users" />
      ) : (
        <table className="data-table">
          <caption className="sr-only">Users</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((u) => (
              <tr key={u.id} data-testid={`user-${u.id}`}>
                <th scope="row">{u.name}</th>
                <td>{u.email}</td>
                <td>
                  <select
                    aria-label={`Set ${u.name} as`}
                    value={u.role}
                    onChange={(e) => patch(u, { role: e.target.value }, `${u.name} is now ${ROLE_LABELS[e.target.value]}.`)}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {ROLE_LABELS[r]}
                      </option>
                    ))}
                  </select>
                </td>
                <td>{u.active ? 'Active' : 'Deactivated'}</td>
                <td>{formatTime(u.created_at)}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`${u.active ? 'Deactivate' : 'Activate'} ${u.name}`}
                    onClick={() =>
                      patch(u, { active: !u.active }, `${u.name} ${u.active ? 'deactivated; their sessions have ended' : 'activated'}.`)
                    }
                  >
                    {u.active ? 'Deactivate' : 'Activate'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagerControls
        label="Users pages"
        pager={pager}
        nextCursor={list.data?.next_cursor}
        onPrev={() => setPager(prevPage(pager))}
        onNext={() => setPager(nextPage(pager, list.data?.next_cursor))}
      />
    </section>
  );
}

function NewUserForm({ onCreated, onCancel }: { onCreated: (u: UserRow) => void; onCancel: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('annotator');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await api<UserRow>('POST', '/users', { email: email.trim(), name: name.trim(), password, role }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form id="new-user-form" className="card form-grid" onSubmit={submit} aria-labelledby="new-user-title">
      <h2 id="new-user-title">New user</h2>
      <label htmlFor="nu-email">Email</label>
      <input id="nu-email" type="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      <label htmlFor="nu-name">Name</label>
      <input id="nu-name" required value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor="nu-password">Password</label>
      <input
        id="nu-password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        aria-describedby="nu-password-hint"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <p id="nu-password-hint" className="hint">
        At least 8 characters. Share it with the person privately.
      </p>
      <label htmlFor="nu-role">Role</label>
      <select id="nu-role" value={role} onChange={(e) => setRole(e.target.value)}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {ROLE_LABELS[r]}
          </option>
        ))}
      </select>
      <ErrorAlert error={error} />
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          Create user
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
