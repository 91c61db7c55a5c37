/*
 * test_jobs.c - the job queue rows and the runner, on a real SQLite
 * database in a temporary folder.
 */
#include "jobs/jobs.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#define NMANY	500
#define WAIT_MS 10000
#define DEAD	"dead-host:1:1"

/* What handlers saw, shared with the test body. */
struct probe {
	atomic_int calls;
	atomic_int started;
	atomic_int fail_first; /* fail this many attempts, then succeed */
	atomic_int last_n;
	atomic_int saw_limit;  /* lf_jobs_heartbeat said LF_ERR_LIMIT */
	atomic_int overlap;    /* a job ran twice at the same time */
	int64_t call_ms[8];    /* mono ms of each call */
	int64_t stop_after_ms; /* how long until lf_jobs_stopping said yes */
	char prev_error[64];   /* job->last_error seen on the second call */
	atomic_int counts[NMANY + 1];
	atomic_int running[NMANY + 1];
};

static int64_t mono_ms(void);
static void sleep_ms(int64_t ms);
static int64_t enqueue(lf_fx *f, const char *kind, json_t *payload, int max_attempts);
static void get_job(lf_fx *f, int64_t id, lf_job_row *out);
static int wait_status(lf_fx *f, int64_t id, const char *status);
static int64_t count_jobs(lf_fx *f, const char *status);
static int h_record(void *ud, lf_job *job, char *err, size_t errlen);
static int h_flaky(void *ud, lf_job *job, char *err, size_t errlen);
static int h_invalid(void *ud, lf_job *job, char *err, size_t errlen);
static int h_count(void *ud, lf_job *job, char *err, size_t errlen);
static int h_slow(void *ud, lf_job *job, char *err, size_t errlen);
static int h_until_stopping(void *ud, lf_job *job, char *err, size_t errlen);
static int h_stubborn(void *ud, lf_job *job, char *err, size_t errlen);
static int tick(void *ud);

static int64_t mono_ms(void)
{
	return lf_mono_us() / 1000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static int64_t enqueue(lf_fx *f, const char *kind, json_t *payload, int max_attempts)
{
	lf_tx *tx = NULL;
	int64_t id = 0;
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_jobs_enqueue_max(tx, kind, payload, 0, max_attempts, &id), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	json_decref(payload);
	return id;
}

static void get_job(lf_fx *f, int64_t id, lf_job_row *out)
{
	lf_tx *tx = NULL;
	lf_arena_reset(f->arena);
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_job_get(tx, id, out), LF_OK);
	lf_store_rollback(tx);
}

/* Polls until job id has status; 0 on time-out. */
static int wait_status(lf_fx *f, int64_t id, const char *status)
{
	lf_job_row row;
	int64_t until = mono_ms() + WAIT_MS;
	while (mono_ms() < until) {
		get_job(f, id, &row);
		if (strcmp(row.status, status) == 0)
			return 1;
		sleep_ms(5);
	}
	return 0;
}

static int64_t count_jobs(lf_fx *f, const char *status)
{
	lf_tx *tx = NULL;
	int64_t n = -1;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_job_count(tx, status, &n), LF_OK);
	lf_store_rollback(tx);
	return n;
}

static int h_record(void *ud, lf_job *job, char *err, size_t errlen)
{
	struct probe *pr = ud;
	json_t *n = json_object_get(job->payload, "n");
	if (!json_is_integer(n)) {
		snprintf(err, errlen, "no n");
		return LF_ERR_INVALID;
	}
	atomic_store(&pr->last_n, (int)json_integer_value(n));
	atomic_fetch_add(&pr->calls, 1);
	return LF_OK;
}

static int h_flaky(void *ud, lf_job *job, char *err, size_t errlen)
{
	struct probe *pr = ud;
	int call = atomic_fetch_add(&pr->calls, 1);
	if (call < (int)LF_ARRAY_LEN(pr->call_ms))
		pr->call_ms[call] = mono_ms();
	if (call == 1 && job->last_error != NULL)
		snprintf(pr->prev_error, sizeof(pr->prev_error), "%s", job->last_error);
	if (call < atomic_load(&pr->fail_first)) {
		snprintf(err, errlen, "boom %d", job->attempt);
		return LF_ERR_IO;
	}
	return LF_OK;
}

