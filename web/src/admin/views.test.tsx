/*
 * The admin views against a fake API: what they send, and what they show
 * for the server's answers and errors.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Project, ProjectAgreement } from '../api/types';

const calls: { method: string; path: string; body?: any }[] = [];
let handler: (method: string, path: string, body?: any) => any = () => {
  throw new Error('no handler');
};
let uploadHandler: (path: string, body: Blob, type: string, onProgress: (s: number, t: number) => void) => Promise<any> = async () => {
  throw new Error('no upload handler');
};

vi.mock('../api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../api/client')>();
  return {
    ...real,
    api: vi.fn(async (method: string, path: string, body?: unknown) => {
      calls.push({ method, path, body });
      return handler(method, path, body);
    }),
    apiUpload: vi.fn((path: string, body: Blob, type: string, onProgress: (s: number, t: number) => void) =>
      uploadHandler(path, body, type, onProgress),
    ),
  };
});
vi.mock('../canvas/LabelCanvas', () => ({
  LabelCanvas: (p: { config: string; data: Record<string, unknown> }) => (
    <div data-testid="canvas" data-config={p.config} data-data={JSON.stringify(p.data)} />
  ),
}));

const { ApiError } = await import('../api/client');
const { EscrowTab } = await import('./project/EscrowTab');
const { AuditPage } = await import('./AuditPage');
const { DataTab } = await import('./project/DataTab');
const { SettingsTab, settingsBody } = await import('./project/SettingsTab');
const { OverviewTab, formatDuration } = await import('./project/OverviewTab');
const { trendSeries } = await import('./project/Agreement');
const { MembersTab } = await import('./project/MembersTab');
const { PayoutsPage } = await import('./PayoutsPage');
const { TasksTab } = await import('./project/TasksTab');
const { MemoryRouter } = await import('react-router-dom');

const project: Project = {
  id: 5,
  name: 'NER',
  description: '',
  instructions: '',
  label_config: '<View><Text name="text" value="$text"/></View>',
  currency: 'USD',
  rates: { l1: 100, l2: 50, l3: 25 },
  policies: { overlap: 1, lease_seconds: 600 } as Project['policies'],
  status: 'active',
  currency_exponent: 2,
  task_types: {},
  created_at: '2026-03-01T00:00:00.000Z',
  updated_at: '2026-03-01T00:00:00.000Z',
};

beforeEach(() => {
  calls.length = 0;
});
afterEach(cleanup);

const list = (items: unknown[] = [], next_cursor: string | null = null) => ({ items, next_cursor });

/* GET /meta's policy_fields as the server publishes them (a subset); getMeta keeps the
 * first answer for the whole file. */
const policyFields = [
  { name: 'lease_seconds', type: 'integer', unit: 'seconds', description: 'Lease.', default: 600, min: 1, max: 604800 },
  { name: 'overlap', type: 'integer', unit: 'annotations', description: 'Overlap.', default: 1, min: 1, max: 20 },
  { name: 'segment_seconds', type: 'integer', unit: 'seconds', description: 'Segments.', default: 0, min: 0, max: 86400 },
  { name: 'segment_overlap_seconds', type: 'integer', unit: 'seconds', description: 'Segment overlap.', default: 0, min: 0, max: 86400 },
  { name: 'l3_sample_rate', type: 'fraction', unit: 'fraction', description: 'L3 share.', default: 1, min: 0, max: 1 },
  { name: 'pay_overturned_l2', type: 'boolean', unit: '', description: 'Pay overturned.', default: false },
] as const;
const meta = { task_states: [], stages: ['l1', 'l2', 'l3'], import_formats: [], export_formats: [], currencies: { default_exponent: 2, exponents: {} }, audit_actions: [], policy_fields: policyFields };


