/*
 * main.c - the `labelflow` command line: serve, migrate, user add,
 * audit verify. Configuration comes from flags, then LABELFLOW_*
 * environment variables, then defaults that run with no setup at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "audit/audit.h"
#include "export/job.h"
#include "imports/imports.h"
#include "ledger/ledger.h"
#include "payout/batch.h"
#include "tasks/tasks.h"
#include "users/users.h"

#define DEFAULT_DB	"sqlite:./labelflow-data/labelflow.db"
#define DEFAULT_STORAGE "file:./labelflow-data/blobs"
#define DEFAULT_LISTEN	"127.0.0.1:8080"
#define DEFAULT_WEB_DIR "web/dist"

typedef struct config {
	const char *db;
	const char *storage;
	const char *listen;
	int threads;
} config;

static void usage(FILE *f);
static const char *env_or(const char *name, const char *def);
static int env_int(const char *name, int def);
static int parse_common(int argc, char **argv, config *cfg);
static int open_store(const config *cfg, int readers, lf_store **out);
static int load_jwt_key(const config *cfg, unsigned char key[32]);
static int bootstrap_admin(lf_store *s);
static int start_workers(lf_app *app, int threads);
static int payload_id(const lf_job *job, const char *key, int64_t *id, char *err, size_t errlen);
static int job_import(void *ud, lf_job *job, char *err, size_t errlen);
static int periodic_sweep(void *ud);
static int job_payout(void *ud, lf_job *job, char *err, size_t errlen);
static int job_export(void *ud, lf_job *job, char *err, size_t errlen);
static int cmd_export(int argc, char **argv);
static int open_blobs(const config *cfg, lf_blob_store **out);
static int open_web(lf_web **out);
static int wait_for_signal(void);
static void block_signals(void);
static int cmd_serve(int argc, char **argv);
static int cmd_worker(int argc, char **argv);
static int cmd_migrate(int argc, char **argv);
static int cmd_user(int argc, char **argv);
static int open_for_verify(int argc, char **argv, lf_store **s);
static int cmd_audit(int argc, char **argv);
static int cmd_ledger(int argc, char **argv);

static void usage(FILE *f)
{
	fputs("usage:\n"
	      "  labelflow serve   [--listen ADDR] [--db URL] [--storage URL] [--threads N]\n"
	      "  labelflow worker  [--db URL] [--storage URL]\n"
	      "  labelflow migrate [--db URL]\n"
	      "  labelflow user add --email E --name N --role admin|annotator|reviewer|"
	      "super_reviewer --password-stdin [--db URL]\n"
	      "  labelflow audit verify [--db URL]\n"
	      "  labelflow ledger verify [--db URL]\n"
	      "  labelflow export --project ID --format F [--filter JSON] [--out FILE] [--db URL]\n"
	      "environment: LABELFLOW_DB, LABELFLOW_STORAGE, LABELFLOW_LISTEN, "
	      "LABELFLOW_JWT_SECRET,\n"
	      "  LABELFLOW_ADMIN_EMAIL/LABELFLOW_ADMIN_PASSWORD (first admin), LABELFLOW_THREADS,\n"
	      "  LABELFLOW_ACCESS_TTL, LABELFLOW_REFRESH_TTL (seconds), LABELFLOW_ACCESS_LOG=0|1,\n"
	      "  LABELFLOW_LOGIN_ACCOUNT_BURST, LABELFLOW_LOGIN_IP_BURST, LABELFLOW_JOB_THREADS,\n"
	      "  LABELFLOW_SWEEP_MS (lease sweeper interval), LABELFLOW_JOB_LEASE_MS,\n"
	      "  LABELFLOW_PAYOUT_WEBHOOK_URL,\n"
	      "  LABELFLOW_PAYOUT_WEBHOOK_SECRET, LABELFLOW_PAYOUT_WEBHOOK_TIMEOUT_MS,\n"
	      "  LABELFLOW_WEB_DIR (the built web UI; default web/dist)\n",
	      f);
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? v : def;
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);
	if (v == NULL || *v == '\0')
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end != '\0' || n < 0 || n > 1000000000) {
		fprintf(stderr, "labelflow: %s must be a non-negative integer, got '%s'\n", name,
			v);
		exit(2);
	}
	return (int)n;
}

/* Parses the flags every subcommand shares; returns the index of the first
 * non-option argument. */
