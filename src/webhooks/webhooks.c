/*
 * webhooks.c - webhook administration, redelivery, test pings and the
 * dispatcher that turns sealed audit records into deliveries (see
 * webhooks.h; draining, which sends, is in deliver.c).
 */
#include "webhooks/webhooks.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "ledger/ledger.h"
#include "net/outbound.h"
#include "webhooks/events.h"

/* Records one dispatch transaction reads at most: bounds its time on the
 * writer (other writes queue behind it on SQLite). */
#define DISPATCH_BATCH 1000
/* Transactions one dispatch call runs at most while it finds full
 * batches: catching up after a pause, without holding its thread. */
#define DISPATCH_ROUNDS 20
/* Bytes of random secret, as hex after "whsec_". */
#define SECRET_BYTES 24
/* What outbound messages call the URL. */
#define WHAT "the webhook url"

struct admin {
	const lf_webhooks_actor *who;
	const lf_webhooks_input *in;
	int64_t id, did;
	const char *events, *headers; /* checked input as stored text */
	lf_webhook *out;
	lf_webhook_delivery *dout;
	lf_error *err;
};

struct dispatch {
	int made;		 /* deliveries written */
	int read;		 /* records read */
	const lf_webhook *hooks; /* the active webhooks */
	char *fresh;		 /* per hook: got a delivery in this transaction */
};

static int check_url(const lf_webhooks_actor *who, const char *url, lf_error *err);
static int check_events(const json_t *events, const char **text, lf_error *err);
static int check_headers(const json_t *headers, const char **text, lf_error *err);
static int check_input(struct admin *ad, lf_arena *a, int creating);
static int audit(lf_tx *tx, const struct admin *ad, const char *action, int64_t id);
static int create_tx(lf_tx *tx, void *ud);
static int update_tx(lf_tx *tx, void *ud);
static int delete_tx(lf_tx *tx, void *ud);
static int redeliver_tx(lf_tx *tx, void *ud);
static int ping_tx(lf_tx *tx, void *ud);
static int facts_of(lf_tx *tx, const lf_audit_row *rec, lf_task *task, lf_annotation *ann,
		    lf_project *proj, lf_webhook_facts *f);
static int deliver_event(lf_tx *tx, struct dispatch *d, const lf_webhook *w,
			 const lf_audit_row *rec, const char *event, const char *body);
static int escrow_check(lf_tx *tx, struct dispatch *d, const lf_audit_row *rec, lf_webhook *hooks,
			int nhooks);
static int dispatch_record(lf_tx *tx, struct dispatch *d, const lf_audit_row *rec,
			   lf_webhook *hooks, int nhooks);
static int dispatch_tx(lf_tx *tx, void *ud);

/* Checked at create and update with the same rules each send applies
 * again, so a refused URL is an error now, not a failed delivery later. */
static int check_url(const lf_webhooks_actor *who, const char *url, lf_error *err)
{
	lf_outbound_target t;
	lf_outbound_allow *allow = NULL;
	char msg[256] = "";
	int ret;
	if (strlen(url) > LF_WEBHOOKS_URL_MAX)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_url",
				    "The url is longer than %d bytes.", LF_WEBHOOKS_URL_MAX);
	ret = lf_outbound_allow_parse(who->allow, false, &allow, msg, sizeof(msg));
	if (ret == LF_OK)
		ret = lf_outbound_check(WHAT, allow, url, &t, msg, sizeof(msg));
	lf_outbound_allow_free(allow);
	if (ret == LF_ERR_INVALID)
		return lf_error_set(err, ret, "invalid_url", "%s", msg);
	if (ret != LF_OK)
		return lf_error_set(err, ret, "unavailable", "The url could not be checked: %s",
				    msg);
	return LF_OK;
}

