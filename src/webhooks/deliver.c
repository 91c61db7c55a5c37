/*
 * deliver.c - draining a webhook (see webhooks.h): a batch of its due
 * deliveries taken and leased in one write transaction, sent as signed
 * POSTs through net/outbound.h, their outcomes recorded in one more, and
 * the next drain queued.
 *
 * The requests are made outside any transaction (a receiver may take the
 * whole timeout), up to DRAIN_PARALLEL at once on one curl multi handle,
 * whose connections to the receiver are kept alive and reused; the URL is
 * checked and its address pinned once per drain. New sends start only in
 * the first half of the lease; one that outlives the lease (a slow
 * receiver) may be taken and sent again by the next drain. An outcome is
 * recorded only if its attempt was not recorded meanwhile, so each
 * attempt is counted once.
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
#include "webhooks/events.h"

#define WHAT	     "the webhook url"
#define MAX_DELAY_MS (6LL * 3600 * 1000)
/* Requests of one drain in flight at most: enough to hide a receiver's
 * latency, few enough not to flood it. */
#define DRAIN_PARALLEL 6

/* What one attempt found. */
struct attempt {
	long status;
	int64_t ms;
	char err[256];
	char excerpt[LF_WEBHOOKS_EXCERPT + 1];
	lf_outbound_body body; /* reads into excerpt */
};

/* A request in flight. */
struct slot {
	CURL *c;
	struct curl_slist *hdrs;
	struct attempt *at; /* NULL: free */
	int64_t start;
	char curl_err[CURL_ERROR_SIZE];
};

/* One drain's connections: the URL checked and pinned once. */
struct sender {
	lf_outbound_allow *allow;
	lf_outbound_target t;
	struct curl_slist *pin;
	CURLM *m; /* NULL: nothing can be sent, err says why */
	struct slot slot[DRAIN_PARALLEL];
	int opened;
	char err[256];
};

struct drain {
	const lf_webhooks_opts *o;
	int64_t pid, wid;
	int batch;
	int found; /* the webhook exists */
	lf_webhook w;
	lf_webhook_delivery *d; /* taken, in the drain's arena */
	int n;
	struct attempt *at; /* n of them */
	int sent;	    /* d[0..sent) were attempted, the rest given back */
	int paused;
	int again;
};

static int add_header(struct curl_slist **h, const char *line);
static int headers_of(const lf_webhook *w, const lf_webhook_delivery *d, struct curl_slist **h);
static void sender_open(struct sender *sn, const lf_webhooks_opts *o, const lf_webhook *w);
static void sender_close(struct sender *sn);
static int send_start(struct sender *sn, const lf_webhooks_opts *o, const lf_webhook *w,
		      const lf_webhook_delivery *d, struct attempt *at);
static void send_done(struct sender *sn, struct slot *sl, CURLcode rc);
static int send_wait(struct sender *sn);
static int record_one(lf_tx *tx, const struct drain *dr, lf_webhook_delivery *d,
		      const struct attempt *at);
static int take_tx(lf_tx *tx, void *ud);
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

/* The host is resolved and checked once per drain (not once per
 * webhook's life) and libcurl pinned to what was checked: a name that
 * moved to an internal address since the webhook was saved is refused at
 * the next drain. */
static void sender_open(struct sender *sn, const lf_webhooks_opts *o, const lf_webhook *w)
{
	snprintf(sn->err, sizeof(sn->err), "libcurl failed to initialise");
	if (lf_outbound_ready() != LF_OK ||
	    lf_outbound_allow_parse(o->allow, false, &sn->allow, sn->err, sizeof(sn->err)) !=
		LF_OK ||
	    lf_outbound_check(WHAT, sn->allow, w->url, &sn->t, sn->err, sizeof(sn->err)) != LF_OK)
		return;
	snprintf(sn->err, sizeof(sn->err), "out of memory preparing the request");
	if (lf_outbound_pin(&sn->t, &sn->pin) != LF_OK || (sn->m = curl_multi_init()) == NULL)
		return;
	for (int i = 0; i < DRAIN_PARALLEL; i++)
		if ((sn->slot[i].c = curl_easy_init()) == NULL) {
			curl_multi_cleanup(sn->m);
			sn->m = NULL;
			return;
		}
}

