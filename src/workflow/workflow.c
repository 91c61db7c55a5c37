/*
 * workflow.c - the task life cycle as one table plus five guards.
 *
 * Read the table below to learn every transition a task can make. A row
 * says: in state FROM, event EV, by one of ROLES, provided the NEED
 * conditions hold, goes to TO with effects FX; if the row's GUARD is true,
 * it goes to G_TO with effects G_FX instead. Everything not in the table is
 * refused.
 */
#include "workflow/workflow.h"

#include <limits.h>
#include <string.h>

/* Conditions the caller's input must meet for a row to apply. */
enum need {
	NEED_HOLDER = 1u << 0,	/* actor holds the lease */
	NEED_COMMENT = 1u << 1, /* comment / reason given */
	NEED_RESULT = 1u << 2,	/* result given */
	OPT_RESULT = 1u << 3,	/* a result, if given, is a new version */
	CALLER_TO = 1u << 4,	/* the caller picks TO among this (from, ev)'s rows */
	NEED_AUTHOR = 1u << 5,	/* actor wrote the task's latest L1 version (is_author) */
	GOLD = 1u << 6		/* the row is a gold copy's (in->gold); the others are not */
};

/*
 * Guards choose between a row's two outcomes. They read the counters after
 * the row's own increments, so "past the limit" means "> max".
 */
enum guard {
	G_NONE,
	G_ATTEMPTS_PAST_MAX, /* attempts after this expiry > max_attempts */
	G_REWORKS_PAST_MAX,  /* reworks after this rejection > max_reworks */
	G_OVERLAP_PENDING,   /* L1 annotations after this submit < overlap */
	G_NOT_SAMPLED,	     /* the caller did not pick the task for the L3 sample */
	G_GOLD_UNPAID	     /* the gold answer failed and the project pays no failed gold */
};

struct row {
	lf_task_state from;
	lf_wf_event ev;
	unsigned roles; /* bit set of 1u << lf_wf_role */
	unsigned need;
	lf_task_state to;
	unsigned fx;
	enum guard guard;
	lf_task_state g_to;
	unsigned g_fx;
};

static const struct row *find_row(lf_wf_event ev, lf_task_state from, int gold, lf_task_state to,
				  const struct row **first);
static int role_may_ever(lf_wf_event ev, lf_wf_role role);
static int guard_holds(enum guard g, const lf_wf_input *in, const lf_wf_outcome *o);
static int counters_ok(const lf_wf_input *in);
static int parse_name(const char *name, const char *const *names, int n);

#define Q1  LF_TS_QUEUED_L1
#define L1  LF_TS_LOCKED_L1
#define Q2  LF_TS_QUEUED_L2
#define L2  LF_TS_LOCKED_L2
#define Q3  LF_TS_QUEUED_L3
#define L3  LF_TS_LOCKED_L3
#define ACC LF_TS_ACCEPTED
#define DIS LF_TS_DISCARDED

#define ANN (1u << LF_ROLE_ANNOTATOR)
#define REV (1u << LF_ROLE_REVIEWER)
#define SUP (1u << LF_ROLE_SUPER_REVIEWER)
#define ADM (1u << LF_ROLE_ADMIN)
#define SYS (1u << LF_ROLE_SYSTEM)

/* The lease ends without the work being done: its hold goes back to escrow. */
#define GIVE_BACK (LF_FX_CLEAR_LEASE | LF_FX_HOLD_RETURN)
/* The lease ends with the work done: its hold waits for the task's acceptance. */
#define DONE	   (LF_FX_CLEAR_LEASE | LF_FX_HOLD_EARN)
#define CLAIMED	   (LF_FX_SET_LEASE | LF_FX_HOLD_RESERVE)
#define EXPIRED	   (GIVE_BACK | LF_FX_ATTEMPT_INC)
#define SUBMITTED  (DONE | LF_FX_NEW_VERSION | LF_FX_ANNOTATION_INC)
#define REJECTED   (DONE | LF_FX_REWORK_INC | LF_FX_VOID_L1)
#define ESC	   LF_FX_ESCALATED
#define FINAL	   (LF_FX_NEW_VERSION | LF_FX_FINAL_VERSION)
#define OVERTURNED LF_FX_L2_OVERTURNED
#define PREV_ANN   LF_FX_PREFER_PREV_ANNOTATOR
#define VOID_L1_L2 (LF_FX_VOID_L1 | LF_FX_VOID_L2)

