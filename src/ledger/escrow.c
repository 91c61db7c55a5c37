/*
 * escrow.c - deposits and refunds as domain commands. The rules that are
 * the project's (a refund needs a closed project) and the key's (one key,
 * one movement) are decided here, inside the write transaction that moves
 * the money, writes the audit record and reads the balances to answer
 * with; the API only parses, authorizes and renders.
 */
#include "ledger/ledger.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"

/* One deposit or refund in progress. */
struct move {
	const lf_escrow_request *rq;
	int refund;
	lf_escrow_receipt *out;
	lf_error *err;
};

static int run(lf_store *s, lf_arena *a, const lf_escrow_request *rq, int refund,
	       lf_escrow_receipt *out, lf_error *err);
static int move_tx(lf_tx *tx, void *ud);
static int apply(lf_tx *tx, struct move *m, const lf_project *p);
static int audit_move(lf_tx *tx, const lf_escrow_request *rq, const char *action,
		      const lf_deposit *d);

static int run(lf_store *s, lf_arena *a, const lf_escrow_request *rq, int refund,
	       lf_escrow_receipt *out, lf_error *err)
{
	struct move m = {.rq = rq, .refund = refund, .out = out, .err = err};
	return lf_store_write(s, a, move_tx, &m);
}

/* Runs again from the start after a serialization failure (PostgreSQL),
 * so it first forgets whatever an earlier run answered. */
static int move_tx(lf_tx *tx, void *ud)
{
	struct move *m = ud;
	lf_project p;
	memset(m->out, 0, sizeof(*m->out));
	if (m->err != NULL)
		memset(m->err, 0, sizeof(*m->err));
	int ret = lf_store_project_get(tx, m->rq->project_id, &p);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_default(m->err, ret, "project");
	if (ret != LF_OK)
		return ret;
	/* Escrow left in an active project may still be reserved by the next
	 * claim: only a closed project's money can go back. */
	if (m->refund && strcmp(p.status, "closed") != 0)
		return lf_error_set(
		    m->err, LF_ERR_CONFLICT, "project_active",
		    "Close the project (status closed) before refunding its escrow.");
	return apply(tx, m, &p);
}

/* The movement (or the key's earlier one), its audit record, and the
 * balances the answer shows. */
static int apply(lf_tx *tx, struct move *m, const lf_project *p)
{
	const lf_escrow_request *rq = m->rq;
	lf_escrow_receipt *out = m->out;
	int ret = m->refund ? lf_ledger_refund(tx, p->id, p->currency, rq->idempotency_key,
					       rq->actor_id, &out->movement, &out->replayed)
			    : lf_ledger_deposit(tx, p->id, p->currency, rq->amount, rq->reference,
						rq->idempotency_key, rq->actor_id, &out->movement,
						&out->replayed);
	if (ret == LF_ERR_CONFLICT)
		return lf_error_set(m->err, ret, "idempotency_key_reused", "%s",
				    m->refund
					? "This idempotency_key was already used for a deposit."
					: "This idempotency_key was already used for a refund or a "
					  "deposit of another amount or reference.");
	if (ret == LF_ERR_NOTFOUND && m->refund)
		return lf_error_set(m->err, LF_ERR_CONFLICT, "escrow_empty",
				    "There is no available escrow to refund.");
	if (ret != LF_OK)
		return ret;
	/* A replay moved nothing, so it has nothing new to audit. */
	if (!out->replayed &&
	    (ret = audit_move(tx, rq, m->refund ? "escrow.refund" : "escrow.deposit",
			      &out->movement)) != LF_OK)
		return ret;
	return lf_ledger_escrow(tx, p->id, p->currency, &out->escrow);
}

static int audit_move(lf_tx *tx, const lf_escrow_request *rq, const char *action,
		      const lf_deposit *d)
{
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)d->id);
	json_t *details = json_pack("{s:I,s:s,s:s?,s:s}", "amount", (json_int_t)d->amount,
				    "currency", d->currency, "reference", d->reference,
				    "idempotency_key", d->idempotency_key);
	lf_audit_event ev = {.actor_id = rq->actor_id,
			     .actor_role = rq->actor_role,
			     .action = action,
			     .entity_type = "deposit",
			     .entity_id = id,
			     .project_id = d->project_id,
			     .details = details};
	int ret = details ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(details);
	return ret;
}

int lf_escrow_deposit(lf_store *s, lf_arena *a, const lf_escrow_request *rq, lf_escrow_receipt *out,
		      lf_error *err)
{
	return run(s, a, rq, 0, out, err);
}

int lf_escrow_refund(lf_store *s, lf_arena *a, const lf_escrow_request *rq, lf_escrow_receipt *out,
		     lf_error *err)
{
	return run(s, a, rq, 1, out, err);
}
