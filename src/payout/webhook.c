/*
 * webhook.c - the signed webhook adapter: each item is POSTed as JSON to
 * an HTTP(S) endpoint that performs the transfer, plus the signing
 * functions receivers use to check that a request came from us.
 *
 * Requests are signed as every request LabelFlow sends (net/sign.h). The
 * adapter keeps only SHA-256 of the secret, which is the HMAC key, and
 * wipes it when freed.
 *
 * libcurl is used through one easy handle per send, so sends from many
 * threads share nothing mutable. Signals are disabled (threads), redirects
 * are never followed (a redirect could send money orders elsewhere) and
 * only http and https are allowed, on the request and on any redirect.
 *
 * The endpoint must not be this machine or its network (a URL of
 * 169.254.169.254 or 127.0.0.1 would turn payouts into requests against
 * cloud metadata or internal services): each send goes through
 * net/outbound.h, which resolves the host once, refuses internal addresses
 * in every spelling unless LABELFLOW_OUTBOUND_ALLOW (the "allow" setting)
 * or allow_private permits them, and pins libcurl to the address it
 * checked, so a second DNS answer (rebinding) cannot move the connection
 * elsewhere.
 */
#include "payout/payout_int.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/outbound.h"
#include "net/sign.h"

#define DEFAULT_TIMEOUT_MS 10000
#define MAX_TIMEOUT_MS	   600000
/* The answer is read only for its "reference"; a larger one is cut. */
#define RESPONSE_MAX 8192
/* What outbound messages call the endpoint. */
#define WHAT "the payout webhook"
/* Said after a refusal, which names LABELFLOW_OUTBOUND_ALLOW already. */
#define PRIVATE_HINT " (or set LABELFLOW_PAYOUT_WEBHOOK_ALLOW_PRIVATE=1)"

struct webhook {
	lf_payout_adapter base;
	char *url;
	lf_outbound_target target; /* host and port; resolved again at each send */
	lf_outbound_allow *allow;  /* internal targets the operator allows */
	long timeout_ms;
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
};

struct response {
	char data[RESPONSE_MAX + 1];
	lf_outbound_body body; /* reads into data */
};

static int libs_ready(void);
static void hint_private(int ret, char *err, size_t errlen);
static int read_config(const json_t *config, const char **url, const char **secret,
		       long *timeout_ms, const char **allow, bool *allow_private, char *err,
		       size_t errlen);
static char *item_body(const lf_payout_item *item, int64_t created, int *ret);
static int set_options(CURL *c, const struct webhook *w, const char *body, struct curl_slist *hdrs,
		       struct curl_slist *pin, struct response *resp, char *curl_err);
static int classify(const struct webhook *w, const lf_payout_item *item, long status,
		    struct response *resp, char *ref, size_t reflen, char *err, size_t errlen);
static int webhook_send(lf_payout_adapter *a, const lf_payout_item *item, char *ref, size_t reflen,
			char *err, size_t errlen);
static void webhook_free(lf_payout_adapter *a);

static const lf_payout_ops webhook_ops = {
    .kind = "webhook",
    .send = webhook_send,
    .free = webhook_free,
};

static int libs_ready(void)
{
	return lf_outbound_ready() == LF_OK && sodium_init() >= 0;
}

/* A refused internal address names the adapter's own switch as well. */
static void hint_private(int ret, char *err, size_t errlen)
{
	size_t n = strlen(err);
	if (ret == LF_ERR_INVALID && strstr(err, "LABELFLOW_OUTBOUND_ALLOW") != NULL &&
	    n + strlen(PRIVATE_HINT) < errlen)
		memcpy(err + n, PRIVATE_HINT, strlen(PRIVATE_HINT) + 1);
}

int lf_payout_webhook_check(const char *url, const char *allow, bool allow_private, char *err,
			    size_t errlen)
{
	lf_outbound_target t;
	lf_outbound_allow *a = NULL;
	int ret = lf_outbound_allow_parse(allow, allow_private, &a, err, errlen);
	if (ret == LF_OK) {
		ret = lf_outbound_check(WHAT, a, url, &t, err, errlen);
		hint_private(ret, err, errlen);
	}
	lf_outbound_allow_free(a);
	return ret;
}

