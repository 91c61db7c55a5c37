/*
 * test_workflow.c - proves the task state machine against the spec.
 *
 * Two kinds of tests: readable ones, one per rule of the life cycle, and
 * exhaustive ones that compare lf_wf_apply with an independent model
 * (model_apply, written from the spec with switches, not from the module's
 * table) over every (state, event, role) and every input flag.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/lf.h"
#include "workflow/workflow.h"

#define BIT(r) (1u << (r))

static int model_apply(lf_wf_event ev, lf_wf_role role, const lf_wf_input *in, lf_wf_outcome *o);
static int model_gold(lf_wf_event ev, lf_wf_role role, const lf_wf_input *in, lf_wf_outcome *o);
static int stage_num(lf_task_state s);
static int is_locked_state(lf_task_state s);
static lf_wf_input base_input(lf_task_state s);
static lf_wf_outcome apply_ok(lf_wf_event ev, lf_wf_role role, const lf_wf_input *in);
static int compare_with_model(lf_wf_event ev, lf_wf_role role, const lf_wf_input *in);
static int next_digit(long *k, int base);

static const unsigned GIVE_BACK = LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN;
static const unsigned DONE = LF_FX_CLEAR_LEASE | LF_FX_HOLD_EARN;

/* ---- the independent model ---------------------------------------------- */

static int stage_num(lf_task_state s)
{
	switch (s) {
	case LF_TS_QUEUED_L1:
	case LF_TS_LOCKED_L1: return 1;
	case LF_TS_QUEUED_L2:
	case LF_TS_LOCKED_L2: return 2;
	case LF_TS_QUEUED_L3:
	case LF_TS_LOCKED_L3: return 3;
	default: return 0;
	}
}

static int is_locked_state(lf_task_state s)
{
	return s == LF_TS_LOCKED_L1 || s == LF_TS_LOCKED_L2 || s == LF_TS_LOCKED_L3;
}

/*
 * The spec's life cycle written out by hand. Precedence of refusals: role
 * never allowed for the event (403), wrong state (409), role not the one of
 * this stage (403), not the holder (409), not the author of the version a
 * revise replaces (403), missing comment/result or bad requeue target (422).
 */
static int model_apply(lf_wf_event ev, lf_wf_role role, const lf_wf_input *in, lf_wf_outcome *o)
{
	static const lf_task_state queued[] = {0, LF_TS_QUEUED_L1, LF_TS_QUEUED_L2,
					       LF_TS_QUEUED_L3};
	static const lf_task_state locked[] = {0, LF_TS_LOCKED_L1, LF_TS_LOCKED_L2,
					       LF_TS_LOCKED_L3};
	static const lf_wf_role stage_role[] = {0, LF_ROLE_ANNOTATOR, LF_ROLE_REVIEWER,
						LF_ROLE_SUPER_REVIEWER};
	lf_task_state s = in->state;
	int st = stage_num(s);
	unsigned ever;
	int state_ok, want_role, holder, author, comment, result;
	int overlap = in->overlap < 1 ? 1 : in->overlap;

	switch (ev) {
	case LF_EV_CLAIM:
	case LF_EV_HEARTBEAT:
	case LF_EV_RELEASE:
		ever = BIT(LF_ROLE_ANNOTATOR) | BIT(LF_ROLE_REVIEWER) | BIT(LF_ROLE_SUPER_REVIEWER);
		break;
	case LF_EV_EXPIRE: ever = BIT(LF_ROLE_SYSTEM); break;
	case LF_EV_SUBMIT:
	case LF_EV_REVISE: ever = BIT(LF_ROLE_ANNOTATOR); break;
	case LF_EV_L2_APPROVE:
	case LF_EV_L2_REJECT:
	case LF_EV_L2_ESCALATE: ever = BIT(LF_ROLE_REVIEWER); break;
	case LF_EV_ADMIN_REQUEUE:
	case LF_EV_ADMIN_RELEASE:
	case LF_EV_ADMIN_DISCARD: ever = BIT(LF_ROLE_ADMIN); break;
	default: ever = BIT(LF_ROLE_SUPER_REVIEWER); break;
	}
	if (!(ever & BIT(role)))
		return LF_ERR_FORBIDDEN;
	if (in->gold)
		return model_gold(ev, role, in, o);

	want_role = -1;
	holder = author = comment = result = 0;
	switch (ev) {
	case LF_EV_CLAIM:
		state_ok = st && !is_locked_state(s);
		want_role = state_ok ? (int)stage_role[st] : -1;
		break;
	case LF_EV_HEARTBEAT:
	case LF_EV_RELEASE:
		state_ok = is_locked_state(s);
		want_role = state_ok ? (int)stage_role[st] : -1;
		holder = 1;
		break;
	case LF_EV_EXPIRE: state_ok = is_locked_state(s); break;
	case LF_EV_SUBMIT:
		state_ok = s == LF_TS_LOCKED_L1;
		holder = result = 1;
		break;
	case LF_EV_REVISE:
		state_ok = s == LF_TS_QUEUED_L2;
		author = result = 1;
		break;
	case LF_EV_L2_APPROVE:
	case LF_EV_L2_REJECT:
	case LF_EV_L2_ESCALATE:
		state_ok = s == LF_TS_LOCKED_L2;
		holder = 1;
		comment = ev != LF_EV_L2_APPROVE;
		break;
	case LF_EV_ADMIN_REQUEUE:
	case LF_EV_ADMIN_DISCARD:
		state_ok = st != 0;
		comment = 1;
		break;
	case LF_EV_ADMIN_RELEASE: state_ok = is_locked_state(s); break;
	default:
		state_ok = s == LF_TS_LOCKED_L3;
		holder = 1;
		result = ev == LF_EV_L3_OVERRIDE;
		comment = ev != LF_EV_L3_OVERRIDE && ev != LF_EV_L3_APPROVE;
		break;
	}
	if (!state_ok)
		return LF_ERR_CONFLICT;
	if (want_role >= 0 && (int)role != want_role)
		return LF_ERR_FORBIDDEN;
	if (holder && !in->is_holder)
		return LF_ERR_CONFLICT;
	if (author && !in->is_author)
		return LF_ERR_FORBIDDEN;
	if ((comment && !in->has_comment) || (result && !in->has_result))
		return LF_ERR_INVALID;

	o->attempts = in->attempts;
	o->reworks = in->reworks;
	o->annotations_done = in->annotations_done;
	switch (ev) {
	case LF_EV_CLAIM:
		o->to = locked[st];
		o->effects = LF_FX_SET_LEASE | LF_FX_HOLD_RESERVE;
		break;
	case LF_EV_HEARTBEAT:
		o->to = s;
		o->effects = LF_FX_EXTEND_LEASE;
		break;
	case LF_EV_RELEASE:
		o->to = queued[st];
		o->effects = GIVE_BACK;
		break;
	case LF_EV_EXPIRE:
		o->attempts++;
		o->to = queued[st];
		o->effects = GIVE_BACK | LF_FX_ATTEMPT_INC;
		if (st < 3 && o->attempts > in->max_attempts) {
			o->to = LF_TS_QUEUED_L3;
			o->effects |= LF_FX_ESCALATED;
		}
		break;
	case LF_EV_SUBMIT:
		o->annotations_done++;
		o->to = o->annotations_done < overlap ? LF_TS_QUEUED_L1 : LF_TS_QUEUED_L2;
		o->effects = DONE | LF_FX_NEW_VERSION | LF_FX_ANNOTATION_INC;
		break;
	case LF_EV_REVISE:
		o->to = LF_TS_QUEUED_L2;
		o->effects = LF_FX_NEW_VERSION;
		break;
	case LF_EV_L2_APPROVE:
		o->to = in->sampled_for_l3 ? LF_TS_QUEUED_L3 : LF_TS_ACCEPTED;
		o->effects = DONE | (in->sampled_for_l3 ? 0 : LF_FX_PAY) |
			     (in->has_result ? LF_FX_NEW_VERSION : 0);
		break;
	case LF_EV_L2_REJECT:
		o->reworks++;
		o->annotations_done = 0;
		o->effects = DONE | LF_FX_REWORK_INC | LF_FX_VOID_L1;
		if (o->reworks > in->max_reworks) {
			o->to = LF_TS_QUEUED_L3;
			o->effects |= LF_FX_ESCALATED;
		} else {
			o->to = LF_TS_QUEUED_L1;
			o->effects |= LF_FX_PREFER_PREV_ANNOTATOR;
		}
		break;
	case LF_EV_L2_ESCALATE:
		o->to = LF_TS_QUEUED_L3;
		o->effects = DONE | LF_FX_ESCALATED;
		break;
	case LF_EV_L3_APPROVE:
		o->to = LF_TS_ACCEPTED;
		o->effects = DONE | LF_FX_PAY;
		break;
	case LF_EV_L3_OVERRIDE:
		o->to = LF_TS_ACCEPTED;
		o->effects = DONE | LF_FX_PAY | LF_FX_NEW_VERSION | LF_FX_FINAL_VERSION;
		break;
	case LF_EV_L3_SEND_BACK_L1:
		o->to = LF_TS_QUEUED_L1;
		o->annotations_done = 0;
		o->effects =
		    DONE | LF_FX_VOID_L1 | LF_FX_L2_OVERTURNED | LF_FX_PREFER_PREV_ANNOTATOR;
		break;
	case LF_EV_L3_SEND_BACK_L2:
		o->to = LF_TS_QUEUED_L2;
		o->effects = DONE | LF_FX_L2_OVERTURNED;
		break;
	case LF_EV_L3_DISCARD:
		o->to = LF_TS_DISCARDED;
		o->annotations_done = 0;
		o->effects = GIVE_BACK | LF_FX_VOID_ALL;
		break;
	case LF_EV_ADMIN_REQUEUE: {
		int target = stage_num(in->requeue_to);

		if (!target || is_locked_state(in->requeue_to))
			return LF_ERR_INVALID;
		o->to = in->requeue_to;
		o->effects = is_locked_state(s) ? GIVE_BACK : 0;
		if (target < 2 && st >= 2) {
			o->effects |= LF_FX_VOID_L1;
			o->annotations_done = 0;
		}
		if (target < 3 && st >= 3)
			o->effects |= LF_FX_VOID_L2;
		break;
	}
	case LF_EV_ADMIN_RELEASE:
		o->to = queued[st];
		o->effects = GIVE_BACK;
		break;
	case LF_EV_ADMIN_DISCARD:
		o->to = LF_TS_DISCARDED;
		o->annotations_done = 0;
		o->effects = (is_locked_state(s) ? GIVE_BACK : 0) | LF_FX_VOID_ALL;
		break;
	default: return LF_ERR_INTERNAL;
	}
	return LF_OK;
}

