/*
 * fuzz_ml_answer.c - what an ML backend answers to /predict (src/ml/), the
 * least trusted input LabelFlow reads: any server an admin connects. The
 * first byte says how many tasks were asked (0..7) and whether the task
 * already held predictions; the rest is the answer's body. Whatever it
 * holds, reading it either gives exactly one prediction per task or is
 * refused with a sentence, and merging each prediction into the task's
 * array gives a JSON array that holds it once.
 */
#include "fuzz.h"
#include "ml/ml.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *answer, *results = NULL;
	char err[256] = "";
	size_t ntasks;
	int rc;

	if (size < 1)
		return 0;
	ntasks = data[0] & 0x07;
	answer = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
	if (answer == NULL)
		return 0;
	rc = lf_ml_answer_results(answer, ntasks, &results, err, sizeof(err));
	FUZZ_CHECK(rc == LF_OK || rc == LF_ERR_INVALID);
	if (rc != LF_OK) {
		FUZZ_CHECK(err[0] != '\0');
		goto done;
	}
	FUZZ_CHECK(json_is_array(results) && json_array_size(results) == ntasks);
	for (size_t i = 0; i < ntasks; i++) {
		const json_t *res = json_object_get(json_array_get(results, i), "result");
		json_t *entry = json_pack("{s:O,s:s,s:i}", "result", res ? res : json_null(),
					  "model_version", "v1", "ml_backend_id", 3);
		const char *old = (data[0] & 0x08) ? "[{\"result\":[],\"model_version\":\"v1\","
						     "\"ml_backend_id\":3},{\"result\":[]}]"
						   : NULL;
		char *merged = entry != NULL ? lf_ml_merge(old, entry) : NULL;
		json_t *arr = merged != NULL ? json_loads(merged, 0, NULL) : NULL;
		size_t mine = 0, k;
		json_t *e;
		FUZZ_CHECK(merged == NULL || json_is_array(arr));
		json_array_foreach(arr, k, e)
		{
			if (json_integer_value(json_object_get(e, "ml_backend_id")) == 3)
				mine++;
		}
		FUZZ_CHECK(merged == NULL || mine == 1);
		json_decref(arr);
		free(merged);
		json_decref(entry);
	}
done:
	json_decref(answer);
	return 0;
}
