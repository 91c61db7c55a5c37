/*
 * config.c - the table of LABELFLOW_* variables and its one reader.
 *
 * Read the table to learn every setting the program takes from its
 * environment: a row says the variable's name, the lf_config field it
 * fills, its type and range, its default (as text, parsed by the same code
 * as the environment, so a default can never be out of range) and what it
 * means; docs/configuration.md is generated from it (`labelflow config
 * --markdown`), and a row's flag, if any, is the command line's. The last
 * rows are not LABELFLOW_*: they are the variables a cloud SDK user has
 * already set for credentials, read here so that nothing below the
 * command line reads the environment.
 */
#include "config/config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/lf.h"
#include "core/log.h"

/* The ceiling every integer setting has always had: larger is a typo. */
#define BIG 1000000000

/* T_ENUM: an int field, the index of the value among choices. */
enum type { T_STRING, T_INT, T_BOOL, T_ENUM };

struct var {
	const char *name;
	enum type type;
	size_t field;	     /* offset in lf_config */
	int min, max;	     /* T_INT only */
	const char *def;     /* as text; NULL: def_fn, else unset or LF_CONFIG_AUTO */
	int (*def_fn)(void); /* an int default worked out at start */
	const char *def_doc; /* the default in words, where def cannot say it */
	const char *meaning;
	const char *flag;	    /* the command-line flag that overrides it, or NULL */
	bool secret;		    /* printed as *** by `labelflow config` */
	const char *const *choices; /* T_ENUM: the accepted values, NULL-terminated */
};

#define STR(f)	       T_STRING, offsetof(lf_config, f), 0, 0
#define INT(f, lo, hi) T_INT, offsetof(lf_config, f), lo, hi
#define BOOL(f)	       T_BOOL, offsetof(lf_config, f), 0, 1
#define ENUM(f)	       T_ENUM, offsetof(lf_config, f), 0, 0
/* The last columns of a row, where it has them. */
#define FLAG(name) name, false, NULL
#define SECRET	   NULL, true, NULL
#define PLAIN	   NULL, false, NULL
#define CHOICES(c) NULL, false, c

static const struct var *var_find(const char *name);
static int var_set(lf_config *c, const struct var *v, const char *value, const char *label,
		   char *err, size_t errlen);
static int default_threads(void);
static const char *type_doc(const struct var *v, char *buf, size_t len);
static const char *value_text(const lf_config *c, const struct var *v, char *buf, size_t len);
static size_t edit_distance(const char *a, const char *b);
static void md_cell(FILE *f, const char *text, bool code);

static const char *const log_formats[] = {"text", "json", NULL};
/* In lf_password_cost's order. */
static const char *const password_costs[] = {"interactive", "moderate", "minimum", NULL};

