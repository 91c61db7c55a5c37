/*
 * preview.c - a task's data in one short line, for the data manager's
 * table.
 *
 * The preview is made from the text of the task's data JSON without
 * parsing it: a page of the table shows up to 500 tasks, some with
 * hundreds of kilobytes of text each, and only the first few of their
 * strings are ever shown. So the scanner reads at most PREVIEW_SCAN bytes
 * and takes the string values it meets (keys are strings followed by a
 * colon), which also works on a prefix cut anywhere.
 */
#include "tasks/tasks.h"

#include <string.h>

/* Bytes of data read: enough for 160 characters behind a few keys. */
#define PREVIEW_SCAN 4096

struct out {
	char *buf;
	size_t len, cap; /* cap keeps room for the ellipsis and the NUL */
	int chars;	 /* characters written */
	int space;	 /* the last character written is a space */
	int full;
};

static int utf8_len(unsigned char c);
static void put_char(struct out *o, const char *s, size_t n);
static void put_space(struct out *o);
static size_t put_string(struct out *o, const char *s, size_t n);
static void put_codepoint(struct out *o, unsigned cp);
static size_t skip_string(const char *s, size_t n);
static int hex4(const char *s, unsigned *cp);

/* The length of the UTF-8 sequence a lead byte starts; 0 for a
 * continuation byte (the data was checked as UTF-8 on import). */
static int utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xC0 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static void put_char(struct out *o, const char *s, size_t n)
{
	if (o->full)
		return;
	if (o->chars == LF_TASKS_PREVIEW_CHARS || o->len + n > o->cap) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->chars++;
	o->space = n == 1 && s[0] == ' ';
}

/* Runs of white space (newlines in long texts) show as one space. */
static void put_space(struct out *o)
{
	if (o->len > 0 && !o->space)
		put_char(o, " ", 1);
}

static void put_codepoint(struct out *o, unsigned cp)
{
	char u[4];
	if (cp < 0x20 || cp == 0x7F) {
		put_space(o);
	} else if (cp < 0x80) {
		u[0] = (char)cp;
		put_char(o, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		put_char(o, u, 2);
	} else {
		/* Surrogate halves stand alone here; show the replacement. */
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 0xFFFD;
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		put_char(o, u, 3);
	}
}

static int hex4(const char *s, unsigned *cp)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	*cp = v;
	return 1;
}

/* Writes the string whose body starts at s (after the opening quote),
 * unescaped; returns the bytes consumed, closing quote included. */
static size_t put_string(struct out *o, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] != '"') {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\' && i + 1 < n) {
			unsigned cp;
			char e = s[i + 1];
			if (e == 'u' && i + 6 <= n && hex4(s + i + 2, &cp)) {
				put_codepoint(o, cp);
				i += 6;
				continue;
			}
			if (e == 'n' || e == 't' || e == 'r' || e == 'b' || e == 'f')
				put_space(o);
			else
				put_char(o, &s[i + 1], 1);
			i += 2;
			continue;
		}
		int len = utf8_len(c);
		if (len == 0 || i + (size_t)len > n)
			break;
		if (c < 0x20 || c == ' ')
			put_space(o);
		else
			put_char(o, s + i, (size_t)len);
		i += (size_t)len;
	}
	return i < n ? i + 1 : n;
}

/* The bytes of the string body at s, closing quote included. */
static size_t skip_string(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] != '"')
		i += s[i] == '\\' ? 2 : 1;
	return i < n ? i + 1 : n;
}

size_t lf_tasks_preview(const char *json, char *out, size_t outlen)
{
	static const char sep[] = " \xC2\xB7 "; /* " · " */
	static const char ellipsis[] = "\xE2\x80\xA6";
	struct out o = {.buf = out, .cap = outlen - sizeof(ellipsis)};
	size_t n = json ? strnlen(json, PREVIEW_SCAN) : 0;
	int values = 0;

	for (size_t i = 0; i < n && !o.full;) {
		if (json[i] != '"') {
			i++;
			continue;
		}
		size_t body = i + 1, end = body + skip_string(json + body, n - body), k = end;
		while (k < n &&
		       (json[k] == ' ' || json[k] == '\n' || json[k] == '\t' || json[k] == '\r'))
			k++;
		if ((k < n && json[k] == ':') || json[body] == '"') {
			i = k < n && json[k] == ':' ? k + 1 : end;
			continue;
		}
		if (values++ > 0) {
			o.space = 0;
			for (size_t s = 0; s < sizeof(sep) - 1;) {
				int len = utf8_len((unsigned char)sep[s]);
				put_char(&o, sep + s, (size_t)len);
				s += (size_t)len;
			}
		}
		put_string(&o, json + body, n - body);
		i = end;
	}
	if (values == 0) {
		/* No strings (numbers, say): the JSON text itself. */
		for (size_t i = 0; i < n && !o.full;) {
			int len = utf8_len((unsigned char)json[i]);
			if (len == 0 || i + (size_t)len > n)
				break;
			if ((unsigned char)json[i] < 0x20 || json[i] == ' ')
				put_space(&o);
			else
				put_char(&o, json + i, (size_t)len);
			i += (size_t)len;
		}
	}
	while (o.len > 0 && o.buf[o.len - 1] == ' ')
		o.len--;
	if (o.full || n == PREVIEW_SCAN) {
		memcpy(o.buf + o.len, ellipsis, sizeof(ellipsis) - 1);
		o.len += sizeof(ellipsis) - 1;
	}
	o.buf[o.len] = '\0';
	return o.len;
}
