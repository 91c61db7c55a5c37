/*
 * pg.c - the PostgreSQL driver of the store (libpq).
 *
 * A small fixed pool of connections shared by every thread of the process.
 * More connections than cores only adds lock and context-switch traffic on
 * the server (p99 grew 4-10x past ~16 on two cores), so requests queue here
 * for a connection instead. Each connection prepares a statement the first
 * time it sees its SQL text (cached by the string's address, see db.h) and
 * reuses it after that.
 *
 * Read transactions run their statements in autocommit: under READ
 * COMMITTED every statement takes its own snapshot anyway, so BEGIN/COMMIT
 * would only add two round trips. Readers that need one snapshot across
 * statements (verification, exports) ask for LF_TX_SNAPSHOT.
 *
 * Round trips, not statements, are what a transition pays for here: a
 * write transaction's BEGIN rides with its first statement, and the
 * statements whose answer it does not need (lf_db_exec_later) wait in the
 * connection and ride with its next statement or its COMMIT, all in one
 * libpq pipeline (exec_pipelined).
 *
 * A write transaction that fails with a serialization failure or deadlock
 * is run again from the start (its function must not have side effects
 * outside the transaction until it succeeds); a dropped connection is
 * re-opened the next time it is taken from the pool.
 */
#include "core/log.h"
#include "store/db.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/metrics.h"

#define STMT_CACHE   512 /* power of two; statements per connection */
#define WRITE_TRIES  8
#define INT8OID	     20
#define TEXTOID	     25
#define SMALL_PARAMS 32
#define DEFERRED     32 /* statements a transaction may hold back at once */
#define WRAPPED	     32 /* distinct statements checked for one changed row */

struct pg_rows {
	lf_rows base;
	PGresult *res;
	int row;
	int nrows;
};

struct stmt_slot {
	const char *sql;
	int id;
};

struct pg_db;

/* A statement held back for the transaction's next round trip
 * (pg_exec_later): its prepared name and its parameters as text, in one
 * block that the connection owns until the statement is sent. */
struct deferred {
	int id;
	int n;
	int one; /* must change exactly one row */
	const char **vals;
};

struct pg_conn {
	struct pg_db *db;
	PGconn *h;
	int in_tx;
	int begin_pending; /* a write transaction whose BEGIN goes with its first statement */
	int one_failed;	   /* the failure is a held-back statement's wrong row count */
	int relaxed;	   /* the open transaction commits without waiting for WAL */
	int nstmts;
	int ndeferred;
	struct deferred deferred[DEFERRED];
	char sqlstate[6];
	char err[512];
	struct stmt_slot cache[STMT_CACHE];
};

struct pg_db {
	char *conninfo;
	int statement_timeout_ms;
	FILE *trace; /* lf_store_opts.trace, shared by the connections */
	int nconns;
	struct pg_conn *conns;
	struct pg_conn **idle;
	int nidle;
	pthread_mutex_t m;
	pthread_cond_t cv;
};

static int pg_open(const char *target, int readers, const lf_store_opts *opts, void **out,
		   char *err, size_t errlen);
static void pg_close(void *impl);
static int pg_begin(void *impl, int mode, void **conn);
static int pg_commit(void *impl, void *conn);
static void pg_rollback(void *impl, void *conn);
static int pg_exec(void *conn, const char *sql, const lf_val *p, int n, int64_t *changes);
static int pg_exec_later(void *conn, const char *sql, const lf_val *p, int n, int one);
static int pg_query(void *conn, const char *sql, const lf_val *p, int n, lf_rows **out);
static int pg_next(lf_rows *r);
static int64_t pg_col_int(lf_rows *r, int col);
static const char *pg_col_text(lf_rows *r, int col);
static int pg_col_null(lf_rows *r, int col);
static void pg_close_rows(lf_rows *r);
static int pg_script(void *conn, const char *sql);
static const char *pg_errmsg(void *conn);
static int pg_run_write(void *impl, int (*fn)(void *conn, void *ud), void *ud);
static void pg_relax(void *conn);
static int conn_connect(struct pg_db *d, struct pg_conn *c);
static int conn_simple(struct pg_conn *c, const char *sql);
static int conn_end(struct pg_conn *c, int commit);
static int conn_run(struct pg_conn *c, const char *sql, const lf_val *p, int n, PGresult **out);
static PGresult *exec_pipelined(struct pg_conn *c, const char *name, int n, const char *const *vals,
				const char *const *tail);
