/*
 * The label-next loop: claim a task, label it in the canvas, submit, and
 * the next one is claimed.
 */
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { useParams } from 'react-router-dom';
import { submitTask } from '../api/tasks';
import { LabelCanvas, type CanvasController } from '../canvas/LabelCanvas';
import { usePageTitle } from '../ui';
import { LoopFrame } from '../work/LoopFrame';
import { TaskBar, TaskNote } from '../work/TaskFrame';
import { latestResult } from '../work/taskUtil';
import { useWorkLoop } from '../work/useWorkLoop';
import { SENT_BACK_TITLE, reworkBadge } from './rework';

export function LabelPage() {
  const projectId = Number(useParams().id);
  const loop = useWorkLoop(projectId, 'l1');
  const { project, task, phase, busy, finish, skip, setError } = loop;
  const controller = useRef<CanvasController | null>(null);
  usePageTitle(project ? `Label · ${project.name}` : 'Label');

  const submit = useCallback(() => {
    if (phase !== 'task') return;
    const result = controller.current?.getResult();
    if (!result) {
      setError('The canvas is still loading; submit again in a moment.');
      return;
    }
    return finish((t) => submitTask(t.id, result), `Task ${task?.id} submitted.`);
  }, [phase, finish, setError, task?.id]);

  /* Ctrl+Enter submits, Ctrl+Shift+S skips; captured before the canvas sees them. */
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        e.stopPropagation();
        submit();
      } else if (e.shiftKey && (e.code === 'KeyS' || e.key.toLowerCase() === 's')) {
        e.preventDefault();
        e.stopPropagation();
        if (phase === 'task') skip();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [submit, skip, phase]);

  const data = useMemo(() => task?.data ?? {}, [task]);
  const previous = useMemo(() => (task ? latestResult(task) : undefined), [task]);
  const badge = task ? reworkBadge(task) : null;

  return (
    <LoopFrame loop={loop} titleFallback="Labeling">
      {task && project && (
        <>
          <TaskBar taskId={task.id} info={badge && <span className="badge">{badge}</span>}>
            <div className="actions">
              <button type="button" className="primary" onClick={submit} disabled={busy !== null} aria-keyshortcuts="Control+Enter">
                Submit
              </button>
              <button type="button" onClick={skip} disabled={busy !== null} aria-keyshortcuts="Control+Shift+S">
                Skip
              </button>
            </div>
          </TaskBar>
          <p className="muted shortcuts">Shortcuts: Ctrl+Enter submits, Ctrl+Shift+S skips.</p>
          <TaskNote title={SENT_BACK_TITLE} text={task.last_comment} />
          <LabelCanvas
            key={task.id}
            taskId={task.id}
            config={project.label_config}
            data={data}
            result={previous}
            controller={controller}
            onReady={() => controller.current?.focus()}
          />
        </>
      )}
    </LoopFrame>
  );
}
