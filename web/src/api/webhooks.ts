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

const base = (projectId: number) => `/projects/${projectId}/webhooks`;

export function listWebhooks(projectId: number, q: PageQuery = {}): Promise<ListPage<Webhook>> {
  return api<ListPage<Webhook>>('GET', pagePath(base(projectId), q));
}

export function createWebhook(projectId: number, body: WebhookInput): Promise<CreatedWebhook> {
  return api<CreatedWebhook>('POST', base(projectId), body);
}

export function updateWebhook(projectId: number, id: number, body: WebhookInput): Promise<Webhook> {
  return api<Webhook>('PATCH', `${base(projectId)}/${id}`, body);
}

export function deleteWebhook(projectId: number, id: number): Promise<void> {
  return api<void>('DELETE', `${base(projectId)}/${id}`);
}

export function testWebhook(projectId: number, id: number): Promise<WebhookDelivery> {
  return api<WebhookDelivery>('POST', `${base(projectId)}/${id}/test`);
}

export function listDeliveries(projectId: number, id: number, status: string, q: PageQuery = {}): Promise<ListPage<WebhookDelivery>> {
  const path = `${base(projectId)}/${id}/deliveries${status ? `?status=${encodeURIComponent(status)}` : ''}`;
  return api<ListPage<WebhookDelivery>>('GET', pagePath(path, q));
}

export function redeliver(projectId: number, id: number, deliveryId: number): Promise<WebhookDelivery> {
  return api<WebhookDelivery>('POST', `${base(projectId)}/${id}/deliveries/${deliveryId}/redeliver`);
}
