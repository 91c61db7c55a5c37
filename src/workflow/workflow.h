/*
 * workflow.h - the task state machine, as a pure decision function.
 *
 * A task moves queued_l1 -> locked_l1 -> queued_l2 -> locked_l2 -> queued_l3
 * -> locked_l3 -> accepted (or discarded). Stores and handlers describe what
 * they know about the task and the actor in an lf_wf_input, call
 * lf_wf_apply, and carry out the returned next state and effect flags inside
 * the one database transaction that checks the current state.
 *
 * Nothing here does I/O, allocates or keeps state; every function is
 * thread-safe. The whole life cycle is the table at the top of workflow.c.
 */
#ifndef LF_WORKFLOW_H
#define LF_WORKFLOW_H

#include "core/lf.h"

/* Task states. The names returned by lf_wf_state_name ("queued_l1", ...)
 * are part of the public interface (API, database, audit trail). */
typedef enum lf_task_state {
	LF_TS_QUEUED_L1,
	LF_TS_LOCKED_L1,
	LF_TS_QUEUED_L2,
	LF_TS_LOCKED_L2,
	LF_TS_QUEUED_L3,
	LF_TS_LOCKED_L3,
	LF_TS_ACCEPTED,
	LF_TS_DISCARDED,
	LF_TS__COUNT
} lf_task_state;

/* What happens to a task. Names: "claim", "heartbeat", "release", "expire",
 * "submit", "revise", "l2_approve", "l2_reject", "l2_escalate", "l3_approve",
 * "l3_override", "l3_send_back_l1", "l3_send_back_l2", "l3_discard",
 * "admin_requeue", "admin_release", "admin_discard". */
typedef enum lf_wf_event {
	LF_EV_CLAIM,	       /* take the lease of a queued task of a stage */
	LF_EV_HEARTBEAT,       /* holder extends the lease */
	LF_EV_RELEASE,	       /* holder gives the task back (also "skip") */
	LF_EV_EXPIRE,	       /* the sweeper found the lease ran out */
	LF_EV_SUBMIT,	       /* L1 annotation */
	LF_EV_REVISE,	       /* the author replaces an L1 annotation no reviewer has taken */
	LF_EV_L2_APPROVE,      /* optionally with a corrected result */
	LF_EV_L2_REJECT,       /* back to L1 for rework, comment required */
	LF_EV_L2_ESCALATE,     /* straight to L3, reason required */
	LF_EV_L3_APPROVE,      /* final approval */
	LF_EV_L3_OVERRIDE,     /* final approval of the L3's own result */
	LF_EV_L3_SEND_BACK_L1, /* comment required */
	LF_EV_L3_SEND_BACK_L2, /* comment required */
	LF_EV_L3_DISCARD,      /* bad data, reason required */
	LF_EV_ADMIN_REQUEUE,   /* unlock / move to a queue chosen by the admin */
	LF_EV_ADMIN_RELEASE,   /* take a held task from its holder, back to its queue */
	LF_EV_ADMIN_DISCARD,   /* bad data, found before L3: reason required */
	LF_EV__COUNT
} lf_wf_event;

/* The capacity an actor acts in. Names: "annotator", "reviewer",
 * "super_reviewer", "admin", "system" (the lease sweeper). */
typedef enum lf_wf_role {
	LF_ROLE_ANNOTATOR,
	LF_ROLE_REVIEWER,
	LF_ROLE_SUPER_REVIEWER,
	LF_ROLE_ADMIN,
	LF_ROLE_SYSTEM,
	LF_ROLE__COUNT
} lf_wf_role;

/*
 * Effects a transition asks the caller to carry out, as a bit set. "The
 * actor's hold" is the pay hold reserved when the current lease was claimed;
 * "pending" holds belong to finished work waiting for the task's acceptance.
 */
enum lf_wf_effect {
	LF_FX_SET_LEASE = 1u << 0,	/* actor holds the lease, until now + policy lease */
	LF_FX_EXTEND_LEASE = 1u << 1,	/* lease = now + policy lease */
	LF_FX_CLEAR_LEASE = 1u << 2,	/* nobody holds the task any more */
	LF_FX_ATTEMPT_INC = 1u << 3,	/* attempts + 1 (already in lf_wf_outcome) */
	LF_FX_REWORK_INC = 1u << 4,	/* reworks + 1 (already in lf_wf_outcome) */
	LF_FX_ANNOTATION_INC = 1u << 5, /* one more L1 annotation done (in lf_wf_outcome) */
	LF_FX_NEW_VERSION = 1u << 6,	/* store the actor's result as a new annotation version */
	LF_FX_FINAL_VERSION = 1u << 7,	/* that version is the task's final result */
	LF_FX_HOLD_RESERVE = 1u << 8,	/* reserve this stage's rate: escrow -> held */
	LF_FX_HOLD_RETURN = 1u << 9,	/* the actor's hold goes back to escrow */
	LF_FX_HOLD_EARN = 1u << 10,	/* the actor's hold becomes pending (work done) */
	LF_FX_PAY = 1u << 11,		/* pending holds of the work that counts -> payable */
	LF_FX_VOID_L1 = 1u << 12,	/* pending L1 holds go back to escrow (work rejected) */
	LF_FX_VOID_L2 = 1u << 13,	/* pending L2 holds go back to escrow (stage redone) */
	LF_FX_VOID_ALL = 1u << 14,	/* every pending hold of the task goes back to escrow */
	LF_FX_L2_OVERTURNED = 1u << 15, /* L3 overturned the latest L2 decision; its pending
					 * hold is not paid unless the project says so */
	LF_FX_ESCALATED = 1u << 16,	/* a limit or a reviewer sent the task to L3 early */
	LF_FX_PREFER_PREV_ANNOTATOR = 1u << 17 /* offer the rework to the previous annotator
						* first */
};

