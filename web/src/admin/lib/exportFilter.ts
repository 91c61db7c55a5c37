/*
 * The export form as the body of POST /projects/{id}/exports
 * (src/export/job.c): state list, updated-at range in ms, the author of the
 * final version, and the two include switches.
 */
import type { ExportFormat } from '../../api/types';
import { nextDay } from './auditQuery';

/* Labels only: the formats the server writes come from GET /meta. */
export const EXPORT_LABELS: Record<ExportFormat, string> = {
  label_studio_json: 'Label Studio JSON',
  jsonl: 'JSON Lines',
  csv: 'CSV',
  tsv: 'TSV',
  coco: 'COCO (images)',
  yolo: 'YOLO (images, zip)',
  voc: 'Pascal VOC (images, zip)',
  conll2003: 'CoNLL 2003 (text entities)',
  webvtt: 'WebVTT (audio/video segments)',
  srt: 'SRT (audio/video segments)',
};

const isExportFormat = (f: string): f is ExportFormat => Object.hasOwn(EXPORT_LABELS, f);

export interface ExportForm {
  format: string;
  states: string[];
  annotator: string; /* user id or '' */
  from: string; /* YYYY-MM-DD, UTC, inclusive */
  to: string; /* YYYY-MM-DD, UTC, inclusive */
  includePredictions: boolean;
  includeVersions: boolean;
}

export type ExportBody = { ok: true; body: { format: ExportFormat; filter: Record<string, unknown> } } | { ok: false; message: string };

const dayStart = (d: string) => Date.parse(`${d}T00:00:00Z`);

export function exportBody(f: ExportForm): ExportBody {
  const format = f.format;
  if (!isExportFormat(format)) return { ok: false, message: 'Choose a format.' };
  if (f.states.length === 0) return { ok: false, message: 'Choose at least one task state.' };
  const filter: Record<string, unknown> = { state: f.states };
  if (f.annotator) filter.annotator = Number(f.annotator);
  if (f.from) {
    if (Number.isNaN(dayStart(f.from))) return { ok: false, message: 'From date is not a date.' };
    filter.since = dayStart(f.from);
  }
  if (f.to) {
    if (Number.isNaN(dayStart(f.to))) return { ok: false, message: 'To date is not a date.' };
    if (f.from && f.to < f.from) return { ok: false, message: 'To date must not be before From date.' };
    filter.until = dayStart(nextDay(f.to));
  }
  if (f.includePredictions) filter.include_predictions = true;
  if (f.includeVersions) filter.include_versions = true;
  return { ok: true, body: { format, filter } };
}

/*
 * A past export's filter in words, for the list of exports: states,
 * annotator, the updated-at range as inclusive UTC days, and the switches.
 */
export function describeFilter(filter: Record<string, unknown> | null | undefined, nameOf: (id: number) => string = (id) => `user ${id}`): string {
  const f = filter ?? {};
  const parts: string[] = [];
  const st = f.state;
  const states = Array.isArray(st) ? st.map(String) : typeof st === 'string' ? [st] : ['accepted'];
  parts.push(states.join(', '));
  if (typeof f.annotator === 'number' && f.annotator > 0) parts.push(`by ${nameOf(f.annotator)}`);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if (typeof f.since === 'number' && f.since > 0) parts.push(`from ${day(f.since)}`);
  if (typeof f.until === 'number' && f.until > 0) parts.push(`to ${day(f.until - 1)}`);
  if (f.include_predictions) parts.push('with predictions');
  if (f.include_versions) parts.push('every version');
  return parts.join('; ');
}

/* The name in Content-Disposition: attachment; filename="..." */
export function dispositionFilename(header: string | null, fallback: string): string {
  const m = header ? /filename="([^"]+)"/.exec(header) : null;
  return m ? m[1] : fallback;
}
