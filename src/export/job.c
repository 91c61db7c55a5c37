/*
 * job.c - export runs.
 */
#include "export/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "workflow/workflow.h"

/* Tasks per page: one read transaction and one progress update each. */
#define PAGE 500

/* Writers emit many small pieces (jansson dumps token by token); one
 * 64 KiB buffer in front of the real output turns them into few large
 * writes. */
#define SINK_BUF (64 * 1024)

struct sink {
	lf_export_write_fn out;
	void *ud;
	size_t len;
	char buf[SINK_BUF];
};

static int sink_flush(struct sink *k)
{
	int ret = k->len ? k->out(k->ud, k->buf, k->len) : LF_OK;
	k->len = 0;
	return ret;
}

static int sink_put(void *ud, const void *data, size_t len)
{
	struct sink *k = ud;
	if (k->len + len > SINK_BUF) {
		int ret = sink_flush(k);
		if (ret != LF_OK)
			return ret;
		if (len >= SINK_BUF)
			return k->out(k->ud, data, len);
	}
	memcpy(k->buf + k->len, data, len);
	k->len += len;
	return LF_OK;
}

struct blob_out {
	lf_blob_writer *w;
	int64_t bytes;
};

struct run_progress {
	lf_store *s;
	lf_export_row *row;
};

static int filter_from_json(const json_t *o, lf_export_filter *f, lf_export_opts *opts,
			    const json_t **selection, char *err, size_t errlen);
static int blob_write(void *ud, const void *buf, size_t len);
static int audit_done(lf_tx *tx, const lf_export_row *row);
static int save_progress(void *ud, int64_t done, int64_t total);
static json_t *report_json(const lf_export_report *rep);
static int add_versions(lf_tx *tx, const lf_export_source *src, json_t **annotations,
			json_t **history);
static int export_one(lf_tx *tx, lf_export_writer *w, const lf_export_opts *opts,
		      const lf_export_source *src);

/* Reads a stored or requested filter into f and opts; *selection gets
 * its task_ids array (borrowed from o), which f carries as text. */
static int filter_from_json(const json_t *o, lf_export_filter *f, lf_export_opts *opts,
			    const json_t **selection, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	if (o == NULL || json_is_null(o))
		return LF_OK;
	if (!json_is_object(o)) {
		snprintf(err, errlen, "filter must be an object");
		return LF_ERR_INVALID;
	}
	json_object_foreach((json_t *)o, key, v)
	{
		lf_task_state st;
		if (strcmp(key, "state") == 0) {
			size_t n = json_is_array(v) ? json_array_size(v) : 1;
			if (n == 0 || n > 8) {
				snprintf(err, errlen, "filter.state lists 1 to 8 states");
				return LF_ERR_INVALID;
			}
			for (size_t i = 0; i < n; i++) {
				json_t *s = json_is_array(v) ? json_array_get(v, i) : v;
				if (!json_is_string(s) ||
				    lf_wf_state_parse(json_string_value(s), &st) != LF_OK) {
					snprintf(err, errlen,
						 "filter.state holds task state names");
					return LF_ERR_INVALID;
				}
				f->states[i] = json_string_value(s);
			}
		} else if (strcmp(key, "since") == 0 || strcmp(key, "until") == 0 ||
			   strcmp(key, "annotator") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0) {
				snprintf(err, errlen, "filter.%s must be a non-negative integer",
					 key);
				return LF_ERR_INVALID;
			}
			int64_t *slot = key[0] == 's'	? &f->since
					: key[0] == 'u' ? &f->until
							: &f->annotator;
			*slot = json_integer_value(v);
		} else if (strcmp(key, "task_ids") == 0) {
			size_t n = json_array_size(v);
			if (!json_is_array(v) || n == 0 || n > LF_EXPORT_SELECTION_MAX) {
				snprintf(err, errlen, "filter.task_ids lists 1 to %d task ids",
					 LF_EXPORT_SELECTION_MAX);
				return LF_ERR_INVALID;
			}
			for (size_t i = 0; i < n; i++) {
				json_t *id = json_array_get(v, i);
				if (!json_is_integer(id) || json_integer_value(id) < 1) {
					snprintf(err, errlen,
						 "filter.task_ids[%zu] is not a task id", i);
					return LF_ERR_INVALID;
				}
			}
			*selection = v;
		} else if (strcmp(key, "include_predictions") == 0 ||
			   strcmp(key, "include_versions") == 0) {
			if (!json_is_boolean(v)) {
				snprintf(err, errlen, "filter.%s must be true or false", key);
				return LF_ERR_INVALID;
			}
			if (key[8] == 'p')
				opts->include_predictions = json_is_true(v);
			else
				opts->include_versions = json_is_true(v);
		} else {
			snprintf(err, errlen, "unknown filter \"%.40s\"", key);
			return LF_ERR_INVALID;
		}
	}
	return LF_OK;
}

