/*
 * Data: upload a dataset (raw body, real upload progress from the XHR),
 * then follow the background import job until its tasks exist; or upload
 * media files (MediaUpload), which become tasks in the same request.
 */
import { useEffect, useReducer, useRef, useState, type FormEvent } from 'react';
import { getImport, listImports, uploadImport } from '../../api/imports';
import type { ImportFormat, Project } from '../../api/types';
import { getMeta } from '../../api/meta';
import { ErrorAlert, FormActions, Loading, TableHead, formatTime, useLoad } from '../../ui';
import { importReducer, initialImportState, progressOf, runImport } from '../lib/importFlow';
import { BucketSources } from './BucketSources';
import { MediaUpload } from './MediaUpload';

/* Labels only: the formats the server reads come from GET /meta. */
const FORMAT_LABELS: Record<ImportFormat, string> = {
  csv: 'CSV',
  tsv: 'TSV',
  json: 'JSON (array of tasks)',
  jsonl: 'JSON Lines',
  text: 'Plain text (one task per line)',
  label_studio: 'Label Studio tasks JSON',
};

function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}

function pct(x: number | null): string {
  return x === null ? 'working…' : `${Math.round(x * 100)}%`;
}

/* A null value leaves the bar indeterminate. */
function ProgressRow({ step, value, text }: { step: string; value: number | null; text: string }) {
  return (
    <div className="progress-row">
      <span>{step}</span>
      <progress aria-label={`${step} progress`} max={1} {...(value === null ? {} : { value })} />
      <span>{text}</span>
    </div>
  );
}

export function DataTab({ project }: { project: Project }) {
  const [state, dispatch] = useReducer(importReducer, initialImportState);
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState('');
  const [skipBad, setSkipBad] = useState(false);
  const [formError, setFormError] = useState('');
  const abort = useRef<AbortController | null>(null);
  const history = useLoad(() => listImports(project.id, 20), [project.id]);
  const meta = useLoad(getMeta, []);
  const busy = state.phase === 'uploading' || state.phase === 'importing';
  const progress = progressOf(state);
  const reloadHistory = history.reload;

  /* Stop polling when the person leaves the tab. */
  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => {
    if (state.phase === 'done' || state.phase === 'failed') reloadHistory();
  }, [state.phase, reloadHistory]);

  async function upload(e: FormEvent) {
    e.preventDefault();
    setFormError('');
    if (!file) {
      /* The last import's outcome would read as this attempt's. */
      dispatch({ type: 'reset' });
      setFormError('Choose a dataset file first.');
      return;
    }
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    await runImport(
      { projectId: project.id, file, format, skipBad },
      {
        upload: uploadImport,
        get: getImport,
        dispatch,
        signal: ctl.signal,
      },
    );
  }

  /* A refused upload sent nothing that counts: "Upload 0%" would read as still waiting. */
  const refused = state.phase === 'failed' && state.stage === 'upload';
  const job = state.phase === 'importing' || state.phase === 'done' ? state.job : state.phase === 'failed' ? state.job : undefined;

  return (
    <div>
      <h2>Data</h2>
      <form className="card form-grid" onSubmit={upload} aria-labelledby="upload-title">
        <h3 id="upload-title">Upload a dataset</h3>
        <label htmlFor="dt-file">Dataset file</label>
        <input
          id="dt-file"
          type="file"
          accept=".csv,.tsv,.tab,.json,.jsonl,.ndjson,.txt,text/csv,text/tab-separated-values,application/json,text/plain"
          aria-describedby="dt-file-hint"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        <p id="dt-file-hint" className="hint">
          CSV, TSV, JSON, JSON Lines, plain text or Label Studio tasks. Columns or keys become the task's data.
        </p>
        <label htmlFor="dt-format">Format</label>
        <select id="dt-format" value={format} onChange={(e) => setFormat(e.target.value)}>
          <option value="">Detect from the file</option>
          {(meta.data?.import_formats ?? []).map((f) => (
            <option key={f} value={f}>
              {FORMAT_LABELS[f] ?? f}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={skipBad} onChange={(e) => setSkipBad(e.target.checked)} /> Skip bad rows
        </label>
        <ErrorAlert error={formError} />
        <FormActions submit="Upload" busy={busy} />
      </form>

      {state.phase !== 'idle' && (
        <section className="card" aria-labelledby="import-status-title">
          <h3 id="import-status-title">
            {file?.name ?? 'Upload'}
          </h3>
          {refused ? (
            <p>The server refused the file; nothing was imported.</p>
          ) : (
            <>
              <ProgressRow step="Upload" value={progress.upload} text={pct(progress.upload)} />
              <ProgressRow
                step="Import"
                value={progress.import}
                text={state.phase === 'uploading' ? 'waiting for the upload' : pct(progress.import)}
              />
            </>
          )}
          <div role="status" className="status-message">
            {state.phase === 'uploading' && `Uploading… ${state.sent.toLocaleString()} of ${state.total.toLocaleString()} bytes sent.`}
            {state.phase === 'importing' &&
              `Importing (${state.job.status})… ${state.job.items_done.toLocaleString()} of ${state.job.items_total.toLocaleString()} rows read, ${state.job.tasks_created.toLocaleString()} tasks created.`}
            {state.phase === 'done' && (
              <strong>
                Import finished: {plural(state.job.tasks_created, 'task')} created
                {state.job.skipped > 0 ? `, ${plural(state.job.skipped, 'row')} skipped` : ''}.
              </strong>
            )}
          </div>
          {state.phase === 'failed' && (
            <ErrorAlert error={`${state.stage === 'upload' ? 'Upload failed' : 'Import failed'}: ${state.message}`}>
              {state.code === 'media_not_dataset' && (
                <p>
                  Images, audio and video become tasks through <a href="#media-title">Upload media</a> below.
                </p>
              )}
            </ErrorAlert>
          )}
          {job && job.errors.length > 0 && (
            <table className="data-table">
              <caption>Rows skipped ({job.skipped})</caption>
              <TableHead columns={['Line', 'Problem']} />
              <tbody>
                {job.errors.map((er, i) => (
                  <tr key={i}>
                    <td className="num">{er.line}</td>
                    <td>{er.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}

      <MediaUpload project={project} onUploaded={reloadHistory} />
      <BucketSources project={project} onSynced={reloadHistory} />

      <section aria-labelledby="imports-title">
        <h3 id="imports-title">Earlier imports</h3>
        <ErrorAlert error={history.error} />
        {history.loading && !history.data ? (
          <Loading what="imports" />
        ) : (
          <table className="data-table">
            <TableHead columns={['File', 'Format', 'Status', 'Tasks created', 'Rows skipped', 'Uploaded']} />
            <tbody>
              {history.data?.items.length === 0 && (
                <tr>
                  <td colSpan={6}>No imports yet.</td>
                </tr>
              )}
              {history.data?.items.map((im) => (
                <tr key={im.id}>
                  <th scope="row">{im.filename || `Import #${im.id}`}</th>
                  <td>{im.format}</td>
                  <td>
                    {im.status}
                    {im.error ? `: ${im.error}` : ''}
                  </td>
                  <td className="num">{im.tasks_created}</td>
                  <td className="num">{im.skipped}</td>
                  <td>{formatTime(im.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
