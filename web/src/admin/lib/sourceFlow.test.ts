import { describe, expect, it } from 'vitest';
import type { Source, SourceSync } from '../../api/sources';
import { anySyncActive, sourceUrlProblem, syncSummary } from './sourceFlow';

const sync = (o: Partial<SourceSync>): SourceSync => ({
  id: 1, source_id: 1, status: 'done', listed: 0, new: 0, known: 0, changed: 0, refused: 0, objects_read: 0,
  tasks_created: 0, report: {}, error: null, created_at: '', updated_at: '', ...o,
});

describe('bucket sources', () => {
  it('accepts bucket URLs only', () => {
    expect(sourceUrlProblem('s3://data/images/')).toBe('');
    expect(sourceUrlProblem('gs://data')).toBe('');
    expect(sourceUrlProblem('azure://acct/container/x')).toBe('');
    expect(sourceUrlProblem('azure://acct')).not.toBe('');
    expect(sourceUrlProblem('file:/etc')).not.toBe('');
    expect(sourceUrlProblem('/var/data')).not.toBe('');
    expect(sourceUrlProblem(' ')).toBe('Enter a bucket URL.');
  });

  it('summarizes a sync and knows when to keep polling', () => {
    expect(syncSummary(null)).toBe('never synced');
    expect(syncSummary(sync({ listed: 1200, new: 3, tasks_created: 2, refused: 1 }))).toBe('done: 1,200 listed, 3 new, 2 tasks, 1 refused');
    const src = (s: SourceSync | null): Source => ({ id: 1, project_id: 1, url: 's3://b/', created_by: 1, created_at: '', last_sync: s, syncs: s ? [s] : [] });
    expect(anySyncActive([src(sync({})), src(null)])).toBe(false);
    expect(anySyncActive([src(sync({})), src(sync({ status: 'running' }))])).toBe(true);
  });
});
