// Task listing latency of the data manager on a large project: seeds N tasks
// through the API (POST /projects/{id}/tasks, 10,000 at a time; one task in
// 1000 carries the word "needle"), then walks P pages of 50 with each filter
// by keyset cursor and prints p50/p99 page latency. The rare-text query
// shows the cost of the unindexed substring search (a page scans until it
// has 50 matches). The table view, the other orders and the people filter
// are the data manager page's queries. The floor is the same keyset page
// read straight from the SQLite file by Python's sqlite3 (no HTTP, no
// JSON), in the same run: the ratio is what the server adds.
// Usage: LABELFLOW_BIN=build-dev/labelflow
//   node bench/data-manager.mjs [tasks=100000] [pages=40]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, ADMIN } from '../tests/api/lib.mjs';

// Python walks the same pages by the same keysets, 50 rows of every column.
const FLOOR = `
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1]); pid = int(sys.argv[2]); pages = int(sys.argv[3])
def walk(sql, first, nxt):
    ms, args = [], first
    for _ in range(pages):
        t = time.perf_counter(); rows = db.execute(sql, (pid,) + args).fetchall()
        ms.append((time.perf_counter() - t) * 1000)
        if len(rows) < 50: break
        args = nxt(rows[-1])
    ms.sort(); return ms[len(ms) // 2]
by_id = walk("SELECT * FROM tasks WHERE project_id = ? AND id > ? ORDER BY id LIMIT 50", (0,), lambda r: (r[0],))
by_upd = walk("SELECT * FROM tasks WHERE project_id = ? AND (updated_at, id) < (?, ?) ORDER BY updated_at DESC, id DESC LIMIT 50",
              (2**63 - 1, 2**63 - 1), lambda r: (r[-1], r[0]))
print(f"{by_id:.2f} {by_upd:.2f}")
`;

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
  const queries = {
    'all, by id': '',
    'state=queued_l1': 'state=queued_l1',
    'q=needle (1 in 1000)': 'q=needle',
    updated_since: `updated_since=${t0}`,
    'table, by id': 'view=table',
    'table, -updated_at': 'view=table&sort=-updated_at',
    'table, priority': 'view=table&sort=priority',
    'table, annotator=1': 'view=table&annotator=1',
    'table, state=accepted (0)': 'view=table&state=accepted',
    'table, assignee=1 (0)': 'view=table&assignee=1',
  };
  const p50 = {};
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
    p50[name] = Number(pct(0.5));
    console.log(`${name.padEnd(24)} pages ${String(ms.length).padStart(3)}  p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms`);
  }
  if (!process.env.LABELFLOW_TEST_PG) {
    const f = spawnSync('python3', ['-c', FLOOR, join(srv.dir, 'labelflow.db'), String(pid), String(pages)], { encoding: 'utf8' });
    if (f.status !== 0) throw new Error(`floor: ${f.stderr}`);
    const [id, upd] = f.stdout.trim().split(' ').map(Number);
    console.log(`floor (sqlite3, no HTTP): by id p50 ${id} ms, -updated_at p50 ${upd} ms`);
    console.log(`ratio to floor: all, by id ${(p50['all, by id'] / id).toFixed(1)}x; table, -updated_at ${(p50['table, -updated_at'] / upd).toFixed(1)}x`);
  }
} finally {
  await srv.stop();
}
