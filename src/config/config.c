/*
 * config.c - the table of LABELFLOW_* variables and its one reader.
 *
 * Read the table to learn every setting the program takes from its
 * environment: a row says the variable's name, the lf_config field it
 * fills, its type and range, its default (as text, parsed by the same code
 * as the environment, so a default can never be out of range) and what it
 * means. README.md's Configuration table lists the same rows. The last
 * rows are not LABELFLOW_*: they are the variables a cloud SDK user has
 * already set for credentials, read here so that nothing below the
 * command line reads the environment.
 */
#include "config/config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/lf.h"

/* The ceiling every integer setting has always had: larger is a typo. */
#define BIG 1000000000

enum type { T_STRING, T_INT, T_BOOL };

struct var {
	const char *name;
	enum type type;
	size_t field;	     /* offset in lf_config */
	int min, max;	     /* T_INT only */
	const char *def;     /* as text; NULL: def_fn, else unset or LF_CONFIG_AUTO */
	int (*def_fn)(void); /* an int default worked out at start */
	const char *def_doc; /* the default in words, where def cannot say it */
	const char *meaning;
};

#define STR(f)	       T_STRING, offsetof(lf_config, f), 0, 0
#define INT(f, lo, hi) T_INT, offsetof(lf_config, f), lo, hi
#define BOOL(f)	       T_BOOL, offsetof(lf_config, f), 0, 1

static const struct var *var_find(const char *name);
static int var_set(lf_config *c, const struct var *v, const char *value, const char *label,
		   char *err, size_t errlen);
static int default_threads(void);

