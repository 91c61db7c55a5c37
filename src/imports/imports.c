/*
 * imports.c - the import job and upload validation.
 */
#include "imports/imports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "labelcfg/labelcfg.h"
#include "ml/ml.h"
#include "projects/policy.h"
#include "quality/score.h"

/* Tasks per write: big enough to amortize the commit, small enough that
 * claims queued behind it for SQLite's writer wait at most a few ms. */
#define BATCH_TASKS 4096
/* A batch is written early once its tasks' texts reach this, so that the
 * job's memory stays bounded when tasks are large (items of up to 1 MiB,
 * several per task). */
#define BATCH_BYTES (16 * 1024 * 1024)
#define READ_CHUNK  (64 * 1024)

struct lf_imports_check {
	lf_ingest_parser *p; /* in check_only mode */
	lf_labelcfg *cfg;    /* NULL: predictions are not kept or not checked */
	int annotations;     /* enum lf_imports_annotations */
};

/*
 * State of a running import job. The blob is parsed into batch with no
 * transaction open; each full batch is then handed to the writer
 * (write_batch) with the import's progress, so the writer is held only
 * for the inserts, never while the job reads or parses.
 */
struct run {
	lf_store *s;
	lf_arena *arena;       /* im and the project, read once */
	lf_arena *write_arena; /* rows of one batch write, reset after it */
	lf_import im;
	lf_policy policy;
	int ls_format;	  /* Label Studio tasks: one task each, with predictions */
	int64_t last_seq; /* tasks with import_seq <= this exist already */
	int64_t seq;	  /* import_seq of the next task */
	int64_t bytes_done;
	json_t *group; /* items of the task being assembled */
	json_t *predictions;
	int gold;	/* annotations=gold: the tasks become gold tasks */
	lf_task *batch; /* BATCH_TASKS tasks built, not yet stored */
	char **answers; /* gold: each task's known answer (JSON text) */
	int nbatch;
	size_t batch_bytes;
	int final; /* the batch being written ends the import */
	lf_ingest_parser *parser;
	lf_labelcfg *cfg; /* as in lf_imports_check */
	int (*heartbeat)(void *ud);
	void *ud;
	char *err;
	size_t errlen;
};

static int config_for(lf_ingest_format fmt, const char *label_config, lf_labelcfg **out, char *err,
		      size_t errlen);
static int check_predictions(lf_ingest_parser *p, const lf_labelcfg *cfg, int gold,
			     const lf_ingest_item *item);
static const json_t *gold_answer(const json_t *predictions);
static json_t *model_predictions(const json_t *predictions);
static int check_item(void *ud, const lf_ingest_item *item);
static int run_item(void *ud, const lf_ingest_item *item);
static int emit_task(struct run *r);
static int write_batch(struct run *r, int final);
static int store_batch(lf_tx *tx, void *ud);
static void free_batch(struct run *r);
static int read_import(struct run *r, int64_t import_id, lf_project *project);
static int set_status(lf_store *s, int64_t id, const char *status, const char *error);

/* The config that Label Studio predictions and annotations are checked
 * against: only that format keeps them (in json/jsonl a task's predictions
 * are dropped), and only a project with a label config checks them. */
static int config_for(lf_ingest_format fmt, const char *label_config, lf_labelcfg **out, char *err,
		      size_t errlen)
{
	*out = NULL;
	if (fmt != LF_INGEST_LABEL_STUDIO || label_config == NULL || label_config[0] == '\0')
		return LF_OK;
	return lf_labelcfg_parse(label_config, strlen(label_config), out, err, errlen);
}

/* Imported predictions and annotations are results like submitted ones: a
 * task whose results do not fit the label config and its own data (a span
 * past the end of its text) is a bad item, refused or skipped with its line
 * like a malformed one, rather than stored. */
/* A gold task's predictions as its copies show them: the model's only,
 * never the annotations that hold its answer. New reference, NULL when
 * none is left. */
static json_t *model_predictions(const json_t *predictions)
{
	json_t *out = NULL, *e;
	size_t i;
	json_array_foreach(predictions, i, e)
	{
		const char *origin = json_string_value(json_object_get(e, "origin"));
		if (origin != NULL && strcmp(origin, "annotation") == 0)
			continue;
		if (out == NULL && (out = json_array()) == NULL)
			return NULL;
		json_array_append(out, e);
	}
	return out;
}

/* A gold task's known answer: the result of its latest annotation (the
 * last delivered: annotations come after predictions, in file order). */