static int parse_common(int argc, char **argv, config *cfg)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},     {"storage", required_argument, NULL, 's'},
	    {"listen", required_argument, NULL, 'l'}, {"threads", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->db = env_or("LABELFLOW_DB", DEFAULT_DB);
	cfg->storage = env_or("LABELFLOW_STORAGE", DEFAULT_STORAGE);
	cfg->listen = env_or("LABELFLOW_LISTEN", DEFAULT_LISTEN);
	cfg->threads = env_int("LABELFLOW_THREADS", ncpu > 4 ? (int)ncpu * 8 : 32);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': cfg->db = optarg; break;
		case 's': cfg->storage = optarg; break;
		case 'l': cfg->listen = optarg; break;
		case 't': cfg->threads = atoi(optarg); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (cfg->threads < 1 || cfg->threads > 256) {
		fprintf(stderr, "labelflow: --threads must be 1..256\n");
		exit(2);
	}
	return optind;
}

static int open_store(const config *cfg, int readers, lf_store **out)
{
	char err[256];
	int applied = 0;
	lf_store_opts opts = {
	    .pool = env_int("LABELFLOW_DB_POOL", 0),
	    .statement_timeout_ms =
		env_int("LABELFLOW_DB_STATEMENT_TIMEOUT_MS", LF_STORE_STATEMENT_TIMEOUT_MS),
	};
	int ret = lf_store_open_opts(cfg->db, readers, &opts, out, err, sizeof(err));
	if (ret != LF_OK) {
		fprintf(stderr, "labelflow: %s\n", err);
		return ret;
	}
	if ((ret = lf_store_migrate(*out, &applied)) != LF_OK) {
		fprintf(stderr, "labelflow: migrations failed (%s)\n", lf_err_str(ret));
		lf_store_close(*out);
		*out = NULL;
		return ret;
	}
	if (applied > 0)
		fprintf(stderr, "labelflow: applied %d migration(s)\n", applied);
	return LF_OK;
}

/*
 * The signing key comes from LABELFLOW_JWT_SECRET, or from a random key
 * kept next to the SQLite database (created 0600 on first start), so
 * tokens survive restarts without any configuration.
 */
static int load_jwt_key(const config *cfg, unsigned char key[32])
{
	const char *secret = getenv("LABELFLOW_JWT_SECRET");
	if (secret != NULL && *secret != '\0') {
		crypto_hash_sha256(key, (const unsigned char *)secret, strlen(secret));
		return LF_OK;
	}
	char dbpath[4096], path[4200];
	const char *db = strncmp(cfg->db, "sqlite:", 7) == 0 ? cfg->db + 7 : cfg->db;
	snprintf(dbpath, sizeof(dbpath), "%s", db);
	/* dirname() edits its argument and returns a pointer into it (or to a
	 * static "."), so its result is used in place: copying it back over
	 * its own argument is an overlapping copy, and glibc's snprintf made
	 * that "" (the key then went to /jwt.key, shared by every instance). */
	const char *dir = strstr(db, "://") ? "./labelflow-data" : dirname(dbpath);
	snprintf(path, sizeof(path), "%s/jwt.key", dir);
	mkdir(dir, 0700);
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, key, 32);
		close(fd);
		if (n == 32)
			return LF_OK;
		fprintf(stderr, "labelflow: %s is damaged; remove it to make a new key\n", path);
		return LF_ERR_IO;
	}
	randombytes_buf(key, 32);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, key, 32) != 32) {
		fprintf(stderr, "labelflow: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return LF_ERR_IO;
	}
	close(fd);
	return LF_OK;
}