static int check_events(const json_t *events, const char **text, lf_error *err)
{
	size_t i;
	json_t *v;
	if (!json_is_array(events))
		return lf_error_set(err, LF_ERR_INVALID, "invalid_events",
				    "events must be an array of event names (or [\"*\"]).");
	json_array_foreach(events, i, v)
	{
		const char *s = json_string_value(v);
		if (s == NULL || (strcmp(s, "*") != 0 && !lf_webhook_event_known(s)))
			return lf_error_set(err, LF_ERR_INVALID, "invalid_events",
					    "events[%zu] is not an event name (see GET /meta or "
					    "the OpenAPI WebhookEventName).",
					    i);
	}
	*text = json_dumps(events, JSON_COMPACT);
	return *text != NULL ? LF_OK : LF_ERR_NOMEM;
}

/* Extra headers may carry a receiver's own token, but never replace the
 * ones the signature and the protocol rest on. */
static int check_headers(const json_t *headers, const char **text, lf_error *err)
{
	const char *k;
	json_t *v;
	if (headers == NULL || json_is_null(headers)) {
		*text = NULL;
		return LF_OK;
	}
	if (!json_is_object(headers) || json_object_size(headers) > LF_WEBHOOKS_HEADERS_MAX)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_headers",
				    "headers must be an object of at most %d string values.",
				    LF_WEBHOOKS_HEADERS_MAX);
	json_object_foreach((json_t *)headers, k, v)
	{
		size_t n = strlen(k);
		int ok = n > 0 && n <= 64;
		for (size_t i = 0; ok && i < n; i++)
			ok = (k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
			     (k[i] >= '0' && k[i] <= '9') || k[i] == '-';
		const char *s = json_string_value(v);
		if (!ok || s == NULL || strlen(s) > 1024 || strpbrk(s, "\r\n") != NULL ||
		    strncasecmp(k, "LabelFlow-", 10) == 0 || strcasecmp(k, "Content-Type") == 0 ||
		    strcasecmp(k, "Content-Length") == 0 || strcasecmp(k, "Host") == 0 ||
		    strcasecmp(k, "Transfer-Encoding") == 0 || strcasecmp(k, "Expect") == 0)
			return lf_error_set(
			    err, LF_ERR_INVALID, "invalid_headers",
			    "header '%.64s' is not allowed: names are letters, "
			    "digits and '-', values one line of at most 1024 bytes, "
			    "and LabelFlow-*, Content-Type, Content-Length, Host, "
			    "Transfer-Encoding and Expect are set by LabelFlow.",
			    k);
	}
	*text = json_dumps(headers, JSON_COMPACT);
	return *text != NULL ? LF_OK : LF_ERR_NOMEM;
}

/* Turns the input into stored text in arena a. */
static int check_input(struct admin *ad, lf_arena *a, int creating)
{
	const lf_webhooks_input *in = ad->in;
	const char *ev = NULL, *hd = NULL;
	int ret = LF_OK;
	if (creating && in->url == NULL)
		return lf_error_set(ad->err, LF_ERR_INVALID, "invalid_url", "url is required.");
	if (in->url != NULL && (ret = check_url(ad->who, in->url, ad->err)) != LF_OK)
		return ret;
	if (in->secret != NULL && (strlen(in->secret) < 16 || strlen(in->secret) > 256))
		return lf_error_set(ad->err, LF_ERR_INVALID, "invalid_secret",
				    "secret must be 16 to 256 characters.");
	if (in->events != NULL && (ret = check_events(in->events, &ev, ad->err)) != LF_OK)
		return ret;
	if (in->headers != NULL && (ret = check_headers(in->headers, &hd, ad->err)) != LF_OK)
		goto cleanup;
	ret = LF_ERR_NOMEM;
	ad->events = ev != NULL ? lf_arena_strdup(a, ev) : NULL;
	ad->headers = hd != NULL ? lf_arena_strdup(a, hd) : NULL;
	if ((ev != NULL && ad->events == NULL) || (hd != NULL && ad->headers == NULL))
		goto cleanup;
	ret = LF_OK;
cleanup:
	free((void *)ev);
	free((void *)hd);
	return ret;
}

