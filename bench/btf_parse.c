// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Calibration for bench/start.sh: how long libbpf takes to parse the kernel
 * BTF (/sys/kernel/btf/vmlinux), which it does once per BPF object at load,
 * and the resident peak that leaves.  Not part of tracetool.
 * Prints "btf_parse_ms MS types N hwm_kb KB".
 */
#include <stdio.h>
#include <time.h>

#include <bpf/btf.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void)
{
	char line[128];
	long hwm = -1;
	double t0 = now_ms(), t1;
	struct btf *b = btf__load_vmlinux_btf();
	FILE *f;

	t1 = now_ms();
	if (!b) {
		fprintf(stderr, "btf__load_vmlinux_btf failed\n");
		return 1;
	}
	f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "VmHWM: %ld", &hwm);
	if (f)
		fclose(f);
	printf("btf_parse_ms %.1f types %u hwm_kb %ld\n", t1 - t0, btf__type_cnt(b), hwm);
	btf__free(b);
	return 0;
}
