/*
 * sqlite_writer.c - the SQLite driver's single writer and its group commit.
 *
 * Apart from the driver (sqlite.c: connections, statements, binding,
 * readers) because it is the one part of the store with a concurrency
 * protocol of its own, and is best read, and changed, on its own.
 *
 * Who holds it. The writer is the one read-write connection, w->c. One
 * thread at a time holds it (w->busy): a caller between
 * lf_sqlite_writer_begin and its commit or rollback, or a caller of
 * lf_sqlite_writer_run (lf_store_write) that found it free. Others either
 * wait for their turn (w->waiting) or, through lf_sqlite_writer_run, leave
 * their function in the queue for the holder to run.
 *
 * When a batch commits. Every write transaction is a SAVEPOINT inside one
 * batch transaction (BEGIN IMMEDIATE, opened by whoever finds none open).
 * A holder that is done first runs every queued function, back to back,
 * each in its own savepoint; then, if callers are waiting, it hands the
 * still open batch on to the next one instead of committing. The batch
 * commits when nobody waits and nothing is queued (the last caller of a
 * burst commits for everyone), or once BATCH_MAX savepoints are in it. A
 * batch writes each touched page once instead of once per caller, which
 * is most of a small transaction's cost.
 *
 * What a caller may assume:
 * - no call returns LF_OK before the batch holding its changes committed;
 * - its own failure or rollback undoes its savepoint only: the others in
 *   the batch stand;
 * - a failed COMMIT fails every caller in that batch, all of whose changes
 *   are lost together (a caller woken only after RESULT_RING later batches
 *   finished cannot tell, and is told LF_OK);
 * - a function given to lf_sqlite_writer_run may run on another thread,
 *   the holder's, after the functions queued before it; it must not begin
 *   a transaction of its own.
 */
#include "store/sqlite_int.h"

/* Savepoints one batch takes at most, so an endless burst still commits. */
#define BATCH_MAX 128

/* A write handed to whoever holds the writer (see lf_store_write). */
struct wjob {
	int (*fn)(void *conn, void *ud);
	void *ud;
	int result;
	int done;
	struct wjob *next;
};

static int batch_commit(struct writer *w);
static void run_queue(struct writer *w);
static void writer_done(struct writer *w);

void lf_sqlite_writer_init(struct writer *w)
{
	pthread_mutex_init(&w->m, NULL);
	pthread_cond_init(&w->turn, NULL);
	pthread_cond_init(&w->durable, NULL);
}

void lf_sqlite_writer_destroy(struct writer *w)
{
	pthread_mutex_destroy(&w->m);
	pthread_cond_destroy(&w->turn);
	pthread_cond_destroy(&w->durable);
}

/* Commits the open batch; called with w->m held and w->busy set. */
static int batch_commit(struct writer *w)
{
	uint64_t id = w->batch;
	pthread_mutex_unlock(&w->m);
	int ret = lf_sqlite_exec(&w->c, "COMMIT");
	if (ret != LF_OK && !sqlite3_get_autocommit(w->c.h))
		lf_sqlite_exec(&w->c, "ROLLBACK");
	pthread_mutex_lock(&w->m);
	for (struct wjob *j = w->pending; j != NULL; j = j->next) {
		j->result = ret;
		j->done = 1;
	}
	w->pending = NULL;
	w->results[id % RESULT_RING] = ret;
	w->done = id;
	w->batch = id + 1;
	w->in_tx = 0;
	w->batch_size = 0;
	pthread_cond_broadcast(&w->durable);
	return ret;
}

/*
 * Runs the queued writes back to back, each in its own savepoint of the
 * open batch, on the calling thread, which holds the writer (busy). This
 * is what keeps the writer busy under load: the next write runs at once
 * instead of after another thread has been woken up and scheduled.
 * Called with w->m held; unlocks it around each write.
 */
static void run_queue(struct writer *w)
{
	while (w->queue != NULL && w->batch_size < BATCH_MAX) {
		struct wjob *j = w->queue;
		w->queue = j->next;
		if (w->queue == NULL)
			w->queue_tail = NULL;
		j->next = NULL;
		if (!w->in_tx) {
			if (lf_sqlite_exec(&w->c, "BEGIN IMMEDIATE") != LF_OK) {
				j->result = LF_ERR_DB;
				j->done = 1;
				continue;
			}
			w->in_tx = 1;
		}
		pthread_mutex_unlock(&w->m);
		int ret = lf_sqlite_exec(&w->c, "SAVEPOINT lf");
		if (ret == LF_OK) {
			ret = j->fn(&w->c, j->ud);
			if (ret == LF_OK && lf_sqlite_exec(&w->c, "RELEASE lf") != LF_OK)
				ret = LF_ERR_DB;
			if (ret != LF_OK) {
				lf_sqlite_exec(&w->c, "ROLLBACK TO lf");
				lf_sqlite_exec(&w->c, "RELEASE lf");
			}
		}
		pthread_mutex_lock(&w->m);
		if (ret != LF_OK) {
			j->result = ret;
			j->done = 1;
			continue;
		}
		w->batch_size++;
		j->next = w->pending;
		w->pending = j;
	}
}

