/*
 * store_tasks.c - tasks, the work done on them and annotation versions.
 */
#include "store/db.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define TASK_COLS                                                                                  \
	"id, project_id, import_id, import_seq, task_type, state, priority, data, predictions,"    \
	" lease_owner, lease_expires, attempts, reworks, annotations_done, rework_owner,"          \
	" rework_until, sampled_l3, last_comment, created_at, updated_at, gold_id"

#define TASK_GET "SELECT " TASK_COLS " FROM tasks WHERE id = $1"

#define WORK_COLS                                                                                  \
	"id, task_id, project_id, user_id, stage, status, decision, comment, annotation_id,"       \
	" started_at, finished_at"

/*
 * The claim queries, one per stage. Each names its state as a literal so
 * that the planner can prove the stage's partial index applies, and orders
 * exactly as that index does, so the scan starts at the head of the queue
 * and stops at the first task the user may take. The NOT EXISTS term is
 * separation of duties: nobody reviews or approves work they did, and an
 * annotator never annotates the same task twice (overlap).
 */
#define NEXT_L1                                                                                    \
	"SELECT t.id FROM tasks t WHERE t.project_id = $1 AND t.state = 'queued_l1'"               \
	" AND (t.rework_owner IS NULL OR t.rework_owner = $2 OR t.rework_until < $3)"              \
	" AND NOT EXISTS (SELECT 1 FROM task_work w WHERE w.task_id = t.id AND w.user_id = $2"     \
	" AND ((w.stage = 1 AND w.status = 'done') OR (w.stage > 1 AND w.status IN ('done',"       \
	" 'voided'))))"                                                                            \
	" ORDER BY t.priority DESC, t.id LIMIT 1"
#define NEXT_L2                                                                                    \
	"SELECT t.id FROM tasks t WHERE t.project_id = $1 AND t.state = 'queued_l2'"               \
	" AND NOT EXISTS (SELECT 1 FROM task_work w WHERE w.task_id = t.id AND w.user_id = $2"     \
	" AND w.stage = 1 AND w.status IN ('done', 'voided') AND $3 = $3)"                         \
	" ORDER BY t.priority DESC, t.id LIMIT 1"
#define NEXT_L3                                                                                    \
	"SELECT t.id FROM tasks t WHERE t.project_id = $1 AND t.state = 'queued_l3'"               \
	" AND NOT EXISTS (SELECT 1 FROM task_work w WHERE w.task_id = t.id AND w.user_id = $2"     \
	" AND w.stage <= 2 AND w.status IN ('done', 'voided') AND $3 = $3)"                        \
	" ORDER BY t.priority DESC, t.id LIMIT 1"
/* On PostgreSQL claimers on other connections skip the rows another one
 * is taking instead of queueing behind its lock; the transition's UPDATE
 * still checks the state, so two claimers can never both win a task.
 * (NO KEY UPDATE: see lf_store_task_lock.) */
#define SKIP_LOCKED " FOR NO KEY UPDATE SKIP LOCKED"
/* A skip proves nothing about the queue: the row may belong to a claim
 * that is about to roll back (say, refused for want of escrow). So when
 * every row was skipped, the claimer asks again and this time waits for
 * the locks; each row it waited for is checked again once its holder is
 * done, and a row that was taken meanwhile is passed over. */
#define WAIT_LOCKED " FOR NO KEY UPDATE"
/* Rework this annotator was given back: offered to them before anything. */
#define NEXT_REWORK                                                                                \
	"SELECT id FROM tasks WHERE project_id = $1 AND state = 'queued_l1' AND rework_owner = $2" \
	" ORDER BY priority DESC, id LIMIT 1"

static void task_fill(lf_tx *tx, lf_rows *r, void *out);
static void work_fill(lf_tx *tx, lf_rows *r, void *out);
static void annotation_fill(lf_tx *tx, lf_rows *r, void *out);
static void draft_fill(lf_tx *tx, lf_rows *r, void *out);
static void item_fill(lf_tx *tx, lf_rows *r, void *out);

static void task_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_task *t = out;
	t->id = lf_rows_int(r, 0);
	t->project_id = lf_rows_int(r, 1);
	t->import_id = lf_rows_int(r, 2);
	t->import_seq = lf_rows_int(r, 3);
	t->task_type = lf_rows_dup(tx, r, 4);
	t->state = lf_rows_dup(tx, r, 5);
	t->priority = lf_rows_int(r, 6);
	t->data = lf_rows_dup(tx, r, 7);
	t->predictions = lf_rows_dup(tx, r, 8);
	t->lease_owner = lf_rows_int(r, 9);
	t->lease_expires = lf_rows_int(r, 10);
	t->attempts = (int)lf_rows_int(r, 11);
	t->reworks = (int)lf_rows_int(r, 12);
	t->annotations_done = (int)lf_rows_int(r, 13);
	t->rework_owner = lf_rows_int(r, 14);
	t->rework_until = lf_rows_int(r, 15);
	t->sampled_l3 = (int)lf_rows_int(r, 16);
	t->last_comment = lf_rows_dup(tx, r, 17);
	t->created_at = lf_rows_int(r, 18);
	t->updated_at = lf_rows_int(r, 19);
	t->gold_id = lf_rows_int(r, 20);
}

