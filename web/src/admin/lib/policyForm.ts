/*
 * The policies form's logic: the fields, their bounds and defaults come
 * from GET /meta (policy_fields, the server's own table), so the checks
 * here are the server's checks and cannot drift from them. A fraction
 * (l3_sample_rate) is edited as a percentage and sent as 0..1.
 */
import type { Meta } from '../../api/types';

export type PolicyField = Meta['policy_fields'][number];
/* The form's values: text as typed for numbers, a boolean for a checkbox. */
export type PolicyValues = Record<string, string | boolean>;
export type PolicyErrors = Record<string, string>;

/* Basis points are the server's resolution: two decimals of a percent. */
const PERCENT = /^\d+(\.\d{1,2})?$/;
const INTEGER = /^-?\d+$/;

function percentText(fraction: number): string {
  return String(Math.round(fraction * 10000) / 100);
}

/* The inputs' starting values: the project's policies, else the defaults. */
export function policyValues(fields: PolicyField[], policies: Record<string, unknown> | undefined): PolicyValues {
  const out: PolicyValues = {};
  for (const f of fields) {
    const v = policies?.[f.name] ?? f.default;
    if (f.type === 'boolean') out[f.name] = v === true;
    else if (f.type === 'fraction') out[f.name] = percentText(Number(v));
    else out[f.name] = String(v);
  }
  return out;
}

/* The unit under an input, as people read it. */
export function unitLabel(f: PolicyField): string {
  if (f.type === 'fraction') return '%';
  return f.unit;
}

/* The bounds in the unit the input is typed in. */
export function bounds(f: PolicyField): { min: number; max: number } {
  const scale = f.type === 'fraction' ? 100 : 1;
  return { min: (f.min ?? 0) * scale, max: (f.max ?? 0) * scale };
}

function checkOne(f: PolicyField, raw: string | boolean): { error?: string; value?: number | boolean } {
  if (f.type === 'boolean') return { value: raw === true };
  const text = String(raw).trim();
  const { min, max } = bounds(f);
  if (f.type === 'fraction') {
    const n = Number(text);
    if (!PERCENT.test(text) || n < min || n > max)
      return { error: `Enter a percentage from ${min} to ${max}, at most two decimals.` };
    return { value: Math.round(n * 100) / 10000 };
  }
  const n = Number(text);
  if (!INTEGER.test(text) || n < min || n > max)
    return { error: `Enter a whole number from ${min} to ${max}${f.unit ? ` (${f.unit})` : ''}.` };
  return { value: n };
}

/*
 * Every field's problem at once, and the policies body when there are
 * none. The segment rule is the server's rule across two fields: the
 * overlap stays below a non-zero segment length.
 */
export function checkPolicies(
  fields: PolicyField[],
  values: PolicyValues,
): { errors: PolicyErrors; body: Record<string, number | boolean> | null } {
  const errors: PolicyErrors = {};
  const body: Record<string, number | boolean> = {};
  for (const f of fields) {
    const r = checkOne(f, values[f.name] ?? '');
    if (r.error) errors[f.name] = r.error;
    else body[f.name] = r.value as number | boolean;
  }
  const seg = body.segment_seconds;
  const overlap = body.segment_overlap_seconds;
  if (typeof seg === 'number' && typeof overlap === 'number' && seg > 0 && overlap >= seg)
    errors.segment_overlap_seconds = 'Must be less than the segment length.';
  return { errors, body: Object.keys(errors).length ? null : body };
}

/*
 * The server's error.details lines put back next to their fields: "policy
 * NAME must ..." goes to NAME, a task type's line to the task types field,
 * the rest stays general.
 */
export function serverPolicyErrors(fields: PolicyField[], details: string[]): { errors: PolicyErrors; other: string[] } {
  const names = new Set(fields.map((f) => f.name));
  const errors: PolicyErrors = {};
  const other: string[] = [];
  for (const line of details) {
    const own = /^policy (\w+) (.*)$/.exec(line);
    if (/^task type/.test(line) || /^task_types /.test(line)) errors.task_types = errors.task_types ? `${errors.task_types} ${line}` : line;
    else if (own && names.has(own[1])) errors[own[1]] = errors[own[1]] ? `${errors[own[1]]} ${line}` : line;
    else other.push(line);
  }
  return { errors, other };
}

/* Per-task-type overrides as JSON, checked with the same table. Segmenting
 * is the project's and is refused here as the server refuses it. */
export function checkTaskTypes(fields: PolicyField[], text: string): { error: string | null; value: Record<string, Record<string, unknown>> | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim() || '{}');
  } catch (e) {
    return { error: `Not valid JSON: ${(e as Error).message}`, value: null };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { error: 'Must be a JSON object such as {"hard": {"lease_seconds": 1800}}.', value: null };
  const byName = new Map(fields.map((f) => [f.name, f]));
  const problems: string[] = [];
  for (const [type, over] of Object.entries(parsed as Record<string, unknown>)) {
    if (type.length < 1 || type.length > 64) problems.push('Task type names are 1 to 64 characters.');
    if (over === null || typeof over !== 'object' || Array.isArray(over)) {
      problems.push(`"${type}": must be an object of policies.`);
      continue;
    }
    for (const [key, v] of Object.entries(over as Record<string, unknown>)) {
      const f = byName.get(key);
      if (!f) problems.push(`"${type}": unknown policy "${key}".`);
      else if (key.startsWith('segment_')) problems.push(`"${type}": ${key} is set for the whole project.`);
      else if (f.type === 'boolean' ? typeof v !== 'boolean' : !(typeof v === 'number' && v >= (f.min ?? 0) && v <= (f.max ?? 0) && (f.type !== 'integer' || Number.isInteger(v))))
        problems.push(`"${type}": ${key} must be ${f.type === 'boolean' ? 'true or false' : `${f.type === 'integer' ? 'an integer' : 'a number'} from ${f.min} to ${f.max}`}.`);
    }
  }
  return problems.length ? { error: problems.join(' '), value: null } : { error: null, value: parsed as Record<string, Record<string, unknown>> };
}