/* Gives the writer up after a caller's savepoint ended, first running the
 * queued writes. With callers waiting, the batch stays open for them;
 * otherwise it is committed (or rolled back when nothing in it is to be
 * kept). Called with w->m held. */
static void writer_done(struct writer *w)
{
	for (;;) {
		run_queue(w);
		if (w->batch_size >= BATCH_MAX) {
			batch_commit(w);
			continue;
		}
		if (w->waiting == 0 && w->queue == NULL) {
			if (w->batch_size > 0) {
				batch_commit(w);
			} else if (w->in_tx) {
				lf_sqlite_exec(&w->c, "ROLLBACK");
				w->in_tx = 0;
			}
			/* Writes queued during the commit are run now, not left
			 * behind with the writer free. */
			if (w->queue != NULL)
				continue;
		}
		break;
	}
	w->busy = 0;
	pthread_cond_signal(&w->turn);
	pthread_cond_broadcast(&w->durable);
}

/*
 * Queues fn and returns once it ran and its batch committed. When the
 * writer is free, the caller becomes its holder and runs the queue itself;
 * otherwise the current holder runs fn before giving the writer up.
 */
int lf_sqlite_writer_run(struct writer *w, int (*fn)(void *conn, void *ud), void *ud)
{
	struct wjob j = {.fn = fn, .ud = ud};
	pthread_mutex_lock(&w->m);
	if (w->queue_tail != NULL)
		w->queue_tail->next = &j;
	else
		w->queue = &j;
	w->queue_tail = &j;
	if (!w->busy) {
		w->busy = 1;
		writer_done(w);
	}
	while (!j.done)
		pthread_cond_wait(&w->durable, &w->m);
	pthread_mutex_unlock(&w->m);
	return j.result;
}

int lf_sqlite_writer_begin(struct writer *w)
{
	pthread_mutex_lock(&w->m);
	w->waiting++;
	while (w->busy)
		pthread_cond_wait(&w->turn, &w->m);
	w->waiting--;
	w->busy = 1;
	/* IMMEDIATE takes the write lock up front, so a batch never fails
	 * half-way on a lock upgrade against another process. */
	if (!w->in_tx) {
		if (lf_sqlite_exec(&w->c, "BEGIN IMMEDIATE") != LF_OK) {
			w->busy = 0;
			pthread_cond_signal(&w->turn);
			pthread_mutex_unlock(&w->m);
			return LF_ERR_DB;
		}
		w->in_tx = 1;
	}
	pthread_mutex_unlock(&w->m);
	if (lf_sqlite_exec(&w->c, "SAVEPOINT lf") != LF_OK) {
		pthread_mutex_lock(&w->m);
		writer_done(w);
		pthread_mutex_unlock(&w->m);
		return LF_ERR_DB;
	}
	return LF_OK;
}

/* Releases the caller's savepoint into the batch and returns once the
 * batch is committed. */
int lf_sqlite_writer_commit(struct writer *w)
{
	if (lf_sqlite_exec(&w->c, "RELEASE lf") != LF_OK) {
		lf_sqlite_exec(&w->c, "ROLLBACK TO lf");
		lf_sqlite_exec(&w->c, "RELEASE lf");
		pthread_mutex_lock(&w->m);
		writer_done(w);
		pthread_mutex_unlock(&w->m);
		return LF_ERR_DB;
	}
	pthread_mutex_lock(&w->m);
	uint64_t mine = w->batch;
	w->batch_size++;
	writer_done(w);
	while (w->done < mine)
		pthread_cond_wait(&w->durable, &w->m);
	int ret = w->done - mine < RESULT_RING ? w->results[mine % RESULT_RING] : LF_OK;
	pthread_mutex_unlock(&w->m);
	return ret;
}

void lf_sqlite_writer_rollback(struct writer *w)
{
	lf_sqlite_exec(&w->c, "ROLLBACK TO lf");
	lf_sqlite_exec(&w->c, "RELEASE lf");
	pthread_mutex_lock(&w->m);
	writer_done(w);
	pthread_mutex_unlock(&w->m);
}
