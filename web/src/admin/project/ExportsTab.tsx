/*
 * Exports: choose a format and filters, start the job, follow its progress,
 * download the file. The file needs the bearer token, so the link fetches
 * it and hands the browser a local copy to save.
 */
import { useEffect, useRef, useState, type FormEvent, type MouseEvent } from 'react';
import { createExport, downloadExport, exportFileUrl, getExport, listExports } from '../../api/exports';
import { listMembers } from '../../api/members';
import type { ExportJob, Project } from '../../api/types';
import { ErrorAlert, FormActions, Loading, PagerControls, STATE_LABELS, StatusMessage, formatTime, useLoad, usePagedList } from '../../ui';
import { getMeta } from '../../api/meta';
import { EXPORT_LABELS, describeFilter, exportBody } from '../lib/exportFilter';
import { saveFile } from '../lib/download';

async function download(job: ExportJob, projectId: number): Promise<void> {
  saveFile(await downloadExport(job.id), `project-${projectId}-export-${job.id}`);
}

export function ExportsTab({ project }: { project: Project }) {
  const members = useLoad(() => listMembers(project.id), [project.id]);
  const meta = useLoad(getMeta, []);
  const [format, setFormat] = useState('label_studio_json');
  const [states, setStates] = useState<string[]>(['accepted']);
  const [annotator, setAnnotator] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [includePredictions, setIncludePredictions] = useState(false);
  const [includeVersions, setIncludeVersions] = useState(false);
  const [job, setJob] = useState<ExportJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState('');
  const live = useRef(true);
  /* Past exports: reloaded when the followed job ends. */
  const finished = job && (job.status === 'done' || job.status === 'failed') ? `${job.id}:${job.status}` : '';
  const past = usePagedList((q) => listExports(project.id, q), 20, [project.id, finished]);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  /* Follow the job until it ends; one timer per state of the job. */
  useEffect(() => {
    if (!job || job.status === 'done' || job.status === 'failed') return;
    const t = setTimeout(async () => {
      try {
        const next = await getExport(job.id);
        if (live.current) setJob(next);
      } catch (e) {
        if (live.current) setError(e);
      }
    }, 500);
    return () => clearTimeout(t);
  }, [job]);

  async function start(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSaving('');
    const b = exportBody({ format, states, annotator, from, to, includePredictions, includeVersions });
    if (!b.ok) {
      setError(b.message);
      return;
    }
    try {
      setJob(await createExport(project.id, b.body));
    } catch (err) {
      setError(err);
    }
  }

  async function onDownload(e: MouseEvent<HTMLAnchorElement>, which: ExportJob | null = job) {
    e.preventDefault();
    if (!which) return;
    setError(null);
    try {
      await download(which, project.id);
      setSaving('Download started.');
    } catch (err) {
      setError(err);
    }
  }

  const annotators = (members.data?.items ?? []).filter((m) => m.roles.includes('annotator'));
  const memberName = (id: number) => members.data?.items.find((m) => m.user_id === id)?.name ?? `user ${id}`;
  const running = job !== null && (job.status === 'queued' || job.status === 'running');

  return (
    <div>
      <h2>Exports</h2>
      <form className="card form-grid" onSubmit={start} aria-labelledby="export-title">
        <h3 id="export-title">New export</h3>
        <label htmlFor="ex-format">Format</label>
        <select id="ex-format" value={format} onChange={(e) => setFormat(e.target.value)}>
          {(meta.data?.export_formats ?? []).map((f) => (
            <option key={f.name} value={f.name}>
              {EXPORT_LABELS[f.name] ?? f.name}
            </option>
          ))}
        </select>
        <fieldset className="checks">
          <legend>Task states</legend>
          {(meta.data?.task_states ?? []).map((s) => (
            <label key={s}>
              <input
                type="checkbox"
                checked={states.includes(s)}
                onChange={(e) => setStates(e.target.checked ? [...states, s] : states.filter((x) => x !== s))}
              />{' '}
              {STATE_LABELS[s]}
            </label>
          ))}
        </fieldset>
        <label htmlFor="ex-annotator">Annotator</label>
        <select id="ex-annotator" value={annotator} onChange={(e) => setAnnotator(e.target.value)}>
          <option value="">Anyone</option>
          {annotators.map((m) => (
            <option key={m.user_id} value={m.user_id}>
              {m.name} ({m.email})
            </option>
          ))}
        </select>
        <label htmlFor="ex-from">Updated from date</label>
        <input id="ex-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        <label htmlFor="ex-to">Updated to date</label>
        <input id="ex-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        <label className="check">
          <input type="checkbox" checked={includePredictions} onChange={(e) => setIncludePredictions(e.target.checked)} /> Include
          predictions
        </label>
        <label className="check">
          <input type="checkbox" checked={includeVersions} onChange={(e) => setIncludeVersions(e.target.checked)} /> Include every
          version and the review history (Label Studio JSON)
        </label>
        <ErrorAlert error={error} />
        <FormActions submit="Export" busy={running} />
      </form>

      {job && (
        <section className="card" aria-labelledby="export-job-title">
          <h3 id="export-job-title">
            Export #{job.id} ({EXPORT_LABELS[job.format] ?? job.format})
          </h3>
          <div className="progress-row">
            <span>Progress</span>
            <progress aria-label="Export progress" max={1} value={job.progress} />
            <span>{Math.round(job.progress * 100)}%</span>
          </div>
          <div role="status" className="status-message">
            {running && `Exporting… ${job.tasks_done} of ${job.tasks_total} tasks.`}
            {job.status === 'done' && `Export finished: ${job.tasks_done} tasks, ${job.bytes.toLocaleString()} bytes.`}
          </div>
          {job.status === 'failed' && <ErrorAlert error={`Export failed: ${job.error ?? 'unknown error'}`} />}
          {job.status === 'done' && (
            <p>
              <a href={exportFileUrl(job.id)} onClick={onDownload} className="button-link">
                Download export #{job.id}
              </a>
            </p>
          )}
          {job.status === 'done' && job.report !== null && job.report !== undefined && (
            <details>
              <summary>Export report</summary>
              <pre className="code">{JSON.stringify(job.report, null, 2)}</pre>
            </details>
          )}
          <StatusMessage>{saving}</StatusMessage>
        </section>
      )}

      <section aria-labelledby="past-exports-title">
        <h3 id="past-exports-title">Past exports</h3>
        <ErrorAlert error={past.list.error} />
        {past.list.loading && !past.list.data ? (
          <Loading what="exports" />
        ) : (
          <table className="past-exports">
            <thead>
              <tr>
                <th scope="col">Export</th>
                <th scope="col">Format</th>
                <th scope="col">Filters</th>
                <th scope="col">Status</th>
                <th scope="col">Tasks</th>
                <th scope="col">Size</th>
                <th scope="col">Created</th>
                <th scope="col">File</th>
              </tr>
            </thead>
            <tbody>
              {(past.list.data?.items ?? []).length === 0 && (
                <tr>
                  <td colSpan={8}>No exports yet.</td>
                </tr>
              )}
              {(past.list.data?.items ?? []).map((x) => (
                <tr key={x.id}>
                  <td>#{x.id}</td>
                  <td>{EXPORT_LABELS[x.format] ?? x.format}</td>
                  <td>{describeFilter(x.filter as Record<string, unknown>, memberName)}</td>
                  <td>{x.status === 'failed' ? `failed: ${x.error ?? 'unknown error'}` : x.status}</td>
                  <td>{x.tasks_total}</td>
                  <td>{x.status === 'done' ? `${x.bytes.toLocaleString()} bytes` : ''}</td>
                  <td>{formatTime(x.created_at)}</td>
                  <td>
                    {x.status === 'done' && (
                      <a href={exportFileUrl(x.id)} onClick={(e) => onDownload(e, x)}>
                        Download #{x.id}
                      </a>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <PagerControls label="Past exports pages" newer {...past.pagerProps} />
      </section>
    </div>
  );
}
