/*
 * fuzz_http_json.c - JSON request bodies and request targets through the
 * real server (src/http/server.c, router.c): every text of a request is
 * checked for UTF-8, the route matched, the body accumulated and parsed.
 *
 * Input: when it starts with '/' and has a newline in its first 512
 * bytes, that first line is the request target (path and query, as sent);
 * otherwise the target is /echo. The rest is a POST body. /echo answers
 * the parsed body: a 200 carries exactly the object jansson reads from the
 * body (an empty body reads as {}), and anything else is a 400 with the
 * error JSON. Every request gets an answer.
 */
#include "http_common.h"

static int echo(lf_http_req *req)
{
	return lf_http_json(req, 200, json_incref(req->json));
}

/* Captures and query parameters, as handlers read them. */
static int note(lf_http_req *req)
{
	return lf_http_json(req, 200,
			    json_pack("{s:I, s:s?, s:O}", "id",
				      (json_int_t)lf_http_capture_id(req, 0), "q",
				      lf_http_query(req, "q"), "body", req->json));
}

static const lf_http_route routes[] = {
    {"POST", "/echo", echo, LF_BODY_JSON, 0, NULL},
    {"POST", "/items/{id}/notes/{note}", note, LF_BODY_JSON, 0, NULL},
    {"GET", "/items/{id}", note, LF_BODY_NONE, 0, NULL},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	http_start(routes, LF_ARRAY_LEN(routes));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = size > 0 && s[0] == '/' ? memchr(s, '\n', size < 512 ? size : 512) : NULL;
	char head[700];
	struct http_answer a;
	json_t *want = NULL;
	size_t i, n = 0;

	if (nl != NULL) {
		/* The request line cannot hold spaces or line breaks: those
		 * would be another request's syntax, not a target. */
		memcpy(head, "POST ", 5);
		n = 5;
		for (i = 0; s + i < nl; i++)
			head[n++] = (s[i] == ' ' || s[i] == '\r' || s[i] == '\0') ? '_' : s[i];
		size -= (size_t)(nl + 1 - s);
		s = nl + 1;
	} else {
		memcpy(head, "POST /echo", 10);
		n = 10;
	}
	snprintf(head + n, sizeof(head) - n,
		 " HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json");
	http_exchange(head, s, size, &a);
	FUZZ_CHECK(a.status != 0);
	if (nl == NULL) {
		want =
		    size == 0 ? json_object() : json_loadb(s, size, JSON_REJECT_DUPLICATES, NULL);
		if (json_is_object(want)) {
			FUZZ_CHECK(a.status == 200);
			FUZZ_CHECK(json_equal(a.json, want));
		} else {
			FUZZ_CHECK(a.status == 400);
			FUZZ_CHECK(json_is_object(json_object_get(a.json, "error")));
		}
	}
	json_decref(want);
	json_decref(a.json);
	return 0;
}
