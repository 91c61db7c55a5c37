/*
 * store_stats.c - read-only aggregates behind a project's dashboard and
 * an annotator's own progress.
 *
 * Days are UTC days since the epoch (created_at / 86400000 with integer
 * millisecond timestamps), which both SQLite and PostgreSQL compute with
 * plain integer division, so no date functions of either dialect are
 * needed. The databases group; folding the groups into one row per day or
 * per person happens here, so handlers see finished records.
 */
#include "store/db.h"

/* One (key, stage, status) group as the queries return it. */
struct bucket {
	int64_t key; /* day or user id */
	int stage;   /* 1..3 for work; 0 for accepted tasks or earned holds */
	const char *status;
	const char *name, *email;
	int64_t count, total;
};

static void day_fill(lf_tx *tx, lf_rows *r, void *out);
static void gauge_fill(lf_tx *tx, lf_rows *r, void *out);
static void user_fill(lf_tx *tx, lf_rows *r, void *out);
static void progress_fill(lf_tx *tx, lf_rows *r, void *out);

static void day_fill(lf_tx *tx, lf_rows *r, void *out)
{
	struct bucket *b = out;
	(void)tx;
	b->key = lf_rows_int(r, 0);
	b->stage = (int)lf_rows_int(r, 1);
	b->count = lf_rows_int(r, 2);
}

static void user_fill(lf_tx *tx, lf_rows *r, void *out)
{
	struct bucket *b = out;
	b->key = lf_rows_int(r, 0);
	b->name = lf_rows_dup(tx, r, 1);
	b->email = lf_rows_dup(tx, r, 2);
	b->stage = (int)lf_rows_int(r, 3);
	b->status = lf_rows_dup(tx, r, 4);
	b->count = lf_rows_int(r, 5);
	b->total = lf_rows_int(r, 6);
}

/*
 * A stint counts once it is finished as done or voided: voided work was
 * done and then sent back or overturned, which is still work done that
 * day. Accepted is a final state, so an accepted task's updated_at is the
 * moment it was accepted.
 */
int lf_store_stats_throughput(lf_tx *tx, int64_t project_id, int64_t since, int64_t until,
			      lf_stats_day **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(since), LF_VINT(until)};
	struct bucket *b = NULL;
	lf_stats_day *out = NULL;
	int nb = 0, cnt = 0, cap = 0;
	int ret = lf_db_query_list(
	    tx,
	    "SELECT day, stage, n FROM ("
	    " SELECT finished_at / 86400000 AS day, stage, COUNT(*) AS n FROM task_work"
	    " WHERE project_id = $1 AND status IN ('done', 'voided')"
	    " AND finished_at >= $2 AND finished_at < $3"
	    " GROUP BY finished_at / 86400000, stage"
	    " UNION ALL"
	    " SELECT updated_at / 86400000, 0, COUNT(*) FROM tasks"
	    " WHERE project_id = $1 AND state = 'accepted'"
	    " AND updated_at >= $2 AND updated_at < $3"
	    " GROUP BY updated_at / 86400000) x"
	    " ORDER BY day, stage",
	    v, 3, day_fill, sizeof(*b), 0, (void **)&b, &nb);
	if (ret != LF_OK)
		return ret;
	for (int i = 0; i < nb; i++) {
		if (cnt == 0 || out[cnt - 1].day != b[i].key) {
			if ((out = lf_db_grow(tx, out, cnt, &cap, sizeof(*out))) == NULL)
				return LF_ERR_NOMEM;
			out[cnt++] = (lf_stats_day){.day = b[i].key};
		}
		lf_stats_day *d = &out[cnt - 1];
		switch (b[i].stage) {
		case 0: d->accepted = b[i].count; break;
		case 1: d->submitted = b[i].count; break;
		case 2: d->reviewed = b[i].count; break;
		case 3: d->decided = b[i].count; break;
		default: break;
		}
	}
	*items = out;
	*n = cnt;
	return LF_OK;
}

/*
 * Earned holds are dated by when they were earned (updated_at), work by
 * when it finished, so a person appears when either falls in the range.
 */
int lf_store_stats_people(lf_tx *tx, int64_t project_id, int64_t since, int64_t until,
			  lf_stats_person **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(since), LF_VINT(until)};
	struct bucket *b = NULL;
	lf_stats_person *out = NULL;
	int nb = 0, cnt = 0, cap = 0;
	int ret = lf_db_query_list(
	    tx,
	    "SELECT x.user_id, u.name, u.email, x.stage, x.status, x.n, x.total FROM ("
	    " SELECT user_id, stage, status, COUNT(*) AS n,"
	    " SUM(finished_at - started_at) AS total FROM task_work"
	    " WHERE project_id = $1 AND status IN ('done', 'voided')"
	    " AND finished_at >= $2 AND finished_at < $3"
	    " GROUP BY user_id, stage, status"
	    " UNION ALL"
	    " SELECT user_id, 0, 'earned', COUNT(*), SUM(amount) FROM holds"
	    " WHERE project_id = $1 AND status = 'earned'"
	    " AND updated_at >= $2 AND updated_at < $3"
	    " GROUP BY user_id) x"
	    " JOIN users u ON u.id = x.user_id"
	    " ORDER BY x.user_id, x.stage, x.status",
	    v, 3, user_fill, sizeof(*b), 0, (void **)&b, &nb);
	if (ret != LF_OK)
		return ret;
	for (int i = 0; i < nb; i++) {
		if (cnt == 0 || out[cnt - 1].user_id != b[i].key) {
			if ((out = lf_db_grow(tx, out, cnt, &cap, sizeof(*out))) == NULL)
				return LF_ERR_NOMEM;
			out[cnt++] = (lf_stats_person){
			    .user_id = b[i].key, .name = b[i].name, .email = b[i].email};
		}
		lf_stats_person *p = &out[cnt - 1];
		int voided = b[i].status[0] == 'v';
		switch (b[i].stage) {
		case 0: p->earned = b[i].total; break;
		case 1:
			p->submitted += b[i].count;
			p->rejected += voided ? b[i].count : 0;
			p->annotate_ms += b[i].total;
			break;
		case 2: p->reviewed += b[i].count; break;
		case 3: p->decided += b[i].count; break;
		default: break;
		}
	}
	*items = out;
	*n = cnt;
	return LF_OK;
}

