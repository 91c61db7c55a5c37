/*
 * fuzz.h - what every libFuzzer target (tests/fuzz/fuzz_*.c) shares.
 *
 * A target is one LLVMFuzzerTestOneInput over a parser of outside input,
 * built with ASan and UBSan (make fuzz-build): a crash, a leak or
 * undefined behaviour fails it, and so does a broken invariant, checked
 * with FUZZ_CHECK, which aborts with the condition's text.
 */
#ifndef LF_FUZZ_H
#define LF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
