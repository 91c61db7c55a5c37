import { describe, expect, it } from 'vitest';
import { describeFilter, dispositionFilename, exportBody, type ExportForm } from './exportFilter';

const base: ExportForm = { format: 'jsonl', states: ['accepted'], annotator: '', from: '', to: '', includePredictions: false, includeVersions: false };

describe('export request', () => {
  it('sends the states and nothing else by default', () => {
    expect(exportBody(base)).toEqual({ ok: true, body: { format: 'jsonl', filter: { state: ['accepted'] } } });
  });

  it('turns the inclusive date range into the server\'s millisecond range', () => {
    const r = exportBody({ ...base, annotator: '12', from: '2026-01-01', to: '2026-01-31', includeVersions: true, includePredictions: true });
    expect(r).toEqual({
      ok: true,
      body: {
        format: 'jsonl',
        filter: {
          state: ['accepted'],
          annotator: 12,
          since: Date.UTC(2026, 0, 1),
          until: Date.UTC(2026, 1, 1),
          include_predictions: true,
          include_versions: true,
        },
      },
    });
  });

  it('refuses forms the server would refuse', () => {
    expect(exportBody({ ...base, format: 'xlsx' }).ok).toBe(false);
    expect(exportBody({ ...base, states: [] }).ok).toBe(false);
    expect(exportBody({ ...base, from: '2026-02-01', to: '2026-01-01' }).ok).toBe(false);
  });

  it('reads the file name the server suggests', () => {
    expect(dispositionFilename('attachment; filename="project-3-export-9.zip"', 'x')).toBe('project-3-export-9.zip');
    expect(dispositionFilename(null, 'fallback')).toBe('fallback');
  });
});

describe('a past export\'s filter in words', () => {
  it('names the states, annotator, inclusive days and switches', () => {
    const r = exportBody({ ...base, states: ['accepted', 'queued_l2'], annotator: '12', from: '2026-01-01', to: '2026-01-31', includeVersions: true });
    expect(r.ok && describeFilter(r.body.filter, (id) => `#${id}`)).toBe('accepted, queued_l2; by #12; from 2026-01-01; to 2026-01-31; every version');
  });
  it('reads an empty filter as accepted tasks', () => {
    expect(describeFilter({})).toBe('accepted');
    expect(describeFilter(null)).toBe('accepted');
    expect(describeFilter({ state: 'queued_l1' })).toBe('queued_l1');
  });
});