static void work_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_work *w = out;
	w->id = lf_rows_int(r, 0);
	w->task_id = lf_rows_int(r, 1);
	w->project_id = lf_rows_int(r, 2);
	w->user_id = lf_rows_int(r, 3);
	w->stage = (int)lf_rows_int(r, 4);
	w->status = lf_rows_dup(tx, r, 5);
	w->decision = lf_rows_dup(tx, r, 6);
	w->comment = lf_rows_dup(tx, r, 7);
	w->annotation_id = lf_rows_int(r, 8);
	w->started_at = lf_rows_int(r, 9);
	w->finished_at = lf_rows_int(r, 10);
}

int lf_store_task_insert(lf_tx *tx, const lf_task *t, int64_t *id)
{
	lf_val v[] = {LF_VINT(t->project_id), LF_VID(t->import_id),	LF_VINT(t->import_seq),
		      LF_VTEXT(t->task_type), LF_VTEXT(t->state),	LF_VINT(t->priority),
		      LF_VTEXT(t->data),      LF_VTEXT(t->predictions), LF_VINT(t->created_at),
		      LF_VID(t->gold_id)};
	if (id == NULL)
		return lf_db_exec(tx,
				  "INSERT INTO tasks (project_id, import_id, import_seq, task_type,"
				  " state, priority, data, predictions, created_at, updated_at)"
				  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
				  v, 9, NULL);
	return lf_db_query_int(
	    tx,
	    "INSERT INTO tasks (project_id, import_id, import_seq, task_type, state,"
	    " priority, data, predictions, created_at, updated_at, gold_id)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
	    v, 10, id);
}

/*
 * Bulk insert statement: LF_STORE_TASK_BULK rows per statement. SQLite's
 * per-statement cost (opening cursors, halting) is most of a one-row
 * insert's; amortized over 64 rows it triples import throughput. The SQL
 * is built once and kept for the process's life, as the statement cache
 * keys statements by the address of their text.
 */
static char bulk_sql[LF_STORE_TASK_BULK * 64 + 256];
static pthread_once_t bulk_once = PTHREAD_ONCE_INIT;

static void bulk_init(void)
{
	size_t n =
	    (size_t)snprintf(bulk_sql, sizeof(bulk_sql),
			     "INSERT INTO tasks (project_id, import_id, import_seq, task_type,"
			     " state, priority, data, predictions, created_at, updated_at)"
			     " VALUES ");
	for (int r = 0; r < LF_STORE_TASK_BULK; r++) {
		int b = r * 9;
		n += (size_t)snprintf(bulk_sql + n, sizeof(bulk_sql) - n,
				      "%s($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)",
				      r ? ", " : "", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6,
				      b + 7, b + 8, b + 9, b + 9);
	}
}

int lf_store_task_insert_many(lf_tx *tx, const lf_task *ts, int n)
{
	lf_val v[LF_STORE_TASK_BULK * 9];
	int ret = LF_OK;
	if (n != LF_STORE_TASK_BULK) {
		for (int i = 0; i < n && ret == LF_OK; i++)
			ret = lf_store_task_insert(tx, &ts[i], NULL);
		return ret;
	}
	pthread_once(&bulk_once, bulk_init);
	for (int i = 0; i < n; i++) {
		const lf_task *t = &ts[i];
		lf_val *p = &v[i * 9];
		p[0] = LF_VINT(t->project_id);
		p[1] = LF_VID(t->import_id);
		p[2] = LF_VINT(t->import_seq);
		p[3] = LF_VTEXT(t->task_type);
		p[4] = LF_VTEXT(t->state);
		p[5] = LF_VINT(t->priority);
		p[6] = LF_VTEXT(t->data);
		p[7] = LF_VTEXT(t->predictions);
		p[8] = LF_VINT(t->created_at);
	}
	return lf_db_exec(tx, bulk_sql, v, n * 9, NULL);
}

int lf_store_task_project(lf_tx *tx, int64_t id, int64_t *project_id)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_int(tx, "SELECT project_id FROM tasks WHERE id = $1", v, 1, project_id);
}

int lf_store_task_get(lf_tx *tx, int64_t id, lf_task *out)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_one(tx, TASK_GET, v, 1, task_fill, out);
}

/* Row locks are PostgreSQL's only: SQLite's single writer already
 * serializes transitions. NO KEY UPDATE, because the rows a transition
 * inserts (work, annotations, holds) take KEY SHARE locks on the task
 * through their foreign keys, which FOR UPDATE would conflict with. */
