/*
 * The administration area, mounted by App.tsx at "/admin/*".
 */
import { Navigate, Route, Routes } from 'react-router-dom';
import { AuditPage } from './AuditPage';
import { PayoutsPage } from './PayoutsPage';
import { ProjectPage } from './ProjectPage';
import { ProjectsPage } from './ProjectsPage';
import { UsersPage } from './UsersPage';
import { WebhooksPage } from './WebhooksPage';
import './admin.css';

export const adminNav: { to: string; label: string }[] = [
  { to: '/admin/projects', label: 'Projects' },
  { to: '/admin/users', label: 'Users' },
  { to: '/admin/payouts', label: 'Payouts' },
  { to: '/admin/webhooks', label: 'Webhooks' },
  { to: '/admin/audit', label: 'Audit log' },
];

export function AdminRoutes(): JSX.Element {
  return (
    <Routes>
      <Route index element={<Navigate to="projects" replace />} />
      <Route path="users" element={<UsersPage />} />
      <Route path="projects" element={<ProjectsPage />} />
      <Route path="projects/:id/*" element={<ProjectPage />} />
      <Route path="payouts" element={<PayoutsPage />} />
      <Route path="webhooks" element={<WebhooksPage />} />
      <Route path="audit" element={<AuditPage />} />
      <Route
        path="*"
        element={
          <section>
            <h1>Not found</h1>
            <p>There is no such administration page.</p>
          </section>
        }
      />
    </Routes>
  );
}
