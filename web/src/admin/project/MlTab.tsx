/*
 * ML backends: model servers (Label Studio's ML backend protocol) connected
 * to the project. Connecting checks the server (health, setup); each
 * backend shows its model version and how far its predictions went, and
 * can predict every task now, be asked to train, list the predictions that
 * were refused, or be disconnected. Credentials are sent, never shown.
 * Ordering the L1 queue by the models' scores is a policy, on the Settings
 * tab (ml_uncertainty_order).
 */
import { useState, type FormEvent } from 'react';
import { connectMlBackend, deleteMlBackend, listMlBackends, listMlErrors, predictMl, trainMl, type MlAuth, type MlBackend, type MlBackendInput } from '../../api/ml';
import type { Project } from '../../api/types';
import { createWebhook, type WebhookInput } from '../../api/webhooks';
import { EmptyRow, ErrorAlert, Loading, PagerControls, StatusMessage, TableHead, formatTime, useLoad, usePagedList, useSubmit } from '../../ui';

export interface ConnectFields {
  url: string;
  title: string;
  auth: MlAuth;
  authUser: string;
  authSecret: string;
  autoPredict: boolean;
  batchSize: string;
}

export type ConnectForm = { ok: true; body: MlBackendInput } | { ok: false; message: string };

/* The connect form's body: credentials only for the auth kind chosen. */
export function connectBody(f: ConnectFields): ConnectForm {
  const url = f.url.trim();
  if (!/^https?:\/\/\S+$/i.test(url)) return { ok: false, message: 'Enter the backend’s URL, starting with http:// or https://.' };
  const body: MlBackendInput = { url, auth: f.auth, auto_predict: f.autoPredict };
  if (f.title.trim()) body.title = f.title.trim();
  if (f.auth !== 'none') {
    if (!f.authUser.trim() || !f.authSecret) return { ok: false, message: f.auth === 'basic' ? 'Basic auth needs a user and a password.' : 'Header auth needs the header’s name and its value.' };
    body.auth_user = f.authUser.trim();
    body.auth_secret = f.authSecret;
  }
  if (f.batchSize.trim()) {
    const n = Number(f.batchSize);
    if (!Number.isInteger(n) || n < 1 || n > 100) return { ok: false, message: 'The batch size is a whole number from 1 to 100.' };
    body.batch_size = n;
  }
  return { ok: true, body };
}

/*
 * Image, audio and video models download a task's media through the links
 * they are sent, which are absolute only under the server's
 * LABELFLOW_PUBLIC_URL (a backend's hostname). Without it, say so before
 * the admin wonders why every prediction fails.
 */
export function mediaLinkWarning(labelConfig: string | undefined, backends: Pick<MlBackend, 'hostname'>[]): string | null {
  if (!/<(Image|Audio|AudioPlus|Video)\b/i.test(labelConfig ?? '')) return null;
  if (!backends.some((b) => b.hostname === '')) return null;
  return 'This server has no LABELFLOW_PUBLIC_URL: backends get this project’s media as relative links they cannot download. Set it to the address they reach LabelFlow at and restart.';
}

/*
 * The event webhook that tells a backend of annotations, as Label Studio
 * does: its /webhook, ANNOTATION_CREATED and _UPDATED, with the backend's
 * credentials as headers (they are never read back, so the admin gives
 * them again).
 */
export function annotationWebhookBody(b: Pick<MlBackend, 'url' | 'auth'>, user: string, secret: string): { ok: true; body: WebhookInput } | { ok: false; message: string } {
  const body: WebhookInput = { url: `${b.url.replace(/\/+$/, '')}/webhook`, events: ['ANNOTATION_CREATED', 'ANNOTATION_UPDATED'], active: true };
  if (b.auth === 'none') return { ok: true, body };
  if (!user.trim() || !secret) return { ok: false, message: b.auth === 'basic' ? 'Give the backend’s user and password again.' : 'Give the backend’s header name and value again.' };
  body.headers = b.auth === 'basic' ? { Authorization: `Basic ${btoa(`${user.trim()}:${secret}`)}` } : { [user.trim()]: secret };
  return { ok: true, body };
}