static int conn_flush(struct pg_conn *c);
static void deferred_drop(struct pg_conn *c);
static const char *wrap_one(const char *sql);
static int result_error(struct pg_conn *c, PGresult *res);
static struct pg_conn *pool_take(struct pg_db *d);
static void pool_give(struct pg_db *d, struct pg_conn *c);

const lf_db_driver lf_db_pg = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .exec = pg_exec,
    .exec_later = pg_exec_later,
    .query = pg_query,
    .next = pg_next,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .col_null = pg_col_null,
    .close_rows = pg_close_rows,
    .script = pg_script,
    .errmsg = pg_errmsg,
    .run_write = pg_run_write,
    .relax = pg_relax,
};

/* Keeps libpq's notices (e.g. "there is no transaction in progress") off
 * the server's stderr; errors are reported through results. */
static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/*
 * Settings every session gets: a statement may not run away with a pool
 * connection, and a transaction left open by a stuck caller cannot hold
 * locks (e.g. a task row or the sealer's turn) for long.
 */
static int conn_connect(struct pg_db *d, struct pg_conn *c)
{
	const char *keys[] = {"dbname", "options", "application_name", NULL};
	char options[256];
	snprintf(options, sizeof(options),
		 "-c statement_timeout=%d -c lock_timeout=%d"
		 " -c idle_in_transaction_session_timeout=60000",
		 d->statement_timeout_ms, d->statement_timeout_ms);
	const char *vals[] = {d->conninfo, options, "labelflow", NULL};
	if (c->h != NULL)
		PQfinish(c->h);
	memset(c->cache, 0, sizeof(c->cache));
	c->nstmts = 0;
	c->in_tx = 0;
	c->begin_pending = 0;
	deferred_drop(c);
	c->h = PQconnectdbParams(keys, vals, 1);
	if (c->h == NULL || PQstatus(c->h) != CONNECTION_OK) {
		snprintf(c->err, sizeof(c->err), "%s",
			 c->h != NULL ? PQerrorMessage(c->h) : "out of memory");
		return LF_ERR_DB;
	}
	PQsetNoticeProcessor(c->h, quiet_notices, NULL);
	if (d->trace != NULL) {
		PQtrace(c->h, d->trace);
		PQsetTraceFlags(c->h, PQTRACE_SUPPRESS_TIMESTAMPS);
	}
	return LF_OK;
}

static int pg_open(const char *target, int readers, const lf_store_opts *opts, void **out,
		   char *err, size_t errlen)
{
	struct pg_db *d = calloc(1, sizeof(*d));
	int ret = LF_ERR_NOMEM;
	if (d == NULL)
		return LF_ERR_NOMEM;
	pthread_mutex_init(&d->m, NULL);
	pthread_cond_init(&d->cv, NULL);
	d->statement_timeout_ms = opts->statement_timeout_ms;
	d->nconns = opts->pool != 0 ? opts->pool : readers < 4 ? 4 : readers > 16 ? 16 : readers;
	if (d->nconns < 1 || d->nconns > 256) {
		snprintf(err, errlen, "the PostgreSQL pool must be 1..256 connections");
		ret = LF_ERR_INVALID;
		goto fail;
	}
	if (opts->trace != NULL) {
		/* Line-buffered: the trace of a round trip is whole in the
		 * file when its answer reaches the client. */
		if ((d->trace = fopen(opts->trace, "a")) == NULL) {
			snprintf(err, errlen, "cannot open %s for the PostgreSQL trace",
				 opts->trace);
			ret = LF_ERR_INVALID;
			goto fail;
		}
		setvbuf(d->trace, NULL, _IOLBF, 0);
	}
	d->conninfo = strdup(target);
	d->conns = calloc((size_t)d->nconns, sizeof(*d->conns));
	d->idle = calloc((size_t)d->nconns, sizeof(*d->idle));
	if (d->conninfo == NULL || d->conns == NULL || d->idle == NULL)
		goto fail;
	/* The first connection opens now so that a bad URL fails at startup;
	 * the others open on first use. */
	if ((ret = conn_connect(d, &d->conns[0])) != LF_OK) {
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s", d->conns[0].err);
		goto fail;
	}
	for (int i = d->nconns - 1; i >= 0; i--) {
		d->conns[i].db = d;
		d->idle[d->nidle++] = &d->conns[i];
	}
	*out = d;
	return LF_OK;
fail:
	pg_close(d);
	return ret;
}

