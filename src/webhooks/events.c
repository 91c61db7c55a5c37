/*
 * events.c - event names, the record-to-event map and payloads (see
 * events.h).
 */
#include "webhooks/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The names receivers subscribe to: Label Studio's first (its users'
 * handlers know them), then LabelFlow's own. */
static const char *const names[] = {
    "TASKS_CREATED",   "ANNOTATION_CREATED", "ANNOTATION_UPDATED", "PROJECT_UPDATED",
    "TASK_SUBMITTED",  "TASK_REVIEWED",	     "TASK_ACCEPTED",	   "TASK_DISCARDED",
    "EXPORT_FINISHED", "PAYOUT_SENT",	     "ESCROW_LOW",
};

/* The review decisions: each is a TASK_REVIEWED. */
static const char *const reviews[] = {
    "task.l2_approve",	"task.l2_reject",	"task.l2_escalate",	"task.l3_approve",
    "task.l3_override", "task.l3_send_back_l1", "task.l3_send_back_l2", "task.l3_discard",
};

static int in_list(const char *s, const char *const *list, size_t n);
static int64_t detail_int(const lf_audit_row *rec, const char *key);
static json_t *task_json(const lf_webhook_facts *f);
static json_t *annotation_json(const lf_webhook_facts *f);
static int add_body(json_t *o, const lf_webhook_facts *f);

static int in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

const char *lf_webhook_event_at(size_t i)
{
	return i < LF_ARRAY_LEN(names) ? names[i] : NULL;
}

int lf_webhook_event_known(const char *name)
{
	return name != NULL && in_list(name, names, LF_ARRAY_LEN(names));
}

/* An integer of the record's details, 0 when absent. */
static int64_t detail_int(const lf_audit_row *rec, const char *key)
{
	json_t *d = rec->details != NULL ? json_loads(rec->details, 0, NULL) : NULL;
	json_t *v = json_object_get(d, key);
	int64_t out = json_is_integer(v) ? json_integer_value(v) : 0;
	json_decref(d);
	return out;
}

/* A submit stores annotation version 1 the first time and a higher one
 * after rework: Label Studio calls the first a creation, later ones
 * updates. Reaching accepted or discarded is an event of its own,
 * whichever transition got there. */
int lf_webhook_events_of(const lf_audit_row *rec, const char *out[LF_WEBHOOK_EVENTS_MAX])
{
	const char *a = rec->action != NULL ? rec->action : "";
	const char *to = rec->to_state != NULL ? rec->to_state : "";
	const char *from = rec->from_state != NULL ? rec->from_state : "";
	int n = 0;
	if (strcmp(a, "tasks.create") == 0 || strcmp(a, "import.done") == 0)
		out[n++] = "TASKS_CREATED";
	else if (strcmp(a, "project.update") == 0)
		out[n++] = "PROJECT_UPDATED";
	else if (strcmp(a, "export.done") == 0)
		out[n++] = "EXPORT_FINISHED";
	else if (strcmp(a, "payout.sent") == 0)
		out[n++] = "PAYOUT_SENT";
	if (strncmp(a, "task.", 5) != 0)
		return n;
	if (strcmp(a, "task.submit") == 0) {
		out[n++] = detail_int(rec, "annotation_version") > 1 ? "ANNOTATION_UPDATED"
								     : "ANNOTATION_CREATED";
		out[n++] = "TASK_SUBMITTED";
	} else if (strcmp(a, "task.revise") == 0) {
		out[n++] = "ANNOTATION_UPDATED";
	} else if (in_list(a, reviews, LF_ARRAY_LEN(reviews))) {
		out[n++] = "TASK_REVIEWED";
	}
	if (strcmp(to, "accepted") == 0 && strcmp(from, "accepted") != 0)
		out[n++] = "TASK_ACCEPTED";
	else if (strcmp(to, "discarded") == 0 && strcmp(from, "discarded") != 0)
		out[n++] = "TASK_DISCARDED";
	return n;
}

int lf_webhook_escrow_moves(const lf_audit_row *rec)
{
	const char *a = rec->action != NULL ? rec->action : "";
	return rec->project_id != 0 &&
	       (strcmp(a, "task.claim") == 0 || strncmp(a, "escrow.", 7) == 0);
}

int lf_webhook_wants(const char *events, const char *event)
{
	json_t *list = events != NULL ? json_loads(events, 0, NULL) : NULL;
	size_t i;
	json_t *v;
	int yes = json_is_array(list) && json_array_size(list) == 0;
	json_array_foreach(list, i, v)
	{
		const char *s = json_string_value(v);
		if (s != NULL && (strcmp(s, "*") == 0 || strcmp(s, event) == 0))
			yes = 1;
	}
	json_decref(list);
	return yes;
}

void lf_webhook_iso(int64_t ms, char out[32])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000) % 1000u);
}

/* Label Studio's task: id and data, plus our state after the event. */
static json_t *task_json(const lf_webhook_facts *f)
{
	const lf_audit_row *r = f->rec;
	json_t *data =
	    f->task != NULL && f->task->data != NULL ? json_loads(f->task->data, 0, NULL) : NULL;
	return json_pack("{s:I,s:o,s:s?,s:I}", "id", (json_int_t)r->task_id, "data",
			 data != NULL ? data : json_null(), "state", r->to_state, "project",
			 (json_int_t)r->project_id);
}