static int bootstrap_admin(lf_store *s)
{
	lf_tx *tx;
	int64_t n = 0, id = 0;
	char err[200];
	int ret = lf_store_begin(s, 0, NULL, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_user_count(tx, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK || n > 0)
		return ret;
	const char *email = getenv("LABELFLOW_ADMIN_EMAIL");
	const char *password = getenv("LABELFLOW_ADMIN_PASSWORD");
	if (email == NULL || password == NULL || *email == '\0') {
		fprintf(stderr,
			"labelflow: there are no users yet. Create the first admin with\n"
			"  echo 'a-long-password' | labelflow user add --email you@example.org"
			" --name You --role admin --password-stdin\n"
			"or start with LABELFLOW_ADMIN_EMAIL and LABELFLOW_ADMIN_PASSWORD set.\n");
		return LF_OK;
	}
	ret = lf_users_create(s, 0, "system", email, "Administrator", "admin", password, &id, err,
			      sizeof(err));
	if (ret != LF_OK) {
		fprintf(stderr, "labelflow: cannot create the first admin: %s\n", err);
		return ret;
	}
	fprintf(stderr, "labelflow: created the first admin %s\n", email);
	return LF_OK;
}

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
	lf_app *app = ud;
	int64_t id;
	int ret = payload_id(job, "import_id", &id, err, errlen);
	return ret != LF_OK ? ret
			    : lf_imports_run(app->store, app->blobs, id, NULL, NULL, err, errlen);
}

/*
 * Pays a payout batch. The webhook adapter is configured on the server
 * (LABELFLOW_PAYOUT_WEBHOOK_URL / _SECRET), never through the API, so its
 * secret is neither stored in the database nor sent by clients.
 */
static int job_payout(void *ud, lf_job *job, char *err, size_t errlen)
{
	lf_app *app = ud;
	int64_t id;
	int ret = payload_id(job, "batch_id", &id, err, errlen);
	if (ret != LF_OK)
		return ret;
	const char *url = getenv("LABELFLOW_PAYOUT_WEBHOOK_URL");
	const char *secret = getenv("LABELFLOW_PAYOUT_WEBHOOK_SECRET");
	json_t *webhook =
	    url && secret ? json_pack("{s:s,s:s,s:i}", "url", url, "secret", secret, "timeout_ms",
				      env_int("LABELFLOW_PAYOUT_WEBHOOK_TIMEOUT_MS", 10000))
			  : NULL;
	ret = lf_payout_batch_run(app->store, app->blobs, id, webhook,
				  job->attempt >= job->max_attempts, err, errlen);
	json_decref(webhook);
	return ret;
}

static int job_export(void *ud, lf_job *job, char *err, size_t errlen)
{
	lf_app *app = ud;
	int64_t id;
	int ret = payload_id(job, "export_id", &id, err, errlen);
	return ret != LF_OK ? ret
			    : lf_export_run(app->store, app->blobs,
					    env_or("LABELFLOW_TMPDIR", NULL), id, err, errlen);
}

/* Returns expired leases to their queues; every process may run it. */
static int periodic_sweep(void *ud)
{
	lf_app *app = ud;
	int n = 0;
	int ret = lf_tasks_sweep(app->store, lf_now_ms(), &n);
	if (n > 0)
		fprintf(stderr, "labelflow: sweeper returned %d expired lease(s)\n", n);
	return ret;
}

static int start_workers(lf_app *app, int threads)
{
	static lf_job_handler handlers[] = {
	    {.kind = LF_IMPORTS_JOB, .fn = job_import, .timeout_ms = 6 * 3600 * 1000},
	    {.kind = LF_PAYOUTS_JOB, .fn = job_payout, .timeout_ms = 3600 * 1000},
	    {.kind = LF_EXPORTS_JOB, .fn = job_export, .timeout_ms = 6 * 3600 * 1000},
	};
	lf_job_periodic periodic[] = {
	    {.name = "lease-sweeper",
	     .interval_ms = env_int("LABELFLOW_SWEEP_MS", 1000),
	     .fn = periodic_sweep,
	     .ud = app},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(handlers); i++)
		handlers[i].ud = app;
	/* A job whose process died is taken over once its lease runs out. */
	lf_jobs_config cfg = {.threads = threads,
			      .lease_ms = env_int("LABELFLOW_JOB_LEASE_MS", LF_JOBS_LEASE_MS)};
	int ret = lf_jobs_start_cfg(app->store, &cfg, handlers, LF_ARRAY_LEN(handlers), periodic,
				    LF_ARRAY_LEN(periodic), &app->jobs);
	if (ret != LF_OK)
		fprintf(stderr, "labelflow: cannot start job workers (%s)\n", lf_err_str(ret));
	return ret;
}

