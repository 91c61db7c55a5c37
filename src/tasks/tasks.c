/*
 * tasks.c - carrying out workflow transitions in the store.
 *
 * The operations people ask for (claim, heartbeat, release, submit, revise,
 * review, decide, requeue) and lf_tasks_apply, which every transition goes
 * through. The lease sweeper (sweeper.c) and the cache of project
 * configurations (config_cache.c) live beside it.
 *
 * Round trips: a transition reads once, in the statement that locks its
 * task (with the project's version and the active stint), and otherwise
 * only writes. It is not one server-side function per transition: that
 * would write the workflow table again in PL/pgSQL, beside the one pure
 * table (workflow/) both stores use, and the two would drift.
 */
#include "tasks/tasks_int.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "labelcfg/labelcfg.h"
#include "ledger/ledger.h"
#include "metrics/metrics.h"
#include "projects/policy.h"
#include "tasks/config_cache.h"

/* Heartbeat and release act in the role of the stage the task is locked
 * at, known once the task is read. */
#define HOLDER_ROLE LF_ROLE__COUNT

static int loaded(struct op *op, const lf_task_locked *l);
static int refusal_from_wf(struct op *op, int err, const lf_wf_input *in);
static int validate_result(const json_t *result, const lf_task *t, const lf_tasks_conf *conf,
			   lf_error *why);
static int check_result(struct op *op);
static void check_early(lf_store *s, lf_arena *a, struct op *op);
static int store_annotation(struct op *op, const char *kind, int64_t *annotation_id);
static int active_work(struct op *op);
static int void_work(struct op *op, unsigned effects);
static int write_audit(struct op *op, const char *from, unsigned effects);
static int move_money(struct op *op, lf_task_state from, unsigned fx);
static int run(lf_store *s, lf_arena *a, struct op *op, int64_t task_id, lf_task_view *out);
static int run_tx(lf_tx *tx, void *ud);
static int claim_tx(lf_tx *tx, void *ud);
static int resume_held(struct op *op);
static int draft_tx(lf_tx *tx, void *ud);
static int run_op(lf_store *s, lf_arena *a, struct op *op, int (*fn)(lf_tx *, void *),
		  lf_task_view *out);
static const char *annotation_kind(lf_wf_event ev);
static const char *work_status(lf_wf_event ev);
static int priority_tx(lf_tx *tx, void *ud);
static int find_author(struct op *op, int *is_author);

/* Takes a task locked in op->tx, and its project's configuration at the
 * version read with it, into op. */
static int loaded(struct op *op, const lf_task_locked *l)
{
	op->task = l->task;
	op->active_work = l->active_work;
	op->active_known = l->current;
	int ret = lf_tasks_conf_get(op->tx, op->task.project_id, l->project_version, &op->conf);
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable",
				    "The task's project cannot be read.");
	if (lf_tasks_conf_policy(op->conf, op->task.task_type, &op->policy) != LF_OK)
		return lf_error_set(op->why, LF_ERR_INTERNAL, "bad_policy",
				    "The project's stored policies are invalid.");
	return LF_OK;
}

int lf_tasks_load(struct op *op, int64_t task_id)
{
	lf_task_locked l;
	int ret = lf_store_task_lock_ctx(op->tx, task_id, &l);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(op->why, ret, "task_not_found", "No such task.");
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	return loaded(op, &l);
}

/* Turns a workflow refusal into a precise reason for the client. */
static int refusal_from_wf(struct op *op, int err, const lf_wf_input *in)
{
	const char *state = lf_wf_state_name(in->state);
	switch (err) {
	case LF_ERR_FORBIDDEN:
		if (op->ev == LF_EV_REVISE && op->role == LF_ROLE_ANNOTATOR)
			return lf_error_set(
			    op->why, err, "not_author",
			    "Only the annotator whose submission is the task's latest"
			    " version may revise it, and only before a reviewer"
			    " has decided on it.");
		return lf_error_set(op->why, err, "role_not_allowed",
				    "A %s cannot %s a task in state %s.", lf_wf_role_name(op->role),
				    lf_wf_event_name(op->ev), state);
	case LF_ERR_CONFLICT:
		if (op->ev == LF_EV_REVISE && in->state == LF_TS_LOCKED_L2)
			return lf_error_set(op->why, err, "task_claimed",
					    "A reviewer has claimed this task; it can no longer be"
					    " revised.");
		if (op->ev == LF_EV_REVISE)
			return lf_error_set(op->why, err, "wrong_state",
					    "The task is %s; only a task waiting for review"
					    " (queued_l2) can be revised.",
					    state);
		if (lf_wf_is_locked(in->state) && !in->is_holder && op->ev != LF_EV_CLAIM)
			return lf_error_set(op->why, err, "lease_lost",
					    "You do not hold the lease on this task: it expired or"
					    " belongs to someone else.");
		return lf_error_set(op->why, err, "wrong_state",
				    "The task is %s; %s is not possible now.", state,
				    lf_wf_event_name(op->ev));
	case LF_ERR_INVALID:
		if (op->ev == LF_EV_ADMIN_REQUEUE && in->has_comment)
			return lf_error_set(
			    op->why, err, "invalid_target",
			    "A task can be requeued to queued_l1, queued_l2 or queued_l3.");
		if (!in->has_comment && op->ev != LF_EV_SUBMIT && op->ev != LF_EV_REVISE &&
		    op->ev != LF_EV_L3_OVERRIDE)
			return lf_error_set(op->why, err, "comment_required",
					    "A comment (reason) is required for %s.",
					    lf_wf_event_name(op->ev));
		return lf_error_set(op->why, err, "result_required", "A result is required for %s.",
				    lf_wf_event_name(op->ev));
	default:
		return lf_error_set(op->why, err, "internal", "The transition failed (%s).",
				    lf_err_str(err));
	}
}

