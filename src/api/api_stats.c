/*
 * api_stats.c - a project's dashboard figures: work per day and per person;
 * and an annotator's own progress across their projects.
 *
 * GET /projects/{id}/stats?since=&until= (ms or ISO 8601, until exclusive;
 * both optional). Days with no work are left out; the client lays them
 * out on a calendar axis.
 *
 * GET /me/progress: per project the caller did L1 work in, lifetime counts
 * of their submissions and how they ended, and those of the last 7 days.
 *
 * GET /projects/{id}/agreement: inter-annotator agreement on the project's
 * classification and region controls (quality/project.h), overall, per
 * annotator pair and per day (the trend).
 */
#include "api/api.h"

#include <stdint.h>

#include "ledger/ledger.h"
#include "quality/project.h"

static json_t *day_json(lf_http_req *req, const lf_stats_day *d);
static json_t *person_json(const lf_stats_person *p);
static json_t *value_json(const lf_agree_value *v);
static json_t *control_json(const lf_quality_control *c);
static json_t *region_json(const lf_quality_region *r);
static json_t *trend_json(lf_http_req *req, const lf_quality_report *r);

#define WEEK_MS (7 * 86400000LL)

static json_t *day_json(lf_http_req *req, const lf_stats_day *d)
{
	/* The date part of the day's midnight, UTC. */
	const char *date =
	    lf_arena_printf(req->arena, "%.10s", lf_api_time(req, d->day * 86400000));
	return json_pack("{s:s,s:I,s:I,s:I,s:I}", "date", date, "submitted",
			 (json_int_t)d->submitted, "reviewed", (json_int_t)d->reviewed, "decided",
			 (json_int_t)d->decided, "accepted", (json_int_t)d->accepted);
}

static json_t *person_json(const lf_stats_person *p)
{
	double avg = p->submitted > 0 ? (double)p->annotate_ms / (double)p->submitted / 1000.0 : 0;
	return json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:I,s:f,s:I}", "user_id", (json_int_t)p->user_id,
			 "name", p->name, "email", p->email, "submitted", (json_int_t)p->submitted,
			 "rejected", (json_int_t)p->rejected, "reviewed", (json_int_t)p->reviewed,
			 "decided", (json_int_t)p->decided, "avg_annotate_seconds", avg, "earned",
			 (json_int_t)p->earned);
}

int lf_api_project_stats(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	lf_stats_day *days = NULL;
	lf_stats_person *people = NULL;
	int ndays = 0, npeople = 0;
	int64_t since = 0, until = INT64_MAX;
	lf_tx *tx;
	int64_t id = lf_http_capture_id(req, 0);
	if (id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	/* Per-person figures are managers' business, not other members'. */
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK)
		return ret;
	if ((ret = lf_api_qtime(req, "since", &since)) != LF_OK ||
	    (ret = lf_api_qtime(req, "until", &until)) != LF_OK)
		return ret;
	if (since >= until)
		return lf_http_fail(req, LF_ERR_MALFORMED, "bad_parameter",
				    "since must be before until.");
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	if ((ret = lf_store_project_get(tx, id, &p)) == LF_OK &&
	    (ret = lf_store_stats_throughput(tx, id, since, until, &days, &ndays)) == LF_OK)
		ret = lf_store_stats_people(tx, id, since, until, &people, &npeople);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, "project");
	json_t *jdays = json_array(), *jpeople = json_array();
	for (int i = 0; i < ndays; i++)
		json_array_append_new(jdays, day_json(req, &days[i]));
	for (int i = 0; i < npeople; i++)
		json_array_append_new(jpeople, person_json(&people[i]));
	return lf_http_json(req, 200,
			    json_pack("{s:I,s:s,s:i,s:o,s:o}", "project_id", (json_int_t)id,
				      "currency", p.currency, "currency_exponent",
				      lf_ledger_currency_exponent(p.currency), "throughput", jdays,
				      "people", jpeople));
}

