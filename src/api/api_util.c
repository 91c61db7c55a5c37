/*
 * api_util.c - authentication, authorization and input/output helpers
 * shared by all handlers.
 */
#include "api/api.h"

#include "core/log.h"
#include "tokens/tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int bearer_token(lf_http_req *req, const char **token);
static int token_auth(lf_http_req *req, const char *token, int64_t project_id, int64_t task_id,
		      lf_access *acc, const lf_api_token **out);
static ssize_t blob_read(void *ud, uint64_t pos, char *buf, size_t max);
static void blob_close(void *ud);

/* "Bearer <t>" or "Token <t>" (the scheme scripts written for Label
 * Studio send): either carries a JWT or an API token. */
static int bearer_token(lf_http_req *req, const char **token)
{
	const char *h = lf_http_header(req, "Authorization");
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
		h += 7;
	else if (h != NULL && strncasecmp(h, "Token ", 6) == 0)
		h += 6;
	else
		return LF_ERR_AUTH;
	while (*h == ' ')
		h++;
	if (*h == '\0')
		return LF_ERR_AUTH;
	*token = h;
	return LF_OK;
}

/*
 * The check of an API token, in the statement that reads the caller's
 * roles (lf_store_token_access): the hash first, so that someone
 * without the secret learns nothing of the token, then revocation, the
 * account and expiry, each read now, so that all take effect on the
 * next request. A used token's last_used_at is written at most once a
 * minute (lf_tokens_touch).
 */
static int token_auth(lf_http_req *req, const char *token, int64_t project_id, int64_t task_id,
		      lf_access *acc, const lf_api_token **out)
{
	lf_app *app = req->app;
	char prefix[LF_PAT_ID_LEN + 1];
	const char *secret, *hash = NULL;
	lf_api_token *tok = lf_arena_calloc(req->arena, sizeof(*tok));
	lf_tx *tx = NULL;
	int64_t now = lf_now_ms();
	int ret;
	if (tok == NULL)
		return lf_error_default(&req->error, LF_ERR_NOMEM, NULL);
	if (lf_tokens_parse(token, prefix, &secret) != LF_OK)
		return lf_http_fail(req, LF_ERR_AUTH, "invalid_token", "The API token is invalid.");
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	ret = lf_store_token_access(tx, prefix, project_id, task_id, acc, tok, &hash);
	lf_store_rollback(tx);
	if (ret == LF_ERR_AUTH || (ret == LF_OK && !lf_tokens_verify(secret, hash)))
		return lf_http_fail(req, LF_ERR_AUTH, "invalid_token", "The API token is invalid.");
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	if (tok->revoked_at != 0)
		return lf_http_fail(req, LF_ERR_AUTH, "token_revoked",
				    "The API token has been revoked.");
	if (!acc->user.active)
		return lf_http_fail(req, LF_ERR_AUTH, "session_revoked",
				    "The account of this API token is disabled.");
	if (tok->expires_at != 0 && tok->expires_at <= now)
		return lf_http_fail(req, LF_ERR_AUTH, "token_expired",
				    "The API token has expired; create a new one.");
	/* Bookkeeping: a failed write must not refuse a valid request. */
	if ((ret = lf_tokens_touch(app->store, tok, now)) != LF_OK)
		lf_log(LF_LOG_WARN, "api token %s: last_used_at not recorded (%d)", tok->prefix,
		       ret);
	*out = tok;
	return LF_OK;
}

/*
 * Authentication is a signature check (no I/O) followed by one indexed
 * query that proves the session is live and the user active, so logout,
 * refresh-token theft detection and deactivation take effect on the next
 * request rather than when the access token expires. The caller's roles
 * in the project (or the task's project) come with it, in the same
 * statement (lf_store_access): one round trip per request, and nothing
 * cached across requests, so a revoked session, a disabled user, a
 * removed member or a changed role is refused on its next request, on
 * every server, with no invalidation to get wrong. A request
 * authenticated on its headers (lf_api_authorize) has its principal in
 * req->user already: the handler's own check then reads only roles it
 * was not given yet (another project), the same request's roles being
 * those read a moment before.
 */
