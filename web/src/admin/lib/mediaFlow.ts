/* What the media upload shows: chosen files, and each stored item's kind, size and length. */
import type { MediaItem } from '../../api/types';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/* 2000 -> "0:02", 95_500 -> "1:35.5", 3_723_000 -> "1:02:03"; 0 (not known) -> "". */
export function formatDuration(ms: number): string {
  if (!(ms > 0)) return '';
  const tenths = Math.round(ms / 100) % 10;
  const total = Math.floor(Math.round(ms / 100) / 10);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = `${String(s).padStart(2, '0')}${tenths ? `.${tenths}` : ''}`;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/* "640 × 480" for images and video, "" when the item has none. */
export function formatDimensions(item: Pick<MediaItem, 'width' | 'height'>): string {
  return item.width > 0 && item.height > 0 ? `${item.width} × ${item.height}` : '';
}

/* The codecs the probe found, in stream order: "h264, aac". */
export function codecsOf(item: Pick<MediaItem, 'probe'>): string {
  const streams = item.probe?.streams ?? [];
  return [...new Set(streams.map((s) => s.codec).filter((c): c is string => typeof c === 'string' && c !== ''))].join(', ');
}

/* Names that the server unpacks into many items. */
export function isArchive(name: string): boolean {
  return /\.(zip|tar|tgz|tar\.gz)$/i.test(name);
}

/* Adds newly chosen files to the list, leaving out ones already in it (same name, size and date). */
export function mergeFiles(have: File[], more: Iterable<File>): File[] {
  const key = (f: File) => `${f.name}\u0000${f.size}\u0000${f.lastModified}`;
  const seen = new Set(have.map(key));
  const out = [...have];
  for (const f of more) {
    if (seen.has(key(f))) continue;
    seen.add(key(f));
    out.push(f);
  }
  return out;
}

/* Counts per kind: "2 images, 1 audio file". */
export function kindSummary(items: Pick<MediaItem, 'kind'>[]): string {
  const words: Record<string, [string, string]> = {
    image: ['image', 'images'],
    audio: ['audio file', 'audio files'],
    video: ['video', 'videos'],
  };
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.kind, (counts.get(i.kind) ?? 0) + 1);
  return [...counts]
    .map(([k, n]) => {
      const [one, many] = words[k] ?? [k, k];
      return `${n.toLocaleString()} ${n === 1 ? one : many}`;
    })
    .join(', ');
}
