/*
 * gate.c - at most a backend's concurrency calls in flight, across every
 * process on the database. A backend's jobs arrive by the hundred after
 * an import, and servers and `labelflow worker` processes all run them;
 * the gate keeps a model server (often one GPU) from being asked more
 * than it can serve however many processes there are.
 *
 * A call holds one of the backend's slots (0 .. concurrency - 1), a row of
 * ml_call_slots, until it gives it back. A process killed mid-call cannot
 * give it back: the slot is held until the call's deadline (the backend's
 * timeout) has surely passed, then free again. A waiting job polls: the
 * store has no cross-process wake-up, and a wait is a call's length.
 */
#include "ml/ml_int.h"

#include <time.h>

#include "store/store_ml.h"

/* How often a waiting job tries again (and checks whether to stop). */
#define WAIT_MS 50
/* A held slot outlives its call's timeout by this much, so a slow call
 * is never taken over before its own deadline. */
#define GRACE_MS 10000

struct take {
	const lf_ml_backend *b;
	lf_ml_slot *slot;
	int64_t now;
};

static int take_tx(lf_tx *tx, void *ud);
static int give_tx(lf_tx *tx, void *ud);

static int take_tx(lf_tx *tx, void *ud)
{
	struct take *t = ud;
	return lf_store_ml_slot_take(tx, t->b->id, t->b->concurrency, t->slot->holder, t->now,
				     t->now + t->b->timeout_ms + GRACE_MS, &t->slot->slot);
}

static int give_tx(lf_tx *tx, void *ud)
{
	const lf_ml_slot *slot = ud;
	return lf_store_ml_slot_give(tx, slot->backend_id, slot->slot, slot->holder);
}

int lf_ml_gate_enter(lf_store *s, lf_arena *a, const lf_ml_backend *b, const lf_job *job,
		     lf_ml_slot *out)
{
	struct take t = {.b = b, .slot = out};
	struct timespec pause = {0, WAIT_MS * 1000000L};
	int ret;
	out->backend_id = b->id;
	lf_token_id(out->holder, sizeof(out->holder));
	for (;;) {
		t.now = lf_now_ms();
		if ((ret = lf_store_write(s, a, take_tx, &t)) != LF_ERR_CONFLICT)
			return ret;
		if (job != NULL && lf_jobs_stopping(job))
			return LF_ERR_IO;
		nanosleep(&pause, NULL);
	}
}

void lf_ml_gate_leave(lf_store *s, lf_arena *a, const lf_ml_slot *slot)
{
	/* Not given back (a database error): free at its deadline anyway. */
	(void)lf_store_write(s, a, give_tx, (void *)slot);
}