int lf_store_task_lock(lf_tx *tx, int64_t id, lf_task *out)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_one(tx, LF_DB_SQL(tx, TASK_GET, TASK_GET " FOR NO KEY UPDATE"), v, 1,
			       task_fill, out);
}

int lf_store_task_update(lf_tx *tx, const lf_task *t, const char *expect_state)
{
	lf_val v[] = {
	    LF_VINT(t->id),	     LF_VTEXT(expect_state),	   LF_VTEXT(t->state),
	    LF_VID(t->lease_owner),  LF_VID(t->lease_expires),	   LF_VINT(t->attempts),
	    LF_VINT(t->reworks),     LF_VINT(t->annotations_done), LF_VID(t->rework_owner),
	    LF_VID(t->rework_until), LF_VINT(t->sampled_l3),	   LF_VTEXT(t->last_comment),
	    LF_VINT(t->updated_at),  LF_VINT(t->priority)};
	return lf_db_exec_later(tx,
				"UPDATE tasks SET state = $3, lease_owner = $4, lease_expires = $5,"
				" attempts = $6, reworks = $7, annotations_done = $8,"
				" rework_owner = $9, rework_until = $10, sampled_l3 = $11,"
				" last_comment = $12, updated_at = $13, priority = $14"
				" WHERE id = $1 AND state = $2",
				v, 14, 1);
}

/*
 * What a transition reads with its task, in the statement that locks it
 * (so that the common transition needs no other read before it writes):
 * the version of the task's project (the configuration cache's key, see
 * tasks/config_cache.h) and the task's active stint.
 *
 * On PostgreSQL a statement that waited for the row lock returns the
 * row's newest version, but its subqueries still read the snapshot the
 * statement began with, from before the transaction it waited for. The
 * last column tells whether the row locked is the version that snapshot
 * saw (same xmin): only then is the stint read with it current (every
 * change of a stint's status updates its task). Otherwise the caller
 * reads the stint again; the project version may then be one update
 * behind, which is no more than the project being changed just after it
 * was read. SQLite's single writer never waits: its answer is always 1.
 */
#define PROJECT_VERSION                                                                            \
	", (SELECT p.updated_at FROM projects p WHERE p.id = t.project_id) AS project_version"
#define LOCK_CTX                                                                                   \
	"SELECT " TASK_COLS PROJECT_VERSION                                                        \
	", (SELECT w.id FROM task_work w WHERE w.task_id = t.id AND w.status = 'active'"           \
	" ORDER BY w.id DESC LIMIT 1) AS active_work"
#define LOCK_CTX_SQLITE LOCK_CTX ", 1 AS is_current FROM tasks t WHERE t.id = $1"
#define LOCK_CTX_PG                                                                                \
	LOCK_CTX ", t.xmin = (SELECT s.xmin FROM tasks s WHERE s.id = t.id) AS is_current"         \
		 " FROM tasks t"                                                                   \
		 " WHERE t.id = $1 FOR NO KEY UPDATE"

/*
 * A claim takes the next task and locks it in one statement: the stage's
 * queue query (rework offered to the annotator first at L1: COALESCE runs
 * its second query only when the first finds nothing) picks the id, and
 * the outer query locks that row again, which on PostgreSQL returns its
 * newest version. A claimed task is queued, so it has no active stint.
 */
#define CLAIM_HEAD                                                                                 \
	"SELECT " TASK_COLS PROJECT_VERSION ", 0 AS active_work, 0 AS is_current FROM tasks t"     \
	" WHERE t.id = "
#define CLAIM_L1(lock)	   CLAIM_HEAD "COALESCE((" NEXT_REWORK lock "), (" NEXT_L1 lock "))"
#define CLAIM_ONE(q, lock) CLAIM_HEAD "(" q lock ")"

static void locked_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_task_locked *l = out;
	task_fill(tx, r, &l->task);
	l->project_version = lf_rows_int(r, 21);
	l->active_work = lf_rows_int(r, 22);
	l->current = (int)lf_rows_int(r, 23);
}

int lf_store_task_lock_ctx(lf_tx *tx, int64_t id, lf_task_locked *out)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_one(tx, LF_DB_SQL(tx, LOCK_CTX_SQLITE, LOCK_CTX_PG), v, 1, locked_fill,
			       out);
}

