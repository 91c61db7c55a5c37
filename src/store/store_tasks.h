/*
 * store_tasks.h - rows of tasks, of the work done on them (who held a task
 * at which stage and how it ended) and of their annotation versions. Also
 * the claim query (lf_store_task_claim) and the lease sweeper's list.
 * Included by store.h.
 */
#ifndef LF_STORE_TASKS_H
#define LF_STORE_TASKS_H

/* ---- tasks ---- */

typedef struct lf_task {
	int64_t id, project_id, import_id, import_seq;
	const char *task_type; /* may be NULL */
	const char *state;     /* a workflow state name */
	int64_t priority;
	const char *data;		    /* JSON object text */
	const char *predictions;	    /* JSON array text or NULL */
	int64_t lease_owner, lease_expires; /* 0 when not leased */
	int attempts, reworks, annotations_done;
	int64_t rework_owner, rework_until; /* rework offered to this annotator first */
	int sampled_l3;
	const char *last_comment;
	int64_t created_at, updated_at;
	int64_t gold_id; /* a gold copy: the gold task it was copied from; else 0 */
} lf_task;

/* Inserts a task; *id gets its id (id may be NULL for bulk inserts). */
int lf_store_task_insert(lf_tx *tx, const lf_task *t, int64_t *id);
/* Inserts n tasks; n == LF_STORE_TASK_BULK takes one statement (fast). */
#define LF_STORE_TASK_BULK 64
int lf_store_task_insert_many(lf_tx *tx, const lf_task *ts, int n);
/* lf_store_task_get for a transition: on stores with row locks the task
 * stays locked until tx ends, so transitions of one task take turns. */
int lf_store_task_lock(lf_tx *tx, int64_t id, lf_task *out);
int lf_store_task_get(lf_tx *tx, int64_t id, lf_task *out);
/* The project a task belongs to. */
int lf_store_task_project(lf_tx *tx, int64_t id, int64_t *project_id);
/*
 * Writes the mutable fields of t (state, lease, counters, rework, comment,
 * updated_at) only if the row is still in expect_state: LF_ERR_CONFLICT
 * otherwise. This compare-and-set is what makes two writers unable to
 * both win, whatever the database. Held back (lf_db_exec_later): the
 * conflict fails the transaction at its next statement or COMMIT.
 */
int lf_store_task_update(lf_tx *tx, const lf_task *t, const char *expect_state);
/* A task locked for a transition, with what the transition needs beside
 * it, read by the same statement. */
typedef struct lf_task_locked {
	lf_task task;
	int64_t project_version; /* its project's updated_at (tasks/config_cache.h) */
	int64_t active_work;	 /* the id of its active stint, 0 when none */
	int current;		 /* 0: active_work may be stale (the row changed while the
				  * statement waited for it); read it with lf_store_work_active */
} lf_task_locked;
/* lf_store_task_lock with the project's version and the active stint. */
int lf_store_task_lock_ctx(lf_tx *tx, int64_t id, lf_task_locked *out);
/*
 * Takes the next task user may claim at stage (1..3) in project and locks
 * it as lf_store_task_lock_ctx does (active_work is not read: a queued
 * task has none, and current is 0): rework offered to this user first,
 * then by priority and age, skipping tasks reserved for another
 * annotator's rework until their grace time and tasks the user may not
 * take (separation of duties, overlap). LF_ERR_NOTFOUND when none.
 */
int lf_store_task_claim(lf_tx *tx, int64_t project_id, int stage, int64_t user_id, int64_t now,
			lf_task_locked *out);
/* The query plan of the stage's claim query (EXPLAIN QUERY PLAN), one step
 * per line, for tests and operators. */
int lf_store_task_next_plan(lf_tx *tx, int stage, char *buf, size_t len);
/* The task user holds at state (a locked_* state) in project, the one
 * claimed last if several: what a reopened work page resumes.
 * LF_ERR_NOTFOUND when none. */
int lf_store_task_held(lf_tx *tx, int64_t project_id, const char *state, int64_t user_id,
		       int64_t now, int64_t *task_id);
/* Up to limit tasks whose lease ran out before now. *ids is arena memory. */
int lf_store_task_expired(lf_tx *tx, int64_t now, int limit, int64_t **ids, int *n);

/* Orders of the task listing; each is a keyset: ties go by id in the same
 * direction, and the next page starts after (key, id) of the last row. */
typedef enum lf_task_sort {
	LF_TASK_SORT_ID, /* the default */
	LF_TASK_SORT_ID_DESC,
	LF_TASK_SORT_UPDATED,
	LF_TASK_SORT_UPDATED_DESC,
	LF_TASK_SORT_PRIORITY,
	LF_TASK_SORT_PRIORITY_DESC,
	LF_TASK_SORT__COUNT
} lf_task_sort;

