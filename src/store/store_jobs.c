/*
 * store_jobs.c - rows of the background job queue.
 *
 * Claiming is one UPDATE whose WHERE picks a single id with a sub-SELECT
 * ordered like a partial index (jobs_running for expired leases, jobs_ready
 * for queued jobs), so a claim reads the head of the queue only, however
 * many finished jobs the table holds. On SQLite the writer transaction
 * already serializes claimers; on PostgreSQL the same sub-SELECT carries
 * FOR UPDATE SKIP LOCKED so concurrent claimers skip each other's rows
 * instead of queueing on them.
 */
#include "store/db.h"

#include <string.h>

#define JOB_COLS                                                                                   \
	"id, kind, payload, status, attempts, max_attempts, run_after,"                            \
	" lease_owner, lease_expires, last_error, created_at, updated_at"

/* The kind filter: $4 = 0 means any kind, else kind must be one of $5..$12
 * (unused slots are NULL, which never compare equal). */
#define KIND_FILTER  " AND ($4 = 0 OR kind IN ($5, $6, $7, $8, $9, $10, $11, $12))"
#define CLAIM_PARAMS (4 + LF_JOB_KINDS_MAX)

#define CLAIM_EXPIRED(lock)                                                                        \
	"UPDATE jobs SET lease_owner = $1, lease_expires = $2, attempts = attempts + 1,"           \
	" updated_at = $3 WHERE id = (SELECT id FROM jobs WHERE status = 'running'"                \
	" AND lease_expires < $3 AND attempts < max_attempts" KIND_FILTER                          \
	" ORDER BY lease_expires, id LIMIT 1" lock ") RETURNING " JOB_COLS
#define CLAIM_QUEUED(lock)                                                                         \
	"UPDATE jobs SET status = 'running', lease_owner = $1, lease_expires = $2,"                \
	" attempts = attempts + 1, updated_at = $3 WHERE id = (SELECT id FROM jobs"                \
	" WHERE status = 'queued' AND run_after <= $3" KIND_FILTER                                 \
	" ORDER BY run_after, id LIMIT 1" lock ") RETURNING " JOB_COLS
#define PG_LOCK " FOR UPDATE SKIP LOCKED"

static void job_from_row(lf_tx *tx, lf_rows *r, lf_job_row *j);
static int job_query_one(lf_tx *tx, const char *sql, const lf_val *p, int n, lf_job_row *out);
static int reap_exhausted(lf_tx *tx, int64_t now);
static int owner_update(lf_tx *tx, const char *sql, const lf_val *p, int n);

static void job_from_row(lf_tx *tx, lf_rows *r, lf_job_row *j)
{
	j->id = lf_rows_int(r, 0);
	j->kind = lf_rows_dup(tx, r, 1);
	j->payload = lf_rows_dup(tx, r, 2);
	j->status = lf_rows_dup(tx, r, 3);
	j->attempts = (int)lf_rows_int(r, 4);
	j->max_attempts = (int)lf_rows_int(r, 5);
	j->run_after = lf_rows_int(r, 6);
	j->lease_owner = lf_rows_dup(tx, r, 7);
	j->lease_expires = lf_rows_int(r, 8);
	j->last_error = lf_rows_dup(tx, r, 9);
	j->created_at = lf_rows_int(r, 10);
	j->updated_at = lf_rows_int(r, 11);
}

/* Runs a statement returning JOB_COLS and copies its only row. */
static int job_query_one(lf_tx *tx, const char *sql, const lf_val *p, int n, lf_job_row *out)
{
	lf_rows *r = NULL;
	int ret = lf_db_query(tx, sql, p, n, &r);
	if (ret != LF_OK)
		return ret;
	int rc = lf_rows_next(r);
	if (rc < 0) {
		ret = rc;
		goto cleanup;
	}
	if (rc == 0) {
		ret = LF_ERR_NOTFOUND;
		goto cleanup;
	}
	job_from_row(tx, r, out);
	if (out->kind == NULL || out->payload == NULL || out->status == NULL ||
	    (out->lease_owner == NULL && !lf_rows_null(r, 7)) ||
	    (out->last_error == NULL && !lf_rows_null(r, 9)))
		ret = LF_ERR_NOMEM;
cleanup:
	lf_rows_close(r);
	return ret;
}

/*
 * A job whose worker lost its lease on the last allowed attempt would
 * otherwise stay 'running' forever (the claim skips it): it most likely
 * crashes or hangs its worker, so it fails with the worker's name.
 */
static int reap_exhausted(lf_tx *tx, int64_t now)
{
	lf_val p[] = {LF_VINT(now)};
	return lf_db_exec(
	    tx,
	    "UPDATE jobs SET status = 'failed', lease_expires = NULL, updated_at = $1,"
	    " last_error = 'lease of ' || lease_owner || ' expired on attempt '"
	    " || attempts || COALESCE(' (previous error: ' || last_error || ')', '')"
	    " WHERE status = 'running' AND lease_expires < $1"
	    " AND attempts >= max_attempts",
	    p, 1, NULL);
}

/* Runs an owner-checked UPDATE: no row changed means the lease is lost. */
static int owner_update(lf_tx *tx, const char *sql, const lf_val *p, int n)
{
	int64_t changes = 0;
	int ret = lf_db_exec(tx, sql, p, n, &changes);
	if (ret == LF_OK && changes == 0)
		ret = LF_ERR_CONFLICT;
	return ret;
}

