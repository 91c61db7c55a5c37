/*
 * test_arena.c - the region allocator: packing, alignment, big blocks,
 * string helpers, reset and reuse.
 */
#include "core/arena.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN	   16
#define NSMALL	   5000
#define BIG	   5000
#define HUGE_ALLOC (1024 * 1024)

static int setup(void **state);
static int teardown(void **state);
static int is_aligned(const void *p);
static int all_bytes(const unsigned char *p, size_t n, unsigned char v);

/* The arena lives in the fixture so a failed assertion does not leak it. */
static int setup(void **state)
{
	*state = lf_arena_create();
	return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	lf_arena_destroy(*state);
	return 0;
}

static int is_aligned(const void *p)
{
	return ((uintptr_t)p % ALIGN) == 0;
}

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/* Thousands of allocations spanning many blocks; each keeps its own bytes,
 * so no two allocations overlap. */
static void test_many_small(void **state)
{
	static unsigned char *ptrs[NSMALL];
	static size_t sizes[NSMALL];
	lf_arena *a = *state;

	assert_non_null(a);
	for (int i = 0; i < NSMALL; i++) {
		sizes[i] = (size_t)(i % 97) + 1;
		ptrs[i] = lf_arena_alloc(a, sizes[i]);
		assert_non_null(ptrs[i]);
		assert_true(is_aligned(ptrs[i]));
		memset(ptrs[i], (unsigned char)(i & 0xff), sizes[i]);
	}
	for (int i = 0; i < NSMALL; i++)
		assert_true(all_bytes(ptrs[i], sizes[i], (unsigned char)(i & 0xff)));
}

static void test_alignment(void **state)
{
	lf_arena *a = *state;

	assert_non_null(a);
	for (size_t n = 0; n <= 3 * ALIGN + 1; n++) {
		unsigned char *p = lf_arena_alloc(a, n);
		assert_non_null(p);
		assert_true(is_aligned(p));
	}
	/* Odd-length strings must not misalign what follows them. */
	assert_non_null(lf_arena_strdup(a, "abc"));
	assert_true(is_aligned(lf_arena_alloc(a, 8)));
	assert_non_null(lf_arena_printf(a, "%d", 12345));
	assert_true(is_aligned(lf_arena_calloc(a, 3)));
	/* Consecutive small allocations are packed at the alignment step. */
	unsigned char *p1 = lf_arena_alloc(a, 1);
	unsigned char *p2 = lf_arena_alloc(a, 1);
	assert_ptr_equal(p2, p1 + ALIGN);
	unsigned char *p3 = lf_arena_alloc(a, ALIGN + 1);
	unsigned char *p4 = lf_arena_alloc(a, 1);
	assert_ptr_equal(p4, p3 + 2 * ALIGN);
}

/* A large allocation gets its own block; the current block keeps serving
 * small allocations right where it left off. */
static void test_large_keeps_current_block(void **state)
{
	lf_arena *a = *state;

	assert_non_null(a);
	unsigned char *s1 = lf_arena_alloc(a, 32);
	assert_non_null(s1);
	/* Fill the first block so the big allocation cannot fit in it. */
	unsigned char *fill = lf_arena_alloc(a, 7000);
	assert_non_null(fill);
	memset(fill, 0x11, 7000);
	unsigned char *s2 = lf_arena_alloc(a, 32);
	assert_ptr_equal(s2, fill + 7008);

	unsigned char *big = lf_arena_alloc(a, BIG);
	assert_non_null(big);
	assert_true(is_aligned(big));
	memset(big, 0x22, BIG);
	unsigned char *s3 = lf_arena_alloc(a, 32);
	assert_ptr_equal(s3, s2 + 32);

	unsigned char *huge = lf_arena_alloc(a, HUGE_ALLOC);
	assert_non_null(huge);
	assert_true(is_aligned(huge));
	memset(huge, 0x33, HUGE_ALLOC);
	unsigned char *s4 = lf_arena_alloc(a, 16);
	assert_ptr_equal(s4, s3 + 32);

	assert_true(all_bytes(fill, 7000, 0x11));
	assert_true(all_bytes(big, BIG, 0x22));
	assert_true(all_bytes(huge, HUGE_ALLOC, 0x33));
}

