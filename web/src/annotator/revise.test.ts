import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { CLAIMED_MESSAGE, closedReason, refusalReason, taskSnippet } from './revise';

describe('closedReason', () => {
  it('is null while the task waits for review', () => {
    expect(closedReason({ state: 'queued_l2' })).toBeNull();
  });
  it('says a reviewer claimed it', () => {
    expect(closedReason({ state: 'locked_l2' })).toBe(CLAIMED_MESSAGE);
  });
  it('names the state the task moved on to', () => {
    expect(closedReason({ state: 'accepted' })).toMatch(/\(accepted\)/);
    expect(closedReason({ state: 'queued_l1' })).toMatch(/waiting for annotation/);
  });
});

describe('refusalReason', () => {
  it('turns a lost race into the claimed message', () => {
    expect(refusalReason(new ApiError(409, 'task_claimed', 'server text'))).toBe(CLAIMED_MESSAGE);
  });
  it('passes the server sentence for the other final refusals', () => {
    expect(refusalReason(new ApiError(409, 'wrong_state', 'The task is accepted.'))).toBe('The task is accepted.');
    expect(refusalReason(new ApiError(403, 'not_author', 'Only the author.'))).toBe('Only the author.');
  });
  it('leaves other errors to the error box', () => {
    expect(refusalReason(new ApiError(422, 'invalid_result', 'bad'))).toBeNull();
    expect(refusalReason(new ApiError(0, 'network_error', 'offline'))).toBeNull();
    expect(refusalReason(new Error('x'))).toBeNull();
  });
});

describe('taskSnippet', () => {
  it('takes the first text field on one line', () => {
    expect(taskSnippet({ id: 3, text: 'Alice\n  met   Bob.' })).toBe('Alice met Bob.');
  });
  it('cuts long texts with an ellipsis', () => {
    const s = taskSnippet({ text: 'x'.repeat(200) }, 10);
    expect(s).toHaveLength(10);
    expect(s.endsWith('…')).toBe(true);
  });
  it('is empty for data without text', () => {
    expect(taskSnippet({ image: 42 })).toBe('');
    expect(taskSnippet(null)).toBe('');
  });
});