static void pg_close(void *impl)
{
	struct pg_db *d = impl;
	if (d == NULL)
		return;
	for (int i = 0; d->conns != NULL && i < d->nconns; i++)
		if (d->conns[i].h != NULL)
			PQfinish(d->conns[i].h);
	pthread_mutex_destroy(&d->m);
	pthread_cond_destroy(&d->cv);
	if (d->trace != NULL)
		fclose(d->trace);
	free(d->conns);
	free(d->idle);
	free(d->conninfo);
	free(d);
}

/* Takes a connection, waiting for one if all are busy, and re-opens it if
 * the server dropped it. NULL when it cannot be re-opened. */
static struct pg_conn *pool_take(struct pg_db *d)
{
	pthread_mutex_lock(&d->m);
	if (d->nidle == 0) {
		/* Only waits are timed: a free connection costs no clock read. */
		int64_t t0 = lf_mono_us();
		while (d->nidle == 0)
			pthread_cond_wait(&d->cv, &d->m);
		lf_metrics_pool_wait(lf_mono_us() - t0);
	}
	struct pg_conn *c = d->idle[--d->nidle];
	pthread_mutex_unlock(&d->m);
	if ((c->h == NULL || PQstatus(c->h) != CONNECTION_OK) && conn_connect(d, c) != LF_OK) {
		lf_log(LF_LOG_ERROR, "PostgreSQL connection failed: %.*s",
		       (int)strcspn(c->err, "\n"), c->err);
		pool_give(d, c);
		return NULL;
	}
	return c;
}

static void pool_give(struct pg_db *d, struct pg_conn *c)
{
	pthread_mutex_lock(&d->m);
	d->idle[d->nidle++] = c;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->m);
}

/* Records the error of a failed result (and frees it). */
static int result_error(struct pg_conn *c, PGresult *res)
{
	if (c->one_failed) {
		c->one_failed = 0;
		PQclear(res);
		snprintf(c->sqlstate, sizeof(c->sqlstate), "LF409");
		snprintf(c->err, sizeof(c->err),
			 "LF409 a statement that had to change one row changed none");
		return LF_ERR_CONFLICT;
	}
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state != NULL ? state : "");
	snprintf(c->err, sizeof(c->err), "%s %s", c->sqlstate,
		 res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(c->h));
	c->err[strcspn(c->err, "\n")] = '\0';
	PQclear(res);
	/* Class 23 is integrity constraint violation, what SQLite reports as
	 * SQLITE_CONSTRAINT: the caller's business (a duplicate email...).
	 * Anything else is the operator's: store.c logs it through errmsg. */
	if (strncmp(c->sqlstate, "23", 2) == 0)
		return LF_ERR_CONFLICT;
	return LF_ERR_DB;
}