/* A large allocation made while the first block still has room simply
 * takes that room. */
static void test_large_fits_in_block(void **state)
{
	lf_arena *a = *state;

	assert_non_null(a);
	unsigned char *s1 = lf_arena_alloc(a, 16);
	unsigned char *big = lf_arena_alloc(a, 3000);
	assert_ptr_equal(big, s1 + 16);
	unsigned char *s2 = lf_arena_alloc(a, 16);
	assert_ptr_equal(s2, big + 3008);
}

static void test_strings(void **state)
{
	lf_arena *a = *state;
	char longsrc[20001];

	assert_non_null(a);
	const char *src = "hello, arena";
	char *d = lf_arena_strdup(a, src);
	assert_non_null(d);
	assert_ptr_not_equal(d, src);
	assert_string_equal(d, src);

	assert_string_equal(lf_arena_strdup(a, ""), "");

	char *n = lf_arena_strndup(a, src, 5);
	assert_non_null(n);
	assert_string_equal(n, "hello");
	assert_int_equal(n[5], '\0');
	assert_string_equal(lf_arena_strndup(a, src, 0), "");
	/* strndup copies exactly n bytes even when they contain no NUL. */
	const char raw[4] = {'w', 'x', 'y', 'z'};
	assert_string_equal(lf_arena_strndup(a, raw, 4), "wxyz");

	char *p = lf_arena_printf(a, "%s-%d-%05.1f-%c", "id", -42, 3.14159, 'Z');
	assert_string_equal(p, "id--42-003.1-Z");
	assert_string_equal(lf_arena_printf(a, "%s", ""), "");

	/* Output larger than a whole block. */
	memset(longsrc, 'q', sizeof(longsrc) - 1);
	longsrc[sizeof(longsrc) - 1] = '\0';
	char *l = lf_arena_printf(a, "<%s>", longsrc);
	assert_non_null(l);
	assert_int_equal(strlen(l), sizeof(longsrc) + 1);
	assert_int_equal(l[0], '<');
	assert_int_equal(l[sizeof(longsrc)], '>');
	assert_memory_equal(l + 1, longsrc, sizeof(longsrc) - 1);
	char *ld = lf_arena_strdup(a, longsrc);
	assert_string_equal(ld, longsrc);

	/* Earlier strings are intact after all that. */
	assert_string_equal(d, src);
	assert_string_equal(n, "hello");
	assert_string_equal(p, "id--42-003.1-Z");
}

/* After a reset the first block is reused from its start. */
static void test_reset_reuses_first_block(void **state)
{
	lf_arena *a = *state;

	assert_non_null(a);
	uintptr_t first = (uintptr_t)lf_arena_alloc(a, 16);
	assert_true(first != 0);
	/* Enough small allocations to chain several blocks. */
	for (int i = 0; i < 2000; i++)
		assert_non_null(lf_arena_alloc(a, 40));
	lf_arena_reset(a);
	unsigned char *p = lf_arena_alloc(a, 16);
	assert_true((uintptr_t)p == first);
	char *s = lf_arena_strdup(a, "after reset");
	assert_string_equal(s, "after reset");
	for (int i = 0; i < 2000; i++)
		assert_non_null(lf_arena_alloc(a, 40));
	lf_arena_reset(a);
	lf_arena_reset(a);
	assert_true((uintptr_t)lf_arena_alloc(a, 16) == first);
}

/*
 * The documented contract of reset is to keep the first block. A big
 * allocation linked behind the first block must not take its place:
 * otherwise the arena keeps the big block (of any size) forever and frees
 * the regular one.
 */