/*
 * A gold copy, written out by hand: an annotator's L1 task that is claimed,
 * held and submitted, then ends (accepted and paid, or discarded with its
 * hold returned when it failed unpaid); nothing else applies to it. Called
 * once the role is one that may ever apply ev.
 */
static int model_gold(lf_wf_event ev, lf_wf_role role, const lf_wf_input *in, lf_wf_outcome *o)
{
	lf_task_state s = in->state;
	int want_l1 = ev != LF_EV_CLAIM;
	if (ev != LF_EV_CLAIM && ev != LF_EV_HEARTBEAT && ev != LF_EV_RELEASE &&
	    ev != LF_EV_EXPIRE && ev != LF_EV_SUBMIT && ev != LF_EV_ADMIN_RELEASE &&
	    ev != LF_EV_ADMIN_DISCARD)
		return LF_ERR_CONFLICT;
	if (s != (want_l1 ? LF_TS_LOCKED_L1 : LF_TS_QUEUED_L1))
		return LF_ERR_CONFLICT;
	if ((ev == LF_EV_CLAIM || ev == LF_EV_HEARTBEAT || ev == LF_EV_RELEASE) &&
	    role != LF_ROLE_ANNOTATOR)
		return LF_ERR_FORBIDDEN;
	if ((ev == LF_EV_HEARTBEAT || ev == LF_EV_RELEASE || ev == LF_EV_SUBMIT) && !in->is_holder)
		return LF_ERR_CONFLICT;
	if ((ev == LF_EV_ADMIN_DISCARD && !in->has_comment) ||
	    (ev == LF_EV_SUBMIT && !in->has_result))
		return LF_ERR_INVALID;
	o->attempts = in->attempts;
	o->reworks = in->reworks;
	o->annotations_done = in->annotations_done;
	o->to = LF_TS_DISCARDED;
	o->effects = GIVE_BACK;
	switch (ev) {
	case LF_EV_CLAIM:
		o->to = LF_TS_LOCKED_L1;
		o->effects = LF_FX_SET_LEASE | LF_FX_HOLD_RESERVE;
		break;
	case LF_EV_HEARTBEAT:
		o->to = LF_TS_LOCKED_L1;
		o->effects = LF_FX_EXTEND_LEASE;
		break;
	case LF_EV_EXPIRE:
		o->attempts++;
		o->effects |= LF_FX_ATTEMPT_INC;
		break;
	case LF_EV_SUBMIT:
		o->annotations_done++;
		o->to = in->gold_unpaid ? LF_TS_DISCARDED : LF_TS_ACCEPTED;
		o->effects = (in->gold_unpaid ? GIVE_BACK : DONE | LF_FX_PAY) | LF_FX_NEW_VERSION |
			     LF_FX_ANNOTATION_INC;
		break;
	default: break;
	}
	return LF_OK;
}

/* ---- helpers ------------------------------------------------------------ */

static lf_wf_input base_input(lf_task_state s)
{
	lf_wf_input in;

	memset(&in, 0, sizeof(in));
	in.state = s;
	in.is_holder = 1;
	in.is_author = 1;
	in.max_attempts = 3;
	in.max_reworks = 2;
	in.overlap = 1;
	in.sampled_for_l3 = 1;
	return in;
}

