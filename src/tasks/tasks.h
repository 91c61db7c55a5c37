/*
 * tasks.h - the task life cycle as domain operations: claim, heartbeat,
 * release, submit, revise, review, decide, requeue and the lease sweeper.
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
	int resumed;	   /* claim: the actor already held this task */
	const char *draft; /* resumed claim: the holder's saved draft, or NULL */
	int64_t draft_at;
	/* submit of a gold task in a project that shows annotators their
	 * score: JSON object text {score, passed, pass_score, expected,
	 * controls}; else NULL. In the arena given to the call. */
	const char *gold_feedback;
} lf_task_view;

/*
 * Claims the next task of stage (1..3) in project for the actor. With
 * resume, a task the actor already holds at that stage (a reloaded page)
 * comes first: its lease is renewed as by a heartbeat (which also cancels
 * a pending release, see lf_tasks_release_later) and out gets its draft;
 * nothing new is assigned, so a resume can never hand a task to two
 * people. Returns LF_ERR_NOTFOUND when there is nothing to do (the API
 * answers 204).
 */
int lf_tasks_claim(lf_store *s, lf_arena *a, const lf_actor *who, int64_t project_id, int stage,
		   int resume, lf_task_view *out, lf_error *why);
int lf_tasks_heartbeat(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		       lf_task_view *out, lf_error *why);
int lf_tasks_release(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		     lf_task_view *out, lf_error *why);
/*
 * Saves result (any JSON array: work in progress, not validated) as the
 * draft of the actor's stint on task_id, replacing the previous one. Only
 * the lease holder may (LF_ERR_CONFLICT "lease_lost" otherwise); the
 * draft is shown to nobody else and is dropped when the stint ends
 * (submit, release, expiry, requeue). *saved_at gets its time.
 */
int lf_tasks_draft_save(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
			const json_t *result, int64_t *saved_at, lf_error *why);

/*
 * A page that holds a task is closing (a beacon, see beacon.c): the
 * stint work_id of user_id on task_id is released by the sweeper after
 * the task's release_grace_seconds policy (*grace_ms gets it) unless a
 * heartbeat (or a resuming claim) comes first. LF_ERR_CONFLICT
 * "lease_lost" when that stint is not active.
 */
int lf_tasks_release_later(lf_store *s, lf_arena *a, int64_t user_id, int64_t task_id,
			   int64_t work_id, int64_t *grace_ms, lf_error *why);

/* The key that signs release beacons, derived from the server's JWT key
 * (so a leaked beacon key cannot sign access tokens). */
void lf_tasks_beacon_key(const unsigned char jwt_key[32], unsigned char out[32]);
/* The signature (64 hex digits and a NUL) of a release beacon for the
 * stint work_id of user_id on task_id, valid until exp (seconds). */
void lf_tasks_beacon_sign(const unsigned char key[32], int64_t task_id, int64_t work_id,
			  int64_t user_id, int64_t exp, char hex[65]);
/*
 * Checks a release beacon's query values (decimal strings as sent) for
 * task_id at time now (seconds): signature (constant time) and expiry.
 * Returns LF_OK with *work_id and *user_id, LF_ERR_FORBIDDEN otherwise.
 */
int lf_tasks_beacon_check(const unsigned char key[32], int64_t task_id, const char *work,
			  const char *uid, const char *exp, const char *sig, int64_t now,
			  int64_t *work_id, int64_t *user_id);

/* L1 submits result (a Label Studio result array). */
int lf_tasks_submit(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		    const json_t *result, lf_task_view *out, lf_error *why);
/*
 * The author replaces their submitted result while the task waits for L2:
 * the task stays queued_l2 with a new annotation version, validated as a
 * submit's. Only the annotator whose L1 submission is the latest version,
 * before any reviewer decided on it (with overlap > 1, the last of the L1
 * authors): LF_ERR_FORBIDDEN "not_author" for another who worked on the
 * task, LF_ERR_NOTFOUND for anyone else. LF_ERR_CONFLICT "task_claimed"
 * once a reviewer holds it: the state is compared and set in the same
 * transaction, so a racing claim either comes after the new version or
 * refuses the revise.
 */
int lf_tasks_revise(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
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
 * Admin, the data manager's bulk actions on one task each:
 * admin_release gives a held task back to its stage's queue, the holder's
 * hold returned (LF_ERR_CONFLICT "not_held" when nobody holds it); reason
 * may be NULL. admin_discard ends any unfinished task as discarded, every
 * hold returned to escrow; reason required.
 */
int lf_tasks_admin_release(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
			   const char *reason, lf_task_view *out, lf_error *why);
int lf_tasks_admin_discard(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
			   const char *reason, lf_task_view *out, lf_error *why);
/* Admin: sets the priority of an unfinished task (LF_ERR_CONFLICT
 * "wrong_state" for accepted or discarded ones), audited as task.priority. */
int lf_tasks_set_priority(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
			  int64_t priority, lf_task_view *out, lf_error *why);
/*
 * The task data JSON as one line for a table (preview.c): its string
 * values (keys left out) joined by " · ", white space runs as one space,
 * cut to LF_TASKS_PREVIEW_CHARS characters with "…" when there is more;
 * the JSON text itself when it holds no string. Reads only the first few
 * kilobytes of json (NULL gives ""). out (caller-owned) needs
 * LF_TASKS_PREVIEW_BYTES; returns the length written, NUL excluded.
 */
#define LF_TASKS_PREVIEW_CHARS 160
#define LF_TASKS_PREVIEW_BYTES (LF_TASKS_PREVIEW_CHARS * 4 + 4)
size_t lf_tasks_preview(const char *json, char *out, size_t outlen);
/*
 * Releases the stints whose closed page asked for it and whose grace ran
 * out by now (lf_tasks_release_later), then returns every task whose
 * lease ran out before now to its queue (or to L3 past max attempts), in
 * batches. Safe to run in several processes at
 * once: each task is re-read and re-checked inside the transaction that
 * releases or expires it. *expired (may be NULL) gets how many expired.
 */
int lf_tasks_sweep(lf_store *s, int64_t now, int *expired);

/*
 * The consensus proposal for a reviewer of task t (quality/consensus.h),
 * from its annotation versions an[0..nan) and stints w[0..nw) as
 * lf_store_annotation_list and lf_store_work_list return them, reading
 * the project's version in tx (a read transaction is enough). What counts
 * is the latest L1 annotation of each author whose stint was not voided.
 * On LF_OK, *out is NULL when fewer than 2 authors count, the project has
 * no label config, or the stored results do not merge under the current
 * config (logged); else {"result": merged regions, "controls": the report,
 * "annotators": N, "quorum": Q}, a new reference (owner: caller). Returns
 * LF_ERR_NOMEM or a store error otherwise.
 */
int lf_tasks_consensus(lf_tx *tx, const lf_task *t, const lf_annotation *an, int nan,
		       const lf_work *w, int nw, json_t **out);

#endif
