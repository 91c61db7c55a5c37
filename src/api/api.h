/*
 * api.h - the v1 HTTP API: the application context, the route table and
 * the helpers every handler uses (authentication, authorization, input
 * validation, rendering). Handlers live one file per resource
 * (api_auth.c, api_users.c, ...) and stay thin: validate, authorize, make
 * one call, render. Every write is a domain command of its module (it runs
 * its own transaction through lf_store_write); handlers only read through
 * the store, never open a write transaction (tests/lint/layers.sh). A
 * refusal is described in req->error and its code returned: the server
 * renders it (see lf_http_fail).
 */
#ifndef LF_API_H
#define LF_API_H

#include <jansson.h>

#include "audit/anchor.h"
#include "auth/auth.h"
#include "authz/authz.h"
#include "blob/blob.h"
#include "blob/pool.h"
#include "http/http.h"
#include "jobs/jobs.h"
#include "store/store.h"
#include "web/web.h"

typedef struct lf_app {
	lf_store *store;
	lf_http_server *http;
	lf_blob_store *blobs;
	lf_blob_pool *buckets; /* bucket sources and export targets (blob/pool.h) */
	lf_jobs *jobs;	       /* NULL when this process runs no job workers */
	lf_web *web;	       /* the built web UI, NULL when it is not built */
	unsigned char jwt_key[32];
	int access_ttl_s;	/* access token lifetime */
	int refresh_ttl_s;	/* refresh token / session lifetime */
	lf_ratelimit *rl_login; /* wrong passwords per (account, address): lf_backoff_* */
	lf_ratelimit *rl_ip;	/* login/refresh attempts per client address */
	int64_t started_ms;
	const lf_audit_key *audit_key;	     /* verifies audit checkpoints (the configured key) */
	int64_t audit_max_lag_ms;	     /* LABELFLOW_AUDIT_SEAL_MAX_LAG_MS */
	const lf_audit_anchor *audit_anchor; /* LABELFLOW_AUDIT_ANCHOR; NULL when unset */
	const char *tmpdir;  /* LABELFLOW_TMPDIR: scratch files (cutting media segments) */
	bool media_redirect; /* LABELFLOW_MEDIA_REDIRECT: signed media links go to the bucket */
	/* Who may read /metrics: these addresses (LABELFLOW_METRICS_ALLOW), or
	 * anyone with metrics_token (NULL: none) */
	lf_http_cidr metrics_allow[LF_HTTP_CIDR_MAX];
	size_t metrics_nallow;
	lf_http_cidr proxies[LF_HTTP_CIDR_MAX]; /* LABELFLOW_TRUSTED_PROXIES */
	size_t nproxies;
	const char *metrics_token;
	const char *payout_webhook_url;	   /* NULL: no webhook adapter configured */
	bool payout_webhook_allow_private; /* LABELFLOW_PAYOUT_WEBHOOK_ALLOW_PRIVATE */
	const char *outbound_allow;	   /* LABELFLOW_OUTBOUND_ALLOW (net/outbound.h) */
	int ml_answer_max;		   /* LABELFLOW_ML_ANSWER_MAX (ml/ml.h) */
	const char *public_url;		   /* LABELFLOW_PUBLIC_URL, NULL: unknown */
} lf_app;

/* The authenticated caller of a request (request arena memory). */
typedef struct lf_principal {
	lf_user user;
	const char *sid;	   /* the session, NULL for an API token */
	const lf_api_token *token; /* the API token, NULL for a session */
	int is_admin;
	/* The roles last read for this request (guard): in the project
	 * scope_project or the task scope_task, which exists (found) in
	 * project; so that the handler's own check after lf_api_authorize's
	 * reads nothing again. */
	int64_t scope_project, scope_task, project;
	int found;
	unsigned roles;
	unsigned suspended;	      /* of roles, those suspended there */
	const char *suspended_reason; /* why, when any is */
} lf_principal;

/* The route table of the whole API. */
extern const lf_http_route lf_api_routes[];
extern const size_t lf_api_nroutes;

/* lf_http_route.access of a route with a body: who may send it one,
 * checked by lf_api_authorize before the body is read. The handler still
 * checks its exact permission; these are what the headers can tell. */
enum lf_api_access {
	LF_API_TOKEN = 0, /* a live session (the default) */
	LF_API_PUBLIC,	  /* anyone: the body carries the credentials (login) */
	LF_API_ADMIN,	  /* a live session of an admin */
	LF_API_PROJECT,	  /* one who may see the project of capture 0 */
	LF_API_TASK,	  /* one who may see the project of the task of capture 0 */
};

/*
 * The server's authorize hook (lf_http_config.authorize): checks the
 * route's access on the headers. The principal it finds is the request's
 * (req->user), so the handler's own guard does not authenticate again.
 */
int lf_api_authorize(lf_http_req *req);

/*
 * Authenticates the request and checks perm (in project_id's scope when
 * non-zero: the caller's membership roles are loaded). On refusal describes
 * it in req->error and returns its code, which the handler returns.
 */
