/*
 * store.h - persistence for LabelFlow, the only database API handlers and
 * domain modules see. SQL dialects stay behind it: sqlite.c today, a
 * PostgreSQL driver beside it, with the same domain functions on top.
 *
 * Every domain function takes an open transaction (lf_tx). Rows returned
 * through out-parameters are copied into the transaction's arena (given to
 * lf_store_begin), so they stay valid after commit until that arena is
 * reset. Functions return LF_OK or a negative lf_err; LF_ERR_NOTFOUND for
 * a missing row, LF_ERR_CONFLICT for a uniqueness or state conflict.
 */
#ifndef LF_STORE_H
#define LF_STORE_H

#include "core/arena.h"
#include "core/lf.h"

typedef struct lf_store lf_store;
typedef struct lf_tx lf_tx;

/*
 * Opens the database named by url: "sqlite:PATH" (PATH's folder is created)
 * or a bare path. readers is the number of read connections to keep (one
 * per server thread is right). On failure writes a sentence to err.
 * Owner: caller, released with lf_store_close.
 */
int lf_store_open(const char *url, int readers, lf_store **out, char *err, size_t errlen);

/* Driver settings (PostgreSQL's; SQLite has no pool and no timeouts). */
typedef struct lf_store_opts {
	int pool;		  /* connections; 0: readers clamped to 4..16 */
	int statement_timeout_ms; /* statement and lock timeout; 0: none */
} lf_store_opts;

/* The statement timeout of lf_store_open. */
#define LF_STORE_STATEMENT_TIMEOUT_MS 30000

/* lf_store_open with driver settings: opts NULL means a pool by readers
 * and LF_STORE_STATEMENT_TIMEOUT_MS. */
int lf_store_open_opts(const char *url, int readers, const lf_store_opts *opts, lf_store **out,
		       char *err, size_t errlen);
void lf_store_close(lf_store *s);

/* Applies pending migrations; *applied (may be NULL) gets how many ran. */
int lf_store_migrate(lf_store *s, int *applied);
/* Schema version after migrations. */
int lf_store_schema_version(lf_store *s, int *version);

/* Transaction modes of lf_store_begin. */
enum { LF_TX_READ = 0, LF_TX_WRITE = 1, LF_TX_SNAPSHOT = 2 };

/*
 * Begins a transaction. LF_TX_WRITE takes a write connection (on SQLite the
 * single writer: SQLite allows one writer at a time and funnelling writers
 * through one connection avoids busy spinning). LF_TX_READ reads, with each
 * statement seeing committed data (SQLite gives the whole transaction one
 * snapshot; PostgreSQL one per statement). LF_TX_SNAPSHOT reads from one
 * snapshot for the whole transaction on every store: for checks that
 * compare several queries (verification, exports). arena receives copies
 * of returned rows; it must outlive the use of those rows; with arena
 * NULL, rows live until the transaction ends. The tx is released by commit
 * or rollback.
 */
int lf_store_begin(lf_store *s, int mode, lf_arena *arena, lf_tx **out);
/*
 * Runs fn as one write transaction and returns once it is committed: fn's
 * error (its writes rolled back), a commit error, or LF_OK. fn may run on
 * another thread (the current holder of the database's writer runs queued
 * writes back to back); it gets a transaction it must neither commit nor
 * roll back, and must not begin another write transaction. Rows go to
 * arena. Preferred for short, frequent writes: no thread hand-off between
 * them.
 */
int lf_store_write(lf_store *s, lf_arena *arena, int (*fn)(lf_tx *tx, void *ud), void *ud);
/* Commits and releases tx. On failure the transaction is rolled back. */
int lf_store_commit(lf_tx *tx);
/* Rolls back and releases tx; NULL is allowed. */
void lf_store_rollback(lf_tx *tx);
lf_arena *lf_store_arena(lf_tx *tx);
/* Marks write transaction tx as one that may be lost in a crash (the
 * client redoes it) but never half-applied: its commit need not wait for
 * the disk. Only for work nobody was told is done, e.g. a claim. */