static const json_t *gold_answer(const json_t *predictions)
{
	const json_t *answer = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(predictions, i, e)
	{
		const char *origin = json_string_value(json_object_get(e, "origin"));
		if (origin != NULL && strcmp(origin, "annotation") == 0)
			answer = json_object_get(e, "result");
	}
	return answer;
}

static int check_predictions(lf_ingest_parser *p, const lf_labelcfg *cfg, int gold,
			     const lf_ingest_item *item)
{
	char err[256];
	size_t n[2] = {0, 0};
	size_t i;
	json_t *e;
	int ret;

	if (cfg == NULL || item->predictions == NULL)
		return LF_OK;
	json_array_foreach(item->predictions, i, e)
	{
		const char *origin = json_string_value(json_object_get(e, "origin"));
		int ann = origin != NULL && strcmp(origin, "annotation") == 0;
		const char *key = ann ? "annotations" : "predictions";
		size_t k = n[ann]++;
		json_t *result = json_object_get(e, "result");

		if (!json_is_array(result))
			return lf_ingest_refuse(p, "%s[%zu] has no \"result\" array", key, k);
		ret = lf_labelcfg_validate_result(cfg, result, item->data, err, sizeof(err));
		if (ret == LF_ERR_INVALID)
			return lf_ingest_refuse(p, "%s[%zu]: %s", key, k, err);
		if (ret != LF_OK)
			return ret;
	}
	if (gold) {
		lf_score sc = {0};
		ret = lf_score_result(cfg, gold_answer(item->predictions),
				      gold_answer(item->predictions), NULL, &sc, NULL);
		size_t scored = sc.scored;
		lf_score_free(&sc);
		if (ret == LF_ERR_NOMEM)
			return ret;
		if (ret != LF_OK || scored == 0)
			return lf_ingest_refuse(p, "the gold answer (the latest annotation) has no"
						   " control that can be scored");
	}
	return LF_OK;
}

static int check_item(void *ud, const lf_ingest_item *item)
{
	lf_imports_check *c = ud;

	return check_predictions(c->p, c->cfg, c->annotations == LF_IMPORTS_GOLD, item);
}