static int h_invalid(void *ud, lf_job *job, char *err, size_t errlen)
{
	struct probe *pr = ud;
	atomic_fetch_add(&pr->calls, 1);
	snprintf(err, errlen, "bad input");
	return LF_ERR_INVALID;
}

/* Counts runs per job id and notices two runs of one job overlapping. */
static int h_count(void *ud, lf_job *job, char *err, size_t errlen)
{
	struct probe *pr = ud;
	if (job->id < 1 || job->id > NMANY)
		return LF_ERR_INVALID;
	if (atomic_exchange(&pr->running[job->id], 1) != 0)
		atomic_fetch_add(&pr->overlap, 1);
	atomic_fetch_add(&pr->counts[job->id], 1);
	if (job->id % 50 == 0)
		sleep_ms(2);
	atomic_store(&pr->running[job->id], 0);
	atomic_fetch_add(&pr->calls, 1);
	return LF_OK;
}

/* Runs for four leases of 150 ms without calling heartbeat itself. */
static int h_slow(void *ud, lf_job *job, char *err, size_t errlen)
{
	struct probe *pr = ud;
	atomic_fetch_add(&pr->calls, 1);
	sleep_ms(600);
	return LF_OK;
}

static int h_until_stopping(void *ud, lf_job *job, char *err, size_t errlen)
{
	struct probe *pr = ud;
	int64_t start = mono_ms();
	atomic_fetch_add(&pr->started, 1);
	while (!lf_jobs_stopping(job))
		sleep_ms(5);
	pr->stop_after_ms = mono_ms() - start;
	if (lf_jobs_heartbeat(job) == LF_ERR_LIMIT)
		atomic_store(&pr->saw_limit, 1);
	atomic_fetch_add(&pr->calls, 1);
	snprintf(err, errlen, "interrupted");
	return LF_ERR_IO;
}

/* Ignores shutdown: finishes its work after stop began. */
static int h_stubborn(void *ud, lf_job *job, char *err, size_t errlen)
{
	struct probe *pr = ud;
	atomic_fetch_add(&pr->started, 1);
	sleep_ms(300);
	atomic_fetch_add(&pr->calls, 1);
	return LF_OK;
}

static int tick(void *ud)
{
	struct probe *pr = ud;
	atomic_fetch_add(&pr->calls, 1);
	return LF_OK;
}

/* ---- store rows ---- */

