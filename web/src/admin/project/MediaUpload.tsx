/*
 * Media upload: images, audio, video or archives of them, chosen with the
 * file picker or dropped on the zone, sent in one multipart request with
 * real progress. The server keeps all files or none: the answer lists the
 * items (kind, dimensions, duration), a refusal names the file.
 */
import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { errorMessage } from '../../api/client';
import { MEDIA_ACCEPT, MEDIA_MAX_UPLOAD_BYTES, uploadMedia } from '../../api/media';
import type { MediaUpload as MediaUploadResult, Project } from '../../api/types';
import { ErrorAlert, FormActions, TableHead } from '../../ui';
import { codecsOf, formatBytes, formatDimensions, formatDuration, isArchive, kindSummary, mergeFiles } from '../lib/mediaFlow';

type Phase =
  | { phase: 'idle' }
  | { phase: 'uploading'; sent: number; total: number }
  | { phase: 'done'; result: MediaUploadResult; files: number }
  | { phase: 'failed'; message: string };

export function MediaUpload({ project, onUploaded }: { project: Project; onUploaded?: () => void }) {
  const [files, setFiles] = useState<File[]>([]);
  const [state, setState] = useState<Phase>({ phase: 'idle' });
  const [formError, setFormError] = useState('');
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const busy = state.phase === 'uploading';
  const total = files.reduce((n, f) => n + f.size, 0);

  function add(more: FileList | File[] | null) {
    if (!more || more.length === 0) return;
    setFiles((have) => mergeFiles(have, Array.from(more)));
    setFormError('');
    if (state.phase !== 'uploading') setState({ phase: 'idle' });
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    if (!busy) add(e.dataTransfer.files);
  }

  async function upload(e: FormEvent) {
    e.preventDefault();
    setFormError('');
    /* The last upload's outcome would read as this attempt's. */
    setState({ phase: 'idle' });
    if (files.length === 0) {
      setFormError('Choose or drop media files first.');
      return;
    }
    if (total > MEDIA_MAX_UPLOAD_BYTES) {
      setFormError(`One upload takes at most ${formatBytes(MEDIA_MAX_UPLOAD_BYTES)}; these files are ${formatBytes(total)}. Upload them in parts.`);
      return;
    }
    const sending = files;
    setState({ phase: 'uploading', sent: 0, total });
    try {
      const result = await uploadMedia({ projectId: project.id, files: sending }, (sent, all) =>
        setState({ phase: 'uploading', sent, total: all || total }),
      );
      setState({ phase: 'done', result, files: sending.length });
      setFiles([]);
      if (input.current) input.current.value = '';
      onUploaded?.();
    } catch (err) {
      setState({ phase: 'failed', message: errorMessage(err) });
    }
  }

  const fraction = state.phase === 'uploading' && state.total > 0 ? Math.min(1, state.sent / state.total) : null;

  return (
    <>
      <form className="card form-grid" onSubmit={upload} aria-labelledby="media-title">
        <h3 id="media-title">Upload media</h3>
        <div
          className={`drop-zone${dragging ? ' dragging' : ''}`}
          data-testid="media-drop-zone"
          onDragEnter={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragOver={(e) => {
            e.preventDefault();
            e.dataTransfer.dropEffect = busy ? 'none' : 'copy';
          }}
          onDragLeave={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
          }}
          onDrop={onDrop}
        >
          <p>Drop images, audio, video or an archive (zip, tar, tar.gz) here, or</p>
          <label htmlFor="media-files">Choose media files</label>
          <input
            id="media-files"
            ref={input}
            type="file"
            multiple
            accept={MEDIA_ACCEPT}
            aria-describedby="media-hint"
            disabled={busy}
            onChange={(e) => add(e.target.files)}
          />
        </div>
        <p id="media-hint" className="hint">
          Each file becomes one task; an archive's files each become one. The type is read from the content, and the label
          config needs an Image, Audio or Video object for it. If any file is refused, none is kept.
        </p>
        {files.length > 0 && (
          <div className="chosen-files">
            <p>
              {files.length.toLocaleString()} {files.length === 1 ? 'file' : 'files'} chosen, {formatBytes(total)}:
            </p>
            <ul aria-label="Chosen files">
              {files.slice(0, 50).map((f) => (
                <li key={`${f.name}-${f.size}-${f.lastModified}`}>
                  {f.name} <span className="hint">({formatBytes(f.size)}{isArchive(f.name) ? ', archive' : ''})</span>
                </li>
              ))}
              {files.length > 50 && <li>and {(files.length - 50).toLocaleString()} more</li>}
            </ul>
          </div>
        )}
        <ErrorAlert error={formError} />
        <FormActions submit="Upload media" busy={busy}>
          {files.length > 0 && (
            <button type="button" className="secondary" disabled={busy} onClick={() => setFiles([])}>
              Clear
            </button>
          )}
        </FormActions>
      </form>

      {state.phase !== 'idle' && (
        <section className="card" aria-labelledby="media-status-title">
          <h3 id="media-status-title">Media upload</h3>
          {state.phase === 'uploading' && (
            <>
              <div className="progress-row">
                <span>Upload</span>
                <progress aria-label="Media upload progress" max={1} {...(fraction === null ? {} : { value: fraction })} />
                <span>{fraction === null ? 'working…' : `${Math.round(fraction * 100)}%`}</span>
              </div>
              <p role="status" className="status-message">
                {state.sent >= state.total
                  ? 'Uploaded; the server is checking and probing the files…'
                  : `Uploading… ${formatBytes(state.sent)} of ${formatBytes(state.total)} sent.`}
              </p>
            </>
          )}
          {state.phase === 'failed' && <ErrorAlert error={`Upload refused, nothing was kept: ${state.message}`} />}
          {state.phase === 'done' && (
            <>
              <p role="status" className="status-message">
                <strong>
                  {state.result.count.toLocaleString()} {state.result.count === 1 ? 'task' : 'tasks'} created
                </strong>{' '}
                ({kindSummary(state.result.items)}) from {state.files.toLocaleString()} {state.files === 1 ? 'file' : 'files'}.
              </p>
              <table className="data-table">
                <caption className="sr-only">Uploaded media</caption>
                <TableHead columns={['File', 'Kind', 'Type', 'Dimensions', 'Duration', 'Size', 'Task']} />
                <tbody>
                  {state.result.items.slice(0, 200).map((it) => (
                    <tr key={it.id}>
                      <th scope="row">{it.filename}</th>
                      <td>{it.kind}</td>
                      <td>
                        {it.mime}
                        {codecsOf(it) && <div className="hint">{codecsOf(it)}</div>}
                      </td>
                      <td>{formatDimensions(it)}</td>
                      <td className="num">{formatDuration(it.duration_ms)}</td>
                      <td className="num">{formatBytes(it.bytes)}</td>
                      <td className="num">{it.task_id ?? ''}</td>
                    </tr>
                  ))}
                  {state.result.items.length > 200 && (
                    <tr>
                      <td colSpan={7}>and {(state.result.items.length - 200).toLocaleString()} more items</td>
                    </tr>
                  )}
                </tbody>
              </table>
            </>
          )}
        </section>
      )}
    </>
  );
}