typedef struct lf_task_filter {
	int64_t project_id;
	const char *state; /* NULL = any */
	int64_t assignee;  /* lease holder, 0 = any */
	int64_t worker;	   /* tasks this user worked on, 0 = any */
	int64_t annotator; /* tasks with L1 work by this user, 0 = any */
	int64_t reviewer;  /* tasks with L2 or L3 work by this user, 0 = any */
	int stage;	   /* 1..3: tasks queued or locked at that stage, 0 = any */
	/* Substring of the task's data JSON, case-sensitive, NULL = any. No
	 * index serves it: each page scans the project's rows in sort order
	 * until it has limit matches, so a rare text costs a scan. */
	const char *text;
	int64_t updated_since; /* updated_at >= this (ms), 0 = any */
	int64_t updated_until; /* updated_at < this (ms), 0 = any */
	lf_task_sort sort;
	/* Keyset cursor: rows after (after_key, after_id) in sort order, where
	 * after_key is the sort's column (unused for the id orders). With
	 * has_cursor 0 the listing starts at the first row. */
	int has_cursor;
	int64_t after_key, after_id;
	int limit;
} lf_task_filter;

/* A listed task and who worked on it: the author of its latest L1
 * version and whoever made its latest L2 or L3 decision (0 = nobody). */
typedef struct lf_task_item {
	lf_task task;
	int64_t annotator_id, reviewer_id;
} lf_task_item;
/* Up to f->limit tasks in f->sort order; *items is tx arena memory. */
int lf_store_task_list(lf_tx *tx, const lf_task_filter *f, lf_task_item **items, int *n);
/* The sort key of t in sort (what a cursor after t carries). */
int64_t lf_store_task_sort_key(const lf_task *t, lf_task_sort sort);

/* ---- work on tasks: who held a task at which stage and how it ended ---- */

typedef struct lf_work {
	int64_t id, task_id, project_id, user_id;
	int stage;
	const char *status; /* active done released expired voided requeued */
	const char *decision, *comment;
	int64_t annotation_id, started_at, finished_at;
} lf_work;

int lf_store_work_insert(lf_tx *tx, const lf_work *w, int64_t *id);
/* The active stint on a task (the lease holder's). LF_ERR_NOTFOUND if none. */
int lf_store_work_active(lf_tx *tx, int64_t task_id, lf_work *out);
/* Ends an active stint; its draft and pending release go with it. Held
 * back (lf_db_exec_later): a stint no longer active fails the transaction
 * with LF_ERR_CONFLICT at its next statement or COMMIT. */
int lf_store_work_finish(lf_tx *tx, int64_t id, const char *status, const char *decision,
			 const char *comment, int64_t annotation_id, int64_t now);
/* The holder's unsaved result (JSON array text) on an active stint:
 * LF_ERR_CONFLICT when the stint is no longer active. */
int lf_store_work_draft_put(lf_tx *tx, int64_t id, const char *draft, int64_t now);
/* The stint's draft (tx arena memory) and when it was saved;
 * LF_ERR_NOTFOUND when there is none. */
int lf_store_work_draft_get(lf_tx *tx, int64_t id, const char **draft, int64_t *at);
/* Asks for the active stint id of user on task_id to be released at due
 * (ms; 0 cancels the request). LF_ERR_CONFLICT when no such stint is active. */
int lf_store_work_release_at(lf_tx *tx, int64_t id, int64_t task_id, int64_t user_id, int64_t due);
/* Up to limit stints whose release was asked for by now, earliest first. */
int lf_store_work_release_due(lf_tx *tx, int64_t now, int limit, lf_work **items, int *n);
/* Marks the finished work of a stage as voided (rejected or redone). */
int lf_store_work_void_stage(lf_tx *tx, int64_t task_id, int stage, int64_t now);
/*
 * The L1 stint whose result is task_id's latest annotation version, what a
 * revise replaces: LF_ERR_NOTFOUND when the latest version is not an L1
 * submission or a reviewer has finished a stint with a decision on the
 * task since (one that released it or let its lease run out decided
 * nothing).
 */
int lf_store_work_revisable(lf_tx *tx, int64_t task_id, lf_work *out);
/* 1 in *worked when user has ever held task_id, at any stage, else 0. */
int lf_store_work_by_user(lf_tx *tx, int64_t task_id, int64_t user_id, int *worked);
/* The user whose L1 work on the task finished most recently. */
int lf_store_work_last_annotator(lf_tx *tx, int64_t task_id, int64_t *user_id);
/* Every stint on a task, oldest first. */
int lf_store_work_list(lf_tx *tx, int64_t task_id, lf_work **items, int *n);

/* ---- annotation versions ---- */

typedef struct lf_annotation {
	int64_t id, task_id;
	int version;
	int64_t author_id;
	int stage;
	const char *kind; /* annotation (also an L1 revision) | correction | override */
	int64_t work_id;
	const char *result; /* JSON array text */
	int64_t created_at;
} lf_annotation;

/* Inserts a new version (version = latest + 1, set in *a). */
int lf_store_annotation_insert(lf_tx *tx, lf_annotation *a);
/* Every version of a task, oldest first. */
int lf_store_annotation_list(lf_tx *tx, int64_t task_id, lf_annotation **items, int *n);

#endif
