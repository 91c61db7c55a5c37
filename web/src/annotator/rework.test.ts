import { describe, expect, it } from 'vitest';
import { SENT_BACK_TITLE, reworkBadge } from './rework';

describe('rework badge', () => {
  it('marks a task an L3 sent back to L1 (a comment, no L2 rework counted)', () => {
    expect(reworkBadge({ reworks: 0, last_comment: 'Paris is a LOC here.' })).toBe('Rework');
    expect(SENT_BACK_TITLE).not.toMatch(/Reviewer/);
  });

  it('counts L2 rejections, and stays off for a first pass', () => {
    expect(reworkBadge({ reworks: 2, last_comment: 'again' })).toBe('Rework 2');
    expect(reworkBadge({ reworks: 0, last_comment: null })).toBeNull();
  });
});
