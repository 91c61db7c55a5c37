/*
 * test_policy.c - project policies and rates: defaults, overrides by the
 * project and by a task type, every bound refused with a sentence that
 * names it, and money that must be whole minor units.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "projects/policy.h"

static void expect_refused(const char *json, const char *words);
static void test_segments(void **state);

static void test_defaults(void **state)
{
	lf_policy p;
	(void)state;
	lf_policy_defaults(&p);
	assert_int_equal(p.lease_seconds, 600);
	assert_int_equal(p.max_attempts, 3);
	assert_int_equal(p.max_reworks, 2);
	assert_int_equal(p.items_per_task, 1);
	assert_int_equal(p.overlap, 1);
	assert_int_equal(p.l3_sample_bp, 10000);
	assert_int_equal(p.rework_grace_seconds, 300);
	assert_int_equal(p.pay_overturned_l2, 0);
	assert_int_equal(p.segment_seconds, 0);
	assert_int_equal(p.segment_overlap_seconds, 0);
	assert_int_equal(p.release_grace_seconds, 5);
}

/* The project overrides the defaults, the task type the project; a task
 * type that is not listed, or no type, gets the project's. */
static void test_effective_layers(void **state)
{
	lf_policy p;
	const char *project = "{\"lease_seconds\":60,\"l3_sample_rate\":0.25}";
	const char *types = "{\"hard\":{\"lease_seconds\":1800,\"pay_overturned_l2\":true}}";
	(void)state;
	assert_int_equal(lf_policy_effective(project, types, "hard", &p), LF_OK);
	assert_int_equal(p.lease_seconds, 1800);
	assert_int_equal(p.l3_sample_bp, 2500);
	assert_int_equal(p.pay_overturned_l2, 1);
	assert_int_equal(lf_policy_effective(project, types, "easy", &p), LF_OK);
	assert_int_equal(p.lease_seconds, 60);
	assert_int_equal(p.pay_overturned_l2, 0);
	assert_int_equal(lf_policy_effective(project, types, NULL, &p), LF_OK);
	assert_int_equal(p.lease_seconds, 60);
	assert_int_equal(p.max_attempts, 3);
}

static void expect_refused(const char *json, const char *words)
{
	lf_policy p, before;
	char err[160] = "";
	json_t *o = json_loads(json, 0, NULL);
	assert_non_null(o);
	lf_policy_defaults(&p);
	before = p;
	assert_int_equal(lf_policy_apply(&p, o, err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, words));
	/* A refused override changes nothing, not even its valid fields. */
	assert_memory_equal(&p, &before, sizeof(p));
	json_decref(o);
}

static void test_bounds_are_refused_by_name(void **state)
{
	(void)state;
	expect_refused("{\"max_attempts\":2,\"lease_seconds\":0}",
		       "lease_seconds must be an integer from 1 to 604800");
	expect_refused("{\"overlap\":21}", "overlap must be an integer from 1 to 20");
	expect_refused("{\"items_per_task\":1.5}", "items_per_task");
	expect_refused("{\"rework_grace_seconds\":-1}", "rework_grace_seconds");
	expect_refused("{\"l3_sample_rate\":1.01}", "l3_sample_rate must be a number from 0 to 1");
	expect_refused("{\"l3_sample_rate\":\"all\"}", "l3_sample_rate");
	expect_refused("{\"pay_overturned_l2\":1}", "pay_overturned_l2 must be true or false");
	expect_refused("{\"speed\":1}", "unknown policy \"speed\"");
	expect_refused("[]", "policies must be an object");
}

/* Segmenting: a length (0 = off) and an overlap below it, checked on the
 * combination whichever layer set each; task types cannot set them. */
static void test_segments(void **state)
{
	lf_policy p;
	char err[160] = "";
	json_t *on = json_loads("{\"segment_seconds\":30,\"segment_overlap_seconds\":2}", 0, NULL);
	json_t *shorter = json_loads("{\"segment_seconds\":2}", 0, NULL);
	json_t *typed = json_loads("{\"t\":{\"segment_seconds\":10}}", 0, NULL);
	(void)state;
	lf_policy_defaults(&p);
	assert_int_equal(lf_policy_apply(&p, on, err, sizeof(err)), LF_OK);
	assert_int_equal(p.segment_seconds, 30);
	assert_int_equal(p.segment_overlap_seconds, 2);
	/* Shortening the length to the overlap already in force is refused. */
	assert_int_equal(lf_policy_apply(&p, shorter, err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, "segment_overlap_seconds must be less than segment_seconds"));
	assert_int_equal(p.segment_seconds, 30);
	expect_refused("{\"segment_seconds\":30,\"segment_overlap_seconds\":30}",
		       "segment_overlap_seconds must be less than segment_seconds");
	expect_refused("{\"segment_seconds\":-1}", "segment_seconds must be an integer from 0");
	expect_refused("{\"segment_seconds\":1.5}", "segment_seconds");
	/* Off, an overlap alone means nothing and is kept for later. */
	lf_policy_defaults(&p);
	json_t *off = json_loads("{\"segment_overlap_seconds\":5}", 0, NULL);
	assert_int_equal(lf_policy_apply(&p, off, err, sizeof(err)), LF_OK);
	assert_int_equal(lf_policy_check_task_types(typed, err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, "set for the whole project"));
	json_decref(on);
	json_decref(shorter);
	json_decref(typed);
	json_decref(off);
}

