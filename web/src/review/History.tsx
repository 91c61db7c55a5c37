import { useEffect, useMemo, useState } from 'react';
import type { AnnotationVersion, Task } from '../api/types';
import { TableHead, formatTime } from '../ui';
import { compareVersions, regionWhat, regionWhere, type ComparedRegion } from './versions';

const STAGE = ['', 'L1', 'L2', 'L3'];

const DECISIONS: Record<string, string> = {
  submit: 'Submitted',
  approve: 'Approved',
  reject: 'Rejected',
  escalate: 'Escalated',
  override: 'Overrode',
  send_back_l1: 'Sent back to L1',
  send_back_l2: 'Sent back to L2',
  discard: 'Discarded',
  release: 'Skipped',
  expire: 'Lease expired',
  requeue: 'Requeued by an admin',
};

const KINDS: Record<string, string> = {
  annotation: 'Annotation',
  correction: 'Reviewer correction',
  override: 'Super reviewer override',
};

function versionLabel(v: AnnotationVersion, nameOf: (id: number) => string): string {
  return `Version ${v.version}: ${KINDS[v.kind] ?? v.kind} by ${nameOf(v.author_id)} (${STAGE[v.stage] ?? v.stage})`;
}

export function TaskHistory({ task, versions, nameOf }: { task: Task; versions: AnnotationVersion[]; nameOf: (id: number) => string }) {
  const work = task.history ?? [];
  return (
    <section className="history card" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <table>
        <caption>Who worked on the task, and what they decided</caption>
        <TableHead columns={['Stage', 'Who', 'Decision', 'Comment', 'Started', 'Finished']} />
        <tbody>
          {work.map((w) => (
            <tr key={w.work_id}>
              <td>{STAGE[w.stage] ?? w.stage}</td>
              <td>{nameOf(w.user_id)}</td>
              <td>{w.decision ? (DECISIONS[w.decision] ?? w.decision) : w.status === 'active' ? 'In progress' : w.status}</td>
              <td>{w.comment ?? ''}</td>
              <td>{formatTime(w.started_at, { seconds: true })}</td>
              <td>{formatTime(w.finished_at, { seconds: true })}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <caption>Stored versions of the result</caption>
        <TableHead columns={['Version', 'Kind', 'Author', 'Stage', 'Regions', 'Saved']} />
        <tbody>
          {versions.map((v) => (
            <tr key={v.id}>
              <td>{v.version}</td>
              <td>{KINDS[v.kind] ?? v.kind}</td>
              <td>{nameOf(v.author_id)}</td>
              <td>{STAGE[v.stage] ?? v.stage}</td>
              <td>{Array.isArray(v.result) ? v.result.length : 0}</td>
              <td>{formatTime(v.created_at, { seconds: true })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function RegionColumn({ title, items, text }: { title: string; items: ComparedRegion[]; text?: string }) {
  return (
    <div className="compare-col">
      <h3>{title}</h3>
      {items.length === 0 ? (
        <p className="muted">No regions.</p>
      ) : (
        <ul>
          {items.map((c, i) => (
            <li key={i} className={c.shared ? 'shared' : 'changed'}>
              <strong>{regionWhat(c.region)}</strong> {regionWhere(c.region, text)}
              {!c.shared && <span className="badge">only in this version</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function VersionPicker(props: {
  id: string;
  label: string;
  value: number;
  onChange: (i: number) => void;
  versions: AnnotationVersion[];
  nameOf: (id: number) => string;
}) {
  return (
    <div className="field inline">
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(Number(e.target.value))}>
        {props.versions.map((v, i) => (
          <option key={v.id} value={i}>
            {versionLabel(v, props.nameOf)}
          </option>
        ))}
      </select>
    </div>
  );
}

export function VersionCompare({ versions, nameOf, text }: { versions: AnnotationVersion[]; nameOf: (id: number) => string; text?: string }) {
  const n = versions.length;
  const [left, setLeft] = useState(Math.max(0, n - 2));
  const [right, setRight] = useState(Math.max(0, n - 1));
  useEffect(() => {
    setLeft(Math.max(0, n - 2));
    setRight(Math.max(0, n - 1));
  }, [versions, n]);
  const cmp = useMemo(
    () => (n ? compareVersions(versions[left]?.result ?? [], versions[right]?.result ?? []) : null),
    [versions, left, right, n],
  );
  if (!cmp) return null;
  return (
    <section className="compare card" aria-labelledby="compare-title">
      <h2 id="compare-title">Compare versions</h2>
      <div className="compare-pickers">
        <VersionPicker id="compare-left" label="Left version" value={left} onChange={setLeft} versions={versions} nameOf={nameOf} />
        <VersionPicker id="compare-right" label="Right version" value={right} onChange={setRight} versions={versions} nameOf={nameOf} />
      </div>
      <div className="compare-cols">
        <RegionColumn title={versionLabel(versions[left], nameOf)} items={cmp.left} text={text} />
        <RegionColumn title={versionLabel(versions[right], nameOf)} items={cmp.right} text={text} />
      </div>
    </section>
  );
}
