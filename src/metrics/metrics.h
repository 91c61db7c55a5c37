/*
 * metrics.h - the process's counters for /metrics that the domain modules
 * keep (task transitions, lease expiries, jobs, database pool waits, audit
 * verification), and the process's own figures from /proc/self, written in
 * the Prometheus text format. The HTTP counters are the server's
 * (lf_http_metrics); what the database knows (queue depths, escrow) is
 * read at scrape time by the handler (api_health.c).
 *
 * Counters are process-wide and live as long as the process: every label
 * set is known in advance (an event, a stage, a job kind of the job
 * table), so cardinality is bounded. The hot-path calls (transitions) are
 * one relaxed atomic add each, with no lock; job counters take a mutex,
 * which costs nothing next to a job.
 */
#ifndef LF_METRICS_H
#define LF_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "workflow/workflow.h"

/*
 * Counts one task operation of event ev, with ret its result code: ok,
 * refused (a client's mistake or a lost race: conflict, forbidden...),
 * error (database, memory). A claim (LF_EV_CLAIM) is counted by stage
 * (1..3) and also as "empty" when no task was waiting (empty nonzero).
 */
void lf_metrics_task(lf_wf_event ev, int stage, int ret, int empty);
/* Counts n leases returned by the sweeper. */
void lf_metrics_leases_expired(int n);
/* Counts one run of a job of kind (ok or failed) that took us. kind must
 * live as long as the process (the job table's string). */
void lf_metrics_job(const char *kind, int ok, int64_t us);
/* Counts one wait for a pooled database connection that took us. */
void lf_metrics_pool_wait(int64_t us);
/* Records the outcome of an audit chain verification (ok: intact). */
void lf_metrics_audit_verified(int ok, int64_t records);
/* Counts one sealed audit batch of records records, n of them with their
 * seal lag (ms from append to sealing) in lag_ms. */
void lf_metrics_audit_sealed(int64_t records, const int64_t *lag_ms, int n);
/* Sets how many checkpoints the database holds that LABELFLOW_AUDIT_ANCHOR
 * does not yet (shown once the anchor has been synced by this process). */
void lf_metrics_audit_anchor_lag(int64_t batches);
/* Writes every counter above, then the process metrics, to f. */
void lf_metrics_write(FILE *f);

#endif
