/*
 * config.h - every LABELFLOW_* environment variable, and the cloud SDKs'
 * standard credential variables (AWS_*, GCS_HMAC_*, AZURE_STORAGE_*), in
 * one table, read once at start.
 *
 * The command line loads the environment into an lf_config before it does
 * anything else, lets its flags override fields, and hands the values down
 * through the open/init functions of the modules that need them; nothing
 * below the command line reads the environment. The same table prints the
 * usage text, so the documented variables are the ones that are read.
 *
 * An empty variable counts as unset. Strings point into the environment,
 * argv or string literals: an lf_config owns nothing and needs no release,
 * but it must not outlive the environment it was read from.
 */
#ifndef LF_CONFIG_H
#define LF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* An int whose default the program works out (see the table's text). */
#define LF_CONFIG_AUTO (-1)

/* LABELFLOW_LOG_FORMAT, in the order of the table's choices. */
enum { LF_CONFIG_LOG_TEXT = 0, LF_CONFIG_LOG_JSON = 1 };

typedef struct lf_config {
	const char *db;		    /* database URL */
	const char *storage;	    /* blob storage URL */
	const char *listen;	    /* HTTP address */
	const char *jwt_secret;	    /* NULL: a random key beside the database */
	const char *admin_email;    /* NULL: no first admin from the environment */
	const char *admin_password; /* NULL: unset */
	int threads;		    /* HTTP threads; the default depends on the CPUs */
	int job_threads;	    /* LF_CONFIG_AUTO: 2 in serve, 4 in worker */
	int job_lease_ms;
	int sweep_ms;
	int retain_days;       /* finished jobs and deliveries kept; 0: for ever */
	int retention_ms;      /* how often they are pruned */
	const char *audit_key; /* NULL: audit-ed25519.key beside the database */
	int audit_seal_ms;
	int audit_seal_max_lag_ms;
	int audit_seal_test_pause_ms;
	const char *audit_anchor;	   /* NULL: checkpoints are not published */
	const char *payout_webhook_url;	   /* NULL: no webhook adapter */
	const char *payout_webhook_secret; /* NULL: no webhook adapter */
	int payout_webhook_timeout_ms;
	bool payout_webhook_allow_private;
	const char *outbound_allow; /* NULL: no internal address may be reached */
	int ml_answer_max;	    /* bytes of one ML backend answer (ml/ml.h) */
	const char *public_url;	    /* NULL: unknown; checked by lf_cli_app_open */
	int webhook_dispatch_ms;
	int webhook_retry_ms;
	int webhook_attempts;
	int webhook_timeout_ms;
	int access_ttl_s;
	int refresh_ttl_s;
	int max_connections;
	int max_connections_per_ip; /* 0: no limit */
	int header_timeout_ms;
	int request_timeout_ms;	     /* 0: no deadline */
	const char *metrics_allow;   /* CIDR list of addresses that may read /metrics */
	const char *trusted_proxies; /* CIDR list: X-Forwarded-For believed from these */
	const char *metrics_token;   /* NULL: /metrics by address only */
	bool access_log;
	int log_format;	   /* LF_CONFIG_LOG_TEXT or LF_CONFIG_LOG_JSON */
	int password_cost; /* an lf_password_cost */
	int login_failures;
	int login_ip_burst;
	int db_pool; /* LF_CONFIG_AUTO: the store picks by thread count */
	int db_statement_timeout_ms;
	const char *db_trace; /* NULL: no libpq protocol trace */
	const char *web_dir;
	const char *tmpdir;
	/* Object stores (blob.h's lf_blob_opts); credentials are never printed. */
	const char *s3_endpoint;
	const char *s3_region;
	bool s3_path_style;
	const char *gcs_endpoint;
	const char *azure_endpoint;
	int storage_part_size;
	bool media_redirect; /* signed media URLs answer 302 to the store's own URL */
	const char *aws_access_key_id;
	const char *aws_secret_access_key;
	const char *aws_session_token;
	const char *gcs_hmac_access_id;
	const char *gcs_hmac_secret;
	const char *azure_storage_account;
	const char *azure_storage_key;
	const char *azure_storage_connection_string;
} lf_config;

/*
 * Fills out with the defaults, then with every LABELFLOW_* variable that is
 * set. LF_ERR_INVALID with a sentence in err naming the variable and what
 * it accepts when one cannot be parsed or is out of range.
 */
int lf_config_load(lf_config *out, char *err, size_t errlen);

/*
 * Sets the field of variable name (e.g. "LABELFLOW_THREADS") from text
 * value, checked like the environment: how flags override it. value NULL
 * or "" sets the default. label names the value's source in err (a flag,
 * say); NULL names the variable.
 * LF_ERR_INVALID for a bad value, LF_ERR_NOTFOUND for an unknown name. The
 * config keeps a pointer to a string value.
 */
int lf_config_set(lf_config *c, const char *name, const char *value, const char *label, char *err,
		  size_t errlen);

/* Writes one entry per variable to f: name, flag, meaning, range,
 * default (`labelflow --help`). */
void lf_config_usage(FILE *f);

/*
 * The variables a command-line flag overrides: fills names[i] (the
 * variable, for lf_config_set) and flags[i] ("--db") for the first max of
 * them and returns how many there are. Static strings.
 */
size_t lf_config_flags(const char **names, const char **flags, size_t max);

/*
 * Writes c as `labelflow config` shows it, one NAME=value line per
 * variable in table order: secrets that are set as ***, and so is the
 * password in a URL; an unset variable as a comment with its default.
 */
void lf_config_print(FILE *f, const lf_config *c);

/* Writes the reference documentation of the table as Markdown (the
 * committed docs/configuration.md is this output). */
void lf_config_markdown(FILE *f);

/*
 * Warns (lf_log) about every LABELFLOW_* entry of env (NAME=value strings,
 * NULL-terminated, like environ) that the table does not know, naming the
 * closest known variable when it looks like a typo of it. Returns how many.
 */
int lf_config_warn_unknown(char *const *env);

#endif
