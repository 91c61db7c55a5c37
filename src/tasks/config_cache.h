/*
 * config_cache.h - parsed label configs by project, shared by every thread
 * of the process, so that a submit does not parse its project's XML again.
 *
 * Private to src/tasks/. Apart from tasks.c because it is process-wide
 * state with a lock of its own, where tasks.c otherwise only works inside
 * one transaction.
 *
 * Invalidation: an entry is keyed by (project id, updated_at) and serves
 * only a project row read with that same updated_at. The first lookup with
 * a different updated_at marks the entry stale; a stale entry is freed once
 * its last user has released it, so a config in use is never freed under
 * its reader. This relies on every change of a project's label_config
 * moving its updated_at. When all CFG_CACHE slots are taken, the config is
 * parsed for the caller alone and freed when released.
 */
#ifndef LF_TASKS_CONFIG_CACHE_H
#define LF_TASKS_CONFIG_CACHE_H

#include "labelcfg/labelcfg.h"
#include "store/store.h"

struct lf_tasks_cfg_entry;

/* The parsed label config of project p (whose label_config is not empty),
 * from the cache or parsed now. *out is shared and read-only; *entry
 * (NULL when the config is not cached) goes back with it to
 * lf_tasks_cfg_put. Returns LF_OK, or lf_labelcfg_parse's error with its
 * sentence in err. */
int lf_tasks_cfg_get(const lf_project *p, lf_labelcfg **out, struct lf_tasks_cfg_entry **entry,
		     char *err, size_t errlen);
/* Releases what lf_tasks_cfg_get returned (an uncached config is freed). */
void lf_tasks_cfg_put(lf_labelcfg *cfg, struct lf_tasks_cfg_entry *entry);

#endif