static int guard(lf_http_req *req, lf_perm perm, int64_t project_id, int64_t task_id,
		 lf_principal **out, int64_t *task_project)
{
	lf_app *app = req->app;
	lf_jwt_claims c;
	const char *token;
	lf_tx *tx = NULL;
	lf_principal *p = req->user;
	lf_access acc;
	int ret = LF_OK;
	if (p == NULL && bearer_token(req, &token) != LF_OK) {
		return lf_http_fail(req, LF_ERR_AUTH, "unauthorized",
				    "Send an access token or API token:"
				    " Authorization: Bearer <token>.");
	}
	int pat = p == NULL && lf_tokens_is_token(token);
	if (p == NULL && !pat &&
	    lf_jwt_verify(app->jwt_key, token, lf_now_ms() / 1000, &c) != LF_OK) {
		return lf_http_fail(req, LF_ERR_AUTH, "invalid_token",
				    "The access token is invalid or expired; log in or refresh.");
	}
	if (p == NULL && ((p = lf_arena_calloc(req->arena, sizeof(*p))) == NULL ||
			  (!pat && (p->sid = lf_arena_strdup(req->arena, c.sid)) == NULL)))
		return lf_error_default(&req->error, LF_ERR_NOMEM, NULL);
	int session = req->user == NULL;
	int scope = (project_id != 0 || task_id != 0) &&
		    (p->scope_project != project_id || p->scope_task != task_id);
	if (session && pat) {
		if ((ret = token_auth(req, token, task_id != 0 ? 0 : project_id, task_id, &acc,
				      &p->token)) != LF_OK)
			return ret;
	} else if (session || scope) {
		if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
			return lf_error_default(&req->error, ret, NULL);
		ret = lf_store_access(tx, session ? c.sid : NULL, session ? c.sub : p->user.id,
				      lf_now_ms(), task_id != 0 ? 0 : project_id, task_id, &acc);
		lf_store_rollback(tx);
		if (ret == LF_ERR_AUTH)
			return lf_http_fail(req, LF_ERR_AUTH, "session_revoked",
					    "The session has ended or the account is disabled.");
		if (ret != LF_OK)
			return lf_error_default(&req->error, ret, NULL);
	}
	if (session)
		p->user = acc.user;
	if (scope) {
		p->scope_project = project_id;
		p->scope_task = task_id;
		p->project = acc.project_id;
		p->found = acc.found;
		p->roles = acc.roles;
		p->suspended = acc.suspended;
		p->suspended_reason = acc.suspended_reason;
	}
	lf_authz_subject subj = {.is_admin = 0};
	if (task_id != 0) {
		project_id = p->found ? p->project : 0;
		*task_project = project_id;
		if (!p->found)
			return lf_http_fail(req, LF_ERR_NOTFOUND, "task_not_found",
					    "No such task.");
	} else if (project_id != 0 && !p->found) {
		return lf_error_default(&req->error, LF_ERR_NOTFOUND, "project");
	}
	if (project_id != 0)
		subj.proj_roles = p->roles;
	p->is_admin = strcmp(p->user.role, "admin") == 0;
	unsigned member = subj.proj_roles;
	/* An API token acts as its user within its role and projects: the
	 * intersection of both. An admin's token is an admin only with the
	 * role admin, and one limited to projects only inside them; in a
	 * project it does not list, any token is an outsider. */
	if (p->token != NULL) {
		int listed = project_id != 0
				 ? lf_tokens_allows_project(p->token->project_ids, project_id)
				 : p->token->project_ids == NULL;
		p->is_admin = p->is_admin && listed && strcmp(p->token->role, "admin") == 0;
		member = listed ? member : 0;
		subj.proj_roles &= listed ? lf_tokens_role_mask(p->token->role) : 0;
	}
	subj.is_admin = p->is_admin;
	/* To someone outside a project, its things do not exist: another
	 * project (or its task) answers as a missing one would, so that ids
	 * cannot be probed. A member without the right role is told 403. */
	if (project_id != 0 && !p->is_admin && member == 0) {
		if (task_id != 0)
			return lf_http_fail(req, LF_ERR_NOTFOUND, "task_not_found",
					    "No such task.");
		return lf_error_default(&req->error, LF_ERR_NOTFOUND, "project");
	}
	/* A suspended annotator stays a member (their history and earnings
	 * are still theirs to read) but takes no new L1 work, and is told
	 * why rather than given a bare 403. */
	if (perm == LF_PERM_STAGE_L1 && (p->suspended & LF_PROLE_ANNOTATOR))
		subj.proj_roles &= ~(unsigned)LF_PROLE_ANNOTATOR;
	if (lf_authz_check(&subj, perm) != LF_OK) {
		if (perm == LF_PERM_STAGE_L1 && (p->suspended & LF_PROLE_ANNOTATOR))
			return lf_http_fail(req, LF_ERR_FORBIDDEN, "member_suspended",
					    "You are suspended from labeling in this project: %s"
					    " An admin of the project can reinstate you.",
					    p->suspended_reason);
		return lf_http_fail(req, LF_ERR_FORBIDDEN, "forbidden",
				    "Your role does not allow this.");
	}
	req->user = p;
	req->user_id = p->user.id;
	*out = p;
	return LF_OK;
}

