/*
 * api_routes.c - every endpoint of the server, in one table.
 */
#include "api/api.h"

/* One line per endpoint, so the table reads as the API's index. */
/* clang-format off */
const lf_http_route lf_api_routes[] = {
	{.method = "GET", .pattern = "/", .handler = lf_api_root, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/healthz", .handler = lf_api_healthz, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/readyz", .handler = lf_api_readyz, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/metrics", .handler = lf_api_metrics, .body = LF_BODY_NONE, .max_body = 0},

	{.method = "GET", .pattern = "/api/v1/openapi.json", .handler = lf_api_openapi, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/meta", .handler = lf_api_meta, .body = LF_BODY_NONE, .max_body = 0},

	{.method = "POST", .pattern = "/api/v1/auth/login", .handler = lf_api_login, .body = LF_BODY_JSON, .max_body = 16 * 1024, .access = LF_API_PUBLIC},
	{.method = "POST", .pattern = "/api/v1/auth/refresh", .handler = lf_api_refresh, .body = LF_BODY_JSON, .max_body = 16 * 1024, .access = LF_API_PUBLIC},
	{.method = "POST", .pattern = "/api/v1/auth/logout", .handler = lf_api_logout, .body = LF_BODY_JSON, .max_body = 16 * 1024, .access = LF_API_TOKEN},
	{.method = "GET", .pattern = "/api/v1/me", .handler = lf_api_me, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "POST", .pattern = "/api/v1/me/tokens", .handler = lf_api_tokens_create, .body = LF_BODY_JSON, .max_body = 16 * 1024, .access = LF_API_TOKEN},
	{.method = "GET", .pattern = "/api/v1/me/tokens", .handler = lf_api_tokens_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "DELETE", .pattern = "/api/v1/me/tokens/{id}", .handler = lf_api_tokens_revoke, .body = LF_BODY_NONE, .max_body = 0},

	{.method = "POST", .pattern = "/api/v1/users", .handler = lf_api_users_create, .body = LF_BODY_JSON, .max_body = 64 * 1024, .access = LF_API_ADMIN},
	{.method = "GET", .pattern = "/api/v1/users", .handler = lf_api_users_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "PATCH", .pattern = "/api/v1/users/{id}", .handler = lf_api_users_patch, .body = LF_BODY_JSON, .max_body = 64 * 1024, .access = LF_API_TOKEN},
	{.method = "DELETE", .pattern = "/api/v1/users/{id}/tokens/{token_id}", .handler = lf_api_user_tokens_revoke, .body = LF_BODY_NONE, .max_body = 0},

	{.method = "POST", .pattern = "/api/v1/projects", .handler = lf_api_projects_create, .body = LF_BODY_JSON, .max_body = 2 << 20, .access = LF_API_ADMIN},
	{.method = "GET", .pattern = "/api/v1/projects", .handler = lf_api_projects_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/projects/{id}", .handler = lf_api_projects_get, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "PATCH", .pattern = "/api/v1/projects/{id}", .handler = lf_api_projects_patch, .body = LF_BODY_JSON, .max_body = 2 << 20, .access = LF_API_PROJECT},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/stats", .handler = lf_api_project_stats, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/agreement", .handler = lf_api_project_agreement, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "POST", .pattern = "/api/v1/projects/{id}/gold", .handler = lf_api_gold_create, .body = LF_BODY_JSON, .max_body = 16 << 20, .access = LF_API_PROJECT},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/gold", .handler = lf_api_gold_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "DELETE", .pattern = "/api/v1/projects/{id}/gold/{gold_id}", .handler = lf_api_gold_retire, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/quality/annotators", .handler = lf_api_quality_annotators, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "POST", .pattern = "/api/v1/projects/{id}/members/{user_id}/suspension", .handler = lf_api_suspension_put, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_PROJECT},
	{.method = "DELETE", .pattern = "/api/v1/projects/{id}/members/{user_id}/suspension", .handler = lf_api_suspension_delete, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/members", .handler = lf_api_members_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "PUT", .pattern = "/api/v1/projects/{id}/members/{user_id}", .handler = lf_api_members_put, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_PROJECT},
	{.method = "DELETE", .pattern = "/api/v1/projects/{id}/members/{user_id}", .handler = lf_api_members_delete, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/tasks", .handler = lf_api_tasks_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "POST", .pattern = "/api/v1/projects/{id}/tasks", .handler = lf_api_tasks_create, .body = LF_BODY_JSON, .max_body = 16 << 20, .access = LF_API_PROJECT},
	{.method = "POST", .pattern = "/api/v1/projects/{id}/tasks/bulk", .handler = lf_api_tasks_bulk, .body = LF_BODY_JSON, .max_body = 64 * 1024, .access = LF_API_PROJECT},
	{.method = "POST", .pattern = "/api/v1/projects/{id}/imports", .handler = lf_api_imports_finish, .body = LF_BODY_STREAM, .max_body = (size_t)4 << 30, .stream = &lf_api_import_stream, .access = LF_API_PROJECT},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/imports", .handler = lf_api_imports_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "POST", .pattern = "/api/v1/projects/{id}/media", .handler = lf_api_media_upload, .body = LF_BODY_STREAM, .max_body = (size_t)4 << 30, .stream = &lf_api_media_stream, .access = LF_API_PROJECT},
	{.method = "GET", .pattern = "/api/v1/media/{id}", .handler = lf_api_media_get, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/media/{id}/info", .handler = lf_api_media_info, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "POST", .pattern = "/api/v1/projects/{id}/sources", .handler = lf_api_sources_create, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_PROJECT},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/sources", .handler = lf_api_sources_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/sources/{id}", .handler = lf_api_sources_get, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "DELETE", .pattern = "/api/v1/sources/{id}", .handler = lf_api_sources_delete, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "POST", .pattern = "/api/v1/sources/{id}/sync", .handler = lf_api_sources_sync, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_TOKEN},
	{.method = "GET", .pattern = "/api/v1/imports/{id}", .handler = lf_api_imports_get, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "POST", .pattern = "/api/v1/projects/{id}/claim", .handler = lf_api_claim, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_PROJECT},
	{.method = "GET", .pattern = "/api/v1/tasks/{id}", .handler = lf_api_tasks_get, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "POST", .pattern = "/api/v1/tasks/{id}/heartbeat", .handler = lf_api_heartbeat, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_TASK},
	{.method = "POST", .pattern = "/api/v1/tasks/{id}/release", .handler = lf_api_release, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_TASK},
	{.method = "PUT", .pattern = "/api/v1/tasks/{id}/draft", .handler = lf_api_draft_put, .body = LF_BODY_JSON, .max_body = 8 << 20, .access = LF_API_TASK},
	{.method = "POST", .pattern = "/api/v1/tasks/{id}/release-beacon", .handler = lf_api_release_beacon, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "POST", .pattern = "/api/v1/tasks/{id}/submit", .handler = lf_api_submit, .body = LF_BODY_JSON, .max_body = 8 << 20, .access = LF_API_TASK},
	{.method = "POST", .pattern = "/api/v1/tasks/{id}/revise", .handler = lf_api_revise, .body = LF_BODY_JSON, .max_body = 8 << 20, .access = LF_API_TASK},
	{.method = "POST", .pattern = "/api/v1/tasks/{id}/review", .handler = lf_api_review, .body = LF_BODY_JSON, .max_body = 8 << 20, .access = LF_API_TASK},
	{.method = "POST", .pattern = "/api/v1/tasks/{id}/decide", .handler = lf_api_decide, .body = LF_BODY_JSON, .max_body = 8 << 20, .access = LF_API_TASK},
	{.method = "POST", .pattern = "/api/v1/tasks/{id}/requeue", .handler = lf_api_requeue, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_TASK},

	{.method = "POST", .pattern = "/api/v1/projects/{id}/escrow/deposits", .handler = lf_api_deposit, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_PROJECT},
	{.method = "POST", .pattern = "/api/v1/projects/{id}/escrow/refund", .handler = lf_api_refund, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_PROJECT},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/escrow", .handler = lf_api_escrow, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/ledger", .handler = lf_api_ledger, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/ledger/verify", .handler = lf_api_ledger_verify, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/me/earnings", .handler = lf_api_earnings, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/me/earnings/history", .handler = lf_api_earnings_history, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/me/progress", .handler = lf_api_me_progress, .body = LF_BODY_NONE, .max_body = 0},

	{.method = "POST", .pattern = "/api/v1/payouts", .handler = lf_api_payouts_create, .body = LF_BODY_JSON, .max_body = 1 << 20, .access = LF_API_ADMIN},
	{.method = "GET", .pattern = "/api/v1/payouts", .handler = lf_api_payouts_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/payouts/{id}", .handler = lf_api_payouts_get, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/payouts/{id}/statement", .handler = lf_api_payouts_statement, .body = LF_BODY_NONE, .max_body = 0},

	{.method = "POST", .pattern = "/api/v1/projects/{id}/exports", .handler = lf_api_exports_create, .body = LF_BODY_JSON, .max_body = 0, .access = LF_API_PROJECT},
	{.method = "GET", .pattern = "/api/v1/projects/{id}/exports", .handler = lf_api_exports_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/exports/{id}", .handler = lf_api_exports_get, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/exports/{id}/file", .handler = lf_api_exports_file, .body = LF_BODY_NONE, .max_body = 0},

	{.method = "GET", .pattern = "/api/v1/audit", .handler = lf_api_audit_list, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/audit/verify", .handler = lf_api_audit_verify, .body = LF_BODY_NONE, .max_body = 0},
	{.method = "GET", .pattern = "/api/v1/audit/{seq}/proof", .handler = lf_api_audit_proof, .body = LF_BODY_NONE, .max_body = 0},
};
/* clang-format on */

const size_t lf_api_nroutes = LF_ARRAY_LEN(lf_api_routes);
