// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Labels of the syscalls tracer's keys (labels.h): libseccomp and glibc names. */
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"

/* libseccomp's architecture of each ABI (TT_SYSCALL_ABI_*) and its label. */
#if defined(__x86_64__)
static const struct {
	uint32_t arch;
	const char *name;
} abis[2] = { { SCMP_ARCH_X86_64, "x86_64" }, { SCMP_ARCH_X86, "i386" } };
#else
/* BPF tells the compat ABI apart on x86 only: elsewhere every call is native */
static const struct {
	uint32_t arch;
	const char *name;
} abis[2] = { { SCMP_ARCH_NATIVE, "native" }, { SCMP_ARCH_NATIVE, "native" } };
#endif

const char *tt_syscall_abi_name(unsigned int abi)
{
	return abis[abi & 1].name;
}

void tt_syscall_name(unsigned int id, char buf[TT_LABEL_LEN])
{
	unsigned int nr = tt_syscall_id_nr(id);
	char *name = seccomp_syscall_resolve_num_arch(abis[tt_syscall_id_abi(id)].arch, (int)nr);

	if (name)
		snprintf(buf, TT_LABEL_LEN, "%s", name);
	else
		snprintf(buf, TT_LABEL_LEN, "syscall_%u", nr);
	free(name);
}

size_t tt_syscall_ids(const char *name, unsigned int ids[2])
{
	size_t n = 0;
	unsigned int abi;

	for (abi = 0; abi < 2; abi++) {
		int nr = seccomp_syscall_resolve_name_arch(abis[abi].arch, name);

		/* libseccomp's negative pseudo-numbers name calls this ABI lacks */
		if (nr >= 0 && nr < TT_SYSCALL_NR_LIMIT && (!n || abis[abi].arch != abis[0].arch))
			ids[n++] = tt_syscall_id(abi, (unsigned int)nr);
	}
	return n;
}

size_t tt_syscall_key_labels(unsigned int by, const struct tt_syscall_key *k,
			     char bufs[TT_SYSCALL_NLABELS][TT_LABEL_LEN],
			     const char *labels[TT_SYSCALL_NLABELS])
{
	size_t n = 0;

	tt_syscall_name(k->nr, bufs[0]);
	labels[n++] = bufs[0];
	labels[n++] = tt_syscall_abi_name(tt_syscall_id_abi(k->nr));
	if (by >= TT_BY_COMM) {
		snprintf(bufs[2], TT_LABEL_LEN, "%.*s", TT_COMM_LEN, k->comm);
		labels[n++] = bufs[2];
	}
	if (by >= TT_BY_PROCESS) {
		snprintf(bufs[3], TT_LABEL_LEN, "%u", k->tgid);
		labels[n++] = bufs[3];
	}
	if (by >= TT_BY_THREAD) {
		snprintf(bufs[4], TT_LABEL_LEN, "%u", k->tid);
		labels[n++] = bufs[4];
	}
	return n;
}

size_t tt_syscall_other_labels(unsigned int by, unsigned int id,
			       char bufs[TT_SYSCALL_NLABELS][TT_LABEL_LEN],
			       const char *labels[TT_SYSCALL_NLABELS])
{
	struct tt_syscall_key k = { .nr = id };
	size_t n = tt_syscall_key_labels(by, &k, bufs, labels), i;

	for (i = 2; i < n; i++)
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
