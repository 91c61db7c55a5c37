/* What the labeling page shows after a gold task and when the annotator is suspended. */
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GoldFeedback } from '../api/quality';
import { LoopFrame } from './LoopFrame';
import type { WorkLoop } from './useWorkLoop';

afterEach(cleanup);

function loopWith(over: Partial<WorkLoop>): WorkLoop {
  return {
    project: null,
    task: null,
    phase: 'loading',
    busy: null,
    error: null,
    setError: vi.fn(),
    status: '',
    leaseNote: null,
    leaseExpiresAt: null,
    doneCount: 0,
    feedback: null,
    suspended: null,
    claimNext: vi.fn(async () => undefined),
    finish: vi.fn(async () => undefined),
    skip: vi.fn(async () => undefined),
    ...over,
  };
}

function show(loop: WorkLoop) {
  return render(
    <MemoryRouter>
      <LoopFrame loop={loop} titleFallback="Labeling" stage="l1">
        <p>the task</p>
      </LoopFrame>
    </MemoryRouter>,
  );
}

const failed: GoldFeedback = {
  score: 0,
  passed: false,
  pass_score: 0.8,
  expected: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Pos'] } }],
  controls: [{ name: 'sentiment', method: 'exact', score: 0 }],
};

describe('gold feedback panel', () => {
  it('shows the score, the verdict, each control and the expected answer, and goes on with Next task', () => {
    const loop = loopWith({ phase: 'feedback', feedback: failed });
    show(loop);
    const panel = screen.getByTestId('gold-feedback');
    expect(screen.getByTestId('gold-feedback-score').textContent).toBe('0%');
    expect(screen.getByTestId('gold-feedback-verdict').textContent).toBe('Failed');
    expect(panel.className).toContain('failed');
    within(panel).getByText('A score of 80% or more passes.');
    const control = screen.getByTestId('gold-feedback-control-sentiment');
    expect([...control.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['sentiment', 'exact', '0%']);
    within(panel).getByText('sentiment: Pos');
    expect(screen.queryByText('the task')).toBeNull();
    /* Focus waits on Next task, so Enter goes on. */
    expect(document.activeElement).toBe(screen.getByTestId('gold-feedback-next'));
    fireEvent.click(screen.getByTestId('gold-feedback-next'));
    expect(loop.claimNext).toHaveBeenCalledTimes(1);
  });

  it('says passed with the rounded score', () => {
    show(loopWith({ phase: 'feedback', feedback: { ...failed, score: 0.834, passed: true, controls: [] } }));
    expect(screen.getByTestId('gold-feedback-score').textContent).toBe('83%');
    expect(screen.getByTestId('gold-feedback-verdict').textContent).toBe('Passed');
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('is not shown while a task is open', () => {
    show(loopWith({ phase: 'task', feedback: null }));
    screen.getByText('the task');
    expect(screen.queryByTestId('gold-feedback')).toBeNull();
  });
});

describe('suspended annotator', () => {
  it('shows the server’s reason instead of the generic error', () => {
    const message = 'You are suspended from labeling in this project: too many failed checks.';
    show(loopWith({ phase: 'empty', suspended: message }));
    expect(screen.getByTestId('suspended-message').textContent).toBe(message);
    screen.getByRole('heading', { name: 'Suspended from labeling' });
    expect(screen.queryByText('Could not get a task')).toBeNull();
    expect(screen.queryByText('No more tasks')).toBeNull();
  });

  it('leaves the ordinary empty queue alone', () => {
    show(loopWith({ phase: 'empty' }));
    screen.getByRole('heading', { name: 'No more tasks' });
    expect(screen.queryByTestId('suspended-message')).toBeNull();
  });
});