static int read_config(const json_t *config, const char **url, const char **secret,
		       long *timeout_ms, const char **allow, bool *allow_private, char *err,
		       size_t errlen)
{
	const char *k;
	json_t *v;
	*allow = NULL;
	*allow_private = false;
	*url = NULL;
	*secret = NULL;
	*timeout_ms = DEFAULT_TIMEOUT_MS;
	if (!json_is_object(config)) {
		snprintf(err, errlen, "the webhook payout adapter needs a configuration object");
		return LF_ERR_INVALID;
	}
	json_object_foreach((json_t *)config, k, v)
	{
		if (strcmp(k, "url") == 0 && json_is_string(v)) {
			*url = json_string_value(v);
		} else if (strcmp(k, "secret") == 0 && json_is_string(v)) {
			*secret = json_string_value(v);
		} else if (strcmp(k, "timeout_ms") == 0 && json_is_integer(v)) {
			json_int_t ms = json_integer_value(v);
			if (ms < 1 || ms > MAX_TIMEOUT_MS) {
				snprintf(err, errlen,
					 "the payout webhook timeout_ms must be 1 to %d",
					 MAX_TIMEOUT_MS);
				return LF_ERR_INVALID;
			}
			*timeout_ms = (long)ms;
		} else if (strcmp(k, "allow") == 0 && json_is_string(v)) {
			*allow = json_string_value(v);
		} else if (strcmp(k, "allow_private") == 0 && json_is_boolean(v)) {
			*allow_private = json_is_true(v);
		} else {
			snprintf(err, errlen,
				 "unknown or mistyped payout webhook setting '%.32s' (expected "
				 "url, secret and allow strings, timeout_ms integer, "
				 "allow_private boolean)",
				 k);
			return LF_ERR_INVALID;
		}
	}
	if (*url == NULL || *secret == NULL || (*secret)[0] == '\0') {
		snprintf(err, errlen, "the payout webhook needs a url and a non-empty secret");
		return LF_ERR_INVALID;
	}
	return LF_OK;
}

int lf_payout_webhook_new(const json_t *config, lf_payout_adapter **out, char *err, size_t errlen)
{
	const char *url, *secret, *allow;
	long timeout_ms;
	bool allow_private;
	struct webhook *w = NULL;
	int ret =
	    read_config(config, &url, &secret, &timeout_ms, &allow, &allow_private, err, errlen);
	if (ret != LF_OK)
		goto cleanup;
	ret = LF_ERR_INTERNAL;
	if (!libs_ready()) {
		snprintf(err, errlen, "libcurl or libsodium failed to initialise");
		goto cleanup;
	}
	ret = LF_ERR_NOMEM;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto cleanup;
	w->base.ops = &webhook_ops;
	w->timeout_ms = timeout_ms;
	if ((ret = lf_outbound_allow_parse(allow, allow_private, &w->allow, err, errlen)) !=
		LF_OK ||
	    (ret = lf_outbound_parse(WHAT, url, &w->target, err, errlen)) != LF_OK)
		goto cleanup;
	ret = LF_ERR_NOMEM;
	w->url = strdup(url);
	if (w->url == NULL)
		goto cleanup;
	lf_sign_key(secret, w->key);
	*out = &w->base;
	w = NULL;
	ret = LF_OK;
cleanup:
	if (ret == LF_ERR_NOMEM)
		snprintf(err, errlen, "out of memory creating the webhook payout adapter");
	if (w != NULL)
		webhook_free(&w->base);
	return ret;
}

static void webhook_free(lf_payout_adapter *a)
{
	struct webhook *w = (struct webhook *)a;
	sodium_memzero(w->key, sizeof(w->key));
	free(w->url);
	lf_outbound_allow_free(w->allow);
	free(w);
}

/* jansson refuses text that is not UTF-8; that is the item's fault and
 * permanent, unlike running out of memory. */
static char *item_body(const lf_payout_item *item, int64_t created, int *ret)
{
	json_error_t jerr;
	char *body = NULL;
	json_t *doc = json_pack_ex(
	    &jerr, 0, "{s:I,s:I,s:I,s:s?,s:s?,s:I,s:s,s:I,s:s,s:I}", "id", (json_int_t)item->id,
	    "batch_id", (json_int_t)item->batch_id, "user_id", (json_int_t)item->user_id, "email",
	    item->email, "name", item->name, "project_id", (json_int_t)item->project_id, "currency",
	    item->currency, "amount", (json_int_t)item->amount, "idempotency_key",
	    item->idempotency_key, "created", (json_int_t)created);
	if (doc == NULL) {
		*ret = json_error_code(&jerr) == json_error_invalid_utf8 ? LF_ERR_INVALID
									 : LF_ERR_NOMEM;
		return NULL;
	}
	body = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	*ret = body != NULL ? LF_OK : LF_ERR_NOMEM;
	return body;
}

/* pin maps the URL's host and port to the address lf_outbound_resolve
 * checked: libcurl connects there and never asks DNS itself. */
static int set_options(CURL *c, const struct webhook *w, const char *body, struct curl_slist *hdrs,
		       struct curl_slist *pin, struct response *resp, char *curl_err)
{
	resp->body.data = resp->data;
	resp->body.cap = RESPONSE_MAX;
	return lf_outbound_curl_setup(c, w->url, pin, w->timeout_ms, &resp->body, curl_err) !=
		   LF_OK ||
	       curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body)) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_USERAGENT, "LabelFlow-Payout/1") != CURLE_OK;
}

