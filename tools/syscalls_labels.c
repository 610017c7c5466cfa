// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Labels of the syscalls tracer's keys (labels.h): libseccomp and glibc names. */
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"

size_t tt_syscall_key_labels(unsigned int by, const struct tt_syscall_key *k,
			     char bufs[4][TT_LABEL_LEN], const char *labels[4])
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)k->nr);
	size_t n = 0;

	if (name)
		snprintf(bufs[0], TT_LABEL_LEN, "%s", name);
	else
		snprintf(bufs[0], TT_LABEL_LEN, "syscall_%u", k->nr);
	free(name);
	labels[n++] = bufs[0];
	if (by >= TT_BY_COMM) {
		snprintf(bufs[1], TT_LABEL_LEN, "%.*s", TT_COMM_LEN, k->comm);
		labels[n++] = bufs[1];
	}
	if (by >= TT_BY_PROCESS) {
		snprintf(bufs[2], TT_LABEL_LEN, "%u", k->tgid);
		labels[n++] = bufs[2];
	}
	if (by >= TT_BY_THREAD) {
		snprintf(bufs[3], TT_LABEL_LEN, "%u", k->tid);
		labels[n++] = bufs[3];
	}
	return n;
}

size_t tt_syscall_other_labels(unsigned int by, unsigned int nr, char bufs[4][TT_LABEL_LEN],
			       const char *labels[4])
{
	struct tt_syscall_key k = { .nr = nr };
	size_t n = tt_syscall_key_labels(by, &k, bufs, labels), i;

	for (i = 1; i < n; i++)
		labels[i] = "_other";
	return n;
}

const char *tt_restart_name(unsigned int code)
{
	switch (code) {	/* include/linux/errno.h: not in the uapi headers */
	case 512:
		return "ERESTARTSYS";
	case 513:
		return "ERESTARTNOINTR";
	case 514:
		return "ERESTARTNOHAND";
	case 516:
		return "ERESTART_RESTARTBLOCK";
	}
	return NULL;
}

const char *tt_errno_label(unsigned int err, char buf[TT_LABEL_LEN])
{
	const char *name = strerrorname_np((int)err);

	if (name)
		return name;
	snprintf(buf, TT_LABEL_LEN, "E%u", err);
	return buf;
}