/* Checks the result against the project's label config and the task's
 * data: known controls and labels, value shapes per result type, regions
 * within their object (a span inside the text). Depends on nothing else,
 * and a task's data never changes: the outcome holds for as long as the
 * project's configuration stays at conf's version. */
static int validate_result(const json_t *result, const lf_task *t, const lf_tasks_conf *conf,
			   lf_error *why)
{
	char err[256];
	const lf_labelcfg *cfg;
	int ret = LF_OK;
	if (!json_is_array(result))
		return lf_error_set(why, LF_ERR_INVALID, "invalid_result",
				    "result must be an array of Label Studio regions.");
	if (conf->project.label_config == NULL || conf->project.label_config[0] == '\0')
		return LF_OK;
	if (lf_tasks_conf_labels(conf, &cfg, err, sizeof(err)) != LF_OK)
		return lf_error_set(why, LF_ERR_INTERNAL, "bad_label_config",
				    "The project's label config no longer parses: %s", err);
	json_t *data = json_loads(t->data, 0, NULL);
	if (data == NULL)
		return lf_error_set(why, LF_ERR_INTERNAL, "internal",
				    "The task's stored data cannot be read.");
	if (lf_labelcfg_validate_result(cfg, result, data, err, sizeof(err)) != LF_OK)
		ret = lf_error_set(why, LF_ERR_INVALID, "invalid_result", "%s", err);
	json_decref(data);
	return ret;
}

/* The check of the result in the transaction: the one made before it
 * (check_early) when the configuration is still the version it was made
 * for, else made now. */
static int check_result(struct op *op)
{
	if (!op->checked || op->checked_version != op->conf->project.updated_at)
		return validate_result(op->result, &op->task, op->conf, op->why);
	if (op->checked_ret != LF_OK)
		*op->why = op->checked_why;
	return op->checked_ret;
}

/*
 * Where every write goes through one writer (SQLite), whatever a write
 * can do before it is queued is time the writer does not wait: the check
 * of a result (parsing the task's data, walking the regions) is made
 * first, on a reader, against the task and the configuration version it
 * reads. Its outcome is reported only where the transaction would have
 * made the check, after the workflow's refusals. On PostgreSQL that read
 * would cost a round trip more than the check it moves, so the check
 * stays in the transaction (which holds only its task's row).
 */
static void check_early(lf_store *s, lf_arena *a, struct op *op)
{
	lf_tx *tx = NULL;
	lf_task_locked l;
	const lf_tasks_conf *conf;
	if (op->result == NULL || json_is_null(op->result) || !lf_store_single_writer(s))
		return;
	int ret = lf_store_begin(s, LF_TX_READ, a, &tx);
	if (ret == LF_OK)
		ret = lf_store_task_lock_ctx(tx, op->task_id, &l);
	if (ret == LF_OK)
		ret = lf_tasks_conf_get(tx, l.task.project_id, l.project_version, &conf);
	if (ret == LF_OK) {
		op->checked = 1;
		op->checked_version = conf->project.updated_at;
		op->checked_ret = validate_result(op->result, &l.task, conf, &op->checked_why);
	}
	/* Whatever failed here, the transaction finds and reports. */
	lf_store_rollback(tx);
}

static const char *annotation_kind(lf_wf_event ev)
{
	return ev == LF_EV_SUBMIT || ev == LF_EV_REVISE ? "annotation"
	       : ev == LF_EV_L3_OVERRIDE		? "override"
							: "correction";
}

/* How the stint of whoever held the task ends: an admin taking the task
 * away (release, discard) ends it as a release, the work undone. */
static const char *work_status(lf_wf_event ev)
{
	switch (ev) {
	case LF_EV_RELEASE:
	case LF_EV_ADMIN_RELEASE:
	case LF_EV_ADMIN_DISCARD: return "released";
	case LF_EV_EXPIRE: return "expired";
	case LF_EV_ADMIN_REQUEUE: return "requeued";
	default: return "done";
	}
}

static int store_annotation(struct op *op, const char *kind, int64_t *annotation_id)
{
	lf_annotation an = {.task_id = op->task.id,
			    .author_id = op->who->user_id,
			    .stage = lf_wf_stage_of(op->ev == LF_EV_SUBMIT || op->ev == LF_EV_REVISE
							? LF_TS_LOCKED_L1
						    : op->ev == LF_EV_L2_APPROVE ? LF_TS_LOCKED_L2
										 : LF_TS_LOCKED_L3),
			    .kind = kind,
			    .work_id = op->work_id,
			    .result = op->result_text,
			    .created_at = op->now};
	int ret = lf_store_annotation_insert(op->tx, &an);
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable",
				    "The annotation could not be stored.");
	*annotation_id = an.id;
	op->annotation_version = an.version;
	return LF_OK;
}

