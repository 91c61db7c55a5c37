/*
 * api_routes.c - every endpoint of the server, in one table.
 */
#include "api/api.h"

const lf_http_route lf_api_routes[] = {
	{"GET", "/healthz", lf_api_healthz, LF_BODY_NONE, 0},
	{"GET", "/readyz", lf_api_readyz, LF_BODY_NONE, 0},
	{"GET", "/metrics", lf_api_metrics, LF_BODY_NONE, 0},

	{"POST", "/api/v1/auth/login", lf_api_login, LF_BODY_JSON, 16 * 1024},
	{"POST", "/api/v1/auth/refresh", lf_api_refresh, LF_BODY_JSON, 16 * 1024},
	{"POST", "/api/v1/auth/logout", lf_api_logout, LF_BODY_JSON, 16 * 1024},
	{"GET", "/api/v1/me", lf_api_me, LF_BODY_NONE, 0},

	{"POST", "/api/v1/users", lf_api_users_create, LF_BODY_JSON, 64 * 1024},
	{"GET", "/api/v1/users", lf_api_users_list, LF_BODY_NONE, 0},
	{"PATCH", "/api/v1/users/{id}", lf_api_users_patch, LF_BODY_JSON, 64 * 1024},

	{"GET", "/api/v1/audit", lf_api_audit_list, LF_BODY_NONE, 0},
	{"GET", "/api/v1/audit/verify", lf_api_audit_verify, LF_BODY_NONE, 0},
};

const size_t lf_api_nroutes = LF_ARRAY_LEN(lf_api_routes);
