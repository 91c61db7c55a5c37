/*
 * store_users.c - users, sessions, refresh tokens and API tokens.
 */
#include "store/db.h"

#include <string.h>

#include "authz/authz.h"

#define USER_COLS "id, email, name, role, active, created_at, updated_at"

static void user_from_row(lf_tx *tx, lf_rows *r, int base, lf_user *u);
static int user_query_one(lf_tx *tx, const char *sql, const lf_val *p, int n, lf_user *out,
			  const char **password_hash);

static void user_from_row(lf_tx *tx, lf_rows *r, int base, lf_user *u)
{
	u->id = lf_rows_int(r, base + 0);
	u->email = lf_rows_dup(tx, r, base + 1);
	u->name = lf_rows_dup(tx, r, base + 2);
	u->role = lf_rows_dup(tx, r, base + 3);
	u->active = (int)lf_rows_int(r, base + 4);
	u->created_at = lf_rows_int(r, base + 5);
	u->updated_at = lf_rows_int(r, base + 6);
}

/* Runs a query whose columns are USER_COLS, optionally followed by the
 * password hash, and copies its only row. */
static int user_query_one(lf_tx *tx, const char *sql, const lf_val *p, int n, lf_user *out,
			  const char **password_hash)
{
	lf_rows *r = NULL;
	int ret = lf_db_query(tx, sql, p, n, &r);
	if (ret != LF_OK)
		return ret;
	int rc = lf_rows_next(r);
	if (rc < 0) {
		ret = rc;
		goto cleanup;
	}
	if (rc == 0) {
		ret = LF_ERR_NOTFOUND;
		goto cleanup;
	}
	user_from_row(tx, r, 0, out);
	if (password_hash != NULL)
		*password_hash = lf_rows_dup(tx, r, 7);
	if (out->email == NULL || out->name == NULL || out->role == NULL)
		ret = LF_ERR_NOMEM;
cleanup:
	lf_rows_close(r);
	return ret;
}

int lf_store_user_insert(lf_tx *tx, const char *email, const char *name, const char *role,
			 const char *password_hash, int64_t now, int64_t *id)
{
	lf_val p[] = {LF_VTEXT(email), LF_VTEXT(name), LF_VTEXT(role), LF_VTEXT(password_hash),
		      LF_VINT(now)};
	return lf_db_query_int(tx,
			       "INSERT INTO users (email, name, role, password_hash, active,"
			       " created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5)"
			       " RETURNING id",
			       p, 5, id);
}

int lf_store_user_get(lf_tx *tx, int64_t id, lf_user *out)
{
	lf_val p[] = {LF_VINT(id)};
	return user_query_one(tx, "SELECT " USER_COLS " FROM users WHERE id = $1", p, 1, out, NULL);
}

int lf_store_user_by_email(lf_tx *tx, const char *email, lf_user *out, const char **password_hash)
{
	lf_val p[] = {LF_VTEXT(email)};
	return user_query_one(tx, "SELECT " USER_COLS ", password_hash FROM users WHERE email = $1",
			      p, 1, out, password_hash);
}

int lf_store_user_list(lf_tx *tx, int64_t after_id, int limit, lf_user **items, int *n)
{
	lf_val p[] = {LF_VINT(after_id), LF_VINT(limit)};
	lf_rows *r = NULL;
	int ret, rc, count = 0;
	lf_user *out =
	    lf_arena_alloc(lf_store_arena(tx), sizeof(*out) * (size_t)(limit > 0 ? limit : 1));
	if (out == NULL)
		return LF_ERR_NOMEM;
	ret = lf_db_query(tx, "SELECT " USER_COLS " FROM users WHERE id > $1 ORDER BY id LIMIT $2",
			  p, 2, &r);
	if (ret != LF_OK)
		return ret;
	while ((rc = lf_rows_next(r)) == 1 && count < limit)
		user_from_row(tx, r, 0, &out[count++]);
	ret = rc < 0 ? rc : LF_OK;
	lf_rows_close(r);
	*items = out;
	*n = count;
	return ret;
}

