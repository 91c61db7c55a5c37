/*
 * config_cache.c - the process-wide cache of project configurations by
 * project and version; config_cache.h states when an entry is replaced.
 *
 * One mutex guards the table and the reference counts; reading a project
 * row and parsing happen outside it, so a slow miss never holds up the
 * lookups of other projects. The table holds one reference to each of
 * its entries, each user one more (released with the user's arena).
 */
#include "tasks/config_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Projects whose configurations are kept; beyond them, the least recently
 * used idle one makes room (or, when every one is in use, the caller's is
 * used once and freed). */
#define CONF_CACHE 64

struct entry {
	lf_tasks_conf conf; /* first: a conf pointer is its entry's pointer */
	uint64_t store;
	int64_t project_id, version;
	lf_labelcfg *labels; /* parsed at first use */
	int refs;
	uint64_t used; /* the tick of its last lookup */
	char *text;    /* the project's strings, one block */
};

static struct entry *conf_table[CONF_CACHE];
static uint64_t conf_tick;
static pthread_mutex_t conf_lock = PTHREAD_MUTEX_INITIALIZER;

static struct entry *entry_make(uint64_t store, const lf_project *p);
static void entry_free(struct entry *e);
static void conf_release(void *p);
static struct entry *table_put(struct entry *e);

/* Copies the project's strings into one block and parses what every
 * transition would otherwise parse again. */
static struct entry *entry_make(uint64_t store, const lf_project *p)
{
	const char *const *src[] = {&p->name,	      &p->description, &p->instructions,
				    &p->label_config, &p->currency,    &p->policies,
				    &p->rates,	      &p->task_types,  &p->status};
	struct entry *e = calloc(1, sizeof(*e));
	size_t len = 0, at = 0;
	if (e == NULL)
		return NULL;
	for (size_t i = 0; i < LF_ARRAY_LEN(src); i++)
		len += *src[i] != NULL ? strlen(*src[i]) + 1 : 0;
	if ((e->text = malloc(len + 1)) == NULL) {
		free(e);
		return NULL;
	}
	e->conf.project = *p;
	const char **dst[] = {&e->conf.project.name,	     &e->conf.project.description,
			      &e->conf.project.instructions, &e->conf.project.label_config,
			      &e->conf.project.currency,     &e->conf.project.policies,
			      &e->conf.project.rates,	     &e->conf.project.task_types,
			      &e->conf.project.status};
	for (size_t i = 0; i < LF_ARRAY_LEN(src); i++) {
		if (*src[i] == NULL)
			continue;
		size_t n = strlen(*src[i]) + 1;
		memcpy(e->text + at, *src[i], n);
		*dst[i] = e->text + at;
		at += n;
	}
	e->store = store;
	e->project_id = p->id;
	e->version = p->updated_at;
	lf_rates_from_text(p->rates, &e->conf.rates);
	e->conf.policy_ok = lf_policy_effective(p->policies, NULL, NULL, &e->conf.policy) == LF_OK;
	if (p->task_types != NULL)
		e->conf.task_types = json_loads(p->task_types, 0, NULL);
	return e;
}

static void entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	json_decref(e->conf.task_types);
	lf_labelcfg_free(e->labels);
	free(e->text);
	free(e);
}

static void conf_release(void *p)
{
	struct entry *e = p;
	pthread_mutex_lock(&conf_lock);
	int last = --e->refs == 0;
	pthread_mutex_unlock(&conf_lock);
	if (last)
		entry_free(e);
}

/*
 * Puts a new entry in the table (called with conf_lock held): in place of
 * the project's older version, else in a free slot, else in place of the
 * least recently used entry nobody is using. Returns the entry that lost
 * its place and its last reference (to be freed), or NULL.
 */
static struct entry *table_put(struct entry *e)
{
	int same = -1, empty = -1, idle = -1;
	for (int i = 0; i < CONF_CACHE && same < 0; i++) {
		struct entry *o = conf_table[i];
		if (o == NULL) {
			empty = empty < 0 ? i : empty;
		} else if (o->store == e->store && o->project_id == e->project_id) {
			/* Another thread read a newer version meanwhile. */
			if (o->version >= e->version)
				return NULL;
			same = i;
		} else if (o->refs == 1 && (idle < 0 || o->used < conf_table[idle]->used)) {
			idle = i;
		}
	}
	int slot = same >= 0 ? same : empty >= 0 ? empty : idle;
	if (slot < 0)
		return NULL;
	struct entry *old = conf_table[slot];
	conf_table[slot] = e;
	e->refs++;
	return old != NULL && --old->refs == 0 ? old : NULL;
}

int lf_tasks_conf_get(lf_tx *tx, int64_t project_id, int64_t version, const lf_tasks_conf **out)
{
	uint64_t store = lf_store_serial(tx);
	struct entry *e = NULL, *gone = NULL;
	lf_arena *a = lf_store_arena(tx);
	if (a == NULL)
		return LF_ERR_NOMEM;
	pthread_mutex_lock(&conf_lock);
	for (int i = 0; i < CONF_CACHE && e == NULL; i++) {
		struct entry *o = conf_table[i];
		if (o != NULL && o->store == store && o->project_id == project_id &&
		    o->version == version) {
			e = o;
			e->refs++;
			e->used = ++conf_tick;
		}
	}
	pthread_mutex_unlock(&conf_lock);
	if (e == NULL) {
		lf_project p;
		int ret = lf_store_project_get(tx, project_id, &p);
		if (ret != LF_OK)
			return ret;
		if ((e = entry_make(store, &p)) == NULL)
			return LF_ERR_NOMEM;
		e->refs = 1;
		pthread_mutex_lock(&conf_lock);
		e->used = ++conf_tick;
		gone = table_put(e);
		pthread_mutex_unlock(&conf_lock);
		entry_free(gone);
	}
	if (lf_arena_defer(a, conf_release, e) != LF_OK)
		return LF_ERR_NOMEM;
	*out = &e->conf;
	return LF_OK;
}

int lf_tasks_conf_policy(const lf_tasks_conf *c, const char *task_type, lf_policy *out)
{
	char err[160];
	if (!c->policy_ok)
		return LF_ERR_INVALID;
	*out = c->policy;
	if (task_type == NULL || c->task_types == NULL)
		return LF_OK;
	return lf_policy_apply(out, json_object_get(c->task_types, task_type), err, sizeof(err));
}

int lf_tasks_conf_labels(const lf_tasks_conf *c, const lf_labelcfg **out, char *err, size_t errlen)
{
	struct entry *e = (struct entry *)c;
	lf_labelcfg *cfg;
	pthread_mutex_lock(&conf_lock);
	*out = e->labels;
	pthread_mutex_unlock(&conf_lock);
	if (*out != NULL)
		return LF_OK;
	int ret = lf_labelcfg_parse(c->project.label_config, strlen(c->project.label_config), &cfg,
				    err, errlen);
	if (ret != LF_OK)
		return ret;
	pthread_mutex_lock(&conf_lock);
	if (e->labels == NULL) {
		e->labels = cfg;
		cfg = NULL;
	}
	*out = e->labels;
	pthread_mutex_unlock(&conf_lock);
	lf_labelcfg_free(cfg);
	return LF_OK;
}
