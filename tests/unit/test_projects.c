/*
 * test_projects.c - the project commands of projects/ on a real database:
 * each bad setting refused with its reason and nothing written, policies
 * and rates merged over the stored ones, the currency locked once money
 * moved, and members set and removed with their audit records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "authz/authz.h"
#include "fixture.h"
#include "projects/policy.h"
#include "projects/projects.h"

static lf_project project_get(lf_fx *f, int64_t id);
static unsigned roles_of(lf_fx *f, int64_t project, int64_t user);

static lf_project project_get(lf_fx *f, int64_t id)
{
	lf_tx *tx = NULL;
	lf_project p;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_project_get(tx, id, &p), LF_OK);
	lf_store_rollback(tx);
	return p;
}

/* The user's project roles as LF_PROLE_* bits. */
static unsigned roles_of(lf_fx *f, int64_t project, int64_t user)
{
	lf_tx *tx = NULL;
	unsigned roles = 0;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_member_roles(tx, project, user, &roles), LF_OK);
	lf_store_rollback(tx);
	return roles;
}

static void test_create_refuses_bad_settings(void **state)
{
	lf_fx *f = *state;
	int64_t admin = lf_fx_user(f, "admin@example.org", "admin");
	json_t *bad_policy = json_pack("{s:i}", "lease_seconds", 0);
	json_t *unknown_policy = json_pack("{s:i}", "speed", 1);
	json_t *bad_rates = json_pack("{s:f}", "l1", 1.5);
	json_t *bad_types = json_pack("{s:{s:i}}", "hard", "overlap", -1);
	const struct {
		lf_project_fields f;
		const char *reason;
	} bad[] = {
	    {{.label_config = lf_fx_ner_config}, "missing_field"},
	    {{.name = "p"}, "missing_field"},
	    {{.name = "", .label_config = lf_fx_ner_config}, "invalid_project"},
	    {{.name = "p", .label_config = "<View><Labels"}, "invalid_label_config"},
	    {{.name = "p", .label_config = lf_fx_ner_config, .currency = "usd"}, "invalid_project"},
	    {{.name = "p", .label_config = lf_fx_ner_config, .status = "paused"},
	     "invalid_project"},
	    {{.name = "p", .label_config = lf_fx_ner_config, .policies = bad_policy},
	     "invalid_policy"},
	    {{.name = "p", .label_config = lf_fx_ner_config, .policies = unknown_policy},
	     "invalid_policy"},
	    {{.name = "p", .label_config = lf_fx_ner_config, .rates = bad_rates}, "invalid_rates"},
	    {{.name = "p", .label_config = lf_fx_ner_config, .task_types = bad_types},
	     "invalid_policy"},
	};
	lf_project p;
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++) {
		lf_error err = {0};
		assert_int_equal(
		    lf_projects_create(f->s, f->arena, admin, "admin", &bad[i].f, &p, &err),
		    LF_ERR_INVALID);
		assert_string_equal(err.reason, bad[i].reason);
		assert_true(err.message[0] != '\0');
	}
	lf_error err = {0};
	lf_project_fields cur = {.name = "p", .label_config = lf_fx_ner_config, .currency = "usd"};
	lf_projects_create(f->s, f->arena, admin, "admin", &cur, &p, &err);
	assert_string_equal(err.message, "currency must be an ISO 4217 code such as USD.");
	lf_project_fields pol = {
	    .name = "p", .label_config = lf_fx_ner_config, .policies = unknown_policy};
	lf_projects_create(f->s, f->arena, admin, "admin", &pol, &p, &err);
	assert_string_equal(err.message, "unknown policy \"speed\".");
	assert_int_equal(lf_fx_audit_count(f, "project.create"), 0);
	json_decref(bad_policy);
	json_decref(unknown_policy);
	json_decref(bad_rates);
	json_decref(bad_types);
}

