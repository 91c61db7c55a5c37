/*
 * ingest.h - streaming, push-based parsers for uploaded datasets.
 *
 * An upload arrives as an HTTP body in chunks whose boundaries fall
 * anywhere (inside a quoted CSV field, a UTF-8 sequence, a JSON string).
 * The caller creates a parser for one format, feeds every chunk as it
 * arrives with lf_ingest_feed, and calls lf_ingest_finish at the end of the
 * body. Each complete item is handed to a callback as a JSON object.
 *
 * Memory does not grow with the input: only the item being assembled is
 * buffered, and an item larger than the configured cap is an error.
 *
 * Formats:
 *   csv, tsv      RFC 4180 (quotes, "" escapes, separators and newlines
 *                 inside quotes, CRLF or LF). The first row is the header
 *                 (at most LF_INGEST_MAX_COLUMNS distinct, non-empty
 *                 names); each later row becomes {header: value string}.
 *                 Blank lines are skipped.
 *   jsonl         one JSON value per line; blank lines skipped (a line
 *                 over the size cap is refused, blank or not).
 *   json          a top-level array of items, or one top-level object (a
 *                 sequence of whitespace-separated objects is accepted too,
 *                 so JSON Lines uploaded as .json works).
 *   text          one item {"text": line} per line that is not blank (the
 *                 same size rule as jsonl).
 *   label_studio  Label Studio tasks (array, single object or one per
 *                 line): {"data": {...}, "predictions": [...],
 *                 "annotations": [...], "meta": ..., "id": ...}.
 *
 * In json and jsonl an object is the item itself and any other value v
 * becomes {"text": v}. An object whose keys are "data" (an object) plus
 * only "predictions", "annotations", "meta" and "id" is taken as a Label
 * Studio task, exactly as in the label_studio format.
 *
 * Every item must be valid UTF-8 without NUL bytes; a UTF-8 byte order
 * mark at the start of the input is dropped.
 *
 * Errors name the 1-based line where the offending item starts, e.g.
 * "line 7: expected 3 fields, got 2". Item-level errors (a bad row or
 * element) either stop the parse (default) or, in skip mode, are counted
 * and the first LF_INGEST_MAX_ERRORS of them kept. Stream-level errors
 * (bad CSV header, truncated input, a JSON document that is neither an
 * array nor objects) always stop the parse.
 */
#ifndef LF_INGEST_H
#define LF_INGEST_H

#include "core/lf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default per-item size cap, in bytes. */
#define LF_INGEST_DEFAULT_MAX_ITEM (1024 * 1024)
/* Most columns a CSV/TSV header may have; a wider header stops the parse. */
#define LF_INGEST_MAX_COLUMNS 4096
/* How many skipped-item errors are kept in skip mode (all are counted). */
#define LF_INGEST_MAX_ERRORS 100

typedef enum lf_ingest_format {
	LF_INGEST_CSV,
	LF_INGEST_TSV,
	LF_INGEST_JSON,
	LF_INGEST_JSONL,
	LF_INGEST_TEXT,
	LF_INGEST_LABEL_STUDIO
} lf_ingest_format;

typedef struct lf_ingest_options {
	/* Largest item (row, line or element) accepted, in bytes; 0 means
	 * LF_INGEST_DEFAULT_MAX_ITEM. */
	size_t max_item_bytes;
	/* false: the first bad item stops the parse. true: bad items are
	 * skipped, counted and (the first LF_INGEST_MAX_ERRORS) recorded. */
	bool skip_bad;
	/* true: every item is checked exactly as it would be parsed (syntax,
	 * UTF-8, size, Label Studio task shape; same errors, same lines) and
	 * counted, but not built. The callback, which may then be NULL, gets
	 * only the Label Studio tasks that carry predictions or annotations,
	 * built as usual, so that it can check them. For validating an
	 * upload whose items are parsed again later. */
	bool check_only;
	/* true: a Label Studio task that carries annotations is a bad item.
	 * false: they are delivered after its predictions, marked "origin":
	 * "annotation". */
	bool refuse_annotations;
	/* true: a Label Studio task without an annotation is a bad item (a
	 * gold import, whose tasks are known answers). */
	bool require_annotations;
} lf_ingest_options;

/*
 * One parsed item. Every pointer is borrowed for the duration of the
 * callback only; json_incref what must outlive it.
 */
typedef struct lf_ingest_item {
	json_t *data;	     /* always a JSON object */
	json_t *predictions; /* Label Studio predictions then annotations, each an
				object with "origin": "prediction" or "annotation";
				NULL when the item has none */
	json_t *meta;	     /* Label Studio "meta", or NULL */
	json_t *source_id;   /* Label Studio "id", or NULL */
	int64_t line;	     /* 1-based line where the item starts */
	int64_t index;	     /* 0-based position among delivered items */
} lf_ingest_item;

