/*
 * The claim -> work -> finish -> next loop shared by labeling (L1),
 * review (L2) and approval (L3): one task at a time, its lease kept alive
 * while it is open, given back when skipped or when the page is left.
 * Opening the page resumes the task the user already holds at the stage
 * (a reload, a crashed tab); closing the page for good gives it back with
 * the claim's release beacon, which the server carries out after a grace
 * that a resume cancels. After a gold task the submit's answer may carry
 * the annotator's score: the loop then stops on it until they go on.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { getProject } from '../api/projects';
import { MEMBER_SUSPENDED, feedbackOf, type GoldFeedback } from '../api/quality';
import { claimTask, heartbeatTask, releaseTask, sendReleaseBeacon } from '../api/tasks';
import type { ClaimedTask, Project, Stage, Task } from '../api/types';
import { loadLabelStudio } from '../canvas/labelStudio';
import { startHeartbeat, type Heartbeat } from './heartbeat';
import { leaseMsOf } from './taskUtil';

export type Phase = 'loading' | 'task' | 'feedback' | 'empty' | 'lost';
export type Busy = null | 'claim' | 'finish' | 'skip';

export interface WorkLoop {
  project: Project | null;
  task: ClaimedTask | null;
  phase: Phase;
  busy: Busy;
  error: string | null;
  setError(message: string | null): void;
  /* Polite announcements: task loaded, submitted, skipped. */
  status: string;
  /* Why the lease is in trouble (renewal failing, or lost). */
  leaseNote: string | null;
  /* When the lease on the open task ends (ms since the epoch), as last granted; null without one. */
  leaseExpiresAt: number | null;
  /* Tasks finished (submitted, reviewed, decided) on this page since it opened. */
  doneCount: number;
  /* The score of the gold task just submitted (phase 'feedback'); claimNext goes on. */
  feedback: GoldFeedback | null;
  /* Why the server refuses this user tasks here (suspended from labeling); null otherwise. */
  suspended: string | null;
  claimNext(): Promise<void>;
  /* Sends the task's outcome (submit, review, decide); on success claims the next task. */
  finish(send: (t: Task) => Promise<unknown>, done: string): Promise<void>;
  skip(): Promise<void>;
}

