/*
 * test_webhook_events.c - which audit records raise which webhook events
 * (submit first and later versions, revise, reviews, acceptance, discard,
 * task creation, project changes, claims that raise nothing), the
 * subscription filter, and the payloads' shapes: stable ids, Label
 * Studio's fields, the annotation version the record names.
 */
#include "webhooks/events.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

static lf_audit_row rec(const char *action, const char *from, const char *to, const char *details)
{
	lf_audit_row r;
	memset(&r, 0, sizeof(r));
	r.seq = 42;
	r.ts = 1764892800123; /* 2025-12-05T00:00:00.123Z */
	r.actor_id = 7;
	r.actor_role = "annotator";
	r.action = action;
	r.project_id = 3;
	r.task_id = 11;
	r.from_state = from;
	r.to_state = to;
	r.details = details;
	return r;
}

static void expect_events(const char *action, const char *from, const char *to, const char *details,
			  const char *want)
{
	const char *ev[LF_WEBHOOK_EVENTS_MAX];
	lf_audit_row r = rec(action, from, to, details);
	char got[256] = "";
	int n = lf_webhook_events_of(&r, ev);
	for (int i = 0; i < n; i++) {
		if (i > 0)
			strcat(got, ",");
		strcat(got, ev[i]);
	}
	assert_string_equal(got, want);
}

static void test_mapping(void **state)
{
	(void)state;
	expect_events("task.claim", "queued_l1", "locked_l1", "{}", "");
	expect_events("task.heartbeat", "locked_l1", "locked_l1", "{}", "");
	expect_events("task.submit", "locked_l1", "queued_l2", "{\"annotation_version\":1}",
		      "ANNOTATION_CREATED,TASK_SUBMITTED");
	expect_events("task.submit", "locked_l1", "queued_l2", "{\"annotation_version\":2}",
		      "ANNOTATION_UPDATED,TASK_SUBMITTED");
	/* A project without review stages accepts on submit. */
	expect_events("task.submit", "locked_l1", "accepted", "{\"annotation_version\":1}",
		      "ANNOTATION_CREATED,TASK_SUBMITTED,TASK_ACCEPTED");
	expect_events("task.revise", "queued_l2", "queued_l2", "{\"annotation_version\":2}",
		      "ANNOTATION_UPDATED");
	expect_events("task.l2_reject", "locked_l2", "queued_l1", "{}", "TASK_REVIEWED");
	expect_events("task.l2_approve", "locked_l2", "queued_l3", "{}", "TASK_REVIEWED");
	expect_events("task.l3_approve", "locked_l3", "accepted", "{}",
		      "TASK_REVIEWED,TASK_ACCEPTED");
	expect_events("task.l3_discard", "locked_l3", "discarded", "{}",
		      "TASK_REVIEWED,TASK_DISCARDED");
	expect_events("task.admin_discard", "queued_l1", "discarded", "{}", "TASK_DISCARDED");
	expect_events("task.admin_requeue", "accepted", "accepted", "{}", "");
	expect_events("tasks.create", NULL, "queued_l1", "{\"count\":2}", "TASKS_CREATED");
	expect_events("import.done", "running", "done", "{}", "TASKS_CREATED");
	expect_events("project.update", NULL, NULL, "{}", "PROJECT_UPDATED");
	expect_events("export.done", "running", "done", "{}", "EXPORT_FINISHED");
	expect_events("payout.sent", "pending", "paid", "{}", "PAYOUT_SENT");
	expect_events("export.create", NULL, NULL, "{}", "");
	expect_events("webhook.create", NULL, NULL, "{}", "");
	expect_events("auth.login", NULL, NULL, "{}", "");
}

static void test_names_and_filter(void **state)
{
	(void)state;
	assert_true(lf_webhook_event_known("TASK_ACCEPTED"));
	assert_false(lf_webhook_event_known("PING"));
	assert_true(lf_webhook_event_known("ESCROW_LOW"));
	assert_false(lf_webhook_event_known("task_accepted"));
	assert_string_equal(lf_webhook_event_at(0), "TASKS_CREATED");
	assert_null(lf_webhook_event_at(100));
	assert_true(lf_webhook_wants("[]", "TASK_REVIEWED"));
	assert_true(lf_webhook_wants("[\"*\"]", "TASK_REVIEWED"));
	assert_true(lf_webhook_wants("[\"TASK_ACCEPTED\",\"TASK_REVIEWED\"]", "TASK_REVIEWED"));
	assert_false(lf_webhook_wants("[\"TASK_ACCEPTED\"]", "TASK_REVIEWED"));
	assert_false(lf_webhook_wants("not json", "TASK_REVIEWED"));
}

