/*
 * "/admin/users": accounts and their global roles. Deactivating ends the
 * person's sessions at once (the server revokes them); it can be undone.
 */
import { useState, type FormEvent } from 'react';
import type { UserPatch, UserRecord, UserRole } from '../api/types';
import { createUser, listUsers, updateUser } from '../api/users';
import {
  CreateHead,
  ErrorAlert,
  FormActions,
  Loading,
  PagerControls,
  ROLE_LABELS,
  StatusMessage,
  TableHead,
  formatTime,
  useCreateToggle,
  usePagedList,
  usePageTitle,
  useSubmit,
} from '../ui';

const ROLES = ['annotator', 'reviewer', 'super_reviewer', 'admin'];

export function UsersPage() {
  usePageTitle('Users');
  const { list, pagerProps } = usePagedList(listUsers, 50);
  const toggle = useCreateToggle();
  const [status, setStatus] = useState('');
  const [rowError, setRowError] = useState<unknown>(null);

  function replace(u: UserRecord) {
    if (!list.data) return;
    list.setData({ ...list.data, items: list.data.items.map((x) => (x.id === u.id ? u : x)) });
  }

  async function patch(u: UserRecord, body: UserPatch, done: string) {
    setRowError(null);
    setStatus('');
    try {
      replace(await updateUser(u.id, body));
      setStatus(done);
    } catch (e) {
      setRowError(e);
    }
  }

  return (
    <section className="admin-page">
      <CreateHead title="Users" label="New user" formId="new-user-form" toggle={toggle} />
      {toggle.creating && (
        <NewUserForm
          onCreated={(u) => {
            setStatus(`User ${u.email} created.`);
            list.reload();
            toggle.close();
          }}
          onCancel={toggle.close}
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
          <TableHead columns={['Name', 'Email', 'Role', 'Status', 'Created', 'Actions']} />
          <tbody>
            {list.data?.items.map((u) => (
              <tr key={u.id} data-testid={`user-${u.id}`}>
                <th scope="row">{u.name}</th>
                <td>{u.email}</td>
                <td>
                  <select
                    aria-label={`Set ${u.name} as`}
                    value={u.role}
                    onChange={(e) => patch(u, { role: e.target.value as UserRole }, `${u.name} is now ${ROLE_LABELS[e.target.value]}.`)}
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
      <PagerControls label="Users pages" {...pagerProps} />
    </section>
  );
}

function NewUserForm({ onCreated, onCancel }: { onCreated: (u: UserRecord) => void; onCancel: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<UserRole>('annotator');
  const { error, busy, run } = useSubmit();

  function submit(e: FormEvent) {
    e.preventDefault();
    run(async () => onCreated(await createUser({ email: email.trim(), name: name.trim(), password, role })));
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
      <select id="nu-role" value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {ROLE_LABELS[r]}
          </option>
        ))}
      </select>
      <ErrorAlert error={error} />
      <FormActions submit="Create user" busy={busy}>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </FormActions>
    </form>
  );
}
