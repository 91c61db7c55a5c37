/*
 * store_gold.c - gold tasks, gold answers and members' suspensions.
 */
#include "store/db.h"

#include <string.h>

#define GOLD_COLS                                                                                  \
	"g.id, g.project_id, g.task_type, g.data, g.predictions, g.answer, g.source_task_id,"      \
	" g.created_by, g.created_at, g.retired_at"
/* The counts of a gold task's scored answers, after GOLD_COLS. */
#define GOLD_COUNTS                                                                                \
	", (SELECT COUNT(*) FROM gold_answers a WHERE a.gold_id = g.id AND a.answered_at IS NOT "  \
	"NULL),"                                                                                   \
	" (SELECT COUNT(*) FROM gold_answers a WHERE a.gold_id = g.id AND a.passed = 1),"          \
	" (SELECT COALESCE(SUM(a.score_ppm), 0) FROM gold_answers a WHERE a.gold_id = g.id)"

static void gold_fill(lf_tx *tx, lf_rows *r, void *out);
static void gold_counted_fill(lf_tx *tx, lf_rows *r, void *out);
static void text_fill(lf_tx *tx, lf_rows *r, void *out);
static void person_fill(lf_tx *tx, lf_rows *r, void *out);
static void suspension_fill(lf_tx *tx, lf_rows *r, void *out);

static void gold_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_gold *g = out;
	memset(g, 0, sizeof(*g));
	g->id = lf_rows_int(r, 0);
	g->project_id = lf_rows_int(r, 1);
	g->task_type = lf_rows_dup(tx, r, 2);
	g->data = lf_rows_dup(tx, r, 3);
	g->predictions = lf_rows_dup(tx, r, 4);
	g->answer = lf_rows_dup(tx, r, 5);
	g->source_task_id = lf_rows_int(r, 6);
	g->created_by = lf_rows_int(r, 7);
	g->created_at = lf_rows_int(r, 8);
	g->retired_at = lf_rows_int(r, 9);
}

static void gold_counted_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_gold *g = out;
	gold_fill(tx, r, out);
	g->answered = lf_rows_int(r, 10);
	g->passed = lf_rows_int(r, 11);
	g->score_ppm_sum = lf_rows_int(r, 12);
}

int lf_store_gold_insert(lf_tx *tx, const lf_gold *g, int64_t *id)
{
	lf_val v[] = {LF_VINT(g->project_id),	LF_VTEXT(g->task_type), LF_VTEXT(g->data),
		      LF_VTEXT(g->predictions), LF_VTEXT(g->answer),	LF_VID(g->source_task_id),
		      LF_VINT(g->created_by),	LF_VINT(g->created_at), LF_VID(g->import_id),
		      LF_VINT(g->import_seq)};
	return lf_db_query_int(tx,
			       "INSERT INTO gold_tasks (project_id, task_type, data, predictions,"
			       " answer, source_task_id, created_by, created_at, import_id,"
			       " import_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
			       " RETURNING id",
			       v, 10, id);
}

int lf_store_gold_get(lf_tx *tx, int64_t project_id, int64_t id, lf_gold *out)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(id)};
	return lf_db_query_one(tx,
			       "SELECT " GOLD_COLS GOLD_COUNTS
			       " FROM gold_tasks g WHERE g.project_id = $1 AND g.id = $2",
			       v, 2, gold_counted_fill, out);
}

int lf_store_gold_list(lf_tx *tx, int64_t project_id, int64_t after, int limit, lf_gold **items,
		       int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(after), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " GOLD_COLS GOLD_COUNTS " FROM gold_tasks g"
				" WHERE g.project_id = $1 AND g.id > $2 ORDER BY g.id LIMIT $3",
				v, 3, gold_counted_fill, sizeof(lf_gold), 0, (void **)items, n);
}

int lf_store_gold_retire(lf_tx *tx, int64_t project_id, int64_t id, int64_t now)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(id), LF_VINT(now)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE gold_tasks SET retired_at = $3"
			     " WHERE project_id = $1 AND id = $2 AND retired_at IS NULL",
			     v, 3, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_NOTFOUND : ret;
}

/* Read through gold_tasks_project and the (gold_id, user_id) key of
 * gold_answers: one probe per gold task the user has seen, so a claim
 * costs at most the number of gold tasks, a few hundred at most. */
int lf_store_gold_next(lf_tx *tx, int64_t project_id, int64_t user_id, lf_gold *out)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(user_id)};
	return lf_db_query_one(tx,
			       "SELECT " GOLD_COLS " FROM gold_tasks g"
			       " WHERE g.project_id = $1 AND g.retired_at IS NULL"
			       " AND NOT EXISTS (SELECT 1 FROM gold_answers a"
			       " WHERE a.gold_id = g.id AND a.user_id = $2)"
			       " ORDER BY g.id LIMIT 1",
			       v, 2, gold_fill, out);
}

