/*
 * sweeper.c - the lease sweeper: gives back the tasks whose closed page
 * asked for it (beacon.c) once their grace is over, and returns every task
 * whose lease ran out to its queue (or to L3 past max attempts).
 *
 * Apart from tasks.c because it is not an operation anyone asks for: the
 * job queue runs it periodically (LABELFLOW_SWEEP_MS), in any number of
 * processes at once. It expires tasks through the same lf_tasks_load and
 * lf_tasks_apply as every other transition, as the system actor.
 */
#include "tasks/tasks_int.h"

#include "metrics/metrics.h"

/* Expired tasks the sweeper lists per round (each then expires in its own
 * transaction). */
#define SWEEP_BATCH 200

struct expiry {
	int64_t task_id;
	int64_t now;
	int done;
};

static int expire_tx(lf_tx *tx, void *ud);
static int release_tx(lf_tx *tx, void *ud);
static int release_due(lf_store *s, lf_arena *a, int64_t now);

/* Expires one task in a transaction of its own, so the sweeper holds no
 * lock (task, escrow account) for longer than one transition
 * and never across the locks of concurrent claims. */
static int expire_tx(lf_tx *tx, void *ud)
{
	static const lf_actor system_actor = {.user_id = 0};
	struct expiry *e = ud;
	lf_error why;
	struct op op = {.tx = tx,
			.who = &system_actor,
			.why = &why,
			.now = e->now,
			.ev = LF_EV_EXPIRE,
			.role = LF_ROLE_SYSTEM,
			.decision = "expire"};
	/* Re-checked in this transaction: a heartbeat or a submit may have
	 * come since the list was read. */
	if (lf_tasks_load(&op, e->task_id) != LF_OK || op.task.lease_owner == 0 ||
	    op.task.lease_expires >= e->now)
		return LF_OK;
	int ret = lf_tasks_apply(&op);
	e->done = ret == LF_OK;
	return ret;
}

/*
 * Releases one stint whose page closed, as its holder would have: a
 * RELEASE through the workflow table (the hold goes back to escrow, the
 * draft with the stint), limited to that stint.
 */
static int release_tx(lf_tx *tx, void *ud)
{
	const lf_work *w = ud;
	lf_actor holder = {.user_id = w->user_id};
	lf_task_state st;
	lf_error why;
	struct op op = {.tx = tx,
			.who = &holder,
			.why = &why,
			.ev = LF_EV_RELEASE,
			.decision = "release",
			.comment = "The page was closed.",
			.expect_work = w->id};
	if (lf_tasks_load(&op, w->task_id) != LF_OK ||
	    lf_wf_state_parse(op.task.state, &st) != LF_OK || !lf_wf_is_locked(st))
		return LF_OK;
	op.now = lf_now_ms();
	op.role = lf_wf_stage_role(lf_wf_stage_of(st));
	return lf_tasks_apply(&op);
}

static int release_due(lf_store *s, lf_arena *a, int64_t now)
{
	lf_tx *tx = NULL;
	lf_work *due;
	int n = 0;
	int ret = lf_store_begin(s, LF_TX_READ, a, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_work_release_due(tx, now, SWEEP_BATCH, &due, &n);
	lf_store_rollback(tx);
	for (int i = 0; ret == LF_OK && i < n; i++) {
		ret = lf_store_write(s, a, release_tx, &due[i]);
		/* Refused: the lease ran out meanwhile, and the expiry below
		 * returns the task (ending the stint and its request). */
		if (ret == LF_ERR_CONFLICT)
			ret = LF_OK;
	}
	return ret;
}

int lf_tasks_sweep(lf_store *s, int64_t now, int *expired)
{
	int total = 0, ret = LF_OK;
	lf_arena *a = lf_arena_create();
	if (a == NULL)
		return LF_ERR_NOMEM;
	if ((ret = release_due(s, a, now)) != LF_OK) {
		lf_arena_destroy(a);
		return ret;
	}
	for (;;) {
		lf_tx *tx = NULL;
		int64_t *ids;
		int n = 0, done = 0;
		lf_arena_reset(a);
		if ((ret = lf_store_begin(s, LF_TX_READ, a, &tx)) != LF_OK)
			break;
		ret = lf_store_task_expired(tx, now, SWEEP_BATCH, &ids, &n);
		lf_store_rollback(tx);
		for (int i = 0; ret == LF_OK && i < n; i++) {
			struct expiry e = {.task_id = ids[i], .now = now};
			if ((ret = lf_store_write(s, a, expire_tx, &e)) == LF_OK && e.done) {
				done++;
				lf_metrics_task(LF_EV_EXPIRE, 0, LF_OK, 0);
			}
		}
		total += done;
		/* A full batch of which nothing could expire would come back
		 * the same on the next round. */
		if (ret != LF_OK || n < SWEEP_BATCH || done == 0)
			break;
	}
	lf_arena_destroy(a);
	lf_metrics_leases_expired(total);
	if (expired != NULL)
		*expired = total;
	return ret;
}