/* The status decides the item's fate: 408 and 429 are the receiver asking
 * us to come back, 5xx its own failure; other 4xx will not change on a
 * retry, and a 3xx means the URL is wrong since we never follow it. */
static int classify(const struct webhook *w, const lf_payout_item *item, long status,
		    struct response *resp, char *ref, size_t reflen, char *err, size_t errlen)
{
	long long id = (long long)item->id;
	if (status >= 200 && status <= 299) {
		char fallback[32];
		json_t *doc = json_loadb(resp->data, resp->body.len, 0, NULL);
		json_t *r = json_object_get(doc, "reference");
		snprintf(fallback, sizeof(fallback), "http-%ld", status);
		const char *value = json_is_string(r) && json_string_length(r) > 0
					? json_string_value(r)
					: fallback;
		int cut = lf_payout_copy_ref(ref, reflen, value);
		snprintf(err, errlen, "payout item %lld paid through %s (HTTP %ld)%s", id,
			 w->target.host, status, cut ? "; its reference was truncated" : "");
		json_decref(doc);
		return LF_OK;
	}
	if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
		snprintf(err, errlen,
			 "payout webhook at %s answered HTTP %ld for item %lld; retry later",
			 w->target.host, status, id);
		return LF_ERR_IO;
	}
	if (status >= 300 && status <= 399) {
		snprintf(err, errlen,
			 "payout webhook at %s answered HTTP %ld for item %lld; redirects are not "
			 "followed, fix the url",
			 w->target.host, status, id);
		return LF_ERR_INVALID;
	}
	snprintf(err, errlen, "payout webhook at %s refused item %lld with HTTP %ld",
		 w->target.host, id, status);
	return LF_ERR_INVALID;
}

static int webhook_send(lf_payout_adapter *a, const lf_payout_item *item, char *ref, size_t reflen,
			char *err, size_t errlen)
{
	struct webhook *w = (struct webhook *)a;
	struct curl_slist *hdrs = NULL, *pin = NULL, *tmp;
	lf_outbound_target target = w->target;
	struct response *resp = NULL;
	char *body = NULL;
	CURL *c = NULL;
	char curl_err[CURL_ERROR_SIZE] = "";
	char sig[LF_SIGN_HEADER];
	char sig_hdr[128], key_hdr[32 + LF_PAYOUT_KEY_MAX];
	const char *fixed[] = {"Content-Type: application/json", "Expect:", sig_hdr, key_hdr};
	int64_t t = lf_now_ms() / 1000;
	long status = 0;
	CURLcode rc;
	int ret;

	body = item_body(item, t, &ret);
	if (body == NULL) {
		snprintf(err, errlen, "payout item %lld %s", (long long)item->id,
			 ret == LF_ERR_INVALID ? "has a name or email that is not valid UTF-8"
					       : "could not be encoded: out of memory");
		goto cleanup;
	}
	lf_sign_header(w->key, t, body, strlen(body), sig);
	snprintf(sig_hdr, sizeof(sig_hdr), "LabelFlow-Signature: %s", sig);
	snprintf(key_hdr, sizeof(key_hdr), "Idempotency-Key: %s", item->idempotency_key);
	ret = LF_ERR_NOMEM;
	snprintf(err, errlen, "out of memory preparing payout item %lld", (long long)item->id);
	for (size_t i = 0; i < LF_ARRAY_LEN(fixed); i++) {
		tmp = curl_slist_append(hdrs, fixed[i]);
		if (tmp == NULL)
			goto cleanup;
		hdrs = tmp;
	}
	resp = calloc(1, sizeof(*resp));
	c = curl_easy_init();
	if (resp == NULL || c == NULL)
		goto cleanup;
	ret = lf_outbound_resolve(WHAT, w->allow, &target, err, errlen);
	if (ret != LF_OK) {
		hint_private(ret, err, errlen);
		goto cleanup;
	}
	snprintf(err, errlen, "out of memory preparing payout item %lld", (long long)item->id);
	if ((ret = lf_outbound_pin(&target, &pin)) != LF_OK)
		goto cleanup;
	ret = LF_ERR_INTERNAL;
	if (set_options(c, w, body, hdrs, pin, resp, curl_err)) {
		snprintf(err, errlen, "libcurl refused the payout webhook options");
		goto cleanup;
	}
	rc = curl_easy_perform(c);
	/* An answer longer than the cap is cut: its status still decides. */
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && resp->body.over)) {
		ret = LF_ERR_IO;
		snprintf(err, errlen, "payout webhook at %s failed for item %lld: %s; retry later",
			 w->target.host, (long long)item->id,
			 curl_err[0] != '\0' ? curl_err : curl_easy_strerror(rc));
		goto cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	ret = classify(w, item, status, resp, ref, reflen, err, errlen);
cleanup:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(pin);
	free(resp);
	free(body);
	return ret;
}
