/*
 * "/admin/projects": every project, and the form that creates one.
 */
import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { usePageTitle } from '../ui';
import { currentCursor, firstPage, nextPage, prevPage, type Pager } from './lib/pager';
import { LABEL_TEMPLATES } from './lib/templates';
import { ErrorAlert, Loading, PagerControls, formatTime, useLoad, type ProjectRow } from './ui';

interface Page {
  items: ProjectRow[];
  next_cursor?: string | null;
}

export function ProjectsPage() {
  usePageTitle('Projects');
  const [pager, setPager] = useState<Pager>(firstPage);
  const cursor = currentCursor(pager);
  const list = useLoad<Page>(() => api('GET', `/projects?limit=50${cursor ? `&cursor=${cursor}` : ''}`), [cursor]);
  const [creating, setCreating] = useState(false);
  const newButton = useRef<HTMLButtonElement>(null);
  const navigate = useNavigate();

  return (
    <section className="admin-page">
      <div className="page-head">
        <h1>Projects</h1>
        <button
          type="button"
          ref={newButton}
          aria-expanded={creating}
          aria-controls="new-project-form"
          onClick={() => setCreating((c) => !c)}
        >
          New project
        </button>
      </div>
      {creating && (
        <NewProjectForm
          onCreated={(p) => navigate(`/admin/projects/${p.id}`)}
          onCancel={() => {
            setCreating(false);
            newButton.current?.focus();
          }}
        />
      )}
      <ErrorAlert error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="projects" />
      ) : list.data && list.data.items.length === 0 && pager.stack.length === 1 ? (
        <p>No projects yet. Create the first one with “New project”.</p>
      ) : (
        <table className="data-table">
          <caption className="sr-only">Projects</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Currency</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((p) => (
              <tr key={p.id}>
                <th scope="row">
                  <Link to={`/admin/projects/${p.id}`}>{p.name}</Link>
                  {p.description && <div className="hint">{p.description}</div>}
                </th>
                <td>{p.status === 'active' ? 'Active' : 'Closed'}</td>
                <td>{p.currency}</td>
                <td>{formatTime(p.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagerControls
        label="Projects pages"
        pager={pager}
        nextCursor={list.data?.next_cursor}
        onPrev={() => setPager(prevPage(pager))}
        onNext={() => setPager(nextPage(pager, list.data?.next_cursor))}
      />
    </section>
  );
}

function NewProjectForm({ onCreated, onCancel }: { onCreated: (p: ProjectRow) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [config, setConfig] = useState('');
  const [currency, setCurrency] = useState('USD');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(
        await api<ProjectRow>('POST', '/projects', {
          name: name.trim(),
          description,
          label_config: config,
          currency: currency.trim().toUpperCase(),
        }),
      );
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <form id="new-project-form" className="card form-grid" onSubmit={submit} aria-labelledby="new-project-title">
      <h2 id="new-project-title">New project</h2>
      <label htmlFor="np-name">Name</label>
      <input id="np-name" required value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      <label htmlFor="np-description">Description</label>
      <input id="np-description" value={description} onChange={(e) => setDescription(e.target.value)} />
      <label htmlFor="np-template">Start from a template</label>
      <select
        id="np-template"
        value=""
        onChange={(e) => {
          const t = LABEL_TEMPLATES.find((x) => x.id === e.target.value);
          if (t) setConfig(t.config);
        }}
      >
        <option value="">Choose a template…</option>
        {LABEL_TEMPLATES.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
      <label htmlFor="np-config">Label config</label>
      <textarea
        id="np-config"
        className="code"
        rows={10}
        required
        spellCheck={false}
        aria-describedby="np-config-hint"
        value={config}
        onChange={(e) => setConfig(e.target.value)}
      />
      <p id="np-config-hint" className="hint">
        Label Studio XML. The project's Settings tab shows a live preview.
      </p>
      <label htmlFor="np-currency">Currency</label>
      <input
        id="np-currency"
        required
        maxLength={3}
        pattern="[A-Za-z]{3}"
        aria-describedby="np-currency-hint"
        value={currency}
        onChange={(e) => setCurrency(e.target.value)}
      />
      <p id="np-currency-hint" className="hint">
        ISO 4217 code such as USD or EUR; it cannot change once money has moved.
      </p>
      <ErrorAlert error={error} />
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          Create project
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
