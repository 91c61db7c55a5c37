/*
 * fuzz_consensus.c - several annotators' results merged (src/quality/
 * consensus.c). The configs are the unit tests' (one per kind of media and
 * control); the first byte picks one, whether the task has data and
 * whether the quorum is unanimity; the rest is a JSON array of 2 to 6
 * results, each of which must pass validation as a submitted result would.
 * Whatever they hold, the merge succeeds (or meets its size limit), its
 * report has a line per control with an agreement in 0..1 or null, and the
 * merged result passes the same validation: a reviewer can submit it.
 */
#include "fuzz.h"
#include "labelcfg/labelcfg.h"
#include "quality/consensus.h"

#include <string.h>

#include "labelcfg_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	labelcfg_fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const lf_labelcfg *cfg;
	const json_t *results[6];
	json_t *all, *d;
	lf_consensus_opts o;
	lf_consensus c;
	char err[256];
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	cfg = parsed[(data[0] & 0x3f) % LF_ARRAY_LEN(configs)];
	d = (data[0] & 0x80) ? task_data : NULL;
	all = json_loadb((const char *)data + 1, size - 1, 0, NULL);
	n = json_array_size(all);
	if (n < 2 || n > LF_ARRAY_LEN(results))
		goto done;
	for (size_t i = 0; i < n; i++) {
		results[i] = json_array_get(all, i);
		if (lf_labelcfg_validate_result(cfg, results[i], d, err, sizeof(err)) != LF_OK)
			goto done;
	}
	lf_consensus_opts_init(&o);
	if (data[0] & 0x40)
		o.quorum = n;
	rc = lf_consensus_merge(cfg, results, n, &o, &c, NULL);
	FUZZ_CHECK(rc == LF_OK || rc == LF_ERR_LIMIT);
	if (rc != LF_OK)
		goto done;
	FUZZ_CHECK(c.annotators == n && c.quorum == (o.quorum ? n : n / 2 + 1));
	for (size_t i = 0; i < json_array_size(c.controls); i++) {
		const json_t *ctl = json_array_get(c.controls, i);
		const json_t *a = json_object_get(ctl, "agreement");
		FUZZ_CHECK(lf_labelcfg_find_control(
			       cfg, json_string_value(json_object_get(ctl, "name"))) != NULL);
		FUZZ_CHECK(json_is_null(a) ||
			   (json_is_real(a) && json_real_value(a) >= 0 && json_real_value(a) <= 1));
		FUZZ_CHECK(json_is_array(json_object_get(ctl, "disagreements")));
	}
	if (lf_labelcfg_validate_result(cfg, c.result, d, err, sizeof(err)) != LF_OK) {
		fprintf(stderr, "merged result refused: %s\n", err);
		abort();
	}
	lf_consensus_free(&c);
done:
	json_decref(all);
	return 0;
}
