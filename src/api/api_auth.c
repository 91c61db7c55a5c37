/*
 * api_auth.c - login, refresh-token rotation, logout and /me.
 *
 * A login opens a session (a refresh-token family). Each refresh uses up
 * its token and issues the next one; presenting a used token again means
 * it was copied, so the whole family is revoked (OAuth 2.0 Security BCP,
 * refresh token rotation). Access tokens carry the session id and stop
 * working as soon as the session is revoked.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"

static int issue_tokens(lf_http_req *req, const lf_user *u, const char *sid, const char *refresh);
static int rate_limited(lf_http_req *req, lf_ratelimit *rl, const char *key);
static int audit_auth(lf_tx *tx, const lf_user *u, const char *action, const char *sid,
		      const char *ip);

static int rate_limited(lf_http_req *req, lf_ratelimit *rl, const char *key)
{
	int64_t retry_ms = 0;
	if (lf_ratelimit_take(rl, key, lf_now_ms(), &retry_ms) == LF_OK)
		return LF_OK;
	int64_t secs = (retry_ms + 999) / 1000;
	req->retry_after = lf_arena_printf(req->arena, "%lld", (long long)(secs > 0 ? secs : 1));
	return lf_http_fail(req, LF_ERR_LIMIT, "rate_limited",
			    "Too many attempts; try again in %lld seconds.",
			    (long long)(secs > 0 ? secs : 1));
}

static int audit_auth(lf_tx *tx, const lf_user *u, const char *action, const char *sid,
		      const char *ip)
{
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)u->id);
	json_t *d = json_pack("{s:s?,s:s}", "session", sid, "ip", ip);
	lf_audit_event ev = {.actor_id = u->id,
			     .actor_role = u->role,
			     .action = action,
			     .entity_type = "user",
			     .entity_id = id,
			     .details = d};
	int ret = d != NULL ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(d);
	return ret;
}

/* Signs an access token for u in session sid and renders the login/refresh
 * response. */
static int issue_tokens(lf_http_req *req, const lf_user *u, const char *sid, const char *refresh)
{
	lf_app *app = req->app;
	lf_jwt_claims c;
	char jwt[LF_JWT_MAX];
	memset(&c, 0, sizeof(c));
	c.sub = u->id;
	snprintf(c.role, sizeof(c.role), "%s", u->role);
	snprintf(c.sid, sizeof(c.sid), "%s", sid);
	lf_token_id(c.jti, sizeof(c.jti));
	c.iat = lf_now_ms() / 1000;
	c.exp = c.iat + app->access_ttl_s;
	int ret = lf_jwt_sign(app->jwt_key, &c, jwt, sizeof(jwt));
	if (ret != LF_OK)
		return ret;
	json_t *body =
	    json_pack("{s:s,s:s,s:s,s:i,s:i,s:o}", "access_token", jwt, "token_type", "Bearer",
		      "refresh_token", refresh, "expires_in", app->access_ttl_s,
		      "refresh_expires_in", app->refresh_ttl_s, "user", lf_api_user_json(req, u));
	return body != NULL ? lf_http_json(req, 200, body) : LF_ERR_NOMEM;
}