int lf_store_job_insert(lf_tx *tx, const char *kind, const char *payload_json_text,
			int64_t run_after_ms, int max_attempts, int64_t now, int64_t *id)
{
	if (kind == NULL || kind[0] == '\0' || strlen(kind) > LF_JOB_KIND_MAX || max_attempts < 1)
		return LF_ERR_INVALID;
	lf_val p[] = {LF_VTEXT(kind),
		      LF_VTEXT(payload_json_text != NULL ? payload_json_text : "{}"),
		      LF_VINT(max_attempts), LF_VINT(run_after_ms), LF_VINT(now)};
	return lf_db_query_int(tx,
			       "INSERT INTO jobs (kind, payload, status, attempts, max_attempts,"
			       " run_after, created_at, updated_at)"
			       " VALUES ($1, $2, 'queued', 0, $3, $4, $5, $5) RETURNING id",
			       p, 5, id);
}

int lf_store_job_claim(lf_tx *tx, const char *owner, int64_t now, int64_t lease_ms,
		       const char *const *kinds, lf_job_row *out)
{
	lf_val p[CLAIM_PARAMS];
	int nkinds = 0;
	int ret;

	if (owner == NULL || lease_ms <= 0)
		return LF_ERR_INVALID;
	p[0] = LF_VTEXT(owner);
	p[1] = LF_VINT(now + lease_ms);
	p[2] = LF_VINT(now);
	for (int i = 0; i < LF_JOB_KINDS_MAX; i++)
		p[4 + i] = LF_VTEXT(NULL);
	for (; kinds != NULL && kinds[nkinds] != NULL; nkinds++) {
		if (nkinds == LF_JOB_KINDS_MAX)
			return LF_ERR_INVALID;
		p[4 + nkinds] = LF_VTEXT(kinds[nkinds]);
	}
	p[3] = LF_VINT(nkinds);
	if ((ret = reap_exhausted(tx, now)) != LF_OK)
		return ret;
	/* Expired leases first: their jobs were queued before anything still
	 * waiting in the queue, and they are few. */
	ret = job_query_one(tx, lf_db_is_sqlite(tx) ? CLAIM_EXPIRED("") : CLAIM_EXPIRED(PG_LOCK), p,
			    CLAIM_PARAMS, out);
	if (ret != LF_ERR_NOTFOUND)
		return ret;
	return job_query_one(tx, lf_db_is_sqlite(tx) ? CLAIM_QUEUED("") : CLAIM_QUEUED(PG_LOCK), p,
			     CLAIM_PARAMS, out);
}

int lf_store_job_heartbeat(lf_tx *tx, int64_t id, const char *owner, int64_t now, int64_t lease_ms)
{
	lf_val p[] = {LF_VINT(id), LF_VTEXT(owner), LF_VINT(now), LF_VINT(now + lease_ms)};
	return owner_update(tx,
			    "UPDATE jobs SET lease_expires = $4, updated_at = $3"
			    " WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
			    p, 4);
}

int lf_store_job_finish(lf_tx *tx, int64_t id, const char *owner, int64_t now)
{
	lf_val p[] = {LF_VINT(id), LF_VTEXT(owner), LF_VINT(now)};
	return owner_update(tx,
			    "UPDATE jobs SET status = 'done', lease_expires = NULL, updated_at = $3"
			    " WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
			    p, 3);
}

int lf_store_job_fail(lf_tx *tx, int64_t id, const char *owner, int64_t now, const char *error,
		      int64_t retry_at, int *failed)
{
	lf_val p[] = {LF_VINT(id), LF_VTEXT(owner), LF_VINT(now),
		      LF_VTEXT(error != NULL ? error : "failed"), LF_VINT(retry_at)};
	int64_t is_failed = 0;
	int ret = lf_db_query_int(tx,
				  "UPDATE jobs SET status = CASE WHEN $5 < 0"
				  " OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END,"
				  " run_after = CASE WHEN $5 < 0 THEN run_after ELSE $5 END,"
				  " lease_expires = NULL, last_error = $4, updated_at = $3"
				  " WHERE id = $1 AND lease_owner = $2 AND status = 'running'"
				  " RETURNING CASE WHEN status = 'failed' THEN 1 ELSE 0 END",
				  p, 5, &is_failed);
	if (ret == LF_ERR_NOTFOUND)
		ret = LF_ERR_CONFLICT;
	if (ret == LF_OK && failed != NULL)
		*failed = is_failed != 0;
	return ret;
}

int lf_store_job_release(lf_tx *tx, int64_t id, const char *owner, int64_t now)
{
	lf_val p[] = {LF_VINT(id), LF_VTEXT(owner), LF_VINT(now)};
	return owner_update(
	    tx,
	    "UPDATE jobs SET status = 'queued', run_after = $3, lease_expires = NULL,"
	    " attempts = attempts - 1, updated_at = $3"
	    " WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
	    p, 3);
}

int lf_store_job_get(lf_tx *tx, int64_t id, lf_job_row *out)
{
	lf_val p[] = {LF_VINT(id)};
	return job_query_one(tx, "SELECT " JOB_COLS " FROM jobs WHERE id = $1", p, 1, out);
}

/* The newest job is never deleted: SQLite (the table has no AUTOINCREMENT)
 * would give its id to the next job, and a job id a client was handed must
 * never come to name another job. */
int lf_store_job_prune(lf_tx *tx, int64_t before_ms, int limit, int64_t *n)
{
	lf_val v[] = {LF_VINT(before_ms), LF_VINT(limit)};
	return lf_db_exec(tx,
			  "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status IN"
			  " ('done', 'failed') AND updated_at < $1"
			  " AND id < (SELECT MAX(id) FROM jobs) ORDER BY id LIMIT $2)",
			  v, 2, n);
}

int lf_store_job_count(lf_tx *tx, const char *status, int64_t *n)
{
	lf_val v[] = {LF_VTEXT(status)};
	return lf_db_query_int(tx, "SELECT COUNT(*) FROM jobs WHERE $1 IS NULL OR status = $1", v,
			       1, n);
}