static const struct var vars[] = {
    {"LABELFLOW_DB", STR(db), "sqlite:./labelflow-data/labelflow.db", NULL, NULL,
     "database URL (sqlite:PATH or postgres://...)"},
    {"LABELFLOW_STORAGE", STR(storage), "file:./labelflow-data/blobs", NULL, NULL,
     "blob storage URL"},
    {"LABELFLOW_LISTEN", STR(listen), "127.0.0.1:8080", NULL, NULL,
     "HTTP address; port 0 picks a free one"},
    {"LABELFLOW_JWT_SECRET", STR(jwt_secret), NULL, NULL,
     "random key in jwt.key beside the database", "token signing secret"},
    {"LABELFLOW_ADMIN_EMAIL", STR(admin_email), NULL, NULL, NULL,
     "first admin's email, created when there are no users"},
    {"LABELFLOW_ADMIN_PASSWORD", STR(admin_password), NULL, NULL, NULL, "first admin's password"},
    {"LABELFLOW_THREADS", INT(threads, 1, 256), NULL, default_threads,
     "32 (8 per CPU above 4 CPUs)", "HTTP worker threads (= SQLite readers)"},
    {"LABELFLOW_JOB_THREADS", INT(job_threads, 0, 256), NULL, NULL, "2 in serve, 4 in worker",
     "background job threads"},
    {"LABELFLOW_JOB_LEASE_MS", INT(job_lease_ms, 1, BIG), "30000", NULL, NULL,
     "how long a dead worker's job waits before another takes it"},
    {"LABELFLOW_SWEEP_MS", INT(sweep_ms, 1, BIG), "1000", NULL, NULL,
     "how often expired leases are returned"},
    {"LABELFLOW_PAYOUT_WEBHOOK_URL", STR(payout_webhook_url), NULL, NULL, NULL,
     "the webhook payout adapter's endpoint (set on the server, never via the API)"},
    {"LABELFLOW_PAYOUT_WEBHOOK_SECRET", STR(payout_webhook_secret), NULL, NULL, NULL,
     "the webhook payout adapter's signing secret"},
    {"LABELFLOW_PAYOUT_WEBHOOK_TIMEOUT_MS", INT(payout_webhook_timeout_ms, 1, 600000), "10000",
     NULL, NULL, "one webhook call's timeout"},
    {"LABELFLOW_ACCESS_TTL", INT(access_ttl_s, 1, BIG), "900", NULL, NULL,
     "access token lifetime, seconds"},
    {"LABELFLOW_REFRESH_TTL", INT(refresh_ttl_s, 1, BIG), "2592000", NULL, NULL,
     "refresh token (session) lifetime, seconds"},
    {"LABELFLOW_ACCESS_LOG", BOOL(access_log), "1", NULL, NULL, "one line per request on stderr"},
    {"LABELFLOW_LOGIN_ACCOUNT_BURST", INT(login_account_burst, 1, BIG), "10", NULL, NULL,
     "login attempts per account before 429"},
    {"LABELFLOW_LOGIN_IP_BURST", INT(login_ip_burst, 1, BIG), "60", NULL, NULL,
     "login and refresh attempts per client address before 429"},
    {"LABELFLOW_DB_POOL", INT(db_pool, 1, 256), NULL, NULL, "threads clamped to 4..16",
     "PostgreSQL connections per process"},
    {"LABELFLOW_DB_STATEMENT_TIMEOUT_MS", INT(db_statement_timeout_ms, 0, BIG), "30000", NULL, NULL,
     "PostgreSQL statement and lock timeout (0: none)"},
    {"LABELFLOW_WEB_DIR", STR(web_dir), "web/dist", NULL, NULL,
     "the built web UI (a pointer page when missing)"},
    {"LABELFLOW_TMPDIR", STR(tmpdir), "/tmp", NULL, NULL,
     "where exports spool temporary files and media segments are muxed"},
    {"LABELFLOW_S3_ENDPOINT", STR(s3_endpoint), NULL, NULL, "https://s3.REGION.amazonaws.com",
     "s3:// storage: the S3 or S3-compatible server, http(s)://HOST[:PORT]"},
    {"LABELFLOW_S3_REGION", STR(s3_region), "us-east-1", NULL, NULL,
     "s3:// storage: the region requests are signed for"},
    {"LABELFLOW_S3_PATH_STYLE", BOOL(s3_path_style), "0", NULL, NULL,
     "s3:// storage: ENDPOINT/BUCKET/KEY URLs instead of BUCKET.ENDPOINT/KEY (MinIO...)"},
    {"LABELFLOW_GCS_ENDPOINT", STR(gcs_endpoint), "https://storage.googleapis.com", NULL, NULL,
     "gs:// storage: the XML API's endpoint"},
    {"LABELFLOW_AZURE_ENDPOINT", STR(azure_endpoint), NULL, NULL,
     "https://ACCOUNT.blob.core.windows.net, or the connection string's BlobEndpoint",
     "azure:// storage: the Blob service, http(s)://HOST[:PORT][/PATH] (the emulator: "
     "http://127.0.0.1:10000/devstoreaccount1)"},
    {"LABELFLOW_STORAGE_PART_SIZE", INT(storage_part_size, 5242880, BIG), "8388608", NULL, NULL,
     "object storage: bytes buffered per upload part (S3 part, Azure block); larger objects "
     "are multipart uploads"},
    {"LABELFLOW_MEDIA_REDIRECT", BOOL(media_redirect), "0", NULL, NULL,
     "object storage: a signed media link answers 302 to the bucket's own presigned or SAS "
     "URL, which expires when the link does, instead of streaming the bytes through the "
     "server"},
    {"AWS_ACCESS_KEY_ID", STR(aws_access_key_id), NULL, NULL, NULL,
     "s3:// (and gs:// without GCS_HMAC_*) storage: access key"},
    {"AWS_SECRET_ACCESS_KEY", STR(aws_secret_access_key), NULL, NULL, NULL,
     "s3:// storage: secret key"},
    {"AWS_SESSION_TOKEN", STR(aws_session_token), NULL, NULL, NULL,
     "s3:// storage: session token of temporary credentials"},
    {"GCS_HMAC_ACCESS_ID", STR(gcs_hmac_access_id), NULL, NULL, NULL,
     "gs:// storage: HMAC key access id"},
    {"GCS_HMAC_SECRET", STR(gcs_hmac_secret), NULL, NULL, NULL, "gs:// storage: HMAC key secret"},
    {"AZURE_STORAGE_ACCOUNT", STR(azure_storage_account), NULL, NULL, NULL,
     "azure:// storage: must match the URL's account when set"},
    {"AZURE_STORAGE_KEY", STR(azure_storage_key), NULL, NULL, NULL,
     "azure:// storage: account key (base64)"},
    {"AZURE_STORAGE_CONNECTION_STRING", STR(azure_storage_connection_string), NULL, NULL, NULL,
     "azure:// storage: AccountName, AccountKey and BlobEndpoint or EndpointSuffix"},
};