static lf_wf_outcome apply_ok(lf_wf_event ev, lf_wf_role role, const lf_wf_input *in)
{
	lf_wf_outcome o;

	memset(&o, 0, sizeof(o));
	assert_int_equal(lf_wf_apply(ev, role, in, &o), LF_OK);
	return o;
}

/* Peels the next mixed-radix digit off *k, so one counter can walk a
 * cartesian product without a tower of nested loops. */
static int next_digit(long *k, int base)
{
	int d = (int)(*k % base);

	*k /= base;
	return d;
}

/* Returns 1 when the module and the model agree, printing the case if not. */
static int compare_with_model(lf_wf_event ev, lf_wf_role role, const lf_wf_input *in)
{
	lf_wf_outcome got, want;
	int rg, rw;

	memset(&got, 0x5a, sizeof(got));
	memset(&want, 0x5a, sizeof(want));
	rg = lf_wf_apply(ev, role, in, &got);
	rw = model_apply(ev, role, in, &want);
	if (rg == rw && (rg != LF_OK || memcmp(&got, &want, sizeof(got)) == 0))
		return 1;
	print_error(
	    "mismatch: %s%s by %s in %s (holder=%d author=%d comment=%d result=%d sampled=%d "
	    "to=%s a=%d/%d r=%d/%d n=%d/%d): got %d to=%s fx=%#x, want %d to=%s "
	    "fx=%#x\n",
	    in->gold ? "gold " : "", lf_wf_event_name(ev), lf_wf_role_name(role),
	    lf_wf_state_name(in->state), in->is_holder, in->is_author, in->has_comment,
	    in->has_result, in->sampled_for_l3, lf_wf_state_name(in->requeue_to), in->attempts,
	    in->max_attempts, in->reworks, in->max_reworks, in->annotations_done, in->overlap, rg,
	    lf_wf_state_name(got.to), got.effects, rw, lf_wf_state_name(want.to), want.effects);
	return 0;
}

/* ---- one test per rule -------------------------------------------------- */

static void test_claim_each_stage(void **state)
{
	int st;

	for (st = 1; st <= 3; st++) {
		lf_wf_input in = base_input(lf_wf_queued_state(st));
		lf_wf_outcome o;

		in.is_holder = 0;
		o = apply_ok(LF_EV_CLAIM, lf_wf_stage_role(st), &in);
		assert_int_equal(o.to, lf_wf_locked_state(st));
		assert_int_equal(o.effects, LF_FX_SET_LEASE | LF_FX_HOLD_RESERVE);
		assert_int_equal(o.attempts, 0);
		assert_int_equal(o.reworks, 0);
	}
	/* Claiming a locked task is a double claim: conflict. */
	{
		lf_wf_input in = base_input(LF_TS_LOCKED_L1);

		assert_int_equal(
		    lf_wf_apply(LF_EV_CLAIM, LF_ROLE_ANNOTATOR, &in, &(lf_wf_outcome){0}),
		    LF_ERR_CONFLICT);
	}
	/* An annotator cannot claim review work, nor an admin anything. */
	{
		lf_wf_input in = base_input(LF_TS_QUEUED_L2);
		lf_wf_outcome o;

		assert_int_equal(lf_wf_apply(LF_EV_CLAIM, LF_ROLE_ANNOTATOR, &in, &o),
				 LF_ERR_FORBIDDEN);
		assert_int_equal(lf_wf_apply(LF_EV_CLAIM, LF_ROLE_SUPER_REVIEWER, &in, &o),
				 LF_ERR_FORBIDDEN);
		assert_int_equal(lf_wf_apply(LF_EV_CLAIM, LF_ROLE_ADMIN, &in, &o),
				 LF_ERR_FORBIDDEN);
	}
}

static void test_heartbeat_and_release_holder_only(void **state)
{
	int st;

	for (st = 1; st <= 3; st++) {
		lf_wf_input in = base_input(lf_wf_locked_state(st));
		lf_wf_role r = lf_wf_stage_role(st);
		lf_wf_outcome o;

		o = apply_ok(LF_EV_HEARTBEAT, r, &in);
		assert_int_equal(o.to, in.state);
		assert_int_equal(o.effects, LF_FX_EXTEND_LEASE);
		o = apply_ok(LF_EV_RELEASE, r, &in);
		assert_int_equal(o.to, lf_wf_queued_state(st));
		assert_int_equal(o.effects, LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN);

		in.is_holder = 0;
		assert_int_equal(lf_wf_apply(LF_EV_HEARTBEAT, r, &in, &o), LF_ERR_CONFLICT);
		assert_int_equal(lf_wf_apply(LF_EV_RELEASE, r, &in, &o), LF_ERR_CONFLICT);

		in = base_input(lf_wf_queued_state(st));
		assert_int_equal(lf_wf_apply(LF_EV_HEARTBEAT, r, &in, &o), LF_ERR_CONFLICT);
		assert_int_equal(lf_wf_apply(LF_EV_RELEASE, r, &in, &o), LF_ERR_CONFLICT);
	}
}

static void test_expire_and_attempt_limit(void **state)
{
	int st;

	for (st = 1; st <= 3; st++) {
		lf_wf_input in = base_input(lf_wf_locked_state(st));
		lf_wf_outcome o;

		in.is_holder = 0;
		in.max_attempts = 2;
		in.attempts = 1; /* becomes 2: at the limit, not past it */
		o = apply_ok(LF_EV_EXPIRE, LF_ROLE_SYSTEM, &in);
		assert_int_equal(o.to, lf_wf_queued_state(st));
		assert_int_equal(o.attempts, 2);
		assert_int_equal(o.effects,
				 LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN | LF_FX_ATTEMPT_INC);

		in.attempts = 2; /* becomes 3: past the limit */
		o = apply_ok(LF_EV_EXPIRE, LF_ROLE_SYSTEM, &in);
		assert_int_equal(o.to, LF_TS_QUEUED_L3);
		assert_int_equal(o.attempts, 3);
		if (st < 3)
			assert_int_equal(o.effects, LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN |
							LF_FX_ATTEMPT_INC | LF_FX_ESCALATED);
		else
			assert_int_equal(o.effects,
					 LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN | LF_FX_ATTEMPT_INC);

		/* max_attempts 0: the first expiry already escalates. */
		in.attempts = 0;
		in.max_attempts = 0;
		o = apply_ok(LF_EV_EXPIRE, LF_ROLE_SYSTEM, &in);
		assert_int_equal(o.to, LF_TS_QUEUED_L3);

		/* Only the sweeper expires leases, and only locked tasks. */
		assert_int_equal(lf_wf_apply(LF_EV_EXPIRE, LF_ROLE_ADMIN, &in, &o),
				 LF_ERR_FORBIDDEN);
		assert_int_equal(lf_wf_apply(LF_EV_EXPIRE, lf_wf_stage_role(st), &in, &o),
				 LF_ERR_FORBIDDEN);
		in.state = lf_wf_queued_state(st);
		assert_int_equal(lf_wf_apply(LF_EV_EXPIRE, LF_ROLE_SYSTEM, &in, &o),
				 LF_ERR_CONFLICT);
	}
}