int lf_store_task_claim(lf_tx *tx, int64_t project_id, int stage, int64_t user_id, int64_t now,
			lf_task_locked *out)
{
	static const char *const next[] = {CLAIM_L1(""), CLAIM_ONE(NEXT_L2, ""),
					   CLAIM_ONE(NEXT_L3, "")};
	static const char *const skip[] = {CLAIM_L1(SKIP_LOCKED) WAIT_LOCKED,
					   CLAIM_ONE(NEXT_L2, SKIP_LOCKED) WAIT_LOCKED,
					   CLAIM_ONE(NEXT_L3, SKIP_LOCKED) WAIT_LOCKED};
	/* Rework was looked for without waiting just before: what waits is
	 * the queue. */
	static const char *const wait[] = {CLAIM_ONE(NEXT_L1, WAIT_LOCKED) WAIT_LOCKED,
					   CLAIM_ONE(NEXT_L2, WAIT_LOCKED) WAIT_LOCKED,
					   CLAIM_ONE(NEXT_L3, WAIT_LOCKED) WAIT_LOCKED};
	lf_val v[] = {LF_VINT(project_id), LF_VINT(user_id), LF_VINT(now)};
	int ret;
	if (stage < 1 || stage > 3)
		return LF_ERR_INVALID;
	if (lf_db_is_sqlite(tx))
		return lf_db_query_one(tx, next[stage - 1], v, 3, locked_fill, out);
	ret = lf_db_query_one(tx, skip[stage - 1], v, 3, locked_fill, out);
	if (ret != LF_ERR_NOTFOUND)
		return ret;
	return lf_db_query_one(tx, wait[stage - 1], v, 3, locked_fill, out);
}

/* The plan of the claim queries: SQLite's EXPLAIN QUERY PLAN details
 * (fourth column), or PostgreSQL's generic plan, the one a prepared claim
 * runs with once the planner stops re-planning it per execution. */
int lf_store_task_next_plan(lf_tx *tx, int stage, char *buf, size_t len)
{
	static const char *const sqlite_plans[] = {
	    "EXPLAIN QUERY PLAN " NEXT_REWORK, "EXPLAIN QUERY PLAN " NEXT_L1,
	    "EXPLAIN QUERY PLAN " NEXT_L2, "EXPLAIN QUERY PLAN " NEXT_L3};
	static const char *const pg_prepare[] = {
	    "PREPARE lf_plan0(bigint, bigint) AS " NEXT_REWORK SKIP_LOCKED,
	    "PREPARE lf_plan1(bigint, bigint, bigint) AS " NEXT_L1 SKIP_LOCKED,
	    "PREPARE lf_plan2(bigint, bigint, bigint) AS " NEXT_L2 SKIP_LOCKED,
	    "PREPARE lf_plan3(bigint, bigint, bigint) AS " NEXT_L3 SKIP_LOCKED};
	static const char *const pg_plans[] = {
	    "EXPLAIN EXECUTE lf_plan0(1, 1)", "EXPLAIN EXECUTE lf_plan1(1, 1, 0)",
	    "EXPLAIN EXECUTE lf_plan2(1, 1, 0)", "EXPLAIN EXECUTE lf_plan3(1, 1, 0)"};
	static const char *const pg_drop[] = {"DEALLOCATE lf_plan0", "DEALLOCATE lf_plan1",
					      "DEALLOCATE lf_plan2", "DEALLOCATE lf_plan3"};
	int pg = !lf_db_is_sqlite(tx);
	lf_val v[] = {LF_VINT(1), LF_VINT(1), LF_VINT(0)};
	size_t used = 0;
	int ret = LF_OK;
	if (stage < 1 || stage > 3 || len == 0)
		return LF_ERR_INVALID;
	buf[0] = '\0';
	if (pg && (ret = lf_db_script(tx, "SET plan_cache_mode = force_generic_plan")) != LF_OK)
		return ret;
	/* Stage 1 runs two queries: the annotator's own rework, then the queue. */
	for (int q = stage == 1 ? 0 : stage; ret == LF_OK && q <= stage; q++) {
		lf_rows *r = NULL;
		int rc;
		if (pg && (ret = lf_db_script(tx, pg_prepare[q])) != LF_OK)
			break;
		ret = pg ? lf_db_query(tx, pg_plans[q], NULL, 0, &r)
			 : lf_db_query(tx, sqlite_plans[q], v, q == 0 ? 2 : 3, &r);
		while (ret == LF_OK && (rc = lf_rows_next(r)) == 1 && used < len) {
			const char *detail = lf_rows_text(r, pg ? 0 : 3);
			int w = snprintf(buf + used, len - used, "%s\n", detail ? detail : "");
			used += w > 0 ? (size_t)w : 0;
		}
		if (ret == LF_OK && rc < 0)
			ret = rc;
		lf_rows_close(r);
		if (pg && lf_db_script(tx, pg_drop[q]) != LF_OK && ret == LF_OK)
			ret = LF_ERR_DB;
	}
	if (pg && lf_db_script(tx, "RESET plan_cache_mode") != LF_OK && ret == LF_OK)
		ret = LF_ERR_DB;
	return ret;
}