/*
 * Revise: whether the actor wrote the version a revise would replace (see
 * lf_store_work_revisable); if so op->work_id gets that submission's stint,
 * which the new version belongs to. Someone who never worked on the task
 * may not even learn that it exists, as with reading it (404).
 */
static int find_author(struct op *op, int *is_author)
{
	lf_work w;
	int worked = 0;
	int ret = lf_store_work_revisable(op->tx, op->task.id, &w);
	if (ret != LF_OK && ret != LF_ERR_NOTFOUND)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	*is_author = ret == LF_OK && w.user_id == op->who->user_id;
	if (*is_author) {
		op->work_id = w.id;
		return LF_OK;
	}
	if ((ret = lf_store_work_by_user(op->tx, op->task.id, op->who->user_id, &worked)) != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	if (!worked)
		return lf_error_set(op->why, LF_ERR_NOTFOUND, "task_not_found", "No such task.");
	return LF_OK;
}

/* Finds the stint of whoever holds the task (the actor, or for expiry and
 * requeue, the holder), as read with the task when that read is current;
 * op->work_id stays 0 when nobody holds it. */
static int active_work(struct op *op)
{
	lf_work w;
	if (op->active_known) {
		op->work_id = op->active_work;
		return LF_OK;
	}
	int ret = lf_store_work_active(op->tx, op->task.id, &w);
	if (ret == LF_ERR_NOTFOUND)
		return LF_OK;
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	op->work_id = w.id;
	return LF_OK;
}

static int void_work(struct op *op, unsigned fx)
{
	int ret = LF_OK;
	int overturned = (fx & LF_FX_L2_OVERTURNED) && !op->policy.pay_overturned_l2;
	for (int stage = 1; stage <= 3 && ret == LF_OK; stage++) {
		int v = (fx & LF_FX_VOID_ALL) || (stage == 1 && (fx & LF_FX_VOID_L1)) ||
			(stage == 2 && ((fx & LF_FX_VOID_L2) || overturned));
		if (v)
			ret = lf_store_work_void_stage(op->tx, op->task.id, stage, op->now);
	}
	return ret == LF_OK ? LF_OK
			    : lf_error_set(op->why, ret, "unavailable", "The database failed.");
}

static int write_audit(struct op *op, const char *from, unsigned fx)
{
	char action[48], id[32];
	snprintf(action, sizeof(action), "task.%s", lf_wf_event_name(op->ev));
	snprintf(id, sizeof(id), "%lld", (long long)op->task.id);
	json_t *d = json_pack("{s:I,s:i,s:i,s:b}", "work_id", (json_int_t)op->work_id, "attempts",
			      op->task.attempts, "reworks", op->task.reworks, "escalated",
			      (fx & LF_FX_ESCALATED) != 0);
	if (d == NULL)
		return lf_error_set(op->why, LF_ERR_NOMEM, "internal", "Out of memory.");
	if (op->decision != NULL)
		json_object_set_new(d, "decision", json_string(op->decision));
	if (op->comment != NULL)
		json_object_set_new(d, "comment", json_string(op->comment));
	if (op->annotation_version > 0)
		json_object_set_new(d, "annotation_version", json_integer(op->annotation_version));
	if (op->task.lease_owner != 0)
		json_object_set_new(d, "lease_expires", json_integer(op->task.lease_expires));
	if (op->pay_band != 0)
		json_object_set_new(d, "pay_band",
				    json_string(op->pay_band > 0 ? "gold_bonus" : "gold_penalty"));
	if (op->agreement_known)
		json_object_set_new(d, "agreement", json_real((double)op->agreement_ppm / 1e6));
	if (op->ev == LF_EV_SUBMIT && op->task.gold_id != 0)
		json_object_set_new(d, "gold_score", json_real((double)op->gold_score_ppm / 1e6));
	lf_audit_event ev = {.actor_id = op->who->user_id,
			     .actor_role = lf_wf_role_name(op->role),
			     .action = action,
			     .entity_type = "task",
			     .entity_id = id,
			     .project_id = op->task.project_id,
			     .task_id = op->task.id,
			     .from_state = from,
			     .to_state = op->task.state,
			     .details = d};
	int ret = lf_audit_append(op->tx, &ev, NULL);
	json_decref(d);
	return ret == LF_OK ? LF_OK
			    : lf_error_set(op->why, ret, "unavailable", "The audit write failed.");
}

/*
 * The money side of a transition, in the same transaction: a claim
 * reserves the stage's rate from escrow; giving work back returns it;
 * finished work waits for acceptance; rejected or overturned work goes
 * back to escrow; acceptance pays every hold that is still pending.
 */
static int move_money(struct op *op, lf_task_state from, unsigned fx)
{
	const char *cur = op->conf->project.currency;
	int64_t pid = op->task.project_id, tid = op->task.id;
	int overturned = (fx & LF_FX_L2_OVERTURNED) && !op->policy.pay_overturned_l2;
	int ret = LF_OK;
	if (fx & LF_FX_HOLD_RESERVE) {
		lf_money shortfall = 0;
		int stage = lf_wf_stage_of(from);
		lf_money rate = lf_rates_stage(&op->conf->rates, stage);
		if (stage == 1 && (ret = lf_tasks_gold_pay(op, &rate)) != LF_OK)
			return ret;
		ret = lf_ledger_reserve(op->tx, pid, cur, tid, op->work_id, op->who->user_id, stage,
					rate, &shortfall);
		if (ret == LF_ERR_FUNDS)
			return lf_error_set(
			    op->why, ret, "insufficient_escrow",
			    "The project's escrow cannot cover this claim: it needs %lld"
			    " %s more. Ask an admin to deposit funds.",
			    (long long)shortfall, cur);
	}
	if (ret == LF_OK && (fx & LF_FX_HOLD_RETURN) && op->work_id != 0)
		ret = lf_ledger_hold_return(op->tx, cur, op->work_id);
	if (ret == LF_OK && (fx & LF_FX_HOLD_EARN) && op->work_id != 0)
		ret = lf_ledger_hold_earn(op->tx, op->work_id);
	if (ret == LF_OK && (fx & LF_FX_VOID_ALL))
		ret = lf_ledger_void(op->tx, cur, pid, tid, 0, 0);
	if (ret == LF_OK && (fx & LF_FX_VOID_L1))
		ret = lf_ledger_void(op->tx, cur, pid, tid, 1, 0);
	if (ret == LF_OK && (fx & LF_FX_VOID_L2))
		ret = lf_ledger_void(op->tx, cur, pid, tid, 2, 0);
	else if (ret == LF_OK && overturned)
		ret = lf_ledger_void(op->tx, cur, pid, tid, 2, 1);
	if (ret == LF_OK && (fx & LF_FX_PAY))
		ret = lf_ledger_pay(op->tx, cur, pid, tid);
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "ledger",
				    "The payment records could not be written (%s).",
				    lf_err_str(ret));
	return LF_OK;
}

