/* Beside an open task: the queue, what the user has done here, and the lease countdown. */
import { useEffect, useRef, useState } from 'react';
import type { Project, Stage } from '../api/types';
import { startLeaseClock, type LeaseReading } from './leaseClock';
import { markInstructionsSeen, shouldShowInstructions } from './instructions';

export function LeaseTimer({ expiresAt }: { expiresAt: number | null }) {
  const [reading, setReading] = useState<LeaseReading | null>(null);
  const at = useRef(expiresAt);
  at.current = expiresAt;
  const live = expiresAt !== null;
  useEffect(() => {
    if (!live) {
      setReading(null);
      return;
    }
    const clock = startLeaseClock(() => at.current ?? Date.now(), setReading);
    return () => clock.stop();
  }, [live]);
  if (!reading) return null;
  if (reading.level === 'ok')
    return (
      <span className="lease-timer" data-level="ok" title="Time left on your lease; it renews itself while this page is open.">
        Lease: <span className="lease-left">{reading.text}</span> left
      </span>
    );
  return (
    <span className="lease-timer lease-warning" data-level={reading.level} role="alert">
      {reading.level === 'over'
        ? 'Your lease has run out: this task may go back to the queue.'
        : <>Lease ends in <span className="lease-left">{reading.text}</span>: send your work before it runs out.</>}
    </span>
  );
}

const QUEUE_STATE: Record<Stage, 'queued_l1' | 'queued_l2' | 'queued_l3'> = { l1: 'queued_l1', l2: 'queued_l2', l3: 'queued_l3' };

/* Queue size (tasks waiting at this stage, from the project's counts) and the tasks done on this page. */
export function QueueInfo({ project, stage, doneCount }: { project: Project; stage: Stage; doneCount: number }) {
  const waiting = project.counts?.[QUEUE_STATE[stage]];
  const done = stage === 'l1' ? 'submitted' : stage === 'l2' ? 'reviewed' : 'decided';
  return (
    <span className="queue-info">
      {typeof waiting === 'number' && (
        <span>
          In queue: <strong className="queue-size">{waiting}</strong>
        </span>
      )}
      <span>
        You {done} <strong className="done-count">{doneCount}</strong> here this session
      </span>
    </span>
  );
}

/* The project's instructions over the page the first time it is opened here (and after they change). */
export function InstructionsOverlay({ project }: { project: Project }) {
  const [open, setOpen] = useState(() => shouldShowInstructions(project.id, project.instructions));
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) button.current?.focus();
  }, [open]);
  if (!open) return null;
  const close = () => {
    markInstructionsSeen(project.id, project.instructions ?? '');
    setOpen(false);
  };
  return (
    <div className="overlay-backdrop">
      <div
        className="overlay card"
        role="dialog"
        aria-modal="true"
        aria-labelledby="instructions-title"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            close();
          }
        }}
      >
        <h2 id="instructions-title">Instructions for {project.name}</h2>
        <p className="instructions-text">{project.instructions}</p>
        <p className="muted">They stay available under “Instructions” on this page.</p>
        <button ref={button} type="button" className="primary" onClick={close}>
          Got it, start labeling
        </button>
      </div>
    </div>
  );
}
