/*
 * common.c - what every subcommand shares: the common flags and opening
 * (and migrating) the store.
 */
#include "cli/cli.h"

#include <getopt.h>

/* A flag goes through the configuration table's checks, so a flag and
 * its variable accept the same values. An empty flag is refused rather
 * than taken as the default: `--db "$DB"` with DB unset must not open
 * the default database. */
int lf_cli_flag(lf_cli *cli, const char *name, const char *flag)
{
	char err[256];
	if (*optarg == '\0') {
		fprintf(stderr, "labelflow: %s needs a value\n", flag);
		return 2;
	}
	if (lf_config_set(&cli->cfg, name, optarg, flag, err, sizeof(err)) != LF_OK) {
		fprintf(stderr, "labelflow: %s\n", err);
		return 2;
	}
	return LF_CLI_GO;
}

int lf_cli_flags(lf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},     {"storage", required_argument, NULL, 's'},
	    {"listen", required_argument, NULL, 'l'}, {"threads", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	int c, ret = LF_CLI_GO;
	optind = 1;
	while (ret == LF_CLI_GO && (c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': ret = lf_cli_flag(cli, "LABELFLOW_DB", "--db"); break;
		case 's': ret = lf_cli_flag(cli, "LABELFLOW_STORAGE", "--storage"); break;
		case 'l': ret = lf_cli_flag(cli, "LABELFLOW_LISTEN", "--listen"); break;
		case 't': ret = lf_cli_flag(cli, "LABELFLOW_THREADS", "--threads"); break;
		case 'h':
			cli->usage(stdout);
			ret = 0;
			break;
		default:
			cli->usage(stderr);
			ret = 2;
			break;
		}
	}
	return ret;
}

int lf_cli_open_store(const lf_config *cfg, int readers, lf_store **out)
{
	lf_store_opts opts = {
	    .pool = cfg->db_pool != LF_CONFIG_AUTO ? cfg->db_pool : 0,
	    .statement_timeout_ms = cfg->db_statement_timeout_ms,
	};
	char err[256];
	int applied = 0;
	int ret = lf_store_open_opts(cfg->db, readers, &opts, out, err, sizeof(err));
	if (ret != LF_OK) {
		fprintf(stderr, "labelflow: %s\n", err);
		goto cleanup;
	}
	if ((ret = lf_store_migrate(*out, &applied)) != LF_OK) {
		fprintf(stderr, "labelflow: migrations failed (%s)\n", lf_err_str(ret));
		lf_store_close(*out);
		*out = NULL;
		goto cleanup;
	}
	if (applied > 0)
		fprintf(stderr, "labelflow: applied %d migration(s)\n", applied);
cleanup:
	return ret;
}
