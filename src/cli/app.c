/*
 * app.c - the start-up `labelflow serve` and `labelflow worker` share:
 * the store, blob storage and job threads for both, and for a server the
 * JWT key, the first admin, the web UI and the login rate limiters.
 */
#include "cli/cli.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/outbound.h"
#include "users/users.h"

static void block_signals(void);
static void blob_opts(const lf_config *cfg, lf_blob_opts *opts);
static int open_blobs(const lf_config *cfg, lf_blob_store **out);
static int load_jwt_key(const lf_config *cfg, unsigned char key[32]);
static int bootstrap_admin(const lf_config *cfg, lf_store *s);
static int open_web(const lf_config *cfg, lf_web **out);
static int open_server(lf_cli_app *app, const lf_config *cfg);
static int check_outbound_allow(const lf_config *cfg);
static int check_public_url(const lf_config *cfg);

/* Blocked before any thread starts, so that every thread inherits the
 * mask and only lf_cli_wait_signal receives the stop signals. */
static void block_signals(void)
{
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The object store settings of the server's store, of bucket sources and
 * of export targets alike. */
static void blob_opts(const lf_config *cfg, lf_blob_opts *opts)
{
	*opts = (lf_blob_opts){
	    .s3_endpoint = cfg->s3_endpoint,
	    .s3_region = cfg->s3_region,
	    .s3_path_style = cfg->s3_path_style,
	    .gcs_endpoint = cfg->gcs_endpoint,
	    .azure_endpoint = cfg->azure_endpoint,
	    .part_size = (size_t)cfg->storage_part_size,
	    .aws_access_key_id = cfg->aws_access_key_id,
	    .aws_secret_access_key = cfg->aws_secret_access_key,
	    .aws_session_token = cfg->aws_session_token,
	    .gcs_hmac_access_id = cfg->gcs_hmac_access_id,
	    .gcs_hmac_secret = cfg->gcs_hmac_secret,
	    .azure_account = cfg->azure_storage_account,
	    .azure_key = cfg->azure_storage_key,
	    .azure_connection_string = cfg->azure_storage_connection_string,
	};
}

static int open_blobs(const lf_config *cfg, lf_blob_store **out)
{
	char err[512];
	lf_blob_opts opts;
	blob_opts(cfg, &opts);
	int ret = lf_blob_open_opts(cfg->storage, &opts, out, err, sizeof(err));
	if (ret != LF_OK)
		lf_log(LF_LOG_ERROR, "storage %s: %s", cfg->storage, err);
	return ret;
}

/*
 * The signing key comes from LABELFLOW_JWT_SECRET, or from a random key
 * kept next to the SQLite database (created 0600 on first start), so
 * tokens survive restarts without any configuration.
 */
/* Writes the path of file name beside the SQLite database (in
 * ./labelflow-data for PostgreSQL) to path, creating the folder. */
static void data_file(const lf_config *cfg, const char *name, char *path, size_t size)
{
	char dbpath[4096];
	const char *db = strncmp(cfg->db, "sqlite:", 7) == 0 ? cfg->db + 7 : cfg->db;
	snprintf(dbpath, sizeof(dbpath), "%s", db);
	/* dirname() edits its argument and returns a pointer into it (or to a
	 * static "."), so its result is used in place: copying it back over
	 * its own argument is an overlapping copy, and glibc's snprintf made
	 * that "" (the key then went to /jwt.key, shared by every instance). */
	const char *dir = strstr(db, "://") ? "./labelflow-data" : dirname(dbpath);
	snprintf(path, size, "%s/%s", dir, name);
	mkdir(dir, 0700);
}

static int load_jwt_key(const lf_config *cfg, unsigned char key[32])
{
	const char *secret = cfg->jwt_secret;
	if (secret != NULL) {
		crypto_hash_sha256(key, (const unsigned char *)secret, strlen(secret));
		return LF_OK;
	}
	char path[4200];
	data_file(cfg, "jwt.key", path, sizeof(path));
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, key, 32);
		close(fd);
		if (n == 32)
			return LF_OK;
		lf_log(LF_LOG_ERROR, "%s is damaged; remove it to make a new key", path);
		return LF_ERR_IO;
	}
	randombytes_buf(key, 32);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, key, 32) != 32) {
		lf_log(LF_LOG_ERROR, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return LF_ERR_IO;
	}
	close(fd);
	return LF_OK;
}

