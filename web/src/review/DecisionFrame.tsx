/* Pieces of the review (L2) and approval (L3) pages around the task being decided. */
import type { ReactNode } from 'react';
import { LabelCanvas } from '../canvas/LabelCanvas';
import { TaskBar } from '../work/TaskFrame';
import type { DecisionTask } from './useDecisionTask';

/* The bar above a task under review: who made the version in front of the reviewer, and Skip. */
export function DecisionTaskBar({ review, children }: { review: DecisionTask; children: ReactNode }) {
  const { task, busy, skip } = review.loop;
  if (!task) return null;
  return (
    <TaskBar taskId={task.id} info={children}>
      <button type="button" onClick={skip} disabled={busy !== null}>
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
export function DecisionButton(props: { review: DecisionTask; className?: string; onClick: () => void; children: ReactNode }) {
  return (
    <button type="button" className={props.className} onClick={props.onClick} disabled={props.review.loop.busy !== null}>
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
      key={task.id}
      taskId={task.id}
      config={project.label_config}
      data={review.data}
      result={review.result}
      readOnly={!review.editing}
      controller={review.controller}
      label={review.editing ? 'Annotation (editing)' : readOnlyLabel}
      onReady={() => review.controller.current?.focus()}
    />
  );
}