/*
 * Admin requeue: the caller picks the target queue. Moving a task back
 * before a stage voids that stage's pending work, because the stage is done
 * again and only the new work counts; moving it forward keeps everything.
 */
/* clang-format off */
#define REQ(from, to, fx) \
	{from, LF_EV_ADMIN_REQUEUE, ADM, NEED_COMMENT | CALLER_TO, to, fx, G_NONE, 0, 0}

static const struct row table[] = {
/*	 from event                  role need                        to   fx                                           guard                g_to g_fx */
	{Q1,  LF_EV_CLAIM,           ANN, 0,                          L1,  CLAIMED,                                     G_NONE,              0,   0},
	{Q2,  LF_EV_CLAIM,           REV, 0,                          L2,  CLAIMED,                                     G_NONE,              0,   0},
	{Q3,  LF_EV_CLAIM,           SUP, 0,                          L3,  CLAIMED,                                     G_NONE,              0,   0},

	{L1,  LF_EV_HEARTBEAT,       ANN, NEED_HOLDER,                L1,  LF_FX_EXTEND_LEASE,                          G_NONE,              0,   0},
	{L2,  LF_EV_HEARTBEAT,       REV, NEED_HOLDER,                L2,  LF_FX_EXTEND_LEASE,                          G_NONE,              0,   0},
	{L3,  LF_EV_HEARTBEAT,       SUP, NEED_HOLDER,                L3,  LF_FX_EXTEND_LEASE,                          G_NONE,              0,   0},

	{L1,  LF_EV_RELEASE,         ANN, NEED_HOLDER,                Q1,  GIVE_BACK,                                   G_NONE,              0,   0},
	{L2,  LF_EV_RELEASE,         REV, NEED_HOLDER,                Q2,  GIVE_BACK,                                   G_NONE,              0,   0},
	{L3,  LF_EV_RELEASE,         SUP, NEED_HOLDER,                Q3,  GIVE_BACK,                                   G_NONE,              0,   0},

	{L1,  LF_EV_EXPIRE,          SYS, 0,                          Q1,  EXPIRED,                                     G_ATTEMPTS_PAST_MAX, Q3,  EXPIRED | ESC},
	{L2,  LF_EV_EXPIRE,          SYS, 0,                          Q2,  EXPIRED,                                     G_ATTEMPTS_PAST_MAX, Q3,  EXPIRED | ESC},
	{L3,  LF_EV_EXPIRE,          SYS, 0,                          Q3,  EXPIRED,                                     G_NONE,              0,   0},

	{L1,  LF_EV_SUBMIT,          ANN, NEED_HOLDER | NEED_RESULT,  Q2,  SUBMITTED,                                   G_OVERLAP_PENDING,   Q1,  SUBMITTED},
	/* Until a reviewer claims it, the author may replace the submitted
	 * result: a new version, the same pending hold, no lease. */
	{Q2,  LF_EV_REVISE,          ANN, NEED_AUTHOR | NEED_RESULT,  Q2,  LF_FX_NEW_VERSION,                           G_NONE,              0,   0},

	{L2,  LF_EV_L2_APPROVE,      REV, NEED_HOLDER | OPT_RESULT,   Q3,  DONE,                                        G_NOT_SAMPLED,       ACC, DONE | LF_FX_PAY},
	{L2,  LF_EV_L2_REJECT,       REV, NEED_HOLDER | NEED_COMMENT, Q1,  REJECTED | PREV_ANN,                         G_REWORKS_PAST_MAX,  Q3,  REJECTED | ESC},
	{L2,  LF_EV_L2_ESCALATE,     REV, NEED_HOLDER | NEED_COMMENT, Q3,  DONE | ESC,                                  G_NONE,              0,   0},

	{L3,  LF_EV_L3_APPROVE,      SUP, NEED_HOLDER,                ACC, DONE | LF_FX_PAY,                            G_NONE,              0,   0},
	{L3,  LF_EV_L3_OVERRIDE,     SUP, NEED_HOLDER | NEED_RESULT,  ACC, DONE | FINAL | LF_FX_PAY,                    G_NONE,              0,   0},
	{L3,  LF_EV_L3_SEND_BACK_L1, SUP, NEED_HOLDER | NEED_COMMENT, Q1,  DONE | LF_FX_VOID_L1 | OVERTURNED | PREV_ANN, G_NONE,              0,   0},
	{L3,  LF_EV_L3_SEND_BACK_L2, SUP, NEED_HOLDER | NEED_COMMENT, Q2,  DONE | OVERTURNED,                           G_NONE,              0,   0},
	/* A discarded task yields no accepted label, so no work on it counts. */
	{L3,  LF_EV_L3_DISCARD,      SUP, NEED_HOLDER | NEED_COMMENT, DIS, GIVE_BACK | LF_FX_VOID_ALL,                  G_NONE,              0,   0},

	REQ(Q1, Q1, 0),                         REQ(Q1, Q2, 0),                         REQ(Q1, Q3, 0),
	REQ(L1, Q1, GIVE_BACK),                 REQ(L1, Q2, GIVE_BACK),                 REQ(L1, Q3, GIVE_BACK),
	REQ(Q2, Q1, LF_FX_VOID_L1),             REQ(Q2, Q2, 0),                         REQ(Q2, Q3, 0),
	REQ(L2, Q1, GIVE_BACK | LF_FX_VOID_L1), REQ(L2, Q2, GIVE_BACK),                 REQ(L2, Q3, GIVE_BACK),
	REQ(Q3, Q1, VOID_L1_L2),                REQ(Q3, Q2, LF_FX_VOID_L2),             REQ(Q3, Q3, 0),
	REQ(L3, Q1, GIVE_BACK | VOID_L1_L2),    REQ(L3, Q2, GIVE_BACK | LF_FX_VOID_L2), REQ(L3, Q3, GIVE_BACK),

	/* A gold copy is one annotator's own task copied from a gold task (a
	 * known answer mixed into the L1 queue, quality/gold.h). It is
	 * claimed, held and submitted as any L1 task, so nothing tells it
	 * apart, but it is never reviewed: the answer is scored against the
	 * known one at submit, and the copy ends there, paid at once unless
	 * it failed and the project pays no failed gold. Every other way out
	 * of the lease ends it too: the annotator's next gold is a new copy. */
	{Q1,  LF_EV_CLAIM,           ANN, GOLD,                       L1,  CLAIMED,                                     G_NONE,              0,   0},
	{L1,  LF_EV_HEARTBEAT,       ANN, GOLD | NEED_HOLDER,         L1,  LF_FX_EXTEND_LEASE,                          G_NONE,              0,   0},
	{L1,  LF_EV_RELEASE,         ANN, GOLD | NEED_HOLDER,         DIS, GIVE_BACK,                                   G_NONE,              0,   0},
	{L1,  LF_EV_EXPIRE,          SYS, GOLD,                       DIS, EXPIRED,                                     G_NONE,              0,   0},
	{L1,  LF_EV_SUBMIT,          ANN, GOLD | NEED_HOLDER | NEED_RESULT, ACC, SUBMITTED | LF_FX_PAY,                 G_GOLD_UNPAID,       DIS, GIVE_BACK | LF_FX_NEW_VERSION | LF_FX_ANNOTATION_INC},
	{L1,  LF_EV_ADMIN_RELEASE,   ADM, GOLD,                       DIS, GIVE_BACK,                                   G_NONE,              0,   0},
	{L1,  LF_EV_ADMIN_DISCARD,   ADM, GOLD | NEED_COMMENT,        DIS, GIVE_BACK,                                   G_NONE,              0,   0},

	/* The data manager's "release held tasks": only a task somebody holds,
	 * so a bulk release can never move a task whose holder just submitted. */
	{L1,  LF_EV_ADMIN_RELEASE,   ADM, 0,                          Q1,  GIVE_BACK,                                   G_NONE,              0,   0},
	{L2,  LF_EV_ADMIN_RELEASE,   ADM, 0,                          Q2,  GIVE_BACK,                                   G_NONE,              0,   0},
	{L3,  LF_EV_ADMIN_RELEASE,   ADM, 0,                          Q3,  GIVE_BACK,                                   G_NONE,              0,   0},

	/* As an L3 discard, from any stage: the holder's hold and every
	 * pending hold go back to escrow. */
	{Q1,  LF_EV_ADMIN_DISCARD,   ADM, NEED_COMMENT,               DIS, LF_FX_VOID_ALL,                              G_NONE,              0,   0},
	{L1,  LF_EV_ADMIN_DISCARD,   ADM, NEED_COMMENT,               DIS, GIVE_BACK | LF_FX_VOID_ALL,                  G_NONE,              0,   0},
	{Q2,  LF_EV_ADMIN_DISCARD,   ADM, NEED_COMMENT,               DIS, LF_FX_VOID_ALL,                              G_NONE,              0,   0},
	{L2,  LF_EV_ADMIN_DISCARD,   ADM, NEED_COMMENT,               DIS, GIVE_BACK | LF_FX_VOID_ALL,                  G_NONE,              0,   0},
	{Q3,  LF_EV_ADMIN_DISCARD,   ADM, NEED_COMMENT,               DIS, LF_FX_VOID_ALL,                              G_NONE,              0,   0},
	{L3,  LF_EV_ADMIN_DISCARD,   ADM, NEED_COMMENT,               DIS, GIVE_BACK | LF_FX_VOID_ALL,                  G_NONE,              0,   0},
};
/* clang-format on */

