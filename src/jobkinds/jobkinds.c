/*
 * jobkinds.c - the job table: which domain function runs each job kind,
 * and the periodic tasks every job-running process carries out.
 */
#include "jobkinds/jobkinds.h"
#include "core/log.h"

#include <stdio.h>

#include "export/job.h"
#include "imports/imports.h"
#include "ml/ml.h"
#include "payout/batch.h"
#include "sources/sources.h"
#include "tasks/tasks.h"
#include "webhooks/webhooks.h"

static int payload_id(const lf_job *job, const char *key, int64_t *id, char *err, size_t errlen);
static int job_import(void *ud, lf_job *job, char *err, size_t errlen);
static int job_payout(void *ud, lf_job *job, char *err, size_t errlen);
static int job_export(void *ud, lf_job *job, char *err, size_t errlen);
static int job_source_sync(void *ud, lf_job *job, char *err, size_t errlen);
static int job_ml_predict(void *ud, lf_job *job, char *err, size_t errlen);
static int job_webhook(void *ud, lf_job *job, char *err, size_t errlen);
static int periodic_sweep(void *ud);
static int periodic_webhooks(void *ud);
static int prune_tx(lf_tx *tx, void *ud);
static int periodic_retention(void *ud);

/* Rows one retention transaction deletes at most: short write
 * transactions, so SQLite's single writer is never held for long. */
#define PRUNE_BATCH 1000

/* The id a job's payload names; a job without it can never succeed. */
static int payload_id(const lf_job *job, const char *key, int64_t *id, char *err, size_t errlen)
{
	json_t *v = json_object_get(job->payload, key);
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "%s job without %s", job->kind, key);
		return LF_ERR_INVALID;
	}
	*id = json_integer_value(v);
	return LF_OK;
}

static int job_import(void *ud, lf_job *job, char *err, size_t errlen)
{
	lf_jobkinds_ctx *ctx = ud;
	int64_t id;
	int ret = payload_id(job, "import_id", &id, err, errlen);
	return ret != LF_OK ? ret
			    : lf_imports_run(ctx->store, ctx->blobs, id, NULL, NULL, err, errlen);
}

/*
 * Pays a payout batch. The webhook adapter is configured on the server
 * (LABELFLOW_PAYOUT_WEBHOOK_URL / _SECRET), never through the API, so its
 * secret is neither stored in the database nor sent by clients.
 */