/*
 * Called once per item. Return LF_OK to continue; any other lf_err aborts
 * the parse and is returned by the lf_ingest_feed/lf_ingest_finish call
 * that delivered the item.
 */
typedef int (*lf_ingest_item_cb)(void *ud, const lf_ingest_item *item);

typedef struct lf_ingest_parser lf_ingest_parser;

/*
 * Called by an item callback to refuse its item as bad data (the reason in
 * printf style, without a line number). Returns LF_ERR_INVALID, which the
 * callback returns: the item then counts as a bad item like a malformed
 * one, stopping the parse with "line N: reason" or, in skip mode, skipped,
 * counted and recorded.
 */
int lf_ingest_refuse(lf_ingest_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Creates a parser for fmt. opt may be NULL for the defaults (1 MiB cap,
 * stop on first error). cb is called with ud for every item (in check_only
 * mode, see lf_ingest_options). Returns LF_ERR_INVALID for an unknown
 * format or a NULL cb outside check_only mode, LF_ERR_NOMEM.
 * Owner: caller, released with lf_ingest_parser_free.
 */
int lf_ingest_parser_create(lf_ingest_format fmt, const lf_ingest_options *opt,
			    lf_ingest_item_cb cb, void *ud, lf_ingest_parser **out);

/*
 * Consumes len bytes of input, calling the callback for every item they
 * complete. Chunks may split the input anywhere. Returns LF_OK,
 * LF_ERR_INVALID on a bad item (stop mode) or a stream error, LF_ERR_LIMIT
 * on an oversize item (stop mode), LF_ERR_NOMEM, or the callback's error.
 * Once a call fails, every later feed/finish returns the same error.
 * Feeding after lf_ingest_finish returns LF_ERR_CONFLICT.
 */
int lf_ingest_feed(lf_ingest_parser *p, const char *buf, size_t len);

/*
 * Signals the end of the input: delivers the last item if the input did
 * not end with a newline, and fails with LF_ERR_INVALID on truncated input
 * (unterminated quoted field, string, array or object). Empty input is not
 * an error (0 items); the caller decides whether it is acceptable.
 */
int lf_ingest_finish(lf_ingest_parser *p);

/*
 * The message of the error that stopped the parse ("line N: ..."), or NULL
 * while no feed/finish has failed. Owned by the parser, valid until the
 * parser is freed.
 */
const char *lf_ingest_error(const lf_ingest_parser *p);

/* The 1-based line of the error that stopped the parse, 0 if none. */
int64_t lf_ingest_error_line(const lf_ingest_parser *p);

/* Number of items delivered to the callback so far (in check_only mode:
 * of good items checked so far). */
int64_t lf_ingest_items(const lf_ingest_parser *p);

/* Number of bad items skipped in skip mode (not bounded). */
size_t lf_ingest_skipped(const lf_ingest_parser *p);

/* Number of recorded skip errors: min(lf_ingest_skipped, LF_INGEST_MAX_ERRORS). */
size_t lf_ingest_skipped_recorded(const lf_ingest_parser *p);

/*
 * The i-th recorded skip error (0-based, in input order): returns its
 * message without the "line N: " prefix and stores its line in *line (if
 * line is not NULL). Returns NULL if i is out of range. Owned by the
 * parser, valid until it is freed.
 */
const char *lf_ingest_skipped_error(const lf_ingest_parser *p, size_t i, int64_t *line);

/* Frees the parser and everything it buffers. NULL is allowed. */
void lf_ingest_parser_free(lf_ingest_parser *p);

/*
 * Guesses the format of an upload. In order: a specific content type
 * (parameters such as "; charset=utf-8" ignored), else the filename
 * extension, else a sniff of the first n bytes ('[' -> json, '{' -> jsonl
 * when the first line is a whole object, else json; a tab in the first
 * line -> tsv; anything else -> text). Any argument may be NULL. Returns
 * LF_ERR_INVALID when nothing identifies the format.
 */
int lf_ingest_detect(const char *content_type, const char *filename, const char *first_bytes,
		     size_t n, lf_ingest_format *out);

/* Canonical name of a format ("csv", "tsv", "json", "jsonl", "text",
 * "label_studio"); a static string, "unknown" for an invalid value. */
const char *lf_ingest_format_name(lf_ingest_format f);

/*
 * Parses a format name: the canonical names plus the aliases "ndjson",
 * "txt", "label_studio_json" (case-insensitive). Returns LF_ERR_INVALID for
 * anything else.
 */
int lf_ingest_format_parse(const char *name, lf_ingest_format *out);

#endif
