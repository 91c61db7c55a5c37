/*
 * test_media.c - the pure parts of media serving: the Range parser (RFC
 * 9110 single ranges; everything else is the whole file; misses are 416)
 * and the signed-URL check (expiry, forgery, another item or user), plus
 * what a name or a sniffed type says a file is, and where a long
 * recording's segments lie.
 */
#include "media/media.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void expect_range(const char *h, uint64_t size, uint64_t start, uint64_t len, int partial);
static void test_range_single(void **state);
static void test_range_suffix(void **state);
static void test_range_ignored(void **state);
static void test_range_unsatisfiable(void **state);
static void test_sign_round_trip(void **state);
static void test_sign_refusals(void **state);
static void test_sign_key_derived(void **state);
static void test_kinds(void **state);
static void expect_segments(int64_t duration, int64_t length, int64_t overlap, const char *want);
static void test_segments_rule(void **state);
static void test_segments_edges(void **state);
static void test_segments_refused(void **state);

static const unsigned char jwt_key[32] = {1, 2, 3, 4, 5, 6, 7, 8};
#define NOW 1700000000

static void expect_range(const char *h, uint64_t size, uint64_t start, uint64_t len, int partial)
{
	uint64_t s = 99, l = 99;
	int p = 99;
	assert_int_equal(lf_media_range_parse(h, size, &s, &l, &p), LF_OK);
	assert_int_equal(p, partial);
	assert_int_equal(s, start);
	assert_int_equal(l, len);
}

static void test_range_single(void **state)
{
	expect_range("bytes=0-99", 1000, 0, 100, 1);
	expect_range("bytes=500-599", 1000, 500, 100, 1);
	expect_range("bytes=999-999", 1000, 999, 1, 1);
	expect_range("bytes=990-", 1000, 990, 10, 1);
	/* An end past the file is cut to it. */
	expect_range("bytes=900-5000", 1000, 900, 100, 1);
	expect_range(" bytes=1-2 ", 1000, 1, 2, 1);
}

static void test_range_suffix(void **state)
{
	expect_range("bytes=-500", 1000, 500, 500, 1);
	expect_range("bytes=-1", 1000, 999, 1, 1);
	/* More than the file: all of it, still a 206. */
	expect_range("bytes=-5000", 1000, 0, 1000, 1);
}

static void test_range_ignored(void **state)
{
	expect_range(NULL, 1000, 0, 1000, 0);
	expect_range("", 1000, 0, 1000, 0);
	expect_range("items=0-5", 1000, 0, 1000, 0);
	expect_range("bytes=0-1,5-6", 1000, 0, 1000, 0);
	expect_range("bytes=9-3", 1000, 0, 1000, 0);
	expect_range("bytes=-", 1000, 0, 1000, 0);
	expect_range("bytes=a-b", 1000, 0, 1000, 0);
	expect_range("bytes=1-2x", 1000, 0, 1000, 0);
	expect_range("bytes=99999999999999999999999-", 1000, 0, 1000, 0);
}

static void test_range_unsatisfiable(void **state)
{
	uint64_t s, l;
	int p;
	assert_int_equal(lf_media_range_parse("bytes=1000-", 1000, &s, &l, &p), LF_ERR_RANGE);
	assert_int_equal(lf_media_range_parse("bytes=2000-3000", 1000, &s, &l, &p), LF_ERR_RANGE);
	assert_int_equal(lf_media_range_parse("bytes=-0", 1000, &s, &l, &p), LF_ERR_RANGE);
	assert_int_equal(lf_media_range_parse("bytes=0-", 0, &s, &l, &p), LF_ERR_RANGE);
	assert_int_equal(lf_media_range_parse("bytes=-10", 0, &s, &l, &p), LF_ERR_RANGE);
}

static void test_sign_round_trip(void **state)
{
	unsigned char key[32];
	char sig[65], exp[24];
	int64_t uid = 0;
	lf_media_url_key(jwt_key, key);
	lf_media_sign(key, 42, NOW + 600, 7, sig);
	assert_int_equal(strlen(sig), 64);
	snprintf(exp, sizeof(exp), "%d", NOW + 600);
	assert_int_equal(lf_media_sign_check(key, 42, exp, "7", sig, NOW, &uid), LF_OK);
	assert_int_equal(uid, 7);
	/* Valid up to and including its expiry second. */
	assert_int_equal(lf_media_sign_check(key, 42, exp, "7", sig, NOW + 600, &uid), LF_OK);
}

