/*
 * test_tasks.c - the task operations of tasks/ on a real database: the
 * money of each stage, overturned L2 work with and without pay, rework
 * routed back to its annotator for the grace period, separation of
 * duties, refusals that leave the task as it was, the lease sweeper and
 * the release beacon's signature.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "tasks/tasks.h"

#define RATES "{\"l1\":100,\"l2\":10,\"l3\":1}"

struct people {
	int64_t project;
	lf_actor ann, ann2, rev, rev2, sup;
};

static void people(lf_fx *f, const char *policies, struct people *p);
static json_t *span(void);
static int64_t claim(lf_fx *f, const lf_actor *who, int64_t project, int stage);
static void submit(lf_fx *f, const lf_actor *who, int64_t task);
static void review(lf_fx *f, const lf_actor *who, int64_t task, const char *decision,
		   const char *comment);
static void decide(lf_fx *f, const lf_actor *who, int64_t task, const char *decision,
		   const char *comment);
static const char *state_of(lf_fx *f, int64_t task);

/* A project with rates 100/10/1, 1000 in escrow, and two people per
 * stage (the second annotator and reviewer for the tests that need one). */
static void people(lf_fx *f, const char *policies, struct people *p)
{
	static const char *const roles[] = {"annotator", "annotator", "reviewer", "reviewer",
					    "super_reviewer"};
	lf_actor *who[] = {&p->ann, &p->ann2, &p->rev, &p->rev2, &p->sup};
	char email[64];
	p->project = lf_fx_project(f, policies, RATES);
	for (size_t i = 0; i < LF_ARRAY_LEN(roles); i++) {
		snprintf(email, sizeof(email), "u%zu@example.org", i);
		who[i]->user_id = lf_fx_user(f, email, roles[i]);
		who[i]->is_admin = 0;
		lf_fx_member(f, p->project, who[i]->user_id, roles[i]);
	}
	lf_fx_deposit(f, p->project, 1000);
}

static json_t *span(void)
{
	return json_pack("[{s:s,s:s,s:s,s:s,s:{s:i,s:i,s:[s]}}]", "id", "r1", "from_name", "label",
			 "to_name", "text", "type", "labels", "value", "start", 0, "end", 5,
			 "labels", "PER");
}

/* Claims and returns the task id; 0 when there is nothing to do. */
static int64_t claim(lf_fx *f, const lf_actor *who, int64_t project, int stage)
{
	lf_task_view v;
	lf_error why = {.code = 0};
	int ret = lf_tasks_claim(f->s, f->arena, who, project, stage, 0, &v, &why);
	if (ret == LF_ERR_NOTFOUND)
		return 0;
	assert_int_equal(ret, LF_OK);
	return v.task.id;
}

static void submit(lf_fx *f, const lf_actor *who, int64_t task)
{
	lf_task_view v;
	lf_error why = {.code = 0};
	json_t *r = span();
	assert_int_equal(lf_tasks_submit(f->s, f->arena, who, task, r, &v, &why), LF_OK);
	json_decref(r);
}

static void review(lf_fx *f, const lf_actor *who, int64_t task, const char *decision,
		   const char *comment)
{
	lf_task_view v;
	lf_error why = {.code = 0};
	assert_int_equal(
	    lf_tasks_review(f->s, f->arena, who, task, decision, comment, NULL, &v, &why), LF_OK);
}

static void decide(lf_fx *f, const lf_actor *who, int64_t task, const char *decision,
		   const char *comment)
{
	lf_task_view v;
	lf_error why = {.code = 0};
	assert_int_equal(
	    lf_tasks_decide(f->s, f->arena, who, task, decision, comment, NULL, &v, &why), LF_OK);
}

static const char *state_of(lf_fx *f, int64_t task)
{
	static char state[32];
	lf_tx *tx = NULL;
	lf_task t;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_task_get(tx, task, &t), LF_OK);
	snprintf(state, sizeof(state), "%s", t.state);
	lf_store_rollback(tx);
	return state;
}