static const char *const state_names[LF_TS__COUNT] = {
    [LF_TS_QUEUED_L1] = "queued_l1", [LF_TS_LOCKED_L1] = "locked_l1",
    [LF_TS_QUEUED_L2] = "queued_l2", [LF_TS_LOCKED_L2] = "locked_l2",
    [LF_TS_QUEUED_L3] = "queued_l3", [LF_TS_LOCKED_L3] = "locked_l3",
    [LF_TS_ACCEPTED] = "accepted",   [LF_TS_DISCARDED] = "discarded",
};

static const char *const event_names[LF_EV__COUNT] = {
    [LF_EV_CLAIM] = "claim",
    [LF_EV_HEARTBEAT] = "heartbeat",
    [LF_EV_RELEASE] = "release",
    [LF_EV_EXPIRE] = "expire",
    [LF_EV_SUBMIT] = "submit",
    [LF_EV_REVISE] = "revise",
    [LF_EV_L2_APPROVE] = "l2_approve",
    [LF_EV_L2_REJECT] = "l2_reject",
    [LF_EV_L2_ESCALATE] = "l2_escalate",
    [LF_EV_L3_APPROVE] = "l3_approve",
    [LF_EV_L3_OVERRIDE] = "l3_override",
    [LF_EV_L3_SEND_BACK_L1] = "l3_send_back_l1",
    [LF_EV_L3_SEND_BACK_L2] = "l3_send_back_l2",
    [LF_EV_L3_DISCARD] = "l3_discard",
    [LF_EV_ADMIN_REQUEUE] = "admin_requeue",
    [LF_EV_ADMIN_RELEASE] = "admin_release",
    [LF_EV_ADMIN_DISCARD] = "admin_discard",
};

