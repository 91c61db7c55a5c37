/*
 * api_health.c - liveness, readiness and Prometheus metrics.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Prometheus text exposition format 0.0.4. */
int lf_api_metrics(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_http_stats st;
	char *buf = NULL;
	size_t len = 0;
	lf_http_get_stats(app->http, &st);
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return LF_ERR_NOMEM;
	fprintf(f,
		"# HELP labelflow_http_requests_total HTTP requests by status class.\n"
		"# TYPE labelflow_http_requests_total counter\n"
		"labelflow_http_requests_total{class=\"2xx\"} %llu\n"
		"labelflow_http_requests_total{class=\"3xx\"} %llu\n"
		"labelflow_http_requests_total{class=\"4xx\"} %llu\n"
		"labelflow_http_requests_total{class=\"5xx\"} %llu\n"
		"# HELP labelflow_http_inflight Requests being served.\n"
		"# TYPE labelflow_http_inflight gauge\n"
		"labelflow_http_inflight %lld\n"
		"# HELP labelflow_http_request_duration_seconds Request latency.\n"
		"# TYPE labelflow_http_request_duration_seconds histogram\n",
		(unsigned long long)st.status_2xx, (unsigned long long)st.status_3xx,
		(unsigned long long)st.status_4xx, (unsigned long long)st.status_5xx,
		(long long)st.inflight);
	uint64_t cum = 0;
	for (int i = 0; i < 8; i++) {
		cum += st.latency_bucket[i];
		if (i < 7)
			fprintf(f,
				"labelflow_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
				lf_http_latency_bounds_ms[i] / 1000.0, (unsigned long long)cum);
		else
			fprintf(
			    f, "labelflow_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
			    (unsigned long long)cum);
	}
	fprintf(f,
		"labelflow_http_request_duration_seconds_sum %.6f\n"
		"labelflow_http_request_duration_seconds_count %llu\n"
		"# HELP labelflow_uptime_seconds Seconds since the server started.\n"
		"# TYPE labelflow_uptime_seconds gauge\n"
		"labelflow_uptime_seconds %lld\n",
		(double)st.latency_us_total / 1e6, (unsigned long long)st.requests,
		(long long)((lf_now_ms() - app->started_ms) / 1000));
	fclose(f);
	return lf_http_body(req, 200, "text/plain; version=0.0.4", buf, len);
}
