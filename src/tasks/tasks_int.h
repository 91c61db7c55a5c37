/*
 * tasks_int.h - shared by tasks.c, which carries out the transitions people
 * ask for, and sweeper.c, which expires leases through the same code.
 * Private to src/tasks/.
 */
#ifndef LF_TASKS_INT_H
#define LF_TASKS_INT_H

#include "projects/policy.h"
#include "tasks/config_cache.h"
#include "tasks/tasks.h"
#include "workflow/workflow.h"

/* One transition in progress. */
struct op {
	lf_tx *tx;
	const lf_actor *who;
	lf_error *why;
	int64_t now;
	lf_wf_event ev;
	lf_wf_role role;
	const char *decision; /* recorded on the actor's work row */
	const char *comment;  /* may be NULL */
	const json_t *result; /* may be NULL */
	lf_task_state requeue_to;
	lf_task task;		   /* as read in the transaction */
	const lf_tasks_conf *conf; /* its project's, as of the version read with it */
	lf_policy policy;
	int64_t active_work;	 /* the task's active stint as read with it, */
	int active_known;	 /* when that read is current (lf_task_locked) */
	const char *result_text; /* result as stored, serialized before the transaction */
	/* The result's check against the label config, when made before the
	 * transaction (see check_early): its outcome and the project version
	 * it was made for. */
	int checked;
	int64_t checked_version;
	int checked_ret;
	lf_error checked_why;
	int64_t work_id;
	int annotation_version;
	int64_t task_id;     /* the task operated on (claims: chosen in the transaction) */
	int64_t project_id;  /* claims */
	int stage;	     /* claims */
	int resume;	     /* claims: the task the actor holds at the stage comes first */
	int64_t expect_work; /* release asked for by a closed page: of this stint only */
	lf_task_view *view;  /* claims: resumed, draft */
	/* The submit of a gold copy (gold.c): the answer's score, whether it
	 * passed, and what the annotator is shown (JSON text in the arena of
	 * tx, NULL unless the project shows it). */
	/* The submit of a task with overlap_max (overlap.c): its annotations'
	 * agreement, when it was measured. */
	int64_t agreement_ppm;
	int agreement_known;
	int pay_band; /* L1 claim: +1 gold bonus, -1 gold penalty, 0 neither */
	int64_t gold_score_ppm;
	int gold_passed;
	const char *gold_feedback;
};

/* Locks task_id in op->tx and reads it into op->task, with its project's
 * configuration and effective policy (released with the arena of op->tx).
 * On failure op->why says why. */
int lf_tasks_load(struct op *op, int64_t task_id);
/* Decides op->ev on the loaded task with the workflow table and carries out
 * its effects inside op->tx (work rows, annotation, money, task row, audit
 * record). On failure op->why says why; the caller rolls back. */
int lf_tasks_apply(struct op *op);

/* overlap.c. Submit of an ordinary task, once the workflow allowed it and
 * the result is valid: *overlap gets the overlap to decide it with, one
 * more than the task has once it has the policy's and its annotators agree
 * less than overlap_agreement (until overlap_max). */
int lf_tasks_overlap_for_submit(struct op *op, int *overlap);

/* gold.c. After a claim loaded the task it would give: with the policy's
 * gold rate, inserts a copy of a gold task the actor was never given and
 * records that it was; *copy_id gets its id, or 0 when the claim goes on
 * with the task it has. */
int lf_tasks_gold_pick(struct op *op, int64_t *copy_id);
/* Submit of a gold copy, once the workflow allowed it and the result is
 * valid: scores op->result against the known answer into op->gold_*. */
int lf_tasks_gold_score(struct op *op);
/* After the submit's writes: stores the score and suspends the actor if
 * the project's rule says so (audited). */
int lf_tasks_gold_record(struct op *op);
/* An L1 claim's hold: *rate (the L1 rate) with the project's gold bonus
 * or penalty for the actor's band, which op->pay_band records. */
int lf_tasks_gold_pay(struct op *op, int64_t *rate);

#endif
