/*
 * client.c - the calls to a backend, through net/outbound.h: the URL is
 * resolved once per call and libcurl pinned to the checked address, with
 * no redirects, the backend's timeout and a bounded answer.
 */
#include "ml/ml_int.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "net/outbound.h"

static int add_auth(CURL *c, const lf_ml_backend *b, struct curl_slist **hdrs, char *line,
		    size_t linelen);
static int classify(long status, const lf_outbound_body *body, const char *path, json_t **answer,
		    char *err, size_t errlen);

json_t *lf_ml_task_data(const lf_ml_env *env, const lf_ml_backend *b, const char *data)
{
	const size_t plen = sizeof(LF_MEDIA_PATH) - 1;
	unsigned char key[32];
	json_t *o = json_loads(data, 0, NULL);
	const char *k;
	json_t *v;
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	if (env->jwt_key == NULL)
		return o;
	lf_media_url_key(env->jwt_key, key);
	int64_t exp = lf_now_ms() / 1000 + LF_MEDIA_URL_TTL_S;
	json_object_foreach(o, k, v)
	{
		const char *s = json_string_value(v);
		char url[1200];
		int64_t id;
		if (s == NULL || strncmp(s, LF_MEDIA_PATH, plen) != 0 ||
		    !lf_parse_pos(s + plen, &id))
			continue;
		if (lf_media_sign_url(key, env->public_url, id, exp, b->created_by, url,
				      sizeof(url)) == LF_OK)
			json_object_set_new(o, k, json_string(url));
	}
	sodium_memzero(key, sizeof(key));
	return o;
}

int lf_ml_check_url(const lf_ml_env *env, const char *url, char *err, size_t errlen)
{
	lf_outbound_target t;
	lf_outbound_allow *a = NULL;
	int ret = lf_outbound_allow_parse(env->allow, false, &a, err, errlen);
	if (ret == LF_OK)
		ret = lf_outbound_check(LF_ML_WHAT, a, url, &t, err, errlen);
	lf_outbound_allow_free(a);
	return ret;
}

const char *lf_ml_project_key(lf_arena *a, const lf_project *p)
{
	return lf_arena_printf(a, "%lld.%lld", (long long)p->id, (long long)(p->created_at / 1000));
}

/* Basic auth goes through libcurl; a header is the admin's name and value.
 * A name with a colon or a line break in either would forge headers: the
 * API refuses them before they are stored. */
static int add_auth(CURL *c, const lf_ml_backend *b, struct curl_slist **hdrs, char *line,
		    size_t linelen)
{
	struct curl_slist *tmp;
	if (strcmp(b->auth_kind, "basic") == 0)
		return curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK ||
			       curl_easy_setopt(c, CURLOPT_USERNAME, b->auth_user) != CURLE_OK ||
			       curl_easy_setopt(c, CURLOPT_PASSWORD,
						b->auth_secret ? b->auth_secret : "") != CURLE_OK
			   ? LF_ERR_INTERNAL
			   : LF_OK;
	if (strcmp(b->auth_kind, "header") != 0)
		return LF_OK;
	snprintf(line, linelen, "%s: %s", b->auth_user, b->auth_secret ? b->auth_secret : "");
	tmp = curl_slist_append(*hdrs, line);
	if (tmp == NULL)
		return LF_ERR_NOMEM;
	*hdrs = tmp;
	return LF_OK;
}

/* 408, 429 and 5xx are the backend asking to come back later; other
 * refusals will not change on a retry. */
