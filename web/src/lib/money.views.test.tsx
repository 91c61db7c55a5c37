/*
 * One balance, one rendering: the worker's earnings page and the admin's
 * escrow view format money through lib/money.ts with the exponent the API
 * sends, so a KRW amount (no minor unit) reads the same in both and is not
 * scaled by 100 anywhere.
 */
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Project } from '../api/types';

const KRW = { currency: 'KRW', currency_exponent: 0 };

vi.mock('../api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../api/client')>();
  return {
    ...real,
    api: vi.fn(async (method: string, path: string) => {
      if (method !== 'GET') throw new Error(`unexpected ${method} ${path}`);
      if (path === '/me/earnings')
        return {
          ...KRW,
          pending: 1000,
          earned: 250000,
          paid: 0,
          projects: [{ project_id: 7, ...KRW, pending: 1000, earned: 250000, paid: 0 }],
          by_currency: { KRW: { currency_exponent: 0, pending: 1000, earned: 250000, paid: 0 } },
        };
      if (path.startsWith('/me/earnings/history')) return { items: [] };
      if (path.startsWith('/projects?')) return { items: [] };
      if (path === '/projects/7/escrow') return { project_id: 7, ...KRW, available: 1000, held: 250000, spent: 0 };
      if (path.startsWith('/projects/7/ledger')) return { items: [] };
      if (path.startsWith('/users')) return { items: [] };
      throw new Error(`no answer for ${path}`);
    }),
  };
});

const { EarningsPage } = await import('../annotator/EarningsPage');
const { EscrowTab } = await import('../admin/project/EscrowTab');

const project: Project = {
  id: 7,
  name: 'Seoul',
  description: '',
  instructions: '',
  label_config: '<View/>',
  ...KRW,
  rates: { l1: 100, l2: 50, l3: 25 },
  policies: {} as Project['policies'],
  status: 'active',
  task_types: {},
  created_at: '2026-03-01T00:00:00.000Z',
  updated_at: '2026-03-01T00:00:00.000Z',
};

afterEach(cleanup);

describe('a KRW balance', () => {
  it('reads the same on the earnings page and in the escrow view', async () => {
    render(<EarningsPage />);
    await waitFor(() => expect(screen.getByTestId('earnings-pending').textContent).not.toBe(''));
    const worker = [screen.getByTestId('earnings-pending').textContent, screen.getByTestId('earnings-earned').textContent];
    cleanup();

    render(<EscrowTab project={project} />);
    await waitFor(() => expect(screen.getByTestId('escrow-available').textContent).not.toBe(''));
    const admin = [screen.getByTestId('escrow-available').textContent, screen.getByTestId('escrow-held').textContent];

    expect(worker).toEqual(['₩1,000', '₩250,000']);
    expect(admin).toEqual(worker);
    /* The deposit hint follows the exponent too: no decimals for KRW. */
    screen.getByText('In KRW, for example 5000.');
  });
});