int lf_cli_audit_anchor(const lf_config *cfg, lf_audit_anchor *out)
{
	char err[512];
	lf_blob_opts opts;
	out->bs = NULL;
	out->prefix = "";
	if (cfg->audit_anchor == NULL)
		return LF_OK;
	/* In the main storage the anchor's keys must not meet an upload's. */
	if (cfg->storage != NULL && strcmp(cfg->audit_anchor, cfg->storage) == 0)
		out->prefix = "audit-anchor/";
	blob_opts(cfg, &opts);
	int ret = lf_blob_open_opts(cfg->audit_anchor, &opts, &out->bs, err, sizeof(err));
	if (ret != LF_OK)
		lf_log(LF_LOG_ERROR, "LABELFLOW_AUDIT_ANCHOR %s: %s", cfg->audit_anchor, err);
	return ret;
}

int lf_cli_audit_key(const lf_config *cfg, int create, lf_audit_key *out)
{
	char path[4200], err[512];
	if (cfg->audit_key != NULL)
		snprintf(path, sizeof(path), "%s", cfg->audit_key);
	else
		data_file(cfg, "audit-ed25519.key", path, sizeof(path));
	int ret = lf_audit_key_load(path, create, out, err, sizeof(err));
	if (ret != LF_OK)
		lf_log(LF_LOG_ERROR, "audit key: %s", err);
	return ret;
}