static int conn_simple(struct pg_conn *c, const char *sql)
{
	PGresult *res = PQexec(c->h, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		return result_error(c, res);
	PQclear(res);
	return LF_OK;
}

static int pg_begin(void *impl, int mode, void **conn)
{
	struct pg_db *d = impl;
	struct pg_conn *c = pool_take(d);
	int ret = LF_OK;
	if (c == NULL)
		return LF_ERR_DB;
	c->sqlstate[0] = '\0';
	c->one_failed = 0;
	/* A write transaction's BEGIN waits for its first statement
	 * (exec_pipelined); a snapshot's is sent now. A connection found dropped
	 * at BEGIN is opened again once. */
	if (mode == LF_TX_SNAPSHOT) {
		const char *begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
		if ((ret = conn_simple(c, begin)) != LF_OK && PQstatus(c->h) != CONNECTION_OK &&
		    conn_connect(d, c) == LF_OK)
			ret = conn_simple(c, begin);
	}
	if (ret != LF_OK) {
		pool_give(d, c);
		return ret;
	}
	c->in_tx = mode != LF_TX_READ;
	c->begin_pending = mode == LF_TX_WRITE;
	c->relaxed = 0;
	*conn = c;
	return LF_OK;
}

/*
 * Ends the connection's transaction, keeping the connection. The COMMIT
 * goes in one round trip with whatever the transaction held back
 * (pg_exec_later) and, for a relaxed transaction, the setting of
 * synchronous_commit, which is read at COMMIT. When a held-back statement
 * fails, the server skips the COMMIT behind it and the transaction is
 * rolled back.
 */
static int conn_end(struct pg_conn *c, int commit)
{
	static const char *const relaxed[] = {"SET LOCAL synchronous_commit = off", "COMMIT", NULL};
	static const char *const plain[] = {"COMMIT", NULL};
	int ret = LF_OK;
	if (!c->in_tx)
		return LF_OK;
	c->in_tx = 0;
	/* Nothing was sent: there is no transaction to end, or one to begin
	 * and commit in the same round trip as what it held back. */
	if (c->begin_pending && (!commit || c->ndeferred == 0)) {
		c->begin_pending = 0;
		deferred_drop(c);
		return LF_OK;
	}
	if (!commit) {
		deferred_drop(c);
		return conn_simple(c, "ROLLBACK");
	}
	PGresult *res = exec_pipelined(c, NULL, 0, NULL, c->relaxed ? relaxed : plain);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		ret = result_error(c, res);
		if (c->h != NULL && PQtransactionStatus(c->h) != PQTRANS_IDLE)
			conn_simple(c, "ROLLBACK");
		return ret;
	}
	/* COMMIT of a failed transaction "succeeds" as ROLLBACK. */
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		snprintf(c->err, sizeof(c->err), "transaction was rolled back");
		ret = LF_ERR_DB;
	}
	PQclear(res);
	return ret;
}

static int pg_commit(void *impl, void *conn)
{
	int ret = conn_end(conn, 1);
	pool_give(impl, conn);
	return ret;
}

static void pg_rollback(void *impl, void *conn)
{
	conn_end(conn, 0);
	pool_give(impl, conn);
}

/* Finds or prepares the statement for sql; its name is "s<id>". */
static int conn_prepare(struct pg_conn *c, const char *sql, const lf_val *p, int n, int *id)
{
	size_t h = ((size_t)(uintptr_t)sql >> 3) & (STMT_CACHE - 1);
	for (size_t i = 0; i < STMT_CACHE; i++) {
		struct stmt_slot *s = &c->cache[(h + i) & (STMT_CACHE - 1)];
		if (s->sql == sql) {
			*id = s->id;
			return LF_OK;
		}
		if (s->sql != NULL)
			continue;
		/* Typed parameters, so that expressions such as `$1 IS NULL`
		 * or `SELECT $1` resolve; an untyped NULL takes the type of
		 * what it meets. */
		Oid small[SMALL_PARAMS],
		    *types = n <= SMALL_PARAMS ? small : calloc((size_t)n, sizeof(Oid));
		char name[16];
		if (types == NULL)
			return LF_ERR_NOMEM;
		for (int k = 0; k < n; k++)
			types[k] = p[k].type == LF_VT_INT    ? INT8OID
				   : p[k].type == LF_VT_TEXT ? TEXTOID
							     : 0;
		snprintf(name, sizeof(name), "s%d", c->nstmts);
		PGresult *res = PQprepare(c->h, name, sql, n, types);
		if (types != small)
			free(types);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return result_error(c, res);
		PQclear(res);
		s->sql = sql;
		s->id = c->nstmts++;
		*id = s->id;
		return LF_OK;
	}
	/* More distinct statements than slots: a bug, not a load problem. */
	snprintf(c->err, sizeof(c->err), "statement cache full");
	return LF_ERR_INTERNAL;
}

/*
 * Sends in one pipeline (libpq pipeline mode: the queries and a sync, then
 * their results) what the transaction still owes the server before a
 * statement: its BEGIN when that has not been sent yet, and the statements
 * it held back (pg_exec_later). Then the prepared statement `name` (NULL:
 * none) and the simple queries of `tail` (NULL-terminated, may be NULL).
 * One round trip where there were as many as statements; the sync ends no
 * transaction, as BEGIN opened a block.
 *
 * Returns the result of the last statement, or the first failure (the
 * server skips everything after a failed statement up to the sync). A
 * held-back statement that had to change one row and changed none fails by
 * its division by zero (wrap_one): its SQLSTATE then reads LF409, which
 * result_error calls LF_ERR_CONFLICT. NULL when nothing could be sent; a
 * connection left in pipeline mode is closed, to be opened again.
 */
