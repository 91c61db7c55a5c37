// bench/pg/claim-submit.sql is generated from what the server sends for one
// claim and one submit (bench/pgbench-claim.sh generate); this fails, naming
// the first differing line, when the committed file is not what the build
// under test generates, so the pgbench floor cannot drift from the server.
// On PostgreSQL runs only (the check starts a logging cluster of its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, PG } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pgbench = spawnSync('sh', ['-c', 'command -v pgbench'], { encoding: 'utf8' }).status === 0;

test('bench/pg/claim-submit.sql is what the current build generates', { skip: (!PG && 'needs LABELFLOW_TEST_PG') || (!pgbench && 'needs pgbench'), timeout: 300000 }, () => {
  const r = spawnSync(join(root, 'bench', 'pgbench-claim.sh'), ['check'], {
    env: { ...process.env, LABELFLOW_BIN: BIN },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr.split('\n').filter((l) => !/^pg-cluster:/.test(l)).join('\n')}`);
});
