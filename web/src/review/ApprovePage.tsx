/*
 * L3 approval: the approval queue and escalations, with the task's whole
 * history (every version, who did what, decisions and comments) and two
 * versions side by side; approve, override with an own result, send back
 * to L1 or L2, or discard.
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
import { TaskHistory, VersionCompare } from './History';

export function ApprovePage() {
  const projectId = Number(useParams().id);
  const loop = useWorkLoop(projectId, 'l3');
  const { project, task, busy, finish, skip, setError } = loop;
  const nameOf = useMemberNames(projectId);
  const controller = useRef<CanvasController | null>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const [comment, setComment] = useState('');
  const [editing, setEditing] = useState(false);
  const [backTo, setBackTo] = useState<'send_back_l1' | 'send_back_l2'>('send_back_l1');
  usePageTitle(project ? `Approve · ${project.name}` : 'Approve');

  useEffect(() => {
    setComment('');
    setEditing(false);
    setBackTo('send_back_l1');
  }, [task?.id]);

  const versions = useMemo(() => (task ? sortedVersions(task) : []), [task]);
  const current = versions[versions.length - 1];
  const data = useMemo(() => task?.data ?? {}, [task]);
  const result = useMemo(() => current?.result, [current]);
  const note = comment.trim() || undefined;

  const decide = (body: Record<string, unknown>, done: string) =>
    finish((t: Task) => api('POST', `/tasks/${t.id}/decide`, body), done);

  function needComment(what: string): boolean {
    if (note) return false;
    setError(`Write a comment before you ${what}.`);
    commentRef.current?.focus();
    return true;
  }

  function override() {
    const own = controller.current?.getResult();
    if (!own) {
      setError('The canvas is still loading; try again in a moment.');
      return;
    }
    decide({ decision: 'override', comment: note, result: own }, `Task ${task?.id} overridden and accepted.`);
  }

  function sendBack() {
    if (needComment('send the task back')) return;
    decide({ decision: backTo, comment: note }, `Task ${task?.id} sent back to ${backTo === 'send_back_l1' ? 'the annotator' : 'review'}.`);
  }

  function discard() {
    if (needComment('discard the task')) return;
    decide({ decision: 'discard', comment: note }, `Task ${task?.id} discarded.`);
  }

  const text = typeof task?.data?.text === 'string' ? (task.data.text as string) : undefined;

  return (
    <LoopFrame loop={loop} titleFallback="Approve">
      {task && project && (
        <>
          <div className="task-bar">
            <span>
              Task <strong>{task.id}</strong>
              {current && (
                <>
                  {' · '}version {current.version} by {nameOf(current.author_id)}
                </>
              )}
              {task.reworks > 0 && <span className="badge">Reworks {task.reworks}</span>}
              {task.attempts > 0 && <span className="badge">Expired leases {task.attempts}</span>}
            </span>
            <button type="button" onClick={skip} disabled={busy !== null}>
              Skip
            </button>
          </div>
          {task.last_comment && (
            <aside className="reviewer-comment" role="note" aria-label="Latest feedback">
              <h2>Latest feedback</h2>
              <p>{task.last_comment}</p>
            </aside>
          )}
          <div className="decision-panel">
            <div className="field">
              <label htmlFor="decide-comment">Comment</label>
              <textarea
                id="decide-comment"
                ref={commentRef}
                rows={3}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                aria-describedby="decide-comment-hint"
              />
              <p id="decide-comment-hint" className="muted">
                Required to send back or discard.
              </p>
            </div>
            <div className="field inline">
              <label htmlFor="send-back-to">Send back to</label>
              <select id="send-back-to" value={backTo} onChange={(e) => setBackTo(e.target.value as typeof backTo)}>
                <option value="send_back_l1">Annotator (L1)</option>
                <option value="send_back_l2">Reviewer (L2)</option>
              </select>
            </div>
            <div className="actions" role="group" aria-label="Decision">
              <button type="button" className="primary" onClick={() => decide({ decision: 'approve', comment: note }, `Task ${task.id} approved.`)} disabled={busy !== null}>
                Approve
              </button>
              <button type="button" onClick={override} disabled={busy !== null}>
                Override
              </button>
              <button type="button" onClick={sendBack} disabled={busy !== null}>
                Send back
              </button>
              <button type="button" className="danger" onClick={discard} disabled={busy !== null}>
                Discard
              </button>
              <button type="button" aria-pressed={editing} onClick={() => setEditing((e) => !e)}>
                Edit annotation
              </button>
            </div>
            {editing && <p className="muted">The canvas is editable: make your own version, then choose “Override”.</p>}
          </div>
          <LabelCanvas
            key={task.id}
            taskId={task.id}
            config={project.label_config}
            data={data}
            result={result}
            readOnly={!editing}
            controller={controller}
            label={editing ? 'Annotation (editing)' : 'Latest version (read-only)'}
            onReady={() => controller.current?.focus()}
          />
          <VersionCompare versions={versions} nameOf={nameOf} text={text} />
          <TaskHistory task={task} versions={versions} nameOf={nameOf} />
        </>
      )}
    </LoopFrame>
  );
}
