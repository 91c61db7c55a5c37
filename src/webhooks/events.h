/*
 * events.h - what a webhook receiver is told: the event names, which
 * audit records raise which events, and each event's JSON payload.
 *
 * Pure functions over an audit record and the immutable facts it points
 * to (the task's data, the annotation version it stored), so a payload
 * says what happened at the event, however late it is built or sent.
 * Unit-tested in tests/unit/test_webhook_events.c.
 */
#ifndef LF_WEBHOOKS_EVENTS_H
#define LF_WEBHOOKS_EVENTS_H

#include <jansson.h>

#include "store/store.h"

/* Events one audit record raises at most. */
#define LF_WEBHOOK_EVENTS_MAX 4
/* The event of a test delivery (POST .../test); never subscribed to. */
#define LF_WEBHOOK_PING "PING"

/* The i-th event name a webhook may subscribe to, NULL past the last. */
const char *lf_webhook_event_at(size_t i);
/* Whether name is one of them. */
int lf_webhook_event_known(const char *name);

/*
 * The events rec raises, into out (static strings), in a fixed order;
 * returns how many (0: none, the usual case for claims and heartbeats).
 * ESCROW_LOW is not among them: see lf_webhook_escrow_moves.
 */
int lf_webhook_events_of(const lf_audit_row *rec, const char *out[LF_WEBHOOK_EVENTS_MAX]);

/* Whether a webhook subscribed to events (JSON array text; [] or ["*"]
 * means all) receives event. */
int lf_webhook_wants(const char *events, const char *event);

/* A project's escrow as ESCROW_LOW reports it (minor units). */
typedef struct lf_webhook_escrow {
	int64_t available, held, threshold;
	const char *currency;
} lf_webhook_escrow;

/* What a payload is built from. */
typedef struct lf_webhook_facts {
	const lf_audit_row *rec; /* the event's sealed record */
	const char *event;
	const lf_task *task;		 /* the record's task, or NULL */
	const lf_annotation *ann;	 /* the annotation version it stored, or NULL */
	const char *label_config;	 /* annotation events: the project's, or NULL */
	const lf_webhook_escrow *escrow; /* ESCROW_LOW only */
} lf_webhook_facts;

/* Whether rec may have moved its project's available escrow across a
 * webhook's ESCROW_LOW threshold (a claim's hold, a deposit, a refund):
 * ESCROW_LOW depends on the balance, not on the record alone, so the
 * dispatcher reads the balance for these. */
int lf_webhook_escrow_moves(const lf_audit_row *rec);

/*
 * The JSON body of event f->event: {"id": "<seq>.<EVENT>", "event",
 * "seq", "created_at" (ISO 8601), "project": {"id"}, ...}, with Label
 * Studio's "action" and shapes for the events it has (openapi.yaml
 * WebhookEvent documents each). New reference, NULL when out of memory.
 */
json_t *lf_webhook_payload(const lf_webhook_facts *f);

/* Writes ms since epoch as ISO 8601 UTC with milliseconds. */
void lf_webhook_iso(int64_t ms, char out[32]);

#endif