/*
 * The heart of every operation: decide with the workflow table, then carry
 * out its effects on the loaded task inside op->tx.
 */
int lf_tasks_apply(struct op *op)
{
	lf_task *t = &op->task;
	lf_wf_input in;
	lf_wf_outcome out;
	int64_t annotation_id = 0;
	int ret;
	memset(&in, 0, sizeof(in));
	if (lf_wf_state_parse(t->state, &in.state) != LF_OK)
		return lf_error_set(op->why, LF_ERR_INTERNAL, "internal", "Unknown task state %s.",
				    t->state);
	in.is_holder =
	    t->lease_owner != 0 && t->lease_owner == op->who->user_id && t->lease_expires > op->now;
	in.has_comment = op->comment != NULL && op->comment[0] != '\0';
	in.has_result = op->result != NULL && !json_is_null(op->result);
	in.attempts = t->attempts;
	in.max_attempts = op->policy.max_attempts;
	in.reworks = t->reworks;
	in.max_reworks = op->policy.max_reworks;
	in.annotations_done = t->annotations_done;
	in.overlap = op->policy.overlap;
	in.sampled_for_l3 = op->ev == LF_EV_L2_APPROVE
				? (int)randombytes_uniform(10000) < op->policy.l3_sample_bp
				: 1;
	in.requeue_to = op->requeue_to;
	in.gold = t->gold_id != 0;
	if (op->ev == LF_EV_REVISE && (ret = find_author(op, &in.is_author)) != LF_OK)
		return ret;
	if ((ret = lf_wf_apply(op->ev, op->role, &in, &out)) != LF_OK)
		return refusal_from_wf(op, ret, &in);
	/* A gold answer's score, or the agreement of a task's annotators,
	 * chooses the row's outcome: measured once the workflow allowed the
	 * submit, so refusals come first as for any. */
	if (op->ev == LF_EV_SUBMIT && (in.gold || op->policy.overlap_max > op->policy.overlap)) {
		if ((ret = check_result(op)) != LF_OK)
			return ret;
		if (in.gold && (ret = lf_tasks_gold_score(op)) != LF_OK)
			return ret;
		if (!in.gold && (ret = lf_tasks_overlap_for_submit(op, &in.overlap)) != LF_OK)
			return ret;
		in.gold_unpaid = in.gold && !op->gold_passed && !op->policy.pay_failed_gold;
		if ((ret = lf_wf_apply(op->ev, op->role, &in, &out)) != LF_OK)
			return refusal_from_wf(op, ret, &in);
	}

	const char *from = t->state;
	if ((out.effects & LF_FX_NEW_VERSION) && in.has_result) {
		if ((ret = check_result(op)) != LF_OK)
			return ret;
	}
	if ((ret = void_work(op, out.effects)) != LF_OK)
		return ret;
	if (op->ev == LF_EV_CLAIM) {
		lf_work w = {.task_id = t->id,
			     .project_id = t->project_id,
			     .user_id = op->who->user_id,
			     .stage = lf_wf_stage_of(in.state),
			     .status = "active",
			     .started_at = op->now};
		if ((ret = lf_store_work_insert(op->tx, &w, &op->work_id)) != LF_OK)
			return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	} else if (op->ev == LF_EV_REVISE) {
		/* Nobody holds the task: the submission's stint stays as it
		 * ended, and the new version joins it. */
		if ((ret = store_annotation(op, annotation_kind(op->ev), &annotation_id)) != LF_OK)
			return ret;
	} else if (op->ev != LF_EV_HEARTBEAT) {
		const char *status = work_status(op->ev);
		if ((ret = active_work(op)) != LF_OK)
			return ret;
		if (op->expect_work != 0 && op->work_id != op->expect_work)
			return lf_error_set(op->why, LF_ERR_CONFLICT, "lease_lost",
					    "The stint this release was asked for has ended.");
		if ((out.effects & LF_FX_NEW_VERSION) && in.has_result &&
		    (ret = store_annotation(op, annotation_kind(op->ev), &annotation_id)) != LF_OK)
			return ret;
		if (op->work_id != 0 &&
		    (ret = lf_store_work_finish(op->tx, op->work_id, status, op->decision,
						op->comment, annotation_id, op->now)) != LF_OK)
			return lf_error_set(op->why, ret, "conflict",
					    "The work record changed concurrently; try again.");
	} else if ((ret = active_work(op)) != LF_OK) {
		return ret;
	} else if (op->work_id != 0 &&
		   (ret = lf_store_work_release_at(op->tx, op->work_id, t->id, op->who->user_id,
						   0)) != LF_OK) {
		/* The holder is still here: a release its closing page asked
		 * for (a reload, say) is off. */
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	}

	if ((ret = move_money(op, in.state, out.effects)) != LF_OK)
		return ret;
	t->state = lf_wf_state_name(out.to);
	t->attempts = out.attempts;
	t->reworks = out.reworks;
	t->annotations_done = out.annotations_done;
	if (out.effects & (LF_FX_SET_LEASE | LF_FX_EXTEND_LEASE)) {
		t->lease_owner = op->who->user_id;
		t->lease_expires = op->now + (int64_t)op->policy.lease_seconds * 1000;
	}
	if (out.effects & LF_FX_CLEAR_LEASE) {
		t->lease_owner = 0;
		t->lease_expires = 0;
	}
	if (op->ev == LF_EV_CLAIM || op->ev == LF_EV_SUBMIT) {
		t->rework_owner = 0;
		t->rework_until = 0;
	}
	if (out.effects & LF_FX_PREFER_PREV_ANNOTATOR) {
		int64_t prev = 0;
		ret = lf_store_work_last_annotator(op->tx, t->id, &prev);
		if (ret != LF_OK && ret != LF_ERR_NOTFOUND)
			return lf_error_set(op->why, ret, "unavailable", "The database failed.");
		t->rework_owner = prev;
		t->rework_until =
		    prev ? op->now + (int64_t)op->policy.rework_grace_seconds * 1000 : 0;
	}
	if (in.has_comment && op->ev != LF_EV_CLAIM)
		t->last_comment = op->comment;
	if (op->ev == LF_EV_L2_APPROVE)
		t->sampled_l3 = in.sampled_for_l3;
	t->updated_at = op->now;
	if ((ret = lf_store_task_update(op->tx, t, from)) != LF_OK)
		return lf_error_set(op->why, ret, "conflict",
				    "The task changed concurrently; try again.");
	if ((ret = write_audit(op, from, out.effects)) != LF_OK)
		return ret;
	return in.gold && op->ev == LF_EV_SUBMIT ? lf_tasks_gold_record(op) : LF_OK;
}