int lf_store_user_update(lf_tx *tx, int64_t id, const char *name, const char *role, int active,
			 const char *password_hash, int64_t now)
{
	lf_val p[] = {LF_VINT(id),
		      LF_VTEXT(name),
		      LF_VTEXT(role),
		      LF_VINTNULL(active, active < 0),
		      LF_VTEXT(password_hash),
		      LF_VINT(now)};
	int64_t changes = 0;
	int ret =
	    lf_db_exec(tx,
		       "UPDATE users SET name = COALESCE($2, name), role = COALESCE($3, role),"
		       " active = COALESCE($4, active),"
		       " password_hash = COALESCE($5, password_hash), updated_at = $6"
		       " WHERE id = $1",
		       p, 6, &changes);
	if (ret == LF_OK && changes == 0)
		ret = LF_ERR_NOTFOUND;
	return ret;
}

int lf_store_user_rehash(lf_tx *tx, int64_t id, const char *old_hash, const char *new_hash)
{
	lf_val p[] = {LF_VINT(id), LF_VTEXT(old_hash), LF_VTEXT(new_hash)};
	return lf_db_exec(
	    tx, "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2", p, 3,
	    NULL);
}

int lf_store_user_count(lf_tx *tx, int64_t *n)
{
	return lf_db_query_int(tx, "SELECT COUNT(*) FROM users", NULL, 0, n);
}

int lf_store_session_insert(lf_tx *tx, const char *sid, int64_t user_id, int64_t now,
			    int64_t expires_at)
{
	lf_val p[] = {LF_VTEXT(sid), LF_VINT(user_id), LF_VINT(now), LF_VINT(expires_at)};
	return lf_db_exec(tx,
			  "INSERT INTO sessions (id, user_id, created_at, expires_at)"
			  " VALUES ($1, $2, $3, $4)",
			  p, 4, NULL);
}

int lf_store_session_check(lf_tx *tx, const char *sid, int64_t user_id, int64_t now, lf_user *user)
{
	lf_val p[] = {LF_VTEXT(sid), LF_VINT(user_id), LF_VINT(now)};
	int ret = user_query_one(tx,
				 "SELECT u.id, u.email, u.name, u.role, u.active, u.created_at,"
				 " u.updated_at FROM sessions s JOIN users u ON u.id = s.user_id"
				 " WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL"
				 " AND s.expires_at > $3 AND u.active = 1",
				 p, 3, user, NULL);
	return ret == LF_ERR_NOTFOUND ? LF_ERR_AUTH : ret;
}

/*
 * The statements of lf_store_access, by what is asked: the session check
 * of lf_store_session_check, the caller's roles in a project (a row per
 * role; the project's id is NULL when there is no such project) or in a
 * task's project, or both at once. Columns: USER_COLS when the session
 * is checked, then the project's id and a role.
 */
#define SESSION_FROM " FROM sessions s JOIN users u ON u.id = s.user_id"
#define SESSION_WHERE                                                                              \
	" WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3"       \
	" AND u.active = 1"
#define SESSION_USER "SELECT u.id, u.email, u.name, u.role, u.active, u.created_at, u.updated_at"
#define SESSION_ONLY SESSION_USER ", NULL, NULL, NULL" SESSION_FROM SESSION_WHERE
#define SESSION_PROJECT                                                                            \
	SESSION_USER ", p.id, m.role, m.suspended_reason" SESSION_FROM                             \
		     " LEFT JOIN projects p ON p.id = $4"                                          \
		     " LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = "        \
		     "u.id" SESSION_WHERE
#define SESSION_TASK                                                                               \
	SESSION_USER ", t.project_id, m.role, m.suspended_reason" SESSION_FROM                     \
		     " LEFT JOIN tasks t ON t.id = $4"                                             \
		     " LEFT JOIN project_members m ON m.project_id = t.project_id"                 \
		     " AND m.user_id = u.id" SESSION_WHERE
#define USER_PROJECT                                                                               \
	"SELECT p.id, m.role, m.suspended_reason FROM projects p LEFT JOIN project_members m"      \
	" ON m.project_id = p.id AND m.user_id = $2 WHERE p.id = $1"
