/*
 * projects.c - creating projects and changing their settings.
 */
#include "projects/projects_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "labelcfg/labelcfg.h"
#include "projects/policy.h"

/* One creation: inputs, then what the transaction produced. */
struct create_op {
	int64_t actor_id;
	const char *actor_role;
	lf_project p;
	int64_t id;
};

/* One change of settings. */
struct update_op {
	int64_t actor_id;
	const char *actor_role;
	int64_t id;
	const lf_project_fields *f;
	lf_arena *a;
	int64_t now;
	lf_error *err;
	lf_project after;
};

static int check_fields(const lf_project_fields *f, int creating, lf_error *err);
static int merge_fields(lf_project *p, const lf_project_fields *f, lf_arena *a, lf_error *err);
static const char *text_of(lf_arena *a, const json_t *j);
static int currency_valid(const char *c);
static int policy_error(lf_error *err, char *why);
static int create_tx(lf_tx *tx, void *ud);
static int update_tx(lf_tx *tx, void *ud);

void lf_projects_clear(lf_error *err)
{
	if (err != NULL)
		err->reason[0] = '\0';
}

int lf_projects_audit(lf_tx *tx, int64_t actor_id, const char *actor_role, const char *action,
		      int64_t project_id, json_t *details)
{
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)project_id);
	lf_audit_event ev = {.actor_id = actor_id,
			     .actor_role = actor_role,
			     .action = action,
			     .entity_type = "project",
			     .entity_id = id,
			     .project_id = project_id,
			     .details = details};
	int ret = details != NULL ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(details);
	return ret;
}

/* Compact JSON text of j in arena a; NULL when out of memory. */
static const char *text_of(lf_arena *a, const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	const char *out = text != NULL ? lf_arena_strdup(a, text) : NULL;
	free(text);
	return out;
}

static int currency_valid(const char *c)
{
	return strlen(c) == 3 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]) &&
	       isupper((unsigned char)c[2]);
}

/*
 * Every rule on the given values, in the order clients have always been
 * told about them, before any transaction starts: parsing a label config
 * of up to 1 MiB must not hold the database's writer. None of them depends
 * on the stored project (policies and rates are checked over the
 * defaults: a value is valid or not whatever it overrides).
 */
/* Every policy problem (why: one per line, from lf_policy_apply) in one
 * answer: the message lists them all and error.details has one each, so a
 * form can mark every wrong field instead of the first. */