/* Runs op on task_id in a write transaction of its own. */
/* The transaction of one operation on a known task (run by the store's
 * writer, possibly on another thread). */
static int run_tx(lf_tx *tx, void *ud)
{
	struct op *op = ud;
	int ret;
	op->tx = tx;
	if ((ret = lf_tasks_load(op, op->task_id)) != LF_OK)
		return ret;
	/* After the lock, as in claim_tx. */
	op->now = lf_now_ms();
	if (op->role == HOLDER_ROLE) {
		lf_task_state st = LF_TS_QUEUED_L1;
		lf_wf_state_parse(op->task.state, &st);
		int stage = lf_wf_stage_of(st);
		op->role = stage ? lf_wf_stage_role(stage) : LF_ROLE_ANNOTATOR;
	}
	return lf_tasks_apply(op);
}

/*
 * A resuming claim finds the task the actor holds at the stage and renews
 * its lease with a heartbeat: the task is already the actor's, so nothing
 * is assigned. LF_ERR_NOTFOUND when the actor holds none.
 */
static int resume_held(struct op *op)
{
	int64_t task_id = 0;
	int ret = lf_store_task_held(op->tx, op->project_id,
				     lf_wf_state_name(lf_wf_locked_state(op->stage)),
				     op->who->user_id, op->now, &task_id);
	if (ret == LF_ERR_NOTFOUND)
		return ret;
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	if ((ret = lf_tasks_load(op, task_id)) != LF_OK)
		return ret;
	op->now = lf_now_ms();
	op->ev = LF_EV_HEARTBEAT;
	if ((ret = lf_tasks_apply(op)) != LF_OK)
		return ret;
	op->view->resumed = 1;
	ret = lf_store_work_draft_get(op->tx, op->work_id, &op->view->draft, &op->view->draft_at);
	if (ret != LF_OK && ret != LF_ERR_NOTFOUND)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	return LF_OK;
}