static void test_store_claim_order_and_owner(void **state)
{
	lf_fx *f = *state;
	lf_tx *tx = NULL;
	lf_job_row row;
	int64_t a, b, c, d;
	int failed = -1;
	const char *only_b[] = {"b", NULL};
	const char *nine[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", NULL};

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_job_insert(tx, "a", "{\"x\":1}", 300, 3, 100, &a), LF_OK);
	assert_int_equal(lf_store_job_insert(tx, "b", NULL, 200, 3, 100, &b), LF_OK);
	assert_int_equal(lf_store_job_insert(tx, "a", "[]", 200, 3, 100, &c), LF_OK);
	assert_int_equal(lf_store_job_insert(tx, "a", "{}", 5000, 3, 100, &d), LF_OK);
	assert_int_equal(lf_store_job_insert(tx, "", "{}", 0, 3, 100, &d), LF_ERR_INVALID);
	assert_int_equal(lf_store_job_insert(tx, "a", "{}", 0, 0, 100, &d), LF_ERR_INVALID);
	assert_int_equal(lf_store_job_claim(tx, "w", 1000, 100, nine, &row), LF_ERR_INVALID);
	/* Nothing is due before run_after. */
	assert_int_equal(lf_store_job_claim(tx, "w", 150, 100, NULL, &row), LF_ERR_NOTFOUND);
	/* Filtered on kind, then by (run_after, id). */
	assert_int_equal(lf_store_job_claim(tx, "w", 1000, 100, only_b, &row), LF_OK);
	assert_int_equal(row.id, b);
	assert_string_equal(row.payload, "{}");
	assert_int_equal(lf_store_job_claim(tx, "w", 1000, 100, NULL, &row), LF_OK);
	assert_int_equal(row.id, c);
	assert_int_equal(lf_store_job_claim(tx, "w", 1000, 100, NULL, &row), LF_OK);
	assert_int_equal(row.id, a);
	assert_string_equal(row.status, "running");
	assert_string_equal(row.lease_owner, "w");
	assert_int_equal(row.lease_expires, 1100);
	assert_int_equal(row.attempts, 1);
	assert_int_equal(lf_store_job_claim(tx, "w", 1000, 100, NULL, &row), LF_ERR_NOTFOUND);

	/* Only the owner may touch a running job. */
	assert_int_equal(lf_store_job_heartbeat(tx, a, "other", 1050, 100), LF_ERR_CONFLICT);
	assert_int_equal(lf_store_job_heartbeat(tx, a, "w", 1050, 100), LF_OK);
	assert_int_equal(lf_store_job_finish(tx, a, "other", 1060), LF_ERR_CONFLICT);
	assert_int_equal(lf_store_job_finish(tx, a, "w", 1060), LF_OK);
	assert_int_equal(lf_store_job_finish(tx, a, "w", 1070), LF_ERR_CONFLICT);
	assert_int_equal(lf_store_job_get(tx, a, &row), LF_OK);
	assert_string_equal(row.status, "done");
	assert_int_equal(row.updated_at, 1060);

	assert_int_equal(lf_store_job_fail(tx, c, "w", 1080, "later", 2000, &failed), LF_OK);
	assert_int_equal(failed, 0);
	assert_int_equal(lf_store_job_get(tx, c, &row), LF_OK);
	assert_string_equal(row.status, "queued");
	assert_int_equal(row.run_after, 2000);
	assert_string_equal(row.last_error, "later");
	assert_int_equal(lf_store_job_fail(tx, b, "w", 1080, "never", -1, &failed), LF_OK);
	assert_int_equal(failed, 1);
	assert_int_equal(lf_store_job_get(tx, b, &row), LF_OK);
	assert_string_equal(row.status, "failed");
	assert_int_equal(lf_store_job_get(tx, 9999, &row), LF_ERR_NOTFOUND);
	lf_store_rollback(tx);
}

/* A dead worker's job comes back after its lease; on its last attempt it
 * is failed instead. */
/* Retention deletes old finished jobs but never the newest job: on SQLite
 * its id would be given to the next job, so an id a client polls would
 * come to name another job. */
static void test_store_prune_keeps_newest(void **state)
{
	lf_fx *f = *state;
	lf_tx *tx = NULL;
	lf_job_row row;
	int64_t id[4], n = -1, next = 0;

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(lf_store_job_insert(tx, "a", NULL, 0, 3, 100, &id[i]), LF_OK);
		assert_int_equal(lf_store_job_claim(tx, "w", 200, 100, NULL, &row), LF_OK);
		assert_int_equal(lf_store_job_finish(tx, row.id, "w", 200), LF_OK);
	}
	assert_int_equal(lf_store_job_insert(tx, "a", NULL, 0, 3, 100, &id[3]), LF_OK);
	/* Queued, however old: kept. Done and old: deleted, in id order. */
	assert_int_equal(lf_store_job_prune(tx, 1000, 1, &n), LF_OK);
	assert_int_equal(n, 1);
	assert_int_equal(lf_store_job_get(tx, id[0], &row), LF_ERR_NOTFOUND);
	assert_int_equal(lf_store_job_prune(tx, 1000, 100, &n), LF_OK);
	assert_int_equal(n, 2);
	assert_int_equal(lf_store_job_get(tx, id[3], &row), LF_OK);
	/* The queued one finishes: now the newest, it stays. */
	assert_int_equal(lf_store_job_claim(tx, "w", 300, 100, NULL, &row), LF_OK);
	assert_int_equal(lf_store_job_finish(tx, id[3], "w", 300), LF_OK);
	assert_int_equal(lf_store_job_prune(tx, 1000, 100, &n), LF_OK);
	assert_int_equal(n, 0);
	assert_int_equal(lf_store_job_insert(tx, "a", NULL, 0, 3, 100, &next), LF_OK);
	assert_true(next > id[3]);
	lf_store_rollback(tx);
}