export function useWorkLoop(projectId: number, stage: Stage): WorkLoop {
  const [project, setProject] = useState<Project | null>(null);
  const [task, setTask] = useState<ClaimedTask | null>(null);
  const [phase, setPhase] = useState<Phase>('loading');
  const [busy, setBusyState] = useState<Busy>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [leaseNote, setLeaseNote] = useState<string | null>(null);
  const [leaseExpiresAt, setLeaseExpiresAt] = useState<number | null>(null);
  const [doneCount, setDoneCount] = useState(0);
  const [feedback, setFeedback] = useState<GoldFeedback | null>(null);
  const [suspended, setSuspended] = useState<string | null>(null);
  const heartbeat = useRef<Heartbeat | null>(null);
  /* Synchronous guard: a key press and a click in the same tick must not both act. */
  const busyRef = useRef<Busy>(null);
  const alive = useRef(true);
  const held = useRef<Task | null>(null);
  /* The signed URL that gives the held task back from a closing page; renewed with each heartbeat. */
  const beaconUrl = useRef<string | null>(null);

  const setBusy = (b: Busy) => {
    busyRef.current = b;
    setBusyState(b);
  };

  const stopHeartbeat = () => {
    heartbeat.current?.stop();
    heartbeat.current = null;
  };

  const markLost = useCallback((t: Task, e: ApiError) => {
    stopHeartbeat();
    held.current = null;
    setLeaseExpiresAt(null);
    setPhase('lost');
    setLeaseNote(`Your lease on task ${t.id} has ended, so your work on it can no longer be sent. The server said: ${e.message}`);
  }, []);

  const keepLease = useCallback(
    (t: Task, leaseMs: number) => {
      stopHeartbeat();
      heartbeat.current = startHeartbeat({
        leaseMs,
        beat: () =>
          heartbeatTask(t.id).then((answer) => {
            if (answer.release_beacon) beaconUrl.current = answer.release_beacon;
            const left = answer.lease?.expires_in_ms;
            if (typeof left === 'number' && left > 0 && held.current === t) {
              setLeaseExpiresAt(Date.now() + left);
              setLeaseNote(null);
            }
            return answer;
          }),
        onLost: (e) => markLost(t, e),
        onTransientError: (e) => setLeaseNote(`Could not renew the lease on this task: ${errorMessage(e)} Retrying…`),
      });
    },
    [markLost],
  );

  /*
   * Claims and shows the next task. `afterClaim` runs once the claim has
   * answered and may return a problem to show: skipping gives its task back
   * there, so that the claim cannot hand the same task straight back. With
   * `resume`, a task the user already holds at the stage comes first.
   */
  const claimThen = useCallback(
    async (afterClaim?: () => Promise<string | null>, resume = false) => {
      stopHeartbeat();
      held.current = null;
      beaconUrl.current = null;
      setBusy('claim');
      setError(null);
      setFeedback(null);
      setSuspended(null);
      setLeaseNote(null);
      setLeaseExpiresAt(null);
      setTask(null);
      setPhase('loading');
      let t: ClaimedTask | undefined;
      let failure: unknown = null;
      try {
        t = await claimTask(projectId, stage, resume);
      } catch (e) {
        failure = e;
      }
      const problem = afterClaim ? await afterClaim() : null;
      if (!alive.current) {
        /* Left the page while claiming: give the task straight back. */
        if (t) releaseTask(t.id).catch(() => undefined);
        return;
      }
      setBusy(null);
      if (failure || !t) {
        setPhase('empty');
        /* The page's own "No more tasks" heading takes focus and is announced. */
        setStatus('');
        if (failure instanceof ApiError && failure.code === MEMBER_SUSPENDED) {
          setSuspended(failure.message);
          setError(problem);
          return;
        }
        setError(failure ? errorMessage(failure) : problem);
        return;
      }
      held.current = t;
      beaconUrl.current = t.release_beacon ?? null;
      /* The queue size shown beside the task: the project's counts after this claim. */
      getProject(projectId)
        .then((p) => alive.current && setProject(p))
        .catch(() => undefined);
      setTask(t);
      setPhase('task');
      setError(problem);
      setStatus(
        t.resumed
          ? `Task ${t.id} resumed${t.draft ? ' with your unsaved work' : ''}.`
          : `Task ${t.id} loaded${t.last_comment ? ' with a reviewer comment' : ''}.`,
      );
      setLeaseExpiresAt(Date.now() + leaseMsOf(t));
      keepLease(t, leaseMsOf(t));
    },
    [projectId, stage, keepLease],
  );

  /* Whatever the user still holds here (a reload, another tab) comes before a new task. */
  const claimNext = useCallback(() => claimThen(undefined, true), [claimThen]);

  useEffect(() => {
    let live = true;
    alive.current = true;
    /* The canvas bundle loads while the project and the claim are asked for, not after. */
    loadLabelStudio().catch(() => undefined);
    getProject(projectId)
      .then((p) => {
        if (!live) return;
        setProject(p);
        claimNext();
      })
      .catch((e) => {
        if (!live) return;
        setError(errorMessage(e));
        setPhase('empty');
      });
    return () => {
      live = false;
      alive.current = false;
      /* Leaving the page gives an open task back instead of letting it sit until the lease runs out. */
      const t = held.current;
      if (t && heartbeat.current) releaseTask(t.id).catch(() => undefined);
      stopHeartbeat();
      held.current = null;
    };
  }, [projectId, claimNext]);

  /* After a refusal that leaves the task ours: renew at once, then keep beating. */
  const resumeLease = useCallback(
    (t: Task) => {
      held.current = t;
      heartbeatTask(t.id)
        .then((fresh) => {
          if (!alive.current || held.current !== t) return;
          if (fresh.release_beacon) beaconUrl.current = fresh.release_beacon;
          setLeaseExpiresAt(Date.now() + leaseMsOf(fresh));
          keepLease(t, leaseMsOf(fresh));
        })
        .catch((err) => err instanceof ApiError && err.status === 409 && markLost(t, err));
    },
    [keepLease, markLost],
  );

  /*
   * The page itself goes away (tab closed, reload, another site): React
   * unmounts nothing, so the beacon is the only word the server gets. A
   * page restored from the back/forward cache renews the lease at once,
   * which also cancels the release its leaving asked for.
   */
  useEffect(() => {
    const onHide = () => {
      if (held.current && heartbeat.current && beaconUrl.current) sendReleaseBeacon(beaconUrl.current);
    };
    const onShow = (e: PageTransitionEvent) => {
      const t = held.current;
      if (e.persisted && t && heartbeat.current) resumeLease(t);
    };
    window.addEventListener('pagehide', onHide);
    window.addEventListener('pageshow', onShow);
    return () => {
      window.removeEventListener('pagehide', onHide);
      window.removeEventListener('pageshow', onShow);
    };
  }, [resumeLease]);

  const finish = useCallback(
    async (send: (t: Task) => Promise<unknown>, done: string) => {
      const t = held.current;
      if (!t || busyRef.current) return;
      setBusy('finish');
      setError(null);
      /* No heartbeat may race the outcome: one answered after it would report a lost lease. */
      stopHeartbeat();
      let answer: unknown;
      try {
        answer = await send(t);
      } catch (e) {
        if (!alive.current) return;
        setBusy(null);
        if (e instanceof ApiError && e.status === 409) {
          markLost(t, e);
          return;
        }
        setError(errorMessage(e));
        /* Refused but still ours: keep the lease alive while the problem is fixed. */
        resumeLease(t);
        return;
      }
      held.current = null;
      setDoneCount((n) => n + 1);
      const scored = feedbackOf(answer);
      if (scored) {
        /* The next task waits until the annotator has read their score, so no lease runs meanwhile. */
        setBusy(null);
        setTask(null);
        setLeaseExpiresAt(null);
        setFeedback(scored);
        setPhase('feedback');
        setStatus(`${done} Quality check: ${Math.round(scored.score * 100)}%, ${scored.passed ? 'passed' : 'failed'}.`);
        return;
      }
      setStatus(done);
      await claimNext();
    },
    [claimNext, resumeLease, markLost],
  );

  /* Skip: the next task is claimed first, then this one is given back, so the queue's head is not this task again. */
  const skip = useCallback(async () => {
    const t = held.current;
    if (!t || busyRef.current) return;
    setBusy('skip');
    stopHeartbeat();
    held.current = null;
    await claimThen(async () => {
      try {
        await releaseTask(t.id);
        setStatus(`Task ${t.id} skipped.`);
        return null;
      } catch (e) {
        /* A lease that is already gone needs no release. */
        if (e instanceof ApiError && e.status === 409) return null;
        return `Task ${t.id} could not be given back (${errorMessage(e)}); it returns to the queue when its lease runs out.`;
      }
    });
  }, [claimThen]);

  return {
    project,
    task,
    phase,
    busy,
    error,
    setError,
    status,
    leaseNote,
    leaseExpiresAt,
    doneCount,
    feedback,
    suspended,
    claimNext,
    finish,
    skip,
  };
}
