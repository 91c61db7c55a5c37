/*
 * json.c - the json and label_studio formats: a streaming tokenizer that
 * finds where each top-level element starts and ends, so only that element
 * is ever buffered; jansson then parses the element alone.
 *
 * The tokenizer tracks only what decides element boundaries: nesting
 * depth, whether it is inside a string, and a pending backslash. Syntax
 * errors inside an element are left to jansson and cost only that item.
 *
 * The document is either one top-level array (elements end at ',' or ']'
 * at depth 0) or a sequence of top-level objects separated by whitespace
 * (each ends at its closing brace), which covers a single object and JSON
 * Lines sent as JSON.
 */
#include "ingest/ingest_int.h"

enum {
	J_START,       /* before the top-level value */
	J_ARR_FIRST,   /* after '[' */
	J_ARR_NEXT,    /* after ',' */
	J_ARR_ELEM,    /* inside an array element */
	J_ARR_DONE,    /* after the closing ']' */
	J_SEQ_BETWEEN, /* between top-level objects */
	J_SEQ_ELEM     /* inside a top-level object */
};

enum { ELEM_OPEN, ELEM_END, ELEM_END_ARRAY };

static int scan_elem(lf_ingest_parser *p, const char **pos, const char *end, int *outcome);
static int elem_done(lf_ingest_parser *p, const char *seg, const char *seg_end);
static int elem_partial(lf_ingest_parser *p, const char *seg, const char *seg_end);
static void start_elem(lf_ingest_parser *p, int state);

int lf_ingest_json_feed(lf_ingest_parser *p, const char *s, size_t n)
{
	const char *pos = s;
	const char *end = s + n;
	const char *seg;
	int ret = LF_OK;
	int outcome;
	char c;

	while (pos < end) {
		if (p->jstate == J_ARR_ELEM || p->jstate == J_SEQ_ELEM) {
			seg = pos;
			ret = scan_elem(p, &pos, end, &outcome);
			if (ret != LF_OK)
				break;
			if (outcome == ELEM_OPEN) {
				ret = elem_partial(p, seg, pos);
				break;
			}
			/* for an array element the delimiter is not part of it */
			ret = elem_done(p, seg, p->jstate == J_SEQ_ELEM ? pos + 1 : pos);
			if (p->jstate == J_SEQ_ELEM)
				p->jstate = J_SEQ_BETWEEN;
			else
				p->jstate = outcome == ELEM_END_ARRAY ? J_ARR_DONE : J_ARR_NEXT;
			pos++;
			if (ret != LF_OK)
				break;
			continue;
		}
		c = *pos;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (c == '\n')
				p->line++;
			pos++;
			continue;
		}
		switch (p->jstate) {
		case J_START:
			if (c == '[') {
				p->jstate = J_ARR_FIRST;
				pos++;
			} else if (c == '{') {
				start_elem(p, J_SEQ_ELEM);
			} else {
				ret = lf_ingest_stream_error(p, p->line,
							     "expected a JSON array or object");
			}
			break;
		case J_ARR_FIRST:
		case J_ARR_NEXT:
			if (c == ']' && p->jstate == J_ARR_FIRST) {
				p->jstate = J_ARR_DONE;
				pos++;
			} else if (c == ']' || c == ',') {
				ret = lf_ingest_stream_error(p, p->line, "missing array element");
			} else {
				start_elem(p, J_ARR_ELEM);
			}
			break;
		case J_ARR_DONE:
			ret = lf_ingest_stream_error(p, p->line, "unexpected data after the array");
			break;
		case J_SEQ_BETWEEN:
			if (c == '{')
				start_elem(p, J_SEQ_ELEM);
			else
				ret = lf_ingest_stream_error(p, p->line, "expected a JSON object");
			break;
		}
		if (ret != LF_OK)
			break;
	}
	return ret;
}

