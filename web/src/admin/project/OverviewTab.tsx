/*
 * Overview: tasks per state (fresh on every visit), work per day and per
 * person from GET /projects/{id}/stats, and agreement between annotators.
 */
import { useState } from 'react';
import { getProject, getProjectStats } from '../../api/projects';
import type { Project } from '../../api/types';
import { BarChart, LineChart } from '../../components/charts';
import { formatMoney } from '../../lib/money';
import { ErrorAlert, Loading, STATE_LABELS, TableHead, useLoad } from '../../ui';
import type { TaskState } from '../../api/types';
import { DAY_MS, throughputSeries, utcDate } from '../lib/series';
import { AgreementSection } from './Agreement';

const PERIODS = [7, 30, 90];

export function formatDuration(seconds: number): string {
  if (!(seconds > 0)) return '—';
  if (seconds < 1) return 'under 1 s';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function OverviewTab({ project }: { project: Project }) {
  const [days, setDays] = useState(30);
  const [refresh, setRefresh] = useState(0);
  const counts = useLoad(() => getProject(project.id), [project.id, refresh]);
  /* From the start of the first UTC day of the period, so that day is whole. */
  const to = utcDate(Date.now());
  const from = utcDate(Date.now() - (days - 1) * DAY_MS);
  const stats = useLoad(() => getProjectStats(project.id, from), [project.id, from, refresh]);
  const c = counts.data?.counts ?? {};
  const total = counts.data?.task_count ?? Object.values(c).reduce((a, b) => a + b, 0);
  const people = stats.data?.people ?? [];
  const annotators = people.filter((p) => p.submitted > 0);
  const currency = stats.data?.currency ?? project.currency;
  const exponent = stats.data ? stats.data.currency_exponent : project.currency_exponent;

  return (
    <div className="overview">
      <div className="page-head">
        <h2>Overview</h2>
        <button type="button" onClick={() => setRefresh((r) => r + 1)}>
          Refresh
        </button>
      </div>
      <ErrorAlert error={counts.error} />
      <section aria-labelledby="counts-title">
        <h3 id="counts-title">Tasks by state</h3>
        {counts.loading && !counts.data ? (
          <Loading what="task counts" />
        ) : (
          <dl className="stat-grid">
            <div>
              <dt>All tasks</dt>
              <dd data-testid="count-total">{total}</dd>
            </div>
            {(Object.keys(c) as TaskState[]).map((s) => (
              <div key={s}>
                <dt>{STATE_LABELS[s]}</dt>
                <dd data-testid={`count-${s}`}>{c[s] ?? 0}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>
      <section aria-labelledby="activity-title">
        <div className="page-head">
          <h3 id="activity-title">Activity</h3>
          <label htmlFor="ov-period">Period</label>
          <select id="ov-period" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                Last {d} days
              </option>
            ))}
          </select>
        </div>
        <ErrorAlert error={stats.error} />
        {stats.loading && !stats.data ? (
          <Loading what="activity" />
        ) : (
          <>
            <LineChart title={`Throughput per day (UTC), ${from} to ${to}`} series={throughputSeries(stats.data?.throughput ?? [], from, to)} />
            <BarChart
              title="Annotations submitted per annotator"
              data={annotators.map((p) => ({ label: p.name, value: p.submitted }))}
            />
            <BarChart
              title="Share of annotations sent back, per annotator (%)"
              data={annotators.map((p) => ({ label: p.name, value: Math.round((100 * p.rejected) / p.submitted) }))}
            />
            <table className="data-table">
              <caption>People's work in the period</caption>
              <TableHead columns={['Person', 'Annotations', 'Sent back', 'Average time per annotation', 'Reviews (L2)', 'Decisions (L3)', 'Earned']} />
              <tbody>
                {people.length === 0 && (
                  <tr>
                    <td colSpan={7}>No work in this period.</td>
                  </tr>
                )}
                {people.map((p) => (
                  <tr key={p.user_id}>
                    <th scope="row">
                      {p.name}
                      <div className="hint">{p.email}</div>
                    </th>
                    <td className="num">{p.submitted}</td>
                    <td className="num">{p.rejected}</td>
                    <td className="num">{formatDuration(p.avg_annotate_seconds)}</td>
                    <td className="num">{p.reviewed}</td>
                    <td className="num">{p.decided}</td>
                    <td className="num">{formatMoney(p.earned, currency, exponent)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
      <AgreementSection projectId={project.id} refresh={refresh} />
    </div>
  );
}
