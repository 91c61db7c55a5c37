/*
 * fuzz_labelcfg_validate.c - annotation results checked against a label
 * config (src/labelcfg/validate.c). The configs are the unit tests' (one
 * per kind of media and control); the first byte picks one and whether the
 * task has data, the rest is the result JSON an annotator would submit.
 * Whatever it holds, validation answers LF_OK or LF_ERR_INVALID with a
 * sentence naming the region ("result[i]..."), and a result it accepts is
 * accepted again with the task's data removed (data only narrows spans).
 */
#include "fuzz.h"
#include "labelcfg/labelcfg.h"

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
	json_t *result;
	char err[256];
	int rc;

	if (size < 1)
		return 0;
	cfg = parsed[(data[0] & 0x7f) % LF_ARRAY_LEN(configs)];
	result = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
	if (result == NULL)
		return 0;
	memset(err, 'x', sizeof(err));
	rc = lf_labelcfg_validate_result(cfg, result, (data[0] & 0x80) ? task_data : NULL, err,
					 sizeof(err));
	FUZZ_CHECK(rc == LF_OK || rc == LF_ERR_INVALID);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc == LF_ERR_INVALID)
		FUZZ_CHECK(err[0] != '\0');
	if (rc == LF_OK && (data[0] & 0x80))
		FUZZ_CHECK(lf_labelcfg_validate_result(cfg, result, NULL, err, sizeof(err)) ==
			   LF_OK);
	json_decref(result);
	return 0;
}
