/*
 * backup.c - `labelflow backup --out FILE [--db URL]`: an online,
 * consistent copy of the SQLite database, safe while `serve` and `worker`
 * run (lf_store_backup). PostgreSQL is refused: its consistent copies are
 * pg_dump, or base backups with WAL archiving for point-in-time recovery,
 * which the database server already does better than a client could.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>

int lf_cli_backup(lf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"db", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *out = NULL, *db;
	char err[512];
	lf_store_backup_info info;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'd':
			if (lf_cli_flag(cli, "LABELFLOW_DB", "--db") != LF_CLI_GO)
				return 2;
			break;
		case 'h': cli->usage(stdout); return 0;
		default: cli->usage(stderr); return 2;
		}
	}
	if (out == NULL || *out == '\0' || optind != argc) {
		fprintf(stderr, "labelflow: backup needs --out FILE (a new file)\n");
		return 2;
	}
	db = cli->cfg.db;
	if (strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0) {
		fprintf(stderr,
			"labelflow: backup copies SQLite databases only. For PostgreSQL use the\n"
			"database's own tools: pg_dump -Fc for a consistent logical copy, or base\n"
			"backups with WAL archiving for point-in-time recovery (PITR; managed\n"
			"services such as RDS and Cloud SQL offer it as automated backups).\n");
		return 2;
	}
	if (lf_store_backup(db, out, &info, err, sizeof(err)) != LF_OK) {
		fprintf(stderr, "labelflow: backup failed: %s\n", err);
		return 1;
	}
	printf("labelflow: backed up %s to %s (%lld pages, %lld bytes, integrity ok)\n", db, out,
	       (long long)info.pages, (long long)info.bytes);
	return 0;
}
