/*
 * The API tokens page against a fake API: the new token's secret is shown
 * once with a copy button, the list never has a secret, revoking sends the
 * DELETE and drops the row; the form sends role, projects and expiry.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiToken } from '../api/types';

const calls: { method: string; path: string; body?: any }[] = [];
let handler: (method: string, path: string, body?: any) => any = () => {
  throw new Error('no handler');
};
let role = 'admin';

vi.mock('../api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../api/client')>();
  return {
    ...real,
    api: vi.fn(async (method: string, path: string, body?: unknown) => {
      calls.push({ method, path, body });
      return handler(method, path, body);
    }),
  };
});
vi.mock('../auth/AuthContext', () => ({
  useAuth: () => ({ user: { id: 1, email: 'a@example.org', name: 'A', role, active: true } }),
}));

const { TokensPage, parseProjectIds, tokenRoles } = await import('./TokensPage');

const SECRET = 'lf_pat_0123456789ab_' + 'f'.repeat(64);
const row = (over: Partial<ApiToken> = {}): ApiToken => ({
  id: 7,
  name: 'ci',
  prefix: '0123456789ab',
  role: 'annotator',
  project_ids: [3],
  expires_at: null,
  created_at: '2026-03-01T00:00:00.000Z',
  last_used_at: null,
  ...over,
});

beforeEach(() => {
  calls.length = 0;
  role = 'admin';
});
afterEach(cleanup);

describe('TokensPage', () => {
  it('creates a token, shows its secret once with a copy button, and lists it without the secret', async () => {
    let tokens: ApiToken[] = [];
    handler = (method, path, body) => {
      if (method === 'GET' && path === '/me/tokens') return { items: tokens, next_cursor: null };
      if (method === 'POST' && path === '/me/tokens') {
        tokens = [row({ name: body.name, role: body.role, project_ids: body.project_ids })];
        return { ...tokens[0], token: SECRET };
      }
      throw new Error(`unexpected ${method} ${path}`);
    };
    const writeText = vi.fn(async () => {});
    Object.assign(navigator, { clipboard: { writeText } });
    render(<TokensPage />);
    expect(await screen.findByText('No tokens yet.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'New token' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'ci' } });
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'annotator' } });
    fireEvent.change(screen.getByLabelText('Projects'), { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('Expires after (days)'), { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect((await screen.findByTestId('new-token')).textContent).toBe(SECRET);
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'ci', role: 'annotator', project_ids: [3], expires_in_days: 30 });
    const tr = await screen.findByTestId('token-7');
    expect(tr.textContent).not.toContain('f'.repeat(64));
    expect(within(tr).getByText('lf_pat_0123456789ab_…')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Copy token' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(SECRET));
    expect(await screen.findByText('Copied.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('new-token')).toBeNull();
  });

  it('revokes a token', async () => {
    let tokens = [row()];
    handler = (method, path) => {
      if (method === 'GET') return { items: tokens, next_cursor: null };
      if (method === 'DELETE' && path === '/me/tokens/7') {
        tokens = [];
        return undefined;
      }
      throw new Error(`unexpected ${method} ${path}`);
    };
    render(<TokensPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Revoke ci' }));
    expect(await screen.findByText('Token ci revoked.')).toBeTruthy();
    await waitFor(() => expect(screen.queryByTestId('token-7')).toBeNull());
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/me/tokens/7')).toBe(true);
  });

  it('refuses project ids that are not ids, without calling the server', async () => {
    handler = () => ({ items: [], next_cursor: null });
    render(<TokensPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'New token' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'x' } });
    fireEvent.change(screen.getByLabelText('Projects'), { target: { value: '3, abc' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Projects');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('offers the admin role to admins only', async () => {
    role = 'reviewer';
    handler = () => ({ items: [], next_cursor: null });
    render(<TokensPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'New token' }));
    const options = within(screen.getByLabelText('Role')).getAllByRole('option').map((o) => (o as HTMLOptionElement).value);
    expect(options).toEqual(['annotator', 'reviewer', 'super_reviewer']);
  });
});

describe('token helpers', () => {
  it('parses project ids', () => {
    expect(parseProjectIds('')).toBeNull();
    expect(parseProjectIds(' 3, 7 ')).toEqual([3, 7]);
    expect(parseProjectIds('3 x')).toBeUndefined();
    expect(parseProjectIds('0')).toBeUndefined();
  });
  it('caps roles by the user', () => {
    expect(tokenRoles('admin')).toContain('admin');
    expect(tokenRoles('annotator')).not.toContain('admin');
  });
});
