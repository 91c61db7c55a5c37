/*
 * ML backends (issue 19): model servers speaking Label Studio's ML backend
 * protocol, connected to a project; their predictions become the tasks'
 * pre-annotations. The shapes are the OpenAPI document's (types.ts).
 */
import { api } from './client';
import { pagePath, type PageQuery } from './paging';
import type { ListPage, MlBackend, MlBackendInput, MlError, MlPrediction, MlPredictQueued } from './types';

export type { MlBackend, MlBackendInput, MlError, MlPrediction, MlPredictQueued };
export type MlAuth = MlBackend['auth'];

export function listMlBackends(projectId: number): Promise<{ items: MlBackend[] }> {
  return api<{ items: MlBackend[] }>('GET', `/projects/${projectId}/ml-backends`);
}

export function connectMlBackend(projectId: number, body: MlBackendInput): Promise<MlBackend> {
  return api<MlBackend>('POST', `/projects/${projectId}/ml-backends`, body);
}

export function updateMlBackend(projectId: number, id: number, body: MlBackendInput): Promise<MlBackend> {
  return api<MlBackend>('PATCH', `/projects/${projectId}/ml-backends/${id}`, body);
}

export function deleteMlBackend(projectId: number, id: number): Promise<void> {
  return api<void>('DELETE', `/projects/${projectId}/ml-backends/${id}`);
}

/* Queues predictions: for the tasks the filter selects ({} is every task). */
export function predictMl(projectId: number, id: number, filter: { state?: string; q?: string } = {}): Promise<MlPredictQueued> {
  return api<MlPredictQueued>('POST', `/projects/${projectId}/ml-backends/${id}/predict`, { filter });
}

export function listMlErrors(projectId: number, id: number, q: PageQuery = {}): Promise<ListPage<MlError>> {
  return api<ListPage<MlError>>('GET', pagePath(`/projects/${projectId}/ml-backends/${id}/errors`, q));
}

export function trainMl(projectId: number, id: number): Promise<{ started: boolean; answer: unknown }> {
  return api<{ started: boolean; answer: unknown }>('POST', `/projects/${projectId}/ml-backends/${id}/train`, {});
}

/* Interactive pre-annotation: the model's answer for the task given the regions drawn so far. */
export function askModel(projectId: number, id: number, taskId: number, result: unknown[]): Promise<MlPrediction> {
  return api<MlPrediction>('POST', `/projects/${projectId}/ml-backends/${id}/interactive`, { task_id: taskId, context: { result } });
}
