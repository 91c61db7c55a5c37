/*
 * config_cache.h - what transitions need of their project (policies,
 * rates, currency, task types, the parsed label config), kept by every
 * process per project and version, so that a transition reads of its
 * project only the version, in the statement that locks its task
 * (lf_store_task_lock_ctx, lf_store_task_claim), on both stores.
 *
 * Private to src/tasks/. Apart from tasks.c because it is process-wide
 * state with a lock of its own, where tasks.c otherwise only works inside
 * one transaction.
 *
 * Invalidation: a project's version is its updated_at, which every change
 * of the project moves forward (lf_store_project_update makes it strictly
 * larger, whatever the clocks of the servers writing it). An entry is
 * keyed by (store, project id, updated_at) and serves only a lookup with
 * that same version, so a change made by any server is seen by every
 * other at its next transition of the project; the first lookup with
 * another version reads the project row in the caller's transaction and
 * replaces the entry. A replaced entry is freed once its last user is
 * done, so a configuration in use is never freed under its reader.
 */
#ifndef LF_TASKS_CONFIG_CACHE_H
#define LF_TASKS_CONFIG_CACHE_H

#include <jansson.h>

#include "labelcfg/labelcfg.h"
#include "projects/policy.h"
#include "store/store.h"

/* A project's configuration as of one version. Shared and read-only. */
typedef struct lf_tasks_conf {
	lf_project project; /* the row, strings owned by the cache */
	lf_rates rates;
	lf_policy policy;   /* in force for tasks without a type */
	int policy_ok;	    /* 0: the stored policies do not apply */
	json_t *task_types; /* the parsed task_types object, NULL when empty */
} lf_tasks_conf;

/*
 * The configuration of project_id at version (its updated_at as read with
 * the task), from the cache or read in tx. *out stays valid until the
 * arena of tx is reset (the reference is released with it).
 */
int lf_tasks_conf_get(lf_tx *tx, int64_t project_id, int64_t version, const lf_tasks_conf **out);
/* The policy in force for a task of task_type (NULL: none). LF_ERR_INVALID
 * when the stored policies or the type's overrides do not apply. */
int lf_tasks_conf_policy(const lf_tasks_conf *c, const char *task_type, lf_policy *out);
/*
 * The parsed label config (the project's label_config is not empty),
 * parsed at the first call for the version and shared after that: *out is
 * read-only and lives as long as c. Returns LF_OK, or lf_labelcfg_parse's
 * error with its sentence in err.
 */
int lf_tasks_conf_labels(const lf_tasks_conf *c, const lf_labelcfg **out, char *err, size_t errlen);

#endif
