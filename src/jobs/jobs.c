/*
 * jobs.c - the job runner: worker threads that claim, run and record jobs,
 * a keeper thread that renews the leases of running jobs, and a ticker
 * thread for periodic tasks.
 *
 * Every database step is its own short write transaction (claim, renew,
 * record), never one held across a handler call: a handler may run for
 * minutes and SQLite has a single writer.
 */
#include "jobs/jobs.h"
#include "core/log.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics/metrics.h"

#define OWNER_MAX 320
#define ERR_MAX	  512

struct lf_jobs_slot {
	lf_jobs *r;
	pthread_t th;
	int started;
	char owner[OWNER_MAX];	  /* "<hostname>:<pid>:<n>", the lease_owner */
	const char *const *kinds; /* what it claims: NULL any, else the express lane's */
	lf_arena *arena;	  /* the current job's rows; reset per claim */
	atomic_int lost;	  /* the lease of the current job was lost */
	int64_t deadline_us;	  /* mono time the current handler's timeout ends */
	/* lock guards the fields below and is held while renewing, so a
	 * renewal never overlaps the recording of the job's result. */
	pthread_mutex_t lock;
	int64_t job_id;	 /* 0 while idle */
	int64_t beat_us; /* mono time of the last renewal */
	int timeout_logged;
};

struct lf_jobs {
	lf_store *s;
	lf_jobs_config cfg;
	lf_job_handler *h;
	size_t nh;
	lf_job_periodic *p;
	size_t np;
	int64_t *next_ms; /* per periodic task: mono ms of its next run */
	lf_jobs_slot *slots;
	int nslots;
	pthread_t keeper, ticker;
	int keeper_started, ticker_started;
	/* lock and wake carry kicks and the stop flags to sleeping threads. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	uint64_t kicks;
	atomic_int stopping; /* workers and ticker: finish up */
	int quit;	     /* keeper: every worker has returned */
};

static atomic_uint owner_seq;

static int64_t mono_ms(void);
static void wait_ms(lf_jobs *r, int64_t ms);
static int64_t backoff_ms(const lf_jobs *r, int attempts);
static const lf_job_handler *find_handler(const lf_jobs *r, const char *kind);
static int slot_renew(lf_jobs_slot *slot, int force);
static int claim(lf_jobs_slot *slot, lf_job_row *row);
static void run_job(lf_jobs_slot *slot, const lf_job_row *row);
static void record(lf_jobs_slot *slot, const lf_job_row *row, int rc, const char *err);
static void *worker_main(void *arg);
static void *keeper_main(void *arg);
static void *ticker_main(void *arg);
static int slot_init(lf_jobs *r, lf_jobs_slot *slot);
static void runner_free(lf_jobs *r);

static int64_t mono_ms(void)
{
	return lf_mono_us() / 1000;
}

/* Sleeps on r->wake for at most ms; r->lock must be held. */
static void wait_ms(lf_jobs *r, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&r->wake, &r->lock, &ts);
}

/* Exponential backoff with "equal jitter": between half and all of the
 * exponential delay, so jobs that failed together do not retry together. */
static int64_t backoff_ms(const lf_jobs *r, int attempts)
{
	int64_t d = r->cfg.backoff_ms;
	for (int i = 1; i < attempts && d < r->cfg.backoff_max_ms; i++)
		d *= 2;
	if (d > r->cfg.backoff_max_ms)
		d = r->cfg.backoff_max_ms;
	return d / 2 + (int64_t)randombytes_uniform((uint32_t)(d / 2 + 1));
}

static const lf_job_handler *find_handler(const lf_jobs *r, const char *kind)
{
	for (size_t i = 0; i < r->nh; i++)
		if (strcmp(r->h[i].kind, kind) == 0)
			return &r->h[i];
	return NULL;
}

/*
 * Renews the lease of the slot's running job when a third of it has passed
 * (or at once with force). Past the handler's timeout the lease is left to
 * run out, so that a hung handler's job is taken over by another worker.
 */
