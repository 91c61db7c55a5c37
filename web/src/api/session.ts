/*
 * The signed-in session: tokens and the user they belong to.
 *
 * Kept in localStorage so a reload or a second tab stays signed in. Every
 * read goes to storage rather than a cached copy, because another tab may
 * have rotated the refresh token in the meantime (the server revokes the
 * whole session when a used refresh token is presented again).
 */

export interface User {
  id: number;
  email: string;
  name: string;
  role: string;
}

export interface Session {
  access_token: string;
  refresh_token: string;
  user: User;
}

const KEY = 'labelflow.session';

type Listener = (s: Session | null) => void;
const listeners = new Set<Listener>();

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled by the browser
  }
}

/* Fallback for browsers that refuse storage: the session then lasts as long as the page. */
let memory: Session | null = null;

function isSession(v: unknown): v is Session {
  const s = v as Session;
  return (
    !!s &&
    typeof s.access_token === 'string' &&
    typeof s.refresh_token === 'string' &&
    !!s.user &&
    typeof s.user.id === 'number'
  );
}

export function getSession(): Session | null {
  const st = storage();
  if (!st) return memory;
  const raw = st.getItem(KEY);
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    return isSession(v) ? v : null;
  } catch {
    return null;
  }
}

export function setSession(s: Session | null): void {
  const st = storage();
  if (st) {
    if (s) st.setItem(KEY, JSON.stringify(s));
    else st.removeItem(KEY);
  } else {
    memory = s;
  }
  for (const l of listeners) l(s);
}

export function subscribeSession(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/* Sign-in or sign-out in another tab shows up here too. */
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key !== KEY && e.key !== null) return;
    const s = getSession();
    for (const l of listeners) l(s);
  });
}
