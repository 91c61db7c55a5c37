/*
 * sources.c - connecting, disconnecting and queuing syncs of bucket
 * sources: each a write with its audit record (sync.c runs the syncs).
 */
#include "sources/sources.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"

/* One command in progress: its input and, once it commits, its row. */
struct command {
	int64_t id; /* the project (create) or the source */
	const char *url;
	const lf_sources_actor *who;
	lf_error *err;
	lf_source_row *source;
	lf_source_sync_row *sync;
};

static int audit(lf_tx *tx, const lf_sources_actor *who, const char *action, const char *type,
		 int64_t id, int64_t project_id, const char *to_state, json_t *details);
static int create_tx(lf_tx *tx, void *ud);
static int delete_tx(lf_tx *tx, void *ud);
static int sync_tx(lf_tx *tx, void *ud);

/* Appends an audit record; steals details. */
static int audit(lf_tx *tx, const lf_sources_actor *who, const char *action, const char *type,
		 int64_t id, int64_t project_id, const char *to_state, json_t *details)
{
	char eid[32];
	snprintf(eid, sizeof(eid), "%lld", (long long)id);
	lf_audit_event ev = {.actor_id = who->id,
			     .actor_role = who->role,
			     .action = action,
			     .entity_type = type,
			     .entity_id = eid,
			     .project_id = project_id,
			     .to_state = to_state,
			     .details = details};
	int ret = details != NULL ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(details);
	return ret;
}

static int create_tx(lf_tx *tx, void *ud)
{
	struct command *c = ud;
	lf_project p;
	int ret;
	if ((ret = lf_store_project_get(tx, c->id, &p)) != LF_OK)
		return lf_error_default(c->err, ret, "project");
	if (strcmp(p.status, "active") != 0)
		return lf_error_set(c->err, LF_ERR_CONFLICT, "project_closed",
				    "The project is closed.");
	lf_source_row row = {.project_id = c->id,
			     .url = c->url,
			     .created_by = c->who->id,
			     .created_at = lf_now_ms()};
	if ((ret = lf_store_source_insert(tx, &row, &row.id)) != LF_OK ||
	    (ret = audit(tx, c->who, "source.create", "source", row.id, row.project_id, "connected",
			 json_pack("{s:s}", "url", row.url))) != LF_OK)
		return ret;
	*c->source = row;
	return LF_OK;
}

int lf_sources_create(lf_store *s, lf_blob_pool *pool, lf_arena *a, int64_t project_id,
		      const char *url, const lf_sources_actor *who, lf_source_row *out,
		      lf_error *err)
{
	lf_blob_store *bs;
	char why[512] = "";
	if (lf_blob_pool_url_check(url, why, sizeof(why)) != LF_OK)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_source_url", "%s.", why);
	/* Asking the store now turns a typo into an answer, not a failed
	 * sync later. */
	if (lf_blob_pool_get(pool, url, &bs, why, sizeof(why)) != LF_OK)
		return lf_error_set(err, LF_ERR_INVALID, "source_unreachable",
				    "The bucket cannot be read with the server's storage settings"
				    " (%s).",
				    why);
	struct command c = {.id = project_id, .url = url, .who = who, .err = err, .source = out};
	return lf_store_write(s, a, create_tx, &c);
}

static int delete_tx(lf_tx *tx, void *ud)
{
	struct command *c = ud;
	lf_source_row row;
	int ret;
	if ((ret = lf_store_source_get(tx, c->id, &row)) != LF_OK ||
	    (ret = lf_store_source_delete(tx, c->id, lf_now_ms())) != LF_OK)
		return lf_error_default(c->err, ret, "source");
	return audit(tx, c->who, "source.delete", "source", row.id, row.project_id, "deleted",
		     json_pack("{s:s}", "url", row.url));
}

int lf_sources_delete(lf_store *s, lf_arena *a, int64_t source_id, const lf_sources_actor *who,
		      lf_error *err)
{
	struct command c = {.id = source_id, .who = who, .err = err};
	return lf_store_write(s, a, delete_tx, &c);
}

/* A source has at most one sync queued or running: two would read the
 * same new objects and race to remember them. */
static int sync_tx(lf_tx *tx, void *ud)
{
	struct command *c = ud;
	lf_source_row src;
	lf_source_sync_row *last;
	json_t *payload = NULL;
	int n = 0, ret;
	if ((ret = lf_store_source_get(tx, c->id, &src)) != LF_OK)
		return lf_error_default(c->err, ret, "source");
	if (src.deleted_at != 0)
		return lf_error_default(c->err, LF_ERR_NOTFOUND, "source");
	if ((ret = lf_store_source_sync_list(tx, c->id, 1, &last, &n)) != LF_OK)
		return ret;
	if (n == 1 && (strcmp(last->status, "queued") == 0 || strcmp(last->status, "running") == 0))
		return lf_error_set(c->err, LF_ERR_CONFLICT, "sync_in_progress",
				    "Sync %lld of this source is %s.", (long long)last->id,
				    last->status);
	lf_source_sync_row row = {.source_id = c->id,
				  .created_by = c->who->id,
				  .status = "queued",
				  .report = "{}",
				  .created_at = lf_now_ms()};
	row.updated_at = row.created_at;
	if ((ret = lf_store_source_sync_insert(tx, &row, &row.id)) != LF_OK)
		return ret;
	payload = json_pack("{s:I}", "sync_id", (json_int_t)row.id);
	ret =
	    payload != NULL ? lf_jobs_enqueue(tx, LF_SOURCES_JOB, payload, 0, NULL) : LF_ERR_NOMEM;
	json_decref(payload);
	if (ret == LF_OK)
		ret = audit(
		    tx, c->who, "source.sync", "source_sync", row.id, src.project_id, "queued",
		    json_pack("{s:I,s:s}", "source_id", (json_int_t)src.id, "url", src.url));
	if (ret == LF_OK)
		*c->sync = row;
	return ret;
}

int lf_sources_sync_start(lf_store *s, lf_arena *a, int64_t source_id, const lf_sources_actor *who,
			  lf_source_sync_row *out, lf_error *err)
{
	struct command c = {.id = source_id, .who = who, .err = err, .sync = out};
	return lf_store_write(s, a, sync_tx, &c);
}

const char *lf_sources_media_key(const lf_media_row *m)
{
	/* "sources/<id>/": the key starts after the second '/'. */
	const char *p = strchr(m->blob_key, '/');
	p = p != NULL ? strchr(p + 1, '/') : NULL;
	return p != NULL ? p + 1 : m->blob_key;
}