/* The record says what changed, never the secret or header values. */
static int audit(lf_tx *tx, const struct admin *ad, const char *action, int64_t id)
{
	char eid[32];
	const lf_webhook *w = ad->out;
	snprintf(eid, sizeof(eid), "%lld", (long long)id);
	json_t *d = w != NULL ? json_pack("{s:s,s:o,s:b}", "url", w->url, "events",
					  json_loads(w->events, 0, NULL), "active", w->active)
			      : json_object();
	lf_audit_event ev = {.actor_id = ad->who->user_id,
			     .actor_role = ad->who->role,
			     .action = action,
			     .entity_type = "webhook",
			     .entity_id = eid,
			     .project_id = ad->who->project_id,
			     .details = d};
	int ret = d != NULL ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(d);
	return ret;
}

static int create_tx(lf_tx *tx, void *ud)
{
	struct admin *ad = ud;
	const lf_webhooks_input *in = ad->in;
	lf_webhook *w = ad->out;
	lf_project p;
	unsigned char raw[SECRET_BYTES];
	char hex[2 * SECRET_BYTES + 1];
	int ret;
	int64_t now = lf_now_ms();
	if (ad->who->project_id != 0 &&
	    (ret = lf_store_project_get(tx, ad->who->project_id, &p)) != LF_OK)
		return lf_error_default(ad->err, ret, "project");
	memset(w, 0, sizeof(*w));
	w->project_id = ad->who->project_id;
	w->url = in->url;
	w->events = ad->events != NULL ? ad->events : "[]";
	w->active = in->active != 0;
	w->headers = ad->headers;
	w->escrow_low_below = in->escrow_low_below > 0 ? in->escrow_low_below : 0;
	w->created_by = ad->who->user_id;
	w->created_at = w->updated_at = now;
	if (in->secret != NULL) {
		w->secret = in->secret;
	} else {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
		w->secret = lf_arena_printf(lf_store_arena(tx), "whsec_%s", hex);
		sodium_memzero(raw, sizeof(raw));
		sodium_memzero(hex, sizeof(hex));
		if (w->secret == NULL)
			return LF_ERR_NOMEM;
	}
	if ((ret = lf_store_webhook_insert(tx, w, &w->id)) != LF_OK)
		return ret;
	return audit(tx, ad, "webhook.create", w->id);
}

int lf_webhooks_create(lf_store *s, lf_arena *a, const lf_webhooks_actor *who,
		       const lf_webhooks_input *in, lf_webhook *out, lf_error *err)
{
	struct admin ad = {.who = who, .in = in, .out = out, .err = err};
	int ret = check_input(&ad, a, 1);
	return ret != LF_OK ? ret : lf_store_write(s, a, create_tx, &ad);
}

static int update_tx(lf_tx *tx, void *ud)
{
	struct admin *ad = ud;
	lf_webhook *w = ad->out;
	int ret = lf_store_webhook_get(tx, ad->who->project_id, ad->id, w);
	if (ret != LF_OK)
		return lf_error_default(ad->err, ret, "webhook");
	if (ad->in->url != NULL)
		w->url = ad->in->url;
	if (ad->events != NULL)
		w->events = ad->events;
	if (ad->in->active >= 0)
		w->active = ad->in->active;
	if (ad->in->headers != NULL)
		w->headers = ad->headers;
	if (ad->in->escrow_low_below >= 0)
		w->escrow_low_below = ad->in->escrow_low_below;
	w->updated_at = lf_now_ms();
	if ((ret = lf_store_webhook_update(tx, w)) != LF_OK)
		return ret;
	return audit(tx, ad, "webhook.update", w->id);
}

int lf_webhooks_update(lf_store *s, lf_arena *a, const lf_webhooks_actor *who, int64_t id,
		       const lf_webhooks_input *in, lf_webhook *out, lf_error *err)
{
	struct admin ad = {.who = who, .in = in, .id = id, .out = out, .err = err};
	int ret;
	if (in->secret != NULL)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_secret",
				    "The secret cannot be changed: create a new webhook.");
	ret = check_input(&ad, a, 0);
	return ret != LF_OK ? ret : lf_store_write(s, a, update_tx, &ad);
}

static int delete_tx(lf_tx *tx, void *ud)
{
	struct admin *ad = ud;
	int ret = lf_store_webhook_delete(tx, ad->who->project_id, ad->id);
	if (ret != LF_OK)
		return lf_error_default(ad->err, ret, "webhook");
	return audit(tx, ad, "webhook.delete", ad->id);
}

