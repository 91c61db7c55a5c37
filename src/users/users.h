/*
 * users.h - account operations that span the store, password hashing and
 * the audit trail, shared by the API and the command line.
 *
 * Each change is one write transaction run through lf_store_write with its
 * audit record. Passwords are hashed before it starts, so the slow hash
 * never holds the database's writer. Refusals are described in an
 * lf_error (code, reason, message) the HTTP layer renders as it is.
 */
#ifndef LF_USERS_H
#define LF_USERS_H

#include "store/store.h"

/*
 * Validates and creates a user with its "user.create" audit record.
 * actor_id 0 means the system (command line, first-admin bootstrap). *id
 * gets the new user's id. Refusals: LF_ERR_INVALID "invalid_user" for a bad
 * email, name, role or password; LF_ERR_CONFLICT "email_taken" when the
 * email is taken in any letter case. Other codes are the store's, with err
 * left undescribed.
 */
int lf_users_create(lf_store *s, int64_t actor_id, const char *actor_role, const char *email,
		    const char *name, const char *role, const char *password, int64_t *id,
		    lf_error *err);

/* What a PATCH changes: NULL fields and active < 0 keep the current value. */
typedef struct lf_user_patch {
	const char *name;
	const char *role; /* a global role */
	const char *password;
	int active; /* 0, 1 or -1 */
} lf_user_patch;

/*
 * Changes name, role, active or password of user id, with its "user.update"
 * audit record. Deactivation and password changes end the user's sessions
 * at once. An admin cannot demote or deactivate themselves, so the last
 * admin cannot lock everyone out. *out gets the user after the change
 * (arena memory of a). Refusals: LF_ERR_INVALID "invalid_user" (empty name,
 * unknown role, password of the wrong length), LF_ERR_CONFLICT
 * "cannot_demote_self", LF_ERR_NOTFOUND "not_found".
 */
int lf_users_update(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role, int64_t id,
		    const lf_user_patch *patch, lf_user *out, lf_error *err);

/* Email sanity check: 3..254 bytes, one '@' with text on both sides, no
 * spaces or control characters. */
int lf_users_email_valid(const char *email);

#endif
