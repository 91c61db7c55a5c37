/*
 * api_projects.c - projects, their policies and members.
 */
#include "api/api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "labelcfg/labelcfg.h"
#include "ledger/ledger.h"
#include "projects/policy.h"
#include "workflow/workflow.h"

static json_t *project_json(lf_http_req *req, const lf_project *p, const int64_t *counts);
static int read_project_fields(lf_http_req *req, lf_project *p, int creating);
static int audit_project(lf_tx *tx, const lf_principal *who, const char *action, int64_t project_id,
			 json_t *details);
static json_t *parse_or_empty(const char *text);
static int load_project(lf_http_req *req, lf_perm perm, lf_principal **who, lf_project *p,
			int64_t *counts);
static const char *dump(lf_http_req *req, json_t *j);

/* Compact JSON text of j in the request arena; releases j. */
static const char *dump(lf_http_req *req, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	const char *out = text ? lf_arena_strdup(req->arena, text) : NULL;
	free(text);
	json_decref(j);
	return out;
}

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

/*
 * Reads and validates the project fields present in the body into p (which
 * holds the current values when updating). Sets the error response and
 * returns LF_ERR_INVALID on bad input.
 */
static int read_project_fields(lf_http_req *req, lf_project *p, int creating)
{
	int ret;
	const char *name = NULL, *desc = NULL, *instr = NULL, *xml = NULL, *currency = NULL,
		   *status = NULL;
	char err[256];
	if ((ret = lf_api_str(req, "name", creating, 200, &name)) != LF_OK ||
	    (ret = lf_api_str(req, "description", 0, 10000, &desc)) != LF_OK ||
	    (ret = lf_api_str(req, "instructions", 0, 100000, &instr)) != LF_OK ||
	    (ret = lf_api_str(req, "label_config", creating, 1 << 20, &xml)) != LF_OK ||
	    (ret = lf_api_str(req, "currency", 0, 3, &currency)) != LF_OK ||
	    (ret = lf_api_str(req, "status", 0, 16, &status)) != LF_OK)
		return ret;
	if (name != NULL && name[0] == '\0')
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_project",
				    "name must not be empty.");
	if (xml != NULL) {
		lf_labelcfg *cfg = NULL;
		if (lf_labelcfg_parse(xml, strlen(xml), &cfg, err, sizeof(err)) != LF_OK)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_label_config", "%s", err);
		lf_labelcfg_free(cfg);
		p->label_config = xml;
	}
	if (currency != NULL) {
		if (strlen(currency) != 3 || !isupper((unsigned char)currency[0]) ||
		    !isupper((unsigned char)currency[1]) || !isupper((unsigned char)currency[2]))
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_project",
					    "currency must be an ISO 4217 code such as USD.");
		p->currency = currency;
	}
	if (status != NULL) {
		if (strcmp(status, "active") != 0 && strcmp(status, "closed") != 0)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_project",
					    "status must be active or closed.");
		p->status = status;
	}
	json_t *jp = json_object_get(req->json, "policies");
	if (jp != NULL) {
		lf_policy pol;
		lf_policy_effective(p->policies, NULL, NULL, &pol);
		if (lf_policy_apply(&pol, jp, err, sizeof(err)) != LF_OK)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_policy", "%s.", err);
		/* Store the whole effective policy so later default changes do not
		 * silently alter a running project. */
		p->policies = dump(req, lf_policy_json(&pol));
	}
	json_t *jr = json_object_get(req->json, "rates");
	if (jr != NULL) {
		lf_rates r;
		lf_rates_from_text(p->rates, &r);
		if (lf_rates_parse(jr, &r, err, sizeof(err)) != LF_OK)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_rates", "%s.", err);
		p->rates = dump(req, lf_rates_json(&r));
	}
	json_t *jt = json_object_get(req->json, "task_types");
	if (jt != NULL) {
		if (lf_policy_check_task_types(jt, err, sizeof(err)) != LF_OK)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_policy", "%s.", err);
		p->task_types = dump(req, json_incref(jt));
	}
	if (name != NULL)
		p->name = name;
	if (desc != NULL)
		p->description = desc;
	if (instr != NULL)
		p->instructions = instr;
	return LF_OK;
}