/* Label Studio's annotation: id, result, completed_by, task, project,
 * created_at, plus the version number. */
static json_t *annotation_json(const lf_webhook_facts *f)
{
	const lf_annotation *a = f->ann;
	char at[32];
	if (a == NULL)
		return json_null();
	json_t *result = a->result != NULL ? json_loads(a->result, 0, NULL) : NULL;
	lf_webhook_iso(a->created_at, at);
	return json_pack("{s:I,s:o,s:I,s:I,s:I,s:i,s:s,s:s?}", "id", (json_int_t)a->id, "result",
			 result != NULL ? result : json_array(), "completed_by",
			 (json_int_t)a->author_id, "task", (json_int_t)a->task_id, "project",
			 (json_int_t)f->rec->project_id, "version", a->version, "created_at", at,
			 "kind", a->kind);
}

/* The event's own part of the body. */
static int add_body(json_t *o, const lf_webhook_facts *f)
{
	const lf_audit_row *r = f->rec;
	const char *ev = f->event;
	json_t *details = r->details != NULL ? json_loads(r->details, 0, NULL) : NULL;
	int ret = 0;
	if (details == NULL)
		details = json_object();
	if (strcmp(ev, "TASKS_CREATED") == 0) {
		/* One event per batch: the ids, not every task's data (an
		 * import may hold millions; GET /tasks reads them). */
		json_t *tasks = json_array();
		int64_t first = json_integer_value(json_object_get(details, "first_id"));
		int64_t last = json_integer_value(json_object_get(details, "last_id"));
		int64_t count = json_is_integer(json_object_get(details, "count"))
				    ? json_integer_value(json_object_get(details, "count"))
				    : json_integer_value(json_object_get(details, "tasks_created"));
		if (first > 0 && last - first + 1 == count && count <= 1000)
			for (int64_t id = first; id <= last; id++)
				json_array_append_new(tasks,
						      json_pack("{s:I}", "id", (json_int_t)id));
		ret |= json_object_set_new(o, "tasks", tasks);
		ret |= json_object_set_new(o, "count", json_integer(count));
		if (strcmp(r->action, "import.done") == 0 && r->entity_id != NULL)
			ret |= json_object_set_new(
			    o, "import",
			    json_pack("{s:s,s:O}", "id", r->entity_id, "details", details));
	} else if (strcmp(ev, "PROJECT_UPDATED") == 0) {
		ret |= json_object_set_new(o, "changes", json_incref(details));
	} else if (strcmp(ev, "ESCROW_LOW") == 0 && f->escrow != NULL) {
		const lf_webhook_escrow *e = f->escrow;
		ret |= json_object_set_new(
		    o, "escrow",
		    json_pack("{s:I,s:I,s:I,s:s?}", "available", (json_int_t)e->available, "held",
			      (json_int_t)e->held, "threshold", (json_int_t)e->threshold,
			      "currency", e->currency));
		ret |= json_object_set_new(o, "cause", json_string(r->action));
	} else if (strcmp(ev, "EXPORT_FINISHED") == 0 || strcmp(ev, "PAYOUT_SENT") == 0) {
		/* The export, or the paid item, with what its record says. */
		json_t *what = json_deep_copy(details);
		ret |= json_object_set_new(
		    what, "id", json_integer(r->entity_id != NULL ? atoll(r->entity_id) : 0));
		ret |= json_object_set_new(o, ev[0] == 'E' ? "export" : "payout", what);
	} else {
		ret |= json_object_set_new(o, "task", task_json(f));
		if (strncmp(ev, "ANNOTATION_", 11) == 0)
			ret |= json_object_set_new(o, "annotation", annotation_json(f));
		else
			ret |= json_object_set_new(
			    o, "transition",
			    json_pack("{s:s,s:s?,s:s?,s:I,s:s?,s:O}", "event", r->action + 5,
				      "from_state", r->from_state, "to_state", r->to_state, "actor",
				      (json_int_t)r->actor_id, "actor_role", r->actor_role,
				      "details", details));
	}
	json_decref(details);
	return ret;
}

json_t *lf_webhook_payload(const lf_webhook_facts *f)
{
	const lf_audit_row *r = f->rec;
	char id[64], at[32];
	snprintf(id, sizeof(id), "%lld.%s", (long long)r->seq, f->event);
	lf_webhook_iso(r->ts, at);
	json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:s,s:{s:I},s:{s:I,s:s?}}", "id", id, "event",
			      f->event, "action", f->event, "seq", (json_int_t)r->seq, "created_at",
			      at, "project", "id", (json_int_t)r->project_id, "actor", "id",
			      (json_int_t)r->actor_id, "role", r->actor_role);
	if (o != NULL && f->label_config != NULL &&
	    json_object_set_new(json_object_get(o, "project"), "label_config",
				json_string(f->label_config)) != 0) {
		json_decref(o);
		return NULL;
	}
	if (o != NULL && add_body(o, f) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}
