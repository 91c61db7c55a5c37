/*
 * store_projects.c - projects and their members.
 */
#include "store/db.h"

#include <string.h>

#include "authz/authz.h"

#define PROJECT_COLS                                                                               \
	"id, name, description, instructions, label_config, currency, policies, rates,"            \
	" task_types, status, created_by, created_at, updated_at"

static void project_fill(lf_tx *tx, lf_rows *r, void *out);
static void member_fill(lf_tx *tx, lf_rows *r, void *out);

static void project_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_project *p = out;
	p->id = lf_rows_int(r, 0);
	p->name = lf_rows_dup(tx, r, 1);
	p->description = lf_rows_dup(tx, r, 2);
	p->instructions = lf_rows_dup(tx, r, 3);
	p->label_config = lf_rows_dup(tx, r, 4);
	p->currency = lf_rows_dup(tx, r, 5);
	p->policies = lf_rows_dup(tx, r, 6);
	p->rates = lf_rows_dup(tx, r, 7);
	p->task_types = lf_rows_dup(tx, r, 8);
	p->status = lf_rows_dup(tx, r, 9);
	p->created_by = lf_rows_int(r, 10);
	p->created_at = lf_rows_int(r, 11);
	p->updated_at = lf_rows_int(r, 12);
}

int lf_store_project_insert(lf_tx *tx, const lf_project *p, int64_t *id)
{
	lf_val v[] = {
	    LF_VTEXT(p->name),	       LF_VTEXT(p->description), LF_VTEXT(p->instructions),
	    LF_VTEXT(p->label_config), LF_VTEXT(p->currency),	 LF_VTEXT(p->policies),
	    LF_VTEXT(p->rates),	       LF_VTEXT(p->task_types),	 LF_VTEXT(p->status),
	    LF_VID(p->created_by),     LF_VINT(p->created_at)};
	return lf_db_query_int(
	    tx,
	    "INSERT INTO projects (name, description, instructions, label_config,"
	    " currency, policies, rates, task_types, status, created_by,"
	    " created_at, updated_at)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
	    v, 11, id);
}

int lf_store_project_get(lf_tx *tx, int64_t id, lf_project *out)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_one(tx, "SELECT " PROJECT_COLS " FROM projects WHERE id = $1", v, 1,
			       project_fill, out);
}

int lf_store_project_version(lf_tx *tx, int64_t id, int64_t *version)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_int(tx, "SELECT updated_at FROM projects WHERE id = $1", v, 1, version);
}

/* The version transitions cache a project's configuration by
 * (tasks/config_cache.h) must move with every change, also when two
 * servers change the project in the same millisecond or one's clock lags:
 * never the same, never backwards. */
int lf_store_project_update(lf_tx *tx, lf_project *p)
{
	lf_val v[] = {LF_VINT(p->id),
		      LF_VTEXT(p->name),
		      LF_VTEXT(p->description),
		      LF_VTEXT(p->instructions),
		      LF_VTEXT(p->label_config),
		      LF_VTEXT(p->currency),
		      LF_VTEXT(p->policies),
		      LF_VTEXT(p->rates),
		      LF_VTEXT(p->task_types),
		      LF_VTEXT(p->status),
		      LF_VINT(p->updated_at)};
	return lf_db_query_int(
	    tx,
	    "UPDATE projects SET name = $2, description = $3, instructions = $4,"
	    " label_config = $5, currency = $6, policies = $7, rates = $8,"
	    " task_types = $9, status = $10,"
	    " updated_at = CASE WHEN $11 > updated_at THEN $11 ELSE updated_at + 1 END"
	    " WHERE id = $1 RETURNING updated_at",
	    v, 11, &p->updated_at);
}

int lf_store_project_list(lf_tx *tx, int64_t member_id, int64_t after_id, int limit,
			  lf_project **items, int *n)
{
	lf_val v[] = {LF_VID(member_id), LF_VINT(after_id), LF_VINT(limit)};
	return lf_db_query_list(
	    tx,
	    "SELECT " PROJECT_COLS " FROM projects WHERE id > $2 AND ($1 IS NULL OR"
	    " id IN (SELECT project_id FROM project_members WHERE user_id = $1))"
	    " ORDER BY id LIMIT $3",
	    v, 3, project_fill, sizeof(lf_project), limit, (void **)items, n);
}

int lf_store_project_state_counts(lf_tx *tx, int64_t project_id, const char *const *states,
				  int nstates, int64_t *counts)
{
	lf_val v[] = {LF_VINT(project_id)};
	lf_rows *r = NULL;
	int rc;
	for (int i = 0; i < nstates; i++)
		counts[i] = 0;
	/* One pass over the project's slice of tasks_list for every state,
	 * which that index alone answers; gold copies (one gold_answers row
	 * each) are counted apart and taken off, since they are not the
	 * project's tasks. */
	int ret = lf_db_query(tx,
			      "SELECT state, SUM(n) FROM (SELECT state, COUNT(*) AS n FROM tasks"
			      " WHERE project_id = $1 GROUP BY state UNION ALL"
			      " SELECT t.state, -COUNT(*) FROM gold_answers a"
			      " JOIN tasks t ON t.id = a.task_id WHERE a.project_id = $1"
			      " GROUP BY t.state) c GROUP BY state",
			      v, 1, &r);
	if (ret != LF_OK)
		return ret;
	while ((rc = lf_rows_next(r)) == 1) {
		const char *state = lf_rows_text(r, 0);
		for (int i = 0; state != NULL && i < nstates; i++)
			if (strcmp(states[i], state) == 0)
				counts[i] = lf_rows_int(r, 1);
	}
	lf_rows_close(r);
	return rc < 0 ? rc : LF_OK;
}

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

int lf_store_member_add(lf_tx *tx, int64_t project_id, int64_t user_id, const char *role,
			int64_t now)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(user_id), LF_VTEXT(role), LF_VINT(now)};
	return lf_db_exec(tx,
			  "INSERT INTO project_members (project_id, user_id, role, created_at)"
			  " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
			  v, 4, NULL);
}

int lf_store_member_remove(lf_tx *tx, int64_t project_id, int64_t user_id, const char *role,
			   int64_t *removed)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(user_id), LF_VTEXT(role)};
	return lf_db_exec(tx,
			  "DELETE FROM project_members WHERE project_id = $1 AND user_id = $2"
			  " AND ($3 IS NULL OR role = $3)",
			  v, 3, removed);
}

static void member_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_member *m = out;
	m->user_id = lf_rows_int(r, 0);
	m->email = lf_rows_dup(tx, r, 1);
	m->name = lf_rows_dup(tx, r, 2);
	m->role = lf_rows_dup(tx, r, 3);
	m->created_at = lf_rows_int(r, 4);
}

/* A page counts people, not rows: the subquery picks the page's users, and
 * all their roles come with them. */
int lf_store_member_list(lf_tx *tx, int64_t project_id, int64_t after_user, int max_users,
			 lf_member **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(after_user), LF_VINT(max_users)};
	return lf_db_query_list(tx,
				"SELECT m.user_id, u.email, u.name, m.role, m.created_at"
				" FROM project_members m JOIN users u ON u.id = m.user_id"
				" WHERE m.project_id = $1 AND m.user_id IN (SELECT DISTINCT user_id"
				" FROM project_members WHERE project_id = $1 AND user_id > $2"
				" ORDER BY user_id LIMIT $3) ORDER BY m.user_id, m.role",
				v, 3, member_fill, sizeof(lf_member), 0, (void **)items, n);
}