/* Appends a project audit record; details is stolen. */
static int audit_project(lf_tx *tx, const lf_principal *who, const char *action, int64_t project_id,
			 json_t *details)
{
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)project_id);
	lf_audit_event ev = {.actor_id = who->user.id,
			     .actor_role = who->user.role,
			     .action = action,
			     .entity_type = "project",
			     .entity_id = id,
			     .project_id = project_id,
			     .details = details};
	int ret = details != NULL ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(details);
	return ret;
}

int lf_api_projects_create(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_tx *tx = NULL;
	int64_t id = 0;
	lf_project p = {.description = "",
			.instructions = "",
			.currency = "USD",
			.policies = "{}",
			.rates = "{}",
			.task_types = "{}",
			.status = "active"};
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_CREATE, 0, &who)) != LF_OK)
		return ret;
	if ((ret = read_project_fields(req, &p, 1)) != LF_OK)
		return ret;
	p.created_by = who->user.id;
	p.created_at = p.updated_at = lf_now_ms();
	ret = lf_store_begin(app->store, 1, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	if ((ret = lf_store_project_insert(tx, &p, &id)) != LF_OK ||
	    (ret = audit_project(tx, who, "project.create", id,
				 json_pack("{s:s,s:s}", "name", p.name, "currency", p.currency))) !=
		LF_OK)
		goto cleanup;
	ret = lf_store_commit(tx);
	tx = NULL;
	if (ret != LF_OK)
		goto cleanup;
	p.id = id;
	int64_t counts[LF_TS__COUNT] = {0};
	ret = lf_http_json(req, 201, project_json(req, &p, counts));
cleanup:
	lf_store_rollback(tx);
	return ret;
}

