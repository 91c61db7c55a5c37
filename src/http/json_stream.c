/*
 * json_stream.c - a JSON object whose last member is an array too long to
 * hold in memory whole (lf_http_json_stream): the array's elements are
 * made, serialized and released one at a time as the response is sent.
 */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

enum part { HEAD, ITEMS, TAIL, DONE };

struct json_stream {
	enum part part;
	char *head; /* the head object's text, '}' cut off; NULL once sent */
	const char *key;
	json_t *(*item)(void *ud, int64_t i);
	void *ud;
	int64_t n, sent; /* elements in all, and so far */
	char *text;	 /* what is being sent, and how far */
	size_t len, off;
};

static int refill(struct json_stream *s);
static ssize_t stream_read(void *ud, uint64_t pos, char *buf, size_t max);
static void stream_free(void *ud);

/* Makes the next piece of text: the head and the array's opening, one
 * element (with its comma), or the closing. 0 at the end or when an
 * element cannot be made: the response is then cut short, which a client
 * sees as an error, rather than ended early as valid JSON. */
static int refill(struct json_stream *s)
{
	json_t *el;
	char *one;
	free(s->text);
	s->text = NULL;
	s->off = s->len = 0;
	switch (s->part) {
	case HEAD:
		/* "{...}" becomes "{...,"key":[" ("{"key":[" for "{}"). */
		s->text = malloc(strlen(s->head) + strlen(s->key) + 8);
		if (s->text == NULL)
			return 0;
		sprintf(s->text, "%s%s\"%s\":[", s->head, strlen(s->head) > 1 ? "," : "", s->key);
		free(s->head);
		s->head = NULL;
		s->part = ITEMS;
		break;
	case ITEMS:
		if (s->sent == s->n) {
			s->part = TAIL;
			return refill(s);
		}
		if ((el = s->item(s->ud, s->sent)) == NULL)
			return 0;
		one = json_dumps(el, JSON_COMPACT);
		json_decref(el);
		if (one == NULL || (s->text = malloc(strlen(one) + 2)) == NULL) {
			free(one);
			return 0;
		}
		sprintf(s->text, "%s%s", s->sent++ > 0 ? "," : "", one);
		free(one);
		break;
	case TAIL:
		if ((s->text = strdup("]}")) == NULL)
			return 0;
		s->part = DONE;
		break;
	case DONE: return 0;
	}
	s->len = strlen(s->text);
	return 1;
}

/* The server asks for consecutive positions, so pos is not needed. */
static ssize_t stream_read(void *ud, uint64_t pos, char *buf, size_t max)
{
	struct json_stream *s = ud;
	(void)pos;
	while (s->off == s->len)
		if (!refill(s))
			return -1;
	size_t n = s->len - s->off < max ? s->len - s->off : max;
	memcpy(buf, s->text + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void stream_free(void *ud)
{
	struct json_stream *s = ud;
	if (s == NULL)
		return;
	free(s->head);
	free(s->text);
	free(s);
}

int lf_http_json_stream(lf_http_req *req, int status, json_t *head, const char *key, int64_t n,
			json_t *(*item)(void *ud, int64_t i), void *ud)
{
	int ret = LF_ERR_NOMEM;
	struct json_stream *s = calloc(1, sizeof(*s));
	char *text = json_dumps(head, JSON_COMPACT);
	json_decref(head);
	if (s == NULL || text == NULL || text[0] != '{')
		goto cleanup;
	text[strlen(text) - 1] = '\0';
	s->head = text;
	text = NULL;
	s->key = key;
	s->item = item;
	s->n = n;
	s->ud = ud;
	ret = lf_http_stream_body(req, status, "application/json", UINT64_MAX, stream_read,
				  stream_free, s);
	s = NULL;
cleanup:
	free(text);
	stream_free(s);
	return ret;
}
