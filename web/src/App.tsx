import { useEffect, useRef, type ReactNode } from 'react';
import { Link, Navigate, NavLink, Outlet, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { AdminRoutes, adminNav } from './admin/AdminRoutes';
import { homeFor, useAuth } from './auth/AuthContext';
import { LoginPage } from './auth/LoginPage';
import { WorkHome } from './annotator/WorkHome';
import { LabelPage } from './annotator/LabelPage';
import { RevisePage } from './annotator/RevisePage';
import { EarningsPage } from './annotator/EarningsPage';
import { ReviewPage } from './review/ReviewPage';
import { TasksPage } from './review/TasksPage';
import { ApprovePage } from './review/ApprovePage';
import { TokensPage } from './account/TokensPage';
import { usePageTitle } from './ui';

const workNav = [
  { to: '/work', label: 'My work' },
  { to: '/earnings', label: 'Earnings' },
];

function Shell({ children }: { children: ReactNode }) {
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const nav = user?.role === 'admin' ? adminNav : workNav;

  /* A new page: put keyboard and screen-reader focus at its start, as a full page load would. */
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [location.pathname]);

  async function signOut() {
    await logout();
    navigate('/login', { replace: true });
  }

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="app-header">
        <Link to={user ? homeFor(user) : '/'} className="brand">
          LabelFlow
        </Link>
        <nav aria-label="Main">
          <ul>
            {nav.map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.to === '/work'}>
                  {n.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="user-box">
          <span className="user-name" title={user?.email}>
            {user?.name}
          </span>
          <NavLink to="/account/tokens">API tokens</NavLink>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/*
 * Pages behind sign-in share one shell (a layout route, so the header and
 * the focus handling persist across navigation). Without a session, to
 * /login remembering where we were; admins and workers each have their own
 * area.
 */
function Protected({ admin }: { admin?: boolean }) {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (admin !== undefined && (user.role === 'admin') !== admin) return <Navigate to={homeFor(user)} replace />;
  return (
    <Shell>
      <Outlet />
    </Shell>
  );
}

function NotFound() {
  usePageTitle('Not found');
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </section>
  );
}

function Home() {
  const { user } = useAuth();
  return <Navigate to={user ? homeFor(user) : '/login'} replace />;
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/" element={<Home />} />
      <Route element={<Protected admin={false} />}>
        <Route path="/work" element={<WorkHome />} />
        <Route path="/work/projects/:id/label" element={<LabelPage />} />
        <Route path="/work/projects/:id/revise/:taskId" element={<RevisePage />} />
        <Route path="/work/projects/:id/review" element={<ReviewPage />} />
        <Route path="/work/projects/:id/approve" element={<ApprovePage />} />
        <Route path="/work/projects/:id/tasks" element={<TasksPage />} />
        <Route path="/earnings" element={<EarningsPage />} />
      </Route>
      <Route element={<Protected admin={true} />}>
        <Route path="/admin/*" element={<AdminRoutes />} />
      </Route>
      <Route element={<Protected />}>
        <Route path="/account/tokens" element={<TokensPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
