/*
 * Revising a submitted task while it waits for review: the annotator's
 * latest version opens on the canvas, and "Save revision" stores what the
 * canvas holds as a new version (POST /tasks/{id}/revise). No lease is
 * taken, so a reviewer may claim the task at any moment; the server then
 * refuses the revision and the page says so instead of offering it again.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { getProject } from '../api/projects';
import { getTask, reviseTask } from '../api/tasks';
import { LabelCanvas, type CanvasController } from '../canvas/LabelCanvas';
import { ErrorAlert, Loading, useLoad, usePageTitle } from '../ui';
import { TaskBar } from '../work/TaskFrame';
import { latestResult, sortedVersions } from '../work/taskUtil';
import { closedReason, refusalReason } from './revise';

export function RevisePage() {
  const params = useParams();
  const projectId = Number(params.id);
  const taskId = Number(params.taskId);
  const loaded = useLoad(() => Promise.all([getProject(projectId), getTask(taskId)]), [projectId, taskId]);
  const [project, task] = loaded.data ?? [];
  const controller = useRef<CanvasController | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [closed, setClosed] = useState<string | null>(null);
  const [saved, setSaved] = useState('');
  usePageTitle(project ? `Revise · ${project.name}` : 'Revise');

  /* Read once per task: the canvas keeps the annotator's edits, including after a save. */
  const opening = useMemo(() => (task ? latestResult(task) : undefined), [task?.id]);
  const reason = closed ?? (task ? closedReason(task) : null);

  const save = useCallback(async () => {
    const result = controller.current?.getResult();
    if (!result) {
      setError('The canvas is still loading; save again in a moment.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const after = await reviseTask(taskId, result);
      const versions = sortedVersions(after);
      const v = versions[versions.length - 1]?.version;
      setSaved(`Revision saved at ${new Date().toLocaleTimeString()}${v ? ` as version ${v}` : ''}. The reviewer will see it.`);
    } catch (e) {
      const why = refusalReason(e);
      if (why) {
        setClosed(why);
        setSaved('');
      } else setError(e);
    } finally {
      setBusy(false);
    }
  }, [taskId]);

  return (
    <section className="work-page" aria-labelledby="revise-title">
      <div className="page-head">
        <h1 id="revise-title">Revise submitted task{project ? `: ${project.name}` : ''}</h1>
        <Link to="/work">Back to my projects</Link>
      </div>
      <ErrorAlert error={loaded.error ?? error} />
      {loaded.loading && !task && <Loading what="the task" />}
      {reason && (
        <div className="warning" role="alert">
          <p>{reason}</p>
        </div>
      )}
      <p role="status" className="status-message">
        {saved}
      </p>
      {task && project && (
        <>
          <TaskBar taskId={task.id} info={<span className="badge">{reason ? 'No longer revisable' : 'Submitted, waiting for review'}</span>}>
            <div className="actions">
              <button type="button" className="primary" onClick={save} disabled={busy || reason !== null}>
                Save revision
              </button>
              <Link to="/work">Done</Link>
            </div>
          </TaskBar>
          <LabelCanvas
            key={task.id}
            taskId={task.id}
            config={project.label_config}
            data={task.data ?? {}}
            result={opening}
            controller={controller}
            readOnly={reason !== null}
            onReady={() => controller.current?.focus()}
          />
        </>
      )}
    </section>
  );
}
