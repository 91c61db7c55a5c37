import { describe, expect, it } from 'vitest';
import { importPath } from '../../api/imports';
import {
  importReducer,
  initialImportState,
  progressOf,
  runImport,
  type ImportEvent,
  type ImportJob,
  type ImportState,
} from './importFlow';

function job(over: Partial<ImportJob>): ImportJob {
  return {
    id: 9,
    project_id: 1,
    status: 'queued',
    format: 'csv',
    filename: 'd.csv',
    bytes_total: 100,
    bytes_done: 0,
    items_total: 4,
    items_done: 0,
    tasks_created: 0,
    skipped: 0,
    progress: 0,
    errors: [],
    error: null,
    created_at: '2026-03-04T10:00:00.000Z',
    updated_at: '2026-03-04T10:00:00.000Z',
    ...over,
  };
}

const replay = (events: ImportEvent[]) => events.reduce(importReducer, initialImportState);

describe('import state machine', () => {
  it('goes upload -> import -> done with both bars following', () => {
    let s: ImportState = initialImportState;
    s = importReducer(s, { type: 'start', total: 200 });
    expect(progressOf(s)).toEqual({ upload: 0, import: 0 });
    s = importReducer(s, { type: 'progress', sent: 50, total: 200 });
    expect(progressOf(s)).toEqual({ upload: 0.25, import: 0 });
    s = importReducer(s, { type: 'job', job: job({ status: 'queued', items_done: 0 }) });
    expect(s.phase).toBe('importing');
    expect(progressOf(s)).toEqual({ upload: 1, import: 0 });
    s = importReducer(s, { type: 'job', job: job({ status: 'running', items_done: 3 }) });
    expect(progressOf(s)).toEqual({ upload: 1, import: 0.75 });
    s = importReducer(s, { type: 'job', job: job({ status: 'done', items_done: 4, tasks_created: 4, progress: 1 }) });
    expect(s.phase).toBe('done');
    expect(progressOf(s)).toEqual({ upload: 1, import: 1 });
  });

  it('ignores upload progress that arrives after the server answered', () => {
    const s = replay([
      { type: 'start', total: 10 },
      { type: 'job', job: job({ status: 'running', items_done: 1 }) },
      { type: 'progress', sent: 5, total: 10 },
    ]);
    expect(s.phase).toBe('importing');
  });

  it('does not let a late poll answer move progress backwards or reopen a finished import', () => {
    const running = replay([{ type: 'start', total: 10 }, { type: 'job', job: job({ status: 'running', items_done: 3 }) }]);
    expect(importReducer(running, { type: 'job', job: job({ status: 'running', items_done: 2 }) })).toBe(running);
    const done = importReducer(running, { type: 'job', job: job({ status: 'done', items_done: 4 }) });
    expect(importReducer(done, { type: 'job', job: job({ status: 'running', items_done: 3 }) })).toBe(done);
    expect(importReducer(done, { type: 'error', message: 'late' })).toBe(done);
  });

  it('reports which phase failed', () => {
    expect(replay([{ type: 'start', total: 10 }, { type: 'error', message: 'Malformed row 3' }])).toEqual({
      phase: 'failed',
      stage: 'upload',
      message: 'Malformed row 3',
      job: undefined,
    });
    const failed = replay([
      { type: 'start', total: 10 },
      { type: 'job', job: job({ status: 'running', items_done: 1 }) },
      { type: 'job', job: job({ status: 'failed', error: 'disk full', progress: 0.25 }) },
    ]);
    expect(failed).toMatchObject({ phase: 'failed', stage: 'import', message: 'disk full' });
    expect(progressOf(failed)).toEqual({ upload: 1, import: 0.25 });
  });

  it('is indeterminate while sizes are unknown', () => {
    expect(progressOf(replay([{ type: 'start', total: 0 }])).upload).toBeNull();
    const counting = replay([{ type: 'start', total: 10 }, { type: 'job', job: job({ status: 'running', items_total: 0 }) }]);
    expect(progressOf(counting).import).toBeNull();
  });
});

describe('runImport', () => {
  const file = Object.assign(new Blob(['text\nhello\nworld\n'], { type: 'text/csv' }), { name: 'd a.csv' });

  it('builds the upload query from the options', () => {
    expect(importPath({ projectId: 3, file, format: '', skipBad: false })).toBe('/projects/3/imports?filename=d+a.csv');
    expect(importPath({ projectId: 3, file, format: 'jsonl', skipBad: true })).toBe(
      '/projects/3/imports?filename=d+a.csv&format=jsonl&skip_bad=true',
    );
  });

  it('uploads the raw file with its type, then polls the job until it is done', async () => {
    const events: ImportEvent[] = [];
    const uploads: [string, string][] = [];
    const polls: string[] = [];
    const answers = [job({ status: 'running', items_done: 1 }), job({ status: 'done', items_done: 4, tasks_created: 2 })];
    const last = await runImport(
      { projectId: 3, file, format: '', skipBad: true },
      {
        upload: async (o, onProgress) => {
          uploads.push([importPath(o), o.file.type]);
          expect(o.file).toBe(file);
          onProgress(8, file.size);
          onProgress(file.size, file.size);
          return job({ status: 'queued' });
        },
        get: async (id) => {
          polls.push(`/imports/${id}`);
          return answers.shift()!;
        },
        dispatch: (e) => events.push(e),
        sleep: async () => {},
      },
    );
    expect(uploads).toEqual([['/projects/3/imports?filename=d+a.csv&skip_bad=true', 'text/csv']]);
    expect(polls).toEqual(['/imports/9', '/imports/9']);
    expect(last?.tasks_created).toBe(2);
    expect(events.map((e) => e.type)).toEqual(['start', 'progress', 'progress', 'job', 'job', 'job']);
    const final = events.reduce(importReducer, initialImportState);
    expect(final).toMatchObject({ phase: 'done', job: { tasks_created: 2 } });
  });

  it('reports the server\'s message when the upload is refused', async () => {
    const events: ImportEvent[] = [];
    const r = await runImport(
      { projectId: 3, file },
      {
        upload: async () => {
          throw new Error('Line 3: unterminated quote.');
        },
        get: async () => {
          throw new Error('not reached');
        },
        dispatch: (e) => events.push(e),
        sleep: async () => {},
      },
    );
    expect(r).toBeNull();
    expect(events.reduce(importReducer, initialImportState)).toMatchObject({
      phase: 'failed',
      stage: 'upload',
      message: 'Line 3: unterminated quote.',
    });
  });

  it('rides out a lost poll but gives up after three in a row', async () => {
    const events: ImportEvent[] = [];
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls === 1) throw new Error('network');
      if (calls === 2) return job({ status: 'running', items_done: 2 });
      throw new Error('Could not reach the server.');
    };
    await runImport(
      { projectId: 1, file },
      { upload: async () => job({}), get: flaky, dispatch: (e) => events.push(e), sleep: async () => {} },
    );
    expect(calls).toBe(5);
    expect(events.reduce(importReducer, initialImportState)).toMatchObject({
      phase: 'failed',
      stage: 'import',
      message: 'Could not reach the server.',
    });
  });

  it('stops polling once aborted', async () => {
    const ctl = new AbortController();
    let polls = 0;
    await runImport(
      { projectId: 1, file },
      {
        upload: async () => job({}),
        get: async () => {
          polls++;
          ctl.abort();
          return job({ status: 'running', items_done: 1 });
        },
        dispatch: () => {},
        sleep: async () => {},
        signal: ctl.signal,
      },
    );
    expect(polls).toBe(1);
  });
});