static void test_submit_and_overlap(void **state)
{
	const unsigned fx =
	    LF_FX_CLEAR_LEASE | LF_FX_HOLD_EARN | LF_FX_NEW_VERSION | LF_FX_ANNOTATION_INC;
	lf_wf_input in = base_input(LF_TS_LOCKED_L1);
	lf_wf_outcome o;

	in.has_result = 1;
	o = apply_ok(LF_EV_SUBMIT, LF_ROLE_ANNOTATOR, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L2);
	assert_int_equal(o.effects, fx);
	assert_int_equal(o.annotations_done, 1);

	/* overlap 0 is treated as 1. */
	in.overlap = 0;
	assert_int_equal(apply_ok(LF_EV_SUBMIT, LF_ROLE_ANNOTATOR, &in).to, LF_TS_QUEUED_L2);

	/* overlap 3: the first two submits send the task back to L1. */
	in.overlap = 3;
	in.annotations_done = 0;
	o = apply_ok(LF_EV_SUBMIT, LF_ROLE_ANNOTATOR, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L1);
	assert_int_equal(o.effects, fx);
	assert_int_equal(o.annotations_done, 1);
	in.annotations_done = 1;
	o = apply_ok(LF_EV_SUBMIT, LF_ROLE_ANNOTATOR, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L1);
	assert_int_equal(o.annotations_done, 2);
	in.annotations_done = 2;
	o = apply_ok(LF_EV_SUBMIT, LF_ROLE_ANNOTATOR, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L2);
	assert_int_equal(o.effects, fx);
	assert_int_equal(o.annotations_done, 3);

	in.has_result = 0;
	assert_int_equal(lf_wf_apply(LF_EV_SUBMIT, LF_ROLE_ANNOTATOR, &in, &o), LF_ERR_INVALID);
	in.has_result = 1;
	in.is_holder = 0;
	assert_int_equal(lf_wf_apply(LF_EV_SUBMIT, LF_ROLE_ANNOTATOR, &in, &o), LF_ERR_CONFLICT);
	assert_int_equal(lf_wf_apply(LF_EV_SUBMIT, LF_ROLE_REVIEWER, &in, &o), LF_ERR_FORBIDDEN);
}

/*
 * The author may replace a submitted result while the task waits for L2:
 * the task stays queued_l2, a new version is stored, and the lease and the
 * money are left alone (the submit's pending hold stays).
 */
static void test_revise_queued_l2_author_only(void **state)
{
	static const lf_task_state elsewhere[] = {LF_TS_QUEUED_L1, LF_TS_LOCKED_L1, LF_TS_LOCKED_L2,
						  LF_TS_QUEUED_L3, LF_TS_LOCKED_L3, LF_TS_ACCEPTED,
						  LF_TS_DISCARDED};
	lf_wf_input in = base_input(LF_TS_QUEUED_L2);
	lf_wf_outcome o;
	size_t i;

	in.is_holder = 0;
	in.has_result = 1;
	in.annotations_done = 1;
	o = apply_ok(LF_EV_REVISE, LF_ROLE_ANNOTATOR, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L2);
	assert_int_equal(o.effects, LF_FX_NEW_VERSION);
	assert_int_equal(o.annotations_done, 1);
	assert_int_equal(o.attempts, 0);
	assert_int_equal(o.reworks, 0);

	/* Another annotator: who wrote the version does not change by
	 * waiting, so it is 403, not 409. */
	in.is_author = 0;
	assert_int_equal(lf_wf_apply(LF_EV_REVISE, LF_ROLE_ANNOTATOR, &in, &o), LF_ERR_FORBIDDEN);
	in.is_author = 1;
	/* Reviewers and admins never revise, not even their own work. */
	assert_int_equal(lf_wf_apply(LF_EV_REVISE, LF_ROLE_REVIEWER, &in, &o), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_wf_apply(LF_EV_REVISE, LF_ROLE_ADMIN, &in, &o), LF_ERR_FORBIDDEN);
	in.has_result = 0;
	assert_int_equal(lf_wf_apply(LF_EV_REVISE, LF_ROLE_ANNOTATOR, &in, &o), LF_ERR_INVALID);
	in.has_result = 1;

	/* Claimed by a reviewer (locked_l2), sent back, still being written,
	 * or decided: the state is wrong, for the author and anyone else. */
	for (i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++) {
		in.state = elsewhere[i];
		in.is_author = 1;
		assert_int_equal(lf_wf_apply(LF_EV_REVISE, LF_ROLE_ANNOTATOR, &in, &o),
				 LF_ERR_CONFLICT);
		in.is_author = 0;
		assert_int_equal(lf_wf_apply(LF_EV_REVISE, LF_ROLE_ANNOTATOR, &in, &o),
				 LF_ERR_CONFLICT);
	}
}

static void test_l2_approve_sampling_and_correction(void **state)
{
	lf_wf_input in = base_input(LF_TS_LOCKED_L2);
	lf_wf_outcome o;

	o = apply_ok(LF_EV_L2_APPROVE, LF_ROLE_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L3);
	assert_int_equal(o.effects, LF_FX_CLEAR_LEASE | LF_FX_HOLD_EARN);

	in.has_result = 1;
	o = apply_ok(LF_EV_L2_APPROVE, LF_ROLE_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L3);
	assert_int_equal(o.effects, LF_FX_CLEAR_LEASE | LF_FX_HOLD_EARN | LF_FX_NEW_VERSION);

	/* Not picked for the L3 sample: accepted and paid right away. */
	in.sampled_for_l3 = 0;
	o = apply_ok(LF_EV_L2_APPROVE, LF_ROLE_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_ACCEPTED);
	assert_int_equal(o.effects,
			 LF_FX_CLEAR_LEASE | LF_FX_HOLD_EARN | LF_FX_NEW_VERSION | LF_FX_PAY);
	in.has_result = 0;
	o = apply_ok(LF_EV_L2_APPROVE, LF_ROLE_REVIEWER, &in);
	assert_int_equal(o.effects, LF_FX_CLEAR_LEASE | LF_FX_HOLD_EARN | LF_FX_PAY);

	in.is_holder = 0;
	assert_int_equal(lf_wf_apply(LF_EV_L2_APPROVE, LF_ROLE_REVIEWER, &in, &o), LF_ERR_CONFLICT);
}

static void test_l2_reject_and_rework_limit(void **state)
{
	const unsigned fx = LF_FX_CLEAR_LEASE | LF_FX_HOLD_EARN | LF_FX_REWORK_INC | LF_FX_VOID_L1;
	lf_wf_input in = base_input(LF_TS_LOCKED_L2);
	lf_wf_outcome o;

	assert_int_equal(lf_wf_apply(LF_EV_L2_REJECT, LF_ROLE_REVIEWER, &in, &o), LF_ERR_INVALID);
	in.has_comment = 1;
	in.max_reworks = 2;
	in.reworks = 1; /* becomes 2: at the limit */
	in.annotations_done = 2;
	in.overlap = 2;
	o = apply_ok(LF_EV_L2_REJECT, LF_ROLE_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L1);
	assert_int_equal(o.reworks, 2);
	assert_int_equal(o.annotations_done, 0);
	assert_int_equal(o.effects, fx | LF_FX_PREFER_PREV_ANNOTATOR);

	in.reworks = 2; /* becomes 3: past the limit */
	o = apply_ok(LF_EV_L2_REJECT, LF_ROLE_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L3);
	assert_int_equal(o.reworks, 3);
	assert_int_equal(o.effects, fx | LF_FX_ESCALATED);
}