static PGresult *exec_pipelined(struct pg_conn *c, const char *name, int n, const char *const *vals,
				const char *const *tail)
{
	PGresult *res = NULL, *fail = NULL, *r;
	int nfail = -1, ok, sent = c->begin_pending + c->ndeferred + (name != NULL);
	char dname[16];
	for (int i = 0; tail != NULL && tail[i] != NULL; i++)
		sent++;
	if (PQenterPipelineMode(c->h) != 1) {
		deferred_drop(c);
		return NULL;
	}
	ok = !c->begin_pending ||
	     PQsendQueryParams(c->h, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) == 1;
	for (int i = 0; ok && i < c->ndeferred; i++) {
		struct deferred *d = &c->deferred[i];
		snprintf(dname, sizeof(dname), "s%d", d->id);
		ok = PQsendQueryPrepared(c->h, dname, d->n, d->vals, NULL, NULL, 0) == 1;
	}
	if (ok && name != NULL)
		ok = PQsendQueryPrepared(c->h, name, n, vals, NULL, NULL, 0) == 1;
	for (int i = 0; ok && tail != NULL && tail[i] != NULL; i++)
		ok = PQsendQueryParams(c->h, tail[i], 0, NULL, NULL, NULL, NULL, 0) == 1;
	if (ok && PQpipelineSync(c->h) == 1) {
		/* Each query's results end with a NULL; then the sync's. */
		for (int i = 0; i < sent; i++) {
			r = PQgetResult(c->h);
			ExecStatusType st = PQresultStatus(r);
			if (fail == NULL && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
				fail = r;
				nfail = i;
			} else if (i == sent - 1 && fail == NULL) {
				res = r;
			} else {
				PQclear(r);
			}
			while ((r = PQgetResult(c->h)) != NULL)
				PQclear(r);
		}
		PQclear(PQgetResult(c->h));
	}
	if (PQexitPipelineMode(c->h) != 1) {
		PQfinish(c->h);
		c->h = NULL;
	}
	int held = nfail - c->begin_pending;
	int one = held >= 0 && held < c->ndeferred && c->deferred[held].one;
	deferred_drop(c);
	/* Once BEGIN went through, there is a transaction to end, whatever
	 * failed after it. */
	if (ok && nfail != 0)
		c->begin_pending = 0;
	if (fail != NULL) {
		const char *state = PQresultErrorField(fail, PG_DIAG_SQLSTATE);
		PQclear(res);
		c->one_failed = one && state != NULL && strcmp(state, "22012") == 0;
		return fail;
	}
	return res;
}

/* Sends what the transaction held back, before a statement that cannot
 * join the pipeline (a script) or when there is no room for more. */
static int conn_flush(struct pg_conn *c)
{
	if (c->ndeferred == 0)
		return LF_OK;
	PGresult *res = exec_pipelined(c, NULL, 0, NULL, NULL);
	ExecStatusType st = PQresultStatus(res);
	if (res != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
		PQclear(res);
		return LF_OK;
	}
	return result_error(c, res);
}

static void deferred_drop(struct pg_conn *c)
{
	for (int i = 0; i < c->ndeferred; i++)
		free(c->deferred[i].vals);
	c->ndeferred = 0;
}

/*
 * The statement that runs sql (an UPDATE or DELETE without RETURNING) and
 * fails when it changed anything but one row: a held-back statement's
 * count cannot be looked at before what follows it in the pipeline runs,
 * so the check has to fail inside the server, before a COMMIT behind it.
 * The texts live for the process, as statements must (db.h): a handful,
 * one per call site.
 */
static const char *wrap_one(const char *sql)
{
	static struct {
		const char *sql;
		char *wrapped;
	} map[WRAPPED];
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	const char *out = NULL;
	pthread_mutex_lock(&m);
	for (int i = 0; i < WRAPPED && out == NULL; i++) {
		if (map[i].sql == sql) {
			out = map[i].wrapped;
		} else if (map[i].sql == NULL) {
			size_t len = strlen(sql) + 128;
			if ((map[i].wrapped = malloc(len)) == NULL)
				break;
			snprintf(map[i].wrapped, len,
				 "WITH lf_one AS (%s RETURNING 1)"
				 " SELECT 1 / (count(*) = 1)::int FROM lf_one",
				 sql);
			map[i].sql = sql;
			out = map[i].wrapped;
		}
	}
	pthread_mutex_unlock(&m);
	return out;
}

