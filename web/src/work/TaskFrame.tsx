/* Pieces of every work page (labeling, review, approval) around one claimed task. */
import type { ReactNode } from 'react';

export function TaskBar({ taskId, info, children }: { taskId: number; info?: ReactNode; children: ReactNode }) {
  return (
    <div className="task-bar">
      <span>
        Task <strong>{taskId}</strong>
        {info}
      </span>
      {children}
    </div>
  );
}

/* Feedback left on the task by an earlier stage. */
export function TaskNote({ title, text }: { title: string; text: string | null | undefined }) {
  if (!text) return null;
  return (
    <aside className="reviewer-comment" role="note" aria-label={title}>
      <h2>{title}</h2>
      <p>{text}</p>
    </aside>
  );
}
