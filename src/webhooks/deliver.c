/*
 * deliver.c - sending one webhook delivery (see webhooks.h): a signed
 * POST through net/outbound.h, its outcome recorded, and the next
 * attempt queued after the backoff when it failed.
 *
 * The request is made outside any transaction (a receiver may take the
 * whole timeout); the outcome is recorded only if this attempt was not
 * recorded by another worker meanwhile (a job taken over after a lost
 * lease), so each attempt is counted once.
 */
#include "webhooks/webhooks.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jobs.h"
#include "net/outbound.h"
#include "net/sign.h"

#define WHAT	     "the webhook url"
#define MAX_DELAY_MS (6LL * 3600 * 1000)

/* What one attempt found. */
struct attempt {
	long status;
	int64_t ms;
	char err[256];
	char excerpt[LF_WEBHOOKS_EXCERPT + 1];
	lf_outbound_body body; /* reads into excerpt */
};

struct record {
	const lf_webhooks_opts *o;
	const lf_webhook *w;
	lf_webhook_delivery *d;
	const struct attempt *at;
	int first;
	int last; /* no retry whatever the outcome (the webhook was paused) */
};

static int add_header(struct curl_slist **h, const char *line);
static int headers_of(const lf_webhook *w, const lf_webhook_delivery *d, struct curl_slist **h);
static void send_once(const lf_webhooks_opts *o, const lf_webhook *w, const lf_webhook_delivery *d,
		      struct attempt *at);
static int record_tx(lf_tx *tx, void *ud);

int64_t lf_webhooks_backoff(int base_ms, int n)
{
	double ms = base_ms;
	for (int i = 1; i < n && ms < (double)MAX_DELAY_MS; i++)
		ms *= 3;
	if (ms > (double)MAX_DELAY_MS)
		ms = (double)MAX_DELAY_MS;
	/* Jitter spreads the retries of many deliveries that failed
	 * together (a receiver that was down) instead of a burst. */
	return (int64_t)(ms * (0.75 + 0.25 * (double)randombytes_uniform(1000) / 1000.0));
}

static int add_header(struct curl_slist **h, const char *line)
{
	struct curl_slist *t = curl_slist_append(*h, line);
	if (t == NULL)
		return LF_ERR_NOMEM;
	*h = t;
	return LF_OK;
}

/* The signed headers, then the webhook's own extra ones. */
static int headers_of(const lf_webhook *w, const lf_webhook_delivery *d, struct curl_slist **h)
{
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
	char sig[LF_SIGN_HEADER], line[1200];
	json_t *extra = w->headers != NULL ? json_loads(w->headers, 0, NULL) : NULL;
	const char *k;
	json_t *v;
	int ret;
	lf_sign_key(w->secret, key);
	lf_sign_header(key, lf_now_ms() / 1000, d->payload, strlen(d->payload), sig);
	sodium_memzero(key, sizeof(key));
	snprintf(line, sizeof(line), "LabelFlow-Signature: %s", sig);
	if ((ret = add_header(h, "Content-Type: application/json")) != LF_OK ||
	    (ret = add_header(h, "Expect:")) != LF_OK || (ret = add_header(h, line)) != LF_OK)
		goto cleanup;
	snprintf(line, sizeof(line), "LabelFlow-Event: %s", d->event);
	if ((ret = add_header(h, line)) != LF_OK)
		goto cleanup;
	snprintf(line, sizeof(line), "LabelFlow-Delivery: %" PRId64, d->id);
	if ((ret = add_header(h, line)) != LF_OK)
		goto cleanup;
	json_object_foreach(extra, k, v)
	{
		snprintf(line, sizeof(line), "%s: %s", k, json_string_value(v));
		if ((ret = add_header(h, line)) != LF_OK)
			goto cleanup;
	}
cleanup:
	json_decref(extra);
	return ret;
}

/* The host is resolved and checked again at each send and libcurl pinned
 * to what was checked: a name that moved to an internal address since the
 * webhook was saved is refused now. */
static void send_once(const lf_webhooks_opts *o, const lf_webhook *w, const lf_webhook_delivery *d,
		      struct attempt *at)
{
	lf_outbound_allow *allow = NULL;
	lf_outbound_target t;
	struct curl_slist *hdrs = NULL, *pin = NULL;
	char curl_err[CURL_ERROR_SIZE] = "";
	CURL *c = NULL;
	CURLcode rc;
	int64_t start = lf_now_ms();
	at->body.data = at->excerpt;
	at->body.cap = LF_WEBHOOKS_EXCERPT;
	if (lf_outbound_ready() != LF_OK) {
		snprintf(at->err, sizeof(at->err), "libcurl failed to initialise");
		goto cleanup;
	}
	if (lf_outbound_allow_parse(o->allow, false, &allow, at->err, sizeof(at->err)) != LF_OK ||
	    lf_outbound_check(WHAT, allow, w->url, &t, at->err, sizeof(at->err)) != LF_OK)
		goto cleanup;
	snprintf(at->err, sizeof(at->err), "out of memory preparing the request");
	if (headers_of(w, d, &hdrs) != LF_OK || lf_outbound_pin(&t, &pin) != LF_OK ||
	    (c = curl_easy_init()) == NULL)
		goto cleanup;
	if (lf_outbound_curl_setup(c, w->url, pin, o->timeout_ms, &at->body, curl_err) != LF_OK ||
	    curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->payload) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(d->payload)) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "LabelFlow-Webhook/1") != CURLE_OK) {
		snprintf(at->err, sizeof(at->err), "libcurl refused the request options");
		goto cleanup;
	}
	rc = curl_easy_perform(c);
	/* A longer answer is cut at the excerpt: its status still counts. */
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && at->body.over)) {
		snprintf(at->err, sizeof(at->err), "%s",
			 curl_err[0] != '\0' ? curl_err : curl_easy_strerror(rc));
		goto cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &at->status);
	if (at->status >= 200 && at->status <= 299)
		at->err[0] = '\0';
	else if (at->status >= 300 && at->status <= 399)
		snprintf(at->err, sizeof(at->err), "HTTP %ld: redirects are not followed",
			 at->status);
	else
		snprintf(at->err, sizeof(at->err), "HTTP %ld", at->status);
