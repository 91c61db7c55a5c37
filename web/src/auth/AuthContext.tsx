import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { login as apiLogin, logout as apiLogout, onSessionEnded } from '../api/client';
import { getMe } from '../api/me';
import { getSession, setSession, subscribeSession, type User } from '../api/session';

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
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => subscribeSession((s) => setUser(s?.user ?? null)), []);
  useEffect(() => onSessionEnded((message) => setNotice(message)), []);

  /* The stored user may be stale (renamed, role changed, deactivated): ask once per load. */
  useEffect(() => {
    const s = getSession();
    if (!s) return;
    getMe()
      .then((me) => {
        const cur = getSession();
        if (cur && me && cur.user.id === me.id) setSession({ ...cur, user: { id: me.id, email: me.email, name: me.name, role: me.role } });
      })
      .catch(() => {
        /* an ended session is handled by the client; offline keeps the stored user */
      });
  }, []);

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
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
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
