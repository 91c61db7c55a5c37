/*
 * pg_fixture.h - the PostgreSQL unit tests' temporary database: a fresh
 * database on the server LABELFLOW_TEST_PG names (scripts/run-tests pg),
 * migrated through the store, with a raw libpq connection to it for the
 * rows and checks the store has no call for. Dropped (WITH FORCE) on
 * close. Header-only: two tests use it, each on its own.
 */
#ifndef LF_TEST_PG_FIXTURE_H
#define LF_TEST_PG_FIXTURE_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

struct lf_pgfx {
	lf_store *s;
	PGconn *admin; /* the server's database, for CREATE and DROP */
	PGconn *db;    /* the test database, raw */
	char name[64];
};

static inline void lf_pgfx_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Runs sql on c; a failure fails the test. */
static inline void lf_pgfx_sql(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
}

/* Opens a database named prefix_<pid> with a store of pool connections;
 * cmocka setup's contract: 0, or -1 when it cannot be made. */
static inline int lf_pgfx_open(void **state, const char *prefix, int pool)
{
	const char *base = getenv("LABELFLOW_TEST_PG");
	char sql[128], url[512], err[256];
	struct lf_pgfx *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	*state = f;
	snprintf(f->name, sizeof(f->name), "%s_%d", prefix, (int)getpid());
	f->admin = PQconnectdb(base);
	if (PQstatus(f->admin) != CONNECTION_OK)
		return -1;
	PQsetNoticeProcessor(f->admin, lf_pgfx_quiet, NULL);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", f->name);
	lf_pgfx_sql(f->admin, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->name);
	lf_pgfx_sql(f->admin, sql);
	/* The same server, this database: the base URL with its path replaced. */
	const char *slash = strchr(strstr(base, "://") + 3, '/');
	int host_len = slash != NULL ? (int)(slash - base) : (int)strlen(base);
	snprintf(url, sizeof(url), "%.*s/%s", host_len, base, f->name);
	if (lf_store_open(url, pool, &f->s, err, sizeof(err)) != LF_OK ||
	    lf_store_migrate(f->s, NULL) != LF_OK)
		return -1;
	f->db = PQconnectdb(url);
	return PQstatus(f->db) == CONNECTION_OK ? 0 : -1;
}

/* cmocka teardown: closes everything and drops the database. */
static inline int lf_pgfx_close(void **state)
{
	struct lf_pgfx *f = *state;
	char sql[128];
	lf_store_close(f->s);
	PQfinish(f->db);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->name);
	lf_pgfx_sql(f->admin, sql);
	PQfinish(f->admin);
	free(f);
	return 0;
}

#endif
