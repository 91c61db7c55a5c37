/*
 * fastjson.c - a fast path for turning one JSON item into jansson values.
 *
 * json_loadb reads its input through a per-byte callback and costs about
 * 1.2 us for a 70-byte object, which alone would cap JSONL imports below
 * 1M rows/s. This parser builds the same jansson values directly from the
 * buffer, taking strings without escapes straight from the input.
 *
 * It is deliberately partial: on anything it does not handle, or any
 * error, it returns NULL and the caller falls back to json_loadb, which
 * stays the reference for what is valid and produces the error messages.
 * So it must never accept what jansson rejects, and must build exactly
 * what jansson would; it is free to give up on rare inputs (deep nesting,
 * integers of 19+ digits, \u0000, lone surrogates, very long reals).
 *
 * lf_ingest_fast_check walks the same grammar without building anything,
 * for uploads that are only validated: it accepts exactly what the fast
 * parser would build, so it inherits the parser's promise never to accept
 * what jansson rejects, and gives up where the parser does.
 *
 * The input has already been checked to be valid UTF-8, so raw bytes
 * >= 0x80 are copied without decoding. strtod runs in the C locale (the
 * server never calls setlocale), where the decimal point is '.'.
 */
#include "ingest/ingest_int.h"

#include <math.h>
#include <stdlib.h>

#define FJ_MAX_DEPTH 64
#define FJ_MAX_REAL  63

typedef struct fj {
	const char *s;
	const char *end;
	lf_ingest_buf *scratch;
	int depth;
} fj;

static json_t *fj_value(fj *f);
static json_t *fj_object(fj *f);
static json_t *fj_array(fj *f);
static json_t *fj_number(fj *f);
static json_t *fj_literal(fj *f, const char *word, size_t n, json_t *v);
static bool fj_string(fj *f, const char **out, size_t *outlen, size_t *scratch_mark);
static bool fj_unescape(fj *f, const char *start);
static bool fj_hex4(const char *s, unsigned *out);
static void fj_ws(fj *f);
static bool fc_value(fj *f, int *kind, size_t *count, size_t *bad);
static bool fc_object(fj *f, lf_ingest_shape *shape);
static bool fc_array(fj *f, size_t *count, size_t *bad);
static bool fc_number(fj *f);
static bool fc_literal(fj *f, const char *word, size_t n);
static bool fc_string(fj *f, bool *escaped);
static int fc_member(const char *key, size_t len);

/* Kinds of value the check tells apart. */
enum { FC_SCALAR, FC_NULL, FC_OBJECT, FC_ARRAY };
/* Top-level members as a Label Studio task sees them; M_META is "meta" and
 * "id", allowed beside "data" and otherwise ignored. */
enum { M_OTHER, M_DATA, M_PREDICTIONS, M_ANNOTATIONS, M_META };