static int slot_renew(lf_jobs_slot *slot, int force)
{
	lf_jobs *r = slot->r;
	lf_tx *tx = NULL;
	int ret = LF_OK;

	pthread_mutex_lock(&slot->lock);
	if (slot->job_id == 0)
		goto cleanup;
	if (atomic_load(&slot->lost)) {
		ret = LF_ERR_CONFLICT;
		goto cleanup;
	}
	int64_t now = lf_mono_us();
	if (now > slot->deadline_us) {
		if (!slot->timeout_logged)
			lf_log(LF_LOG_ERROR,
			       "jobs: job %lld passed its timeout on %s;"
			       " its lease is no longer renewed",
			       (long long)slot->job_id, slot->owner);
		slot->timeout_logged = 1;
		ret = LF_ERR_LIMIT;
		goto cleanup;
	}
	if (!force && now - slot->beat_us < r->cfg.lease_ms * 1000 / 3)
		goto cleanup;
	if ((ret = lf_store_begin(r->s, LF_TX_WRITE, NULL, &tx)) != LF_OK)
		goto cleanup;
	ret = lf_store_job_heartbeat(tx, slot->job_id, slot->owner, lf_now_ms(), r->cfg.lease_ms);
	if (ret == LF_OK)
		ret = lf_store_commit(tx);
	else
		lf_store_rollback(tx);
	if (ret == LF_OK)
		slot->beat_us = now;
	if (ret == LF_ERR_CONFLICT) {
		atomic_store(&slot->lost, 1);
		lf_log(LF_LOG_ERROR, "jobs: %s lost the lease of job %lld", slot->owner,
		       (long long)slot->job_id);
	}
cleanup:
	pthread_mutex_unlock(&slot->lock);
	return ret;
}

