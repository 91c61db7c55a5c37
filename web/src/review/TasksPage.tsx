/*
 * The data manager for reviewers and super reviewers: the project's task
 * table with its filters, orders and task panel, without the bulk actions
 * (the API keeps those to admins). Admins have it as the project's Tasks tab.
 */
import { useParams } from 'react-router-dom';
import { getProject } from '../api/projects';
import { TasksTab } from '../admin/project/TasksTab';
import '../admin/admin.css';
import { ErrorAlert, Loading, useLoad, usePageTitle } from '../ui';

export function TasksPage() {
  const id = Number(useParams().id);
  const project = useLoad(() => getProject(id), [id]);
  const p = project.data;
  usePageTitle(p ? `${p.name} (tasks)` : 'Tasks');
  return (
    <section className="admin-page" aria-labelledby="tasks-title">
      <h1 id="tasks-title">{p ? `${p.name}: tasks` : 'Tasks'}</h1>
      <ErrorAlert error={project.error} />
      {!p ? project.loading && <Loading what="the project" /> : <TasksTab project={p} manage={false} />}
    </section>
  );
}