#define USER_TASK                                                                                  \
	"SELECT t.project_id, m.role, m.suspended_reason FROM tasks t"                             \
	" LEFT JOIN project_members m"                                                             \
	" ON m.project_id = t.project_id AND m.user_id = $2 WHERE t.id = $1"

/* The token's columns (lf_api_token), read as the alias k. */
#define TOKEN_COLS                                                                                 \
	"k.id, k.user_id, k.name, k.prefix, k.role, k.project_ids, k.created_at, k.expires_at,"    \
	" k.last_used_at, k.revoked_at"
#define TOKEN_NCOLS 10
/* lf_store_token_access: the user and the token by its prefix, its hash
 * last, then the columns of the project or task statements. Revoked and
 * expired tokens and disabled users are read too, so that the caller
 * can tell which (after checking the hash). */
#define TOKEN_USER                                                                                 \
	"SELECT u.id, u.email, u.name, u.role, u.active, u.created_at, u.updated_at, " TOKEN_COLS  \
	", k.hash"
#define TOKEN_FROM  " FROM api_tokens k JOIN users u ON u.id = k.user_id"
#define TOKEN_WHERE " WHERE k.prefix = $1"
#define TOKEN_ONLY  TOKEN_USER ", NULL, NULL, NULL" TOKEN_FROM TOKEN_WHERE
#define TOKEN_PROJECT                                                                              \
	TOKEN_USER                                                                                 \
	", p.id, m.role, m.suspended_reason" TOKEN_FROM " LEFT JOIN projects p ON p.id = $2"       \
	" LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = u.id" TOKEN_WHERE
#define TOKEN_TASK                                                                                 \
	TOKEN_USER ", t.project_id, m.role, m.suspended_reason" TOKEN_FROM                         \
		   " LEFT JOIN tasks t ON t.id = $2"                                               \
		   " LEFT JOIN project_members m ON m.project_id = t.project_id"                   \
		   " AND m.user_id = u.id" TOKEN_WHERE

static void token_from_row(lf_tx *tx, lf_rows *r, int base, lf_api_token *t)
{
	t->id = lf_rows_int(r, base + 0);
	t->user_id = lf_rows_int(r, base + 1);
	t->name = lf_rows_dup(tx, r, base + 2);
	t->prefix = lf_rows_dup(tx, r, base + 3);
	t->role = lf_rows_dup(tx, r, base + 4);
	t->project_ids = lf_rows_dup(tx, r, base + 5);
	t->created_at = lf_rows_int(r, base + 6);
	t->expires_at = lf_rows_null(r, base + 7) ? 0 : lf_rows_int(r, base + 7);
	t->last_used_at = lf_rows_null(r, base + 8) ? 0 : lf_rows_int(r, base + 8);
	t->revoked_at = lf_rows_null(r, base + 9) ? 0 : lf_rows_int(r, base + 9);
}

static void token_fill(lf_tx *tx, lf_rows *r, void *out)
{
	token_from_row(tx, r, 0, out);
}

/*
 * Reads the rows of an access statement into *out: the user (with user)
 * and the token and its hash (with tok) from the first row, then a role
 * per row from column base on. *rows gets their number.
 */
static int access_rows(lf_tx *tx, lf_rows *r, int user, lf_api_token *tok, const char **hash,
		       int base, lf_access *out, int *rows)
{
	int rc;
	*rows = 0;
	while ((rc = lf_rows_next(r)) == 1) {
		if ((*rows)++ == 0 && user) {
			user_from_row(tx, r, 0, &out->user);
			if (out->user.email == NULL || out->user.name == NULL ||
			    out->user.role == NULL)
				rc = LF_ERR_NOMEM;
		}
		if (*rows == 1 && tok != NULL) {
			token_from_row(tx, r, 7, tok);
			*hash = lf_rows_dup(tx, r, 7 + TOKEN_NCOLS);
			if (tok->role == NULL || *hash == NULL)
				rc = LF_ERR_NOMEM;
		}
		if (!lf_rows_null(r, base)) {
			out->found = 1;
			out->project_id = lf_rows_int(r, base);
		}
		unsigned role = lf_authz_prole_parse(lf_rows_text(r, base + 1));
		out->roles |= role;
		if (!lf_rows_null(r, base + 2)) {
			out->suspended |= role;
			if ((out->suspended_reason = lf_rows_dup(tx, r, base + 2)) == NULL)
				rc = LF_ERR_NOMEM;
		}
		if (rc < 0)
			break;
	}
	return rc < 0 ? rc : LF_OK;
}