json_t *lf_ingest_fast_parse(const char *s, size_t n, lf_ingest_buf *scratch)
{
	fj f = {.s = s, .end = s + n, .scratch = scratch, .depth = 0};
	json_t *v;

	scratch->len = 0;
	v = fj_value(&f);
	if (v == NULL)
		return NULL;
	fj_ws(&f);
	if (f.s != f.end) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static void fj_ws(fj *f)
{
	while (f->s < f->end && (*f->s == ' ' || *f->s == '\t' || *f->s == '\n' || *f->s == '\r'))
		f->s++;
}

static json_t *fj_value(fj *f)
{
	const char *str;
	size_t len;
	size_t mark;
	json_t *v;

	fj_ws(f);
	if (f->s >= f->end)
		return NULL;
	switch (*f->s) {
	case '{': return fj_object(f);
	case '[': return fj_array(f);
	case '"':
		if (!fj_string(f, &str, &len, &mark))
			return NULL;
		v = json_stringn_nocheck(str, len);
		f->scratch->len = mark;
		return v;
	case 't': return fj_literal(f, "true", 4, json_true());
	case 'f': return fj_literal(f, "false", 5, json_false());
	case 'n': return fj_literal(f, "null", 4, json_null());
	default: return fj_number(f);
	}
}

static json_t *fj_literal(fj *f, const char *word, size_t n, json_t *v)
{
	if ((size_t)(f->end - f->s) < n || memcmp(f->s, word, n) != 0)
		return NULL;
	f->s += n;
	return v;
}

/* A key decoded into scratch is addressed by offset, since decoding the
 * value may grow (and move) the scratch buffer. */
static json_t *fj_object(fj *f)
{
	json_t *obj = NULL;
	json_t *v;
	const char *key;
	size_t klen;
	size_t mark;
	bool in_scratch;
	size_t koff;

	if (++f->depth > FJ_MAX_DEPTH)
		goto fail;
	f->s++;
	obj = json_object();
	if (obj == NULL)
		goto fail;
	fj_ws(f);
	if (f->s < f->end && *f->s == '}') {
		f->s++;
		f->depth--;
		return obj;
	}
	for (;;) {
		fj_ws(f);
		if (f->s >= f->end || *f->s != '"' || !fj_string(f, &key, &klen, &mark))
			goto fail;
		in_scratch = f->scratch->len != mark;
		koff = in_scratch ? (size_t)(key - f->scratch->p) : 0;
		fj_ws(f);
		if (f->s >= f->end || *f->s != ':')
			goto fail;
		f->s++;
		v = fj_value(f);
		if (v == NULL)
			goto fail;
		if (in_scratch)
			key = f->scratch->p + koff;
		if (json_object_setn_new_nocheck(obj, key, klen, v) != 0)
			goto fail;
		f->scratch->len = mark;
		fj_ws(f);
		if (f->s < f->end && *f->s == ',') {
			f->s++;
			continue;
		}
		if (f->s < f->end && *f->s == '}') {
			f->s++;
			break;
		}
		goto fail;
	}
	f->depth--;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

static json_t *fj_array(fj *f)
{
	json_t *arr = NULL;
	json_t *v;

	if (++f->depth > FJ_MAX_DEPTH)
		goto fail;
	f->s++;
	arr = json_array();
	if (arr == NULL)
		goto fail;
	fj_ws(f);
	if (f->s < f->end && *f->s == ']') {
		f->s++;
		f->depth--;
		return arr;
	}
	for (;;) {
		v = fj_value(f);
		if (v == NULL || json_array_append_new(arr, v) != 0)
			goto fail;
		fj_ws(f);
		if (f->s < f->end && *f->s == ',') {
			f->s++;
			continue;
		}
		if (f->s < f->end && *f->s == ']') {
			f->s++;
			break;
		}
		goto fail;
	}
	f->depth--;
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

/* RFC 8259 number grammar; integers of up to 18 digits cannot overflow
 * int64, longer ones are left to jansson. */
static json_t *fj_number(fj *f)
{
	const char *start = f->s;
	const char *s = f->s;
	const char *end = f->end;
	const char *digits;
	bool neg = false;
	bool real = false;
	int64_t iv = 0;
	char tmp[FJ_MAX_REAL + 1];
	char *ep;
	double d;
	size_t len;

	if (s < end && *s == '-') {
		neg = true;
		s++;
	}
	digits = s;
	if (s < end && *s == '0') {
		s++;
	} else if (s < end && *s >= '1' && *s <= '9') {
		while (s < end && *s >= '0' && *s <= '9') {
			if (s - digits == 18)
				return NULL;
			iv = iv * 10 + (*s++ - '0');
		}
	} else {
		return NULL;
	}
	if (s < end && *s == '.') {
		real = true;
		if (++s >= end || *s < '0' || *s > '9')
			return NULL;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		real = true;
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		if (s >= end || *s < '0' || *s > '9')
			return NULL;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	f->s = s;
	if (!real)
		return json_integer(neg ? -iv : iv);
	len = (size_t)(s - start);
	if (len > FJ_MAX_REAL)
		return NULL;
	memcpy(tmp, start, len);
	tmp[len] = '\0';
	d = strtod(tmp, &ep);
	if (ep != tmp + len || isinf(d))
		return NULL;
	return json_real(d);
}

/*
 * Reads the string at f->s (an opening quote). Without escapes the result
 * points into the input; otherwise it is decoded onto the end of scratch.
 * *scratch_mark is the scratch length to restore once the string is used.
 */
static bool fj_string(fj *f, const char **out, size_t *outlen, size_t *scratch_mark)
{
	const char *start = ++f->s;
	const char *s = start;
	unsigned char c;

	*scratch_mark = f->scratch->len;
	while (s < f->end) {
		c = (unsigned char)*s;
		if (c == '"') {
			*out = start;
			*outlen = (size_t)(s - start);
			f->s = s + 1;
			return true;
		}
		if (c == '\\') {
			f->s = s;
			if (!fj_unescape(f, start))
				return false;
			*out = f->scratch->p + *scratch_mark;
			*outlen = f->scratch->len - *scratch_mark;
			return true;
		}
		if (c < 0x20)
			return false;
		s++;
	}
	return false;
}

/* Slow path of fj_string from the first backslash at f->s. */
static bool fj_unescape(fj *f, const char *start)
{
	lf_ingest_buf *b = f->scratch;
	const char *s = f->s;
	unsigned cp;
	unsigned lo;
	char u[4];
	size_t un;
	char c;

	if (lf_ingest_buf_append(b, start, (size_t)(s - start)) != LF_OK)
		return false;
	while (s < f->end) {
		c = *s;
		if (c == '"') {
			f->s = s + 1;
			return true;
		}
		if ((unsigned char)c < 0x20)
			return false;
		if (c != '\\') {
			if (lf_ingest_buf_append(b, s++, 1) != LF_OK)
				return false;
			continue;
		}
		if (++s >= f->end)
			return false;
		switch (*s) {
		case '"':
		case '\\':
		case '/': c = *s; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if (f->end - s < 5 || !fj_hex4(s + 1, &cp) || cp == 0)
				return false;
			s += 5;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return false;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (f->end - s < 6 || s[0] != '\\' || s[1] != 'u' ||
				    !fj_hex4(s + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return false;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				s += 6;
			}
			if (cp < 0x80) {
				u[0] = (char)cp;
				un = 1;
			} else if (cp < 0x800) {
				u[0] = (char)(0xC0 | (cp >> 6));
				u[1] = (char)(0x80 | (cp & 0x3F));
				un = 2;
			} else if (cp < 0x10000) {
				u[0] = (char)(0xE0 | (cp >> 12));
				u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
				u[2] = (char)(0x80 | (cp & 0x3F));
				un = 3;
			} else {
				u[0] = (char)(0xF0 | (cp >> 18));
				u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
				u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
				u[3] = (char)(0x80 | (cp & 0x3F));
				un = 4;
			}
			if (lf_ingest_buf_append(b, u, un) != LF_OK)
				return false;
			continue;
		default: return false;
		}
		if (lf_ingest_buf_append(b, &c, 1) != LF_OK)
			return false;
		s++;
	}
	return false;
}

static bool fj_hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int i;
	char c;

	for (i = 0; i < 4; i++) {
		c = s[i];
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (unsigned)(c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

bool lf_ingest_fast_check(const char *s, size_t n, lf_ingest_shape *shape)
{
	fj f = {.s = s, .end = s + n, .scratch = NULL, .depth = 0};
	int kind;
	bool ok;

	memset(shape, 0, sizeof(*shape));
	fj_ws(&f);
	if (f.s < f.end && *f.s == '{') {
		shape->object = true;
		ok = fc_object(&f, shape);
	} else {
		ok = fc_value(&f, &kind, NULL, NULL);
	}
	if (!ok)
		return false;
	fj_ws(&f);
	return f.s == f.end;
}

/* fj_value's grammar; *kind gets what the value is, and for an array
 * count and bad (may be NULL) get its length and first non-object. */
static bool fc_value(fj *f, int *kind, size_t *count, size_t *bad)
{
	bool escaped;

	fj_ws(f);
	if (f->s >= f->end)
		return false;
	*kind = FC_SCALAR;
	switch (*f->s) {
	case '{': *kind = FC_OBJECT; return fc_object(f, NULL);
	case '[': *kind = FC_ARRAY; return fc_array(f, count, bad);
	case '"': return fc_string(f, &escaped);
	case 't': return fc_literal(f, "true", 4);
	case 'f': return fc_literal(f, "false", 5);
	case 'n': *kind = FC_NULL; return fc_literal(f, "null", 4);
	default: return fc_number(f);
	}
}

static bool fc_literal(fj *f, const char *word, size_t n)
{
	if ((size_t)(f->end - f->s) < n || memcmp(f->s, word, n) != 0)
		return false;
	f->s += n;
	return true;
}

static int fc_member(const char *key, size_t len)
{
	static const struct {
		const char *name;
		size_t len;
		int member;
	} members[] = {
	    {"data", 4, M_DATA},
	    {"predictions", 11, M_PREDICTIONS},
	    {"annotations", 11, M_ANNOTATIONS},
	    {"meta", 4, M_META},
	    {"id", 2, M_META},
	};
	size_t i;

	for (i = 0; i < LF_ARRAY_LEN(members); i++) {
		if (members[i].len == len && memcmp(members[i].name, key, len) == 0)
			return members[i].member;
	}
	return M_OTHER;
}

/* fj_object's grammar. At the top level (shape not NULL) the members that
 * make a Label Studio task are noted; a name with escapes there gives up,
 * since only its decoded form could say which member it is. */
static bool fc_object(fj *f, lf_ingest_shape *shape)
{
	const char *key;
	size_t klen;
	size_t count;
	size_t bad;
	bool escaped;
	int kind;
	int member;
	int i;

	if (++f->depth > FJ_MAX_DEPTH)
		return false;
	f->s++;
	fj_ws(f);
	if (f->s < f->end && *f->s == '}') {
		f->s++;
		f->depth--;
		return true;
	}
	for (;;) {
		fj_ws(f);
		if (f->s >= f->end || *f->s != '"')
			return false;
		key = f->s + 1;
		if (!fc_string(f, &escaped) || (shape != NULL && escaped))
			return false;
		klen = (size_t)(f->s - 1 - key);
		fj_ws(f);
		if (f->s >= f->end || *f->s != ':')
			return false;
		f->s++;
		count = 0;
		bad = SIZE_MAX;
		if (!fc_value(f, &kind, &count, &bad))
			return false;
		member = shape != NULL ? fc_member(key, klen) : M_META;
		if (member == M_OTHER) {
			shape->other_keys = true;
		} else if (member == M_DATA) {
			shape->data_object = kind == FC_OBJECT;
		} else if (member == M_PREDICTIONS || member == M_ANNOTATIONS) {
			i = member == M_ANNOTATIONS;
			shape->count[i] = count;
			shape->bad[i] = bad;
			if (kind == FC_NULL)
				shape->lists[i] = LF_INGEST_LIST_NONE;
			else if (kind != FC_ARRAY)
				shape->lists[i] = LF_INGEST_LIST_NOT_ARRAY;
			else if (bad < count)
				shape->lists[i] = LF_INGEST_LIST_BAD_ELEM;
			else
				shape->lists[i] = LF_INGEST_LIST_OK;
		}
		fj_ws(f);
		if (f->s < f->end && *f->s == ',') {
			f->s++;
			continue;
		}
		if (f->s < f->end && *f->s == '}') {
			f->s++;
			break;
		}
		return false;
	}
	f->depth--;
	return true;
}

static bool fc_array(fj *f, size_t *count, size_t *bad)
{
	size_t n = 0;
	size_t first_bad = SIZE_MAX;
	int kind;

	if (++f->depth > FJ_MAX_DEPTH)
		return false;
	f->s++;
	fj_ws(f);
	if (f->s < f->end && *f->s == ']') {
		f->s++;
	} else {
		for (;;) {
			if (!fc_value(f, &kind, NULL, NULL))
				return false;
			if (kind != FC_OBJECT && first_bad == SIZE_MAX)
				first_bad = n;
			n++;
			fj_ws(f);
			if (f->s < f->end && *f->s == ',') {
				f->s++;
				continue;
			}
			if (f->s < f->end && *f->s == ']') {
				f->s++;
				break;
			}
			return false;
		}
	}
	f->depth--;
	if (count != NULL)
		*count = n;
	if (bad != NULL)
		*bad = first_bad;
	return true;
}

/* fj_number's grammar. A real without an exponent has at most
 * FJ_MAX_REAL digits, so it cannot overflow: only one with an exponent
 * needs strtod to tell. */
static bool fc_number(fj *f)
{
	const char *start = f->s;
	const char *s = f->s;
	const char *end = f->end;
	const char *digits;
	bool real = false;
	bool exp = false;
	char tmp[FJ_MAX_REAL + 1];
	char *ep;
	double d;
	size_t len;

	if (s < end && *s == '-')
		s++;
	digits = s;
	if (s < end && *s == '0') {
		s++;
	} else if (s < end && *s >= '1' && *s <= '9') {
		while (s < end && *s >= '0' && *s <= '9') {
			if (s - digits == 18)
				return false;
			s++;
		}
	} else {
		return false;
	}
	if (s < end && *s == '.') {
		real = true;
		if (++s >= end || *s < '0' || *s > '9')
			return false;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		real = exp = true;
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		if (s >= end || *s < '0' || *s > '9')
			return false;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	f->s = s;
	if (!real)
		return true;
	len = (size_t)(s - start);
	if (len > FJ_MAX_REAL)
		return false;
	if (!exp)
		return true;
	memcpy(tmp, start, len);
	tmp[len] = '\0';
	d = strtod(tmp, &ep);
	return ep == tmp + len && !isinf(d);
}

/* fj_string and fj_unescape's grammar, without decoding: *escaped tells
 * whether the string's bytes differ from its value. */
static bool fc_string(fj *f, bool *escaped)
{
	const char *s = f->s + 1;
	const char *end = f->end;
	unsigned cp;
	unsigned lo;
	unsigned char c;

	*escaped = false;
	while (s < end) {
		c = (unsigned char)*s;
		if (c == '"') {
			f->s = s + 1;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c != '\\') {
			s++;
			continue;
		}
		*escaped = true;
		if (++s >= end)
			return false;
		switch (*s) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't': s++; break;
		case 'u':
			if (end - s < 5 || !fj_hex4(s + 1, &cp) || cp == 0)
				return false;
			s += 5;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return false;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (end - s < 6 || s[0] != '\\' || s[1] != 'u' ||
				    !fj_hex4(s + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return false;
				s += 6;
			}
			break;
		default: return false;
		}
	}
	return false;
}