static const struct var vars[] = {
    {"LABELFLOW_DB", STR(db), "sqlite:./labelflow-data/labelflow.db", NULL, NULL,
     "database URL (sqlite:PATH or postgres://...)", FLAG("--db")},
    {"LABELFLOW_STORAGE", STR(storage), "file:./labelflow-data/blobs", NULL, NULL,
     "blob storage URL", FLAG("--storage")},
    {"LABELFLOW_LISTEN", STR(listen), "127.0.0.1:8080", NULL, NULL,
     "HTTP address; port 0 picks a free one", FLAG("--listen")},
    {"LABELFLOW_JWT_SECRET", STR(jwt_secret), NULL, NULL,
     "random key in jwt.key beside the database", "token signing secret", SECRET},
    {"LABELFLOW_ADMIN_EMAIL", STR(admin_email), NULL, NULL, NULL,
     "first admin's email, created when there are no users", PLAIN},
    {"LABELFLOW_ADMIN_PASSWORD", STR(admin_password), NULL, NULL, NULL, "first admin's password",
     SECRET},
    {"LABELFLOW_THREADS", INT(threads, 1, 256), NULL, default_threads,
     "32 (8 per CPU above 4 CPUs)", "HTTP worker threads (= SQLite readers)", FLAG("--threads")},
    {"LABELFLOW_JOB_THREADS", INT(job_threads, 0, 256), NULL, NULL, "2 in serve, 4 in worker",
     "background job threads", PLAIN},
    {"LABELFLOW_JOB_LEASE_MS", INT(job_lease_ms, 1, BIG), "30000", NULL, NULL,
     "how long a dead worker's job waits before another takes it", PLAIN},
    {"LABELFLOW_SWEEP_MS", INT(sweep_ms, 1, BIG), "1000", NULL, NULL,
     "how often expired leases are returned", PLAIN},
    {"LABELFLOW_RETAIN_DAYS", INT(retain_days, 0, 36500), "30", NULL, NULL,
     "days finished jobs and finished webhook deliveries are kept (0: for ever)", PLAIN},
    {"LABELFLOW_RETENTION_MS", INT(retention_ms, 100, BIG), "3600000", NULL, NULL,
     "how often finished jobs and webhook deliveries past LABELFLOW_RETAIN_DAYS are deleted",
     PLAIN},
    {"LABELFLOW_AUDIT_KEY", STR(audit_key), NULL, NULL,
     "audit-ed25519.key beside the database (./labelflow-data for PostgreSQL), created on first "
     "start",
     "file holding the Ed25519 seed (64 hex digits) that signs audit checkpoints; every server "
     "and worker of one database needs the same file",
     PLAIN},
    {"LABELFLOW_AUDIT_SEAL_MS", INT(audit_seal_ms, 1, 60000), "100", NULL, NULL,
     "how often committed audit records are sealed into the signed chain", PLAIN},
    {"LABELFLOW_AUDIT_SEAL_MAX_LAG_MS", INT(audit_seal_max_lag_ms, 1, BIG), "10000", NULL, NULL,
     "audit verification fails when a record has waited longer than this for sealing", PLAIN},
    {"LABELFLOW_AUDIT_ANCHOR", STR(audit_anchor), NULL, NULL, "off",
     "blob storage URL (the forms of LABELFLOW_STORAGE) where every signed audit checkpoint is "
     "published, so that deleting the newest records with their checkpoints is detected; under "
     "audit-anchor/ when it is LABELFLOW_STORAGE itself",
     PLAIN},
    {"LABELFLOW_AUDIT_SEAL_TEST_PAUSE_MS", INT(audit_seal_test_pause_ms, 0, BIG), "0", NULL, NULL,
     "tests only: the sealer sleeps this long before committing each batch", PLAIN},
    {"LABELFLOW_PAYOUT_WEBHOOK_URL", STR(payout_webhook_url), NULL, NULL, NULL,
     "the webhook payout adapter's endpoint (set on the server, never via the API)", PLAIN},
    {"LABELFLOW_PAYOUT_WEBHOOK_SECRET", STR(payout_webhook_secret), NULL, NULL, NULL,
     "the webhook payout adapter's signing secret", SECRET},
    {"LABELFLOW_PAYOUT_WEBHOOK_TIMEOUT_MS", INT(payout_webhook_timeout_ms, 1, 600000), "10000",
     NULL, NULL, "one webhook call's timeout", PLAIN},
    {"LABELFLOW_PAYOUT_WEBHOOK_ALLOW_PRIVATE", BOOL(payout_webhook_allow_private), "0", NULL, NULL,
     "let the payout webhook reach loopback, private, link-local and other internal addresses "
     "(refused by default: the endpoint must be a public address); LABELFLOW_OUTBOUND_ALLOW "
     "allows chosen ones only",
     PLAIN},
    {"LABELFLOW_OUTBOUND_ALLOW", STR(outbound_allow), NULL, NULL, NULL,
     "internal addresses that outbound URLs (the payout webhook, event webhooks) may reach anyway, "
     "comma-separated: ADDRESS, ADDRESS/BITS (IPv4 or IPv6) or a host name, which may then "
     "resolve to any address (e.g. 10.20.0.0/16,hooks.corp.internal); loopback, private, "
     "link-local (cloud metadata), carrier-NAT, unique-local, multicast and reserved "
     "addresses are refused otherwise; a bad entry stops the program",
     PLAIN},
    {"LABELFLOW_PUBLIC_URL", STR(public_url), NULL, NULL, NULL,
     "the address users and ML backends reach this server at (http(s)://host[:port], e.g. "
     "https://labelflow.example.com): the hostname ML backends are given at /setup, and the "
     "origin of the signed media links in the tasks they are sent (relative links without it)",
     PLAIN},
    {"LABELFLOW_ML_ANSWER_MAX", INT(ml_answer_max, 1024, 1 << 30), "8388608", NULL, NULL,
     "the largest answer an ML backend may give to one call, bytes (a batch's predictions)", PLAIN},
    {"LABELFLOW_WEBHOOK_DISPATCH_MS", INT(webhook_dispatch_ms, 1, 60000), "200", NULL, NULL,
     "how often sealed audit records are turned into event webhook deliveries", PLAIN},
    {"LABELFLOW_WEBHOOK_RETRY_MS", INT(webhook_retry_ms, 1, 3600000), "10000", NULL, NULL,
     "an event webhook delivery's first retry delay; each next one is 3 times longer "
     "(jittered, at most 6 hours)",
     PLAIN},
    {"LABELFLOW_WEBHOOK_ATTEMPTS", INT(webhook_attempts, 1, 50), "8", NULL, NULL,
     "attempts of one event webhook delivery before it is failed", PLAIN},
    {"LABELFLOW_WEBHOOK_TIMEOUT_MS", INT(webhook_timeout_ms, 1, 600000), "10000", NULL, NULL,
     "one event webhook request's timeout", PLAIN},
    {"LABELFLOW_ACCESS_TTL", INT(access_ttl_s, 1, BIG), "900", NULL, NULL,
     "access token lifetime, seconds", PLAIN},
    {"LABELFLOW_REFRESH_TTL", INT(refresh_ttl_s, 1, BIG), "2592000", NULL, NULL,
     "refresh token (session) lifetime, seconds", PLAIN},
    {"LABELFLOW_MAX_CONNECTIONS", INT(max_connections, 1, 1000000), "1000", NULL, NULL,
     "open HTTP connections at most (lowered to what ulimit -n leaves room for)", PLAIN},
    {"LABELFLOW_MAX_CONNECTIONS_PER_IP", INT(max_connections_per_ip, 0, 1000000), "100", NULL, NULL,
     "open HTTP connections from one client address at most (0: no limit); behind a reverse "
     "proxy every client has the proxy's address: raise it or set 0 and limit at the proxy",
     PLAIN},
    {"LABELFLOW_HEADER_TIMEOUT_MS", INT(header_timeout_ms, 100, BIG), "10000", NULL, NULL,
     "a request's complete header block must arrive within this of the connection's opening "
     "or its previous response (an idle keep-alive connection is closed then)",
     PLAIN},
    {"LABELFLOW_REQUEST_TIMEOUT_MS", INT(request_timeout_ms, 0, BIG), "3600000", NULL, NULL,
     "a whole request, body included, must arrive within this (0: no deadline); bounds how "
     "long an upload may take",
     PLAIN},
    {"LABELFLOW_METRICS_ALLOW", STR(metrics_allow), "127.0.0.0/8,::1/128", NULL, NULL,
     "client addresses (comma-separated CIDR list) that may read /metrics without a token", PLAIN},
    {"LABELFLOW_TRUSTED_PROXIES", STR(trusted_proxies), NULL, NULL, NULL,
     "reverse proxies (comma-separated CIDR list) whose X-Forwarded-For names the client: "
     "logins, rate limits, /metrics and the access log then see the client's address, not "
     "the proxy's; from other addresses the header is ignored",
     PLAIN},
    {"LABELFLOW_METRICS_TOKEN", STR(metrics_token), NULL, NULL, NULL,
     "bearer token that lets any address read /metrics (Authorization: Bearer TOKEN)", SECRET},
    {"LABELFLOW_ACCESS_LOG", BOOL(access_log), "1", NULL, NULL, "one line per request on stderr",
     PLAIN},
    {"LABELFLOW_LOG_FORMAT", ENUM(log_format), "text", NULL, NULL,
     "access and error log lines on stderr: text, or one JSON object per line (json)",
     CHOICES(log_formats)},
    {"LABELFLOW_PASSWORD_COST", ENUM(password_cost), "interactive", NULL, NULL,
     "argon2id cost of new password hashes: interactive (64 MiB, about 0.15 s a hash), "
     "moderate (256 MiB, about 0.7 s) or minimum (8 KiB: for test suites only, it protects "
     "nothing and the server warns at start); a hash of another cost is redone at the user's "
     "next login",
     CHOICES(password_costs)},
    {"LABELFLOW_LOGIN_FAILURES", INT(login_failures, 1, BIG), "5", NULL, NULL,
     "wrong passwords for one account from one client address before each further login from "
     "there waits (429): 1 s, doubling up to 15 min, until a success",
     PLAIN},
    {"LABELFLOW_LOGIN_IP_BURST", INT(login_ip_burst, 1, BIG), "60", NULL, NULL,
     "login and refresh attempts per client address before 429", PLAIN},
    {"LABELFLOW_DB_POOL", INT(db_pool, 1, 256), NULL, NULL, "threads clamped to 4..16",
     "PostgreSQL connections per process", PLAIN},
    {"LABELFLOW_DB_STATEMENT_TIMEOUT_MS", INT(db_statement_timeout_ms, 0, BIG), "30000", NULL, NULL,
     "PostgreSQL statement and lock timeout (0: none)", PLAIN},
    {"LABELFLOW_DB_TRACE", STR(db_trace), NULL, NULL, NULL,
     "file that libpq's protocol trace of every PostgreSQL connection is appended to (debugging; "
     "bench/pgbench-claim.sh reads the round trips of a claim from it)",
     PLAIN},
    {"LABELFLOW_WEB_DIR", STR(web_dir), "web/dist", NULL, NULL,
     "the built web UI (a pointer page when missing)", PLAIN},
    {"LABELFLOW_TMPDIR", STR(tmpdir), "/tmp", NULL, NULL,
     "where exports spool temporary files and media segments are muxed", PLAIN},
    {"LABELFLOW_S3_ENDPOINT", STR(s3_endpoint), NULL, NULL, "https://s3.REGION.amazonaws.com",
     "s3:// storage: the S3 or S3-compatible server, http(s)://HOST[:PORT]", PLAIN},
    {"LABELFLOW_S3_REGION", STR(s3_region), "us-east-1", NULL, NULL,
     "s3:// storage: the region requests are signed for", PLAIN},
    {"LABELFLOW_S3_PATH_STYLE", BOOL(s3_path_style), "0", NULL, NULL,
     "s3:// storage: ENDPOINT/BUCKET/KEY URLs instead of BUCKET.ENDPOINT/KEY (MinIO...)", PLAIN},
    {"LABELFLOW_GCS_ENDPOINT", STR(gcs_endpoint), "https://storage.googleapis.com", NULL, NULL,
     "gs:// storage: the XML API's endpoint", PLAIN},
    {"LABELFLOW_AZURE_ENDPOINT", STR(azure_endpoint), NULL, NULL,
     "https://ACCOUNT.blob.core.windows.net, or the connection string's BlobEndpoint",
     "azure:// storage: the Blob service, http(s)://HOST[:PORT][/PATH] (the emulator: "
     "http://127.0.0.1:10000/devstoreaccount1)",
     PLAIN},
    {"LABELFLOW_STORAGE_PART_SIZE", INT(storage_part_size, 5242880, BIG), "8388608", NULL, NULL,
     "object storage: bytes buffered per upload part (S3 part, Azure block); larger objects "
     "are multipart uploads",
     PLAIN},
    {"LABELFLOW_MEDIA_REDIRECT", BOOL(media_redirect), "0", NULL, NULL,
     "object storage: a signed media link answers 302 to the bucket's own presigned or SAS "
     "URL, which expires when the link does, instead of streaming the bytes through the "
     "server",
     PLAIN},
    {"AWS_ACCESS_KEY_ID", STR(aws_access_key_id), NULL, NULL, NULL,
     "s3:// (and gs:// without GCS_HMAC_*) storage: access key", PLAIN},
    {"AWS_SECRET_ACCESS_KEY", STR(aws_secret_access_key), NULL, NULL, NULL,
     "s3:// storage: secret key", SECRET},
    {"AWS_SESSION_TOKEN", STR(aws_session_token), NULL, NULL, NULL,
     "s3:// storage: session token of temporary credentials", SECRET},
    {"GCS_HMAC_ACCESS_ID", STR(gcs_hmac_access_id), NULL, NULL, NULL,
     "gs:// storage: HMAC key access id", PLAIN},
    {"GCS_HMAC_SECRET", STR(gcs_hmac_secret), NULL, NULL, NULL, "gs:// storage: HMAC key secret",
     SECRET},
    {"AZURE_STORAGE_ACCOUNT", STR(azure_storage_account), NULL, NULL, NULL,
     "azure:// storage: must match the URL's account when set", PLAIN},
    {"AZURE_STORAGE_KEY", STR(azure_storage_key), NULL, NULL, NULL,
     "azure:// storage: account key (base64)", SECRET},
    {"AZURE_STORAGE_CONNECTION_STRING", STR(azure_storage_connection_string), NULL, NULL, NULL,
     "azure:// storage: AccountName, AccountKey and BlobEndpoint or EndpointSuffix", SECRET},
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
	case T_ENUM:
		for (int i = 0; !unset && v->choices[i] != NULL; i++) {
			if (strcmp(value, v->choices[i]) == 0) {
				*(int *)field = i;
				return LF_OK;
			}
		}
		snprintf(err, errlen, "%s must be one of %s, got '%s'", label ? label : v->name,
			 type_doc(v, (char[96]){0}, 96), unset ? "" : value);
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

/* The accepted values in words: "1..256", "0 or 1", "text|json"; "" for
 * strings. In buf when it has to be made. */
static const char *type_doc(const struct var *v, char *buf, size_t len)
{
	size_t n = 0;
	switch (v->type) {
	case T_STRING: return "";
	case T_BOOL: return "0 or 1";
	case T_INT: snprintf(buf, len, "%d..%d", v->min, v->max); return buf;
	case T_ENUM:
		buf[0] = '\0';
		for (int i = 0; v->choices[i] != NULL && n < len; i++)
			n +=
			    (size_t)snprintf(buf + n, len - n, "%s%s", i ? "|" : "", v->choices[i]);
		return buf;
	}
	return "";
}

void lf_config_usage(FILE *f)
{
	char range[96];
	for (size_t i = 0; i < LF_ARRAY_LEN(vars); i++) {
		const struct var *v = &vars[i];
		const char *def = v->def_doc ? v->def_doc : v->def ? v->def : "unset";
		const char *r = type_doc(v, range, sizeof(range));
		fprintf(f, "  %s%s%s\n      %s", v->name, v->flag ? ", " : "",
			v->flag ? v->flag : "", v->meaning);
		if (*r != '\0')
			fprintf(f, "; %s", r);
		fprintf(f, "; default %s\n", def);
	}
}

size_t lf_config_flags(const char **names, const char **flags, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < LF_ARRAY_LEN(vars); i++) {
		if (vars[i].flag == NULL)
			continue;
		if (n < max) {
			names[n] = vars[i].name;
			flags[n] = vars[i].flag;
		}
		n++;
	}
	return n;
}