int lf_store_access(lf_tx *tx, const char *sid, int64_t user_id, int64_t now, int64_t project_id,
		    int64_t task_id, lf_access *out)
{
	int64_t scope = task_id != 0 ? task_id : project_id;
	lf_val session[] = {LF_VTEXT(sid), LF_VINT(user_id), LF_VINT(now), LF_VINT(scope)};
	lf_val user[] = {LF_VINT(scope), LF_VINT(user_id)};
	const char *sql;
	lf_rows *r = NULL;
	int rows = 0;
	memset(out, 0, sizeof(*out));
	if (sid != NULL)
		sql = task_id != 0	? SESSION_TASK
		      : project_id != 0 ? SESSION_PROJECT
					: SESSION_ONLY;
	else if (scope != 0)
		sql = task_id != 0 ? USER_TASK : USER_PROJECT;
	else
		return LF_OK;
	int ret = sid != NULL ? lf_db_query(tx, sql, session, scope != 0 ? 4 : 3, &r)
			      : lf_db_query(tx, sql, user, 2, &r);
	if (ret != LF_OK)
		return ret;
	ret = access_rows(tx, r, sid != NULL, NULL, NULL, sid != NULL ? 7 : 0, out, &rows);
	lf_rows_close(r);
	if (ret != LF_OK)
		return ret;
	return rows == 0 && sid != NULL ? LF_ERR_AUTH : LF_OK;
}

int lf_store_token_access(lf_tx *tx, const char *prefix, int64_t project_id, int64_t task_id,
			  lf_access *out, lf_api_token *tok, const char **hash)
{
	int64_t scope = task_id != 0 ? task_id : project_id;
	lf_val p[] = {LF_VTEXT(prefix), LF_VINT(scope)};
	const char *sql = task_id != 0 ? TOKEN_TASK : project_id != 0 ? TOKEN_PROJECT : TOKEN_ONLY;
	lf_rows *r = NULL;
	int rows = 0;
	memset(out, 0, sizeof(*out));
	memset(tok, 0, sizeof(*tok));
	int ret = lf_db_query(tx, sql, p, scope != 0 ? 2 : 1, &r);
	if (ret != LF_OK)
		return ret;
	ret = access_rows(tx, r, 1, tok, hash, 8 + TOKEN_NCOLS, out, &rows);
	lf_rows_close(r);
	if (ret != LF_OK)
		return ret;
	return rows == 0 ? LF_ERR_AUTH : LF_OK;
}

int lf_store_token_insert(lf_tx *tx, const lf_api_token *t, const char *hash, int64_t *id)
{
	lf_val p[] = {LF_VINT(t->user_id),    LF_VTEXT(t->name),    LF_VTEXT(t->prefix),
		      LF_VTEXT(hash),	      LF_VTEXT(t->role),    LF_VTEXT(t->project_ids),
		      LF_VINT(t->created_at), LF_VID(t->expires_at)};
	return lf_db_query_int(tx,
			       "INSERT INTO api_tokens (user_id, name, prefix, hash, role,"
			       " project_ids, created_at, expires_at)"
			       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
			       p, 8, id);
}

int lf_store_token_count(lf_tx *tx, int64_t user_id, int64_t *n)
{
	lf_val p[] = {LF_VINT(user_id)};
	return lf_db_query_int(
	    tx, "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL", p, 1,
	    n);
}

int lf_store_token_get(lf_tx *tx, int64_t id, lf_api_token *out)
{
	lf_val p[] = {LF_VINT(id)};
	return lf_db_query_one(tx, "SELECT " TOKEN_COLS " FROM api_tokens k WHERE k.id = $1", p, 1,
			       token_fill, out);
}

