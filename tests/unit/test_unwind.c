// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the user-space unwinder (user/unwind.c) on this very
 * process: a record is filled as the BPF program fills it (registers and a
 * copy of the top of the stack), then unwound from the CFI of this test
 * binary and of libc: complete up to _start with the whole copy, truncated
 * with a copy too small, and a malformed record refused.  Resources: no
 * descriptor held after unwinding, no file opened with a SIGTERM pending,
 * running out of descriptors counted, and an address space whose Dwfl was
 * ended for 32 more recent ones unwound again.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "unwind.h"

#if defined(__x86_64__)	/* the registers are taken with x86-64 assembly, as the BPF side copies them */

#define COPY 16384

struct found {
	bool complete_seen, truncated_seen;
	uint32_t n;
	bool has_caller;	/* the frame of sample_here's caller is among the addresses */
};

static uintptr_t caller_lo, caller_hi;
static struct tt_syms_as self_as = { .gen = 1 };	/* identity read in main */

static int on_stack(void *arg, const struct tt_unwound *w)
{
	struct found *f = arg;
	uint32_t i;

	f->n = w->n;
	f->complete_seen |= !w->truncated;
	f->truncated_seen |= w->truncated;
	for (i = 0; i < w->n; i++)
		if (w->ips[i] >= caller_lo && w->ips[i] < caller_hi)
			f->has_caller = true;
	return 0;
}

/* Where this thread's stack ends: the copy must not run past it. */
static uintptr_t stack_end(void)
{
	pthread_attr_t a;
	void *addr;
	size_t size;

	assert_int_equal(pthread_getattr_np(pthread_self(), &a), 0);
	assert_int_equal(pthread_attr_getstack(&a, &addr, &size), 0);
	pthread_attr_destroy(&a);
	return (uintptr_t)addr + size;
}

/*
 * Fill `s` as bpf/lib/stack.bpf.h does at a sample taken here: the
 * registers in DWARF order, then up to `max` bytes of stack from rsp.
 */
static __attribute__((noinline)) void sample_here(struct tt_ustack_sample *s, uint32_t max)
{
	__u64 *r = s->regs;
	uint64_t sp;
	uintptr_t end = stack_end();

	__asm__ volatile("movq %%rbx, 24(%0)\n\t"
			 "movq %%rbp, 48(%0)\n\t"
			 "movq %%rsp, 56(%0)\n\t"
			 "movq %%r12, 96(%0)\n\t"
			 "movq %%r13, 104(%0)\n\t"
			 "movq %%r14, 112(%0)\n\t"
			 "movq %%r15, 120(%0)\n\t"
			 "leaq 0(%%rip), %%rax\n\t"
			 "movq %%rax, 128(%0)\n\t"
			 : : "r"(r) : "rax", "memory");
	sp = r[TT_UREG_SP];
	s->size = end - sp < max ? (uint32_t)(end - sp) : max;
	memcpy(s->stack, (const void *)sp, s->size);
}

/* A record of one sample of this process, taken in the caller's stack. */
static __attribute__((noinline)) struct tt_ustack_sample *record_here(uint32_t max)
{
	struct tt_ustack_sample *s = calloc(1, sizeof(*s) + COPY);

	assert_non_null(s);
	s->key.tgid = (uint32_t)getpid();
	s->key.as_gen = 1;
	s->key.user_stack = TT_STACK_NONE;
	s->key.kern_stack = TT_STACK_NONE;
	s->value = 1;
	sample_here(s, max);
	return s;
}

static __attribute__((noinline)) void unwind_from_here(struct tt_unwind *u, uint32_t max,
						      struct found *f)
{
	struct tt_ustack_sample *s = record_here(max);

	assert_int_equal(tt_unwind_sample(u, s, sizeof(*s) + COPY), 0);
	explicit_bzero(s->stack, COPY);
	free(s);
	assert_int_equal(tt_unwind_take(u, on_stack, f), 0);
}

static void test_complete_to_start(void **state)
{
	struct tt_unwind *u = tt_unwind__new(-1);
	struct tt_unwind_stats st;
	struct found f = {};

	(void)state;
	assert_non_null(u);
	assert_int_equal(tt_unwind_note_as(u, getpid(), &self_as), 0);
	caller_lo = (uintptr_t)unwind_from_here;
	caller_hi = caller_lo + 256;
	unwind_from_here(u, COPY, &f);
	assert_true(f.complete_seen);
	assert_false(f.truncated_seen);
	assert_true(f.has_caller);
	assert_true(f.n >= 6);	/* sample_here ... main, libc, _start */
	tt_unwind_get_stats(u, &st);
	assert_int_equal(st.samples, 1);
	assert_int_equal(st.complete, 1);
	tt_unwind__free(u);
}

