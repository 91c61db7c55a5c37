/*
 * metrics.c - the domain counters of /metrics (see metrics.h) and the
 * process figures from /proc/self.
 *
 * Counters are plain uint64_t updated with relaxed atomics: a scrape may
 * see one counter a step ahead of another, which Prometheus tolerates, and
 * nothing on the hot path ever waits. Job kinds are few and found by name
 * under a mutex, because a job runs for milliseconds to hours.
 */
#include "metrics/metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/lf.h"

enum outcome { OUT_OK, OUT_REFUSED, OUT_ERROR, OUT_EMPTY, OUT__COUNT };

/* Job kinds tracked; the job table has three. */
#define MAX_KINDS   16
#define NJOB_BOUNDS 8

struct job_stats {
	const char *kind; /* the job table's string, which lives as long as the process */
	uint64_t runs, failures, sum_us;
	uint64_t bucket[NJOB_BOUNDS + 1];
};

static enum outcome outcome_of(int ret, int empty);
static void write_tasks(FILE *f);
static void write_jobs(FILE *f);
static void write_process(FILE *f);
static void write_seal(FILE *f);
static int cmp_i64(const void *a, const void *b);
static double boot_time(void);

static const char *const outcome_names[OUT__COUNT] = {"ok", "refused", "error", "empty"};
/* Job durations, seconds: imports and exports run from seconds to hours. */
static const double job_bounds[NJOB_BOUNDS] = {0.01, 0.1, 1, 10, 60, 600, 3600, 21600};

static uint64_t transitions[LF_EV__COUNT][OUT__COUNT];
static uint64_t claims[4][OUT__COUNT]; /* by stage 1..3 */
static uint64_t leases_expired;
static uint64_t pool_waits, pool_wait_us;
static int64_t audit_verified_at_ms; /* 0: not verified by this process */
static int audit_ok;
static int64_t audit_records;
/* The seal lags of the last SEAL_LAGS sealed records, a ring: the summary's
 * quantiles describe recent sealing, not the process's whole life. */
#define SEAL_LAGS 4096
static int64_t seal_lags[SEAL_LAGS];
static uint64_t seal_batches, seal_records, seal_lag_sum_ms;
static pthread_mutex_t seal_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t anchor_lag = -1; /* -1: no anchor synced in this process */
static struct job_stats jobs[MAX_KINDS];
static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;

static enum outcome outcome_of(int ret, int empty)
{
	if (ret == LF_OK)
		return OUT_OK;
	if (empty)
		return OUT_EMPTY;
	switch (ret) {
	case LF_ERR_DB:
	case LF_ERR_NOMEM:
	case LF_ERR_IO:
	case LF_ERR_INTERNAL:
	case LF_ERR_FULL: return OUT_ERROR;
	default: return OUT_REFUSED;
	}
}

void lf_metrics_task(lf_wf_event ev, int stage, int ret, int empty)
{
	enum outcome o = outcome_of(ret, empty);
	if (ev < 0 || ev >= LF_EV__COUNT)
		return;
	__atomic_add_fetch(&transitions[ev][o], 1, __ATOMIC_RELAXED);
	if (ev == LF_EV_CLAIM && stage >= 1 && stage <= 3)
		__atomic_add_fetch(&claims[stage][o], 1, __ATOMIC_RELAXED);
}

void lf_metrics_leases_expired(int n)
{
	if (n > 0)
		__atomic_add_fetch(&leases_expired, (uint64_t)n, __ATOMIC_RELAXED);
}

void lf_metrics_job(const char *kind, int ok, int64_t us)
{
	pthread_mutex_lock(&jobs_lock);
	struct job_stats *j = NULL;
	for (int i = 0; i < MAX_KINDS && j == NULL; i++)
		if (jobs[i].kind == NULL || strcmp(jobs[i].kind, kind) == 0)
			j = &jobs[i];
	/* Kinds come from the job table, so more than MAX_KINDS is a
	 * programming error; such runs are not counted. */
	if (j != NULL) {
		j->kind = kind;
		j->runs++;
		j->failures += !ok;
		j->sum_us += (uint64_t)(us > 0 ? us : 0);
		int b = 0;
		while (b < NJOB_BOUNDS && (double)us > job_bounds[b] * 1e6)
			b++;
		j->bucket[b]++;
	}
	pthread_mutex_unlock(&jobs_lock);
}