int lf_store_tx_relaxed(lf_tx *tx);
/* Cheap liveness probe for /readyz. */
int lf_store_ping(lf_store *s);

/* ---- users ---- */

typedef struct lf_user {
	int64_t id;
	const char *email;
	const char *name;
	const char *role; /* admin | annotator | reviewer | super_reviewer */
	int active;
	int64_t created_at, updated_at; /* ms since epoch */
} lf_user;

/* Inserts a user. LF_ERR_CONFLICT when the email (case-insensitive) exists. */
int lf_store_user_insert(lf_tx *tx, const char *email, const char *name, const char *role,
			 const char *password_hash, int64_t now, int64_t *id);
int lf_store_user_get(lf_tx *tx, int64_t id, lf_user *out);
/* Finds a user by email; *password_hash (may be NULL) gets the stored hash. */
int lf_store_user_by_email(lf_tx *tx, const char *email, lf_user *out, const char **password_hash);
/* Users with id > after_id, by id, at most limit; *items is arena memory. */
int lf_store_user_list(lf_tx *tx, int64_t after_id, int limit, lf_user **items, int *n);
/* Updates the non-NULL fields (active < 0 keeps the current value). */
int lf_store_user_update(lf_tx *tx, int64_t id, const char *name, const char *role, int active,
			 const char *password_hash, int64_t now);
int lf_store_user_count(lf_tx *tx, int64_t *n);

/* ---- sessions (a refresh-token family) and refresh tokens ---- */

int lf_store_session_insert(lf_tx *tx, const char *sid, int64_t user_id, int64_t now,
			    int64_t expires_at);
/*
 * The per-request authentication check: the session exists, belongs to
 * user_id, is neither revoked nor expired, and the user is active. Fills
 * *user. LF_ERR_AUTH otherwise.
 */
int lf_store_session_check(lf_tx *tx, const char *sid, int64_t user_id, int64_t now, lf_user *user);
int lf_store_session_revoke(lf_tx *tx, const char *sid, int64_t now, const char *reason);
/* Revokes every live session of a user (deactivation, password change). */
int lf_store_session_revoke_user(lf_tx *tx, int64_t user_id, int64_t now, const char *reason);
int lf_store_refresh_insert(lf_tx *tx, const char *token_hash, const char *sid, int64_t now,
			    int64_t expires_at);

typedef struct lf_refresh {
	const char *sid;
	int64_t user_id;
	int used;    /* the token was already rotated: a replay */
	int revoked; /* its session is revoked */
	int expired;
} lf_refresh;

/* Looks a refresh token up by hash and marks it used in the same step. */
int lf_store_refresh_take(lf_tx *tx, const char *token_hash, int64_t now, lf_refresh *out);

/* ---- projects and membership ---- */

typedef struct lf_project {
	int64_t id;
	const char *name, *description, *instructions;
	const char *label_config; /* Label Studio XML */
	const char *currency;	  /* ISO 4217 code */
	const char *policies;	  /* JSON object text, see tasks/policy.h */
	const char *rates;	  /* JSON {"l1","l2","l3"} minor units */
	const char *task_types;	  /* JSON {"type": {policy overrides}} */
	const char *status;	  /* active | closed */
	int64_t created_by, created_at, updated_at;
} lf_project;

int lf_store_project_insert(lf_tx *tx, const lf_project *p, int64_t *id);
int lf_store_project_get(lf_tx *tx, int64_t id, lf_project *out);
/* Rewrites every mutable field of p->id. */
int lf_store_project_update(lf_tx *tx, const lf_project *p);
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
int lf_store_member_list(lf_tx *tx, int64_t project_id, lf_member **items, int *n);

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
 * both win, whatever the database.
 */
int lf_store_task_update(lf_tx *tx, const lf_task *t, const char *expect_state);
/*
 * The next task user may claim at stage (1..3) in project: rework offered
 * to this user first, then by priority and age, skipping tasks reserved for
 * another annotator's rework until their grace time and tasks the user may
 * not take (separation of duties, overlap). LF_ERR_NOTFOUND when none.
 */