int lf_api_login(lf_http_req *req)
{
	lf_app *app = req->app;
	const char *email, *password, *hash = NULL;
	char sid[LF_TOKEN_ID_SIZE], refresh[LF_TOKEN_SIZE], refresh_hash[LF_TOKEN_HASH_SIZE];
	lf_user u;
	lf_tx *tx = NULL;
	int ret;
	if ((ret = lf_api_str(req, "email", 1, 254, &email)) != LF_OK ||
	    (ret = lf_api_str(req, "password", 1, LF_PASSWORD_MAX, &password)) != LF_OK)
		return ret;
	if ((ret = rate_limited(req, app->rl_ip,
				lf_arena_printf(req->arena, "ip:%s", req->client_ip))) != LF_OK)
		return ret;
	const char *acct = lf_arena_printf(req->arena, "acct:%s", email);
	for (char *p = (char *)acct; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if ((ret = rate_limited(req, app->rl_account, acct)) != LF_OK)
		return ret;

	if ((ret = lf_store_begin(app->store, 0, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_user_by_email(tx, email, &u, &hash);
	lf_store_rollback(tx);
	tx = NULL;
	if (ret == LF_ERR_NOTFOUND) {
		/* Spend the time a real verify would, so response time does
		 * not reveal which emails have accounts. */
		lf_password_burn(password);
		return lf_http_fail(req, LF_ERR_AUTH, "invalid_credentials",
				    "The email or password is wrong.");
	}
	if (ret != LF_OK)
		return ret;
	if (lf_password_verify(hash, password) != LF_OK || !u.active) {
		if ((ret = lf_store_begin(app->store, 1, req->arena, &tx)) != LF_OK)
			return ret;
		if ((ret = audit_auth(tx, &u, "auth.login_failed", NULL, req->client_ip)) != LF_OK)
			goto cleanup;
		ret = lf_store_commit(tx);
		tx = NULL;
		if (ret != LF_OK)
			goto cleanup;
		return lf_http_fail(req, LF_ERR_AUTH, "invalid_credentials",
				    u.active ? "The email or password is wrong."
					     : "This account is disabled.");
	}
	lf_ratelimit_reset(app->rl_account, acct);

	int64_t now = lf_now_ms();
	lf_token_id(sid, sizeof(sid));
	if ((ret = lf_token_new(refresh, sizeof(refresh))) != LF_OK)
		goto cleanup;
	lf_token_hash(refresh, refresh_hash);
	if ((ret = lf_store_begin(app->store, 1, req->arena, &tx)) != LF_OK)
		goto cleanup;
	int64_t expires = now + (int64_t)app->refresh_ttl_s * 1000;
	if ((ret = lf_store_session_insert(tx, sid, u.id, now, expires)) != LF_OK ||
	    (ret = lf_store_refresh_insert(tx, refresh_hash, sid, now, expires)) != LF_OK ||
	    (ret = audit_auth(tx, &u, "auth.login", sid, req->client_ip)) != LF_OK)
		goto cleanup;
	ret = lf_store_commit(tx);
	tx = NULL;
	if (ret == LF_OK)
		ret = issue_tokens(req, &u, sid, refresh);
cleanup:
	lf_store_rollback(tx);
	sodium_memzero(refresh, sizeof(refresh));
	return ret;
}

int lf_api_refresh(lf_http_req *req)
{
	lf_app *app = req->app;
	const char *token;
	char refresh[LF_TOKEN_SIZE], old_hash[LF_TOKEN_HASH_SIZE], new_hash[LF_TOKEN_HASH_SIZE];
	lf_refresh rt;
	lf_user u;
	lf_tx *tx = NULL;
	int ret;
	if ((ret = lf_api_str(req, "refresh_token", 1, 256, &token)) != LF_OK)
		return ret;
	if ((ret = rate_limited(req, app->rl_ip,
				lf_arena_printf(req->arena, "ip:%s", req->client_ip))) != LF_OK)
		return ret;
	lf_token_hash(token, old_hash);
	int64_t now = lf_now_ms();
	if ((ret = lf_store_begin(app->store, 1, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_refresh_take(tx, old_hash, now, &rt);
	if (ret == LF_ERR_NOTFOUND) {
		lf_store_rollback(tx);
		return lf_http_fail(req, LF_ERR_AUTH, "invalid_refresh_token",
				    "The refresh token is not valid.");
	}
	if (ret != LF_OK)
		goto cleanup;
	if ((ret = lf_store_user_get(tx, rt.user_id, &u)) != LF_OK)
		goto cleanup;
	if (rt.used) {
		/* Replay of a rotated token: someone else holds a copy. End the
		 * whole family so neither copy works any more. */
		if ((ret = lf_store_session_revoke(tx, rt.sid, now, "refresh token reuse")) !=
			LF_OK ||
		    (ret = audit_auth(tx, &u, "auth.refresh_reuse", rt.sid, req->client_ip)) !=
			LF_OK)
			goto cleanup;
		if ((ret = lf_store_commit(tx)) != LF_OK) {
			tx = NULL;
			goto cleanup;
		}
		return lf_http_fail(req, LF_ERR_AUTH, "refresh_token_reused",
				    "This refresh token was already used; the session has been"
				    " ended. Log in again.");
	}
	if (rt.revoked || rt.expired || !u.active) {
		lf_store_rollback(tx);
		return lf_http_fail(req, LF_ERR_AUTH, "invalid_refresh_token",
				    "The session has ended. Log in again.");
	}
	if ((ret = lf_token_new(refresh, sizeof(refresh))) != LF_OK)
		goto cleanup;
	lf_token_hash(refresh, new_hash);
	int64_t expires = now + (int64_t)app->refresh_ttl_s * 1000;
	if ((ret = lf_store_refresh_insert(tx, new_hash, rt.sid, now, expires)) != LF_OK ||
	    (ret = audit_auth(tx, &u, "auth.refresh", rt.sid, req->client_ip)) != LF_OK)
		goto cleanup;
	ret = lf_store_commit(tx);
	tx = NULL;
	if (ret == LF_OK)
		ret = issue_tokens(req, &u, rt.sid, refresh);
cleanup:
	lf_store_rollback(tx);
	return ret;
}

int lf_api_logout(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *p;
	lf_tx *tx = NULL;
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_SELF, 0, &p)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, 1, req->arena, &tx)) != LF_OK)
		return ret;
	if ((ret = lf_store_session_revoke(tx, p->sid, lf_now_ms(), "logout")) != LF_OK ||
	    (ret = audit_auth(tx, &p->user, "auth.logout", p->sid, req->client_ip)) != LF_OK) {
		lf_store_rollback(tx);
		return ret;
	}
	if ((ret = lf_store_commit(tx)) != LF_OK)
		return ret;
	return lf_http_empty(req, 204);
}

int lf_api_me(lf_http_req *req)
{
	int ret;
	lf_principal *p;
	if ((ret = lf_api_guard(req, LF_PERM_SELF, 0, &p)) != LF_OK)
		return ret;
	json_t *u = lf_api_user_json(req, &p->user);
	return u != NULL ? lf_http_json(req, 200, u) : LF_ERR_NOMEM;
}