static void sender_close(struct sender *sn)
{
	for (int i = 0; i < DRAIN_PARALLEL; i++) {
		if (sn->slot[i].at != NULL)
			curl_multi_remove_handle(sn->m, sn->slot[i].c);
		curl_easy_cleanup(sn->slot[i].c);
		curl_slist_free_all(sn->slot[i].hdrs);
	}
	curl_multi_cleanup(sn->m);
	curl_slist_free_all(sn->pin);
	lf_outbound_allow_free(sn->allow);
}

/* Starts d's request in a free slot (there is one: the caller keeps
 * fewer than DRAIN_PARALLEL in flight). A handle keeps its connection
 * between sends; every option a send needs is set again, so no request
 * inherits another's. LF_OK when it is in flight, else at says why. */
static int send_start(struct sender *sn, const lf_webhooks_opts *o, const lf_webhook *w,
		      const lf_webhook_delivery *d, struct attempt *at)
{
	struct slot *sl = sn->slot;
	while (sl->at != NULL)
		sl++;
	at->body.data = at->excerpt;
	at->body.cap = LF_WEBHOOKS_EXCERPT;
	if (sn->m == NULL) {
		snprintf(at->err, sizeof(at->err), "%s", sn->err);
		return LF_ERR_IO;
	}
	sl->start = lf_now_ms();
	sl->curl_err[0] = '\0';
	if (headers_of(w, d, &sl->hdrs) != LF_OK) {
		snprintf(at->err, sizeof(at->err), "out of memory preparing the request");
		goto fail;
	}
	if (lf_outbound_curl_setup(sl->c, w->url, sn->pin, o->timeout_ms, &at->body,
				   sl->curl_err) != LF_OK ||
	    curl_easy_setopt(sl->c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(sl->c, CURLOPT_POSTFIELDS, d->payload) != CURLE_OK ||
	    curl_easy_setopt(sl->c, CURLOPT_POSTFIELDSIZE, (long)strlen(d->payload)) != CURLE_OK ||
	    curl_easy_setopt(sl->c, CURLOPT_HTTPHEADER, sl->hdrs) != CURLE_OK ||
	    curl_easy_setopt(sl->c, CURLOPT_USERAGENT, "LabelFlow-Webhook/1") != CURLE_OK ||
	    curl_multi_add_handle(sn->m, sl->c) != CURLM_OK) {
		snprintf(at->err, sizeof(at->err), "libcurl refused the request options");
		goto fail;
	}
	sl->at = at;
	return LF_OK;
fail:
	curl_slist_free_all(sl->hdrs);
	sl->hdrs = NULL;
	return LF_ERR_INTERNAL;
}

/* Ends slot sl's request with libcurl's result rc. */
static void send_done(struct sender *sn, struct slot *sl, CURLcode rc)
{
	struct attempt *at = sl->at;
	curl_multi_remove_handle(sn->m, sl->c);
	curl_easy_setopt(sl->c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(sl->hdrs);
	sl->hdrs = NULL;
	sl->at = NULL;
	at->ms = lf_now_ms() - sl->start;
	/* A longer answer is cut at the excerpt: its status still counts. */
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && at->body.over)) {
		snprintf(at->err, sizeof(at->err), "%s",
			 sl->curl_err[0] != '\0' ? sl->curl_err : curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(sl->c, CURLINFO_RESPONSE_CODE, &at->status);
	if (at->status >= 200 && at->status <= 299)
		at->err[0] = '\0';
	else if (at->status >= 300 && at->status <= 399)
		snprintf(at->err, sizeof(at->err), "HTTP %ld: redirects are not followed",
			 at->status);
	else
		snprintf(at->err, sizeof(at->err), "HTTP %ld", at->status);
}

/* Runs the requests in flight until at least one ended; returns how many
 * ended. Each has its own timeout, so this returns; should libcurl's
 * multi interface itself fail, every request in flight ends failed. */
static int send_wait(struct sender *sn)
{
	int running = 0, ended = 0, left = 0;
	CURLMsg *msg;
	while (ended == 0) {
		if (curl_multi_perform(sn->m, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(sn->m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (int i = 0; i < DRAIN_PARALLEL; i++)
				if (sn->slot[i].at != NULL && sn->slot[i].c == msg->easy_handle) {
					send_done(sn, &sn->slot[i], msg->data.result);
					ended++;
					break;
				}
		}
		if (ended == 0 && curl_multi_poll(sn->m, NULL, 0, 100, NULL) != CURLM_OK)
			break;
	}
	if (ended == 0)
		for (int i = 0; i < DRAIN_PARALLEL; i++)
			if (sn->slot[i].at != NULL) {
				send_done(sn, &sn->slot[i], CURLE_FAILED_INIT);
				ended++;
			}
	return ended;
}

/* Every failure is retried, a 4xx too: a receiver that refuses today
 * (a deploy, a wrong token just fixed) often accepts tomorrow, and the
 * attempts are bounded. A paused webhook's deliveries are not. */
static int record_one(lf_tx *tx, const struct drain *dr, lf_webhook_delivery *d,
		      const struct attempt *at)
{
	int ok = at->status >= 200 && at->status <= 299;
	int last = dr->paused && strcmp(d->event, LF_WEBHOOK_PING) != 0;
	int first = d->round_first > 0 ? d->round_first : 1;
	int64_t now = lf_now_ms();
	d->attempts++;
	d->response_code = (int)at->status;
	d->last_error = ok ? NULL : at->err;
	d->response_excerpt = at->excerpt[0] != '\0' ? at->excerpt : NULL;
	d->duration_ms = at->ms;
	d->last_attempt_at = now;
	d->next_attempt_at = 0;
	d->delivered_at = ok ? now : 0;
	if (ok) {
		d->status = "delivered";
	} else if (!last && d->attempts - first + 1 < dr->o->attempts) {
		d->status = "pending";
		d->next_attempt_at =
		    now + lf_webhooks_backoff(dr->o->retry_ms, d->attempts - first + 1);
	} else {
		d->status = "failed";
	}
	int ret = lf_store_delivery_attempted(tx, d);
	return ret == LF_ERR_CONFLICT ? LF_OK : ret;
}

/* Clears the drain mark first: a dispatch committing after this
 * transaction queues a new drain for what it adds. */
static int take_tx(lf_tx *tx, void *ud)
{
	struct drain *dr = ud;
	lf_webhook_delivery *due = NULL;
	int n = 0, ret;
	int64_t now = lf_now_ms();
	dr->n = 0;
	dr->found = 0;
	if ((ret = lf_store_webhook_drain_clear(tx, dr->wid, now)) != LF_OK)
		return ret;
	ret = lf_store_webhook_get(tx, dr->pid, dr->wid, &dr->w);
	if (ret == LF_ERR_NOTFOUND)
		return LF_OK;
	if (ret != LF_OK ||
	    (ret = lf_store_delivery_due(tx, dr->wid, now, dr->batch, &due, &n)) != LF_OK)
		return ret;
	dr->found = 1;
	dr->d = due;
	for (int i = 0; i < n; i++) {
		ret = lf_store_delivery_lease(tx, due[i].id, now, now + dr->o->lease_ms);
		if (ret == LF_ERR_CONFLICT)
			continue;
		if (ret != LF_OK)
			return ret;
		due[dr->n++] = due[i];
	}
	dr->again = n == dr->batch;
	return LF_OK;
}

/* Deliveries not sent (the drain ran out of time) are due again now. */
static int record_tx(lf_tx *tx, void *ud)
{
	struct drain *dr = ud;
	int64_t now = lf_now_ms(), next = 0;
	int ret = LF_OK;
	for (int i = 0; i < dr->n && ret == LF_OK; i++) {
		lf_webhook_delivery d = dr->d[i];
		ret = i < dr->sent ? record_one(tx, dr, &d, &dr->at[i])
				   : lf_store_delivery_release(tx, d.id, d.attempts, now);
	}
	if (ret != LF_OK)
		return ret;
	if (dr->again || dr->sent < dr->n)
		next = now;
	else if ((ret = lf_store_delivery_next_due(tx, dr->wid, &next)) != LF_OK)
		return ret;
	return next > 0 ? lf_webhooks_drain_soon(tx, dr->pid, dr->wid, next) : LF_OK;
}

int lf_webhooks_drain_soon(lf_tx *tx, int64_t project_id, int64_t webhook_id, int64_t at)
{
	int marked = 0, ret = lf_store_webhook_drain_mark(tx, webhook_id, at, &marked);
	if (ret != LF_OK || !marked)
		return ret;
	int64_t delay = at - lf_now_ms();
	json_t *p = json_pack("{s:I,s:I}", "project_id", (json_int_t)project_id, "webhook_id",
			      (json_int_t)webhook_id);
	ret = p != NULL ? lf_jobs_enqueue(tx, LF_WEBHOOKS_JOB, p, delay > 0 ? delay : 0, NULL)
			: LF_ERR_NOMEM;
	json_decref(p);
	return ret;
}

int lf_webhooks_drain(lf_store *s, const lf_webhooks_opts *o, int64_t pid, int64_t wid,
		      const lf_job *job, int *again, char *err, size_t errlen)
{
	lf_arena *a = lf_arena_create();
	struct drain dr = {.o = o, .pid = pid, .wid = wid};
	struct sender sn = {0};
	int ret = LF_ERR_NOMEM;
	dr.batch = o->batch > 0 ? o->batch : LF_WEBHOOKS_BATCH;
	if (a == NULL)
		goto cleanup;
	if ((ret = lf_store_write(s, a, take_tx, &dr)) != LF_OK) {
		snprintf(err, errlen, "webhook %" PRId64 ": taking deliveries failed", wid);
		goto cleanup;
	}
	if (!dr.found)
		goto cleanup;
	if (dr.n > 0 && (dr.at = calloc((size_t)dr.n, sizeof(*dr.at))) == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	/* A paused webhook's pending deliveries fail at once (a redelivery
	 * sends them after it is active again); a test PING goes anyway. */
	dr.paused = !dr.w.active;
	int64_t start = lf_now_ms();
	int flying = 0, stop = 0;
	for (;;) {
		while (!stop && dr.sent < dr.n && flying < DRAIN_PARALLEL) {
			lf_webhook_delivery *d = &dr.d[dr.sent];
			struct attempt *at = &dr.at[dr.sent];
			if (dr.paused && strcmp(d->event, LF_WEBHOOK_PING) != 0) {
				snprintf(at->err, sizeof(at->err),
					 "the webhook is paused (inactive)");
				dr.sent++;
				continue;
			}
			/* Half the lease for starting sends, so the batch is
			 * recorded before its deliveries come due for another
			 * drainer; the rest is given back. */
			if (lf_now_ms() - start > o->lease_ms / 2 ||
			    (job != NULL && lf_jobs_stopping(job))) {
				stop = 1;
				break;
			}
			if (!sn.opened++)
				sender_open(&sn, o, &dr.w);
			flying += send_start(&sn, o, &dr.w, d, at) == LF_OK;
			dr.sent++;
		}
		if (flying == 0)
			break;
		flying -= send_wait(&sn);
	}
	ret = lf_store_write(s, a, record_tx, &dr);
	if (ret != LF_OK)
		snprintf(err, errlen, "webhook %" PRId64 ": recording %d attempt(s) failed", wid,
			 dr.sent);
cleanup:
	if (again != NULL)
		*again = ret == LF_OK && dr.found && (dr.again || dr.sent < dr.n);
	sender_close(&sn);
	free(dr.at);
	lf_arena_destroy(a);
	return ret;
}