static void test_l2_escalate(void **state)
{
	lf_wf_input in = base_input(LF_TS_LOCKED_L2);
	lf_wf_outcome o;

	assert_int_equal(lf_wf_apply(LF_EV_L2_ESCALATE, LF_ROLE_REVIEWER, &in, &o), LF_ERR_INVALID);
	in.has_comment = 1;
	o = apply_ok(LF_EV_L2_ESCALATE, LF_ROLE_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L3);
	assert_int_equal(o.effects, LF_FX_CLEAR_LEASE | LF_FX_HOLD_EARN | LF_FX_ESCALATED);
	assert_int_equal(lf_wf_apply(LF_EV_L2_ESCALATE, LF_ROLE_SUPER_REVIEWER, &in, &o),
			 LF_ERR_FORBIDDEN);
}

static void test_l3_decisions(void **state)
{
	lf_wf_input in = base_input(LF_TS_LOCKED_L3);
	lf_wf_outcome o;

	o = apply_ok(LF_EV_L3_APPROVE, LF_ROLE_SUPER_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_ACCEPTED);
	assert_int_equal(o.effects, DONE | LF_FX_PAY);

	assert_int_equal(lf_wf_apply(LF_EV_L3_OVERRIDE, LF_ROLE_SUPER_REVIEWER, &in, &o),
			 LF_ERR_INVALID);
	assert_int_equal(lf_wf_apply(LF_EV_L3_SEND_BACK_L1, LF_ROLE_SUPER_REVIEWER, &in, &o),
			 LF_ERR_INVALID);
	assert_int_equal(lf_wf_apply(LF_EV_L3_SEND_BACK_L2, LF_ROLE_SUPER_REVIEWER, &in, &o),
			 LF_ERR_INVALID);
	assert_int_equal(lf_wf_apply(LF_EV_L3_DISCARD, LF_ROLE_SUPER_REVIEWER, &in, &o),
			 LF_ERR_INVALID);

	in.has_result = 1;
	o = apply_ok(LF_EV_L3_OVERRIDE, LF_ROLE_SUPER_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_ACCEPTED);
	assert_int_equal(o.effects, DONE | LF_FX_NEW_VERSION | LF_FX_FINAL_VERSION | LF_FX_PAY);

	in.has_result = 0;
	in.has_comment = 1;
	in.annotations_done = 1;
	o = apply_ok(LF_EV_L3_SEND_BACK_L1, LF_ROLE_SUPER_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L1);
	assert_int_equal(o.annotations_done, 0);
	assert_int_equal(o.effects,
			 DONE | LF_FX_VOID_L1 | LF_FX_L2_OVERTURNED | LF_FX_PREFER_PREV_ANNOTATOR);
	o = apply_ok(LF_EV_L3_SEND_BACK_L2, LF_ROLE_SUPER_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_QUEUED_L2);
	assert_int_equal(o.annotations_done, 1);
	assert_int_equal(o.effects, DONE | LF_FX_L2_OVERTURNED);
	o = apply_ok(LF_EV_L3_DISCARD, LF_ROLE_SUPER_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_DISCARDED);
	assert_int_equal(o.effects, GIVE_BACK | LF_FX_VOID_ALL);

	assert_int_equal(lf_wf_apply(LF_EV_L3_APPROVE, LF_ROLE_REVIEWER, &in, &o),
			 LF_ERR_FORBIDDEN);
	in.is_holder = 0;
	assert_int_equal(lf_wf_apply(LF_EV_L3_APPROVE, LF_ROLE_SUPER_REVIEWER, &in, &o),
			 LF_ERR_CONFLICT);
	in.is_holder = 1;
	in.state = LF_TS_QUEUED_L3;
	assert_int_equal(lf_wf_apply(LF_EV_L3_APPROVE, LF_ROLE_SUPER_REVIEWER, &in, &o),
			 LF_ERR_CONFLICT);
}

/* The data manager's bulk release and discard: release only takes a task
 * somebody holds back to its own queue; discard ends any unfinished task
 * and returns every hold, with a reason. */
static void test_admin_release_and_discard(void **state)
{
	static const lf_task_state locked[] = {LF_TS_LOCKED_L1, LF_TS_LOCKED_L2, LF_TS_LOCKED_L3};
	static const lf_task_state queued[] = {LF_TS_QUEUED_L1, LF_TS_QUEUED_L2, LF_TS_QUEUED_L3};
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		lf_wf_input in = base_input(locked[i]);
		lf_wf_outcome o;

		in.is_holder = 0;
		o = apply_ok(LF_EV_ADMIN_RELEASE, LF_ROLE_ADMIN, &in);
		assert_int_equal(o.to, queued[i]);
		assert_int_equal(o.effects, LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN);
		assert_int_equal(lf_wf_apply(LF_EV_ADMIN_RELEASE, LF_ROLE_SUPER_REVIEWER, &in, &o),
				 LF_ERR_FORBIDDEN);
		in.state = queued[i];
		assert_int_equal(lf_wf_apply(LF_EV_ADMIN_RELEASE, LF_ROLE_ADMIN, &in, &o),
				 LF_ERR_CONFLICT);

		in.annotations_done = 1;
		assert_int_equal(lf_wf_apply(LF_EV_ADMIN_DISCARD, LF_ROLE_ADMIN, &in, &o),
				 LF_ERR_INVALID); /* no reason */
		in.has_comment = 1;
		o = apply_ok(LF_EV_ADMIN_DISCARD, LF_ROLE_ADMIN, &in);
		assert_int_equal(o.to, LF_TS_DISCARDED);
		assert_int_equal(o.effects, LF_FX_VOID_ALL);
		assert_int_equal(o.annotations_done, 0);
		in.state = locked[i];
		o = apply_ok(LF_EV_ADMIN_DISCARD, LF_ROLE_ADMIN, &in);
		assert_int_equal(o.effects, LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN | LF_FX_VOID_ALL);
		assert_int_equal(lf_wf_apply(LF_EV_ADMIN_DISCARD, LF_ROLE_REVIEWER, &in, &o),
				 LF_ERR_FORBIDDEN);
	}
	for (i = 0; i < 2; i++) {
		lf_wf_input in = base_input(i ? LF_TS_DISCARDED : LF_TS_ACCEPTED);
		lf_wf_outcome o;

		in.has_comment = 1;
		assert_int_equal(lf_wf_apply(LF_EV_ADMIN_DISCARD, LF_ROLE_ADMIN, &in, &o),
				 LF_ERR_CONFLICT);
		assert_int_equal(lf_wf_apply(LF_EV_ADMIN_RELEASE, LF_ROLE_ADMIN, &in, &o),
				 LF_ERR_CONFLICT);
	}
}

