/*
 * fuzz_labelcfg_parse.c - label config XML (src/labelcfg/parse.c): any
 * bytes either parse into a model that keeps parse.c's promises (every
 * name found again by its lookup, every toName an object, no label
 * control without labels, describe renders) or are refused with a
 * sentence and no model.
 */
#include "fuzz.h"
#include "labelcfg/labelcfg.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lf_labelcfg *cfg = (lf_labelcfg *)1;
	char err[256];
	size_t i, j, n;
	json_t *d;
	int rc;

	memset(err, 'x', sizeof(err));
	rc = lf_labelcfg_parse((const char *)data, size, &cfg, err, sizeof(err));
	if (rc != LF_OK) {
		FUZZ_CHECK(cfg == NULL);
		FUZZ_CHECK(rc == LF_ERR_INVALID || rc == LF_ERR_LIMIT || rc == LF_ERR_NOMEM);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(rc != LF_ERR_INVALID || err[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(cfg != NULL);
	n = lf_labelcfg_control_count(cfg);
	for (i = 0; i < n; i++) {
		const lf_labelcfg_control *c = lf_labelcfg_control_at(cfg, i);
		FUZZ_CHECK(c != NULL && c->name != NULL && c->type != NULL);
		FUZZ_CHECK(lf_labelcfg_find_control(cfg, c->name) == c);
		FUZZ_CHECK(c->to_name_count > 0);
		for (j = 0; j < c->to_name_count; j++)
			FUZZ_CHECK(lf_labelcfg_find_object(cfg, c->to_names[j]) != NULL);
		for (j = 0; j < c->label_count; j++) {
			FUZZ_CHECK(c->labels[j].value != NULL);
			FUZZ_CHECK(c->labels[j].parent < (int)j);
		}
	}
	FUZZ_CHECK(lf_labelcfg_control_at(cfg, n) == NULL);
	n = lf_labelcfg_object_count(cfg);
	for (i = 0; i < n; i++) {
		const lf_labelcfg_object *o = lf_labelcfg_object_at(cfg, i);
		FUZZ_CHECK(o != NULL && o->name != NULL);
		FUZZ_CHECK(lf_labelcfg_find_object(cfg, o->name) == o);
	}
	FUZZ_CHECK(lf_labelcfg_object_at(cfg, n) == NULL);
	lf_labelcfg_relation_labels(cfg, &n);
	d = lf_labelcfg_describe(cfg);
	FUZZ_CHECK(d != NULL);
	FUZZ_CHECK(json_array_size(json_object_get(d, "controls")) ==
		   lf_labelcfg_control_count(cfg));
	json_decref(d);
	lf_labelcfg_free(cfg);
	return 0;
}
