/*
 * store_users.h - rows of users, their sessions (a refresh-token family) and
 * refresh tokens. Included by store.h.
 */
#ifndef LF_STORE_USERS_H
#define LF_STORE_USERS_H

/* ---- users ---- */

typedef struct lf_user {
	int64_t id;
	const char *email;
	const char *name;
	const char *role; /* admin | annotator | reviewer | super_reviewer */
	int active;
	int64_t created_at, updated_at; /* ms since epoch */
} lf_user;

/* Inserts a user. LF_ERR_CONFLICT when the email (case-insensitive) exists. */
int lf_store_user_insert(lf_tx *tx, const char *email, const char *name, const char *role,
			 const char *password_hash, int64_t now, int64_t *id);
int lf_store_user_get(lf_tx *tx, int64_t id, lf_user *out);
/* Finds a user by email; *password_hash (may be NULL) gets the stored hash. */
int lf_store_user_by_email(lf_tx *tx, const char *email, lf_user *out, const char **password_hash);
/* Users with id > after_id, by id, at most limit; *items is arena memory. */
int lf_store_user_list(lf_tx *tx, int64_t after_id, int limit, lf_user **items, int *n);
/* Updates the non-NULL fields (active < 0 keeps the current value). */
int lf_store_user_update(lf_tx *tx, int64_t id, const char *name, const char *role, int active,
			 const char *password_hash, int64_t now);
/* Replaces the password hash only while it is still old_hash: a login's
 * rehash must not undo a password change committed since it read the
 * hash. Not finding it so is not an error (a later login rehashes). */
int lf_store_user_rehash(lf_tx *tx, int64_t id, const char *old_hash, const char *new_hash);
int lf_store_user_count(lf_tx *tx, int64_t *n);

/* ---- sessions (a refresh-token family) and refresh tokens ---- */

int lf_store_session_insert(lf_tx *tx, const char *sid, int64_t user_id, int64_t now,
			    int64_t expires_at);
/*
 * The per-request authentication check: the session exists, belongs to
 * user_id, is neither revoked nor expired, and the user is active. Fills
 * *user. LF_ERR_AUTH otherwise.
 */
int lf_store_session_check(lf_tx *tx, const char *sid, int64_t user_id, int64_t now, lf_user *user);
/* What one request's authorization reads (lf_store_access). */
typedef struct lf_access {
	lf_user user;		      /* the session's user, when a session was checked */
	int found;		      /* the project (or task) asked about exists */
	int64_t project_id;	      /* its project */
	unsigned roles;		      /* the user's LF_PROLE_* bits there, 0 for none */
	unsigned suspended;	      /* of those, the roles suspended (quality/gold.h) */
	const char *suspended_reason; /* why, when any is (tx's arena) */
} lf_access;
/*
 * A request's authentication and membership in one statement: with sid,
 * the check of lf_store_session_check (LF_ERR_AUTH when it fails, *out's
 * user otherwise); with project_id or task_id (not both), the roles of
 * the user (user_id, or the session's) in that project or in the task's.
 * Nothing is read when there is neither. One statement, so one round trip
 * and one snapshot: the check is as fresh as a separate read would be.
 */
int lf_store_access(lf_tx *tx, const char *sid, int64_t user_id, int64_t now, int64_t project_id,
		    int64_t task_id, lf_access *out);
int lf_store_session_revoke(lf_tx *tx, const char *sid, int64_t now, const char *reason);
/* Revokes every live session of a user (deactivation, password change). */
int lf_store_session_revoke_user(lf_tx *tx, int64_t user_id, int64_t now, const char *reason);
int lf_store_refresh_insert(lf_tx *tx, const char *token_hash, const char *sid, int64_t now,
			    int64_t expires_at);

typedef struct lf_refresh {
	const char *sid;
	int64_t user_id;
	int used;    /* the token was already rotated: a replay */
	int revoked; /* its session is revoked */
	int expired;
} lf_refresh;

/* Looks a refresh token up by hash and marks it used in the same step. */
int lf_store_refresh_take(lf_tx *tx, const char *token_hash, int64_t now, lf_refresh *out);

/* ---- API tokens (personal access tokens, api/api_tokens.c) ---- */

typedef struct lf_api_token {
	int64_t id, user_id;
	const char *name;
	const char *prefix;	 /* the public part of the token, unique */
	const char *role;	 /* the cap: admin | super_reviewer | reviewer | annotator */
	const char *project_ids; /* JSON array of project ids; NULL for every project */
	int64_t created_at;
	int64_t expires_at, last_used_at, revoked_at; /* ms since epoch, 0 for none */
} lf_api_token;

/*
 * lf_store_access for a request authenticated by an API token: the
 * token with prefix and its user, *hash its stored hash (the caller
 * compares it), and the user's roles in project_id or task_id's project,
 * in one statement. Revoked and expired tokens and disabled users are
 * returned as they are, for the caller to refuse; LF_ERR_AUTH when no
 * token has the prefix. Strings are the tx's arena memory.
 */
int lf_store_token_access(lf_tx *tx, const char *prefix, int64_t project_id, int64_t task_id,
			  lf_access *out, lf_api_token *tok, const char **hash);
/* Inserts t (id, last_used_at and revoked_at ignored) with the hash of
 * its secret; *id gets its id. */
int lf_store_token_insert(lf_tx *tx, const lf_api_token *t, const char *hash, int64_t *id);
/* The number of a user's tokens not revoked. */
int lf_store_token_count(lf_tx *tx, int64_t user_id, int64_t *n);
int lf_store_token_get(lf_tx *tx, int64_t id, lf_api_token *out);
/* A user's tokens not revoked, newest first; *items is arena memory. */
int lf_store_token_list(lf_tx *tx, int64_t user_id, lf_api_token **items, int *n);
/* Revokes a token; *changes is 0 when it was already revoked. */
int lf_store_token_revoke(lf_tx *tx, int64_t id, int64_t now, int64_t *changes);
/* Sets last_used_at to now unless it is later than before: concurrent
 * requests, on any server, write it once. */
int lf_store_token_touch(lf_tx *tx, int64_t id, int64_t now, int64_t before);

#endif