describe('EscrowTab', () => {
  it('shows balances and keeps the idempotency key across a retry, a new one after success', async () => {
    let escrow = { currency: 'USD', available: 0, held: 0, spent: 0 };
    let fail = true;
    handler = (method, path, body) => {
      if (method === 'GET' && path === '/projects/5/escrow') return escrow;
      if (method === 'GET' && path.startsWith('/projects/5/ledger')) return list();
      if (method === 'POST' && path === '/projects/5/escrow/deposits') {
        if (fail) {
          fail = false;
          throw new ApiError(0, 'network_error', 'Could not reach the server.');
        }
        escrow = { ...escrow, available: escrow.available + body.amount };
        return { amount: body.amount, replayed: false, escrow };
      }
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<EscrowTab project={project} />);
    await waitFor(() => expect(screen.getByTestId('escrow-available').textContent).toBe('$0.00'));

    fireEvent.change(screen.getByLabelText('Amount'), { target: { value: '12.50' } });
    fireEvent.click(screen.getByRole('button', { name: 'Deposit' }));
    await screen.findByRole('alert');
    expect(screen.getByRole('alert').textContent).toBe('Could not reach the server.');

    fireEvent.click(screen.getByRole('button', { name: 'Deposit' }));
    await waitFor(() => expect(screen.getByTestId('escrow-available').textContent).toBe('$12.50'));
    expect(screen.getByTestId('escrow-available').getAttribute('data-minor')).toBe('1250');
    const deposits = calls.filter((c) => c.method === 'POST');
    expect(deposits.map((d) => d.body.amount)).toEqual([1250, 1250]);
    expect(deposits[0].body.idempotency_key).toBe(deposits[1].body.idempotency_key);
    screen.getByText('Deposited $12.50.');

    fireEvent.change(screen.getByLabelText('Amount'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Deposit' }));
    await waitFor(() => expect(screen.getByTestId('escrow-available').textContent).toBe('$13.50'));
    const third = calls.filter((c) => c.method === 'POST')[2];
    expect(third.body.idempotency_key).not.toBe(deposits[0].body.idempotency_key);
  });

  it('refuses an amount with too many decimals before asking the server', async () => {
    handler = (method, path) => {
      if (path === '/projects/5/escrow') return { currency: 'USD', available: 0, held: 0, spent: 0 };
      if (path.startsWith('/projects/5/ledger')) return list();
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<EscrowTab project={project} />);
    fireEvent.change(screen.getByLabelText('Amount'), { target: { value: '1.005' } });
    fireEvent.click(screen.getByRole('button', { name: 'Deposit' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/2 decimal places/);
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('pages the ledger with the keyset cursor', async () => {
    handler = (_m, path) => {
      if (path === '/projects/5/escrow') return { currency: 'USD', available: 0, held: 0, spent: 0 };
      const line = (id: number) => ({ entry_id: id, txn_id: id, txn_kind: 'deposit', account: 'escrow', currency: 'USD', amount: 100, created_at: '2026-01-01T00:00:00.000Z' });
      if (path === '/projects/5/ledger?limit=50') return list([line(9), line(8)], '8');
      if (path === '/projects/5/ledger?limit=50&cursor=8') return list([line(7)]);
      throw new Error(`unexpected ${path}`);
    };
    render(<EscrowTab project={project} />);
    await screen.findByText('9');
    fireEvent.click(screen.getByRole('button', { name: 'Older' }));
    await screen.findByText('7');
    expect(screen.queryByText('9')).toBeNull();
    expect((screen.getByRole('button', { name: 'Older' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await screen.findByText('9');
  });
});

describe('PayoutsPage', () => {
  it('names each payment\'s project and links the CSV statement', async () => {
    const batch = {
      id: 3, idempotency_key: 'k', adapter: 'csv', status: 'done', min_amount: 100, statement_key: 'payouts/3/statement.csv',
      totals: { USD: 250 }, currency_exponents: { USD: 2 }, created_at: '2026-03-01T00:00:00.000Z', updated_at: '2026-03-01T00:00:00.000Z',
      items: [{ id: 1, project_id: 5, user_id: 1, currency: 'USD', currency_exponent: 2, amount: 250, status: 'paid', attempts: 1, last_error: null, external_ref: 'statement' }],
    };
    handler = (_m, path) => {
      if (path.startsWith('/users')) return list([{ id: 1, name: 'Ann', email: 'a@x', role: 'annotator', active: true }]);
      if (path.startsWith('/projects')) return list([{ id: 5, name: 'NER' }]);
      if (path.startsWith('/payouts?')) return list([{ ...batch, items: [] }]);
      if (path === '/payouts/3') return batch;
      throw new Error(`unexpected ${path}`);
    };
    render(<PayoutsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Show batch 3' }));
    const payments = await screen.findByRole('table', { name: 'Payments' });
    await waitFor(() => expect(payments.textContent).toContain('NER'));
    const link = screen.getByRole('link', { name: 'Download the CSV statement' });
    expect(link.getAttribute('href')).toBe('/api/v1/payouts/3/statement');
  });

  it('takes one minimum per currency in its major units and sends them in minor units', async () => {
    handler = (method, path, body) => {
      if (path.startsWith('/users')) return list();
      if (path.startsWith('/projects'))
        return list([
          { id: 5, name: 'NER', currency: 'USD', currency_exponent: 2 },
          { id: 6, name: 'Tokyo', currency: 'JPY', currency_exponent: 0 },
          { id: 7, name: 'More', currency: 'USD', currency_exponent: 2 },
        ]);
      if (path.startsWith('/payouts?')) return list([{ id: 8, adapter: 'csv', status: 'done', min_amount: 1, min_amounts: { JPY: 300, USD: 250 }, statement_key: null, items: [], totals: {}, currency_exponents: {}, created_at: '2026-03-01T00:00:00.000Z' }]);
      if (method === 'POST' && path === '/payouts') return { id: 9, adapter: 'csv', status: 'queued', min_amount: 1, min_amounts: body.min_amounts, items: [], totals: {}, currency_exponents: {} };
      if (path === '/payouts/9') return { id: 9, adapter: 'csv', status: 'done', min_amount: 1, min_amounts: {}, statement_key: null, items: [], totals: {}, currency_exponents: {}, created_at: '2026-03-01T00:00:00.000Z' };
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<PayoutsPage />);
    const usd = (await screen.findByLabelText('Minimum in USD')) as HTMLInputElement;
    const jpy = screen.getByLabelText('Minimum in JPY') as HTMLInputElement;
    expect([usd.value, jpy.value]).toEqual(['0.01', '1']);
    expect(screen.getAllByLabelText(/^Minimum in/)).toHaveLength(2);
    await screen.findByText('¥300, $2.50');
    fireEvent.change(usd, { target: { value: '2.505' } });
    fireEvent.change(jpy, { target: { value: '1.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create payout batch' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Minimum amounts: JPY: .* USD: /);
    expect(jpy.getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(usd, { target: { value: '2.50' } });
    fireEvent.change(jpy, { target: { value: '500' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create payout batch' }));
    await screen.findByText(/Batch #9 created/);
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({ min_amounts: { USD: 250, JPY: 500 }, adapter: 'csv' });
  });
});

describe('AuditPage', () => {
  beforeEach(() => {
    handler = (_m, path) => {
      if (path.startsWith('/users')) return list([{ id: 1, name: 'Admin', email: 'a@x', role: 'admin', active: true }]);
      if (path.startsWith('/projects')) return list([{ id: 5, name: 'NER' }]);
      if (path.startsWith('/audit?')) return list([{ id: 3, seq: 3, time: '2026-01-01T00:00:00.000Z', actor_id: 1, action: 'project.create', entity_type: 'project', entity_id: '5', project_id: 5, hash: 'h' }]);
      if (path === '/audit/verify') return { ok: true, count: 3, head: 'abcdef0123456789abcdef', checkpoints: 2, unsealed: 0, oldest_unsealed_ms: 0, max_lag_ms: 10000, key_id: '0123456789abcdef' };
      if (path === '/meta') return { ...meta, audit_actions: ['project.create', 'task.l2_reject', 'task.submit'] };
      throw new Error(`unexpected ${path}`);
    };
  });

  it('offers the server\'s list of actions to filter by', async () => {
    render(<AuditPage />);
    const select = (await screen.findByRole('combobox', { name: 'Action' })) as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['', 'project.create', 'task.l2_reject', 'task.submit']);
    fireEvent.change(select, { target: { value: 'task.l2_reject' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(calls.map((c) => c.path)).toContain('/audit?action=task.l2_reject&limit=50'));
  });

  it('verifies the chain', async () => {
    render(<AuditPage />);
    fireEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    await screen.findByText(/Chain verified/);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('names the first bad record in an alert', async () => {
    const base = handler;
    handler = (m, path) => (path === '/audit/verify' ? { ok: false, count: 7, head: 'x', checkpoints: 2, unsealed: 0, oldest_unsealed_ms: 0, max_lag_ms: 10000, key_id: 'k', broken_seq: 4, reason: 'hash mismatch' } : base(m, path));
    render(<AuditPage />);
    fireEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/record #4: hash mismatch/);
    expect(screen.queryByText(/Chain verified/)).toBeNull();
  });

  it('applies the filters to the query and shows names for ids', async () => {
    render(<AuditPage />);
    await screen.findByText('project.create', { selector: 'code' });
    await waitFor(() => expect(screen.getAllByText('NER').length).toBeGreaterThan(0));
    await screen.findByRole('combobox', { name: 'Action' });
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'task.submit' } });
    fireEvent.change(screen.getByLabelText('Task'), { target: { value: '12' } });
    fireEvent.change(screen.getByLabelText('From date'), { target: { value: '2026-01-01' } });
    fireEvent.change(screen.getByLabelText('To date'), { target: { value: '2026-01-02' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(calls.map((c) => c.path)).toContain(
        '/audit?action=task.submit&task=12&since=2026-01-01T00%3A00%3A00Z&until=2026-01-03T00%3A00%3A00Z&limit=50',
      ),
    );
    fireEvent.change(screen.getByLabelText('Task'), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Task must be a positive whole number.');
  });
});

describe('DataTab', () => {
  it('a refused file shows the reason, no "Upload 0%", and where media goes', async () => {
    uploadHandler = async () => {
      throw new ApiError(415, 'media_not_dataset', 'cat.png is an image file (image/png), not a dataset: imports take csv, tsv, json, jsonl, text or label_studio. Upload media to POST /api/v1/projects/5/media.');
    };
    handler = (_m, path) => {
      if (path.startsWith('/projects/5/imports')) return list();
      if (path.startsWith('/projects/5/sources?')) return list();
      throw new Error(`unexpected ${path}`);
    };
    render(<DataTab project={project} />);
    fireEvent.change(screen.getByLabelText('Dataset file'), { target: { files: [new File(['x'], 'cat.png', { type: 'image/png' })] } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^Upload failed: cat\.png is an image file \(image\/png\)/);
    expect(alert.textContent).toMatch(/through Upload media below/);
    expect(screen.queryByLabelText('Upload progress')).toBeNull();
    expect(screen.queryByText('0%')).toBeNull();
    screen.getByText(/refused the file; nothing was imported/);
  });

  it('a new error does not stand beside the last import\'s success', async () => {
    uploadHandler = async () => ({ id: 4, status: 'done', items_total: 1, items_done: 1, tasks_created: 1, skipped: 0, progress: 1, errors: [] });
    handler = (_m, path) => {
      if (path.startsWith('/projects/5/imports')) return list();
      if (path.startsWith('/projects/5/sources?')) return list();
      throw new Error(`unexpected ${path}`);
    };
    render(<DataTab project={project} />);
    const input = screen.getByLabelText('Dataset file');
    fireEvent.change(input, { target: { files: [new File(['text\na\n'], 'a.csv', { type: 'text/csv' })] } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    await screen.findByText(/Import finished: 1 task created/);
    fireEvent.change(input, { target: { files: [] } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Choose a dataset file first.');
    expect(screen.queryByText(/Import finished/)).toBeNull();
  });

  it('shows upload and import progress, then the tasks created and skipped rows', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    uploadHandler = async (path, body, type, onProgress) => {
      calls.push({ method: 'UPLOAD', path, body: type });
      onProgress(body.size / 2, body.size);
      await gate;
      return { id: 4, status: 'queued', items_total: 3, items_done: 0, tasks_created: 0, skipped: 0, progress: 0, errors: [] };
    };
    handler = (_m, path) => {
      if (path.startsWith('/projects/5/imports')) return list();
      if (path.startsWith('/projects/5/sources?')) return list();
      if (path === '/imports/4')
        return { id: 4, status: 'done', items_total: 3, items_done: 3, tasks_created: 2, skipped: 1, progress: 1, errors: [{ line: 3, message: 'unterminated quote' }] };
      throw new Error(`unexpected ${path}`);
    };
    render(<DataTab project={project} />);
    const file = new File(['text\na\n"b\n'], 'data.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByLabelText('Dataset file'), { target: { files: [file] } });
    fireEvent.click(screen.getByLabelText('Skip bad rows'));
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    const up = await screen.findByLabelText('Upload progress');
    await waitFor(() => expect((up as HTMLProgressElement).value).toBe(0.5));
    await act(async () => release());
    await screen.findByText(/Import finished: 2 tasks created, 1 row skipped/, {}, { timeout: 3000 });
    expect((screen.getByLabelText('Import progress') as HTMLProgressElement).value).toBe(1);
    expect(calls.find((c) => c.method === 'UPLOAD')).toEqual({ method: 'UPLOAD', path: '/projects/5/imports?filename=data.csv&skip_bad=true', body: 'text/csv' });
    screen.getByText('unterminated quote');
  });

  it('shows the server\'s refusal of a malformed file', async () => {
    uploadHandler = async () => {
      throw new ApiError(422, 'malformed_upload', 'Line 2: unterminated quoted field.');
    };
    handler = () => list();
    render(<DataTab project={project} />);
    fireEvent.change(screen.getByLabelText('Dataset file'), { target: { files: [new File(['x'], 'd.csv')] } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Upload failed: Line 2: unterminated quoted field.');
  });
});

describe('SettingsTab', () => {
  it('builds the PATCH body with rates in minor units', () => {
    const f = { name: ' N ', description: 'd', instructions: '', config: '<View/>', currency: 'usd', status: 'active' as const, policies: { overlap: 2 }, task_types: { hard: { lease_seconds: 60 } } };
    expect(settingsBody({ ...f, rates: { l1: '1.25', l2: '0.5', l3: '0' } }, 'USD')).toEqual({
      ok: true,
      body: { name: 'N', description: 'd', instructions: '', label_config: '<View/>', currency: 'USD', status: 'active', policies: { overlap: 2 }, task_types: { hard: { lease_seconds: 60 } }, rates: { l1: 125, l2: 50, l3: 0 } },
    });
    expect(settingsBody({ ...f, rates: { l1: 'x', l2: '0', l3: '0' } }, 'USD')).toMatchObject({ ok: false, message: expect.stringMatching(/^L1 rate/) });
  });

  it('previews the config with sample data and shows the server\'s validation error', async () => {
    handler = (method, path) => {
      if (path === '/meta') return meta;
      if (path.startsWith('/projects/5/tasks')) return list();
      if (method === 'PATCH') throw new ApiError(422, 'invalid_label_config', 'Labels "label" points to unknown tag "txt".');
      throw new Error(`unexpected ${path}`);
    };
    render(<SettingsTab project={project} onSaved={() => {}} />);
    const canvas = await screen.findByTestId('canvas');
    expect(JSON.parse(canvas.getAttribute('data-data') || '{}')).toHaveProperty('text');
    expect((screen.getByLabelText('L1 rate') as HTMLInputElement).value).toBe('1.00');
    await screen.findByLabelText('Lease seconds');
    fireEvent.change(screen.getByLabelText('Label config'), { target: { value: '<View><Labels name="label" toName="txt"/></View>' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Labels "label" points to unknown tag "txt".');
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.body).toMatchObject({
      label_config: '<View><Labels name="label" toName="txt"/></View>',
      rates: { l1: 100, l2: 50, l3: 25 },
      policies: { overlap: 1, lease_seconds: 600, l3_sample_rate: 1, pay_overturned_l2: false },
      task_types: {},
    });
  });
});

describe('SettingsTab policies', () => {
  it('shows every invalid field next to it at once and keeps Save disabled until all are fixed', async () => {
    handler = (method, path) => {
      if (path === '/meta') return meta;
      if (path.startsWith('/projects/5/tasks')) return list();
      if (method === 'PATCH') return { ...project, policies: { ...project.policies, overlap: 3 } };
      throw new Error(`unexpected ${path}`);
    };
    render(<SettingsTab project={project} onSaved={() => {}} />);
    const overlap = (await screen.findByLabelText('Overlap')) as HTMLInputElement;
    const share = screen.getByLabelText('L3 sample rate') as HTMLInputElement;
    expect(share.value).toBe('100');
    const save = screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
    fireEvent.change(overlap, { target: { value: '0' } });
    fireEvent.change(share, { target: { value: '101' } });
    expect(document.getElementById('st-policy-overlap-error')?.textContent).toBe('Enter a whole number from 1 to 20 (annotations).');
    expect(document.getElementById('st-policy-l3_sample_rate-error')?.textContent).toBe('Enter a percentage from 0 to 100, at most two decimals.');
    expect(overlap.getAttribute('aria-describedby')).toContain('st-policy-overlap-error');
    expect(save.disabled).toBe(true);
    fireEvent.change(overlap, { target: { value: '3' } });
    expect(save.disabled).toBe(true);
    fireEvent.change(share, { target: { value: '12.5' } });
    expect(save.disabled).toBe(false);
    fireEvent.change(screen.getByLabelText('Per-task-type overrides (JSON)'), { target: { value: '{"hard": {"overlap": 99}}' } });
    expect(document.getElementById('st-task-types-error')?.textContent).toBe('"hard": overlap must be an integer from 1 to 20.');
    expect(save.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Per-task-type overrides (JSON)'), { target: { value: '{"hard": {"overlap": 2}}' } });
    fireEvent.click(save);
    await screen.findByText('Settings saved.');
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.body.policies).toMatchObject({ overlap: 3, l3_sample_rate: 0.125 });
    expect(patch?.body.task_types).toEqual({ hard: { overlap: 2 } });
  });

  it('puts the server\'s policy problems next to their fields', async () => {
    handler = (method, path) => {
      if (path === '/meta') return meta;
      if (path.startsWith('/projects/5/tasks')) return list();
      if (method === 'PATCH')
        throw new ApiError(422, 'invalid_policy', '2 policy problems: policy overlap must be an integer from 1 to 20; policy lease_seconds must be an integer from 1 to 604800.', [
          'policy overlap must be an integer from 1 to 20',
          'policy lease_seconds must be an integer from 1 to 604800',
        ]);
      throw new Error(`unexpected ${path}`);
    };
    render(<SettingsTab project={project} onSaved={() => {}} />);
    await screen.findByLabelText('Overlap');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Some policies were refused: see the fields marked.');
    expect(document.getElementById('st-policy-overlap-error')?.textContent).toBe('policy overlap must be an integer from 1 to 20');
    expect(document.getElementById('st-policy-lease_seconds-error')?.textContent).toBe('policy lease_seconds must be an integer from 1 to 604800');
    fireEvent.change(screen.getByLabelText('Overlap'), { target: { value: '2' } });
    expect(document.getElementById('st-policy-overlap-error')).toBeNull();
    expect(document.getElementById('st-policy-lease_seconds-error')).not.toBeNull();
  });
});

describe('OverviewTab', () => {
  it('writes durations for people', () => {
    expect([0, 0.2, 4.6, 75, 3725].map(formatDuration)).toEqual(['—', 'under 1 s', '5 s', '1 min 15 s', '1 h 2 min']);
  });

  it('shows counts per state and the stats', async () => {
    handler = (_m, path) => {
      if (path === '/projects/5') return { ...project, counts: { queued_l1: 3, locked_l1: 0, queued_l2: 0, locked_l2: 0, queued_l3: 0, locked_l3: 0, accepted: 2, discarded: 0 }, task_count: 5 };
      if (path.startsWith('/projects/5/stats?since='))
        return {
          currency: 'USD',
          throughput: [],
          people: [{ user_id: 2, name: 'Ann', email: 'ann@x', submitted: 4, rejected: 1, reviewed: 0, decided: 0, avg_annotate_seconds: 75, earned: 300 }],
        };
      throw new Error(`unexpected ${path}`);
    };
    render(<OverviewTab project={project} />);
    await waitFor(() => expect(screen.getByTestId('count-accepted').textContent).toBe('2'));
    expect(screen.getByTestId('count-queued_l1').textContent).toBe('3');
    expect(screen.getByTestId('count-discarded').textContent).toBe('0');
    expect(screen.getByTestId('count-total').textContent).toBe('5');
    await screen.findByText('$3.00');
    screen.getByText('1 min 15 s');
    screen.getByRole('figure', { name: 'Annotations submitted per annotator' });
  });

  it('shows agreement per control and the annotator matrix of kappa', async () => {
    const v = (value: number | null, status = 'ok', units = 8) => ({ value, status, units });
    handler = (_m, path) => {
      if (path === '/projects/5') return { ...project, counts: {}, task_count: 8 };
      if (path.startsWith('/projects/5/stats?since=')) return { currency: 'USD', throughput: [], people: [] };
      if (path.startsWith('/projects/5/members?'))
        return list([
          { user_id: 2, name: 'Ann', roles: ['annotator'] },
          { user_id: 3, name: 'Bob', roles: ['annotator'] },
          { user_id: 4, name: 'Cy', roles: ['annotator'] },
        ]);
      if (path === '/projects/5/agreement')
        return {
          project_id: 5,
          tasks: 8,
          controls: [
            {
              name: 'sentiment',
              type: 'choices',
              percent: v(0.6667),
              alpha: v(0.4682),
              fleiss: { ...v(0.4451), raters: 3, skipped: 0 },
              pairs: [
                { user_a: 2, user_b: 3, shared: 4, percent: v(0.75, 'ok', 4), kappa: v(0.5556, 'ok', 4) },
                { user_a: 3, user_b: 4, shared: 4, percent: v(1, 'ok', 4), kappa: v(null, 'no_variation', 4) },
              ],
              pairs_truncated: false,
            },
          ],
          regions: [
            {
              name: 'label',
              type: 'labels',
              method: 'span_f1',
              mean: v(0.8125, 'ok', 6),
              pairs: [{ user_a: 2, user_b: 4, shared: 3, mean: v(0.9, 'ok', 3) }],
              pairs_truncated: false,
            },
          ],
          other_controls: ['notes'],
        };
      throw new Error(`unexpected ${path}`);
    };
    render(<OverviewTab project={project} />);
    await waitFor(() => expect(screen.getByTestId('alpha-sentiment').textContent).toBe('0.47'));
    expect(screen.getByTestId('percent-sentiment').textContent).toBe('0.67');
    expect(screen.getByTestId('fleiss-sentiment').textContent).toBe('0.45');
    expect(screen.getByTestId('units-sentiment').textContent).toBe('8');
    screen.getByText("Fleiss' kappa (3 annotators a task)");
    // The matrix is symmetric, names from the members list; a pair that
    // never varied says so, a pair that never met is empty.
    await waitFor(() => expect(screen.getAllByRole('rowheader', { name: 'Ann' })).toHaveLength(2));
    expect(screen.getByTestId('pair-sentiment-2-3').textContent).toBe('0.56 (4)');
    expect(screen.getByTestId('pair-sentiment-3-2').textContent).toBe('0.56 (4)');
    expect(screen.getByTestId('pair-sentiment-4-3').textContent).toBe('n/a (one category only) (4)');
    expect(screen.getByTestId('pair-sentiment-2-4').textContent).toBe('');
    expect(screen.getByTestId('mean-label').textContent).toBe('0.81');
    expect(screen.getByTestId('units-label').textContent).toBe('6');
    screen.getByText('Mean span F1');
    expect(screen.getByTestId('pair-label-4-2').textContent).toBe('0.90 (3)');
    screen.getByText('Not measured here: notes.');
  });

  it('draws each control\'s agreement per day, skipping the days it has no data', async () => {
    const v = (value: number | null, status = 'ok', units = 4) => ({ value, status, units });
    const trend: ProjectAgreement['trend'] = [
      { date: '2026-12-01', controls: { sentiment: { value: 0.75, units: 2 }, note: { value: 0.5, units: 3 } } },
      { date: '2026-12-02', controls: { note: { value: 0.9, units: 1 } } },
      { date: '2026-12-03', controls: { sentiment: { value: 1, units: 1 }, note: { value: 0.7, units: 2 } } },
    ];
    handler = (_m, path) => {
      if (path === '/projects/5') return { ...project, counts: {}, task_count: 4 };
      if (path.startsWith('/projects/5/stats?since=')) return { currency: 'USD', throughput: [], people: [] };
      if (path.startsWith('/projects/5/members?')) return list([]);
      if (path === '/projects/5/agreement')
        return {
          project_id: 5,
          tasks: 4,
          controls: [
            { name: 'sentiment', type: 'choices', percent: v(0.8333), alpha: v(0.5), fleiss: { ...v(0.4), raters: 2, skipped: 0 }, pairs: [], pairs_truncated: false },
          ],
          regions: [{ name: 'note', type: 'textarea', method: 'cer', mean: v(0.65, 'ok', 6), pairs: [], pairs_truncated: false }],
          other_controls: [],
          trend,
        };
      throw new Error(`unexpected ${path}`);
    };
    expect(trendSeries(trend, 'sentiment')).toEqual([
      { x: '2026-12-01', y: 0.75 },
      { x: '2026-12-03', y: 1 },
    ]);
    expect(trendSeries(undefined, 'sentiment')).toEqual([]);
    render(<OverviewTab project={project} />);
    const sentiment = await screen.findByTestId('agreement-trend-sentiment');
    within(sentiment).getByRole('figure', { name: 'Percent agreement per day (UTC): sentiment' });
    // Two points, the better day drawn higher (smaller y).
    const dots = [...sentiment.querySelectorAll('circle')].map((c) => Number(c.getAttribute('cy')));
    expect(dots).toHaveLength(2);
    expect(dots[1]).toBeLessThan(dots[0]);
    // The numbers for screen readers: one row per day.
    expect(within(sentiment).getAllByRole('rowheader').map((h) => h.textContent)).toEqual(['2026-12-01', '2026-12-03']);
    expect(within(sentiment).getAllByRole('cell').map((c) => c.textContent)).toEqual(['0.75', '1']);
    const note = screen.getByTestId('agreement-trend-note');
    within(note).getByRole('figure', { name: 'Mean text similarity (1 - CER) per day (UTC): note' });
    expect(note.querySelectorAll('circle')).toHaveLength(3);
    expect(within(note).getAllByRole('cell').map((c) => c.textContent)).toEqual(['0.5', '0.9', '0.7']);
  });
});

describe('MembersTab', () => {
  it('sets exactly the checked roles and removes members', async () => {
    let members = [{ user_id: 3, email: 'r@x', name: 'Rita', roles: ['reviewer'] }];
    handler = (method, path, body) => {
      if (path.startsWith('/projects/5/members?') && method === 'GET') return list(members);
      if (path.startsWith('/users')) return list([{ id: 3, email: 'r@x', name: 'Rita', role: 'reviewer', active: true }, { id: 4, email: 'a@x', name: 'Al', role: 'annotator', active: true }]);
      if (method === 'PUT' && path === '/projects/5/members/4') {
        members = [...members, { user_id: 4, email: 'a@x', name: 'Al', roles: body.roles }];
        return {};
      }
      if (method === 'DELETE' && path === '/projects/5/members/3') {
        members = members.filter((m) => m.user_id !== 3);
        return undefined;
      }
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<MembersTab project={project} />);
    await screen.findByText('Rita');
    await waitFor(() => expect(screen.getAllByRole('option').length).toBe(3));
    fireEvent.change(screen.getByLabelText('User'), { target: { value: '3' } });
    /* A member's roles are shown for editing... */
    expect((screen.getByLabelText('Reviewer') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Annotator') as HTMLInputElement).checked).toBe(false);
    /* ...and do not carry over to the next person. */
    fireEvent.change(screen.getByLabelText('User'), { target: { value: '4' } });
    expect((screen.getByLabelText('Reviewer') as HTMLInputElement).checked).toBe(false);
    fireEvent.click(screen.getByLabelText('Annotator'));
    fireEvent.click(screen.getByLabelText('Reviewer'));
    fireEvent.click(screen.getByRole('button', { name: 'Add member' }));
    await screen.findByText('Annotator, Reviewer');
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ roles: ['annotator', 'reviewer'] });
    expect((screen.getByLabelText('User') as HTMLSelectElement).value).toBe('');
    expect((screen.getByLabelText('Annotator') as HTMLInputElement).checked).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Remove Rita' }));
    await waitFor(() => expect(screen.queryByRole('row', { name: /Rita/ })).toBeNull());
  });
});

describe('TasksTab', () => {
  const row = (id: number, over: Record<string, unknown> = {}) => ({
    id,
    project_id: 5,
    state: 'locked_l1',
    preview: `Item ${id}`,
    priority: 0,
    attempts: 1,
    reworks: 0,
    annotations_done: 0,
    created_at: '2026-03-01T00:00:00.000Z',
    updated_at: '2026-03-01T00:00:00.000Z',
    lease: { holder: 2, expires_at: '2026-03-01T00:10:00.000Z', expires_in_ms: 600000 },
    holder: { id: 2, name: 'Ann' },
    annotator: null,
    reviewer: null,
    score: null,
    ...over,
  });
  beforeEach(() => {
    handler = (method, path) => {
      if (path === '/projects/5') return { ...project, counts: { queued_l1: 8, locked_l1: 2 }, task_count: 10 };
      if (path.startsWith('/projects/5/members?')) return list([{ user_id: 2, name: 'Ann', email: 'ann@x', roles: ['annotator'] }]);
      if (path === '/meta') return { currencies: { default_exponent: 2, exponents: {} }, task_states: ['queued_l1', 'locked_l1'], export_formats: [{ name: 'jsonl' }] };
      if (method === 'GET' && path.startsWith('/projects/5/tasks?')) return list([row(1), row(2)], path.includes('cursor=') ? null : 'c1');
      if (path === '/projects/5/tasks/bulk')
        return { action: 'release', done: [1], failed: [{ id: 2, error: { code: 'not_held', message: 'Nobody holds task 2.' } }] };
      throw new Error(`unexpected ${method} ${path}`);
    };
  });
  const taskGets = () => calls.filter((c) => c.method === 'GET' && c.path.startsWith('/projects/5/tasks?')).map((c) => c.path);

  it('lists with the filters from the address, pages by cursor, and drops the cursor when the listing changes', async () => {
    render(
      <MemoryRouter initialEntries={['/?state=locked_l1&sort=-updated_at']}>
        <TasksTab project={project} />
      </MemoryRouter>,
    );
    await screen.findByText('Item 2');
    expect(taskGets()).toEqual(['/projects/5/tasks?view=table&state=locked_l1&sort=-updated_at&limit=50']);
    expect(screen.getByRole('columnheader', { name: /Updated/ }).getAttribute('aria-sort')).toBe('descending');
    expect(screen.getByTestId('dm-count-locked_l1').textContent).toBe('2');
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(taskGets()).toContain('/projects/5/tasks?view=table&state=locked_l1&sort=-updated_at&limit=50&cursor=c1'));
    await screen.findByText('Page 2');
    fireEvent.change(screen.getByLabelText('Tasks per page'), { target: { value: '100' } });
    await waitFor(() => expect(taskGets().at(-1)).toBe('/projects/5/tasks?view=table&state=locked_l1&sort=-updated_at&limit=100'));
    expect(taskGets().filter((p) => p.includes('limit=100') && p.includes('cursor'))).toEqual([]);
    await screen.findByText('Page 1');
  });

  it('releases the selection and lists what failed with its message', async () => {
    render(
      <MemoryRouter>
        <TasksTab project={project} />
      </MemoryRouter>,
    );
    await screen.findByText('Item 2');
    fireEvent.click(screen.getByLabelText('Select every task on this page'));
    await screen.findByRole('heading', { name: '2 tasks selected' });
    const before = taskGets().length;
    fireEvent.click(screen.getByRole('button', { name: 'Release held' }));
    await screen.findByText('1 task released, 1 failed.');
    screen.getByText('Task #2: Nobody holds task 2. (not_held)');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ action: 'release', task_ids: [1, 2] });
    await waitFor(() => expect(taskGets().length).toBe(before + 1));
    await screen.findByRole('heading', { name: '0 tasks selected' });
  });

  it('searches once typing pauses, keeping a filter changed meanwhile', async () => {
    render(
      <MemoryRouter>
        <TasksTab project={project} />
      </MemoryRouter>,
    );
    await screen.findByText('Item 2');
    fireEvent.change(screen.getByLabelText('Search in data'), { target: { value: 'Ber' } });
    fireEvent.change(screen.getByLabelText('Search in data'), { target: { value: 'Berlin' } });
    fireEvent.change(screen.getByLabelText('Tasks per page'), { target: { value: '200' } });
    await waitFor(() => expect(taskGets().at(-1)).toBe('/projects/5/tasks?view=table&q=Berlin&limit=200'));
    expect(taskGets().filter((p) => p.includes('q=Ber&'))).toEqual([]);
  });

  it('asks for the comment a discard needs before sending it', async () => {
    render(
      <MemoryRouter>
        <TasksTab project={project} />
      </MemoryRouter>,
    );
    await screen.findByText('Item 2');
    fireEvent.click(screen.getByLabelText('Select task 1'));
    fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
    fireEvent.submit(screen.getByRole('form', { name: 'Bulk action details' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Say why in the comment.');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(true);
    fireEvent.change(screen.getByLabelText('Comment (why)'), { target: { value: 'duplicate' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Bulk action details' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ action: 'discard', task_ids: [1], comment: 'duplicate' }));
    expect(confirm).toHaveBeenCalledWith('Discard 1 task? Discarded tasks leave the workflow.');
    confirm.mockRestore();
  });
});
