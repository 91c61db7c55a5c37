/*
 * api_users.c - user administration.
 */
#include "api/api.h"

#include "users/users.h"

int lf_api_users_create(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *p;
	const char *email, *name, *password, *role;
	int64_t id = 0;
	lf_tx *tx = NULL;
	lf_user u;
	if ((ret = lf_api_guard(req, LF_PERM_USERS_MANAGE, 0, &p)) != LF_OK)
		return ret;
	if ((ret = lf_api_str(req, "email", 1, 254, &email)) != LF_OK ||
	    (ret = lf_api_str(req, "name", 1, 200, &name)) != LF_OK ||
	    (ret = lf_api_str(req, "password", 1, LF_PASSWORD_MAX, &password)) != LF_OK ||
	    (ret = lf_api_str(req, "role", 1, 32, &role)) != LF_OK)
		return ret;
	if ((ret = lf_users_create(app->store, p->user.id, p->user.role, email, name, role,
				   password, &id, &req->error)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_user_get(tx, id, &u);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	return lf_http_json(req, 201, lf_api_user_json(req, &u));
}

int lf_api_users_list(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *p;
	int64_t cursor = 0, limit = 50;
	lf_user *items;
	int n;
	lf_tx *tx;
	if ((ret = lf_api_guard(req, LF_PERM_USERS_MANAGE, 0, &p)) != LF_OK)
		return ret;
	if ((ret = lf_api_qint(req, "cursor", 0, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 500, &limit)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	/* One extra row tells whether another page exists. */
	ret = lf_store_user_list(tx, cursor, (int)limit + 1, &items, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *arr = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(arr, lf_api_user_json(req, &items[i]));
	const char *next = lf_api_next_cursor(req, n, limit, n > limit ? items[limit - 1].id : 0);
	return lf_api_list(req, arr, next);
}

/* PATCH: the rules (who may change what, sessions ended) are
 * lf_users_update's. */
int lf_api_users_patch(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *p;
	lf_user_patch patch = {.active = -1};
	lf_user after;
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_USERS_MANAGE, 0, &p)) != LF_OK)
		return ret;
	int64_t id = lf_http_capture_id(req, 0);
	if (id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such user.");
	if ((ret = lf_api_str(req, "name", 0, 200, &patch.name)) != LF_OK ||
	    (ret = lf_api_str(req, "role", 0, 32, &patch.role)) != LF_OK ||
	    (ret = lf_api_str(req, "password", 0, LF_PASSWORD_MAX, &patch.password)) != LF_OK ||
	    (ret = lf_api_bool(req, "active", 0, &patch.active)) != LF_OK)
		return ret;
	if ((ret = lf_users_update(app->store, req->arena, p->user.id, p->user.role, id, &patch,
				   &after, &req->error)) != LF_OK)
		return ret;
	return lf_http_json(req, 200, lf_api_user_json(req, &after));
}
