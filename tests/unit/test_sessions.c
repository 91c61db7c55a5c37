/*
 * test_sessions.c - sessions/ on a real database: a failed login is
 * refused and still leaves its audit record, a refresh rotates its token,
 * and a replayed token ends the whole session, committed although the
 * caller is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "auth/auth.h"
#include "fixture.h"
#include "sessions/sessions.h"
#include "users/users.h"

#define PASSWORD "a-long-password"
#define TTL	 3600

static int64_t person(lf_fx *f, const char *email);
static int session_live(lf_fx *f, const lf_session_grant *g);

/* An annotator whose password is PASSWORD. */
static int64_t person(lf_fx *f, const char *email)
{
	int64_t id = 0;
	lf_error err = {0};
	assert_int_equal(
	    lf_users_create(f->s, 0, "system", email, "Ann", "annotator", PASSWORD, &id, &err),
	    LF_OK);
	return id;
}

/* Whether the granted session still authenticates requests. */
static int session_live(lf_fx *f, const lf_session_grant *g)
{
	lf_tx *tx = NULL;
	lf_user u;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	int ret = lf_store_session_check(tx, g->sid, g->user.id, lf_now_ms(), &u);
	lf_store_rollback(tx);
	return ret == LF_OK;
}

static void test_wrong_password_is_refused_and_audited(void **state)
{
	lf_fx *f = *state;
	lf_session_grant g;
	lf_error err = {0};
	person(f, "ann@example.org");
	assert_int_equal(lf_sessions_login(f->s, f->arena, "ann@example.org", "wrong-password",
					   "10.0.0.1", TTL, &g, &err),
			 LF_ERR_AUTH);
	assert_string_equal(err.reason, "invalid_credentials");
	assert_string_equal(err.message, "The email or password is wrong.");
	assert_int_equal(lf_fx_audit_count(f, "auth.login_failed"), 1);
	assert_int_equal(lf_fx_audit_count(f, "auth.login"), 0);

	/* An unknown email writes nothing: there is nobody to record it on. */
	assert_int_equal(lf_sessions_login(f->s, f->arena, "nobody@example.org", PASSWORD,
					   "10.0.0.1", TTL, &g, &err),
			 LF_ERR_AUTH);
	assert_string_equal(err.reason, "invalid_credentials");
	assert_int_equal(lf_fx_audit_count(f, "auth.login_failed"), 1);
}

static void test_disabled_account_is_refused(void **state)
{
	lf_fx *f = *state;
	lf_session_grant g;
	lf_error err = {0};
	lf_user after;
	int64_t id = person(f, "ann@example.org");
	lf_user_patch off = {.active = 0};
	assert_int_equal(lf_users_update(f->s, f->arena, 0, "system", id, &off, &after, &err),
			 LF_OK);
	assert_int_equal(lf_sessions_login(f->s, f->arena, "ann@example.org", PASSWORD, "10.0.0.1",
					   TTL, &g, &err),
			 LF_ERR_AUTH);
	assert_string_equal(err.reason, "account_disabled");
	assert_string_equal(err.message, "This account is disabled.");
	/* A wrong password learns nothing: not even that the account exists. */
	assert_int_equal(lf_sessions_login(f->s, f->arena, "ann@example.org", "wrong password",
					   "10.0.0.1", TTL, &g, &err),
			 LF_ERR_AUTH);
	assert_string_equal(err.reason, "invalid_credentials");
	assert_string_equal(err.message, "The email or password is wrong.");
	assert_int_equal(lf_fx_audit_count(f, "auth.login_failed"), 2);
}

static void test_refresh_rotates_the_token(void **state)
{
	lf_fx *f = *state;
	lf_session_grant first, second;
	lf_error err = {0};
	int64_t id = person(f, "ann@example.org");
	assert_int_equal(lf_sessions_login(f->s, f->arena, "ANN@example.org", PASSWORD, "10.0.0.1",
					   TTL, &first, &err),
			 LF_OK);
	assert_int_equal(first.user.id, id);
	assert_true(session_live(f, &first));
	assert_int_equal(lf_fx_audit_count(f, "auth.login"), 1);

	assert_int_equal(
	    lf_sessions_refresh(f->s, f->arena, first.refresh, "10.0.0.1", TTL, &second, &err),
	    LF_OK);
	assert_string_equal(second.sid, first.sid);
	assert_int_equal(second.user.id, id);
	assert_string_not_equal(second.refresh, first.refresh);
	assert_int_equal(lf_fx_audit_count(f, "auth.refresh"), 1);

	assert_int_equal(
	    lf_sessions_refresh(f->s, f->arena, "not-a-token", "10.0.0.1", TTL, &second, &err),
	    LF_ERR_AUTH);
	assert_string_equal(err.reason, "invalid_refresh_token");
	assert_string_equal(err.message, "The refresh token is not valid.");
}

static void test_replay_revokes_the_family(void **state)
{
	lf_fx *f = *state;
	lf_session_grant first, second, third;
	lf_error err = {0};
	person(f, "ann@example.org");
	assert_int_equal(lf_sessions_login(f->s, f->arena, "ann@example.org", PASSWORD, "10.0.0.1",
					   TTL, &first, &err),
			 LF_OK);
	assert_int_equal(
	    lf_sessions_refresh(f->s, f->arena, first.refresh, "10.0.0.1", TTL, &second, &err),
	    LF_OK);

	/* The first token again: a copy is in someone else's hands. */
	assert_int_equal(
	    lf_sessions_refresh(f->s, f->arena, first.refresh, "10.0.0.2", TTL, &third, &err),
	    LF_ERR_AUTH);
	assert_string_equal(err.reason, "refresh_token_reused");
	assert_int_equal(lf_fx_audit_count(f, "auth.refresh_reuse"), 1);
	assert_false(session_live(f, &second));

	/* The newest token of the family is dead too. */
	assert_int_equal(
	    lf_sessions_refresh(f->s, f->arena, second.refresh, "10.0.0.1", TTL, &third, &err),
	    LF_ERR_AUTH);
	assert_string_equal(err.reason, "invalid_refresh_token");
	assert_string_equal(err.message, "The session has ended. Log in again.");
	assert_int_equal(lf_fx_audit_count(f, "auth.refresh"), 1);
}

static void test_logout_ends_the_session(void **state)
{
	lf_fx *f = *state;
	lf_session_grant g, next;
	lf_error err = {0};
	person(f, "ann@example.org");
	assert_int_equal(lf_sessions_login(f->s, f->arena, "ann@example.org", PASSWORD, "10.0.0.1",
					   TTL, &g, &err),
			 LF_OK);
	assert_int_equal(lf_sessions_logout(f->s, f->arena, &g.user, g.sid, "10.0.0.1", &err),
			 LF_OK);
	assert_false(session_live(f, &g));
	assert_int_equal(lf_fx_audit_count(f, "auth.logout"), 1);
	assert_int_equal(
	    lf_sessions_refresh(f->s, f->arena, g.refresh, "10.0.0.1", TTL, &next, &err),
	    LF_ERR_AUTH);
	assert_string_equal(err.reason, "invalid_refresh_token");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_wrong_password_is_refused_and_audited, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_disabled_account_is_refused, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_refresh_rotates_the_token, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_replay_revokes_the_family, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_logout_ends_the_session, lf_fx_setup,
					    lf_fx_teardown),
	};
	if (lf_auth_init(LF_PASSWORD_INTERACTIVE) != LF_OK)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("sessions", tests, NULL, NULL);
}
