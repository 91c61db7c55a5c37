/*
 * store_jobs.h - rows of the background job queue (see jobs/jobs.h).
 * Included by store.h.
 *
 * A job is 'queued' until a worker claims it, 'running' while a worker holds
 * its lease (lease_owner until lease_expires), then 'done' or 'failed'. A
 * running job whose lease ran out (its worker died or hung) is claimable
 * again. Every claim counts as an attempt, so a job that kills its worker
 * cannot loop forever: at max_attempts it becomes 'failed'.
 *
 * The owner-checking functions (heartbeat, finish, fail, release) return
 * LF_ERR_CONFLICT when the job is no longer running under owner: its lease
 * expired and someone else claimed it, so this worker's result is void.
 */
#ifndef LF_STORE_JOBS_H
#define LF_STORE_JOBS_H

#define LF_JOB_KIND_MAX	 64 /* bytes in a kind name */
#define LF_JOB_KINDS_MAX 8  /* kinds in a claim filter */

typedef struct lf_job_row {
	int64_t id;
	const char *kind;
	const char *payload; /* JSON text */
	const char *status;  /* queued | running | done | failed */
	int attempts;	     /* claims so far, including the current one */
	int max_attempts;
	int64_t run_after;	 /* ms; not claimable before */
	const char *lease_owner; /* NULL until first claimed */
	int64_t lease_expires;	 /* ms; 0 when not leased */
	const char *last_error;	 /* NULL when no attempt failed */
	int64_t created_at, updated_at;
} lf_job_row;

/*
 * Queues a job of kind (1..LF_JOB_KIND_MAX bytes) with payload_json_text (stored as given; NULL
 * means "{}"), claimable from run_after_ms on, tried at most max_attempts (>= 1) times.
 * LF_ERR_INVALID for a bad kind or max_attempts.
 */
int lf_store_job_insert(lf_tx *tx, const char *kind, const char *payload_json_text,
			int64_t run_after_ms, int max_attempts, int64_t now, int64_t *id);

/*
 * Claims the next runnable job for owner: first a running job whose lease
 * expired before now (oldest lease first), else the queued job with the
 * smallest (run_after, id) among those with run_after <= now. The job
 * becomes running under owner until now + lease_ms and its attempts grow by
 * one. kinds (NULL = any) is a NULL-terminated list of at most
 * LF_JOB_KINDS_MAX kinds restricting what is claimed (LF_ERR_INVALID for
 * more). Expired jobs that already used all their attempts are marked
 * failed on the way. Must run in a write transaction. LF_ERR_NOTFOUND when
 * nothing is runnable. Strings of *out live in the tx arena.
 */
int lf_store_job_claim(lf_tx *tx, const char *owner, int64_t now, int64_t lease_ms,
		       const char *const *kinds, lf_job_row *out);

/* Extends owner's lease on job id to now + lease_ms. */
int lf_store_job_heartbeat(lf_tx *tx, int64_t id, const char *owner, int64_t now, int64_t lease_ms);

/* Marks owner's running job done. */
int lf_store_job_finish(lf_tx *tx, int64_t id, const char *owner, int64_t now);

/*
 * Records a failed attempt with error as last_error. With retry_at >= 0 and
 * attempts left the job is queued again, claimable from retry_at; with
 * retry_at < 0 (a permanent failure) or no attempts left it becomes failed.
 * *failed (may be NULL) tells which happened.
 */
int lf_store_job_fail(lf_tx *tx, int64_t id, const char *owner, int64_t now, const char *error,
		      int64_t retry_at, int *failed);

/*
 * Gives owner's running job back untried: queued, claimable now, the
 * attempt it was claimed with not counted. For a worker shutting down.
 */
int lf_store_job_release(lf_tx *tx, int64_t id, const char *owner, int64_t now);

/* Reads job id; strings of *out live in the tx arena. */
int lf_store_job_get(lf_tx *tx, int64_t id, lf_job_row *out);
/* How many jobs are in status (NULL: in any status). */
int lf_store_job_count(lf_tx *tx, const char *status, int64_t *n);
/* Deletes up to limit finished (done or failed) jobs last updated before
 * before_ms; *n gets how many. */
int lf_store_job_prune(lf_tx *tx, int64_t before_ms, int limit, int64_t *n);

#endif
