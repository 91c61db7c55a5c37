/*
 * Starting points for a project's Label Studio configuration, shown as a
 * gallery grouped by data type. They live in templates.json so that an
 * API test (tests/api/templates.test.mjs) can prove each one is accepted by
 * the server's parser (src/labelcfg/parse.c). Each uses only tags the
 * embedded frontend (@heartexlabs/label-studio 1.4.0) knows: it has
 * <Audio> (player only), <AudioPlus> (waveform with regions), <Video>
 * (player only), <PolygonLabels>, <KeyPointLabels>, <Relations> and
 * <Rating>, but no <TimelineLabels> or <VideoRectangle>, so video
 * projects classify whole clips.
 */
import raw from './templates.json';

export type TemplateGroup = 'Text' | 'Image' | 'Audio' | 'Video';
export interface LabelTemplate {
  id: string;
  group: TemplateGroup;
  name: string;
  description: string;
  config: string;
}

export const TEMPLATE_GROUPS: TemplateGroup[] = ['Text', 'Image', 'Audio', 'Video'];

/* The JSON keeps a config as its lines, for a readable file. */
export const LABEL_TEMPLATES: LabelTemplate[] = raw.map((t) => ({ ...t, group: t.group as TemplateGroup, config: t.config.join('\n') }));

/* What a card previews: each label or choice with its colour, then the
 * controls that have none (a text box, a rating, relations). */
export function templatePreview(config: string): { labels: { value: string; background?: string }[]; controls: string[] } {
  const labels: { value: string; background?: string }[] = [];
  const re = /<(Label|Choice)\b([^>]*)>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(config)) !== null) {
    const value = /\bvalue="([^"]*)"/.exec(m[2])?.[1];
    const background = /\bbackground="([^"]*)"/.exec(m[2])?.[1];
    if (value) labels.push(background ? { value, background } : { value });
  }
  const controls: string[] = [];
  if (/<TextArea\b/.test(config)) controls.push('Text box');
  if (/<Rating\b/.test(config)) controls.push('Rating');
  if (/<Relations\b/.test(config)) controls.push('Relations');
  return { labels, controls };
}

/* Whether replacing config would lose work: it is neither empty nor one
 * of the templates unchanged. */
export function isEditedConfig(config: string): boolean {
  const c = config.trim();
  return c !== '' && !LABEL_TEMPLATES.some((t) => t.config.trim() === c);
}

/**
 * Data to preview a configuration with when the project has no task yet:
 * one value per $variable, chosen by the tag that reads it. Images are an
 * inline SVG so the preview works offline.
 */
export const SAMPLE_IMAGE =
  'data:image/svg+xml;charset=utf-8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"><rect width="320" height="200" fill="#e8eef7"/>' +
      '<rect x="40" y="60" width="110" height="70" fill="#1f5fbf"/><circle cx="235" cy="95" r="40" fill="#b3261e"/></svg>',
  );

export function sampleData(config: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const re = /<(\w+)\b[^>]*?\bvalue="\$(\w+)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(config)) !== null) {
    const tag = m[1].toLowerCase();
    const key = m[2];
    if (key in out) continue;
    if (tag === 'image') out[key] = SAMPLE_IMAGE;
    else if (tag === 'audio' || tag === 'audioplus' || tag === 'video') out[key] = '';
    else if (tag === 'hypertext') out[key] = '<p>Alice Smith works at Acme Corp in Paris.</p>';
    else out[key] = 'Alice Smith works at Acme Corp in Paris.';
  }
  return out;
}

/** The browser's XML parser's complaint, or null when well-formed. */
export function xmlProblem(config: string): string | null {
  if (!config.trim()) return 'The configuration is empty.';
  if (typeof DOMParser === 'undefined') return null;
  const doc = new DOMParser().parseFromString(config, 'application/xml');
  const err = doc.getElementsByTagName('parsererror')[0];
  if (!err) return null;
  const text = (err.textContent || '').replace(/\s+/g, ' ').trim();
  return text ? `Not well-formed XML: ${text.slice(0, 240)}` : 'Not well-formed XML.';
}
