/*
 * store.c - transactions, the driver-neutral query helpers and migrations.
 */
#include "core/log.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lf_store {
	const lf_db_driver *drv;
	void *impl;
	uint64_t serial;
	const lf_migration *migrations;
	int nmigrations;
};

struct lf_tx {
	lf_store *s;
	void *conn;
	lf_arena *arena;
	int own_arena; /* created on demand for a caller that gave none */
};

static int tx_release(lf_tx *tx, int commit);
static int db_failed(lf_tx *tx, const char *sql, int ret);

int lf_store_open(const char *url, int readers, lf_store **out, char *err, size_t errlen)
{
	return lf_store_open_opts(url, readers, NULL, out, err, errlen);
}

int lf_store_open_opts(const char *url, int readers, const lf_store_opts *opts, lf_store **out,
		       char *err, size_t errlen)
{
	static const lf_store_opts defaults = {.statement_timeout_ms =
						   LF_STORE_STATEMENT_TIMEOUT_MS};
	const char *path = url;
	int pg = strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
	if (strncmp(url, "sqlite:", 7) == 0)
		path = url + 7;
	if (*path == '\0') {
		snprintf(err, errlen, "empty database path in '%s'", url);
		return LF_ERR_INVALID;
	}
	lf_store *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return LF_ERR_NOMEM;
	static uint64_t opened;
	s->serial = __atomic_add_fetch(&opened, 1, __ATOMIC_RELAXED);
	s->drv = pg ? &lf_db_pg : &lf_db_sqlite;
	s->migrations = pg ? lf_migrations_pg : lf_migrations_sqlite;
	s->nmigrations = pg ? lf_migrations_pg_count : lf_migrations_sqlite_count;
	int ret = s->drv->open(path, readers, opts ? opts : &defaults, &s->impl, err, errlen);
	if (ret != LF_OK) {
		free(s);
		return ret;
	}
	*out = s;
	return LF_OK;
}

void lf_store_close(lf_store *s)
{
	if (s == NULL)
		return;
	s->drv->close(s->impl);
	free(s);
}

int lf_store_begin(lf_store *s, int mode, lf_arena *arena, lf_tx **out)
{
	lf_tx *tx = malloc(sizeof(*tx));
	if (tx == NULL)
		return LF_ERR_NOMEM;
	tx->s = s;
	tx->arena = arena;
	tx->own_arena = 0;
	int ret = s->drv->begin(s->impl, mode, &tx->conn);
	if (ret != LF_OK) {
		free(tx);
		return ret;
	}
	*out = tx;
	return LF_OK;
}

static int tx_release(lf_tx *tx, int commit)
{
	int ret = LF_OK;
	if (commit)
		ret = tx->s->drv->commit(tx->s->impl, tx->conn);
	else
		tx->s->drv->rollback(tx->s->impl, tx->conn);
	if (tx->own_arena)
		lf_arena_destroy(tx->arena);
	free(tx);
	return ret;
}

struct write_call {
	lf_store *s;
	lf_arena *arena;
	int (*fn)(lf_tx *tx, void *ud);
	void *ud;
};

static int write_adapter(void *conn, void *ud)
{
	struct write_call *c = ud;
	lf_tx tx = {.s = c->s, .conn = conn, .arena = c->arena, .own_arena = 0};
	int ret = c->fn(&tx, c->ud);
	if (tx.own_arena)
		lf_arena_destroy(tx.arena);
	return ret;
}

int lf_store_write(lf_store *s, lf_arena *arena, int (*fn)(lf_tx *tx, void *ud), void *ud)
{
	struct write_call c = {.s = s, .arena = arena, .fn = fn, .ud = ud};
	return s->drv->run_write(s->impl, write_adapter, &c);
}

int lf_store_commit(lf_tx *tx)
{
	return tx_release(tx, 1);
}

void lf_store_rollback(lf_tx *tx)
{
	if (tx != NULL)
		tx_release(tx, 0);
}

/* A transaction begun without an arena gets one when a row is first
 * copied; it lives until the transaction ends. */
int lf_store_single_writer(const lf_store *s)
{
	return s->drv == &lf_db_sqlite;
}

uint64_t lf_store_serial(const lf_tx *tx)
{
	return tx->s->serial;
}