/* The transaction of a claim: resume the task the actor holds if asked
 * to, else pick the next task and claim it. */
static int claim_tx(lf_tx *tx, void *ud)
{
	struct op *op = ud;
	lf_task_locked l;
	op->tx = tx;
	op->now = lf_now_ms();
	/* Forgotten between runs (PostgreSQL retries after a serialization
	 * failure). */
	op->ev = LF_EV_CLAIM;
	op->view->resumed = 0;
	op->view->draft = NULL;
	op->view->draft_at = 0;
	if (op->resume) {
		int held = resume_held(op);
		if (held != LF_ERR_NOTFOUND)
			return held;
	}
	int ret = lf_store_task_claim(tx, op->project_id, op->stage, op->who->user_id, op->now, &l);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(op->why, ret, "nothing_to_do",
				    "No task is waiting for you at this stage.");
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	if ((ret = loaded(op, &l)) != LF_OK)
		return ret;
	/* The clock is read once the task is locked, hence after the commit
	 * of its previous transition: a stint never appears to start before
	 * the one before it finished, also with several writers (PostgreSQL). */
	op->now = lf_now_ms();
	int64_t copy_id = 0;
	if (op->stage == 1 && (ret = lf_tasks_gold_pick(op, &copy_id)) != LF_OK)
		return ret;
	if (copy_id != 0 && (ret = lf_tasks_load(op, copy_id)) != LF_OK)
		return ret;
	/* A claim lost in a crash is simply asked for again (its hold and
	 * audit record go with it), so it need not wait for the disk. */
	lf_store_tx_relaxed(tx);
	return lf_tasks_apply(op);
}

/* Runs op's transaction, counts its outcome for /metrics, and reports the
 * task after it. */
static int run_op(lf_store *s, lf_arena *a, struct op *op, int (*fn)(lf_tx *, void *),
		  lf_task_view *out)
{
	char *text = NULL;
	op->why->reason[0] = '\0';
	/* JSON work done before the write, not in it. */
	if (op->result != NULL && !json_is_null(op->result)) {
		if ((text = json_dumps(op->result, JSON_COMPACT)) == NULL)
			return lf_error_set(op->why, LF_ERR_NOMEM, "internal", "Out of memory.");
		op->result_text = text;
		check_early(s, a, op);
	}
	int ret = lf_store_write(s, a, fn, op);
	free(text);
	op->tx = NULL;
	lf_metrics_task(op->ev, op->stage, ret,
			ret == LF_ERR_NOTFOUND && strcmp(op->why->reason, "nothing_to_do") == 0);
	if (ret != LF_OK) {
		/* A compare-and-set held back to the COMMIT (store_tasks.h)
		 * fails there, with no reason given yet. */
		if (op->why->reason[0] == '\0' && ret == LF_ERR_CONFLICT)
			lf_error_set(op->why, ret, "conflict",
				     "The task changed concurrently; try again.");
		else if (op->why->reason[0] == '\0')
			lf_error_set(op->why, ret, "unavailable",
				     "The change could not be committed.");
		return ret;
	}
	out->task = op->task;
	out->work_id = op->work_id;
	out->gold_feedback = op->gold_feedback;
	return LF_OK;
}

static int run(lf_store *s, lf_arena *a, struct op *op, int64_t task_id, lf_task_view *out)
{
	op->task_id = task_id;
	*out = (lf_task_view){.work_id = 0};
	return run_op(s, a, op, run_tx, out);
}

int lf_tasks_claim(lf_store *s, lf_arena *a, const lf_actor *who, int64_t project_id, int stage,
		   int resume, lf_task_view *out, lf_error *why)
{
	struct op op = {.who = who,
			.why = why,
			.ev = LF_EV_CLAIM,
			.role = lf_wf_stage_role(stage),
			.project_id = project_id,
			.stage = stage,
			.resume = resume,
			.view = out};
	if (stage < 1 || stage > 3)
		return lf_error_set(why, LF_ERR_INVALID, "invalid_stage",
				    "stage must be l1, l2 or l3.");
	return run_op(s, a, &op, claim_tx, out);
}

int lf_tasks_heartbeat(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		       lf_task_view *out, lf_error *why)
{
	struct op op = {.who = who, .why = why, .ev = LF_EV_HEARTBEAT, .role = HOLDER_ROLE};
	return run(s, a, &op, task_id, out);
}

int lf_tasks_release(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		     lf_task_view *out, lf_error *why)
{
	struct op op = {.who = who,
			.why = why,
			.ev = LF_EV_RELEASE,
			.role = HOLDER_ROLE,
			.decision = "release"};
	return run(s, a, &op, task_id, out);
}

