/*
 * config_cache.c - the process-wide cache of parsed label configs by
 * project; config_cache.h states when an entry is invalidated.
 *
 * One mutex guards the table; parsing happens outside it, so a slow parse
 * never holds up lookups of other projects.
 */
#include "tasks/config_cache.h"

#include <pthread.h>
#include <string.h>

/* Projects whose parsed configs are kept; beyond them, configs are parsed per use. */
#define CFG_CACHE 64

struct lf_tasks_cfg_entry {
	int64_t project_id, updated_at;
	lf_labelcfg *cfg;
	int refs;
	int stale;
};

static struct lf_tasks_cfg_entry cfg_cache[CFG_CACHE];
static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;

int lf_tasks_cfg_get(const lf_project *p, lf_labelcfg **out, struct lf_tasks_cfg_entry **entry,
		     char *err, size_t errlen)
{
	struct lf_tasks_cfg_entry *free_slot = NULL;
	*entry = NULL;
	pthread_mutex_lock(&cfg_lock);
	for (int i = 0; i < CFG_CACHE; i++) {
		struct lf_tasks_cfg_entry *e = &cfg_cache[i];
		if (e->cfg != NULL && e->project_id == p->id && !e->stale) {
			if (e->updated_at == p->updated_at) {
				e->refs++;
				*out = e->cfg;
				*entry = e;
				pthread_mutex_unlock(&cfg_lock);
				return LF_OK;
			}
			e->stale = 1;
		}
		if (e->cfg != NULL && e->stale && e->refs == 0) {
			lf_labelcfg_free(e->cfg);
			memset(e, 0, sizeof(*e));
		}
		if (e->cfg == NULL && free_slot == NULL)
			free_slot = e;
	}
	pthread_mutex_unlock(&cfg_lock);
	int ret = lf_labelcfg_parse(p->label_config, strlen(p->label_config), out, err, errlen);
	if (ret != LF_OK || free_slot == NULL)
		return ret;
	pthread_mutex_lock(&cfg_lock);
	if (free_slot->cfg == NULL) {
		*free_slot = (struct lf_tasks_cfg_entry){
		    .project_id = p->id, .updated_at = p->updated_at, .cfg = *out, .refs = 1};
		*entry = free_slot;
	}
	pthread_mutex_unlock(&cfg_lock);
	return LF_OK;
}

void lf_tasks_cfg_put(lf_labelcfg *cfg, struct lf_tasks_cfg_entry *entry)
{
	if (entry == NULL) {
		lf_labelcfg_free(cfg);
		return;
	}
	pthread_mutex_lock(&cfg_lock);
	if (--entry->refs == 0 && entry->stale) {
		lf_labelcfg_free(entry->cfg);
		memset(entry, 0, sizeof(*entry));
	}
	pthread_mutex_unlock(&cfg_lock);
}
