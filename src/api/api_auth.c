/*
 * api_auth.c - login, refresh-token rotation, logout and /me.
 *
 * Sessions and refresh-token rotation are sessions/'s (see sessions.h);
 * handlers read the body, apply the rate limits (HTTP policy: attempts per
 * client address, and growing delays after wrong passwords per account and
 * address), make one call and sign the access token.
 * Access tokens carry the session id and stop working as soon as the
 * session is revoked.
 *
 * Two kinds of client: scripts send and receive the refresh token in JSON
 * bodies; the browser UI says so with the X-LabelFlow-CSRF header and gets
 * the refresh token only as an HttpOnly cookie (Secure, SameSite=Strict,
 * Path=/api/v1/auth), so no script on the page can read or leak it. A
 * refresh by cookie must carry that header: another site can neither set
 * a custom header without a CORS preflight we never grant, nor (Strict)
 * make the browser send the cookie at all.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "sessions/sessions.h"

#define REFRESH_COOKIE "lf_refresh"
#define CSRF_HEADER    "X-LabelFlow-CSRF"

static int issue_tokens(lf_http_req *req, const lf_session_grant *g, int browser);
static int set_refresh_cookie(lf_http_req *req, const char *token, int max_age);
static const char *cookie_value(lf_http_req *req, const char *name);
static int rate_limited(lf_http_req *req, lf_ratelimit *rl, const char *key);
static int too_many(lf_http_req *req, int64_t retry_ms);
static const char *login_key(lf_http_req *req, const char *email);

static int rate_limited(lf_http_req *req, lf_ratelimit *rl, const char *key)
{
	int64_t retry_ms = 0;
	if (lf_ratelimit_take(rl, key, lf_now_ms(), &retry_ms) == LF_OK)
		return LF_OK;
	return too_many(req, retry_ms);
}

/* The 429 of both limits: Retry-After in whole seconds, at least 1. */
static int too_many(lf_http_req *req, int64_t retry_ms)
{
	long long secs = (long long)((retry_ms + 999) / 1000);
	if (secs < 1)
		secs = 1;
	const char *after = lf_arena_printf(req->arena, "%lld", secs);
	if (after == NULL || lf_http_add_header(req, "Retry-After", after) != LF_OK)
		return LF_ERR_NOMEM;
	return lf_http_fail(req, LF_ERR_LIMIT, "rate_limited",
			    "Too many attempts; try again in %lld seconds.", secs);
}

/*
 * Login failures are counted per (account, client address), never per
 * account alone: counting per account let anyone lock an owner out by
 * typing wrong passwords for their e-mail. E-mails are compared without
 * letter case, as sessions/ looks them up.
 */
