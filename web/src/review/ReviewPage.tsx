/*
 * L2 review: the annotation read-only in the canvas; approve, reject with a
 * comment, correct it and approve, or escalate to a super reviewer.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useParams } from 'react-router-dom';
import { api } from '../api/client';
import type { Task } from '../api/types';
import { LabelCanvas, type CanvasController } from '../canvas/LabelCanvas';
import { LoopFrame } from '../annotator/LoopFrame';
import { sortedVersions } from '../annotator/taskUtil';
import { useWorkLoop } from '../annotator/useWorkLoop';
import { usePageTitle } from '../ui';
import { useMemberNames } from './useMembers';

export function ReviewPage() {
  const projectId = Number(useParams().id);
  const loop = useWorkLoop(projectId, 'l2');
  const { project, task, busy, finish, skip, setError } = loop;
  const nameOf = useMemberNames(projectId);
  const controller = useRef<CanvasController | null>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const [comment, setComment] = useState('');
  const [editing, setEditing] = useState(false);
  usePageTitle(project ? `Review · ${project.name}` : 'Review');

  useEffect(() => {
    setComment('');
    setEditing(false);
  }, [task?.id]);

  const versions = useMemo(() => (task ? sortedVersions(task) : []), [task]);
  const current = versions[versions.length - 1];
  const data = useMemo(() => task?.data ?? {}, [task]);
  const result = useMemo(() => current?.result, [current]);

  const review = (body: Record<string, unknown>, done: string) =>
    finish((t: Task) => api('POST', `/tasks/${t.id}/review`, body), done);

  const note = comment.trim() || undefined;

  function needComment(what: string): boolean {
    if (note) return false;
    setError(`Write a comment before you ${what}.`);
    commentRef.current?.focus();
    return true;
  }

  function reject() {
    if (needComment('reject')) return;
    review({ decision: 'reject', comment: note }, `Task ${task?.id} rejected.`);
  }

  function escalate() {
    if (needComment('escalate')) return;
    review({ decision: 'escalate', comment: note }, `Task ${task?.id} escalated.`);
  }

  function correctAndApprove() {
    const corrected = controller.current?.getResult();
    if (!corrected) {
      setError('The canvas is still loading; try again in a moment.');
      return;
    }
    review({ decision: 'approve', comment: note, result: corrected }, `Task ${task?.id} corrected and approved.`);
  }

  return (
    <LoopFrame loop={loop} titleFallback="Review">
      {task && project && (
        <>
          <div className="task-bar">
            <span>
              Task <strong>{task.id}</strong>
              {current && (
                <>
                  {' · '}annotated by {nameOf(current.author_id)}, version {current.version}
                </>
              )}
              {task.reworks > 0 && <span className="badge">Rework {task.reworks}</span>}
            </span>
            <button type="button" onClick={skip} disabled={busy !== null}>
              Skip
            </button>
          </div>
          {task.last_comment && (
            <aside className="reviewer-comment" role="note" aria-label="Earlier feedback">
              <h2>Earlier feedback</h2>
              <p>{task.last_comment}</p>
            </aside>
          )}
          <div className="decision-panel">
            <div className="field">
              <label htmlFor="review-comment">Comment</label>
              <textarea
                id="review-comment"
                ref={commentRef}
                rows={3}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                aria-describedby="review-comment-hint"
              />
              <p id="review-comment-hint" className="muted">
                Required to reject or escalate; a rejection comment is shown to the annotator.
              </p>
            </div>
            <div className="actions" role="group" aria-label="Decision">
              <button type="button" className="primary" onClick={() => review({ decision: 'approve', comment: note }, `Task ${task.id} approved.`)} disabled={busy !== null}>
                Approve
              </button>
              <button type="button" className="danger" onClick={reject} disabled={busy !== null}>
                Reject
              </button>
              <button type="button" onClick={correctAndApprove} disabled={busy !== null}>
                Correct and approve
              </button>
              <button type="button" onClick={escalate} disabled={busy !== null}>
                Escalate
              </button>
              <button type="button" aria-pressed={editing} onClick={() => setEditing((e) => !e)}>
                Edit annotation
              </button>
            </div>
            {editing && <p className="muted">The canvas is editable: correct the regions, then choose “Correct and approve”.</p>}
          </div>
          <LabelCanvas
            key={task.id}
            taskId={task.id}
            config={project.label_config}
            data={data}
            result={result}
            readOnly={!editing}
            controller={controller}
            label={editing ? 'Annotation (editing)' : 'Annotation under review (read-only)'}
            onReady={() => controller.current?.focus()}
          />
        </>
      )}
    </LoopFrame>
  );
}