static int open_blobs(const config *cfg, lf_blob_store **out)
{
	char err[256];
	int ret = lf_blob_open(cfg->storage, out, err, sizeof(err));
	if (ret != LF_OK)
		fprintf(stderr, "labelflow: storage %s: %s\n", cfg->storage, err);
	return ret;
}

/* The built web UI is optional: without it the server is the API alone. */
static int open_web(lf_web **out)
{
	char err[256];
	const char *dir = env_or("LABELFLOW_WEB_DIR", DEFAULT_WEB_DIR);
	int ret = lf_web_open(dir, out, err, sizeof(err));
	if (ret != LF_OK)
		fprintf(stderr, "labelflow: web UI: %s\n", err);
	else if (*out == NULL)
		fprintf(stderr, "labelflow: no web UI in %s (run `make`); serving the API only\n",
			dir);
	else
		fprintf(stderr, "labelflow: serving the web UI from %s\n", lf_web_root(*out));
	return ret;
}

/* Blocks until SIGINT or SIGTERM (blocked in every thread beforehand). */
static int wait_for_signal(void)
{
	sigset_t sigs;
	int sig = 0;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigwait(&sigs, &sig);
	return sig;
}

static void block_signals(void)
{
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int cmd_serve(int argc, char **argv)
{
	config cfg;
	lf_app app;
	lf_store *store = NULL;
	char err[256];
	int sig = 0, ret = 1;
	parse_common(argc, argv, &cfg);
	memset(&app, 0, sizeof(app));
	/* Block the stop signals before any thread starts so that every
	 * thread inherits the mask and only sigwait below receives them. */
	block_signals();
	if (lf_auth_init() != LF_OK || open_store(&cfg, cfg.threads + 2, &store) != LF_OK ||
	    open_blobs(&cfg, &app.blobs) != LF_OK)
		goto cleanup;
	if (load_jwt_key(&cfg, app.jwt_key) != LF_OK || bootstrap_admin(store) != LF_OK ||
	    open_web(&app.web) != LF_OK)
		goto cleanup;
	app.store = store;
	app.started_ms = lf_now_ms();
	app.access_ttl_s = env_int("LABELFLOW_ACCESS_TTL", 900);
	app.refresh_ttl_s = env_int("LABELFLOW_REFRESH_TTL", 30 * 24 * 3600);
	app.rl_account =
	    lf_ratelimit_create(env_int("LABELFLOW_LOGIN_ACCOUNT_BURST", 10), 30000, 100000);
	app.rl_ip = lf_ratelimit_create(env_int("LABELFLOW_LOGIN_IP_BURST", 60), 1000, 100000);
	if (app.rl_account == NULL || app.rl_ip == NULL)
		goto cleanup;
	if (start_workers(&app, env_int("LABELFLOW_JOB_THREADS", 2)) != LF_OK)
		goto cleanup;
	lf_http_config hc = {
	    .listen = cfg.listen,
	    .threads = cfg.threads,
	    .max_body = 1 << 20,
	    .routes = lf_api_routes,
	    .nroutes = lf_api_nroutes,
	    .app = &app,
	    .access_log = env_int("LABELFLOW_ACCESS_LOG", 1),
	    .fallback = lf_api_static,
	};
	if (lf_http_start(&hc, &app.http, err, sizeof(err)) != LF_OK) {
		fprintf(stderr, "labelflow: %s\n", err);
		goto cleanup;
	}
	char host[128];
	snprintf(host, sizeof(host), "%s", cfg.listen);
	char *colon = strrchr(host, ':');
	if (colon != NULL)
		*colon = '\0';
	printf("labelflow: listening on http://%s:%d (db %s, %d threads)\n",
	       host[0] ? host : "0.0.0.0", lf_http_port(app.http), cfg.db, cfg.threads);
	fflush(stdout);
	sig = wait_for_signal();
	fprintf(stderr, "labelflow: %s received, finishing in-flight requests and jobs\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	lf_http_stop(app.http, 10000);
	ret = 0;
cleanup:
	lf_jobs_stop(app.jobs);
	lf_blob_close(app.blobs);
	lf_web_close(app.web);
	lf_ratelimit_destroy(app.rl_account);
	lf_ratelimit_destroy(app.rl_ip);
	lf_store_close(store);
	sodium_memzero(app.jwt_key, sizeof(app.jwt_key));
	return ret;
}

/* Job workers only: imports, the lease sweeper and later exports and
 * payouts, sharing the database and storage with the servers. */
static int cmd_worker(int argc, char **argv)
{
	config cfg;
	lf_app app;
	lf_store *store = NULL;
	int ret = 1;
	parse_common(argc, argv, &cfg);
	memset(&app, 0, sizeof(app));
	block_signals();
	int threads = env_int("LABELFLOW_JOB_THREADS", 4);
	if (open_store(&cfg, threads + 2, &store) != LF_OK || open_blobs(&cfg, &app.blobs) != LF_OK)
		goto cleanup;
	app.store = store;
	app.started_ms = lf_now_ms();
	if (start_workers(&app, threads) != LF_OK)
		goto cleanup;
	printf("labelflow: worker running %d job threads (db %s)\n", threads, cfg.db);
	fflush(stdout);
	wait_for_signal();
	fprintf(stderr, "labelflow: stopping, letting running jobs finish\n");
	ret = 0;
cleanup:
	lf_jobs_stop(app.jobs);
	lf_blob_close(app.blobs);
	lf_store_close(store);
	return ret;
}

static int cmd_migrate(int argc, char **argv)
{
	config cfg;
	lf_store *s = NULL;
	int version = 0;
	parse_common(argc, argv, &cfg);
	if (open_store(&cfg, 1, &s) != LF_OK)
		return 1;
	lf_store_schema_version(s, &version);
	printf("labelflow: schema at version %d\n", version);
	lf_store_close(s);
	return 0;
}

static int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"email", required_argument, NULL, 'e'}, {"name", required_argument, NULL, 'n'},
	    {"role", required_argument, NULL, 'r'},  {"password-stdin", no_argument, NULL, 'p'},
	    {"db", required_argument, NULL, 'd'},    {NULL, 0, NULL, 0},
	};
	config cfg;
	const char *email = NULL, *name = NULL, *role = NULL;
	int from_stdin = 0, c, ret = 1;
	char password[1100], err[200];
	int64_t id = 0;
	lf_store *s = NULL;
	parse_common(1, argv, &cfg);
	if (argc < 2 || strcmp(argv[1], "add") != 0) {
		usage(stderr);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e': email = optarg; break;
		case 'n': name = optarg; break;
		case 'r': role = optarg; break;
		case 'p': from_stdin = 1; break;
		case 'd': cfg.db = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (email == NULL || role == NULL || !from_stdin) {
		fprintf(stderr, "labelflow: user add needs --email, --role and --password-stdin\n");
		return 2;
	}
	if (fgets(password, sizeof(password), stdin) == NULL) {
		fprintf(stderr, "labelflow: no password on standard input\n");
		return 2;
	}
	password[strcspn(password, "\r\n")] = '\0';
	if (lf_auth_init() != LF_OK || open_store(&cfg, 1, &s) != LF_OK)
		goto cleanup;
	if (lf_users_create(s, 0, "system", email, name ? name : email, role, password, &id, err,
			    sizeof(err)) != LF_OK) {
		fprintf(stderr, "labelflow: %s\n", err);
		goto cleanup;
	}
	printf("labelflow: created user %lld (%s, %s)\n", (long long)id, email, role);
	ret = 0;
cleanup:
	sodium_memzero(password, sizeof(password));
	lf_store_close(s);
	return ret;
}

