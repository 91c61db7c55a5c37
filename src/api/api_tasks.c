/*
 * api_tasks.c - task listing and the workflow endpoints: claim (or resume),
 * heartbeat, release, the holder's draft, the closing page's release
 * beacon, submit, revise, review, decide, requeue.
 */
#include "api/api.h"

#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "imports/imports.h"
#include "tasks/tasks.h"
#include "workflow/workflow.h"

/* How much of a task the caller may see. */
enum view {
	VIEW_WORKER,   /* an annotator: data, own work, rework comment */
	VIEW_REVIEWER, /* reviewers, super reviewers and admins: everything */
};

static int caller_is_admin(lf_http_req *req);
static const char *shown_state(lf_http_req *req, const lf_task *t);
static json_t *task_json(lf_http_req *req, const lf_task *t, int64_t work_id);
static int add_history(lf_http_req *req, json_t *o, const lf_task *t, enum view v, int64_t self);
static int task_guard(lf_http_req *req, lf_perm perm, lf_principal **who, int64_t *task_id);
static int respond_task(lf_http_req *req, const lf_task_view *tv, enum view v, int64_t self,
			int claimed);
static void add_beacon(lf_http_req *req, json_t *o, const lf_task_view *tv);
static json_t *claim_json(lf_http_req *req, json_t *o, const lf_task_view *tv);

static int caller_is_admin(lf_http_req *req)
{
	const lf_principal *who = req->user;
	return who != NULL && who->is_admin;
}

/*
 * The state a caller is shown. A gold copy (tasks/gold.c) ends at its
 * submit, or at the end of its lease; to anyone but an admin it shows the
 * state an ordinary task would be in then, so that nothing tells an
 * annotator which of their tasks were gold.
 */
static const char *shown_state(lf_http_req *req, const lf_task *t)
{
	if (t->gold_id == 0 || caller_is_admin(req) ||
	    (strcmp(t->state, "accepted") != 0 && strcmp(t->state, "discarded") != 0))
		return t->state;
	return t->annotations_done > 0 ? "queued_l2" : "queued_l1";
}

static json_t *task_json(lf_http_req *req, const lf_task *t, int64_t work_id)
{
	json_t *o = json_pack("{s:I,s:I,s:s,s:o,s:o,s:I,s:s?,s:i,s:i,s:i,s:s?,s:s,s:s}", "id",
			      (json_int_t)t->id, "project_id", (json_int_t)t->project_id, "state",
			      shown_state(req, t), "data", lf_api_json_text(t->data), "predictions",
			      lf_api_json_text(t->predictions), "priority", (json_int_t)t->priority,
			      "task_type", t->task_type, "attempts", t->attempts, "reworks",
			      t->reworks, "annotations_done", t->annotations_done, "last_comment",
			      t->last_comment, "created_at", lf_api_time(req, t->created_at),
			      "updated_at", lf_api_time(req, t->updated_at));
	if (o == NULL)
		return NULL;
	if (t->lease_owner != 0)
		json_object_set_new(o, "lease",
				    json_pack("{s:I,s:s,s:I}", "holder", (json_int_t)t->lease_owner,
					      "expires_at", lf_api_time(req, t->lease_expires),
					      "expires_in_ms",
					      (json_int_t)(t->lease_expires - lf_now_ms())));
	if (work_id != 0)
		json_object_set_new(o, "work_id", json_integer(work_id));
	if (t->gold_id != 0 && caller_is_admin(req))
		json_object_set_new(o, "gold_id", json_integer(t->gold_id));
	return o;
}

/*
 * The URL a closing page sends its beacon to (beacon.c): only the holder
 * gets it, in the answers to their claim and heartbeats, valid as long as
 * the lease they were just given.
 */
static void add_beacon(lf_http_req *req, json_t *o, const lf_task_view *tv)
{
	lf_app *app = req->app;
	unsigned char key[32];
	char sig[65];
	int64_t exp = tv->task.lease_expires / 1000 + 1;
	if (tv->work_id == 0 || tv->task.lease_owner == 0)
		return;
	lf_tasks_beacon_key(app->jwt_key, key);
	lf_tasks_beacon_sign(key, tv->task.id, tv->work_id, tv->task.lease_owner, exp, sig);
	json_object_set_new(
	    o, "release_beacon",
	    json_string(lf_arena_printf(
		req->arena, "/api/v1/tasks/%lld/release-beacon?work=%lld&uid=%lld&exp=%lld&sig=%s",
		(long long)tv->task.id, (long long)tv->work_id, (long long)tv->task.lease_owner,
		(long long)exp, sig)));
	sodium_memzero(key, sizeof(key));
}

