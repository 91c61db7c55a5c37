/*
 * The Webhooks tab against a fake API: what it sends (create with the
 * ticked events, pause, edit events, test, delete, redeliver), the secret
 * shown once, and the delivery log's status and response code.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Project } from '../../api/types';
import type { Webhook, WebhookDelivery } from '../../api/webhooks';

const calls: { method: string; path: string; body?: any }[] = [];
let handler: (method: string, path: string, body?: any) => any = () => {
  throw new Error('no handler');
};

vi.mock('../../api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../api/client')>();
  return {
    ...real,
    api: vi.fn(async (method: string, path: string, body?: unknown) => {
      calls.push({ method, path, body });
      return handler(method, path, body);
    }),
  };
});

const { WebhooksPanel, WebhooksTab, deliveryOutcome, eventsSummary } = await import('./WebhooksTab');

const project = { id: 5, name: 'Sentiment' } as Project;
const hook = (id: number, over: Partial<Webhook> = {}): Webhook => ({
  id,
  project_id: 5,
  url: `https://hooks.example.org/${id}`,
  events: [],
  active: true,
  headers: [],
  escrow_low_below: null,
  created_at: '2026-03-01T00:00:00.000Z',
  updated_at: '2026-03-01T00:00:00.000Z',
  ...over,
});
const delivery = (id: number, over: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  id,
  webhook_id: 1,
  event: 'TASK_SUBMITTED',
  event_id: `${id}.TASK_SUBMITTED`,
  status: 'delivered',
  attempts: 1,
  response_code: 200,
  last_error: null,
  response_excerpt: 'ok',
  duration_ms: 12,
  created_at: '2026-03-01T00:00:00.000Z',
  last_attempt_at: '2026-03-01T00:00:01.000Z',
  next_attempt_at: null,
  delivered_at: '2026-03-01T00:00:01.000Z',
  payload: {},
  ...over,
});

beforeEach(() => {
  calls.length = 0;
});
afterEach(cleanup);

describe('summaries', () => {
  it('names the events or says all', () => {
    expect(eventsSummary([])).toBe('All events');
    expect(eventsSummary(['*'])).toBe('All events');
    expect(eventsSummary(['TASK_ACCEPTED', 'TASK_REVIEWED'])).toBe('TASK_ACCEPTED, TASK_REVIEWED');
  });
  it('says the response code and, for a failure, why', () => {
    expect(deliveryOutcome(delivery(1))).toBe('200');
    expect(deliveryOutcome(delivery(1, { status: 'failed', response_code: 503, last_error: 'HTTP 503', attempts: 8 }))).toBe('503 · HTTP 503');
    expect(deliveryOutcome(delivery(1, { status: 'pending', response_code: null, last_error: 'Connection refused' }))).toBe('No answer · Connection refused');
    expect(deliveryOutcome(delivery(1, { attempts: 0, response_code: null }))).toBe('Not sent yet');
  });
});

describe('WebhooksTab', () => {
  it('creates a webhook with the ticked events and shows its secret once', async () => {
    let items: Webhook[] = [];
    handler = (method, path, body) => {
      if (method === 'GET' && path.startsWith('/projects/5/webhooks')) return { items, next_cursor: null };
      if (method === 'POST' && path === '/projects/5/webhooks') {
        items = [hook(3, { url: body.url, events: body.events })];
        return { ...items[0], secret: 'whsec_abc' };
      }
      throw new Error(`${method} ${path}`);
    };
    render(<WebhooksTab project={project} />);
    await screen.findByText('No webhooks yet.');
    fireEvent.change(screen.getByTestId('webhook-add-url'), { target: { value: ' https://hooks.example.org/in ' } });
    fireEvent.click(screen.getByTestId('webhook-add-event-TASK_ACCEPTED'));
    fireEvent.click(screen.getByTestId('webhook-add-event-ESCROW_LOW'));
    fireEvent.change(screen.getByTestId('webhook-add-low'), { target: { value: '500' } });
    fireEvent.click(screen.getByTestId('webhook-add-submit'));
    expect((await screen.findByTestId('webhook-secret-value')).textContent).toBe('whsec_abc');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ url: 'https://hooks.example.org/in', events: ['TASK_ACCEPTED', 'ESCROW_LOW'], escrow_low_below: 500 });
    await screen.findByTestId('webhook-row-3');
    expect(screen.getByTestId('webhook-row-3').textContent).toContain('TASK_ACCEPTED');
    fireEvent.click(screen.getByText('Done'));
    expect(screen.queryByTestId('webhook-secret')).toBeNull();
  });

  it('the global panel speaks to /webhooks, not to a project', async () => {
    let items: Webhook[] = [];
    handler = (method, path, body) => {
      if (method === 'GET' && path.startsWith('/webhooks')) return { items, next_cursor: null };
      if (method === 'POST' && path === '/webhooks') {
        items = [hook(4, { project_id: null as unknown as number, url: body.url, events: body.events })];
        return { ...items[0], secret: 'whsec_g' };
      }
      throw new Error(`${method} ${path}`);
    };
    render(<WebhooksPanel scope={null} />);
    await screen.findByText('Global webhooks');
    fireEvent.change(screen.getByTestId('webhook-add-url'), { target: { value: 'https://hooks.example.org/all' } });
    fireEvent.click(screen.getByTestId('webhook-add-submit'));
    expect((await screen.findByTestId('webhook-secret-value')).textContent).toBe('whsec_g');
    expect(calls.filter((c) => c.path.startsWith('/projects')).length).toBe(0);
    await screen.findByTestId('webhook-row-4');
  });

  it('pauses, edits events, tests and deletes', async () => {
    handler = (method, path) => {
      if (method === 'GET') return { items: [hook(1)], next_cursor: null };
      if (method === 'PATCH' || method === 'POST') return hook(1);
      if (method === 'DELETE') return undefined;
      throw new Error(`${method} ${path}`);
    };
    render(<WebhooksTab project={project} />);
    await screen.findByTestId('webhook-row-1');
    fireEvent.click(screen.getByTestId('webhook-toggle-1'));
    await screen.findByText('Webhook #1 paused.');
    expect(calls.find((c) => c.method === 'PATCH')).toMatchObject({ path: '/projects/5/webhooks/1', body: { active: false } });
    fireEvent.click(screen.getByTestId('webhook-edit-1'));
    fireEvent.click(screen.getByTestId('webhook-edit-event-1-TASK_REVIEWED'));
    fireEvent.click(screen.getByTestId('webhook-edit-save-1'));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({ events: ['TASK_REVIEWED'] }));
    fireEvent.click(screen.getByTestId('webhook-test-1'));
    await screen.findByText('A PING was sent to webhook #1.');
    expect(calls.some((c) => c.method === 'POST' && c.path === '/projects/5/webhooks/1/test')).toBe(true);
    fireEvent.click(screen.getByTestId('webhook-delete-1'));
    await screen.findByText('Webhook #1 deleted with its delivery log.');
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/projects/5/webhooks/1')).toBe(true);
  });

  it('shows the delivery log, filters it and redelivers', async () => {
    handler = (method, path) => {
      if (method === 'GET' && path.startsWith('/projects/5/webhooks/1/deliveries'))
        return {
          items: path.includes('status=failed')
            ? [delivery(8, { status: 'failed', response_code: 500, last_error: 'HTTP 500', attempts: 8 })]
            : [delivery(9), delivery(8, { status: 'failed', response_code: 500, last_error: 'HTTP 500', attempts: 8 })],
          next_cursor: null,
        };
      if (method === 'GET') return { items: [hook(1)], next_cursor: null };
      if (method === 'POST' && path === '/projects/5/webhooks/1/deliveries/8/redeliver') return delivery(8, { status: 'pending' });
      throw new Error(`${method} ${path}`);
    };
    render(<WebhooksTab project={project} />);
    await screen.findByTestId('webhook-row-1');
    fireEvent.click(screen.getByTestId('webhook-log-1'));
    expect((await screen.findByTestId('delivery-code-9')).textContent).toBe('200');
    expect(screen.getByTestId('delivery-status-8').textContent).toBe('failed');
    expect(screen.getByTestId('delivery-code-8').textContent).toBe('500 · HTTP 500');
    fireEvent.change(screen.getByTestId('deliveries-status'), { target: { value: 'failed' } });
    await waitFor(() => expect(screen.queryByTestId('delivery-row-9')).toBeNull());
    expect(calls.some((c) => c.path.includes('/deliveries?status=failed'))).toBe(true);
    fireEvent.click(screen.getByTestId('delivery-redeliver-8'));
    await screen.findByText('Delivery #8 queued again.');
  });
});
