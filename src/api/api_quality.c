/*
 * api_quality.c - gold tasks, annotator scores and suspensions.
 *
 * POST   /projects/{id}/gold                     make a gold task
 * GET    /projects/{id}/gold                     list them, with their answers' counts
 * DELETE /projects/{id}/gold/{gold_id}           retire one
 * GET    /projects/{id}/quality/annotators       each annotator's gold accuracy,
 *                                                review outcome and suspension,
 *                                                paged by user id
 * POST   /projects/{id}/members/{uid}/suspension suspend an annotator
 * DELETE /projects/{id}/members/{uid}/suspension reinstate them
 *
 * All of it is managers' business: annotators never learn which tasks are
 * gold (tasks/gold.c keeps a gold copy like any task in what they see).
 */
#include "api/api.h"

#include <stddef.h>
#include <stdint.h>

#include "projects/projects.h"
#include "quality/gold.h"
#include "quality/project.h"

/* A manager's action on a project and one id in it (gold.h, projects.h). */
typedef int (*manage_fn)(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
			 int64_t project_id, int64_t id, lf_error *err);

static json_t *gold_json(lf_http_req *req, const void *row);
static int gold_page(lf_tx *tx, int64_t project_id, int64_t after, int limit, void **items, int *n);
static json_t *mean_json(int64_t ppm_sum, int64_t n);
static int manage_delete(lf_http_req *req, manage_fn fn);
/* An annotator's agreement with the others on the tasks they shared: the
 * mean of their pair figures, weighted by the tasks (or region pairs) each
 * rests on. */
struct peer {
	double sum;
	int64_t units;
};
static void add_pair(const lf_suspension *m, int nm, struct peer *peers, int64_t a, int64_t b,
		     const lf_agree_value *v);
static json_t *annotator_json(lf_http_req *req, const lf_suspension *s, const lf_gold_person *g,
			      const lf_stats_person *w, const struct peer *peer);

/* A mean of scores kept in millionths; null without any. */
static json_t *mean_json(int64_t ppm_sum, int64_t n)
{
	return n > 0 ? json_real((double)ppm_sum / (double)n / 1e6) : json_null();
}

static json_t *gold_json(lf_http_req *req, const void *row)
{
	const lf_gold *g = row;
	json_t *o = json_pack(
	    "{s:I,s:I,s:s?,s:o,s:o,s:s,s:I,s:I,s:o}", "id", (json_int_t)g->id, "project_id",
	    (json_int_t)g->project_id, "task_type", g->task_type, "data", lf_api_json_text(g->data),
	    "answer", lf_api_json_text(g->answer), "created_at", lf_api_time(req, g->created_at),
	    "answered", (json_int_t)g->answered, "passed", (json_int_t)g->passed, "mean_score",
	    mean_json(g->score_ppm_sum, g->answered));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "source_task_id",
			    g->source_task_id ? json_integer(g->source_task_id) : json_null());
	json_object_set_new(o, "retired_at",
			    g->retired_at ? json_string(lf_api_time(req, g->retired_at))
					  : json_null());
	return o;
}

static int gold_page(lf_tx *tx, int64_t project_id, int64_t after, int limit, void **items, int *n)
{
	return lf_store_gold_list(tx, project_id, after, limit, (lf_gold **)items, n);
}

/*
 * One gold task ({task_id, answer} or {data, answer}: 201 with it), or up
 * to LF_GOLD_BATCH at once ({"items": [...]}: 201 {items}, all or none),
 * for a set of known answers prepared elsewhere.
 */
