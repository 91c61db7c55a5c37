/*
 * Event webhooks of a project (openapi.yaml, tag webhooks): the receivers,
 * their delivery logs, redelivery and a test PING.
 */
import { api } from './client';
import { pagePath, type PageQuery } from './paging';
import type { ListPage } from './types';

/* The events a webhook may subscribe to, Label Studio's first. */
export const WEBHOOK_EVENTS = [
  'TASKS_CREATED',
  'ANNOTATION_CREATED',
  'ANNOTATION_UPDATED',
  'PROJECT_UPDATED',
  'TASK_SUBMITTED',
  'TASK_REVIEWED',
  'TASK_ACCEPTED',
  'TASK_DISCARDED',
  'EXPORT_FINISHED',
  'PAYOUT_SENT',
  'ESCROW_LOW',
] as const;

export interface Webhook {
  id: number;
  project_id: number | null;
  url: string;
  /* Empty or ["*"]: every event. */
  events: string[];
  active: boolean;
  /* Names of the extra headers; their values are never shown. */
  headers: string[];
  /* ESCROW_LOW under this available escrow (minor units); null: never. */
  escrow_low_below: number | null;
  created_at: string;
  updated_at: string;
}

/* The answer of a create: the signing secret, this once. */
export type CreatedWebhook = Webhook & { secret: string };

export interface WebhookInput {
  url?: string;
  events?: string[];
  active?: boolean;
  headers?: Record<string, string>;
  escrow_low_below?: number;
}

export interface WebhookDelivery {
  id: number;
  webhook_id: number;
  event: string;
  event_id: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  response_code: number | null;
  last_error: string | null;
  response_excerpt: string | null;
  duration_ms: number | null;
  created_at: string;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  payload: Record<string, unknown>;
}

/* A project's webhooks, or with null the global ones (admins): both
 * collections answer alike. */
export type WebhookScope = number | null;
const base = (scope: WebhookScope) => (scope === null ? '/webhooks' : `/projects/${scope}/webhooks`);

export function listWebhooks(scope: WebhookScope, q: PageQuery = {}): Promise<ListPage<Webhook>> {
  return api<ListPage<Webhook>>('GET', pagePath(base(scope), q));
}

export function createWebhook(scope: WebhookScope, body: WebhookInput): Promise<CreatedWebhook> {
  return api<CreatedWebhook>('POST', base(scope), body);
}

export function updateWebhook(scope: WebhookScope, id: number, body: WebhookInput): Promise<Webhook> {
  return api<Webhook>('PATCH', `${base(scope)}/${id}`, body);
}

export function deleteWebhook(scope: WebhookScope, id: number): Promise<void> {
  return api<void>('DELETE', `${base(scope)}/${id}`);
}

export function testWebhook(scope: WebhookScope, id: number): Promise<WebhookDelivery> {
  return api<WebhookDelivery>('POST', `${base(scope)}/${id}/test`);
}

export function listDeliveries(scope: WebhookScope, id: number, status: string, q: PageQuery = {}): Promise<ListPage<WebhookDelivery>> {
  const path = `${base(scope)}/${id}/deliveries${status ? `?status=${encodeURIComponent(status)}` : ''}`;
  return api<ListPage<WebhookDelivery>>('GET', pagePath(path, q));
}

export function redeliver(scope: WebhookScope, id: number, deliveryId: number): Promise<WebhookDelivery> {
  return api<WebhookDelivery>('POST', `${base(scope)}/${id}/deliveries/${deliveryId}/redeliver`);
}