void lf_metrics_pool_wait(int64_t us)
{
	__atomic_add_fetch(&pool_waits, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&pool_wait_us, (uint64_t)(us > 0 ? us : 0), __ATOMIC_RELAXED);
}

void lf_metrics_audit_verified(int ok, int64_t records)
{
	__atomic_store_n(&audit_ok, ok, __ATOMIC_RELAXED);
	__atomic_store_n(&audit_records, records, __ATOMIC_RELAXED);
	__atomic_store_n(&audit_verified_at_ms, lf_now_ms(), __ATOMIC_RELEASE);
}

void lf_metrics_audit_sealed(int64_t records, const int64_t *lag_ms, int n)
{
	pthread_mutex_lock(&seal_lock);
	seal_batches++;
	for (int i = 0; i < n; i++) {
		seal_lags[seal_records % SEAL_LAGS] = lag_ms[i] > 0 ? lag_ms[i] : 0;
		seal_lag_sum_ms += (uint64_t)(lag_ms[i] > 0 ? lag_ms[i] : 0);
		seal_records++;
	}
	seal_records += (uint64_t)(records - n);
	pthread_mutex_unlock(&seal_lock);
}

void lf_metrics_audit_anchor_lag(int64_t batches)
{
	__atomic_store_n(&anchor_lag, batches, __ATOMIC_RELAXED);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Only the process that held the sealer's turn has sealed anything; the
 * others report zeros, so sum the counters over processes. */
static void write_seal(FILE *f)
{
	static int64_t sorted[SEAL_LAGS];
	static const double qs[] = {0.5, 0.9, 0.99};
	pthread_mutex_lock(&seal_lock);
	size_t n = seal_records < SEAL_LAGS ? (size_t)seal_records : SEAL_LAGS;
	memcpy(sorted, seal_lags, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_i64);
	fprintf(f,
		"# HELP labelflow_audit_seal_batches_total Audit batches this process sealed.\n"
		"# TYPE labelflow_audit_seal_batches_total counter\n"
		"labelflow_audit_seal_batches_total %llu\n"
		"# HELP labelflow_audit_sealed_records_total Audit records this process sealed.\n"
		"# TYPE labelflow_audit_sealed_records_total counter\n"
		"labelflow_audit_sealed_records_total %llu\n"
		"# HELP labelflow_audit_seal_lag_seconds Time from a record's append to its "
		"sealing, over the last %d records this process sealed.\n"
		"# TYPE labelflow_audit_seal_lag_seconds summary\n",
		(unsigned long long)seal_batches, (unsigned long long)seal_records, SEAL_LAGS);
	for (size_t i = 0; i < LF_ARRAY_LEN(qs); i++)
		fprintf(f, "labelflow_audit_seal_lag_seconds{quantile=\"%g\"} %.3f\n", qs[i],
			n > 0 ? (double)sorted[(size_t)(qs[i] * (double)(n - 1) + 0.5)] / 1000
			      : 0.0);
	fprintf(f,
		"labelflow_audit_seal_lag_seconds_sum %.3f\n"
		"labelflow_audit_seal_lag_seconds_count %llu\n",
		(double)seal_lag_sum_ms / 1000, (unsigned long long)seal_records);
	pthread_mutex_unlock(&seal_lock);
	int64_t lag = __atomic_load_n(&anchor_lag, __ATOMIC_RELAXED);
	if (lag >= 0)
		fprintf(
		    f,
		    "# HELP labelflow_audit_anchor_lag_batches Signed checkpoints in the database "
		    "not yet published to LABELFLOW_AUDIT_ANCHOR, as this process last saw.\n"
		    "# TYPE labelflow_audit_anchor_lag_batches gauge\n"
		    "labelflow_audit_anchor_lag_batches %lld\n",
		    (long long)lag);
}

static void write_tasks(FILE *f)
{
	fputs("# HELP labelflow_task_transitions_total Task operations by workflow event and "
	      "outcome (ok, refused, error; empty: a claim that found no task).\n"
	      "# TYPE labelflow_task_transitions_total counter\n",
	      f);
	for (int ev = 0; ev < LF_EV__COUNT; ev++)
		for (int o = 0; o < OUT__COUNT; o++) {
			uint64_t n = __atomic_load_n(&transitions[ev][o], __ATOMIC_RELAXED);
			if (n > 0 || o == OUT_OK)
				fprintf(
				    f,
				    "labelflow_task_transitions_total{event=\"%s\",outcome=\"%s\"}"
				    " %llu\n",
				    lf_wf_event_name((lf_wf_event)ev), outcome_names[o],
				    (unsigned long long)n);
		}
	fputs("# HELP labelflow_task_claims_total Claims by stage and outcome.\n"
	      "# TYPE labelflow_task_claims_total counter\n",
	      f);
	for (int st = 1; st <= 3; st++)
		for (int o = 0; o < OUT__COUNT; o++)
			fprintf(
			    f, "labelflow_task_claims_total{stage=\"l%d\",outcome=\"%s\"} %llu\n",
			    st, outcome_names[o],
			    (unsigned long long)__atomic_load_n(&claims[st][o], __ATOMIC_RELAXED));
	fprintf(f,
		"# HELP labelflow_task_leases_expired_total Leases the sweeper returned to "
		"their queue.\n"
		"# TYPE labelflow_task_leases_expired_total counter\n"
		"labelflow_task_leases_expired_total %llu\n",
		(unsigned long long)__atomic_load_n(&leases_expired, __ATOMIC_RELAXED));
	fprintf(f,
		"# HELP labelflow_db_pool_waits_total Times a thread waited for a pooled "
		"database connection (PostgreSQL pool, SQLite readers).\n"
		"# TYPE labelflow_db_pool_waits_total counter\n"
		"labelflow_db_pool_waits_total %llu\n"
		"# HELP labelflow_db_pool_wait_seconds_total Time spent in those waits.\n"
		"# TYPE labelflow_db_pool_wait_seconds_total counter\n"
		"labelflow_db_pool_wait_seconds_total %.6f\n",
		(unsigned long long)__atomic_load_n(&pool_waits, __ATOMIC_RELAXED),
		(double)__atomic_load_n(&pool_wait_us, __ATOMIC_RELAXED) / 1e6);
	int64_t at = __atomic_load_n(&audit_verified_at_ms, __ATOMIC_ACQUIRE);
	if (at == 0)
		return;
	fprintf(f,
		"# HELP labelflow_audit_verify_ok Whether the last audit chain verification "
		"in this process found the chain intact.\n"
		"# TYPE labelflow_audit_verify_ok gauge\n"
		"labelflow_audit_verify_ok %d\n"
		"# HELP labelflow_audit_verify_records Records the last verification checked.\n"
		"# TYPE labelflow_audit_verify_records gauge\n"
		"labelflow_audit_verify_records %lld\n"
		"# HELP labelflow_audit_verify_timestamp_seconds When it ran.\n"
		"# TYPE labelflow_audit_verify_timestamp_seconds gauge\n"
		"labelflow_audit_verify_timestamp_seconds %.3f\n",
		__atomic_load_n(&audit_ok, __ATOMIC_RELAXED),
		(long long)__atomic_load_n(&audit_records, __ATOMIC_RELAXED), (double)at / 1000);
}

static void write_jobs(FILE *f)
{
	fputs("# HELP labelflow_job_runs_total Job runs by kind (in this process's job "
	      "threads).\n"
	      "# TYPE labelflow_job_runs_total counter\n",
	      f);
	pthread_mutex_lock(&jobs_lock);
	for (int i = 0; i < MAX_KINDS && jobs[i].kind != NULL; i++)
		fprintf(f, "labelflow_job_runs_total{kind=\"%s\"} %llu\n", jobs[i].kind,
			(unsigned long long)jobs[i].runs);
	fputs("# HELP labelflow_job_failures_total Job runs that failed, by kind.\n"
	      "# TYPE labelflow_job_failures_total counter\n",
	      f);
	for (int i = 0; i < MAX_KINDS && jobs[i].kind != NULL; i++)
		fprintf(f, "labelflow_job_failures_total{kind=\"%s\"} %llu\n", jobs[i].kind,
			(unsigned long long)jobs[i].failures);
	fputs("# HELP labelflow_job_duration_seconds Job run time by kind.\n"
	      "# TYPE labelflow_job_duration_seconds histogram\n",
	      f);
	for (int i = 0; i < MAX_KINDS && jobs[i].kind != NULL; i++) {
		uint64_t cum = 0;
		for (int b = 0; b <= NJOB_BOUNDS; b++) {
			cum += jobs[i].bucket[b];
			if (b < NJOB_BOUNDS)
				fprintf(
				    f,
				    "labelflow_job_duration_seconds_bucket{kind=\"%s\",le=\"%g\"}"
				    " %llu\n",
				    jobs[i].kind, job_bounds[b], (unsigned long long)cum);
			else
				fprintf(f,
					"labelflow_job_duration_seconds_bucket{kind=\"%s\","
					"le=\"+Inf\"} %llu\n",
					jobs[i].kind, (unsigned long long)cum);
		}
		fprintf(f,
			"labelflow_job_duration_seconds_sum{kind=\"%s\"} %.6f\n"
			"labelflow_job_duration_seconds_count{kind=\"%s\"} %llu\n",
			jobs[i].kind, (double)jobs[i].sum_us / 1e6, jobs[i].kind,
			(unsigned long long)jobs[i].runs);
	}
	pthread_mutex_unlock(&jobs_lock);
}

/* Seconds since the epoch at boot (/proc/stat's btime), 0 if unknown. */
static double boot_time(void)
{
	char line[256];
	double t = 0;
	FILE *f = fopen("/proc/stat", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "btime %lf", &t) == 1)
			break;
	fclose(f);
	return t;
}

