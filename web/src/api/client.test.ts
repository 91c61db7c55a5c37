import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, login, onSessionEnded, restoreSession, SESSION_EXPIRED_MESSAGE } from './client';
import { getSession, setSession } from './session';

/* What the fake server answers: the path and token it saw. */
type Echo = { path: string; token: string };

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const apiErr = (status: number, code: string, message: string) => json(status, { error: { code, message } });

/*
 * A small model of the server's auth: one valid access token at a time,
 * and a refresh by the browser's HttpOnly cookie (which the page never
 * sees: the fake keeps it in state.cookie) that rotates it, as
 * src/api/api_auth.c does. A refresh without the CSRF header, or with a
 * token in the body, is refused.
 */
function fakeServer() {
  const state = {
    access: 'A1',
    refresh: 'R1',
    expired: new Set<string>(),
    refreshCalls: 0,
    seen: [] as { path: string; auth: string | null }[],
    refreshGate: null as Promise<void> | null,
    refreshFails: false,
  };
  const handler = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    const auth = headers.get('authorization');
    state.seen.push({ path: url, auth });
    if (url === '/api/v1/auth/refresh') {
      state.refreshCalls++;
      if (state.refreshGate) await state.refreshGate;
      if (headers.get('x-labelflow-csrf') !== '1' || init?.body !== undefined)
        return apiErr(403, 'csrf_header_required', 'A refresh by cookie needs the X-LabelFlow-CSRF header.');
      if (state.refreshFails || state.refresh === '')
        return apiErr(401, 'invalid_refresh_token', 'The session has ended. Log in again.');
      const n = state.refreshCalls + 1;
      state.access = `A${n}`;
      state.refresh = `R${n}`;
      return json(200, { access_token: state.access, user: { id: 7, email: 'a@x', name: 'A', role: 'annotator' } });
    }
    if (auth !== `Bearer ${state.access}`)
      return apiErr(401, 'invalid_token', 'The access token is invalid or expired; log in or refresh.');
    return json(200, { ok: true, path: url, token: auth });
  };
  return { state, handler };
}

function signIn(access = 'A1') {
  setSession({ access_token: access, user: { id: 7, email: 'a@x', name: 'A', role: 'annotator' } });
}

beforeEach(() => {
  setSession(null);
  localStorage.clear();
  sessionStorage.clear();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('api error handling', () => {
  it('throws the server error shape as ApiError', async () => {
    signIn();
    vi.stubGlobal('fetch', vi.fn(async () => apiErr(422, 'invalid_result', 'Label "LOC" is not in the config.')));
    const err = await api<never>('POST', '/tasks/1/submit', { result: [] }).catch((e: ApiError) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe('invalid_result');
    expect(err.message).toBe('Label "LOC" is not in the config.');
  });

  it('describes a non-JSON error body by its status', async () => {
    signIn();
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<html><body><h1>502 Bad Gateway</h1></body></html>', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html' } })),
    );
    const err = await api<never>('GET', '/projects').catch((e: ApiError) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(502);
    expect(err.code).toBe('http_502');
    expect(err.message).toContain('502 Bad Gateway');
    expect(err.message).not.toContain('<h1>');
  });

  it('treats a JSON body without the error shape as a plain HTTP error', async () => {
    signIn();
    vi.stubGlobal('fetch', vi.fn(async () => json(500, { oops: true })));
    const err = await api<never>('GET', '/projects').catch((e: ApiError) => e);
    expect(err.code).toBe('http_500');
    expect(err.status).toBe(500);
  });

  it('turns a failed fetch into network_error', async () => {
    signIn();
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const err = await api<never>('GET', '/projects').catch((e: ApiError) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('network_error');
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/reach the server/);
    /* An unreachable server is not an expired session. */
    expect(getSession()).not.toBeNull();
  });

  it('sends JSON with the bearer token under /api/v1 and returns undefined for 204', async () => {
    signIn('tok');
    const f = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', f);
    expect(await api('POST', '/projects/3/claim', { stage: 'l1' })).toBeUndefined();
    const [url, init] = f.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/projects/3/claim');
    expect(new Headers(init.headers).get('authorization')).toBe('Bearer tok');
    expect(new Headers(init.headers).get('content-type')).toBe('application/json');
    expect(init.body).toBe('{"stage":"l1"}');
  });
});