int lf_ingest_json_finish(lf_ingest_parser *p)
{
	switch (p->jstate) {
	case J_START:
	case J_ARR_DONE:
	case J_SEQ_BETWEEN: return LF_OK;
	case J_ARR_ELEM:
	case J_SEQ_ELEM:
		if (p->in_str)
			return lf_ingest_stream_error(p, p->item_line,
						      "truncated JSON: unterminated string");
		if (p->jstate == J_SEQ_ELEM)
			return lf_ingest_stream_error(p, p->item_line,
						      "truncated JSON: unterminated object");
		break;
	}
	return lf_ingest_stream_error(p, p->line, "truncated JSON: unterminated array");
}

static void start_elem(lf_ingest_parser *p, int state)
{
	p->jstate = state;
	p->item_line = p->line;
	p->depth = 0;
	p->in_str = false;
	p->esc = false;
	p->discard = false;
	p->buf.len = 0;
}

/*
 * Advances *pos through the current element. On return *pos is at the
 * byte that ends it (outcome ELEM_END or ELEM_END_ARRAY) or at end
 * (ELEM_OPEN). The state lives in locals during the scan because stores
 * through the parser would otherwise be reloaded after every byte read
 * (char pointers alias everything).
 */
static int scan_elem(lf_ingest_parser *p, const char **pos, const char *end, int *outcome)
{
	const char *s = *pos;
	int64_t depth = p->depth;
	int64_t line = p->line;
	bool in_str = p->in_str;
	bool esc = p->esc;
	bool seq = p->jstate == J_SEQ_ELEM;
	int ret = LF_OK;
	char c;

	*outcome = ELEM_OPEN;
	while (s < end) {
		c = *s;
		if (in_str) {
			if (esc) {
				esc = false;
			} else if (c == '"') {
				in_str = false;
			} else if (c == '\\') {
				esc = true;
			} else if (c == '\n') {
				line++;
			}
			s++;
			continue;
		}
		switch (c) {
		case '"': in_str = true; break;
		case '{':
		case '[': depth++; break;
		case '}':
		case ']':
			if (depth == 0) {
				if (!seq && c == ']') {
					*outcome = ELEM_END_ARRAY;
					goto cleanup;
				}
				ret = lf_ingest_stream_error(p, line, "unexpected '%c'", c);
				goto cleanup;
			}
			depth--;
			if (seq && depth == 0) {
				*outcome = ELEM_END;
				goto cleanup;
			}
			break;
		case ',':
			if (!seq && depth == 0) {
				*outcome = ELEM_END;
				goto cleanup;
			}
			break;
		case '\n': line++; break;
		default: break;
		}
		s++;
	}
cleanup:
	*pos = s;
	p->depth = depth;
	p->line = line;
	p->in_str = in_str;
	p->esc = esc;
	return ret;
}

/*
 * The element continues past this chunk: keep its bytes, within the cap.
 * Past the cap its bytes are dropped (discard) but the verdict waits for
 * its end, as when the element comes in one chunk: a stream error inside
 * it must win over its size wherever the chunks split the input.
 */
static int elem_partial(lf_ingest_parser *p, const char *seg, const char *seg_end)
{
	size_t n = (size_t)(seg_end - seg);

	if (p->discard)
		return LF_OK;
	if (p->buf.len + n > p->max_item) {
		p->buf.len = 0;
		p->discard = true;
		return LF_OK;
	}
	return lf_ingest_buf_append(&p->buf, seg, n);
}

/* The element ends at seg_end: parse it in place when it lies wholly in
 * this chunk, else from the buffer. */
static int elem_done(lf_ingest_parser *p, const char *seg, const char *seg_end)
{
	size_t n = (size_t)(seg_end - seg);
	int ret;

	if (p->discard || p->buf.len + n > p->max_item) {
		ret = lf_ingest_oversize(p, p->item_line);
	} else if (p->buf.len == 0) {
		ret = lf_ingest_deliver_json(p, seg, n, p->item_line);
	} else {
		ret = lf_ingest_buf_append(&p->buf, seg, n);
		if (ret == LF_OK)
			ret = lf_ingest_deliver_json(p, p->buf.p, p->buf.len, p->item_line);
	}
	p->buf.len = 0;
	p->discard = false;
	return ret;
}