/* The caller's view of a project: admins see all, members theirs. */
static int load_project(lf_http_req *req, lf_perm perm, lf_principal **who, lf_project *p,
			int64_t *counts)
{
	int ret;
	lf_app *app = req->app;
	lf_tx *tx;
	int64_t id = lf_http_capture_id(req, 0);
	if (id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	if ((ret = lf_api_guard(req, perm, id, who)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, 0, req->arena, &tx);
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
	ret = lf_store_begin(app->store, 0, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_project_list(tx, who->is_admin ? 0 : who->user.id, cursor, (int)limit + 1,
				    &items, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *arr = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(arr, project_json(req, &items[i], NULL));
	const char *next = lf_api_next_cursor(req, n, limit, n > limit ? items[limit - 1].id : 0);
	return lf_api_list(req, arr, next);
}

int lf_api_projects_patch(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	lf_tx *tx = NULL;
	if ((ret = load_project(req, LF_PERM_PROJECT_MANAGE, &who, &p, NULL)) != LF_OK)
		return ret;
	const char *old_currency = p.currency;
	if ((ret = read_project_fields(req, &p, 0)) != LF_OK)
		return ret;
	p.updated_at = lf_now_ms();
	json_t *changed = json_array();
	const char *key;
	json_t *v;
	json_object_foreach(req->json, key, v) json_array_append_new(changed, json_string(key));
	json_t *details = json_pack("{s:o}", "changed", changed);
	ret = lf_store_begin(app->store, 1, req->arena, &tx);
	int has_money = 0;
	/* Money already moved in the old currency: changing it would make
	 * every balance lie. */
	if (ret == LF_OK && strcmp(old_currency, p.currency) != 0 &&
	    (ret = lf_store_project_has_ledger(tx, p.id, &has_money)) == LF_OK && has_money) {
		json_decref(details);
		lf_store_rollback(tx);
		return lf_http_fail(req, LF_ERR_CONFLICT, "currency_locked",
				    "The project's currency cannot change once money has moved.");
	}
	if (ret == LF_OK)
		ret = lf_store_project_update(tx, &p);
	if (ret == LF_OK) {
		ret = audit_project(tx, who, "project.update", p.id, details);
		details = NULL;
	}
	json_decref(details);
	if (ret != LF_OK)
		goto cleanup;
	ret = lf_store_commit(tx);
	tx = NULL;
	if (ret == LF_OK)
		ret = lf_api_projects_get(req);
cleanup:
	lf_store_rollback(tx);
	return ret;
}

int lf_api_members_list(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	lf_member *items;
	int n;
	lf_tx *tx;
	if ((ret = load_project(req, LF_PERM_PROJECT_READ, &who, &p, NULL)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, 0, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_member_list(tx, p.id, &items, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	/* One entry per person with the list of their roles. */
	json_t *arr = json_array();
	json_t *cur = NULL;
	for (int i = 0; i < n; i++) {
		if (cur == NULL ||
		    json_integer_value(json_object_get(cur, "user_id")) != items[i].user_id) {
			cur =
			    json_pack("{s:I,s:s,s:s,s:[]}", "user_id", (json_int_t)items[i].user_id,
				      "email", items[i].email, "name", items[i].name, "roles");
			json_array_append_new(arr, cur);
		}
		json_array_append_new(json_object_get(cur, "roles"), json_string(items[i].role));
	}
	return lf_api_list(req, arr, NULL);
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
	lf_project p;
	lf_user u;
	lf_tx *tx = NULL;
	const char *role = NULL;
	const char *roles[3];
	int nroles = 0;
	if ((ret = load_project(req, LF_PERM_PROJECT_MANAGE, &who, &p, NULL)) != LF_OK)
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
	for (int i = 0; i < nroles; i++)
		if (lf_authz_prole_parse(roles[i]) == 0)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_member",
					    "A project role is annotator, reviewer or"
					    " super_reviewer, not \"%s\".",
					    roles[i]);
	ret = lf_store_begin(app->store, 1, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	if (user_id == 0 || lf_store_user_get(tx, user_id, &u) != LF_OK || !u.active) {
		lf_store_rollback(tx);
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such active user.");
	}
	int64_t now = lf_now_ms(), removed = 0;
	json_t *granted = json_array();
	if ((ret = lf_store_member_remove(tx, p.id, user_id, NULL, &removed)) != LF_OK)
		goto cleanup;
	for (int i = 0; i < nroles; i++) {
		if ((ret = lf_store_member_add(tx, p.id, user_id, roles[i], now)) != LF_OK)
			goto cleanup;
		json_array_append_new(granted, json_string(roles[i]));
	}
	ret =
	    audit_project(tx, who, "member.set", p.id,
			  json_pack("{s:I,s:O}", "user_id", (json_int_t)user_id, "roles", granted));
	if (ret != LF_OK)
		goto cleanup;
	ret = lf_store_commit(tx);
	tx = NULL;
	if (ret == LF_OK)
		ret = lf_http_json(req, 200,
				   json_pack("{s:I,s:I,s:O}", "project_id", (json_int_t)p.id,
					     "user_id", (json_int_t)user_id, "roles", granted));
cleanup:
	json_decref(granted);
	lf_store_rollback(tx);
	return ret;
}

int lf_api_members_delete(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	lf_tx *tx = NULL;
	int64_t removed = 0;
	if ((ret = load_project(req, LF_PERM_PROJECT_MANAGE, &who, &p, NULL)) != LF_OK)
		return ret;
	int64_t user_id = lf_http_capture_id(req, 1);
	ret = lf_store_begin(app->store, 1, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	if ((ret = lf_store_member_remove(tx, p.id, user_id, NULL, &removed)) != LF_OK)
		goto cleanup;
	if (removed == 0) {
		lf_store_rollback(tx);
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found",
				    "That user is not a member.");
	}
	if ((ret = audit_project(tx, who, "member.remove", p.id,
				 json_pack("{s:I}", "user_id", (json_int_t)user_id))) != LF_OK)
		goto cleanup;
	ret = lf_store_commit(tx);
	tx = NULL;
	if (ret == LF_OK)
		ret = lf_http_empty(req, 204);
cleanup:
	lf_store_rollback(tx);
	return ret;
}
