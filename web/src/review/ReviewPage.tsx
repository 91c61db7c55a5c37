/*
 * L2 review: the annotation read-only in the canvas; approve, reject with a
 * comment, correct it and approve, or escalate to a super reviewer. On an
 * overlap task the annotators' consensus can be loaded to start from.
 */
import { LoopFrame } from '../work/LoopFrame';
import { DecisionButton, DecisionCanvas, DecisionPanel, DecisionShortcuts, DecisionTaskBar, SHORTCUT_KEYS } from './DecisionFrame';
import { ConsensusPanel } from './Consensus';
import { TaskHistory, VersionCompare } from './History';
import { TaskNote } from '../work/TaskFrame';
import { useDecisionTask } from './useDecisionTask';

export function ReviewPage() {
  const review = useDecisionTask('l2', 'Review', 'review');
  const { loop, nameOf, versions, current, note, send, sendCommented, sendOwn, consensus, source, startFromConsensus } = review;
  const { project, task } = loop;
  const text = typeof task?.data?.text === 'string' ? (task.data.text as string) : undefined;
  const approve = () => task && send({ decision: 'approve', comment: note }, `Task ${task.id} approved.`);
  const reject = () => task && sendCommented('reject', 'reject', `Task ${task.id} rejected.`);

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
          <DecisionShortcuts review={review} approve={approve} reject={reject} rejectLabel="Reject" rejectDoes="rejects" />
          <TaskNote title="Earlier feedback" text={task.last_comment} />
          <DecisionPanel
            review={review}
            commentId="review-comment"
            commentHint="Required to reject or escalate; a rejection comment is shown to the annotator."
            editingHint="The canvas is editable: correct the regions, then choose “Correct and approve”."
          >
            <DecisionButton review={review} className="primary" keys={SHORTCUT_KEYS.approve} onClick={approve}>
              Approve
            </DecisionButton>
            <DecisionButton review={review} className="danger" keys={SHORTCUT_KEYS.reject} onClick={reject}>
              Reject
            </DecisionButton>
            <DecisionButton review={review} onClick={() => sendOwn('approve', `Task ${task.id} corrected and approved.`)}>
              Correct and approve
            </DecisionButton>
            <DecisionButton review={review} onClick={() => sendCommented('escalate', 'escalate', `Task ${task.id} escalated.`)}>
              Escalate
            </DecisionButton>
          </DecisionPanel>
          {consensus && (
            <ConsensusPanel consensus={consensus} text={text} action="Correct and approve" loaded={source === 'consensus'} disabled={loop.busy !== null} onStart={startFromConsensus} />
          )}
          <DecisionCanvas review={review} readOnlyLabel="Annotation under review (read-only)" />
          <VersionCompare versions={versions} nameOf={nameOf} text={text} />
          <TaskHistory task={task} versions={versions} nameOf={nameOf} />
        </>
      )}
    </LoopFrame>
  );
}