int lf_api_guard(lf_http_req *req, lf_perm perm, int64_t project_id, lf_principal **out);
/* The same for user_id, authenticated by the caller some other way (a
 * signed URL): LF_ERR_FORBIDDEN when that user is unknown, disabled or
 * lacks perm in project_id now. */
int lf_api_guard_user(lf_http_req *req, lf_perm perm, int64_t project_id, int64_t user_id,
		      lf_principal **out);
/* The same for an operation on a task: perm is checked in the task's
 * project (*project_id gets it); an unknown task is a 404 for an
 * authenticated caller. */
int lf_api_guard_task(lf_http_req *req, lf_perm perm, int64_t task_id, lf_principal **out,
		      int64_t *project_id);

/*
 * Loads the entity whose id is the path's first capture with get, into
 * out, and checks perm in its project (*project_id, a field of out).
 * Unknown ids are a 404 naming `what` for authenticated callers. A refusal
 * is described in req->error and its code returned.
 */
int lf_api_load(lf_http_req *req, int (*get)(lf_tx *tx, int64_t id, void *out), void *out,
		const int64_t *project_id, lf_perm perm, const char *what);

/*
 * The guard of an upload into project_id (the path's project): the caller
 * manages it and it is active (409 project_closed otherwise). *p gets the
 * project (request arena). A refusal is described in req->error.
 */
int lf_api_upload_project(lf_http_req *req, int64_t project_id, lf_principal **who, lf_project *p);

/* Input helpers: bad input is described in req->error and its code
 * returned (LF_ERR_INVALID for fields, LF_ERR_MALFORMED for query
 * parameters). Strings are borrowed from the JSON body. */
int lf_api_str(lf_http_req *req, const char *field, int required, size_t maxlen, const char **out);
int lf_api_int(lf_http_req *req, const char *field, int required, int64_t min, int64_t max,
	       int64_t *out);
int lf_api_bool(lf_http_req *req, const char *field, int required, int *out);
/* Query parameters: absent leaves *out unchanged. */
int lf_api_qint(lf_http_req *req, const char *name, int64_t min, int64_t max, int64_t *out);
/* A time in the query: integer ms since epoch or ISO 8601 UTC. */
int lf_api_qtime(lf_http_req *req, const char *name, int64_t *out);

/* Renders ms since epoch as ISO 8601 UTC with milliseconds (arena). */
const char *lf_api_time(lf_http_req *req, int64_t ms);
/* A user as JSON, never with secrets. New reference. */
json_t *lf_api_user_json(lf_http_req *req, const lf_user *u);
/* The keyset cursor of a page read with limit + 1 rows: the key of the
 * page's last row when a further row exists (n > limit), else NULL. */
const char *lf_api_next_cursor(lf_http_req *req, int n, int64_t limit, int64_t last_key);
/* {items, next_cursor}: steals items; cursor NULL renders null. */
int lf_api_list(lf_http_req *req, json_t *items, const char *next_cursor);
/* A stored JSON text column as JSON; null for NULL or unreadable text.
 * New reference. */
json_t *lf_api_json_text(const char *text);
/*
 * A project's rows of one kind for its managers, newest first, keyset
 * paged by id (GET /projects/{id}/imports, /exports): reads cursor and
 * limit (1..200), asks list for limit + 1 rows of elem bytes before the
 * cursor, and answers {items, next_cursor} with each row rendered. A
 * row's id is the int64_t at id_offset.
 */
typedef int (*lf_api_page_fn)(lf_tx *tx, int64_t project_id, int64_t before_id, int limit,
			      void **items, int *n);
typedef json_t *(*lf_api_render_fn)(lf_http_req *req, const void *row);
int lf_api_project_page(lf_http_req *req, lf_api_page_fn list, size_t elem, size_t id_offset,
			lf_api_render_fn render);
/* Streams the blob at key in bs (NULL: the server's own store) as an
 * attachment named filename, of the given content type, in constant
 * memory; 410 gone (what names the file, "The export file") when storage
 * no longer has it. */
int lf_api_send_blob(lf_http_req *req, lf_blob_store *bs, const char *key, const char *type,
		     const char *filename, const char *what);

