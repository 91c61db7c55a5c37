import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, apiUpload } from './client';
import { getSession, setSession } from './session';

/* A scripted XMLHttpRequest: each send() is answered by the next handler. */
type Answer = { status: number; body: string; type?: string; progress?: [number, number][] } | 'network-error';
let answers: Answer[] = [];
const sent: { url: string; headers: Record<string, string>; body: unknown }[] = [];

class FakeXhr {
  status = 0;
  statusText = '';
  responseText = '';
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  private url = '';
  private headers: Record<string, string> = {};
  private type = '';
  open(_m: string, url: string) {
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k.toLowerCase()] = v;
  }
  getResponseHeader(k: string) {
    return k.toLowerCase() === 'content-type' ? this.type : null;
  }
  send(body: unknown) {
    sent.push({ url: this.url, headers: { ...this.headers }, body });
    const a = answers.shift();
    setTimeout(() => {
      if (!a || a === 'network-error') return this.onerror?.();
      for (const [loaded, total] of a.progress ?? []) this.upload.onprogress?.({ loaded, total, lengthComputable: true });
      this.status = a.status;
      this.responseText = a.body;
      this.type = a.type ?? 'application/json';
      this.onload?.();
    }, 0);
  }
}

beforeEach(() => {
  localStorage.clear();
  answers = [];
  sent.length = 0;
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  setSession({ access_token: 'A1', user: { id: 1, email: 'a@x', name: 'A', role: 'admin' } });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('apiUpload', () => {
  it('reports upload progress and returns the parsed answer', async () => {
    answers = [{ status: 202, body: '{"id":9,"status":"queued"}', progress: [[10, 40], [40, 40]] }];
    const progress: [number, number][] = [];
    const blob = new Blob(['a,b\n1,2\n']);
    const r = await apiUpload('/projects/1/imports', blob, 'text/csv', (s, t) => progress.push([s, t]));
    expect(r).toEqual({ id: 9, status: 'queued' });
    expect(progress.slice(0, 2)).toEqual([[10, 40], [40, 40]]);
    expect(sent[0].url).toBe('/api/v1/projects/1/imports');
    expect(sent[0].headers.authorization).toBe('Bearer A1');
    expect(sent[0].headers['content-type']).toBe('text/csv');
  });

  it('refreshes an expired token and sends the file again', async () => {
    answers = [{ status: 401, body: '{"error":{"code":"invalid_token","message":"expired"}}' }, { status: 201, body: '{"id":3}' }];
    const fetchMock = vi.fn(async () =>
      new Response(JSON.stringify({ access_token: 'A2', user: { id: 1, email: 'a@x', name: 'A', role: 'admin' } }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const blob = new Blob(['x']);
    expect(await apiUpload('/projects/1/imports', blob, 'text/plain', () => undefined)).toEqual({ id: 3 });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(sent.map((s) => s.headers.authorization)).toEqual(['Bearer A1', 'Bearer A2']);
    expect(sent[1].body).toBe(blob);
    expect(getSession()?.access_token).toBe('A2');
  });

  it('throws the server error shape, and network_error when the connection fails', async () => {
    answers = [{ status: 422, body: '{"error":{"code":"bad_row","message":"Line 3: unterminated quote."}}' }];
    const e1 = await apiUpload<never>('/projects/1/imports', new Blob(['x']), 'text/csv', () => undefined).catch((e: ApiError) => e);
    expect(e1).toBeInstanceOf(ApiError);
    expect([e1.status, e1.code, e1.message]).toEqual([422, 'bad_row', 'Line 3: unterminated quote.']);
    answers = ['network-error'];
    const e2 = await apiUpload<never>('/projects/1/imports', new Blob(['x']), 'text/csv', () => undefined).catch((e: ApiError) => e);
    expect(e2.code).toBe('network_error');
  });
});
