/*
 * The annotator's tasks of one project that wait for review (queued_l2),
 * each with a "Revise" link: until a reviewer claims it, the submitted
 * result can still be replaced (RevisePage).
 */
import { Link } from 'react-router-dom';
import { listTasks } from '../api/tasks';
import { ErrorAlert, useLoad } from '../ui';
import { taskSnippet } from './revise';

/* The newest few are enough here: the list is a shortcut back to recent work. */
const SHOWN = 20;

export function SubmittedTasks({ projectId, userId }: { projectId: number; userId: number }) {
  const { data, error } = useLoad(
    () => listTasks(projectId, { state: 'queued_l2', worker: userId, limit: SHOWN }),
    [projectId, userId],
  );
  if (error) return <ErrorAlert error={error} />;
  if (!data || data.items.length === 0) return null;
  const headId = `submitted-${projectId}`;
  return (
    <div className="submitted-tasks">
      <h3 id={headId}>Submitted, waiting for review</h3>
      <ul aria-labelledby={headId}>
        {data.items.map((t) => (
          <li key={t.id}>
            <span>
              Task {t.id}
              {taskSnippet(t.data) && <span className="muted"> · {taskSnippet(t.data)}</span>}
            </span>{' '}
            <Link to={`/work/projects/${projectId}/revise/${t.id}`} aria-label={`Revise task ${t.id}`}>
              Revise
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
