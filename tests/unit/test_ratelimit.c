/*
 * test_ratelimit.c - token buckets per key, bounded by LRU eviction.
 */
#include "auth/auth.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>

#define T0		 1700000000000LL
#define NTHREADS	 4
#define TAKES_PER_THREAD 1000

struct race {
	lf_ratelimit *rl;
	int allowed;
};

static void *race_worker(void *arg);

static void test_burst_refuse_refill(void **state)
{
	lf_ratelimit *rl = lf_ratelimit_create(3, 1000, 16);
	int64_t retry = -1;
	int i;

	assert_non_null(rl);
	for (i = 0; i < 3; i++) {
		assert_int_equal(lf_ratelimit_take(rl, "acct:alice@x", T0, &retry), LF_OK);
		assert_int_equal(retry, 0);
	}
	assert_int_equal(lf_ratelimit_take(rl, "acct:alice@x", T0, &retry), LF_ERR_LIMIT);
	assert_int_equal(retry, 1000);
	assert_int_equal(lf_ratelimit_take(rl, "acct:alice@x", T0 + 999, &retry), LF_ERR_LIMIT);
	assert_int_equal(retry, 1);
	/* One token per interval, not the whole burst. */
	assert_int_equal(lf_ratelimit_take(rl, "acct:alice@x", T0 + 1000, &retry), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "acct:alice@x", T0 + 1000, &retry), LF_ERR_LIMIT);
	assert_int_equal(retry, 1000);
	assert_int_equal(lf_ratelimit_take(rl, "acct:alice@x", T0 + 2500, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "acct:alice@x", T0 + 2500, &retry), LF_ERR_LIMIT);
	assert_int_equal(retry, 500);

	/* A long pause refills to the burst and no further. */
	for (i = 0; i < 3; i++)
		assert_int_equal(lf_ratelimit_take(rl, "acct:alice@x", T0 + 60000, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "acct:alice@x", T0 + 60000, NULL), LF_ERR_LIMIT);
	lf_ratelimit_destroy(rl);
}

/* Hammering while refused must not push the next token further away. */
static void test_refusals_do_not_extend(void **state)
{
	lf_ratelimit *rl = lf_ratelimit_create(1, 1000, 4);
	int64_t retry;
	int i;

	assert_non_null(rl);
	assert_int_equal(lf_ratelimit_take(rl, "ip:10.0.0.1", T0, NULL), LF_OK);
	for (i = 0; i < 100; i++)
		assert_int_equal(lf_ratelimit_take(rl, "ip:10.0.0.1", T0 + i, NULL), LF_ERR_LIMIT);
	assert_int_equal(lf_ratelimit_take(rl, "ip:10.0.0.1", T0 + 600, &retry), LF_ERR_LIMIT);
	assert_int_equal(retry, 400);
	assert_int_equal(lf_ratelimit_take(rl, "ip:10.0.0.1", T0 + 1000, NULL), LF_OK);
	lf_ratelimit_destroy(rl);
}

static void test_keys_independent_and_reset(void **state)
{
	lf_ratelimit *rl = lf_ratelimit_create(2, 60000, 16);

	assert_non_null(rl);
	assert_int_equal(lf_ratelimit_take(rl, "acct:a", T0, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "acct:a", T0, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "acct:a", T0, NULL), LF_ERR_LIMIT);
	assert_int_equal(lf_ratelimit_take(rl, "acct:b", T0, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "ip:a", T0, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "", T0, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "acct:a", T0, NULL), LF_ERR_LIMIT);

	lf_ratelimit_reset(rl, "acct:a");
	assert_int_equal(lf_ratelimit_take(rl, "acct:a", T0, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "acct:a", T0, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "acct:a", T0, NULL), LF_ERR_LIMIT);
	/* acct:b kept its state through the other key's reset. */
	assert_int_equal(lf_ratelimit_take(rl, "acct:b", T0, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "acct:b", T0, NULL), LF_ERR_LIMIT);

	lf_ratelimit_reset(rl, "never seen");
	lf_ratelimit_reset(rl, NULL);
	lf_ratelimit_reset(NULL, "acct:a");
	lf_ratelimit_destroy(rl);
}

