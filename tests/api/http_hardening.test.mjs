// The HTTP server under hostile clients: bodies sent without a token are
// refused on their headers (memory stays flat), slow or unfinished requests
// are cut off by deadlines and a per-address connection limit so that new
// clients still get in, and /metrics is only for allowed addresses or the
// metrics token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { startServer, createUser, errorCode, waitJob } from './lib.mjs';
import { setupProject } from './workflow-lib.mjs';

const MiB = 1024 * 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function procStatus(pid, field) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return Number(m[1]) * 1024;
}

// Resets the process's peak RSS (VmHWM) so that what follows is measured
// alone; false where the kernel does not allow it.
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// Splits a raw HTTP response into status and parsed JSON body.
function parseResponse(buf) {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, body: null };
  const status = Number(text.slice(9, 12));
  const body = Buffer.from(text.slice(end + 4), 'latin1').toString('utf8');
  let json = null;
  try {
    json = JSON.parse(body);
  } catch {
    json = body;
  }
  return { status, body: json };
}

// A POST whose declared body of `size` bytes (valid JSON) is sent in
// pieces with pauses, the way a slow client sends a large body; stops
// sending once the server answers or closes. Resolves with the response
// and how many body bytes went out.
function slowPost(url, path, size, { token, piece = 256 * 1024, pauseMs = 20 } = {}) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port) });
    const chunks = [];
    let sent = 0;
    let done = false;
    const head = `{"pad":"`;
    const tail = `"}`;
    const finish = () => {
      if (done) return;
      done = true;
      resolve({ ...parseResponse(Buffer.concat(chunks)), sent });
    };
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {});
    sock.on('close', finish);
    sock.on('connect', async () => {
      sock.write(
        `POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${size}\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}\r\n`,
      );
      // A client that looks at the answer before it sends the bulk (as
      // curl does with Expect: 100-continue): a refusal on the headers
      // comes now, and writing into the closed connection would make Node
      // drop the answer it has not read yet.
      await sleep(300);
      if (chunks.length > 0) return;
      sock.write(head);
      sent = head.length;
      while (!done && chunks.length === 0 && sent < size - tail.length) {
        const n = Math.min(piece, size - tail.length - sent);
        if (!sock.write('x'.repeat(n))) await new Promise((r) => sock.once('drain', r).once('close', r));
        sent += n;
        await sleep(pauseMs);
      }
      if (!done && chunks.length === 0) sock.write(tail);
      sent += tail.length;
      // The answer comes now; the server closes or keeps the connection.
      const wait = setInterval(() => {
        if (chunks.length > 0) { clearInterval(wait); sock.end(); }
      }, 20);
      sock.once('close', () => clearInterval(wait));
    });
  });
}

test('bodies without a valid token are refused on their headers, unread', async (t) => {
  const srv = await startServer();
  t.after(() => srv.stop());
  const { admin, project } = await setupProject(srv, { counts: { annotator: 0, reviewer: 0, super_reviewer: 0 } });
  const path = `/api/v1/projects/${project.id}/tasks`;
  const N = 16;
  const size = 16 * MiB - 64; // under the route's 16 MiB limit

  await t.test(`${N} concurrent 16 MiB bodies without a token: 401 each, memory flat`, async () => {
    const pid = srv.proc.pid;
    const peak = resetPeak(pid);
    const before = procStatus(pid, 'VmRSS');
    let top = before;
    const poll = setInterval(() => { top = Math.max(top, procStatus(pid, 'VmRSS')); }, 10);
    const results = await Promise.all(Array.from({ length: N }, () => slowPost(srv.url, path, size)));
    clearInterval(poll);
    if (peak) top = Math.max(top, procStatus(pid, 'VmHWM'));
    for (const r of results) {
      assert.equal(r.status, 401, JSON.stringify(r.body));
      assert.equal(errorCode(r), 'unauthorized');
    }
    const grew = top - before;
    t.diagnostic(`RSS grew by ${(grew / MiB).toFixed(1)} MiB for ${N} bodies of 16 MiB`);
    assert.ok(grew < 48 * MiB, `server RSS grew by ${(grew / MiB).toFixed(1)} MiB`);
    // The refusal came before the bulk of the body was sent.
    assert.ok(results.every((r) => r.sent < size / 2), 'bodies were read to the end');
  });

  await t.test('a forged or unknown-session token is 401 before the body', async () => {
    const r = await slowPost(srv.url, path, size, { token: 'not.a.token' });
    assert.equal(r.status, 401);
    assert.equal(errorCode(r), 'invalid_token');
    assert.ok(r.sent < size / 2);
  });

  await t.test("a caller outside the project is 404 before the body (as for a missing project)", async () => {
    const outsider = await createUser(srv, admin.access_token, 'annotator');
    const s = await srv.login(outsider.email, outsider.password);
    const r = await slowPost(srv.url, path, size, { token: s.access_token });
    assert.equal(r.status, 404, JSON.stringify(r.body));
    assert.equal(errorCode(r), 'not_found');
    assert.ok(r.sent < size / 2);
  });

  await t.test('with a valid token, large bodies and uploads still go through', async () => {
    const tasks = Array.from({ length: 200 }, (_, i) => ({ data: { text: `task ${i} ` + 'y'.repeat(10000) } }));
    const r = await srv.api('POST', path, { token: admin.access_token, body: { tasks } });
    assert.equal(r.status, 201, JSON.stringify(r.body).slice(0, 300));
    const csv = 'text\n' + Array.from({ length: 2000 }, (_, i) => `row ${i} ${'z'.repeat(1000)}`).join('\n') + '\n';
    const imp = await srv.api('POST', `/api/v1/projects/${project.id}/imports`, {
      token: admin.access_token, raw: csv, headers: { 'content-type': 'text/csv' },
    });
    assert.equal(imp.status, 202, JSON.stringify(imp.body));
    assert.equal((await waitJob(srv, admin.access_token, `/api/v1/imports/${imp.body.id}`)).status, 'done');
  });

  await t.test('public bodies (login) are still read without a token', async () => {
    const r = await srv.api('POST', '/api/v1/auth/login', { body: { email: 'nobody@example.org', password: 'wrong-password' } });
    assert.equal(r.status, 401);
    assert.equal(errorCode(r), 'invalid_credentials');
  });
});

