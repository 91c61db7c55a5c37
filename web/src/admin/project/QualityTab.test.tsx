/*
 * The Quality tab and the data manager's "Mark as gold" against a fake
 * API: what they send, and what they show for the server's answers.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnnotatorQuality, Gold } from '../../api/quality';
import type { Project } from '../../api/types';

const calls: { method: string; path: string; body?: any }[] = [];
let handler: (method: string, path: string, body?: any) => any = () => {
  throw new Error('no handler');
};

vi.mock('../../api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../api/client')>();
  return {
    ...real,
    api: vi.fn(async (method: string, path: string, body?: unknown) => {
      calls.push({ method, path, body });
      return handler(method, path, body);
    }),
  };
});

const { ApiError } = await import('../../api/client');
const { QualityTab, goldBody, goldSummary, reviewSummary, agreementSummary } = await import('./QualityTab');
const { TaskPanel } = await import('./TaskPanel');

const project = { id: 5, name: 'Sentiment' } as Project;
const list = (items: unknown[] = [], next_cursor: string | null = null) => ({ items, next_cursor });

const gold = (id: number, over: Partial<Gold> = {}): Gold => ({
  id,
  project_id: 5,
  task_type: null,
  data: { text: `gold ${id}` },
  answer: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Pos'] } }],
  source_task_id: null,
  created_at: '2026-03-01T00:00:00.000Z',
  retired_at: null,
  answered: 4,
  passed: 3,
  mean_score: 0.75,
  ...over,
});

const person = (user_id: number, over: Partial<AnnotatorQuality> = {}): AnnotatorQuality => ({
  user_id,
  name: `Person ${user_id}`,
  email: `p${user_id}@x`,
  gold: { answered: 5, passed: 4, mean_score: 0.8 },
  review: { submitted: 12, accepted: 9, rejected: 1, acceptance_rate: 0.9 },
  agreement: { value: 0.75, units: 4 },
  score: 0.85,
  confidence: 15,
  suspended: null,
  ...over,
});

beforeEach(() => {
  calls.length = 0;
});
afterEach(cleanup);

describe('goldBody', () => {
  it('promotes a task with its accepted result when no answer is typed', () => {
    expect(goldBody(' 12 ', '  ')).toEqual({ ok: true, body: { task_id: 12 } });
  });
  it('sends a typed answer as the result array', () => {
    const answer = [{ from_name: 'sentiment', value: { choices: ['Neg'] } }];
    expect(goldBody('3', JSON.stringify(answer))).toEqual({ ok: true, body: { task_id: 3, answer } });
  });
  it('refuses a missing task id, invalid JSON and an answer that is not a region array', () => {
    expect(goldBody('', '')).toMatchObject({ ok: false, message: 'Enter the id of a task in this project.' });
    expect(goldBody('0', '')).toMatchObject({ ok: false });
    expect(goldBody('4', '[{')).toMatchObject({ ok: false, message: expect.stringMatching(/^The answer is not valid JSON/) });
    expect(goldBody('4', '{"choices": ["Pos"]}')).toMatchObject({ ok: false, message: expect.stringMatching(/array of regions/) });
    expect(goldBody('4', '["Pos"]')).toMatchObject({ ok: false, message: expect.stringMatching(/array of regions/) });
  });
});

describe('score summaries', () => {
  it('say the gold mean with its n, and the review acceptance over the reviewed', () => {
    expect(goldSummary({ answered: 1, passed: 0, mean_score: 0 })).toBe('0% · 0 of 1 passed');
    expect(goldSummary({ answered: 0, passed: 0, mean_score: null })).toBe('No answers yet');
    expect(reviewSummary({ submitted: 12, accepted: 9, rejected: 1, acceptance_rate: 0.9 })).toBe('90% · 9 of 10 accepted');
    expect(reviewSummary({ submitted: 2, accepted: 0, rejected: 0, acceptance_rate: null })).toBe('2 submitted, none reviewed yet');
    expect(agreementSummary({ value: 0.75, units: 4 })).toBe('75% · over 4 shared');
    expect(agreementSummary({ value: null, units: 0 })).toBe('No shared tasks');
  });
});

describe('QualityTab', () => {
  it('lists gold tasks with their answers and retires one', async () => {
    let items = [gold(1, { source_task_id: 40 }), gold(2, { answered: 0, passed: 0, mean_score: null })];
    handler = (method, path) => {
      if (path === '/projects/5/quality/annotators') return { items: [] };
      if (method === 'GET' && path === '/projects/5/gold?limit=50') return list(items);
      if (method === 'DELETE' && path === '/projects/5/gold/2') {
        items = items.map((g) => (g.id === 2 ? { ...g, retired_at: '2026-03-02T00:00:00.000Z' } : g));
        return undefined;
      }
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<QualityTab project={project} />);
    const row1 = await screen.findByTestId('gold-row-1');
    expect(within(row1).getByText('#40')).toBeTruthy();
    expect(within(row1).getByText('sentiment: Pos')).toBeTruthy();
    expect(screen.getByTestId('gold-answered-1').textContent).toBe('4');
    expect(screen.getByTestId('gold-passed-1').textContent).toBe('3');
    expect(within(row1).getByText('75%')).toBeTruthy();
    fireEvent.click(screen.getByTestId('gold-retire-2'));
    await waitFor(() => expect(within(screen.getByTestId('gold-row-2')).getByText(/^Retired /)).toBeTruthy());
    expect(screen.queryByTestId('gold-retire-2')).toBeNull();
    expect(screen.getByTestId('gold-retire-1')).toBeTruthy();
    screen.getByText('Gold item #2 retired: it is served no more, its answers are kept.');
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/projects/5/gold/2']);
  });

  it('adds gold from a task, with and without an answer, and shows the server refusing one', async () => {
    let items: Gold[] = [];
    handler = (method, path, body) => {
      if (path === '/projects/5/quality/annotators') return { items: [] };
      if (method === 'GET' && path === '/projects/5/gold?limit=50') return list(items);
      if (method === 'POST' && path === '/projects/5/gold') {
        if (body.task_id === 99) throw new ApiError(409, 'not_accepted', 'Task 99 has no accepted result to take the answer from.');
        const g = gold(items.length + 7, { source_task_id: body.task_id });
        items = [...items, g];
        return g;
      }
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<QualityTab project={project} />);
    await screen.findByText('No gold tasks yet.');

    fireEvent.change(screen.getByTestId('gold-add-task'), { target: { value: '12' } });
    fireEvent.click(screen.getByTestId('gold-add-submit'));
    await screen.findByTestId('gold-row-7');
    screen.getByText('Gold item #7 added from task #12.');
    expect((screen.getByTestId('gold-add-task') as HTMLInputElement).value).toBe('');

    const answer = [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Neg'] } }];
    fireEvent.change(screen.getByTestId('gold-add-task'), { target: { value: '13' } });
    fireEvent.change(screen.getByTestId('gold-add-answer'), { target: { value: JSON.stringify(answer) } });
    fireEvent.click(screen.getByTestId('gold-add-submit'));
    await screen.findByTestId('gold-row-8');

    /* Checked here first: a bad answer never reaches the server. */
    fireEvent.change(screen.getByTestId('gold-add-task'), { target: { value: '14' } });
    fireEvent.change(screen.getByTestId('gold-add-answer'), { target: { value: '{"choices":' } });
    fireEvent.click(screen.getByTestId('gold-add-submit'));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^The answer is not valid JSON/);

    fireEvent.change(screen.getByTestId('gold-add-task'), { target: { value: '99' } });
    fireEvent.change(screen.getByTestId('gold-add-answer'), { target: { value: '' } });
    fireEvent.click(screen.getByTestId('gold-add-submit'));
    await screen.findByText('Task 99 has no accepted result to take the answer from.');

    expect(calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([{ task_id: 12 }, { task_id: 13, answer }, { task_id: 99 }]);
  });

  it('shows each annotator’s scores, suspends with a reason and reinstates', async () => {
    let people = [
      person(3),
      person(4, {
        gold: { answered: 12, passed: 2, mean_score: 0.31 },
        suspended: { reason: 'Mean gold score 31% is below 50%.', at: '2026-03-02T00:00:00.000Z', by: null },
      }),
    ];
    handler = (method, path, body) => {
      if (method === 'GET' && path === '/projects/5/gold?limit=50') return list();
      if (method === 'GET' && path === '/projects/5/quality/annotators') return { items: people };
      if (method === 'POST' && path === '/projects/5/members/3/suspension') {
        people = people.map((p) => (p.user_id === 3 ? { ...p, suspended: { reason: body.reason, at: '2026-03-03T00:00:00.000Z', by: 1 } } : p));
        return { user_id: 3 };
      }
      if (method === 'DELETE' && path === '/projects/5/members/4/suspension') {
        people = people.map((p) => (p.user_id === 4 ? { ...p, suspended: null } : p));
        return undefined;
      }
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<QualityTab project={project} />);
    const row3 = await screen.findByTestId('annotator-row-3');
    expect(screen.getByTestId('annotator-gold-3').textContent).toBe('80% · 4 of 5 passed');
    expect(screen.getByTestId('annotator-review-3').textContent).toBe('90% · 9 of 10 accepted');
    expect(screen.getByTestId('annotator-agreement-3').textContent).toBe('75% · over 4 shared');
    expect(within(row3).getByText('85%')).toBeTruthy();
    expect(within(row3).getByText('confidence 15')).toBeTruthy();
    const row4 = screen.getByTestId('annotator-row-4');
    expect(screen.getByTestId('suspended-4').textContent).toBe('Suspended');
    expect(within(row4).getByText('Mean gold score 31% is below 50%.')).toBeTruthy();
    expect(within(row4).getByText(/^Automatically, /)).toBeTruthy();
    expect(screen.queryByTestId('suspend-4')).toBeNull();

    /* Suspending asks for the reason first. */
    fireEvent.click(screen.getByTestId('suspend-3'));
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    expect((screen.getByTestId('suspend-confirm-3') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Reason for suspending Person 3'), { target: { value: ' Copies the pre-annotations. ' } });
    fireEvent.click(screen.getByTestId('suspend-confirm-3'));
    await screen.findByTestId('suspended-3');
    expect(within(screen.getByTestId('annotator-row-3')).getByText('Copies the pre-annotations.')).toBeTruthy();
    expect(within(screen.getByTestId('annotator-row-3')).getByText(/^By an admin, /)).toBeTruthy();
    screen.getByText('Person 3 is suspended from labeling in this project.');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ reason: 'Copies the pre-annotations.' });

    fireEvent.click(screen.getByTestId('reinstate-4'));
    await waitFor(() => expect(screen.queryByTestId('suspended-4')).toBeNull());
    expect(screen.getByTestId('suspend-4')).toBeTruthy();
    screen.getByText('Person 4 is reinstated and can label again.');
  });
});