int lf_store_task_expired(lf_tx *tx, int64_t now, int limit, int64_t **ids, int *n)
{
	lf_val v[] = {LF_VINT(now), LF_VINT(limit)};
	lf_rows *r = NULL;
	int rc = 0, count = 0;
	int64_t *out = lf_arena_alloc(lf_store_arena(tx), sizeof(*out) * (size_t)limit);
	if (out == NULL)
		return LF_ERR_NOMEM;
	int ret =
	    lf_db_query(tx,
			"SELECT id FROM tasks WHERE lease_owner IS NOT NULL AND lease_expires < $1"
			" ORDER BY lease_expires LIMIT $2",
			v, 2, &r);
	if (ret != LF_OK)
		return ret;
	while (count < limit && (rc = lf_rows_next(r)) == 1)
		out[count++] = lf_rows_int(r, 0);
	lf_rows_close(r);
	*ids = out;
	*n = count;
	return rc < 0 ? rc : LF_OK;
}

int lf_store_task_held(lf_tx *tx, int64_t project_id, const char *state, int64_t user_id,
		       int64_t now, int64_t *task_id)
{
	lf_val v[] = {LF_VINT(project_id), LF_VTEXT(state), LF_VINT(user_id), LF_VINT(now)};
	return lf_db_query_int(tx,
			       "SELECT id FROM tasks WHERE project_id = $1 AND state = $2"
			       " AND lease_owner = $3 AND lease_expires > $4"
			       " ORDER BY lease_expires DESC, id LIMIT 1",
			       v, 4, task_id);
}

/*
 * The listing. Its statement is made from the filters that are set, so
 * that each is a plain condition the planner can use an index for
 * ("state = $2" walks tasks_list, a person's tasks come from task_work by
 * user), where one statement with "($2 IS NULL OR state = $2)" for every
 * filter made a rare state or a person scan the whole project. Each
 * order pages by a row-value keyset on its own index (project_id, key,
 * id), so page 10,000 costs what page 1 does. The two "who" columns read
 * annotations and task_work by task id: a few lookups per row shown.
 */
#define LIST_SELECT                                                                                \
	"SELECT " TASK_COLS ","                                                                    \
	" (SELECT a.author_id FROM annotations a WHERE a.task_id = tasks.id AND a.stage = 1"       \
	" ORDER BY a.version DESC LIMIT 1),"                                                       \
	" (SELECT w.user_id FROM task_work w WHERE w.task_id = tasks.id AND w.stage > 1"           \
	" AND w.status = 'done' ORDER BY w.id DESC LIMIT 1)"                                       \
	" FROM tasks WHERE "
#define BY_PERSON "id IN (SELECT task_id FROM task_work WHERE user_id = ? AND project_id = ?"

/* The optional filters, in the order their conditions are written. */
enum {
	LIST_STATE,
	LIST_ASSIGNEE,
	LIST_STAGE,
	LIST_WORKER,
	LIST_TEXT,
	LIST_SINCE,
	LIST_UNTIL,
	LIST_ANNOTATOR,
	LIST_REVIEWER,
	LIST__COUNT
};

static const char *const list_where[LIST__COUNT] = {
    [LIST_STATE] = " AND state = ?",
    /* Held tasks are few, and tasks_leased lists them. */
    [LIST_ASSIGNEE] = " AND id IN (SELECT id FROM tasks WHERE lease_owner = ?)",
    [LIST_STAGE] = " AND state IN (?, ?)",
    [LIST_WORKER] = " AND " BY_PERSON ")",
    /* instr and strpos: a plain substring, so %, _ and \\ need no
     * escaping as they would with LIKE (the dialects differ here). */
    [LIST_TEXT] = NULL,
    [LIST_SINCE] = " AND updated_at >= ?",
    [LIST_UNTIL] = " AND updated_at < ?",
    [LIST_ANNOTATOR] = " AND " BY_PERSON " AND stage = 1)",
    [LIST_REVIEWER] = " AND " BY_PERSON " AND stage > 1)",
};

static const char *const list_order[LF_TASK_SORT__COUNT][2] = {
    [LF_TASK_SORT_ID] = {" AND id > ?", " ORDER BY id"},
    [LF_TASK_SORT_ID_DESC] = {" AND id < ?", " ORDER BY id DESC"},
    [LF_TASK_SORT_UPDATED] = {" AND (updated_at, id) > (?, ?)", " ORDER BY updated_at, id"},
    [LF_TASK_SORT_UPDATED_DESC] = {" AND (updated_at, id) < (?, ?)",
				   " ORDER BY updated_at DESC, id DESC"},
    [LF_TASK_SORT_PRIORITY] = {" AND (priority, id) > (?, ?)", " ORDER BY priority, id"},
    [LF_TASK_SORT_PRIORITY_DESC] = {" AND (priority, id) < (?, ?)",
				    " ORDER BY priority DESC, id DESC"},
};

/* A statement being written: its text with ? numbered $1, $2... and the
 * values in the same order. */
struct list_q {
	char sql[1536];
	size_t len;
	lf_val v[20];
	int n;
};

/* Appends text, numbering its placeholders and taking one value of vals
 * for each, in order. The buffer fits the longest statement by far. */