/*
 * A field's value as `labelflow config` shows it: secrets that are set as
 * ***, and the password of a URL's user (postgres://u:PASSWORD@h/db) too,
 * since a database URL is the usual place for one. NULL when unset.
 */
static const char *value_text(const lf_config *c, const struct var *v, char *buf, size_t len)
{
	const void *field = (const char *)c + v->field;
	const char *str, *scheme, *at, *colon;
	switch (v->type) {
	case T_STRING:
		str = *(const char *const *)field;
		if (str == NULL || v->secret)
			return str == NULL ? NULL : "***";
		scheme = strstr(str, "://");
		at = scheme ? strchr(scheme + 3, '@') : NULL;
		colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
		if (colon == NULL)
			return str;
		snprintf(buf, len, "%.*s***%s", (int)(colon + 1 - str), str, at);
		return buf;
	case T_INT:
		if (*(const int *)field == LF_CONFIG_AUTO)
			return NULL;
		snprintf(buf, len, "%d", *(const int *)field);
		return buf;
	case T_BOOL: return *(const bool *)field ? "1" : "0";
	case T_ENUM: return v->choices[*(const int *)field];
	}
	return NULL;
}

void lf_config_print(FILE *f, const lf_config *c)
{
	char buf[4200];
	for (size_t i = 0; i < LF_ARRAY_LEN(vars); i++) {
		const struct var *v = &vars[i];
		const char *val = value_text(c, v, buf, sizeof(buf));
		if (val != NULL)
			fprintf(f, "%s=%s\n", v->name, val);
		else if (v->def_doc != NULL)
			fprintf(f, "# %s unset: %s\n", v->name, v->def_doc);
		else
			fprintf(f, "# %s unset\n", v->name);
	}
}