static void test_store_expired_lease(void **state)
{
	lf_fx *f = *state;
	lf_tx *tx = NULL;
	lf_job_row row;
	int64_t a, b;

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_job_insert(tx, "k", "{}", 0, 2, 0, &a), LF_OK);
	assert_int_equal(lf_store_job_insert(tx, "k", "{}", 0, 1, 0, &b), LF_OK);
	assert_int_equal(lf_store_job_claim(tx, DEAD, 10, 100, NULL, &row), LF_OK);
	assert_int_equal(row.id, a);
	assert_int_equal(lf_store_job_claim(tx, DEAD, 10, 100, NULL, &row), LF_OK);
	assert_int_equal(row.id, b);
	/* The leases still run. */
	assert_int_equal(lf_store_job_claim(tx, "w", 100, 100, NULL, &row), LF_ERR_NOTFOUND);
	assert_int_equal(lf_store_job_claim(tx, "w", 111, 100, NULL, &row), LF_OK);
	assert_int_equal(row.id, a);
	assert_int_equal(row.attempts, 2);
	assert_string_equal(row.lease_owner, "w");
	assert_int_equal(lf_store_job_finish(tx, a, DEAD, 120), LF_ERR_CONFLICT);
	assert_int_equal(lf_store_job_get(tx, b, &row), LF_OK);
	assert_string_equal(row.status, "failed");
	assert_non_null(strstr(row.last_error, "lease of " DEAD " expired on attempt 1"));
	lf_store_rollback(tx);
}

/* ---- the runner ---- */

static void test_enqueue_and_run(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"record", h_record, pr, 0}};
	lf_jobs *r = NULL;
	lf_job_row row;
	char host[256] = "";

	assert_non_null(pr);
	assert_int_equal(lf_jobs_start(f->s, 2, h, 1, NULL, 0, &r), LF_OK);
	int64_t id = enqueue(f, "record", json_pack("{s:i}", "n", 42), LF_JOBS_MAX_ATTEMPTS);
	int64_t t0 = mono_ms();
	lf_jobs_kick(r);
	assert_true(wait_status(f, id, "done"));
	/* The kick beats the 500 ms poll. */
	assert_true(mono_ms() - t0 < LF_JOBS_POLL_MS);
	lf_jobs_stop(r);
	assert_int_equal(atomic_load(&pr->calls), 1);
	assert_int_equal(atomic_load(&pr->last_n), 42);
	get_job(f, id, &row);
	assert_int_equal(row.attempts, 1);
	assert_null(row.last_error);
	gethostname(host, sizeof(host));
	assert_int_equal(strncmp(row.lease_owner, host, strlen(host)), 0);
	free(pr);
}

static void test_retry_with_backoff(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"flaky", h_flaky, pr, 0}};
	lf_jobs *r = NULL;
	lf_job_row row;

	assert_non_null(pr);
	atomic_store(&pr->fail_first, 2);
	int64_t id = enqueue(f, "flaky", NULL, LF_JOBS_MAX_ATTEMPTS);
	assert_int_equal(lf_jobs_start(f->s, 2, h, 1, NULL, 0, &r), LF_OK);
	assert_true(wait_status(f, id, "done"));
	lf_jobs_stop(r);
	assert_int_equal(atomic_load(&pr->calls), 3);
	/* Jittered backoff: at least half of 500 ms, then of 1 s. */
	assert_true(pr->call_ms[1] - pr->call_ms[0] >= LF_JOBS_BACKOFF_MS / 2);
	assert_true(pr->call_ms[2] - pr->call_ms[1] >= LF_JOBS_BACKOFF_MS);
	assert_true(pr->call_ms[2] - pr->call_ms[1] < 4 * LF_JOBS_BACKOFF_MS);
	assert_string_equal(pr->prev_error, "boom 1");
	get_job(f, id, &row);
	assert_int_equal(row.attempts, 3);
	assert_string_equal(row.last_error, "boom 2");
	free(pr);
}

static void test_fails_after_max_attempts(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"flaky", h_flaky, pr, 0}};
	lf_jobs_config cfg = {.threads = 2, .backoff_ms = 10};
	lf_jobs *r = NULL;
	lf_job_row row;

	assert_non_null(pr);
	atomic_store(&pr->fail_first, 100);
	int64_t id = enqueue(f, "flaky", NULL, 3);
	assert_int_equal(lf_jobs_start_cfg(f->s, &cfg, h, 1, NULL, 0, &r), LF_OK);
	assert_true(wait_status(f, id, "failed"));
	sleep_ms(100);
	lf_jobs_stop(r);
	assert_int_equal(atomic_load(&pr->calls), 3);
	get_job(f, id, &row);
	assert_int_equal(row.attempts, 3);
	assert_string_equal(row.last_error, "boom 3");
	free(pr);
}

