/*
 * Webhooks: receivers told of the project's events (signed POSTs, retried
 * with backoff), each with its delivery log. The signing secret is shown
 * once, right after creating; a failed (or any) delivery can be sent again.
 * The same panel manages the global webhooks (every project's events) on
 * the admin's Webhooks page.
 */
import { useState, type FormEvent } from 'react';
import type { Project } from '../../api/types';
import {
  WEBHOOK_EVENTS,
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  redeliver,
  testWebhook,
  updateWebhook,
  type Webhook,
  type WebhookDelivery,
  type WebhookScope,
} from '../../api/webhooks';
import { EmptyRow, ErrorAlert, Loading, PagerControls, StatusMessage, TableHead, formatTime, usePagedList, useSubmit } from '../../ui';

/* "All events", or the names. */
export function eventsSummary(events: string[]): string {
  return events.length === 0 || events.includes('*') ? 'All events' : events.join(', ');
}

/* "200 after 2 attempts", "503 · HTTP 503", "no answer · timeout". */
export function deliveryOutcome(d: WebhookDelivery): string {
  if (d.attempts === 0) return 'Not sent yet';
  const code = d.response_code === null ? 'No answer' : String(d.response_code);
  return d.last_error && d.status !== 'delivered' ? `${code} · ${d.last_error}` : code;
}

