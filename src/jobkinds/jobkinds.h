/*
 * jobkinds.h - the job table: every kind of background job, the domain
 * function that runs it, and the periodic tasks (the lease sweeper).
 *
 * Why a module of its own: jobs/ is the generic queue and runner, and the
 * domain modules (imports/, export/, payout/) enqueue their jobs through
 * it, so the table that maps kinds back to those modules cannot live in
 * jobs/ without a dependency loop; and it is not a concern of the command
 * line either, which only decides how many job threads a process runs.
 * `labelflow serve` and `labelflow worker` both start their job threads
 * here, so they can never disagree about what a job kind means.
 */
#ifndef LF_JOBKINDS_H
#define LF_JOBKINDS_H

#include "blob/blob.h"
#include "blob/pool.h"
#include "config/config.h"
#include "jobs/jobs.h"
#include "store/store.h"

/* What the handlers work on. Everything it points to must outlive the
 * runner. */
typedef struct lf_jobkinds_ctx {
	lf_store *store;
	lf_blob_store *blobs;
	lf_blob_pool *buckets; /* bucket sources and export targets */
	/* Job lease, sweep interval, the payout webhook adapter (configured on
	 * the server, never through the API) and the exports' spool folder. */
	const lf_config *cfg;
	/* The server's JWT key (32 bytes), which signs the media links ML
	 * backends are sent. */
	const unsigned char *jwt_key;
	/* Set by lf_jobkinds_start once the runner exists (atomically: its
	 * ticker thread reads it), so that the webhook dispatcher wakes the
	 * workers for the deliveries it queued instead of letting them poll. */
	lf_jobs *runner;
} lf_jobkinds_ctx;

/*
 * Starts a job runner with threads workers (0: periodic tasks only) that
 * runs imports, exports, payouts, bucket syncs and webhook deliveries, sweeps
 * expired task leases and dispatches webhook events. ctx
 * must outlive the runner. Owner: caller, released with lf_jobs_stop.
 */
int lf_jobkinds_start(lf_jobkinds_ctx *ctx, int threads, lf_jobs **out);

#endif