int lf_api_me_progress(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_stats_progress *rows = NULL;
	int n = 0;
	lf_tx *tx;
	if ((ret = lf_api_guard(req, LF_PERM_SELF, 0, &who)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	ret = lf_store_stats_progress(tx, who->user.id, lf_now_ms() - WEEK_MS, &rows, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items,
				      json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "project_id",
						(json_int_t)rows[i].project_id, "submitted",
						(json_int_t)rows[i].submitted, "accepted",
						(json_int_t)rows[i].accepted, "rejected",
						(json_int_t)rows[i].rejected, "pending_review",
						(json_int_t)rows[i].pending_review, "last_7_days",
						(json_int_t)rows[i].recent));
	return lf_api_list(req, items, NULL);
}

/* A statistic: its value (null when undefined, with the reason) and how
 * many units or shared tasks it rests on. */
static json_t *value_json(const lf_agree_value *v)
{
	static const char *const status[] = {"ok", "no_data", "no_variation"};
	json_t *o =
	    json_pack("{s:s,s:I}", "status", status[v->status], "units", (json_int_t)v->units);
	json_object_set_new(o, "value",
			    v->status == LF_AGREE_OK ? json_real(v->value) : json_null());
	return o;
}

static json_t *control_json(const lf_quality_control *c)
{
	json_t *fleiss = value_json(&c->fleiss), *pairs = json_array();
	json_object_set_new(fleiss, "raters", json_integer(c->fleiss.raters));
	json_object_set_new(fleiss, "skipped", json_integer(c->fleiss.skipped));
	for (size_t i = 0; i < c->npairs; i++) {
		const lf_quality_pair *p = &c->pairs[i];
		json_array_append_new(
		    pairs,
		    json_pack("{s:I,s:I,s:I,s:o,s:o}", "user_a", (json_int_t)p->user_a, "user_b",
			      (json_int_t)p->user_b, "shared", (json_int_t)p->percent.units,
			      "percent", value_json(&p->percent), "kappa", value_json(&p->kappa)));
	}
	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:b}", "name", c->name, "type", c->type,
			 "percent", value_json(&c->percent), "alpha", value_json(&c->alpha),
			 "fleiss", fleiss, "pairs", pairs, "pairs_truncated", c->pairs_truncated);
}

static json_t *region_json(const lf_quality_region *r)
{
	json_t *pairs = json_array();
	for (size_t i = 0; i < r->npairs; i++) {
		const lf_quality_region_pair *p = &r->pairs[i];
		json_array_append_new(
		    pairs, json_pack("{s:I,s:I,s:I,s:o}", "user_a", (json_int_t)p->user_a, "user_b",
				     (json_int_t)p->user_b, "shared", (json_int_t)p->mean.units,
				     "mean", value_json(&p->mean)));
	}
	return json_pack("{s:s,s:s,s:s?,s:o,s:o,s:b}", "name", r->name, "type", r->type, "method",
			 r->method, "mean", value_json(&r->mean), "pairs", pairs, "pairs_truncated",
			 r->pairs_truncated);
}

/* Per day, the controls with data that day by name: {"value", "units"}.
 * A control without any is left out of the day (the chart draws no point
 * there rather than a zero). */
static json_t *trend_json(lf_http_req *req, const lf_quality_report *r)
{
	json_t *days = json_array();
	for (size_t i = 0; i < r->ntrend; i++) {
		const lf_quality_day *d = &r->trend[i];
		json_t *controls = json_object();
		for (size_t k = 0; k < r->ncontrols + r->nregions; k++) {
			const lf_agree_value *v =
			    k < r->ncontrols ? &d->controls[k] : &d->regions[k - r->ncontrols];
			if (v->status != LF_AGREE_OK)
				continue;
			json_object_set_new(controls,
					    k < r->ncontrols ? r->controls[k].name
							     : r->regions[k - r->ncontrols].name,
					    json_pack("{s:f,s:I}", "value", v->value, "units",
						      (json_int_t)v->units));
		}
		json_array_append_new(
		    days, json_pack("{s:s,s:o}", "date",
				    lf_arena_printf(req->arena, "%.10s",
						    lf_api_time(req, d->day * 86400000)),
				    "controls", controls));
	}
	return days;
}

int lf_api_project_agreement(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *who;
	lf_quality_report r;
	int ret;
	int64_t id = lf_http_capture_id(req, 0);
	if (id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	/* Who agrees with whom is managers' business, as per-person stats are. */
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK)
		return ret;
	if ((ret = lf_quality_agreement(app->store, req->arena, id, &r)) != LF_OK)
		return ret == LF_ERR_NOTFOUND
			   ? lf_http_fail(req, ret, "not_found", "No such project.")
			   : ret;
	json_t *controls = json_array(), *regions = json_array(), *other = json_array();
	for (size_t i = 0; i < r.ncontrols; i++)
		json_array_append_new(controls, control_json(&r.controls[i]));
	for (size_t i = 0; i < r.nregions; i++)
		json_array_append_new(regions, region_json(&r.regions[i]));
	for (size_t i = 0; i < r.nother; i++)
		json_array_append_new(other, json_string(r.other_controls[i]));
	json_t *body = json_pack("{s:I,s:I,s:o,s:o,s:o,s:o}", "project_id", (json_int_t)id, "tasks",
				 (json_int_t)r.tasks, "controls", controls, "regions", regions,
				 "other_controls", other, "trend", trend_json(req, &r));
	return body != NULL ? lf_http_json(req, 200, body) : LF_ERR_NOMEM;
}