/* What a claim adds to the task: whether it was resumed, the holder's
 * draft, and the release beacon. */
static json_t *claim_json(lf_http_req *req, json_t *o, const lf_task_view *tv)
{
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "resumed", json_boolean(tv->resumed));
	if (tv->draft != NULL)
		json_object_set_new(o, "draft",
				    json_pack("{s:o,s:s}", "result", lf_api_json_text(tv->draft),
					      "saved_at", lf_api_time(req, tv->draft_at)));
	add_beacon(req, o, tv);
	return o;
}

/*
 * Adds the annotation versions and the work history. Annotators see only
 * their own annotations, never another annotator's work or earnings.
 * Reviewers also get the consensus of the annotators' current results
 * when there are several (tasks.h, lf_tasks_consensus).
 */
static int add_history(lf_http_req *req, json_t *o, const lf_task *t, enum view v, int64_t self)
{
	lf_app *app = req->app;
	lf_tx *tx;
	lf_annotation *an;
	lf_work *w;
	json_t *consensus = NULL;
	int nan, nw;
	int ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	if ((ret = lf_store_annotation_list(tx, t->id, &an, &nan)) != LF_OK ||
	    (ret = lf_store_work_list(tx, t->id, &w, &nw)) != LF_OK ||
	    (v == VIEW_REVIEWER &&
	     (ret = lf_tasks_consensus(tx, t, an, nan, w, nw, &consensus)) != LF_OK)) {
		lf_store_rollback(tx);
		return ret;
	}
	lf_store_rollback(tx);
	if (consensus != NULL)
		json_object_set_new(o, "consensus", consensus);
	json_t *anns = json_array(), *hist = json_array();
	for (int i = 0; i < nan; i++) {
		if (v == VIEW_WORKER && an[i].author_id != self)
			continue;
		json_array_append_new(
		    anns, json_pack("{s:I,s:i,s:I,s:i,s:s,s:o,s:s}", "id", (json_int_t)an[i].id,
				    "version", an[i].version, "author_id",
				    (json_int_t)an[i].author_id, "stage", an[i].stage, "kind",
				    an[i].kind, "result", lf_api_json_text(an[i].result),
				    "created_at", lf_api_time(req, an[i].created_at)));
	}
	for (int i = 0; i < nw; i++) {
		if (v == VIEW_WORKER && w[i].user_id != self)
			continue;
		json_t *h =
		    json_pack("{s:I,s:I,s:i,s:s,s:s?,s:s?,s:s}", "work_id", (json_int_t)w[i].id,
			      "user_id", (json_int_t)w[i].user_id, "stage", w[i].stage, "status",
			      w[i].status, "decision", w[i].decision, "comment", w[i].comment,
			      "started_at", lf_api_time(req, w[i].started_at));
		if (w[i].finished_at)
			json_object_set_new(h, "finished_at",
					    json_string(lf_api_time(req, w[i].finished_at)));
		json_array_append_new(hist, h);
	}
	json_object_set_new(o, "annotations", anns);
	json_object_set_new(o, "history", hist);
	return LF_OK;
}

/* Resolves the task's project and checks perm there. */
static int task_guard(lf_http_req *req, lf_perm perm, lf_principal **who, int64_t *task_id)
{
	int64_t project_id = 0;
	*task_id = lf_http_capture_id(req, 0);
	return lf_api_guard_task(req, perm, *task_id, who, &project_id);
}

/* claimed: the answer to the holder's claim, with what only it carries. */
static int respond_task(lf_http_req *req, const lf_task_view *tv, enum view v, int64_t self,
			int claimed)
{
	json_t *o = task_json(req, &tv->task, tv->work_id);
	if (o == NULL)
		return LF_ERR_NOMEM;
	if (claimed)
		claim_json(req, o, tv);
	int ret = add_history(req, o, &tv->task, v, self);
	if (ret != LF_OK) {
		json_decref(o);
		return ret;
	}
	return lf_http_json(req, 200, o);
}

