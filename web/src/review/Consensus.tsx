/*
 * The consensus of an overlap task's annotators (Task.consensus, reviewers
 * only): what a quorum of them agree on, which the reviewer may load into
 * the canvas to start from, and control by control where they did not.
 */
import type { Consensus, ConsensusDisagreement } from '../api/types';
import { regionWhat, regionWhere } from './versions';

function counts(items: { value: unknown; count: number }[], what: (v: unknown) => string): string {
  return items.map((i) => `${what(i.value)} ×${i.count}`).join(', ');
}

const labelsOf = (v: unknown) => (Array.isArray(v) && v.length ? v.map(String).join(', ') : 'no label');

/* One disagreement in words; n is the number of annotators merged, text the task's text (spans). */
export function describeDisagreement(d: ConsensusDisagreement, n: number, text?: string): string {
  if (d.reason === 'label_split') return `Labels differ on a merged region (${counts(d.labels ?? [], labelsOf)}): the majority's is kept.`;
  if (d.votes) return `No answer has the quorum on ${d.to_name}: ${counts(d.votes, (v) => regionWhat({ value: v as Record<string, unknown> }))}.`;
  if (d.label !== undefined && d.start !== undefined && d.end !== undefined) {
    return `${d.label} ${regionWhere({ value: { start: d.start, end: d.end } }, text)}: marked by ${d.annotators} of ${n}.`;
  }
  const what = d.labels?.length ? labelsOf(d.labels[0].value) : 'Region';
  return `${what} ${regionWhere({ value: d.value })}: drawn by ${d.annotators} of ${n}, left out.`;
}

function percent(a: number | null): string {
  return a === null ? 'not merged' : `${Math.round(a * 100)}% agreed`;
}

/* action names the button that sends the reviewer's own version (“Correct and approve” at L2, “Override” at L3). */
export function ConsensusPanel(props: { consensus: Consensus; text?: string; action: string; loaded: boolean; disabled?: boolean; onStart: () => void }) {
  const { consensus: c, text, loaded } = props;
  const disagreements = c.controls.reduce((n, k) => n + k.disagreements.length, 0);
  return (
    <section className="consensus card" aria-labelledby="consensus-title">
      <h2 id="consensus-title">Consensus of {c.annotators} annotators</h2>
      <p className="muted">
        {c.result.length} {c.result.length === 1 ? 'region or answer' : 'regions and answers'} that at least {c.quorum} of them agree on.
        Load it into the canvas, correct it, then choose “{props.action}”.
      </p>
      <button type="button" onClick={props.onStart} disabled={loaded || props.disabled}>
        {loaded ? 'Consensus loaded' : 'Start from consensus'}
      </button>
      {disagreements === 0 ? (
        <p>The annotators agree on everything they labeled.</p>
      ) : (
        <ul className="consensus-controls" aria-label="Disagreements">
          {c.controls
            .filter((k) => k.disagreements.length > 0)
            .map((k) => (
              <li key={k.name}>
                <strong>{k.name}</strong> <span className="muted">({percent(k.agreement)})</span>
                <ul>
                  {k.disagreements.map((d, i) => (
                    <li key={i}>{describeDisagreement(d, c.annotators, text)}</li>
                  ))}
                </ul>
              </li>
            ))}
        </ul>
      )}
    </section>
  );
}
