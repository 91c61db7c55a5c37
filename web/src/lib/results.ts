/*
 * Label Studio results and scores as people read them: the gold feedback
 * an annotator sees and the admin's quality tab say them the same way.
 */

/* A score or rate in 0..1 as a whole percentage: 0.834 is "83%". */
export function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/* The value keys that hold a region's chosen labels, whatever its control. */
const LABEL_KEYS = ['choices', 'labels', 'rectanglelabels', 'polygonlabels', 'ellipselabels', 'keypointlabels', 'brushlabels', 'taxonomy'];

/* One region in a line: "sentiment: Pos", "label: PER “Alice”", "stars: 4 stars". */
export function describeResult(r: Record<string, unknown>): string {
  const name = typeof r.from_name === 'string' ? r.from_name : 'answer';
  const v = (typeof r.value === 'object' && r.value !== null ? r.value : {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of LABEL_KEYS) {
    const list = v[key];
    /* A taxonomy choice is a path: ["Animal", "Cat"]. */
    if (Array.isArray(list)) parts.push(list.map((x) => (Array.isArray(x) ? x.join(' / ') : String(x))).join(', '));
  }
  if (typeof v.text === 'string') parts.push(`“${v.text}”`);
  else if (Array.isArray(v.text)) parts.push(v.text.map((x) => `“${String(x)}”`).join(', '));
  if (typeof v.rating === 'number') parts.push(`${v.rating} stars`);
  if (typeof v.number === 'number') parts.push(String(v.number));
  return `${name}: ${parts.length ? parts.join(' ') : JSON.stringify(v)}`;
}
