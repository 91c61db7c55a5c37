/*
 * export.c - `labelflow export --project N --format F [--filter JSON]
 * [--out FILE]`: the same export as the API's, written straight to a file
 * or stdout, with no server and no blob storage.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>

#include "export/job.h"

static int write_file(void *ud, const void *buf, size_t len);

static int write_file(void *ud, const void *buf, size_t len)
{
	FILE *f = ud;
	return fwrite(buf, 1, len, f) == len ? LF_OK : LF_ERR_IO;
}

int lf_cli_export(lf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"project", required_argument, NULL, 'p'}, {"format", required_argument, NULL, 'f'},
	    {"filter", required_argument, NULL, 'F'},  {"out", required_argument, NULL, 'o'},
	    {"db", required_argument, NULL, 'd'},      {NULL, 0, NULL, 0},
	};
	const char *format = NULL, *filter = NULL, *path = NULL;
	int64_t project = 0;
	int c, ret = 1;
	char err[256] = "";
	lf_store *s = NULL;
	lf_export_report rep;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': project = atoll(optarg); break;
		case 'f': format = optarg; break;
		case 'F': filter = optarg; break;
		case 'o': path = optarg; break;
		case 'd':
			if (lf_cli_flag(cli, "LABELFLOW_DB", "--db") != LF_CLI_GO)
				return 2;
			break;
		default: cli->usage(stderr); return 2;
		}
	}
	if (project <= 0 || format == NULL || !lf_export_format_valid(format)) {
		fprintf(stderr, "labelflow: export needs --project ID and a valid --format\n");
		return 2;
	}
	FILE *out = path ? fopen(path, "wb") : stdout;
	if (out == NULL) {
		fprintf(stderr, "labelflow: cannot write %s\n", path);
		return 1;
	}
	if (lf_cli_open_store(&cli->cfg, 1, &s) != LF_OK)
		goto cleanup;
	if (lf_export_stream(s, project, format, filter, cli->cfg.tmpdir, write_file, out, NULL,
			     NULL, &rep, err, sizeof(err)) != LF_OK) {
		fprintf(stderr, "labelflow: %s\n", err[0] ? err : "export failed");
		goto cleanup;
	}
	fprintf(stderr, "labelflow: exported %lld task(s), %lld region(s), %lld skipped%s%s\n",
		(long long)rep.tasks, (long long)rep.regions, (long long)rep.skipped,
		rep.skipped ? ": " : "", rep.skipped_why);
	ret = 0;
cleanup:
	if (out != stdout && fclose(out) != 0)
		ret = 1;
	lf_store_close(s);
	return ret;
}