static void test_eviction_lru(void **state)
{
	lf_ratelimit *rl = lf_ratelimit_create(1, 60000, 2);

	assert_non_null(rl);
	assert_int_equal(lf_ratelimit_take(rl, "a", T0, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "b", T0, NULL), LF_OK);
	/* Touching a (even when refused) makes b the stalest entry. */
	assert_int_equal(lf_ratelimit_take(rl, "a", T0 + 1, NULL), LF_ERR_LIMIT);
	assert_int_equal(lf_ratelimit_take(rl, "c", T0 + 2, NULL), LF_OK);
	/* b was forgotten and starts fresh (evicting a); a... */
	assert_int_equal(lf_ratelimit_take(rl, "b", T0 + 3, NULL), LF_OK);
	/* ...so now a starts fresh too (evicting c), and b is still tracked. */
	assert_int_equal(lf_ratelimit_take(rl, "a", T0 + 4, NULL), LF_OK);
	assert_int_equal(lf_ratelimit_take(rl, "b", T0 + 5, NULL), LF_ERR_LIMIT);
	assert_int_equal(lf_ratelimit_take(rl, "a", T0 + 6, NULL), LF_ERR_LIMIT);
	lf_ratelimit_destroy(rl);
}

/* Far more keys than capacity: the table keeps working and the most recent
 * keys are still limited. */
static void test_eviction_many_keys(void **state)
{
	lf_ratelimit *rl = lf_ratelimit_create(1, 60000, 16);
	char key[32];
	int i;

	assert_non_null(rl);
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "ip:%d", i);
		assert_int_equal(lf_ratelimit_take(rl, key, T0, NULL), LF_OK);
	}
	for (i = 10000 - 16; i < 10000; i++) {
		snprintf(key, sizeof(key), "ip:%d", i);
		assert_int_equal(lf_ratelimit_take(rl, key, T0, NULL), LF_ERR_LIMIT);
	}
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "ip:%d", i);
		lf_ratelimit_reset(rl, key);
		assert_int_equal(lf_ratelimit_take(rl, key, T0, NULL), LF_OK);
	}
	lf_ratelimit_destroy(rl);
}

static void test_bad_arguments(void **state)
{
	lf_ratelimit *rl;
	int64_t retry = -1;

	assert_null(lf_ratelimit_create(0, 1000, 16));
	assert_null(lf_ratelimit_create(3, 0, 16));
	assert_null(lf_ratelimit_create(3, 1000, 0));
	assert_null(lf_ratelimit_create(3, INT64_MAX, 16));
	rl = lf_ratelimit_create(1, 1, 1);
	assert_non_null(rl);
	assert_int_equal(lf_ratelimit_take(rl, NULL, T0, &retry), LF_ERR_INVALID);
	assert_int_equal(retry, 0);
	assert_int_equal(lf_ratelimit_take(NULL, "k", T0, NULL), LF_ERR_INVALID);
	lf_ratelimit_destroy(rl);
	lf_ratelimit_destroy(NULL);
}

/* Login failures are counted per (account, address): an attacker's wrong
 * passwords delay the attacker's address only, with delays that double
 * from 1 s up to a cap instead of a lockout, and a success starts over. */