static enum view view_of(const lf_principal *who, unsigned roles)
{
	return who->is_admin || (roles & (LF_PROLE_REVIEWER | LF_PROLE_SUPER_REVIEWER))
		   ? VIEW_REVIEWER
		   : VIEW_WORKER;
}

static unsigned roles_in(lf_http_req *req, int64_t project_id, int64_t user_id)
{
	lf_app *app = req->app;
	lf_tx *tx;
	unsigned roles = 0;
	if (lf_store_begin(app->store, LF_TX_READ, req->arena, &tx) == LF_OK) {
		lf_store_member_roles(tx, project_id, user_id, &roles);
		lf_store_rollback(tx);
	}
	return roles;
}

/* The orders of GET /projects/{id}/tasks?sort=, as the store numbers them,
 * and the letter that marks a cursor of each. */
static const struct {
	const char *name;
	char mark;
} sorts[LF_TASK_SORT__COUNT] = {
    [LF_TASK_SORT_ID] = {"id", 'i'},
    [LF_TASK_SORT_ID_DESC] = {"-id", 'I'},
    [LF_TASK_SORT_UPDATED] = {"updated_at", 'u'},
    [LF_TASK_SORT_UPDATED_DESC] = {"-updated_at", 'U'},
    [LF_TASK_SORT_PRIORITY] = {"priority", 'p'},
    [LF_TASK_SORT_PRIORITY_DESC] = {"-priority", 'P'},
};

/*
 * Reads sort and cursor into f. A cursor is "<mark><key>.<id>" (the id
 * orders leave out the key), opaque to clients; the default order also
 * takes a bare id, as every cursor of the listing was before it had
 * orders. A cursor of another order is refused, not misread.
 */
static int parse_order(lf_http_req *req, lf_task_filter *f)
{
	const char *sort = lf_http_query(req, "sort");
	const char *cur = lf_http_query(req, "cursor");
	f->sort = LF_TASK_SORT__COUNT;
	for (int i = 0; i < LF_TASK_SORT__COUNT; i++)
		if (sort == NULL || sort[0] == '\0' ? i == LF_TASK_SORT_ID
						    : strcmp(sort, sorts[i].name) == 0)
			f->sort = (lf_task_sort)i;
	if (f->sort == LF_TASK_SORT__COUNT)
		return lf_http_fail(req, LF_ERR_MALFORMED, "bad_parameter",
				    "sort must be one of id, -id, updated_at, -updated_at,"
				    " priority, -priority.");
	if (cur == NULL || cur[0] == '\0')
		return LF_OK;
	int keyed = f->sort != LF_TASK_SORT_ID && f->sort != LF_TASK_SORT_ID_DESC;
	const char *p = cur[0] == sorts[f->sort].mark ? cur + 1
			: f->sort == LF_TASK_SORT_ID  ? cur
						      : NULL;
	char *end = NULL;
	long long key = 0, id = 0;
	if (p != NULL && keyed) {
		key = strtoll(p, &end, 10);
		p = end != p && *end == '.' ? end + 1 : NULL;
	}
	end = (char *)p;
	if (p != NULL && *p >= '0' && *p <= '9')
		id = strtoll(p, &end, 10);
	if (p == NULL || end == p || *end != '\0' || id == LLONG_MAX)
		return lf_http_fail(req, LF_ERR_MALFORMED, "bad_parameter",
				    "cursor is not a cursor of this listing's order (%s): pass"
				    " next_cursor back with the same sort.",
				    sorts[f->sort].name);
	f->has_cursor = 1;
	f->after_key = key;
	f->after_id = id;
	return LF_OK;
}

static const char *next_cursor(lf_http_req *req, const lf_task_filter *f, const lf_task *last)
{
	if (f->sort == LF_TASK_SORT_ID)
		return lf_arena_printf(req->arena, "%lld", (long long)last->id);
	if (f->sort == LF_TASK_SORT_ID_DESC)
		return lf_arena_printf(req->arena, "I%lld", (long long)last->id);
	return lf_arena_printf(req->arena, "%c%lld.%lld", sorts[f->sort].mark,
			       (long long)lf_store_task_sort_key(last, f->sort),
			       (long long)last->id);
}