static void test_reset_after_big_keeps_first_block(void **state)
{
	lf_arena *a = *state;

	assert_non_null(a);
	uintptr_t first = (uintptr_t)lf_arena_alloc(a, 16);
	assert_non_null(lf_arena_alloc(a, 8000));
	unsigned char *big = lf_arena_alloc(a, 3000);
	assert_non_null(big);
	memset(big, 0x5a, 3000);
	lf_arena_reset(a);
	unsigned char *p = lf_arena_alloc(a, 16);
	assert_non_null(p);
	/* Checked first so a failure names the symptom: reset kept the big
	 * block and freed the first one. */
	assert_false(p == big);
	assert_true((uintptr_t)p == first);
}

/* calloc must zero even memory that earlier allocations dirtied. */
static void test_calloc_zeroes_reused_memory(void **state)
{
	lf_arena *a = *state;

	assert_non_null(a);
	for (int i = 0; i < 40; i++)
		memset(lf_arena_alloc(a, 100), 0xAA, 100);
	lf_arena_reset(a);
	for (int i = 0; i < 40; i++) {
		unsigned char *z = lf_arena_calloc(a, 100);
		assert_non_null(z);
		assert_true(all_bytes(z, 100, 0));
	}
	unsigned char *bz = lf_arena_calloc(a, 10000);
	assert_non_null(bz);
	assert_true(all_bytes(bz, 10000, 0));
	assert_non_null(lf_arena_calloc(a, 0));
}

static void test_limits(void **state)
{
	lf_arena *a = *state;

	assert_non_null(a);
	/* A size that overflows once rounded up is refused, not wrapped. */
	assert_null(lf_arena_alloc(a, SIZE_MAX));
	assert_null(lf_arena_alloc(a, SIZE_MAX - 3));
	/* Zero bytes still yields a distinct pointer. */
	unsigned char *z1 = lf_arena_alloc(a, 0);
	unsigned char *z2 = lf_arena_alloc(a, 0);
	assert_non_null(z1);
	assert_non_null(z2);
	assert_ptr_not_equal(z1, z2);
	lf_arena_destroy(NULL);
}

/* Cleanups run once each, newest first, on reset and on destroy, while
 * the arena's memory is still there to read. */
struct trail {
	char seen[8];
	int n;
};

static void note(void *p)
{
	const char *tag = p;
	struct trail *t = *(struct trail **)(tag + 8);
	t->seen[t->n++] = tag[0];
}

static char *tagged(lf_arena *a, char c, struct trail *t)
{
	char *tag = lf_arena_alloc(a, 8 + sizeof(t));
	assert_non_null(tag);
	tag[0] = c;
	memcpy(tag + 8, &t, sizeof(t));
	return tag;
}

static void test_defer_runs_newest_first(void **state)
{
	lf_arena *a = *state;
	struct trail t = {.n = 0};
	assert_int_equal(lf_arena_defer(a, note, tagged(a, 'a', &t)), LF_OK);
	assert_int_equal(lf_arena_defer(a, note, tagged(a, 'b', &t)), LF_OK);
	lf_arena_reset(a);
	assert_int_equal(t.n, 2);
	assert_memory_equal(t.seen, "ba", 2);
	/* A reset arena forgets what already ran. */
	lf_arena_reset(a);
	assert_int_equal(t.n, 2);
	assert_int_equal(lf_arena_defer(a, note, tagged(a, 'c', &t)), LF_OK);
	lf_arena_destroy(a);
	*state = NULL;
	assert_int_equal(t.n, 3);
	assert_int_equal(t.seen[2], 'c');
}

/* What a deferred cleanup releases is gone with the arena: under ASan a
 * missing free is a leak report, a double one an error. */
static void test_defer_frees_heap_memory(void **state)
{
	lf_arena *a = *state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(lf_arena_defer(a, free, malloc(64)), LF_OK);
	lf_arena_reset(a);
	for (int i = 0; i < 100; i++)
		assert_int_equal(lf_arena_defer(a, free, strdup("x")), LF_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_many_small, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alignment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_large_keeps_current_block, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_large_fits_in_block, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset_reuses_first_block, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset_after_big_keeps_first_block, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_calloc_zeroes_reused_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_defer_runs_newest_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_defer_frees_heap_memory, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