static const char *const role_names[LF_ROLE__COUNT] = {
    [LF_ROLE_ANNOTATOR] = "annotator",
    [LF_ROLE_REVIEWER] = "reviewer",
    [LF_ROLE_SUPER_REVIEWER] = "super_reviewer",
    [LF_ROLE_ADMIN] = "admin",
    [LF_ROLE_SYSTEM] = "system",
};

static const char *const stage_names[] = {"l1", "l2", "l3"};

/*
 * Among the rows for gold copies if gold, else among the others:
 * returns the row of (ev, from) whose target is `to` when the rows let the
 * caller pick it, else the first row of (ev, from); NULL if there is none
 * that fits. *first gets the first row of (ev, from) whatever the target, so
 * role and need checks can come before the target check: every row of one
 * (ev, from) shares its roles and needs.
 */
static const struct row *find_row(lf_wf_event ev, lf_task_state from, int gold, lf_task_state to,
				  const struct row **first)
{
	const struct row *hit = NULL;
	size_t i;

	*first = NULL;
	for (i = 0; i < LF_ARRAY_LEN(table); i++) {
		const struct row *r = &table[i];

		if (r->ev != ev || r->from != from || !(r->need & GOLD) != !gold)
			continue;
		if (!*first)
			*first = r;
		if (!(r->need & CALLER_TO) || r->to == to) {
			hit = r;
			break;
		}
	}
	return hit;
}

