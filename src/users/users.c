/*
 * users.c - creating and changing accounts.
 */
#include "users/users.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "authz/authz.h"

/* One creation: inputs, then what the transaction produced. */
struct create_op {
	int64_t actor_id;
	const char *actor_role, *email, *name, *role, *hash;
	int64_t now;
	lf_error *err;
	int64_t id;
};

/* One PATCH: inputs, then what the transaction produced. */
struct update_op {
	int64_t actor_id;
	const char *actor_role;
	int64_t id;
	const lf_user_patch *patch;
	const char *hash; /* NULL when the password stays */
	int64_t now;
	lf_error *err;
	lf_user after;
};

static int create_tx(lf_tx *tx, void *ud);
static int update_tx(lf_tx *tx, void *ud);
static void clear(lf_error *err);

/* Forgets a description left by an earlier run of a retried transaction,
 * so a failure is never told with another failure's words. */
static void clear(lf_error *err)
{
	if (err != NULL)
		err->reason[0] = '\0';
}

int lf_users_email_valid(const char *email)
{
	size_t len = strlen(email);
	const char *at = strchr(email, '@');
	if (len < 3 || len > 254 || at == NULL || at == email || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (const unsigned char *p = (const unsigned char *)email; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

static int create_tx(lf_tx *tx, void *ud)
{
	struct create_op *op = ud;
	char idbuf[32];
	json_t *details = NULL;
	int ret;
	op->id = 0;
	clear(op->err);
	if ((ret = lf_store_user_insert(tx, op->email, op->name, op->role, op->hash, op->now,
					&op->id)) != LF_OK) {
		if (ret == LF_ERR_CONFLICT)
			lf_error_set(op->err, ret, "email_taken",
				     "a user with email %s already exists.", op->email);
		return ret;
	}
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)op->id);
	details =
	    json_pack("{s:s,s:s,s:s}", "email", op->email, "name", op->name, "role", op->role);
	if (details == NULL)
		return lf_error_set(op->err, LF_ERR_INVALID, "invalid_user",
				    "email and name must be valid UTF-8.");
	lf_audit_event ev = {.actor_id = op->actor_id,
			     .actor_role = op->actor_role,
			     .action = "user.create",
			     .entity_type = "user",
			     .entity_id = idbuf,
			     .details = details};
	ret = lf_audit_append(tx, &ev, NULL);
	json_decref(details);
	return ret;
}

int lf_users_create(lf_store *s, int64_t actor_id, const char *actor_role, const char *email,
		    const char *name, const char *role, const char *password, int64_t *id,
		    lf_error *err)
{
	char hash[LF_PASSWORD_HASH_MAX];
	struct create_op op = {.actor_id = actor_id,
			       .actor_role = actor_role,
			       .email = email,
			       .name = name,
			       .role = role,
			       .hash = hash,
			       .err = err};
	int ret;
	clear(err);
	if (!lf_users_email_valid(email))
		return lf_error_set(err, LF_ERR_INVALID, "invalid_user",
				    "email must look like name@example.org.");
	if (name[0] == '\0' || strlen(name) > 200)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_user",
				    "name must be 1 to 200 characters.");
	if (!lf_authz_global_role_valid(role))
		return lf_error_set(err, LF_ERR_INVALID, "invalid_user",
				    "role must be one of admin, annotator, reviewer,"
				    " super_reviewer.");
	if (lf_password_hash(password, hash) != LF_OK)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_user",
				    "password must be 8 to 1024 characters.");
	op.now = lf_now_ms();
	ret = lf_store_write(s, NULL, create_tx, &op);
	if (ret == LF_OK)
		*id = op.id;
	sodium_memzero(hash, sizeof(hash));
	return ret;
}

static int update_tx(lf_tx *tx, void *ud)
{
	struct update_op *op = ud;
	const lf_user_patch *pt = op->patch;
	char idbuf[32];
	lf_user before;
	json_t *details = NULL;
	int ret;
	memset(&op->after, 0, sizeof(op->after));
	clear(op->err);
	if (lf_store_user_get(tx, op->id, &before) != LF_OK)
		return lf_error_set(op->err, LF_ERR_NOTFOUND, "not_found", "No such user.");
	if ((ret = lf_store_user_update(tx, op->id, pt->name, pt->role, pt->active, op->hash,
					op->now)) != LF_OK ||
	    (ret = lf_store_user_get(tx, op->id, &op->after)) != LF_OK)
		return ret;
	if ((pt->active == 0 || pt->password != NULL) &&
	    (ret = lf_store_session_revoke_user(
		 tx, op->id, op->now, pt->active == 0 ? "deactivated" : "password changed")) !=
		LF_OK)
		return ret;
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)op->id);
	details = json_pack("{s:{s:s,s:s,s:b},s:{s:s,s:s,s:b},s:b}", "before", "name", before.name,
			    "role", before.role, "active", before.active, "after", "name",
			    op->after.name, "role", op->after.role, "active", op->after.active,
			    "password_changed", pt->password != NULL);
	if (details == NULL)
		return LF_ERR_NOMEM;
	lf_audit_event ev = {.actor_id = op->actor_id,
			     .actor_role = op->actor_role,
			     .action = "user.update",
			     .entity_type = "user",
			     .entity_id = idbuf,
			     .from_state = before.active ? "active" : "inactive",
			     .to_state = op->after.active ? "active" : "inactive",
			     .details = details};
	ret = lf_audit_append(tx, &ev, NULL);
	json_decref(details);
	return ret;
}

int lf_users_update(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role, int64_t id,
		    const lf_user_patch *patch, lf_user *out, lf_error *err)
{
	char hash[LF_PASSWORD_HASH_MAX];
	struct update_op op = {
	    .actor_id = actor_id, .actor_role = actor_role, .id = id, .patch = patch, .err = err};
	int ret;
	clear(err);
	if (patch->name != NULL && patch->name[0] == '\0')
		return lf_error_set(err, LF_ERR_INVALID, "invalid_user", "name must not be empty.");
	if (patch->role != NULL && !lf_authz_global_role_valid(patch->role))
		return lf_error_set(err, LF_ERR_INVALID, "invalid_user",
				    "role must be one of admin, annotator, reviewer,"
				    " super_reviewer.");
	if (id == actor_id &&
	    (patch->active == 0 || (patch->role != NULL && strcmp(patch->role, "admin") != 0)))
		return lf_error_set(err, LF_ERR_CONFLICT, "cannot_demote_self",
				    "You cannot deactivate or demote your own account.");
	if (patch->password != NULL) {
		if (lf_password_hash(patch->password, hash) != LF_OK)
			return lf_error_set(err, LF_ERR_INVALID, "invalid_user",
					    "password must be 8 to 1024 characters.");
		op.hash = hash;
	}
	op.now = lf_now_ms();
	ret = lf_store_write(s, a, update_tx, &op);
	if (ret == LF_OK)
		*out = op.after;
	sodium_memzero(hash, sizeof(hash));
	return ret;
}
