/*
 * ingest_int.h - state shared by the ingest parsers; private to src/ingest/.
 *
 * ingest.c owns the parser object, error bookkeeping and item delivery;
 * csv.c, lines.c and json.c each scan one family of formats and call back
 * into ingest.c when an item is complete or bad; fastjson.c turns JSON
 * items into jansson values, or only checks them (check_only mode);
 * detect.c maps names and uploads to formats.
 */
#ifndef LF_INGEST_INT_H
#define LF_INGEST_INT_H

#include "ingest/ingest.h"

#include <string.h>

#define LF_INGEST_MSG_MAX 200

/* A growable byte buffer reused for every item, so steady-state parsing
 * does not allocate. */
typedef struct lf_ingest_buf {
	char *p;
	size_t len;
	size_t cap;
} lf_ingest_buf;

typedef struct lf_ingest_skip {
	int64_t line;
	char msg[LF_INGEST_MSG_MAX];
} lf_ingest_skip;

struct lf_ingest_parser {
	lf_ingest_format fmt;
	size_t max_item;
	bool skip_bad;
	bool check_only;
	bool refuse_annotations;
	bool require_annotations;
	lf_ingest_item_cb cb;
	void *ud;

	int failed; /* sticky: the error of the call that stopped the parse */
	bool finished;
	int64_t err_line;
	char err_msg[LF_INGEST_MSG_MAX + 32];

	bool refused; /* the callback refused its item (lf_ingest_refuse) */
	char refusal[LF_INGEST_MSG_MAX];

	int64_t items;
	size_t skipped;
	size_t nrecorded;
	lf_ingest_skip *recorded;

	/* A BOM may itself be split across chunks, so its bytes are held back
	 * until it is known whether they are one. */
	unsigned char bom[3];
	unsigned bom_len;
	bool bom_done;

	int64_t line;	       /* line of the next input byte, 1-based */
	int64_t item_line;     /* line where the current item starts */
	bool discard;	       /* dropping the rest of a bad item (skip mode; json.c:
				  an oversize element, judged at its end) */
	lf_ingest_buf buf;     /* bytes of the current item */
	lf_ingest_buf scratch; /* unescaped JSON strings (fastjson.c) */

	/* csv.c */
	char sep;
	int cstate;
	bool row_quoted;
	size_t *fend; /* end offset of each field of the row in buf */
	size_t nfields;
	size_t fcap;
	char **header; /* NUL-terminated column names, one allocation */
	size_t nheader;

	/* json.c */
	int jstate;
	int64_t depth;
	bool in_str;
	bool esc;
};

/* Makes room for need more bytes in b. Returns LF_OK or LF_ERR_NOMEM. */
int lf_ingest_buf_reserve(lf_ingest_buf *b, size_t need);

/* Appending nothing is a no-op even on a buffer that has never grown
 * (b->p NULL), where memcpy would be handed a NULL destination: the fast
 * JSON path appends the empty prefix of a string that starts with an
 * escape. */
static inline int lf_ingest_buf_append(lf_ingest_buf *b, const char *s, size_t n)
{
	if (n == 0)
		return LF_OK;
	if (b->cap - b->len < n && lf_ingest_buf_reserve(b, n) != LF_OK)
		return LF_ERR_NOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return LF_OK;
}

/*
 * Reports a bad item starting at line. Stop mode: records the error as the
 * parser's failure and returns code. Skip mode: counts and records it and
 * returns LF_OK so the caller drops the item and goes on.
 */
int lf_ingest_item_error(lf_ingest_parser *p, int64_t line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reports an error that makes the rest of the input meaningless; always
 * stops the parse. Returns LF_ERR_INVALID. */
int lf_ingest_stream_error(lf_ingest_parser *p, int64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports an item over the size cap (an item error with LF_ERR_LIMIT). */
int lf_ingest_oversize(lf_ingest_parser *p, int64_t line);

/* Counts a good item that check_only mode does not build. */
int lf_ingest_count_item(lf_ingest_parser *p);

/* Delivers a data object (stolen) with no predictions to the callback. */
int lf_ingest_deliver_object(lf_ingest_parser *p, json_t *obj, int64_t line);

/* Validates and parses s[0..n) as one JSON value and delivers it as an
 * item of the json/jsonl/label_studio formats. */
int lf_ingest_deliver_json(lf_ingest_parser *p, const char *s, size_t n, int64_t line);

/*
 * Parses s[0..n) (valid UTF-8) as one JSON value, building what json_loadb
 * would. Returns NULL when it cannot or the text is invalid: the caller then
 * falls back to json_loadb. scratch is working memory reused across calls.
 */
json_t *lf_ingest_fast_parse(const char *s, size_t n, lf_ingest_buf *scratch);

/* What delivering a JSON item depends on, learnt without building it. A
 * member given twice counts as its last value, as in jansson. */
typedef enum lf_ingest_list {
	LF_INGEST_LIST_NONE,	  /* absent or null */
	LF_INGEST_LIST_OK,	  /* an array of count objects */
	LF_INGEST_LIST_NOT_ARRAY, /* neither null nor an array */
	LF_INGEST_LIST_BAD_ELEM	  /* an array whose element bad is not an object */
} lf_ingest_list;

typedef struct lf_ingest_shape {
	bool object;	  /* the value is an object */
	bool data_object; /* whose "data" member is an object */
	bool other_keys;  /* and which has members besides data, predictions,
			     annotations, meta and id */
	int lists[2];	  /* "predictions", "annotations": an lf_ingest_list */
	size_t count[2];  /* their elements (LF_INGEST_LIST_OK) */
	size_t bad[2];	  /* the first non-object (LF_INGEST_LIST_BAD_ELEM) */
} lf_ingest_shape;

/*
 * Checks s[0..n) (valid UTF-8) as one JSON value without building it.
 * Returns true only when jansson would accept it, with its shape in *shape;
 * false when it is invalid or when the check cannot tell (the cases where
 * lf_ingest_fast_parse gives up, and escaped top-level member names): the
 * caller then parses it.
 */
bool lf_ingest_fast_check(const char *s, size_t n, lf_ingest_shape *shape);

int lf_ingest_csv_feed(lf_ingest_parser *p, const char *s, size_t n);
int lf_ingest_csv_finish(lf_ingest_parser *p);
void lf_ingest_csv_free(lf_ingest_parser *p);

int lf_ingest_lines_feed(lf_ingest_parser *p, const char *s, size_t n);
int lf_ingest_lines_finish(lf_ingest_parser *p);

int lf_ingest_json_feed(lf_ingest_parser *p, const char *s, size_t n);
int lf_ingest_json_finish(lf_ingest_parser *p);

#endif
