/*
 * config.c - `labelflow config`: what a process started the same way
 * would run with (environment, then flags), so an operator can check a
 * deployment's settings without reading its environment, whose secrets
 * are masked here; and `labelflow config --markdown`, the reference
 * documentation docs/configuration.md is generated from.
 */
#include "cli/cli.h"

#include <string.h>
#include <unistd.h>

int lf_cli_config(lf_cli *cli, int argc, char **argv)
{
	/* The reference does not depend on any setting: no other flag. */
	if (argc == 2 && strcmp(argv[1], "--markdown") == 0) {
		lf_config_markdown(stdout);
		return 0;
	}
	int ret = lf_cli_flags(cli, argc, argv);
	if (ret != LF_CLI_GO)
		return ret;
	if (optind < argc) {
		fprintf(stderr, "labelflow: config takes no argument '%s'\n", argv[optind]);
		return 2;
	}
	lf_config_print(stdout, &cli->cfg);
	return 0;
}
