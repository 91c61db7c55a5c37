/*
 * projects.h - projects and their members as domain commands: creation,
 * changes of settings (label config, policies, pay rates, currency,
 * status), and who holds which role in a project.
 *
 * Each command is one write transaction run through lf_store_write with
 * its audit record. The HTTP layer parses the body (field types, lengths,
 * required fields) into an lf_project_fields and authorizes the caller;
 * the rules on the values are here. Refusals are described in an lf_error
 * (code, reason, message) the HTTP layer renders as it is; store failures
 * return their code with err left undescribed.
 */
#ifndef LF_PROJECTS_H
#define LF_PROJECTS_H

#include <jansson.h>

#include "store/store.h"

/*
 * A project's settings as a request gives them. NULL means "not given":
 * keep the current value (update) or take the default (create: USD, no
 * description or instructions, default policies, zero rates, active).
 * Everything is borrowed for the duration of the call.
 */
typedef struct lf_project_fields {
	const char *name, *description, *instructions;
	const char *label_config; /* Label Studio XML */
	const char *currency;	  /* ISO 4217 code */
	const char *status;	  /* active | closed */
	const json_t *policies;	  /* overrides of the policy (projects/policy.h) */
	const json_t *rates;	  /* {l1, l2, l3} minor units */
	const json_t *task_types; /* {"type": {policy overrides}} */
	const json_t *sent;	  /* names of every field the request sent (a JSON
				     array), for the update's audit record; may be NULL */
} lf_project_fields;

/*
 * Creates a project from f (name and label_config required) with a
 * "project.create" audit record; created_by is the actor. *out gets the
 * stored project (arena memory of a). Refusals (LF_ERR_INVALID):
 * "missing_field", "invalid_project" (empty name, currency not three
 * capitals, unknown status), "invalid_label_config", "invalid_policy"
 * (policies or task_types), "invalid_rates".
 */
int lf_projects_create(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
		       const lf_project_fields *f, lf_project *out, lf_error *err);

/*
 * Applies the given fields of f to project id, with a "project.update"
 * audit record naming f->sent. Policies and rates given are merged over
 * the project's, and the whole effective policy is stored, so a later
 * change of defaults does not silently alter a running project. *out gets
 * the project after the change (arena memory of a). Refusals: those of
 * lf_projects_create, LF_ERR_CONFLICT "currency_locked" when the currency
 * would change after money moved in the old one, LF_ERR_NOTFOUND.
 */
int lf_projects_update(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
		       int64_t id, const lf_project_fields *f, lf_project *out, lf_error *err);

/*
 * Sets user_id's roles in the project to exactly roles[0..nroles) (1 to 3
 * project roles: annotator, reviewer, super_reviewer), with a "member.set"
 * audit record. Refusals: LF_ERR_INVALID "missing_field" / "invalid_member"
 * for no roles, too many or an unknown one; LF_ERR_NOTFOUND "not_found"
 * when the user does not exist or is inactive.
 */
int lf_projects_member_set(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
			   int64_t project_id, int64_t user_id, const char *const *roles,
			   int nroles, lf_error *err);

/*
 * Takes every role in the project from user_id, with a "member.remove"
 * audit record. LF_ERR_NOTFOUND "not_found" when they held none.
 */
int lf_projects_member_remove(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
			      int64_t project_id, int64_t user_id, lf_error *err);

/*
 * Suspends user_id's annotator role in the project for reason (they keep
 * reading what is theirs but claim no L1 work; their claims are told the
 * reason), with a "member.suspend" audit record. LF_ERR_NOTFOUND
 * "not_annotator" when they are no annotator there, LF_ERR_CONFLICT
 * "already_suspended". Automatic suspensions come from src/tasks/gold.c.
 */
int lf_projects_member_suspend(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
			       int64_t project_id, int64_t user_id, const char *reason,
			       lf_error *err);
/* Lifts it, with a "member.reinstate" audit record; gold answers before
 * now no longer count towards the suspension rule. LF_ERR_NOTFOUND
 * "not_suspended" when there is none. */
int lf_projects_member_reinstate(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
				 int64_t project_id, int64_t user_id, lf_error *err);

#endif