/* Names of the people a page of the table mentions, each read once. */
struct names {
	int64_t id[3 * 500];
	json_t *person[3 * 500];
	int n;
};

static json_t *person(struct names *nm, lf_tx *tx, int64_t user_id)
{
	lf_user u;
	if (user_id == 0)
		return json_null();
	for (int i = 0; i < nm->n; i++)
		if (nm->id[i] == user_id)
			return json_incref(nm->person[i]);
	json_t *p = json_pack("{s:I,s:s?}", "id", (json_int_t)user_id, "name",
			      lf_store_user_get(tx, user_id, &u) == LF_OK ? u.name : NULL);
	if (p != NULL && nm->n < (int)LF_ARRAY_LEN(nm->id)) {
		nm->id[nm->n] = user_id;
		nm->person[nm->n++] = json_incref(p);
	}
	return p;
}

/*
 * A row of the data manager's table: the task without its data and
 * predictions (a page of long texts would be megabytes), a one-line
 * preview instead, and the people: holder, annotator, reviewer. score is
 * null until the project measures agreement.
 */
static json_t *table_row(lf_http_req *req, lf_tx *tx, struct names *nm, const lf_task_item *it)
{
	char preview[LF_TASKS_PREVIEW_BYTES];
	json_t *o = task_json(req, &it->task, 0);
	if (o == NULL)
		return NULL;
	json_object_del(o, "data");
	json_object_del(o, "predictions");
	lf_tasks_preview(it->task.data, preview, sizeof(preview));
	json_object_set_new(o, "preview", json_string(preview));
	json_object_set_new(o, "holder", person(nm, tx, it->task.lease_owner));
	json_object_set_new(o, "annotator", person(nm, tx, it->annotator_id));
	json_object_set_new(o, "reviewer", person(nm, tx, it->reviewer_id));
	json_object_set_new(o, "score", json_null());
	return o;
}

int lf_api_tasks_list(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_task_item *items;
	int n;
	lf_tx *tx;
	int64_t limit = 50, stage = 0;
	lf_task_filter f = {.project_id = lf_http_capture_id(req, 0)};
	if (f.project_id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_READ, f.project_id, &who)) != LF_OK)
		return ret;
	if ((ret = parse_order(req, &f)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 500, &limit)) != LF_OK ||
	    (ret = lf_api_qint(req, "assignee", 1, INT64_MAX, &f.assignee)) != LF_OK ||
	    (ret = lf_api_qint(req, "annotator", 1, INT64_MAX, &f.annotator)) != LF_OK ||
	    (ret = lf_api_qint(req, "reviewer", 1, INT64_MAX, &f.reviewer)) != LF_OK ||
	    (ret = lf_api_qint(req, "worker", 1, INT64_MAX, &f.worker)) != LF_OK ||
	    (ret = lf_api_qtime(req, "updated_since", &f.updated_since)) != LF_OK ||
	    (ret = lf_api_qtime(req, "updated_until", &f.updated_until)) != LF_OK)
		return ret;
	const char *view = lf_http_query(req, "view");
	int table = view != NULL && strcmp(view, "table") == 0;
	if (view != NULL && view[0] != '\0' && !table)
		return lf_http_fail(req, LF_ERR_MALFORMED, "bad_parameter",
				    "view must be table (or left out).");
	f.text = lf_http_query(req, "q");
	if (f.text != NULL && f.text[0] == '\0')
		f.text = NULL;
	f.state = lf_http_query(req, "state");
	lf_task_state st;
	if (f.state != NULL && f.state[0] != '\0' && lf_wf_state_parse(f.state, &st) != LF_OK)
		return lf_http_fail(req, LF_ERR_MALFORMED, "bad_parameter",
				    "state must be one of queued_l1, locked_l1, queued_l2,"
				    " locked_l2, queued_l3, locked_l3, accepted, discarded.");
	if (f.state != NULL && f.state[0] == '\0')
		f.state = NULL;
	const char *sq = lf_http_query(req, "stage");
	if (sq != NULL && sq[0] != '\0') {
		int s;
		if (lf_wf_stage_parse(sq, &s) != LF_OK)
			return lf_http_fail(req, LF_ERR_MALFORMED, "bad_parameter",
					    "stage must be l1, l2 or l3.");
		stage = s;
	}
	f.stage = (int)stage;
	f.limit = (int)limit + 1;
	/* An annotator only ever sees tasks they worked on, whatever worker
	 * they asked for. */
	if (view_of(who, roles_in(req, f.project_id, who->user.id)) == VIEW_WORKER)
		f.worker = who->user.id;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	if ((ret = lf_store_task_list(tx, &f, &items, &n)) != LF_OK) {
		lf_store_rollback(tx);
		return ret;
	}
	struct names *nm = table ? lf_arena_alloc(req->arena, sizeof(*nm)) : NULL;
	if (table && nm == NULL) {
		lf_store_rollback(tx);
		return LF_ERR_NOMEM;
	}
	if (nm != NULL)
		nm->n = 0;
	json_t *arr = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(arr, table ? table_row(req, tx, nm, &items[i])
						 : task_json(req, &items[i].task, 0));
	lf_store_rollback(tx);
	for (int i = 0; nm != NULL && i < nm->n; i++)
		json_decref(nm->person[i]);
	const char *next = n > limit ? next_cursor(req, &f, &items[limit - 1].task) : NULL;
	return lf_api_list(req, arr, next);
}

