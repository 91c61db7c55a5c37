/*
 * "/account/tokens": the signed-in person's API tokens, for scripts and
 * SDKs. A new token's secret is shown once, with a copy button: the server
 * keeps only its hash, so it cannot be shown again. Revoking takes effect
 * on the token's next request.
 */
import { useState, type FormEvent } from 'react';
import type { CreatedApiToken, UserRole } from '../api/types';
import { createToken, listTokens, revokeToken } from '../api/tokens';
import { useAuth } from '../auth/AuthContext';
import {
  CreateHead,
  EmptyRow,
  ErrorAlert,
  FormActions,
  Loading,
  ROLE_LABELS,
  StatusMessage,
  TableHead,
  formatTime,
  useCreateToggle,
  useLoad,
  usePageTitle,
  useSubmit,
} from '../ui';

/* The roles a token may be capped to: admin only for admins. */
export function tokenRoles(own: string | undefined): UserRole[] {
  const roles: UserRole[] = ['annotator', 'reviewer', 'super_reviewer'];
  return own === 'admin' ? ['admin', ...roles] : roles;
}

/* "3, 7" -> [3, 7]; empty -> null (every project); anything else -> undefined. */
export function parseProjectIds(text: string): number[] | null | undefined {
  const parts = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return null;
  const ids = parts.map(Number);
  return ids.every((n) => Number.isInteger(n) && n > 0) ? ids : undefined;
}

export function TokensPage() {
  usePageTitle('API tokens');
  const list = useLoad(listTokens, []);
  const toggle = useCreateToggle();
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [status, setStatus] = useState('');
  const [rowError, setRowError] = useState<unknown>(null);

  async function revoke(id: number, name: string) {
    setRowError(null);
    setStatus('');
    try {
      await revokeToken(id);
      setStatus(`Token ${name} revoked.`);
      if (created?.id === id) setCreated(null);
      list.reload();
    } catch (e) {
      setRowError(e);
    }
  }

  return (
    <section className="admin-page">
      <CreateHead title="API tokens" label="New token" formId="new-token-form" toggle={toggle} />
      <p className="hint">
        For scripts and SDKs: send a token as <code>Authorization: Token …</code> or <code>Authorization: Bearer …</code>. It acts as
        you, within the role and projects you give it.
      </p>
      {toggle.creating && (
        <NewTokenForm
          onCreated={(t) => {
            setCreated(t);
            setStatus('');
            list.reload();
            toggle.close();
          }}
          onCancel={toggle.close}
        />
      )}
      {created && <NewTokenSecret token={created} onDone={() => setCreated(null)} />}
      <StatusMessage>{status}</StatusMessage>
      <ErrorAlert error={rowError} />
      <ErrorAlert error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="tokens" />
      ) : (
        <table className="data-table">
          <caption className="sr-only">API tokens</caption>
          <TableHead columns={['Name', 'Token', 'Role', 'Projects', 'Created', 'Expires', 'Last used', 'Actions']} />
          <tbody>
            {list.data?.items.length === 0 && <EmptyRow colSpan={8}>No tokens yet.</EmptyRow>}
            {list.data?.items.map((t) => (
              <tr key={t.id} data-testid={`token-${t.id}`}>
                <th scope="row">{t.name}</th>
                <td>
                  <code>lf_pat_{t.prefix}_…</code>
                </td>
                <td>{ROLE_LABELS[t.role] ?? t.role}</td>
                <td>{t.project_ids ? t.project_ids.join(', ') : 'All'}</td>
                <td>{formatTime(t.created_at)}</td>
                <td>{t.expires_at ? formatTime(t.expires_at) : 'Never'}</td>
                <td>{t.last_used_at ? formatTime(t.last_used_at) : 'Never'}</td>
                <td>
                  <button type="button" aria-label={`Revoke ${t.name}`} onClick={() => revoke(t.id, t.name)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewTokenSecret({ token, onDone }: { token: CreatedApiToken; onDone: () => void }) {
  const [copied, setCopied] = useState('');
  async function copy() {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied('Copied.');
    } catch {
      setCopied('Could not copy: select the token and copy it.');
    }
  }
  return (
    <div className="card" role="region" aria-labelledby="new-token-secret-title">
      <h2 id="new-token-secret-title">Token {token.name} created</h2>
      <p>Copy it now: it is not shown again.</p>
      <p>
        <code data-testid="new-token">{token.token}</code>
      </p>
      <button type="button" onClick={copy}>
        Copy token
      </button>{' '}
      <button type="button" onClick={onDone}>
        Done
      </button>
      <StatusMessage>{copied}</StatusMessage>
    </div>
  );
}

function NewTokenForm({ onCreated, onCancel }: { onCreated: (t: CreatedApiToken) => void; onCancel: () => void }) {
  const { user } = useAuth();
  const roles = tokenRoles(user?.role);
  const [name, setName] = useState('');
  const [role, setRole] = useState<UserRole>((user?.role as UserRole | undefined) ?? 'annotator');
  const [projects, setProjects] = useState('');
  const [days, setDays] = useState('');
  const { error, setError, busy, run } = useSubmit();

  function submit(e: FormEvent) {
    e.preventDefault();
    const project_ids = parseProjectIds(projects);
    if (project_ids === undefined) {
      setError('Projects: project ids separated by commas, or empty for all.');
      return;
    }
    const body = { name: name.trim(), role, project_ids, ...(days ? { expires_in_days: Number(days) } : {}) };
    run(async () => onCreated(await createToken(body)));
  }

  return (
    <form id="new-token-form" className="card form-grid" onSubmit={submit} aria-labelledby="new-token-title">
      <h2 id="new-token-title">New token</h2>
      <label htmlFor="nt-name">Name</label>
      <input id="nt-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      <label htmlFor="nt-role">Role</label>
      <select id="nt-role" value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
        {roles.map((r) => (
          <option key={r} value={r}>
            {ROLE_LABELS[r]}
          </option>
        ))}
      </select>
      <label htmlFor="nt-projects">Projects</label>
      <input
        id="nt-projects"
        inputMode="numeric"
        placeholder="All"
        aria-describedby="nt-projects-hint"
        value={projects}
        onChange={(e) => setProjects(e.target.value)}
      />
      <p id="nt-projects-hint" className="hint">
        Project ids separated by commas; empty for every project you are in.
      </p>
      <label htmlFor="nt-days">Expires after (days)</label>
      <input
        id="nt-days"
        type="number"
        min={1}
        max={3650}
        placeholder="Never"
        value={days}
        onChange={(e) => setDays(e.target.value)}
      />
      <ErrorAlert error={error} />
      <FormActions submit="Create token" busy={busy}>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </FormActions>
    </form>
  );
}
