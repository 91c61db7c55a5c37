/*
 * The one way the UI talks to the server: JSON over /api/v1 with the
 * bearer token, a transparent refresh when the access token has expired,
 * and every failure turned into an ApiError carrying the server's
 * {"error":{"code","message"}}.
 *
 * The refresh token never reaches this code: sign-in and refresh send
 * CSRF_HEADER, and the server then keeps the refresh token in an HttpOnly
 * cookie on /api/v1/auth instead of putting it in the answer.
 */
import { getSession, setSession, type Session } from './session';

export const API_PREFIX = '/api/v1';

/* Marks the browser UI's auth calls; the server refuses a refresh by cookie without it (CSRF). */
const CSRF_HEADER = { 'X-LabelFlow-CSRF': '1' };

export class ApiError extends Error {
  status: number;
  code: string;
  override message: string;
  /* error.details: every problem when the server found several. */
  details: string[];

  constructor(status: number, code: string, message: string, details: string[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.message = message;
    this.details = details;
  }
}

/* Access-token failures that a refresh can cure. */
const REFRESHABLE = new Set(['invalid_token', 'token_expired']);

export const SESSION_EXPIRED_MESSAGE = 'Your session has expired. Please sign in again.';

type EndedHandler = (message: string) => void;
const endedHandlers = new Set<EndedHandler>();

/* Called when the session can no longer be used (refresh refused, revoked). */
export function onSessionEnded(h: EndedHandler): () => void {
  endedHandlers.add(h);
  return () => endedHandlers.delete(h);
}

function endSession(message: string): void {
  if (getSession() === null) return;
  setSession(null);
  for (const h of endedHandlers) h(message);
}

function networkError(e: unknown): ApiError {
  const detail = e instanceof Error && e.message ? ` (${e.message})` : '';
  return new ApiError(0, 'network_error', `Could not reach the server${detail}. Check your connection and try again.`);
}

/* Builds an ApiError from a failed response, whatever its body holds. */
export function errorFromBody(status: number, statusText: string, contentType: string, text: string): ApiError {
  if (contentType.includes('json') || text.trimStart().startsWith('{')) {
    try {
      const body = JSON.parse(text);
      const e = body && body.error;
      if (e && typeof e.code === 'string' && typeof e.message === 'string' && e.message) {
        const details = Array.isArray(e.details) ? e.details.filter((d: unknown): d is string => typeof d === 'string') : [];
        return new ApiError(status, e.code, e.message, details);
      }
    } catch {
      /* not JSON after all: described below */
    }
  }
  const reason = statusText ? `${status} ${statusText}` : String(status);
  const snippet = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return new ApiError(status, `http_${status}`, `The server answered ${reason}${snippet ? `: ${snippet}` : '.'}`);
}

async function errorFromResponse(res: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    /* the body could not be read; status alone is described */
  }
  return errorFromBody(res.status, res.statusText, res.headers.get('content-type') || '', text);
}

/*
 * One refresh at a time. Requests that fail with an expired token while a
 * refresh is running wait for it instead of starting their own: the server
 * rotates refresh tokens and treats a second use of the old one as theft.
 */
let inFlight: Promise<string> | null = null;

/* staleAccess null: restoring the session at page load, nothing to compare. */
function refreshAccessToken(staleAccess: string | null): Promise<string> {
  if (!inFlight) {
    const run = () => doRefresh(staleAccess);
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    /* Tabs share the refresh cookie; the lock keeps them from presenting the same one twice. */
    const p: Promise<string> = locks ? (locks.request('labelflow-refresh', run) as unknown as Promise<string>) : run();
    inFlight = p.finally(() => {
      inFlight = null;
    });
  }
  return inFlight as Promise<string>;
}

async function doRefresh(staleAccess: string | null): Promise<string> {
  const s = getSession();
  if (staleAccess !== null) {
    if (!s) throw new ApiError(401, 'session_expired', SESSION_EXPIRED_MESSAGE);
    /* An earlier refresh already replaced the token. */
    if (s.access_token !== staleAccess) return s.access_token;
  }
  let res: Response;
  try {
    res = await fetch(`${API_PREFIX}/auth/refresh`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', ...CSRF_HEADER },
    });
  } catch (e) {
    throw networkError(e);
  }
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (res.status === 401 || res.status === 403) {
      endSession(SESSION_EXPIRED_MESSAGE);
      throw new ApiError(401, 'session_expired', SESSION_EXPIRED_MESSAGE);
    }
    throw err;
  }
  const body = (await res.json()) as Session;
  const user = body.user ?? s?.user;
  if (!user) throw new ApiError(res.status, 'bad_response', 'The server did not say who is signed in.');
  setSession({ access_token: body.access_token, user });
  return body.access_token;
}

/*
 * At page load: the session comes back from the refresh cookie, if the
 * browser has a live one. Resolves null when it has none (or the server
 * cannot be reached); never signs anyone out with a message.
 */
