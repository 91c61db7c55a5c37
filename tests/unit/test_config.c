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
	assert_int_equal(c.login_account_burst, 10);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_defaults, clear_env),
	    cmocka_unit_test_setup(test_environment_overrides, clear_env),
	    cmocka_unit_test_setup(test_flag_overrides, clear_env),
	    cmocka_unit_test_setup(test_refuses_out_of_range, clear_env),
	    cmocka_unit_test_setup(test_refuses_non_numeric, clear_env),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