int lf_api_tasks_get(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_task_view tv = {.work_id = 0};
	lf_tx *tx;
	int64_t id;
	if ((ret = task_guard(req, LF_PERM_PROJECT_READ, &who, &id)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_task_get(tx, id, &tv.task);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, "task");
	enum view v = view_of(who, roles_in(req, tv.task.project_id, who->user.id));
	if (v == VIEW_WORKER && tv.task.lease_owner != who->user.id) {
		/* Annotators may read tasks they hold or worked on only. */
		lf_task_item *mine;
		int n = 0;
		lf_task_filter f = {.project_id = tv.task.project_id,
				    .worker = who->user.id,
				    .has_cursor = 1,
				    .after_id = id - 1,
				    .limit = 1};
		if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
			return ret;
		ret = lf_store_task_list(tx, &f, &mine, &n);
		lf_store_rollback(tx);
		if (ret != LF_OK)
			return ret;
		if (n == 0 || mine[0].task.id != id)
			return lf_http_fail(req, LF_ERR_NOTFOUND, "task_not_found",
					    "No such task.");
	}
	return respond_task(req, &tv, v, who->user.id, 0);
}

int lf_api_claim(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_task_view tv;
	const char *stage_name;
	int stage, resume = 0;
	int64_t project_id = lf_http_capture_id(req, 0);
	if ((ret = lf_api_str(req, "stage", 1, 8, &stage_name)) != LF_OK ||
	    (ret = lf_api_bool(req, "resume", 0, &resume)) != LF_OK)
		return ret;
	if (lf_wf_stage_parse(stage_name, &stage) != LF_OK)
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_stage",
				    "stage must be l1, l2 or l3.");
	if (project_id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	static const lf_perm perms[] = {LF_PERM_STAGE_L1, LF_PERM_STAGE_L2, LF_PERM_STAGE_L3};
	if ((ret = lf_api_guard(req, perms[stage - 1], project_id, &who)) != LF_OK)
		return ret;
	lf_actor actor = {.user_id = who->user.id, .is_admin = who->is_admin};
	ret = lf_tasks_claim(app->store, req->arena, &actor, project_id, stage, resume, &tv,
			     &req->error);
	if (ret == LF_ERR_NOTFOUND)
		return lf_http_empty(req, 204);
	if (ret != LF_OK)
		return ret;
	/* A reviewer needs the work under review; an annotator needs their
	 * earlier annotation only on rework. A fresh L1 task has no history,
	 * so the common claim skips reading it. */
	if (stage == 1 && tv.task.reworks == 0 && tv.task.last_comment == NULL &&
	    tv.task.annotations_done == 0) {
		json_t *o = claim_json(req, task_json(req, &tv.task, tv.work_id), &tv);
		json_object_set_new(o, "annotations", json_array());
		return lf_http_json(req, 200, o);
	}
	return respond_task(req, &tv, stage == 1 ? VIEW_WORKER : VIEW_REVIEWER, who->user.id, 1);
}

/* heartbeat and release: the lease holder, whatever the stage. A
 * heartbeat's answer carries a release beacon for the renewed lease. */
static int holder_op(lf_http_req *req, int (*op)(lf_store *, lf_arena *, const lf_actor *, int64_t,
						 lf_task_view *, lf_error *))
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_task_view tv;
	int64_t id;
	if ((ret = task_guard(req, LF_PERM_PROJECT_READ, &who, &id)) != LF_OK)
		return ret;
	lf_actor actor = {.user_id = who->user.id, .is_admin = who->is_admin};
	ret = op(app->store, req->arena, &actor, id, &tv, &req->error);
	if (ret != LF_OK)
		return ret;
	json_t *o = task_json(req, &tv.task, tv.work_id);
	if (o != NULL && tv.task.lease_owner == who->user.id)
		add_beacon(req, o, &tv);
	return lf_http_json(req, 200, o);
}