static void test_invalid_is_permanent(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"bad", h_invalid, pr, 0}};
	lf_jobs_config cfg = {.threads = 1, .backoff_ms = 10};
	lf_jobs *r = NULL;
	lf_job_row row;

	assert_non_null(pr);
	int64_t id = enqueue(f, "bad", NULL, 5);
	assert_int_equal(lf_jobs_start_cfg(f->s, &cfg, h, 1, NULL, 0, &r), LF_OK);
	assert_true(wait_status(f, id, "failed"));
	sleep_ms(100);
	lf_jobs_stop(r);
	assert_int_equal(atomic_load(&pr->calls), 1);
	get_job(f, id, &row);
	assert_int_equal(row.attempts, 1);
	assert_string_equal(row.last_error, "bad input");
	free(pr);
}

static void test_unknown_kind_fails(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"record", h_record, pr, 0}};
	lf_jobs *r = NULL;
	lf_job_row row;

	assert_non_null(pr);
	int64_t id = enqueue(f, "no-such-kind", NULL, 5);
	assert_int_equal(lf_jobs_start(f->s, 1, h, 1, NULL, 0, &r), LF_OK);
	assert_true(wait_status(f, id, "failed"));
	lf_jobs_stop(r);
	assert_int_equal(atomic_load(&pr->calls), 0);
	get_job(f, id, &row);
	assert_int_equal(row.attempts, 1);
	assert_non_null(strstr(row.last_error, "no handler for job kind 'no-such-kind'"));
	free(pr);
}

/* A worker that claimed a job and died: the runner takes it over once the
 * lease runs out. */
static void test_expired_lease_taken_over(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"record", h_record, pr, 0}};
	lf_jobs *r = NULL;
	lf_tx *tx = NULL;
	lf_job_row row;

	assert_non_null(pr);
	int64_t id = enqueue(f, "record", json_pack("{s:i}", "n", 7), 5);
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_job_claim(tx, DEAD, lf_now_ms(), 200, NULL, &row), LF_OK);
	assert_int_equal(row.id, id);
	assert_int_equal(lf_store_commit(tx), LF_OK);

	lf_jobs_config cfg = {.threads = 2, .poll_ms = 20};
	assert_int_equal(lf_jobs_start_cfg(f->s, &cfg, h, 1, NULL, 0, &r), LF_OK);
	sleep_ms(100);
	/* Not while the dead worker's lease runs. */
	assert_int_equal(atomic_load(&pr->calls), 0);
	assert_true(wait_status(f, id, "done"));
	lf_jobs_stop(r);
	assert_int_equal(atomic_load(&pr->calls), 1);
	assert_int_equal(atomic_load(&pr->last_n), 7);
	get_job(f, id, &row);
	assert_int_equal(row.attempts, 2);
	assert_string_not_equal(row.lease_owner, DEAD);
	free(pr);
}

/* 500 jobs on 4 threads: every job runs exactly once, never twice at a
 * time. */
static void test_each_job_runs_once(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"count", h_count, pr, 0}};
	lf_jobs *r = NULL;
	lf_tx *tx = NULL;
	int64_t id = 0;

	assert_non_null(pr);
	assert_int_equal(lf_jobs_start(f->s, 4, h, 1, NULL, 0, &r), LF_OK);
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	for (int i = 0; i < NMANY; i++)
		assert_int_equal(lf_jobs_enqueue(tx, "count", NULL, 0, &id), LF_OK);
	assert_int_equal(id, NMANY);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	lf_jobs_kick(r);
	int64_t until = mono_ms() + WAIT_MS;
	while (count_jobs(f, "done") < NMANY && mono_ms() < until)
		sleep_ms(10);
	lf_jobs_stop(r);
	assert_int_equal(count_jobs(f, "done"), NMANY);
	assert_int_equal(atomic_load(&pr->calls), NMANY);
	assert_int_equal(atomic_load(&pr->overlap), 0);
	for (int i = 1; i <= NMANY; i++)
		assert_int_equal(atomic_load(&pr->counts[i]), 1);
	free(pr);
}

