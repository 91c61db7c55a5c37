/*
 * sync.c - the sync job of a bucket source (see sources.h for what is
 * read and what is not).
 *
 * One page of the listing at a time: the page's keys are compared with
 * the remembered objects of the same key range (one query), the new ones
 * are read by LF_SOURCES_READERS threads with no transaction open, and
 * then one write stores the page's media rows, tasks, remembered objects
 * and the sync's counts, so a sync that dies resumes after its last page
 * and never makes a task twice.
 */
#include "sources/sources.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "media/media.h"
#include "ml/ml.h"

/* One object of the listing page. */
struct listed {
	char *key;
	uint64_t size;
	char *etag; /* NULL when the store lists none */
};

/* A new object once read: imported (code "") or refused. */
struct fresh {
	const struct listed *obj;
	int record; /* 0: gone before it was read; not remembered, seen again next time */
	int read;   /* its bytes were fetched */
	char mime[96];
	lf_media_kind kind;
	lf_media_info info;
	char code[48];
	char message[300];
};

/* One run of the job. */
struct run {
	lf_store *s;
	lf_blob_store *bs;
	lf_source_row src;
	lf_source_sync_row row;
	lf_media_targets targets;
	json_t *report;	   /* {"refused": [{key, code, message}...]} */
	char *report_text; /* its text as last stored (row.report) */
	int64_t saved_ms;  /* when the row was last written */
	struct listed *page;
	int npage, cap;
	struct fresh *fresh;
	int nfresh;
	/* The readers' shared cursor and first error. */
	atomic_int next;
	int read_ret;
	pthread_mutex_t lock;
};

static int list_one(void *ctx, const char *key, uint64_t size, const char *etag);
static void page_clear(struct run *r);
static int cmp_key(const void *a, const void *b);
static void refuse(struct fresh *f, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int examine(lf_blob_store *bs, const lf_media_targets *t, struct fresh *f,
		   unsigned char *head);
static void *reader_main(void *arg);
static int read_fresh(struct run *r);
static int find_fresh(struct run *r, lf_arena *a);
static int insert_item(lf_tx *tx, struct run *r, const struct fresh *f, int64_t *media_id,
		       int64_t *task_id);
static int page_tx(lf_tx *tx, void *ud);
static int save_page(struct run *r, lf_arena *a);
static int load(struct run *r, lf_arena *a, int64_t sync_id, char *err, size_t errlen);
static int finish_tx(lf_tx *tx, void *ud);
static int save_row(struct run *r, lf_arena *a, int (*fn)(lf_tx *tx, void *ud));
static int state_tx(lf_tx *tx, void *ud);

static int list_one(void *ctx, const char *key, uint64_t size, const char *etag)
{
	struct run *r = ctx;
	if (r->npage == r->cap) {
		int cap = r->cap ? r->cap * 2 : 256;
		struct listed *p = realloc(r->page, (size_t)cap * sizeof(*p));
		if (p == NULL)
			return LF_ERR_NOMEM;
		r->page = p;
		r->cap = cap;
	}
	struct listed *o = &r->page[r->npage];
	o->size = size;
	o->key = strdup(key);
	o->etag = etag != NULL ? strdup(etag) : NULL;
	if (o->key == NULL || (etag != NULL && o->etag == NULL)) {
		free(o->key);
		free(o->etag);
		return LF_ERR_NOMEM;
	}
	r->npage++;
	return LF_OK;
}

static void page_clear(struct run *r)
{
	for (int i = 0; i < r->nfresh; i++)
		lf_media_info_clear(&r->fresh[i].info);
	free(r->fresh);
	r->fresh = NULL;
	r->nfresh = 0;
	for (int i = 0; i < r->npage; i++) {
		free(r->page[i].key);
		free(r->page[i].etag);
	}
	r->npage = 0;
}

/* Bytewise, as both stores order the remembered keys. */
static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const lf_source_object *)a)->key, ((const lf_source_object *)b)->key);
}