/* A role that can never apply an event is told so (403) before it learns
 * anything about the task's state. */
static int role_may_ever(lf_wf_event ev, lf_wf_role role)
{
	size_t i;

	for (i = 0; i < LF_ARRAY_LEN(table); i++)
		if (table[i].ev == ev && (table[i].roles & (1u << role)))
			return 1;
	return 0;
}

static int guard_holds(enum guard g, const lf_wf_input *in, const lf_wf_outcome *o)
{
	int overlap = in->overlap > 1 ? in->overlap : 1;

	switch (g) {
	case G_NONE: return 0;
	case G_ATTEMPTS_PAST_MAX: return o->attempts > in->max_attempts;
	case G_REWORKS_PAST_MAX: return o->reworks > in->max_reworks;
	case G_OVERLAP_PENDING: return o->annotations_done < overlap;
	case G_NOT_SAMPLED: return !in->sampled_for_l3;
	case G_GOLD_UNPAID: return in->gold_unpaid;
	}
	lf_fatal("workflow: unknown guard %d", (int)g);
}

/* Counters come from the database; a negative one means corruption, and
 * INT_MAX cannot be incremented without overflow. */
static int counters_ok(const lf_wf_input *in)
{
	const int c[] = {in->attempts, in->reworks, in->annotations_done};
	size_t i;

	for (i = 0; i < LF_ARRAY_LEN(c); i++)
		if (c[i] < 0 || c[i] == INT_MAX)
			return 0;
	return in->max_attempts >= 0 && in->max_reworks >= 0;
}

static int parse_name(const char *name, const char *const *names, int n)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int lf_wf_apply(lf_wf_event ev, lf_wf_role role, const lf_wf_input *in, lf_wf_outcome *out)
{
	const struct row *r, *first;
	lf_wf_outcome o;
	unsigned fx;
	int ret = LF_ERR_INVALID;

	if (!in || !out || (unsigned)ev >= LF_EV__COUNT || (unsigned)role >= LF_ROLE__COUNT ||
	    (unsigned)in->state >= LF_TS__COUNT || !counters_ok(in))
		goto cleanup;
	r = find_row(ev, in->state, in->gold, in->requeue_to, &first);
	ret = LF_ERR_FORBIDDEN;
	if (!role_may_ever(ev, role))
		goto cleanup;
	ret = LF_ERR_CONFLICT;
	if (!first)
		goto cleanup;
	ret = LF_ERR_FORBIDDEN;
	if (!(first->roles & (1u << role)))
		goto cleanup;
	ret = LF_ERR_CONFLICT;
	if ((first->need & NEED_HOLDER) && !in->is_holder)
		goto cleanup;
	ret = LF_ERR_FORBIDDEN;
	if ((first->need & NEED_AUTHOR) && !in->is_author)
		goto cleanup;
	ret = LF_ERR_INVALID;
	if ((first->need & NEED_COMMENT) && !in->has_comment)
		goto cleanup;
	if ((first->need & NEED_RESULT) && !in->has_result)
		goto cleanup;
	if (!r)
		goto cleanup;

	fx = r->fx;
	if ((r->need & OPT_RESULT) && in->has_result)
		fx |= LF_FX_NEW_VERSION;
	o.attempts = in->attempts + ((fx & LF_FX_ATTEMPT_INC) ? 1 : 0);
	o.reworks = in->reworks + ((fx & LF_FX_REWORK_INC) ? 1 : 0);
	o.annotations_done = in->annotations_done + ((fx & LF_FX_ANNOTATION_INC) ? 1 : 0);
	o.to = r->to;
	if (guard_holds(r->guard, in, &o)) {
		o.to = r->g_to;
		fx = r->g_fx | (fx & LF_FX_NEW_VERSION);
	}
	/* Rejected L1 work is redone from scratch, so the overlap count restarts. */
	if (fx & (LF_FX_VOID_L1 | LF_FX_VOID_ALL))
		o.annotations_done = 0;
	o.effects = fx;
	*out = o;
	ret = LF_OK;
cleanup:
	return ret;
}

