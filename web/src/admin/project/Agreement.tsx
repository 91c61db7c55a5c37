/*
 * Agreement: for each classification control (Choices, Taxonomy, Rating,
 * Number) of an overlap project, how far its annotators agree (percent
 * agreement, Krippendorff's alpha, Fleiss' kappa) and the
 * annotator-by-annotator matrix of Cohen's kappa; for each region control
 * and TextArea, the mean score of pairs of annotations (IoU, span F1,
 * 1 - CER ...) and its matrix. Each control has its trend: the same
 * figure per UTC day. From GET /projects/{id}/agreement.
 */
import { getProjectAgreement } from '../../api/projects';
import { listMembers } from '../../api/members';
import type { AgreementRegion, AgreementValue, ProjectAgreement } from '../../api/types';
import { LineChart } from '../../components/charts';
import { ErrorAlert, Loading, useLoad } from '../../ui';

/* A statistic as shown: two decimals, or why there is none. */
export function formatAgreement(v: AgreementValue): string {
  if (v.status === 'ok' && v.value !== null) return v.value.toFixed(2);
  return v.status === 'no_variation' ? 'n/a (one category only)' : '—';
}

interface Cell {
  user_a: number;
  user_b: number;
  shared: number;
  value: AgreementValue;
}

function Matrix({ name: control, caption, pairs, names }: { name: string; caption: string; pairs: Cell[]; names: Map<number, string> }) {
  const people = [...new Set(pairs.flatMap((p) => [p.user_a, p.user_b]))].sort((a, b) => a - b);
  const cell = new Map(pairs.map((p) => [`${p.user_a}-${p.user_b}`, p]));
  const name = (id: number) => names.get(id) ?? `user ${id}`;
  if (people.length === 0) return <p className="hint">No two annotators have labeled the same task yet.</p>;
  return (
    <table className="data-table agreement-matrix">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <td />
          {people.map((id) => (
            <th key={id} scope="col">
              {name(id)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {people.map((a) => (
          <tr key={a}>
            <th scope="row">{name(a)}</th>
            {people.map((b) => {
              const p = cell.get(a < b ? `${a}-${b}` : `${b}-${a}`);
              return (
                <td key={b} className="num" data-testid={`pair-${control}-${a}-${b}`}>
                  {a === b || p === undefined ? '' : `${formatAgreement(p.value)} (${p.shared})`}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Trend = ProjectAgreement['trend'];

/* One control's figure per day: the days it has data (the server leaves
 * the others out, so the line joins the days with a value). */
export function trendSeries(trend: Trend | undefined, name: string) {
  return (trend ?? []).flatMap((d) => {
    const v = d.controls[name];
    return v ? [{ x: d.date, y: v.value }] : [];
  });
}

function TrendChart({ name, what, trend }: { name: string; what: string; trend: Trend | undefined }) {
  return (
    <div data-testid={`agreement-trend-${name}`}>
      <LineChart title={`${what} per day (UTC): ${name}`} series={[{ name: 'Value', points: trendSeries(trend, name) }]} />
    </div>
  );
}

export function AgreementSection({ projectId, refresh }: { projectId: number; refresh: number }) {
  const agreement = useLoad(() => getProjectAgreement(projectId), [projectId, refresh]);
  const members = useLoad(() => listMembers(projectId), [projectId]);
  const names = new Map((members.data?.items ?? []).map((m) => [m.user_id, m.name]));
  const controls = agreement.data?.controls ?? [];
  const regions = agreement.data?.regions ?? [];
  return (
    <section aria-labelledby="agreement-title">
      <h3 id="agreement-title">Agreement between annotators</h3>
      <ErrorAlert error={agreement.error} />
      {agreement.loading && !agreement.data ? (
        <Loading what="agreement" />
      ) : controls.length + regions.length === 0 ? (
        <p className="hint">This project has no control whose answers can be compared.</p>
      ) : (
        controls.map((c) => (
          <div key={c.name} className="agreement-control">
            <h4>
              {c.name} <span className="hint">({c.type})</span>
            </h4>
            <dl className="stat-grid">
              <div>
                <dt>Tasks compared</dt>
                <dd data-testid={`units-${c.name}`}>{c.percent.units}</dd>
              </div>
              <div>
                <dt>Percent agreement</dt>
                <dd data-testid={`percent-${c.name}`}>{formatAgreement(c.percent)}</dd>
              </div>
              <div>
                <dt>Krippendorff's alpha</dt>
                <dd data-testid={`alpha-${c.name}`}>{formatAgreement(c.alpha)}</dd>
              </div>
              <div>
                <dt>Fleiss' kappa{c.fleiss.raters ? ` (${c.fleiss.raters} annotators a task)` : ''}</dt>
                <dd data-testid={`fleiss-${c.name}`}>{formatAgreement(c.fleiss)}</dd>
              </div>
            </dl>
            <TrendChart name={c.name} what="Percent agreement" trend={agreement.data?.trend} />
            <Matrix
              name={c.name}
              caption={`Cohen's kappa between annotators (${c.name}); shared tasks in brackets`}
              pairs={c.pairs.map((p) => ({ ...p, value: p.kappa }))}
              names={names}
            />
            {c.pairs_truncated && <p className="hint">Only the first 10,000 pairs are shown.</p>}
          </div>
        ))
      )}
      {regions.map((r) => (
        <RegionAgreement key={r.name} region={r} names={names} trend={agreement.data?.trend} />
      ))}
      {agreement.data && agreement.data.other_controls.length > 0 && (
        <p className="hint">Not measured here: {agreement.data.other_controls.join(', ')}.</p>
      )}
    </section>
  );
}

const METHODS: Record<string, string> = {
  iou: 'matched IoU',
  interval_iou: 'matched interval IoU',
  keypoint: 'keypoints within reach',
  span_f1: 'span F1',
  cer: 'text similarity (1 - CER)',
};

function RegionAgreement({ region: r, names, trend }: { region: AgreementRegion; names: Map<number, string>; trend: Trend | undefined }) {
  const how = r.method ? METHODS[r.method] ?? r.method : 'score';
  return (
    <div className="agreement-control">
      <h4>
        {r.name} <span className="hint">({r.type})</span>
      </h4>
      <dl className="stat-grid">
        <div>
          <dt>Pairs of annotations compared</dt>
          <dd data-testid={`units-${r.name}`}>{r.mean.units}</dd>
        </div>
        <div>
          <dt>Mean {how}</dt>
          <dd data-testid={`mean-${r.name}`}>{formatAgreement(r.mean)}</dd>
        </div>
      </dl>
      <TrendChart name={r.name} what={`Mean ${how}`} trend={trend} />
      <Matrix
        name={r.name}
        caption={`Mean ${how} between annotators (${r.name}); pairs compared in brackets`}
        pairs={r.pairs.map((p) => ({ ...p, value: p.mean }))}
        names={names}
      />
      {r.pairs_truncated && <p className="hint">Only the first 10,000 pairs are shown.</p>}
    </div>
  );
}