static void test_admin_requeue(void **state)
{
	/* Expected effects by (from, target): voids for every stage moved back over. */
	static const struct {
		lf_task_state from, to;
		unsigned fx;
	} cases[] = {
	    {LF_TS_QUEUED_L1, LF_TS_QUEUED_L1, 0},
	    {LF_TS_QUEUED_L1, LF_TS_QUEUED_L2, 0},
	    {LF_TS_QUEUED_L1, LF_TS_QUEUED_L3, 0},
	    {LF_TS_LOCKED_L1, LF_TS_QUEUED_L1, LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN},
	    {LF_TS_LOCKED_L1, LF_TS_QUEUED_L2, LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN},
	    {LF_TS_LOCKED_L1, LF_TS_QUEUED_L3, LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN},
	    {LF_TS_QUEUED_L2, LF_TS_QUEUED_L1, LF_FX_VOID_L1},
	    {LF_TS_QUEUED_L2, LF_TS_QUEUED_L2, 0},
	    {LF_TS_QUEUED_L2, LF_TS_QUEUED_L3, 0},
	    {LF_TS_LOCKED_L2, LF_TS_QUEUED_L1,
	     LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN | LF_FX_VOID_L1},
	    {LF_TS_LOCKED_L2, LF_TS_QUEUED_L2, LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN},
	    {LF_TS_LOCKED_L2, LF_TS_QUEUED_L3, LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN},
	    {LF_TS_QUEUED_L3, LF_TS_QUEUED_L1, LF_FX_VOID_L1 | LF_FX_VOID_L2},
	    {LF_TS_QUEUED_L3, LF_TS_QUEUED_L2, LF_FX_VOID_L2},
	    {LF_TS_QUEUED_L3, LF_TS_QUEUED_L3, 0},
	    {LF_TS_LOCKED_L3, LF_TS_QUEUED_L1,
	     LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN | LF_FX_VOID_L1 | LF_FX_VOID_L2},
	    {LF_TS_LOCKED_L3, LF_TS_QUEUED_L2,
	     LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN | LF_FX_VOID_L2},
	    {LF_TS_LOCKED_L3, LF_TS_QUEUED_L3, LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN},
	};
	size_t i;
	int t;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lf_wf_input in = base_input(cases[i].from);
		lf_wf_outcome o;

		in.is_holder = 0;
		in.requeue_to = cases[i].to;
		in.annotations_done = 1;
		assert_int_equal(lf_wf_apply(LF_EV_ADMIN_REQUEUE, LF_ROLE_ADMIN, &in, &o),
				 LF_ERR_INVALID); /* no reason */
		in.has_comment = 1;
		o = apply_ok(LF_EV_ADMIN_REQUEUE, LF_ROLE_ADMIN, &in);
		assert_int_equal(o.to, cases[i].to);
		assert_int_equal(o.effects, cases[i].fx);
		assert_int_equal(o.annotations_done, (cases[i].fx & LF_FX_VOID_L1) ? 0 : 1);

		/* A target that is not a queue is malformed input. */
		for (t = 0; t <= LF_TS__COUNT; t++) {
			if (t == LF_TS_QUEUED_L1 || t == LF_TS_QUEUED_L2 || t == LF_TS_QUEUED_L3)
				continue;
			in.requeue_to = (lf_task_state)t;
			assert_int_equal(lf_wf_apply(LF_EV_ADMIN_REQUEUE, LF_ROLE_ADMIN, &in, &o),
					 LF_ERR_INVALID);
		}
		in.requeue_to = LF_TS_QUEUED_L1;
		assert_int_equal(lf_wf_apply(LF_EV_ADMIN_REQUEUE, LF_ROLE_SUPER_REVIEWER, &in, &o),
				 LF_ERR_FORBIDDEN);
	}
	for (t = LF_TS_QUEUED_L1; t <= LF_TS_QUEUED_L3; t += 2) {
		lf_wf_input in = base_input(LF_TS_ACCEPTED);
		lf_wf_outcome o;

		in.has_comment = 1;
		in.requeue_to = (lf_task_state)t;
		assert_int_equal(lf_wf_apply(LF_EV_ADMIN_REQUEUE, LF_ROLE_ADMIN, &in, &o),
				 LF_ERR_CONFLICT);
		in.state = LF_TS_DISCARDED;
		assert_int_equal(lf_wf_apply(LF_EV_ADMIN_REQUEUE, LF_ROLE_ADMIN, &in, &o),
				 LF_ERR_CONFLICT);
	}
}

static void test_final_states_refuse_everything(void **state)
{
	lf_task_state finals[] = {LF_TS_ACCEPTED, LF_TS_DISCARDED};
	size_t i;
	int ev, role;

	for (i = 0; i < 2; i++)
		for (ev = 0; ev < LF_EV__COUNT; ev++)
			for (role = 0; role < LF_ROLE__COUNT; role++) {
				lf_wf_input in = base_input(finals[i]);
				lf_wf_outcome o;
				int rc;

				in.has_comment = in.has_result = 1;
				rc = lf_wf_apply((lf_wf_event)ev, (lf_wf_role)role, &in, &o);
				assert_true(rc == LF_ERR_CONFLICT || rc == LF_ERR_FORBIDDEN);
			}
}

/* Walks a task through a rework and an L3 send-back to acceptance. */
static void test_full_life_cycle(void **state)
{
	lf_wf_input in = base_input(LF_TS_QUEUED_L1);
	lf_wf_outcome o;

	in.has_comment = in.has_result = 1;
	in.state = apply_ok(LF_EV_CLAIM, LF_ROLE_ANNOTATOR, &in).to;
	in.state = apply_ok(LF_EV_SUBMIT, LF_ROLE_ANNOTATOR, &in).to;
	assert_int_equal(in.state, LF_TS_QUEUED_L2);
	in.state = apply_ok(LF_EV_CLAIM, LF_ROLE_REVIEWER, &in).to;
	o = apply_ok(LF_EV_L2_REJECT, LF_ROLE_REVIEWER, &in);
	in.state = o.to;
	in.reworks = o.reworks;
	assert_int_equal(in.state, LF_TS_QUEUED_L1);
	in.state = apply_ok(LF_EV_CLAIM, LF_ROLE_ANNOTATOR, &in).to;
	in.state = apply_ok(LF_EV_SUBMIT, LF_ROLE_ANNOTATOR, &in).to;
	in.state = apply_ok(LF_EV_CLAIM, LF_ROLE_REVIEWER, &in).to;
	in.state = apply_ok(LF_EV_L2_APPROVE, LF_ROLE_REVIEWER, &in).to;
	assert_int_equal(in.state, LF_TS_QUEUED_L3);
	in.state = apply_ok(LF_EV_CLAIM, LF_ROLE_SUPER_REVIEWER, &in).to;
	in.state = apply_ok(LF_EV_L3_SEND_BACK_L2, LF_ROLE_SUPER_REVIEWER, &in).to;
	in.state = apply_ok(LF_EV_CLAIM, LF_ROLE_REVIEWER, &in).to;
	in.state = apply_ok(LF_EV_L2_APPROVE, LF_ROLE_REVIEWER, &in).to;
	in.state = apply_ok(LF_EV_CLAIM, LF_ROLE_SUPER_REVIEWER, &in).to;
	o = apply_ok(LF_EV_L3_APPROVE, LF_ROLE_SUPER_REVIEWER, &in);
	assert_int_equal(o.to, LF_TS_ACCEPTED);
	assert_true(lf_wf_is_final(o.to));
	assert_int_equal(o.reworks, 1);
}

