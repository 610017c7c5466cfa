// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the PostgreSQL (protocol v3) decoders of
 * include/tracetool/reqproto.h, with PostgreSQL message seeds
 * (tests/fuzz/seeds_pg) and keywords (tests/fuzz/pg.dict); the checks are
 * in fuzz_wire.h.  `make fuzz` builds it; docs/performance.md has the
 * figures.
 */
#include "fuzz_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_wire(data, size);
	return 0;
}
