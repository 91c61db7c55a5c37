// Task listing latency of the data manager on a large project: seeds N tasks
// through the API (POST /projects/{id}/tasks, 10,000 at a time; one task in
// 1000 carries the word "needle"), then walks P pages of 50 with each filter
// by keyset cursor and prints p50/p99 page latency. The rare-text query
// shows the cost of the unindexed substring search (a page scans until it
// has 50 matches). Usage: LABELFLOW_BIN=build-dev/labelflow
//   node bench/data-manager.mjs [tasks=100000] [pages=40]
import { startServer, ADMIN } from '../tests/api/lib.mjs';

const n = Number(process.argv[2] || 100000);
const pages = Number(process.argv[3] || 40);
const srv = await startServer();
try {
  const admin = await srv.login(ADMIN.email, ADMIN.password);
  const token = admin.access_token;
  const p = await srv.api('POST', '/api/v1/projects', {
    token,
    body: { name: 'bench', label_config: '<View><Text name="text" value="$text"/><Labels name="l" toName="text"><Label value="PER"/></Labels></View>' },
  });
  const pid = p.body.id;
  const t0 = Date.now();
  for (let done = 0; done < n; ) {
    const k = Math.min(10000, n - done);
    const tasks = Array.from({ length: k }, (_, j) => {
      const i = done + j;
      return { data: { text: `Task ${i}: Alice works at Acme in Berlin${i % 1000 === 999 ? ' needle' : ''}.` } };
    });
    const r = await srv.api('POST', `/api/v1/projects/${pid}/tasks`, { token, body: { tasks } });
    if (r.status !== 201) throw new Error(`seed: ${r.status} ${JSON.stringify(r.body)}`);
    done += k;
  }
  console.log(`seeded ${n} tasks in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const queries = { 'all, by id': '', 'state=queued_l1': 'state=queued_l1', 'q=needle (1 in 1000)': 'q=needle', 'updated_since': `updated_since=${t0}` };
  for (const [name, q] of Object.entries(queries)) {
    const ms = [];
    let cursor = '';
    for (let i = 0; i < pages; i++) {
      const s = process.hrtime.bigint();
      const r = await srv.api('GET', `/api/v1/projects/${pid}/tasks?limit=50&${q}${cursor ? '&cursor=' + cursor : ''}`, { token });
      ms.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (r.status !== 200) throw new Error(`${name}: ${r.status}`);
      if (!r.body.next_cursor) break;
      cursor = r.body.next_cursor;
    }
    ms.sort((a, b) => a - b);
    const pct = (x) => ms[Math.min(ms.length - 1, Math.floor(x * ms.length))].toFixed(1);
    console.log(`${name.padEnd(24)} pages ${String(ms.length).padStart(3)}  p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms`);
  }
} finally {
  await srv.stop();
}
