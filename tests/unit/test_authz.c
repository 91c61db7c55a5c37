/*
 * test_authz.c - the permission decision for every permission and every
 * kind of subject, against an expectation written out independently of
 * the table in authz.c.
 */
#include "authz/authz.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

#define A LF_PROLE_ANNOTATOR
#define R LF_PROLE_REVIEWER
#define S LF_PROLE_SUPER_REVIEWER

static int expected(int is_admin, unsigned roles, lf_perm perm);
static const char *perm_label(lf_perm perm);

/*
 * The rules, restated:
 * - SELF: everyone.
 * - STAGE_L1/L2/L3: only the matching project role (annotator, reviewer,
 *   super_reviewer); being admin does not grant them.
 * - PROJECT_READ: admins and any member role.
 * - everything else: admins only.
 */
static int expected(int is_admin, unsigned roles, lf_perm perm)
{
	switch (perm) {
	case LF_PERM_SELF: return 1;
	case LF_PERM_STAGE_L1: return (roles & A) != 0;
	case LF_PERM_STAGE_L2: return (roles & R) != 0;
	case LF_PERM_STAGE_L3: return (roles & S) != 0;
	case LF_PERM_PROJECT_READ: return is_admin || (roles & (A | R | S)) != 0;
	case LF_PERM_USERS_MANAGE:
	case LF_PERM_AUDIT_READ:
	case LF_PERM_PROJECT_CREATE:
	case LF_PERM_PROJECT_MANAGE:
	case LF_PERM_PAYOUTS: return is_admin;
	case LF_PERM__COUNT: break;
	}
	return 0;
}

static const char *perm_label(lf_perm perm)
{
	static const char *const names[] = {
	    "SELF",	    "USERS_MANAGE", "AUDIT_READ", "PROJECT_CREATE", "PROJECT_MANAGE",
	    "PROJECT_READ", "STAGE_L1",	    "STAGE_L2",	  "STAGE_L3",	    "PAYOUTS",
	};
	return (int)perm >= 0 && perm < LF_ARRAY_LEN(names) ? names[perm] : "?";
}

/* The enum has exactly the permissions the rules above cover. */
static void test_perm_count(void **state)
{
	assert_int_equal(LF_PERM__COUNT, 10);
}

/* Every permission x {no role, admin, each role, role combinations, admin
 * plus roles}. */
static void test_matrix(void **state)
{
	static const unsigned role_sets[] = {0, A, R, S, A | R, A | S, R | S, A | R | S};
	int failures = 0;

	for (int p = 0; p < LF_PERM__COUNT; p++) {
		for (int admin = 0; admin <= 1; admin++) {
			for (size_t k = 0; k < LF_ARRAY_LEN(role_sets); k++) {
				lf_authz_subject subj = {.is_admin = admin,
							 .proj_roles = role_sets[k]};
				int want = expected(admin, role_sets[k], (lf_perm)p)
					       ? LF_OK
					       : LF_ERR_FORBIDDEN;
				int got = lf_authz_check(&subj, (lf_perm)p);
				if (got != want) {
					print_error("perm %s admin=%d roles=%#x: got %d want %d\n",
						    perm_label((lf_perm)p), admin, role_sets[k],
						    got, want);
					failures++;
				}
			}
		}
	}
	assert_int_equal(failures, 0);
}

/* The same rules spelled out case by case, so a mistake shared by the
 * matrix's helper and the table would still show. */
