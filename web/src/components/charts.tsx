import { useId, type CSSProperties, type ReactNode } from 'react';

/*
 * Hand-written SVG charts. The SVG is decorative for assistive technology
 * (aria-hidden); the same numbers are given to screen readers in a visually
 * hidden table, so the chart never carries information that only sight can get.
 */

export interface BarDatum {
  label: string;
  value: number;
}

export interface LinePoint {
  x: string;
  y: number;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
}

/* Inline so the charts do not depend on a class that another stylesheet must define. */
const srOnly: CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
};

/* Dark enough for 4.5:1 against white; series also differ by dash pattern. */
export const PALETTE = ['#1f5fbf', '#b3261e', '#1b7a3a', '#6f42c1', '#8a4b00', '#00707a'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4'];
const AXIS = '#4a4a4a';

/* Colour and dash pattern of the si-th series, the same on the line and in the legend. */
function seriesStroke(si: number) {
  return { stroke: PALETTE[si % PALETTE.length], strokeWidth: 2, strokeDasharray: DASHES[si % DASHES.length] };
}
const GRID = '#d9d9d9';

/**
 * Round a step up to 1, 2, 2.5 or 5 times a power of ten, so axis labels are
 * numbers a person would pick.
 */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const pow = Math.pow(10, Math.floor(Math.log10(rough)));
  const f = rough / pow;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * pow;
}

/**
 * Axis ticks from 0 to a nice maximum covering `max`, about `count`
 * intervals. Counts are integers, so steps below 1 are only used when the
 * data itself is fractional.
 */
export function niceTicks(max: number, count = 5, integer = true): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 0;
  if (top === 0) return [0, 1];
  let step = niceStep(top / Math.max(1, count));
  if (integer && step < 1) step = 1;
  const ticks: number[] = [];
  const n = Math.ceil(top / step - 1e-9);
  for (let i = 0; i <= n; i++) ticks.push(roundTo(i * step, step));
  return ticks;
}

function roundTo(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(decimals));
}

/** Map a value in [0, domainMax] onto [rangeStart, rangeEnd]. */
export function scaleLinear(domainMax: number, rangeStart: number, rangeEnd: number) {
  const d = domainMax > 0 ? domainMax : 1;
  return (v: number) => rangeStart + ((rangeEnd - rangeStart) * v) / d;
}

export function formatTick(v: number): string {
  if (Math.abs(v) >= 1_000_000) return `${trim(v / 1_000_000)}M`;
  if (Math.abs(v) >= 10_000) return `${trim(v / 1000)}k`;
  return trim(v);
}

function trim(v: number): string {
  return String(Number(v.toFixed(2)));
}

/**
 * The shared x axis of a line chart: every x that any series has, in order of
 * first appearance, or sorted when they are all ISO dates (series with gaps
 * would otherwise interleave out of order).
 */
export function mergeXDomain(series: LineSeries[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of series) {
    for (const p of s.points) {
      if (!seen.has(p.x)) {
        seen.add(p.x);
        out.push(p.x);
      }
    }
  }
  if (out.length > 0 && out.every((x) => /^\d{4}-\d{2}-\d{2}/.test(x))) out.sort();
  return out;
}

/* Show at most `max` x labels so they never overlap, always keeping the last. */
export function labelStride(n: number, max: number): number {
  if (n <= max) return 1;
  return Math.ceil(n / max);
}

/*
 * Indexes of the x labels to draw: every stride-th, plus the last, minus
 * any stride label closer than a stride to the last: the last is anchored
 * at its end, so it reaches a whole label width back towards it.
 */
