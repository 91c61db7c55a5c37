/*
 * test_tokens.c - the pure checks of an API token (tokens/tokens.h): its
 * format, the hash comparison, the role cap and the project list.
 */
#include "tokens/tokens.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "authz/authz.h"

#define PREFIX "0123456789ab"
#define SECRET "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* BLAKE2b-256 of s in hex, computed here rather than by the module. */
static void blake2b_hex(const char *s, char out[LF_PAT_HASH_SIZE])
{
	unsigned char d[32];
	assert_int_equal(
	    crypto_generichash(d, sizeof(d), (const unsigned char *)s, strlen(s), NULL, 0), 0);
	sodium_bin2hex(out, LF_PAT_HASH_SIZE, d, sizeof(d));
}

static void test_parse(void **state)
{
	(void)state;
	char prefix[LF_PAT_ID_LEN + 1];
	const char *secret = NULL;
	assert_int_equal(lf_tokens_parse("lf_pat_" PREFIX "_" SECRET, prefix, &secret), LF_OK);
	assert_string_equal(prefix, PREFIX);
	assert_string_equal(secret, SECRET);
	assert_true(lf_tokens_is_token("lf_pat_x"));
	assert_false(lf_tokens_is_token("eyJhbGciOiJIUzI1NiJ9.x.y"));
	/* Wrong length, separator or prefix characters. */
	assert_int_equal(lf_tokens_parse("lf_pat_" PREFIX "_" SECRET "0", prefix, &secret),
			 LF_ERR_AUTH);
	assert_int_equal(lf_tokens_parse("lf_pat_" PREFIX "-" SECRET, prefix, &secret),
			 LF_ERR_AUTH);
	assert_int_equal(lf_tokens_parse("lf_pat_0123456789aZ_" SECRET, prefix, &secret),
			 LF_ERR_AUTH);
	assert_int_equal(lf_tokens_parse("lf_pat_", prefix, &secret), LF_ERR_AUTH);
	assert_int_equal(lf_tokens_parse("Bearer", prefix, &secret), LF_ERR_AUTH);
}

static void test_verify(void **state)
{
	(void)state;
	char hash[LF_PAT_HASH_SIZE];
	blake2b_hex(SECRET, hash);
	assert_true(lf_tokens_verify(SECRET, hash));
	assert_false(lf_tokens_verify(SECRET "0", hash));
	hash[0] = hash[0] == '0' ? '1' : '0';
	assert_false(lf_tokens_verify(SECRET, hash));
	assert_false(lf_tokens_verify(SECRET, "abc"));
	assert_false(lf_tokens_verify(SECRET, NULL));
}

static void test_role_mask(void **state)
{
	(void)state;
	unsigned all = LF_PROLE_ANNOTATOR | LF_PROLE_REVIEWER | LF_PROLE_SUPER_REVIEWER;
	assert_int_equal(lf_tokens_role_mask("annotator"), LF_PROLE_ANNOTATOR);
	assert_int_equal(lf_tokens_role_mask("reviewer"), LF_PROLE_ANNOTATOR | LF_PROLE_REVIEWER);
	assert_int_equal(lf_tokens_role_mask("super_reviewer"), all);
	assert_int_equal(lf_tokens_role_mask("admin"), all);
	assert_int_equal(lf_tokens_role_mask("root"), 0);
	assert_int_equal(lf_tokens_role_mask(NULL), 0);
}

static void test_projects(void **state)
{
	(void)state;
	assert_true(lf_tokens_allows_project(NULL, 5));
	assert_true(lf_tokens_allows_project("[3,5]", 5));
	assert_false(lf_tokens_allows_project("[3,5]", 4));
	assert_false(lf_tokens_allows_project("[35]", 3));
	assert_false(lf_tokens_allows_project("not json", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_role_mask),
	    cmocka_unit_test(test_projects),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
