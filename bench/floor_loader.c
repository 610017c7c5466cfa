// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Benchmark calibration only: load a BPF object, attach every program,
 * stay attached until SIGINT/SIGTERM, then detach and exit.
 * Usage: floor_loader OBJECT.bpf.o
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <bpf/libbpf.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJECT.bpf.o\n", argv[0]);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "%s: cannot load %s\n", argv[0], argv[1]);
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__attach(p)) {	/* the link lives until exit */
			fprintf(stderr, "%s: cannot attach %s\n", argv[0], bpf_program__name(p));
			bpf_object__close(obj);
			return 1;
		}
		n++;
	}
	fprintf(stderr, "%s: %d programs attached\n", argv[0], n);
	while (!stop)
		pause();
	bpf_object__close(obj);
	return 0;
}
