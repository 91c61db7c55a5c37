import { describe, expect, it, vi } from 'vitest';
import {
  REFRESH_MARGIN_MS,
  SignedUrlCache,
  collectMediaIds,
  mediaIdOf,
  refreshDelay,
  rewriteMediaUrls,
  signMediaData,
  swapMediaSources,
} from './mediaUrls';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');

/* A stand-in for GET /media/{id}/info: links valid 10 minutes from `now`, numbered per call. */
function fakeInfo(now: () => number) {
  let n = 0;
  const fn = vi.fn(async (id: number) => {
    n++;
    const exp = now() + 600_000;
    return { url: `/api/v1/media/${id}?exp=${exp / 1000}&uid=3&sig=s${n}`, url_expires_at: new Date(exp).toISOString() };
  });
  return fn;
}

describe('mediaIdOf', () => {
  it('knows media paths, relative or absolute', () => {
    expect(mediaIdOf('/api/v1/media/7')).toBe(7);
    expect(mediaIdOf('http://localhost:8080/api/v1/media/12')).toBe(12);
    expect(mediaIdOf(' /api/v1/media/3 ')).toBe(3);
  });
  it('leaves everything else alone', () => {
    for (const v of [
      '/api/v1/media/7/info',
      '/api/v1/media/7?exp=1&uid=1&sig=aa',
      '/api/v1/media/0',
      '/api/v1/media/x',
      'https://example.org/cat.png',
      'see /api/v1/media/7',
      7,
      null,
      undefined,
      { id: 7 },
    ])
      expect(mediaIdOf(v)).toBeNull();
  });
});

describe('rewriting task data', () => {
  const data = {
    image: '/api/v1/media/1',
    caption: 'a cat at /api/v1/media/1',
    meta: { n: 3, ok: true, none: null },
    items: [{ audio: '/api/v1/media/2' }, { audio: 'https://cdn.example.org/a.wav' }, { video: '/api/v1/media/1' }],
  };

  it('finds every media id at any depth, once each', () => {
    expect([...collectMediaIds(data)].sort()).toEqual([1, 2]);
    expect(collectMediaIds({ text: 'hello' }).size).toBe(0);
  });

  it('replaces media paths by their links and keeps the rest, without touching the original', () => {
    const before = JSON.stringify(data);
    const out = rewriteMediaUrls(data, new Map([[1, '/s/1'], [2, '/s/2']]));
    expect(out).toEqual({
      image: '/s/1',
      caption: 'a cat at /api/v1/media/1',
      meta: { n: 3, ok: true, none: null },
      items: [{ audio: '/s/2' }, { audio: 'https://cdn.example.org/a.wav' }, { video: '/s/1' }],
    });
    expect(JSON.stringify(data)).toBe(before);
  });

  it('keeps a path that has no link', () => {
    expect(rewriteMediaUrls({ image: '/api/v1/media/9' }, new Map())).toEqual({ image: '/api/v1/media/9' });
  });
});

describe('SignedUrlCache', () => {
  it('fetches each item once per task and reuses the link while it is fresh', async () => {
    let now = T0;
    const info = fakeInfo(() => now);
    const cache = new SignedUrlCache(info, () => now);
    const a = await signMediaData(cache, '3:10', { image: '/api/v1/media/5' });
    expect(a.data.image).toMatch(/^\/api\/v1\/media\/5\?exp=\d+&uid=3&sig=s1$/);
    now += 5 * 60_000;
    const b = await signMediaData(cache, '3:10', { image: '/api/v1/media/5' });
    expect(b.data.image).toBe(a.data.image);
    expect(info).toHaveBeenCalledTimes(1);
    /* Another task has its own links. */
    await signMediaData(cache, '3:11', { image: '/api/v1/media/5' });
    expect(info).toHaveBeenCalledTimes(2);
  });

  it('fetches again when the link is expired or about to be', async () => {
    let now = T0;
    const info = fakeInfo(() => now);
    const cache = new SignedUrlCache(info, () => now);
    const first = await cache.get('t', 5);
    now = first.expiresAt - REFRESH_MARGIN_MS + 1;
    const second = await cache.get('t', 5);
    expect(second.url).not.toBe(first.url);
    expect(second.expiresAt).toBe(now + 600_000);
    now = second.expiresAt + 1000;
    expect((await cache.get('t', 5)).url).toMatch(/sig=s3$/);
    expect(info).toHaveBeenCalledTimes(3);
  });

  it('shares one request between canvases asking at once, and forced refreshes bypass the cache', async () => {
    const now = T0;
    const info = fakeInfo(() => now);
    const cache = new SignedUrlCache(info, () => now);
    const [x, y] = await Promise.all([cache.get('t', 1), cache.get('t', 1)]);
    expect(x).toBe(y);
    expect(info).toHaveBeenCalledTimes(1);
    const links = await cache.resolve('t', { a: '/api/v1/media/1', b: '/api/v1/media/2' }, true);
    expect([...links.keys()]).toEqual([1, 2]);
    expect(links.get(1)!.url).not.toBe(x.url);
    expect(info).toHaveBeenCalledTimes(3);
  });

  it('does not cache a failure', async () => {
    let fail = true;
    const cache = new SignedUrlCache(async (id) => {
      if (fail) throw new Error('403 not a member');
      return { url: `/api/v1/media/${id}?sig=ok`, url_expires_at: new Date(T0 + 600_000).toISOString() };
    }, () => T0);
    await expect(signMediaData(cache, 't', { image: '/api/v1/media/4' })).rejects.toThrow('403 not a member');
    fail = false;
    expect((await signMediaData(cache, 't', { image: '/api/v1/media/4' })).data.image).toBe('/api/v1/media/4?sig=ok');
  });

  it('asks nothing for data without media', async () => {
    const info = vi.fn();
    const cache = new SignedUrlCache(info);
    const data = { text: 'hello', url: 'https://example.org/x.png' };
    const out = await signMediaData(cache, 't', data);
    expect(out.data).toBe(data);
    expect(out.links.size).toBe(0);
    expect(info).not.toHaveBeenCalled();
  });
});

describe('refreshing while the canvas is open', () => {
  it('plans the refresh a margin before the first link ends', () => {
    expect(refreshDelay([], T0)).toBeNull();
    const links = [
      { url: 'a', expiresAt: T0 + 600_000 },
      { url: 'b', expiresAt: T0 + 300_000 },
    ];
    expect(refreshDelay(links, T0)).toBe(300_000 - REFRESH_MARGIN_MS);
    expect(refreshDelay(links, T0 + 299_000)).toBe(0);
  });

  it('points playing media at the fresh link and keeps its position', () => {
    document.body.innerHTML = '<div id="r"><audio src="/api/v1/media/2?exp=1&sig=old"></audio><video src="https://other.example/v.mp4"></video></div>';
    const root = document.getElementById('r')!;
    const audio = root.querySelector('audio')!;
    audio.currentTime = 12;
    const old = new Map([[2, { url: '/api/v1/media/2?exp=1&sig=old', expiresAt: T0 }]]);
    const fresh = new Map([[2, { url: '/api/v1/media/2?exp=2&sig=new', expiresAt: T0 + 600_000 }]]);
    expect(swapMediaSources(root, old, fresh)).toBe(1);
    expect(audio.getAttribute('src')).toBe('/api/v1/media/2?exp=2&sig=new');
    expect(root.querySelector('video')!.getAttribute('src')).toBe('https://other.example/v.mp4');
    /* Nothing changed: nothing swapped. */
    expect(swapMediaSources(root, fresh, fresh)).toBe(0);
  });
});