// A connection that sends the start of a request and then one byte every
// pauseMs, never finishing: resolves with when it was closed (ms after
// opening), or never closes until destroyed.
function slowHeaders(url, { localAddress, pauseMs = 300, start = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' } = {}) {
  const u = new URL(url);
  const t0 = Date.now();
  const sock = net.connect({ host: u.hostname, port: Number(u.port), localAddress });
  const c = { sock, closedAt: null, timer: null };
  sock.on('error', () => {});
  sock.on('connect', () => {
    sock.write(start);
    c.timer = setInterval(() => { if (!sock.destroyed) sock.write('a'); }, pauseMs);
  });
  sock.on('close', () => {
    clearInterval(c.timer);
    c.closedAt = Date.now() - t0;
  });
  return c;
}

async function timedGet(url) {
  const t0 = Date.now();
  const r = await fetch(url + '/healthz', { signal: AbortSignal.timeout(5000) });
  return { status: r.status, ms: Date.now() - t0 };
}

test('slow clients: per-address limit, header and request deadlines', async (t) => {
  const srv = await startServer({
    env: {
      LABELFLOW_MAX_CONNECTIONS: '100',
      LABELFLOW_MAX_CONNECTIONS_PER_IP: '20',
      LABELFLOW_HEADER_TIMEOUT_MS: '2000',
      LABELFLOW_REQUEST_TIMEOUT_MS: '3000',
    },
  });
  const conns = [];
  t.after(async () => {
    for (const c of conns) c.sock.destroy();
    await srv.stop();
  });

  await t.test('unfinished headers from one address: others still served, the slow ones cut at the deadline', async () => {
    // 127.0.0.2 is the attacker (Linux routes all of 127/8 to loopback);
    // the fresh client comes from 127.0.0.1.
    for (let i = 0; i < 70; i++) conns.push(slowHeaders(srv.url, { localAddress: '127.0.0.2' }));
    await sleep(800);
    const open = conns.filter((c) => c.closedAt === null).length;
    assert.ok(open <= 20, `${open} slow connections from one address are open`);
    const g = await timedGet(srv.url);
    assert.equal(g.status, 200);
    assert.ok(g.ms < 1000, `a fresh request took ${g.ms} ms`);
    // They keep sending a byte every 300 ms, far inside the idle timeout,
    // yet the header deadline (2 s) closes them.
    await sleep(2700);
    const still = conns.filter((c) => c.closedAt === null).length;
    assert.equal(still, 0, `${still} slow connections outlived the header deadline`);
    const cut = conns.map((c) => c.closedAt).filter((ms) => ms > 1000);
    assert.ok(cut.length > 0 && cut.every((ms) => ms >= 1900 && ms < 3500), `closed at ${cut.join(',')} ms`);
  });

  await t.test('a body trickled in is cut at the request deadline', async () => {
    const c = slowHeaders(srv.url, {
      localAddress: '127.0.0.3',
      start: 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":"',
    });
    conns.push(c);
    await sleep(4500);
    assert.ok(c.closedAt !== null && c.closedAt >= 2900, `closed at ${c.closedAt} ms`);
  });

  await t.test('ordinary requests and keep-alive are unaffected', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await timedGet(srv.url)).status, 200);
  });
});

test('/metrics: allowed addresses or the metrics token only', async (t) => {
  const token = 'metrics-token-' + Math.random().toString(36).slice(2);
  const srv = await startServer({ env: { LABELFLOW_METRICS_ALLOW: '10.0.0.0/8, fd00::/8', LABELFLOW_METRICS_TOKEN: token } });
  t.after(() => srv.stop());

  await t.test('from an address outside the list and without the token: 403', async () => {
    const r = await srv.api('GET', '/metrics');
    assert.equal(r.status, 403);
    assert.equal(errorCode(r), 'forbidden');
    const w = await srv.api('GET', '/metrics', { token: token + 'x' });
    assert.equal(w.status, 403);
    assert.equal(errorCode(w), 'forbidden');
  });

  await t.test('with the token: 200', async () => {
    const r = await srv.api('GET', '/metrics', { token });
    assert.equal(r.status, 200);
    assert.match(r.body, /labelflow_http_requests_total/);
  });

  await t.test('the default list is loopback', async () => {
    const lo = await startServer();
    try {
      assert.equal((await lo.api('GET', '/metrics')).status, 200);
    } finally {
      await lo.stop();
    }
  });

  await t.test('a list that is not CIDR stops the server at start', async () => {
    await assert.rejects(startServer({ env: { LABELFLOW_METRICS_ALLOW: '10.0.0.0/40' } }), /LABELFLOW_METRICS_ALLOW/);
  });
});