static void test_each_stage_is_paid_on_acceptance(void **state)
{
	lf_fx *f = *state;
	struct people p;
	people(f, NULL, &p);
	int64_t t = lf_fx_task(f, p.project, "Alice met Bob");
	assert_int_equal(claim(f, &p.ann, p.project, 1), t);
	assert_int_equal(lf_fx_balance(f, "held", p.project, 0), 100);
	submit(f, &p.ann, t);
	assert_int_equal(claim(f, &p.rev, p.project, 2), t);
	review(f, &p.rev, t, "approve", NULL);
	assert_int_equal(claim(f, &p.sup, p.project, 3), t);
	/* Nothing is earned before the task is accepted. */
	assert_int_equal(lf_fx_balance(f, "payable", p.project, p.ann.user_id), 0);
	decide(f, &p.sup, t, "approve", NULL);
	assert_string_equal(state_of(f, t), "accepted");
	assert_int_equal(lf_fx_balance(f, "payable", p.project, p.ann.user_id), 100);
	assert_int_equal(lf_fx_balance(f, "payable", p.project, p.rev.user_id), 10);
	assert_int_equal(lf_fx_balance(f, "payable", p.project, p.sup.user_id), 1);
	assert_int_equal(lf_fx_balance(f, "held", p.project, 0), 0);
	assert_int_equal(lf_fx_balance(f, "escrow", p.project, 0), 1000 - 111);
}

/* L3 sends an L2 approval back: the reviewer whose decision was overturned
 * is paid only when the project says so. Returns the first reviewer's
 * payable once the task is finally accepted. */
static int64_t overturned_pay(lf_fx *f, const char *policies)
{
	struct people p;
	people(f, policies, &p);
	int64_t t = lf_fx_task(f, p.project, "Alice met Bob");
	claim(f, &p.ann, p.project, 1);
	submit(f, &p.ann, t);
	claim(f, &p.rev, p.project, 2);
	review(f, &p.rev, t, "approve", NULL);
	claim(f, &p.sup, p.project, 3);
	decide(f, &p.sup, t, "send_back_l2", "the second span is wrong");
	assert_string_equal(state_of(f, t), "queued_l2");
	assert_int_equal(claim(f, &p.rev2, p.project, 2), t);
	review(f, &p.rev2, t, "approve", NULL);
	assert_int_equal(claim(f, &p.sup, p.project, 3), t);
	decide(f, &p.sup, t, "approve", NULL);
	assert_string_equal(state_of(f, t), "accepted");
	assert_int_equal(lf_fx_balance(f, "payable", p.project, p.rev2.user_id), 10);
	assert_int_equal(lf_fx_balance(f, "payable", p.project, p.ann.user_id), 100);
	assert_int_equal(lf_fx_balance(f, "held", p.project, 0), 0);
	return lf_fx_balance(f, "payable", p.project, p.rev.user_id);
}

static void test_overturned_l2_is_not_paid_by_default(void **state)
{
	assert_int_equal(overturned_pay(*state, NULL), 0);
}

static void test_overturned_l2_is_paid_when_the_project_says_so(void **state)
{
	assert_int_equal(overturned_pay(*state, "{\"pay_overturned_l2\":true}"), 10);
}

/* A rejected task waits rework_grace_seconds for its annotator: another
 * annotator is told there is nothing to do, its own annotator gets it. */
static void test_rework_waits_for_its_annotator(void **state)
{
	lf_fx *f = *state;
	struct people p;
	people(f, NULL, &p);
	int64_t t = lf_fx_task(f, p.project, "Alice met Bob");
	claim(f, &p.ann, p.project, 1);
	submit(f, &p.ann, t);
	claim(f, &p.rev, p.project, 2);
	review(f, &p.rev, t, "reject", "PER span misses the surname");
	assert_string_equal(state_of(f, t), "queued_l1");
	assert_int_equal(claim(f, &p.ann2, p.project, 1), 0);
	assert_int_equal(claim(f, &p.ann, p.project, 1), t);
}

