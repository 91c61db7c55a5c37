// pg-boss peer figure for bench/claim-pg.sh: WORKERS concurrent loops of
// boss.fetch(queue, {batchSize: 1}) + boss.complete(queue, id) for SECONDS
// or until the queue is empty. Prints jobs/s and latency percentiles of a
// fetch+complete pair; the last line is a k=v summary.
//
// Two modes, because pg-boss 10's fetch sorts every queued job of the queue
// (its index job_i5 is on (name, start_after), the fetch orders by
// priority, created_on, id), so its speed depends on the backlog:
//   backlog JOBS: JOBS jobs inserted in bulk (boss.insert) before the run
//   standing DEPTH: a producer tops the queue up to DEPTH jobs while the
//                   workers run (a queue kept short, as pg-boss expects)
//
// Run by bench/pgboss.sh, which installs bench/pgboss/package-lock.json
// outside the tree and points NODE_PATH at it.
//
//   node fetch-complete.cjs URL backlog|standing JOBS|DEPTH [workers=16] [seconds=20]
'use strict';
const PgBoss = require('pg-boss');

const [url, mode, countArg, workersArg, secondsArg] = process.argv.slice(2);
const COUNT = Number(countArg);
const WORKERS = Number(workersArg || 16);
const SECONDS = Number(secondsArg || 20);
const QUEUE = `claim-bench-${mode}`;
const INSERT_CHUNK = 5000;

function pct(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function insert(boss, first, n) {
  for (let i = 0; i < n; i += INSERT_CHUNK) {
    const k = Math.min(INSERT_CHUNK, n - i);
    await boss.insert(Array.from({ length: k }, (_, j) => ({ name: QUEUE, data: { task: first + i + j } })));
  }
}

async function main() {
  if (!url || (mode !== 'backlog' && mode !== 'standing') || !(COUNT > 0)) {
    throw new Error('usage: fetch-complete.cjs URL backlog|standing COUNT [workers] [seconds]');
  }
  // One connection per worker (LabelFlow's pool gives each request one),
  // one more for the producer; maintenance and cron off so that only
  // fetch, complete and insert run during the measurement.
  const boss = new PgBoss({ connectionString: url, max: WORKERS + 1, supervise: false, schedule: false });
  boss.on('error', (err) => console.error('pg-boss error:', err.message));
  await boss.start();
  await boss.createQueue(QUEUE);

  let t0 = process.hrtime.bigint();
  await insert(boss, 0, COUNT);
  let inserted = COUNT;
  const insertMs = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`inserted:         ${COUNT} jobs with boss.insert (chunks of ${INSERT_CHUNK}) in ${insertMs.toFixed(0)} ms`);

  const lat = [];
  let done = 0;
  let drained = false;
  let errors = 0;
  const deadline = Date.now() + SECONDS * 1000;
  async function worker() {
    while (Date.now() < deadline) {
      const s = process.hrtime.bigint();
      let jobs;
      try {
        jobs = await boss.fetch(QUEUE, { batchSize: 1 });
      } catch (err) {
        errors++;
        continue;
      }
      if (!jobs || jobs.length === 0) {
        if (mode === 'backlog') {
          drained = true;
          return;
        }
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      try {
        await boss.complete(QUEUE, jobs[0].id);
      } catch (err) {
        errors++;
        continue;
      }
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      done++;
    }
  }
  async function producer() {
    while (Date.now() < deadline) {
      const missing = COUNT - (inserted - done);
      if (missing >= COUNT / 10) {
        await insert(boss, inserted, missing);
        inserted += missing;
      } else {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  t0 = process.hrtime.bigint();
  const loops = Array.from({ length: WORKERS }, worker);
  if (mode === 'standing') loops.push(producer());
  await Promise.all(loops);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  const queued = await boss.getQueueSize(QUEUE);
  await boss.stop({ graceful: false, wait: true });

  const jps = done / wall;
  const max = lat.length ? lat[lat.length - 1] : 0;
  console.log(`workers:          ${WORKERS}`);
  console.log(`jobs:             ${done} fetched and completed${drained ? ' (queue drained)' : ''}, ${errors} errors, ${queued} still queued`);
  console.log(`wall:             ${wall.toFixed(3)} s`);
  console.log(`jobs/s:           ${jps.toFixed(1)}`);
  console.log(`pair ms:          p50 ${pct(lat, 50).toFixed(2)}  p90 ${pct(lat, 90).toFixed(2)}  p99 ${pct(lat, 99).toFixed(2)}  max ${max.toFixed(2)}`);
  console.log(`pgboss ${mode}: ${mode === 'backlog' ? 'jobs' : 'depth'}=${COUNT} workers=${WORKERS} completed=${done} errors=${errors} ` +
    `wall=${wall.toFixed(3)} jobs_per_s=${jps.toFixed(1)} p50_ms=${pct(lat, 50).toFixed(2)} ` +
    `p90_ms=${pct(lat, 90).toFixed(2)} p99_ms=${pct(lat, 99).toFixed(2)} max_ms=${max.toFixed(2)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
