/*
 * api_meta.c - what the API says about itself: its OpenAPI document and
 * the enumerations clients need (task states, stages, import and export
 * formats, currency exponents, audit actions, policy fields and their
 * bounds), read from the tables the server itself
 * uses so that no client keeps a copy.
 *
 * The document is openapi/openapi.yaml, converted to JSON and compiled
 * into the binary at build time (scripts/openapi-embed), so a binary
 * always describes the API it serves.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "export/export.h"
#include "ingest/ingest.h"
#include "ledger/ledger.h"
#include "projects/policy.h"
#include "workflow/workflow.h"

/* The generated $(BUILD)/gen/openapi_doc.c. */
extern const unsigned char lf_openapi_json[];
extern const size_t lf_openapi_json_len;

static json_t *export_formats_json(void);
static json_t *currencies_json(void);
static json_t *audit_actions_json(void);

int lf_api_openapi(lf_http_req *req)
{
	char *body = malloc(lf_openapi_json_len);
	if (body == NULL)
		return LF_ERR_NOMEM;
	memcpy(body, lf_openapi_json, lf_openapi_json_len);
	return lf_http_body(req, 200, "application/json", body, lf_openapi_json_len);
}

static json_t *export_formats_json(void)
{
	json_t *arr = json_array();
	const char *name;
	for (size_t i = 0; arr != NULL && (name = lf_export_format_at(i)) != NULL; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "name", name, "content_type",
						     lf_export_content_type(name), "extension",
						     lf_export_extension(name)));
	return arr;
}

static json_t *currencies_json(void)
{
	json_t *exceptions = json_object();
	for (size_t i = 0; exceptions != NULL && i < lf_ledger_ncurrency_exponents; i++)
		json_object_set_new(exceptions, lf_ledger_currency_exponents[i].code,
				    json_integer(lf_ledger_currency_exponents[i].exponent));
	return json_pack("{s:i,s:o}", "default_exponent", LF_CURRENCY_EXPONENT_DEFAULT, "exponents",
			 exceptions);
}

static json_t *audit_actions_json(void)
{
	json_t *arr = json_array();
	char name[64];
	for (size_t i = 0; arr != NULL && lf_audit_action_at(i, name, sizeof(name)); i++)
		json_array_append_new(arr, json_string(name));
	return arr;
}

int lf_api_meta(lf_http_req *req)
{
	json_t *states = json_array(), *imports = json_array();
	for (int s = 0; states != NULL && s < LF_TS__COUNT; s++)
		json_array_append_new(states, json_string(lf_wf_state_name((lf_task_state)s)));
	for (int f = LF_INGEST_CSV; imports != NULL && f <= LF_INGEST_LABEL_STUDIO; f++)
		json_array_append_new(imports,
				      json_string(lf_ingest_format_name((lf_ingest_format)f)));
	json_t *body =
	    json_pack("{s:o,s:[sss],s:o,s:o,s:o,s:o,s:o}", "task_states", states, "stages", "l1",
		      "l2", "l3", "import_formats", imports, "export_formats",
		      export_formats_json(), "currencies", currencies_json(), "audit_actions",
		      audit_actions_json(), "policy_fields", lf_policy_fields_json());
	return body != NULL ? lf_http_json(req, 200, body) : LF_ERR_NOMEM;
}
