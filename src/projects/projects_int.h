/*
 * projects_int.h - what projects.c and members.c share; private to
 * src/projects/.
 */
#ifndef LF_PROJECTS_INT_H
#define LF_PROJECTS_INT_H

#include "projects/projects.h"

/* Appends a record about project_id by the actor; details is stolen
 * (NULL, from a failed json_pack, is LF_ERR_NOMEM). */
int lf_projects_audit(lf_tx *tx, int64_t actor_id, const char *actor_role, const char *action,
		      int64_t project_id, json_t *details);

/* Forgets a description left by an earlier run of a retried transaction,
 * so a failure is never told with another failure's words. err may be
 * NULL. */
void lf_projects_clear(lf_error *err);

#endif
