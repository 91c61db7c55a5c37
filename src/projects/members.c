/*
 * members.c - who holds which role in a project.
 */
#include "projects/projects_int.h"

#include "authz/authz.h"

/* One change of a person's roles. */
struct member_op {
	int64_t actor_id;
	const char *actor_role;
	int64_t project_id, user_id;
	const char *const *roles;
	int nroles;
	int64_t now;
	lf_error *err;
};

static int set_tx(lf_tx *tx, void *ud);
static int remove_tx(lf_tx *tx, void *ud);

/* Setting replaces: every role goes, then the given ones are granted, so
 * the result is exactly the set asked for whatever was there. */
static int set_tx(lf_tx *tx, void *ud)
{
	struct member_op *op = ud;
	lf_user u;
	int64_t removed = 0;
	int ret;
	lf_projects_clear(op->err);
	if (op->user_id == 0 || lf_store_user_get(tx, op->user_id, &u) != LF_OK || !u.active)
		return lf_error_set(op->err, LF_ERR_NOTFOUND, "not_found", "No such active user.");
	if ((ret = lf_store_member_remove(tx, op->project_id, op->user_id, NULL, &removed)) !=
	    LF_OK)
		return ret;
	json_t *granted = json_array();
	for (int i = 0; i < op->nroles; i++) {
		if ((ret = lf_store_member_add(tx, op->project_id, op->user_id, op->roles[i],
					       op->now)) != LF_OK) {
			json_decref(granted);
			return ret;
		}
		json_array_append_new(granted, json_string(op->roles[i]));
	}
	return lf_projects_audit(
	    tx, op->actor_id, op->actor_role, "member.set", op->project_id,
	    json_pack("{s:I,s:o}", "user_id", (json_int_t)op->user_id, "roles", granted));
}

int lf_projects_member_set(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
			   int64_t project_id, int64_t user_id, const char *const *roles,
			   int nroles, lf_error *err)
{
	struct member_op op = {.actor_id = actor_id,
			       .actor_role = actor_role,
			       .project_id = project_id,
			       .user_id = user_id,
			       .roles = roles,
			       .nroles = nroles,
			       .err = err};
	lf_projects_clear(err);
	if (nroles < 1)
		return lf_error_set(err, LF_ERR_INVALID, "missing_field",
				    "The field \"role\" is required.");
	if (nroles > 3)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_member",
				    "roles holds at most annotator, reviewer, super_reviewer.");
	for (int i = 0; i < nroles; i++)
		if (lf_authz_prole_parse(roles[i]) == 0)
			return lf_error_set(err, LF_ERR_INVALID, "invalid_member",
					    "A project role is annotator, reviewer or"
					    " super_reviewer, not \"%s\".",
					    roles[i]);
	op.now = lf_now_ms();
	return lf_store_write(s, a, set_tx, &op);
}

static int remove_tx(lf_tx *tx, void *ud)
{
	struct member_op *op = ud;
	int64_t removed = 0;
	int ret;
	lf_projects_clear(op->err);
	if ((ret = lf_store_member_remove(tx, op->project_id, op->user_id, NULL, &removed)) !=
	    LF_OK)
		return ret;
	if (removed == 0)
		return lf_error_set(op->err, LF_ERR_NOTFOUND, "not_found",
				    "That user is not a member.");
	return lf_projects_audit(tx, op->actor_id, op->actor_role, "member.remove", op->project_id,
				 json_pack("{s:I}", "user_id", (json_int_t)op->user_id));
}

int lf_projects_member_remove(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
			      int64_t project_id, int64_t user_id, lf_error *err)
{
	struct member_op op = {.actor_id = actor_id,
			       .actor_role = actor_role,
			       .project_id = project_id,
			       .user_id = user_id,
			       .err = err};
	lf_projects_clear(err);
	return lf_store_write(s, a, remove_tx, &op);
}
