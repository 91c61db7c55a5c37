/*
 * Media datasets: images, audio and video uploaded as files or archives
 * (one multipart request, real progress), and the signed links the canvas
 * loads them through.
 */
import { api, apiUpload } from './client';
import type { MediaInfo, MediaUpload } from './types';

/* What the file picker and the drop zone accept; the server decides by content. */
export const MEDIA_ACCEPT = 'image/*,audio/*,video/*,.zip,.tar,.tgz,.tar.gz,application/zip,application/x-tar,application/gzip';

/* The server's limit for one upload request (413 beyond it). */
export const MEDIA_MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

export interface MediaUploadOptions {
  projectId: number;
  files: File[];
  taskType?: string;
}

export function mediaPath(o: MediaUploadOptions): string {
  const q = o.taskType ? `?task_type=${encodeURIComponent(o.taskType)}` : '';
  return `/projects/${o.projectId}/media${q}`;
}

/* All files in one multipart request: the server keeps all of them or none. */
export function uploadMedia(o: MediaUploadOptions, onProgress: (sent: number, total: number) => void): Promise<MediaUpload> {
  const form = new FormData();
  for (const f of o.files) form.append('file', f, f.name);
  const size = o.files.reduce((n, f) => n + f.size, 0);
  return apiUpload<MediaUpload>(mediaPath(o), form, null, onProgress, size);
}

export function getMediaInfo(id: number): Promise<MediaInfo> {
  return api<MediaInfo>('GET', `/media/${id}/info`);
}
