import { describe, expect, it } from 'vitest';
import type { ProjectProgress } from '../api/types';
import { acceptanceNote, progressFigures } from './progress';

const row = (over: Partial<ProjectProgress> = {}): ProjectProgress => ({
  project_id: 1,
  submitted: 10,
  accepted: 5,
  rejected: 1,
  pending_review: 4,
  last_7_days: 3,
  ...over,
});

describe('progressFigures', () => {
  it('lists the figures in reading order with their labels', () => {
    expect(progressFigures(row())).toEqual([
      { label: 'Submitted', value: 10 },
      { label: 'Accepted', value: 5 },
      { label: 'Sent back', value: 1 },
      { label: 'Waiting for review', value: 4 },
      { label: 'Last 7 days', value: 3 },
    ]);
  });
  it('shows zeros for a project without submissions', () => {
    expect(progressFigures(undefined).map((f) => f.value)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('acceptanceNote', () => {
  it('is the share of decided submissions that were accepted', () => {
    expect(acceptanceNote(row({ accepted: 3, rejected: 1 }))).toBe('75% accepted');
  });
  it('rounds down, so almost all is not all', () => {
    expect(acceptanceNote(row({ accepted: 249, rejected: 1 }))).toBe('99% accepted');
  });
  it('says nothing before any decision', () => {
    expect(acceptanceNote(row({ accepted: 0, rejected: 0 }))).toBeNull();
    expect(acceptanceNote(undefined)).toBeNull();
  });
  it('is 0% when everything was sent back', () => {
    expect(acceptanceNote(row({ accepted: 0, rejected: 2 }))).toBe('0% accepted');
  });
});