static const struct var *var_find(const char *name)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(vars); i++)
		if (strcmp(vars[i].name, name) == 0)
			return &vars[i];
	return NULL;
}

/* value NULL or "" sets the default. */
static int var_set(lf_config *c, const struct var *v, const char *value, const char *label,
		   char *err, size_t errlen)
{
	void *field = (char *)c + v->field;
	char *end;
	long n;
	if (value == NULL || *value == '\0')
		value = v->def;
	int unset = value == NULL;
	switch (v->type) {
	case T_STRING: *(const char **)field = value; return LF_OK;
	case T_INT:
		if (unset) {
			*(int *)field = v->def_fn ? v->def_fn() : LF_CONFIG_AUTO;
			return LF_OK;
		}
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || n < v->min || n > v->max) {
			snprintf(err, errlen, "%s must be an integer in %d..%d, got '%s'",
				 label ? label : v->name, v->min, v->max, value);
			return LF_ERR_INVALID;
		}
		*(int *)field = (int)n;
		return LF_OK;
	case T_BOOL:
		if (!unset && (strcmp(value, "1") == 0 || strcasecmp(value, "true") == 0 ||
			       strcasecmp(value, "yes") == 0 || strcasecmp(value, "on") == 0)) {
			*(bool *)field = true;
			return LF_OK;
		}
		if (!unset && (strcmp(value, "0") == 0 || strcasecmp(value, "false") == 0 ||
			       strcasecmp(value, "no") == 0 || strcasecmp(value, "off") == 0)) {
			*(bool *)field = false;
			return LF_OK;
		}
		snprintf(err, errlen, "%s must be 0 or 1 (or true/false, yes/no, on/off), got '%s'",
			 label ? label : v->name, unset ? "" : value);
		return LF_ERR_INVALID;
	}
	snprintf(err, errlen, "%s has no type", v->name);
	return LF_ERR_INTERNAL;
}

/* 32, or 8 per CPU above 4 CPUs; capped at the table's 256 so that the
 * default is always a value the table accepts. */
static int default_threads(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	return ncpu > 4 ? (int)(ncpu * 8 > 256 ? 256 : ncpu * 8) : 32;
}

int lf_config_load(lf_config *out, char *err, size_t errlen)
{
	int ret = LF_OK;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < LF_ARRAY_LEN(vars); i++)
		if ((ret = var_set(out, &vars[i], getenv(vars[i].name), NULL, err, errlen)) !=
		    LF_OK)
			goto cleanup;
cleanup:
	return ret;
}

int lf_config_set(lf_config *c, const char *name, const char *value, const char *label, char *err,
		  size_t errlen)
{
	const struct var *v = var_find(name);
	if (v == NULL) {
		snprintf(err, errlen, "no setting %s", name);
		return LF_ERR_NOTFOUND;
	}
	return var_set(c, v, value, label, err, errlen);
}

void lf_config_usage(FILE *f)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(vars); i++) {
		const struct var *v = &vars[i];
		const char *def = v->def_doc ? v->def_doc : v->def ? v->def : "unset";
		fprintf(f, "  %s\n      %s", v->name, v->meaning);
		if (v->type == T_INT)
			fprintf(f, "; %d..%d", v->min, v->max);
		else if (v->type == T_BOOL)
			fputs("; 0 or 1", f);
		fprintf(f, "; default %s\n", def);
	}
}
