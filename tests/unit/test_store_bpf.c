// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The series storage readers of user/cells.c against real kernel maps (the
 * syscalls object, loaded but never attached), for the races no in-memory
 * fake shows:
 * - cells turning non-zero in the dense rows while a reading runs: the
 *   interval differences must still add up to the cumulative total (a
 *   reading that missed a cell made the next difference count it whole);
 * - series ids whose keys reach the map out of order (BPF takes an id
 *   before it inserts the key): each id is learned with its own key;
 * - serve's fold of the readings onto the exported buckets.
 * Needs root (BPF); skips otherwise.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/libbpf.h>

#include "cells.h"
#include "prom.h"
#include "tracetool/syscalls.h"
#include "syscalls.skel.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static struct syscalls_bpf *load_or_skip(void)
{
	struct syscalls_bpf *sk;

	if (geteuid() != 0)
		skip();	/* loading BPF needs root */
	libbpf_set_print(quiet);
	sk = syscalls_bpf__open();
	assert_non_null(sk);
	assert_int_equal(bpf_map__set_max_entries(sk->maps.series, 64), 0);
	if (syscalls_bpf__load(sk)) {
		syscalls_bpf__destroy(sk);
		skip();	/* no BPF here (a container without CAP_BPF) */
	}
	return sk;
}

static const size_t ndense = (size_t)TT_SYSCALL_DENSE_NR * TT_HIST_NSLOTS;
static volatile __u64 *dense;
static volatile int stop;

/* What BPF does: cells of the rows turn non-zero, from the top down. */
static void *writer(void *arg)
{
	size_t i = ndense;

	(void)arg;
	while (!stop && i > ndense / 4) {
		dense[--i] = 1000;
		for (volatile int k = 0; k < 300; k++)
			;
	}
	return NULL;
}

static __u64 cells_sum(const struct tt_snap *d)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < d->cells.n; i++)
		n += d->cells.v[i].count;
	return n;
}

static void test_dense_read_while_cells_appear(void **state)
{
	struct syscalls_bpf *sk = load_or_skip();
	struct tt_store st = { .cells = sk->maps.cells, .counts = sk->maps.errs,
			       .dense = sk->maps.dense };
	size_t len = (ndense * sizeof(__u64) + 4095) / 4096 * 4096, i;
	__u64 reported = 0, truth = 0;
	struct tt_snap d;
	pthread_t th;
	int r;

	(void)state;
	dense = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(sk->maps.dense), 0);
	assert_true(dense != MAP_FAILED);
	for (i = 0; i < 100; i++)
		dense[i * 97] = 1000;
	assert_int_equal(tt_store_delta(&st, &d), 0);
	reported += cells_sum(&d);
	tt_snap_release(&d);
	stop = 0;
	assert_int_equal(pthread_create(&th, NULL, writer, NULL), 0);
	for (r = 0; r < 20; r++) {
		assert_int_equal(tt_store_delta(&st, &d), 0);
		reported += cells_sum(&d);
		tt_snap_release(&d);
	}
	stop = 1;
	pthread_join(th, NULL);
	assert_int_equal(tt_store_delta(&st, &d), 0);
	reported += cells_sum(&d);
	tt_snap_release(&d);
	for (i = 0; i < ndense; i++)
		truth += dense[i];
	assert_int_equal(reported, truth);	/* the intervals add up to the total */
	tt_store_release(&st);
	munmap((void *)dense, len);
	syscalls_bpf__destroy(sk);
}

/*
 * serve's fold (tt_store.fold): every model cell a row ever hit is read
 * into the cell of its exported bucket, so a reading, and the previous one
 * the store keeps, have at most n + 1 cells a row however many model
 * buckets the row reached (before: one per model bucket, 2,049 a row), and
 * each interval's counts per exported bucket are exact.
 */