export async function restoreSession(): Promise<Session | null> {
  if (getSession()) return getSession();
  try {
    await refreshAccessToken(null);
  } catch {
    return null;
  }
  return getSession();
}

/*
 * Sends one request with the current token; on an expired token, refreshes
 * once and sends it again. `send` must be repeatable.
 */
async function withAuth(send: (token: string | undefined) => Promise<Response>): Promise<Response> {
  const token = getSession()?.access_token;
  let res = await send(token);
  if (res.status !== 401 || !token) return res;
  const err = await errorFromResponse(res);
  if (!REFRESHABLE.has(err.code)) {
    if (err.code === 'session_revoked' || err.code === 'unauthorized') endSession('Your session has ended. Please sign in again.');
    throw err;
  }
  const fresh = await refreshAccessToken(token);
  res = await send(fresh);
  if (res.status === 401) {
    const again = await errorFromResponse(res);
    endSession(SESSION_EXPIRED_MESSAGE);
    throw again;
  }
  return res;
}

function jsonFetch(method: string, path: string, body: unknown, extra: Record<string, string> = {}) {
  return async (token: string | undefined): Promise<Response> => {
    const headers: Record<string, string> = { Accept: 'application/json', ...extra };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await fetch(API_PREFIX + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw networkError(e);
    }
  };
}

async function readBody<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (text === '') return undefined as T;
  if ((res.headers.get('content-type') || '').includes('json')) {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', 'The server sent a response that is not valid JSON.');
    }
  }
  return text as T;
}

/*
 * Components do not call this: each resource's module (projects.ts,
 * tasks.ts, ...) builds its paths and names what comes back.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await withAuth(jsonFetch(method, path, body));
  if (!res.ok) throw await errorFromResponse(res);
  return readBody<T>(res);
}

/*
 * Sends a request that outlives the page (fetch keepalive), for the last
 * word of a page being closed or reloaded; its answer is not awaited.
 * Unlike a beacon it carries the session's token.
 */
export function apiKeepalive(method: string, path: string, body: unknown): void {
  const token = getSession()?.access_token;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  fetch(API_PREFIX + path, { method, headers, body: JSON.stringify(body), keepalive: true }).catch(() => undefined);
}

/* Signs in and stores the session. Not through api(): a 401 here means wrong credentials, not an expired token. */
export async function login(email: string, password: string): Promise<Session> {
  const res = await jsonFetch('POST', '/auth/login', { email, password }, CSRF_HEADER)(undefined);
  if (!res.ok) throw await errorFromResponse(res);
  const body = (await res.json()) as Session;
  const s: Session = { access_token: body.access_token, user: body.user };
  setSession(s);
  return s;
}

/* Ends the session on the server too (which drops the refresh cookie); signs out locally even when the server cannot be reached. */
export async function logout(): Promise<void> {
  const s = getSession();
  if (!s) return;
  try {
    await jsonFetch('POST', '/auth/logout', {})(s.access_token);
  } catch {
    /* offline: the local sign-out still happens */
  }
  setSession(null);
}

interface XhrResult {
  status: number;
  statusText: string;
  contentType: string;
  text: string;
}

/*
 * POSTs a body with real upload progress (XMLHttpRequest; fetch has none).
 * A FormData body is sent with contentType null: the browser then writes
 * the multipart boundary itself. `size` is the total to report when the
 * browser cannot say (a FormData has no size of its own).
 */
export function apiUpload<T>(
  path: string,
  body: Blob | File | FormData,
  contentType: string | null,
  onProgress: (sent: number, total: number) => void,
  size: number = body instanceof Blob ? body.size : 0,
): Promise<T> {
  const sendOnce = (token: string | undefined) =>
    new Promise<XhrResult>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', API_PREFIX + path);
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      if (contentType !== null) xhr.setRequestHeader('Content-Type', contentType);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : size);
      xhr.onload = () =>
        resolve({
          status: xhr.status,
          statusText: xhr.statusText,
          contentType: xhr.getResponseHeader('content-type') || '',
          text: xhr.responseText,
        });
      xhr.onerror = () => reject(networkError(new Error('upload failed')));
      xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was cancelled.'));
      xhr.send(body);
    });
  /* Adapts the XHR result to withAuth's Response-based refresh logic. */
  const asResponse = (r: XhrResult) =>
    new Response(r.status === 204 ? null : r.text, {
      status: r.status,
      statusText: r.statusText,
      headers: { 'content-type': r.contentType },
    });
  return (async () => {
    const res = await withAuth(async (token) => asResponse(await sendOnce(token)));
    if (!res.ok) throw await errorFromResponse(res);
    onProgress(size, size);
    return readBody<T>(res);
  })();
}

/* Message for any thrown value, for role=alert regions. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