struct draft {
	const lf_actor *who;
	int64_t task_id;
	const char *text;
	int64_t saved_at;
	lf_error *why;
};

/* Saving a draft is no transition (the task stays where it is), so it
 * asks the workflow nothing; but it locks the task like one, so that it
 * is ordered with a concurrent release or submit and never outlives the
 * stint it belongs to. */
static int draft_tx(lf_tx *tx, void *ud)
{
	struct draft *d = ud;
	lf_task_locked l;
	lf_work w = {.id = 0};
	int ret = lf_store_task_lock_ctx(tx, d->task_id, &l);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(d->why, ret, "task_not_found", "No such task.");
	if (ret != LF_OK)
		return lf_error_set(d->why, ret, "unavailable", "The database failed.");
	d->saved_at = lf_now_ms();
	if (l.current)
		w.id = l.active_work;
	else if ((ret = lf_store_work_active(tx, l.task.id, &w)) != LF_OK && ret != LF_ERR_NOTFOUND)
		return lf_error_set(d->why, ret, "unavailable", "The database failed.");
	if (l.task.lease_owner != d->who->user_id || l.task.lease_expires <= d->saved_at ||
	    w.id == 0)
		return lf_error_set(d->why, LF_ERR_CONFLICT, "lease_lost",
				    "You do not hold the lease on this task: it expired or"
				    " belongs to someone else.");
	if ((ret = lf_store_work_draft_put(tx, w.id, d->text, d->saved_at)) != LF_OK)
		return lf_error_set(d->why, ret, "unavailable", "The draft could not be saved.");
	return LF_OK;
}

int lf_tasks_draft_save(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
			const json_t *result, int64_t *saved_at, lf_error *why)
{
	struct draft d = {.who = who, .task_id = task_id, .why = why};
	int ret;
	if (!json_is_array(result))
		return lf_error_set(why, LF_ERR_INVALID, "invalid_result",
				    "result must be an array of Label Studio regions.");
	char *text = json_dumps(result, JSON_COMPACT);
	if (text == NULL)
		return lf_error_set(why, LF_ERR_NOMEM, "internal", "Out of memory.");
	d.text = text;
	why->reason[0] = '\0';
	ret = lf_store_write(s, a, draft_tx, &d);
	free(text);
	if (ret == LF_OK)
		*saved_at = d.saved_at;
	else if (why->reason[0] == '\0')
		lf_error_set(why, ret, "unavailable", "The draft could not be saved.");
	return ret;
}

int lf_tasks_submit(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		    const json_t *result, lf_task_view *out, lf_error *why)
{
	struct op op = {.who = who,
			.why = why,
			.ev = LF_EV_SUBMIT,
			.role = LF_ROLE_ANNOTATOR,
			.decision = "submit",
			.result = result};
	return run(s, a, &op, task_id, out);
}

int lf_tasks_revise(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		    const json_t *result, lf_task_view *out, lf_error *why)
{
	struct op op = {.who = who,
			.why = why,
			.ev = LF_EV_REVISE,
			.role = LF_ROLE_ANNOTATOR,
			.decision = "revise",
			.result = result};
	return run(s, a, &op, task_id, out);
}

int lf_tasks_review(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		    const char *decision, const char *comment, const json_t *result,
		    lf_task_view *out, lf_error *why)
{
	struct op op = {.who = who,
			.why = why,
			.role = LF_ROLE_REVIEWER,
			.decision = decision,
			.comment = comment,
			.result = result};
	if (strcmp(decision, "approve") == 0)
		op.ev = LF_EV_L2_APPROVE;
	else if (strcmp(decision, "reject") == 0)
		op.ev = LF_EV_L2_REJECT;
	else if (strcmp(decision, "escalate") == 0)
		op.ev = LF_EV_L2_ESCALATE;
	else
		return lf_error_set(why, LF_ERR_INVALID, "invalid_decision",
				    "decision must be approve, reject or escalate.");
	if (op.ev != LF_EV_L2_APPROVE && result != NULL && !json_is_null(result))
		return lf_error_set(why, LF_ERR_INVALID, "invalid_decision",
				    "Only an approval can carry a corrected result.");
	return run(s, a, &op, task_id, out);
}

int lf_tasks_decide(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		    const char *decision, const char *comment, const json_t *result,
		    lf_task_view *out, lf_error *why)
{
	static const struct {
		const char *name;
		lf_wf_event ev;
	} map[] = {
	    {"approve", LF_EV_L3_APPROVE},	     {"override", LF_EV_L3_OVERRIDE},
	    {"send_back_l1", LF_EV_L3_SEND_BACK_L1}, {"send_back_l2", LF_EV_L3_SEND_BACK_L2},
	    {"discard", LF_EV_L3_DISCARD},
	};
	struct op op = {.who = who,
			.why = why,
			.role = LF_ROLE_SUPER_REVIEWER,
			.decision = decision,
			.comment = comment,
			.result = result,
			.ev = LF_EV__COUNT};
	for (size_t i = 0; i < LF_ARRAY_LEN(map); i++)
		if (strcmp(decision, map[i].name) == 0)
			op.ev = map[i].ev;
	if (op.ev == LF_EV__COUNT)
		return lf_error_set(
		    why, LF_ERR_INVALID, "invalid_decision",
		    "decision must be approve, override, send_back_l1, send_back_l2 or"
		    " discard.");
	if (op.ev != LF_EV_L3_OVERRIDE && result != NULL && !json_is_null(result))
		return lf_error_set(why, LF_ERR_INVALID, "invalid_decision",
				    "Only an override carries a result.");
	return run(s, a, &op, task_id, out);
}