static void test_task_types_are_checked(void **state)
{
	char err[160] = "";
	json_t *ok = json_loads("{\"hard\":{\"max_reworks\":0}}", 0, NULL);
	json_t *bad = json_loads("{\"hard\":{\"max_reworks\":101}}", 0, NULL);
	json_t *empty = json_loads("{\"\":{}}", 0, NULL);
	(void)state;
	assert_int_equal(lf_policy_check_task_types(ok, err, sizeof(err)), LF_OK);
	assert_int_equal(lf_policy_check_task_types(bad, err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, "task type \"hard\": policy max_reworks"));
	assert_int_equal(lf_policy_check_task_types(empty, err, sizeof(err)), LF_ERR_INVALID);
	json_decref(ok);
	json_decref(bad);
	json_decref(empty);
}

/* Policies render as the API shows them and read back the same. */
static void test_json_round_trip(void **state)
{
	lf_policy p, q;
	char err[160];
	(void)state;
	lf_policy_defaults(&p);
	p.lease_seconds = 90;
	p.l3_sample_bp = 500;
	p.pay_overturned_l2 = 1;
	json_t *o = lf_policy_json(&p);
	lf_policy_defaults(&q);
	assert_int_equal(lf_policy_apply(&q, o, err, sizeof(err)), LF_OK);
	assert_memory_equal(&p, &q, sizeof(p));
	json_decref(o);
}

/* Every integer field of the table GET /meta publishes takes its bounds
 * and refuses one past them, so the bounds a client reads are the ones
 * lf_policy_apply enforces. */
static void test_published_bounds_are_enforced(void **state)
{
	const lf_policy_field *f;
	char err[160];
	(void)state;
	for (size_t i = 0; (f = lf_policy_field_at(i)) != NULL; i++) {
		if (f->kind != LF_POLICY_INT)
			continue;
		int cases[][2] = {{f->min, LF_OK},
				  {f->max, LF_OK},
				  {f->min - 1, LF_ERR_INVALID},
				  {f->max + 1, LF_ERR_INVALID}};
		for (size_t c = 0; c < 4; c++) {
			lf_policy p;
			json_t *o = json_pack("{s:i}", f->name, cases[c][0]);
			lf_policy_defaults(&p);
			/* Segment overlap must stay below a non-zero length. */
			if (strcmp(f->name, "segment_overlap_seconds") == 0)
				json_object_set_new(o, "segment_seconds", json_integer(86400));
			if (strcmp(f->name, "segment_overlap_seconds") == 0 &&
			    cases[c][0] == f->max)
				json_object_set_new(o, f->name, json_integer(f->max - 1));
			assert_int_equal(lf_policy_apply(&p, o, err, sizeof(err)), cases[c][1]);
			json_decref(o);
		}
	}
	json_t *list = lf_policy_fields_json();
	json_t *fresh = lf_policy_json(&(lf_policy){0});
	assert_int_equal(json_array_size(list), json_object_size(fresh));
	json_decref(list);
	json_decref(fresh);
}

static void test_rates_are_whole_minor_units(void **state)
{
	lf_rates r = {0};
	char err[160] = "";
	json_t *ok = json_loads("{\"l1\":7,\"l3\":1}", 0, NULL);
	json_t *frac = json_loads("{\"l2\":1.5}", 0, NULL);
	json_t *neg = json_loads("{\"l1\":-1}", 0, NULL);
	json_t *huge = json_loads("{\"l1\":1000000000001}", 0, NULL);
	json_t *unknown = json_loads("{\"l4\":1}", 0, NULL);
	(void)state;
	assert_int_equal(lf_rates_parse(ok, &r, err, sizeof(err)), LF_OK);
	assert_int_equal(lf_rates_stage(&r, 1), 7);
	assert_int_equal(lf_rates_stage(&r, 2), 0);
	assert_int_equal(lf_rates_stage(&r, 3), 1);
	assert_int_equal(lf_rates_stage(&r, 4), 0);
	assert_int_equal(lf_rates_parse(frac, &r, err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, "whole number of minor units"));
	assert_int_equal(lf_rates_parse(neg, &r, err, sizeof(err)), LF_ERR_INVALID);
	assert_int_equal(lf_rates_parse(huge, &r, err, sizeof(err)), LF_ERR_INVALID);
	assert_int_equal(lf_rates_parse(unknown, &r, err, sizeof(err)), LF_ERR_INVALID);
	assert_non_null(strstr(err, "unknown rate \"l4\""));
	/* The refusals left the rates read first untouched. */
	assert_int_equal(r.l1, 7);
	assert_int_equal(lf_rates_from_text("{\"l2\":3}", &r), LF_OK);
	assert_int_equal(r.l1, 0);
	assert_int_equal(r.l2, 3);
	json_decref(ok);
	json_decref(frac);
	json_decref(neg);
	json_decref(huge);
	json_decref(unknown);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_effective_layers),
	    cmocka_unit_test(test_bounds_are_refused_by_name),
	    cmocka_unit_test(test_segments),
	    cmocka_unit_test(test_task_types_are_checked),
	    cmocka_unit_test(test_json_round_trip),
	    cmocka_unit_test(test_published_bounds_are_enforced),
	    cmocka_unit_test(test_rates_are_whole_minor_units),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
