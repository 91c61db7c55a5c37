/* The page around a work loop: heading, announcements, errors, a gold task's score, and the
 * empty, suspended and lost states. */
import { useEffect, useRef, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { ErrorAlert, Loading } from '../ui';
import type { Stage } from '../api/types';
import { GoldFeedbackPanel } from './GoldFeedback';
import { InstructionsOverlay, LeaseTimer, QueueInfo } from './LoopStatus';
import type { WorkLoop } from './useWorkLoop';

export function LoopFrame({
  loop,
  titleFallback,
  stage,
  instructionsOverlay = false,
  children,
}: {
  loop: WorkLoop;
  titleFallback: string;
  stage: Stage;
  /* Open the project's instructions over the page on first visit (labeling). */
  instructionsOverlay?: boolean;
  children: ReactNode;
}) {
  const { project, phase, busy, error, status, leaseNote, leaseExpiresAt, doneCount, feedback, suspended, claimNext } = loop;
  const headRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (phase === 'empty' || phase === 'lost') headRef.current?.focus();
  }, [phase]);

  return (
    <section className="work-page" aria-labelledby="loop-title">
      <div className="page-head">
        <h1 id="loop-title">
          {titleFallback}
          {project ? `: ${project.name}` : ''}
        </h1>
        <Link to="/work">Back to my projects</Link>
      </div>
      <p className="sr-only" role="status" aria-live="polite">
        {status}
      </p>
      <ErrorAlert error={error} />
      {instructionsOverlay && project?.instructions && <InstructionsOverlay key={project.id} project={project} />}
      {project && (
        <p className="loop-status">
          <QueueInfo project={project} stage={stage} doneCount={doneCount} />
          {phase === 'task' && <LeaseTimer expiresAt={leaseExpiresAt} />}
        </p>
      )}
      {project?.instructions && (
        <details className="instructions">
          <summary>Instructions</summary>
          <p>{project.instructions}</p>
        </details>
      )}

      {phase === 'loading' && <Loading label={busy === 'finish' ? 'Sending…' : 'Claiming the next task…'} />}

      {phase === 'feedback' && feedback && <GoldFeedbackPanel feedback={feedback} busy={busy !== null} onNext={claimNext} />}

      {phase === 'empty' && suspended !== null && (
        <div className="empty card">
          <h2 ref={headRef} tabIndex={-1}>
            Suspended from labeling
          </h2>
          <p className="error" role="alert" data-testid="suspended-message">
            {suspended}
          </p>
          <p>An administrator of the project can reinstate you.</p>
          <div className="actions">
            <button type="button" onClick={claimNext} disabled={busy !== null}>
              Check again
            </button>
            <Link to="/work">Back to my projects</Link>
          </div>
        </div>
      )}

      {phase === 'empty' && suspended === null && (
        <div className="empty card">
          <h2 ref={headRef} tabIndex={-1}>
            {error ? 'Could not get a task' : 'No more tasks'}
          </h2>
          <p>{error ? 'See the message above.' : 'The queue for this project is empty right now.'}</p>
          <div className="actions">
            <button type="button" onClick={claimNext} disabled={busy !== null}>
              Check again
            </button>
            <Link to="/work">Back to my projects</Link>
          </div>
        </div>
      )}

      {phase === 'lost' && (
        <div className="card">
          <h2 ref={headRef} tabIndex={-1}>
            Lease lost
          </h2>
          <div className="error" role="alert">
            <p>{leaseNote}</p>
          </div>
          <button type="button" className="primary" onClick={claimNext} disabled={busy !== null}>
            Claim next task
          </button>
        </div>
      )}

      {phase === 'task' && (
        <>
          {leaseNote && (
            <p className="warning" role="status">
              {leaseNote}
            </p>
          )}
          {children}
        </>
      )}
    </section>
  );
}
