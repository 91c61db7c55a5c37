/*
 * authz.c - the permission table.
 */
#include "authz/authz.h"

#include <string.h>

/*
 * Who holds each permission: admins (global) and/or members with any of
 * the listed project roles. A row left zero grants nothing.
 */
static const struct {
	unsigned admin : 1;
	unsigned any_user : 1;
	unsigned proj_roles;
} perm_table[LF_PERM__COUNT] = {
    [LF_PERM_SELF] = {.admin = 1, .any_user = 1},
    [LF_PERM_USERS_MANAGE] = {.admin = 1},
    [LF_PERM_AUDIT_READ] = {.admin = 1},
    [LF_PERM_PROJECT_CREATE] = {.admin = 1},
    [LF_PERM_PROJECT_MANAGE] = {.admin = 1},
    [LF_PERM_PROJECT_READ] = {.admin = 1,
			      .proj_roles =
				  LF_PROLE_ANNOTATOR | LF_PROLE_REVIEWER | LF_PROLE_SUPER_REVIEWER},
    [LF_PERM_STAGE_L1] = {.proj_roles = LF_PROLE_ANNOTATOR},
    [LF_PERM_STAGE_L2] = {.proj_roles = LF_PROLE_REVIEWER},
    [LF_PERM_STAGE_L3] = {.proj_roles = LF_PROLE_SUPER_REVIEWER},
    [LF_PERM_PAYOUTS] = {.admin = 1},
};

int lf_authz_check(const lf_authz_subject *subj, lf_perm perm)
{
	if (subj == NULL || (int)perm < 0 || perm >= LF_PERM__COUNT)
		return LF_ERR_FORBIDDEN;
	if (perm_table[perm].any_user)
		return LF_OK;
	if (subj->is_admin && perm_table[perm].admin)
		return LF_OK;
	if ((subj->proj_roles & perm_table[perm].proj_roles) != 0)
		return LF_OK;
	return LF_ERR_FORBIDDEN;
}

static const struct {
	unsigned bit;
	const char *name;
} prole_names[] = {
    {LF_PROLE_ANNOTATOR, "annotator"},
    {LF_PROLE_REVIEWER, "reviewer"},
    {LF_PROLE_SUPER_REVIEWER, "super_reviewer"},
};

unsigned lf_authz_prole_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < LF_ARRAY_LEN(prole_names); i++)
		if (strcmp(prole_names[i].name, name) == 0)
			return prole_names[i].bit;
	return 0;
}

const char *lf_authz_prole_name(unsigned bit)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(prole_names); i++)
		if (prole_names[i].bit == bit)
			return prole_names[i].name;
	return NULL;
}

int lf_authz_global_role_valid(const char *name)
{
	return name != NULL && (strcmp(name, "admin") == 0 || lf_authz_prole_parse(name) != 0);
}