describe('token refresh', () => {
  it('refreshes once for many concurrent 401s and retries each request', async () => {
    const srv = fakeServer();
    srv.state.access = 'A0'; // the client's A1 has expired
    let open!: () => void;
    srv.state.refreshGate = new Promise<void>((r) => (open = r));
    vi.stubGlobal('fetch', vi.fn(srv.handler));
    signIn('A1');

    const calls = ['/a', '/b', '/c', '/d'].map((path) => api<Echo>('GET', path));
    /* Let every request hit its 401 before the refresh answers. */
    await vi.waitFor(() => expect(srv.state.seen.filter((s) => s.auth === 'Bearer A1').length).toBe(4));
    open();
    const results = await Promise.all(calls);

    expect(srv.state.refreshCalls).toBe(1);
    expect(results.map((r) => r.path)).toEqual(['/api/v1/a', '/api/v1/b', '/api/v1/c', '/api/v1/d']);
    for (const r of results) expect(r.token).toBe('Bearer A2');
    expect(getSession()?.access_token).toBe('A2');
  });

  it('does not refresh again for a 401 on a token that was already replaced', async () => {
    const srv = fakeServer();
    srv.state.access = 'A0';
    vi.stubGlobal('fetch', vi.fn(srv.handler));
    signIn('A1');
    await api('GET', '/first');
    expect(srv.state.refreshCalls).toBe(1);
    /* A request that went out with A1 before the refresh comes back 401 afterwards. */
    const late = vi.fn(srv.handler);
    vi.stubGlobal('fetch', late);
    const r = await api<Echo>('GET', '/second');
    expect(r.token).toBe('Bearer A2');
    expect(srv.state.refreshCalls).toBe(1);
  });

  it('signs out with a message when the refresh is refused', async () => {
    const srv = fakeServer();
    srv.state.access = 'A0';
    srv.state.refreshFails = true;
    vi.stubGlobal('fetch', vi.fn(srv.handler));
    signIn('A1');
    const ended = vi.fn();
    const off = onSessionEnded(ended);
    const errs = await Promise.all([api<never>('GET', '/a').catch((e: ApiError) => e), api<never>('GET', '/b').catch((e: ApiError) => e)]);
    off();
    expect(srv.state.refreshCalls).toBe(1);
    for (const e of errs) {
      expect(e).toBeInstanceOf(ApiError);
      expect(e.code).toBe('session_expired');
      expect(e.status).toBe(401);
    }
    expect(getSession()).toBeNull();
    expect(ended).toHaveBeenCalledTimes(1);
    expect(ended).toHaveBeenCalledWith(SESSION_EXPIRED_MESSAGE);
  });

  it('ends the session without refreshing when the server revoked it', async () => {
    const f = vi.fn(async () => apiErr(401, 'session_revoked', 'The session has ended or the account is disabled.'));
    vi.stubGlobal('fetch', f);
    signIn();
    const ended = vi.fn();
    const off = onSessionEnded(ended);
    const err = await api<never>('GET', '/me').catch((e: ApiError) => e);
    off();
    expect(err.code).toBe('session_revoked');
    expect(f).toHaveBeenCalledTimes(1);
    expect(getSession()).toBeNull();
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('keeps the session when the refresh cannot reach the server', async () => {
    let n = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: RequestInfo | URL) => {
        n++;
        if (String(input).endsWith('/auth/refresh')) throw new TypeError('Failed to fetch');
        return apiErr(401, 'invalid_token', 'expired');
      }),
    );
    signIn();
    const err = await api<never>('GET', '/me').catch((e: ApiError) => e);
    expect(err.code).toBe('network_error');
    expect(n).toBe(2);
    expect(getSession()?.access_token).toBe('A1');
  });
});

describe('the browser session', () => {
  it('keeps no token in localStorage or sessionStorage after sign-in and refresh', async () => {
    const srv = fakeServer();
    const f = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input) === '/api/v1/auth/login') {
        expect(new Headers(init?.headers).get('x-labelflow-csrf')).toBe('1');
        return json(200, { access_token: 'A0', user: { id: 7, email: 'a@x', name: 'A', role: 'annotator' } });
      }
      return srv.handler(input, init);
    });
    vi.stubGlobal('fetch', f);
    await login('a@x', 'pw');
    expect(getSession()?.access_token).toBe('A0');
    await api('GET', '/me'); // A0 is not the server's token: refreshed by cookie
    expect(srv.state.refreshCalls).toBe(1);
    expect(getSession()?.access_token).toBe('A2');
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
  });

  it('restores the session from the cookie at load, or resolves null without one', async () => {
    const srv = fakeServer();
    vi.stubGlobal('fetch', vi.fn(srv.handler));
    const s = await restoreSession();
    expect(s?.access_token).toBe('A2');
    expect(s?.user.id).toBe(7);
    setSession(null);
    srv.state.refresh = '';
    expect(await restoreSession()).toBeNull();
    expect(getSession()).toBeNull();
  });
});
