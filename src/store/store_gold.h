/*
 * store_gold.h - gold tasks (known answers), the answers annotators gave
 * them, and members' suspensions. Included by store.h; the rules that use
 * them are in src/tasks/gold.c and src/quality/gold.h.
 */
#ifndef LF_STORE_GOLD_H
#define LF_STORE_GOLD_H

typedef struct lf_gold {
	int64_t id, project_id;
	const char *task_type;	 /* may be NULL */
	const char *data;	 /* JSON object text, as a task's */
	const char *predictions; /* JSON array text or NULL */
	const char *answer;	 /* JSON result array text: the known answer */
	int64_t source_task_id;	 /* the task it was promoted from, or 0 */
	int64_t created_by, created_at;
	int64_t retired_at;	       /* 0 while it is served */
	int64_t import_id, import_seq; /* made by an import (annotations=gold), or 0 */
	/* Filled by lf_store_gold_list and lf_store_gold_get only. */
	int64_t answered, passed; /* scored answers, and those that passed */
	int64_t score_ppm_sum;	  /* sum of their scores, in millionths */
} lf_gold;

/* Inserts g (id, counts ignored); *id gets its id. An import's
 * (import_id, import_seq) is unique, as its tasks' are. */
int lf_store_gold_insert(lf_tx *tx, const lf_gold *g, int64_t *id);
/* Gold task id of project_id, with its counts; LF_ERR_NOTFOUND if none. */
int lf_store_gold_get(lf_tx *tx, int64_t project_id, int64_t id, lf_gold *out);
/* Up to limit gold tasks of the project with id > after, by id, with their
 * counts; *items in the transaction's arena. */
int lf_store_gold_list(lf_tx *tx, int64_t project_id, int64_t after, int limit, lf_gold **items,
		       int *n);
/* Stops serving gold task id (answers are kept). LF_ERR_NOTFOUND when the
 * project has no such gold task, or it was retired already. */
int lf_store_gold_retire(lf_tx *tx, int64_t project_id, int64_t id, int64_t now);
/* The first gold task of the project, still served, that user_id was never
 * given (counts not filled); LF_ERR_NOTFOUND when none is left. */
int lf_store_gold_next(lf_tx *tx, int64_t project_id, int64_t user_id, lf_gold *out);
/*
 * Records that gold_id was given to user_id as task task_id (its copy).
 * The (gold, user) pair is unique: LF_ERR_CONFLICT when a concurrent claim
 * gave it to the same person first.
 */
int lf_store_gold_serve(lf_tx *tx, int64_t gold_id, int64_t task_id, int64_t project_id,
			int64_t user_id, int64_t now);
/* The score of the answer given in copy task_id, and whether it passed. */
int lf_store_gold_answer(lf_tx *tx, int64_t task_id, int64_t score_ppm, int passed, int64_t now);
/* The known answer of the gold task copied as task_id (*answer in the
 * transaction's arena). */
int lf_store_gold_answer_of(lf_tx *tx, int64_t task_id, const char **answer);

/* One annotator's gold answers in a project. */
typedef struct lf_gold_person {
	int64_t user_id;
	int64_t answered, passed, score_ppm_sum;
} lf_gold_person;
/* user_id's scored gold answers in project_id answered at or after since. */
int lf_store_gold_person(lf_tx *tx, int64_t project_id, int64_t user_id, int64_t since,
			 lf_gold_person *out);
/* Every annotator with a scored gold answer in the project, by user id;
 * *items in the transaction's arena. */
int lf_store_gold_people(lf_tx *tx, int64_t project_id, lf_gold_person **items, int *n);

/* A member's suspension from L1 work in a project. */
typedef struct lf_suspension {
	int64_t user_id;
	const char *reason;	  /* NULL when not suspended */
	int64_t at, by;		  /* by 0: automatic */
	int64_t reinstated_at;	  /* the last reinstatement, or 0 */
	const char *name, *email; /* the member's */
} lf_suspension;
/* Suspends user_id's annotator role in project_id. LF_ERR_NOTFOUND when
 * they have no such role; LF_ERR_CONFLICT when it is suspended already. */
int lf_store_member_suspend(lf_tx *tx, int64_t project_id, int64_t user_id, const char *reason,
			    int64_t by, int64_t now);
/* Lifts it. LF_ERR_NOTFOUND when it is not suspended. */
int lf_store_member_reinstate(lf_tx *tx, int64_t project_id, int64_t user_id, int64_t now);
/* Up to limit annotators of the project after after_user, by user id,
 * with their suspension state; *items in the transaction's arena. */
int lf_store_member_suspensions(lf_tx *tx, int64_t project_id, int64_t after_user, int limit,
				lf_suspension **items, int *n);
/* One annotator's; LF_ERR_NOTFOUND when they are not one. */
int lf_store_member_suspension(lf_tx *tx, int64_t project_id, int64_t user_id, lf_suspension *out);

#endif