static void progress_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_stats_progress *p = out;
	(void)tx;
	p->project_id = lf_rows_int(r, 0);
	p->submitted = lf_rows_int(r, 1);
	p->accepted = lf_rows_int(r, 2);
	p->rejected = lf_rows_int(r, 3);
	p->pending_review = lf_rows_int(r, 4);
	p->recent = lf_rows_int(r, 5);
}

/* Rejected work is voided whatever happens to the task later, and done
 * work counts once its task is accepted: so the task's state splits the
 * done stints into accepted and pending, and a discarded task (which
 * voids all its work) leaves none pending. */
int lf_store_stats_progress(lf_tx *tx, int64_t user_id, int64_t since, lf_stats_progress **items,
			    int *n)
{
	lf_val v[] = {LF_VINT(user_id), LF_VINT(since)};
	return lf_db_query_list(
	    tx,
	    "SELECT w.project_id, COUNT(*),"
	    " SUM(CASE WHEN w.status = 'done' AND t.state = 'accepted' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN w.status = 'voided' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN w.status = 'done' AND t.state <> 'accepted' THEN 1 ELSE 0 END),"
	    " SUM(CASE WHEN w.finished_at >= $2 THEN 1 ELSE 0 END)"
	    " FROM task_work w JOIN tasks t ON t.id = w.task_id"
	    " WHERE w.user_id = $1 AND w.stage = 1 AND w.status IN ('done', 'voided')"
	    " GROUP BY w.project_id ORDER BY w.project_id",
	    v, 2, progress_fill, sizeof(lf_stats_progress), 0, (void **)items, n);
}

static void gauge_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_stats_gauge *g = out;
	g->project_id = lf_rows_int(r, 0);
	g->a = lf_rows_dup(tx, r, 1);
	g->b = lf_rows_dup(tx, r, 2);
	g->value = lf_rows_int(r, 3);
}

/* One count per stage, each served by that stage's partial index
 * (tasks_queued_lN), so a scrape costs the queued rows, not the table. */
int lf_store_stats_queues(lf_tx *tx, lf_stats_gauge **items, int *n)
{
	return lf_db_query_list(
	    tx,
	    "SELECT project_id, 'queued_l1', NULL, COUNT(*) FROM tasks"
	    " WHERE state = 'queued_l1' GROUP BY project_id"
	    " UNION ALL SELECT project_id, 'queued_l2', NULL, COUNT(*) FROM tasks"
	    " WHERE state = 'queued_l2' GROUP BY project_id"
	    " UNION ALL SELECT project_id, 'queued_l3', NULL, COUNT(*) FROM tasks"
	    " WHERE state = 'queued_l3' GROUP BY project_id"
	    " ORDER BY 1, 2",
	    NULL, 0, gauge_fill, sizeof(**items), 0, (void **)items, n);
}

/* The external accounts (funding, payouts made) are the world's side of
 * the books, not money the platform holds: left out. */
int lf_store_stats_money(lf_tx *tx, lf_stats_gauge **items, int *n)
{
	return lf_db_query_list(tx,
				"SELECT 0, kind, currency, SUM(balance) FROM ledger_accounts"
				" WHERE kind IN ('escrow', 'held', 'payable', 'payouts_pending')"
				" GROUP BY kind, currency ORDER BY kind, currency",
				NULL, 0, gauge_fill, sizeof(**items), 0, (void **)items, n);
}

/* One statement a page: the page's task ids first (by updated_at through
 * tasks_updated, or by id, as the planner finds cheaper), then their
 * annotations through the task index. */
int lf_store_rating_scan(lf_tx *tx, int64_t project_id, int64_t since, int64_t after_task,
			 int max_tasks, lf_rating_cb cb, void *ud, int64_t *last_task)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(since), LF_VINT(after_task), LF_VINT(max_tasks)};
	lf_rows *r = NULL;
	int rc, ret;
	*last_task = 0;
	ret = lf_db_query(
	    tx,
	    "SELECT t.id, t.updated_at, a.author_id, a.result, a.created_at FROM tasks t"
	    " LEFT JOIN annotations a ON a.task_id = t.id AND a.stage = 1"
	    " AND a.kind = 'annotation' AND NOT EXISTS (SELECT 1 FROM task_work w"
	    " WHERE w.id = a.work_id AND w.status = 'voided')"
	    " WHERE t.id IN (SELECT id FROM tasks WHERE project_id = $1"
	    " AND updated_at >= $2 AND id > $3 ORDER BY id LIMIT $4)"
	    " ORDER BY t.id, a.version",
	    v, 4, &r);
	if (ret != LF_OK)
		return ret;
	while ((rc = lf_rows_next(r)) == 1) {
		lf_rating_row row = {.task_id = lf_rows_int(r, 0),
				     .updated_at = lf_rows_int(r, 1),
				     .author_id = lf_rows_int(r, 2),
				     .result = lf_rows_text(r, 3),
				     .created_at = lf_rows_int(r, 4)};
		*last_task = row.task_id;
		if ((ret = cb(ud, &row)) != LF_OK)
			break;
	}
	if (ret == LF_OK && rc < 0)
		ret = rc;
	lf_rows_close(r);
	return ret;
}