/* The keeper renews the lease of a handler that runs for several leases,
 * so the idle second worker never takes the job over. */
static void test_lease_renewed_while_running(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"slow", h_slow, pr, 0}};
	lf_jobs_config cfg = {.threads = 2, .lease_ms = 150, .poll_ms = 10};
	lf_jobs *r = NULL;
	lf_job_row row;

	assert_non_null(pr);
	int64_t id = enqueue(f, "slow", NULL, 5);
	assert_int_equal(lf_jobs_start_cfg(f->s, &cfg, h, 1, NULL, 0, &r), LF_OK);
	assert_true(wait_status(f, id, "done"));
	lf_jobs_stop(r);
	assert_int_equal(atomic_load(&pr->calls), 1);
	get_job(f, id, &row);
	assert_int_equal(row.attempts, 1);
	free(pr);
}

/* Past its timeout a handler is told to stop and its lease is no longer
 * renewed; a handler that then returns still has its result recorded. */
static void test_timeout_signals_stop(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"long", h_until_stopping, pr, 100}};
	lf_jobs_config cfg = {.threads = 1, .lease_ms = 1000, .backoff_ms = 5000};
	lf_jobs *r = NULL;
	lf_job_row row;

	assert_non_null(pr);
	int64_t id = enqueue(f, "long", NULL, 5);
	assert_int_equal(lf_jobs_start_cfg(f->s, &cfg, h, 1, NULL, 0, &r), LF_OK);
	int64_t until = mono_ms() + WAIT_MS;
	while (atomic_load(&pr->calls) == 0 && mono_ms() < until)
		sleep_ms(5);
	assert_true(wait_status(f, id, "queued"));
	lf_jobs_stop(r);
	assert_int_equal(atomic_load(&pr->calls), 1);
	assert_true(pr->stop_after_ms >= 100);
	assert_true(pr->stop_after_ms < 1000);
	assert_int_equal(atomic_load(&pr->saw_limit), 1);
	get_job(f, id, &row);
	/* Not a shutdown interruption: retried after the backoff. */
	assert_string_equal(row.status, "queued");
	assert_int_equal(row.attempts, 1);
	assert_string_equal(row.last_error, "interrupted");
	assert_true(row.run_after >= row.updated_at + 2500);
	free(pr);
}

static void test_periodic_runs_repeatedly(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_periodic p[] = {{"tick", 20, tick, pr}};
	lf_jobs *r = NULL;

	assert_non_null(pr);
	assert_int_equal(lf_jobs_start(f->s, 0, NULL, 0, p, 1, &r), LF_OK);
	sleep_ms(10);
	/* The first run is one interval after start. */
	assert_int_equal(atomic_load(&pr->calls), 0);
	int64_t until = mono_ms() + WAIT_MS;
	while (atomic_load(&pr->calls) < 5 && mono_ms() < until)
		sleep_ms(5);
	lf_jobs_stop(r);
	int n = atomic_load(&pr->calls);
	assert_true(n >= 5);
	sleep_ms(60);
	/* Nothing runs after stop. */
	assert_int_equal(atomic_load(&pr->calls), n);
	free(pr);
}

/* stop() while handlers run: a cooperative one is interrupted and its job
 * given back uncounted; one that ignores shutdown finishes and is done. */
static void test_stop_while_running(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"coop", h_until_stopping, pr, 0}, {"stubborn", h_stubborn, pr, 0}};
	lf_jobs *r = NULL;
	lf_job_row row;

	assert_non_null(pr);
	int64_t coop = enqueue(f, "coop", NULL, 5);
	int64_t stubborn = enqueue(f, "stubborn", NULL, 5);
	assert_int_equal(lf_jobs_start(f->s, 3, h, 2, NULL, 0, &r), LF_OK);
	int64_t until = mono_ms() + WAIT_MS;
	while (atomic_load(&pr->started) < 2 && mono_ms() < until)
		sleep_ms(5);
	assert_int_equal(atomic_load(&pr->started), 2);
	int64_t t0 = mono_ms();
	lf_jobs_stop(r);
	int64_t took = mono_ms() - t0;
	assert_true(took < 2000);
	assert_int_equal(atomic_load(&pr->calls), 2);
	get_job(f, stubborn, &row);
	assert_string_equal(row.status, "done");
	get_job(f, coop, &row);
	assert_string_equal(row.status, "queued");
	assert_int_equal(row.attempts, 0);
	assert_int_equal(count_jobs(f, "running"), 0);
	free(pr);
}