/* Handlers, by file. */
int lf_api_ml_create(lf_http_req *req);
int lf_api_ml_list(lf_http_req *req);
int lf_api_ml_get(lf_http_req *req);
int lf_api_ml_patch(lf_http_req *req);
int lf_api_ml_delete(lf_http_req *req);
int lf_api_ml_predict(lf_http_req *req);
int lf_api_ml_errors(lf_http_req *req);
int lf_api_ml_train(lf_http_req *req);
int lf_api_ml_interactive(lf_http_req *req);
int lf_api_login(lf_http_req *req);
int lf_api_refresh(lf_http_req *req);
int lf_api_logout(lf_http_req *req);
int lf_api_me(lf_http_req *req);
int lf_api_tokens_create(lf_http_req *req);
int lf_api_tokens_list(lf_http_req *req);
int lf_api_tokens_revoke(lf_http_req *req);
int lf_api_user_tokens_revoke(lf_http_req *req);
int lf_api_users_create(lf_http_req *req);
int lf_api_users_list(lf_http_req *req);
int lf_api_users_patch(lf_http_req *req);
int lf_api_audit_list(lf_http_req *req);
int lf_api_audit_verify(lf_http_req *req);
int lf_api_audit_proof(lf_http_req *req);
int lf_api_projects_create(lf_http_req *req);
int lf_api_projects_list(lf_http_req *req);
int lf_api_projects_get(lf_http_req *req);
int lf_api_projects_patch(lf_http_req *req);
int lf_api_members_list(lf_http_req *req);
int lf_api_members_put(lf_http_req *req);
int lf_api_members_delete(lf_http_req *req);
int lf_api_tasks_list(lf_http_req *req);
int lf_api_tasks_create(lf_http_req *req);
int lf_api_tasks_bulk(lf_http_req *req);
int lf_api_tasks_get(lf_http_req *req);
int lf_api_claim(lf_http_req *req);
int lf_api_heartbeat(lf_http_req *req);
int lf_api_release(lf_http_req *req);
int lf_api_draft_put(lf_http_req *req);
int lf_api_release_beacon(lf_http_req *req);
int lf_api_submit(lf_http_req *req);
int lf_api_revise(lf_http_req *req);
int lf_api_review(lf_http_req *req);
int lf_api_decide(lf_http_req *req);
int lf_api_requeue(lf_http_req *req);
int lf_api_imports_finish(lf_http_req *req);
int lf_api_imports_get(lf_http_req *req);
int lf_api_imports_list(lf_http_req *req);
extern const lf_http_stream lf_api_import_stream;
/* api_media.c: media uploads, items and their bytes. */
int lf_api_media_upload(lf_http_req *req);
extern const lf_http_stream lf_api_media_stream;
int lf_api_media_get(lf_http_req *req);
int lf_api_media_info(lf_http_req *req);
/* api_sources.c: buckets connected as datasets, and their syncs. */
int lf_api_sources_create(lf_http_req *req);
int lf_api_sources_list(lf_http_req *req);
int lf_api_sources_get(lf_http_req *req);
int lf_api_sources_delete(lf_http_req *req);
int lf_api_sources_sync(lf_http_req *req);
int lf_api_deposit(lf_http_req *req);
int lf_api_refund(lf_http_req *req);
int lf_api_escrow(lf_http_req *req);
int lf_api_ledger(lf_http_req *req);
int lf_api_ledger_verify(lf_http_req *req);
int lf_api_earnings(lf_http_req *req);
/* api_history.c: the caller's earnings per day. */
int lf_api_earnings_history(lf_http_req *req);
int lf_api_payouts_create(lf_http_req *req);
int lf_api_payouts_get(lf_http_req *req);
int lf_api_payouts_list(lf_http_req *req);
int lf_api_payouts_statement(lf_http_req *req);
int lf_api_exports_create(lf_http_req *req);
int lf_api_exports_list(lf_http_req *req);
int lf_api_exports_get(lf_http_req *req);
int lf_api_exports_file(lf_http_req *req);
int lf_api_root(lf_http_req *req);
int lf_api_static(lf_http_req *req);
int lf_api_healthz(lf_http_req *req);
int lf_api_readyz(lf_http_req *req);
int lf_api_metrics(lf_http_req *req);

/* api_meta.c: the OpenAPI document and the enumerations clients need. */
int lf_api_openapi(lf_http_req *req);
int lf_api_meta(lf_http_req *req);

/* api_quality.c: gold tasks, annotator scores, suspensions. */
int lf_api_gold_create(lf_http_req *req);
int lf_api_gold_list(lf_http_req *req);
int lf_api_gold_retire(lf_http_req *req);
int lf_api_quality_annotators(lf_http_req *req);
int lf_api_suspension_put(lf_http_req *req);
int lf_api_suspension_delete(lf_http_req *req);

/* api_stats.c: a project's dashboard figures. */
int lf_api_project_stats(lf_http_req *req);
int lf_api_project_agreement(lf_http_req *req);
int lf_api_me_progress(lf_http_req *req);

int lf_api_webhooks_create(lf_http_req *req);
int lf_api_webhooks_list(lf_http_req *req);
int lf_api_webhooks_get(lf_http_req *req);
int lf_api_webhooks_patch(lf_http_req *req);
int lf_api_webhooks_delete(lf_http_req *req);
int lf_api_webhooks_deliveries(lf_http_req *req);
int lf_api_webhooks_redeliver(lf_http_req *req);
int lf_api_webhooks_test(lf_http_req *req);
int lf_api_global_webhooks_create(lf_http_req *req);
int lf_api_global_webhooks_list(lf_http_req *req);
int lf_api_global_webhooks_get(lf_http_req *req);
int lf_api_global_webhooks_patch(lf_http_req *req);
int lf_api_global_webhooks_delete(lf_http_req *req);
int lf_api_global_webhooks_deliveries(lf_http_req *req);
int lf_api_global_webhooks_redeliver(lf_http_req *req);
int lf_api_global_webhooks_test(lf_http_req *req);

#endif