int lf_tasks_requeue(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
		     const char *to_state, const char *reason, lf_task_view *out, lf_error *why)
{
	struct op op = {.who = who,
			.why = why,
			.ev = LF_EV_ADMIN_REQUEUE,
			.role = LF_ROLE_ADMIN,
			.decision = "requeue",
			.comment = reason};
	if (lf_wf_state_parse(to_state, &op.requeue_to) != LF_OK || !lf_wf_is_queued(op.requeue_to))
		return lf_error_set(why, LF_ERR_INVALID, "invalid_target",
				    "to must be queued_l1, queued_l2 or queued_l3.");
	return run(s, a, &op, task_id, out);
}

int lf_tasks_admin_release(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
			   const char *reason, lf_task_view *out, lf_error *why)
{
	struct op op = {.who = who,
			.why = why,
			.ev = LF_EV_ADMIN_RELEASE,
			.role = LF_ROLE_ADMIN,
			.decision = "release",
			.comment = reason};
	int ret = run(s, a, &op, task_id, out);
	if (ret == LF_ERR_CONFLICT && strcmp(why->reason, "wrong_state") == 0)
		lf_error_set(why, ret, "not_held", "Nobody holds this task (it is %s).",
			     op.task.state);
	return ret;
}

int lf_tasks_admin_discard(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
			   const char *reason, lf_task_view *out, lf_error *why)
{
	struct op op = {.who = who,
			.why = why,
			.ev = LF_EV_ADMIN_DISCARD,
			.role = LF_ROLE_ADMIN,
			.decision = "discard",
			.comment = reason};
	return run(s, a, &op, task_id, out);
}

struct priority {
	const lf_actor *who;
	int64_t task_id, priority;
	lf_task task;
	lf_error *why;
};

/* A priority change is no transition, but it locks the task like one and
 * writes with the same compare-and-set, so it cannot resurrect a task
 * that was accepted or discarded meanwhile. */
static int priority_tx(lf_tx *tx, void *ud)
{
	struct priority *p = ud;
	lf_task_state st;
	char id[32];
	int ret = lf_store_task_lock(tx, p->task_id, &p->task);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(p->why, ret, "task_not_found", "No such task.");
	if (ret != LF_OK)
		return lf_error_set(p->why, ret, "unavailable", "The database failed.");
	if (lf_wf_state_parse(p->task.state, &st) != LF_OK || lf_wf_is_final(st))
		return lf_error_set(p->why, LF_ERR_CONFLICT, "wrong_state",
				    "The task is %s; its priority no longer matters.",
				    p->task.state);
	int64_t was = p->task.priority;
	p->task.priority = p->priority;
	p->task.updated_at = lf_now_ms();
	if ((ret = lf_store_task_update(tx, &p->task, p->task.state)) != LF_OK)
		return lf_error_set(p->why, ret, "conflict",
				    "The task changed concurrently; try again.");
	json_t *d = json_pack("{s:I,s:I}", "from", (json_int_t)was, "to", (json_int_t)p->priority);
	if (d == NULL)
		return lf_error_set(p->why, LF_ERR_NOMEM, "internal", "Out of memory.");
	snprintf(id, sizeof(id), "%lld", (long long)p->task.id);
	lf_audit_event ev = {.actor_id = p->who->user_id,
			     .actor_role = lf_wf_role_name(LF_ROLE_ADMIN),
			     .action = "task.priority",
			     .entity_type = "task",
			     .entity_id = id,
			     .project_id = p->task.project_id,
			     .task_id = p->task.id,
			     .from_state = p->task.state,
			     .to_state = p->task.state,
			     .details = d};
	ret = lf_audit_append(tx, &ev, NULL);
	json_decref(d);
	return ret == LF_OK ? LF_OK
			    : lf_error_set(p->why, ret, "unavailable", "The audit write failed.");
}

int lf_tasks_set_priority(lf_store *s, lf_arena *a, const lf_actor *who, int64_t task_id,
			  int64_t priority, lf_task_view *out, lf_error *why)
{
	struct priority p = {.who = who, .task_id = task_id, .priority = priority, .why = why};
	why->reason[0] = '\0';
	int ret = lf_store_write(s, a, priority_tx, &p);
	if (ret != LF_OK) {
		if (why->reason[0] == '\0')
			lf_error_set(why, ret, "unavailable", "The change could not be committed.");
		return ret;
	}
	*out = (lf_task_view){.task = p.task};
	return LF_OK;
}
