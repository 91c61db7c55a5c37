/*
 * tasks.h - the task life cycle as domain operations: claim, heartbeat,
 * release, submit, review, decide, requeue and the lease sweeper.
 *
 * Each operation is one write transaction that reads the task, asks the
 * workflow table (workflow/workflow.h) whether the event is allowed,
 * carries out the effects (lease, work rows, annotation versions, rework
 * routing), writes the task back with a compare-and-set on its state and
 * appends the audit record. Authorization of the caller's role in the
 * project is the API's job; these functions enforce what depends on the
 * task itself: lease holding, separation of duties, required comments and
 * results valid against the project's label config.
 */
#ifndef LF_TASKS_H
#define LF_TASKS_H

#include <jansson.h>

#include "store/store.h"

typedef struct lf_actor {
	int64_t user_id;
	int is_admin;
} lf_actor;

/* What a successful operation returns: the task after the change (arena
 * memory of the given arena) and, for claim/heartbeat, the lease. */
typedef struct lf_task_view {
	lf_task task;
	int64_t work_id;
} lf_task_view;

/*
 * Claims the next task of stage (1..3) in project for the actor. Returns
 * LF_ERR_NOTFOUND when there is nothing to do (the API answers 204).
 */
int lf_tasks_claim(lf_store *s, lf_arena *a, const lf_actor *who, int64_t project_id, int stage,
		   lf_task_view *out, lf_error *why);
int lf_tasks_heartbeat(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		       lf_task_view *out, lf_error *why);
int lf_tasks_release(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		     lf_task_view *out, lf_error *why);
/* L1 submits result (a Label Studio result array). */
int lf_tasks_submit(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		    const json_t *result, lf_task_view *out, lf_error *why);
/* L2: decision "approve" (result = optional correction), "reject", "escalate". */
int lf_tasks_review(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		    const char *decision, const char *comment, const json_t *result,
		    lf_task_view *out, lf_error *why);
/* L3: "approve", "override" (result required), "send_back_l1", "send_back_l2",
 * "discard". */
int lf_tasks_decide(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		    const char *decision, const char *comment, const json_t *result,
		    lf_task_view *out, lf_error *why);
/* Admin: back to queued_l1/l2/l3 from any non-final state, reason required. */
int lf_tasks_requeue(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		     const char *to_state, const char *reason, lf_task_view *out, lf_error *why);
/*
 * Returns every task whose lease ran out before now to its queue (or to
 * L3 past max attempts), in batches. Safe to run in several processes at
 * once: each task is re-read and re-checked inside the transaction that
 * expires it. *expired (may be NULL) gets how many were expired.
 */
int lf_tasks_sweep(lf_store *s, int64_t now, int *expired);

#endif
