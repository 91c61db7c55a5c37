/*
 * Bucket sources beside the media upload: connect an s3://, gs:// or
 * azure:// prefix (read with the server's own credentials) and sync it.
 * A sync runs in the background; the list polls while one is going and
 * shows its counts, and the objects it refused with the reason.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client';
import { createSource, deleteSource, listSources, syncSource } from '../../api/sources';
import type { Project } from '../../api/types';
import { ErrorAlert, FormActions, Loading, TableHead, formatTime, useLoad } from '../../ui';
import { anySyncActive, sourceUrlProblem, syncSummary } from '../lib/sourceFlow';

/* How often the list is read again while a sync runs. */
const POLL_MS = 1000;

export function BucketSources({ project, onSynced }: { project: Project; onSynced?: () => void }) {
  const sources = useLoad(() => listSources(project.id).then((p) => p.items), [project.id]);
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const active = anySyncActive(sources.data);

  useEffect(() => {
    if (!active) return undefined;
    const t = setTimeout(sources.reload, POLL_MS);
    return () => clearTimeout(t);
  }, [active, sources.data]);
  useEffect(() => {
    if (!active && sources.data) onSynced?.();
  }, [active]);

  async function act(fn: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
      sources.reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  function connect(e: FormEvent) {
    e.preventDefault();
    const problem = sourceUrlProblem(url);
    if (problem) {
      setError(problem);
      return;
    }
    void act(async () => {
      const src = await createSource(project.id, url.trim());
      await syncSource(src.id);
      setUrl('');
    });
  }

  return (
    <section className="card" aria-labelledby="sources-title">
      <h3 id="sources-title">Bucket sources</h3>
      <form className="form-grid" onSubmit={connect}>
        <label htmlFor="source-url">Bucket prefix</label>
        <input
          id="source-url"
          type="text"
          placeholder="s3://bucket/prefix/"
          value={url}
          disabled={busy}
          aria-describedby="source-hint"
          onChange={(e) => setUrl(e.target.value)}
        />
        <p id="source-hint" className="hint">
          Each image, audio or video object under the prefix becomes one task, read in place (not copied) with the server's
          storage credentials. A sync reads only objects it has not seen before.
        </p>
        <ErrorAlert error={error} />
        <FormActions submit="Connect and sync" busy={busy} />
      </form>
      <ErrorAlert error={sources.error} />
      {sources.loading && !sources.data ? (
        <Loading what="bucket sources" />
      ) : (
        sources.data &&
        sources.data.length > 0 && (
          <table className="data-table">
            <caption className="sr-only">Connected buckets</caption>
            <TableHead columns={['Bucket', 'Last sync', 'When', '']} />
            <tbody>
              {sources.data.map((s) => (
                <tr key={s.id}>
                  <th scope="row">{s.url}</th>
                  <td>
                    <span role="status">{syncSummary(s.last_sync)}</span>
                    {s.last_sync?.error && <div className="hint">{s.last_sync.error}</div>}
                    {(s.last_sync?.report.refused ?? []).slice(0, 5).map((r) => (
                      <div key={r.key} className="hint">
                        {r.message}
                      </div>
                    ))}
                  </td>
                  <td>{s.last_sync ? formatTime(s.last_sync.updated_at) : ''}</td>
                  <td>
                    <button type="button" className="secondary" disabled={busy || active} onClick={() => act(() => syncSource(s.id))}>
                      Sync now
                    </button>{' '}
                    <button type="button" className="secondary" disabled={busy} onClick={() => act(() => deleteSource(s.id))}>
                      Disconnect
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
    </section>
  );
}