/* The text form of a parameter; an integer is printed into buf. */
static const char *param_text(const lf_val *v, char buf[24])
{
	switch (v->null ? LF_VT_NULL : v->type) {
	case LF_VT_INT: snprintf(buf, 24, "%lld", (long long)v->i); return buf;
	case LF_VT_TEXT: return v->s;
	default: return NULL;
	}
}

static int conn_run(struct pg_conn *c, const char *sql, const lf_val *p, int n, PGresult **out)
{
	char small_buf[SMALL_PARAMS][24];
	const char *small_vals[SMALL_PARAMS];
	char(*buf)[24] = small_buf;
	const char **vals = small_vals;
	char name[16];
	int id = 0, ret = LF_OK;
	if (n > SMALL_PARAMS) {
		buf = malloc((size_t)n * sizeof(*buf));
		vals = malloc((size_t)n * sizeof(*vals));
		if (buf == NULL || vals == NULL) {
			ret = LF_ERR_NOMEM;
			goto cleanup;
		}
	}
	for (int k = 0; k < n; k++)
		vals[k] = param_text(&p[k], buf[k]);
	for (int attempt = 0;; attempt++) {
		if ((ret = conn_prepare(c, sql, p, n, &id)) == LF_OK) {
			snprintf(name, sizeof(name), "s%d", id);
			int held = c->ndeferred;
			PGresult *res = c->begin_pending || held
					    ? exec_pipelined(c, name, n, vals, NULL)
					    : PQexecPrepared(c->h, name, n, vals, NULL, NULL, 0);
			ExecStatusType st = PQresultStatus(res);
			if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
				*out = res;
				break;
			}
			ret = result_error(c, res);
			/* Held-back statements went with it: not to be sent twice. */
			if (held)
				break;
		}
		/* A connection the server dropped (restart, idle kill) is
		 * opened again, once, outside transactions only (or before a
		 * write transaction's first statement): inside one, the work
		 * so far is gone and the caller must start over. */
		int pending = c->begin_pending;
		if (attempt > 0 || (c->in_tx && !pending) || PQstatus(c->h) == CONNECTION_OK ||
		    conn_connect(c->db, c) != LF_OK)
			break;
		c->in_tx = c->begin_pending = pending;
	}
cleanup:
	if (buf != small_buf)
		free(buf);
	if (vals != small_vals)
		free(vals);
	return ret;
}

static int pg_exec(void *conn, const char *sql, const lf_val *p, int n, int64_t *changes)
{
	struct pg_conn *c = conn;
	PGresult *res = NULL;
	int ret = conn_run(c, sql, p, n, &res);
	if (ret != LF_OK)
		return ret;
	if (changes != NULL)
		*changes = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return LF_OK;
}

/*
 * Holds the statement back until the transaction's next statement or its
 * COMMIT, which carry it to the server in their own round trip: the
 * parameters are copied now, the caller's may be gone by then. Outside a
 * write transaction there is nothing to ride with, so it runs now.
 */
static int pg_exec_later(void *conn, const char *sql, const lf_val *p, int n, int one)
{
	struct pg_conn *c = conn;
	char num[24];
	int id = 0, ret;
	if (!c->in_tx) {
		int64_t changes = 0;
		ret = pg_exec(conn, sql, p, n, &changes);
		return ret == LF_OK && one && changes != 1 ? LF_ERR_CONFLICT : ret;
	}
	if (c->ndeferred == DEFERRED && (ret = conn_flush(c)) != LF_OK)
		return ret;
	const char *text = one ? wrap_one(sql) : sql;
	if (text == NULL)
		return LF_ERR_NOMEM;
	if ((ret = conn_prepare(c, text, p, n, &id)) != LF_OK)
		return ret;
	/* One block: the pointers, then the texts they point to. */
	size_t size = (size_t)n * sizeof(char *);
	for (int k = 0; k < n; k++) {
		const char *v = param_text(&p[k], num);
		size += v != NULL ? strlen(v) + 1 : 0;
	}
	const char **vals = malloc(size > 0 ? size : 1);
	if (vals == NULL)
		return LF_ERR_NOMEM;
	char *at = (char *)(vals + n);
	for (int k = 0; k < n; k++) {
		const char *v = param_text(&p[k], num);
		vals[k] = NULL;
		if (v != NULL) {
			size_t len = strlen(v) + 1;
			memcpy(at, v, len);
			vals[k] = at;
			at += len;
		}
	}
	c->deferred[c->ndeferred++] = (struct deferred){.id = id, .n = n, .one = one, .vals = vals};
	return LF_OK;
}