static void test_dense_fold(void **state)
{
	struct syscalls_bpf *sk = load_or_skip();
	__u16 *fold = calloc(TT_HIST_NSLOTS, sizeof(*fold));
	struct tt_store st = { .cells = sk->maps.cells, .counts = sk->maps.errs,
			       .dense = sk->maps.dense, .fold = fold };
	size_t len = (ndense * sizeof(__u64) + 4095) / 4096 * 4096, i, n, k, round;
	const double *d = tt_prom_default_bounds("seconds", &n);
	double b[64];
	struct tt_snap snap;

	(void)state;
	assert_non_null(fold);
	memcpy(b, d, n * sizeof(*d));
	n = tt_prom_snap_bounds(b, n, "seconds");
	tt_fold_slots(fold, b, n, 1e-9);
	dense = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(sk->maps.dense), 0);
	assert_true(dense != MAP_FAILED);
	for (round = 1; round <= 2; round++) {
		__u64 want[64 + 1] = { 0 }, got[64 + 1] = { 0 };

		/* row 3: every model bucket gains `round` samples (1 s and more: the top ones) */
		for (i = 0; i < TT_HIST_NSLOTS; i++) {
			__u64 upper = i < TT_HIST_OVERFLOW ? tt_hist_slot_upper((__u32)i) : ~0ull;

			dense[3 * TT_HIST_NSLOTS + i] += round;
			for (k = 0; k < n && (double)upper > b[k] * 1e9 * (1 + 1e-9); k++)
				;
			want[k] += round;
		}
		assert_int_equal(tt_store_delta(&st, &snap), 0);
		assert_true(snap.cells.n <= n + 1);
		for (i = 0; i < snap.cells.n; i++) {
			__u32 sub = tt_cell_sub(snap.cells.v[i].key);
			double upper = sub < TT_HIST_OVERFLOW ? tt_hist_slot_upper(sub) * 1e-9 : INFINITY;

			assert_int_equal(tt_cell_id(snap.cells.v[i].key), 3);
			for (k = 0; k < n && upper > b[k] * (1 + 1e-9); k++)
				;
			got[k] += snap.cells.v[i].count;
		}
		for (k = 0; k <= n; k++)
			if (got[k] != want[k])
				fail_msg("round %zu, bucket %zu: %llu, want %llu", round, k,
					 (unsigned long long)got[k], (unsigned long long)want[k]);
		tt_snap_release(&snap);
		assert_true(st.prev.cells.n <= n + 1);
	}
	memset((void *)&dense[3 * TT_HIST_NSLOTS], 0, TT_HIST_NSLOTS * sizeof(__u64));
	tt_store_release(&st);
	munmap((void *)dense, len);
	free(fold);
	syscalls_bpf__destroy(sk);
}

/* A reading whose only cell is one of series `id`. */
static void snap_of(struct tt_snap *d, struct tt_cell *c, __u32 id)
{
	memset(d, 0, sizeof(*d));
	*c = (struct tt_cell){ tt_cell_key(id, 5), 1 };
	d->cells = (struct tt_cellv){ 1, c };
}

static void test_series_ids_out_of_order(void **state)
{
	struct syscalls_bpf *sk = load_or_skip();
	struct tt_series_keys keys = { .map = sk->maps.series, .ksz = sizeof(struct tt_syscall_key),
				       .base = TT_SYSCALL_NR_MAX, .max = 64 };
	struct tt_syscall_key a = { .nr = 2, .tgid = 42, .comm = "nginx" };
	struct tt_syscall_key b = { .nr = 0, .tgid = 43, .comm = "redis" };
	const struct tt_syscall_key *got;
	__u32 ida = TT_SYSCALL_NR_MAX, idb = TT_SYSCALL_NR_MAX + 1;
	struct tt_cell c;
	struct tt_snap d;

	(void)state;
	/* id base+1's key arrives first; base+0's (taken earlier) after the reading */
	assert_int_equal(bpf_map__update_elem(sk->maps.series, &b, sizeof(b), &idb, sizeof(idb), 0), 0);
	snap_of(&d, &c, idb);
	assert_int_equal(tt_series_keys_learn(&keys, &d), 0);
	got = tt_series_keys_get(&keys, idb);
	assert_non_null(got);
	assert_string_equal(got->comm, "redis");
	assert_null(tt_series_keys_get(&keys, ida));	/* not in the map yet: unknown, not zero */
	assert_int_equal(bpf_map__update_elem(sk->maps.series, &a, sizeof(a), &ida, sizeof(ida), 0), 0);
	snap_of(&d, &c, ida);
	assert_int_equal(tt_series_keys_learn(&keys, &d), 0);
	got = tt_series_keys_get(&keys, ida);
	assert_non_null(got);
	assert_int_equal(got->nr, 2);
	assert_string_equal(got->comm, "nginx");
	tt_series_keys_release(&keys);
	syscalls_bpf__destroy(sk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dense_read_while_cells_appear),
		cmocka_unit_test(test_series_ids_out_of_order),
		cmocka_unit_test(test_dense_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
