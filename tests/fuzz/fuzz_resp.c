// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the Redis (RESP) decoders of
 * include/tracetool/reqproto.h, with a RESP dictionary and RESP seeds
 * (tests/fuzz/resp.dict, tests/fuzz/seeds_resp); the checks are in
 * fuzz_wire.h.  `make fuzz` builds it; docs/performance.md has the figures.
 */
#include "fuzz_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_wire(data, size);
	return 0;
}
