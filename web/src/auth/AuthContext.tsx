import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { login as apiLogin, logout as apiLogout, onSessionEnded, restoreSession } from '../api/client';
import { getSession, subscribeSession, type User } from '../api/session';

export interface AuthValue {
  user: User | null;
  logout(): Promise<void>;
  login(email: string, password: string): Promise<User>;
  /* Why the user was signed out (an expired session), shown on the sign-in page. */
  notice: string | null;
  clearNotice(): void;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(() => getSession()?.user ?? null);
  /* Until the refresh cookie has been tried nobody knows who is signed in: routes wait. */
  const [ready, setReady] = useState(() => getSession() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => subscribeSession((s) => setUser(s?.user ?? null)), []);
  useEffect(() => onSessionEnded((message) => setNotice(message)), []);

  /* A reload or a new tab: the session (and a fresh copy of the user) comes back from the cookie. */
  useEffect(() => {
    if (ready) return;
    let live = true;
    restoreSession().finally(() => {
      if (live) setReady(true);
    });
    return () => {
      live = false;
    };
  }, [ready]);

  const login = useCallback(async (email: string, password: string) => {
    const s = await apiLogin(email, password);
    setNotice(null);
    return s.user;
  }, []);

  const logout = useCallback(async () => {
    await apiLogout();
    setNotice(null);
  }, []);

  const clearNotice = useCallback(() => setNotice(null), []);

  const value = useMemo(() => ({ user, login, logout, notice, clearNotice }), [user, login, logout, notice, clearNotice]);
  return (
    <AuthContext.Provider value={value}>
      {ready ? (
        children
      ) : (
        <p className="muted" role="status">
          Loading…
        </p>
      )}
    </AuthContext.Provider>
  );
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth must be used inside <AuthProvider>');
  return v;
}

/* Where a user lands after signing in. */
export function homeFor(user: User): string {
  return user.role === 'admin' ? '/admin/projects' : '/work';
}
