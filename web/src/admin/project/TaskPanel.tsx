/*
 * One task opened from the data manager: its data, state, lease and last
 * comment, then who worked on it and every stored version (review/History).
 * An accepted task can be made a gold task, its accepted result the answer.
 * A side panel: focus moves into it when it opens, Escape closes it.
 */
import { useEffect, useRef, useState } from 'react';
import { createGold } from '../../api/quality';
import { getTask } from '../../api/tasks';
import type { Task } from '../../api/types';
import { TaskHistory } from '../../review/History';
import { ErrorAlert, Loading, STATE_LABELS, StatusMessage, formatTime, useLoad, useSubmit } from '../../ui';

/* Promotes the accepted task to gold; says which gold item it became. */
function MarkAsGold({ task }: { task: Task }) {
  const { error, busy, run } = useSubmit();
  const [done, setDone] = useState('');
  return (
    <div className="mark-gold">
      <button
        type="button"
        data-testid="mark-gold"
        disabled={busy || done !== ''}
        onClick={() =>
          run(async () => {
            const g = await createGold(task.project_id, { task_id: task.id });
            setDone(`Task #${task.id} is now gold task #${g.id}, its accepted result the answer (see the Quality tab).`);
          })
        }
      >
        Mark as gold
      </button>
      <ErrorAlert error={error} />
      <StatusMessage>{done}</StatusMessage>
    </div>
  );
}

export function TaskPanel({ taskId, nameOf, onClose }: { taskId: number; nameOf: (id: number) => string; onClose: () => void }) {
  const task = useLoad(() => getTask(taskId), [taskId]);
  const heading = useRef<HTMLHeadingElement>(null);
  const t = task.data;

  useEffect(() => {
    heading.current?.focus();
  }, [taskId]);

  return (
    <aside
      className="task-panel"
      aria-labelledby="task-panel-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div className="page-head">
        <h3 id="task-panel-title" tabIndex={-1} ref={heading}>
          Task #{taskId}
        </h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorAlert error={task.error} />
      {!t ? (
        task.loading && <Loading what={`task #${taskId}`} />
      ) : (
        <>
          <dl className="task-facts">
            <dt>State</dt>
            <dd>{STATE_LABELS[t.state] ?? t.state}</dd>
            <dt>Priority</dt>
            <dd>{t.priority}</dd>
            <dt>Attempts / reworks</dt>
            <dd>
              {t.attempts} / {t.reworks}
            </dd>
            {t.lease && (
              <>
                <dt>Held by</dt>
                <dd>
                  {nameOf(t.lease.holder)} until {formatTime(t.lease.expires_at, { seconds: true })}
                </dd>
              </>
            )}
            {t.last_comment && (
              <>
                <dt>Last comment</dt>
                <dd>{t.last_comment}</dd>
              </>
            )}
            <dt>Created</dt>
            <dd>{formatTime(t.created_at, { seconds: true })}</dd>
            <dt>Updated</dt>
            <dd>{formatTime(t.updated_at, { seconds: true })}</dd>
          </dl>
          {t.state === 'accepted' && <MarkAsGold key={t.id} task={t} />}
          <h4>Data</h4>
          <pre className="code" aria-label="Task data">
            {JSON.stringify(t.data, null, 2)}
          </pre>
          <TaskHistory task={t} versions={t.annotations ?? []} nameOf={nameOf} />
        </>
      )}
    </aside>
  );
}
