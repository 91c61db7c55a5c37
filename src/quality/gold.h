/*
 * gold.h - gold tasks as admins manage them: made from a task or from
 * data and a known answer, and retired. How they are served to annotators
 * and scored is in src/tasks/gold.c; the rows are in store/store_gold.h.
 *
 * A known answer must be a result the project's label config accepts for
 * the data, and have at least one control quality/score.h can score (a
 * gold task scored on nothing would pass everyone).
 */
#ifndef LF_QUALITY_GOLD_H
#define LF_QUALITY_GOLD_H

#include <jansson.h>

#include "core/lf.h"
#include "store/store.h"

/* What a gold task is made from: task_id, with answer NULL for the task's
 * accepted result; or task_id and an answer; or data and an answer. */
typedef struct lf_gold_source {
	int64_t task_id;
	const json_t *data;   /* JSON object, when task_id is 0 */
	const json_t *answer; /* Label Studio result array, or NULL */
} lf_gold_source;

/*
 * Makes n gold tasks of project_id from src[0..n), each with a
 * "gold.create" audit record, all or none (one transaction); out[i] (the
 * caller's n slots) gets each (strings in arena a). Errors in err, naming
 * the item ("items[3]: ...") when n > 1: not_found (project or task),
 * invalid_gold (what is missing or wrong), invalid_answer (the label
 * config refuses it), unscorable_answer, no_label_config.
 */
int lf_gold_create(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
		   int64_t project_id, const lf_gold_source *src, int n, lf_gold *out,
		   lf_error *err);
/* Stops serving gold task gold_id, with a "gold.retire" audit record.
 * LF_ERR_NOTFOUND "not_found" when there is no such gold task being
 * served. */
int lf_gold_retire(lf_store *s, lf_arena *a, int64_t actor_id, const char *actor_role,
		   int64_t project_id, int64_t gold_id, lf_error *err);

#endif