static void test_explicit_cases(void **state)
{
	const lf_authz_subject admin = {.is_admin = 1};
	const lf_authz_subject nobody = {0};
	const lf_authz_subject ann = {.proj_roles = A};
	const lf_authz_subject rev = {.proj_roles = R};
	const lf_authz_subject sup = {.proj_roles = S};

	assert_int_equal(lf_authz_check(&admin, LF_PERM_SELF), LF_OK);
	assert_int_equal(lf_authz_check(&admin, LF_PERM_USERS_MANAGE), LF_OK);
	assert_int_equal(lf_authz_check(&admin, LF_PERM_AUDIT_READ), LF_OK);
	assert_int_equal(lf_authz_check(&admin, LF_PERM_PROJECT_CREATE), LF_OK);
	assert_int_equal(lf_authz_check(&admin, LF_PERM_PROJECT_MANAGE), LF_OK);
	assert_int_equal(lf_authz_check(&admin, LF_PERM_PROJECT_READ), LF_OK);
	assert_int_equal(lf_authz_check(&admin, LF_PERM_PAYOUTS), LF_OK);
	assert_int_equal(lf_authz_check(&admin, LF_PERM_STAGE_L1), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&admin, LF_PERM_STAGE_L2), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&admin, LF_PERM_STAGE_L3), LF_ERR_FORBIDDEN);

	assert_int_equal(lf_authz_check(&nobody, LF_PERM_SELF), LF_OK);
	assert_int_equal(lf_authz_check(&nobody, LF_PERM_PROJECT_READ), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&nobody, LF_PERM_STAGE_L1), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&nobody, LF_PERM_USERS_MANAGE), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&nobody, LF_PERM_PAYOUTS), LF_ERR_FORBIDDEN);

	assert_int_equal(lf_authz_check(&ann, LF_PERM_STAGE_L1), LF_OK);
	assert_int_equal(lf_authz_check(&ann, LF_PERM_STAGE_L2), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&ann, LF_PERM_STAGE_L3), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&ann, LF_PERM_PROJECT_READ), LF_OK);
	assert_int_equal(lf_authz_check(&ann, LF_PERM_PROJECT_MANAGE), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&ann, LF_PERM_AUDIT_READ), LF_ERR_FORBIDDEN);

	assert_int_equal(lf_authz_check(&rev, LF_PERM_STAGE_L2), LF_OK);
	assert_int_equal(lf_authz_check(&rev, LF_PERM_STAGE_L1), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&rev, LF_PERM_STAGE_L3), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&rev, LF_PERM_PROJECT_READ), LF_OK);
	assert_int_equal(lf_authz_check(&rev, LF_PERM_PAYOUTS), LF_ERR_FORBIDDEN);

	assert_int_equal(lf_authz_check(&sup, LF_PERM_STAGE_L3), LF_OK);
	assert_int_equal(lf_authz_check(&sup, LF_PERM_STAGE_L1), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&sup, LF_PERM_STAGE_L2), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&sup, LF_PERM_PROJECT_READ), LF_OK);
	assert_int_equal(lf_authz_check(&sup, LF_PERM_PROJECT_CREATE), LF_ERR_FORBIDDEN);
}

/* Role bits outside the known ones grant nothing. */
static void test_unknown_role_bits(void **state)
{
	const lf_authz_subject odd = {.proj_roles = 1u << 5 | 1u << 31};

	assert_int_equal(lf_authz_check(&odd, LF_PERM_SELF), LF_OK);
	for (int p = 1; p < LF_PERM__COUNT; p++)
		assert_int_equal(lf_authz_check(&odd, (lf_perm)p), LF_ERR_FORBIDDEN);
}

static void test_out_of_range_refused(void **state)
{
	const lf_authz_subject all = {.is_admin = 1, .proj_roles = A | R | S};

	assert_int_equal(lf_authz_check(&all, LF_PERM__COUNT), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&all, (lf_perm)(LF_PERM__COUNT + 1)), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&all, (lf_perm)1000), LF_ERR_FORBIDDEN);
	assert_int_equal(lf_authz_check(&all, (lf_perm)-1), LF_ERR_FORBIDDEN);
	/* A missing subject is refused even for SELF. */
	assert_int_equal(lf_authz_check(NULL, LF_PERM_SELF), LF_ERR_FORBIDDEN);
}

static void test_prole_round_trip(void **state)
{
	static const struct {
		const char *name;
		unsigned bit;
	} known[] = {{"annotator", A}, {"reviewer", R}, {"super_reviewer", S}};

	for (size_t i = 0; i < LF_ARRAY_LEN(known); i++) {
		assert_int_equal(lf_authz_prole_parse(known[i].name), known[i].bit);
		assert_non_null(lf_authz_prole_name(known[i].bit));
		assert_string_equal(lf_authz_prole_name(known[i].bit), known[i].name);
		assert_int_equal(lf_authz_prole_parse(lf_authz_prole_name(known[i].bit)),
				 known[i].bit);
	}
	assert_int_equal(lf_authz_prole_parse("admin"), 0);
	assert_int_equal(lf_authz_prole_parse("Annotator"), 0);
	assert_int_equal(lf_authz_prole_parse("annotator "), 0);
	assert_int_equal(lf_authz_prole_parse("super"), 0);
	assert_int_equal(lf_authz_prole_parse(""), 0);
	assert_int_equal(lf_authz_prole_parse(NULL), 0);
	/* Not a single bit: no name. */
	assert_null(lf_authz_prole_name(0));
	assert_null(lf_authz_prole_name(A | R));
	assert_null(lf_authz_prole_name(1u << 3));
}

static void test_global_role_valid(void **state)
{
	assert_true(lf_authz_global_role_valid("admin"));
	assert_true(lf_authz_global_role_valid("annotator"));
	assert_true(lf_authz_global_role_valid("reviewer"));
	assert_true(lf_authz_global_role_valid("super_reviewer"));
	assert_false(lf_authz_global_role_valid("Admin"));
	assert_false(lf_authz_global_role_valid("root"));
	assert_false(lf_authz_global_role_valid("admin "));
	assert_false(lf_authz_global_role_valid(""));
	assert_false(lf_authz_global_role_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_perm_count),		 cmocka_unit_test(test_matrix),
	    cmocka_unit_test(test_explicit_cases),	 cmocka_unit_test(test_unknown_role_bits),
	    cmocka_unit_test(test_out_of_range_refused), cmocka_unit_test(test_prole_round_trip),
	    cmocka_unit_test(test_global_role_valid),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
