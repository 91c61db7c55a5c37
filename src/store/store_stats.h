/*
 * store_stats.h - read-only dashboard statistics. Included by store.h.
 */
#ifndef LF_STORE_STATS_H
#define LF_STORE_STATS_H

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

/* One annotator's L1 work in one project, over its whole life. Each submit
 * is one finished L1 stint; a revision adds none. */
typedef struct lf_stats_progress {
	int64_t project_id;
	int64_t submitted;	/* L1 annotations finished */
	int64_t accepted;	/* of those, on tasks accepted with that work counting */
	int64_t rejected;	/* of those, sent back or discarded later (voided) */
	int64_t pending_review; /* of those, on tasks not decided yet */
	int64_t recent;		/* of those, finished at or after `since` */
} lf_stats_progress;

/* user_id's L1 work per project, by project id, read through the
 * task_work_user index (user_id, project_id, stage). *items is arena memory. */
int lf_store_stats_progress(lf_tx *tx, int64_t user_id, int64_t since, lf_stats_progress **items,
			    int *n);
/* One gauge of /metrics: a count or sum under up to two labels. */
typedef struct lf_stats_gauge {
	int64_t project_id; /* 0 where the gauge is not per project */
	const char *a, *b;  /* label values (arena); b may be NULL */
	int64_t value;
} lf_stats_gauge;
/* Queued tasks per project and queue state (a = "queued_l1"...), read
 * through the per-stage partial indexes; projects with an empty queue have
 * no row. *items is arena memory. */
int lf_store_stats_queues(lf_tx *tx, lf_stats_gauge **items, int *n);
/* The balances of money accounts summed by kind (a = "escrow", "held",
 * "payable", "payouts_pending") and currency (b), in minor units. */
int lf_store_stats_money(lf_tx *tx, lf_stats_gauge **items, int *n);

/* One L1 annotation in force of a task, for agreement (quality/): the
 * task's updated_at, the annotation's created_at (ms), and author_id 0
 * (result NULL, created_at 0) for a task without one. */
typedef struct lf_rating_row {
	int64_t task_id, updated_at, author_id, created_at;
	const char *result; /* valid during the callback only */
} lf_rating_row;
typedef int (*lf_rating_cb)(void *ud, const lf_rating_row *row);

/*
 * Streams the tasks of project_id changed at or after since (updated_at),
 * with id > after_task, at most max_tasks of them in id order: each with
 * its L1 annotations whose stint was not voided, in version order (a
 * task without any comes once, author 0). A callback's error stops the
 * scan and is returned. *last_task is the last task id read (0: none).
 */
int lf_store_rating_scan(lf_tx *tx, int64_t project_id, int64_t since, int64_t after_task,
			 int max_tasks, lf_rating_cb cb, void *ud, int64_t *last_task);

#endif
