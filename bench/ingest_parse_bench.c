/*
 * ingest_parse_bench.c - throughput of the streaming import parsers alone
 * (no database): generates N small JSONL rows (and the same data as CSV)
 * in memory and feeds them in 64 KiB chunks, as libmicrohttpd would.
 *
 * Not built by make. Build and run from the repository root:
 *
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Isrc $(pkg-config --cflags jansson) \
 *       -o /tmp/ingest_parse_bench bench/ingest_parse_bench.c src/ingest/[a-z]*.c \
 *       src/core/[a-z]*.c $(pkg-config --libs jansson) -lm
 *   /tmp/ingest_parse_bench [rows]      # default 1000000
 */
#include "ingest/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (64 * 1024)

static int count_cb(void *ud, const lf_ingest_item *item);
static char *generate(lf_ingest_format fmt, long rows, size_t *len);
static int run(lf_ingest_format fmt, const char *data, size_t len, long rows);

static int count_cb(void *ud, const lf_ingest_item *item)
{
	(*(long *)ud)++;
	return LF_OK;
}

static char *generate(lf_ingest_format fmt, long rows, size_t *len)
{
	size_t cap = (size_t)rows * 96 + 64;
	char *buf = malloc(cap);
	size_t n = 0;
	long i;

	if (buf == NULL)
		return NULL;
	if (fmt == LF_INGEST_CSV)
		n += (size_t)snprintf(buf, cap, "id,text,source\n");
	for (i = 0; i < rows; i++) {
		if (fmt == LF_INGEST_CSV)
			n += (size_t)snprintf(buf + n, cap - n,
					      "%ld,\"The quick brown fox, number %ld\",crawl-%ld\n",
					      i, i, i % 17);
		else
			n += (size_t)snprintf(buf + n, cap - n,
					      "{\"id\":%ld,\"text\":\"The quick brown fox, number "
					      "%ld\",\"source\":\"crawl-%ld\"}\n",
					      i, i, i % 17);
	}
	*len = n;
	return buf;
}

static int run(lf_ingest_format fmt, const char *data, size_t len, long rows)
{
	lf_ingest_parser *p = NULL;
	long seen = 0;
	size_t off;
	size_t n;
	int64_t t0;
	double secs;
	int ret;

	ret = lf_ingest_parser_create(fmt, NULL, count_cb, &seen, &p);
	if (ret != LF_OK)
		goto cleanup;
	t0 = lf_mono_us();
	for (off = 0; off < len; off += n) {
		n = len - off < CHUNK ? len - off : CHUNK;
		ret = lf_ingest_feed(p, data + off, n);
		if (ret != LF_OK)
			goto cleanup;
	}
	ret = lf_ingest_finish(p);
	if (ret != LF_OK)
		goto cleanup;
	secs = (double)(lf_mono_us() - t0) / 1e6;
	if (seen != rows) {
		ret = LF_ERR_INTERNAL;
		goto cleanup;
	}
	printf("%-6s %ld rows, %.1f MB in %.3f s: %.0f rows/s, %.1f MB/s\n",
	       lf_ingest_format_name(fmt), rows, (double)len / 1e6, secs, (double)rows / secs,
	       (double)len / 1e6 / secs);
cleanup:
	if (ret != LF_OK)
		fprintf(stderr, "%s: %s\n", lf_ingest_format_name(fmt),
			p != NULL && lf_ingest_error(p) ? lf_ingest_error(p) : lf_err_str(ret));
	lf_ingest_parser_free(p);
	return ret;
}

int main(int argc, char **argv)
{
	static const lf_ingest_format fmts[] = {LF_INGEST_JSONL, LF_INGEST_CSV};
	long rows = argc > 1 ? atol(argv[1]) : 1000000;
	size_t len = 0;
	size_t i;
	char *data;

	for (i = 0; i < LF_ARRAY_LEN(fmts); i++) {
		data = generate(fmts[i], rows, &len);
		if (data == NULL || run(fmts[i], data, len, rows) != LF_OK) {
			free(data);
			return 1;
		}
		free(data);
	}
	return 0;
}
