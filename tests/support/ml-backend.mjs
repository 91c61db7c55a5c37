// A real ML backend speaking Label Studio's protocol (label-studio-ml-backend:
// GET /health, POST /setup, /predict, /webhook), for the API and browser
// tests and the benchmark. It labels the first <Choices> of the label config
// it is sent with its first <Choice> (the second when the request carries a
// context with regions: interactive pre-annotation); a config without
// <Choices> gets empty results.
//
// Knobs (flags as a process, options to startBackend):
//   --port N          listen port (0: any; the port is printed as "port N")
//   --delay MS        answer /predict after MS milliseconds
//   --fail-every N    every Nth /predict call answers 500
//   --invalid-mod M   tasks whose id % M == 0 get a choice the config lacks
//   --version V       the model version /setup answers
//   --shape S         results (default) | predictions | array: the answer shape
//   --auth A          basic:USER:PASS or header:NAME:VALUE, else 401
//   --fetch-media 1   before answering /predict, download every string of a
//                     task's data that is a URL or a path, as Label Studio's
//                     get_local_path does: a path is taken under the
//                     hostname /setup gave, with "Authorization: Token
//                     <access_token>" when there is one; a failed download
//                     answers 500. The log's entry says what was fetched.
// Score: the task's data.score when it is a number, else (id * 7919 % 1000) / 1000.
// GET /_log answers the calls so far ({path, tasks, data, auth, context}); POST /_reset clears it.
// GET /_stats answers {inflight, max_inflight}: /predict calls being answered now, and at most.
import http from 'node:http';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

