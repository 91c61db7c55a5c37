/*
 * test_config.c - the LABELFLOW_* table: defaults, environment and flag
 * overrides, and refusal of values outside a variable's range.
 */
#include "config/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/lf.h"
#include "core/log.h"

static int clear_env(void **state);

/* Every test starts from an environment without LABELFLOW_* settings. */
static int clear_env(void **state)
{
	extern char **environ;
	char name[256];
	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; *e != NULL; e++) {
			size_t n = strcspn(*e, "=");
			if (strncmp(*e, "LABELFLOW_", 10) != 0 || n >= sizeof(name))
				continue;
			memcpy(name, *e, n);
			name[n] = '\0';
			unsetenv(name);
			again = 1;
			break;
		}
	}
	return 0;
}

static void test_defaults(void **state)
{
	lf_config c;
	char err[200] = "";
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_OK);
	assert_string_equal(c.db, "sqlite:./labelflow-data/labelflow.db");
	assert_string_equal(c.storage, "file:./labelflow-data/blobs");
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.web_dir, "web/dist");
	assert_string_equal(c.tmpdir, "/tmp");
	assert_null(c.jwt_secret);
	assert_null(c.admin_email);
	assert_null(c.admin_password);
	assert_null(c.payout_webhook_url);
	assert_null(c.payout_webhook_secret);
	assert_true(c.threads >= 32 && c.threads <= 256);
	assert_int_equal(c.job_threads, LF_CONFIG_AUTO);
	assert_int_equal(c.db_pool, LF_CONFIG_AUTO);
	assert_int_equal(c.job_lease_ms, 30000);
	assert_int_equal(c.sweep_ms, 1000);
	assert_int_equal(c.payout_webhook_timeout_ms, 10000);
	assert_int_equal(c.access_ttl_s, 900);
	assert_int_equal(c.refresh_ttl_s, 30 * 24 * 3600);
	assert_true(c.access_log);
	assert_int_equal(c.login_failures, 5);
	assert_int_equal(c.login_ip_burst, 60);
	assert_int_equal(c.db_statement_timeout_ms, 30000);
}

static void test_environment_overrides(void **state)
{
	lf_config c;
	char err[200] = "";
	setenv("LABELFLOW_DB", "postgres://u@h/db", 1);
	setenv("LABELFLOW_THREADS", "8", 1);
	setenv("LABELFLOW_JOB_THREADS", "0", 1);
	setenv("LABELFLOW_ACCESS_LOG", "0", 1);
	setenv("LABELFLOW_DB_POOL", "256", 1);
	setenv("LABELFLOW_DB_STATEMENT_TIMEOUT_MS", "0", 1);
	setenv("LABELFLOW_JWT_SECRET", "s3cret", 1);
	/* Empty is unset: the default stays. */
	setenv("LABELFLOW_STORAGE", "", 1);
	setenv("LABELFLOW_SWEEP_MS", "", 1);
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_OK);
	assert_string_equal(c.db, "postgres://u@h/db");
	assert_int_equal(c.threads, 8);
	assert_int_equal(c.job_threads, 0);
	assert_false(c.access_log);
	assert_int_equal(c.db_pool, 256);
	assert_int_equal(c.db_statement_timeout_ms, 0);
	assert_string_equal(c.jwt_secret, "s3cret");
	assert_string_equal(c.storage, "file:./labelflow-data/blobs");
	assert_int_equal(c.sweep_ms, 1000);
}

/* Flags go through the same checks as the environment and win over it. */
static void test_flag_overrides(void **state)
{
	lf_config c;
	char err[200] = "";
	setenv("LABELFLOW_THREADS", "8", 1);
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_OK);
	assert_int_equal(
	    lf_config_set(&c, "LABELFLOW_THREADS", "16", "--threads", err, sizeof(err)), LF_OK);
	assert_int_equal(c.threads, 16);
	assert_int_equal(lf_config_set(&c, "LABELFLOW_DB", "sqlite:/x.db", NULL, err, sizeof(err)),
			 LF_OK);
	assert_string_equal(c.db, "sqlite:/x.db");
	assert_int_equal(lf_config_set(&c, "LABELFLOW_DB", "", NULL, err, sizeof(err)), LF_OK);
	assert_string_equal(c.db, "sqlite:./labelflow-data/labelflow.db");
	assert_int_equal(lf_config_set(&c, "LABELFLOW_THREADS", "0", "--threads", err, sizeof(err)),
			 LF_ERR_INVALID);
	assert_string_equal(err, "--threads must be an integer in 1..256, got '0'");
	assert_int_equal(c.threads, 16);
	assert_int_equal(lf_config_set(&c, "LABELFLOW_NOPE", "1", NULL, err, sizeof(err)),
			 LF_ERR_NOTFOUND);
}

static void test_refuses_out_of_range(void **state)
{
	lf_config c;
	char err[200] = "";
	setenv("LABELFLOW_THREADS", "257", 1);
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_ERR_INVALID);
	assert_string_equal(err, "LABELFLOW_THREADS must be an integer in 1..256, got '257'");
	unsetenv("LABELFLOW_THREADS");
	setenv("LABELFLOW_SWEEP_MS", "-5", 1);
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_ERR_INVALID);
	assert_string_equal(err,
			    "LABELFLOW_SWEEP_MS must be an integer in 1..1000000000, got '-5'");
	unsetenv("LABELFLOW_SWEEP_MS");
	setenv("LABELFLOW_DB_POOL", "99999999999999999999", 1);
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, "LABELFLOW_DB_POOL must be an integer in 1..256"));
}

