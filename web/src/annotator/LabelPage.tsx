/*
 * The label-next loop: claim a task, label it in the canvas, submit, and
 * the next one is claimed. While labeling, the regions are saved to the
 * server as a draft, so a reloaded page resumes the task where it was.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useParams } from 'react-router-dom';
import { askModel } from '../api/ml';
import { saveDraft, saveDraftOnLeave, submitTask } from '../api/tasks';
import { LabelCanvas, type CanvasController } from '../canvas/LabelCanvas';
import { usePageTitle } from '../ui';
import { LoopFrame } from '../work/LoopFrame';
import { TaskBar, TaskNote } from '../work/TaskFrame';
import { createDraftSaver, describePrediction, initialResult, predictionsOf, type Prediction } from '../work/draft';
import { useWorkLoop } from '../work/useWorkLoop';
import { SENT_BACK_TITLE, reworkBadge } from './rework';

/* How often the canvas is read for changes to save (Label Studio reports no edits as they happen). */
const DRAFT_POLL_MS = 1000;

export function LabelPage() {
  const projectId = Number(useParams().id);
  const loop = useWorkLoop(projectId, 'l1');
  const { project, task, phase, busy, finish, skip, setError } = loop;
  const controller = useRef<CanvasController | null>(null);
  const [draftNote, setDraftNote] = useState('');
  usePageTitle(project ? `Label · ${project.name}` : 'Label');

  const data = useMemo(() => task?.data ?? {}, [task]);
  const opening = useMemo(() => (task ? initialResult(task) : undefined), [task]);
  const stored = useMemo(() => (task ? predictionsOf(task) : []), [task]);
  /* "Ask the model": the answer of the backend that pre-annotated the task,
   * given the regions drawn so far; the canvas reopens on it alone (Label
   * Studio opens on a prediction of its own choosing when given several). */
  const [asked, setAsked] = useState<{ taskId: number; prediction: Prediction } | null>(null);
  const [asking, setAsking] = useState(false);
  const [askNote, setAskNote] = useState('');
  const fresh = asked && asked.taskId === task?.id ? asked.prediction : null;
  const predictions = useMemo(() => (fresh ? [fresh] : stored), [fresh, stored]);
  const modelBackend = stored.find((p) => p.ml_backend_id !== undefined)?.ml_backend_id;

  /* The open task's draft: saved a moment after each change, and sent once more as the page goes. */
  const taskId = task?.id;
  useEffect(() => {
    if (taskId === undefined) return;
    setDraftNote(task?.resumed && task.draft ? 'Your unsaved work was restored.' : '');
    const saver = createDraftSaver(
      {
        save: (r) => saveDraft(taskId, r),
        onSaved: () => setDraftNote(`Draft saved at ${new Date().toLocaleTimeString()}.`),
        onError: () => setDraftNote('The draft could not be saved; it is retried with your next change.'),
      },
      opening,
    );
    const poll = setInterval(() => {
      const r = controller.current?.getResult();
      if (r) saver.update(r);
    }, DRAFT_POLL_MS);
    const onHide = () => {
      const r = controller.current?.getResult();
      if (r) saver.update(r);
      const last = saver.pending();
      if (last) saveDraftOnLeave(taskId, last);
    };
    window.addEventListener('pagehide', onHide);
    /* A save that lands after the submit is refused (the stint is over), and
     * the draft went with the stint: nothing to undo. */
    return () => {
      clearInterval(poll);
      window.removeEventListener('pagehide', onHide);
      saver.stop();
    };
    /* One saver per task: the task's other fields never change while it is open. */
  }, [taskId]);

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

  const ask = useCallback(async () => {
    if (!task || modelBackend === undefined) return;
    setAsking(true);
    try {
      const p = await askModel(projectId, modelBackend, task.id, controller.current?.getResult() ?? []);
      /* Region ids of their own: the canvas refuses two regions with one id,
       * and a backend may reuse those of its stored prediction. */
      const result = p.result.map((r, i) => (r && typeof r === 'object' ? { ...r, id: `asked-${Date.now()}-${i}` } : r));
      setAsked({ taskId: task.id, prediction: { id: stored.length + 1, result, model_version: p.model_version, ...(typeof p.score === 'number' ? { score: p.score } : {}) } });
      setAskNote("The model's answer is on the canvas.");
    } catch (e) {
      setError(e instanceof Error ? `The model could not answer: ${e.message}` : 'The model could not answer.');
    } finally {
      setAsking(false);
    }
  }, [task, modelBackend, projectId, stored.length, setError]);

  const badge = task ? reworkBadge(task) : null;

  return (
    <LoopFrame loop={loop} titleFallback="Labeling" stage="l1" instructionsOverlay>
      {task && project && (
        <>
          <TaskBar
            taskId={task.id}
            info={
              <>
                {badge && <span className="badge">{badge}</span>}
                {predictions.length > 0 && <span className="badge prediction-source">Pre-annotated by {describePrediction(predictions[0])}</span>}
                {fresh && askNote && <span className="muted">{askNote}</span>}
                {draftNote && <span className="muted draft-note">{draftNote}</span>}
              </>
            }
          >
            <div className="actions">
              <button type="button" className="primary" onClick={submit} disabled={busy !== null} aria-keyshortcuts="Control+Enter">
                Submit
              </button>
              <button type="button" onClick={skip} disabled={busy !== null} aria-keyshortcuts="Control+Shift+S">
                Skip
              </button>
              {modelBackend !== undefined && (
                <button type="button" data-testid="ask-model" onClick={ask} disabled={busy !== null || asking}>
                  Ask the model
                </button>
              )}
            </div>
          </TaskBar>
          <p className="muted shortcuts">Shortcuts: Ctrl+Enter submits, Ctrl+Shift+S skips.</p>
          <TaskNote title={SENT_BACK_TITLE} text={task.last_comment} />
          <LabelCanvas
            key={task.id}
            taskId={task.id}
            config={project.label_config}
            data={data}
            result={fresh ? undefined : opening}
            predictions={predictions}
            controller={controller}
            onReady={() => controller.current?.focus()}
          />
        </>
      )}
    </LoopFrame>
  );
}