export function createBackend(opts = {}) {
  const o = { delay: 0, failEvery: 0, invalidMod: 0, version: 'v1', shape: 'results', auth: '', fetchMedia: 0, ...opts };
  const setup = { hostname: '', access_token: '' };
  // What get_local_path would download: {task, key, url, status, bytes, sha256}.
  const fetchMedia = async (tasks) => {
    const got = [];
    for (const t of tasks) {
      for (const [key, v] of Object.entries(t.data || {})) {
        if (typeof v !== 'string' || !/^(https?:\/\/|\/)/.test(v)) continue;
        const url = v.startsWith('/') ? setup.hostname + v : v;
        const headers = setup.access_token && url.startsWith(setup.hostname) ? { authorization: `Token ${setup.access_token}` } : {};
        const g = { task: t.id, key, url, status: 0, bytes: 0, sha256: '' };
        try {
          const r = await fetch(url, { headers });
          const buf = Buffer.from(await r.arrayBuffer());
          Object.assign(g, { status: r.status, bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') });
        } catch (e) {
          g.error = String(e);
        }
        got.push(g);
      }
    }
    return got;
  };
  const log = [];
  let predicts = 0;
  const stats = { inflight: 0, max_inflight: 0 };
  const authOk = (req) => {
    if (!o.auth) return true;
    const [kind, a, b] = o.auth.split(':');
    if (kind === 'basic') return req.headers.authorization === 'Basic ' + Buffer.from(`${a}:${b}`).toString('base64');
    return req.headers[a.toLowerCase()] === b;
  };
  const choicesOf = (xml = '') => {
    const m = /<Choices\b[^>]*\bname="([^"]+)"[^>]*\btoName="([^"]+)"/i.exec(xml);
    const values = [...xml.matchAll(/<Choice\b[^>]*\bvalue="([^"]+)"/gi)].map((x) => x[1]);
    return m ? { from: m[1], to: m[2], values } : null;
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (status, obj) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      const url = req.url.split('?')[0];
      if (url === '/_log') return send(200, log);
      if (url === '/_stats') return send(200, stats);
      if (url === '/_reset') { log.length = 0; predicts = 0; stats.max_inflight = 0; return send(200, {}); }
      const auth = req.headers.authorization || req.headers['x-api-key'] || null;
      let json = {};
      try { json = body ? JSON.parse(body) : {}; } catch { return send(400, { error: 'bad json' }); }
      const entry = { path: url, auth, at: Date.now() };
      log.push(entry);
      if (!authOk(req)) return send(401, { error: 'unauthorized' });
      if (url === '/health' && req.method === 'GET') return send(200, { status: 'UP', model_class: 'TestModel' });
      if (url === '/setup' && req.method === 'POST') {
        entry.project = json.project;
        entry.schema = typeof json.schema === 'string';
        entry.hostname = json.hostname;
        setup.hostname = json.hostname || '';
        setup.access_token = json.access_token || '';
        return send(200, { model_version: o.version });
      }
      if (url === '/webhook' && req.method === 'POST') {
        entry.action = json.action;
        entry.project = json.project;
        entry.task = json.task;
        entry.annotation = json.annotation;
        return send(201, { job_id: 'train-1', status: 'ok' });
      }
      if (url !== '/predict' || req.method !== 'POST') return send(404, { error: 'not found' });
      const n = ++predicts;
      stats.max_inflight = Math.max(stats.max_inflight, ++stats.inflight);
      res.on('close', () => stats.inflight--);
      entry.tasks = (json.tasks || []).map((t) => t.id);
      entry.data = (json.tasks || []).map((t) => t.data);
      entry.context = json.params?.context ?? null;
      entry.model_version = json.model_version;
      setTimeout(async () => {
        if (o.failEvery && n % o.failEvery === 0) { entry.failed = true; return send(500, { error: 'flaky' }); }
        if (o.fetchMedia) {
          entry.media = await fetchMedia(json.tasks || []);
          if (entry.media.some((g) => g.status !== 200)) { entry.failed = true; return send(500, { error: 'cannot fetch media' }); }
        }
        const c = choicesOf(json.label_config);
        const interactive = Array.isArray(entry.context?.result) && entry.context.result.length > 0;
        const results = (json.tasks || []).map((t) => {
          const invalid = o.invalidMod && t.id % o.invalidMod === 0;
          const value = invalid ? '__no_such_choice__' : c?.values[interactive && c.values.length > 1 ? 1 : 0];
          const score = typeof t.data?.score === 'number' ? t.data.score : ((t.id * 7919) % 1000) / 1000;
          // A config without <Choices> gets an empty result (nothing to say).
          const result = c ? [{ id: `p${t.id}`, from_name: c.from, to_name: c.to, type: 'choices', value: { choices: [value] } }] : [];
          return { result, score, model_version: o.version };
        });
        if (o.shape === 'array') return send(200, results);
        if (o.shape === 'predictions') return send(200, { predictions: results });
        return send(200, { results });
      }, o.delay);
    });
  });
  return {
    server, log, opts: o,
    listen: (port = 0) => new Promise((r) => server.listen(port, '127.0.0.1', () => r(server.address().port))),
    close: () => { server.closeAllConnections(); server.close(); },
  };
}

function flags(argv) {
  const out = {};
  const names = { '--port': 'port', '--delay': 'delay', '--fail-every': 'failEvery', '--invalid-mod': 'invalidMod', '--version': 'version', '--shape': 'shape', '--auth': 'auth', '--fetch-media': 'fetchMedia' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = names[argv[i]];
    if (!k) throw new Error(`unknown flag ${argv[i]}`);
    out[k] = ['version', 'shape', 'auth'].includes(k) ? argv[i + 1] : Number(argv[i + 1]);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const f = flags(process.argv.slice(2));
  const b = createBackend(f);
  const port = await b.listen(f.port || 0);
  console.log(`port ${port}`);
  process.on('SIGTERM', () => { b.close(); process.exit(0); });
}

// Starts the backend as a process of its own; resolves to {url, port, log(), reset(), stop()}.
export async function spawnBackend(args = []) {
  const { spawn } = await import('node:child_process');
  const proc = spawn(process.execPath, [new URL(import.meta.url).pathname, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => { out += d; const m = /port (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    proc.on('exit', (c) => reject(new Error(`ml backend exited ${c}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const exited = new Promise((r) => proc.on('exit', r));
  return {
    port, base,
    url: `http://localhost:${port}`,
    log: async () => (await fetch(`${base}/_log`)).json(),
    stats: async () => (await fetch(`${base}/_stats`)).json(),
    reset: async () => (await fetch(`${base}/_reset`, { method: 'POST' })).json(),
    stop: async () => { proc.kill('SIGTERM'); await exited; },
  };
}