/* What the caller knows about the task and the actor. Zero-initialise it and
 * fill what the event needs; counters must be >= 0. */
typedef struct lf_wf_input {
	lf_task_state state;	  /* current state, as read in the transaction */
	int is_holder;		  /* the actor holds the current lease */
	int has_comment;	  /* a non-empty comment / reason was given */
	int has_result;		  /* a result was given (validated by the caller) */
	int is_author;		  /* revise: the actor wrote the task's latest version, an
				   * L1 one, and no reviewer has decided on it yet; with
				   * overlap > 1 only the last of the L1 authors is */
	int attempts;		  /* lease expiries so far */
	int max_attempts;	  /* policy: more expiries than this escalate */
	int reworks;		  /* L2 rejections so far */
	int max_reworks;	  /* policy: more rejections than this escalate */
	int annotations_done;	  /* L1 annotations done before this event */
	int overlap;		  /* policy: L1 annotations a task needs; <= 1 means 1 */
	int sampled_for_l3;	  /* l2_approve: the L3 sample picked this task */
	lf_task_state requeue_to; /* admin_requeue: queued_l1, queued_l2 or queued_l3 */
	int gold;		  /* the task is a gold copy: only the gold rows apply */
	int gold_unpaid;	  /* gold submit: the answer failed, and failed gold is
				   * not paid (policy pay_failed_gold) */
} lf_wf_input;

/* The decision. Counters are the values to store after the transition. */
typedef struct lf_wf_outcome {
	lf_task_state to;
	unsigned effects; /* bit set of enum lf_wf_effect */
	int attempts;
	int reworks;
	int annotations_done;
} lf_wf_outcome;

/*
 * Decides whether role may apply ev to a task described by in and, if so,
 * fills *out (caller-owned; untouched on refusal). Checks, in this order:
 *   LF_ERR_INVALID   ev, role or in->state out of range, NULL pointer,
 *                    negative counter or a counter that would overflow;
 *   LF_ERR_FORBIDDEN role may never apply ev, in any state;
 *   LF_ERR_CONFLICT  ev does not apply to in->state (final states refuse
 *                    every event);
 *   LF_ERR_FORBIDDEN ev applies to in->state but not for this role (e.g. an
 *                    annotator claiming an L2 task);
 *   LF_ERR_CONFLICT  the event needs the lease holder and the actor is not
 *                    (lease lost);
 *   LF_ERR_FORBIDDEN revise by someone who is not in->is_author: whoever
 *                    wrote the latest version decides, which waiting does
 *                    not change (a claimed task is refused earlier, with
 *                    LF_ERR_CONFLICT, as locked_l2 is the wrong state);
 *   LF_ERR_INVALID   a required comment or result is missing, or the
 *                    admin_requeue target is not a queued state.
 * Returns LF_OK on success.
 */
int lf_wf_apply(lf_wf_event ev, lf_wf_role role, const lf_wf_input *in, lf_wf_outcome *out);

/* Static name of a state, event or role; "unknown" when out of range. */
const char *lf_wf_state_name(lf_task_state s);
const char *lf_wf_event_name(lf_wf_event e);
const char *lf_wf_role_name(lf_wf_role r);

/* Parses an exact (case-sensitive) name into *out (caller-owned, untouched
 * on failure). Returns LF_OK or LF_ERR_INVALID (unknown name or NULL). */
int lf_wf_state_parse(const char *name, lf_task_state *out);
int lf_wf_event_parse(const char *name, lf_wf_event *out);
int lf_wf_role_parse(const char *name, lf_wf_role *out);

/* Parses a stage name "l1", "l2" or "l3" into 1..3. Returns LF_OK or
 * LF_ERR_INVALID. */
int lf_wf_stage_parse(const char *name, int *out);

/* Stage (1..3) of a queued or locked state; 0 for a final or unknown state. */
int lf_wf_stage_of(lf_task_state s);
/* Queued / locked state of stage 1..3; LF_TS__COUNT for any other stage. */
lf_task_state lf_wf_queued_state(int stage);
lf_task_state lf_wf_locked_state(int stage);
/* Role that works on stage 1..3; LF_ROLE__COUNT for any other stage. */
lf_wf_role lf_wf_stage_role(int stage);

/* 1 for queued_lN, 0 otherwise. */
int lf_wf_is_queued(lf_task_state s);
/* 1 for locked_lN (someone holds a lease), 0 otherwise. */
int lf_wf_is_locked(lf_task_state s);
/* 1 for accepted and discarded (no event applies any more), 0 otherwise. */
int lf_wf_is_final(lf_task_state s);

#endif
