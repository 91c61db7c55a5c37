/*
 * migrate.c - `labelflow migrate`: applies pending migrations (as every
 * start does) and prints the schema version, for deploy scripts that
 * migrate before starting servers.
 */
#include "cli/cli.h"

int lf_cli_migrate(lf_cli *cli, int argc, char **argv)
{
	lf_store *s = NULL;
	int version = 0;
	int ret = lf_cli_flags(cli, argc, argv);
	if (ret != LF_CLI_GO)
		return ret;
	ret = 1;
	if (lf_cli_open_store(&cli->cfg, 1, &s) != LF_OK)
		goto cleanup;
	lf_store_schema_version(s, &version);
	printf("labelflow: schema at version %d\n", version);
	ret = 0;
cleanup:
	lf_store_close(s);
	return ret;
}
