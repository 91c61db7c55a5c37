/*
 * payout.h - payout adapters: the last step of moving earned money out of
 * LabelFlow, one payout item at a time.
 *
 * The ledger moves an item's amount payable -> payouts_pending when a batch
 * is created; the payout job then calls lf_payout_send for each item and
 * settles it (LF_OK), retries it with backoff (LF_ERR_IO) or fails it back
 * to payable (LF_ERR_INVALID, or LF_ERR_IO once retries are exhausted).
 * Adapters know nothing of the database or the ledger.
 *
 * Kinds:
 * - "csv": moves no money. Finance teams who pay by bank transfer receive
 *   one statement per batch, which the payout job writes with
 *   lf_payout_csv_header and lf_payout_csv_row; sending an item only
 *   records that it belongs to that statement.
 * - "webhook": POSTs each item as signed JSON to an HTTP(S) endpoint that
 *   performs the transfer. The receiver must deduplicate on the
 *   Idempotency-Key header: a timeout after the receiver acted is reported
 *   as LF_ERR_IO and the item is sent again with the same key.
 *
 * An adapter holds only immutable configuration, so one adapter may be
 * used by many threads at once.
 */
#ifndef LF_PAYOUT_H
#define LF_PAYOUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lf.h"

/* Suggested size of the external_ref buffer given to lf_payout_send. */
#define LF_PAYOUT_REF_MAX 256
/* Longest accepted idempotency key, in bytes. */
#define LF_PAYOUT_KEY_MAX 255

typedef struct lf_payout_item {
	int64_t id; /* payout item id, unique */
	int64_t batch_id;
	int64_t user_id;
	const char *email, *name; /* NULL is allowed: sent as null / empty */
	int64_t project_id;
	const char *currency;	     /* ISO 4217, three upper-case letters */
	int64_t amount;		     /* minor units, > 0 */
	const char *idempotency_key; /* stable per item across retries: "<batch key>:<item id>" */
} lf_payout_item;

typedef struct lf_payout_adapter lf_payout_adapter;

/*
 * Checks what every adapter relies on: ids > 0, amount > 0, currency of
 * three upper-case ASCII letters, idempotency key of 1..LF_PAYOUT_KEY_MAX
 * visible ASCII characters (no space or control character, since it
 * travels in an HTTP header). LF_OK or LF_ERR_INVALID with a sentence in
 * err (err may be NULL when errlen is 0).
 */
int lf_payout_item_valid(const lf_payout_item *item, char *err, size_t errlen);

/*
 * Creates an adapter of the given kind from its configuration:
 * - "csv": config NULL or an empty object.
 * - "webhook": {"url": "http(s)://host/...", "secret": "...",
 *   "timeout_ms": 1..600000 (optional, default 10000), "allow": the
 *   internal addresses and hosts it may reach anyway (optional; the
 *   LABELFLOW_OUTBOUND_ALLOW list, net/outbound.h), "allow_private": true
 *   to allow every internal address (see lf_payout_webhook_check)}. The
 *   secret may have any length: the HMAC key is its SHA-256 (see
 *   net/sign.h).
 * Unknown kinds, unknown keys, missing or mistyped values and non-http(s)
 * URLs give LF_ERR_INVALID with a sentence in err. Owner: caller, released
 * with lf_payout_adapter_free.
 */
int lf_payout_adapter_new(const char *kind, const json_t *config, lf_payout_adapter **out,
			  char *err, size_t errlen);
/*
 * Checks that a webhook url may be paid through (lf_outbound_check): http(s),
 * and a host that resolves to no internal address (loopback, private,
 * link-local, unique-local, multicast, unspecified, in any numeric
 * spelling or IPv4-mapped) unless the allow-list allow (NULL: empty; a bad
 * list is LF_ERR_INVALID) permits it, or allow_private. The adapter checks
 * again at each send and connects to the address it checked. Returns
 * LF_OK, LF_ERR_INVALID (refused, or a name that does not exist) or
 * LF_ERR_IO (DNS unavailable), with a sentence in err.
 */
int lf_payout_webhook_check(const char *url, const char *allow, bool allow_private, char *err,
			    size_t errlen);
/* Releases the adapter and wipes its key material. NULL is allowed. */
void lf_payout_adapter_free(lf_payout_adapter *a);
/* The adapter's kind ("csv" or "webhook"), a static string. */
const char *lf_payout_adapter_kind(const lf_payout_adapter *a);

/*
 * Pays one item through the adapter.
 * - LF_OK: paid. external_ref (caller buffer of reflen bytes, NULL allowed
 *   when reflen is 0) receives the provider's reference: "statement" for
 *   csv; for webhook the string field "reference" of the JSON answer, else
 *   "http-<status>". A longer reference is truncated (err says so).
 * - LF_ERR_IO: transient (network error, timeout, HTTP 408, 429, 5xx): the
 *   caller retries later with the same item and idempotency key.
 * - LF_ERR_INVALID: permanent (invalid item, other 4xx, 3xx since
 *   redirects are never followed): the caller fails the item.
 * - LF_ERR_NOMEM: out of memory; treat as transient.
 * err receives a sentence in every case. It names the endpoint's host but
 * never its full URL, which may carry credentials.
 */
int lf_payout_send(lf_payout_adapter *a, const lf_payout_item *item, char *external_ref,
		   size_t reflen, char *err, size_t errlen);

/*
 * The CSV statement's header line, ending in CRLF (RFC 4180):
 * "item_id,batch_id,user_id,email,name,project_id,currency,amount_minor,
 * amount,idempotency_key\r\n". Static string.
 */
const char *lf_payout_csv_header(void);
/*
 * Renders one item as a statement line ending in CRLF into buf (len bytes,
 * NUL-terminated); *written (NULL allowed) gets its length without the NUL.
 * amount_minor is the integer amount; amount its decimal rendering from the
 * currency's exponent (lf_ledger_currency_exponent: 0 for JPY and KRW, 3
 * for KWD, BHD, ..., 2 for most others), computed with integers only. A text field starting with
 * '=',
 * '+', '-', '@', TAB or CR is prefixed with a single quote so spreadsheets
 * do not run it as a formula (OWASP CSV injection); a field containing a
 * comma, double quote, CR or LF is quoted, inner quotes doubled.
 * LF_ERR_INVALID for an invalid item (see lf_payout_item_valid),
 * LF_ERR_LIMIT when buf is too small; on failure buf holds "" (if len > 0).
 */
int lf_payout_csv_row(char *buf, size_t len, const lf_payout_item *item, size_t *written);

#endif