int lf_api_authorize(lf_http_req *req)
{
	lf_principal *p;
	int64_t id = lf_http_capture_id(req, 0), project_id;
	int ret;
	switch (req->route->access) {
	case LF_API_PUBLIC: return LF_OK;
	case LF_API_ADMIN:
		if ((ret = guard(req, LF_PERM_SELF, 0, 0, &p, NULL)) != LF_OK)
			return ret;
		return p->is_admin ? LF_OK
				   : lf_http_fail(req, LF_ERR_FORBIDDEN, "forbidden",
						  "Your role does not allow this.");
	case LF_API_PROJECT:
		/* A path that names no project is the handler's 404. */
		return guard(req, id != 0 ? LF_PERM_PROJECT_READ : LF_PERM_SELF, id, 0, &p, NULL);
	case LF_API_TASK:
		return guard(req, id != 0 ? LF_PERM_PROJECT_READ : LF_PERM_SELF, 0, id, &p,
			     &project_id);
	default: return guard(req, LF_PERM_SELF, 0, 0, &p, NULL);
	}
}

int lf_api_guard(lf_http_req *req, lf_perm perm, int64_t project_id, lf_principal **out)
{
	return guard(req, perm, project_id, 0, out, NULL);
}

int lf_api_guard_task(lf_http_req *req, lf_perm perm, int64_t task_id, lf_principal **out,
		      int64_t *project_id)
{
	int ret;
	if (task_id == 0) {
		/* Authenticate first, so that anonymous callers learn nothing. */
		if ((ret = guard(req, LF_PERM_SELF, 0, 0, out, NULL)) != LF_OK)
			return ret;
		return lf_http_fail(req, LF_ERR_NOTFOUND, "task_not_found", "No such task.");
	}
	return guard(req, perm, 0, task_id, out, project_id);
}

int lf_api_str(lf_http_req *req, const char *field, int required, size_t maxlen, const char **out)
{
	json_t *v = json_object_get(req->json, field);
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return LF_OK;
		return lf_http_fail(req, LF_ERR_INVALID, "missing_field",
				    "The field \"%s\" is required.", field);
	}
	if (!json_is_string(v)) {
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
				    "The field \"%s\" must be a string.", field);
	}
	if (json_string_length(v) > maxlen ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
				    "The field \"%s\" must be at most %zu bytes, without NUL.",
				    field, maxlen);
	}
	*out = json_string_value(v);
	return LF_OK;
}

int lf_api_int(lf_http_req *req, const char *field, int required, int64_t min, int64_t max,
	       int64_t *out)
{
	json_t *v = json_object_get(req->json, field);
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return LF_OK;
		return lf_http_fail(req, LF_ERR_INVALID, "missing_field",
				    "The field \"%s\" is required.", field);
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
				    "The field \"%s\" must be an integer from %lld to %lld.", field,
				    (long long)min, (long long)max);
	}
	*out = json_integer_value(v);
	return LF_OK;
}