static const char *login_key(lf_http_req *req, const char *email)
{
	char *key = lf_arena_printf(req->arena, "%s|%s", email, req->client_ip);
	for (char *p = key; p != NULL && *p != '|'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return key;
}

/* An empty token with Max-Age=0 deletes the cookie. */
static int set_refresh_cookie(lf_http_req *req, const char *token, int max_age)
{
	const char *c =
	    lf_arena_printf(req->arena,
			    REFRESH_COOKIE "=%s; Path=/api/v1/auth; Max-Age=%d; HttpOnly; "
					   "Secure; SameSite=Strict",
			    token, max_age);
	return c != NULL ? lf_http_add_header(req, "Set-Cookie", c) : LF_ERR_NOMEM;
}

/* The value of cookie name in the Cookie header (request arena), or NULL. */
static const char *cookie_value(lf_http_req *req, const char *name)
{
	const char *h = lf_http_header(req, "Cookie");
	size_t n = strlen(name);
	while (h != NULL && *h != '\0') {
		while (*h == ' ' || *h == ';')
			h++;
		size_t len = strcspn(h, ";");
		if (len > n && strncmp(h, name, n) == 0 && h[n] == '=')
			return lf_arena_printf(req->arena, "%.*s", (int)(len - n - 1), h + n + 1);
		h += len;
	}
	return NULL;
}

/*
 * Signs an access token for the granted session and renders the
 * login/refresh response: for a browser the refresh token goes into the
 * cookie instead of the body. Signing stays here rather than in sessions/:
 * the JWT is this API's bearer credential, made with the server's key and
 * access lifetime (lf_app), and nothing stored depends on it.
 */
static int issue_tokens(lf_http_req *req, const lf_session_grant *g, int browser)
{
	lf_app *app = req->app;
	lf_jwt_claims c;
	char jwt[LF_JWT_MAX];
	memset(&c, 0, sizeof(c));
	c.sub = g->user.id;
	snprintf(c.role, sizeof(c.role), "%s", g->user.role);
	snprintf(c.sid, sizeof(c.sid), "%s", g->sid);
	lf_token_id(c.jti, sizeof(c.jti));
	c.iat = lf_now_ms() / 1000;
	c.exp = c.iat + app->access_ttl_s;
	int ret = lf_jwt_sign(app->jwt_key, &c, jwt, sizeof(jwt));
	if (ret != LF_OK)
		return ret;
	if (browser && (ret = set_refresh_cookie(req, g->refresh, app->refresh_ttl_s)) != LF_OK)
		return ret;
	json_t *body = json_pack("{s:s,s:s,s:s*,s:i,s:i,s:o}", "access_token", jwt, "token_type",
				 "Bearer", "refresh_token", browser ? NULL : g->refresh,
				 "expires_in", app->access_ttl_s, "refresh_expires_in",
				 app->refresh_ttl_s, "user", lf_api_user_json(req, &g->user));
	return body != NULL ? lf_http_json(req, 200, body) : LF_ERR_NOMEM;
}

int lf_api_login(lf_http_req *req)
{
	lf_app *app = req->app;
	const char *email, *password;
	lf_session_grant g;
	int ret;
	if ((ret = lf_api_str(req, "email", 1, 254, &email)) != LF_OK ||
	    (ret = lf_api_str(req, "password", 1, LF_PASSWORD_MAX, &password)) != LF_OK)
		return ret;
	if ((ret = rate_limited(req, app->rl_ip,
				lf_arena_printf(req->arena, "ip:%s", req->client_ip))) != LF_OK)
		return ret;
	const char *key = login_key(req, email);
	int64_t retry_ms = 0;
	if (key == NULL)
		return LF_ERR_NOMEM;
	if (lf_backoff_check(app->rl_login, key, lf_now_ms(), &retry_ms) != LF_OK)
		return too_many(req, retry_ms);
	if ((ret = lf_sessions_login(app->store, req->arena, email, password, req->client_ip,
				     app->refresh_ttl_s, &g, &req->error)) != LF_OK) {
		if (ret == LF_ERR_AUTH)
			lf_backoff_fail(app->rl_login, key, lf_now_ms());
		return ret;
	}
	lf_ratelimit_reset(app->rl_login, key);
	ret = issue_tokens(req, &g, lf_http_header(req, CSRF_HEADER) != NULL);
	sodium_memzero(g.refresh, sizeof(g.refresh));
	return ret;
}

int lf_api_refresh(lf_http_req *req)
{
	lf_app *app = req->app;
	const char *token = NULL;
	lf_session_grant g;
	int ret, browser = 0;
	if ((ret = lf_api_str(req, "refresh_token", 0, 256, &token)) != LF_OK)
		return ret;
	if (token == NULL && (token = cookie_value(req, REFRESH_COOKIE)) != NULL) {
		if (lf_http_header(req, CSRF_HEADER) == NULL)
			return lf_http_fail(req, LF_ERR_FORBIDDEN, "csrf_header_required",
					    "A refresh by cookie needs the " CSRF_HEADER
					    " header.");
		browser = 1;
	}
	if (token == NULL || token[0] == '\0' || strlen(token) > 256)
		return lf_http_fail(req, LF_ERR_INVALID, "missing_field",
				    "The field \"refresh_token\" is required.");
	if ((ret = rate_limited(req, app->rl_ip,
				lf_arena_printf(req->arena, "ip:%s", req->client_ip))) != LF_OK)
		return ret;
	if ((ret = lf_sessions_refresh(app->store, req->arena, token, req->client_ip,
				       app->refresh_ttl_s, &g, &req->error)) != LF_OK) {
		/* A dead cookie is dropped, so the page stops offering it. */
		if (browser && ret == LF_ERR_AUTH)
			set_refresh_cookie(req, "", 0);
		return ret;
	}
	ret = issue_tokens(req, &g, browser);
	sodium_memzero(g.refresh, sizeof(g.refresh));
	return ret;
}

int lf_api_logout(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *p;
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_SELF, 0, &p)) != LF_OK)
		return ret;
	if (p->token != NULL)
		return lf_http_fail(req, LF_ERR_INVALID, "token_not_allowed",
				    "An API token has no session to end; revoke it with"
				    " DELETE /api/v1/me/tokens/{id}.");
	if ((ret = lf_sessions_logout(app->store, req->arena, &p->user, p->sid, req->client_ip,
				      &req->error)) != LF_OK)
		return ret;
	if ((ret = set_refresh_cookie(req, "", 0)) != LF_OK)
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