/* `labelflow audit|ledger verify [--db URL]`: checks the subcommand and
 * opens the store. Returns 0, or the exit code to stop with. */
static int open_for_verify(int argc, char **argv, lf_store **s)
{
	config cfg;
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		usage(stderr);
		return 2;
	}
	parse_common(argc - 1, argv + 1, &cfg);
	return open_store(&cfg, 1, s) == LF_OK ? 0 : 1;
}

static int cmd_audit(int argc, char **argv)
{
	lf_store *s = NULL;
	lf_audit_verdict v;
	int code = open_for_verify(argc, argv, &s);
	if (code != 0)
		return code;
	int ret = lf_audit_verify(s, &v);
	lf_store_close(s);
	if (ret != LF_OK) {
		fprintf(stderr, "labelflow: cannot read the audit trail (%s)\n", lf_err_str(ret));
		return 1;
	}
	if (!v.ok) {
		printf("audit chain BROKEN at seq %lld: %s (%lld records verified before it)\n",
		       (long long)v.broken_seq, v.reason, (long long)v.count);
		return 1;
	}
	printf("audit chain ok: %lld records, head %s\n", (long long)v.count, v.head);
	return 0;
}

static int cmd_ledger(int argc, char **argv)
{
	lf_store *s = NULL;
	lf_ledger_verdict v;
	int code = open_for_verify(argc, argv, &s);
	if (code != 0)
		return code;
	int ret = lf_ledger_verify(s, &v);
	lf_store_close(s);
	if (ret != LF_OK) {
		fprintf(stderr, "labelflow: cannot read the ledger (%s)\n", lf_err_str(ret));
		return 1;
	}
	if (!v.ok) {
		printf("ledger BROKEN: %s\n", v.reason);
		return 1;
	}
	printf("ledger ok: %lld transactions, %lld entries balance; no internal account is"
	       " negative; held equals open holds; payable + paid equals earned\n",
	       (long long)v.audit.txns, (long long)v.audit.entries);
	return 0;
}