int lf_api_heartbeat(lf_http_req *req)
{
	return holder_op(req, lf_tasks_heartbeat);
}

int lf_api_release(lf_http_req *req)
{
	return holder_op(req, lf_tasks_release);
}

/* PUT /tasks/{id}/draft {"result": [...]}: the holder's work in progress. */
int lf_api_draft_put(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	int64_t id, saved_at = 0;
	if ((ret = task_guard(req, LF_PERM_PROJECT_READ, &who, &id)) != LF_OK)
		return ret;
	json_t *result = json_object_get(req->json, "result");
	if (result == NULL)
		return lf_http_fail(req, LF_ERR_INVALID, "missing_field",
				    "The field \"result\" is required.");
	lf_actor actor = {.user_id = who->user.id, .is_admin = who->is_admin};
	ret =
	    lf_tasks_draft_save(app->store, req->arena, &actor, id, result, &saved_at, &req->error);
	if (ret != LF_OK)
		return ret;
	return lf_http_json(req, 200,
			    json_pack("{s:I,s:s}", "task_id", (json_int_t)id, "saved_at",
				      lf_api_time(req, saved_at)));
}

/*
 * POST /tasks/{id}/release-beacon?work=&uid=&exp=&sig=: sent by a page
 * closing (navigator.sendBeacon, which cannot authenticate otherwise).
 * The signed query is the credential: it names one stint, so it can give
 * back only the task its holder was given it for.
 */
int lf_api_release_beacon(lf_http_req *req)
{
	lf_app *app = req->app;
	unsigned char key[32];
	int64_t work_id = 0, user_id = 0, grace_ms = 0;
	int64_t id = lf_http_capture_id(req, 0);
	lf_tasks_beacon_key(app->jwt_key, key);
	int ret =
	    lf_tasks_beacon_check(key, id, lf_http_query(req, "work"), lf_http_query(req, "uid"),
				  lf_http_query(req, "exp"), lf_http_query(req, "sig"),
				  lf_now_ms() / 1000, &work_id, &user_id);
	sodium_memzero(key, sizeof(key));
	if (id == 0 || ret != LF_OK)
		return lf_http_fail(
		    req, LF_ERR_FORBIDDEN, "invalid_signature",
		    "The release link is expired or was not issued by this server.");
	ret = lf_tasks_release_later(app->store, req->arena, user_id, id, work_id, &grace_ms,
				     &req->error);
	if (ret != LF_OK)
		return ret;
	return lf_http_json(req, 202,
			    json_pack("{s:I,s:I}", "task_id", (json_int_t)id, "release_in_ms",
				      (json_int_t)grace_ms));
}

/* submit (the L1 holder) and revise (its author, while queued_l2) share
 * their input shape; with history, the answer also carries the caller's
 * annotations and work on the task. */
