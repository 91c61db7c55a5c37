/*
 * test_password.c - argon2id password hashing, the timing-equaliser, and the
 * opaque refresh tokens / ids that sit next to them in auth.
 */
#include "auth/auth.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define HEX	 "0123456789abcdef"
#define B64URL	 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define NTHREADS 4

static void *hash_worker(void *arg);

static void test_hash_and_verify(void **state)
{
	char h1[LF_PASSWORD_HASH_MAX], h2[LF_PASSWORD_HASH_MAX];

	assert_int_equal(lf_auth_init(LF_PASSWORD_INTERACTIVE), LF_OK);
	assert_int_equal(lf_password_hash("correct horse", h1), LF_OK);
	assert_int_equal(strncmp(h1, "$argon2id$v=19$m=65536,t=2,p=1$", 31), 0);
	assert_int_equal(lf_password_verify(h1, "correct horse"), LF_OK);
	assert_int_equal(lf_password_verify(h1, "correct horsf"), LF_ERR_AUTH);
	assert_int_equal(lf_password_verify(h1, "correct hors"), LF_ERR_AUTH);
	assert_int_equal(lf_password_verify(h1, ""), LF_ERR_AUTH);

	/* Salted: the same password never hashes to the same string. */
	assert_int_equal(lf_password_hash("correct horse", h2), LF_OK);
	assert_string_not_equal(h1, h2);
	assert_int_equal(lf_password_verify(h2, "correct horse"), LF_OK);
	assert_int_equal(lf_password_needs_rehash(h1), 0);
}

static void test_length_limits(void **state)
{
	char h[LF_PASSWORD_HASH_MAX];
	char *pw = malloc(LF_PASSWORD_MAX + 2);

	assert_non_null(pw);
	assert_int_equal(lf_password_hash("1234567", h), LF_ERR_INVALID);
	assert_int_equal(lf_password_hash("", h), LF_ERR_INVALID);
	assert_int_equal(lf_password_hash(NULL, h), LF_ERR_INVALID);
	assert_int_equal(lf_password_hash("12345678", h), LF_OK);
	assert_int_equal(lf_password_verify(h, "12345678"), LF_OK);

	memset(pw, 'p', LF_PASSWORD_MAX);
	pw[LF_PASSWORD_MAX] = '\0';
	assert_int_equal(lf_password_hash(pw, h), LF_OK);
	assert_int_equal(lf_password_verify(h, pw), LF_OK);
	pw[LF_PASSWORD_MAX] = 'p';
	pw[LF_PASSWORD_MAX + 1] = '\0';
	assert_int_equal(lf_password_hash(pw, h), LF_ERR_INVALID);
	assert_int_equal(lf_password_verify(h, pw), LF_ERR_AUTH);
	free(pw);
}

static void test_verify_bad_hashes(void **state)
{
	char h[LF_PASSWORD_HASH_MAX];
	char long_hash[LF_PASSWORD_HASH_MAX + 10];

	assert_int_equal(lf_password_verify(NULL, "whatever1"), LF_ERR_AUTH);
	assert_int_equal(lf_password_verify("", "whatever1"), LF_ERR_AUTH);
	assert_int_equal(lf_password_verify("$argon2id$garbage", "whatever1"), LF_ERR_AUTH);
	assert_int_equal(lf_password_verify("$2b$12$abcdefghijklmnopqrstuv", "whatever1"),
			 LF_ERR_AUTH);
	memset(long_hash, 'x', sizeof(long_hash) - 1);
	long_hash[sizeof(long_hash) - 1] = '\0';
	assert_int_equal(lf_password_verify(long_hash, "whatever1"), LF_ERR_AUTH);

	assert_int_equal(lf_password_hash("whatever1", h), LF_OK);
	assert_int_equal(lf_password_verify(h, NULL), LF_ERR_AUTH);
	/* A hash cut short must not verify anything. */
	h[strlen(h) - 4] = '\0';
	assert_int_equal(lf_password_verify(h, "whatever1"), LF_ERR_AUTH);
}

static void test_needs_rehash(void **state)
{
	char h[LF_PASSWORD_HASH_MAX];

	assert_int_equal(lf_password_needs_rehash("not a hash"), 1);
	assert_int_equal(lf_password_needs_rehash(NULL), 1);

	/* Older algorithm: still verifies, but should be upgraded. */
	assert_int_equal(crypto_pwhash_str_alg(h, "legacy-pass", 11,
					       crypto_pwhash_argon2i_OPSLIMIT_INTERACTIVE,
					       crypto_pwhash_argon2i_MEMLIMIT_INTERACTIVE,
					       crypto_pwhash_ALG_ARGON2I13),
			 0);
	assert_int_equal(lf_password_verify(h, "legacy-pass"), LF_OK);
	assert_int_equal(lf_password_needs_rehash(h), 1);

	/* Different cost: should be brought back to the current one. */
	assert_int_equal(crypto_pwhash_str_alg(h, "cheap-pass", 10, 3,
					       crypto_pwhash_MEMLIMIT_MIN * 8,
					       crypto_pwhash_ALG_ARGON2ID13),
			 0);
	assert_int_equal(lf_password_verify(h, "cheap-pass"), LF_OK);
	assert_int_equal(lf_password_needs_rehash(h), 1);
}

