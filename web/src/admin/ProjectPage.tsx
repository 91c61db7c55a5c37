/*
 * "/admin/projects/:id/*": one project, its sections as tab links, each
 * section a nested route so it can be linked to and reloaded.
 */
import { NavLink, Route, Routes, useParams } from 'react-router-dom';
import { getProject } from '../api/projects';
import { ErrorAlert, Loading, useLoad, usePageTitle } from '../ui';
import { DataTab } from './project/DataTab';
import { EscrowTab } from './project/EscrowTab';
import { ExportsTab } from './project/ExportsTab';
import { MembersTab } from './project/MembersTab';
import { MlTab } from './project/MlTab';
import { OverviewTab } from './project/OverviewTab';
import { QualityTab } from './project/QualityTab';
import { SettingsTab } from './project/SettingsTab';
import { TasksTab } from './project/TasksTab';
import { WebhooksTab } from './project/WebhooksTab';

const TABS = [
  { to: '', label: 'Overview' },
  { to: 'settings', label: 'Settings' },
  { to: 'members', label: 'Members' },
  { to: 'tasks', label: 'Tasks' },
  { to: 'data', label: 'Data' },
  { to: 'quality', label: 'Quality' },
  { to: 'ml', label: 'ML backends' },
  { to: 'escrow', label: 'Escrow' },
  { to: 'exports', label: 'Exports' },
  { to: 'webhooks', label: 'Webhooks' },
];

export function ProjectPage() {
  const id = Number(useParams().id);
  const project = useLoad(() => getProject(id), [id]);
  const p = project.data;
  usePageTitle(p ? `${p.name} (project)` : 'Project');

  if (!Number.isInteger(id) || id <= 0)
    return (
      <section className="admin-page">
        <h1>Project not found</h1>
      </section>
    );

  return (
    <section className="admin-page" aria-labelledby="project-title">
      <h1 id="project-title">{p ? p.name : 'Project'}</h1>
      {p && (
        <p className="hint">
          Project #{p.id} · {p.status === 'active' ? 'Active' : 'Closed'} · {p.currency}
        </p>
      )}
      <nav aria-label="Project sections" className="tabs">
        <ul>
          {TABS.map((t) => (
            <li key={t.label}>
              <NavLink to={t.to ? `/admin/projects/${id}/${t.to}` : `/admin/projects/${id}`} end={!t.to}>
                {t.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <ErrorAlert error={project.error} />
      {!p ? (
        project.loading && <Loading what="the project" />
      ) : (
        <div className="tab-panel">
          <Routes>
            <Route index element={<OverviewTab project={p} />} />
            <Route path="settings" element={<SettingsTab project={p} onSaved={project.setData} />} />
            <Route path="members" element={<MembersTab project={p} />} />
            <Route path="tasks" element={<TasksTab project={p} />} />
            <Route path="data" element={<DataTab project={p} />} />
            <Route path="quality" element={<QualityTab project={p} />} />
            <Route path="ml" element={<MlTab project={p} />} />
            <Route path="escrow" element={<EscrowTab project={p} />} />
            <Route path="exports" element={<ExportsTab project={p} />} />
            <Route path="webhooks" element={<WebhooksTab project={p} />} />
            <Route path="*" element={<p>There is no such section.</p>} />
          </Routes>
        </div>
      )}
    </section>
  );
}
