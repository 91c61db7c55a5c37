/*
 * range.c - byte ranges of media: the one Range form serving honours, a
 * single byte range (RFC 9110 section 14.1.2), and reading one from a
 * blob as the response is sent. Any other Range is answered with the
 * whole resource, as the RFC allows; only a range that misses the
 * resource entirely is refused (416).
 */
#include "media/media.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct lf_media_part {
	lf_blob_reader *r;
	uint64_t start, len;
	uint64_t pos; /* where the reader is, from start */
};

static int read_u64(const char **p, uint64_t *out);

/* Reads one or more digits; 0 when there are none or they overflow. */
static int read_u64(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (!isdigit((unsigned char)*s))
		return 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return 1;
}

int lf_media_range_parse(const char *header, uint64_t size, uint64_t *start, uint64_t *len,
			 int *partial)
{
	uint64_t a = 0, b = 0;
	int has_a, has_b;
	*start = 0;
	*len = size;
	*partial = 0;
	if (header == NULL)
		return LF_OK;
	const char *p = header;
	while (*p == ' ')
		p++;
	if (strncmp(p, "bytes=", 6) != 0)
		return LF_OK;
	p += 6;
	while (*p == ' ')
		p++;
	has_a = read_u64(&p, &a);
	if (*p++ != '-')
		return LF_OK;
	has_b = read_u64(&p, &b);
	while (*p == ' ')
		p++;
	/* A second range (","), junk, "bytes=-" or a reversed range: ignored. */
	if (*p != '\0' || (!has_a && !has_b) || (has_a && has_b && b < a))
		return LF_OK;
	if (!has_a) {
		/* A suffix: the last b bytes (all of them when b > size). */
		if (b == 0 || size == 0)
			return LF_ERR_RANGE;
		*len = b < size ? b : size;
		*start = size - *len;
	} else {
		if (a >= size)
			return LF_ERR_RANGE;
		uint64_t last = has_b && b < size - 1 ? b : size - 1;
		*start = a;
		*len = last - a + 1;
	}
	*partial = 1;
	return LF_OK;
}

int lf_media_part_open(lf_blob_store *bs, const char *key, uint64_t start, uint64_t len,
		       lf_media_part **out)
{
	int ret = LF_ERR_NOMEM;
	lf_media_part *p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto cleanup;
	p->start = start;
	p->len = len;
	if ((ret = lf_blob_open_read(bs, key, &p->r)) != LF_OK ||
	    (ret = lf_blob_seek(p->r, start)) != LF_OK)
		goto cleanup;
	*out = p;
	p = NULL;
cleanup:
	lf_media_part_free(p);
	return ret;
}

/* The server asks for consecutive positions; a jump (it never makes one
 * today) is honoured with a seek rather than assumed away. */
ssize_t lf_media_part_read(void *part, uint64_t pos, char *buf, size_t max)
{
	lf_media_part *p = part;
	size_t n = 0;
	if (pos >= p->len)
		return -1;
	if (pos != p->pos && lf_blob_seek(p->r, p->start + pos) != LF_OK)
		return -1;
	if (max > p->len - pos)
		max = (size_t)(p->len - pos);
	if (lf_blob_read(p->r, buf, max, &n) != LF_OK || n == 0)
		return -1;
	p->pos = pos + n;
	return (ssize_t)n;
}

void lf_media_part_free(void *part)
{
	lf_media_part *p = part;
	if (p == NULL)
		return;
	lf_blob_close_read(p->r);
	free(p);
}
