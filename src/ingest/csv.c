/*
 * csv.c - RFC 4180 CSV and TSV as a resumable state machine.
 *
 * The row being read is decoded (quotes removed, "" unescaped) into the
 * item buffer with the end offset of each field alongside, so a chunk
 * boundary anywhere only leaves the state below to resume from. Runs of
 * plain bytes are scanned in tight loops and copied in one go.
 *
 * A bare '\r' ends a row like '\n' does; the empty row between the '\r'
 * and '\n' of a CRLF is a blank line and, like all blank lines, skipped.
 * A quote inside an unquoted field is kept literally (as most producers
 * expect); a stray byte after a closing quote makes the row bad.
 */
#include "ingest/ingest_int.h"

#include "core/strset.h"

#include <stdlib.h>

enum {
	C_FIELD_START, /* at the first byte of a field */
	C_UNQUOTED,    /* inside an unquoted field */
	C_QUOTED,      /* inside a quoted field */
	C_QUOTE_END    /* after a quote inside a quoted field: "" or the end */
};

static int field_bytes(lf_ingest_parser *p, const char *s, size_t n);
static int delimiter(lf_ingest_parser *p, char c);
static int end_field(lf_ingest_parser *p);
static int end_row(lf_ingest_parser *p);
static int set_header(lf_ingest_parser *p);
static int emit_row(lf_ingest_parser *p);
static void reset_row(lf_ingest_parser *p);

int lf_ingest_csv_feed(lf_ingest_parser *p, const char *s, size_t n)
{
	const char *pos = s;
	const char *end = s + n;
	const char *run;
	const char sep = p->sep;
	int ret = LF_OK;
	char c;

	while (pos < end) {
		switch (p->cstate) {
		case C_FIELD_START:
			if (*pos == '"') {
				p->row_quoted = true;
				p->cstate = C_QUOTED;
				pos++;
			} else {
				p->cstate = C_UNQUOTED;
			}
			break;
		case C_UNQUOTED:
			run = pos;
			while (pos < end && *pos != sep && *pos != '\n' && *pos != '\r')
				pos++;
			ret = field_bytes(p, run, (size_t)(pos - run));
			if (ret == LF_OK && pos < end)
				ret = delimiter(p, *pos++);
			break;
		case C_QUOTED:
			run = pos;
			while (pos < end && *pos != '"') {
				if (*pos == '\n')
					p->line++;
				pos++;
			}
			ret = field_bytes(p, run, (size_t)(pos - run));
			if (pos < end) {
				p->cstate = C_QUOTE_END;
				pos++;
			}
			break;
		case C_QUOTE_END:
			c = *pos++;
			if (c == '"') {
				p->cstate = C_QUOTED;
				ret = field_bytes(p, "\"", 1);
			} else if (c == sep || c == '\n' || c == '\r') {
				ret = delimiter(p, c);
			} else {
				p->cstate = C_UNQUOTED;
				ret = lf_ingest_item_error(
				    p, p->item_line, LF_ERR_INVALID,
				    "unexpected character after closing quote");
				p->discard = true;
			}
			break;
		}
		if (ret != LF_OK)
			break;
	}
	return ret;
}

int lf_ingest_csv_finish(lf_ingest_parser *p)
{
	if (p->cstate == C_QUOTED)
		return lf_ingest_stream_error(p, p->item_line, "unterminated quoted field");
	if (p->cstate == C_FIELD_START && p->nfields == 0) {
		reset_row(p);
		return LF_OK;
	}
	return delimiter(p, '\n');
}

void lf_ingest_csv_free(lf_ingest_parser *p)
{
	free(p->header);
	free(p->fend);
}

/* Appends decoded bytes to the current field, enforcing the size cap; the
 * field count is charged too so that a row of a million empty fields
 * cannot grow the offset array past the cap. */
static int field_bytes(lf_ingest_parser *p, const char *s, size_t n)
{
	int ret;

	if (p->discard || n == 0)
		return LF_OK;
	if (p->buf.len + n + p->nfields > p->max_item) {
		if (p->header == NULL)
			return lf_ingest_stream_error(p, p->item_line,
						      "header larger than %zu bytes", p->max_item);
		ret = lf_ingest_oversize(p, p->item_line);
		p->discard = true;
		p->buf.len = 0;
		p->nfields = 0;
		return ret;
	}
	return lf_ingest_buf_append(&p->buf, s, n);
}

/* A separator ends the field; a line end also ends the row. */
static int delimiter(lf_ingest_parser *p, char c)
{
	int ret = end_field(p);

	p->cstate = C_FIELD_START;
	if (ret != LF_OK || c == p->sep)
		return ret;
	ret = end_row(p);
	if (c == '\n')
		p->line++;
	p->item_line = p->line;
	return ret;
}