static void test_rework_goes_to_anyone_after_the_grace(void **state)
{
	lf_fx *f = *state;
	struct people p;
	people(f, "{\"rework_grace_seconds\":1}", &p);
	int64_t t = lf_fx_task(f, p.project, "Alice met Bob");
	claim(f, &p.ann, p.project, 1);
	submit(f, &p.ann, t);
	claim(f, &p.rev, p.project, 2);
	review(f, &p.rev, t, "reject", "PER span misses the surname");
	assert_int_equal(claim(f, &p.ann2, p.project, 1), 0);
	usleep(1100 * 1000);
	assert_int_equal(claim(f, &p.ann2, p.project, 1), t);
}

static void test_nobody_reviews_their_own_work(void **state)
{
	lf_fx *f = *state;
	struct people p;
	people(f, NULL, &p);
	int64_t t = lf_fx_task(f, p.project, "Alice met Bob");
	/* The annotator is a reviewer of the project as well. */
	lf_fx_member(f, p.project, p.ann.user_id, "reviewer");
	claim(f, &p.ann, p.project, 1);
	submit(f, &p.ann, t);
	assert_int_equal(claim(f, &p.ann, p.project, 2), 0);
	assert_int_equal(claim(f, &p.rev, p.project, 2), t);
}

static void test_refusals_leave_the_task_as_it_was(void **state)
{
	lf_fx *f = *state;
	struct people p;
	lf_task_view v;
	lf_error why = {.code = 0};
	people(f, "{}", &p);
	int64_t t = lf_fx_task(f, p.project, "Alice met Bob");
	claim(f, &p.ann, p.project, 1);
	/* Only the holder submits. */
	json_t *r = span();
	assert_int_not_equal(lf_tasks_submit(f->s, f->arena, &p.ann2, t, r, &v, &why), LF_OK);
	assert_string_equal(why.reason, "lease_lost");
	json_decref(r);
	submit(f, &p.ann, t);
	claim(f, &p.rev, p.project, 2);
	assert_int_not_equal(
	    lf_tasks_review(f->s, f->arena, &p.rev, t, "reject", "", NULL, &v, &why), LF_OK);
	assert_string_equal(why.reason, "comment_required");
	assert_string_equal(state_of(f, t), "locked_l2");
	assert_int_equal(lf_fx_balance(f, "held", p.project, 0), 110);
}

static void test_claim_beyond_the_escrow_is_refused(void **state)
{
	lf_fx *f = *state;
	lf_task_view v;
	lf_error why = {.code = 0};
	lf_actor a = {.user_id = lf_fx_user(f, "a@example.org", "annotator")};
	int64_t project = lf_fx_project(f, NULL, "{\"l1\":600}");
	int64_t t = lf_fx_task(f, project, "Alice met Bob");
	lf_fx_deposit(f, project, 599);
	assert_int_equal(lf_tasks_claim(f->s, f->arena, &a, project, 1, 0, &v, &why), LF_ERR_FUNDS);
	assert_string_equal(why.reason, "insufficient_escrow");
	assert_non_null(strstr(why.message, "1 EUR"));
	assert_string_equal(state_of(f, t), "queued_l1");
	assert_int_equal(lf_fx_balance(f, "escrow", project, 0), 599);
	lf_fx_deposit(f, project, 1);
	assert_int_equal(claim(f, &a, project, 1), t);
}

/* The sweeper returns an expired lease's task to its queue and its hold to
 * the escrow; past max_attempts the task goes to L3. */
