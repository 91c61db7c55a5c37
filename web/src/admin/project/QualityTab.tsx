/*
 * Quality: the project's gold tasks (tasks with a known answer, served to
 * annotators among the real ones) with how they have been answered, and
 * each annotator's scores, from gold and from review, with their
 * suspension. How often gold is served, the pass mark and the automatic
 * suspension rule are policies, on the Settings tab.
 */
import { useState, type FormEvent } from 'react';
import { createGold, listAnnotatorQuality, listGold, reinstateMember, retireGold, suspendMember, type AnnotatorQuality, type Gold, type NewGold } from '../../api/quality';
import type { Project } from '../../api/types';
import { describeResult, percent } from '../../lib/results';
import { EmptyRow, ErrorAlert, Loading, PagerControls, StatusMessage, TableHead, formatTime, useLoad, usePagedList, useSubmit } from '../../ui';

export type GoldForm = { ok: true; body: NewGold } | { ok: false; message: string };

/*
 * The add form's body: a task to promote, with the answer typed as a
 * Label Studio result array, or none to take the task's accepted result.
 */
export function goldBody(taskText: string, answerText: string): GoldForm {
  const t = taskText.trim();
  if (!/^\d+$/.test(t) || Number(t) <= 0) return { ok: false, message: 'Enter the id of a task in this project.' };
  const task_id = Number(t);
  if (answerText.trim() === '') return { ok: true, body: { task_id } };
  let answer: unknown;
  try {
    answer = JSON.parse(answerText);
  } catch (e) {
    return { ok: false, message: `The answer is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!Array.isArray(answer) || !answer.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r)))
    return { ok: false, message: 'The answer must be a Label Studio result: an array of regions, such as [{"from_name": …, "value": …}].' };
  return { ok: true, body: { task_id, answer } };
}

/* The start of a task's data, enough to recognise it in a table. */
function dataPreview(data: Record<string, unknown>): string {
  const text = JSON.stringify(data);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/* "83% · 4 of 5 passed", or that there are none yet. */
export function goldSummary(g: { answered: number; passed: number; mean_score: number | null }): string {
  if (g.answered === 0) return 'No answers yet';
  return `${g.mean_score === null ? '–' : percent(g.mean_score)} · ${g.passed} of ${g.answered} passed`;
}

/* "90% · 9 of 10 accepted", over the reviewed submissions. */
export function reviewSummary(r: AnnotatorQuality['review']): string {
  const reviewed = r.accepted + r.rejected;
  if (reviewed === 0) return r.submitted === 0 ? 'Nothing submitted' : `${r.submitted} submitted, none reviewed yet`;
  return `${r.acceptance_rate === null ? '–' : percent(r.acceptance_rate)} · ${r.accepted} of ${reviewed} accepted`;
}

/* "75% over 4 shared", or a dash without overlap work. */
export function agreementSummary(a: AnnotatorQuality['agreement']): string {
  return a.value === null || a.units === 0 ? 'No shared tasks' : `${percent(a.value)} · over ${a.units} shared`;
}

function GoldSection({ project }: { project: Project }) {
  const { list, pagerProps } = usePagedList((q) => listGold(project.id, q), 50, [project.id]);
  const [taskId, setTaskId] = useState('');
  const [answer, setAnswer] = useState('');
  const add = useSubmit();
  const [rowError, setRowError] = useState<unknown>(null);
  const [status, setStatus] = useState('');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setStatus('');
    const r = goldBody(taskId, answer);
    if (!r.ok) {
      add.setError(r.message);
      return;
    }
    await add.run(async () => {
      const g = await createGold(project.id, r.body);
      setStatus(`Gold item #${g.id} added from task #${taskId.trim()}.`);
      setTaskId('');
      setAnswer('');
      list.reload();
    });
  }

  async function retire(g: Gold) {
    setRowError(null);
    setStatus('');
    try {
      await retireGold(project.id, g.id);
      setStatus(`Gold item #${g.id} retired: it is served no more, its answers are kept.`);
      list.reload();
    } catch (e) {
      setRowError(e);
    }
  }

  return (
    <section aria-labelledby="gold-title">
      <h3 id="gold-title">Gold tasks</h3>
      <p className="hint">
        Tasks with a known answer, served to annotators among the real ones at the project&apos;s gold rate. An annotator cannot tell them apart
        before submitting.
      </p>
      <form className="card form-grid" onSubmit={submit} aria-labelledby="gold-add-title">
        <h4 id="gold-add-title">Add a gold task</h4>
        <label htmlFor="gold-add-task">Task id</label>
        <input
          id="gold-add-task"
          data-testid="gold-add-task"
          inputMode="numeric"
          required
          aria-describedby="gold-add-task-hint"
          value={taskId}
          onChange={(e) => setTaskId(e.target.value)}
        />
        <p id="gold-add-task-hint" className="hint">
          A task of this project; its data becomes the gold task&apos;s.
        </p>
        <label htmlFor="gold-add-answer">Answer (optional)</label>
        <textarea
          id="gold-add-answer"
          data-testid="gold-add-answer"
          className="code"
          rows={5}
          spellCheck={false}
          aria-describedby="gold-add-answer-hint"
          value={answer}
          onChange={(e) => setAnswer(e.target.value)}
        />
        <p id="gold-add-answer-hint" className="hint">
          A Label Studio result array. Leave it empty to use the task&apos;s accepted result.
        </p>
        <ErrorAlert error={add.error} />
        <div className="form-actions">
          <button type="submit" data-testid="gold-add-submit" disabled={add.busy}>
            Add gold task
          </button>
        </div>
      </form>
      <StatusMessage>{status}</StatusMessage>
      <ErrorAlert error={rowError} />
      <ErrorAlert error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="the gold tasks" />
      ) : (
        <table className="data-table">
          <caption className="sr-only">Gold tasks</caption>
          <TableHead columns={['Gold', 'Data', 'Answer', 'From task', 'Answered', 'Passed', 'Mean score', 'Status', 'Actions']} />
          <tbody>
            {list.data?.items.length === 0 && <EmptyRow colSpan={9}>No gold tasks yet.</EmptyRow>}
            {list.data?.items.map((g) => (
              <tr key={g.id} data-testid={`gold-row-${g.id}`}>
                <th scope="row">#{g.id}</th>
                <td>
                  <code>{dataPreview(g.data)}</code>
                </td>
                <td>{g.answer.map(describeResult).join('; ') || '–'}</td>
                <td>{g.source_task_id === null ? '–' : `#${g.source_task_id}`}</td>
                <td data-testid={`gold-answered-${g.id}`}>{g.answered}</td>
                <td data-testid={`gold-passed-${g.id}`}>{g.passed}</td>
                <td>{g.mean_score === null ? '–' : percent(g.mean_score)}</td>
                <td>{g.retired_at ? `Retired ${formatTime(g.retired_at)}` : 'Served'}</td>
                <td>
                  {!g.retired_at && (
                    <button type="button" className="danger" data-testid={`gold-retire-${g.id}`} aria-label={`Retire gold task #${g.id}`} onClick={() => retire(g)}>
                      Retire
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagerControls label="Gold tasks pages" {...pagerProps} />
    </section>
  );
}

/* The reason asked for before suspending someone by hand. */
function SuspendForm({ person, onSuspend, onCancel }: { person: AnnotatorQuality; onSuspend: (reason: string) => Promise<void>; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const { error, busy, run } = useSubmit();
  const id = `suspend-reason-${person.user_id}`;
  return (
    <form
      className="suspend-form"
      onSubmit={(e) => {
        e.preventDefault();
        run(() => onSuspend(reason.trim()));
      }}
    >
      <label htmlFor={id}>Reason for suspending {person.name}</label>{' '}
      <input id={id} data-testid={id} required value={reason} onChange={(e) => setReason(e.target.value)} />{' '}
      <button type="submit" className="danger" data-testid={`suspend-confirm-${person.user_id}`} disabled={busy || reason.trim() === ''}>
        Suspend
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <ErrorAlert error={error} />
    </form>
  );
}

function AnnotatorsSection({ project }: { project: Project }) {
  const people = useLoad(() => listAnnotatorQuality(project.id), [project.id]);
  const [asking, setAsking] = useState<number | null>(null);
  const [rowError, setRowError] = useState<unknown>(null);
  const [status, setStatus] = useState('');

  async function suspend(p: AnnotatorQuality, reason: string) {
    setStatus('');
    await suspendMember(project.id, p.user_id, reason);
    setAsking(null);
    setStatus(`${p.name} is suspended from labeling in this project.`);
    people.reload();
  }

  async function reinstate(p: AnnotatorQuality) {
    setRowError(null);
    setStatus('');
    try {
      await reinstateMember(project.id, p.user_id);
      setStatus(`${p.name} is reinstated and can label again.`);
      people.reload();
    } catch (e) {
      setRowError(e);
    }
  }

  return (
    <section aria-labelledby="annotators-title">
      <h3 id="annotators-title">Annotators</h3>
      <p className="hint">
        Gold: the mean score on gold tasks and how many passed. Review: the share of reviewed submissions that were accepted. Agreement:
        how far their answers agree with the other annotators of the same tasks. The score is the mean of those known; its confidence is
        how many answers it rests on.
      </p>
      <StatusMessage>{status}</StatusMessage>
      <ErrorAlert error={rowError} />
      <ErrorAlert error={people.error} />
      {people.loading && !people.data ? (
        <Loading what="the annotators' scores" />
      ) : (
        <table className="data-table">
          <caption className="sr-only">Annotator scores</caption>
          <TableHead columns={['Annotator', 'Gold', 'Review', 'Agreement', 'Score', 'Status', 'Actions']} />
          <tbody>
            {people.data?.items.length === 0 && <EmptyRow colSpan={7}>No annotator has worked in this project yet.</EmptyRow>}
            {people.data?.items.map((p) => (
              <tr key={p.user_id} data-testid={`annotator-row-${p.user_id}`}>
                <th scope="row">
                  {p.name}
                  <div className="muted">{p.email}</div>
                </th>
                <td data-testid={`annotator-gold-${p.user_id}`} data-answered={p.gold.answered} data-passed={p.gold.passed}>
                  {goldSummary(p.gold)}
                </td>
                <td data-testid={`annotator-review-${p.user_id}`}>{reviewSummary(p.review)}</td>
                <td data-testid={`annotator-agreement-${p.user_id}`}>{agreementSummary(p.agreement)}</td>
                <td>
                  {p.score === null ? '–' : percent(p.score)}
                  <div className="muted">confidence {p.confidence}</div>
                </td>
                <td>
                  {p.suspended ? (
                    <>
                      <span className="badge suspended" data-testid={`suspended-${p.user_id}`}>
                        Suspended
                      </span>
                      <div>{p.suspended.reason}</div>
                      <div className="muted">
                        {p.suspended.by === null ? 'Automatically' : 'By an admin'}, {formatTime(p.suspended.at)}
                      </div>
                    </>
                  ) : (
                    'Active'
                  )}
                </td>
                <td>
                  {p.suspended ? (
                    <button type="button" data-testid={`reinstate-${p.user_id}`} aria-label={`Reinstate ${p.name}`} onClick={() => reinstate(p)}>
                      Reinstate
                    </button>
                  ) : asking === p.user_id ? (
                    <SuspendForm person={p} onSuspend={(reason) => suspend(p, reason)} onCancel={() => setAsking(null)} />
                  ) : (
                    <button type="button" className="danger" data-testid={`suspend-${p.user_id}`} aria-label={`Suspend ${p.name}`} onClick={() => setAsking(p.user_id)}>
                      Suspend
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function QualityTab({ project }: { project: Project }) {
  return (
    <div>
      <h2>Quality</h2>
      <AnnotatorsSection project={project} />
      <GoldSection project={project} />
    </div>
  );
}