int lf_api_bool(lf_http_req *req, const char *field, int required, int *out)
{
	json_t *v = json_object_get(req->json, field);
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return LF_OK;
		return lf_http_fail(req, LF_ERR_INVALID, "missing_field",
				    "The field \"%s\" is required.", field);
	}
	if (!json_is_boolean(v)) {
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
				    "The field \"%s\" must be true or false.", field);
	}
	*out = json_is_true(v);
	return LF_OK;
}

int lf_api_qint(lf_http_req *req, const char *name, int64_t min, int64_t max, int64_t *out)
{
	const char *v = lf_http_query(req, name);
	if (v == NULL || *v == '\0')
		return LF_OK;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (*end != '\0' || n < min || n > max) {
		return lf_http_fail(
		    req, LF_ERR_MALFORMED, "bad_parameter",
		    "The query parameter \"%s\" must be an integer from %lld to %lld.", name,
		    (long long)min, (long long)max);
	}
	*out = n;
	return LF_OK;
}

int lf_api_qtime(lf_http_req *req, const char *name, int64_t *out)
{
	const char *v = lf_http_query(req, name);
	if (v == NULL || *v == '\0')
		return LF_OK;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (*end == '\0' && n >= 0) {
		*out = n;
		return LF_OK;
	}
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *rest = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL)
		rest = strptime(v, "%Y-%m-%d", &tm);
	int ms = 0;
	if (rest != NULL && *rest == '.') {
		rest++;
		for (int k = 0; k < 3 && *rest >= '0' && *rest <= '9'; k++, rest++)
			ms = ms * 10 + (*rest - '0');
		while (*rest >= '0' && *rest <= '9')
			rest++;
	}
	if (rest == NULL || (*rest != '\0' && strcmp(rest, "Z") != 0)) {
		return lf_http_fail(req, LF_ERR_MALFORMED, "bad_parameter",
				    "The query parameter \"%s\" must be ISO 8601 UTC"
				    " (2026-01-31T12:00:00Z) or milliseconds since the epoch.",
				    name);
	}
	*out = (int64_t)timegm(&tm) * 1000 + ms;
	return LF_OK;
}

const char *lf_api_time(lf_http_req *req, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[40];
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%03dZ", (int)(ms % 1000));
	return lf_arena_strdup(req->arena, buf);
}

json_t *lf_api_user_json(lf_http_req *req, const lf_user *u)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:b,s:s,s:s}", "id", (json_int_t)u->id, "email",
			 u->email, "name", u->name, "role", u->role, "active", u->active,
			 "created_at", lf_api_time(req, u->created_at), "updated_at",
			 lf_api_time(req, u->updated_at));
}

const char *lf_api_next_cursor(lf_http_req *req, int n, int64_t limit, int64_t last_key)
{
	return n > limit ? lf_arena_printf(req->arena, "%lld", (long long)last_key) : NULL;
}