static int job_payout(void *ud, lf_job *job, char *err, size_t errlen)
{
	lf_jobkinds_ctx *ctx = ud;
	const lf_config *cfg = ctx->cfg;
	json_t *webhook = NULL;
	int64_t id;
	int ret = payload_id(job, "batch_id", &id, err, errlen);
	if (ret != LF_OK)
		goto cleanup;
	if (cfg->payout_webhook_url != NULL && cfg->payout_webhook_secret != NULL &&
	    (webhook = json_pack("{s:s,s:s,s:i,s:s*,s:b}", "url", cfg->payout_webhook_url, "secret",
				 cfg->payout_webhook_secret, "timeout_ms",
				 cfg->payout_webhook_timeout_ms, "allow", cfg->outbound_allow,
				 "allow_private", cfg->payout_webhook_allow_private)) == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	ret = lf_payout_batch_run(ctx->store, ctx->blobs, id, webhook,
				  job->attempt >= job->max_attempts, err, errlen);
cleanup:
	json_decref(webhook);
	return ret;
}

static int job_export(void *ud, lf_job *job, char *err, size_t errlen)
{
	lf_jobkinds_ctx *ctx = ud;
	int64_t id;
	int ret = payload_id(job, "export_id", &id, err, errlen);
	return ret != LF_OK ? ret
			    : lf_export_run(ctx->store, ctx->blobs, ctx->buckets, ctx->cfg->tmpdir,
					    id, err, errlen);
}

static int job_source_sync(void *ud, lf_job *job, char *err, size_t errlen)
{
	lf_jobkinds_ctx *ctx = ud;
	int64_t id;
	int ret = payload_id(job, "sync_id", &id, err, errlen);
	return ret != LF_OK ? ret
			    : lf_sources_sync_run(ctx->store, ctx->buckets, id, job, err, errlen);
}

/* One batch of predictions; the allow-list and the answer cap are the
 * server's, as for the calls the API makes. */
static int job_ml_predict(void *ud, lf_job *job, char *err, size_t errlen)
{
	lf_jobkinds_ctx *ctx = ud;
	lf_ml_env env = {.allow = ctx->cfg->outbound_allow,
			 .answer_max = (size_t)ctx->cfg->ml_answer_max,
			 .public_url = ctx->cfg->public_url,
			 .jwt_key = ctx->jwt_key};
	return lf_ml_job(ctx->store, &env, job, err, errlen);
}

/* Drains one webhook; deliver.c queues its next drain itself, with the
 * webhooks' own backoff. A job of the earlier one-delivery kind names
 * its webhook too, and drains it. */
static int job_webhook(void *ud, lf_job *job, char *err, size_t errlen)
{
	lf_jobkinds_ctx *ctx = ud;
	const lf_config *cfg = ctx->cfg;
	lf_webhooks_opts o = {.allow = cfg->outbound_allow,
			      .retry_ms = cfg->webhook_retry_ms,
			      .attempts = cfg->webhook_attempts,
			      .timeout_ms = cfg->webhook_timeout_ms,
			      .lease_ms =
				  cfg->job_lease_ms > 0 ? cfg->job_lease_ms : LF_JOBS_LEASE_MS};
	int64_t pid, wid;
	int again = 0;
	int ret = payload_id(job, "webhook_id", &wid, err, errlen);
	if (ret == LF_OK)
		ret = payload_id(job, "project_id", &pid, err, errlen);
	if (ret == LF_OK)
		ret = lf_webhooks_drain(ctx->store, &o, pid, wid, job, &again, err, errlen);
	lf_jobs *runner = __atomic_load_n(&ctx->runner, __ATOMIC_ACQUIRE);
	if (again && runner != NULL)
		lf_jobs_kick(runner);
	return ret;
}

/* Turns sealed audit records into webhook deliveries; every process may
 * run it (they take turns on the cursor). */
static int periodic_webhooks(void *ud)
{
	lf_jobkinds_ctx *ctx = ud;
	int made = 0;
	int ret = lf_webhooks_dispatch(ctx->store, &made);
	lf_jobs *runner = __atomic_load_n(&ctx->runner, __ATOMIC_ACQUIRE);
	if (made > 0 && runner != NULL)
		lf_jobs_kick(runner);
	return ret;
}

/* One batch of what a pruner deletes. */
struct prune {
	int (*fn)(lf_tx *tx, int64_t before_ms, int limit, int64_t *n);
	int64_t before_ms, n;
};

static int prune_tx(lf_tx *tx, void *ud)
{
	struct prune *p = ud;
	return p->fn(tx, p->before_ms, PRUNE_BATCH, &p->n);
}

/* Deletes finished jobs and finished webhook deliveries older than
 * LABELFLOW_RETAIN_DAYS (0 keeps everything): both tables otherwise grow
 * by a row per delivery and per job for ever. Queued, running and pending
 * rows are never touched, whatever their age. */
static int periodic_retention(void *ud)
{
	lf_jobkinds_ctx *ctx = ud;
	int (*const fns[])(lf_tx *, int64_t, int, int64_t *) = {lf_store_job_prune,
								lf_store_delivery_prune};
	int64_t total = 0;
	int ret = LF_OK;
	if (ctx->cfg->retain_days <= 0)
		return LF_OK;
	for (size_t i = 0; i < LF_ARRAY_LEN(fns) && ret == LF_OK; i++) {
		struct prune p = {.fn = fns[i],
				  .before_ms =
				      lf_now_ms() - (int64_t)ctx->cfg->retain_days * 86400000};
		do {
			p.n = 0;
			ret = lf_store_write(ctx->store, NULL, prune_tx, &p);
			total += p.n;
		} while (ret == LF_OK && p.n == PRUNE_BATCH);
	}
	if (total > 0)
		lf_log(LF_LOG_INFO, "retention deleted %lld finished job(s) and deliveries",
		       (long long)total);
	return ret;
}

/* Returns expired leases to their queues; every process may run it. */
static int periodic_sweep(void *ud)
{
	lf_jobkinds_ctx *ctx = ud;
	int n = 0;
	int ret = lf_tasks_sweep(ctx->store, lf_now_ms(), &n);
	if (n > 0)
		lf_log(LF_LOG_INFO, "sweeper returned %d expired lease(s)", n);
	return ret;
}

int lf_jobkinds_start(lf_jobkinds_ctx *ctx, int threads, lf_jobs **out)
{
	const lf_job_handler handlers[] = {
	    {.kind = LF_IMPORTS_JOB, .fn = job_import, .ud = ctx, .timeout_ms = 6 * 3600 * 1000},
	    {.kind = LF_PAYOUTS_JOB, .fn = job_payout, .ud = ctx, .timeout_ms = 3600 * 1000},
	    {.kind = LF_EXPORTS_JOB, .fn = job_export, .ud = ctx, .timeout_ms = 6 * 3600 * 1000},
	    {.kind = LF_SOURCES_JOB,
	     .fn = job_source_sync,
	     .ud = ctx,
	     .timeout_ms = 6 * 3600 * 1000},
	    {.kind = LF_ML_JOB, .fn = job_ml_predict, .ud = ctx, .timeout_ms = 3600 * 1000},
	    {.kind = LF_WEBHOOKS_JOB, .fn = job_webhook, .ud = ctx, .timeout_ms = 15 * 60 * 1000},
	    {.kind = LF_WEBHOOKS_JOB_V1,
	     .fn = job_webhook,
	     .ud = ctx,
	     .timeout_ms = 15 * 60 * 1000},
	};
	const lf_job_periodic periodic[] = {
	    {.name = "lease-sweeper",
	     .interval_ms = ctx->cfg->sweep_ms,
	     .fn = periodic_sweep,
	     .ud = ctx},
	    {.name = "webhook-dispatch",
	     .interval_ms = ctx->cfg->webhook_dispatch_ms,
	     .fn = periodic_webhooks,
	     .ud = ctx},
	    {.name = "retention",
	     .interval_ms = ctx->cfg->retention_ms,
	     .fn = periodic_retention,
	     .ud = ctx},
	};
	/* Webhook deliveries take milliseconds and their lag is what a
	 * receiver sees: they get the express lane, so an import's thousands
	 * of prediction jobs (or a long export) never hold them back. */
	static const char *const express[] = {LF_WEBHOOKS_JOB, LF_WEBHOOKS_JOB_V1, NULL};
	/* A job whose process died is taken over once its lease runs out. */
	lf_jobs_config jc = {
	    .threads = threads, .lease_ms = ctx->cfg->job_lease_ms, .express = express};
	int ret = lf_jobs_start_cfg(ctx->store, &jc, handlers, LF_ARRAY_LEN(handlers), periodic,
				    LF_ARRAY_LEN(periodic), out);
	if (ret == LF_OK)
		__atomic_store_n(&ctx->runner, *out, __ATOMIC_RELEASE);
	return ret;
}