export function labelIndexes(n: number, max: number): number[] {
  const stride = labelStride(n, max);
  const out: number[] = [];
  for (let i = 0; i < n; i += stride) if (i === n - 1 || n - 1 - i >= stride) out.push(i);
  if (n > 0 && out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/* The caption names the figure explicitly: not every accessibility tree derives it from figcaption. */
function Figure(props: { title: string; children: ReactNode; table: ReactNode }) {
  const id = useId();
  return (
    <figure className="chart" aria-labelledby={id} style={{ margin: '0 0 1rem', position: 'relative' }}>
      <figcaption id={id} style={{ fontWeight: 600, marginBottom: '0.25rem' }}>
        {props.title}
      </figcaption>
      {props.children}
      {props.table}
    </figure>
  );
}

/* The numbers of a chart for screen readers: one row per x, one column per value. */
function SrTable(props: { title: string; head: string; columns: string[]; rows: { key: string; label: string; cells: ReactNode[] }[] }) {
  return (
    <table style={srOnly}>
      <caption>{props.title}</caption>
      <thead>
        <tr>
          <th scope="col">{props.head}</th>
          {props.columns.map((c) => (
            <th scope="col" key={c}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr key={r.key}>
            <th scope="row">{r.label}</th>
            {r.cells.map((c, i) => (
              <td key={props.columns[i]}>{c}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/* The drawing itself is decorative: the table beside it carries the numbers. */
function ChartSvg(props: { kind: string; width: number; height: number; children: ReactNode }) {
  return (
    <svg
      viewBox={`0 0 ${props.width} ${props.height}`}
      width="100%"
      style={{ maxWidth: props.width, display: 'block' }}
      aria-hidden="true"
      focusable="false"
      data-chart={props.kind}
    >
      {props.children}
    </svg>
  );
}

function Empty() {
  return <p style={{ color: AXIS, margin: 0 }}>No data yet.</p>;
}

/**
 * Horizontal bars: the labels are usually names or e-mail addresses, which fit
 * beside a bar far better than under it.
 */
export function BarChart(props: { title: string; data: { label: string; value: number }[] }) {
  const { title, data } = props;
  const rowH = 26;
  const labelW = 150;
  const width = 560;
  const right = 48;
  const top = 8;
  const axisH = 22;
  const plotW = width - labelW - right;
  const height = top + data.length * rowH + axisH;
  const max = Math.max(0, ...data.map((d) => d.value));
  const ticks = niceTicks(max, 4, data.every((d) => Number.isInteger(d.value)));
  const x = scaleLinear(ticks[ticks.length - 1], labelW, labelW + plotW);

  const table = (
    <SrTable title={title} head="Label" columns={['Value']} rows={data.map((d, i) => ({ key: `${d.label}-${i}`, label: d.label, cells: [d.value] }))} />
  );

  return (
    <Figure title={title} table={table}>
      {data.length === 0 ? (
        <Empty />
      ) : (
        <ChartSvg kind="bar" width={width} height={height}>
          {ticks.map((t) => (
            <g key={t}>
              <line x1={x(t)} x2={x(t)} y1={top} y2={top + data.length * rowH} stroke={GRID} />
              <text x={x(t)} y={height - 6} fontSize="11" textAnchor="middle" fill={AXIS}>
                {formatTick(t)}
              </text>
            </g>
          ))}
          {data.map((d, i) => {
            const y = top + i * rowH;
            const w = Math.max(0, x(Math.max(0, d.value)) - labelW);
            return (
              <g key={`${d.label}-${i}`}>
                <text x={labelW - 6} y={y + rowH / 2 + 4} fontSize="12" textAnchor="end" fill="#1a1a1a">
                  {truncate(d.label, 22)}
                </text>
                <rect x={labelW} y={y + 4} width={w} height={rowH - 8} fill={PALETTE[0]} data-value={d.value} />
                <text x={labelW + w + 4} y={y + rowH / 2 + 4} fontSize="12" fill="#1a1a1a">
                  {formatTick(d.value)}
                </text>
              </g>
            );
          })}
          <line x1={labelW} x2={labelW} y1={top} y2={top + data.length * rowH} stroke={AXIS} />
        </ChartSvg>
      )}
    </Figure>
  );
}

export function LineChart(props: { title: string; series: { name: string; points: { x: string; y: number }[] }[] }) {
  const { title, series } = props;
  const width = 720;
  const height = 220;
  const left = 44;
  const right = 12;
  const top = 10;
  const bottom = 28;
  const xs = mergeXDomain(series);
  const all = series.flatMap((s) => s.points.map((p) => p.y));
  const ticks = niceTicks(Math.max(0, ...all), 4, all.every((v) => Number.isInteger(v)));
  const y = scaleLinear(ticks[ticks.length - 1], height - bottom, top);
  const plotW = width - left - right;
  const xAt = (i: number) => (xs.length <= 1 ? left + plotW / 2 : left + (plotW * i) / (xs.length - 1));
  const index = new Map(xs.map((v, i) => [v, i]));

  const table = (
    <SrTable
      title={title}
      head="X"
      columns={series.map((s) => s.name)}
      rows={xs.map((xv) => ({
        key: xv,
        label: xv,
        cells: series.map((s) => {
          const p = s.points.find((q) => q.x === xv);
          return p ? p.y : '';
        }),
      }))}
    />
  );

  return (
    <Figure title={title} table={table}>
      {xs.length === 0 ? (
        <Empty />
      ) : (
        <>
          <ChartSvg kind="line" width={width} height={height}>
            {ticks.map((t) => (
              <g key={t}>
                <line x1={left} x2={width - right} y1={y(t)} y2={y(t)} stroke={GRID} />
                <text x={left - 6} y={y(t) + 4} fontSize="11" textAnchor="end" fill={AXIS}>
                  {formatTick(t)}
                </text>
              </g>
            ))}
            {labelIndexes(xs.length, 7).map((i) => (
              <text
                key={xs[i]}
                x={xAt(i)}
                y={height - 8}
                fontSize="11"
                textAnchor={xs.length > 1 && i === 0 ? 'start' : xs.length > 1 && i === xs.length - 1 ? 'end' : 'middle'}
                fill={AXIS}
              >
                {truncate(xs[i], 12)}
              </text>
            ))}
            <line x1={left} x2={width - right} y1={height - bottom} y2={height - bottom} stroke={AXIS} />
            {series.map((s, si) => {
              const pts = s.points
                .filter((p) => index.has(p.x))
                .map((p) => ({ i: index.get(p.x) as number, y: p.y }))
                .sort((a, b) => a.i - b.i);
              const stroke = seriesStroke(si);
              const d = pts.map((p, k) => `${k === 0 ? 'M' : 'L'}${xAt(p.i)},${y(p.y)}`).join(' ');
              return (
                <g key={s.name}>
                  <path d={d} fill="none" {...stroke} />
                  {pts.map((p) => (
                    <circle key={p.i} cx={xAt(p.i)} cy={y(p.y)} r={3} fill={stroke.stroke} />
                  ))}
                </g>
              );
            })}
          </ChartSvg>
          {series.length > 1 && (
            <ul aria-hidden="true" style={{ listStyle: 'none', display: 'flex', gap: '1rem', padding: 0, margin: '0.25rem 0 0' }}>
              {series.map((s, si) => (
                <li key={s.name} style={{ display: 'flex', alignItems: 'center', gap: '0.35rem' }}>
                  <svg width="24" height="10" aria-hidden="true" focusable="false">
                    <line x1="0" x2="24" y1="5" y2="5" {...seriesStroke(si)} />
                  </svg>
                  {s.name}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Figure>
  );
}
