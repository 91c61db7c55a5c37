/*
 * store_projects.c - projects and their members.
 */
#include "store/db.h"

#include "authz/authz.h"

int lf_store_member_roles(lf_tx *tx, int64_t project_id, int64_t user_id, unsigned *roles)
{
	lf_val p[] = {LF_VINT(project_id), LF_VINT(user_id)};
	lf_rows *r = NULL;
	int rc, found = 0;
	*roles = 0;
	/* One row per role, plus a sentinel row proving the project exists. */
	int ret = lf_db_query(tx,
			      "SELECT m.role FROM projects p LEFT JOIN project_members m"
			      " ON m.project_id = p.id AND m.user_id = $2 WHERE p.id = $1",
			      p, 2, &r);
	if (ret != LF_OK)
		return ret;
	while ((rc = lf_rows_next(r)) == 1) {
		found = 1;
		*roles |= lf_authz_prole_parse(lf_rows_text(r, 0));
	}
	lf_rows_close(r);
	if (rc < 0)
		return rc;
	return found ? LF_OK : LF_ERR_NOTFOUND;
}