static void test_sign_refusals(void **state)
{
	unsigned char key[32], other[32];
	char sig[65], bad[65], exp[24];
	int64_t uid = 0;
	lf_media_url_key(jwt_key, key);
	lf_media_sign(key, 42, NOW + 600, 7, sig);
	snprintf(exp, sizeof(exp), "%d", NOW + 600);
	/* expired */
	assert_int_equal(lf_media_sign_check(key, 42, exp, "7", sig, NOW + 601, &uid),
			 LF_ERR_FORBIDDEN);
	/* another item, another user, a later expiry */
	assert_int_equal(lf_media_sign_check(key, 43, exp, "7", sig, NOW, &uid), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_media_sign_check(key, 42, exp, "8", sig, NOW, &uid), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_media_sign_check(key, 42, "1700000601", "7", sig, NOW, &uid),
			 LF_ERR_FORBIDDEN);
	/* one hex digit changed */
	memcpy(bad, sig, sizeof(bad));
	bad[10] = bad[10] == '0' ? '1' : '0';
	assert_int_equal(lf_media_sign_check(key, 42, exp, "7", bad, NOW, &uid), LF_ERR_FORBIDDEN);
	/* another server's key */
	memcpy(other, key, sizeof(other));
	other[0] ^= 1;
	assert_int_equal(lf_media_sign_check(other, 42, exp, "7", sig, NOW, &uid),
			 LF_ERR_FORBIDDEN);
	/* malformed or missing parameters */
	assert_int_equal(lf_media_sign_check(key, 42, NULL, "7", sig, NOW, &uid), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_media_sign_check(key, 42, exp, NULL, sig, NOW, &uid), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_media_sign_check(key, 42, exp, "7", NULL, NOW, &uid), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_media_sign_check(key, 42, exp, "07x", sig, NOW, &uid),
			 LF_ERR_FORBIDDEN);
	assert_int_equal(lf_media_sign_check(key, 42, "-1", "7", sig, NOW, &uid), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_media_sign_check(key, 42, exp, "7", "abc", NOW, &uid),
			 LF_ERR_FORBIDDEN);
	assert_int_equal(uid, 0);
}

/* The URL key is not the JWT key itself, and follows it. */
static void test_sign_key_derived(void **state)
{
	unsigned char a[32], b[32], other_jwt[32];
	lf_media_url_key(jwt_key, a);
	assert_memory_not_equal(a, jwt_key, 32);
	memcpy(other_jwt, jwt_key, 32);
	other_jwt[31] ^= 0x80;
	lf_media_url_key(other_jwt, b);
	assert_memory_not_equal(a, b, 32);
}

static void test_kinds(void **state)
{
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
					    0,	  0,   0,   13,	 'I',  'H',  'D',  'R'};
	char mime[96];
	assert_int_equal(lf_media_sniff(png, sizeof(png), mime, sizeof(mime)), LF_OK);
	assert_string_equal(mime, "image/png");
	assert_int_equal(lf_media_sniff("just text\n", 10, mime, sizeof(mime)), LF_OK);
	assert_string_equal(mime, "text/plain");
	assert_int_equal(lf_media_kind_of_mime("image/png"), LF_MEDIA_IMAGE);
	assert_int_equal(lf_media_kind_of_mime("image/svg+xml"), LF_MEDIA_NONE);
	assert_int_equal(lf_media_kind_of_mime("audio/x-wav"), LF_MEDIA_AUDIO);
	assert_int_equal(lf_media_kind_of_mime("video/mp4"), LF_MEDIA_VIDEO);
	assert_int_equal(lf_media_kind_of_mime("text/plain"), LF_MEDIA_NONE);
	assert_int_equal(lf_media_kind_of_name("a/B.JPG"), LF_MEDIA_IMAGE);
	assert_int_equal(lf_media_kind_of_name("x.wav"), LF_MEDIA_AUDIO);
	assert_int_equal(lf_media_kind_of_name("x.mp4"), LF_MEDIA_VIDEO);
	assert_int_equal(lf_media_kind_of_name("x.webm"), LF_MEDIA_NONE);
	assert_int_equal(lf_media_kind_of_name("noext"), LF_MEDIA_NONE);
}

