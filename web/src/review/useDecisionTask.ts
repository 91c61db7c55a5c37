/*
 * What the review (L2) and approval (L3) pages share: the claimed task in a
 * work loop, its versions, the reviewer's comment and the editable canvas.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useParams } from 'react-router-dom';
import { judgeTask } from '../api/tasks';
import type { ReviewBody, Task } from '../api/types';
import type { CanvasController } from '../canvas/LabelCanvas';
import { usePageTitle } from '../ui';
import { sortedVersions } from '../work/taskUtil';
import { useWorkLoop } from '../work/useWorkLoop';
import { useMemberNames } from './useMembers';

export function useDecisionTask(stage: 'l2' | 'l3', title: string, action: 'review' | 'decide') {
  const projectId = Number(useParams().id);
  const loop = useWorkLoop(projectId, stage);
  const { project, task, finish, setError } = loop;
  const nameOf = useMemberNames(projectId);
  const controller = useRef<CanvasController | null>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const [comment, setComment] = useState('');
  const [editing, setEditing] = useState(false);
  /* What the canvas shows: the latest version, or the annotators' consensus once loaded. */
  const [source, setSource] = useState<'latest' | 'consensus'>('latest');
  usePageTitle(project ? `${title} · ${project.name}` : title);

  useEffect(() => {
    setComment('');
    setEditing(false);
    setSource('latest');
  }, [task?.id]);

  const versions = useMemo(() => (task ? sortedVersions(task) : []), [task]);
  const current = versions[versions.length - 1];
  const data = useMemo(() => task?.data ?? {}, [task]);
  const consensus = task?.consensus;
  const result = useMemo(() => (source === 'consensus' && consensus ? consensus.result : current?.result), [source, consensus, current]);
  /* The consensus goes into an editable canvas: approving it is the reviewer's correction. */
  const startFromConsensus = () => {
    setSource('consensus');
    setEditing(true);
  };
  const note = comment.trim() || undefined;

  const send = (body: ReviewBody, done: string) => finish((t: Task) => judgeTask(t.id, action, body), done);

  /* Sending back, rejecting and the like must say why: `what` names the action in the error. */
  function sendCommented(what: string, decision: ReviewBody['decision'], done: string) {
    if (!note) {
      setError(`Write a comment before you ${what}.`);
      commentRef.current?.focus();
      return;
    }
    send({ decision, comment: note }, done);
  }

  /* Sends the reviewer's own version from the canvas, which may still be loading. */
  function sendOwn(decision: ReviewBody['decision'], done: string) {
    const own = controller.current?.getResult();
    if (!own) {
      setError('The canvas is still loading; try again in a moment.');
      return;
    }
    send({ decision, comment: note, result: own as ReviewBody['result'] }, done);
  }

  return {
    loop,
    nameOf,
    controller,
    commentRef,
    comment,
    setComment,
    editing,
    setEditing,
    versions,
    current,
    data,
    result,
    source,
    consensus,
    startFromConsensus,
    note,
    send,
    sendCommented,
    sendOwn,
  };
}

export type DecisionTask = ReturnType<typeof useDecisionTask>;