/* The standard process_* metrics of Prometheus client libraries, from
 * /proc/self, so dashboards made for them work unchanged. */
static void write_process(FILE *f)
{
	char buf[1024];
	unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
	long long rss = 0;
	double tick = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
	FILE *st = fopen("/proc/self/stat", "r");
	if (st != NULL) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, st);
		buf[n] = '\0';
		fclose(st);
		/* Fields after the command name, which may hold spaces:
		 * state is field 3, utime 14, stime 15, starttime 22, vsize 23,
		 * rss 24. */
		const char *p = strrchr(buf, ')');
		if (p != NULL)
			sscanf(p + 2,
			       "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d "
			       "%*d %*d %*d %llu %llu %lld",
			       &utime, &stime, &start, &vsize, &rss);
	}
	int fds = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d != NULL) {
		for (struct dirent *e; (e = readdir(d)) != NULL;)
			fds += e->d_name[0] != '.';
		fds--; /* the directory's own descriptor */
		closedir(d);
	}
	struct rlimit rl = {0};
	getrlimit(RLIMIT_NOFILE, &rl);
	fprintf(f,
		"# HELP process_cpu_seconds_total User and system CPU time spent.\n"
		"# TYPE process_cpu_seconds_total counter\n"
		"process_cpu_seconds_total %.2f\n"
		"# HELP process_resident_memory_bytes Resident memory size.\n"
		"# TYPE process_resident_memory_bytes gauge\n"
		"process_resident_memory_bytes %.0f\n"
		"# HELP process_virtual_memory_bytes Virtual memory size.\n"
		"# TYPE process_virtual_memory_bytes gauge\n"
		"process_virtual_memory_bytes %llu\n"
		"# HELP process_open_fds Open file descriptors.\n"
		"# TYPE process_open_fds gauge\n"
		"process_open_fds %d\n"
		"# HELP process_max_fds The limit of open file descriptors.\n"
		"# TYPE process_max_fds gauge\n"
		"process_max_fds %llu\n"
		"# HELP process_start_time_seconds Start time since the epoch.\n"
		"# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds %.2f\n",
		(double)(utime + stime) / tick, (double)rss * page, vsize, fds,
		(unsigned long long)rl.rlim_cur, boot_time() + (double)start / tick);
}

void lf_metrics_write(FILE *f)
{
	write_tasks(f);
	write_jobs(f);
	write_seal(f);
	write_process(f);
}