/* ---- refusal precedence and argument checks ----------------------------- */

static void test_refusal_precedence(void **state)
{
	lf_wf_input in = base_input(LF_TS_QUEUED_L1);
	lf_wf_outcome o;

	/* A role that can never apply the event: 403 whatever the state. */
	assert_int_equal(lf_wf_apply(LF_EV_L3_APPROVE, LF_ROLE_ANNOTATOR, &in, &o),
			 LF_ERR_FORBIDDEN);
	/* The right role, the wrong state: 409. */
	assert_int_equal(lf_wf_apply(LF_EV_L3_APPROVE, LF_ROLE_SUPER_REVIEWER, &in, &o),
			 LF_ERR_CONFLICT);
	/* Wrong state wins over missing holder and comment. */
	in.is_holder = 0;
	assert_int_equal(lf_wf_apply(LF_EV_L2_REJECT, LF_ROLE_REVIEWER, &in, &o), LF_ERR_CONFLICT);
	/* Lease lost wins over a missing comment. */
	in.state = LF_TS_LOCKED_L2;
	assert_int_equal(lf_wf_apply(LF_EV_L2_REJECT, LF_ROLE_REVIEWER, &in, &o), LF_ERR_CONFLICT);
	in.is_holder = 1;
	assert_int_equal(lf_wf_apply(LF_EV_L2_REJECT, LF_ROLE_REVIEWER, &in, &o), LF_ERR_INVALID);
	/* Heartbeat of an L2 lease by an annotator: valid state, wrong role. */
	assert_int_equal(lf_wf_apply(LF_EV_HEARTBEAT, LF_ROLE_ANNOTATOR, &in, &o),
			 LF_ERR_FORBIDDEN);
}

static void test_invalid_arguments_and_untouched_output(void **state)
{
	lf_wf_input in = base_input(LF_TS_QUEUED_L1);
	lf_wf_outcome o, before;

	memset(&o, 0x77, sizeof(o));
	before = o;
	assert_int_equal(lf_wf_apply(LF_EV_CLAIM, LF_ROLE_ANNOTATOR, NULL, &o), LF_ERR_INVALID);
	assert_int_equal(lf_wf_apply(LF_EV_CLAIM, LF_ROLE_ANNOTATOR, &in, NULL), LF_ERR_INVALID);
	assert_int_equal(lf_wf_apply(LF_EV__COUNT, LF_ROLE_ANNOTATOR, &in, &o), LF_ERR_INVALID);
	assert_int_equal(lf_wf_apply((lf_wf_event)-1, LF_ROLE_ANNOTATOR, &in, &o), LF_ERR_INVALID);
	assert_int_equal(lf_wf_apply(LF_EV_CLAIM, LF_ROLE__COUNT, &in, &o), LF_ERR_INVALID);
	in.state = LF_TS__COUNT;
	assert_int_equal(lf_wf_apply(LF_EV_CLAIM, LF_ROLE_ANNOTATOR, &in, &o), LF_ERR_INVALID);
	in = base_input(LF_TS_QUEUED_L1);
	in.attempts = -1;
	assert_int_equal(lf_wf_apply(LF_EV_CLAIM, LF_ROLE_ANNOTATOR, &in, &o), LF_ERR_INVALID);
	in = base_input(LF_TS_LOCKED_L1);
	in.attempts = INT_MAX;
	assert_int_equal(lf_wf_apply(LF_EV_EXPIRE, LF_ROLE_SYSTEM, &in, &o), LF_ERR_INVALID);
	in = base_input(LF_TS_LOCKED_L2);
	in.max_reworks = -1;
	assert_int_equal(lf_wf_apply(LF_EV_L2_APPROVE, LF_ROLE_REVIEWER, &in, &o), LF_ERR_INVALID);
	/* Refusals of every kind leave *out alone. */
	in = base_input(LF_TS_LOCKED_L2);
	in.is_holder = 0;
	assert_int_equal(lf_wf_apply(LF_EV_L2_APPROVE, LF_ROLE_REVIEWER, &in, &o), LF_ERR_CONFLICT);
	assert_int_equal(lf_wf_apply(LF_EV_L2_APPROVE, LF_ROLE_ADMIN, &in, &o), LF_ERR_FORBIDDEN);
	assert_memory_equal(&o, &before, sizeof(o));
}

/* ---- exhaustive comparison with the model ------------------------------- */

/* Every (state, event, role) with every flag and every requeue target. */
static void test_exhaustive_flags(void **state)
{
	const long total =
	    (long)LF_TS__COUNT * LF_EV__COUNT * LF_ROLE__COUNT * 128 * (LF_TS__COUNT + 1);
	int mismatches = 0, ok = 0;
	long i;

	for (i = 0; i < total; i++) {
		long k = i;
		lf_wf_input in = base_input((lf_task_state)next_digit(&k, LF_TS__COUNT));
		lf_wf_event ev = (lf_wf_event)next_digit(&k, LF_EV__COUNT);
		lf_wf_role role = (lf_wf_role)next_digit(&k, LF_ROLE__COUNT);
		lf_wf_outcome o;

		in.is_holder = next_digit(&k, 2);
		in.is_author = next_digit(&k, 2);
		in.has_comment = next_digit(&k, 2);
		in.has_result = next_digit(&k, 2);
		in.sampled_for_l3 = next_digit(&k, 2);
		in.requeue_to = (lf_task_state)next_digit(&k, LF_TS__COUNT + 1);
		in.gold = next_digit(&k, 2);
		in.gold_unpaid = next_digit(&k, 2);
		if (!compare_with_model(ev, role, &in))
			mismatches++;
		if (lf_wf_apply(ev, role, &in, &o) == LF_OK)
			ok++;
	}
	assert_int_equal(mismatches, 0);
	/* The loop reached allowed cases, not only refusals. */
	assert_true(ok > 1000);
}

