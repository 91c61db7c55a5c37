/*
 * detect.c - format names and guessing the format of an upload from its
 * content type, filename and first bytes.
 */
#include "ingest/ingest_int.h"

#include <strings.h>

struct name_map {
	const char *name;
	lf_ingest_format fmt;
};

static int from_content_type(const char *ct, lf_ingest_format *out);
static int from_filename(const char *filename, lf_ingest_format *out);
static int from_bytes(const char *s, size_t n, lf_ingest_format *out);
static int lookup(const struct name_map *map, size_t len, const char *s, size_t n,
		  lf_ingest_format *out);

/* Generic types such as application/octet-stream are absent on purpose:
 * they say nothing, so the filename decides. */
static const struct name_map content_types[] = {
    {"text/csv", LF_INGEST_CSV},
    {"text/x-csv", LF_INGEST_CSV},
    {"application/csv", LF_INGEST_CSV},
    {"text/tab-separated-values", LF_INGEST_TSV},
    {"text/tsv", LF_INGEST_TSV},
    {"application/x-ndjson", LF_INGEST_JSONL},
    {"application/ndjson", LF_INGEST_JSONL},
    {"application/jsonl", LF_INGEST_JSONL},
    {"application/x-jsonlines", LF_INGEST_JSONL},
    {"application/jsonlines", LF_INGEST_JSONL},
    {"application/json", LF_INGEST_JSON},
    {"text/json", LF_INGEST_JSON},
    {"text/plain", LF_INGEST_TEXT},
};

static const struct name_map extensions[] = {
    {"csv", LF_INGEST_CSV},	{"tsv", LF_INGEST_TSV},	     {"tab", LF_INGEST_TSV},
    {"jsonl", LF_INGEST_JSONL}, {"ndjson", LF_INGEST_JSONL}, {"json", LF_INGEST_JSON},
    {"txt", LF_INGEST_TEXT},
};

static const struct name_map names[] = {
    {"csv", LF_INGEST_CSV},
    {"tsv", LF_INGEST_TSV},
    {"json", LF_INGEST_JSON},
    {"jsonl", LF_INGEST_JSONL},
    {"text", LF_INGEST_TEXT},
    {"label_studio", LF_INGEST_LABEL_STUDIO},
    {"ndjson", LF_INGEST_JSONL},
    {"txt", LF_INGEST_TEXT},
    {"label_studio_json", LF_INGEST_LABEL_STUDIO},
};

const char *lf_ingest_format_name(lf_ingest_format f)
{
	switch (f) {
	case LF_INGEST_CSV: return "csv";
	case LF_INGEST_TSV: return "tsv";
	case LF_INGEST_JSON: return "json";
	case LF_INGEST_JSONL: return "jsonl";
	case LF_INGEST_TEXT: return "text";
	case LF_INGEST_LABEL_STUDIO: return "label_studio";
	}
	return "unknown";
}

int lf_ingest_format_parse(const char *name, lf_ingest_format *out)
{
	if (name == NULL)
		return LF_ERR_INVALID;
	return lookup(names, LF_ARRAY_LEN(names), name, strlen(name), out);
}

int lf_ingest_detect(const char *content_type, const char *filename, const char *first_bytes,
		     size_t n, lf_ingest_format *out)
{
	if (content_type != NULL && from_content_type(content_type, out) == LF_OK)
		return LF_OK;
	if (filename != NULL && from_filename(filename, out) == LF_OK)
		return LF_OK;
	if (first_bytes != NULL && from_bytes(first_bytes, n, out) == LF_OK)
		return LF_OK;
	return LF_ERR_INVALID;
}

/* Compares the media type without parameters and surrounding blanks. */
static int from_content_type(const char *ct, lf_ingest_format *out)
{
	size_t n;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	return lookup(content_types, LF_ARRAY_LEN(content_types), ct, n, out);
}

static int from_filename(const char *filename, lf_ingest_format *out)
{
	const char *dot = strrchr(filename, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return LF_ERR_INVALID;
	return lookup(extensions, LF_ARRAY_LEN(extensions), dot + 1, strlen(dot + 1), out);
}

/*
 * Last resort. '{' opening a first line that is a whole object suggests
 * JSON Lines; otherwise json, whose parser also accepts a sequence of
 * objects, is the safe choice. CSV cannot be told from prose by its first
 * bytes, so a file without a tab in its first line is taken as text.
 */
static int from_bytes(const char *s, size_t n, lf_ingest_format *out)
{
	size_t i = 0;
	size_t eol;
	size_t last;

	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (i == n)
		return LF_ERR_INVALID;
	if (s[i] == '[') {
		*out = LF_INGEST_JSON;
		return LF_OK;
	}
	for (eol = i; eol < n && s[eol] != '\n'; eol++)
		;
	if (s[i] == '{') {
		last = eol;
		while (last > i &&
		       (s[last - 1] == ' ' || s[last - 1] == '\t' || s[last - 1] == '\r'))
			last--;
		*out = eol < n && s[last - 1] == '}' ? LF_INGEST_JSONL : LF_INGEST_JSON;
		return LF_OK;
	}
	*out = memchr(s + i, '\t', eol - i) != NULL ? LF_INGEST_TSV : LF_INGEST_TEXT;
	return LF_OK;
}

static int lookup(const struct name_map *map, size_t len, const char *s, size_t n,
		  lf_ingest_format *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (strlen(map[i].name) == n && strncasecmp(map[i].name, s, n) == 0) {
			*out = map[i].fmt;
			return LF_OK;
		}
	}
	return LF_ERR_INVALID;
}
