/*
 * api_tokens.c - personal access tokens: a user creates, lists and
 * revokes their own; an admin revokes anyone's (tokens/tokens.h).
 */
#include "api/api.h"

#include "tokens/tokens.h"

static json_t *token_json(lf_http_req *req, const lf_api_token *t);
static int project_ids(lf_http_req *req, const char **out);

static json_t *token_json(lf_http_req *req, const lf_api_token *t)
{
	json_t *projects = t->project_ids != NULL ? json_loads(t->project_ids, 0, NULL) : NULL;
	return json_pack("{s:I,s:s,s:s,s:s,s:o?,s:s?,s:s,s:s?}", "id", (json_int_t)t->id, "name",
			 t->name, "prefix", t->prefix, "role", t->role, "project_ids", projects,
			 "expires_at", t->expires_at ? lf_api_time(req, t->expires_at) : NULL,
			 "created_at", lf_api_time(req, t->created_at), "last_used_at",
			 t->last_used_at ? lf_api_time(req, t->last_used_at) : NULL);
}

/* project_ids: absent or null for every project, else 1 to
 * LF_PAT_MAX_PROJECTS positive ids; *out gets them as compact JSON. */
static int project_ids(lf_http_req *req, const char **out)
{
	json_t *v = json_object_get(req->json, "project_ids");
	size_t i;
	json_t *id;
	if (v == NULL || json_is_null(v))
		return LF_OK;
	int ok = json_is_array(v) && json_array_size(v) >= 1 &&
		 json_array_size(v) <= LF_PAT_MAX_PROJECTS;
	json_array_foreach(v, i, id)
	{
		ok = ok && json_is_integer(id) && json_integer_value(id) > 0;
	}
	if (!ok)
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
				    "The field \"project_ids\" must be null or an array of 1 to %d"
				    " project ids.",
				    LF_PAT_MAX_PROJECTS);
	size_t n = json_dumpb(v, NULL, 0, JSON_COMPACT);
	char *text = n != 0 ? lf_arena_alloc(req->arena, n + 1) : NULL;
	if (text == NULL || json_dumpb(v, text, n, JSON_COMPACT) != n)
		return LF_ERR_NOMEM;
	text[n] = '\0';
	*out = text;
	return LF_OK;
}

/* A token cannot make tokens: one that leaks must not mint more, nor
 * outlive its own revocation through a copy. */
int lf_api_tokens_create(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *p;
	lf_token_spec spec = {.name = NULL};
	lf_api_token t;
	char token[LF_PAT_SIZE];
	int64_t days = 0;
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_SELF, 0, &p)) != LF_OK)
		return ret;
	if (p->token != NULL)
		return lf_http_fail(
		    req, LF_ERR_FORBIDDEN, "token_not_allowed",
		    "API tokens are created from a login session, not with a token.");
	if ((ret = lf_api_str(req, "name", 1, 200, &spec.name)) != LF_OK ||
	    (ret = lf_api_str(req, "role", 0, 32, &spec.role)) != LF_OK ||
	    (ret = lf_api_int(req, "expires_in_days", 0, 1, 3650, &days)) != LF_OK ||
	    (ret = project_ids(req, &spec.project_ids)) != LF_OK)
		return ret;
	if (spec.name[0] == '\0')
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
				    "The field \"name\" must not be empty.");
	if (days != 0)
		spec.expires_at = lf_now_ms() + days * 86400 * 1000;
	if ((ret = lf_tokens_create(app->store, req->arena, &p->user, &spec, &t, token,
				    &req->error)) != LF_OK)
		return ret;
	json_t *body = token_json(req, &t);
	ret = body != NULL ? json_object_set_new(body, "token", json_string(token)) : -1;
	sodium_memzero(token, sizeof(token));
	if (ret != 0) {
		json_decref(body);
		return LF_ERR_NOMEM;
	}
	return lf_http_json(req, 201, body);
}

int lf_api_tokens_list(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *p;
	lf_api_token *items;
	lf_tx *tx;
	int n, ret;
	if ((ret = lf_api_guard(req, LF_PERM_SELF, 0, &p)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_token_list(tx, p->user.id, &items, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *arr = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(arr, token_json(req, &items[i]));
	return lf_api_list(req, arr, NULL);
}

/* Someone else's token is a 404, as a missing one. */
int lf_api_tokens_revoke(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *p;
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_SELF, 0, &p)) != LF_OK)
		return ret;
	if ((ret = lf_tokens_revoke(app->store, p->user.id, p->user.role, p->user.id,
				    lf_http_capture_id(req, 0), &req->error)) != LF_OK)
		return ret;
	return lf_http_empty(req, 204);
}

int lf_api_user_tokens_revoke(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *p;
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_USERS_MANAGE, 0, &p)) != LF_OK)
		return ret;
	if ((ret =
		 lf_tokens_revoke(app->store, p->user.id, p->user.role, lf_http_capture_id(req, 0),
				  lf_http_capture_id(req, 1), &req->error)) != LF_OK)
		return ret;
	return lf_http_empty(req, 204);
}