lf_arena *lf_store_arena(lf_tx *tx)
{
	if (tx->arena == NULL && (tx->arena = lf_arena_create()) != NULL)
		tx->own_arena = 1;
	return tx->arena;
}

/* SQLite's group commit already amortizes the sync; PostgreSQL flushes
 * WAL at every commit unless told otherwise for this transaction, which
 * pg.c does in the COMMIT's own round trip. */
void lf_store_tx_relaxed(lf_tx *tx)
{
	if (tx->s->drv->relax != NULL)
		tx->s->drv->relax(tx->conn);
}

int lf_db_is_sqlite(const lf_tx *tx)
{
	return tx->s->drv == &lf_db_sqlite;
}

/* A statement the database failed for its own reasons (a constraint is
 * the caller's business, LF_ERR_CONFLICT) goes to the operator's log in
 * the driver's words: clients are told only that the database failed. */
static int db_failed(lf_tx *tx, const char *sql, int ret)
{
	if (ret == LF_ERR_DB)
		lf_log(LF_LOG_ERROR, "database error: %s\n  in: %.120s",
		       tx->s->drv->errmsg(tx->conn), sql);
	return ret;
}

int lf_db_exec(lf_tx *tx, const char *sql, const lf_val *p, int n, int64_t *changes)
{
	return db_failed(tx, sql, tx->s->drv->exec(tx->conn, sql, p, n, changes));
}

int lf_db_exec_later(lf_tx *tx, const char *sql, const lf_val *p, int n, int one)
{
	int64_t changes = 0;
	if (tx->s->drv->exec_later != NULL)
		return db_failed(tx, sql, tx->s->drv->exec_later(tx->conn, sql, p, n, one));
	int ret = lf_db_exec(tx, sql, p, n, &changes);
	return ret == LF_OK && one && changes != 1 ? LF_ERR_CONFLICT : ret;
}

int lf_db_query(lf_tx *tx, const char *sql, const lf_val *p, int n, lf_rows **out)
{
	return db_failed(tx, sql, tx->s->drv->query(tx->conn, sql, p, n, out));
}

int lf_db_script(lf_tx *tx, const char *sql)
{
	return tx->s->drv->script(tx->conn, sql);
}

int lf_rows_next(lf_rows *r)
{
	return r->drv->next(r);
}

int64_t lf_rows_int(lf_rows *r, int col)
{
	return r->drv->col_int(r, col);
}

const char *lf_rows_text(lf_rows *r, int col)
{
	return r->drv->col_text(r, col);
}

int lf_rows_null(lf_rows *r, int col)
{
	return r->drv->col_null(r, col);
}

void lf_rows_close(lf_rows *r)
{
	if (r != NULL)
		r->drv->close_rows(r);
}

char *lf_rows_dup(lf_tx *tx, lf_rows *r, int col)
{
	const char *t = lf_rows_text(r, col);
	lf_arena *a = lf_store_arena(tx);
	return t == NULL || a == NULL ? NULL : lf_arena_strdup(a, t);
}

void *lf_db_grow(lf_tx *tx, void *arr, int count, int *cap, size_t elem)
{
	if (arr != NULL && count < *cap)
		return arr;
	int ncap = *cap > 0 ? *cap * 2 : 16;
	lf_arena *a = lf_store_arena(tx);
	void *n = a ? lf_arena_alloc(a, elem * (size_t)ncap) : NULL;
	if (n == NULL)
		return NULL;
	if (arr != NULL)
		memcpy(n, arr, elem * (size_t)count);
	*cap = ncap;
	return n;
}

int lf_db_query_one(lf_tx *tx, const char *sql, const lf_val *p, int n, lf_row_fill fill, void *out)
{
	lf_rows *r = NULL;
	int ret = lf_db_query(tx, sql, p, n, &r);
	if (ret != LF_OK)
		return ret;
	int rc = lf_rows_next(r);
	if (rc == 1)
		fill(tx, r, out);
	lf_rows_close(r);
	return rc == 1 ? LF_OK : rc == 0 ? LF_ERR_NOTFOUND : rc;
}

