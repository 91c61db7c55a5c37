/*
 * test_users.c - account commands of users/ on a real database: each bad
 * field refused with its reason and nothing written, an email taken in
 * another letter case, and updates with their audit record, the sessions
 * they end and the admin who may not demote themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "auth/auth.h"
#include "fixture.h"
#include "users/users.h"

#define PASSWORD "a-long-password"

static int64_t user_count(lf_fx *f);
static lf_user user_get(lf_fx *f, int64_t id);

static int64_t user_count(lf_fx *f)
{
	lf_tx *tx = NULL;
	int64_t n = -1;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_user_count(tx, &n), LF_OK);
	lf_store_rollback(tx);
	return n;
}

static lf_user user_get(lf_fx *f, int64_t id)
{
	lf_tx *tx = NULL;
	lf_user u;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_user_get(tx, id, &u), LF_OK);
	lf_store_rollback(tx);
	return u;
}

static void test_create_refuses_bad_fields(void **state)
{
	lf_fx *f = *state;
	static const struct {
		const char *email, *name, *role, *password, *message;
	} bad[] = {
	    {"no-at-sign", "N", "annotator", PASSWORD, "email must look like name@example.org."},
	    {"a b@example.org", "N", "annotator", PASSWORD,
	     "email must look like name@example.org."},
	    {"n@example.org", "", "annotator", PASSWORD, "name must be 1 to 200 characters."},
	    {"n@example.org", "N", "owner", PASSWORD,
	     "role must be one of admin, annotator, reviewer, super_reviewer."},
	    {"n@example.org", "N", "annotator", "short", "password must be 8 to 1024 characters."},
	};
	int64_t id = 0;
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++) {
		lf_error err = {0};
		assert_int_equal(lf_users_create(f->s, 0, "system", bad[i].email, bad[i].name,
						 bad[i].role, bad[i].password, &id, &err),
				 LF_ERR_INVALID);
		assert_int_equal(err.code, LF_ERR_INVALID);
		assert_string_equal(err.reason, "invalid_user");
		assert_string_equal(err.message, bad[i].message);
	}
	assert_int_equal(user_count(f), 0);
	assert_int_equal(lf_fx_audit_count(f, "user.create"), 0);
}

static void test_create_writes_user_and_audit(void **state)
{
	lf_fx *f = *state;
	lf_error err = {0};
	int64_t id = 0;
	assert_int_equal(lf_users_create(f->s, 0, "system", "Ann@Example.org", "Ann", "annotator",
					 PASSWORD, &id, &err),
			 LF_OK);
	assert_true(id > 0);
	lf_user u = user_get(f, id);
	assert_string_equal(u.name, "Ann");
	assert_string_equal(u.role, "annotator");
	assert_true(u.active);
	assert_int_equal(lf_fx_audit_count(f, "user.create"), 1);
}

static void test_create_refuses_an_email_taken_in_another_case(void **state)
{
	lf_fx *f = *state;
	lf_error err = {0};
	int64_t id = 0, again = 0;
	assert_int_equal(lf_users_create(f->s, 0, "system", "ann@example.org", "Ann", "annotator",
					 PASSWORD, &id, &err),
			 LF_OK);
	assert_int_equal(lf_users_create(f->s, 0, "system", "ANN@example.ORG", "Ann 2", "reviewer",
					 PASSWORD, &again, &err),
			 LF_ERR_CONFLICT);
	assert_string_equal(err.reason, "email_taken");
	assert_string_equal(err.message, "a user with email ANN@example.ORG already exists.");
	assert_int_equal(user_count(f), 1);
	assert_int_equal(lf_fx_audit_count(f, "user.create"), 1);
}

static void test_update_changes_fields_and_ends_sessions(void **state)
{
	lf_fx *f = *state;
	int64_t admin = lf_fx_user(f, "admin@example.org", "admin");
	int64_t ann = lf_fx_user(f, "ann@example.org", "annotator");
	lf_error err = {0};
	lf_user after, live;
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(lf_store_session_insert(tx, "s1", ann, 1, INT64_MAX / 2), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);

	lf_user_patch patch = {.name = "Ann B", .role = "reviewer", .active = -1};
	assert_int_equal(lf_users_update(f->s, f->arena, admin, "admin", ann, &patch, &after, &err),
			 LF_OK);
	assert_string_equal(after.name, "Ann B");
	assert_string_equal(after.role, "reviewer");
	assert_true(after.active);
	assert_int_equal(lf_fx_audit_count(f, "user.update"), 1);
	/* A rename keeps the sessions. */
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_session_check(tx, "s1", ann, 2, &live), LF_OK);
	lf_store_rollback(tx);

	patch = (lf_user_patch){.password = "another-long-one", .active = -1};
	assert_int_equal(lf_users_update(f->s, f->arena, admin, "admin", ann, &patch, &after, &err),
			 LF_OK);
	assert_int_equal(lf_fx_audit_count(f, "user.update"), 2);
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_session_check(tx, "s1", ann, 2, &live), LF_ERR_AUTH);
	lf_store_rollback(tx);

	patch = (lf_user_patch){.active = 0};
	assert_int_equal(lf_users_update(f->s, f->arena, admin, "admin", ann, &patch, &after, &err),
			 LF_OK);
	assert_false(after.active);
	assert_false(user_get(f, ann).active);
}