/* Every (state, event, role) around the guard limits. */
static void test_exhaustive_counters(void **state)
{
	const long total =
	    (long)LF_TS__COUNT * LF_EV__COUNT * LF_ROLE__COUNT * 4 * 3 * 4 * 3 * 3 * 4 * 2;
	int mismatches = 0;
	long i;

	for (i = 0; i < total; i++) {
		long k = i;
		lf_wf_input in = base_input((lf_task_state)next_digit(&k, LF_TS__COUNT));
		lf_wf_event ev = (lf_wf_event)next_digit(&k, LF_EV__COUNT);
		lf_wf_role role = (lf_wf_role)next_digit(&k, LF_ROLE__COUNT);

		in.has_comment = in.has_result = 1;
		in.requeue_to = LF_TS_QUEUED_L2;
		in.attempts = next_digit(&k, 4);
		in.max_attempts = next_digit(&k, 3);
		in.reworks = next_digit(&k, 4);
		in.max_reworks = next_digit(&k, 3);
		in.annotations_done = next_digit(&k, 3);
		in.overlap = next_digit(&k, 4);
		in.sampled_for_l3 = next_digit(&k, 2);
		if (!compare_with_model(ev, role, &in))
			mismatches++;
	}
	assert_int_equal(mismatches, 0);
}

/* ---- names and stage helpers -------------------------------------------- */

static void test_names_round_trip(void **state)
{
	static const char *const states[] = {"queued_l1", "locked_l1", "queued_l2", "locked_l2",
					     "queued_l3", "locked_l3", "accepted",  "discarded"};
	static const char *const events[] = {
	    "claim",	     "heartbeat",	"release",	   "expire",	  "submit",
	    "revise",	     "l2_approve",	"l2_reject",	   "l2_escalate", "l3_approve",
	    "l3_override",   "l3_send_back_l1", "l3_send_back_l2", "l3_discard",  "admin_requeue",
	    "admin_release", "admin_discard"};
	static const char *const roles[] = {"annotator", "reviewer", "super_reviewer", "admin",
					    "system"};
	lf_task_state s;
	lf_wf_event e;
	lf_wf_role r;
	int i, stage;

	assert_int_equal(sizeof(states) / sizeof(states[0]), LF_TS__COUNT);
	assert_int_equal(sizeof(events) / sizeof(events[0]), LF_EV__COUNT);
	assert_int_equal(sizeof(roles) / sizeof(roles[0]), LF_ROLE__COUNT);
	for (i = 0; i < LF_TS__COUNT; i++) {
		assert_string_equal(lf_wf_state_name((lf_task_state)i), states[i]);
		assert_int_equal(lf_wf_state_parse(states[i], &s), LF_OK);
		assert_int_equal(s, i);
	}
	for (i = 0; i < LF_EV__COUNT; i++) {
		assert_string_equal(lf_wf_event_name((lf_wf_event)i), events[i]);
		assert_int_equal(lf_wf_event_parse(events[i], &e), LF_OK);
		assert_int_equal(e, i);
	}
	for (i = 0; i < LF_ROLE__COUNT; i++) {
		assert_string_equal(lf_wf_role_name((lf_wf_role)i), roles[i]);
		assert_int_equal(lf_wf_role_parse(roles[i], &r), LF_OK);
		assert_int_equal(r, i);
	}
	assert_string_equal(lf_wf_state_name(LF_TS__COUNT), "unknown");
	assert_string_equal(lf_wf_event_name(LF_EV__COUNT), "unknown");
	assert_string_equal(lf_wf_role_name(LF_ROLE__COUNT), "unknown");

	s = LF_TS_LOCKED_L3;
	assert_int_equal(lf_wf_state_parse("Queued_l1", &s), LF_ERR_INVALID);
	assert_int_equal(lf_wf_state_parse("", &s), LF_ERR_INVALID);
	assert_int_equal(lf_wf_state_parse(NULL, &s), LF_ERR_INVALID);
	assert_int_equal(lf_wf_state_parse("queued_l1", NULL), LF_ERR_INVALID);
	assert_int_equal(s, LF_TS_LOCKED_L3);
	assert_int_equal(lf_wf_event_parse("approve", &e), LF_ERR_INVALID);
	assert_int_equal(lf_wf_role_parse("root", &r), LF_ERR_INVALID);

	assert_int_equal(lf_wf_stage_parse("l1", &stage), LF_OK);
	assert_int_equal(stage, 1);
	assert_int_equal(lf_wf_stage_parse("l3", &stage), LF_OK);
	assert_int_equal(stage, 3);
	assert_int_equal(lf_wf_stage_parse("l4", &stage), LF_ERR_INVALID);
	assert_int_equal(lf_wf_stage_parse(NULL, &stage), LF_ERR_INVALID);
	assert_int_equal(stage, 3);
}

static void test_stage_helpers(void **state)
{
	int s, st;

	for (s = 0; s < LF_TS__COUNT; s++) {
		lf_task_state ts = (lf_task_state)s;

		assert_int_equal(lf_wf_stage_of(ts), stage_num(ts));
		assert_int_equal(lf_wf_is_locked(ts), is_locked_state(ts));
		assert_int_equal(lf_wf_is_queued(ts), stage_num(ts) && !is_locked_state(ts));
		assert_int_equal(lf_wf_is_final(ts), stage_num(ts) == 0);
	}
	assert_int_equal(lf_wf_stage_of(LF_TS__COUNT), 0);
	assert_false(lf_wf_is_final(LF_TS__COUNT));
	for (st = 1; st <= 3; st++) {
		assert_int_equal(lf_wf_stage_of(lf_wf_queued_state(st)), st);
		assert_int_equal(lf_wf_stage_of(lf_wf_locked_state(st)), st);
		assert_true(lf_wf_is_queued(lf_wf_queued_state(st)));
		assert_true(lf_wf_is_locked(lf_wf_locked_state(st)));
	}
	assert_int_equal(lf_wf_stage_role(1), LF_ROLE_ANNOTATOR);
	assert_int_equal(lf_wf_stage_role(2), LF_ROLE_REVIEWER);
	assert_int_equal(lf_wf_stage_role(3), LF_ROLE_SUPER_REVIEWER);
	assert_int_equal(lf_wf_stage_role(0), LF_ROLE__COUNT);
	assert_int_equal(lf_wf_stage_role(4), LF_ROLE__COUNT);
	assert_int_equal(lf_wf_queued_state(0), LF_TS__COUNT);
	assert_int_equal(lf_wf_locked_state(4), LF_TS__COUNT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_claim_each_stage),
	    cmocka_unit_test(test_heartbeat_and_release_holder_only),
	    cmocka_unit_test(test_expire_and_attempt_limit),
	    cmocka_unit_test(test_submit_and_overlap),
	    cmocka_unit_test(test_revise_queued_l2_author_only),
	    cmocka_unit_test(test_l2_approve_sampling_and_correction),
	    cmocka_unit_test(test_l2_reject_and_rework_limit),
	    cmocka_unit_test(test_l2_escalate),
	    cmocka_unit_test(test_l3_decisions),
	    cmocka_unit_test(test_admin_requeue),
	    cmocka_unit_test(test_admin_release_and_discard),
	    cmocka_unit_test(test_final_states_refuse_everything),
	    cmocka_unit_test(test_full_life_cycle),
	    cmocka_unit_test(test_refusal_precedence),
	    cmocka_unit_test(test_invalid_arguments_and_untouched_output),
	    cmocka_unit_test(test_exhaustive_flags),
	    cmocka_unit_test(test_exhaustive_counters),
	    cmocka_unit_test(test_names_round_trip),
	    cmocka_unit_test(test_stage_helpers),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
