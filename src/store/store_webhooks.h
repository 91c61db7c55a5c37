/*
 * store_webhooks.h - event webhooks, their deliveries and the dispatch
 * cursor into the audit trail. Included by store.h; the rules are in
 * src/webhooks/webhooks.h.
 */
#ifndef LF_STORE_WEBHOOKS_H
#define LF_STORE_WEBHOOKS_H

typedef struct lf_webhook {
	int64_t id;
	int64_t project_id; /* 0: global (every project) */
	const char *url;
	const char *events; /* JSON array text of event names; [] or ["*"]: all */
	int active;
	const char *secret;	  /* signs requests; never rendered after create */
	const char *headers;	  /* JSON object text of extra headers, or NULL */
	int64_t escrow_low_below; /* ESCROW_LOW under this available escrow; 0: never */
	int escrow_low;		  /* announced, not risen back above it since */
	int64_t created_by, created_at, updated_at;
} lf_webhook;

typedef struct lf_webhook_delivery {
	int64_t id, webhook_id;
	int64_t audit_seq; /* the event's record, 0 for a test PING */
	const char *event, *event_id;
	const char *payload; /* the JSON body sent */
	const char *status;  /* pending | delivered | failed */
	int attempts;
	int response_code; /* 0: no answer */
	const char *last_error, *response_excerpt;
	int64_t duration_ms;
	/* While pending, next_attempt_at is when it is due: a drainer sending
	 * it moves it a lease ahead, so a crashed drainer's deliveries come
	 * due again. */
	int64_t created_at, last_attempt_at, next_attempt_at, delivered_at; /* 0: none */
	int round_first; /* the attempt this round (send or redelivery) began with */
} lf_webhook_delivery;

/* Inserts w (id ignored); *id gets its id. */
int lf_store_webhook_insert(lf_tx *tx, const lf_webhook *w, int64_t *id);
/* Webhook id of project_id (0: a global one); LF_ERR_NOTFOUND if none. */
int lf_store_webhook_get(lf_tx *tx, int64_t project_id, int64_t id, lf_webhook *out);
/* Up to limit webhooks of project_id (0: the global ones) with id <
 * before (0: newest), newest first; *items in the transaction's arena. */
int lf_store_webhook_list(lf_tx *tx, int64_t project_id, int64_t before, int limit,
			  lf_webhook **items, int *n);
/* Every active webhook, by id (the dispatcher's). */
int lf_store_webhook_active(lf_tx *tx, lf_webhook **items, int *n);
/* Writes url, events, active, headers, escrow_low_below and updated_at of
 * w (found by id and project_id). LF_ERR_NOTFOUND when there is no such
 * webhook. */
int lf_store_webhook_update(lf_tx *tx, const lf_webhook *w);
/* Sets webhook id's escrow_low flag. */
int lf_store_webhook_set_low(lf_tx *tx, int64_t id, int low);
/* Deletes up to limit finished (delivered or failed) deliveries made
 * before before_ms; *n gets how many. */
int lf_store_delivery_prune(lf_tx *tx, int64_t before_ms, int limit, int64_t *n);
/* Deletes webhook id of project_id and its deliveries. */
int lf_store_webhook_delete(lf_tx *tx, int64_t project_id, int64_t id);

/* Inserts d (id ignored) unless the webhook has a delivery of the same
 * record and event: *id gets its id, or 0 for such a duplicate. */
int lf_store_delivery_insert(lf_tx *tx, const lf_webhook_delivery *d, int64_t *id);
/* Delivery id of webhook_id; LF_ERR_NOTFOUND if none. */
int lf_store_delivery_get(lf_tx *tx, int64_t webhook_id, int64_t id, lf_webhook_delivery *out);
/* Up to limit deliveries of webhook_id with id < before (0: newest),
 * newest first, of status (NULL: any); *items in the arena. */
int lf_store_delivery_list(lf_tx *tx, int64_t webhook_id, const char *status, int64_t before,
			   int limit, lf_webhook_delivery **items, int *n);
/* Records the outcome of attempt d->attempts (status, response code,
 * error, excerpt, duration, times), provided attempts - 1 were recorded
 * before: LF_ERR_CONFLICT otherwise (another worker recorded it). */
int lf_store_delivery_attempted(lf_tx *tx, const lf_webhook_delivery *d);
/* Makes delivery id pending again, due at now, its round beginning with
 * the next attempt (redelivery). */
int lf_store_delivery_reset(lf_tx *tx, int64_t id, int64_t now);
/* Up to limit pending deliveries of webhook_id due at now, earliest
 * first; *items in the arena. */
int lf_store_delivery_due(lf_tx *tx, int64_t webhook_id, int64_t now, int limit,
			  lf_webhook_delivery **items, int *n);
/* Leases pending delivery id, due at now, until `until` (its
 * next_attempt_at); LF_ERR_CONFLICT when it is no longer due (another
 * drainer took it). */
int lf_store_delivery_lease(lf_tx *tx, int64_t id, int64_t now, int64_t until);
/* Makes leased delivery id due at now again if its attempts are still
 * `attempts` (a drainer that ran out of time gives it back unsent). */
int lf_store_delivery_release(lf_tx *tx, int64_t id, int attempts, int64_t now);
/* *at gets the earliest next_attempt_at of webhook_id's pending
 * deliveries, leased ones included; 0 when none is pending. */
int lf_store_delivery_next_due(lf_tx *tx, int64_t webhook_id, int64_t *at);

/* Marks that webhook id's drain job runs at `at` unless one runs at or
 * before it already: *marked says whether the caller must queue it. */
int lf_store_webhook_drain_mark(lf_tx *tx, int64_t id, int64_t at, int *marked);
/* Clears webhook id's mark if its drain job was due by now (it runs). */
int lf_store_webhook_drain_clear(lf_tx *tx, int64_t id, int64_t now);

/* Locks the dispatch cursor for tx and reads it: the highest audit seq
 * dispatched. Concurrent dispatchers wait here for each other. */
int lf_store_webhook_cursor_lock(lf_tx *tx, int64_t *seq);
/* Moves the cursor to seq. */
int lf_store_webhook_cursor_set(lf_tx *tx, int64_t seq);

#endif
