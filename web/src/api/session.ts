/*
 * The signed-in session: the access token and the user it belongs to.
 *
 * Held in memory only, never in localStorage or sessionStorage, where any
 * script injected into the page could read it. What keeps a reload or a
 * second tab signed in is the refresh token, which the server keeps in an
 * HttpOnly cookie no script can read (see client.ts, restoreSession).
 * Signing out is announced to the other tabs over a BroadcastChannel.
 */

export interface User {
  id: number;
  email: string;
  name: string;
  role: string;
}

export interface Session {
  access_token: string;
  user: User;
}

type Listener = (s: Session | null) => void;
const listeners = new Set<Listener>();

let current: Session | null = null;

const channel: BroadcastChannel | null = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('labelflow.session') : null;

export function getSession(): Session | null {
  return current;
}

function publish(s: Session | null): void {
  current = s;
  for (const l of listeners) l(s);
}

export function setSession(s: Session | null): void {
  const wasSignedIn = current !== null;
  publish(s);
  /* The server ended the whole cookie session: the other tabs' access tokens die with it. */
  if (!s && wasSignedIn) channel?.postMessage('signed-out');
}

export function subscribeSession(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/* Sign-out in another tab shows up here too. */
if (channel) {
  channel.onmessage = (e) => {
    if (e.data === 'signed-out' && current) publish(null);
  };
}