function SendAnnotationsForm({ project, backend, onDone }: { project: Project; backend: MlBackend; onDone: (msg: string) => void }) {
  const [user, setUser] = useState('');
  const [secret, setSecret] = useState('');
  const send = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = annotationWebhookBody(backend, user, secret);
    if (!r.ok) {
      send.setError(r.message);
      return;
    }
    await send.run(async () => {
      const w = await createWebhook(project.id, r.body);
      onDone(`Annotations now go to ${backend.title} (webhook #${w.id}; its deliveries are on the Webhooks tab).`);
    });
  }
  return (
    <form className="card form-grid" onSubmit={submit} aria-label={`Send annotations to ${backend.title}`} data-testid={`ml-hook-form-${backend.id}`}>
      <p className="hint">Each submitted or revised annotation is sent to {backend.title}&apos;s /webhook, signed and retried, as Label Studio does.</p>
      {backend.auth !== 'none' && (
        <>
          <label htmlFor={`ml-hook-user-${backend.id}`}>{backend.auth === 'basic' ? 'User' : 'Header name'}</label>
          <input id={`ml-hook-user-${backend.id}`} value={user} onChange={(e) => setUser(e.target.value)} />
          <label htmlFor={`ml-hook-secret-${backend.id}`}>{backend.auth === 'basic' ? 'Password' : 'Header value'}</label>
          <input id={`ml-hook-secret-${backend.id}`} type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />
        </>
      )}
      <ErrorAlert error={send.error} />
      <div className="form-actions">
        <button type="submit" data-testid={`ml-hook-create-${backend.id}`} disabled={send.busy}>
          Send annotations
        </button>
      </div>
    </form>
  );
}

/* "1,990 predicted · 10 refused · 40 pending". */
export function progressSummary(p: MlBackend['progress']): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const parts = [`${n(p.predicted)} predicted`, `${n(p.errors)} refused`];
  if (p.pending > 0) parts.push(`${n(p.pending)} pending`);
  return parts.join(' · ');
}

const EMPTY: ConnectFields = { url: '', title: '', auth: 'none', authUser: '', authSecret: '', autoPredict: true, batchSize: '' };

function ConnectSection({ project, onConnected }: { project: Project; onConnected: (b: MlBackend) => void }) {
  const [f, setF] = useState<ConnectFields>(EMPTY);
  const add = useSubmit();
  const set = (k: keyof ConnectFields) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = connectBody(f);
    if (!r.ok) {
      add.setError(r.message);
      return;
    }
    await add.run(async () => {
      onConnected(await connectMlBackend(project.id, r.body));
      setF(EMPTY);
    });
  }

  return (
    <form className="card form-grid" onSubmit={submit} aria-labelledby="ml-connect-title">
      <h4 id="ml-connect-title">Connect a backend</h4>
      <label htmlFor="ml-url">URL</label>
      <input id="ml-url" data-testid="ml-url" required value={f.url} onChange={set('url')} placeholder="https://model.example.org" />
      <label htmlFor="ml-title">Title (optional)</label>
      <input id="ml-title" data-testid="ml-title" value={f.title} onChange={set('title')} />
      <label htmlFor="ml-auth">Authentication</label>
      <select id="ml-auth" data-testid="ml-auth" value={f.auth} onChange={set('auth')}>
        <option value="none">None</option>
        <option value="basic">Basic (user and password)</option>
        <option value="header">A header (name and value)</option>
      </select>
      {f.auth !== 'none' && (
        <>
          <label htmlFor="ml-auth-user">{f.auth === 'basic' ? 'User' : 'Header name'}</label>
          <input id="ml-auth-user" data-testid="ml-auth-user" value={f.authUser} onChange={set('authUser')} />
          <label htmlFor="ml-auth-secret">{f.auth === 'basic' ? 'Password' : 'Header value'}</label>
          <input id="ml-auth-secret" data-testid="ml-auth-secret" type="password" autoComplete="off" value={f.authSecret} onChange={set('authSecret')} />
        </>
      )}
      <label htmlFor="ml-batch">Tasks per call (optional)</label>
      <input id="ml-batch" data-testid="ml-batch" inputMode="numeric" value={f.batchSize} onChange={set('batchSize')} placeholder="10" />
      <label htmlFor="ml-auto">
        <input id="ml-auto" data-testid="ml-auto" type="checkbox" checked={f.autoPredict} onChange={(e) => setF({ ...f, autoPredict: e.target.checked })} /> Predict every
        import&apos;s tasks
      </label>
      <ErrorAlert error={add.error} />
      <div className="form-actions">
        <button type="submit" data-testid="ml-connect" disabled={add.busy}>
          Connect
        </button>
      </div>
    </form>
  );
}