/* The cost is chosen once, before any hashing: a second one would leave
 * the timing-equaliser's dummy hash at the first. */
static void test_cost_chosen_once(void **state)
{
	char h[LF_PASSWORD_HASH_MAX];

	assert_int_equal(lf_auth_init(LF_PASSWORD_INTERACTIVE), LF_OK);
	assert_int_equal(lf_auth_init(LF_PASSWORD_MINIMUM), LF_ERR_INVALID);
	assert_int_equal(lf_auth_init((lf_password_cost)3), LF_ERR_INVALID);
	assert_int_equal(lf_auth_init((lf_password_cost)-1), LF_ERR_INVALID);
	assert_int_equal(lf_password_hash("still interactive", h), LF_OK);
	assert_int_equal(strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31), 0);
}

/* An unknown account must cost about as much as a wrong password. The bound
 * is loose (a third) so a busy machine does not make the test flaky; skipping
 * the work would make burn thousands of times faster. */
static void test_burn_costs_like_verify(void **state)
{
	char h[LF_PASSWORD_HASH_MAX];
	int64_t t0, t_verify, t_burn;

	assert_int_equal(lf_password_hash("real password", h), LF_OK);
	lf_password_burn("warm up the dummy");
	t0 = lf_mono_us();
	assert_int_equal(lf_password_verify(h, "wrong password"), LF_ERR_AUTH);
	t_verify = lf_mono_us() - t0;
	t0 = lf_mono_us();
	lf_password_burn("wrong password");
	t_burn = lf_mono_us() - t0;
	assert_true(t_burn * 3 >= t_verify);
	assert_true(t_burn > 1000);
	lf_password_burn(NULL);
}

static void *hash_worker(void *arg)
{
	char h[LF_PASSWORD_HASH_MAX];
	int *ok = arg;

	*ok = lf_password_hash("parallel pass", h) == LF_OK &&
	      lf_password_verify(h, "parallel pass") == LF_OK &&
	      lf_password_verify(h, "parallel fail") == LF_ERR_AUTH;
	return NULL;
}

/* More callers than CPUs: the limiter must queue them, not fail or deadlock. */
static void test_concurrent(void **state)
{
	pthread_t th[NTHREADS];
	int ok[NTHREADS] = {0};
	int i;

	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hash_worker, &ok[i]), 0);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(ok[i]);
	}
}

static void test_token_new(void **state)
{
	char a[LF_TOKEN_SIZE], b[LF_TOKEN_SIZE];
	char small[LF_TOKEN_SIZE - 1];

	assert_int_equal(LF_TOKEN_SIZE, 44);
	assert_int_equal(lf_token_new(a, sizeof(a)), LF_OK);
	assert_int_equal(lf_token_new(b, sizeof(b)), LF_OK);
	assert_int_equal(strlen(a), 43);
	assert_int_equal(strspn(a, B64URL), 43);
	assert_string_not_equal(a, b);
	assert_int_equal(lf_token_new(small, sizeof(small)), LF_ERR_INVALID);
	assert_int_equal(lf_token_new(NULL, 100), LF_ERR_INVALID);
}

static void test_token_hash(void **state)
{
	char h1[LF_TOKEN_HASH_SIZE], h2[LF_TOKEN_HASH_SIZE], tok[LF_TOKEN_SIZE];

	lf_token_hash("abc", h1);
	assert_string_equal(h1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	assert_int_equal(lf_token_new(tok, sizeof(tok)), LF_OK);
	lf_token_hash(tok, h1);
	lf_token_hash(tok, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(strlen(h1), 64);
	assert_int_equal(strspn(h1, HEX), 64);
	tok[0] = tok[0] == 'A' ? 'B' : 'A';
	lf_token_hash(tok, h2);
	assert_string_not_equal(h1, h2);
}

static void test_token_id(void **state)
{
	char a[LF_TOKEN_ID_SIZE], b[LF_TOKEN_ID_SIZE];
	lf_jwt_claims c;

	lf_token_id(a, sizeof(a));
	lf_token_id(b, sizeof(b));
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strspn(a, HEX), 32);
	assert_string_not_equal(a, b);
	/* Ids are meant to fit the JWT claim fields. */
	lf_token_id(c.jti, sizeof(c.jti));
	lf_token_id(c.sid, sizeof(c.sid));
	assert_int_equal(strlen(c.jti), 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_and_verify),   cmocka_unit_test(test_length_limits),
	    cmocka_unit_test(test_verify_bad_hashes), cmocka_unit_test(test_needs_rehash),
	    cmocka_unit_test(test_cost_chosen_once),  cmocka_unit_test(test_burn_costs_like_verify),
	    cmocka_unit_test(test_concurrent),	      cmocka_unit_test(test_token_new),
	    cmocka_unit_test(test_token_hash),	      cmocka_unit_test(test_token_id),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