static void test_create_stores_the_effective_policy(void **state)
{
	lf_fx *f = *state;
	int64_t admin = lf_fx_user(f, "admin@example.org", "admin");
	json_t *policies = json_pack("{s:i}", "lease_seconds", 120);
	json_t *rates = json_pack("{s:i}", "l1", 7);
	lf_project_fields in = {
	    .name = "ner", .label_config = lf_fx_ner_config, .policies = policies, .rates = rates};
	lf_project p;
	lf_error err = {0};
	lf_policy pol;
	lf_rates r;
	assert_int_equal(lf_projects_create(f->s, f->arena, admin, "admin", &in, &p, &err), LF_OK);
	assert_true(p.id > 0);
	lf_project stored = project_get(f, p.id);
	assert_string_equal(stored.currency, "USD");
	assert_string_equal(stored.status, "active");
	assert_int_equal(stored.created_by, admin);
	assert_int_equal(lf_policy_effective(stored.policies, NULL, NULL, &pol), LF_OK);
	assert_int_equal(pol.lease_seconds, 120);
	assert_int_equal(pol.max_attempts, 3);
	/* Every value is written down, defaults included. */
	assert_non_null(strstr(stored.policies, "max_attempts"));
	assert_int_equal(lf_rates_from_text(stored.rates, &r), LF_OK);
	assert_int_equal(r.l1, 7);
	assert_int_equal(lf_fx_audit_count(f, "project.create"), 1);
	json_decref(policies);
	json_decref(rates);
}

static void test_update_merges_and_refuses(void **state)
{
	lf_fx *f = *state;
	int64_t admin = lf_fx_user(f, "admin@example.org", "admin");
	int64_t id = lf_fx_project(f, "{\"lease_seconds\":120}", "{\"l1\":5,\"l2\":2}");
	json_t *policies = json_pack("{s:i}", "max_reworks", 4);
	json_t *rates = json_pack("{s:i}", "l2", 3);
	json_t *sent = json_pack("[s,s,s]", "name", "policies", "rates");
	lf_project_fields in = {
	    .name = "renamed", .policies = policies, .rates = rates, .sent = sent};
	lf_project after;
	lf_error err = {0};
	lf_policy pol;
	lf_rates r;
	assert_int_equal(lf_projects_update(f->s, f->arena, admin, "admin", id, &in, &after, &err),
			 LF_OK);
	lf_project stored = project_get(f, id);
	assert_string_equal(stored.name, "renamed");
	assert_string_equal(stored.currency, "EUR");
	lf_policy_effective(stored.policies, NULL, NULL, &pol);
	assert_int_equal(pol.lease_seconds, 120);
	assert_int_equal(pol.max_reworks, 4);
	lf_rates_from_text(stored.rates, &r);
	assert_int_equal(r.l1, 5);
	assert_int_equal(r.l2, 3);
	assert_int_equal(lf_fx_audit_count(f, "project.update"), 1);

	lf_project_fields closed = {.status = "archived"};
	assert_int_equal(
	    lf_projects_update(f->s, f->arena, admin, "admin", id, &closed, &after, &err),
	    LF_ERR_INVALID);
	assert_string_equal(err.reason, "invalid_project");
	assert_string_equal(err.message, "status must be active or closed.");

	lf_project_fields empty = {.name = ""};
	assert_int_equal(
	    lf_projects_update(f->s, f->arena, admin, "admin", id, &empty, &after, &err),
	    LF_ERR_INVALID);
	assert_string_equal(err.message, "name must not be empty.");

	assert_int_equal(
	    lf_projects_update(f->s, f->arena, admin, "admin", 9999, &in, &after, &err),
	    LF_ERR_NOTFOUND);
	assert_int_equal(lf_fx_audit_count(f, "project.update"), 1);
	json_decref(policies);
	json_decref(rates);
	json_decref(sent);
}

