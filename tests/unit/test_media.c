/*
 * test_media.c - the pure parts of media serving: the Range parser (RFC
 * 9110 single ranges; everything else is the whole file; misses are 416)
 * and the signed-URL check (expiry, forgery, another item or user), plus
 * what a name or a sniffed type says a file is.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_single),     cmocka_unit_test(test_range_suffix),
	    cmocka_unit_test(test_range_ignored),    cmocka_unit_test(test_range_unsatisfiable),
	    cmocka_unit_test(test_sign_round_trip),  cmocka_unit_test(test_sign_refusals),
	    cmocka_unit_test(test_sign_key_derived), cmocka_unit_test(test_kinds),
	};
	if (sodium_init() < 0)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
