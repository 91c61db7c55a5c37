/*
 * webhooks.h - event webhooks: receivers told of what happens, per
 * project or global (project_id 0: every project).
 *
 * The audit trail is the outbox. Every state change appends its audit
 * record in its own transaction, and the sealer gives committed records
 * a gap-free seq (audit/seal.h); so a change that rolled back has no
 * record and is never announced, and claims and submits pay nothing for
 * webhooks. lf_webhooks_dispatch reads the sealed records after a stored
 * cursor, maps each to its events (events.h) and writes one delivery per
 * subscribed active webhook in the transaction that advances the cursor,
 * with at most one drain job per webhook that got new ones: a process
 * killed anywhere loses no event and makes none twice.
 *
 * Deliveries are sent in batches by a webhook's drain job
 * (lf_webhooks_drain, job "webhook.drain"): one write transaction takes
 * up to a batch of its due pending deliveries and leases them (moves
 * their next_attempt_at a lease ahead, so those of a drainer killed
 * mid-batch come due again and are sent again); they are sent outside
 * any transaction, signed (net/sign.h), through net/outbound.h, a few at
 * a time over kept-alive connections; one write transaction records every
 * outcome and schedules failed ones after the backoff until a 2xx or
 * their attempts run out (the lease is LABELFLOW_JOB_LEASE_MS). A drain that took a full batch
 * queues itself again at once, else one at its webhook's earliest pending delivery.
 * webhooks.drain_at marks the queued drain job, so a webhook has one, not one per delivery.
 * Deliveries of one webhook may arrive out of order; receivers
 * deduplicate by the payload's id, since a send whose answer was lost is
 * sent again.
 *
 *   lf_webhooks_create / _update / _delete   administration (audited)
 *   lf_webhooks_redeliver                    a new attempt of a delivery
 *   lf_webhooks_ping                         a test delivery (PING)
 *   lf_webhooks_dispatch                     records -> deliveries (periodic)
 *   lf_webhooks_drain_soon                   queues a webhook's drain job once
 *   lf_webhooks_drain                        sends a batch (job "webhook.drain")
 */
#ifndef LF_WEBHOOKS_H
#define LF_WEBHOOKS_H

#include <jansson.h>

#include "core/arena.h"
#include "jobs/jobs.h"
#include "store/store.h"

/* The job kind that drains a webhook's due deliveries. */
#define LF_WEBHOOKS_JOB "webhook.drain"
/* The kind of the earlier one-delivery-per-job design: a database
 * upgraded with such jobs queued has them drain their webhook. */
#define LF_WEBHOOKS_JOB_V1 "webhook.deliver"
/* Deliveries one drain takes at most. */
#define LF_WEBHOOKS_BATCH 200
/* Longest URL, and extra headers per webhook at most. */
#define LF_WEBHOOKS_URL_MAX	1024
#define LF_WEBHOOKS_HEADERS_MAX 20
/* Bytes of a receiver's answer kept with the delivery. */
#define LF_WEBHOOKS_EXCERPT 1024

/* How deliveries are sent (configuration). */
typedef struct lf_webhooks_opts {
	const char *allow; /* LABELFLOW_OUTBOUND_ALLOW, NULL: none */
	int retry_ms;	   /* the first retry's delay */
	int attempts;	   /* per delivery (and per redelivery) */
	int timeout_ms;	   /* per request */
	/* How long a drainer holds the deliveries it took (the job lease:
	 * after it a crashed drainer's work is taken over); it starts no
	 * new send after half of it. */
	int lease_ms;
	int batch; /* deliveries per drain, 0: LF_WEBHOOKS_BATCH */
} lf_webhooks_opts;

/* A webhook's settings as given; NULL / -1 leaves a field unchanged on
 * update. */
typedef struct lf_webhooks_input {
	const char *url;
	const json_t *events;  /* array of event names or "*" */
	int active;	       /* 0, 1, -1 */
	const char *secret;    /* create only: NULL generates one */
	const json_t *headers; /* object of string values */
	/* ESCROW_LOW when the project's available escrow drops under this
	 * (minor units); 0 never, -1 unchanged. */
	int64_t escrow_low_below;
} lf_webhooks_input;

/* Who acts, on which scope. */
typedef struct lf_webhooks_actor {
	int64_t user_id;
	const char *role;
	int64_t project_id; /* 0: the global webhooks */
	const char *allow;  /* LABELFLOW_OUTBOUND_ALLOW, for checking URLs */
} lf_webhooks_actor;

/*
 * Creates a webhook; *out gets it with its secret (arena a), which is
 * shown to the caller this once. LF_ERR_INVALID (err says which field:
 * an internal URL is refused naming LABELFLOW_OUTBOUND_ALLOW),
 * LF_ERR_NOTFOUND for an unknown project.
 */
int lf_webhooks_create(lf_store *s, lf_arena *a, const lf_webhooks_actor *who,
		       const lf_webhooks_input *in, lf_webhook *out, lf_error *err);
/* Changes webhook id of who's scope; *out gets it (arena a). */
int lf_webhooks_update(lf_store *s, lf_arena *a, const lf_webhooks_actor *who, int64_t id,
		       const lf_webhooks_input *in, lf_webhook *out, lf_error *err);
/* Deletes it with its delivery log. */
int lf_webhooks_delete(lf_store *s, lf_arena *a, const lf_webhooks_actor *who, int64_t id,
		       lf_error *err);
/* Sends delivery did of webhook id again (also a delivered one), with
 * the same body and a fresh round of attempts; *out gets it. */
int lf_webhooks_redeliver(lf_store *s, lf_arena *a, const lf_webhooks_actor *who, int64_t id,
			  int64_t did, lf_webhook_delivery *out, lf_error *err);
/* Queues a PING delivery to webhook id (also an inactive one). */
int lf_webhooks_ping(lf_store *s, lf_arena *a, const lf_webhooks_actor *who, int64_t id,
		     lf_webhook_delivery *out, lf_error *err);

/*
 * Dispatches the sealed audit records after the cursor, a batch per write
 * transaction, until it finds fewer than a batch (or after a bounded
 * number of batches); *made (may be NULL) gets the deliveries written.
 * Safe to run in several processes at once (they take turns on the
 * cursor).
 */
int lf_webhooks_dispatch(lf_store *s, int *made);

/*
 * Makes sure webhook w's drain job runs at `at` (ms) or earlier, in the
 * caller's write transaction tx: queues one (delayed until at) unless
 * w's queued one runs by then already.
 */
int lf_webhooks_drain_soon(lf_tx *tx, int64_t project_id, int64_t webhook_id, int64_t at);

/*
 * Drains webhook wid (project pid, 0 global): sends up to a batch of its
 * due pending deliveries and records each attempt once (an attempt
 * recorded by another drainer meanwhile is left as it is), then queues
 * the next drain (see above); *again (may be NULL) is set when that one
 * is due now. A paused webhook's deliveries fail without a send, except
 * a test PING. job (may be NULL) is asked whether to stop between sends.
 * LF_OK also when the webhook is gone; another error only when the
 * database failed.
 */
int lf_webhooks_drain(lf_store *s, const lf_webhooks_opts *o, int64_t pid, int64_t wid,
		      const lf_job *job, int *again, char *err, size_t errlen);

/* The delay before retry n (1: the first retry) with base base_ms:
 * base * 3^(n-1), at most 6 hours, times a random factor in [0.75, 1). */
int64_t lf_webhooks_backoff(int base_ms, int n);

#endif
