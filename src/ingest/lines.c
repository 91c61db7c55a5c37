/*
 * lines.c - line-oriented formats: jsonl (a JSON value per line) and text
 * (a {"text": line} item per line).
 *
 * This is the hot path of large imports, so lines are found with memchr
 * and a line lying wholly inside the chunk is parsed in place; only a line
 * split across chunks is copied into the item buffer.
 */
#include "ingest/ingest_int.h"

static int line_done(lf_ingest_parser *p, const char *s, size_t n, int64_t line);
static int text_item(lf_ingest_parser *p, const char *s, size_t n, int64_t line);
static bool is_blank(const char *s, size_t n);

int lf_ingest_lines_feed(lf_ingest_parser *p, const char *s, size_t n)
{
	const char *pos = s;
	const char *end = s + n;
	const char *nl;
	size_t len;
	int ret = LF_OK;

	while (pos < end) {
		nl = memchr(pos, '\n', (size_t)(end - pos));
		len = (size_t)((nl != NULL ? nl : end) - pos);
		if (p->discard) {
			/* the oversize line was already reported */
		} else if (nl != NULL && p->buf.len == 0) {
			ret = line_done(p, pos, len, p->line);
		} else if (p->buf.len + len > p->max_item + 1) {
			/* +1 leaves room for the '\r' of a CRLF after a line of
			 * exactly max_item bytes */
			p->buf.len = 0;
			p->discard = true;
			ret = lf_ingest_oversize(p, p->line);
		} else {
			ret = lf_ingest_buf_append(&p->buf, pos, len);
			if (ret == LF_OK && nl != NULL) {
				ret = line_done(p, p->buf.p, p->buf.len, p->line);
				p->buf.len = 0;
			}
		}
		if (ret != LF_OK || nl == NULL)
			break;
		p->discard = false;
		p->line++;
		pos = nl + 1;
	}
	return ret;
}

int lf_ingest_lines_finish(lf_ingest_parser *p)
{
	int ret = LF_OK;

	if (!p->discard && p->buf.len > 0)
		ret = line_done(p, p->buf.p, p->buf.len, p->line);
	p->buf.len = 0;
	return ret;
}

/* Handles one complete line (without its '\n'). */
static int line_done(lf_ingest_parser *p, const char *s, size_t n, int64_t line)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	/* Size first: a line split across chunks is refused by its size before
	 * its end shows whether it is blank, so a whole one must be too. */
	if (n > p->max_item)
		return lf_ingest_oversize(p, line);
	if (is_blank(s, n))
		return LF_OK;
	if (p->fmt == LF_INGEST_TEXT)
		return text_item(p, s, n, line);
	return lf_ingest_deliver_json(p, s, n, line);
}

static int text_item(lf_ingest_parser *p, const char *s, size_t n, int64_t line)
{
	json_t *obj;
	json_t *str;

	if (!lf_utf8_valid(s, n))
		return lf_ingest_item_error(p, line, LF_ERR_INVALID, "invalid UTF-8");
	if (p->check_only)
		return lf_ingest_count_item(p);
	obj = json_object();
	if (obj == NULL)
		return LF_ERR_NOMEM;
	str = json_stringn_nocheck(s, n);
	if (json_object_set_new_nocheck(obj, "text", str) != 0 || str == NULL) {
		json_decref(obj);
		return LF_ERR_NOMEM;
	}
	return lf_ingest_deliver_object(p, obj, line);
}

/* Lines of only spaces and tabs carry no item. The first byte of a real
 * line is almost never blank, so this is cheap. */
static bool is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	}
	return true;
}
