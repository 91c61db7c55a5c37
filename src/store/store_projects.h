/*
 * store_projects.h - rows of projects and of their members' roles. Included
 * by store.h.
 */
#ifndef LF_STORE_PROJECTS_H
#define LF_STORE_PROJECTS_H

typedef struct lf_project {
	int64_t id;
	const char *name, *description, *instructions;
	const char *label_config; /* Label Studio XML */
	const char *currency;	  /* ISO 4217 code */
	const char *policies;	  /* JSON object text, see projects/policy.h */
	const char *rates;	  /* JSON {"l1","l2","l3"} minor units */
	const char *task_types;	  /* JSON {"type": {policy overrides}} */
	const char *status;	  /* active | closed */
	int64_t created_by, created_at, updated_at;
} lf_project;

int lf_store_project_insert(lf_tx *tx, const lf_project *p, int64_t *id);
int lf_store_project_get(lf_tx *tx, int64_t id, lf_project *out);
/* The project's version, its updated_at (the key of tasks/config_cache.h),
 * without the rest of the row. LF_ERR_NOTFOUND when there is no such
 * project. */
int lf_store_project_version(lf_tx *tx, int64_t id, int64_t *version);
/* Rewrites every mutable field of p->id; its updated_at becomes
 * p->updated_at or, when that is not later than the stored one, the
 * stored one plus 1 (written back to p->updated_at), so that every change
 * moves it forward. LF_ERR_NOTFOUND when there is no such project. */
int lf_store_project_update(lf_tx *tx, lf_project *p);
/* Projects with id > after_id by id; member_id != 0 limits the list to the
 * projects that user is a member of. */
int lf_store_project_list(lf_tx *tx, int64_t member_id, int64_t after_id, int limit,
			  lf_project **items, int *n);
/* Number of tasks of the project in each state named in states[]. */
int lf_store_project_state_counts(lf_tx *tx, int64_t project_id, const char *const *states,
				  int nstates, int64_t *counts);

/* The caller's project roles as LF_PROLE_* bits (authz/authz.h); 0 when
 * not a member. LF_ERR_NOTFOUND when the project does not exist. */
int lf_store_member_roles(lf_tx *tx, int64_t project_id, int64_t user_id, unsigned *roles);
/* Grants role (idempotent). */
int lf_store_member_add(lf_tx *tx, int64_t project_id, int64_t user_id, const char *role,
			int64_t now);
/* Removes one role, or every role when role is NULL; *removed gets how many. */
int lf_store_member_remove(lf_tx *tx, int64_t project_id, int64_t user_id, const char *role,
			   int64_t *removed);

typedef struct lf_member {
	int64_t user_id;
	const char *email, *name, *role;
	int64_t created_at;
} lf_member;
/* Every role of the first max_users members (by user id) after after_user,
 * ordered by user id and role; *items in the transaction's arena. */
int lf_store_member_list(lf_tx *tx, int64_t project_id, int64_t after_user, int max_users,
			 lf_member **items, int *n);

#endif