int lf_webhooks_delete(lf_store *s, lf_arena *a, const lf_webhooks_actor *who, int64_t id,
		       lf_error *err)
{
	struct admin ad = {.who = who, .id = id, .err = err};
	return lf_store_write(s, a, delete_tx, &ad);
}

static int redeliver_tx(lf_tx *tx, void *ud)
{
	struct admin *ad = ud;
	lf_webhook w;
	int ret = lf_store_webhook_get(tx, ad->who->project_id, ad->id, &w);
	if (ret == LF_OK)
		ret = lf_store_delivery_get(tx, w.id, ad->did, ad->dout);
	if (ret != LF_OK)
		return lf_error_default(ad->err, ret, "delivery");
	int64_t now = lf_now_ms();
	if ((ret = lf_store_delivery_reset(tx, ad->did, now)) != LF_OK)
		return ret;
	ad->dout->status = "pending";
	ad->dout->next_attempt_at = now;
	ad->dout->round_first = ad->dout->attempts + 1;
	return lf_webhooks_drain_soon(tx, w.project_id, w.id, now);
}

int lf_webhooks_redeliver(lf_store *s, lf_arena *a, const lf_webhooks_actor *who, int64_t id,
			  int64_t did, lf_webhook_delivery *out, lf_error *err)
{
	struct admin ad = {.who = who, .id = id, .did = did, .dout = out, .err = err};
	return lf_store_write(s, a, redeliver_tx, &ad);
}

static int ping_tx(lf_tx *tx, void *ud)
{
	struct admin *ad = ud;
	lf_webhook w;
	lf_webhook_delivery *d = ad->dout;
	char id[64], at[32];
	unsigned char nonce[8];
	char nhex[17];
	int ret = lf_store_webhook_get(tx, ad->who->project_id, ad->id, &w);
	if (ret != LF_OK)
		return lf_error_default(ad->err, ret, "webhook");
	int64_t now = lf_now_ms();
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(nhex, sizeof(nhex), nonce, sizeof(nonce));
	snprintf(id, sizeof(id), "ping.%s", nhex);
	lf_webhook_iso(now, at);
	json_t *body =
	    json_pack("{s:s,s:s,s:s,s:s,s:{s:I},s:{s:I}}", "id", id, "event", LF_WEBHOOK_PING,
		      "action", LF_WEBHOOK_PING, "created_at", at, "webhook", "id",
		      (json_int_t)w.id, "project", "id", (json_int_t)w.project_id);
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL)
		return LF_ERR_NOMEM;
	memset(d, 0, sizeof(*d));
	d->webhook_id = w.id;
	d->event = LF_WEBHOOK_PING;
	d->event_id = lf_arena_strdup(lf_store_arena(tx), id);
	d->payload = lf_arena_strdup(lf_store_arena(tx), text);
	d->status = "pending";
	d->created_at = d->next_attempt_at = now;
	free(text);
	if (d->event_id == NULL || d->payload == NULL)
		return LF_ERR_NOMEM;
	d->round_first = 1;
	if ((ret = lf_store_delivery_insert(tx, d, &d->id)) != LF_OK)
		return ret;
	return lf_webhooks_drain_soon(tx, w.project_id, w.id, now);
}

int lf_webhooks_ping(lf_store *s, lf_arena *a, const lf_webhooks_actor *who, int64_t id,
		     lf_webhook_delivery *out, lf_error *err)
{
	struct admin ad = {.who = who, .id = id, .dout = out, .err = err};
	return lf_store_write(s, a, ping_tx, &ad);
}

/* The task and annotation version a task record points to: task data
 * and annotation versions are never rewritten, so they are what the
 * event saw. */