static void list_put(struct list_q *q, const char *text, const lf_val *vals)
{
	int k = 0;
	for (const char *c = text; *c != '\0'; c++) {
		if (*c != '?') {
			q->sql[q->len++] = *c;
			continue;
		}
		q->v[q->n++] = vals[k++];
		q->len += (size_t)snprintf(q->sql + q->len, sizeof(q->sql) - q->len, "$%d", q->n);
	}
	q->sql[q->len] = '\0';
}

/*
 * The statement cache keys statements by the address of their text, so
 * each distinct text is kept for the process's life: one per combination
 * of filters, order and dialect that is ever asked for (a few dozen in
 * practice, 2^13 at most).
 */
static const char *list_texts[1 << (LIST__COUNT + 4)];
static pthread_mutex_t list_texts_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *list_text(unsigned key, const char *sql)
{
	pthread_mutex_lock(&list_texts_lock);
	if (list_texts[key] == NULL)
		list_texts[key] = strdup(sql);
	const char *t = list_texts[key];
	pthread_mutex_unlock(&list_texts_lock);
	return t;
}

static void item_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_task_item *it = out;
	task_fill(tx, r, &it->task);
	it->annotator_id = lf_rows_int(r, 21);
	it->reviewer_id = lf_rows_int(r, 22);
}

int64_t lf_store_task_sort_key(const lf_task *t, lf_task_sort sort)
{
	switch (sort) {
	case LF_TASK_SORT_UPDATED:
	case LF_TASK_SORT_UPDATED_DESC: return t->updated_at;
	case LF_TASK_SORT_PRIORITY:
	case LF_TASK_SORT_PRIORITY_DESC: return t->priority;
	default: return t->id;
	}
}

int lf_store_task_list(lf_tx *tx, const lf_task_filter *f, lf_task_item **items, int *n)
{
	int pg = !lf_db_is_sqlite(tx);
	char queued[16], locked[16];
	struct list_q q = {.len = 0};
	unsigned mask = 0;
	if ((unsigned)f->sort >= LF_TASK_SORT__COUNT || f->stage < 0 || f->stage > 3)
		return LF_ERR_INVALID;
	snprintf(queued, sizeof(queued), "queued_l%d", f->stage);
	snprintf(locked, sizeof(locked), "locked_l%d", f->stage);
	const lf_val pid = LF_VINT(f->project_id);
	const lf_val vals[LIST__COUNT][2] = {
	    [LIST_STATE] = {LF_VTEXT(f->state)},
	    [LIST_ASSIGNEE] = {LF_VINT(f->assignee)},
	    [LIST_STAGE] = {LF_VTEXT(queued), LF_VTEXT(locked)},
	    [LIST_WORKER] = {LF_VINT(f->worker), pid},
	    [LIST_TEXT] = {LF_VTEXT(f->text)},
	    [LIST_SINCE] = {LF_VINT(f->updated_since)},
	    [LIST_UNTIL] = {LF_VINT(f->updated_until)},
	    [LIST_ANNOTATOR] = {LF_VINT(f->annotator), pid},
	    [LIST_REVIEWER] = {LF_VINT(f->reviewer), pid},
	};
	const int set[LIST__COUNT] = {
	    [LIST_STATE] = f->state != NULL,	  [LIST_ASSIGNEE] = f->assignee != 0,
	    [LIST_STAGE] = f->stage != 0,	  [LIST_WORKER] = f->worker != 0,
	    [LIST_TEXT] = f->text != NULL,	  [LIST_SINCE] = f->updated_since != 0,
	    [LIST_UNTIL] = f->updated_until != 0, [LIST_ANNOTATOR] = f->annotator != 0,
	    [LIST_REVIEWER] = f->reviewer != 0,
	};
	int desc = f->sort == LF_TASK_SORT_ID_DESC || f->sort == LF_TASK_SORT_UPDATED_DESC ||
		   f->sort == LF_TASK_SORT_PRIORITY_DESC;
	int keyed = f->sort != LF_TASK_SORT_ID && f->sort != LF_TASK_SORT_ID_DESC;
	/* Without a cursor: a key before (or after) every row, so one
	 * statement serves the first page too and keeps its index range. */
	int64_t key = f->has_cursor ? f->after_key : desc ? INT64_MAX : INT64_MIN;
	int64_t after = f->has_cursor ? f->after_id : desc ? INT64_MAX : 0;
	const lf_val keyset[2] = {keyed ? LF_VINT(key) : LF_VINT(after), LF_VINT(after)};
	const lf_val lim = LF_VINT(f->limit);

	/*
	 * A person's tasks are few next to a project's: SQLite without
	 * statistics would still walk the project in order and test each
	 * task against them, so "+" takes project_id off the indexes and the
	 * page is read from the person's tasks instead (then sorted, unless
	 * by id). PostgreSQL keeps statistics and chooses by itself.
	 */
	int person =
	    set[LIST_ASSIGNEE] || set[LIST_WORKER] || set[LIST_ANNOTATOR] || set[LIST_REVIEWER];
	list_put(&q, LIST_SELECT, NULL);
	list_put(&q, person && !pg ? "+project_id = ?" : "project_id = ?", &pid);
	for (int i = 0; i < LIST__COUNT; i++) {
		if (!set[i])
			continue;
		mask |= 1u << i;
		const char *w = list_where[i];
		if (i == LIST_TEXT)
			w = pg ? " AND strpos(data, ?::text) > 0" : " AND instr(data, ?) > 0";
		list_put(&q, w, vals[i]);
	}
	list_put(&q, list_order[f->sort][0], keyset);
	list_put(&q, list_order[f->sort][1], NULL);
	list_put(&q, " LIMIT ?", &lim);
	const char *sql = list_text((mask << 4) | ((unsigned)f->sort << 1) | (unsigned)pg, q.sql);
	if (sql == NULL)
		return LF_ERR_NOMEM;
	return lf_db_query_list(tx, sql, q.v, q.n, item_fill, sizeof(lf_task_item), f->limit,
				(void **)items, n);
}