static void test_currency_is_locked_once_money_moved(void **state)
{
	lf_fx *f = *state;
	int64_t admin = lf_fx_user(f, "admin@example.org", "admin");
	int64_t id = lf_fx_project(f, NULL, NULL);
	lf_project_fields usd = {.currency = "USD"};
	lf_project_fields eur = {.currency = "EUR"};
	lf_project after;
	lf_error err = {0};
	lf_fx_deposit(f, id, 100);
	assert_int_equal(lf_projects_update(f->s, f->arena, admin, "admin", id, &usd, &after, &err),
			 LF_ERR_CONFLICT);
	assert_string_equal(err.reason, "currency_locked");
	assert_string_equal(project_get(f, id).currency, "EUR");
	assert_int_equal(lf_fx_audit_count(f, "project.update"), 0);
	/* The same currency again is no change. */
	assert_int_equal(lf_projects_update(f->s, f->arena, admin, "admin", id, &eur, &after, &err),
			 LF_OK);

	int64_t fresh = lf_fx_project(f, NULL, NULL);
	assert_int_equal(
	    lf_projects_update(f->s, f->arena, admin, "admin", fresh, &usd, &after, &err), LF_OK);
	assert_string_equal(project_get(f, fresh).currency, "USD");
}

static void test_member_set_and_remove(void **state)
{
	lf_fx *f = *state;
	int64_t admin = lf_fx_user(f, "admin@example.org", "admin");
	int64_t ann = lf_fx_user(f, "ann@example.org", "annotator");
	int64_t id = lf_fx_project(f, NULL, NULL);
	static const char *const two[] = {"annotator", "reviewer"};
	static const char *const one[] = {"super_reviewer"};
	lf_error err = {0};
	assert_int_equal(
	    lf_projects_member_set(f->s, f->arena, admin, "admin", id, ann, two, 2, &err), LF_OK);
	assert_int_equal(roles_of(f, id, ann), LF_PROLE_ANNOTATOR | LF_PROLE_REVIEWER);
	/* Setting replaces the roles held before. */
	assert_int_equal(
	    lf_projects_member_set(f->s, f->arena, admin, "admin", id, ann, one, 1, &err), LF_OK);
	assert_int_equal(roles_of(f, id, ann), LF_PROLE_SUPER_REVIEWER);
	assert_int_equal(lf_fx_audit_count(f, "member.set"), 2);

	assert_int_equal(lf_projects_member_remove(f->s, f->arena, admin, "admin", id, ann, &err),
			 LF_OK);
	assert_int_equal(roles_of(f, id, ann), 0);
	assert_int_equal(lf_fx_audit_count(f, "member.remove"), 1);
	assert_int_equal(lf_projects_member_remove(f->s, f->arena, admin, "admin", id, ann, &err),
			 LF_ERR_NOTFOUND);
	assert_string_equal(err.reason, "not_found");
	assert_string_equal(err.message, "That user is not a member.");
	assert_int_equal(lf_fx_audit_count(f, "member.remove"), 1);
}

static void test_member_set_refusals(void **state)
{
	lf_fx *f = *state;
	int64_t admin = lf_fx_user(f, "admin@example.org", "admin");
	int64_t ann = lf_fx_user(f, "ann@example.org", "annotator");
	int64_t id = lf_fx_project(f, NULL, NULL);
	static const char *const owner[] = {"owner"};
	static const char *const ok[] = {"annotator"};
	lf_error err = {0};
	assert_int_equal(
	    lf_projects_member_set(f->s, f->arena, admin, "admin", id, ann, owner, 1, &err),
	    LF_ERR_INVALID);
	assert_string_equal(err.reason, "invalid_member");
	assert_string_equal(
	    err.message, "A project role is annotator, reviewer or super_reviewer, not \"owner\".");
	assert_int_equal(
	    lf_projects_member_set(f->s, f->arena, admin, "admin", id, ann, ok, 0, &err),
	    LF_ERR_INVALID);
	assert_string_equal(err.reason, "missing_field");
	assert_int_equal(
	    lf_projects_member_set(f->s, f->arena, admin, "admin", id, 9999, ok, 1, &err),
	    LF_ERR_NOTFOUND);
	assert_string_equal(err.message, "No such active user.");
	assert_int_equal(roles_of(f, id, ann), 0);
	assert_int_equal(lf_fx_audit_count(f, "member.set"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_refuses_bad_settings, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_create_stores_the_effective_policy, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_update_merges_and_refuses, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_currency_is_locked_once_money_moved, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_member_set_and_remove, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_member_set_refusals, lf_fx_setup, lf_fx_teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("projects", tests, NULL, NULL);
}
