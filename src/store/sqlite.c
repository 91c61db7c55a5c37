/*
 * sqlite.c - the embedded SQLite driver of the store.
 *
 * One writer connection behind a mutex and a pool of reader connections.
 * SQLite admits one writer at a time anyway; serializing writers in-process
 * means a writer never spins on busy_timeout against another thread, and
 * readers under WAL never block the writer. busy_timeout still covers
 * other processes (e.g. `labelflow user add` while the server runs).
 *
 * This file is the driver: connections, the statement cache, binding,
 * cursors, the reader pool and checkpoints. The writer's group commit (who
 * holds the write connection, when its batch commits) is sqlite_writer.c.
 */
#include "core/log.h"
#include "store/sqlite_int.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "metrics/metrics.h"

/* Checkpoints run on a connection of their own in a background thread, so
 * the writer never stalls copying the WAL back into the database. */
#define CHECKPOINT_FRAMES 2000

struct checkpointer {
	struct conn c;
	pthread_t thread;
	pthread_mutex_t m;
	pthread_cond_t cond;
	int pending, stop, running;
};

struct sqlite_db {
	struct writer w;
	struct checkpointer cp;
	pthread_mutex_t rlock;
	pthread_cond_t rcond;
	struct conn *readers;
	struct conn *free_readers;
	int nreaders;
};

static int sq_open(const char *target, int readers, const lf_store_opts *opts, void **out,
		   char *err, size_t errlen);
static void sq_close(void *impl);
static int sq_begin(void *impl, int mode, void **conn);
static int sq_commit(void *impl, void *conn);
static void sq_rollback(void *impl, void *conn);
static int sq_exec(void *conn, const char *sql, const lf_val *p, int n, int64_t *changes);
static int sq_query(void *conn, const char *sql, const lf_val *p, int n, lf_rows **out);
static int sq_next(lf_rows *r);
static int64_t sq_col_int(lf_rows *r, int col);
static const char *sq_col_text(lf_rows *r, int col);
static int sq_col_null(lf_rows *r, int col);
static void sq_close_rows(lf_rows *r);
static int sq_script(void *conn, const char *sql);
static const char *sq_errmsg(void *conn);
static int sq_run_write(void *impl, int (*fn)(void *conn, void *ud), void *ud);
static int conn_open(struct conn *c, const char *path, int readonly, char *err, size_t errlen);
static void conn_close(struct conn *c);
static int conn_prepare(struct conn *c, const char *sql, struct stmt_slot **out);
static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames);
static void *checkpoint_main(void *arg);
static int bind_all(sqlite3_stmt *st, const lf_val *p, int n);
static int map_rc(int rc);
static int mkdir_parents(const char *path);

const lf_db_driver lf_db_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .exec = sq_exec,
    .query = sq_query,
    .next = sq_next,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_null = sq_col_null,
    .close_rows = sq_close_rows,
    .script = sq_script,
    .errmsg = sq_errmsg,
    .run_write = sq_run_write,
};

static int map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW: return LF_OK;
	case SQLITE_CONSTRAINT: return LF_ERR_CONFLICT;
	case SQLITE_NOMEM: return LF_ERR_NOMEM;
	default: return LF_ERR_DB;
	}
}

/* Creates the folders leading to a database file, like mkdir -p. */
static int mkdir_parents(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);
	if (len >= sizeof(buf))
		return LF_ERR_INVALID;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return LF_ERR_IO;
		*p = '/';
	}
	return LF_OK;
}

/*
 * Durability choices, made once per connection:
 * - WAL lets readers run beside the single writer.
 * - synchronous=NORMAL in WAL mode fsyncs at checkpoints, not at every
 *   commit: a committed transaction survives a process crash (kill -9);
 *   only an OS crash or power loss can roll back the last few commits, and
 *   the database stays consistent either way.
 * - foreign_keys is off by default in SQLite; we rely on it.
 */
