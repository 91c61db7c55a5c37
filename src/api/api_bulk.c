/*
 * api_bulk.c - the data manager's bulk actions on a selection of tasks.
 *
 * POST /projects/{id}/tasks/bulk {"action", "task_ids": [...], "to"?,
 * "priority"?, "comment"?}: release (held tasks back to their queue),
 * requeue (to a chosen queue), priority, discard. Each task is changed in
 * a transaction of its own through the same domain operation as one task
 * would be (src/tasks/), so the workflow table, escrow and audit trail
 * see a bulk action as that many single ones, and one task that moved on
 * meanwhile fails alone: {"action", "done": [ids], "failed": [{"id",
 * "error": {"code", "message"}}]}.
 */
#include "api/api.h"

#include <string.h>

#include "tasks/tasks.h"

/* A selection is a page or a few of the table, not a whole project: big
 * enough for "select all on this page" at the largest page size twice. */
#define BULK_MAX 1000

enum action { ACT_RELEASE, ACT_REQUEUE, ACT_PRIORITY, ACT_DISCARD, ACT__COUNT };

static const char *const action_names[ACT__COUNT] = {
    [ACT_RELEASE] = "release",
    [ACT_REQUEUE] = "requeue",
    [ACT_PRIORITY] = "priority",
    [ACT_DISCARD] = "discard",
};

struct bulk {
	enum action act;
	const char *to, *comment;
	int64_t priority;
	int64_t *ids;
	int n;
};

static int parse_bulk(lf_http_req *req, struct bulk *b);
static int apply_one(lf_http_req *req, const lf_actor *who, const struct bulk *b, int64_t id,
		     lf_error *why);
static int same_project(lf_http_req *req, int64_t project_id, const struct bulk *b,
			unsigned char *ours);

static int parse_bulk(lf_http_req *req, struct bulk *b)
{
	const char *act;
	int ret;
	if ((ret = lf_api_str(req, "action", 1, 16, &act)) != LF_OK ||
	    (ret = lf_api_str(req, "to", 0, 16, &b->to)) != LF_OK ||
	    (ret = lf_api_str(req, "comment", 0, 10000, &b->comment)) != LF_OK)
		return ret;
	b->act = ACT__COUNT;
	for (int i = 0; i < ACT__COUNT; i++)
		if (strcmp(act, action_names[i]) == 0)
			b->act = (enum action)i;
	if (b->act == ACT__COUNT)
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_action",
				    "action must be release, requeue, priority or discard.");
	if ((ret = lf_api_int(req, "priority", b->act == ACT_PRIORITY, INT32_MIN, INT32_MAX,
			      &b->priority)) != LF_OK)
		return ret;
	if (b->act == ACT_REQUEUE && b->to == NULL)
		return lf_http_fail(
		    req, LF_ERR_INVALID, "missing_field",
		    "to (queued_l1, queued_l2 or queued_l3) is required to requeue.");
	const json_t *ids = json_object_get(req->json, "task_ids");
	size_t n = json_array_size(ids);
	if (!json_is_array(ids) || n == 0 || n > BULK_MAX)
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_task_ids",
				    "task_ids must be an array of 1 to %d task ids.", BULK_MAX);
	b->ids = lf_arena_alloc(req->arena, n * sizeof(*b->ids));
	if (b->ids == NULL)
		return LF_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(ids, i);
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_task_ids",
					    "task_ids[%zu] is not a task id.", i);
		b->ids[i] = json_integer_value(v);
		/* A repeated id would be acted on twice (two requeues, two
		 * audit records) or fail the second time: refuse it whole. */
		for (size_t j = 0; j < i; j++)
			if (b->ids[j] == b->ids[i])
				return lf_http_fail(req, LF_ERR_INVALID, "invalid_task_ids",
						    "task_ids lists task %lld twice.",
						    (long long)b->ids[i]);
	}
	b->n = (int)n;
	return LF_OK;
}

/* Marks in ours[i] whether task_ids[i] belongs to the project; the guard
 * checked the caller's rights there only. */
static int same_project(lf_http_req *req, int64_t project_id, const struct bulk *b,
			unsigned char *ours)
{
	lf_app *app = req->app;
	lf_tx *tx;
	int ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	for (int i = 0; i < b->n && ret == LF_OK; i++) {
		int64_t pid = 0;
		ret = lf_store_task_project(tx, b->ids[i], &pid);
		ours[i] = ret == LF_OK && pid == project_id;
		if (ret == LF_ERR_NOTFOUND)
			ret = LF_OK;
	}
	lf_store_rollback(tx);
	return ret;
}

static int apply_one(lf_http_req *req, const lf_actor *who, const struct bulk *b, int64_t id,
		     lf_error *why)
{
	lf_app *app = req->app;
	lf_task_view tv;
	switch (b->act) {
	case ACT_RELEASE:
		return lf_tasks_admin_release(app->store, req->arena, who, id, b->comment, &tv,
					      why);
	case ACT_REQUEUE:
		return lf_tasks_requeue(app->store, req->arena, who, id, b->to, b->comment, &tv,
					why);
	case ACT_PRIORITY:
		return lf_tasks_set_priority(app->store, req->arena, who, id, b->priority, &tv,
					     why);
	case ACT_DISCARD:
		return lf_tasks_admin_discard(app->store, req->arena, who, id, b->comment, &tv,
					      why);
	case ACT__COUNT: break;
	}
	return lf_error_set(why, LF_ERR_INTERNAL, "internal", "Unknown action.");
}

int lf_api_tasks_bulk(lf_http_req *req)
{
	int ret;
	lf_principal *who;
	struct bulk b = {.to = NULL};
	int64_t project_id = lf_http_capture_id(req, 0);
	if (project_id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, project_id, &who)) != LF_OK ||
	    (ret = parse_bulk(req, &b)) != LF_OK)
		return ret;
	unsigned char *ours = lf_arena_alloc(req->arena, (size_t)b.n);
	if (ours == NULL)
		return LF_ERR_NOMEM;
	if ((ret = same_project(req, project_id, &b, ours)) != LF_OK)
		return ret;
	lf_actor actor = {.user_id = who->user.id, .is_admin = who->is_admin};
	json_t *done = json_array(), *failed = json_array();
	for (int i = 0; i < b.n; i++) {
		lf_error why = {.code = 0};
		ret = ours[i] ? apply_one(req, &actor, &b, b.ids[i], &why)
			      : lf_error_set(&why, LF_ERR_NOTFOUND, "task_not_found",
					     "No such task in this project.");
		if (ret == LF_OK)
			json_array_append_new(done, json_integer(b.ids[i]));
		else
			json_array_append_new(
			    failed, json_pack("{s:I,s:{s:s,s:s}}", "id", (json_int_t)b.ids[i],
					      "error", "code", why.reason, "message", why.message));
	}
	return lf_http_json(req, 200,
			    json_pack("{s:s,s:o,s:o}", "action", action_names[b.act], "done", done,
				      "failed", failed));
}