static int end_field(lf_ingest_parser *p)
{
	size_t ncap;
	size_t *nf;

	if (p->discard)
		return LF_OK;
	if (p->buf.len + p->nfields + 1 > p->max_item) {
		if (p->header == NULL)
			return lf_ingest_stream_error(p, p->item_line,
						      "header larger than %zu bytes", p->max_item);
		p->discard = true;
		return lf_ingest_oversize(p, p->item_line);
	}
	if (p->header == NULL && p->nfields == LF_INGEST_MAX_COLUMNS)
		return lf_ingest_stream_error(p, p->item_line,
					      "the header has more than %d columns (the limit)",
					      LF_INGEST_MAX_COLUMNS);
	if (p->nfields == p->fcap) {
		ncap = p->fcap ? p->fcap * 2 : 64;
		nf = realloc(p->fend, ncap * sizeof(*nf));
		if (nf == NULL)
			return LF_ERR_NOMEM;
		p->fend = nf;
		p->fcap = ncap;
	}
	p->fend[p->nfields++] = p->buf.len;
	return LF_OK;
}

static int end_row(lf_ingest_parser *p)
{
	int ret = LF_OK;

	if (p->discard)
		goto cleanup;
	if (p->nfields == 1 && p->buf.len == 0 && !p->row_quoted)
		goto cleanup;
	if (!lf_utf8_valid(p->buf.p, p->buf.len)) {
		if (p->header == NULL)
			ret = lf_ingest_stream_error(p, p->item_line, "invalid UTF-8 in header");
		else
			ret =
			    lf_ingest_item_error(p, p->item_line, LF_ERR_INVALID, "invalid UTF-8");
		goto cleanup;
	}
	if (p->header == NULL)
		ret = set_header(p);
	else if (p->nfields != p->nheader)
		ret = lf_ingest_item_error(p, p->item_line, LF_ERR_INVALID,
					   "expected %zu fields, got %zu", p->nheader, p->nfields);
	else
		ret = emit_row(p);
cleanup:
	reset_row(p);
	return ret;
}

/* Keeps the column names as NUL-terminated strings in one allocation:
 * the pointer array followed by the names. Duplicates are found through a
 * hash set: comparing every pair held a thread for a minute on a header of
 * 200,000 columns. */
static int set_header(lf_ingest_parser *p)
{
	int ret = LF_OK;
	lf_strset seen = {0};
	size_t i;
	size_t first;
	size_t start;
	size_t len;
	char *names;
	char **h = NULL;

	for (i = 0; i < p->nfields; i++) {
		start = i ? p->fend[i - 1] : 0;
		if (p->fend[i] == start) {
			ret = lf_ingest_stream_error(
			    p, p->item_line, "empty column name in header (column %zu)", i + 1);
			goto cleanup;
		}
	}
	if ((ret = lf_strset_init(&seen, p->nfields)) != LF_OK)
		goto cleanup;
	ret = LF_ERR_NOMEM;
	h = malloc(p->nfields * sizeof(*h) + p->buf.len + p->nfields);
	if (h == NULL)
		goto cleanup;
	names = (char *)(h + p->nfields);
	for (i = 0; i < p->nfields; i++) {
		start = i ? p->fend[i - 1] : 0;
		len = p->fend[i] - start;
		memcpy(names, p->buf.p + start, len);
		names[len] = '\0';
		h[i] = names;
		names += len + 1;
		ret = lf_strset_add(&seen, h[i], len, 0, i, &first);
		if (ret == LF_ERR_CONFLICT) {
			ret = lf_ingest_stream_error(
			    p, p->item_line,
			    "duplicate column name \"%.64s\" (columns %zu and %zu)", h[i],
			    first + 1, i + 1);
			goto cleanup;
		}
		if (ret != LF_OK)
			goto cleanup;
	}
	p->header = h;
	p->nheader = p->nfields;
	h = NULL;
cleanup:
	free(h);
	lf_strset_free(&seen);
	return ret;
}

static int emit_row(lf_ingest_parser *p)
{
	json_t *obj;
	json_t *v;
	size_t i;
	size_t start;

	if (p->check_only)
		return lf_ingest_count_item(p);
	obj = json_object();
	if (obj == NULL)
		return LF_ERR_NOMEM;
	for (i = 0; i < p->nfields; i++) {
		start = i ? p->fend[i - 1] : 0;
		v = json_stringn_nocheck(p->buf.p + start, p->fend[i] - start);
		if (v == NULL || json_object_set_new_nocheck(obj, p->header[i], v) != 0) {
			json_decref(obj);
			return LF_ERR_NOMEM;
		}
	}
	return lf_ingest_deliver_object(p, obj, p->item_line);
}

static void reset_row(lf_ingest_parser *p)
{
	p->buf.len = 0;
	p->nfields = 0;
	p->row_quoted = false;
	p->discard = false;
}
