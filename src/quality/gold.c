/*
 * gold.c - making and retiring gold tasks (see gold.h).
 */
#include "quality/gold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "labelcfg/labelcfg.h"
#include "quality/score.h"

/* One gold change in progress. */
struct gold_op {
	int64_t actor_id;
	const char *actor_role;
	int64_t project_id;
	const lf_gold_source *src; /* create: n of them, into out[n] */
	int n;
	int64_t gold_id; /* retire */
	lf_gold *out;
	lf_error *err;
};

static int create_one(struct gold_op *op, lf_tx *tx, const lf_project *p, const lf_gold_source *src,
		      lf_gold *g);
static int create_tx(lf_tx *tx, void *ud);
static int retire_tx(lf_tx *tx, void *ud);
static int check_answer(struct gold_op *op, const char *label_config, const json_t *data,
			const json_t *answer);
static int audit(struct gold_op *op, lf_tx *tx, const char *action, int64_t gold_id,
		 json_t *details);

/* The answer must be one the project accepts for the data, and give the
 * scorer something to score: its score against itself says which
 * controls it can. */
static int check_answer(struct gold_op *op, const char *label_config, const json_t *data,
			const json_t *answer)
{
	lf_labelcfg *cfg = NULL;
	lf_score sc = {0};
	lf_error why = {0};
	char err[256];
	int ret;
	if (label_config == NULL || label_config[0] == '\0')
		return lf_error_set(op->err, LF_ERR_INVALID, "no_label_config",
				    "The project has no label config: a known answer cannot be"
				    " checked or scored without one.");
	if (lf_labelcfg_parse(label_config, strlen(label_config), &cfg, err, sizeof(err)) != LF_OK)
		return lf_error_set(op->err, LF_ERR_INTERNAL, "bad_label_config",
				    "The project's label config no longer parses: %s", err);
	if (lf_labelcfg_validate_result(cfg, answer, data, err, sizeof(err)) != LF_OK) {
		ret = lf_error_set(op->err, LF_ERR_INVALID, "invalid_answer", "%s", err);
		goto cleanup;
	}
	if ((ret = lf_score_result(cfg, answer, answer, NULL, &sc, &why)) != LF_OK) {
		ret = lf_error_set(op->err, LF_ERR_INVALID, "unscorable_answer", "%s", why.message);
		goto cleanup;
	}
	if (sc.scored == 0)
		ret = lf_error_set(op->err, LF_ERR_INVALID, "unscorable_answer",
				   "The answer has no region of a control that can be scored"
				   " (brushes, video tracks, HyperText and Paragraphs spans"
				   " cannot).");
cleanup:
	lf_score_free(&sc);
	lf_labelcfg_free(cfg);
	return ret;
}

static int audit(struct gold_op *op, lf_tx *tx, const char *action, int64_t gold_id,
		 json_t *details)
{
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)gold_id);
	lf_audit_event ev = {.actor_id = op->actor_id,
			     .actor_role = op->actor_role,
			     .action = action,
			     .entity_type = "gold",
			     .entity_id = id,
			     .project_id = op->project_id,
			     .details = details};
	int ret = details != NULL ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(details);
	return ret;
}

