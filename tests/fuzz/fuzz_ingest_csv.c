/*
 * fuzz_ingest_csv.c - the ingest parser of CSV and TSV (bit 1 of the first byte) uploads; see
 * ingest_common.h for the three parses that must agree.
 */
#include "ingest_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return ingest_fuzz(LF_INGEST_CSV, data, size);
}