static int write_fd(void *ud, const void *buf, size_t len)
{
	FILE *f = ud;
	return fwrite(buf, 1, len, f) == len ? LF_OK : LF_ERR_IO;
}

/* labelflow export --project N --format F [--filter JSON] [--out FILE]:
 * the same export as the API's, written straight to a file or stdout. */
static int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"project", required_argument, NULL, 'p'}, {"format", required_argument, NULL, 'f'},
	    {"filter", required_argument, NULL, 'F'},  {"out", required_argument, NULL, 'o'},
	    {"db", required_argument, NULL, 'd'},      {NULL, 0, NULL, 0},
	};
	config cfg;
	const char *format = NULL, *filter = NULL, *path = NULL;
	int64_t project = 0;
	int c, ret = 1;
	char err[256] = "";
	lf_store *s = NULL;
	lf_export_report rep;
	parse_common(1, argv, &cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': project = atoll(optarg); break;
		case 'f': format = optarg; break;
		case 'F': filter = optarg; break;
		case 'o': path = optarg; break;
		case 'd': cfg.db = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (project <= 0 || format == NULL || !lf_export_format_valid(format)) {
		fprintf(stderr, "labelflow: export needs --project ID and a valid --format\n");
		return 2;
	}
	FILE *out = path ? fopen(path, "wb") : stdout;
	if (out == NULL) {
		fprintf(stderr, "labelflow: cannot write %s\n", path);
		return 1;
	}
	if (open_store(&cfg, 1, &s) != LF_OK)
		goto cleanup;
	if (lf_export_stream(s, project, format, filter, env_or("LABELFLOW_TMPDIR", NULL), write_fd,
			     out, NULL, NULL, &rep, err, sizeof(err)) != LF_OK) {
		fprintf(stderr, "labelflow: %s\n", err[0] ? err : "export failed");
		goto cleanup;
	}
	fprintf(stderr, "labelflow: exported %lld task(s), %lld region(s), %lld skipped%s%s\n",
		(long long)rep.tasks, (long long)rep.regions, (long long)rep.skipped,
		rep.skipped ? ": " : "", rep.skipped_why);
	ret = 0;
cleanup:
	if (out != stdout && fclose(out) != 0)
		ret = 1;
	lf_store_close(s);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "worker") == 0)
		return cmd_worker(argc - 1, argv + 1);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(argc - 1, argv + 1);
	if (strcmp(cmd, "user") == 0)
		return cmd_user(argc - 1, argv + 1);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	if (strcmp(cmd, "export") == 0)
		return cmd_export(argc - 1, argv + 1);
	if (strcmp(cmd, "ledger") == 0)
		return cmd_ledger(argc - 1, argv + 1);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "labelflow: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