static void test_backoff_per_address(void **state)
{
	lf_ratelimit *rl = lf_backoff_create(5, 1000, 900000, 16);
	const char *attacker = "alice@example.org|203.0.113.9";
	const char *owner = "alice@example.org|198.51.100.7";
	int64_t retry = -1, now = T0;
	int i;

	assert_non_null(rl);
	for (i = 0; i < 5; i++) {
		assert_int_equal(lf_backoff_check(rl, attacker, now, &retry), LF_OK);
		assert_int_equal(retry, 0);
		lf_backoff_fail(rl, attacker, now);
	}
	assert_int_equal(lf_backoff_check(rl, attacker, now, &retry), LF_ERR_LIMIT);
	assert_int_equal(retry, 1000);
	assert_int_equal(lf_backoff_check(rl, attacker, now + 999, &retry), LF_ERR_LIMIT);
	assert_int_equal(retry, 1);
	/* Each further failure doubles the wait: 2 s, 4 s, 8 s... 512 s... */
	for (i = 1; i <= 9; i++) {
		now += 1000LL << (i - 1);
		assert_int_equal(lf_backoff_check(rl, attacker, now, NULL), LF_OK);
		lf_backoff_fail(rl, attacker, now);
		assert_int_equal(lf_backoff_check(rl, attacker, now, &retry), LF_ERR_LIMIT);
		assert_int_equal(retry, 1000LL << i);
	}
	/* ...up to the cap, however many more: a delay, never a wall. */
	for (i = 0; i < 100; i++) {
		now += 900000;
		assert_int_equal(lf_backoff_check(rl, attacker, now, NULL), LF_OK);
		lf_backoff_fail(rl, attacker, now);
		assert_int_equal(lf_backoff_check(rl, attacker, now, &retry), LF_ERR_LIMIT);
		assert_int_equal(retry, 900000);
	}
	/* The owner, at another address, was never delayed. */
	assert_int_equal(lf_backoff_check(rl, owner, now, &retry), LF_OK);
	assert_int_equal(retry, 0);
	/* The owner's own typos count for the owner's address only... */
	for (i = 0; i < 4; i++)
		lf_backoff_fail(rl, owner, now);
	assert_int_equal(lf_backoff_check(rl, owner, now, NULL), LF_OK);
	/* ...and a success forgets them. */
	lf_ratelimit_reset(rl, owner);
	for (i = 0; i < 4; i++)
		lf_backoff_fail(rl, owner, now);
	assert_int_equal(lf_backoff_check(rl, owner, now, NULL), LF_OK);
	lf_backoff_fail(rl, owner, now);
	assert_int_equal(lf_backoff_check(rl, owner, now, &retry), LF_ERR_LIMIT);
	assert_int_equal(retry, 1000);
	lf_ratelimit_destroy(rl);
}

/* Memory stays bounded: past capacity the stalest key's failures go. */
static void test_backoff_bounded(void **state)
{
	lf_ratelimit *rl = lf_backoff_create(1, 1000, 4000, 2);
	int64_t retry = -1;

	assert_non_null(rl);
	assert_null(lf_backoff_create(0, 1000, 4000, 2));
	assert_null(lf_backoff_create(1, 1000, 999, 2));
	assert_null(lf_backoff_create(1, 1000, 4000, 0));
	lf_backoff_fail(rl, "a", T0);
	lf_backoff_fail(rl, "b", T0);
	lf_backoff_fail(rl, "c", T0);
	assert_int_equal(lf_backoff_check(rl, "a", T0, &retry), LF_OK);
	assert_int_equal(lf_backoff_check(rl, "b", T0, NULL), LF_ERR_LIMIT);
	assert_int_equal(lf_backoff_check(rl, "c", T0, NULL), LF_ERR_LIMIT);
	assert_int_equal(lf_backoff_check(NULL, "c", T0, &retry), LF_ERR_INVALID);
	assert_int_equal(retry, 0);
	lf_backoff_fail(NULL, "a", T0);
	lf_backoff_fail(rl, NULL, T0);
	lf_ratelimit_destroy(rl);
}

static void *race_worker(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < TAKES_PER_THREAD; i++)
		if (lf_ratelimit_take(r->rl, "acct:shared", T0, NULL) == LF_OK)
			r->allowed++;
	return NULL;
}

/* However the threads interleave, exactly burst tokens are handed out. */
static void test_concurrent_takes(void **state)
{
	lf_ratelimit *rl = lf_ratelimit_create(100, 60000, 8);
	pthread_t th[NTHREADS];
	struct race r[NTHREADS];
	int i, total = 0;

	assert_non_null(rl);
	for (i = 0; i < NTHREADS; i++) {
		r[i].rl = rl;
		r[i].allowed = 0;
		assert_int_equal(pthread_create(&th[i], NULL, race_worker, &r[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		total += r[i].allowed;
	}
	assert_int_equal(total, 100);
	lf_ratelimit_destroy(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_burst_refuse_refill),
	    cmocka_unit_test(test_refusals_do_not_extend),
	    cmocka_unit_test(test_keys_independent_and_reset),
	    cmocka_unit_test(test_backoff_per_address),
	    cmocka_unit_test(test_backoff_bounded),
	    cmocka_unit_test(test_eviction_lru),
	    cmocka_unit_test(test_eviction_many_keys),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_concurrent_takes),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