static void test_payload_annotation(void **state)
{
	(void)state;
	lf_audit_row r = rec("task.submit", "locked_l1", "queued_l2", "{\"annotation_version\":2}");
	lf_task t = {.id = 11, .project_id = 3, .data = "{\"text\":\"Alice\"}"};
	lf_annotation a = {.id = 99,
			   .task_id = 11,
			   .version = 2,
			   .author_id = 7,
			   .kind = "annotation",
			   .result = "[{\"id\":\"r\"}]",
			   .created_at = 1764892800000};
	lf_webhook_facts f = {.rec = &r,
			      .event = "ANNOTATION_UPDATED",
			      .task = &t,
			      .ann = &a,
			      .label_config = "<View/>"};
	json_t *p = lf_webhook_payload(&f);
	assert_non_null(p);
	/* What Label Studio's ML backends read at their /webhook. */
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(p, "project"), "label_config")),
	    "<View/>");
	assert_string_equal(json_string_value(json_object_get(p, "id")), "42.ANNOTATION_UPDATED");
	assert_string_equal(json_string_value(json_object_get(p, "action")), "ANNOTATION_UPDATED");
	assert_string_equal(json_string_value(json_object_get(p, "created_at")),
			    "2025-12-05T00:00:00.123Z");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(p, "project"), "id")),
			 3);
	json_t *task = json_object_get(p, "task"), *ann = json_object_get(p, "annotation");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(task, "data"), "text")), "Alice");
	assert_int_equal(json_integer_value(json_object_get(ann, "version")), 2);
	assert_int_equal(json_integer_value(json_object_get(ann, "completed_by")), 7);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(ann, "result"), 0), "id")),
			    "r");
	json_decref(p);
}

static void test_payload_tasks_and_transition(void **state)
{
	(void)state;
	lf_audit_row r =
	    rec("tasks.create", NULL, "queued_l1", "{\"count\":3,\"first_id\":5,\"last_id\":7}");
	lf_webhook_facts f = {.rec = &r, .event = "TASKS_CREATED"};
	json_t *p = lf_webhook_payload(&f);
	json_t *tasks = json_object_get(p, "tasks");
	assert_int_equal(json_array_size(tasks), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(tasks, 2), "id")), 7);
	assert_int_equal(json_integer_value(json_object_get(p, "count")), 3);
	json_decref(p);
	/* Ids that are not one run are not listed: only the count is known. */
	r.details = "{\"count\":3,\"first_id\":5,\"last_id\":9}";
	p = lf_webhook_payload(&f);
	assert_int_equal(json_array_size(json_object_get(p, "tasks")), 0);
	json_decref(p);
	r = rec("task.l3_discard", "locked_l3", "discarded", "{\"comment\":\"bad\"}");
	f = (lf_webhook_facts){.rec = &r, .event = "TASK_DISCARDED"};
	p = lf_webhook_payload(&f);
	json_t *tr = json_object_get(p, "transition");
	assert_string_equal(json_string_value(json_object_get(tr, "event")), "l3_discard");
	assert_string_equal(json_string_value(json_object_get(tr, "to_state")), "discarded");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(tr, "details"), "comment")), "bad");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "task"), "state")),
			    "discarded");
	json_decref(p);
}

static void test_escrow_low(void **state)
{
	(void)state;
	lf_audit_row claim = rec("task.claim", "queued_l1", "locked_l1", "{}");
	lf_audit_row dep = rec("escrow.deposit", NULL, NULL, "{}");
	lf_audit_row hb = rec("task.heartbeat", "locked_l1", "locked_l1", "{}");
	const char *ev[LF_WEBHOOK_EVENTS_MAX];
	assert_true(lf_webhook_escrow_moves(&claim));
	assert_true(lf_webhook_escrow_moves(&dep));
	assert_false(lf_webhook_escrow_moves(&hb));
	/* Never raised by the record alone: it depends on the balance. */
	assert_int_equal(lf_webhook_events_of(&claim, ev), 0);
	claim.project_id = 0;
	assert_false(lf_webhook_escrow_moves(&claim));
	claim.project_id = 3;
	lf_webhook_escrow e = {.available = 90, .held = 210, .threshold = 100, .currency = "EUR"};
	lf_webhook_facts f = {.rec = &claim, .event = "ESCROW_LOW", .escrow = &e};
	json_t *p = lf_webhook_payload(&f);
	json_t *o = json_object_get(p, "escrow");
	assert_string_equal(json_string_value(json_object_get(p, "id")), "42.ESCROW_LOW");
	assert_int_equal(json_integer_value(json_object_get(o, "available")), 90);
	assert_int_equal(json_integer_value(json_object_get(o, "threshold")), 100);
	assert_string_equal(json_string_value(json_object_get(o, "currency")), "EUR");
	assert_string_equal(json_string_value(json_object_get(p, "cause")), "task.claim");
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mapping),
	    cmocka_unit_test(test_names_and_filter),
	    cmocka_unit_test(test_payload_annotation),
	    cmocka_unit_test(test_payload_tasks_and_transition),
	    cmocka_unit_test(test_escrow_low),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
