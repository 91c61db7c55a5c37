/*
 * members.c - who holds which role in a project.
 */
#include "projects/projects_int.h"

#include "authz/authz.h"

#include <string.h>

/* One change of a person's roles. */
struct member_op {
	int64_t actor_id;
	const char *actor_role;
	int64_t project_id, user_id;
	const char *const *roles;
	int nroles;
	const char *reason; /* suspend */
	int64_t now;
	lf_error *err;
};

static int set_tx(lf_tx *tx, void *ud);
static int remove_tx(lf_tx *tx, void *ud);
static int suspend_tx(lf_tx *tx, void *ud);
static int reinstate_tx(lf_tx *tx, void *ud);

/* Setting replaces: the roles not asked for go, then the given ones are
 * granted, so the result is exactly the set asked for whatever was there.
 * A role kept is not granted anew: it keeps its suspension (gold.c), which
 * only a reinstatement lifts. */
static int set_tx(lf_tx *tx, void *ud)
{
	static const char *const all[] = {"annotator", "reviewer", "super_reviewer"};
	struct member_op *op = ud;
	lf_user u;
	int64_t removed = 0;
	int ret;
	lf_projects_clear(op->err);
	if (op->user_id == 0 || lf_store_user_get(tx, op->user_id, &u) != LF_OK || !u.active)
		return lf_error_set(op->err, LF_ERR_NOTFOUND, "not_found", "No such active user.");
	for (size_t r = 0; r < LF_ARRAY_LEN(all); r++) {
		int keep = 0;
		for (int i = 0; i < op->nroles; i++)
			keep |= strcmp(op->roles[i], all[r]) == 0;
		if (!keep && (ret = lf_store_member_remove(tx, op->project_id, op->user_id, all[r],
							   &removed)) != LF_OK)
			return ret;
	}
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

static int suspend_tx(lf_tx *tx, void *ud)
{
	struct member_op *op = ud;
	lf_projects_clear(op->err);
	int ret = lf_store_member_suspend(tx, op->project_id, op->user_id, op->reason, op->actor_id,
					  op->now);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(op->err, ret, "not_annotator",
				    "That user is not an annotator of the project.");
	if (ret == LF_ERR_CONFLICT)
		return lf_error_set(op->err, ret, "already_suspended",
				    "That annotator is suspended already.");
	if (ret != LF_OK)
		return ret;
	return lf_projects_audit(
	    tx, op->actor_id, op->actor_role, "member.suspend", op->project_id,
	    json_pack("{s:I,s:s}", "user_id", (json_int_t)op->user_id, "reason", op->reason));
}

int lf_projects_member_suspend(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
			       int64_t project_id, int64_t user_id, const char *reason,
			       lf_error *err)
{
	struct member_op op = {.actor_id = actor_id,
			       .actor_role = actor_role,
			       .project_id = project_id,
			       .user_id = user_id,
			       .reason = reason,
			       .now = lf_now_ms(),
			       .err = err};
	lf_projects_clear(err);
	return lf_store_write(s, a, suspend_tx, &op);
}

static int reinstate_tx(lf_tx *tx, void *ud)
{
	struct member_op *op = ud;
	lf_projects_clear(op->err);
	int ret = lf_store_member_reinstate(tx, op->project_id, op->user_id, op->now);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(op->err, ret, "not_suspended",
				    "That user is not a suspended annotator of the project.");
	if (ret != LF_OK)
		return ret;
	return lf_projects_audit(tx, op->actor_id, op->actor_role, "member.reinstate",
				 op->project_id,
				 json_pack("{s:I}", "user_id", (json_int_t)op->user_id));
}

int lf_projects_member_reinstate(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
				 int64_t project_id, int64_t user_id, lf_error *err)
{
	struct member_op op = {.actor_id = actor_id,
			       .actor_role = actor_role,
			       .project_id = project_id,
			       .user_id = user_id,
			       .now = lf_now_ms(),
			       .err = err};
	lf_projects_clear(err);
	return lf_store_write(s, a, reinstate_tx, &op);
}