static int conn_open(struct conn *c, const char *path, int readonly, char *err, size_t errlen)
{
	/* The writer keeps a large page cache (it touches the hot index pages
	 * of every transition); readers, one per server thread, a small one. */
	const char *pragmas = readonly ? "PRAGMA journal_mode=WAL;"
					 "PRAGMA synchronous=NORMAL;"
					 "PRAGMA foreign_keys=ON;"
					 "PRAGMA temp_store=MEMORY;"
					 "PRAGMA cache_size=-4000;"
				       : "PRAGMA journal_mode=WAL;"
					 "PRAGMA synchronous=NORMAL;"
					 "PRAGMA foreign_keys=ON;"
					 "PRAGMA temp_store=MEMORY;"
					 "PRAGMA cache_size=-32000;"
					 "PRAGMA wal_autocheckpoint=0;";
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	memset(c, 0, sizeof(*c));
	int rc = sqlite3_open_v2(path, &c->h, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(c->h, 5000);
	if (sqlite3_exec(c->h, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot configure %s: %s", path, sqlite3_errmsg(c->h));
		goto fail;
	}
	return LF_OK;
fail:
	sqlite3_close(c->h);
	c->h = NULL;
	return LF_ERR_DB;
}

static void conn_close(struct conn *c)
{
	if (c->h == NULL)
		return;
	for (int i = 0; i < STMT_CACHE; i++)
		sqlite3_finalize(c->cache[i].st);
	sqlite3_close(c->h);
	c->h = NULL;
}

/*
 * Process-wide settings, applied once before the first connection opens:
 * memory statistics cost a global mutex on every SQLite allocation, a
 * contention point between threads that buys us nothing.
 */
static void sqlite_global_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

static int sq_open(const char *target, int readers, const lf_store_opts *opts, void **out,
		   char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int ret = LF_ERR_DB;
	pthread_once(&once, sqlite_global_init);
	struct sqlite_db *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return LF_ERR_NOMEM;
	if (readers < 1)
		readers = 1;
	if (mkdir_parents(target) != LF_OK) {
		snprintf(err, errlen, "cannot create the folder of %s", target);
		ret = LF_ERR_IO;
		goto cleanup;
	}
	lf_sqlite_writer_init(&d->w);
	pthread_mutex_init(&d->cp.m, NULL);
	pthread_cond_init(&d->cp.cond, NULL);
	pthread_mutex_init(&d->rlock, NULL);
	pthread_cond_init(&d->rcond, NULL);
	if ((ret = conn_open(&d->w.c, target, 0, err, errlen)) != LF_OK ||
	    (ret = conn_open(&d->cp.c, target, 1, err, errlen)) != LF_OK)
		goto cleanup;
	sqlite3_wal_hook(d->w.c.h, wal_hook, &d->cp);
	if (pthread_create(&d->cp.thread, NULL, checkpoint_main, &d->cp) != 0) {
		snprintf(err, errlen, "cannot start the checkpoint thread");
		ret = LF_ERR_INTERNAL;
		goto cleanup;
	}
	d->cp.running = 1;
	d->readers = calloc((size_t)readers, sizeof(*d->readers));
	if (d->readers == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	for (int i = 0; i < readers; i++) {
		if ((ret = conn_open(&d->readers[i], target, 1, err, errlen)) != LF_OK)
			goto cleanup;
		d->readers[i].next_free = d->free_readers;
		d->free_readers = &d->readers[i];
		d->nreaders++;
	}
	*out = d;
	return LF_OK;
cleanup:
	sq_close(d);
	return ret;
}

static void sq_close(void *impl)
{
	struct sqlite_db *d = impl;
	if (d == NULL)
		return;
	if (d->cp.running) {
		pthread_mutex_lock(&d->cp.m);
		d->cp.stop = 1;
		pthread_cond_signal(&d->cp.cond);
		pthread_mutex_unlock(&d->cp.m);
		pthread_join(d->cp.thread, NULL);
	}
	for (int i = 0; i < d->nreaders; i++)
		conn_close(&d->readers[i]);
	free(d->readers);
	/* A last full checkpoint keeps the WAL short for the next start. */
	if (d->w.c.h != NULL)
		sqlite3_wal_checkpoint_v2(d->w.c.h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	conn_close(&d->cp.c);
	conn_close(&d->w.c);
	lf_sqlite_writer_destroy(&d->w);
	pthread_mutex_destroy(&d->cp.m);
	pthread_cond_destroy(&d->cp.cond);
	pthread_mutex_destroy(&d->rlock);
	pthread_cond_destroy(&d->rcond);
	free(d);
}

static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames)
{
	struct checkpointer *cp = ud;
	(void)db;
	(void)name;
	if (frames >= CHECKPOINT_FRAMES) {
		pthread_mutex_lock(&cp->m);
		cp->pending = 1;
		pthread_cond_signal(&cp->cond);
		pthread_mutex_unlock(&cp->m);
	}
	return SQLITE_OK;
}

static void *checkpoint_main(void *arg)
{
	struct checkpointer *cp = arg;
	pthread_mutex_lock(&cp->m);
	for (;;) {
		while (!cp->pending && !cp->stop)
			pthread_cond_wait(&cp->cond, &cp->m);
		if (cp->stop)
			break;
		cp->pending = 0;
		pthread_mutex_unlock(&cp->m);
		/* PASSIVE never blocks writers or readers; frames still in use
		 * by a reader are copied by a later round. */
		sqlite3_wal_checkpoint_v2(cp->c.h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&cp->m);
	}
	pthread_mutex_unlock(&cp->m);
	return NULL;
}

/* Transaction control statements, prepared once per connection like any
 * other: parsing BEGIN/SAVEPOINT/RELEASE/COMMIT for every transaction was
 * a tenth of the server's CPU time under load. */
int lf_sqlite_exec(struct conn *c, const char *sql)
{
	return sq_exec(c, sql, NULL, 0, NULL);
}

/* lf_store_write on SQLite: the writer runs fn (see sqlite_writer.c). */
static int sq_run_write(void *impl, int (*fn)(void *conn, void *ud), void *ud)
{
	struct sqlite_db *d = impl;

	return lf_sqlite_writer_run(&d->w, fn, ud);
}

static int sq_begin(void *impl, int mode, void **out)
{
	struct sqlite_db *d = impl;
	struct conn *c;
	if (mode == LF_TX_WRITE) {
		int ret = lf_sqlite_writer_begin(&d->w);
		if (ret == LF_OK)
			*out = &d->w.c;
		return ret;
	}
	pthread_mutex_lock(&d->rlock);
	if (d->free_readers == NULL) {
		/* Only waits are timed: a free reader costs no clock read. */
		int64_t t0 = lf_mono_us();
		while (d->free_readers == NULL)
			pthread_cond_wait(&d->rcond, &d->rlock);
		lf_metrics_pool_wait(lf_mono_us() - t0);
	}
	c = d->free_readers;
	d->free_readers = c->next_free;
	pthread_mutex_unlock(&d->rlock);
	/* A reader's snapshot starts at its first read under BEGIN. */
	if (lf_sqlite_exec(c, "BEGIN") != LF_OK) {
		sq_rollback(impl, c);
		return LF_ERR_DB;
	}
	*out = c;
	return LF_OK;
}

static void release_reader(struct sqlite_db *d, struct conn *c)
{
	pthread_mutex_lock(&d->rlock);
	c->next_free = d->free_readers;
	d->free_readers = c;
	pthread_cond_signal(&d->rcond);
	pthread_mutex_unlock(&d->rlock);
}

static int sq_commit(void *impl, void *conn)
{
	struct sqlite_db *d = impl;
	struct conn *c = conn;
	if (c == &d->w.c)
		return lf_sqlite_writer_commit(&d->w);
	int ret = lf_sqlite_exec(c, "COMMIT");
	if (ret != LF_OK && !sqlite3_get_autocommit(c->h))
		lf_sqlite_exec(c, "ROLLBACK");
	release_reader(d, c);
	return ret;
}

static void sq_rollback(void *impl, void *conn)
{
	struct sqlite_db *d = impl;
	struct conn *c = conn;
	if (c == &d->w.c) {
		lf_sqlite_writer_rollback(&d->w);
		return;
	}
	if (!sqlite3_get_autocommit(c->h))
		lf_sqlite_exec(c, "ROLLBACK");
	release_reader(d, c);
}

/*
 * Statements are cached per connection by the address of their SQL text
 * (open addressing on the pointer). $N placeholders are rewritten to ?N,
 * which SQLite binds by the same index.
 */
static int conn_prepare(struct conn *c, const char *sql, struct stmt_slot **out)
{
	size_t h = ((uintptr_t)sql >> 4) & (STMT_CACHE - 1);
	for (size_t i = 0; i < STMT_CACHE; i++) {
		struct stmt_slot *s = &c->cache[(h + i) & (STMT_CACHE - 1)];
		if (s->sql == sql) {
			sqlite3_reset(s->st);
			sqlite3_clear_bindings(s->st);
			*out = s;
			return LF_OK;
		}
		if (s->sql != NULL)
			continue;
		size_t len = strlen(sql);
		char *copy = malloc(len + 1);
		if (copy == NULL)
			return LF_ERR_NOMEM;
		for (size_t k = 0; k <= len; k++)
			copy[k] = sql[k] == '$' ? '?' : sql[k];
		int rc = sqlite3_prepare_v3(c->h, copy, (int)len, SQLITE_PREPARE_PERSISTENT, &s->st,
					    NULL);
		free(copy);
		if (rc != SQLITE_OK) {
			lf_log(LF_LOG_ERROR, "sqlite prepare failed: %s\n  in: %s",
			       sqlite3_errmsg(c->h), sql);
			s->st = NULL;
			return LF_ERR_DB;
		}
		s->sql = sql;
		s->rows.base.drv = &lf_db_sqlite;
		s->rows.st = s->st;
		*out = s;
		return LF_OK;
	}
	lf_fatal("sqlite statement cache full (%d statements)", STMT_CACHE);
}

static int bind_all(sqlite3_stmt *st, const lf_val *p, int n)
{
	for (int i = 0; i < n; i++) {
		int rc;
		switch (p[i].null ? LF_VT_NULL : p[i].type) {
		case LF_VT_INT: rc = sqlite3_bind_int64(st, i + 1, p[i].i); break;
		case LF_VT_TEXT:
			rc = sqlite3_bind_text(st, i + 1, p[i].s, -1, SQLITE_STATIC);
			break;
		default: rc = sqlite3_bind_null(st, i + 1); break;
		}
		if (rc != SQLITE_OK)
			return map_rc(rc) == LF_OK ? LF_ERR_DB : map_rc(rc);
	}
	return LF_OK;
}

static int sq_exec(void *conn, const char *sql, const lf_val *p, int n, int64_t *changes)
{
	struct conn *c = conn;
	struct stmt_slot *slot;
	int ret = conn_prepare(c, sql, &slot);
	if (ret != LF_OK)
		return ret;
	sqlite3_stmt *st = slot->st;
	if ((ret = bind_all(st, p, n)) != LF_OK)
		goto cleanup;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		ret = map_rc(rc) == LF_OK ? LF_ERR_DB : map_rc(rc);
		goto cleanup;
	}
	if (changes != NULL)
		*changes = sqlite3_changes(c->h);
cleanup:
	sqlite3_reset(st);
	return ret;
}

static int sq_query(void *conn, const char *sql, const lf_val *p, int n, lf_rows **out)
{
	struct conn *c = conn;
	struct stmt_slot *slot;
	int ret = conn_prepare(c, sql, &slot);
	if (ret != LF_OK)
		return ret;
	if ((ret = bind_all(slot->st, p, n)) != LF_OK) {
		sqlite3_reset(slot->st);
		return ret;
	}
	*out = &slot->rows.base;
	return LF_OK;
}

static int sq_next(lf_rows *r)
{
	int rc = sqlite3_step(((struct sq_rows *)r)->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return map_rc(rc) == LF_OK ? LF_ERR_DB : map_rc(rc);
}

static int64_t sq_col_int(lf_rows *r, int col)
{
	return sqlite3_column_int64(((struct sq_rows *)r)->st, col);
}

static const char *sq_col_text(lf_rows *r, int col)
{
	return (const char *)sqlite3_column_text(((struct sq_rows *)r)->st, col);
}

static int sq_col_null(lf_rows *r, int col)
{
	return sqlite3_column_type(((struct sq_rows *)r)->st, col) == SQLITE_NULL;
}

static void sq_close_rows(lf_rows *r)
{
	sqlite3_reset(((struct sq_rows *)r)->st);
}

static int sq_script(void *conn, const char *sql)
{
	struct conn *c = conn;
	char *msg = NULL;
	int rc = sqlite3_exec(c->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		lf_log(LF_LOG_ERROR, "migration failed: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return LF_ERR_DB;
	}
	return LF_OK;
}

static const char *sq_errmsg(void *conn)
{
	struct conn *c = conn;
	return sqlite3_errmsg(c->h);
}
