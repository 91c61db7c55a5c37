/*
 * L2 review: the annotation read-only in the canvas; approve, reject with a
 * comment, correct it and approve, or escalate to a super reviewer.
 */
import { LoopFrame } from '../work/LoopFrame';
import { DecisionButton, DecisionCanvas, DecisionPanel, DecisionTaskBar } from './DecisionFrame';
import { TaskNote } from '../work/TaskFrame';
import { useDecisionTask } from './useDecisionTask';

export function ReviewPage() {
  const review = useDecisionTask('l2', 'Review', 'review');
  const { loop, nameOf, current, note, send, sendCommented, sendOwn } = review;
  const { project, task } = loop;

  return (
    <LoopFrame loop={loop} titleFallback="Review" stage="l2">
      {task && project && (
        <>
          <DecisionTaskBar review={review}>
            {current && (
              <>
                {' · '}annotated by {nameOf(current.author_id)}, version {current.version}
              </>
            )}
            {task.reworks > 0 && <span className="badge">Rework {task.reworks}</span>}
          </DecisionTaskBar>
          <TaskNote title="Earlier feedback" text={task.last_comment} />
          <DecisionPanel
            review={review}
            commentId="review-comment"
            commentHint="Required to reject or escalate; a rejection comment is shown to the annotator."
            editingHint="The canvas is editable: correct the regions, then choose “Correct and approve”."
          >
            <DecisionButton review={review} className="primary" onClick={() => send({ decision: 'approve', comment: note }, `Task ${task.id} approved.`)}>
              Approve
            </DecisionButton>
            <DecisionButton review={review} className="danger" onClick={() => sendCommented('reject', 'reject', `Task ${task.id} rejected.`)}>
              Reject
            </DecisionButton>
            <DecisionButton review={review} onClick={() => sendOwn('approve', `Task ${task.id} corrected and approved.`)}>
              Correct and approve
            </DecisionButton>
            <DecisionButton review={review} onClick={() => sendCommented('escalate', 'escalate', `Task ${task.id} escalated.`)}>
              Escalate
            </DecisionButton>
          </DecisionPanel>
          <DecisionCanvas review={review} readOnlyLabel="Annotation under review (read-only)" />
        </>
      )}
    </LoopFrame>
  );
}
