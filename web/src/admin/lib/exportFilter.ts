/*
 * The export form as the body of POST /projects/{id}/exports
 * (src/export/job.c): state list, updated-at range in ms, the author of the
 * final version, and the two include switches.
 */
import { nextDay } from './auditQuery';

export const EXPORT_FORMATS: { value: string; label: string }[] = [
  { value: 'label_studio_json', label: 'Label Studio JSON' },
  { value: 'jsonl', label: 'JSON Lines' },
  { value: 'csv', label: 'CSV' },
  { value: 'tsv', label: 'TSV' },
  { value: 'coco', label: 'COCO (images)' },
  { value: 'yolo', label: 'YOLO (images, zip)' },
  { value: 'voc', label: 'Pascal VOC (images, zip)' },
  { value: 'conll2003', label: 'CoNLL 2003 (text entities)' },
  { value: 'webvtt', label: 'WebVTT (audio/video segments)' },
  { value: 'srt', label: 'SRT (audio/video segments)' },
];

export interface ExportForm {
  format: string;
  states: string[];
  annotator: string; /* user id or '' */
  from: string; /* YYYY-MM-DD, UTC, inclusive */
  to: string; /* YYYY-MM-DD, UTC, inclusive */
  includePredictions: boolean;
  includeVersions: boolean;
}

export type ExportBody = { ok: true; body: { format: string; filter: Record<string, unknown> } } | { ok: false; message: string };

const dayStart = (d: string) => Date.parse(`${d}T00:00:00Z`);

export function exportBody(f: ExportForm): ExportBody {
  if (!EXPORT_FORMATS.some((x) => x.value === f.format)) return { ok: false, message: 'Choose a format.' };
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
  return { ok: true, body: { format: f.format, filter } };
}

/* The name in Content-Disposition: attachment; filename="..." */
export function dispositionFilename(header: string | null, fallback: string): string {
  const m = header ? /filename="([^"]+)"/.exec(header) : null;
  return m ? m[1] : fallback;
}
