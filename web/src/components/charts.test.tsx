import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { BarChart, LineChart, formatTick, labelIndexes, labelStride, mergeXDomain, niceStep, niceTicks, scaleLinear } from './charts';

afterEach(cleanup);

describe('scales', () => {
  it('rounds steps up to 1, 2, 2.5, 5 or 10 times a power of ten', () => {
    expect([0.7, 1, 1.3, 2.2, 3, 7, 12, 230, 0.03].map(niceStep)).toEqual([1, 1, 2, 2.5, 5, 10, 20, 250, 0.05]);
    expect(niceStep(0)).toBe(1);
    expect(niceStep(Number.NaN)).toBe(1);
  });

  it('ticks start at zero and cover the maximum', () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(3, 5)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(17, 4)).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(100, 4)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(1234, 5)).toEqual([0, 250, 500, 750, 1000, 1250]);
  });

  it('counts never get fractional ticks, fractional data does', () => {
    expect(niceTicks(2, 5)).toEqual([0, 1, 2]);
    expect(niceTicks(0.9, 4, false)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('maps the domain onto the range, including inverted ranges for y', () => {
    const y = scaleLinear(20, 200, 10);
    expect(y(0)).toBe(200);
    expect(y(20)).toBe(10);
    expect(y(10)).toBe(105);
    expect(scaleLinear(0, 0, 100)(0)).toBe(0);
  });

  it('abbreviates large tick labels', () => {
    expect([5, 2.5, 9999, 12000, 2_500_000].map(formatTick)).toEqual(['5', '2.5', '9999', '12k', '2.5M']);
  });

  it('merges x values across series, sorting dates', () => {
    const s = [
      { name: 'a', points: [{ x: '2026-01-03', y: 1 }, { x: '2026-01-05', y: 2 }] },
      { name: 'b', points: [{ x: '2026-01-01', y: 1 }, { x: '2026-01-03', y: 4 }] },
    ];
    expect(mergeXDomain(s)).toEqual(['2026-01-01', '2026-01-03', '2026-01-05']);
    expect(mergeXDomain([{ name: 'c', points: [{ x: 'Tue', y: 1 }, { x: 'Mon', y: 2 }] }])).toEqual(['Tue', 'Mon']);
  });

  it('thins x labels so at most the maximum are shown', () => {
    expect(labelStride(5, 7)).toBe(1);
    expect(labelStride(30, 7)).toBe(5);
    expect(labelStride(90, 7)).toBe(13);
  });

  it('always labels the last x, dropping a stride label that would touch it', () => {
    expect(labelIndexes(5, 7)).toEqual([0, 1, 2, 3, 4]);
    /* 30 days, stride 5: 25 is only 4 from 29, so it gives way to the last. */
    expect(labelIndexes(30, 7)).toEqual([0, 5, 10, 15, 20, 29]);
    /* 31 days, stride 5: 25 is a whole stride from 30 and stays. */
    expect(labelIndexes(31, 7)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(labelIndexes(27, 7)).toEqual([0, 4, 8, 12, 16, 20, 26]);
    expect(labelIndexes(1, 7)).toEqual([0]);
    expect(labelIndexes(0, 7)).toEqual([]);
  });
});

describe('BarChart', () => {
  it('is a figure with a caption and a table of every value', () => {
    const { container, getByRole } = render(
      <BarChart title="Per annotator" data={[{ label: 'Ann', value: 4 }, { label: 'Bob', value: 10 }]} />,
    );
    const fig = getByRole('figure', { name: 'Per annotator' });
    expect(fig.querySelector('figcaption')?.textContent).toBe('Per annotator');
    const rows = Array.from(fig.querySelectorAll('tbody tr')).map((tr) => Array.from(tr.children).map((c) => c.textContent));
    expect(rows).toEqual([['Ann', '4'], ['Bob', '10']]);
    expect(container.querySelector('svg')?.getAttribute('aria-hidden')).toBe('true');
  });

  it('draws bar lengths proportional to the values', () => {
    const { container } = render(<BarChart title="t" data={[{ label: 'a', value: 5 }, { label: 'b', value: 10 }, { label: 'c', value: 0 }]} />);
    const widths = Array.from(container.querySelectorAll('rect')).map((r) => Number(r.getAttribute('width')));
    expect(widths[2]).toBe(0);
    expect(widths[0]).toBeGreaterThan(0);
    expect(widths[1] / widths[0]).toBeCloseTo(2, 6);
  });

  it('says so when there is nothing to draw', () => {
    const { container, getByText } = render(<BarChart title="Empty" data={[]} />);
    expect(container.querySelector('svg')).toBeNull();
    getByText('No data yet.');
  });
});

describe('LineChart', () => {
  const series = [
    { name: 'Annotated', points: [{ x: '2026-01-01', y: 0 }, { x: '2026-01-02', y: 8 }, { x: '2026-01-03', y: 4 }] },
    { name: 'Accepted', points: [{ x: '2026-01-02', y: 2 }] },
  ];

  it('draws one path per series through its points, higher values higher up', () => {
    const { container } = render(<LineChart title="Throughput" series={series} />);
    const paths = Array.from(container.querySelectorAll('svg[data-chart="line"] path'));
    expect(paths).toHaveLength(2);
    const pts = (paths[0].getAttribute('d') || '').split(' ').map((seg) => seg.slice(1).split(',').map(Number));
    expect(pts).toHaveLength(3);
    expect(pts[0][0]).toBeLessThan(pts[1][0]);
    expect(pts[1][0]).toBeLessThan(pts[2][0]);
    /* SVG y grows downwards: 8 is above 4, which is above 0. */
    expect(pts[1][1]).toBeLessThan(pts[2][1]);
    expect(pts[2][1]).toBeLessThan(pts[0][1]);
    /* The lone accepted point sits at the x of 2026-01-02. */
    const single = (paths[1].getAttribute('d') || '').slice(1).split(',').map(Number);
    expect(single[0]).toBeCloseTo(pts[1][0], 6);
  });

  it('gives screen readers a table with a column per series', () => {
    const { getByRole } = render(<LineChart title="Throughput" series={series} />);
    const fig = getByRole('figure', { name: 'Throughput' });
    const head = Array.from(fig.querySelectorAll('thead th')).map((th) => th.textContent);
    expect(head).toEqual(['X', 'Annotated', 'Accepted']);
    const rows = Array.from(fig.querySelectorAll('tbody tr')).map((tr) => Array.from(tr.children).map((c) => c.textContent));
    expect(rows).toEqual([
      ['2026-01-01', '0', ''],
      ['2026-01-02', '8', '2'],
      ['2026-01-03', '4', ''],
    ]);
  });
});