static void test_refuses_non_numeric(void **state)
{
	lf_config c;
	char err[200] = "";
	setenv("LABELFLOW_JOB_LEASE_MS", "2s", 1);
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_ERR_INVALID);
	assert_string_equal(err,
			    "LABELFLOW_JOB_LEASE_MS must be an integer in 1..1000000000, got '2s'");
	unsetenv("LABELFLOW_JOB_LEASE_MS");
	setenv("LABELFLOW_ACCESS_LOG", "maybe", 1);
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, "LABELFLOW_ACCESS_LOG must be 0 or 1"));
}

static void test_refuses_bad_enum(void **state)
{
	lf_config c;
	char err[200] = "";
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_OK);
	assert_int_equal(c.log_format, LF_CONFIG_LOG_TEXT);
	setenv("LABELFLOW_LOG_FORMAT", "json", 1);
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_OK);
	assert_int_equal(c.log_format, LF_CONFIG_LOG_JSON);
	setenv("LABELFLOW_LOG_FORMAT", "JSON!", 1);
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_ERR_INVALID);
	assert_string_equal(err, "LABELFLOW_LOG_FORMAT must be one of text|json, got 'JSON!'");
}

/* Runs fn with the log captured and returns what it wrote (malloc'd). */
static char *captured(int (*fn)(char *const *env), char *const *env, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	lf_log_init(f, false);
	*ret = fn(env);
	fclose(f);
	lf_log_init(NULL, false);
	return buf;
}

/* Typos are warned about (with the likely name), known and foreign
 * variables are not. */
static void test_warns_unknown(void **state)
{
	char *env[] = {"LABELFLOW_THRAEDS=8", "LABELFLOW_DB=sqlite:x",
		       "HOME=/root",	      "LABELFLOW_COMPLETELY_DIFFERENT=1",
		       "AWS_REGION=x",	      NULL};
	int n = 0;
	char *out = captured(lf_config_warn_unknown, env, &n);
	assert_int_equal(n, 2);
	assert_non_null(strstr(out,
			       "labelflow: warning: unknown variable LABELFLOW_THRAEDS ignored "
			       "(did you mean LABELFLOW_THREADS?)\n"));
	assert_non_null(
	    strstr(out, "labelflow: warning: unknown variable LABELFLOW_COMPLETELY_DIFFERENT "
			"ignored\n"));
	assert_null(strstr(out, "LABELFLOW_DB"));
	free(out);
}

/* `labelflow config` shows values, never secrets: neither a secret
 * variable nor the password inside a URL. */
static void test_print_masks_secrets(void **state)
{
	lf_config c;
	char err[200] = "", *buf = NULL;
	size_t len = 0;
	setenv("LABELFLOW_DB", "postgres://app:hunter2@db:5432/lf", 1);
	setenv("LABELFLOW_JWT_SECRET", "topsecret", 1);
	setenv("LABELFLOW_ADMIN_PASSWORD", "pw-pw-pw-pw", 1);
	assert_int_equal(lf_config_load(&c, err, sizeof(err)), LF_OK);
	FILE *f = open_memstream(&buf, &len);
	lf_config_print(f, &c);
	fclose(f);
	assert_non_null(strstr(buf, "LABELFLOW_DB=postgres://app:***@db:5432/lf\n"));
	assert_non_null(strstr(buf, "LABELFLOW_JWT_SECRET=***\n"));
	assert_non_null(strstr(buf, "LABELFLOW_ADMIN_PASSWORD=***\n"));
	assert_non_null(strstr(buf, "LABELFLOW_LOG_FORMAT=text\n"));
	assert_non_null(strstr(buf, "# LABELFLOW_JOB_THREADS unset: 2 in serve, 4 in worker\n"));
	assert_null(strstr(buf, "hunter2"));
	assert_null(strstr(buf, "topsecret"));
	assert_null(strstr(buf, "pw-pw"));
	free(buf);
}

/* The flags come from the table: each names a variable it sets. */
static void test_flags_from_table(void **state)
{
	const char *names[8], *flags[8];
	size_t n = lf_config_flags(names, flags, 8);
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "LABELFLOW_DB");
	assert_string_equal(flags[0], "--db");
	assert_string_equal(names[3], "LABELFLOW_THREADS");
	assert_string_equal(flags[3], "--threads");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_defaults, clear_env),
	    cmocka_unit_test_setup(test_environment_overrides, clear_env),
	    cmocka_unit_test_setup(test_flag_overrides, clear_env),
	    cmocka_unit_test_setup(test_refuses_out_of_range, clear_env),
	    cmocka_unit_test_setup(test_refuses_non_numeric, clear_env),
	    cmocka_unit_test_setup(test_refuses_bad_enum, clear_env),
	    cmocka_unit_test_setup(test_warns_unknown, clear_env),
	    cmocka_unit_test_setup(test_print_masks_secrets, clear_env),
	    cmocka_unit_test_setup(test_flags_from_table, clear_env),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