int lf_store_task_next(lf_tx *tx, int64_t project_id, int stage, int64_t user_id, int64_t now,
		       int64_t *task_id);
/* The query plan of the stage's claim query (EXPLAIN QUERY PLAN), one step
 * per line, for tests and operators. */
int lf_store_task_next_plan(lf_tx *tx, int stage, char *buf, size_t len);
/* Up to limit tasks whose lease ran out before now. *ids is arena memory. */
int lf_store_task_expired(lf_tx *tx, int64_t now, int limit, int64_t **ids, int *n);

typedef struct lf_task_filter {
	int64_t project_id;
	const char *state; /* NULL = any */
	int64_t assignee;  /* lease holder, 0 = any */
	int64_t worker;	   /* tasks this user worked on, 0 = any */
	int stage;	   /* 1..3: tasks queued or locked at that stage, 0 = any */
	int64_t after_id;  /* keyset cursor */
	int limit;
} lf_task_filter;
int lf_store_task_list(lf_tx *tx, const lf_task_filter *f, lf_task **items, int *n);

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
int lf_store_work_finish(lf_tx *tx, int64_t id, const char *status, const char *decision,
			 const char *comment, int64_t annotation_id, int64_t now);
/* Marks the finished work of a stage as voided (rejected or redone). */
int lf_store_work_void_stage(lf_tx *tx, int64_t task_id, int stage, int64_t now);
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
	const char *kind; /* annotation | correction | override */
	int64_t work_id;
	const char *result; /* JSON array text */
	int64_t created_at;
} lf_annotation;

/* Inserts a new version (version = latest + 1, set in *a). */
int lf_store_annotation_insert(lf_tx *tx, lf_annotation *a);
/* Every version of a task, oldest first. */
int lf_store_annotation_list(lf_tx *tx, int64_t task_id, lf_annotation **items, int *n);

/* ---- imports ---- */

typedef struct lf_import {
	int64_t id, project_id, created_by;
	const char *status; /* queued running done failed */
	const char *format, *filename, *blob_key;
	int64_t bytes_total, bytes_done, items_total, items_done, tasks_created, skipped;
	int skip_bad;
	const char *errors; /* JSON array of {line, message} or NULL */
	const char *error;  /* why it failed, or NULL */
	const char *task_type;
	int64_t priority, created_at, updated_at;
} lf_import;

int lf_store_import_insert(lf_tx *tx, const lf_import *im, int64_t *id);
int lf_store_import_get(lf_tx *tx, int64_t id, lf_import *out);
/* Writes status, progress counters, errors and error of im->id. */
int lf_store_import_update(lf_tx *tx, const lf_import *im);
int lf_store_import_list(lf_tx *tx, int64_t project_id, int64_t before_id, int limit,
			 lf_import **items, int *n);
/* Highest import_seq already stored for an import (-1 when none): where a
 * retried import job resumes. */
int lf_store_import_last_seq(lf_tx *tx, int64_t import_id, int64_t *seq);

/* ---- exports ---- */

typedef struct lf_export_row {
	int64_t id, project_id, created_by;
	const char *format, *filter, *status, *blob_key, *report, *error;
	int64_t tasks_total, tasks_done, bytes, created_at, updated_at;
} lf_export_row;

int lf_store_export_insert(lf_tx *tx, const lf_export_row *e, int64_t *id);
int lf_store_export_get(lf_tx *tx, int64_t id, lf_export_row *out);
/* Writes status, counters, blob_key, report and error of e->id. */
int lf_store_export_update(lf_tx *tx, const lf_export_row *e);

/* Which tasks an export takes. */
typedef struct lf_export_filter {
	int64_t project_id;
	const char *states[8]; /* NULL-terminated; states[0] NULL = accepted only */
	int64_t since, until;  /* updated_at range in ms, 0 = open */
	int64_t annotator;     /* author of the final version, 0 = any */
} lf_export_filter;

