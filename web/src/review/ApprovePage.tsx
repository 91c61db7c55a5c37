/*
 * L3 approval: the approval queue and escalations, with the task's whole
 * history (every version, who did what, decisions and comments) and two
 * versions side by side; approve, override with an own result (which may
 * start from the annotators' consensus on an overlap task), send back to
 * L1 or L2, or discard.
 */
import { useEffect, useState } from 'react';
import { LoopFrame } from '../work/LoopFrame';
import { DecisionButton, DecisionCanvas, DecisionPanel, DecisionShortcuts, DecisionTaskBar, SHORTCUT_KEYS } from './DecisionFrame';
import { TaskNote } from '../work/TaskFrame';
import { ConsensusPanel } from './Consensus';
import { TaskHistory, VersionCompare } from './History';
import { useDecisionTask } from './useDecisionTask';

export function ApprovePage() {
  const review = useDecisionTask('l3', 'Approve', 'decide');
  const { loop, nameOf, versions, current, note, send, sendCommented, sendOwn, consensus, source, startFromConsensus } = review;
  const { project, task } = loop;
  const [backTo, setBackTo] = useState<'send_back_l1' | 'send_back_l2'>('send_back_l1');

  useEffect(() => setBackTo('send_back_l1'), [task?.id]);

  const sentBackTo = backTo === 'send_back_l1' ? 'the annotator' : 'review';

  const approve = () => task && send({ decision: 'approve', comment: note }, `Task ${task.id} approved.`);
  const sendBack = () => task && sendCommented('send the task back', backTo, `Task ${task.id} sent back to ${sentBackTo}.`);

  const text = typeof task?.data?.text === 'string' ? (task.data.text as string) : undefined;

  return (
    <LoopFrame loop={loop} titleFallback="Approve" stage="l3">
      {task && project && (
        <>
          <DecisionTaskBar review={review}>
            {current && (
              <>
                {' · '}version {current.version} by {nameOf(current.author_id)}
              </>
            )}
            {task.reworks > 0 && <span className="badge">Reworks {task.reworks}</span>}
            {task.attempts > 0 && <span className="badge">Expired leases {task.attempts}</span>}
          </DecisionTaskBar>
          <DecisionShortcuts review={review} approve={approve} reject={sendBack} rejectLabel="Send back" rejectDoes="sends the task back" />
          <TaskNote title="Latest feedback" text={task.last_comment} />
          <DecisionPanel
            review={review}
            commentId="decide-comment"
            commentHint="Required to send back or discard."
            editingHint="The canvas is editable: make your own version, then choose “Override”."
            fields={
              <div className="field inline">
                <label htmlFor="send-back-to">Send back to</label>
                <select id="send-back-to" value={backTo} onChange={(e) => setBackTo(e.target.value as typeof backTo)}>
                  <option value="send_back_l1">Annotator (L1)</option>
                  <option value="send_back_l2">Reviewer (L2)</option>
                </select>
              </div>
            }
          >
            <DecisionButton review={review} className="primary" keys={SHORTCUT_KEYS.approve} onClick={approve}>
              Approve
            </DecisionButton>
            <DecisionButton review={review} onClick={() => sendOwn('override', `Task ${task.id} overridden and accepted.`)}>
              Override
            </DecisionButton>
            <DecisionButton review={review} keys={SHORTCUT_KEYS.reject} onClick={sendBack}>
              Send back
            </DecisionButton>
            <DecisionButton review={review} className="danger" onClick={() => sendCommented('discard the task', 'discard', `Task ${task.id} discarded.`)}>
              Discard
            </DecisionButton>
          </DecisionPanel>
          {consensus && (
            <ConsensusPanel consensus={consensus} text={text} action="Override" loaded={source === 'consensus'} disabled={loop.busy !== null} onStart={startFromConsensus} />
          )}
          <DecisionCanvas review={review} readOnlyLabel="Latest version (read-only)" />
          <VersionCompare versions={versions} nameOf={nameOf} text={text} />
          <TaskHistory task={task} versions={versions} nameOf={nameOf} />
        </>
      )}
    </LoopFrame>
  );
}
