/*
 * common.c - what every subcommand shares: the common flags and opening
 * (and migrating) the store.
 */
#include "cli/cli.h"
#include "core/log.h"

#include <getopt.h>

/* Room for the table's flags, and getopt values beyond any character. */
#define MAX_FLAGS 16
#define FLAG_BASE 256

/* A flag goes through the configuration table's checks, so a flag and
 * its variable accept the same values. An empty flag is refused rather
 * than taken as the default: `--db "$DB"` with DB unset must not open
 * the default database. */
int lf_cli_flag(lf_cli *cli, const char *name, const char *flag)
{
	char err[256];
	if (*optarg == '\0') {
		lf_log(LF_LOG_ERROR, "%s needs a value", flag);
		return 2;
	}
	if (lf_config_set(&cli->cfg, name, optarg, flag, err, sizeof(err)) != LF_OK) {
		lf_log(LF_LOG_ERROR, "%s", err);
		return 2;
	}
	return LF_CLI_GO;
}

/* The flags are the configuration table's (lf_config_flags), so a flag
 * exists exactly when the table documents it. */
int lf_cli_flags(lf_cli *cli, int argc, char **argv)
{
	const char *names[MAX_FLAGS], *flags[MAX_FLAGS];
	struct option opts[MAX_FLAGS + 2];
	size_t n = lf_config_flags(names, flags, MAX_FLAGS);
	int c, ret = LF_CLI_GO;
	if (n > MAX_FLAGS)
		lf_fatal("the configuration table has more than %d flags", MAX_FLAGS);
	for (size_t i = 0; i < n; i++)
		opts[i] =
		    (struct option){flags[i] + 2, required_argument, NULL, FLAG_BASE + (int)i};
	opts[n] = (struct option){"help", no_argument, NULL, 'h'};
	opts[n + 1] = (struct option){NULL, 0, NULL, 0};
	optind = 1;
	while (ret == LF_CLI_GO && (c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c >= FLAG_BASE && (size_t)(c - FLAG_BASE) < n) {
			ret = lf_cli_flag(cli, names[c - FLAG_BASE], flags[c - FLAG_BASE]);
		} else if (c == 'h') {
			cli->usage(stdout);
			ret = 0;
		} else {
			cli->usage(stderr);
			ret = 2;
		}
	}
	return ret;
}

int lf_cli_open_store(const lf_config *cfg, int readers, lf_store **out)
{
	lf_store_opts opts = {
	    .pool = cfg->db_pool != LF_CONFIG_AUTO ? cfg->db_pool : 0,
	    .statement_timeout_ms = cfg->db_statement_timeout_ms,
	    .trace = cfg->db_trace,
	};
	char err[256];
	int applied = 0;
	int ret = lf_store_open_opts(cfg->db, readers, &opts, out, err, sizeof(err));
	if (ret != LF_OK) {
		lf_log(LF_LOG_ERROR, "%s", err);
		goto cleanup;
	}
	if ((ret = lf_store_migrate(*out, &applied)) != LF_OK) {
		lf_log(LF_LOG_ERROR, "migrations failed (%s)", lf_err_str(ret));
		lf_store_close(*out);
		*out = NULL;
		goto cleanup;
	}
	if (applied > 0)
		lf_log(LF_LOG_INFO, "applied %d migration(s)", applied);
cleanup:
	return ret;
}