describe('TaskPanel: Mark as gold', () => {
  const task = (state: string) => ({
    id: 21,
    project_id: 5,
    state,
    data: { text: 'hello' },
    predictions: null,
    priority: 0,
    task_type: null,
    attempts: 1,
    reworks: 0,
    annotations_done: 1,
    last_comment: null,
    created_at: '2026-03-01T00:00:00.000Z',
    updated_at: '2026-03-01T00:00:00.000Z',
    annotations: [],
    history: [],
  });

  it('promotes an accepted task with its id only, so the accepted result is the answer', async () => {
    handler = (method, path) => {
      if (method === 'GET' && path === '/tasks/21') return task('accepted');
      if (method === 'POST' && path === '/projects/5/gold') return gold(30, { source_task_id: 21 });
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<TaskPanel taskId={21} nameOf={(id) => `User ${id}`} onClose={() => undefined} />);
    fireEvent.click(await screen.findByTestId('mark-gold'));
    await screen.findByText(/^Task #21 is now gold task #30/);
    expect(calls.find((c) => c.method === 'POST')).toEqual({ method: 'POST', path: '/projects/5/gold', body: { task_id: 21 } });
    expect((screen.getByTestId('mark-gold') as HTMLButtonElement).disabled).toBe(true);
  });

  it('offers nothing for a task that is not accepted', async () => {
    handler = (method, path) => {
      if (method === 'GET' && path === '/tasks/21') return task('queued_l2');
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<TaskPanel taskId={21} nameOf={(id) => `User ${id}`} onClose={() => undefined} />);
    await screen.findByText('Waiting for review');
    expect(screen.queryByTestId('mark-gold')).toBeNull();
  });
});
