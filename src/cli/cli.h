/*
 * cli.h - the `labelflow` subcommands, one file each (serve.c holds serve
 * and worker, verify.c audit and ledger verify), and what they share:
 * common flags and opening the store (common.c), and the start-up of a
 * running server or worker (app.c).
 *
 * main.c loads the configuration once and calls a subcommand with it;
 * subcommands let their flags override it and pass values down to the
 * modules they open. Every lf_cli_<subcommand> function returns the
 * process's exit status: 0 done, 1 failed, 2 bad usage or configuration.
 */
#ifndef LF_CLI_H
#define LF_CLI_H

#include <stdio.h>

#include "api/api.h"
#include "audit/seal.h"
#include "config/config.h"
#include "jobkinds/jobkinds.h"

/* What main hands every subcommand. */
typedef struct lf_cli {
	lf_config cfg;		/* read once at start; flags override fields */
	void (*usage)(FILE *f); /* main's usage text, for bad invocations */
} lf_cli;

/* lf_cli_flags' answer when the subcommand should go on. */
#define LF_CLI_GO (-1)

/*
 * Parses the flags every subcommand accepts (the configuration table's:
 * --db, --storage, --listen, --threads; and --help) from argv[1..] into
 * cli->cfg, through the checks of the table. Returns LF_CLI_GO, or the exit status to stop
 * with: 0 after --help (usage on stdout), 2 after a bad flag.
 */
int lf_cli_flags(lf_cli *cli, int argc, char **argv);
/* Sets configuration variable name from flag's optarg (getopt's).
 * Returns LF_CLI_GO, or 2 after reporting a bad or empty value. */
int lf_cli_flag(lf_cli *cli, const char *name, const char *flag);

/*
 * Opens cfg's database with readers read connections and the driver
 * settings of cfg, and applies pending migrations; reports failures on
 * stderr. Owner: caller, released with lf_store_close.
 */
int lf_cli_open_store(const lf_config *cfg, int readers, lf_store **out);

/* A running server or job worker: everything it opened. */
typedef struct lf_cli_app {
	lf_app api;		 /* the HTTP API's context; store, blobs, jobs */
	lf_jobkinds_ctx jobs;	 /* what the job handlers work on */
	lf_audit_key audit_key;	 /* signs audit checkpoints */
	lf_audit_sealer *sealer; /* this process's audit sealer thread */
	lf_audit_anchor anchor;	 /* LABELFLOW_AUDIT_ANCHOR; bs NULL when unset */
} lf_cli_app;

/*
 * Loads the audit signing key of cfg (LABELFLOW_AUDIT_KEY, or
 * audit-ed25519.key beside the database), creating it when create is set
 * and it does not exist. Reports failures on stderr.
 */
int lf_cli_audit_key(const lf_config *cfg, int create, lf_audit_key *out);

/*
 * Opens cfg's LABELFLOW_AUDIT_ANCHOR into out (out->bs NULL when it is
 * unset), with the object store settings of the main storage; when it is
 * the main storage itself, its objects go under "audit-anchor/". Reports
 * failures on stderr. Release out->bs with lf_blob_close.
 */
int lf_cli_audit_anchor(const lf_config *cfg, lf_audit_anchor *out);

/* How lf_cli_app_open starts a process. */
enum { LF_CLI_WORKER = 0, LF_CLI_SERVER = 1 };

/*
 * The start-up serve and worker share, in order: blocks SIGINT/SIGTERM in
 * every thread to come (lf_cli_wait_signal takes them), opens the store
 * and blob storage and starts job_threads job threads (the job table of
 * jobkinds/). With LF_CLI_SERVER also what the HTTP API needs first:
 * password hashing, the JWT key, the first admin, the web UI and the login
 * rate limiters. cfg must outlive app. On failure reports on stderr; app
 * is released with lf_cli_app_close either way.
 */
int lf_cli_app_open(lf_cli_app *app, const lf_config *cfg, int mode, int job_threads);
/* Stops the job threads and releases everything app opened. */
void lf_cli_app_close(lf_cli_app *app);
/* Waits for SIGINT or SIGTERM and returns which. */
int lf_cli_wait_signal(void);

/* `labelflow serve`: the HTTP server with its job threads. */
int lf_cli_serve(lf_cli *cli, int argc, char **argv);
/* `labelflow worker`: job threads only, beside servers on one database. */
int lf_cli_worker(lf_cli *cli, int argc, char **argv);
/* `labelflow migrate`: applies pending migrations, prints the version. */
int lf_cli_migrate(lf_cli *cli, int argc, char **argv);
/* `labelflow user add`: creates a user, password on standard input. */
int lf_cli_user(lf_cli *cli, int argc, char **argv);
/* `labelflow audit verify`: checks the audit hash chain (1 if broken). */
int lf_cli_audit(lf_cli *cli, int argc, char **argv);
/* `labelflow ledger verify`: checks the books balance (1 if not). */
int lf_cli_ledger(lf_cli *cli, int argc, char **argv);
/* `labelflow export`: the API's export, written to a file or stdout. */
int lf_cli_export(lf_cli *cli, int argc, char **argv);
/* `labelflow config`: the effective configuration (environment and
 * flags, secrets masked); `--markdown`: the reference documentation. */
int lf_cli_config(lf_cli *cli, int argc, char **argv);

/* `labelflow backup`: an online consistent copy of a SQLite database;
 * refuses PostgreSQL (pg_dump, PITR). */
int lf_cli_backup(lf_cli *cli, int argc, char **argv);

#endif