#define LF_GOLD_BATCH 1000
int lf_api_gold_create(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *who;
	int64_t id = lf_http_capture_id(req, 0);
	json_t *items = json_object_get(req->json, "items"), *v;
	size_t n = items ? json_array_size(items) : 1, i;
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK)
		return ret;
	if (items != NULL && (!json_is_array(items) || n == 0 || n > LF_GOLD_BATCH))
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_gold",
				    "items must be an array of 1 to %d gold tasks.", LF_GOLD_BATCH);
	lf_gold_source *src = lf_arena_calloc(req->arena, n * sizeof(*src));
	lf_gold *out = lf_arena_calloc(req->arena, n * sizeof(*out));
	if (src == NULL || out == NULL)
		return LF_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		v = items ? json_array_get(items, i) : req->json;
		json_t *tid = json_object_get(v, "task_id");
		if (!json_is_object(v) ||
		    (tid != NULL && (!json_is_integer(tid) || json_integer_value(tid) < 1)))
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_gold",
					    "%s must be an object, with task_id a positive integer"
					    " when given.",
					    items ? lf_arena_printf(req->arena, "items[%zu]", i)
						  : "The body");
		src[i] = (lf_gold_source){.task_id = tid ? json_integer_value(tid) : 0,
					  .data = json_object_get(v, "data"),
					  .answer = json_object_get(v, "answer")};
	}
	if ((ret = lf_gold_create(app->store, req->arena, who->user.id, who->user.role, id, src,
				  (int)n, out, &req->error)) != LF_OK)
		return ret;
	if (items == NULL)
		return lf_http_json(req, 201, gold_json(req, &out[0]));
	json_t *made = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(made, gold_json(req, &out[i]));
	return lf_http_json(req, 201, json_pack("{s:o}", "items", made));
}

int lf_api_gold_list(lf_http_req *req)
{
	return lf_api_project_page(req, gold_page, sizeof(lf_gold), offsetof(lf_gold, id),
				   gold_json);
}

/* The DELETEs of this file: a manager's action on the project and the
 * path's second id, answered 204. */
static int manage_delete(lf_http_req *req, manage_fn fn)
{
	lf_app *app = req->app;
	lf_principal *who;
	int64_t id = lf_http_capture_id(req, 0);
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK)
		return ret;
	if ((ret = fn(app->store, req->arena, who->user.id, who->user.role, id,
		      lf_http_capture_id(req, 1), &req->error)) != LF_OK)
		return ret;
	return lf_http_empty(req, 204);
}

int lf_api_gold_retire(lf_http_req *req)
{
	return manage_delete(req, lf_gold_retire);
}

/*
 * An annotator's score is the mean of what is known of them: gold
 * accuracy (mean score of their gold answers), review acceptance (the
 * share of their L1 submissions not rejected since) and agreement with
 * the other annotators of their overlap tasks (struct peer). confidence is
 * how many gold answers and submissions it rests on.
 */
/* Credits v to both annotators of a pair who are on the page (m, by id). */
static void add_pair(const lf_suspension *m, int nm, struct peer *peers, int64_t a, int64_t b,
		     const lf_agree_value *v)
{
	if (v->status != LF_AGREE_OK || v->units <= 0)
		return;
	for (int side = 0; side < 2; side++) {
		int64_t uid = side ? b : a;
		int lo = 0, hi = nm - 1;
		while (lo <= hi) {
			int mid = (lo + hi) / 2;
			if (m[mid].user_id == uid) {
				peers[mid].sum += v->value * (double)v->units;
				peers[mid].units += v->units;
				break;
			}
			if (m[mid].user_id < uid)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
	}
}

static json_t *annotator_json(lf_http_req *req, const lf_suspension *s, const lf_gold_person *g,
			      const lf_stats_person *w, const struct peer *peer)
{
	int64_t answered = g ? g->answered : 0, passed = g ? g->passed : 0;
	int64_t sum = g ? g->score_ppm_sum : 0;
	int64_t submitted = w ? w->submitted : 0, rejected = w ? w->rejected : 0;
	double parts = 0, total = 0;
	if (answered > 0) {
		total += (double)sum / (double)answered / 1e6;
		parts++;
	}
	if (submitted > 0) {
		total += (double)(submitted - rejected) / (double)submitted;
		parts++;
	}
	if (peer->units > 0) {
		total += peer->sum / (double)peer->units;
		parts++;
	}
	json_t *gold = json_pack("{s:I,s:I,s:o}", "answered", (json_int_t)answered, "passed",
				 (json_int_t)passed, "mean_score", mean_json(sum, answered));
	json_t *review = json_pack(
	    "{s:I,s:I,s:I,s:o}", "submitted", (json_int_t)submitted, "accepted",
	    (json_int_t)(submitted - rejected), "rejected", (json_int_t)rejected, "acceptance_rate",
	    submitted > 0 ? json_real((double)(submitted - rejected) / (double)submitted)
			  : json_null());
	json_t *susp = json_null();
	if (s->reason != NULL) {
		susp = json_pack("{s:s,s:s}", "reason", s->reason, "at", lf_api_time(req, s->at));
		json_object_set_new(susp, "by", s->by ? json_integer(s->by) : json_null());
	}
	json_t *agreement =
	    json_pack("{s:o,s:I}", "value",
		      peer->units > 0 ? json_real(peer->sum / (double)peer->units) : json_null(),
		      "units", (json_int_t)peer->units);
	return json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:o}", "user_id", (json_int_t)s->user_id,
			 "name", s->name, "email", s->email, "gold", gold, "review", review,
			 "agreement", agreement, "score",
			 parts > 0 ? json_real(total / parts) : json_null(), "confidence",
			 (json_int_t)(answered + submitted), "suspended", susp);
}

