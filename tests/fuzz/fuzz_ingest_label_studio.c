/*
 * fuzz_ingest_label_studio.c - the ingest parser of Label Studio JSON tasks uploads; see
 * ingest_common.h for the three parses that must agree.
 */
#include "ingest_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return ingest_fuzz(LF_INGEST_LABEL_STUDIO, data, size);
}