static int classify(long status, const lf_outbound_body *body, const char *path, json_t **answer,
		    char *err, size_t errlen)
{
	json_error_t jerr;
	if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
		snprintf(err, errlen, "%s answered HTTP %ld", path, status);
		return LF_ERR_IO;
	}
	if (status < 200 || status > 299) {
		snprintf(err, errlen, "%s answered HTTP %ld%s", path, status,
			 status >= 300 && status <= 399 ? " (redirects are not followed)" : "");
		return LF_ERR_INVALID;
	}
	if (body->over) {
		snprintf(err, errlen, "%s answered more than %zu bytes (LABELFLOW_ML_ANSWER_MAX)",
			 path, body->cap);
		return LF_ERR_IO;
	}
	*answer = json_loadb(body->data, body->len, JSON_DECODE_ANY, &jerr);
	if (*answer == NULL) {
		snprintf(err, errlen, "%s answered something that is not JSON: %s", path,
			 jerr.text);
		return LF_ERR_IO;
	}
	return LF_OK;
}

int lf_ml_call(const lf_ml_backend *b, const lf_ml_env *env, const char *path, const json_t *body,
	       json_t **answer, char *err, size_t errlen)
{
	lf_outbound_allow *allow = NULL;
	lf_outbound_target target;
	struct curl_slist *hdrs = NULL, *pin = NULL, *tmp;
	lf_outbound_body resp = {.cap = env->answer_max};
	char *text = NULL, *url = NULL, *auth_line = NULL;
	char curl_err[CURL_ERROR_SIZE] = "";
	size_t n = strlen(b->url), auth_len = 0;
	long status = 0;
	CURLcode rc;
	CURL *c = NULL;
	int ret;

	*answer = NULL;
	if ((ret = lf_outbound_ready()) != LF_OK) {
		snprintf(err, errlen, "libcurl failed to initialise");
		goto cleanup;
	}
	if ((ret = lf_outbound_allow_parse(env->allow, false, &allow, err, errlen)) != LF_OK ||
	    (ret = lf_outbound_check(LF_ML_WHAT, allow, b->url, &target, err, errlen)) != LF_OK)
		goto cleanup;
	ret = LF_ERR_NOMEM;
	snprintf(err, errlen, "out of memory calling %s", path);
	while (n > 0 && b->url[n - 1] == '/')
		n--;
	auth_len = (b->auth_user ? strlen(b->auth_user) : 0) +
		   (b->auth_secret ? strlen(b->auth_secret) : 0) + 4;
	url = malloc(n + strlen(path) + 1);
	resp.data = malloc(resp.cap + 1);
	auth_line = malloc(auth_len);
	c = curl_easy_init();
	if (url == NULL || resp.data == NULL || auth_line == NULL || c == NULL)
		goto cleanup;
	memcpy(url, b->url, n);
	strcpy(url + n, path);
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL)
		goto cleanup;
	const char *fixed[] = {"Content-Type: application/json", "Accept: application/json",
			       "Expect:"};
	for (size_t i = 0; i < LF_ARRAY_LEN(fixed); i++) {
		if ((tmp = curl_slist_append(hdrs, fixed[i])) == NULL)
			goto cleanup;
		hdrs = tmp;
	}
	if ((ret = add_auth(c, b, &hdrs, auth_line, auth_len)) != LF_OK ||
	    (ret = lf_outbound_pin(&target, &pin)) != LF_OK)
		goto cleanup;
	ret = LF_ERR_INTERNAL;
	if (lf_outbound_curl_setup(c, url, pin, (long)b->timeout_ms, &resp, curl_err) != LF_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "LabelFlow-ML/1") != CURLE_OK ||
	    (text != NULL &&
	     (curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	      curl_easy_setopt(c, CURLOPT_POSTFIELDS, text) != CURLE_OK ||
	      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(text)) != CURLE_OK))) {
		snprintf(err, errlen, "libcurl refused the ML backend call's options");
		goto cleanup;
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && resp.over)) {
		ret = LF_ERR_IO;
		snprintf(err, errlen, "%s failed: %s", path,
			 curl_err[0] != '\0' ? curl_err : curl_easy_strerror(rc));
		goto cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	ret = classify(status, &resp, path, answer, err, errlen);
cleanup:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(pin);
	lf_outbound_allow_free(allow);
	if (auth_line != NULL)
		memset(auth_line, 0, auth_len);
	free(auth_line);
	free(resp.data);
	free(text);
	free(url);
	return ret;
}