/* A task with its final annotation version, for exporters. */
typedef struct lf_export_source {
	lf_task task;
	const char *result; /* JSON text of the latest version, or NULL */
	int64_t author_id;
	int64_t result_at;
} lf_export_source;

int lf_store_export_count(lf_tx *tx, const lf_export_filter *f, int64_t *n);
/* Up to limit tasks in one state with id > after_id matching f, by id. */
int lf_store_export_page(lf_tx *tx, const lf_export_filter *f, const char *state, int64_t after_id,
			 int limit, lf_export_source **items, int *n);

/* ---- audit trail (written only through audit/audit.h) ---- */

typedef struct lf_audit_row {
	int64_t seq;
	int64_t ts;	  /* ms since epoch */
	int64_t actor_id; /* 0 = system */
	const char *actor_role;
	const char *action;
	const char *entity_type;
	const char *entity_id;
	int64_t project_id, task_id; /* 0 = none */
	const char *from_state, *to_state;
	const char *details;	      /* canonical JSON text */
	const char *prev_hash, *hash; /* 64 hex chars */
} lf_audit_row;

typedef struct lf_audit_filter {
	int64_t project_id, task_id, actor_id; /* 0 = any */
	const char *action;		       /* NULL = any */
	int64_t since, until;		       /* ms, 0 = open */
	int64_t before_seq;		       /* keyset cursor, 0 = newest */
	int limit;
} lf_audit_filter;

/* Last record's seq and hash (seq 0 and 64 zeros on an empty trail). */
/* Takes the audit chain's append turn now, held until tx ends (what
 * lf_store_audit_tail does first anyway). For transactions that will lock
 * other hot rows (escrow balances) before appending: taking the turn first
 * keeps one queue instead of two and one lock order everywhere. A no-op
 * where the single writer already serializes appends (SQLite). */
int lf_store_audit_lock(lf_tx *tx);
int lf_store_audit_tail(lf_tx *tx, int64_t *seq, char hash[65]);
int lf_store_audit_insert(lf_tx *tx, const lf_audit_row *row);
/* Newest first, matching filter; *items is arena memory. */
int lf_store_audit_list(lf_tx *tx, const lf_audit_filter *f, lf_audit_row **items, int *n);

/* Callback for lf_store_audit_scan: return LF_OK to go on. */
typedef int (*lf_audit_scan_cb)(void *ud, const lf_audit_row *row);
/* Streams every record in seq order without holding them in memory. */
int lf_store_audit_scan(lf_tx *tx, lf_audit_scan_cb cb, void *ud);

#include "store/store_jobs.h"
#include "store/store_ledger.h"

/* ---- dashboard statistics (read-only) ---- */

/* Work finished on one UTC day (day = ms / 86400000). */
typedef struct lf_stats_day {
	int64_t day;
	int64_t submitted; /* L1 annotations */
	int64_t reviewed;  /* L2 decisions */
	int64_t decided;   /* L3 decisions */
	int64_t accepted;  /* tasks that reached accepted */
} lf_stats_day;

/* Days of [since, until) with any work, in day order; *items is arena memory. */
int lf_store_stats_throughput(lf_tx *tx, int64_t project_id, int64_t since, int64_t until,
			      lf_stats_day **items, int *n);

/* One person's work in a project over a time range. */
typedef struct lf_stats_person {
	int64_t user_id;
	const char *name, *email;
	int64_t submitted;   /* L1 annotations finished */
	int64_t rejected;    /* of those, sent back or discarded later */
	int64_t annotate_ms; /* claim-to-submit time of those annotations */
	int64_t reviewed;    /* L2 decisions */
	int64_t decided;     /* L3 decisions */
	int64_t earned;	     /* minor units earned in the project's currency */
} lf_stats_person;

/* Everyone with work or earnings in [since, until), by user id. */
int lf_store_stats_people(lf_tx *tx, int64_t project_id, int64_t since, int64_t until,
			  lf_stats_person **items, int *n);

#endif