static void test_sweeper_returns_expired_leases(void **state)
{
	lf_fx *f = *state;
	struct people p;
	int n = 0;
	people(f, "{\"max_attempts\":1}", &p);
	int64_t t = lf_fx_task(f, p.project, "Alice met Bob");
	claim(f, &p.ann, p.project, 1);
	assert_int_equal(lf_tasks_sweep(f->s, lf_now_ms(), &n), LF_OK);
	assert_int_equal(n, 0);
	assert_int_equal(lf_tasks_sweep(f->s, lf_now_ms() + 601 * 1000, &n), LF_OK);
	assert_int_equal(n, 1);
	assert_string_equal(state_of(f, t), "queued_l1");
	assert_int_equal(lf_fx_balance(f, "held", p.project, 0), 0);
	assert_int_equal(lf_fx_balance(f, "escrow", p.project, 0), 1000);
	claim(f, &p.ann2, p.project, 1);
	assert_int_equal(lf_tasks_sweep(f->s, lf_now_ms() + 601 * 1000, &n), LF_OK);
	assert_string_equal(state_of(f, t), "queued_l3");
}

/* A release beacon's signature binds task, stint, user and expiry: any
 * change, a truncated signature or a passed expiry is refused. */
static void test_release_beacon_signature(void **state)
{
	(void)state;
	unsigned char jwt[32] = {1, 2, 3}, key[32];
	char sig[65], bad[65];
	int64_t work = 0, user = 0;
	lf_tasks_beacon_key(jwt, key);
	lf_tasks_beacon_sign(key, 5, 9, 3, 1000, sig);
	assert_int_equal(lf_tasks_beacon_check(key, 5, "9", "3", "1000", sig, 999, &work, &user),
			 LF_OK);
	assert_int_equal(work, 9);
	assert_int_equal(user, 3);
	assert_int_equal(lf_tasks_beacon_check(key, 6, "9", "3", "1000", sig, 999, &work, &user),
			 LF_ERR_FORBIDDEN);
	assert_int_equal(lf_tasks_beacon_check(key, 5, "8", "3", "1000", sig, 999, &work, &user),
			 LF_ERR_FORBIDDEN);
	assert_int_equal(lf_tasks_beacon_check(key, 5, "9", "4", "1000", sig, 999, &work, &user),
			 LF_ERR_FORBIDDEN);
	assert_int_equal(lf_tasks_beacon_check(key, 5, "9", "3", "1001", sig, 999, &work, &user),
			 LF_ERR_FORBIDDEN);
	assert_int_equal(lf_tasks_beacon_check(key, 5, "9", "3", "1000", sig, 1001, &work, &user),
			 LF_ERR_FORBIDDEN);
	assert_int_equal(lf_tasks_beacon_check(key, 5, "9", "3", "1000", "abc", 999, &work, &user),
			 LF_ERR_FORBIDDEN);
	assert_int_equal(lf_tasks_beacon_check(key, 5, "9x", "3", "1000", sig, 999, &work, &user),
			 LF_ERR_FORBIDDEN);
	memcpy(bad, sig, sizeof(bad));
	bad[0] = bad[0] == '0' ? '1' : '0';
	assert_int_equal(lf_tasks_beacon_check(key, 5, "9", "3", "1000", bad, 999, &work, &user),
			 LF_ERR_FORBIDDEN);
	/* The JWT key itself does not sign beacons: only the derived key does. */
	lf_tasks_beacon_sign(jwt, 5, 9, 3, 1000, bad);
	assert_int_equal(lf_tasks_beacon_check(key, 5, "9", "3", "1000", bad, 999, &work, &user),
			 LF_ERR_FORBIDDEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_each_stage_is_paid_on_acceptance, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_overturned_l2_is_not_paid_by_default, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_overturned_l2_is_paid_when_the_project_says_so,
					    lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rework_waits_for_its_annotator, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rework_goes_to_anyone_after_the_grace, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_nobody_reviews_their_own_work, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_refusals_leave_the_task_as_it_was, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_claim_beyond_the_escrow_is_refused, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_sweeper_returns_expired_leases, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test(test_release_beacon_signature),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("tasks", tests, NULL, NULL);
}