/* Makes one gold task of src into g, in tx, for project p. */
static int create_one(struct gold_op *op, lf_tx *tx, const lf_project *p, const lf_gold_source *src,
		      lf_gold *g)
{
	lf_task t;
	json_t *data = NULL, *answer = NULL;
	char *answer_text = NULL;
	int ret;
	memset(g, 0, sizeof(*g));
	if (src->task_id != 0) {
		ret = lf_store_task_get(tx, src->task_id, &t);
		if (ret == LF_OK && (t.project_id != op->project_id || t.gold_id != 0))
			ret = LF_ERR_NOTFOUND;
		if (ret != LF_OK)
			return ret == LF_ERR_NOTFOUND
				   ? lf_error_set(op->err, ret, "not_found",
						  "The project has no task %lld.",
						  (long long)src->task_id)
				   : ret;
		g->task_type = t.task_type;
		g->predictions = t.predictions;
		g->source_task_id = t.id;
		if ((data = json_loads(t.data, 0, NULL)) == NULL)
			return lf_error_set(op->err, LF_ERR_INTERNAL, "internal",
					    "The task's stored data cannot be read.");
	} else {
		data = json_incref((json_t *)src->data);
	}
	if (src->answer != NULL) {
		answer = json_incref((json_t *)src->answer);
	} else {
		lf_annotation *an = NULL;
		int n = 0;
		if (strcmp(t.state, "accepted") != 0) {
			ret = lf_error_set(op->err, LF_ERR_INVALID, "invalid_gold",
					   "Task %lld is %s, not accepted: give its known answer"
					   " in \"answer\".",
					   (long long)t.id, t.state);
			goto cleanup;
		}
		if ((ret = lf_store_annotation_list(tx, t.id, &an, &n)) != LF_OK)
			goto cleanup;
		if (n == 0 || (answer = json_loads(an[n - 1].result, 0, NULL)) == NULL) {
			ret = lf_error_set(op->err, LF_ERR_INVALID, "invalid_gold",
					   "Task %lld has no result to take as the answer.",
					   (long long)t.id);
			goto cleanup;
		}
	}
	if ((ret = check_answer(op, p->label_config, data, answer)) != LF_OK)
		goto cleanup;
	char *data_text = json_dumps(data, JSON_COMPACT);
	answer_text = json_dumps(answer, JSON_COMPACT);
	g->data = data_text ? lf_arena_strdup(lf_store_arena(tx), data_text) : NULL;
	g->answer = answer_text ? lf_arena_strdup(lf_store_arena(tx), answer_text) : NULL;
	free(data_text);
	if (g->data == NULL || g->answer == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	g->project_id = op->project_id;
	g->created_by = op->actor_id;
	g->created_at = lf_now_ms();
	if ((ret = lf_store_gold_insert(tx, g, &g->id)) != LF_OK)
		goto cleanup;
	ret = audit(op, tx, "gold.create", g->id,
		    json_pack("{s:I,s:s}", "source_task_id", (json_int_t)g->source_task_id,
			      "answer", g->answer));
cleanup:
	free(answer_text);
	json_decref(data);
	json_decref(answer);
	return ret;
}

/* All or nothing: the first item refused rolls the others back, and the
 * error names it. */
static int create_tx(lf_tx *tx, void *ud)
{
	struct gold_op *op = ud;
	lf_project p;
	int ret;
	if ((ret = lf_store_project_get(tx, op->project_id, &p)) != LF_OK)
		return ret == LF_ERR_NOTFOUND
			   ? lf_error_set(op->err, ret, "not_found", "No such project.")
			   : ret;
	for (int i = 0; i < op->n; i++) {
		if ((ret = create_one(op, tx, &p, &op->src[i], &op->out[i])) == LF_OK)
			continue;
		if (op->n > 1 && op->err->message[0] != '\0') {
			char msg[sizeof(op->err->message) + 32];
			snprintf(msg, sizeof(msg), "items[%d]: %s", i, op->err->message);
			msg[sizeof(op->err->message) - 1] = '\0';
			memcpy(op->err->message, msg, sizeof(op->err->message));
		}
		return ret;
	}
	return LF_OK;
}

int lf_gold_create(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
		   int64_t project_id, const lf_gold_source *src, int n, lf_gold *out,
		   lf_error *err)
{
	struct gold_op op = {.actor_id = actor_id,
			     .actor_role = actor_role,
			     .project_id = project_id,
			     .src = src,
			     .n = n,
			     .out = out,
			     .err = err};
	for (int i = 0; i < n; i++) {
		const char *at = n > 1 ? lf_arena_printf(a, "items[%d]: ", i) : "";
		if (src[i].task_id == 0 && (!json_is_object(src[i].data) || src[i].answer == NULL))
			return lf_error_set(err, LF_ERR_INVALID, "invalid_gold",
					    "%sGive task_id (and optionally answer), or data (an"
					    " object) and answer.",
					    at);
		if (src[i].answer != NULL && !json_is_array(src[i].answer))
			return lf_error_set(err, LF_ERR_INVALID, "invalid_answer",
					    "%sanswer must be an array of Label Studio regions.",
					    at);
	}
	return lf_store_write(s, a, create_tx, &op);
}

static int retire_tx(lf_tx *tx, void *ud)
{
	struct gold_op *op = ud;
	int ret = lf_store_gold_retire(tx, op->project_id, op->gold_id, lf_now_ms());
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(op->err, ret, "not_found",
				    "The project serves no such gold task.");
	if (ret != LF_OK)
		return ret;
	return audit(op, tx, "gold.retire", op->gold_id, json_object());
}

int lf_gold_retire(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
		   int64_t project_id, int64_t gold_id, lf_error *err)
{
	struct gold_op op = {.actor_id = actor_id,
			     .actor_role = actor_role,
			     .project_id = project_id,
			     .gold_id = gold_id,
			     .err = err};
	return lf_store_write(s, a, retire_tx, &op);
}
