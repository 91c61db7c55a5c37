/*
 * sessions.c - sessions and their refresh tokens: login, rotation, logout.
 */
#include "sessions/sessions.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"

/* A login's write: a failure record, or the session with its first token. */
struct login_op {
	const lf_user *user;
	const char *ip;
	int failed;
	const char *sid, *refresh_hash;
	int64_t now, expires;
	const char *old_hash, *new_hash; /* new_hash NULL: the hash is current */
};

/* What a refresh found, decided in the transaction, told after it. */
enum refresh_outcome { REFRESH_ROTATED, REFRESH_REUSED };

struct refresh_op {
	const char *old_hash, *new_hash, *ip;
	int64_t now, expires;
	lf_error *err;
	enum refresh_outcome outcome;
	lf_refresh rt;
	lf_user user;
};

struct logout_op {
	const lf_user *user;
	const char *sid, *ip;
	int64_t now;
};

static int audit_auth(lf_tx *tx, const lf_user *u, const char *action, const char *sid,
		      const char *ip);
static int login_tx(lf_tx *tx, void *ud);
static int refresh_tx(lf_tx *tx, void *ud);
static int logout_tx(lf_tx *tx, void *ud);
static void clear(lf_error *err);

/* Forgets a description left by an earlier run of a retried transaction. */
static void clear(lf_error *err)
{
	if (err != NULL)
		err->reason[0] = '\0';
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

static int login_tx(lf_tx *tx, void *ud)
{
	struct login_op *op = ud;
	int ret;
	if (op->failed)
		return audit_auth(tx, op->user, "auth.login_failed", NULL, op->ip);
	if (op->new_hash != NULL &&
	    (ret = lf_store_user_rehash(tx, op->user->id, op->old_hash, op->new_hash)) != LF_OK)
		return ret;
	if ((ret = lf_store_session_insert(tx, op->sid, op->user->id, op->now, op->expires)) !=
		LF_OK ||
	    (ret = lf_store_refresh_insert(tx, op->refresh_hash, op->sid, op->now, op->expires)) !=
		LF_OK)
		return ret;
	return audit_auth(tx, op->user, "auth.login", op->sid, op->ip);
}

int lf_sessions_login(lf_store *s, lf_arena *a, const char *email, const char *password,
		      const char *ip, int refresh_ttl_s, lf_session_grant *out, lf_error *err)
{
	char refresh_hash[LF_TOKEN_HASH_SIZE];
	char new_hash[LF_PASSWORD_HASH_MAX];
	const char *hash = NULL;
	lf_tx *tx = NULL;
	lf_user u;
	struct login_op op = {.user = &u, .ip = ip};
	int ret;
	clear(err);
	memset(out, 0, sizeof(*out));
	if ((ret = lf_store_begin(s, LF_TX_READ, a, &tx)) != LF_OK)
		return ret;
	ret = lf_store_user_by_email(tx, email, &u, &hash);
	lf_store_rollback(tx);
	if (ret == LF_ERR_NOTFOUND) {
		lf_password_burn(password);
		return lf_error_set(err, LF_ERR_AUTH, "invalid_credentials",
				    "The email or password is wrong.");
	}
	if (ret != LF_OK)
		return ret;
	/* That an account exists and is disabled is told only to someone who
	 * knows its password: to anyone else it is a wrong password. */
	int right = lf_password_verify(hash, password) == LF_OK;
	if (!right || !u.active) {
		op.failed = 1;
		if ((ret = lf_store_write(s, a, login_tx, &op)) != LF_OK)
			return ret;
		if (right)
			return lf_error_set(err, LF_ERR_AUTH, "account_disabled",
					    "This account is disabled.");
		return lf_error_set(err, LF_ERR_AUTH, "invalid_credentials",
				    "The email or password is wrong.");
	}
	/* A hash of an older algorithm or another LABELFLOW_PASSWORD_COST is
	 * redone now, the one time the password is at hand. If hashing fails
	 * (memory), the login still succeeds on the old hash. */
	if (lf_password_needs_rehash(hash) && lf_password_hash(password, new_hash) == LF_OK) {
		op.old_hash = hash;
		op.new_hash = new_hash;
	}
	lf_token_id(out->sid, sizeof(out->sid));
	if ((ret = lf_token_new(out->refresh, sizeof(out->refresh))) != LF_OK)
		goto cleanup;
	lf_token_hash(out->refresh, refresh_hash);
	op.sid = out->sid;
	op.refresh_hash = refresh_hash;
	op.now = lf_now_ms();
	op.expires = op.now + (int64_t)refresh_ttl_s * 1000;
	if ((ret = lf_store_write(s, a, login_tx, &op)) != LF_OK)
		goto cleanup;
	out->user = u;
cleanup:
	if (ret != LF_OK)
		sodium_memzero(out->refresh, sizeof(out->refresh));
	return ret;
}

/*
 * A replayed token's revocation must be committed although the caller is
 * refused, so the replay is not an error here: it is an outcome the
 * domain function turns into the refusal after the commit.
 */
static int refresh_tx(lf_tx *tx, void *ud)
{
	struct refresh_op *op = ud;
	int ret;
	op->outcome = REFRESH_ROTATED;
	memset(&op->rt, 0, sizeof(op->rt));
	memset(&op->user, 0, sizeof(op->user));
	clear(op->err);
	ret = lf_store_refresh_take(tx, op->old_hash, op->now, &op->rt);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(op->err, LF_ERR_AUTH, "invalid_refresh_token",
				    "The refresh token is not valid.");
	if (ret != LF_OK)
		return ret;
	if ((ret = lf_store_user_get(tx, op->rt.user_id, &op->user)) != LF_OK)
		return ret;
	if (op->rt.used) {
		/* Replay of a rotated token: someone else holds a copy. End the
		 * whole family so neither copy works any more. */
		if ((ret = lf_store_session_revoke(tx, op->rt.sid, op->now,
						   "refresh token reuse")) != LF_OK ||
		    (ret = audit_auth(tx, &op->user, "auth.refresh_reuse", op->rt.sid, op->ip)) !=
			LF_OK)
			return ret;
		op->outcome = REFRESH_REUSED;
		return LF_OK;
	}
	if (op->rt.revoked || op->rt.expired || !op->user.active)
		return lf_error_set(op->err, LF_ERR_AUTH, "invalid_refresh_token",
				    "The session has ended. Log in again.");
	if ((ret = lf_store_refresh_insert(tx, op->new_hash, op->rt.sid, op->now, op->expires)) !=
	    LF_OK)
		return ret;
	return audit_auth(tx, &op->user, "auth.refresh", op->rt.sid, op->ip);
}

int lf_sessions_refresh(lf_store *s, lf_arena *a, const char *token, const char *ip,
			int refresh_ttl_s, lf_session_grant *out, lf_error *err)
{
	char old_hash[LF_TOKEN_HASH_SIZE], new_hash[LF_TOKEN_HASH_SIZE];
	struct refresh_op op = {.old_hash = old_hash, .new_hash = new_hash, .ip = ip, .err = err};
	int ret;
	clear(err);
	memset(out, 0, sizeof(*out));
	lf_token_hash(token, old_hash);
	if ((ret = lf_token_new(out->refresh, sizeof(out->refresh))) != LF_OK)
		goto cleanup;
	lf_token_hash(out->refresh, new_hash);
	op.now = lf_now_ms();
	op.expires = op.now + (int64_t)refresh_ttl_s * 1000;
	if ((ret = lf_store_write(s, a, refresh_tx, &op)) != LF_OK)
		goto cleanup;
	if (op.outcome == REFRESH_REUSED) {
		ret = lf_error_set(err, LF_ERR_AUTH, "refresh_token_reused",
				   "This refresh token was already used; the session has been"
				   " ended. Log in again.");
		goto cleanup;
	}
	out->user = op.user;
	snprintf(out->sid, sizeof(out->sid), "%s", op.rt.sid);
cleanup:
	if (ret != LF_OK)
		sodium_memzero(out->refresh, sizeof(out->refresh));
	return ret;
}

static int logout_tx(lf_tx *tx, void *ud)
{
	struct logout_op *op = ud;
	int ret;
	if ((ret = lf_store_session_revoke(tx, op->sid, op->now, "logout")) != LF_OK)
		return ret;
	return audit_auth(tx, op->user, "auth.logout", op->sid, op->ip);
}

int lf_sessions_logout(lf_store *s, lf_arena *a, const lf_user *u, const char *sid, const char *ip,
		       lf_error *err)
{
	struct logout_op op = {.user = u, .sid = sid, .ip = ip, .now = lf_now_ms()};
	clear(err);
	return lf_store_write(s, a, logout_tx, &op);
}
