import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { errorMessage } from '../api/client';
import { getProgress } from '../api/me';
import { listMembers } from '../api/members';
import { allProjects } from '../api/projects';
import type { Project, ProjectProgress, ProjectRole } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { prefetchLabelStudio } from '../canvas/labelStudio';
import { ErrorAlert, Loading, ROLE_LABELS, usePageTitle } from '../ui';
import { acceptanceNote, progressFigures } from './progress';
import { SubmittedTasks } from './SubmittedTasks';

interface MyProject {
  project: Project;
  roles: ProjectRole[];
  progress?: ProjectProgress;
}

const ACTIONS: { role: ProjectRole; label: string; path: string }[] = [
  { role: 'annotator', label: 'Label next', path: 'label' },
  { role: 'reviewer', label: 'Review next', path: 'review' },
  { role: 'super_reviewer', label: 'Approve next', path: 'approve' },
];

export function WorkHome() {
  const { user } = useAuth();
  const navigate = useNavigate();
  const [items, setItems] = useState<MyProject[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  usePageTitle('My work');

  /* The canvas is what the next click most likely needs: fetch it into the cache now. */
  useEffect(() => prefetchLabelStudio(), []);
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [all, progress] = await Promise.all([allProjects({ limit: 200, max: Infinity }), getProgress()]);
        const projects = all.filter((p) => p.status !== 'closed');
        const mine = new Map(progress.items.map((p) => [p.project_id, p]));
        /* The project list does not carry my roles; each member list does. */
        const withRoles = await Promise.all(
          projects.map(async (project) => {
            const members = await listMembers(project.id);
            const me = members.items.find((m) => m.user_id === user?.id);
            return { project, roles: me?.roles ?? [], progress: mine.get(project.id) };
          }),
        );
        if (live) setItems(withRoles);
      } catch (e) {
        if (live) setError(errorMessage(e));
      }
    })();
    return () => {
      live = false;
    };
  }, [user?.id]);

  return (
    <section aria-labelledby="work-title">
      <div className="page-head">
        <h1 id="work-title">My projects</h1>
        <Link to="/earnings">My earnings</Link>
      </div>
      <ErrorAlert error={error} />
      {!items && !error && <Loading />}
      {items && items.length === 0 && <p>You are not a member of any active project yet. An administrator can add you to one.</p>}
      {items && items.length > 0 && (
        <ul className="project-list">
          {items.map(({ project, roles, progress }) => (
            <li key={project.id} className="card">
              <h2 id={`project-${project.id}`}>{project.name}</h2>
              {project.description && <p>{project.description}</p>}
              <p className="muted">Your roles: {roles.map((r) => ROLE_LABELS[r] ?? r).join(', ') || 'none'}</p>
              <div className="actions" role="group" aria-labelledby={`project-${project.id}`}>
                {ACTIONS.filter((a) => roles.includes(a.role)).map((a) => (
                  <button
                    key={a.role}
                    type="button"
                    className="primary"
                    onClick={() => navigate(`/work/projects/${project.id}/${a.path}`)}
                  >
                    {a.label}
                  </button>
                ))}
                {(roles.includes('reviewer') || roles.includes('super_reviewer')) && <Link to={`/work/projects/${project.id}/tasks`}>All tasks</Link>}
              </div>
              {roles.includes('annotator') && <ProgressFigures projectId={project.id} progress={progress} />}
              {user && roles.includes('annotator') && <SubmittedTasks projectId={project.id} userId={user.id} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/* The annotator's own submissions in the project, over its whole life (GET /me/progress). */
function ProgressFigures({ projectId, progress }: { projectId: number; progress?: ProjectProgress }) {
  const headId = `progress-${projectId}`;
  const note = acceptanceNote(progress);
  return (
    <div className="my-progress">
      <h3 id={headId}>Your progress{note && <span className="muted"> · {note}</span>}</h3>
      <dl aria-labelledby={headId}>
        {progressFigures(progress).map((f) => (
          <div key={f.label}>
            <dt>{f.label}</dt>
            <dd>{f.value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