cleanup:
	at->ms = lf_now_ms() - start;
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(pin);
	lf_outbound_allow_free(allow);
}

/* Every failure is retried, a 4xx too: a receiver that refuses today
 * (a deploy, a wrong token just fixed) often accepts tomorrow, and the
 * attempts are bounded. */
static int record_tx(lf_tx *tx, void *ud)
{
	struct record *r = ud;
	lf_webhook_delivery *d = r->d;
	int ok = r->at->status >= 200 && r->at->status <= 299;
	int64_t now = lf_now_ms(), delay = 0;
	int ret;
	d->attempts++;
	d->response_code = (int)r->at->status;
	d->last_error = ok ? NULL : r->at->err;
	d->response_excerpt = r->at->excerpt[0] != '\0' ? r->at->excerpt : NULL;
	d->duration_ms = r->at->ms;
	d->last_attempt_at = now;
	d->next_attempt_at = 0;
	d->delivered_at = ok ? now : 0;
	if (ok) {
		d->status = "delivered";
	} else if (!r->last && d->attempts - r->first + 1 < r->o->attempts) {
		d->status = "pending";
		delay = lf_webhooks_backoff(r->o->retry_ms, d->attempts - r->first + 1);
		d->next_attempt_at = now + delay;
	} else {
		d->status = "failed";
	}
	if ((ret = lf_store_delivery_attempted(tx, d)) != LF_OK || d->next_attempt_at == 0)
		return ret;
	json_t *p = json_pack("{s:I,s:I,s:I,s:i,s:i}", "project_id", (json_int_t)r->w->project_id,
			      "webhook_id", (json_int_t)r->w->id, "delivery_id", (json_int_t)d->id,
			      "attempt", d->attempts + 1, "first", r->first);
	ret = p != NULL ? lf_jobs_enqueue(tx, LF_WEBHOOKS_JOB, p, delay, NULL) : LF_ERR_NOMEM;
	json_decref(p);
	return ret;
}

int lf_webhooks_deliver(lf_store *s, const lf_webhooks_opts *o, int64_t pid, int64_t wid,
			int64_t did, int attempt, int first, char *err, size_t errlen)
{
	lf_arena *a = lf_arena_create();
	lf_tx *tx = NULL;
	lf_webhook w;
	lf_webhook_delivery d;
	struct attempt *at = NULL;
	int ret = LF_ERR_NOMEM;
	if (a == NULL || (at = calloc(1, sizeof(*at))) == NULL)
		goto cleanup;
	if ((ret = lf_store_begin(s, LF_TX_READ, a, &tx)) != LF_OK)
		goto cleanup;
	ret = lf_store_webhook_get(tx, pid, wid, &w);
	if (ret == LF_OK)
		ret = lf_store_delivery_get(tx, wid, did, &d);
	lf_store_rollback(tx);
	/* Gone with its webhook, or this attempt was made already. */
	if (ret == LF_ERR_NOTFOUND ||
	    (ret == LF_OK && (strcmp(d.status, "pending") != 0 || d.attempts != attempt - 1))) {
		ret = LF_OK;
		goto cleanup;
	}
	if (ret != LF_OK)
		goto cleanup;
	/* A paused webhook's pending deliveries fail at once (a redelivery
	 * sends them after it is active again); a test PING goes anyway. */
	int paused = !w.active && strcmp(d.event, "PING") != 0;
	if (paused)
		snprintf(at->err, sizeof(at->err), "the webhook is paused (inactive)");
	else
		send_once(o, &w, &d, at);
	struct record r = {.o = o, .w = &w, .d = &d, .at = at, .first = first, .last = paused};
	ret = lf_store_write(s, a, record_tx, &r);
	if (ret == LF_ERR_CONFLICT)
		ret = LF_OK;
	if (ret != LF_OK)
		snprintf(err, errlen, "webhook delivery %" PRId64 ": recording attempt %d failed",
			 did, attempt);
cleanup:
	free(at);
	lf_arena_destroy(a);
	return ret;
}
