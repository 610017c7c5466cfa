/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel feature probes: tracefs, capabilities, and which hook and map
 * types this kernel supports (the list command and the session's preflight).
 */
#ifndef TT_PROBE_H
#define TT_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Mount tracefs at /sys/kernel/tracing if nothing is there.  0 or -errno:
 * -EACCES when one is mounted but this user cannot read it, -EPERM when
 * mounting needs CAP_SYS_ADMIN.
 */
int tt_ensure_tracefs(void);

/* What to tell the user for an error of tt_ensure_tracefs (static text). */
const char *tt_tracefs_why(int err);

/* Does this process hold the capabilities BPF tracing needs? Names the missing one. */
bool tt_has_bpf_caps(const char **missing);

struct tt_feature {
	const char *name;
	const char *what;
	bool supported;
	char detail[128];
};

/* Probe hook types and map types this kernel supports (list command). */
size_t tt_probe_features(struct tt_feature *out, size_t max);

#endif /* TT_PROBE_H */
