/*
 * authz.h - the one authorization decision of LabelFlow, deny by default.
 *
 * Every handler states the permission it needs; lf_authz_check decides
 * from the caller's global role and their roles in the project concerned.
 * Pure: the caller loads the membership. A permission missing from the
 * table below is refused for everyone.
 */
#ifndef LF_AUTHZ_H
#define LF_AUTHZ_H

#include "core/lf.h"

typedef enum lf_perm {
	LF_PERM_SELF,		/* read/update one's own account and earnings */
	LF_PERM_USERS_MANAGE,	/* create, list, change users */
	LF_PERM_AUDIT_READ,	/* read and verify the audit trail */
	LF_PERM_PROJECT_CREATE, /* create projects */
	LF_PERM_PROJECT_MANAGE, /* change a project, members, imports, escrow, exports */
	LF_PERM_PROJECT_READ,	/* see a project and its tasks (any member) */
	LF_PERM_STAGE_L1,	/* claim and submit annotation tasks */
	LF_PERM_STAGE_L2,	/* claim and decide review tasks */
	LF_PERM_STAGE_L3,	/* claim and decide approval tasks */
	LF_PERM_PAYOUTS,	/* create and list payouts */
	LF_PERM__COUNT
} lf_perm;

/* Project role bits (a member may hold several). */
enum {
	LF_PROLE_ANNOTATOR = 1 << 0,
	LF_PROLE_REVIEWER = 1 << 1,
	LF_PROLE_SUPER_REVIEWER = 1 << 2,
};

typedef struct lf_authz_subject {
	int is_admin;	     /* global admin role */
	unsigned proj_roles; /* LF_PROLE_* bits in the project concerned, 0 if none */
} lf_authz_subject;

/* LF_OK when allowed, LF_ERR_FORBIDDEN otherwise (also for unknown perms). */
int lf_authz_check(const lf_authz_subject *subj, lf_perm perm);

/* Project role name <-> bit. Returns 0 for an unknown name. */
unsigned lf_authz_prole_parse(const char *name);
const char *lf_authz_prole_name(unsigned bit);
/* Whether name is a valid global role. */
int lf_authz_global_role_valid(const char *name);

#endif
