/*
 * store.h - persistence for LabelFlow, the only database API handlers and
 * domain modules see. SQL dialects stay behind it: sqlite.c today, a
 * PostgreSQL driver beside it, with the same domain functions on top.
 *
 * Every domain function takes an open transaction (lf_tx). Rows returned
 * through out-parameters are copied into the transaction's arena (given to
 * lf_store_begin), so they stay valid after commit until that arena is
 * reset. Functions return LF_OK or a negative lf_err; LF_ERR_NOTFOUND for
 * a missing row, LF_ERR_CONFLICT for a uniqueness or state conflict.
 */
#ifndef LF_STORE_H
#define LF_STORE_H

#include "core/arena.h"
#include "core/lf.h"

typedef struct lf_store lf_store;
typedef struct lf_tx lf_tx;

/*
 * Opens the database named by url: "sqlite:PATH" (PATH's folder is created)
 * or a bare path. readers is the number of read connections to keep (one
 * per server thread is right). On failure writes a sentence to err.
 * Owner: caller, released with lf_store_close.
 */
int lf_store_open(const char *url, int readers, lf_store **out, char *err, size_t errlen);
void lf_store_close(lf_store *s);

/* Applies pending migrations; *applied (may be NULL) gets how many ran. */
int lf_store_migrate(lf_store *s, int *applied);
/* Schema version after migrations. */
int lf_store_schema_version(lf_store *s, int *version);

/*
 * Begins a transaction. write=1 takes the single writer (SQLite allows one
 * writer at a time; funnelling writers through one connection avoids busy
 * spinning); write=0 uses a pooled read connection with a consistent
 * snapshot. arena receives copies of returned rows; it must outlive the
 * use of those rows. The tx is released by commit or rollback.
 */
int lf_store_begin(lf_store *s, int write, lf_arena *arena, lf_tx **out);
/* Commits and releases tx. On failure the transaction is rolled back. */
int lf_store_commit(lf_tx *tx);
/* Rolls back and releases tx; NULL is allowed. */
void lf_store_rollback(lf_tx *tx);
lf_arena *lf_store_arena(lf_tx *tx);
/* Cheap liveness probe for /readyz. */
int lf_store_ping(lf_store *s);

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
int lf_store_user_count(lf_tx *tx, int64_t *n);

/* ---- sessions (a refresh-token family) and refresh tokens ---- */

int lf_store_session_insert(lf_tx *tx, const char *sid, int64_t user_id, int64_t now,
			    int64_t expires_at);
/*
 * The per-request authentication check: the session exists, belongs to
 * user_id, is neither revoked nor expired, and the user is active. Fills
 * *user. LF_ERR_AUTH otherwise.
 */
int lf_store_session_check(lf_tx *tx, const char *sid, int64_t user_id, int64_t now,
			   lf_user *user);
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

/* ---- project membership ---- */

/* The caller's project roles as LF_PROLE_* bits (authz/authz.h); 0 when
 * not a member. LF_ERR_NOTFOUND when the project does not exist. */
int lf_store_member_roles(lf_tx *tx, int64_t project_id, int64_t user_id, unsigned *roles);

/* ---- audit trail (written only through audit/audit.h) ---- */

typedef struct lf_audit_row {
	int64_t seq;
	int64_t ts; /* ms since epoch */
	int64_t actor_id; /* 0 = system */
	const char *actor_role;
	const char *action;
	const char *entity_type;
	const char *entity_id;
	int64_t project_id, task_id; /* 0 = none */
	const char *from_state, *to_state;
	const char *details; /* canonical JSON text */
	const char *prev_hash, *hash; /* 64 hex chars */
} lf_audit_row;

typedef struct lf_audit_filter {
	int64_t project_id, task_id, actor_id; /* 0 = any */
	const char *action;                    /* NULL = any */
	int64_t since, until;                  /* ms, 0 = open */
	int64_t before_seq;                    /* keyset cursor, 0 = newest */
	int limit;
} lf_audit_filter;

/* Last record's seq and hash (seq 0 and 64 zeros on an empty trail). */
int lf_store_audit_tail(lf_tx *tx, int64_t *seq, char hash[65]);
int lf_store_audit_insert(lf_tx *tx, const lf_audit_row *row);
/* Newest first, matching filter; *items is arena memory. */
int lf_store_audit_list(lf_tx *tx, const lf_audit_filter *f, lf_audit_row **items, int *n);

/* Callback for lf_store_audit_scan: return LF_OK to go on. */
typedef int (*lf_audit_scan_cb)(void *ud, const lf_audit_row *row);
/* Streams every record in seq order without holding them in memory. */
int lf_store_audit_scan(lf_tx *tx, lf_audit_scan_cb cb, void *ud);

#endif
