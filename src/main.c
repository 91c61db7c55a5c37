/*
 * main.c - the `labelflow` command: reads the configuration once, then
 * hands over to the subcommand its first argument names (src/cli/, one
 * file each). The usage text comes from the two tables, the subcommands'
 * below and the configuration's, so it lists exactly what exists.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"

extern char **environ;

struct command {
	const char *name;
	int (*run)(lf_cli *cli, int argc, char **argv);
	const char *synopsis;
};

static void usage(FILE *f);

static const struct command commands[] = {
    {"serve", lf_cli_serve, "[--listen ADDR] [--db URL] [--storage URL] [--threads N]"},
    {"worker", lf_cli_worker, "[--db URL] [--storage URL]"},
    {"migrate", lf_cli_migrate, "[--db URL]"},
    {"user", lf_cli_user,
     "add --email E --name N --role admin|annotator|reviewer|super_reviewer --password-stdin"
     " [--db URL]"},
    {"audit", lf_cli_audit, "verify [--db URL]"},
    {"ledger", lf_cli_ledger, "verify [--db URL]"},
    {"export", lf_cli_export, "--project ID --format F [--filter JSON] [--out FILE] [--db URL]"},
    {"config", lf_cli_config,
     "[--db URL] [--storage URL] [--listen ADDR] [--threads N] | --markdown"},
    {"backup", lf_cli_backup, "--out FILE [--db URL]   (SQLite, online; PostgreSQL: pg_dump/PITR)"},
};

static void usage(FILE *f)
{
	fputs("usage:\n", f);
	for (size_t i = 0; i < LF_ARRAY_LEN(commands); i++)
		fprintf(f, "  labelflow %-7s %s\n", commands[i].name, commands[i].synopsis);
	fputs("environment (flags override it):\n", f);
	lf_config_usage(f);
}

int main(int argc, char **argv)
{
	lf_cli cli = {.usage = usage};
	char err[256];
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < LF_ARRAY_LEN(commands); i++) {
		if (strcmp(name, commands[i].name) != 0)
			continue;
		if (lf_config_load(&cli.cfg, err, sizeof(err)) != LF_OK) {
			fprintf(stderr, "labelflow: %s\n", err);
			return 2;
		}
		lf_log_init(stderr, cli.cfg.log_format == LF_CONFIG_LOG_JSON);
		lf_config_warn_unknown(environ);
		return commands[i].run(&cli, argc - 1, argv + 1);
	}
	fprintf(stderr, "labelflow: unknown command '%s'\n", name);
	usage(stderr);
	return 2;
}