/* The express lane: with the one general worker held by a long job, an
 * urgent job still runs at once on the lane's worker, which takes no other
 * kind (the second long job waits). */
static void test_express_lane(void **state)
{
	lf_fx *f = *state;
	struct probe *pr = calloc(1, sizeof(*pr));
	lf_job_handler h[] = {{"coop", h_until_stopping, pr, 0}, {"urgent", h_record, pr, 0}};
	static const char *const express[] = {"urgent", NULL};
	lf_jobs_config cfg = {.threads = 1, .poll_ms = 20, .express = express};
	lf_jobs *r = NULL;
	lf_job_row row;

	assert_non_null(pr);
	int64_t long1 = enqueue(f, "coop", NULL, 5);
	int64_t long2 = enqueue(f, "coop", NULL, 5);
	assert_int_equal(lf_jobs_start_cfg(f->s, &cfg, h, 2, NULL, 0, &r), LF_OK);
	/* Queue the urgent job only once the general worker is surely held:
	 * queued beside the long ones, the general worker could take it first
	 * on a loaded machine and the lane would prove nothing. */
	int64_t until = mono_ms() + WAIT_MS;
	while (atomic_load(&pr->started) < 1 && mono_ms() < until)
		sleep_ms(5);
	assert_int_equal(atomic_load(&pr->started), 1);
	int64_t urgent = enqueue(f, "urgent", json_pack("{s:i}", "n", 7), 5);
	assert_true(wait_status(f, urgent, "done"));
	assert_int_equal(atomic_load(&pr->last_n), 7);
	assert_int_equal(atomic_load(&pr->started), 1);
	get_job(f, long1, &row);
	assert_string_equal(row.status, "running");
	get_job(f, long2, &row);
	assert_string_equal(row.status, "queued");
	lf_jobs_stop(r);
	free(pr);
}

static void test_enqueue_rolled_back(void **state)
{
	lf_fx *f = *state;
	lf_tx *tx = NULL;
	lf_job_row row;
	int64_t id = 0;

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	json_t *payload = json_pack("{s:s}", "k", "v");
	assert_int_equal(lf_jobs_enqueue(tx, "record", payload, 0, &id), LF_OK);
	json_decref(payload);
	assert_true(id > 0);
	assert_int_equal(lf_store_job_get(tx, id, &row), LF_OK);
	assert_string_equal(row.payload, "{\"k\":\"v\"}");
	lf_store_rollback(tx);
	assert_int_equal(count_jobs(f, NULL), 0);
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_job_get(tx, id, &row), LF_ERR_NOTFOUND);
	lf_store_rollback(tx);
}

static void test_start_rejects_bad_config(void **state)
{
	lf_fx *f = *state;
	lf_job_handler h[] = {{"x", NULL, NULL, 0}};
	lf_job_periodic p[] = {{"p", 0, tick, NULL}};
	lf_jobs *r = NULL;

	assert_int_equal(lf_jobs_start(f->s, -1, NULL, 0, NULL, 0, &r), LF_ERR_INVALID);
	assert_int_equal(lf_jobs_start(f->s, LF_JOBS_MAX_THREADS + 1, NULL, 0, NULL, 0, &r),
			 LF_ERR_INVALID);
	assert_int_equal(lf_jobs_start(f->s, 1, h, 1, NULL, 0, &r), LF_ERR_INVALID);
	assert_int_equal(lf_jobs_start(f->s, 1, NULL, 0, p, 1, &r), LF_ERR_INVALID);
	lf_jobs_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_store_claim_order_and_owner, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_store_expired_lease, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_store_prune_keeps_newest, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_enqueue_and_run, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_retry_with_backoff, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_fails_after_max_attempts, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_is_permanent, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_kind_fails, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_expired_lease_taken_over, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_each_job_runs_once, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_lease_renewed_while_running, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_signals_stop, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_periodic_runs_repeatedly, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_stop_while_running, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_express_lane, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_enqueue_rolled_back, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_start_rejects_bad_config, lf_fx_setup,
					    lf_fx_teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