int lf_imports_annotations_parse(const char *name)
{
	static const char *const names[] = {"refuse", "prior", "gold"};
	for (int i = 0; name != NULL && i < (int)LF_ARRAY_LEN(names); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int lf_imports_check_new(lf_ingest_format fmt, int skip_bad, int annotations,
			 const char *label_config, lf_imports_check **out, char *err, size_t errlen)
{
	int ret = LF_ERR_NOMEM;
	lf_imports_check *c = calloc(1, sizeof(*c));
	lf_ingest_options opt = {.skip_bad = skip_bad != 0,
				 .check_only = true,
				 .refuse_annotations = annotations == LF_IMPORTS_REFUSE,
				 .require_annotations = annotations == LF_IMPORTS_GOLD};

	*out = NULL;
	if (c == NULL)
		goto cleanup;
	c->annotations = annotations;
	if ((ret = config_for(fmt, label_config, &c->cfg, err, errlen)) != LF_OK)
		goto cleanup;
	if (annotations == LF_IMPORTS_GOLD && c->cfg == NULL) {
		snprintf(err, errlen,
			 "a gold import needs the label_studio format and a label config");
		ret = LF_ERR_INVALID;
		goto cleanup;
	}
	/* Rows are only checked and counted here; the job builds them. The one
	 * check that needs a row's values is that of its predictions against
	 * the label config, so with a config the parser builds (only) the
	 * tasks that carry predictions or annotations and hands them over. */
	if ((ret = lf_ingest_parser_create(fmt, &opt, c->cfg != NULL ? check_item : NULL, c,
					   &c->p)) != LF_OK)
		goto cleanup;
	*out = c;
	c = NULL;
cleanup:
	lf_imports_check_free(c);
	return ret;
}

int lf_imports_check_feed(lf_imports_check *c, const char *data, size_t len)
{
	return lf_ingest_feed(c->p, data, len);
}

int lf_imports_check_finish(lf_imports_check *c)
{
	return lf_ingest_finish(c->p);
}

const char *lf_imports_check_error(const lf_imports_check *c)
{
	return lf_ingest_error(c->p);
}

int64_t lf_imports_check_items(const lf_imports_check *c)
{
	return lf_ingest_items(c->p);
}

int64_t lf_imports_check_skipped(const lf_imports_check *c)
{
	return (int64_t)lf_ingest_skipped(c->p);
}

json_t *lf_imports_check_errors(const lf_imports_check *c)
{
	json_t *arr = json_array();
	size_t n = lf_ingest_skipped_recorded(c->p);
	for (size_t i = 0; arr != NULL && i < n; i++) {
		int64_t line = 0;
		const char *msg = lf_ingest_skipped_error(c->p, i, &line);
		json_array_append_new(arr, json_pack("{s:I,s:s}", "line", (json_int_t)line,
						     "message", msg ? msg : ""));
	}
	return arr;
}

void lf_imports_check_free(lf_imports_check *c)
{
	if (c == NULL)
		return;
	lf_ingest_parser_free(c->p);
	lf_labelcfg_free(c->cfg);
	free(c);
}

static int set_status(lf_store *s, int64_t id, const char *status, const char *error)
{
	lf_tx *tx;
	lf_import im;
	lf_arena *a = lf_arena_create();
	if (a == NULL)
		return LF_ERR_NOMEM;
	int ret = lf_store_begin(s, LF_TX_WRITE, a, &tx);
	if (ret != LF_OK) {
		lf_arena_destroy(a);
		return ret;
	}
	if ((ret = lf_store_import_get(tx, id, &im)) == LF_OK) {
		im.status = status;
		im.error = error;
		im.updated_at = lf_now_ms();
		ret = lf_store_import_update(tx, &im);
	}
	if (ret == LF_OK)
		ret = lf_store_commit(tx);
	else
		lf_store_rollback(tx);
	lf_arena_destroy(a);
	return ret;
}

static void free_batch(struct run *r)
{
	for (int i = 0; i < r->nbatch; i++) {
		free((char *)r->batch[i].data);
		free((char *)r->batch[i].predictions);
		free(r->answers[i]);
	}
	r->nbatch = 0;
	r->batch_bytes = 0;
}

/*
 * The write of one batch: its tasks, the import's progress and, for the
 * last one, the import's end (and the jobs predicting its tasks, ml/ml.h).
 * It reads r and changes nothing in it, since
 * a store may run it again after a serialization failure.
 */
static int store_batch(lf_tx *tx, void *ud)
{
	const struct run *r = ud;
	int ret = LF_OK;
	json_t *d = NULL;
	char id[32];

	for (int i = 0; ret == LF_OK && r->gold && i < r->nbatch; i++) {
		const lf_task *t = &r->batch[i];
		lf_gold g = {.project_id = t->project_id,
			     .task_type = t->task_type,
			     .data = t->data,
			     .predictions = t->predictions,
			     .answer = r->answers[i],
			     .created_by = r->im.created_by,
			     .created_at = t->created_at,
			     .import_id = t->import_id,
			     .import_seq = t->import_seq};
		int64_t gold_id;
		ret = lf_store_gold_insert(tx, &g, &gold_id);
	}
	for (int i = 0; ret == LF_OK && !r->gold && i < r->nbatch; i += LF_STORE_TASK_BULK) {
		int n = r->nbatch - i < LF_STORE_TASK_BULK ? r->nbatch - i : LF_STORE_TASK_BULK;
		ret = lf_store_task_insert_many(tx, r->batch + i, n);
	}
	if (ret != LF_OK || (ret = lf_store_import_update(tx, &r->im)) != LF_OK || !r->final)
		goto cleanup;
	snprintf(id, sizeof(id), "%lld", (long long)r->im.id);
	d = json_pack("{s:I,s:I,s:I,s:s}", "tasks_created", (json_int_t)r->im.tasks_created,
		      "items", (json_int_t)r->im.items_done, "skipped", (json_int_t)r->im.skipped,
		      "format", r->im.format);
	if (d == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	lf_audit_event ev = {.actor_id = r->im.created_by,
			     .actor_role = "admin",
			     .action = "import.done",
			     .entity_type = "import",
			     .entity_id = id,
			     .project_id = r->im.project_id,
			     .from_state = "running",
			     .to_state = "done",
			     .details = d};
	if ((ret = lf_audit_append(tx, &ev, NULL)) == LF_OK && !r->gold)
		ret = lf_ml_enqueue_import(tx, r->im.project_id, r->im.id);
cleanup:
	json_decref(d);
	return ret;
}

/* Stores the batch with the import's progress in one write (the writer is
 * taken here and given back before this returns); the final call also
 * marks the import done and audits it. */
static int write_batch(struct run *r, int final)
{
	int ret;

	r->im.bytes_done = r->bytes_done;
	r->im.status = final ? "done" : "running";
	r->im.updated_at = lf_now_ms();
	r->final = final;
	ret = lf_store_write(r->s, r->write_arena, store_batch, r);
	free_batch(r);
	lf_arena_reset(r->write_arena);
	if (ret != LF_OK) {
		snprintf(r->err, r->errlen, "database error while storing tasks (%s)",
			 lf_err_str(ret));
		return ret;
	}
	if (r->heartbeat != NULL)
		r->heartbeat(r->ud);
	return LF_OK;
}

/* Turns the assembled group into a task of the batch (unless an earlier
 * attempt of this job already stored it), and writes the batch once full. */
static int emit_task(struct run *r)
{
	size_t n = json_array_size(r->group);
	if (n == 0)
		return LF_OK;
	int64_t seq = r->seq++;
	if (seq > r->last_seq) {
		json_t *data = n == 1 && r->policy.items_per_task == 1
				   ? json_incref(json_array_get(r->group, 0))
				   : json_pack("{s:O}", "items", r->group);
		char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
		char *answer = NULL, *pred = NULL;
		json_t *shown =
		    r->gold ? model_predictions(r->predictions) : json_incref(r->predictions);
		if (shown != NULL)
			pred = json_dumps(shown, JSON_COMPACT);
		if (r->gold)
			answer = json_dumps(gold_answer(r->predictions), JSON_COMPACT);
		json_decref(data);
		if (text == NULL || (shown != NULL && pred == NULL) ||
		    (r->gold && answer == NULL)) {
			free(text);
			free(pred);
			free(answer);
			json_decref(shown);
			snprintf(r->err, r->errlen, "out of memory");
			return LF_ERR_NOMEM;
		}
		json_decref(shown);
		r->answers[r->nbatch] = answer;
		r->batch[r->nbatch++] = (lf_task){.project_id = r->im.project_id,
						  .import_id = r->im.id,
						  .import_seq = seq,
						  .task_type = r->im.task_type,
						  .state = "queued_l1",
						  .priority = r->im.priority,
						  .data = text,
						  .predictions = pred,
						  .created_at = lf_now_ms()};
		r->batch_bytes += strlen(text) + (pred != NULL ? strlen(pred) : 0);
		r->im.tasks_created++;
	}
	json_array_clear(r->group);
	json_decref(r->predictions);
	r->predictions = NULL;
	if (r->nbatch == BATCH_TASKS || r->batch_bytes >= BATCH_BYTES)
		return write_batch(r, 0);
	return LF_OK;
}

static int run_item(void *ud, const lf_ingest_item *item)
{
	struct run *r = ud;
	int ret = check_predictions(r->parser, r->cfg, r->gold, item);
	if (ret != LF_OK)
		return ret;
	r->im.items_done++;
	json_array_append(r->group, item->data);
	if (r->ls_format && item->predictions != NULL)
		r->predictions = json_incref(item->predictions);
	if (r->ls_format || (int)json_array_size(r->group) >= r->policy.items_per_task)
		return emit_task(r);
	return LF_OK;
}

/* Reads the import, its project and where an earlier attempt stopped, in
 * a read transaction: the job writes only in write_batch. */
static int read_import(struct run *r, int64_t import_id, lf_project *project)
{
	lf_tx *tx = NULL;
	int ret = lf_store_begin(r->s, LF_TX_READ, r->arena, &tx);
	if (ret != LF_OK)
		goto cleanup;
	if ((ret = lf_store_import_get(tx, import_id, &r->im)) != LF_OK ||
	    (ret = lf_store_project_get(tx, r->im.project_id, project)) != LF_OK ||
	    (ret = lf_store_import_last_seq(tx, import_id, &r->last_seq)) != LF_OK) {
		snprintf(r->err, r->errlen, "cannot read import %lld", (long long)import_id);
		ret = ret == LF_ERR_NOTFOUND ? LF_ERR_INVALID : ret;
	}
cleanup:
	lf_store_rollback(tx);
	return ret;
}

int lf_imports_run(lf_store *s, lf_blob_store *blobs, int64_t import_id, int (*heartbeat)(void *ud),
		   void *ud, char *err, size_t errlen)
{
	struct run r = {.s = s, .heartbeat = heartbeat, .ud = ud, .err = err, .errlen = errlen};
	lf_project project;
	lf_blob_reader *reader = NULL;
	lf_ingest_parser *parser = NULL;
	lf_ingest_format fmt;
	char *buf = NULL;
	int ret;
	r.arena = lf_arena_create();
	r.write_arena = lf_arena_create();
	r.group = json_array();
	r.batch = calloc(BATCH_TASKS, sizeof(*r.batch));
	r.answers = calloc(BATCH_TASKS, sizeof(*r.answers));
	buf = malloc(READ_CHUNK);
	if (r.arena == NULL || r.write_arena == NULL || r.group == NULL || r.batch == NULL ||
	    r.answers == NULL || buf == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if ((ret = read_import(&r, import_id, &project)) != LF_OK)
		goto cleanup;
	if (strcmp(r.im.status, "done") == 0)
		goto cleanup;
	/* Counters restart with the parse; tasks already stored are skipped by
	 * sequence number, so they are counted again as they are passed. */
	r.im.tasks_created = r.last_seq + 1;
	r.im.items_done = 0;
	lf_policy_effective(project.policies, project.task_types, r.im.task_type, &r.policy);
	if (lf_ingest_format_parse(r.im.format, &fmt) != LF_OK) {
		snprintf(err, errlen, "unknown import format %s", r.im.format);
		ret = LF_ERR_INVALID;
		goto cleanup;
	}
	r.ls_format = fmt == LF_INGEST_LABEL_STUDIO;
	char cfg_err[200] = "";
	if ((ret = config_for(fmt, project.label_config, &r.cfg, cfg_err, sizeof(cfg_err))) !=
	    LF_OK) {
		snprintf(err, errlen, "the project's label config no longer parses: %s", cfg_err);
		goto cleanup;
	}
	/* The job reads the file as its check did, so the same rows are bad. */
	int annotations = lf_imports_annotations_parse(r.im.annotations);
	r.gold = annotations == LF_IMPORTS_GOLD;
	lf_ingest_options opt = {.skip_bad = r.im.skip_bad != 0,
				 .refuse_annotations = annotations == LF_IMPORTS_REFUSE,
				 .require_annotations = r.gold};
	if ((ret = lf_ingest_parser_create(fmt, &opt, run_item, &r, &parser)) != LF_OK)
		goto cleanup;
	r.parser = parser;
	if ((ret = lf_blob_open_read(blobs, r.im.blob_key, &reader)) != LF_OK) {
		snprintf(err, errlen, "the uploaded file %s is missing", r.im.blob_key);
		ret = LF_ERR_INVALID;
		goto cleanup;
	}
	/* Reading and parsing run with no transaction open; run_item writes
	 * each batch as it fills. */
	for (;;) {
		size_t n = 0;
		if ((ret = lf_blob_read(reader, buf, READ_CHUNK, &n)) != LF_OK) {
			snprintf(err, errlen, "cannot read the uploaded file");
			goto cleanup;
		}
		if (n == 0)
			break;
		r.bytes_done += (int64_t)n;
		if ((ret = lf_ingest_feed(parser, buf, n)) != LF_OK)
			goto parse_failed;
	}
	if ((ret = lf_ingest_finish(parser)) != LF_OK)
		goto parse_failed;
	if ((ret = emit_task(&r)) != LF_OK)
		goto cleanup;
	r.im.skipped = (int64_t)lf_ingest_skipped(parser);
	ret = write_batch(&r, 1);
	goto cleanup;
parse_failed:
	/* The upload was validated on arrival, so this is a file changed or
	 * damaged in storage, or a bug: permanent, not worth a retry. */
	if (lf_ingest_error(parser) != NULL && ret == LF_ERR_INVALID) {
		snprintf(err, errlen, "%s", lf_ingest_error(parser));
	} else if (err[0] == '\0') {
		snprintf(err, errlen, "import failed (%s)", lf_err_str(ret));
	}
cleanup:
	if (r.batch != NULL)
		free_batch(&r);
	if (ret == LF_ERR_INVALID || ret == LF_ERR_LIMIT)
		set_status(s, import_id, "failed", err);
	lf_ingest_parser_free(parser);
	lf_blob_close_read(reader);
	json_decref(r.group);
	json_decref(r.predictions);
	lf_labelcfg_free(r.cfg);
	lf_arena_destroy(r.arena);
	lf_arena_destroy(r.write_arena);
	free(r.batch);
	free(r.answers);
	free(buf);
	return ret == LF_ERR_LIMIT ? LF_ERR_INVALID : ret;
}