static int facts_of(lf_tx *tx, const lf_audit_row *rec, lf_task *task, lf_annotation *ann,
		    lf_project *proj, lf_webhook_facts *f)
{
	lf_annotation *vers = NULL;
	int n = 0, ret;
	json_t *d;
	int64_t version;
	if (rec->task_id == 0)
		return LF_OK;
	ret = lf_store_task_get(tx, rec->task_id, task);
	if (ret == LF_ERR_NOTFOUND)
		return LF_OK;
	if (ret != LF_OK)
		return ret;
	f->task = task;
	d = json_loads(rec->details, 0, NULL);
	version = json_integer_value(json_object_get(d, "annotation_version"));
	json_decref(d);
	if (version <= 0 || strncmp(f->event, "ANNOTATION_", 11) != 0)
		return LF_OK;
	/* Label Studio's ML backends read the label config from an
	 * annotation event's project (their /webhook starts training with
	 * it), so a webhook at a backend's /webhook works as they expect. */
	if ((ret = lf_store_project_get(tx, rec->project_id, proj)) != LF_OK &&
	    ret != LF_ERR_NOTFOUND)
		return ret;
	f->label_config = ret == LF_OK ? proj->label_config : NULL;
	if ((ret = lf_store_annotation_list(tx, rec->task_id, &vers, &n)) != LF_OK)
		return ret;
	for (int i = 0; i < n; i++)
		if (vers[i].version == version) {
			*ann = vers[i];
			f->ann = ann;
		}
	return LF_OK;
}

/* Writes webhook w's delivery of event (body) of rec; nothing when w has
 * it already. Its drain job is queued once per transaction. */
static int deliver_event(lf_tx *tx, struct dispatch *d, const lf_webhook *w,
			 const lf_audit_row *rec, const char *event, const char *body)
{
	char id[64];
	snprintf(id, sizeof(id), "%lld.%s", (long long)rec->seq, event);
	lf_webhook_delivery dl = {.webhook_id = w->id,
				  .audit_seq = rec->seq,
				  .event = event,
				  .event_id = id,
				  .payload = body,
				  .status = "pending",
				  .created_at = lf_now_ms()};
	dl.next_attempt_at = dl.created_at;
	int ret = lf_store_delivery_insert(tx, &dl, &dl.id);
	if (ret != LF_OK || dl.id == 0)
		return ret;
	d->made++;
	d->fresh[w - d->hooks] = 1;
	return LF_OK;
}

/* A webhook with a threshold hears ESCROW_LOW once when a claim (or a
 * refund) takes the project's available escrow under it, and again only
 * after a deposit brought it back up. The balance is the one at dispatch
 * (within a second of the record under load), read only for records that
 * move escrow, and only when such a webhook exists. */
static int escrow_check(lf_tx *tx, struct dispatch *d, const lf_audit_row *rec, lf_webhook *hooks,
			int nhooks)
{
	lf_project p;
	lf_escrow e;
	int read = 0, ret = LF_OK;
	for (int h = 0; h < nhooks && ret == LF_OK; h++) {
		lf_webhook *w = &hooks[h];
		if (w->escrow_low_below <= 0 ||
		    (w->project_id != 0 && w->project_id != rec->project_id) ||
		    rec->ts < w->created_at || !lf_webhook_wants(w->events, "ESCROW_LOW"))
			continue;
		if (!read && ((ret = lf_store_project_get(tx, rec->project_id, &p)) != LF_OK ||
			      (ret = lf_ledger_escrow(tx, p.id, p.currency, &e)) != LF_OK))
			return ret == LF_ERR_NOTFOUND ? LF_OK : ret;
		read = 1;
		int low = e.available < w->escrow_low_below;
		if (low == w->escrow_low)
			continue;
		w->escrow_low = low;
		if ((ret = lf_store_webhook_set_low(tx, w->id, low)) != LF_OK || !low)
			continue;
		lf_webhook_escrow esc = {.available = e.available,
					 .held = e.held,
					 .threshold = w->escrow_low_below,
					 .currency = p.currency};
		lf_webhook_facts f = {.rec = rec, .event = "ESCROW_LOW", .escrow = &esc};
		json_t *doc = lf_webhook_payload(&f);
		char *body = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
		json_decref(doc);
		ret =
		    body != NULL ? deliver_event(tx, d, w, rec, "ESCROW_LOW", body) : LF_ERR_NOMEM;
		free(body);
	}
	return ret;
}

/* Writes a delivery of each event of rec to each webhook that wants it;
 * the body is built once per event. A webhook hears only of events
 * recorded after it was made. */
