// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { markInstructionsSeen, shouldShowInstructions, textHash } from './instructions';

describe('instructions overlay on first open', () => {
  beforeEach(() => window.localStorage.clear());

  it('opens once per project, and again when the instructions change', () => {
    expect(shouldShowInstructions(7, 'Mark every person.')).toBe(true);
    markInstructionsSeen(7, 'Mark every person.');
    expect(shouldShowInstructions(7, 'Mark every person.')).toBe(false);
    expect(shouldShowInstructions(8, 'Mark every person.')).toBe(true);
    expect(shouldShowInstructions(7, 'Mark every person and place.')).toBe(true);
  });

  it('never opens without instructions', () => {
    expect(shouldShowInstructions(7, '')).toBe(false);
    expect(shouldShowInstructions(7, '   ')).toBe(false);
    expect(shouldShowInstructions(7, null)).toBe(false);
  });

  it('hashes stably', () => {
    expect(textHash('abc')).toBe(textHash('abc'));
    expect(textHash('abc')).not.toBe(textHash('abd'));
  });
});
