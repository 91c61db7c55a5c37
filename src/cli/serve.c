/*
 * serve.c - `labelflow serve` (the HTTP server with its job threads) and
 * `labelflow worker` (job threads only, sharing the database and storage
 * with the servers).
 */
#include "cli/cli.h"
#include "core/log.h"

#include <signal.h>
#include <string.h>

/* Job threads when LABELFLOW_JOB_THREADS is unset: a server keeps most of
 * the machine for requests, a worker has nothing else to do. */
#define SERVE_JOB_THREADS  2
#define WORKER_JOB_THREADS 4

static int job_threads(const lf_config *cfg, int def);

static int job_threads(const lf_config *cfg, int def)
{
	return cfg->job_threads != LF_CONFIG_AUTO ? cfg->job_threads : def;
}

int lf_cli_serve(lf_cli *cli, int argc, char **argv)
{
	const lf_config *cfg = &cli->cfg;
	lf_cli_app app;
	char err[256], host[128];
	int sig, ret = lf_cli_flags(cli, argc, argv);
	if (ret != LF_CLI_GO)
		return ret;
	ret = 1;
	if (lf_cli_app_open(&app, cfg, LF_CLI_SERVER, job_threads(cfg, SERVE_JOB_THREADS)) != LF_OK)
		goto cleanup;
	lf_http_config hc = {
	    .listen = cfg->listen,
	    .threads = cfg->threads,
	    .max_body = 1 << 20,
	    .routes = lf_api_routes,
	    .nroutes = lf_api_nroutes,
	    .app = &app.api,
	    .access_log = cfg->access_log,
	    .fallback = lf_api_static,
	    .authorize = lf_api_authorize,
	    .max_conns = cfg->max_connections,
	    .max_conns_per_ip = cfg->max_connections_per_ip,
	    .header_timeout_ms = cfg->header_timeout_ms,
	    .request_timeout_ms = cfg->request_timeout_ms,
	    .proxies = app.api.proxies,
	    .nproxies = app.api.nproxies,
	};
	if (lf_http_start(&hc, &app.api.http, err, sizeof(err)) != LF_OK) {
		lf_log(LF_LOG_ERROR, "%s", err);
		goto cleanup;
	}
	snprintf(host, sizeof(host), "%s", cfg->listen);
	char *colon = strrchr(host, ':');
	if (colon != NULL)
		*colon = '\0';
	printf("labelflow: listening on http://%s:%d (db %s, %d threads)\n",
	       host[0] ? host : "0.0.0.0", lf_http_port(app.api.http), cfg->db, cfg->threads);
	fflush(stdout);
	sig = lf_cli_wait_signal();
	lf_log(LF_LOG_INFO, "%s received, finishing in-flight requests and jobs",
	       sig == SIGINT ? "SIGINT" : "SIGTERM");
	lf_http_stop(app.api.http, 10000);
	ret = 0;
cleanup:
	lf_cli_app_close(&app);
	return ret;
}

int lf_cli_worker(lf_cli *cli, int argc, char **argv)
{
	const lf_config *cfg = &cli->cfg;
	int threads = job_threads(cfg, WORKER_JOB_THREADS);
	lf_cli_app app;
	int ret = lf_cli_flags(cli, argc, argv);
	if (ret != LF_CLI_GO)
		return ret;
	ret = 1;
	if (lf_cli_app_open(&app, cfg, LF_CLI_WORKER, threads) != LF_OK)
		goto cleanup;
	printf("labelflow: worker running %d job threads (db %s)\n", threads, cfg->db);
	fflush(stdout);
	lf_cli_wait_signal();
	lf_log(LF_LOG_INFO, "stopping, letting running jobs finish");
	ret = 0;
cleanup:
	lf_cli_app_close(&app);
	return ret;
}
