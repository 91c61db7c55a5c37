/*
 * api_health.c - liveness, readiness and Prometheus metrics.
 */
#include "api/api.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "metrics/metrics.h"
#include "store/store_stats.h"

static int metrics_allowed(lf_http_req *req);
static void write_db_gauges(lf_http_req *req, FILE *f);

int lf_api_healthz(lf_http_req *req)
{
	return lf_http_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

int lf_api_readyz(lf_http_req *req)
{
	lf_app *app = req->app;
	if (lf_store_ping(app->store) != LF_OK)
		return lf_http_fail(req, LF_ERR_DB, "not_ready", "The database does not answer.");
	return lf_http_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

/*
 * What only the database knows, read in one snapshot at scrape time:
 * queued tasks per project and stage, the money the platform holds by
 * account kind and currency, and the audit records waiting for the
 * sealer (the partial index audit_unsealed holds just those). A database that does not answer
 * leaves them out (labelflow_db_up 0) rather than failing the whole scrape.
 */
static void write_db_gauges(lf_http_req *req, FILE *f)
{
	lf_app *app = req->app;
	lf_stats_gauge *q = NULL, *m = NULL;
	int nq = 0, nm = 0;
	int64_t unsealed = 0, oldest = 0;
	lf_tx *tx = NULL;
	int ret = lf_store_begin(app->store, LF_TX_SNAPSHOT, req->arena, &tx);
	if (ret == LF_OK && (ret = lf_store_stats_queues(tx, &q, &nq)) == LF_OK &&
	    (ret = lf_store_stats_money(tx, &m, &nm)) == LF_OK)
		ret = lf_store_audit_unsealed_stats(tx, &unsealed, &oldest);
	if (tx != NULL)
		lf_store_rollback(tx);
	fprintf(f,
		"# HELP labelflow_db_up Whether the database answered this scrape's queries.\n"
		"# TYPE labelflow_db_up gauge\n"
		"labelflow_db_up %d\n",
		ret == LF_OK);
	if (ret != LF_OK)
		return;
	fputs("# HELP labelflow_queue_depth Tasks waiting to be claimed, by project and "
	      "stage.\n"
	      "# TYPE labelflow_queue_depth gauge\n",
	      f);
	for (int i = 0; i < nq; i++)
		fprintf(f, "labelflow_queue_depth{project=\"%lld\",stage=\"%s\"} %lld\n",
			(long long)q[i].project_id, q[i].a + strlen("queued_"),
			(long long)q[i].value);
	fputs("# HELP labelflow_money_balance Money held by the platform, by account kind "
	      "(escrow, held, payable, payouts_pending) and currency, in minor units.\n"
	      "# TYPE labelflow_money_balance gauge\n",
	      f);
	for (int i = 0; i < nm; i++)
		fprintf(f, "labelflow_money_balance{kind=\"%s\",currency=\"%s\"} %lld\n", m[i].a,
			m[i].b ? m[i].b : "", (long long)m[i].value);
	fprintf(f,
		"# HELP labelflow_audit_unsealed Audit records appended but not sealed yet.\n"
		"# TYPE labelflow_audit_unsealed gauge\n"
		"labelflow_audit_unsealed %lld\n"
		"# HELP labelflow_audit_unsealed_age_seconds Age of the oldest of them (0: none).\n"
		"# TYPE labelflow_audit_unsealed_age_seconds gauge\n"
		"labelflow_audit_unsealed_age_seconds %.3f\n",
		(long long)unsealed, unsealed > 0 ? (double)(lf_now_ms() - oldest) / 1000 : 0.0);
}

/*
 * The scrape reveals traffic and money totals: it is for the monitoring
 * system, from the addresses of LABELFLOW_METRICS_ALLOW or with the
 * metrics token (compared in constant time) from anywhere.
 */
static int metrics_allowed(lf_http_req *req)
{
	lf_app *app = req->app;
	if (lf_http_client_in(req, app->metrics_allow, app->metrics_nallow))
		return 1;
	const char *h = lf_http_header(req, "Authorization");
	if (app->metrics_token == NULL || h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	size_t n = strlen(app->metrics_token);
	return strlen(h) == n && sodium_memcmp(h, app->metrics_token, n) == 0;
}

/* Prometheus text exposition format 0.0.4: the HTTP server's counters,
 * the domain's (metrics/), the database's gauges and the process's. */
int lf_api_metrics(lf_http_req *req)
{
	lf_app *app = req->app;
	char *buf = NULL;
	size_t len = 0;
	if (!metrics_allowed(req))
		return lf_http_fail(req, LF_ERR_FORBIDDEN, "forbidden",
				    "Metrics are served to allowed addresses or with the metrics "
				    "token.");
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return LF_ERR_NOMEM;
	lf_http_metrics(app->http, f);
	lf_metrics_write(f);
	write_db_gauges(req, f);
	fprintf(f,
		"# HELP labelflow_uptime_seconds Seconds since the server started.\n"
		"# TYPE labelflow_uptime_seconds gauge\n"
		"labelflow_uptime_seconds %lld\n",
		(long long)((lf_now_ms() - app->started_ms) / 1000));
	fclose(f);
	return lf_http_body(req, 200, "text/plain; version=0.0.4", buf, len);
}
