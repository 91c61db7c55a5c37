/*
 * api_projects.c - projects, their policies and members.
 *
 * The rules (label config, policies, rates, currency, status, who can be
 * a member) are projects/'s; handlers parse the body into an
 * lf_project_fields (field types, lengths, required fields), authorize,
 * make one call and render.
 */
#include "api/api.h"

#include <string.h>

#include "ledger/ledger.h"
#include "projects/policy.h"
#include "projects/projects.h"
#include "tokens/tokens.h"
#include "workflow/workflow.h"

static json_t *project_json(lf_http_req *req, const lf_project *p, const int64_t *counts);
static int read_project_fields(lf_http_req *req, lf_project_fields *f, int creating);
static json_t *parse_or_empty(const char *text);
static int project_id(lf_http_req *req, lf_perm perm, lf_principal **who, int64_t *id);
static int load_project(lf_http_req *req, lf_perm perm, lf_principal **who, lf_project *p,
			int64_t *counts);

static json_t *parse_or_empty(const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	return j ? j : json_object();
}

static json_t *project_json(lf_http_req *req, const lf_project *p, const int64_t *counts)
{
	lf_policy pol;
	lf_rates rates;
	lf_policy_effective(p->policies, NULL, NULL, &pol);
	lf_rates_from_text(p->rates, &rates);
	json_t *o = json_pack(
	    "{s:I,s:s,s:s,s:s,s:s,s:s,s:i,s:o,s:o,s:o,s:s,s:s,s:s}", "id", (json_int_t)p->id,
	    "name", p->name, "description", p->description, "instructions", p->instructions,
	    "label_config", p->label_config, "currency", p->currency, "currency_exponent",
	    lf_ledger_currency_exponent(p->currency), "rates", lf_rates_json(&rates), "policies",
	    lf_policy_json(&pol), "task_types", parse_or_empty(p->task_types), "status", p->status,
	    "created_at", lf_api_time(req, p->created_at), "updated_at",
	    lf_api_time(req, p->updated_at));
	if (o != NULL && counts != NULL) {
		json_t *c = json_object();
		int64_t total = 0;
		for (int s = 0; s < LF_TS__COUNT; s++) {
			json_object_set_new(c, lf_wf_state_name((lf_task_state)s),
					    json_integer(counts[s]));
			total += counts[s];
		}
		json_object_set_new(o, "counts", c);
		json_object_set_new(o, "task_count", json_integer(total));
	}
	return o;
}

/* Reads the project fields present in the body into f (types, lengths,
 * required fields); their values are checked by projects/. */
static int read_project_fields(lf_http_req *req, lf_project_fields *f, int creating)
{
	int ret;
	memset(f, 0, sizeof(*f));
	if ((ret = lf_api_str(req, "name", creating, 200, &f->name)) != LF_OK ||
	    (ret = lf_api_str(req, "description", 0, 10000, &f->description)) != LF_OK ||
	    (ret = lf_api_str(req, "instructions", 0, 100000, &f->instructions)) != LF_OK ||
	    (ret = lf_api_str(req, "label_config", creating, 1 << 20, &f->label_config)) != LF_OK ||
	    (ret = lf_api_str(req, "currency", 0, 3, &f->currency)) != LF_OK ||
	    (ret = lf_api_str(req, "status", 0, 16, &f->status)) != LF_OK)
		return ret;
	f->policies = json_object_get(req->json, "policies");
	f->rates = json_object_get(req->json, "rates");
	f->task_types = json_object_get(req->json, "task_types");
	return LF_OK;
}

int lf_api_projects_create(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project_fields f;
	lf_project p;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_CREATE, 0, &who)) != LF_OK)
		return ret;
	if ((ret = read_project_fields(req, &f, 1)) != LF_OK)
		return ret;
	if ((ret = lf_projects_create(app->store, req->arena, who->user.id, who->user.role, &f, &p,
				      &req->error)) != LF_OK)
		return ret;
	int64_t counts[LF_TS__COUNT] = {0};
	return lf_http_json(req, 201, project_json(req, &p, counts));
}

