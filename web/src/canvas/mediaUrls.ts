/*
 * Task data that points at uploaded media ("/api/v1/media/7") cannot be
 * handed to Label Studio as it is: <img>, <audio> and <video> cannot send
 * the bearer token. Before the canvas starts, each such value is replaced
 * by the signed link of GET /media/{id}/info, cached per task and fetched
 * again once it is about to expire.
 */

/* A value that is exactly the path of a media item (optionally absolute on some host). */
const MEDIA_PATH = /^(?:https?:\/\/[^/?#]+)?\/api\/v1\/media\/([1-9][0-9]*)$/;

/* The media id a task value points at, or null. */
export function mediaIdOf(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = MEDIA_PATH.exec(value.trim());
  return m ? Number(m[1]) : null;
}

/* Every media id in the data, at any depth (tasks of N items keep them in data.items). */
export function collectMediaIds(data: unknown, out: Set<number> = new Set()): Set<number> {
  const id = mediaIdOf(data);
  if (id !== null) out.add(id);
  else if (Array.isArray(data)) for (const v of data) collectMediaIds(v, out);
  else if (data !== null && typeof data === 'object') for (const v of Object.values(data)) collectMediaIds(v, out);
  return out;
}

/* A copy of the data with each media path replaced by its link; other values untouched. */
export function rewriteMediaUrls<T>(data: T, urls: ReadonlyMap<number, string>): T {
  const id = mediaIdOf(data);
  if (id !== null) return (urls.get(id) ?? data) as T;
  if (Array.isArray(data)) return data.map((v) => rewriteMediaUrls(v, urls)) as T;
  if (data !== null && typeof data === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data)) out[k] = rewriteMediaUrls(v, urls);
    return out as T;
  }
  return data;
}

export interface SignedUrl {
  url: string;
  /* ms since the epoch */
  expiresAt: number;
}

/* What the resolver needs of the server: GET /media/{id}/info's url and url_expires_at. */
export type FetchSigned = (id: number) => Promise<{ url: string; url_expires_at: string }>;

/* A link this close to its end is fetched again rather than handed to the canvas. */
export const REFRESH_MARGIN_MS = 60_000;

/* Tasks whose links are kept; the oldest is dropped beyond this. */
const MAX_TASKS = 50;

export class SignedUrlCache {
  private tasks = new Map<string, Map<number, SignedUrl>>();
  private pending = new Map<string, Promise<SignedUrl>>();

  constructor(
    private fetchSigned: FetchSigned,
    private now: () => number = Date.now,
  ) {}

  /* A usable link for one item of one task: cached unless it expires within the margin, or `force`. */
  async get(taskKey: string, id: number, force = false): Promise<SignedUrl> {
    const links = this.tasks.get(taskKey);
    const have = links?.get(id);
    if (have && !force && have.expiresAt - REFRESH_MARGIN_MS > this.now()) return have;
    const key = `${taskKey}\u0000${id}`;
    let p = this.pending.get(key);
    if (!p) {
      p = this.fetchSigned(id)
        .then((info) => {
          const expires = Date.parse(info.url_expires_at);
          const signed = { url: info.url, expiresAt: Number.isFinite(expires) ? expires : this.now() + REFRESH_MARGIN_MS };
          this.remember(taskKey, id, signed);
          return signed;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  /* Links for every media item in the data. */
  async resolve(taskKey: string, data: unknown, force = false): Promise<Map<number, SignedUrl>> {
    const ids = [...collectMediaIds(data)];
    const links = await Promise.all(ids.map((id) => this.get(taskKey, id, force)));
    return new Map(ids.map((id, i) => [id, links[i]]));
  }

  clear(): void {
    this.tasks.clear();
  }

  private remember(taskKey: string, id: number, signed: SignedUrl): void {
    let links = this.tasks.get(taskKey);
    if (links) this.tasks.delete(taskKey); /* re-inserted: most recent last */
    else links = new Map();
    links.set(id, signed);
    this.tasks.set(taskKey, links);
    while (this.tasks.size > MAX_TASKS) this.tasks.delete(this.tasks.keys().next().value as string);
  }
}

/* When the links should be fetched again: the margin before the first one ends; null when none. */
export function refreshDelay(links: Iterable<SignedUrl>, now: number): number | null {
  let first = Infinity;
  for (const l of links) first = Math.min(first, l.expiresAt);
  if (first === Infinity) return null;
  return Math.max(0, first - REFRESH_MARGIN_MS - now);
}

/* The task data with links in place of media paths, and those links. */
export async function signMediaData(
  cache: SignedUrlCache,
  taskKey: string,
  data: Record<string, unknown>,
  force = false,
): Promise<{ data: Record<string, unknown>; links: Map<number, SignedUrl> }> {
  const links = await cache.resolve(taskKey, data, force);
  if (links.size === 0) return { data, links };
  const urls = new Map([...links].map(([id, l]) => [id, l.url]));
  return { data: rewriteMediaUrls(data, urls), links };
}

/*
 * Points the canvas's playing media at fresh links: a seek after the old
 * link has expired would otherwise be refused. Position and play state are
 * kept. Images need nothing: they are loaded once.
 */
export function swapMediaSources(root: ParentNode, old: ReadonlyMap<number, SignedUrl>, fresh: ReadonlyMap<number, SignedUrl>): number {
  let swapped = 0;
  const byPath = new Map<string, string>();
  for (const [id, l] of old) {
    const f = fresh.get(id);
    if (f && f.url !== l.url) byPath.set(pathOf(l.url), f.url);
  }
  if (byPath.size === 0) return 0;
  root.querySelectorAll('audio, video').forEach((el) => {
    const media = el as HTMLMediaElement;
    const next = byPath.get(pathOf(media.currentSrc || media.src || ''));
    if (!next) return;
    const at = media.currentTime;
    const playing = !media.paused;
    const rate = media.playbackRate;
    media.src = next;
    media.addEventListener(
      'loadedmetadata',
      () => {
        media.currentTime = at;
        media.playbackRate = rate;
        if (playing) media.play().catch(() => undefined);
      },
      { once: true },
    );
    swapped++;
  });
  return swapped;
}

/* A URL's path and query, whether it is absolute or not. */
function pathOf(url: string): string {
  try {
    const u = new URL(url, 'http://x');
    return u.pathname + u.search;
  } catch {
    return url;
  }
}
