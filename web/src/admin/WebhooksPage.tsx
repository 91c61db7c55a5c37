/*
 * "/admin/webhooks": the global webhooks, which receive every project's
 * events (admins only; a project's own are on its Webhooks tab).
 */
import { usePageTitle } from '../ui';
import { WebhooksPanel } from './project/WebhooksTab';

export function WebhooksPage() {
  usePageTitle('Webhooks');
  return <WebhooksPanel scope={null} />;
}