/*
 * The whole result arrives at once: callers page through big tables with
 * keyset queries, and a connection can then run further statements while
 * the caller still reads the rows.
 */
static int pg_query(void *conn, const char *sql, const lf_val *p, int n, lf_rows **out)
{
	struct pg_conn *c = conn;
	PGresult *res = NULL;
	int ret = conn_run(c, sql, p, n, &res);
	if (ret != LF_OK)
		return ret;
	struct pg_rows *r = malloc(sizeof(*r));
	if (r == NULL) {
		PQclear(res);
		return LF_ERR_NOMEM;
	}
	r->base.drv = &lf_db_pg;
	r->res = res;
	r->row = -1;
	r->nrows = PQntuples(res);
	*out = &r->base;
	return LF_OK;
}

static int pg_next(lf_rows *base)
{
	struct pg_rows *r = (struct pg_rows *)base;
	return ++r->row < r->nrows ? 1 : 0;
}

/* Booleans (e.g. `x IS NOT NULL`) read as 1/0, like SQLite's. */
static int64_t pg_col_int(lf_rows *base, int col)
{
	struct pg_rows *r = (struct pg_rows *)base;
	if (PQgetisnull(r->res, r->row, col))
		return 0;
	const char *v = PQgetvalue(r->res, r->row, col);
	if (v[0] == 't' && v[1] == '\0')
		return 1;
	return strtoll(v, NULL, 10);
}

static const char *pg_col_text(lf_rows *base, int col)
{
	struct pg_rows *r = (struct pg_rows *)base;
	return PQgetisnull(r->res, r->row, col) ? NULL : PQgetvalue(r->res, r->row, col);
}

static int pg_col_null(lf_rows *base, int col)
{
	struct pg_rows *r = (struct pg_rows *)base;
	return PQgetisnull(r->res, r->row, col);
}

static void pg_close_rows(lf_rows *base)
{
	struct pg_rows *r = (struct pg_rows *)base;
	PQclear(r->res);
	free(r);
}

static int pg_script(void *conn, const char *sql)
{
	struct pg_conn *c = conn;
	int ret = LF_OK;
	if (c->begin_pending && (ret = conn_simple(c, "BEGIN")) == LF_OK)
		c->begin_pending = 0;
	if (ret == LF_OK)
		ret = conn_flush(c);
	if (ret == LF_OK)
		ret = conn_simple(c, sql);
	if (ret != LF_OK)
		lf_log(LF_LOG_ERROR, "migration failed: %s", c->err);
	return ret;
}

static const char *pg_errmsg(void *conn)
{
	struct pg_conn *c = conn;
	return c->err;
}

static void pg_relax(void *conn)
{
	struct pg_conn *c = conn;
	c->relaxed = 1;
}

/* SQLSTATEs after which running the transaction again can succeed. */
static int retryable(const struct pg_conn *c)
{
	return strcmp(c->sqlstate, "40001") == 0 || strcmp(c->sqlstate, "40P01") == 0 ||
	       PQstatus(c->h) != CONNECTION_OK;
}

static int pg_run_write(void *impl, int (*fn)(void *conn, void *ud), void *ud)
{
	struct pg_db *d = impl;
	int ret = LF_ERR_DB;
	for (int attempt = 0; attempt < WRITE_TRIES; attempt++) {
		void *conn;
		if ((ret = pg_begin(d, LF_TX_WRITE, &conn)) != LF_OK)
			continue;
		struct pg_conn *c = conn;
		ret = fn(conn, ud);
		if (ret == LF_OK)
			ret = conn_end(c, 1);
		else
			conn_end(c, 0);
		int again = ret != LF_OK && retryable(c);
		pool_give(d, c);
		if (!again)
			return ret;
		/* Back off a little so the transactions that collided do not
		 * meet again in lockstep. */
		struct timespec ts = {0, (long)(attempt + 1) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return ret;
}