const char *lf_wf_state_name(lf_task_state s)
{
	return (unsigned)s < LF_TS__COUNT ? state_names[s] : "unknown";
}

const char *lf_wf_event_name(lf_wf_event e)
{
	return (unsigned)e < LF_EV__COUNT ? event_names[e] : "unknown";
}

const char *lf_wf_role_name(lf_wf_role r)
{
	return (unsigned)r < LF_ROLE__COUNT ? role_names[r] : "unknown";
}

int lf_wf_state_parse(const char *name, lf_task_state *out)
{
	int i = parse_name(name, state_names, LF_TS__COUNT);

	if (i < 0 || !out)
		return LF_ERR_INVALID;
	*out = (lf_task_state)i;
	return LF_OK;
}

int lf_wf_event_parse(const char *name, lf_wf_event *out)
{
	int i = parse_name(name, event_names, LF_EV__COUNT);

	if (i < 0 || !out)
		return LF_ERR_INVALID;
	*out = (lf_wf_event)i;
	return LF_OK;
}

int lf_wf_role_parse(const char *name, lf_wf_role *out)
{
	int i = parse_name(name, role_names, LF_ROLE__COUNT);

	if (i < 0 || !out)
		return LF_ERR_INVALID;
	*out = (lf_wf_role)i;
	return LF_OK;
}

int lf_wf_stage_parse(const char *name, int *out)
{
	int i = parse_name(name, stage_names, (int)LF_ARRAY_LEN(stage_names));

	if (i < 0 || !out)
		return LF_ERR_INVALID;
	*out = i + 1;
	return LF_OK;
}

int lf_wf_stage_of(lf_task_state s)
{
	return lf_wf_is_queued(s) || lf_wf_is_locked(s) ? (int)s / 2 + 1 : 0;
}

lf_task_state lf_wf_queued_state(int stage)
{
	return stage >= 1 && stage <= 3 ? (lf_task_state)(LF_TS_QUEUED_L1 + 2 * (stage - 1))
					: LF_TS__COUNT;
}

lf_task_state lf_wf_locked_state(int stage)
{
	return stage >= 1 && stage <= 3 ? (lf_task_state)(LF_TS_LOCKED_L1 + 2 * (stage - 1))
					: LF_TS__COUNT;
}

lf_wf_role lf_wf_stage_role(int stage)
{
	static const lf_wf_role roles[] = {LF_ROLE_ANNOTATOR, LF_ROLE_REVIEWER,
					   LF_ROLE_SUPER_REVIEWER};

	return stage >= 1 && stage <= 3 ? roles[stage - 1] : LF_ROLE__COUNT;
}

int lf_wf_is_queued(lf_task_state s)
{
	return s == LF_TS_QUEUED_L1 || s == LF_TS_QUEUED_L2 || s == LF_TS_QUEUED_L3;
}

int lf_wf_is_locked(lf_task_state s)
{
	return s == LF_TS_LOCKED_L1 || s == LF_TS_LOCKED_L2 || s == LF_TS_LOCKED_L3;
}

int lf_wf_is_final(lf_task_state s)
{
	return s == LF_TS_ACCEPTED || s == LF_TS_DISCARDED;
}