static int dispatch_record(lf_tx *tx, struct dispatch *d, const lf_audit_row *rec,
			   lf_webhook *hooks, int nhooks)
{
	const char *events[LF_WEBHOOK_EVENTS_MAX];
	int ne = lf_webhook_events_of(rec, events), ret = LF_OK;
	lf_task task;
	lf_annotation ann;
	lf_project proj;
	for (int e = 0; e < ne && ret == LF_OK; e++) {
		char *body = NULL;
		for (int h = 0; h < nhooks && ret == LF_OK; h++) {
			const lf_webhook *w = &hooks[h];
			if ((w->project_id != 0 && w->project_id != rec->project_id) ||
			    rec->ts < w->created_at || !lf_webhook_wants(w->events, events[e]))
				continue;
			if (body == NULL) {
				lf_webhook_facts f = {.rec = rec, .event = events[e]};
				if ((ret = facts_of(tx, rec, &task, &ann, &proj, &f)) != LF_OK)
					break;
				json_t *doc = lf_webhook_payload(&f);
				body = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
				json_decref(doc);
				if (body == NULL) {
					ret = LF_ERR_NOMEM;
					break;
				}
			}
			ret = deliver_event(tx, d, w, rec, events[e], body);
		}
		free(body);
	}
	if (ret == LF_OK && lf_webhook_escrow_moves(rec))
		ret = escrow_check(tx, d, rec, hooks, nhooks);
	return ret;
}

/* The cursor row is locked first, so a second dispatcher waits and then
 * starts after what this one committed. With no active webhook the
 * cursor just moves to the newest sealed record. */
static int dispatch_tx(lf_tx *tx, void *ud)
{
	struct dispatch *d = ud;
	lf_webhook *hooks = NULL;
	lf_audit_row *recs = NULL;
	int nhooks = 0, nrecs = 0, ret;
	int64_t cursor = 0, top = 0;
	d->made = d->read = 0;
	if ((ret = lf_store_webhook_cursor_lock(tx, &cursor)) != LF_OK ||
	    (ret = lf_store_webhook_active(tx, &hooks, &nhooks)) != LF_OK)
		return ret;
	if (nhooks == 0) {
		if ((ret = lf_store_audit_sealed_max(tx, &top)) != LF_OK)
			return ret;
		return top > cursor ? lf_store_webhook_cursor_set(tx, top) : LF_OK;
	}
	if ((ret = lf_store_audit_sealed_after(tx, cursor, DISPATCH_BATCH, &recs, &nrecs)) != LF_OK)
		return ret;
	d->hooks = hooks;
	if ((d->fresh = lf_arena_calloc(lf_store_arena(tx), (size_t)nhooks)) == NULL)
		return LF_ERR_NOMEM;
	for (int i = 0; i < nrecs && ret == LF_OK; i++)
		ret = dispatch_record(tx, d, &recs[i], hooks, nhooks);
	/* One drain job per webhook that got deliveries, at most: it takes
	 * them all in batches. */
	int64_t now = lf_now_ms();
	for (int h = 0; h < nhooks && ret == LF_OK; h++)
		if (d->fresh[h])
			ret = lf_webhooks_drain_soon(tx, hooks[h].project_id, hooks[h].id, now);
	if (ret == LF_OK && nrecs > 0)
		ret = lf_store_webhook_cursor_set(tx, recs[nrecs - 1].seq);
	d->read = nrecs;
	return ret;
}

int lf_webhooks_dispatch(lf_store *s, int *made)
{
	struct dispatch d = {0};
	lf_arena *a = lf_arena_create();
	int ret = a != NULL ? LF_OK : LF_ERR_NOMEM, total = 0;
	for (int round = 0; ret == LF_OK && round < DISPATCH_ROUNDS; round++) {
		lf_arena_reset(a);
		if ((ret = lf_store_write(s, a, dispatch_tx, &d)) == LF_OK)
			total += d.made;
		if (d.read < DISPATCH_BATCH)
			break;
	}
	lf_arena_destroy(a);
	if (made != NULL)
		*made = total;
	return ret;
}
