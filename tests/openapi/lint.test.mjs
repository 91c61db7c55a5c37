// openapi/openapi.yaml passes `redocly lint` with the recommended rules,
// every warning an error (redocly.yaml beside this file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

test('redocly lint finds no problem in openapi/openapi.yaml', () => {
  const r = spawnSync(join(here, 'node_modules', '.bin', 'redocly'),
    ['lint', join(here, '..', '..', 'openapi', 'openapi.yaml'), '--config', join(here, 'redocly.yaml'), '--format=stylish'],
    { encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, timeout: 120000 });
  assert.equal(r.status, 0, `redocly lint failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout + r.stderr, /Your API description is valid/);
});