static int result_op(lf_http_req *req,
		     int (*op)(lf_store *, lf_arena *, const lf_actor *, int64_t, const json_t *,
			       lf_task_view *, lf_error *),
		     int history)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_task_view tv;
	int64_t id;
	if ((ret = task_guard(req, LF_PERM_STAGE_L1, &who, &id)) != LF_OK)
		return ret;
	json_t *result = json_object_get(req->json, "result");
	if (result == NULL)
		return lf_http_fail(req, LF_ERR_INVALID, "missing_field",
				    "The field \"result\" is required.");
	lf_actor actor = {.user_id = who->user.id, .is_admin = who->is_admin};
	ret = op(app->store, req->arena, &actor, id, result, &tv, &req->error);
	if (ret != LF_OK)
		return ret;
	if (history)
		return respond_task(req, &tv, VIEW_WORKER, who->user.id, 0);
	json_t *o = task_json(req, &tv.task, tv.work_id);
	if (o != NULL && tv.gold_feedback != NULL)
		json_object_set_new(o, "feedback", lf_api_json_text(tv.gold_feedback));
	return lf_http_json(req, 200, o);
}

int lf_api_submit(lf_http_req *req)
{
	return result_op(req, lf_tasks_submit, 0);
}

/* POST /tasks/{id}/revise {"result": [...]}: the answer shows the author
 * their versions, the new one last. */
int lf_api_revise(lf_http_req *req)
{
	return result_op(req, lf_tasks_revise, 1);
}

/* review (L2) and decide (L3) share their input shape. */
static int decision_op(lf_http_req *req, lf_perm perm,
		       int (*op)(lf_store *, lf_arena *, const lf_actor *, int64_t, const char *,
				 const char *, const json_t *, lf_task_view *, lf_error *))
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_task_view tv;
	const char *decision, *comment = NULL;
	int64_t id;
	if ((ret = task_guard(req, perm, &who, &id)) != LF_OK)
		return ret;
	if ((ret = lf_api_str(req, "decision", 1, 32, &decision)) != LF_OK ||
	    (ret = lf_api_str(req, "comment", 0, 10000, &comment)) != LF_OK)
		return ret;
	lf_actor actor = {.user_id = who->user.id, .is_admin = who->is_admin};
	ret = op(app->store, req->arena, &actor, id, decision, comment,
		 json_object_get(req->json, "result"), &tv, &req->error);
	if (ret != LF_OK)
		return ret;
	return lf_http_json(req, 200, task_json(req, &tv.task, tv.work_id));
}

int lf_api_review(lf_http_req *req)
{
	return decision_op(req, LF_PERM_STAGE_L2, lf_tasks_review);
}

int lf_api_decide(lf_http_req *req)
{
	return decision_op(req, LF_PERM_STAGE_L3, lf_tasks_decide);
}

int lf_api_requeue(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_task_view tv;
	const char *to, *reason = NULL;
	int64_t id;
	if ((ret = task_guard(req, LF_PERM_PROJECT_MANAGE, &who, &id)) != LF_OK)
		return ret;
	if ((ret = lf_api_str(req, "to", 1, 16, &to)) != LF_OK ||
	    (ret = lf_api_str(req, "reason", 0, 10000, &reason)) != LF_OK)
		return ret;
	lf_actor actor = {.user_id = who->user.id, .is_admin = who->is_admin};
	ret = lf_tasks_requeue(app->store, req->arena, &actor, id, to, reason, &tv, &req->error);
	if (ret != LF_OK)
		return ret;
	return lf_http_json(req, 200, task_json(req, &tv.task, tv.work_id));
}

/*
 * POST /projects/{id}/tasks {"tasks": [{"data": {...}, "priority"?,
 * "task_type"?, "predictions"?}]}: creates tasks directly, all or none
 * (lf_imports_add_tasks). For scripts and small batches; files go through
 * imports.
 */
int lf_api_tasks_create(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_imports_added added;
	int64_t project_id = lf_http_capture_id(req, 0);
	if (project_id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, project_id, &who)) != LF_OK)
		return ret;
	lf_imports_tasks rq = {.project_id = project_id,
			       .tasks = json_object_get(req->json, "tasks"),
			       .actor_id = who->user.id,
			       .actor_role = who->user.role};
	if ((ret = lf_imports_add_tasks(app->store, req->arena, &rq, &added, &req->error)) != LF_OK)
		return ret;
	return lf_http_json(req, 201,
			    json_pack("{s:I,s:I,s:I}", "created", (json_int_t)added.created,
				      "first_id", (json_int_t)added.first_id, "last_id",
				      (json_int_t)added.last_id));
}
