/*
 * api_users.c - user administration.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "users/users.h"

int lf_api_users_create(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *p;
	const char *email, *name, *password, *role;
	char err[200];
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
	ret = lf_users_create(app->store, p->user.id, p->user.role, email, name, role, password,
			      &id, err, sizeof(err));
	if (ret == LF_ERR_INVALID)
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_user", "%s.", err);
	if (ret == LF_ERR_CONFLICT)
		return lf_http_fail(req, LF_ERR_CONFLICT, "email_taken", "%s.", err);
	if (ret != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, 0, req->arena, &tx)) != LF_OK)
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
	ret = lf_store_begin(app->store, 0, req->arena, &tx);
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

/*
 * Changes name, role, active or password. Deactivation and password
 * changes end the user's sessions at once. An admin cannot demote or
 * deactivate themselves, so the last admin cannot lock everyone out.
 */
int lf_api_users_patch(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *p;
	const char *name = NULL, *role = NULL, *password = NULL;
	char hash[LF_PASSWORD_HASH_MAX], idbuf[32];
	int active = -1;
	lf_user before, after;
	lf_tx *tx = NULL;
	json_t *details = NULL;
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_USERS_MANAGE, 0, &p)) != LF_OK)
		return ret;
	int64_t id = lf_http_capture_id(req, 0);
	if (id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such user.");
	if ((ret = lf_api_str(req, "name", 0, 200, &name)) != LF_OK ||
	    (ret = lf_api_str(req, "role", 0, 32, &role)) != LF_OK ||
	    (ret = lf_api_str(req, "password", 0, LF_PASSWORD_MAX, &password)) != LF_OK ||
	    (ret = lf_api_bool(req, "active", 0, &active)) != LF_OK)
		return ret;
	if (name != NULL && name[0] == '\0')
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_user", "name must not be empty.");
	if (role != NULL && !lf_authz_global_role_valid(role))
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_user",
				    "role must be one of admin, annotator, reviewer,"
				    " super_reviewer.");
	if (id == p->user.id && (active == 0 || (role != NULL && strcmp(role, "admin") != 0)))
		return lf_http_fail(req, LF_ERR_CONFLICT, "cannot_demote_self",
				    "You cannot deactivate or demote your own account.");
	if (password != NULL && lf_password_hash(password, hash) != LF_OK)
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_user",
				    "password must be 8 to 1024 characters.");
	if ((ret = lf_store_begin(app->store, 1, req->arena, &tx)) != LF_OK)
		return ret;
	if ((ret = lf_store_user_get(tx, id, &before)) != LF_OK) {
		lf_store_rollback(tx);
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such user.");
	}
	int64_t now = lf_now_ms();
	if ((ret = lf_store_user_update(tx, id, name, role, active, password != NULL ? hash : NULL,
					now)) != LF_OK ||
	    (ret = lf_store_user_get(tx, id, &after)) != LF_OK)
		goto cleanup;
	if ((active == 0 || password != NULL) &&
	    (ret = lf_store_session_revoke_user(
		 tx, id, now, active == 0 ? "deactivated" : "password changed")) != LF_OK)
		goto cleanup;
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	details = json_pack("{s:{s:s,s:s,s:b},s:{s:s,s:s,s:b},s:b}", "before", "name", before.name,
			    "role", before.role, "active", before.active, "after", "name",
			    after.name, "role", after.role, "active", after.active,
			    "password_changed", password != NULL);
	lf_audit_event ev = {.actor_id = p->user.id,
			     .actor_role = p->user.role,
			     .action = "user.update",
			     .entity_type = "user",
			     .entity_id = idbuf,
			     .from_state = before.active ? "active" : "inactive",
			     .to_state = after.active ? "active" : "inactive",
			     .details = details};
	if (details == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if ((ret = lf_audit_append(tx, &ev, NULL)) != LF_OK)
		goto cleanup;
	ret = lf_store_commit(tx);
	tx = NULL;
	if (ret == LF_OK)
		ret = lf_http_json(req, 200, lf_api_user_json(req, &after));
cleanup:
	lf_store_rollback(tx);
	json_decref(details);
	sodium_memzero(hash, sizeof(hash));
	return ret;
}