int lf_store_work_insert(lf_tx *tx, const lf_work *w, int64_t *id)
{
	lf_val v[] = {LF_VINT(w->task_id), LF_VINT(w->project_id), LF_VINT(w->user_id),
		      LF_VINT(w->stage),   LF_VTEXT(w->status),	   LF_VINT(w->started_at)};
	return lf_db_query_int(tx,
			       "INSERT INTO task_work (task_id, project_id, user_id, stage, status,"
			       " started_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
			       v, 6, id);
}

int lf_store_work_active(lf_tx *tx, int64_t task_id, lf_work *out)
{
	lf_val v[] = {LF_VINT(task_id)};
	return lf_db_query_one(tx,
			       "SELECT " WORK_COLS " FROM task_work WHERE task_id = $1"
			       " AND status = 'active' ORDER BY id DESC LIMIT 1",
			       v, 1, work_fill, out);
}

int lf_store_work_finish(lf_tx *tx, int64_t id, const char *status, const char *decision,
			 const char *comment, int64_t annotation_id, int64_t now)
{
	lf_val v[] = {LF_VINT(id),	 LF_VTEXT(status),	LF_VTEXT(decision),
		      LF_VTEXT(comment), LF_VID(annotation_id), LF_VINT(now)};
	return lf_db_exec_later(tx,
				"UPDATE task_work SET status = $2, decision = $3, comment = $4,"
				" annotation_id = $5, finished_at = $6, draft = NULL,"
				" draft_at = NULL, release_due = NULL WHERE id = $1"
				" AND status = 'active'",
				v, 6, 1);
}

int lf_store_work_draft_put(lf_tx *tx, int64_t id, const char *draft, int64_t now)
{
	lf_val v[] = {LF_VINT(id), LF_VTEXT(draft), LF_VINT(now)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE task_work SET draft = $2, draft_at = $3"
			     " WHERE id = $1 AND status = 'active'",
			     v, 3, &changes);
	return ret == LF_OK && changes != 1 ? LF_ERR_CONFLICT : ret;
}

struct draft_row {
	const char **text;
	int64_t *at;
};

static void draft_fill(lf_tx *tx, lf_rows *r, void *out)
{
	struct draft_row *d = out;
	*d->text = lf_rows_dup(tx, r, 0);
	*d->at = lf_rows_int(r, 1);
}

int lf_store_work_draft_get(lf_tx *tx, int64_t id, const char **draft, int64_t *at)
{
	lf_val v[] = {LF_VINT(id)};
	struct draft_row d = {.text = draft, .at = at};
	return lf_db_query_one(tx,
			       "SELECT draft, draft_at FROM task_work WHERE id = $1"
			       " AND draft IS NOT NULL",
			       v, 1, draft_fill, &d);
}

int lf_store_work_release_at(lf_tx *tx, int64_t id, int64_t task_id, int64_t user_id, int64_t due)
{
	lf_val v[] = {LF_VINT(id), LF_VINT(task_id), LF_VINT(user_id), LF_VID(due)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE task_work SET release_due = $4 WHERE id = $1 AND task_id = $2"
			     " AND user_id = $3 AND status = 'active'",
			     v, 4, &changes);
	return ret == LF_OK && changes != 1 ? LF_ERR_CONFLICT : ret;
}

int lf_store_work_release_due(lf_tx *tx, int64_t now, int limit, lf_work **items, int *n)
{
	lf_val v[] = {LF_VINT(now), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " WORK_COLS " FROM task_work WHERE release_due IS NOT NULL"
				" AND release_due <= $1 ORDER BY release_due LIMIT $2",
				v, 2, work_fill, sizeof(lf_work), limit, (void **)items, n);
}

