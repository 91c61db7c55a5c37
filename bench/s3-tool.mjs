// bench/s3-tool.mjs - the bucket side of bench/bucket-sync.sh, talking to
// s3rver anonymously (it takes unsigned requests) with Node's fetch:
//   fill URL BUCKET PREFIX N FILE [parallel=32]  PUT FILE as N objects
//   list URL BUCKET PREFIX                         one ListObjectsV2 pass
//   read URL BUCKET PREFIX [parallel=4]            list, then GET the first
//                                                  64 KiB of every object
// Each prints one line: the object count.
const [mode, base, bucket, prefix, ...rest] = process.argv.slice(2);
const { readFileSync } = await import('node:fs');

async function pool(n, parallel, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let i; (i = next++) < n;) await fn(i);
  }));
}

async function list(onKey) {
  let token = null, count = 0;
  do {
    const q = new URLSearchParams({ 'list-type': '2', 'max-keys': '1000', prefix });
    if (token) q.set('continuation-token', token);
    const r = await fetch(`${base}/${bucket}?${q}`);
    if (r.status !== 200) throw new Error(`list: ${r.status}`);
    const xml = await r.text();
    for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) { count++; if (onKey) onKey(m[1]); }
    const t = xml.match(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/);
    token = t ? t[1].replace(/&amp;/g, '&') : null;
  } while (token);
  return count;
}

if (mode === 'fill') {
  const [n, file, parallel = '32'] = rest;
  const body = readFileSync(file);
  await pool(Number(n), Number(parallel), async (i) => {
    const key = `${prefix}${String(Math.floor(i / 1000)).padStart(3, '0')}/${String(i).padStart(6, '0')}.png`;
    const r = await fetch(`${base}/${bucket}/${key}`, { method: 'PUT', body });
    if (r.status !== 200) throw new Error(`put ${key}: ${r.status}`);
    await r.arrayBuffer();
  });
  console.log(n);
} else if (mode === 'list') {
  console.log(await list());
} else if (mode === 'read') {
  const keys = [];
  await list((k) => keys.push(k));
  await pool(keys.length, Number(rest[0] || 4), async (i) => {
    const r = await fetch(`${base}/${bucket}/${keys[i]}`, { headers: { range: 'bytes=0-65535' } });
    await r.arrayBuffer();
  });
  console.log(keys.length);
} else {
  throw new Error(`usage: s3-tool.mjs fill|list|read URL BUCKET PREFIX ...`);
}