static void test_small_copy_truncated(void **state)
{
	struct tt_unwind *u = tt_unwind__new(-1);
	struct found f = {};

	(void)state;
	assert_non_null(u);
	assert_int_equal(tt_unwind_note_as(u, getpid(), &self_as), 0);
	unwind_from_here(u, 64, &f);
	assert_true(f.truncated_seen);
	assert_false(f.complete_seen);
	tt_unwind__free(u);
}

static void test_unknown_space_and_bad_record(void **state)
{
	struct tt_unwind *u = tt_unwind__new(-1);
	struct tt_ustack_sample s = { .key.tgid = (uint32_t)getpid(), .key.as_gen = 7,
				      .value = 3, .size = 8 };
	struct tt_unwind_stats st;
	struct found f = {};

	(void)state;
	assert_non_null(u);
	s.regs[TT_UREG_IP] = 0x1234;
	/* size says 8 bytes of stack follow, the record has none */
	assert_int_equal(tt_unwind_sample(u, &s, sizeof(s)), -EINVAL);
	s.size = 0;
	assert_int_equal(tt_unwind_sample(u, &s, sizeof(s)), 0);	/* never announced */
	assert_int_equal(tt_unwind_take(u, on_stack, &f), 0);
	assert_int_equal(f.n, 1);	/* the sampled address alone, marked */
	assert_true(f.truncated_seen);
	tt_unwind_get_stats(u, &st);
	assert_int_equal(st.no_modules, 1);
	tt_unwind__free(u);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Unwinding maps the files it reads and closes them: no descriptor stays. */
static void test_no_descriptor_held(void **state)
{
	struct tt_unwind *u = tt_unwind__new(-1);
	struct found f = {};
	int before = open_fds();

	(void)state;
	assert_non_null(u);
	assert_int_equal(tt_unwind_note_as(u, getpid(), &self_as), 0);
	unwind_from_here(u, COPY, &f);
	assert_true(f.complete_seen);
	assert_int_equal(open_fds(), before);
	tt_unwind__free(u);
}

/* A SIGTERM waiting for the session: nothing is opened, the caller can end. */
static void test_signal_pending_opens_nothing(void **state)
{
	struct tt_unwind *u = tt_unwind__new(-1);
	sigset_t set, old;
	int sig;

	(void)state;
	assert_non_null(u);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	assert_int_equal(sigprocmask(SIG_BLOCK, &set, &old), 0);
	assert_int_equal(raise(SIGTERM), 0);
	assert_int_equal(tt_unwind_note_as(u, getpid(), &self_as), -EINTR);
	assert_int_equal(sigwait(&set, &sig), 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	tt_unwind__free(u);
}

/* No descriptor left for /proc/PID/maps: a counted loss, not a silent one. */
static void test_emfile_counted(void **state)
{
	struct tt_unwind *u = tt_unwind__new(-1);
	struct tt_unwind_stats st;
	struct rlimit old, low;
	int fds[64], n = 0, ret;

	(void)state;
	assert_non_null(u);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < 64 && (fds[n] = dup(STDERR_FILENO)) >= 0)	/* every descriptor taken */
		n++;
	ret = tt_unwind_note_as(u, getpid(), &self_as);
	while (n > 0)
		close(fds[--n]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(ret, -EMFILE);
	tt_unwind_get_stats(u, &st);
	assert_int_equal(st.fd_lost, 1);
	tt_unwind__free(u);
}

/*
 * 32 more address spaces announced after this one end its Dwfl; its next
 * sample makes it again (the process still runs the same image).
 */
static void test_ended_dwfl_made_again(void **state)
{
	struct tt_unwind *u = tt_unwind__new(-1);
	struct tt_unwind_stats st;
	struct found f = {};
	pid_t kids[32];
	int i;

	(void)state;
	assert_non_null(u);
	assert_int_equal(tt_unwind_note_as(u, getpid(), &self_as), 0);
	for (i = 0; i < 32; i++) {
		struct tt_syms_as as = { .gen = 1 };

		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (!kids[i]) {
			pause();
			_exit(0);
		}
		assert_int_equal(tt_unwind_note_as(u, kids[i], &as), 0);
	}
	caller_lo = (uintptr_t)unwind_from_here;
	caller_hi = caller_lo + 256;
	unwind_from_here(u, COPY, &f);
	for (i = 0; i < 32; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	assert_true(f.complete_seen);
	assert_true(f.has_caller);
	tt_unwind_get_stats(u, &st);
	assert_int_equal(st.remade, 1);
	tt_unwind__free(u);
}


static int judge(const char *fmt, ...)
{
	char path[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return tt_unwind_file_keeps_fp(path);
}

/* The directory of this test binary (build/tests), for the files built beside it. */
static const char *self_dir(void)
{
	static char dir[4096];
	ssize_t n;

	if (!dir[0]) {
		n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		assert_true(n > 0);
		dir[n] = 0;
		*strrchr(dir, '/') = 0;
	}
	return dir;
}

/* libgold_cfi.so (tests/unit/data/gold_cfi.c), loaded in main */
typedef void (*gold_cb)(void *arg);
static void (*gold_first)(gold_cb cb, void *arg), (*gold_last)(gold_cb cb, void *arg);

struct gold_sample {
	struct tt_unwind *u;
	size_t heap_growth;	/* bytes malloc'd and kept by the unwinding */
};

static void sample_in_gold(void *arg)
{
	struct gold_sample *g = arg;
	struct tt_ustack_sample *s = record_here(COPY);
	size_t before;

	before = mallinfo2().uordblks;
	assert_int_equal(tt_unwind_sample(g->u, s, sizeof(*s) + COPY), 0);
	g->heap_growth = mallinfo2().uordblks - before;
	free(s);
}

/*
 * A file whose .eh_frame_hdr comes after .eh_frame (GNU gold, Debian's
 * clang): libdw missed its search table, read .eh_frame from the start
 * up to the frame's FDE and kept all it passed — 2,000 FDEs here (about
 * 160 KB), 7 MB in clang's libclang-cpp for each clang process unwound.
 * The stack is unwound complete through the last function all the same.
 */
static void test_eh_frame_hdr_after_eh_frame(void **state)
{
	struct tt_unwind *u = tt_unwind__new(-1);
	struct gold_sample g = { .u = u };
	struct tt_unwind_stats st;
	struct found f = {};

	(void)state;
	if (!gold_first)
		skip();
	assert_non_null(u);
	assert_int_equal(tt_unwind_note_as(u, getpid(), &self_as), 0);
	gold_first(sample_in_gold, &g);	/* the files read, their first FDEs */
	gold_last(sample_in_gold, &g);
	assert_int_equal(tt_unwind_take(u, on_stack, &f), 0);
	if (g.heap_growth > 16384)
		fail_msg("unwinding through gold_last kept %zu bytes", g.heap_growth);
	tt_unwind_get_stats(u, &st);
	assert_int_equal(st.samples, 2);
	assert_int_equal(st.complete, 2);
	tt_unwind__free(u);
}

/*
 * --call-graph auto's judgement on real files: the same program built with
 * and without frame pointers, the workloads (with), this binary and
 * Debian's programs and libc (without).  A wrong "with" would let the
 * kernel walk stacks it cannot walk; a wrong "without" only costs copies.
 */
static void test_fp_judgement_on_files(void **state)
{
	/* small programs: 4 to 9 functions of their own */
	static const char *const workloads[] = { "prof_cpu", "prof_deep", "prof_exec",
						 "prof_jit", "req_server" };
	static const char *const debian[] = { "/usr/bin/python3.11", "/usr/bin/gzip",
					      "/usr/bin/perl", "/lib/x86_64-linux-gnu/libc.so.6" };
	size_t i;

	(void)state;
	assert_int_equal(judge("%s/data/fp_probe-fp", self_dir()), 1);
	assert_int_equal(judge("%s/data/fp_probe-nofp", self_dir()), 0);
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		int v = judge("%s/../workloads/%s", self_dir(), workloads[i]);

		if (v != 1)
			fail_msg("workload %s judged %d, built with frame pointers", workloads[i], v);
	}
	assert_int_equal(judge("/proc/self/exe"), 0);	/* -O2, CFLAGS without them */
	for (i = 0; i < sizeof(debian) / sizeof(debian[0]); i++) {
		int v = judge("%s", debian[i]);

		if (v == -ENOENT)
			continue;	/* not installed here */
		if (v != 0)
			fail_msg("%s judged %d, Debian builds it without frame pointers", debian[i], v);
	}
	assert_int_equal(judge("/nonexistent/file"), -ENOENT);
	assert_int_equal(judge("/etc/passwd"), -ENOEXEC);	/* no ELF file */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete_to_start),
		cmocka_unit_test(test_small_copy_truncated),
		cmocka_unit_test(test_unknown_space_and_bad_record),
		cmocka_unit_test(test_no_descriptor_held),
		cmocka_unit_test(test_signal_pending_opens_nothing),
		cmocka_unit_test(test_emfile_counted),
		cmocka_unit_test(test_ended_dwfl_made_again),
		cmocka_unit_test(test_eh_frame_hdr_after_eh_frame),
		cmocka_unit_test(test_fp_judgement_on_files),
	};

	{
		char path[4096];
		void *gold;

		snprintf(path, sizeof(path), "%s/data/libgold_cfi.so", self_dir());
		gold = dlopen(path, RTLD_NOW);
		if (gold) {
			gold_first = (void (*)(gold_cb, void *))dlsym(gold, "gold_first");
			gold_last = (void (*)(gold_cb, void *))dlsym(gold, "gold_last");
		}
	}
	assert_int_equal(tt_syms_read_as(getpid(), &self_as), 0);
	self_as.gen = 1;

	return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void)
{
	return 0;	/* stacks are copied on x86-64 only (bpf/lib/stack.bpf.h) */
}
#endif