int lf_export_filter_parse(const json_t *filter, char *err, size_t errlen)
{
	lf_export_filter f;
	lf_export_opts o;
	const json_t *selection = NULL;
	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	return filter_from_json(filter, &f, &o, &selection, err, errlen);
}

static int add_versions(lf_tx *tx, const lf_export_source *src, json_t **annotations,
			json_t **history)
{
	lf_annotation *an;
	lf_work *w;
	int nan, nw, ret;
	if ((ret = lf_store_annotation_list(tx, src->task.id, &an, &nan)) != LF_OK ||
	    (ret = lf_store_work_list(tx, src->task.id, &w, &nw)) != LF_OK)
		return ret;
	*annotations = json_array();
	*history = json_array();
	for (int i = 0; i < nan; i++) {
		json_t *res = json_loads(an[i].result, 0, NULL);
		json_array_append_new(*annotations,
				      json_pack("{s:I,s:i,s:s,s:I,s:i,s:o,s:I}", "id",
						(json_int_t)an[i].id, "version", an[i].version,
						"kind", an[i].kind, "author_id",
						(json_int_t)an[i].author_id, "stage", an[i].stage,
						"result", res ? res : json_array(), "created_at",
						(json_int_t)an[i].created_at));
	}
	for (int i = 0; i < nw; i++)
		json_array_append_new(*history,
				      json_pack("{s:I,s:i,s:s,s:s?,s:s?}", "user_id",
						(json_int_t)w[i].user_id, "stage", w[i].stage,
						"status", w[i].status, "decision", w[i].decision,
						"comment", w[i].comment));
	return LF_OK;
}

/* Hands one task to the writer, parsing its stored JSON only when the
 * writer needs parsed values. */
static int export_one(lf_tx *tx, lf_export_writer *w, const lf_export_opts *opts,
		      const lf_export_source *src)
{
	int ret = LF_OK, raw = lf_export_writer_raw(w);
	json_t *data = raw ? NULL : json_loads(src->task.data, 0, NULL);
	json_t *result = !raw && src->result ? json_loads(src->result, 0, NULL) : NULL;
	json_t *pred = !raw && opts->include_predictions && src->task.predictions
			   ? json_loads(src->task.predictions, 0, NULL)
			   : NULL;
	json_t *anns = NULL, *hist = NULL;
	if (data == NULL && !raw)
		data = json_object();
	if (opts->include_versions)
		ret = add_versions(tx, src, &anns, &hist);
	lf_export_task t = {.id = src->task.id,
			    .state = src->task.state,
			    .data = data,
			    .result = result,
			    .annotations = anns,
			    .predictions = pred,
			    .history = hist,
			    .annotator_id = src->author_id,
			    .created_at = src->task.created_at,
			    .updated_at = src->result_at ? src->result_at : src->task.updated_at,
			    .data_text = src->task.data ? src->task.data : "{}",
			    .result_text = src->result,
			    .predictions_text = src->task.predictions};
	if (ret == LF_OK)
		ret = lf_export_writer_add(w, &t);
	json_decref(data);
	json_decref(result);
	json_decref(pred);
	json_decref(anns);
	json_decref(hist);
	return ret;
}