function ErrorsPanel({ project, backend }: { project: Project; backend: MlBackend }) {
  const { list, pagerProps } = usePagedList((q) => listMlErrors(project.id, backend.id, q), 50, [project.id, backend.id]);
  return (
    <section aria-label={`Refused predictions of ${backend.title}`} data-testid={`ml-errors-${backend.id}`}>
      <ErrorAlert error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="the refused predictions" />
      ) : (
        <table className="data-table">
          <caption className="sr-only">Refused predictions of {backend.title}</caption>
          <TableHead columns={['Task', 'Model version', 'What was wrong', 'When']} />
          <tbody>
            {list.data?.items.length === 0 && <EmptyRow colSpan={4}>No refused predictions.</EmptyRow>}
            {list.data?.items.map((e) => (
              <tr key={e.id}>
                <th scope="row">#{e.task_id}</th>
                <td>{e.model_version || '–'}</td>
                <td>{e.error}</td>
                <td>{formatTime(e.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagerControls label="Refused predictions pages" {...pagerProps} />
    </section>
  );
}

export function MlTab({ project }: { project: Project }) {
  const backends = useLoad(() => listMlBackends(project.id), [project.id]);
  const [status, setStatus] = useState('');
  const [rowError, setRowError] = useState<unknown>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [hookFor, setHookFor] = useState<number | null>(null);

  async function act(what: () => Promise<string>) {
    setRowError(null);
    setStatus('');
    try {
      setStatus(await what());
      backends.reload();
    } catch (e) {
      setRowError(e);
    }
  }

  const items = backends.data?.items ?? [];
  const linkWarning = mediaLinkWarning(project.label_config, items);
  return (
    <section aria-labelledby="ml-title">
      <h3 id="ml-title">ML backends</h3>
      <p className="hint">
        Model servers that speak Label Studio&apos;s ML backend protocol. Their predictions are checked against the label config and shown to annotators as
        pre-annotations.
      </p>
      <ConnectSection
        project={project}
        onConnected={(b) => {
          setStatus(`Connected ${b.title}: model version ${b.model_version || '(none given)'}.`);
          backends.reload();
        }}
      />
      {linkWarning && (
        <p className="warning" role="note" data-testid="ml-link-warning">
          {linkWarning}
        </p>
      )}
      <StatusMessage>{status}</StatusMessage>
      <ErrorAlert error={rowError} />
      <ErrorAlert error={backends.error} />
      {backends.loading && !backends.data ? (
        <Loading what="the ML backends" />
      ) : (
        <table className="data-table">
          <caption className="sr-only">ML backends</caption>
          <TableHead columns={['Backend', 'Auth', 'Model version', 'State', 'Predictions', 'Actions']} />
          <tbody>
            {items.length === 0 && <EmptyRow colSpan={6}>No ML backend connected.</EmptyRow>}
            {items.map((b) => (
              <tr key={b.id} data-testid={`ml-row-${b.id}`}>
                <th scope="row">
                  {b.title}
                  <br />
                  <code className="muted">{b.url}</code>
                </th>
                <td>{b.auth === 'none' ? 'None' : b.auth === 'basic' ? 'Basic' : 'Header'}</td>
                <td data-testid={`ml-version-${b.id}`}>{b.model_version || '–'}</td>
                <td>{b.state === 'connected' ? 'Connected' : `Error: ${b.last_error ?? ''}`}</td>
                <td data-testid={`ml-progress-${b.id}`}>{progressSummary(b.progress)}</td>
                <td className="actions">
                  <button
                    type="button"
                    data-testid={`ml-predict-${b.id}`}
                    onClick={() => act(async () => `${(await predictMl(project.id, b.id)).tasks} task(s) queued for ${b.title}.`)}
                  >
                    Predict all tasks
                  </button>{' '}
                  <button type="button" data-testid={`ml-train-${b.id}`} onClick={() => act(async () => (await trainMl(project.id, b.id), `${b.title} was asked to train.`))}>
                    Train
                  </button>{' '}
                  <button type="button" data-testid={`ml-hook-toggle-${b.id}`} aria-expanded={hookFor === b.id} onClick={() => setHookFor(hookFor === b.id ? null : b.id)}>
                    Send annotations…
                  </button>{' '}
                  <button type="button" data-testid={`ml-errors-toggle-${b.id}`} aria-expanded={open === b.id} onClick={() => setOpen(open === b.id ? null : b.id)}>
                    Refused predictions
                  </button>{' '}
                  <button
                    type="button"
                    className="danger"
                    data-testid={`ml-delete-${b.id}`}
                    onClick={() => act(async () => (await deleteMlBackend(project.id, b.id), `${b.title} disconnected; its predictions stay in the tasks.`))}
                  >
                    Disconnect
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items
        .filter((b) => b.id === hookFor)
        .map((b) => (
          <SendAnnotationsForm
            key={b.id}
            project={project}
            backend={b}
            onDone={(msg) => {
              setHookFor(null);
              setStatus(msg);
            }}
          />
        ))}
      {items
        .filter((b) => b.id === open)
        .map((b) => (
          <ErrorsPanel key={b.id} project={project} backend={b} />
        ))}
    </section>
  );
}
