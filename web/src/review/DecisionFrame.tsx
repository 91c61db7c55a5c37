/* Pieces of the review (L2) and approval (L3) pages around the task being decided. */
import { useEffect, useRef, type ReactNode } from 'react';
import { LabelCanvas } from '../canvas/LabelCanvas';
import { TaskBar } from '../work/TaskFrame';
import type { DecisionTask } from './useDecisionTask';

/* The bar above a task under review: who made the version in front of the reviewer, and Skip. */
export function DecisionTaskBar({ review, children }: { review: DecisionTask; children: ReactNode }) {
  const { task, busy, skip } = review.loop;
  if (!task) return null;
  return (
    <TaskBar taskId={task.id} info={children}>
      <button type="button" onClick={skip} disabled={busy !== null} aria-keyshortcuts={SHORTCUT_KEYS.next}>
        Skip
      </button>
    </TaskBar>
  );
}

/*
 * The comment box, any extra fields, the decision buttons and the toggle
 * that makes the canvas editable for the reviewer's own version.
 */
export function DecisionPanel(props: {
  review: DecisionTask;
  commentId: string;
  commentHint: string;
  fields?: ReactNode;
  editingHint: string;
  children: ReactNode;
}) {
  const { review, commentId } = props;
  const { editing, setEditing } = review;
  return (
    <div className="decision-panel">
      <div className="field">
        <label htmlFor={commentId}>Comment</label>
        <textarea
          id={commentId}
          ref={review.commentRef}
          rows={3}
          value={review.comment}
          onChange={(e) => review.setComment(e.target.value)}
          aria-describedby={`${commentId}-hint`}
        />
        <p id={`${commentId}-hint`} className="muted">
          {props.commentHint}
        </p>
      </div>
      {props.fields}
      <div className="actions" role="group" aria-label="Decision">
        {props.children}
        <button type="button" aria-pressed={editing} onClick={() => setEditing((e) => !e)}>
          Edit annotation
        </button>
      </div>
      {editing && <p className="muted">{props.editingHint}</p>}
    </div>
  );
}

/* A decision button, disabled while the loop is busy. */
export function DecisionButton(props: { review: DecisionTask; className?: string; keys?: string; onClick: () => void; children: ReactNode }) {
  return (
    <button type="button" className={props.className} onClick={props.onClick} disabled={props.review.loop.busy !== null} aria-keyshortcuts={props.keys}>
      {props.children}
    </button>
  );
}

/* The latest version, read-only until the reviewer chooses to edit it. */
export function DecisionCanvas({ review, readOnlyLabel }: { review: DecisionTask; readOnlyLabel: string }) {
  const { task, project } = review.loop;
  if (!task || !project) return null;
  return (
    <LabelCanvas
      key={`${task.id}:${review.source}`}
      taskId={task.id}
      config={project.label_config}
      data={review.data}
      result={review.result}
      readOnly={!review.editing}
      controller={review.controller}
      label={review.source === 'consensus' ? 'Consensus (editing)' : review.editing ? 'Annotation (editing)' : readOnlyLabel}
      onReady={() => review.controller.current?.focus()}
    />
  );
}

/* The keys of the review and approval pages (aria-keyshortcuts syntax). */
export const SHORTCUT_KEYS = {
  approve: 'Control+Enter',
  reject: 'Control+Shift+X',
  next: 'Control+Shift+S',
} as const;

/*
 * Keyboard shortcuts, captured before the canvas sees them: Ctrl+Enter
 * approves, Ctrl+Shift+X rejects (or sends back) with the comment, and with
 * no comment yet puts the cursor in the comment box to write one (press it
 * again to send), Ctrl+Shift+S skips to the next task. Shown on the page.
 */
export function DecisionShortcuts(props: { review: DecisionTask; approve: () => void; reject: () => void; rejectLabel: string; rejectDoes: string }) {
  const { review } = props;
  const { phase, skip } = review.loop;
  const handlers = useRef(props);
  handlers.current = props;
  useEffect(() => {
    if (phase !== 'task') return;
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const h = handlers.current;
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        e.stopPropagation();
        h.approve();
      } else if (e.shiftKey && (e.code === 'KeyX' || e.key.toLowerCase() === 'x')) {
        e.preventDefault();
        e.stopPropagation();
        if (!h.review.note) {
          h.review.commentRef.current?.focus();
          h.review.loop.setError(`Write a comment, then press Ctrl+Shift+X again to ${h.rejectLabel.toLowerCase()}.`);
          return;
        }
        h.reject();
      } else if (e.shiftKey && (e.code === 'KeyS' || e.key.toLowerCase() === 's')) {
        e.preventDefault();
        e.stopPropagation();
        skip();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [phase, skip]);
  return (
    <p className="muted shortcuts">
      Shortcuts: Ctrl+Enter approves, Ctrl+Shift+X {props.rejectDoes} with your comment (first puts the cursor in the comment box),
      Ctrl+Shift+S skips to the next task.
    </p>
  );
}
