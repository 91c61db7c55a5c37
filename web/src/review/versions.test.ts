import { describe, expect, it } from 'vitest';
import { compareVersions, regionWhat, regionWhere } from './versions';

const span = (id: string, label: string, start: number, end: number) => ({
  id,
  from_name: 'label',
  to_name: 'text',
  type: 'labels',
  value: { start, end, labels: [label] },
});

describe('version compare', () => {
  it('marks regions present in both versions regardless of region ids', () => {
    const a = [span('r1', 'PER', 0, 5), span('r2', 'ORG', 15, 19)];
    const b = [span('xx', 'PER', 0, 5), span('yy', 'LOC', 15, 19)];
    const c = compareVersions(a, b);
    expect(c.left.map((x) => x.shared)).toEqual([true, false]);
    expect(c.right.map((x) => x.shared)).toEqual([true, false]);
  });

  it('matches duplicates one to one', () => {
    const c = compareVersions([span('a', 'PER', 0, 5), span('b', 'PER', 0, 5)], [span('c', 'PER', 0, 5)]);
    expect(c.left.map((x) => x.shared)).toEqual([true, false]);
    expect(c.right.map((x) => x.shared)).toEqual([true]);
  });

  it('describes spans with their text and boxes with their geometry', () => {
    expect(regionWhat(span('a', 'ORG', 15, 19))).toBe('ORG');
    expect(regionWhere(span('a', 'ORG', 15, 19), 'Alice works at Acme')).toBe('“Acme” chars 15–19');
    const box = { type: 'rectanglelabels', value: { x: 10, y: 20.55, width: 30, height: 40, rectanglelabels: ['Car'] } };
    expect(regionWhat(box)).toBe('Car');
    expect(regionWhere(box)).toBe('box x 10%, y 20.6%, 30×40%');
  });
});