/* One Markdown table cell; a | in the text would end the cell. */
static void md_cell(FILE *f, const char *text, bool code)
{
	bool tick = code && *text != '\0';
	fputs(tick ? " `" : " ", f);
	for (; *text != '\0'; text++) {
		if (*text == '|')
			fputc('\\', f);
		fputc(*text, f);
	}
	fputs(tick ? "` |" : " |", f);
}

void lf_config_markdown(FILE *f)
{
	char range[96];
	fputs(
	    "# Configuration reference\n\n"
	    "Every setting `labelflow` reads from its environment, with the flag that overrides\n"
	    "it where there is one. Generated by `labelflow config --markdown` from the table in\n"
	    "`src/config/config.c`; `tests/api/config.test.mjs` fails when this file and the\n"
	    "table disagree. An empty variable counts as unset; a value that is not of the\n"
	    "variable's type or outside its range stops the program with exit status 2 and a\n"
	    "message naming the variable; an unknown `LABELFLOW_*` variable is warned about at\n"
	    "start. `labelflow config` prints the effective values (secrets as `***`).\n\n"
	    "| Variable | Flag | Type | Default | Description |\n"
	    "|---|---|---|---|---|\n",
	    f);
	for (size_t i = 0; i < LF_ARRAY_LEN(vars); i++) {
		const struct var *v = &vars[i];
		const char *r = type_doc(v, range, sizeof(range));
		char type[128];
		const char *kind = v->type == T_INT    ? "integer "
				   : v->type == T_BOOL ? "boolean, "
				   : v->type == T_ENUM ? "one of "
						       : "string";
		snprintf(type, sizeof(type), "%s%s%s", kind, r, v->secret ? " (secret)" : "");
		fputs("|", f);
		md_cell(f, v->name, true);
		md_cell(f, v->flag ? v->flag : "", true);
		md_cell(f, type, false);
		if (v->def_doc != NULL || v->def == NULL)
			md_cell(f, v->def_doc ? v->def_doc : "unset", false);
		else
			md_cell(f, v->def, true);
		md_cell(f, v->meaning, false);
		fputc('\n', f);
	}
}

/* Levenshtein distance of two short names, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[128];
	if (lb >= LF_ARRAY_LEN(row))
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

int lf_config_warn_unknown(char *const *env)
{
	char name[128];
	int unknown = 0;
	for (; *env != NULL; env++) {
		size_t n = strcspn(*env, "=");
		if (strncmp(*env, "LABELFLOW_", 10) != 0 || n >= sizeof(name))
			continue;
		memcpy(name, *env, n);
		name[n] = '\0';
		if (var_find(name) != NULL)
			continue;
		/* The closest known name, when it is a plausible typo: at most
		 * a quarter of the name's letters differ. */
		const char *near = NULL;
		size_t best = n / 4 + 1;
		for (size_t i = 0; i < LF_ARRAY_LEN(vars); i++) {
			size_t d = edit_distance(name, vars[i].name);
			if (d < best) {
				best = d;
				near = vars[i].name;
			}
		}
		if (near != NULL)
			lf_log(LF_LOG_WARN, "unknown variable %s ignored (did you mean %s?)", name,
			       near);
		else
			lf_log(LF_LOG_WARN, "unknown variable %s ignored", name);
		unknown++;
	}
	return unknown;
}
