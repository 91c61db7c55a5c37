/*
 * "/admin/projects": every project, and the form that creates one.
 */
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { createProject, listProjects } from '../api/projects';
import type { Project } from '../api/types';
import { TemplateGallery } from './TemplateGallery';
import {
  CodeField,
  CreateHead,
  ErrorAlert,
  FormActions,
  Loading,
  PagerControls,
  TableHead,
  formatTime,
  useCreateToggle,
  usePagedList,
  usePageTitle,
  useSubmit,
} from '../ui';

export function ProjectsPage() {
  usePageTitle('Projects');
  const { list, pager, pagerProps } = usePagedList(listProjects, 50);
  const toggle = useCreateToggle();
  const navigate = useNavigate();

  return (
    <section className="admin-page">
      <CreateHead title="Projects" label="New project" formId="new-project-form" toggle={toggle} />
      {toggle.creating && <NewProjectForm onCreated={(p) => navigate(`/admin/projects/${p.id}`)} onCancel={toggle.close} />}
      <ErrorAlert error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="projects" />
      ) : list.data && list.data.items.length === 0 && pager.stack.length === 1 ? (
        <p>No projects yet. Create the first one with “New project”.</p>
      ) : (
        <table className="data-table">
          <caption className="sr-only">Projects</caption>
          <TableHead columns={['Name', 'Status', 'Currency', 'Created']} />
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
      <PagerControls label="Projects pages" {...pagerProps} />
    </section>
  );
}

function NewProjectForm({ onCreated, onCancel }: { onCreated: (p: Project) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [config, setConfig] = useState('');
  const [currency, setCurrency] = useState('USD');
  const { error, busy, run } = useSubmit();

  function submit(e: FormEvent) {
    e.preventDefault();
    run(async () =>
      onCreated(
        await createProject({
          name: name.trim(),
          description,
          label_config: config,
          currency: currency.trim().toUpperCase(),
        }),
      ),
    );
  }

  return (
    <form id="new-project-form" className="card form-grid" onSubmit={submit} aria-labelledby="new-project-title">
      <h2 id="new-project-title">New project</h2>
      <label htmlFor="np-name">Name</label>
      <input id="np-name" required value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      <label htmlFor="np-description">Description</label>
      <input id="np-description" value={description} onChange={(e) => setDescription(e.target.value)} />
      <fieldset className="templates">
        <legend>Start from a template</legend>
        <TemplateGallery idPrefix="np-tpl" current={config} onPick={setConfig} />
      </fieldset>
      <CodeField
        id="np-config"
        label="Label config"
        rows={10}
        required
        value={config}
        onChange={setConfig}
        hint="Label Studio XML. The project's Settings tab shows a live preview."
      />
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
      <FormActions submit="Create project" busy={busy}>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </FormActions>
    </form>
  );
}
