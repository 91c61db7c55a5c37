// The one configuration table (src/config/config.c) as users see it:
// the committed reference, `labelflow --help`, `labelflow config`, and
// what the program does with unknown and invalid variables.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, startServer } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const reference = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
const documented = [...reference.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);

test('docs/configuration.md is what the table generates (rerun `labelflow config --markdown > docs/configuration.md`)', () => {
  const r = cli(['config', '--markdown']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, reference);
  assert.ok(documented.includes('LABELFLOW_LOG_FORMAT'));
});

test('--help lists every documented variable and flag', () => {
  const r = cli(['--help']);
  assert.equal(r.status, 0);
  for (const name of documented) assert.match(r.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
  for (const [, flag] of reference.matchAll(/^\| `[A-Z0-9_]+` \| `(--[a-z-]+)` \|/gm))
    assert.match(r.stdout, new RegExp(`, ${flag}\\n`), flag);
});

test('labelflow config prints the effective values, flags over environment, secrets masked', () => {
  const r = cli(['config', '--threads', '7'], {
    env: { LABELFLOW_THREADS: '3', LABELFLOW_DB: 'postgres://lf:s3cret-pw@db/lf', LABELFLOW_JWT_SECRET: 'jwt-very-secret' },
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, documented.length);
  assert.ok(lines.includes('LABELFLOW_THREADS=7'));
  assert.ok(lines.includes('LABELFLOW_DB=postgres://lf:***@db/lf'));
  assert.ok(lines.includes('LABELFLOW_JWT_SECRET=***'));
  assert.doesNotMatch(r.stdout, /s3cret-pw|jwt-very-secret/);
});

test('invalid values are refused with exit status 2 naming the variable', () => {
  for (const [name, value, why] of [
    ['LABELFLOW_THREADS', 'many', /LABELFLOW_THREADS must be an integer in 1\.\.256, got 'many'/],
    ['LABELFLOW_SWEEP_MS', '0', /LABELFLOW_SWEEP_MS must be an integer in 1\.\.1000000000, got '0'/],
    ['LABELFLOW_ACCESS_LOG', 'perhaps', /LABELFLOW_ACCESS_LOG must be 0 or 1/],
    ['LABELFLOW_LOG_FORMAT', 'xml', /LABELFLOW_LOG_FORMAT must be one of text\|json, got 'xml'/],
  ]) {
    const r = cli(['serve', '--listen', '127.0.0.1:0'], { env: { [name]: value } });
    assert.equal(r.status, 2, `${name}=${value}: ${r.stderr}`);
    assert.match(r.stderr, why);
  }
  const flag = cli(['serve', '--threads', '0']);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--threads must be an integer in 1\.\.256, got '0'/);
});

test('an unknown LABELFLOW_* variable is warned about at start, with the likely name', async () => {
  const srv = await startServer({ env: { LABELFLOW_ACCES_TTL: '60' } });
  try {
    assert.match(srv.log(), /labelflow: warning: unknown variable LABELFLOW_ACCES_TTL ignored \(did you mean LABELFLOW_ACCESS_TTL\?\)/);
  } finally {
    await srv.stop();
  }
});