int lf_store_work_void_stage(lf_tx *tx, int64_t task_id, int stage, int64_t now)
{
	lf_val v[] = {LF_VINT(task_id), LF_VINT(stage), LF_VINT(now)};
	return lf_db_exec(
	    tx,
	    "UPDATE task_work SET status = 'voided', finished_at = COALESCE(finished_at, $3)"
	    " WHERE task_id = $1 AND stage = $2 AND status = 'done'",
	    v, 3, NULL);
}

/* A revision carries its submission's work_id, so a task revised several
 * times still leads back to the same stint. */
int lf_store_work_revisable(lf_tx *tx, int64_t task_id, lf_work *out)
{
	lf_val v[] = {LF_VINT(task_id)};
	return lf_db_query_one(
	    tx,
	    "SELECT " WORK_COLS " FROM task_work WHERE task_id = $1 AND stage = 1"
	    " AND status = 'done' AND id = (SELECT a.work_id FROM annotations a"
	    " WHERE a.task_id = $1 ORDER BY a.version DESC LIMIT 1)"
	    " AND NOT EXISTS (SELECT 1 FROM task_work r WHERE r.task_id = $1 AND r.stage >= 2"
	    " AND r.status IN ('done', 'voided') AND r.id > task_work.id)",
	    v, 1, work_fill, out);
}

int lf_store_work_by_user(lf_tx *tx, int64_t task_id, int64_t user_id, int *worked)
{
	lf_val v[] = {LF_VINT(task_id), LF_VINT(user_id)};
	int64_t one = 0;
	int ret = lf_db_query_int(
	    tx, "SELECT 1 FROM task_work WHERE task_id = $1 AND user_id = $2 LIMIT 1", v, 2, &one);
	if (ret != LF_OK && ret != LF_ERR_NOTFOUND)
		return ret;
	*worked = ret == LF_OK;
	return LF_OK;
}

int lf_store_work_last_annotator(lf_tx *tx, int64_t task_id, int64_t *user_id)
{
	lf_val v[] = {LF_VINT(task_id)};
	return lf_db_query_int(
	    tx,
	    "SELECT user_id FROM task_work WHERE task_id = $1 AND stage = 1"
	    " AND status IN ('done', 'voided') ORDER BY finished_at DESC, id DESC"
	    " LIMIT 1",
	    v, 1, user_id);
}

int lf_store_work_list(lf_tx *tx, int64_t task_id, lf_work **items, int *n)
{
	lf_val v[] = {LF_VINT(task_id)};
	return lf_db_query_list(
	    tx, "SELECT " WORK_COLS " FROM task_work WHERE task_id = $1 ORDER BY id", v, 1,
	    work_fill, sizeof(lf_work), 0, (void **)items, n);
}

int lf_store_annotation_insert(lf_tx *tx, lf_annotation *a)
{
	lf_val v[] = {LF_VINT(a->task_id),   LF_VINT(a->author_id), LF_VINT(a->stage),
		      LF_VTEXT(a->kind),     LF_VID(a->work_id),    LF_VTEXT(a->result),
		      LF_VINT(a->created_at)};
	lf_rows *r = NULL;
	int ret = lf_db_query(tx,
			      "INSERT INTO annotations (task_id, version, author_id, stage, kind,"
			      " work_id, result, created_at)"
			      " SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7"
			      " FROM annotations WHERE task_id = $1 RETURNING id, version",
			      v, 7, &r);
	if (ret != LF_OK)
		return ret;
	int rc = lf_rows_next(r);
	if (rc == 1) {
		a->id = lf_rows_int(r, 0);
		a->version = (int)lf_rows_int(r, 1);
	}
	/* Stepping to the end completes the INSERT. */
	int end = rc == 1 ? lf_rows_next(r) : rc;
	lf_rows_close(r);
	if (rc != 1)
		return rc < 0 ? rc : LF_ERR_DB;
	return end < 0 ? end : LF_OK;
}

static void annotation_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_annotation *a = out;
	a->id = lf_rows_int(r, 0);
	a->task_id = lf_rows_int(r, 1);
	a->version = (int)lf_rows_int(r, 2);
	a->author_id = lf_rows_int(r, 3);
	a->stage = (int)lf_rows_int(r, 4);
	a->kind = lf_rows_dup(tx, r, 5);
	a->work_id = lf_rows_int(r, 6);
	a->result = lf_rows_dup(tx, r, 7);
	a->created_at = lf_rows_int(r, 8);
}

int lf_store_annotation_list(lf_tx *tx, int64_t task_id, lf_annotation **items, int *n)
{
	lf_val v[] = {LF_VINT(task_id)};
	return lf_db_query_list(
	    tx,
	    "SELECT id, task_id, version, author_id, stage, kind, work_id, result,"
	    " created_at FROM annotations WHERE task_id = $1 ORDER BY version",
	    v, 1, annotation_fill, sizeof(lf_annotation), 0, (void **)items, n);
}
