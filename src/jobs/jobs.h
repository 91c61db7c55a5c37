/*
 * jobs.h - the background job queue: a runner of worker threads inside a
 * process (`labelflow serve` embeds one, `labelflow worker` runs only it).
 *
 * Jobs live in the database (store_jobs.h), so any process sharing it can
 * run them. Delivery is at least once: a job whose worker dies, or whose
 * lease is lost, runs again elsewhere, so handlers must be idempotent (or
 * check in their own transaction whether the work is already done).
 *
 * Leases: a worker claims a job for lease_ms (30 s by default). While the
 * handler runs, a keeper thread renews the lease every lease_ms / 3, so a
 * handler needs no heartbeats of its own and a live worker keeps its job.
 * The keeper stops renewing once the handler has run longer than its
 * timeout: C cannot kill a thread safely, so a runaway handler is not
 * stopped, but its lease runs out and another worker may take the job over
 * (its late result is then discarded, see lf_jobs_stopping). A handler that
 * works in long steps should test lf_jobs_stopping(job) between steps and
 * return early when it says so.
 *
 * Outcome of a handler call:
 *   LF_OK           the job is done.
 *   LF_ERR_INVALID  permanent failure: no retry (bad payload, missing row).
 *   other errors    retried after a backoff of min(60 s, 500 ms *
 *                   2^(attempt-1)), jittered down to half of that at
 *                   random so failing jobs spread out; after max_attempts
 *                   the job is failed. err is stored as last_error.
 * A job of a kind no handler knows fails permanently. When the runner is
 * stopping and the handler returns a retryable error (it was interrupted),
 * the job is given back untried instead: the attempt is not counted.
 *
 * Polling: idle workers sleep up to poll_ms (500 ms) so jobs enqueued by
 * other processes are found; lf_jobs_kick wakes them at once for jobs
 * enqueued by this one.
 */
#ifndef LF_JOBS_H
#define LF_JOBS_H

#include <jansson.h>
#include <stdbool.h>

#include "store/store.h"

#define LF_JOBS_LEASE_MS       30000
#define LF_JOBS_POLL_MS	       500
#define LF_JOBS_BACKOFF_MS     500
#define LF_JOBS_BACKOFF_MAX_MS 60000
#define LF_JOBS_TIMEOUT_MS     (10 * 60 * 1000) /* for a handler with timeout_ms 0 */
#define LF_JOBS_MAX_ATTEMPTS   5
#define LF_JOBS_MAX_THREADS    256

typedef struct lf_jobs lf_jobs;
typedef struct lf_jobs_slot lf_jobs_slot;

/* The job a handler is called with. Valid only during the call. */
typedef struct lf_job {
	int64_t id;
	const char *kind;
	json_t *payload; /* borrowed: the runner releases it after the call */
	int attempt;	 /* 1 on the first try */
	int max_attempts;
	const char *last_error; /* the previous attempt's error, or NULL */
	lf_jobs_slot *slot;	/* the runner's bookkeeping; do not touch */
} lf_job;

/*
 * A handler: returns LF_OK, LF_ERR_INVALID (do not retry) or another error
 * (retry), writing a sentence about a failure to err (may stay empty).
 * Called on a worker thread; it opens its own transactions.
 */
typedef int (*lf_job_fn)(void *ud, lf_job *job, char *err, size_t errlen);

typedef struct lf_job_handler {
	const char *kind;
	lf_job_fn fn;
	void *ud;
	int64_t timeout_ms; /* 0 = LF_JOBS_TIMEOUT_MS */
} lf_job_handler;

/*
 * A task run every interval_ms by the runner's ticker thread, first one
 * interval after start (e.g. a sweeper of stale rows). Every process runs
 * its own, so fn must tolerate running concurrently in several processes.
 * A returned error is logged; the task runs again at the next interval.
 */
typedef struct lf_job_periodic {
	const char *name;
	int64_t interval_ms;
	int (*fn)(void *ud);
	void *ud;
} lf_job_periodic;

/* Tuning; a zero field takes the default named beside it. */
typedef struct lf_jobs_config {
	int threads;		/* worker threads, 0..LF_JOBS_MAX_THREADS */
	int64_t lease_ms;	/* LF_JOBS_LEASE_MS */
	int64_t poll_ms;	/* LF_JOBS_POLL_MS */
	int64_t backoff_ms;	/* LF_JOBS_BACKOFF_MS: the first retry's delay */
	int64_t backoff_max_ms; /* LF_JOBS_BACKOFF_MAX_MS */
	/* NULL, or a NULL-terminated list of at most LF_JOB_KINDS_MAX kinds
	 * that one more worker (beyond threads, when threads > 0) claims
	 * alone: the express lane. Workers take jobs in run_after order, so
	 * thousands of long jobs queued at once (an import's predictions)
	 * would otherwise hold back short urgent ones (webhook deliveries)
	 * until they all ran. The other workers still take every kind. */
	const char *const *express;
} lf_jobs_config;

/*
 * Starts a runner with threads workers on s (which must outlive it),
 * handling the nh kinds of h and running the np tasks of p. The arrays are
 * copied; the strings and ud pointers in them must outlive the runner.
 * Workers claim jobs of every kind, so that a job nobody can run fails
 * visibly instead of waiting forever. Owner: caller, released with
 * lf_jobs_stop.
 */
int lf_jobs_start(lf_store *s, int threads, const lf_job_handler *h, size_t nh,
		  const lf_job_periodic *p, size_t np, lf_jobs **out);
/* Same, with the tuning of cfg (threads included). */
int lf_jobs_start_cfg(lf_store *s, const lf_jobs_config *cfg, const lf_job_handler *h, size_t nh,
		      const lf_job_periodic *p, size_t np, lf_jobs **out);

/*
 * Queues a job inside the caller's write transaction tx, so it exists iff
 * tx commits. payload (may be NULL for {}) is serialized; the caller keeps
 * its reference. Runnable delay_ms from now, tried LF_JOBS_MAX_ATTEMPTS
 * times. *id (may be NULL) gets the job id.
 */
int lf_jobs_enqueue(lf_tx *tx, const char *kind, const json_t *payload, int64_t delay_ms,
		    int64_t *id);
/* Same, tried at most max_attempts (>= 1) times. */
int lf_jobs_enqueue_max(lf_tx *tx, const char *kind, const json_t *payload, int64_t delay_ms,
			int max_attempts, int64_t *id);

/* Wakes idle workers now: call after the transaction that enqueued
 * commits, instead of waiting up to poll_ms. */
void lf_jobs_kick(lf_jobs *r);

/*
 * Renews the job's lease now (the keeper does it anyway; a handler may call
 * this right before a step that must not be taken over). It takes the
 * store's writer, so never call it while holding a write transaction.
 * LF_ERR_CONFLICT
 * when the lease was lost (another worker owns the job: stop, the result
 * will be discarded), LF_ERR_LIMIT when the handler is past its timeout.
 */
int lf_jobs_heartbeat(lf_job *job);

/* True when the handler should return soon: the runner is stopping, the
 * handler is past its timeout, or the lease was lost. */
bool lf_jobs_stopping(const lf_job *job);

/*
 * Stops claiming, waits for running handlers to return (recording their
 * results), joins every thread and frees the runner. NULL is allowed.
 */
void lf_jobs_stop(lf_jobs *r);

#endif