int lf_api_quality_annotators(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *who;
	lf_suspension *members = NULL;
	lf_gold_person *gold = NULL;
	lf_stats_person *work = NULL;
	int nm = 0, ng = 0, nw = 0;
	lf_tx *tx;
	int64_t id = lf_http_capture_id(req, 0), cursor = 0, limit = 100;
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK ||
	    (ret = lf_api_qint(req, "cursor", 0, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 500, &limit)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	if ((ret = lf_store_member_suspensions(tx, id, cursor, (int)limit + 1, &members, &nm)) ==
		LF_OK &&
	    (ret = lf_store_gold_people(tx, id, &gold, &ng)) == LF_OK)
		ret = lf_store_stats_people(tx, id, 0, INT64_MAX, &work, &nw);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	/* Agreement from the project's cache (quality/project.h): up to date,
	 * reading only what changed since it was last asked. */
	lf_quality_report rep;
	struct peer *peers = lf_arena_calloc(req->arena, ((size_t)nm + 1) * sizeof(*peers));
	if (peers == NULL)
		return LF_ERR_NOMEM;
	if ((ret = lf_quality_agreement(app->store, req->arena, id, &rep)) != LF_OK)
		return ret;
	int page = nm < limit ? nm : (int)limit;
	for (size_t c = 0; c < rep.ncontrols; c++)
		for (size_t k = 0; k < rep.controls[c].npairs; k++)
			add_pair(members, page, peers, rep.controls[c].pairs[k].user_a,
				 rep.controls[c].pairs[k].user_b,
				 &rep.controls[c].pairs[k].percent);
	for (size_t c = 0; c < rep.nregions; c++)
		for (size_t k = 0; k < rep.regions[c].npairs; k++)
			add_pair(members, page, peers, rep.regions[c].pairs[k].user_a,
				 rep.regions[c].pairs[k].user_b, &rep.regions[c].pairs[k].mean);
	/* All three lists are by user id: one merge pass. */
	json_t *items = json_array();
	for (int i = 0, gi = 0, wi = 0; i < nm && i < limit; i++) {
		int64_t uid = members[i].user_id;
		while (gi < ng && gold[gi].user_id < uid)
			gi++;
		while (wi < nw && work[wi].user_id < uid)
			wi++;
		json_array_append_new(
		    items, annotator_json(req, &members[i],
					  gi < ng && gold[gi].user_id == uid ? &gold[gi] : NULL,
					  wi < nw && work[wi].user_id == uid ? &work[wi] : NULL,
					  &peers[i]));
	}
	return lf_api_list(
	    req, items,
	    lf_api_next_cursor(req, nm, limit, nm > limit ? members[limit - 1].user_id : 0));
}

int lf_api_suspension_put(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *who;
	const char *reason = NULL;
	int64_t id = lf_http_capture_id(req, 0);
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK ||
	    (ret = lf_api_str(req, "reason", 1, 500, &reason)) != LF_OK)
		return ret;
	if ((ret = lf_projects_member_suspend(app->store, req->arena, who->user.id, who->user.role,
					      id, lf_http_capture_id(req, 1), reason,
					      &req->error)) != LF_OK)
		return ret;
	return lf_http_json(req, 200,
			    json_pack("{s:I,s:I,s:s}", "project_id", (json_int_t)id, "user_id",
				      (json_int_t)lf_http_capture_id(req, 1), "reason", reason));
}

int lf_api_suspension_delete(lf_http_req *req)
{
	return manage_delete(req, lf_projects_member_reinstate);
}