int lf_db_query_list(lf_tx *tx, const char *sql, const lf_val *p, int n, lf_row_fill fill,
		     size_t elem, int limit, void **items, int *count)
{
	lf_rows *r = NULL;
	char *out = NULL;
	int rc = 0, cnt = 0, cap = 0;
	int ret = lf_db_query(tx, sql, p, n, &r);
	if (ret != LF_OK)
		return ret;
	while ((limit == 0 || cnt < limit) && (rc = lf_rows_next(r)) == 1) {
		if ((out = lf_db_grow(tx, out, cnt, &cap, elem)) == NULL) {
			rc = LF_ERR_NOMEM;
			break;
		}
		fill(tx, r, out + elem * (size_t)cnt++);
	}
	if (limit != 0 && cnt == limit)
		rc = 0;
	lf_rows_close(r);
	*items = out;
	*count = cnt;
	return rc < 0 ? rc : LF_OK;
}

int lf_db_query_int(lf_tx *tx, const char *sql, const lf_val *p, int n, int64_t *out)
{
	lf_rows *r = NULL;
	int ret = lf_db_query(tx, sql, p, n, &r);
	if (ret != LF_OK)
		return ret;
	int rc = lf_rows_next(r);
	if (rc == 1)
		*out = lf_rows_int(r, 0);
	ret = rc == 1 ? LF_OK : rc == 0 ? LF_ERR_NOTFOUND : rc;
	lf_rows_close(r);
	return ret;
}

int lf_store_ping(lf_store *s)
{
	lf_tx *tx;
	int64_t one = 0;
	int ret = lf_store_begin(s, LF_TX_READ, NULL, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_db_query_int(tx, "SELECT 1", NULL, 0, &one);
	lf_store_rollback(tx);
	return ret == LF_OK && one == 1 ? LF_OK : LF_ERR_DB;
}

int lf_store_schema_version(lf_store *s, int *version)
{
	lf_tx *tx;
	int64_t v = 0;
	int ret = lf_store_begin(s, LF_TX_READ, NULL, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_db_query_int(tx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL,
			      0, &v);
	lf_store_rollback(tx);
	*version = (int)v;
	return ret;
}

/*
 * Each migration runs in its own write transaction together with its
 * schema_migrations row, so a crash mid-way leaves either the old or the
 * new version, never half of one. Two processes starting at once are
 * serialized (SQLite: by the write transaction; PostgreSQL: by an advisory
 * lock taken first, as its DDL does not block a concurrent CREATE); the
 * loser re-reads the version.
 */
int lf_store_migrate(lf_store *s, int *applied)
{
	static const char create[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
				     " version INTEGER PRIMARY KEY,"
				     " name TEXT NOT NULL,"
				     " applied_at INTEGER NOT NULL)";
	int ret = LF_OK, count = 0;
	for (int i = 0; i < s->nmigrations; i++) {
		const lf_migration *m = &s->migrations[i];
		lf_tx *tx = NULL;
		int64_t have = 0;
		if ((ret = lf_store_begin(s, LF_TX_WRITE, NULL, &tx)) != LF_OK)
			goto cleanup;
		if (!lf_db_is_sqlite(tx) &&
		    (ret = lf_db_script(tx, "SELECT pg_advisory_xact_lock(7305762)")) != LF_OK)
			goto fail_tx;
		if ((ret = lf_db_script(tx, create)) != LF_OK)
			goto fail_tx;
		lf_val p[] = {LF_VINT(m->version)};
		ret = lf_db_query_int(
		    tx, "SELECT COUNT(*) FROM schema_migrations WHERE version = $1", p, 1, &have);
		if (ret != LF_OK)
			goto fail_tx;
		if (have > 0) {
			lf_store_rollback(tx);
			continue;
		}
		if ((ret = lf_db_script(tx, m->sql)) != LF_OK)
			goto fail_tx;
		lf_val ins[] = {LF_VINT(m->version), LF_VTEXT(m->name), LF_VINT(lf_now_ms())};
		ret = lf_db_exec(tx,
				 "INSERT INTO schema_migrations (version, name, applied_at)"
				 " VALUES ($1, $2, $3)",
				 ins, 3, NULL);
		if (ret != LF_OK)
			goto fail_tx;
		if ((ret = lf_store_commit(tx)) != LF_OK)
			goto cleanup;
		count++;
		continue;
	fail_tx:
		lf_store_rollback(tx);
		goto cleanup;
	}
cleanup:
	if (applied != NULL)
		*applied = count;
	return ret;
}