/* Claims one job in its own transaction; its rows go to the slot's arena. */
static int claim(lf_jobs_slot *slot, lf_job_row *row)
{
	lf_tx *tx = NULL;
	lf_arena_reset(slot->arena);
	int ret = lf_store_begin(slot->r->s, LF_TX_WRITE, slot->arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_job_claim(tx, slot->owner, lf_now_ms(), slot->r->cfg.lease_ms, slot->kinds,
				 row);
	if (ret != LF_OK) {
		lf_store_rollback(tx);
		return ret;
	}
	return lf_store_commit(tx);
}

static void run_job(lf_jobs_slot *slot, const lf_job_row *row)
{
	char err[ERR_MAX] = "";
	json_t *payload = NULL;
	json_error_t jerr;
	int rc;

	const lf_job_handler *h = find_handler(slot->r, row->kind);
	if (h == NULL) {
		snprintf(err, sizeof(err), "no handler for job kind '%s'", row->kind);
		rc = LF_ERR_INVALID;
		goto record;
	}
	payload = json_loads(row->payload, JSON_DECODE_ANY, &jerr);
	if (payload == NULL) {
		snprintf(err, sizeof(err), "payload is not JSON: %s", jerr.text);
		rc = LF_ERR_INVALID;
		goto record;
	}
	int64_t timeout = h->timeout_ms > 0 ? h->timeout_ms : LF_JOBS_TIMEOUT_MS;
	pthread_mutex_lock(&slot->lock);
	slot->job_id = row->id;
	slot->beat_us = lf_mono_us();
	slot->deadline_us = slot->beat_us + timeout * 1000;
	slot->timeout_logged = 0;
	atomic_store(&slot->lost, 0);
	pthread_mutex_unlock(&slot->lock);

	lf_job job = {.id = row->id,
		      .kind = row->kind,
		      .payload = payload,
		      .attempt = row->attempts,
		      .max_attempts = row->max_attempts,
		      .last_error = row->last_error,
		      .slot = slot};
	int64_t started = lf_mono_us();
	rc = h->fn(h->ud, &job, err, sizeof(err));
	err[sizeof(err) - 1] = '\0';
	lf_metrics_job(h->kind, rc == LF_OK, lf_mono_us() - started);

	pthread_mutex_lock(&slot->lock);
	slot->job_id = 0;
	pthread_mutex_unlock(&slot->lock);
record:
	record(slot, row, rc, err);
	json_decref(payload);
}

/*
 * Stores a handler's outcome. It is recorded even while the runner stops;
 * only an interrupted (retryable) attempt during shutdown is given back
 * uncounted, because the failure was ours, not the job's.
 */
static void record(lf_jobs_slot *slot, const lf_job_row *row, int rc, const char *err)
{
	lf_jobs *r = slot->r;
	lf_tx *tx = NULL;
	int failed = 0;
	int64_t now = lf_now_ms();
	const char *msg = err[0] != '\0' ? err : lf_err_str(rc);

	int ret = lf_store_begin(r->s, LF_TX_WRITE, NULL, &tx);
	if (ret != LF_OK)
		goto cleanup;
	if (rc == LF_OK)
		ret = lf_store_job_finish(tx, row->id, slot->owner, now);
	else if (rc == LF_ERR_INVALID)
		ret = lf_store_job_fail(tx, row->id, slot->owner, now, msg, -1, &failed);
	else if (atomic_load(&r->stopping))
		ret = lf_store_job_release(tx, row->id, slot->owner, now);
	else
		ret = lf_store_job_fail(tx, row->id, slot->owner, now, msg,
					now + backoff_ms(r, row->attempts), &failed);
	if (ret == LF_OK)
		ret = lf_store_commit(tx);
	else
		lf_store_rollback(tx);
cleanup:
	if (ret == LF_ERR_CONFLICT)
		lf_log(LF_LOG_ERROR,
		       "jobs: job %lld (%s) lost its lease to another worker;"
		       " the result of %s is discarded",
		       (long long)row->id, row->kind, slot->owner);
	else if (ret != LF_OK)
		lf_log(LF_LOG_ERROR,
		       "jobs: cannot record the result of job %lld (%s): %s;"
		       " it runs again when its lease expires",
		       (long long)row->id, row->kind, lf_err_str(ret));
	else if (failed)
		lf_log(LF_LOG_ERROR, "jobs: job %lld (%s) failed after %d attempt(s): %s",
		       (long long)row->id, row->kind, row->attempts, msg);
}

/* Claims and runs jobs until the runner stops; sleeps up to poll_ms when
 * the queue is empty, unless a kick arrived since the last look. */
static void *worker_main(void *arg)
{
	lf_jobs_slot *slot = arg;
	lf_jobs *r = slot->r;
	lf_job_row row;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		uint64_t seen = r->kicks;
		int stop = atomic_load(&r->stopping);
		pthread_mutex_unlock(&r->lock);
		if (stop)
			break;
		int ret = claim(slot, &row);
		if (ret == LF_OK) {
			run_job(slot, &row);
			continue;
		}
		if (ret != LF_ERR_NOTFOUND)
			lf_log(LF_LOG_ERROR, "jobs: claim failed on %s: %s", slot->owner,
			       lf_err_str(ret));
		pthread_mutex_lock(&r->lock);
		if (!atomic_load(&r->stopping) && r->kicks == seen)
			wait_ms(r, r->cfg.poll_ms);
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

/* Renews leases until every worker has returned: handlers still running
 * after stop began keep their jobs. */
static void *keeper_main(void *arg)
{
	lf_jobs *r = arg;
	int64_t period = r->cfg.lease_ms / 6 > 0 ? r->cfg.lease_ms / 6 : 1;

	pthread_mutex_lock(&r->lock);
	while (!r->quit) {
		wait_ms(r, period);
		if (r->quit)
			break;
		pthread_mutex_unlock(&r->lock);
		for (int i = 0; i < r->nslots; i++)
			slot_renew(&r->slots[i], 0);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Runs each periodic task when due; a run that overshoots its interval
 * skips the missed runs rather than running back to back. */
static void *ticker_main(void *arg)
{
	lf_jobs *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!atomic_load(&r->stopping)) {
		int64_t now = mono_ms();
		int64_t next = INT64_MAX;
		for (size_t i = 0; i < r->np && !atomic_load(&r->stopping); i++) {
			if (now < r->next_ms[i]) {
				next = r->next_ms[i] < next ? r->next_ms[i] : next;
				continue;
			}
			pthread_mutex_unlock(&r->lock);
			int ret = r->p[i].fn(r->p[i].ud);
			if (ret != LF_OK)
				lf_log(LF_LOG_ERROR, "jobs: periodic task %s failed: %s",
				       r->p[i].name, lf_err_str(ret));
			pthread_mutex_lock(&r->lock);
			now = mono_ms();
			r->next_ms[i] += r->p[i].interval_ms;
			if (r->next_ms[i] <= now)
				r->next_ms[i] = now + r->p[i].interval_ms;
			next = r->next_ms[i] < next ? r->next_ms[i] : next;
		}
		if (!atomic_load(&r->stopping) && next > now)
			wait_ms(r, next - now);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int slot_init(lf_jobs *r, lf_jobs_slot *slot)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	slot->r = r;
	snprintf(slot->owner, sizeof(slot->owner), "%s:%ld:%u", host, (long)getpid(),
		 atomic_fetch_add(&owner_seq, 1) + 1);
	pthread_mutex_init(&slot->lock, NULL);
	slot->arena = lf_arena_create();
	return slot->arena != NULL ? LF_OK : LF_ERR_NOMEM;
}

/* Frees a runner whose threads have all been joined. */
static void runner_free(lf_jobs *r)
{
	for (int i = 0; i < r->nslots; i++) {
		lf_arena_destroy(r->slots[i].arena);
		pthread_mutex_destroy(&r->slots[i].lock);
	}
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	free(r->slots);
	free(r->next_ms);
	free(r->h);
	free(r->p);
	free(r);
}

int lf_jobs_start(lf_store *s, int threads, const lf_job_handler *h, size_t nh,
		  const lf_job_periodic *p, size_t np, lf_jobs **out)
{
	lf_jobs_config cfg = {.threads = threads};
	return lf_jobs_start_cfg(s, &cfg, h, nh, p, np, out);
}

int lf_jobs_start_cfg(lf_store *s, const lf_jobs_config *cfg, const lf_job_handler *h, size_t nh,
		      const lf_job_periodic *p, size_t np, lf_jobs **out)
{
	pthread_condattr_t attr;
	lf_jobs *r = NULL;
	int ret = LF_ERR_INVALID, nexpress = 0;

	if (cfg->threads < 0 || cfg->threads > LF_JOBS_MAX_THREADS || cfg->lease_ms < 0 ||
	    cfg->poll_ms < 0 || cfg->backoff_ms < 0 || cfg->backoff_max_ms < 0 ||
	    cfg->backoff_max_ms > UINT32_MAX)
		return LF_ERR_INVALID;
	for (size_t i = 0; i < nh; i++)
		if (h[i].kind == NULL || h[i].fn == NULL)
			return LF_ERR_INVALID;
	for (size_t i = 0; i < np; i++)
		if (p[i].name == NULL || p[i].fn == NULL || p[i].interval_ms <= 0)
			return LF_ERR_INVALID;
	while (cfg->express != NULL && cfg->express[nexpress] != NULL)
		nexpress++;
	if (nexpress > LF_JOB_KINDS_MAX)
		return LF_ERR_INVALID;
	if (sodium_init() < 0)
		return LF_ERR_INTERNAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return LF_ERR_NOMEM;
	r->s = s;
	r->cfg = *cfg;
	r->cfg.lease_ms = cfg->lease_ms > 0 ? cfg->lease_ms : LF_JOBS_LEASE_MS;
	r->cfg.poll_ms = cfg->poll_ms > 0 ? cfg->poll_ms : LF_JOBS_POLL_MS;
	r->cfg.backoff_ms = cfg->backoff_ms > 0 ? cfg->backoff_ms : LF_JOBS_BACKOFF_MS;
	r->cfg.backoff_max_ms =
	    cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms : LF_JOBS_BACKOFF_MAX_MS;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &attr);
	pthread_condattr_destroy(&attr);
	r->h = calloc(nh > 0 ? nh : 1, sizeof(*r->h));
	r->p = calloc(np > 0 ? np : 1, sizeof(*r->p));
	r->next_ms = calloc(np > 0 ? np : 1, sizeof(*r->next_ms));
	int nworkers = cfg->threads + (cfg->threads > 0 && nexpress > 0);
	r->slots = calloc(nworkers > 0 ? (size_t)nworkers : 1, sizeof(*r->slots));
	if (r->h == NULL || r->p == NULL || r->next_ms == NULL || r->slots == NULL) {
		ret = LF_ERR_NOMEM;
		goto fail;
	}
	if (nh > 0)
		memcpy(r->h, h, nh * sizeof(*h));
	if (np > 0)
		memcpy(r->p, p, np * sizeof(*p));
	r->nh = nh;
	r->np = np;
	for (size_t i = 0; i < np; i++)
		r->next_ms[i] = mono_ms() + p[i].interval_ms;
	for (int i = 0; i < nworkers; i++) {
		r->nslots++;
		if ((ret = slot_init(r, &r->slots[i])) != LF_OK)
			goto fail;
		r->slots[i].kinds = i == cfg->threads ? cfg->express : NULL;
		if (pthread_create(&r->slots[i].th, NULL, worker_main, &r->slots[i]) != 0) {
			ret = LF_ERR_INTERNAL;
			goto fail;
		}
		r->slots[i].started = 1;
	}
	if (cfg->threads > 0) {
		if (pthread_create(&r->keeper, NULL, keeper_main, r) != 0) {
			ret = LF_ERR_INTERNAL;
			goto fail;
		}
		r->keeper_started = 1;
	}
	if (np > 0) {
		if (pthread_create(&r->ticker, NULL, ticker_main, r) != 0) {
			ret = LF_ERR_INTERNAL;
			goto fail;
		}
		r->ticker_started = 1;
	}
	*out = r;
	return LF_OK;
fail:
	lf_jobs_stop(r);
	return ret;
}

void lf_jobs_stop(lf_jobs *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->stopping, 1);
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
	for (int i = 0; i < r->nslots; i++)
		if (r->slots[i].started)
			pthread_join(r->slots[i].th, NULL);
	if (r->ticker_started)
		pthread_join(r->ticker, NULL);
	pthread_mutex_lock(&r->lock);
	r->quit = 1;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
	if (r->keeper_started)
		pthread_join(r->keeper, NULL);
	runner_free(r);
}

void lf_jobs_kick(lf_jobs *r)
{
	pthread_mutex_lock(&r->lock);
	r->kicks++;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

int lf_jobs_heartbeat(lf_job *job)
{
	return slot_renew(job->slot, 1);
}

bool lf_jobs_stopping(const lf_job *job)
{
	const lf_jobs_slot *slot = job->slot;
	return atomic_load(&slot->r->stopping) || atomic_load(&slot->lost) ||
	       lf_mono_us() > slot->deadline_us;
}

int lf_jobs_enqueue(lf_tx *tx, const char *kind, const json_t *payload, int64_t delay_ms,
		    int64_t *id)
{
	return lf_jobs_enqueue_max(tx, kind, payload, delay_ms, LF_JOBS_MAX_ATTEMPTS, id);
}

int lf_jobs_enqueue_max(lf_tx *tx, const char *kind, const json_t *payload, int64_t delay_ms,
			int max_attempts, int64_t *id)
{
	char *text = NULL;
	int64_t job_id = 0;
	int64_t now = lf_now_ms();
	int ret;

	if (payload != NULL &&
	    (text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)) == NULL)
		return LF_ERR_NOMEM;
	ret = lf_store_job_insert(tx, kind, text, now + (delay_ms > 0 ? delay_ms : 0), max_attempts,
				  now, &job_id);
	free(text);
	if (ret == LF_OK && id != NULL)
		*id = job_id;
	return ret;
}
