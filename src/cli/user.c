/*
 * user.c - `labelflow user add`: creates a user from the command line,
 * which is how the first admin comes to exist without the environment.
 * The password is read from standard input so it never shows in argv.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>

#include "users/users.h"

int lf_cli_user(lf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"email", required_argument, NULL, 'e'}, {"name", required_argument, NULL, 'n'},
	    {"role", required_argument, NULL, 'r'},  {"password-stdin", no_argument, NULL, 'p'},
	    {"db", required_argument, NULL, 'd'},    {NULL, 0, NULL, 0},
	};
	const char *email = NULL, *name = NULL, *role = NULL;
	int from_stdin = 0, c, ret = 1;
	char password[1100];
	lf_error err = {0};
	int64_t id = 0;
	lf_store *s = NULL;
	if (argc < 2 || strcmp(argv[1], "add") != 0) {
		cli->usage(stderr);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e': email = optarg; break;
		case 'n': name = optarg; break;
		case 'r': role = optarg; break;
		case 'p': from_stdin = 1; break;
		case 'd':
			if (lf_cli_flag(cli, "LABELFLOW_DB", "--db") != LF_CLI_GO)
				return 2;
			break;
		default: cli->usage(stderr); return 2;
		}
	}
	if (email == NULL || role == NULL || !from_stdin) {
		fprintf(stderr, "labelflow: user add needs --email, --role and --password-stdin\n");
		return 2;
	}
	if (fgets(password, sizeof(password), stdin) == NULL) {
		fprintf(stderr, "labelflow: no password on standard input\n");
		return 2;
	}
	password[strcspn(password, "\r\n")] = '\0';
	if (lf_auth_init(cli->cfg.password_cost) != LF_OK ||
	    lf_cli_open_store(&cli->cfg, 1, &s) != LF_OK)
		goto cleanup;
	int created =
	    lf_users_create(s, 0, "system", email, name ? name : email, role, password, &id, &err);
	if (created != LF_OK) {
		lf_error_default(&err, created, "user");
		fprintf(stderr, "labelflow: %s\n", err.message);
		goto cleanup;
	}
	printf("labelflow: created user %lld (%s, %s)\n", (long long)id, email, role);
	ret = 0;
cleanup:
	sodium_memzero(password, sizeof(password));
	lf_store_close(s);
	return ret;
}
