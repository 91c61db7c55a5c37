/*
 * Reading Label Studio results for people: a line per region, and which
 * regions two versions share, so versions can be compared side by side
 * without a second canvas.
 */

export interface Region {
  id?: string;
  from_name?: string;
  to_name?: string;
  type?: string;
  value?: Record<string, unknown>;
}

const LABEL_KEYS = ['labels', 'rectanglelabels', 'polygonlabels', 'keypointlabels', 'brushlabels', 'ellipselabels', 'hypertextlabels', 'paragraphlabels', 'timeserieslabels', 'taxonomy', 'choices'];

function num(v: unknown): string {
  return typeof v === 'number' ? String(Math.round(v * 10) / 10) : '?';
}

/* What the region says (its labels, choices, text, rating). */
export function regionWhat(r: Region): string {
  const v = r.value ?? {};
  for (const k of LABEL_KEYS) {
    const x = v[k];
    if (Array.isArray(x) && x.length) return x.map((e) => (Array.isArray(e) ? e.join(' / ') : String(e))).join(', ');
  }
  if (Array.isArray(v.text)) return (v.text as unknown[]).map(String).join(' | ');
  if (typeof v.rating === 'number') return `rating ${v.rating}`;
  if (typeof v.number === 'number') return `number ${v.number}`;
  return r.type ?? 'region';
}

/* Where the region is (a text span, a box, a time range). */
export function regionWhere(r: Region, text?: string): string {
  const v = r.value ?? {};
  if (typeof v.start === 'number' && typeof v.end === 'number') {
    const span = typeof v.text === 'string' ? v.text : text ? text.slice(v.start, v.end) : '';
    return `${span ? `“${span}” ` : ''}chars ${v.start}–${v.end}`;
  }
  if (typeof v.x === 'number' && typeof v.y === 'number') {
    return typeof v.width === 'number'
      ? `box x ${num(v.x)}%, y ${num(v.y)}%, ${num(v.width)}×${num(v.height)}%`
      : `point x ${num(v.x)}%, y ${num(v.y)}%`;
  }
  if (Array.isArray(v.points)) return `polygon of ${v.points.length} points`;
  if (typeof v.start === 'string' || typeof v.start === 'number') return `from ${String(v.start)} to ${String(v.end)}`;
  return '';
}

/* Identity for comparing regions across versions: everything but the region id and derived fields. */
export function regionKey(r: Region): string {
  const v = { ...(r.value ?? {}) };
  const stable = (o: unknown): unknown =>
    Array.isArray(o)
      ? o.map(stable)
      : o && typeof o === 'object'
        ? Object.fromEntries(
            Object.keys(o as object)
              .sort()
              .map((k) => [k, stable((o as Record<string, unknown>)[k])]),
          )
        : typeof o === 'number'
          ? Math.round(o * 100) / 100
          : o;
  return JSON.stringify([r.from_name, r.to_name, r.type, stable(v)]);
}

export interface ComparedRegion {
  region: Region;
  /* In the other version too. */
  shared: boolean;
}

export function compareVersions(left: unknown[], right: unknown[]): { left: ComparedRegion[]; right: ComparedRegion[] } {
  const asRegions = (a: unknown[]) => a.filter((r): r is Region => !!r && typeof r === 'object');
  const l = asRegions(left);
  const r = asRegions(right);
  const count = (rs: Region[]) => {
    const m = new Map<string, number>();
    for (const x of rs) m.set(regionKey(x), (m.get(regionKey(x)) ?? 0) + 1);
    return m;
  };
  /* Multiset matching: two identical regions on one side match two on the other, not one. */
  const mark = (rs: Region[], other: Map<string, number>) => {
    const left = new Map(other);
    return rs.map((region) => {
      const k = regionKey(region);
      const n = left.get(k) ?? 0;
      if (n > 0) left.set(k, n - 1);
      return { region, shared: n > 0 };
    });
  };
  return { left: mark(l, count(r)), right: mark(r, count(l)) };
}