static int policy_error(lf_error *err, char *why)
{
	char *save = NULL;
	int n = 1;
	size_t len;
	for (const char *c = why; *c != '\0'; c++)
		n += *c == '\n';
	if (n > 1)
		lf_error_set(err, LF_ERR_INVALID, "invalid_policy", "%d policy problems: ", n);
	else
		lf_error_set(err, LF_ERR_INVALID, "invalid_policy", "%s", "");
	len = strlen(err->message);
	for (const char *c = why; *c != '\0' && len + 3 < sizeof(err->message); c++) {
		if (*c == '\n') {
			err->message[len++] = ';';
			err->message[len++] = ' ';
		} else {
			err->message[len++] = *c;
		}
	}
	err->message[len++] = '.';
	err->message[len] = '\0';
	for (char *line = strtok_r(why, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		lf_error_add_detail(err, line);
	return LF_ERR_INVALID;
}

static int check_fields(const lf_project_fields *f, int creating, lf_error *err)
{
	char why[1024];
	if (creating && f->name == NULL)
		return lf_error_set(err, LF_ERR_INVALID, "missing_field",
				    "The field \"name\" is required.");
	if (creating && f->label_config == NULL)
		return lf_error_set(err, LF_ERR_INVALID, "missing_field",
				    "The field \"label_config\" is required.");
	if (f->name != NULL && f->name[0] == '\0')
		return lf_error_set(err, LF_ERR_INVALID, "invalid_project",
				    "name must not be empty.");
	if (f->label_config != NULL) {
		lf_labelcfg *cfg = NULL;
		if (lf_labelcfg_parse(f->label_config, strlen(f->label_config), &cfg, why,
				      sizeof(why)) != LF_OK)
			return lf_error_set(err, LF_ERR_INVALID, "invalid_label_config", "%s", why);
		lf_labelcfg_free(cfg);
	}
	if (f->currency != NULL && !currency_valid(f->currency))
		return lf_error_set(err, LF_ERR_INVALID, "invalid_project",
				    "currency must be an ISO 4217 code such as USD.");
	if (f->status != NULL && strcmp(f->status, "active") != 0 &&
	    strcmp(f->status, "closed") != 0)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_project",
				    "status must be active or closed.");
	if (f->policies != NULL) {
		lf_policy pol;
		lf_policy_defaults(&pol);
		if (lf_policy_apply(&pol, f->policies, why, sizeof(why)) != LF_OK)
			return policy_error(err, why);
	}
	if (f->rates != NULL) {
		lf_rates r = {0};
		if (lf_rates_parse(f->rates, &r, why, sizeof(why)) != LF_OK)
			return lf_error_set(err, LF_ERR_INVALID, "invalid_rates", "%s.", why);
	}
	if (f->task_types != NULL &&
	    lf_policy_check_task_types(f->task_types, why, sizeof(why)) != LF_OK)
		return policy_error(err, why);
	return LF_OK;
}

/*
 * Writes the given fields over p (checked by check_fields already, so
 * only memory can fail). Policies and rates are merged over p's and stored
 * whole, so a later change of defaults does not silently alter a running
 * project.
 */
static int merge_fields(lf_project *p, const lf_project_fields *f, lf_arena *a, lf_error *err)
{
	char why[1024];
	if (f->label_config != NULL)
		p->label_config = f->label_config;
	if (f->currency != NULL)
		p->currency = f->currency;
	if (f->status != NULL)
		p->status = f->status;
	if (f->policies != NULL) {
		lf_policy pol;
		lf_policy_effective(p->policies, NULL, NULL, &pol);
		if (lf_policy_apply(&pol, f->policies, why, sizeof(why)) != LF_OK)
			return policy_error(err, why);
		json_t *j = lf_policy_json(&pol);
		p->policies = j != NULL ? text_of(a, j) : NULL;
		json_decref(j);
		if (p->policies == NULL)
			return LF_ERR_NOMEM;
	}
	if (f->rates != NULL) {
		lf_rates r;
		lf_rates_from_text(p->rates, &r);
		if (lf_rates_parse(f->rates, &r, why, sizeof(why)) != LF_OK)
			return lf_error_set(err, LF_ERR_INVALID, "invalid_rates", "%s.", why);
		json_t *j = lf_rates_json(&r);
		p->rates = j != NULL ? text_of(a, j) : NULL;
		json_decref(j);
		if (p->rates == NULL)
			return LF_ERR_NOMEM;
	}
	if (f->task_types != NULL && (p->task_types = text_of(a, f->task_types)) == NULL)
		return LF_ERR_NOMEM;
	if (f->name != NULL)
		p->name = f->name;
	if (f->description != NULL)
		p->description = f->description;
	if (f->instructions != NULL)
		p->instructions = f->instructions;
	return LF_OK;
}

static int create_tx(lf_tx *tx, void *ud)
{
	struct create_op *op = ud;
	int ret;
	op->id = 0;
	if ((ret = lf_store_project_insert(tx, &op->p, &op->id)) != LF_OK)
		return ret;
	return lf_projects_audit(
	    tx, op->actor_id, op->actor_role, "project.create", op->id,
	    json_pack("{s:s,s:s}", "name", op->p.name, "currency", op->p.currency));
}

int lf_projects_create(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
		       const lf_project_fields *f, lf_project *out, lf_error *err)
{
	struct create_op op = {.actor_id = actor_id,
			       .actor_role = actor_role,
			       .p = {.description = "",
				     .instructions = "",
				     .currency = "USD",
				     .policies = "{}",
				     .rates = "{}",
				     .task_types = "{}",
				     .status = "active"}};
	int ret;
	lf_projects_clear(err);
	if ((ret = check_fields(f, 1, err)) != LF_OK ||
	    (ret = merge_fields(&op.p, f, a, err)) != LF_OK)
		return ret;
	op.p.created_by = actor_id;
	op.p.created_at = op.p.updated_at = lf_now_ms();
	if ((ret = lf_store_write(s, a, create_tx, &op)) != LF_OK)
		return ret;
	*out = op.p;
	out->id = op.id;
	return LF_OK;
}

static int update_tx(lf_tx *tx, void *ud)
{
	struct update_op *op = ud;
	lf_project p;
	int has_money = 0, ret;
	memset(&op->after, 0, sizeof(op->after));
	lf_projects_clear(op->err);
	if ((ret = lf_store_project_get(tx, op->id, &p)) != LF_OK)
		return lf_error_default(op->err, ret, "project");
	const char *old_currency = p.currency;
	if ((ret = merge_fields(&p, op->f, op->a, op->err)) != LF_OK)
		return ret;
	p.updated_at = op->now;
	/* Money already moved in the old currency: changing it would make
	 * every balance lie. */
	if (strcmp(old_currency, p.currency) != 0) {
		if ((ret = lf_store_project_has_ledger(tx, p.id, &has_money)) != LF_OK)
			return ret;
		if (has_money)
			return lf_error_set(
			    op->err, LF_ERR_CONFLICT, "currency_locked",
			    "The project's currency cannot change once money has moved.");
	}
	if ((ret = lf_store_project_update(tx, &p)) != LF_OK)
		return ret;
	json_t *changed = op->f->sent != NULL ? json_deep_copy(op->f->sent) : json_array();
	if ((ret = lf_projects_audit(tx, op->actor_id, op->actor_role, "project.update", p.id,
				     json_pack("{s:o}", "changed", changed))) != LF_OK)
		return ret;
	op->after = p;
	return LF_OK;
}

int lf_projects_update(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
		       int64_t id, const lf_project_fields *f, lf_project *out, lf_error *err)
{
	struct update_op op = {
	    .actor_id = actor_id, .actor_role = actor_role, .id = id, .f = f, .a = a, .err = err};
	int ret;
	lf_projects_clear(err);
	if ((ret = check_fields(f, 0, err)) != LF_OK)
		return ret;
	op.now = lf_now_ms();
	if ((ret = lf_store_write(s, a, update_tx, &op)) != LF_OK)
		return ret;
	*out = op.after;
	return LF_OK;
}