/* Compares the segments with want, "start-end start-end ..." in ms. */
static void expect_segments(int64_t duration, int64_t length, int64_t overlap, const char *want)
{
	lf_media_span sp[64];
	char got[1024] = "";
	int n = -1;
	assert_int_equal(lf_media_segments(duration, length, overlap, sp, 64, &n), LF_OK);
	for (int i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%lld-%lld", i ? " " : "",
			 (long long)sp[i].start_ms, (long long)sp[i].end_ms);
	assert_string_equal(got, want);
}

static void test_segments_rule(void **state)
{
	/* The example: 95 s in 30 s with 2 s overlap. */
	expect_segments(95000, 30000, 2000, "0-30000 28000-58000 56000-86000 84000-95000");
	/* No overlap: back to back. */
	expect_segments(95000, 30000, 0, "0-30000 30000-60000 60000-90000 90000-95000");
	/* Odd milliseconds are kept, not rounded to seconds. */
	expect_segments(61234, 30000, 2000, "0-30000 28000-58000 56000-61234");
}

static void test_segments_edges(void **state)
{
	/* Shorter than one segment, or exactly one: the whole file. */
	expect_segments(20000, 30000, 2000, "0-20000");
	expect_segments(30000, 30000, 2000, "0-30000");
	/* Exact multiples of the step end on the last full segment. */
	expect_segments(58000, 30000, 2000, "0-30000 28000-58000");
	expect_segments(86000, 30000, 2000, "0-30000 28000-58000 56000-86000");
	/* A tail shorter than the overlap stretches the segment before it
	 * (no 0.5 s sliver), also when that is the only one... */
	expect_segments(58500, 30000, 2000, "0-30000 28000-58500");
	expect_segments(31000, 30000, 2000, "0-31000");
	/* ...while a tail of exactly the overlap is a segment of its own. */
	expect_segments(60000, 30000, 2000, "0-30000 28000-58000 56000-60000");
	expect_segments(1, 30000, 0, "0-1");
}

static void test_segments_refused(void **state)
{
	lf_media_span sp[4];
	int n = -1;
	/* Overlap at or past the length would never advance. */
	assert_int_equal(lf_media_segments(95000, 30000, 30000, sp, 4, &n), LF_ERR_INVALID);
	assert_int_equal(lf_media_segments(95000, 30000, 40000, sp, 4, &n), LF_ERR_INVALID);
	assert_int_equal(lf_media_segments(95000, 0, 0, sp, 4, &n), LF_ERR_INVALID);
	assert_int_equal(lf_media_segments(95000, 30000, -1, sp, 4, &n), LF_ERR_INVALID);
	assert_int_equal(lf_media_segments(0, 30000, 2000, sp, 4, &n), LF_ERR_INVALID);
	/* More than fit: counted, the first cap written. */
	assert_int_equal(lf_media_segments(3600000, 30000, 2000, sp, 4, &n), LF_ERR_LIMIT);
	assert_int_equal(n, 129);
	assert_int_equal(sp[3].start_ms, 84000);
	/* Counting only. */
	assert_int_equal(lf_media_segments(95000, 30000, 2000, NULL, 0, &n), LF_ERR_LIMIT);
	assert_int_equal(n, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_single),     cmocka_unit_test(test_range_suffix),
	    cmocka_unit_test(test_range_ignored),    cmocka_unit_test(test_range_unsatisfiable),
	    cmocka_unit_test(test_sign_round_trip),  cmocka_unit_test(test_sign_refusals),
	    cmocka_unit_test(test_sign_key_derived), cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_segments_rule),    cmocka_unit_test(test_segments_edges),
	    cmocka_unit_test(test_segments_refused),
	};
	if (sodium_init() < 0)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
