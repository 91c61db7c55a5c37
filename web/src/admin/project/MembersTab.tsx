/*
 * Members: who works in the project and in which roles. PUT sets a
 * person's roles to exactly the checked set, so adding someone who is
 * already a member changes their roles.
 */
import { useState, type FormEvent } from 'react';
import { listMembers, removeMember, setMemberRoles } from '../../api/members';
import type { Member, Project, ProjectRole } from '../../api/types';
import { allUsers } from '../../api/users';
import { ErrorAlert, FormActions, Loading, ROLE_LABELS, StatusMessage, TableHead, useLoad } from '../../ui';

const PROJECT_ROLES: ProjectRole[] = ['annotator', 'reviewer', 'super_reviewer'];

export function MembersTab({ project }: { project: Project }) {
  const members = useLoad(() => listMembers(project.id), [project.id]);
  const users = useLoad(allUsers, []);
  const [userId, setUserId] = useState('');
  const [roles, setRoles] = useState<Set<ProjectRole>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  const byId = new Map((members.data?.items ?? []).map((m) => [m.user_id, m]));
  /* Admins act on every project already; only workers are members. */
  const candidates = (users.data ?? []).filter((u) => u.active && u.role !== 'admin');

  function choose(id: string) {
    setUserId(id);
    /* A member's current roles, or none: roles left over from the previous person would be granted by mistake. */
    setRoles(new Set(byId.get(Number(id))?.roles ?? []));
  }

  function toggle(r: ProjectRole, on: boolean) {
    const next = new Set(roles);
    if (on) next.add(r);
    else next.delete(r);
    setRoles(next);
  }

  async function add(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setStatus('');
    if (!userId) return setError('Choose a user.');
    if (roles.size === 0) return setError('Choose at least one role.');
    setBusy(true);
    try {
      const chosen = PROJECT_ROLES.filter((r) => roles.has(r));
      await setMemberRoles(project.id, Number(userId), chosen);
      const u = candidates.find((x) => x.id === Number(userId));
      setStatus(`${u?.name ?? 'The user'} is now ${chosen.map((r) => ROLE_LABELS[r]).join(', ')} in this project.`);
      setUserId('');
      setRoles(new Set());
      members.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove(m: Member) {
    setError(null);
    setStatus('');
    try {
      await removeMember(project.id, m.user_id);
      setStatus(`${m.name} removed from the project.`);
      members.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <div>
      <h2>Members</h2>
      <form className="card form-grid" onSubmit={add} aria-labelledby="add-member-title">
        <h3 id="add-member-title">Add a member or change roles</h3>
        <label htmlFor="mb-user">User</label>
        <select id="mb-user" value={userId} onChange={(e) => choose(e.target.value)} aria-describedby="mb-user-hint">
          <option value="">Choose a user…</option>
          {candidates.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name} ({u.email}){byId.has(u.id) ? ' – member' : ''}
            </option>
          ))}
        </select>
        <p id="mb-user-hint" className="hint">
          For someone who is already a member, the roles you check replace their current ones.
        </p>
        <fieldset className="checks">
          <legend>Roles in this project</legend>
          {PROJECT_ROLES.map((r) => (
            <label key={r}>
              <input type="checkbox" checked={roles.has(r)} onChange={(e) => toggle(r, e.target.checked)} /> {ROLE_LABELS[r]}
            </label>
          ))}
        </fieldset>
        <ErrorAlert error={error} />
        <ErrorAlert error={users.error} />
        <FormActions submit="Add member" busy={busy} />
      </form>
      <StatusMessage>{status}</StatusMessage>
      <ErrorAlert error={members.error} />
      {members.loading && !members.data ? (
        <Loading what="members" />
      ) : (
        <table className="data-table">
          <caption>Current members</caption>
          <TableHead columns={['Name', 'Email', 'Roles', 'Actions']} />
          <tbody>
            {members.data?.items.length === 0 && (
              <tr>
                <td colSpan={4}>No members yet.</td>
              </tr>
            )}
            {members.data?.items.map((m) => (
              <tr key={m.user_id}>
                <td>{m.name}</td>
                <td>{m.email}</td>
                <td>{m.roles.map((r) => ROLE_LABELS[r] ?? r).join(', ')}</td>
                <td>
                  <button type="button" className="secondary" aria-label={`Edit roles of ${m.name}`} onClick={() => choose(String(m.user_id))}>
                    Edit roles
                  </button>{' '}
                  <button type="button" className="danger" aria-label={`Remove ${m.name}`} onClick={() => remove(m)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