/* The project id of the path, once the caller may act on it with perm. */
static int project_id(lf_http_req *req, lf_perm perm, lf_principal **who, int64_t *id)
{
	*id = lf_http_capture_id(req, 0);
	if (*id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	return lf_api_guard(req, perm, *id, who);
}

/* The caller's view of a project: admins see all, members theirs. */
static int load_project(lf_http_req *req, lf_perm perm, lf_principal **who, lf_project *p,
			int64_t *counts)
{
	int ret;
	lf_app *app = req->app;
	lf_tx *tx;
	int64_t id;
	if ((ret = project_id(req, perm, who, &id)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	ret = lf_store_project_get(tx, id, p);
	if (ret == LF_OK && counts != NULL) {
		const char *states[LF_TS__COUNT];
		for (int s = 0; s < LF_TS__COUNT; s++)
			states[s] = lf_wf_state_name((lf_task_state)s);
		ret = lf_store_project_state_counts(tx, id, states, LF_TS__COUNT, counts);
	}
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, "project");
	return LF_OK;
}

int lf_api_projects_get(lf_http_req *req)
{
	int ret;
	lf_principal *who;
	lf_project p;
	int64_t counts[LF_TS__COUNT];
	if ((ret = load_project(req, LF_PERM_PROJECT_READ, &who, &p, counts)) != LF_OK)
		return ret;
	return lf_http_json(req, 200, project_json(req, &p, counts));
}

int lf_api_projects_list(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	int64_t cursor = 0, limit = 50;
	lf_project *items;
	int n;
	lf_tx *tx;
	if ((ret = lf_api_guard(req, LF_PERM_SELF, 0, &who)) != LF_OK)
		return ret;
	if ((ret = lf_api_qint(req, "cursor", 0, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 500, &limit)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	/* An admin's token of role admin limited to projects is an admin in
	 * them: it lists them whether or not its user is a member. */
	int all = who->is_admin || (who->token != NULL && strcmp(who->user.role, "admin") == 0 &&
				    strcmp(who->token->role, "admin") == 0);
	ret = lf_store_project_list(tx, all ? 0 : who->user.id, cursor, (int)limit + 1, &items, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	/* An API token limited to projects lists only those: a page may come
	 * out short, the cursor still being the last project read. */
	json_t *arr = json_array();
	for (int i = 0; i < n && i < limit; i++)
		if (who->token == NULL ||
		    lf_tokens_allows_project(who->token->project_ids, items[i].id))
			json_array_append_new(arr, project_json(req, &items[i], NULL));
	const char *next = lf_api_next_cursor(req, n, limit, n > limit ? items[limit - 1].id : 0);
	return lf_api_list(req, arr, next);
}

int lf_api_projects_patch(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project_fields f;
	lf_project p;
	int64_t id;
	if ((ret = project_id(req, LF_PERM_PROJECT_MANAGE, &who, &id)) != LF_OK)
		return ret;
	if ((ret = read_project_fields(req, &f, 0)) != LF_OK)
		return ret;
	json_t *sent = json_array();
	const char *key;
	json_t *v;
	json_object_foreach(req->json, key, v) json_array_append_new(sent, json_string(key));
	f.sent = sent;
	ret = lf_projects_update(app->store, req->arena, who->user.id, who->user.role, id, &f, &p,
				 &req->error);
	json_decref(sent);
	if (ret != LF_OK)
		return ret;
	return lf_api_projects_get(req);
}

int lf_api_members_list(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	lf_member *items;
	int n, people = 0;
	int64_t cursor = 0, limit = 100, last = 0;
	lf_tx *tx;
	if ((ret = load_project(req, LF_PERM_PROJECT_READ, &who, &p, NULL)) != LF_OK)
		return ret;
	if ((ret = lf_api_qint(req, "cursor", 0, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 500, &limit)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	/* One extra person tells whether another page exists. */
	ret = lf_store_member_list(tx, p.id, cursor, (int)limit + 1, &items, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	/* One entry per person with the list of their roles. Members see
	 * each other's names (who reviewed, who sent back); contact data is
	 * for the people who manage the project only. */
	int manager = who->is_admin;
	json_t *arr = json_array();
	json_t *cur = NULL;
	for (int i = 0; i < n; i++) {
		if (cur == NULL ||
		    json_integer_value(json_object_get(cur, "user_id")) != items[i].user_id) {
			if (++people > limit)
				break;
			last = items[i].user_id;
			cur = json_pack("{s:I,s:s,s:[]}", "user_id", (json_int_t)items[i].user_id,
					"name", items[i].name, "roles");
			if (manager)
				json_object_set_new(cur, "email", json_string(items[i].email));
			json_array_append_new(arr, cur);
		}
		json_array_append_new(json_object_get(cur, "roles"), json_string(items[i].role));
	}
	return lf_api_list(req, arr, lf_api_next_cursor(req, people, limit, last));
}

/*
 * PUT sets a person's roles in the project to exactly the given set:
 * {"role": "annotator"} or {"roles": ["annotator", "reviewer"]}.
 */
int lf_api_members_put(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	int64_t id;
	const char *role = NULL;
	const char *roles[3];
	int nroles = 0;
	if ((ret = project_id(req, LF_PERM_PROJECT_MANAGE, &who, &id)) != LF_OK)
		return ret;
	int64_t user_id = lf_http_capture_id(req, 1);
	if ((ret = lf_api_str(req, "role", 0, 32, &role)) != LF_OK)
		return ret;
	json_t *arr = json_object_get(req->json, "roles");
	if (role != NULL)
		roles[nroles++] = role;
	if (arr != NULL) {
		size_t i;
		json_t *v;
		if (!json_is_array(arr) || role != NULL)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_member",
					    "Give either role (a string) or roles (an array).");
		json_array_foreach(arr, i, v)
		{
			if (!json_is_string(v) || nroles == 3)
				return lf_http_fail(req, LF_ERR_INVALID, "invalid_member",
						    "roles holds at most annotator, reviewer,"
						    " super_reviewer.");
			roles[nroles++] = json_string_value(v);
		}
	}
	if (nroles == 0)
		return lf_http_fail(req, LF_ERR_INVALID, "missing_field",
				    "The field \"role\" is required.");
	if ((ret = lf_projects_member_set(app->store, req->arena, who->user.id, who->user.role, id,
					  user_id, roles, nroles, &req->error)) != LF_OK)
		return ret;
	json_t *granted = json_array();
	for (int i = 0; i < nroles; i++)
		json_array_append_new(granted, json_string(roles[i]));
	return lf_http_json(req, 200,
			    json_pack("{s:I,s:I,s:o}", "project_id", (json_int_t)id, "user_id",
				      (json_int_t)user_id, "roles", granted));
}

int lf_api_members_delete(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	int64_t id;
	if ((ret = project_id(req, LF_PERM_PROJECT_MANAGE, &who, &id)) != LF_OK)
		return ret;
	int64_t user_id = lf_http_capture_id(req, 1);
	if ((ret = lf_projects_member_remove(app->store, req->arena, who->user.id, who->user.role,
					     id, user_id, &req->error)) != LF_OK)
		return ret;
	return lf_http_empty(req, 204);
}