static void test_update_refusals(void **state)
{
	lf_fx *f = *state;
	int64_t admin = lf_fx_user(f, "admin@example.org", "admin");
	int64_t ann = lf_fx_user(f, "ann@example.org", "annotator");
	lf_error err = {0};
	lf_user after;
	static const struct {
		int self;
		lf_user_patch patch;
		int code;
		const char *reason, *message;
	} bad[] = {
	    {0,
	     {.name = "", .active = -1},
	     LF_ERR_INVALID,
	     "invalid_user",
	     "name must not be empty."},
	    {0,
	     {.role = "owner", .active = -1},
	     LF_ERR_INVALID,
	     "invalid_user",
	     "role must be one of admin, annotator, reviewer, super_reviewer."},
	    {0,
	     {.password = "short", .active = -1},
	     LF_ERR_INVALID,
	     "invalid_user",
	     "password must be 8 to 1024 characters."},
	    {1,
	     {.active = 0},
	     LF_ERR_CONFLICT,
	     "cannot_demote_self",
	     "You cannot deactivate or demote your own account."},
	    {1,
	     {.role = "annotator", .active = -1},
	     LF_ERR_CONFLICT,
	     "cannot_demote_self",
	     "You cannot deactivate or demote your own account."},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++) {
		assert_int_equal(lf_users_update(f->s, f->arena, admin, "admin",
						 bad[i].self ? admin : ann, &bad[i].patch, &after,
						 &err),
				 bad[i].code);
		assert_string_equal(err.reason, bad[i].reason);
		assert_string_equal(err.message, bad[i].message);
	}
	lf_user_patch rename = {.name = "X", .active = -1};
	assert_int_equal(
	    lf_users_update(f->s, f->arena, admin, "admin", 9999, &rename, &after, &err),
	    LF_ERR_NOTFOUND);
	assert_string_equal(err.reason, "not_found");
	assert_string_equal(err.message, "No such user.");
	assert_int_equal(lf_fx_audit_count(f, "user.update"), 0);
	assert_string_equal(user_get(f, ann).role, "annotator");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_refuses_bad_fields, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_create_writes_user_and_audit, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_create_refuses_an_email_taken_in_another_case,
					    lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_update_changes_fields_and_ends_sessions,
					    lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_update_refusals, lf_fx_setup, lf_fx_teardown),
	};
	if (lf_auth_init(LF_PASSWORD_INTERACTIVE) != LF_OK)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("users", tests, NULL, NULL);
}
