// The built web UI served by the C server (src/web/): content types,
// caching headers, conditional requests, HEAD, the single-page-app
// fallback, refusal of paths that leave the folder, large files, and the
// pointer page when the UI is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, errorCode } from './lib.mjs';

// A raw request: the path goes on the wire exactly as given (fetch would
// normalise "/../" away). Resolves with the body as a Buffer.
function raw(url, path, { method = 'GET', headers = {} } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const json = (r) => JSON.parse(r.body.toString('utf8'));

function assertRefused(r, what) {
  assert.equal(r.status, 404, `${what}: status ${r.status}`);
  assert.match(r.headers['content-type'], /^application\/json/, what);
  assert.equal(errorCode({ body: json(r) }), 'not_found', what);
  assert.doesNotMatch(r.body.toString(), /TOP-SECRET|root:/, what);
}

const INDEX = '<!doctype html><html><head><title>LabelFlow UI</title></head><body><div id="root"></div></body></html>';
const BIG = randomBytes(24 * 1024 * 1024 + 123);

// The folder a Vite build would produce, plus files outside it that must
// never be reachable.
function makeSite() {
  const base = mkdtempSync(join(tmpdir(), 'lf-web-'));
  const dist = join(base, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  mkdirSync(join(dist, 'sub'), { recursive: true });
  mkdirSync(join(dist, 'vendor', 'label-studio-1.4.0'), { recursive: true });
  writeFileSync(join(base, 'secret'), 'TOP-SECRET outside the web folder\n');
  writeFileSync(join(dist, 'index.html'), INDEX);
  const files = {
    'assets/index-3f9a1c.js': ['console.log("app")', 'text/javascript'],
    'assets/chunk-77aa.mjs': ['export default 1', 'text/javascript'],
    'assets/index-b2c4.css': ['body{color:#111}', 'text/css'],
    'assets/index-3f9a1c.js.map': ['{"version":3}', 'application/json'],
    'assets/inter-1a2b.woff2': ['wOF2', 'font/woff2'],
    'assets/logo-9f.svg': ['<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/svg+xml'],
    'assets/photo-ab.jpg': ['\xff\xd8\xff', 'image/jpeg'],
    'assets/engine-cd.wasm': ['\0asm', 'application/wasm'],
    'sample.png': ['\x89PNG', 'image/png'],
    'manifest.json': ['{"name":"LabelFlow"}', 'application/json'],
    'favicon.ico': ['ico', 'image/x-icon'],
    'robots.txt': ['User-agent: *', 'text/plain'],
    'sub/page.html': ['<p>sub</p>', 'text/html'],
    'vendor/label-studio-1.4.0/main.js': ['window.LabelStudio = function () {}', 'text/javascript'],
    'vendor/label-studio-1.4.0/main.css': ['.ls{}', 'text/css'],
  };
  for (const [name, [content]] of Object.entries(files)) writeFileSync(join(dist, name), content);
  writeFileSync(join(dist, 'assets', 'big-5e5e.bin'), BIG);
  writeFileSync(join(dist, '.env'), 'TOP-SECRET=1');
  symlinkSync(join(base, 'secret'), join(dist, 'leak.txt'));
  symlinkSync('../../secret', join(dist, 'assets', 'leak-00.js'));
  symlinkSync(base, join(dist, 'up'));
  // A symlink that stays inside the folder is an ordinary file.
  symlinkSync('robots.txt', join(dist, 'robots-link.txt'));
  return { base, dist, files };
}

test('the server serves the built web UI', async (t) => {
  const site = makeSite();
  const srv = await startServer({ env: { LABELFLOW_WEB_DIR: site.dist } });
  t.after(async () => {
    await srv.stop();
    rmSync(site.base, { recursive: true, force: true });
  });

  await t.test('each file has its content type and body', async () => {
    for (const [name, [content, type]] of Object.entries(site.files)) {
      const r = await raw(srv.url, '/' + name);
      assert.equal(r.status, 200, name);
      assert.equal(r.headers['content-type'].split(';')[0], type, name);
      assert.equal(r.body.toString('latin1'), Buffer.from(content).toString('latin1'), name);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', name);
    }
    const html = await raw(srv.url, '/');
    assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(html.body.toString(), INDEX);
  });

  await t.test('the UI is sent with a Content-Security-Policy and may not be framed', async () => {
    for (const path of ['/', '/work', '/assets/index-3f9a1c.js', '/vendor/label-studio-1.4.0/main.js']) {
      const r = await raw(srv.url, path);
      assert.equal(r.status, 200, path);
      const csp = r.headers['content-security-policy'] || '';
      const directive = (name) => (csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(name + ' ')) || '').split(/\s+/).slice(1);
      assert.deepEqual(directive('default-src'), ["'self'"], `${path}: ${csp}`);
      assert.deepEqual(directive('frame-ancestors'), ["'none'"], path);
      assert.deepEqual(directive('object-src'), ["'none'"], path);
      assert.deepEqual(directive('base-uri'), ["'none'"], path);
      // Scripts only from this origin: no inline script, nothing remote.
      assert.ok(directive('script-src').includes("'self'"), path);
      assert.ok(!directive('script-src').some((v) => /unsafe-inline|^https?:|^\*$|^data:/.test(v)), `${path}: ${csp}`);
      assert.equal(r.headers['x-frame-options'], 'DENY', path);
      assert.equal(r.headers['referrer-policy'], 'no-referrer', path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
    }
    // The API's answers are not to be framed or leak referrers either.
    const api = await raw(srv.url, '/api/v1/me');
    assert.equal(api.headers['x-frame-options'], 'DENY');
    assert.equal(api.headers['referrer-policy'], 'no-referrer');
  });

  await t.test('hashed assets are immutable, index.html is revalidated', async () => {
    const asset = await raw(srv.url, '/assets/index-3f9a1c.js');
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    // The vendored Label Studio carries its version in the path.
    const ls = await raw(srv.url, '/vendor/label-studio-1.4.0/main.js');
    assert.equal(ls.headers['cache-control'], 'public, max-age=31536000, immutable');
    for (const p of ['/', '/index.html', '/admin/projects']) {
      const r = await raw(srv.url, p);
      assert.equal(r.headers['cache-control'], 'no-cache', p);
    }
    assert.equal((await raw(srv.url, '/robots.txt')).headers['cache-control'], 'no-cache');
    // The API keeps refusing any caching.
    assert.equal((await raw(srv.url, '/healthz')).headers['cache-control'], 'no-store');
  });

  await t.test('a matching If-None-Match is 304 without a body', async () => {
    const first = await raw(srv.url, '/assets/index-b2c4.css');
    const etag = first.headers.etag;
    assert.match(etag, /^"[^"]+"$/);
    const again = await raw(srv.url, '/assets/index-b2c4.css', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, etag);
    const weakInList = await raw(srv.url, '/assets/index-b2c4.css', { headers: { 'if-none-match': `"nope", W/${etag}` } });
    assert.equal(weakInList.status, 304);
    const other = await raw(srv.url, '/assets/index-b2c4.css', { headers: { 'if-none-match': '"something-else"' } });
    assert.equal(other.status, 200);
    assert.equal(other.body.toString(), 'body{color:#111}');
    // Different files have different tags.
    assert.notEqual((await raw(srv.url, '/robots.txt')).headers.etag, etag);
  });

  await t.test('a changed file gets a new ETag', async () => {
    const before = (await raw(srv.url, '/manifest.json')).headers.etag;
    writeFileSync(join(site.dist, 'manifest.json'), '{"name":"LabelFlow 2"}');
    const r = await raw(srv.url, '/manifest.json', { headers: { 'if-none-match': before } });
    assert.equal(r.status, 200);
    assert.notEqual(r.headers.etag, before);
    assert.equal(r.body.toString(), '{"name":"LabelFlow 2"}');
  });

  await t.test('HEAD has the headers and no body', async () => {
    const r = await raw(srv.url, '/assets/index-3f9a1c.js', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 0);
    assert.equal(Number(r.headers['content-length']), 'console.log("app")'.length);
    assert.match(r.headers['content-type'], /^text\/javascript/);
    const spa = await raw(srv.url, '/work/projects/3/label', { method: 'HEAD' });
    assert.equal(spa.status, 200);
    assert.equal(Number(spa.headers['content-length']), INDEX.length);
  });

  await t.test('client-side routes get index.html', async () => {
    for (const p of ['/login', '/admin/projects/12/settings', '/work', '/earnings?from=x', '/admin/']) {
      const r = await raw(srv.url, p);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8', p);
      assert.equal(r.body.toString(), INDEX, p);
    }
  });

  await t.test('the API and the server endpoints keep their JSON 404', async () => {
    for (const p of ['/api/unknown', '/api/v1/nope', '/api', '/healthz/x', '/readyz/x', '/metrics/x']) {
      const r = await raw(srv.url, p);
      assert.equal(r.status, 404, p);
      assert.match(r.headers['content-type'], /^application\/json/, p);
      assert.equal(json(r).error.code, 'not_found', p);
    }
    assert.equal(json(await raw(srv.url, '/healthz')).status, 'ok');
    // Only GET and HEAD fall back to the UI.
    const post = await raw(srv.url, '/admin/projects', { method: 'POST' });
    assert.equal(post.status, 404);
    assert.equal(json(post).error.code, 'not_found');
  });

  await t.test('a missing asset is a 404, not the app', async () => {
    for (const p of ['/assets/index-000000.js', '/assets/gone.css', '/missing.png']) assertRefused(await raw(srv.url, p), p);
  });

  await t.test('paths leaving the folder are refused', async () => {
    const attempts = [
      '/../etc/passwd',
      '/../secret',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E/secret',
      '/assets/..%2f..%2fsecret',
      '/assets/%2e%2e/%2e%2e/secret',
      '/assets/../../secret',
      '/..%5csecret',
      '/index.html%00.png',
      '/assets/index-3f9a1c.js%00',
      '//etc/passwd',
      '/.env',
      '/assets/./index-3f9a1c.js',
    ];
    for (const p of attempts) assertRefused(await raw(srv.url, p), p);
  });

  await t.test('symlinks escaping the folder are not followed', async () => {
    for (const p of ['/leak.txt', '/assets/leak-00.js', '/up/secret']) assertRefused(await raw(srv.url, p), p);
    const inside = await raw(srv.url, '/robots-link.txt');
    assert.equal(inside.status, 200);
    assert.equal(inside.body.toString(), 'User-agent: *');
  });

  await t.test('a large file is streamed whole', async () => {
    const r = await raw(srv.url, '/assets/big-5e5e.bin');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.equal(Number(r.headers['content-length']), BIG.length);
    const sha = (b) => createHash('sha256').update(b).digest('hex');
    assert.equal(sha(r.body), sha(BIG));
  });
});

test('without a built UI the root says so and other paths are 404', async (t) => {
  const srv = await startServer({ env: { LABELFLOW_WEB_DIR: join(tmpdir(), 'lf-no-such-ui-' + randomBytes(4).toString('hex')) } });
  t.after(() => srv.stop());
  const root = await raw(srv.url, '/');
  assert.equal(root.status, 200);
  assert.match(root.headers['content-type'], /^text\/html/);
  assert.match(root.body.toString(), /web UI is not built/);
  const spa = await raw(srv.url, '/admin/projects');
  assert.equal(spa.status, 404);
  assert.equal(json(spa).error.code, 'not_found');
  assert.match(srv.log(), /no web UI in/);
});