static int bootstrap_admin(const lf_config *cfg, lf_store *s)
{
	lf_tx *tx;
	int64_t n = 0, id = 0;
	lf_error err = {0};
	int ret = lf_store_begin(s, LF_TX_READ, NULL, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_user_count(tx, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK || n > 0)
		return ret;
	if (cfg->admin_email == NULL || cfg->admin_password == NULL) {
		lf_log(LF_LOG_INFO,
		       "there are no users yet. Create the first admin with\n"
		       "  echo 'a-long-password' | labelflow user add --email you@example.org"
		       " --name You --role admin --password-stdin\n"
		       "or start with LABELFLOW_ADMIN_EMAIL and LABELFLOW_ADMIN_PASSWORD set.");
		return LF_OK;
	}
	ret = lf_users_create(s, 0, "system", cfg->admin_email, "Administrator", "admin",
			      cfg->admin_password, &id, &err);
	if (ret != LF_OK) {
		lf_error_default(&err, ret, "user");
		lf_log(LF_LOG_ERROR, "cannot create the first admin: %s", err.message);
		return ret;
	}
	lf_log(LF_LOG_INFO, "created the first admin %s", cfg->admin_email);
	return LF_OK;
}

/* The built web UI is optional: without it the server is the API alone. */
static int open_web(const lf_config *cfg, lf_web **out)
{
	char err[256];
	int ret = lf_web_open(cfg->web_dir, out, err, sizeof(err));
	if (ret != LF_OK)
		lf_log(LF_LOG_ERROR, "web UI: %s", err);
	else if (*out == NULL)
		lf_log(LF_LOG_INFO, "no web UI in %s (run `make`); serving the API only",
		       cfg->web_dir);
	else
		lf_log(LF_LOG_INFO, "serving the web UI from %s", lf_web_root(*out));
	return ret;
}

/* A typo in the list would otherwise surface only when a payout is sent,
 * in a job's error: refuse to start instead, naming the entry. */
static int check_outbound_allow(const lf_config *cfg)
{
	lf_outbound_allow *a = NULL;
	char err[160];
	int ret = lf_outbound_allow_parse(cfg->outbound_allow, false, &a, err, sizeof(err));
	if (ret != LF_OK)
		lf_log(LF_LOG_ERROR, "LABELFLOW_OUTBOUND_ALLOW: %s", err);
	lf_outbound_allow_free(a);
	return ret;
}

/* Links built on it are followed by other programs: a typo must stop the
 * start, not every ML backend's downloads later. */
static int check_public_url(const lf_config *cfg)
{
	const char *u = cfg->public_url;
	if (u == NULL)
		return LF_OK;
	const char *host = strncmp(u, "https://", 8) == 0  ? u + 8
			   : strncmp(u, "http://", 7) == 0 ? u + 7
							   : NULL;
	if (host == NULL || host[0] == '\0' || host[0] == '/' || strpbrk(host, "/?#@ ") != NULL ||
	    strlen(u) > 1000) {
		lf_log(LF_LOG_ERROR,
		       "LABELFLOW_PUBLIC_URL: '%s' is not http(s)://host[:port] (no path, no "
		       "trailing slash)",
		       u);
		return LF_ERR_INVALID;
	}
	return LF_OK;
}

/* What the HTTP API needs before the first request, once the store is
 * open. */
static int open_server(lf_cli_app *app, const lf_config *cfg)
{
	lf_app *api = &app->api;
	char err[160];
	int ret;
	if ((ret = lf_http_cidr_parse(cfg->metrics_allow, api->metrics_allow, &api->metrics_nallow,
				      err, sizeof(err))) != LF_OK) {
		lf_log(LF_LOG_ERROR, "LABELFLOW_METRICS_ALLOW: %s", err);
		goto cleanup;
	}
	if (cfg->trusted_proxies != NULL &&
	    (ret = lf_http_cidr_parse(cfg->trusted_proxies, api->proxies, &api->nproxies, err,
				      sizeof(err))) != LF_OK) {
		lf_log(LF_LOG_ERROR, "LABELFLOW_TRUSTED_PROXIES: %s", err);
		goto cleanup;
	}
	api->metrics_token = cfg->metrics_token;
	if ((ret = bootstrap_admin(cfg, api->store)) != LF_OK ||
	    (ret = open_web(cfg, &api->web)) != LF_OK)
		goto cleanup;
	api->tmpdir = cfg->tmpdir;
	api->media_redirect = cfg->media_redirect;
	api->payout_webhook_url = cfg->payout_webhook_url;
	api->payout_webhook_allow_private = cfg->payout_webhook_allow_private;
	api->outbound_allow = cfg->outbound_allow;
	api->ml_answer_max = cfg->ml_answer_max;
	api->public_url = cfg->public_url;
	api->access_ttl_s = cfg->access_ttl_s;
	api->refresh_ttl_s = cfg->refresh_ttl_s;
	/* After the free failures, 1 s doubling to 15 min: a guesser gets a few
	 * hundred tries a day per address, a typing owner waits seconds. */
	api->rl_login = lf_backoff_create(cfg->login_failures, 1000, 15 * 60 * 1000, 100000);
	api->rl_ip = lf_ratelimit_create(cfg->login_ip_burst, 1000, 100000);
	if (api->rl_login == NULL || api->rl_ip == NULL)
		ret = LF_ERR_NOMEM;
cleanup:
	return ret;
}

int lf_cli_app_open(lf_cli_app *app, const lf_config *cfg, int mode, int job_threads)
{
	int readers = mode == LF_CLI_SERVER ? cfg->threads + 2 : job_threads + 2;
	int ret;
	memset(app, 0, sizeof(*app));
	block_signals();
	if (mode == LF_CLI_SERVER && (ret = lf_auth_init(cfg->password_cost)) != LF_OK)
		goto cleanup;
	if (mode == LF_CLI_SERVER && cfg->password_cost == LF_PASSWORD_MINIMUM)
		lf_log(LF_LOG_WARN,
		       "LABELFLOW_PASSWORD_COST=minimum: password hashes protect nothing; "
		       "it is meant for test suites");
	if ((ret = check_outbound_allow(cfg)) != LF_OK || (ret = check_public_url(cfg)) != LF_OK)
		goto cleanup;
	lf_blob_opts opts;
	blob_opts(cfg, &opts);
	if ((ret = lf_cli_open_store(cfg, readers, &app->api.store)) != LF_OK ||
	    (ret = open_blobs(cfg, &app->api.blobs)) != LF_OK ||
	    (ret = lf_blob_pool_new(&opts, &app->api.buckets)) != LF_OK)
		goto cleanup;
	/* Workers too: the media links of the tasks sent to ML backends are
	 * signed with it. A worker without it still runs every other job:
	 * those links are then unsigned (and refused). */
	int have_key = (ret = load_jwt_key(cfg, app->api.jwt_key)) == LF_OK;
	if (!have_key && mode == LF_CLI_SERVER)
		goto cleanup;
	if (!have_key)
		lf_log(LF_LOG_WARN, "no JWT key (set LABELFLOW_JWT_SECRET as on the servers): "
				    "ML backends get unsigned media links from this worker");
	if (mode == LF_CLI_SERVER && (ret = open_server(app, cfg)) != LF_OK)
		goto cleanup;
	/* Every process seals (one at a time, see audit/seal.h), so the chain
	 * keeps growing while any of them runs. */
	lf_audit_seal_opts seal = {.interval_ms = cfg->audit_seal_ms,
				   .test_pause_ms = cfg->audit_seal_test_pause_ms,
				   .anchor = cfg->audit_anchor != NULL ? &app->anchor : NULL};
	if ((ret = lf_cli_audit_anchor(cfg, &app->anchor)) != LF_OK ||
	    (ret = lf_cli_audit_key(cfg, 1, &app->audit_key)) != LF_OK ||
	    (ret = lf_audit_seal_start(app->api.store, &app->audit_key, &seal, &app->sealer)) !=
		LF_OK)
		goto cleanup;
	app->api.audit_key = &app->audit_key;
	app->api.audit_anchor = seal.anchor;
	app->api.audit_max_lag_ms = cfg->audit_seal_max_lag_ms;
	app->api.started_ms = lf_now_ms();
	app->jobs.store = app->api.store;
	app->jobs.blobs = app->api.blobs;
	app->jobs.buckets = app->api.buckets;
	app->jobs.cfg = cfg;
	app->jobs.jwt_key = have_key ? app->api.jwt_key : NULL;
	if ((ret = lf_jobkinds_start(&app->jobs, job_threads, &app->api.jobs)) != LF_OK)
		lf_log(LF_LOG_ERROR, "cannot start job workers (%s)", lf_err_str(ret));
cleanup:
	return ret;
}

void lf_cli_app_close(lf_cli_app *app)
{
	lf_jobs_stop(app->api.jobs);
	lf_audit_seal_stop(app->sealer);
	lf_blob_close(app->anchor.bs);
	lf_blob_close(app->api.blobs);
	lf_blob_pool_free(app->api.buckets);
	lf_web_close(app->api.web);
	lf_ratelimit_destroy(app->api.rl_login);
	lf_ratelimit_destroy(app->api.rl_ip);
	lf_store_close(app->api.store);
	sodium_memzero(app->api.jwt_key, sizeof(app->api.jwt_key));
	sodium_memzero(&app->audit_key, sizeof(app->audit_key));
	memset(app, 0, sizeof(*app));
}

int lf_cli_wait_signal(void)
{
	sigset_t sigs;
	int sig = 0;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigwait(&sigs, &sig);
	return sig;
}