function Deliveries({ scope, hook }: { scope: WebhookScope; hook: Webhook }) {
  const [status, setStatus] = useState('');
  const { list, pagerProps } = usePagedList((q) => listDeliveries(scope, hook.id, status, q), 20, [scope, hook.id, status]);
  const [rowError, setRowError] = useState<unknown>(null);
  const [said, setSaid] = useState('');

  async function again(d: WebhookDelivery) {
    setRowError(null);
    setSaid('');
    try {
      await redeliver(scope, hook.id, d.id);
      setSaid(`Delivery #${d.id} queued again.`);
      list.reload();
    } catch (e) {
      setRowError(e);
    }
  }

  return (
    <section aria-labelledby={`deliveries-title-${hook.id}`}>
      <h4 id={`deliveries-title-${hook.id}`}>Deliveries of webhook #{hook.id}</h4>
      <label htmlFor={`deliveries-status-${hook.id}`}>Status</label>{' '}
      <select id={`deliveries-status-${hook.id}`} data-testid="deliveries-status" value={status} onChange={(e) => setStatus(e.target.value)}>
        <option value="">All</option>
        <option value="pending">Pending</option>
        <option value="delivered">Delivered</option>
        <option value="failed">Failed</option>
      </select>{' '}
      <button type="button" data-testid="deliveries-refresh" onClick={() => list.reload()}>
        Refresh
      </button>
      <StatusMessage>{said}</StatusMessage>
      <ErrorAlert error={rowError} />
      <ErrorAlert error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="the deliveries" />
      ) : (
        <table className="data-table">
          <caption className="sr-only">Deliveries</caption>
          <TableHead columns={['Delivery', 'Event', 'Status', 'Response', 'Attempts', 'Last attempt', 'Actions']} />
          <tbody>
            {list.data?.items.length === 0 && <EmptyRow colSpan={7}>No deliveries yet.</EmptyRow>}
            {list.data?.items.map((d) => (
              <tr key={d.id} data-testid={`delivery-row-${d.id}`}>
                <th scope="row">#{d.id}</th>
                <td>
                  {d.event} <code>{d.event_id}</code>
                </td>
                <td data-testid={`delivery-status-${d.id}`}>{d.status}</td>
                <td data-testid={`delivery-code-${d.id}`}>{deliveryOutcome(d)}</td>
                <td>{d.attempts}</td>
                <td>{d.last_attempt_at ? formatTime(d.last_attempt_at) : '–'}</td>
                <td>
                  <button type="button" data-testid={`delivery-redeliver-${d.id}`} aria-label={`Redeliver delivery #${d.id}`} onClick={() => again(d)}>
                    Redeliver
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagerControls label="Delivery pages" {...pagerProps} />
    </section>
  );
}

/* The events picker: none ticked means every event. */
function EventBoxes({ idPrefix, value, onChange }: { idPrefix: string; value: string[]; onChange: (v: string[]) => void }) {
  return (
    <fieldset>
      <legend>Events (none ticked: all)</legend>
      {WEBHOOK_EVENTS.map((ev) => (
        <label key={ev} className="checkbox">
          <input
            type="checkbox"
            data-testid={`${idPrefix}-${ev}`}
            checked={value.includes(ev)}
            onChange={(e) => onChange(e.target.checked ? [...value, ev] : value.filter((x) => x !== ev))}
          />{' '}
          {ev}
        </label>
      ))}
    </fieldset>
  );
}

export function WebhooksTab({ project }: { project: Project }) {
  return <WebhooksPanel scope={project.id} />;
}

export function WebhooksPanel({ scope }: { scope: WebhookScope }) {
  const { list, pagerProps } = usePagedList((q) => listWebhooks(scope, q), 50, [scope]);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [lowBelow, setLowBelow] = useState('');
  const [secret, setSecret] = useState<{ id: number; secret: string } | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [editing, setEditing] = useState<{ id: number; events: string[] } | null>(null);
  const [status, setStatus] = useState('');
  const [rowError, setRowError] = useState<unknown>(null);
  const add = useSubmit();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setStatus('');
    await add.run(async () => {
      const below = lowBelow.trim();
      const w = await createWebhook(scope, below === '' ? { url: url.trim(), events } : { url: url.trim(), events, escrow_low_below: Number(below) });
      setSecret({ id: w.id, secret: w.secret });
      setUrl('');
      setEvents([]);
      setLowBelow('');
      list.reload();
    });
  }

  async function act(what: () => Promise<unknown>, said: string) {
    setRowError(null);
    setStatus('');
    try {
      await what();
      setStatus(said);
      list.reload();
    } catch (e) {
      setRowError(e);
    }
  }

  const hooks = list.data?.items ?? [];
  const shown = hooks.find((h) => h.id === open);
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{scope === null ? 'Global webhooks' : 'Webhooks'}</h2>
      <p className="hint">
        {scope === null && 'These receive the events of every project. '}
        Each event is POSTed as JSON, signed with the webhook&apos;s secret (header LabelFlow-Signature), and retried with backoff until the receiver
        answers 2xx. Deduplicate by the payload&apos;s id.
      </p>
      <form className="card form-grid" onSubmit={submit} aria-labelledby="webhook-add-title">
        <h3 id="webhook-add-title">Add a webhook</h3>
        <label htmlFor="webhook-add-url">URL</label>
        <input id="webhook-add-url" data-testid="webhook-add-url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
        <EventBoxes idPrefix="webhook-add-event" value={events} onChange={setEvents} />
        <label htmlFor="webhook-add-low">ESCROW_LOW under (minor units, optional)</label>
        <input
          id="webhook-add-low"
          data-testid="webhook-add-low"
          inputMode="numeric"
          pattern="[0-9]*"
          value={lowBelow}
          onChange={(e) => setLowBelow(e.target.value)}
        />
        <ErrorAlert error={add.error} />
        <div className="form-actions">
          <button type="submit" data-testid="webhook-add-submit" disabled={add.busy}>
            Add webhook
          </button>
        </div>
      </form>
      {secret && (
        <div className="card" role="status" data-testid="webhook-secret">
          <p>
            The signing secret of webhook #{secret.id}. Copy it now: it is not shown again.
          </p>
          <code data-testid="webhook-secret-value">{secret.secret}</code>{' '}
          <button type="button" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
      <StatusMessage>{status}</StatusMessage>
      <ErrorAlert error={rowError} />
      <ErrorAlert error={list.error} />
      {list.loading && !list.data ? (
        <Loading what="the webhooks" />
      ) : (
        <table className="data-table">
          <caption className="sr-only">Webhooks</caption>
          <TableHead columns={['Webhook', 'URL', 'Events', 'Active', 'Actions']} />
          <tbody>
            {hooks.length === 0 && <EmptyRow colSpan={5}>No webhooks yet.</EmptyRow>}
            {hooks.map((h) => (
              <tr key={h.id} data-testid={`webhook-row-${h.id}`}>
                <th scope="row">#{h.id}</th>
                <td>
                  <code>{h.url}</code>
                </td>
                <td>
                  {editing?.id === h.id ? (
                    <form
                      onSubmit={(e) => {
                        e.preventDefault();
                        const ev = editing.events;
                        setEditing(null);
                        act(() => updateWebhook(scope, h.id, { events: ev }), `Webhook #${h.id} now receives ${eventsSummary(ev).toLowerCase()}.`);
                      }}
                    >
                      <EventBoxes idPrefix={`webhook-edit-event-${h.id}`} value={editing.events} onChange={(v) => setEditing({ id: h.id, events: v })} />
                      <button type="submit" data-testid={`webhook-edit-save-${h.id}`}>
                        Save
                      </button>{' '}
                      <button type="button" onClick={() => setEditing(null)}>
                        Cancel
                      </button>
                    </form>
                  ) : (
                    eventsSummary(h.events)
                  )}
                </td>
                <td data-testid={`webhook-active-${h.id}`}>{h.active ? 'Yes' : 'No'}</td>
                <td>
                  <button type="button" data-testid={`webhook-log-${h.id}`} aria-expanded={open === h.id} onClick={() => setOpen(open === h.id ? null : h.id)}>
                    Deliveries
                  </button>{' '}
                  <button type="button" data-testid={`webhook-edit-${h.id}`} onClick={() => setEditing({ id: h.id, events: h.events.filter((x) => x !== '*') })}>
                    Edit events
                  </button>{' '}
                  <button
                    type="button"
                    data-testid={`webhook-toggle-${h.id}`}
                    onClick={() => act(() => updateWebhook(scope, h.id, { active: !h.active }), `Webhook #${h.id} ${h.active ? 'paused' : 'active again'}.`)}
                  >
                    {h.active ? 'Pause' : 'Activate'}
                  </button>{' '}
                  <button type="button" data-testid={`webhook-test-${h.id}`} onClick={() => act(() => testWebhook(scope, h.id), `A PING was sent to webhook #${h.id}.`)}>
                    Test
                  </button>{' '}
                  <button
                    type="button"
                    className="danger"
                    data-testid={`webhook-delete-${h.id}`}
                    aria-label={`Delete webhook #${h.id}`}
                    onClick={() => {
                      if (open === h.id) setOpen(null);
                      act(() => deleteWebhook(scope, h.id), `Webhook #${h.id} deleted with its delivery log.`);
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagerControls label="Webhook pages" {...pagerProps} />
      {shown && <Deliveries scope={scope} hook={shown} />}
    </section>
  );
}