int lf_store_token_list(lf_tx *tx, int64_t user_id, lf_api_token **items, int *n)
{
	lf_val p[] = {LF_VINT(user_id)};
	return lf_db_query_list(tx,
				"SELECT " TOKEN_COLS " FROM api_tokens k"
				" WHERE k.user_id = $1 AND k.revoked_at IS NULL ORDER BY k.id DESC",
				p, 1, token_fill, sizeof(lf_api_token), 0, (void **)items, n);
}

int lf_store_token_revoke(lf_tx *tx, int64_t id, int64_t now, int64_t *changes)
{
	lf_val p[] = {LF_VINT(id), LF_VINT(now)};
	return lf_db_exec(
	    tx, "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", p, 2,
	    changes);
}

int lf_store_token_touch(lf_tx *tx, int64_t id, int64_t now, int64_t before)
{
	lf_val p[] = {LF_VINT(id), LF_VINT(now), LF_VINT(before)};
	return lf_db_exec(tx,
			  "UPDATE api_tokens SET last_used_at = $2"
			  " WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)",
			  p, 3, NULL);
}

int lf_store_session_revoke(lf_tx *tx, const char *sid, int64_t now, const char *reason)
{
	lf_val p[] = {LF_VTEXT(sid), LF_VINT(now), LF_VTEXT(reason)};
	return lf_db_exec(tx,
			  "UPDATE sessions SET revoked_at = $2, revoke_reason = $3"
			  " WHERE id = $1 AND revoked_at IS NULL",
			  p, 3, NULL);
}

int lf_store_session_revoke_user(lf_tx *tx, int64_t user_id, int64_t now, const char *reason)
{
	lf_val p[] = {LF_VINT(user_id), LF_VINT(now), LF_VTEXT(reason)};
	return lf_db_exec(tx,
			  "UPDATE sessions SET revoked_at = $2, revoke_reason = $3"
			  " WHERE user_id = $1 AND revoked_at IS NULL",
			  p, 3, NULL);
}

int lf_store_refresh_insert(lf_tx *tx, const char *token_hash, const char *sid, int64_t now,
			    int64_t expires_at)
{
	lf_val p[] = {LF_VTEXT(token_hash), LF_VTEXT(sid), LF_VINT(now), LF_VINT(expires_at)};
	return lf_db_exec(
	    tx,
	    "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at)"
	    " VALUES ($1, $2, $3, $4)",
	    p, 4, NULL);
}

int lf_store_refresh_take(lf_tx *tx, const char *token_hash, int64_t now, lf_refresh *out)
{
	lf_val p[] = {LF_VTEXT(token_hash)};
	lf_rows *r = NULL;
	int ret = lf_db_query(tx,
			      "SELECT t.session_id, s.user_id, t.used_at IS NOT NULL,"
			      " s.revoked_at IS NOT NULL, t.expires_at, s.expires_at"
			      " FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id"
			      " WHERE t.token_hash = $1",
			      p, 1, &r);
	if (ret != LF_OK)
		return ret;
	int rc = lf_rows_next(r);
	if (rc <= 0) {
		ret = rc < 0 ? rc : LF_ERR_NOTFOUND;
		lf_rows_close(r);
		return ret;
	}
	out->sid = lf_rows_dup(tx, r, 0);
	out->user_id = lf_rows_int(r, 1);
	out->used = (int)lf_rows_int(r, 2);
	out->revoked = (int)lf_rows_int(r, 3);
	out->expired = lf_rows_int(r, 4) <= now || lf_rows_int(r, 5) <= now;
	lf_rows_close(r);
	if (out->sid == NULL)
		return LF_ERR_NOMEM;
	if (out->used)
		return LF_OK;
	/* Two refreshes with one token can race past the SELECT (PostgreSQL,
	 * READ COMMITTED): the UPDATE decides, and the loser sees a replay. */
	lf_val u[] = {LF_VTEXT(token_hash), LF_VINT(now)};
	int64_t changes = 0;
	ret = lf_db_exec(tx,
			 "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1"
			 " AND used_at IS NULL",
			 u, 2, &changes);
	if (ret == LF_OK && changes == 0)
		out->used = 1;
	return ret;
}
