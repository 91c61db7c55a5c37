/*
 * The ML backends tab against a fake API: what it sends to connect,
 * predict, train and disconnect, and what it shows of the server's answers
 * (model version, progress, refused predictions, a refused connection).
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MlBackend } from '../../api/ml';
import type { Project } from '../../api/types';

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

const { ApiError } = await import('../../api/client');
const { MlTab, annotationWebhookBody, connectBody, mediaLinkWarning, progressSummary } = await import('./MlTab');

const project = { id: 5, name: 'Sentiment' } as Project;
const backend = (id: number, over: Partial<MlBackend> = {}): MlBackend => ({
  id,
  project_id: 5,
  title: `model ${id}`,
  url: `https://m${id}.example.org`,
  hostname: 'https://labelflow.example.org',
  auth: 'header',
  model_version: 'v3',
  state: 'connected',
  last_error: null,
  auto_predict: true,
  batch_size: 10,
  concurrency: 2,
  timeout_ms: 30000,
  progress: { requested: 2000, done: 1960, pending: 40, predicted: 1950, errors: 10 },
  created_at: '2026-03-01T00:00:00.000Z',
  updated_at: '2026-03-01T00:00:00.000Z',
  ...over,
});
const fields = { url: 'https://m.example.org', title: '', auth: 'none' as const, authUser: '', authSecret: '', autoPredict: true, batchSize: '' };

beforeEach(() => {
  calls.length = 0;
});
afterEach(cleanup);

describe('connectBody', () => {
  it('sends the credentials of the auth kind chosen only', () => {
    expect(connectBody(fields)).toEqual({ ok: true, body: { url: 'https://m.example.org', auth: 'none', auto_predict: true } });
    expect(connectBody({ ...fields, authUser: 'ignored', authSecret: 'ignored' })).toEqual({ ok: true, body: { url: 'https://m.example.org', auth: 'none', auto_predict: true } });
    expect(connectBody({ ...fields, auth: 'basic', authUser: ' u ', authSecret: 'p', title: ' T ', batchSize: '25', autoPredict: false })).toEqual({
      ok: true,
      body: { url: 'https://m.example.org', auth: 'basic', auth_user: 'u', auth_secret: 'p', title: 'T', batch_size: 25, auto_predict: false },
    });
  });
  it('refuses a URL without http(s), missing credentials and a bad batch size', () => {
    expect(connectBody({ ...fields, url: 'ftp://x' })).toMatchObject({ ok: false, message: expect.stringMatching(/http:\/\/ or https:\/\//) });
    expect(connectBody({ ...fields, auth: 'header', authUser: 'X-Key' })).toMatchObject({ ok: false, message: expect.stringMatching(/header/) });
    expect(connectBody({ ...fields, batchSize: '0' })).toMatchObject({ ok: false });
    expect(connectBody({ ...fields, batchSize: '101' })).toMatchObject({ ok: false });
  });
});

describe('mediaLinkWarning', () => {
  it('warns only for a media project whose backends were given no hostname', () => {
    const image = '<View><Image name="i" value="$image"/><Choices name="c" toName="i"><Choice value="a"/></Choices></View>';
    const text = '<View><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>';
    expect(mediaLinkWarning(image, [{ hostname: '' }])).toMatch(/LABELFLOW_PUBLIC_URL/);
    expect(mediaLinkWarning('<View><Video name="v" value="$video"/></View>', [{ hostname: '' }])).toMatch(/relative links/);
    expect(mediaLinkWarning(image, [{ hostname: 'https://lf.example.org' }])).toBeNull();
    expect(mediaLinkWarning(image, [])).toBeNull();
    expect(mediaLinkWarning(text, [{ hostname: '' }])).toBeNull();
    expect(mediaLinkWarning(undefined, [{ hostname: '' }])).toBeNull();
  });
});

describe('progressSummary', () => {
  it('says predicted, refused and, while any, pending', () => {
    expect(progressSummary(backend(1).progress)).toBe('1,950 predicted · 10 refused · 40 pending');
    expect(progressSummary({ requested: 3, done: 3, pending: 0, predicted: 3, errors: 0 })).toBe('3 predicted · 0 refused');
  });
});

describe('annotationWebhookBody', () => {
  it('points at the backend\'s /webhook with the annotation events and its credentials as headers', () => {
    const ev = ['ANNOTATION_CREATED', 'ANNOTATION_UPDATED'];
    expect(annotationWebhookBody({ url: 'https://m.example.org/', auth: 'none' }, '', '')).toEqual({ ok: true, body: { url: 'https://m.example.org/webhook', events: ev, active: true } });
    const h = annotationWebhookBody({ url: 'https://m.example.org', auth: 'header' }, 'X-Api-Key', 's3cret');
    expect(h.ok && h.body.headers).toEqual({ 'X-Api-Key': 's3cret' });
    const b = annotationWebhookBody({ url: 'https://m.example.org', auth: 'basic' }, 'bot', 'pw');
    expect(b.ok && b.body.headers).toEqual({ Authorization: `Basic ${btoa('bot:pw')}` });
    expect(annotationWebhookBody({ url: 'https://m.example.org', auth: 'basic' }, 'bot', '').ok).toBe(false);
  });
});

describe('MlTab', () => {
  it('lists backends, connects one with its credentials, and shows a refused connection', async () => {
    let items = [backend(1)];
    handler = (method, path, body) => {
      if (method === 'GET' && path === '/projects/5/ml-backends') return { items, next_cursor: null };
      if (method === 'POST' && path === '/projects/5/ml-backends') {
        if (body.url.includes('down')) throw new ApiError(422, 'ml_backend_unreachable', 'The health check failed: /health answered HTTP 503');
        const b = backend(2, { title: 'new one', model_version: 'v9' });
        items = [...items, b];
        return b;
      }
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<MlTab project={project} />);
    const row = await screen.findByTestId('ml-row-1');
    expect(within(row).getByText('model 1')).toBeTruthy();
    expect(screen.getByTestId('ml-version-1').textContent).toBe('v3');
    expect(screen.getByTestId('ml-progress-1').textContent).toBe('1,950 predicted · 10 refused · 40 pending');

    fireEvent.change(screen.getByTestId('ml-url'), { target: { value: 'https://down.example.org' } });
    fireEvent.click(screen.getByTestId('ml-connect'));
    await screen.findByText('The health check failed: /health answered HTTP 503');

    fireEvent.change(screen.getByTestId('ml-url'), { target: { value: 'https://new.example.org' } });
    fireEvent.change(screen.getByTestId('ml-auth'), { target: { value: 'header' } });
    fireEvent.change(screen.getByTestId('ml-auth-user'), { target: { value: 'X-Api-Key' } });
    fireEvent.change(screen.getByTestId('ml-auth-secret'), { target: { value: 's3cret' } });
    fireEvent.click(screen.getByTestId('ml-connect'));
    await screen.findByTestId('ml-row-2');
    screen.getByText('Connected new one: model version v9.');
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts[1].body).toEqual({ url: 'https://new.example.org', auth: 'header', auth_user: 'X-Api-Key', auth_secret: 's3cret', auto_predict: true });
  });

  it('warns on an image project when the backends were given no hostname', async () => {
    handler = (method, path) => {
      if (method === 'GET' && path === '/projects/5/ml-backends') return { items: [backend(1, { hostname: '' })], next_cursor: null };
      throw new Error(`unexpected ${method} ${path}`);
    };
    const images = { ...project, label_config: '<View><Image name="i" value="$image"/></View>' } as Project;
    const { unmount } = render(<MlTab project={images} />);
    await screen.findByTestId('ml-row-1');
    expect(screen.getByTestId('ml-link-warning').textContent).toMatch(/no LABELFLOW_PUBLIC_URL/);
    unmount();
    render(<MlTab project={project} />);
    await screen.findByTestId('ml-row-1');
    expect(screen.queryByTestId('ml-link-warning')).toBeNull();
  });

  it('predicts every task, asks to train, lists refused predictions and disconnects', async () => {
    let items = [backend(1)];
    handler = (method, path) => {
      if (method === 'GET' && path === '/projects/5/ml-backends') return { items, next_cursor: null };
      if (method === 'POST' && path === '/projects/5/ml-backends/1/predict') return { tasks: 120, jobs: 12, job_id: 77 };
      if (method === 'POST' && path === '/projects/5/ml-backends/1/train') return { started: true, answer: null };
      if (method === 'GET' && path === '/projects/5/ml-backends/1/errors?limit=50')
        return { items: [{ id: 3, task_id: 42, model_version: 'v3', error: 'choice "maybe" is not one of sentiment\'s', created_at: '2026-03-01T00:00:00.000Z' }], next_cursor: null };
      if (method === 'DELETE' && path === '/projects/5/ml-backends/1') {
        items = [];
        return undefined;
      }
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<MlTab project={project} />);
    await screen.findByTestId('ml-row-1');
    fireEvent.click(screen.getByTestId('ml-predict-1'));
    await screen.findByText('120 task(s) queued for model 1.');
    expect(calls.find((c) => c.path.endsWith('/predict'))?.body).toEqual({ filter: {} });
    fireEvent.click(screen.getByTestId('ml-train-1'));
    await screen.findByText('model 1 was asked to train.');
    fireEvent.click(screen.getByTestId('ml-errors-toggle-1'));
    const panel = await screen.findByTestId('ml-errors-1');
    await waitFor(() => expect(within(panel).getByText('#42')).toBeTruthy());
    within(panel).getByText('choice "maybe" is not one of sentiment\'s');
    handler = ((prev) => (method: string, path: string, body?: any) =>
      method === 'POST' && path === '/projects/5/webhooks' ? { id: 9, ...body, secret: 'whsec_x' } : prev(method, path, body))(handler);
    fireEvent.click(screen.getByTestId('ml-hook-toggle-1'));
    const form = await screen.findByTestId('ml-hook-form-1');
    fireEvent.change(within(form).getByLabelText('Header name'), { target: { value: 'X-Api-Key' } });
    fireEvent.change(within(form).getByLabelText('Header value'), { target: { value: 'k' } });
    fireEvent.click(screen.getByTestId('ml-hook-create-1'));
    await screen.findByText('Annotations now go to model 1 (webhook #9; its deliveries are on the Webhooks tab).');
    expect(calls.find((c) => c.path === '/projects/5/webhooks')?.body).toEqual({
      url: 'https://m1.example.org/webhook',
      events: ['ANNOTATION_CREATED', 'ANNOTATION_UPDATED'],
      active: true,
      headers: { 'X-Api-Key': 'k' },
    });
    fireEvent.click(screen.getByTestId('ml-delete-1'));
    await screen.findByText('No ML backend connected.');
    screen.getByText('model 1 disconnected; its predictions stay in the tasks.');
  });
});
