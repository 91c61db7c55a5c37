// PostgreSQL only: the server's pooled connections are killed by the
// database (a restart, an operator, an idle-connection reaper); the next
// requests, reads and writes, are served on fresh connections, not failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ADMIN, PG, sql, createUser } from './lib.mjs';

test('requests after the database dropped every connection still succeed', { skip: !PG && 'needs LABELFLOW_TEST_PG' }, async () => {
  const srv = await startServer({ env: { LABELFLOW_THREADS: '4', LABELFLOW_DB_POOL: '4', LABELFLOW_JOB_THREADS: '0' } });
  try {
    const admin = await srv.login(ADMIN.email, ADMIN.password);
    // Use every pooled connection once, so all of them are open.
    await Promise.all(Array.from({ length: 8 }, () => srv.api('GET', '/api/v1/users', { token: admin.access_token })));
    const name = new URL(srv.db).pathname.slice(1);
    const killed = Number(sql(PG, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
      WHERE datname = '${name}' AND application_name = 'labelflow'`).trim());
    assert.ok(killed >= 1, 'no server connection was open');
    for (let i = 0; i < 8; i++) {
      const me = await srv.api('GET', '/api/v1/me', { token: admin.access_token });
      assert.equal(me.status, 200, JSON.stringify(me.body));
    }
    const u = await createUser(srv, admin.access_token, 'annotator');
    assert.ok(u.id > 0);
    const list = await srv.api('GET', '/api/v1/users', { token: admin.access_token });
    assert.equal(list.status, 200);
    assert.ok(list.body.items.some((x) => x.id === u.id));
  } finally {
    await srv.stop();
  }
});