int lf_api_project_page(lf_http_req *req, lf_api_page_fn list, size_t elem, size_t id_offset,
			lf_api_render_fn render)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	char *items;
	lf_tx *tx;
	int n;
	int64_t cursor = 0, limit = 50, last = 0;
	int64_t project_id = lf_http_capture_id(req, 0);
	if (project_id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, project_id, &who)) != LF_OK)
		return ret;
	if ((ret = lf_api_qint(req, "cursor", 0, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 200, &limit)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = list(tx, project_id, cursor, (int)limit + 1, (void **)&items, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *arr = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(arr, render(req, items + (size_t)i * elem));
	if (n > limit)
		memcpy(&last, items + (size_t)(limit - 1) * elem + id_offset, sizeof(last));
	return lf_api_list(req, arr, lf_api_next_cursor(req, n, limit, last));
}

json_t *lf_api_json_text(const char *text)
{
	json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	return j ? j : json_null();
}

int lf_api_list(lf_http_req *req, json_t *items, const char *next_cursor)
{
	json_t *body = json_pack("{s:o,s:s?}", "items", items, "next_cursor", next_cursor);
	if (body == NULL)
		return LF_ERR_NOMEM;
	return lf_http_json(req, 200, body);
}

int lf_api_load(lf_http_req *req, int (*get)(lf_tx *tx, int64_t id, void *out), void *out,
		const int64_t *project_id, lf_perm perm, const char *what)
{
	lf_app *app = req->app;
	lf_principal *who;
	lf_tx *tx;
	int64_t id = lf_http_capture_id(req, 0);
	int ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	ret = id ? get(tx, id, out) : LF_ERR_NOTFOUND;
	lf_store_rollback(tx);
	if (ret == LF_ERR_NOTFOUND) {
		/* Authenticate first, so that anonymous callers learn nothing. */
		if ((ret = lf_api_guard(req, LF_PERM_SELF, 0, &who)) != LF_OK)
			return ret;
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such %s.", what);
	}
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	/* Another project's row answers as a missing one (see guard). */
	if ((ret = lf_api_guard(req, perm, *project_id, &who)) == LF_ERR_NOTFOUND) {
		req->error.reason[0] = '\0';
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such %s.", what);
	}
	return ret;
}

/* The same checks as guard() for a caller named by a credential other
 * than a token (a signed media URL): the user must be active and hold
 * perm in the project now, not merely when the credential was issued. */
int lf_api_guard_user(lf_http_req *req, lf_perm perm, int64_t project_id, int64_t user_id,
		      lf_principal **out)
{
	lf_app *app = req->app;
	lf_tx *tx = NULL;
	lf_authz_subject subj = {.is_admin = 0};
	lf_principal *p = lf_arena_calloc(req->arena, sizeof(*p));
	if (p == NULL)
		return lf_error_default(&req->error, LF_ERR_NOMEM, NULL);
	int ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	ret = lf_store_user_get(tx, user_id, &p->user);
	if (ret == LF_OK)
		ret = lf_store_member_roles(tx, project_id, user_id, &subj.proj_roles);
	lf_store_rollback(tx);
	if (ret == LF_ERR_NOTFOUND || (ret == LF_OK && !p->user.active))
		return lf_http_fail(req, LF_ERR_FORBIDDEN, "forbidden",
				    "The account this link was issued to is gone or disabled.");
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	p->is_admin = strcmp(p->user.role, "admin") == 0;
	subj.is_admin = p->is_admin;
	if (lf_authz_check(&subj, perm) != LF_OK)
		return lf_http_fail(req, LF_ERR_FORBIDDEN, "forbidden",
				    "The user this link was issued to may no longer see it.");
	req->user = p;
	req->user_id = p->user.id;
	*out = p;
	return LF_OK;
}

int lf_api_upload_project(lf_http_req *req, int64_t project_id, lf_principal **who, lf_project *p)
{
	lf_app *app = req->app;
	lf_tx *tx;
	int ret;
	if (project_id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, project_id, who)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_project_get(tx, project_id, p);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, "project");
	if (strcmp(p->status, "active") != 0)
		return lf_http_fail(req, LF_ERR_CONFLICT, "project_closed",
				    "The project is closed.");
	return LF_OK;
}

static ssize_t blob_read(void *ud, uint64_t pos, char *buf, size_t max)
{
	size_t n = 0;
	(void)pos; /* MHD reads sequentially */
	if (lf_blob_read(ud, buf, max, &n) != LF_OK || n == 0)
		return -1;
	return (ssize_t)n;
}

static void blob_close(void *ud)
{
	lf_blob_close_read(ud);
}

int lf_api_send_blob(lf_http_req *req, lf_blob_store *bs, const char *key, const char *type,
		     const char *filename, const char *what)
{
	lf_app *app = req->app;
	lf_blob_reader *r = NULL;
	uint64_t size = 0;
	if (lf_blob_open_read(bs != NULL ? bs : app->blobs, key, &r) != LF_OK ||
	    lf_blob_reader_size(r, &size) != LF_OK) {
		lf_blob_close_read(r);
		return lf_http_fail(req, LF_ERR_GONE, "gone", "%s is no longer stored.", what);
	}
	const char *disposition =
	    lf_arena_printf(req->arena, "attachment; filename=\"%s\"", filename);
	if (disposition == NULL ||
	    lf_http_add_header(req, "Content-Disposition", disposition) != LF_OK) {
		lf_blob_close_read(r);
		return LF_ERR_NOMEM;
	}
	return lf_http_stream_body(req, 200, type, size, blob_read, blob_close, r);
}