static void refuse(struct fresh *f, const char *code, const char *fmt, ...)
{
	va_list ap;
	snprintf(f->code, sizeof(f->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

/*
 * Reads the first bytes of one new object (one ranged GET on S3 and GCS),
 * tells its type from them and probes it: from those bytes alone when
 * they are the whole object (a small image: one request in all), else
 * through a reader that goes on after them. A refusal is f's, not an
 * error; an error is the store's (it does not answer) and fails the page,
 * to be retried.
 */
static int examine(lf_blob_store *bs, const lf_media_targets *t, struct fresh *f,
		   unsigned char *head)
{
	lf_blob_reader *rd = NULL;
	size_t got = 0;
	char why[200] = "";
	const char *key = f->obj->key;
	/* Listed empty: nothing to read (and S3 would answer 416). */
	if (f->obj->size == 0) {
		f->record = 1;
		refuse(f, "empty_file", "'%s' is empty (0 bytes).", key);
		return LF_OK;
	}
	int ret = lf_blob_read_head(bs, key, head, LF_SOURCES_HEAD_BYTES, &got);
	if (ret == LF_OK && got == LF_SOURCES_HEAD_BYTES)
		ret = lf_blob_open_read(bs, key, &rd);
	if (ret == LF_ERR_NOTFOUND) {
		refuse(f, "object_gone", "'%s' was deleted before it could be read.", key);
		return LF_OK;
	}
	if (ret != LF_OK)
		goto cleanup;
	f->record = f->read = 1;
	if (got == 0) {
		refuse(f, "empty_file", "'%s' is empty (0 bytes).", key);
		goto cleanup;
	}
	if ((ret = lf_media_sniff(head, got, f->mime, sizeof(f->mime))) != LF_OK)
		goto cleanup;
	f->kind = lf_media_kind_of_mime(f->mime);
	if (f->kind == LF_MEDIA_NONE)
		refuse(f, "unsupported_media",
		       "'%s' is %s by its content, not an image, audio or video.", key, f->mime);
	else if (t->key[f->kind][0] == '\0')
		refuse(f, "media_type_mismatch",
		       "'%s' is %s, and the project's label config has no %s object.", key,
		       lf_media_kind_name(f->kind), lf_media_kind_name(f->kind));
	else if (lf_media_probe_reader(rd, head, got, &f->info, why, sizeof(why)) != LF_OK)
		refuse(f, "unreadable_media", "'%s' cannot be read as %s (%s).", key, f->mime, why);
cleanup:
	lf_blob_close_read(rd);
	return ret;
}

/* A reader thread: takes the next new object until none is left or one
 * read fails. libmagic's handle is per thread (lf_media_sniff). */
static void *reader_main(void *arg)
{
	struct run *r = arg;
	unsigned char *head = malloc(LF_SOURCES_HEAD_BYTES);
	int ret = head != NULL ? LF_OK : LF_ERR_NOMEM;
	for (int i; ret == LF_OK && (i = atomic_fetch_add(&r->next, 1)) < r->nfresh;) {
		pthread_mutex_lock(&r->lock);
		ret = r->read_ret;
		pthread_mutex_unlock(&r->lock);
		if (ret == LF_OK)
			ret = examine(r->bs, &r->targets, &r->fresh[i], head);
	}
	pthread_mutex_lock(&r->lock);
	if (r->read_ret == LF_OK)
		r->read_ret = ret;
	pthread_mutex_unlock(&r->lock);
	free(head);
	return NULL;
}

static int read_fresh(struct run *r)
{
	pthread_t th[LF_SOURCES_READERS];
	int n = r->nfresh < LF_SOURCES_READERS ? r->nfresh : LF_SOURCES_READERS, started = 0;
	atomic_store(&r->next, 0);
	r->read_ret = LF_OK;
	for (; started < n; started++)
		if (pthread_create(&th[started], NULL, reader_main, r) != 0)
			break;
	/* With no thread at all, this one reads. */
	if (started == 0 && n > 0)
		reader_main(r);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return r->read_ret;
}

/* Which keys of the page no sync has seen: the remembered keys of the
 * page's key range, looked up per key (whatever order the store listed
 * in). Counts known and changed ones: another size, or another ETag when
 * both listings gave one. */
static int find_fresh(struct run *r, lf_arena *a)
{
	lf_source_object *known = NULL;
	lf_tx *tx = NULL;
	int nknown = 0, ret;
	const char *first = r->page[0].key, *last = r->page[0].key;
	for (int i = 1; i < r->npage; i++) {
		if (strcmp(r->page[i].key, first) < 0)
			first = r->page[i].key;
		if (strcmp(r->page[i].key, last) > 0)
			last = r->page[i].key;
	}
	lf_arena_reset(a);
	if ((ret = lf_store_begin(r->s, LF_TX_READ, a, &tx)) != LF_OK)
		return ret;
	ret = lf_store_source_object_range(tx, r->src.id, first, last, &known, &nknown);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	if ((r->fresh = calloc((size_t)r->npage, sizeof(*r->fresh))) == NULL)
		return LF_ERR_NOMEM;
	for (int i = 0; i < r->npage; i++) {
		lf_source_object probe = {.key = r->page[i].key};
		/* bsearch may not be given NULL, which an empty range is. */
		const lf_source_object *k =
		    nknown > 0 ? bsearch(&probe, known, (size_t)nknown, sizeof(*known), cmp_key)
			       : NULL;
		if (k == NULL) {
			r->fresh[r->nfresh++].obj = &r->page[i];
			continue;
		}
		r->row.known++;
		const char *etag = r->page[i].etag;
		if ((uint64_t)k->size != r->page[i].size ||
		    (etag != NULL && k->etag != NULL && strcmp(etag, k->etag) != 0))
			r->row.changed++;
	}
	r->row.listed += r->npage;
	return LF_OK;
}

/* A media row pointing at the object in place, and its task. */
static int insert_item(lf_tx *tx, struct run *r, const struct fresh *f, int64_t *media_id,
		       int64_t *task_id)
{
	char key[LF_BLOB_KEY_MAX + 64], url[64];
	char *probe = json_dumps(f->info.probe, JSON_COMPACT);
	int ret = LF_ERR_NOMEM;
	json_t *data = NULL;
	char *text = NULL;
	snprintf(key, sizeof(key), "sources/%lld/%s", (long long)r->src.id, f->obj->key);
	lf_media_row m = {.project_id = r->src.project_id,
			  .blob_key = key,
			  .filename = f->obj->key,
			  .mime = f->mime,
			  .kind = lf_media_kind_name(f->kind),
			  .bytes = (int64_t)f->obj->size,
			  .sha256 = "",
			  .width = f->info.width,
			  .height = f->info.height,
			  .duration_ms = f->info.duration_ms,
			  .probe = probe,
			  .created_at = lf_now_ms(),
			  .storage_source_id = r->src.id,
			  .source_etag = f->obj->etag};
	if (probe == NULL || (ret = lf_store_media_insert(tx, &m, media_id)) != LF_OK)
		goto cleanup;
	snprintf(url, sizeof(url), LF_MEDIA_PATH "%lld", (long long)*media_id);
	ret = LF_ERR_NOMEM;
	if ((data = json_pack("{s:s}", r->targets.key[f->kind], url)) == NULL ||
	    (text = json_dumps(data, JSON_COMPACT)) == NULL)
		goto cleanup;
	lf_task t = {.project_id = r->src.project_id,
		     .state = "queued_l1",
		     .data = text,
		     .created_at = m.created_at};
	ret = lf_store_task_insert(tx, &t, task_id);
cleanup:
	free(probe);
	free(text);
	json_decref(data);
	return ret;
}

/* May run again after a serialization failure (PostgreSQL): the counts
 * were made before, and nothing here changes the run. The page's new
 * tasks are queued for the project's ML backends with them. */
static int page_tx(lf_tx *tx, void *ud)
{
	struct run *r = ud;
	int64_t *tasks = calloc((size_t)r->nfresh + 1, sizeof(*tasks));
	int ntasks = 0;
	int ret = LF_ERR_NOMEM;
	if (tasks == NULL)
		goto cleanup;
	for (int i = 0; i < r->nfresh; i++) {
		const struct fresh *f = &r->fresh[i];
		lf_source_object o = {.key = f->obj->key,
				      .size = (int64_t)f->obj->size,
				      .etag = f->obj->etag,
				      .sync_id = r->row.id};
		if (!f->record)
			continue;
		if (f->code[0] != '\0')
			o.refused = f->code;
		else if ((ret = insert_item(tx, r, f, &o.media_id, &tasks[ntasks++])) != LF_OK)
			goto cleanup;
		if ((ret = lf_store_source_object_insert(tx, r->src.id, &o)) != LF_OK)
			goto cleanup;
	}
	if (ntasks > 0 &&
	    (ret = lf_ml_enqueue_tasks(tx, r->src.project_id, tasks, ntasks)) != LF_OK)
		goto cleanup;
	ret = lf_store_source_sync_update(tx, &r->row);
cleanup:
	free(tasks);
	return ret;
}

/* How often a page with nothing new writes the sync's counts, so that a
 * sync with nothing to do costs no write per page, yet shows progress. */
#define PROGRESS_MS 1000

/* Counts the page's new objects into the row and report, then stores. */
static int save_page(struct run *r, lf_arena *a)
{
	json_t *refused = json_object_get(r->report, "refused");
	char *text;
	int64_t now = lf_now_ms();
	if (r->nfresh == 0 && now - r->saved_ms < PROGRESS_MS)
		return LF_OK;
	for (int i = 0; i < r->nfresh; i++) {
		const struct fresh *f = &r->fresh[i];
		r->row.objects_read += f->read;
		r->row.fresh++;
		if (f->code[0] == '\0') {
			r->row.tasks_created++;
			continue;
		}
		r->row.refused++;
		if (json_array_size(refused) < LF_SOURCES_REPORT_MAX)
			json_array_append_new(refused,
					      json_pack("{s:s,s:s,s:s}", "key", f->obj->key, "code",
							f->code, "message", f->message));
	}
	if ((text = json_dumps(r->report, JSON_COMPACT)) == NULL)
		return LF_ERR_NOMEM;
	free(r->report_text);
	r->row.report = r->report_text = text;
	r->row.updated_at = r->saved_ms = now;
	lf_arena_reset(a);
	return lf_store_write(r->s, a, page_tx, r);
}

/* The sync, its source and the project's media targets, in the arena a
 * that lives as long as the run. */
static int load(struct run *r, lf_arena *a, int64_t sync_id, char *err, size_t errlen)
{
	lf_tx *tx = NULL;
	lf_project p;
	char why[200] = "";
	int ret = lf_store_begin(r->s, LF_TX_READ, a, &tx);
	if (ret != LF_OK)
		return ret;
	if ((ret = lf_store_source_sync_get(tx, sync_id, &r->row)) != LF_OK ||
	    (ret = lf_store_source_get(tx, r->row.source_id, &r->src)) != LF_OK ||
	    (ret = lf_store_project_get(tx, r->src.project_id, &p)) != LF_OK) {
		snprintf(err, errlen, "no sync %lld", (long long)sync_id);
		ret = ret == LF_ERR_NOTFOUND ? LF_ERR_INVALID : ret;
		goto cleanup;
	}
	ret = LF_ERR_INVALID;
	if (r->src.deleted_at != 0)
		snprintf(err, errlen, "the source was deleted");
	else if (strcmp(p.status, "active") != 0)
		snprintf(err, errlen, "the project is closed");
	else if (lf_media_targets_of(p.label_config, &r->targets, why, sizeof(why)) != LF_OK)
		snprintf(err, errlen, "the project's label config does not parse (%s)", why);
	else if ((r->report = json_loads(r->row.report, 0, NULL)) == NULL ||
		 (!json_is_array(json_object_get(r->report, "refused")) &&
		  json_object_set_new(r->report, "refused", json_array()) != 0))
		ret = LF_ERR_NOMEM;
	else
		ret = LF_OK;
cleanup:
	lf_store_rollback(tx);
	return ret;
}

static int state_tx(lf_tx *tx, void *ud)
{
	struct run *r = ud;
	return lf_store_source_sync_update(tx, &r->row);
}

static int finish_tx(lf_tx *tx, void *ud)
{
	struct run *r = ud;
	lf_source_sync_row *s = &r->row;
	char eid[32];
	int ret = lf_store_source_sync_update(tx, s);
	if (ret != LF_OK)
		return ret;
	snprintf(eid, sizeof(eid), "%lld", (long long)s->id);
	json_t *d = json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "source_id", (json_int_t)s->source_id, "listed",
	    (json_int_t)s->listed, "new", (json_int_t)s->fresh, "known", (json_int_t)s->known,
	    "changed", (json_int_t)s->changed, "refused", (json_int_t)s->refused, "objects_read",
	    (json_int_t)s->objects_read, "tasks_created", (json_int_t)s->tasks_created);
	lf_audit_event ev = {.actor_id = s->created_by,
			     .actor_role = "admin",
			     .action = "source.sync.done",
			     .entity_type = "source_sync",
			     .entity_id = eid,
			     .project_id = r->src.project_id,
			     .to_state = "done",
			     .details = d};
	ret = d != NULL ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(d);
	return ret;
}

/* Writes the row's status with fn (state_tx or finish_tx). */
static int save_row(struct run *r, lf_arena *a, int (*fn)(lf_tx *tx, void *ud))
{
	r->row.updated_at = lf_now_ms();
	return lf_store_write(r->s, a, fn, r);
}

int lf_sources_sync_run(lf_store *s, lf_blob_pool *pool, int64_t sync_id, const lf_job *job,
			char *err, size_t errlen)
{
	struct run r = {.s = s};
	lf_arena *a = lf_arena_create(), *rows = lf_arena_create();
	char *cursor = NULL, *next = NULL;
	int ret = LF_ERR_NOMEM;
	pthread_mutex_init(&r.lock, NULL);
	if (a == NULL || rows == NULL)
		goto cleanup;
	if ((ret = load(&r, rows, sync_id, err, errlen)) != LF_OK)
		goto fail;
	if (strcmp(r.row.status, "done") == 0 || strcmp(r.row.status, "failed") == 0)
		goto cleanup;
	if ((ret = lf_blob_pool_get(pool, r.src.url, &r.bs, err, errlen)) != LF_OK)
		goto fail;
	/* A resumed run lists from the start again: what earlier runs
	 * stored is work done (kept), what they listed is counted anew. */
	r.row.status = "running";
	r.row.error = NULL;
	r.row.listed = r.row.known = r.row.changed = 0;
	if ((ret = save_row(&r, a, state_tx)) != LF_OK)
		goto fail;
	do {
		free(cursor);
		cursor = next;
		next = NULL;
		if (job != NULL && lf_jobs_stopping(job)) {
			snprintf(err, errlen, "interrupted; resumes where it stopped");
			ret = LF_ERR_IO;
			goto fail;
		}
		page_clear(&r);
		if ((ret = lf_blob_list(r.bs, "", cursor, LF_SOURCES_PAGE, list_one, &r, &next)) !=
		    LF_OK) {
			snprintf(err, errlen, "listing the bucket failed (%s)", lf_err_str(ret));
			goto fail;
		}
		if (r.npage == 0)
			continue;
		if ((ret = find_fresh(&r, a)) != LF_OK || (ret = read_fresh(&r)) != LF_OK ||
		    (ret = save_page(&r, a)) != LF_OK) {
			if (err[0] == '\0')
				snprintf(err, errlen, "reading the bucket failed (%s)",
					 lf_err_str(ret));
			goto fail;
		}
	} while (next != NULL);
	r.row.status = "done";
	ret = save_row(&r, a, finish_tx);
	goto cleanup;
fail:
	/* The row says why; it stays running while the job will be retried. */
	if (r.row.id != 0 &&
	    (ret == LF_ERR_INVALID || job == NULL || job->attempt >= job->max_attempts))
		r.row.status = "failed";
	r.row.error = err;
	if (r.row.id != 0)
		save_row(&r, a, state_tx);
cleanup:
	page_clear(&r);
	free(r.page);
	free(cursor);
	free(next);
	json_decref(r.report);
	free(r.report_text);
	pthread_mutex_destroy(&r.lock);
	lf_arena_destroy(a);
	lf_arena_destroy(rows);
	return ret;
}
