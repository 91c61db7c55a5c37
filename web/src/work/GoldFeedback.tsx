/*
 * The annotator's score on a gold task, shown after its submit (never
 * before: a gold task looks like any other until then) and before the next
 * task is claimed: the score, whether it passed, each control's share, and
 * the expected answer.
 */
import { useEffect, useRef } from 'react';
import type { GoldFeedback } from '../api/quality';
import { describeResult, percent } from '../lib/results';
import { TableHead } from '../ui';

export function GoldFeedbackPanel({ feedback, busy, onNext }: { feedback: GoldFeedback; busy: boolean; onNext: () => void }) {
  const next = useRef<HTMLButtonElement>(null);

  /* Enter goes on: the score was announced with the submit. */
  useEffect(() => {
    next.current?.focus();
  }, [feedback]);

  return (
    <section className={`card gold-feedback ${feedback.passed ? 'passed' : 'failed'}`} data-testid="gold-feedback" aria-labelledby="gold-feedback-title">
      <h2 id="gold-feedback-title">Quality check</h2>
      <p>
        That task was a quality check with a known answer. Your score:{' '}
        <strong data-testid="gold-feedback-score">{percent(feedback.score)}</strong>{' '}
        <span className="badge" data-testid="gold-feedback-verdict">
          {feedback.passed ? 'Passed' : 'Failed'}
        </span>
      </p>
      <p className="hint">A score of {percent(feedback.pass_score)} or more passes.</p>
      {feedback.controls.length > 0 && (
        <table className="data-table">
          <caption>Score per control</caption>
          <TableHead columns={['Control', 'Compared by', 'Score']} />
          <tbody>
            {feedback.controls.map((c) => (
              <tr key={c.name} data-testid={`gold-feedback-control-${c.name}`}>
                <td>{c.name}</td>
                <td>{c.method}</td>
                <td>{percent(c.score)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {feedback.expected.length > 0 && (
        <details>
          <summary>Expected answer</summary>
          <ul>
            {feedback.expected.map((r, i) => (
              <li key={i}>{describeResult(r)}</li>
            ))}
          </ul>
        </details>
      )}
      <div className="actions">
        <button type="button" className="primary" ref={next} data-testid="gold-feedback-next" onClick={onNext} disabled={busy}>
          Next task
        </button>
      </div>
    </section>
  );
}