int lf_store_gold_serve(lf_tx *tx, int64_t gold_id, int64_t task_id, int64_t project_id,
			int64_t user_id, int64_t now)
{
	lf_val v[] = {LF_VINT(task_id), LF_VINT(gold_id), LF_VINT(project_id), LF_VINT(user_id),
		      LF_VINT(now)};
	int64_t changes = 0;
	/* ON CONFLICT: a unique violation would abort a PostgreSQL
	 * transaction, and the caller goes on without the gold task. */
	int ret = lf_db_exec(tx,
			     "INSERT INTO gold_answers (task_id, gold_id, project_id, user_id,"
			     " served_at) VALUES ($1, $2, $3, $4, $5)"
			     " ON CONFLICT (gold_id, user_id) DO NOTHING",
			     v, 5, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_CONFLICT : ret;
}

int lf_store_gold_answer(lf_tx *tx, int64_t task_id, int64_t score_ppm, int passed, int64_t now)
{
	lf_val v[] = {LF_VINT(task_id), LF_VINT(score_ppm), LF_VINT(passed), LF_VINT(now)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE gold_answers SET score_ppm = $2, passed = $3, answered_at = $4"
			     " WHERE task_id = $1 AND answered_at IS NULL",
			     v, 4, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_CONFLICT : ret;
}

static void text_fill(lf_tx *tx, lf_rows *r, void *out)
{
	*(const char **)out = lf_rows_dup(tx, r, 0);
}

int lf_store_gold_answer_of(lf_tx *tx, int64_t task_id, const char **answer)
{
	lf_val v[] = {LF_VINT(task_id)};
	return lf_db_query_one(tx,
			       "SELECT g.answer FROM tasks t JOIN gold_tasks g ON g.id = t.gold_id"
			       " WHERE t.id = $1",
			       v, 1, text_fill, answer);
}

static void person_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_gold_person *p = out;
	(void)tx;
	p->user_id = lf_rows_int(r, 0);
	p->answered = lf_rows_int(r, 1);
	p->passed = lf_rows_int(r, 2);
	p->score_ppm_sum = lf_rows_int(r, 3);
}

#define PERSON_COLS                                                                                \
	"SELECT user_id, COUNT(*), COALESCE(SUM(passed), 0), COALESCE(SUM(score_ppm), 0)"          \
	" FROM gold_answers"

int lf_store_gold_person(lf_tx *tx, int64_t project_id, int64_t user_id, int64_t since,
			 lf_gold_person *out)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(user_id), LF_VINT(since)};
	memset(out, 0, sizeof(*out));
	int ret = lf_db_query_one(tx,
				  PERSON_COLS " WHERE project_id = $1 AND user_id = $2"
					      " AND answered_at >= $3 GROUP BY user_id",
				  v, 3, person_fill, out);
	out->user_id = user_id;
	return ret == LF_ERR_NOTFOUND ? LF_OK : ret;
}

int lf_store_gold_people(lf_tx *tx, int64_t project_id, lf_gold_person **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id)};
	return lf_db_query_list(tx,
				PERSON_COLS " WHERE project_id = $1 AND answered_at IS NOT NULL"
					    " GROUP BY user_id ORDER BY user_id",
				v, 1, person_fill, sizeof(lf_gold_person), 0, (void **)items, n);
}

int lf_store_member_suspend(lf_tx *tx, int64_t project_id, int64_t user_id, const char *reason,
			    int64_t by, int64_t now)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(user_id), LF_VTEXT(reason), LF_VID(by),
		      LF_VINT(now)};
	lf_suspension s;
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE project_members SET suspended_reason = $3, suspended_by = $4,"
			     " suspended_at = $5 WHERE project_id = $1 AND user_id = $2"
			     " AND role = 'annotator' AND suspended_reason IS NULL",
			     v, 5, &changes);
	if (ret != LF_OK || changes > 0)
		return ret;
	/* Nothing changed: read why only then (no such annotator, or one
	 * suspended already), so a suspension costs one statement. */
	ret = lf_store_member_suspension(tx, project_id, user_id, &s);
	return ret == LF_OK ? LF_ERR_CONFLICT : ret;
}

int lf_store_member_reinstate(lf_tx *tx, int64_t project_id, int64_t user_id, int64_t now)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(user_id), LF_VINT(now)};
	int64_t changes = 0;
	int ret =
	    lf_db_exec(tx,
		       "UPDATE project_members SET suspended_reason = NULL, suspended_by = NULL,"
		       " suspended_at = NULL, reinstated_at = $3"
		       " WHERE project_id = $1 AND user_id = $2 AND role = 'annotator'"
		       " AND suspended_reason IS NOT NULL",
		       v, 3, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_NOTFOUND : ret;
}

static void suspension_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_suspension *s = out;
	s->user_id = lf_rows_int(r, 0);
	s->reason = lf_rows_dup(tx, r, 1);
	s->at = lf_rows_int(r, 2);
	s->by = lf_rows_int(r, 3);
	s->reinstated_at = lf_rows_int(r, 4);
	s->name = lf_rows_dup(tx, r, 5);
	s->email = lf_rows_dup(tx, r, 6);
}

#define SUSPENSION_SELECT                                                                          \
	"SELECT m.user_id, m.suspended_reason, m.suspended_at, m.suspended_by, m.reinstated_at,"   \
	" u.name, u.email FROM project_members m JOIN users u ON u.id = m.user_id"                 \
	" WHERE m.project_id = $1 AND m.role = 'annotator'"

int lf_store_member_suspensions(lf_tx *tx, int64_t project_id, int64_t after_user, int limit,
				lf_suspension **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(after_user), LF_VINT(limit)};
	return lf_db_query_list(tx,
				SUSPENSION_SELECT " AND m.user_id > $2 ORDER BY m.user_id LIMIT $3",
				v, 3, suspension_fill, sizeof(lf_suspension), 0, (void **)items, n);
}

int lf_store_member_suspension(lf_tx *tx, int64_t project_id, int64_t user_id, lf_suspension *out)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(user_id)};
	return lf_db_query_one(tx, SUSPENSION_SELECT " AND m.user_id = $2", v, 2, suspension_fill,
			       out);
}
