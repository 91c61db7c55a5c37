/*
 * sqlite_int.h - shared by the SQLite driver (sqlite.c: connections,
 * statements, binding, readers) and its single writer with group commit
 * (sqlite_writer.c). Private to those two files.
 */
#ifndef LF_SQLITE_INT_H
#define LF_SQLITE_INT_H

#include "store/db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#define STMT_CACHE 256 /* power of two; statements per connection */

struct sq_rows {
	lf_rows base;
	sqlite3_stmt *st;
};

/* A cached statement, with the cursor of its one active query: a
 * statement can only run once at a time anyway, and keeping the cursor
 * here saves an allocation per query. */
struct stmt_slot {
	const char *sql;
	sqlite3_stmt *st;
	struct sq_rows rows;
};

struct conn {
	sqlite3 *h;
	struct conn *next_free;
	struct stmt_slot cache[STMT_CACHE];
};

/* Outcomes of this many recent batches are kept for the callers woken by
 * their commit. */
#define RESULT_RING 64

struct wjob;

/* The one write connection and the state of its group commit; see
 * sqlite_writer.c for the protocol. The driver embeds it and opens c. */
struct writer {
	struct conn c;
	struct wjob *queue, *queue_tail; /* writes waiting to be run */
	struct wjob *pending;		 /* run, waiting for the batch commit */
	pthread_mutex_t m;
	pthread_cond_t turn;	  /* the writer connection became free */
	pthread_cond_t durable;	  /* a batch finished committing */
	int busy;		  /* a caller (or a commit) is using c */
	int waiting;		  /* callers queued for c */
	int in_tx;		  /* the batch transaction is open */
	int batch_size;		  /* savepoints released into it */
	uint64_t batch;		  /* id of the open batch */
	uint64_t done;		  /* every batch <= done has finished */
	int results[RESULT_RING]; /* outcome of recent batches, by id */
};

/* Runs a statement without parameters or rows (BEGIN, SAVEPOINT, COMMIT,
 * ...) through c's statement cache. Returns LF_OK or an lf_err. */
int lf_sqlite_exec(struct conn *c, const char *sql);

/* Initializes and destroys w's locks; the driver opens and closes w->c. */
void lf_sqlite_writer_init(struct writer *w);
void lf_sqlite_writer_destroy(struct writer *w);

/* Waits for the writer and opens the caller's savepoint in the batch
 * (opening the batch if none is). On LF_OK the caller holds w->c until
 * lf_sqlite_writer_commit or lf_sqlite_writer_rollback. */
int lf_sqlite_writer_begin(struct writer *w);
/* Releases the caller's savepoint into the batch, gives the writer up and
 * returns once that batch committed: LF_OK or the commit's error. */
int lf_sqlite_writer_commit(struct writer *w);
/* Undoes the caller's savepoint only and gives the writer up. */
void lf_sqlite_writer_rollback(struct writer *w);
/* lf_store_write: runs fn(conn, ud) in a savepoint of a batch, on this
 * thread or on the writer's current holder, and returns once its batch
 * committed: fn's error (its savepoint undone), the commit's, or LF_OK. */
int lf_sqlite_writer_run(struct writer *w, int (*fn)(void *conn, void *ud), void *ud);

#endif