int lf_export_stream(lf_store *s, int64_t project_id, const char *format, const char *filter_json,
		     const char *tmpdir, lf_export_write_fn out, void *ud,
		     int (*progress)(void *pud, int64_t done, int64_t total), void *pud,
		     lf_export_report *rep, char *err, size_t errlen)
{
	lf_arena *a = lf_arena_create();
	lf_labelcfg *cfg = NULL;
	lf_export_writer *w = NULL;
	struct sink *sink = NULL;
	json_t *filter = NULL;
	const json_t *selection = NULL;
	char *selection_text = NULL;
	lf_project project;
	lf_export_filter f;
	lf_export_opts opts;
	lf_tx *tx = NULL;
	int64_t total = 0, done = 0, after = 0;
	int ret;
	memset(&f, 0, sizeof(f));
	memset(&opts, 0, sizeof(opts));
	memset(rep, 0, sizeof(*rep));
	if (a == NULL)
		return LF_ERR_NOMEM;
	filter = filter_json ? json_loads(filter_json, 0, NULL) : NULL;
	if ((ret = filter_from_json(filter, &f, &opts, &selection, err, errlen)) != LF_OK)
		goto cleanup;
	f.project_id = project_id;
	if (selection != NULL && (f.task_ids = selection_text = json_dumps(selection, 0)) == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if ((ret = lf_store_begin(s, LF_TX_READ, a, &tx)) != LF_OK)
		goto cleanup;
	if ((ret = lf_store_project_get(tx, project_id, &project)) != LF_OK ||
	    (ret = lf_store_export_count(tx, &f, &total)) != LF_OK) {
		snprintf(err, errlen, "cannot read project %lld", (long long)project_id);
		goto cleanup;
	}
	lf_store_rollback(tx);
	tx = NULL;
	if ((ret = lf_labelcfg_parse(project.label_config, strlen(project.label_config), &cfg, err,
				     errlen)) != LF_OK)
		goto cleanup;
	opts.cfg = cfg;
	opts.tmpdir = tmpdir;
	if ((sink = malloc(sizeof(*sink))) == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	sink->out = out;
	sink->ud = ud;
	sink->len = 0;
	if ((ret = lf_export_writer_new(format, &opts, sink_put, sink, &w)) != LF_OK) {
		snprintf(err, errlen, "unknown export format %s", format);
		goto cleanup;
	}
	/* Page by page in id order: each page is one read snapshot and the
	 * arena is reset between pages, so memory does not grow with the
	 * project. */
	lf_arena *page = lf_arena_create();
	if (page == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	/* States one after the other, each in id order. */
	for (int si = 0; ret == LF_OK && (si == 0 || (si < 8 && f.states[si] != NULL)); si++) {
		const char *state = f.states[0] == NULL ? "accepted" : f.states[si];
		after = 0;
		for (;;) {
			lf_export_source *src;
			int n = 0;
			lf_arena_reset(page);
			if ((ret = lf_store_begin(s, LF_TX_READ, page, &tx)) != LF_OK)
				break;
			if ((ret = lf_store_export_page(tx, &f, state, after, PAGE, &src, &n)) !=
			    LF_OK)
				break;
			for (int i = 0; i < n && ret == LF_OK; i++)
				ret = export_one(tx, w, &opts, &src[i]);
			if (n > 0)
				after = src[n - 1].task.id;
			lf_store_rollback(tx);
			tx = NULL;
			done += n;
			if (ret == LF_OK && progress != NULL)
				ret = progress(pud, done, total);
			if (ret != LF_OK || n < PAGE)
				break;
		}
	}
	lf_arena_destroy(page);
	if (ret == LF_OK)
		ret = lf_export_writer_finish(w, rep);
	if (ret == LF_OK)
		ret = sink_flush(sink);
	if (ret != LF_OK && err[0] == '\0')
		snprintf(err, errlen, "export failed (%s)", lf_err_str(ret));
cleanup:
	lf_store_rollback(tx);
	lf_export_writer_free(w);
	free(sink);
	lf_labelcfg_free(cfg);
	free(selection_text);
	json_decref(filter);
	lf_arena_destroy(a);
	return ret;
}

static int blob_write(void *ud, const void *buf, size_t len)
{
	struct blob_out *b = ud;
	b->bytes += (int64_t)len;
	return lf_blob_write(b->w, buf, len);
}

/* A finished export is recorded with its row, so that its
 * EXPORT_FINISHED event (webhooks.h) exists exactly when the file does. */
static int audit_done(lf_tx *tx, const lf_export_row *row)
{
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)row->id);
	json_t *d = json_pack("{s:s,s:I,s:I,s:s?}", "format", row->format, "tasks",
			      (json_int_t)row->tasks_done, "bytes", (json_int_t)row->bytes,
			      "target", row->target);
	lf_audit_event ev = {.actor_id = row->created_by,
			     .actor_role = "admin",
			     .action = "export.done",
			     .entity_type = "export",
			     .entity_id = id,
			     .project_id = row->project_id,
			     .from_state = "running",
			     .to_state = "done",
			     .details = d};
	int ret = d != NULL ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(d);
	return ret;
}

static int save_progress(void *ud, int64_t done, int64_t total)
{
	struct run_progress *p = ud;
	lf_tx *tx;
	p->row->tasks_done = done;
	p->row->tasks_total = total > done ? total : done;
	p->row->updated_at = lf_now_ms();
	int ret = lf_store_begin(p->s, LF_TX_WRITE, NULL, &tx);
	if (ret != LF_OK)
		return ret;
	if ((ret = lf_store_export_update(tx, p->row)) != LF_OK) {
		lf_store_rollback(tx);
		return ret;
	}
	return lf_store_commit(tx);
}

/* The export's stored report: the counts, the first reason, and the named
 * skipped regions, so "skipped: 3" comes with which three and why. NULL
 * when out of memory. */
static json_t *report_json(const lf_export_report *rep)
{
	json_t *named = json_array();
	for (size_t i = 0; named != NULL && i < rep->nskipped_regions; i++) {
		const lf_export_skip_item *it = &rep->skipped_regions[i];
		if (json_array_append_new(named,
					  json_pack("{s:I,s:s,s:s,s:s}", "task_id",
						    (json_int_t)it->task_id, "region", it->region,
						    "label", it->label, "reason", it->why)) != 0) {
			json_decref(named);
			return NULL;
		}
	}
	if (named == NULL)
		return NULL;
	return json_pack("{s:I,s:I,s:I,s:s,s:o}", "tasks", (json_int_t)rep->tasks, "regions",
			 (json_int_t)rep->regions, "skipped", (json_int_t)rep->skipped,
			 "skipped_why", rep->skipped_why, "skipped_regions", named);
}

int lf_export_run(lf_store *s, lf_blob_store *blobs, lf_blob_pool *targets, const char *tmpdir,
		  int64_t export_id, char *err, size_t errlen)
{
	lf_arena *a = lf_arena_create();
	lf_export_row row;
	lf_export_report rep;
	struct blob_out out = {0};
	lf_tx *tx = NULL;
	char key[160];
	int ret;
	if (a == NULL)
		return LF_ERR_NOMEM;
	if ((ret = lf_store_begin(s, LF_TX_READ, a, &tx)) != LF_OK)
		goto cleanup;
	ret = lf_store_export_get(tx, export_id, &row);
	lf_store_rollback(tx);
	tx = NULL;
	if (ret != LF_OK) {
		snprintf(err, errlen, "no export %lld", (long long)export_id);
		ret = ret == LF_ERR_NOTFOUND ? LF_ERR_INVALID : ret;
		goto cleanup;
	}
	if (strcmp(row.status, "done") == 0)
		goto cleanup;
	/* A retried job starts the file over: the writer replaces it. In a
	 * target bucket the file is the prefix's, named for the export. */
	if (row.target == NULL)
		snprintf(key, sizeof(key), "exports/%lld/export-%lld.%s", (long long)row.project_id,
			 (long long)row.id, lf_export_extension(row.format));
	else
		snprintf(key, sizeof(key), "export-%lld.%s", (long long)row.id,
			 lf_export_extension(row.format));
	if (row.target != NULL &&
	    (targets == NULL ||
	     (ret = lf_blob_pool_get(targets, row.target, &blobs, err, errlen)) != LF_OK)) {
		ret = targets == NULL ? LF_ERR_INVALID : ret;
		goto cleanup;
	}
	if ((ret = lf_blob_create(blobs, key, &out.w)) != LF_OK) {
		snprintf(err, errlen, "cannot create the export file");
		goto cleanup;
	}
	row.status = "running";
	struct run_progress prog = {.s = s, .row = &row};
	ret = lf_export_stream(s, row.project_id, row.format, row.filter, tmpdir, blob_write, &out,
			       save_progress, &prog, &rep, err, errlen);
	if (ret == LF_OK)
		ret = lf_blob_commit(out.w);
	else
		lf_blob_abort(out.w);
	out.w = NULL;
	json_t *report = report_json(&rep);
	char *report_text = report ? json_dumps(report, JSON_COMPACT) : NULL;
	json_decref(report);
	row.status = ret == LF_OK ? "done" : ret == LF_ERR_INVALID ? "failed" : "running";
	row.blob_key = ret == LF_OK ? key : NULL;
	row.bytes = out.bytes;
	row.report = report_text;
	row.error = ret == LF_OK ? NULL : err;
	row.updated_at = lf_now_ms();
	int sret = lf_store_begin(s, LF_TX_WRITE, a, &tx);
	if (sret == LF_OK && (sret = lf_store_export_update(tx, &row)) == LF_OK &&
	    (ret != LF_OK || (sret = audit_done(tx, &row)) == LF_OK))
		sret = lf_store_commit(tx);
	else
		lf_store_rollback(tx);
	tx = NULL;
	free(report_text);
	if (ret == LF_OK)
		ret = sret;
cleanup:
	lf_store_rollback(tx);
	lf_blob_abort(out.w);
	lf_arena_destroy(a);
	return ret;
}
