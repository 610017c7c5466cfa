// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for user/symbolize.c without BPF: addresses of this test
 * program (a PIE) and of libc (a shared library with only .dynsym on
 * Debian) resolve to their names; return addresses look up the call
 * before them; a second process mapping the same files shares their
 * symbol tables; a process captured while alive still resolves after it
 * has exited and been reaped, until the report after the one that found it
 * gone, when its capture is freed; a lack of descriptors is counted and
 * the file tried again at the next report, never remembered as unreadable;
 * with a SIGINT pending no file is opened and frames are named by file and
 * offset; unknown addresses give [unknown] or, with show_addrs, the
 * address; kernel addresses resolve through /proc/kallsyms when it shows
 * addresses (root), suffixed _[k].  Address spaces: one announced with the
 * identity /proc/PID/stat shows is captured, one whose identity the process
 * no longer shows (it exec'd) is refused (-ESTALE) and names nothing, and a
 * library loaded after the capture is added by the next announcement, or
 * by one read again per report, without losing the old mappings.  JIT
 * code in anonymous memory is named from /tmp/perf-PID.map (the last line
 * at one address wins), never through a symlink; the vDSO is named.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "symbolize.h"

volatile int tt_test_sink;

__attribute__((noinline)) void tt_test_marker_fn(void)
{
	int i;

	for (i = 0; i < 16; i++)
		tt_test_sink += i;
}

static uint64_t addr_of(void (*fn)(void))
{
	return (uint64_t)(uintptr_t)fn;
}

static void test_own_function(void **state)
{
	struct tt_syms *s = tt_syms__new(false);

	(void)state;
	assert_non_null(s);
	assert_int_equal(tt_syms_note_pid(s, getpid()), 0);
	assert_string_equal(tt_syms_user(s, getpid(), 0, addr_of(tt_test_marker_fn) + 2, false),
			    "tt_test_marker_fn");
	/* a return address just past the function's first byte still means this function */
	assert_string_equal(tt_syms_user(s, getpid(), 0, addr_of(tt_test_marker_fn) + 1, true),
			    "tt_test_marker_fn");
	assert_string_equal(tt_syms_user(s, getpid(), 0, addr_of(tt_test_marker_fn), false),
			    "tt_test_marker_fn");
	tt_syms__free(s);
}

static void test_shared_library(void **state)
{
	struct tt_syms *s = tt_syms__new(false);
	void *q = dlsym(RTLD_DEFAULT, "qsort");

	(void)state;
	assert_non_null(s);
	assert_non_null(q);
	assert_string_equal(tt_syms_user(s, getpid(), 0, (uint64_t)(uintptr_t)q + 1, false), "qsort");
	tt_syms__free(s);
}

/* A child that waits, stopped by kill + waitpid. */
static pid_t spawn_waiting(void)
{
	int pipefd[2];
	pid_t child;
	char c;

	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(pipefd[0]);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	return child;
}

static void reap(pid_t child)
{
	int st;

	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &st, 0), child);
}

static void test_shared_files(void **state)
{
	struct tt_syms *s = tt_syms__new(false);
	struct tt_syms_stats st;
	const char *a, *b;
	size_t elfs;
	pid_t child;

	(void)state;
	assert_non_null(s);
	a = tt_syms_user(s, getpid(), 0, addr_of(tt_test_marker_fn) + 3, false);
	tt_syms_get_stats(s, &st);
	assert_int_equal(st.lookups, 1);
	assert_int_equal(st.procs, 1);
	elfs = st.elfs;
	assert_true(elfs >= 2);	/* this program, libc, ... */
	b = tt_syms_user(s, getpid(), 0, addr_of(tt_test_marker_fn) + 3, false);
	assert_ptr_equal(a, b);
	/* a child maps the same files: no file is loaded again */
	child = spawn_waiting();
	assert_int_equal(tt_syms_note_pid(s, child), 0);
	assert_ptr_equal(tt_syms_user(s, child, 0, addr_of(tt_test_marker_fn) + 3, false), a);
	tt_syms_get_stats(s, &st);
	assert_int_equal(st.procs, 2);
	assert_int_equal(st.elfs, elfs);
	assert_true(st.elfs_shared + 1 >= elfs);	/* each file but the vDSO, ours */
	reap(child);
	tt_syms__free(s);
}

/* The lowest descriptor number free now (a limit at it leaves none to open). */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

static void test_out_of_fds(void **state)
{
	struct tt_syms *s = tt_syms__new(false);
	struct tt_syms_stats st;
	struct rlimit old, low;
	pid_t child;

	(void)state;
	assert_non_null(s);
	child = spawn_waiting();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)lowest_free_fd();
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(tt_syms_note_pid(s, child), -EMFILE);
	assert_string_equal(tt_syms_user(s, child, 0, addr_of(tt_test_marker_fn) + 2, false),
			    TT_SYM_UNKNOWN);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	tt_syms_get_stats(s, &st);
	assert_true(st.fd_lost >= 1);
	assert_int_equal(st.procs, 0);
	/* descriptors again: the next report reads the process and names it */
	tt_syms_next_report(s);
	assert_string_equal(tt_syms_user(s, child, 0, addr_of(tt_test_marker_fn) + 2, false),
			    "tt_test_marker_fn");
	reap(child);
	tt_syms__free(s);
}

static void test_hurry(void **state)
{
	struct tt_syms *s = tt_syms__new(false);
	struct timespec zero = { 0 };
	sigset_t set, old;
	const char *name;
	char want[256];
	pid_t child;

	(void)state;
	assert_non_null(s);
	child = spawn_waiting();
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	assert_int_equal(sigprocmask(SIG_BLOCK, &set, &old), 0);
	raise(SIGINT);	/* pending, as the session's signalfd would find it */
	assert_int_equal(tt_syms_note_pid(s, child), 0);
	name = tt_syms_user(s, child, 0, addr_of(tt_test_marker_fn) + 2, false);
	assert_int_equal(sigtimedwait(&set, NULL, &zero), SIGINT);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	/* no file opened: the file's name and the offset */
	snprintf(want, sizeof(want), "%s+0x", program_invocation_short_name);
	assert_non_null(strstr(name, want));
	reap(child);
	tt_syms__free(s);
}

static void test_freed_after_exit(void **state)
{
	struct tt_syms *s = tt_syms__new(false);
	struct tt_syms_stats st;
	pid_t child;

	(void)state;
	assert_non_null(s);
	child = spawn_waiting();
	assert_int_equal(tt_syms_note_pid(s, child), 0);
	tt_syms_next_report(s);	/* alive: kept */
	reap(child);
	tt_syms_next_report(s);	/* gone: its samples are all counted, named in this report */
	assert_string_equal(tt_syms_user(s, child, 0, addr_of(tt_test_marker_fn) + 2, false),
			    "tt_test_marker_fn");
	tt_syms_get_stats(s, &st);
	assert_int_equal(st.procs_freed, 0);
	tt_syms_next_report(s);	/* freed */
	tt_syms_get_stats(s, &st);
	assert_int_equal(st.procs_freed, 1);
	assert_int_equal(st.open_procs, 0);
	tt_syms__free(s);
}

static void test_unknown(void **state)
{
	struct tt_syms *plain = tt_syms__new(false), *addrs = tt_syms__new(true);
	struct tt_syms_stats st;

	(void)state;
	assert_non_null(plain);
	assert_non_null(addrs);
	assert_string_equal(tt_syms_user(plain, getpid(), 0, 0x1000, false), TT_SYM_UNKNOWN);
	assert_string_equal(tt_syms_user(addrs, getpid(), 0, 0x1000, false), "0x1000");
	tt_syms_get_stats(plain, &st);
	assert_int_equal(st.unresolved, 1);
	tt_syms__free(plain);
	tt_syms__free(addrs);
}

/* A child forked from us maps the same binary at the same address. */
static void test_exited_process(void **state)
{
	struct tt_syms *s = tt_syms__new(false);
	pid_t child;

	(void)state;
	assert_non_null(s);
	child = spawn_waiting();
	assert_int_equal(tt_syms_note_pid(s, child), 0);
	reap(child);
	assert_int_equal(kill(child, 0), -1);	/* gone */
	assert_string_equal(tt_syms_user(s, child, 0, addr_of(tt_test_marker_fn) + 2, false),
			    "tt_test_marker_fn");
	tt_syms__free(s);
}

static void test_missing_pid(void **state)
{
	struct tt_syms *s = tt_syms__new(false);

	(void)state;
	assert_non_null(s);
	assert_int_equal(tt_syms_note_pid(s, 4194303), -ESRCH);
	assert_string_equal(tt_syms_user(s, 4194303, 0, 0x401000, true), TT_SYM_UNKNOWN);
	tt_syms__free(s);
}

/* Our own address space as the tracer would announce it, from /proc/self/stat. */
static struct tt_syms_as self_as(uint32_t gen)
{
	struct tt_syms_as as = { .gen = gen };
	unsigned long long code = 0, stack = 0, arg = 0;
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "re");
	int field;

	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')') + 2;
	for (field = 3; field <= 48 && *p; field++) {
		if (field == 26)
			code = strtoull(p, NULL, 10);
		else if (field == 28)
			stack = strtoull(p, NULL, 10);
		else if (field == 48)
			arg = strtoull(p, NULL, 10);
		p += strcspn(p, " ");
		p += *p == ' ';
	}
	assert_true(code && stack && arg);
	as.start_code = code;
	as.start_stack = stack;
	as.arg_start = arg;
	return as;
}

static void test_address_space(void **state)
{
	struct tt_syms_as as = self_as(5), other = self_as(7);
	struct tt_syms *s = tt_syms__new(false);
	struct tt_syms_stats st;
	uint64_t a = addr_of(tt_test_marker_fn) + 2;

	(void)state;
	assert_non_null(s);
	assert_int_equal(tt_syms_note_as(s, getpid(), &as), 0);
	assert_string_equal(tt_syms_user(s, getpid(), 5, a, false), "tt_test_marker_fn");
	/* never announced: nothing is read for it, not even our current maps */
	assert_string_equal(tt_syms_user(s, getpid(), 6, a, false), TT_SYM_UNKNOWN);
	/* another image (the stack starts elsewhere): its maps are not ours */
	other.start_stack += 16;
	assert_int_equal(tt_syms_note_as(s, getpid(), &other), -ESTALE);
	assert_string_equal(tt_syms_user(s, getpid(), 7, a, false), TT_SYM_UNKNOWN);
	tt_syms_get_stats(s, &st);
	assert_int_equal(st.procs, 1);
	assert_int_equal(st.stale, 1);
	tt_syms__free(s);
}

/* A library that no test links: libcrypt (Debian's essential libcrypt1). */
static void *load_late_library(void **fn)
{
	void *h = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL);

	*fn = h ? dlsym(h, "crypt") : NULL;
	return *fn ? h : NULL;
}

static void test_late_mapping(void **state)
{
	struct tt_syms_as as = self_as(9);
	struct tt_syms *s = tt_syms__new(false);
	struct tt_syms_stats st;
	uint64_t a = addr_of(tt_test_marker_fn) + 2, c;
	void *h, *fn;

	(void)state;
	assert_non_null(s);
	if (dlopen("libcrypt.so.1", RTLD_NOLOAD | RTLD_LAZY))
		skip();	/* already loaded: proves nothing */
	assert_int_equal(tt_syms_note_as(s, getpid(), &as), 0);
	h = load_late_library(&fn);
	if (!h)
		skip();
	c = (uint64_t)(uintptr_t)fn + 1;
	/* outside every captured mapping, and this report may not read again */
	assert_string_equal(tt_syms_user(s, getpid(), 9, c, false), TT_SYM_UNKNOWN);
	/* the tracer announces the new mapping: added, the old ones kept */
	assert_int_equal(tt_syms_note_as(s, getpid(), &as), 0);
	assert_string_not_equal(tt_syms_user(s, getpid(), 9, c + 1, false), TT_SYM_UNKNOWN);
	assert_string_equal(tt_syms_user(s, getpid(), 9, a, false), "tt_test_marker_fn");
	tt_syms_get_stats(s, &st);
	assert_int_equal(st.maps_reads, 2);
	assert_int_equal(st.rereads, 0);
	tt_syms__free(s);
	dlclose(h);
}

/* No announcement for a new mapping: read again once in the next report. */
static void test_reread_per_report(void **state)
{
	struct tt_syms_as as = self_as(11);
	struct tt_syms *s = tt_syms__new(false);
	struct tt_syms_stats st;
	void *h, *fn;
	uint64_t c;

	(void)state;
	assert_non_null(s);
	if (dlopen("libcrypt.so.1", RTLD_NOLOAD | RTLD_LAZY))
		skip();
	assert_int_equal(tt_syms_note_as(s, getpid(), &as), 0);
	h = load_late_library(&fn);
	if (!h)
		skip();
	c = (uint64_t)(uintptr_t)fn + 1;
	assert_string_equal(tt_syms_user(s, getpid(), 11, c, false), TT_SYM_UNKNOWN);
	tt_syms_next_report(s);
	assert_string_not_equal(tt_syms_user(s, getpid(), 11, c, false), TT_SYM_UNKNOWN);
	/* an address in no mapping at all: the one read of this report is spent */
	assert_string_equal(tt_syms_user(s, getpid(), 11, 0x1000, false), TT_SYM_UNKNOWN);
	tt_syms_get_stats(s, &st);
	assert_int_equal(st.rereads, 1);
	assert_int_equal(st.maps_reads, 2);
	tt_syms__free(s);
	dlclose(h);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_perf_map(void **state)
{
	char map[64], other[64], text[256];
	struct tt_syms *s;
	uint64_t c;
	void *mem;

	(void)state;
	mem = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		skip();	/* no executable anonymous memory here */
	c = (uint64_t)(uintptr_t)mem;
	snprintf(map, sizeof(map), "/tmp/perf-%d.map", (int)getpid());
	snprintf(other, sizeof(other), "/tmp/tt-test-perf-%d.map", (int)getpid());
	snprintf(text, sizeof(text), "%" PRIx64 " 40 jit_old\nnot a line\n%" PRIx64
		 " 40 jit_new name\n%" PRIx64 " 10 jit_next\n", c, c, c + 0x40);
	write_file(map, text);
	s = tt_syms__new(false);
	assert_non_null(s);
	assert_string_equal(tt_syms_user(s, getpid(), 0, c + 0x10, false), "jit_new name");
	assert_string_equal(tt_syms_user(s, getpid(), 0, c + 0x48, false), "jit_next");
	assert_string_equal(tt_syms_user(s, getpid(), 0, c + 0x60, false), TT_SYM_UNKNOWN);
	tt_syms__free(s);
	/* a symlink is not followed, whatever it points to */
	write_file(other, text);
	assert_int_equal(unlink(map), 0);
	assert_int_equal(symlink(other, map), 0);
	s = tt_syms__new(false);
	assert_non_null(s);
	assert_string_equal(tt_syms_user(s, getpid(), 0, c + 0x10, false), TT_SYM_UNKNOWN);
	tt_syms__free(s);
	unlink(map);
	unlink(other);
	munmap(mem, 4096);
}

static void test_vdso(void **state)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	struct tt_syms *s;
	void *h = NULL, *fn;

	(void)state;
	if (!base)
		skip();
	/* the vDSO's own symbol table, through the loader */
	h = dlopen("linux-vdso.so.1", RTLD_NOW | RTLD_NOLOAD);
	fn = h ? dlsym(h, "__vdso_clock_gettime") : NULL;
	if (!fn)
		skip();
	s = tt_syms__new(false);
	assert_non_null(s);
	assert_string_equal(tt_syms_user(s, getpid(), 0, (uint64_t)(uintptr_t)fn + 1, false),
			    "__vdso_clock_gettime");
	tt_syms__free(s);
	dlclose(h);
}

/* Address of kernel text symbol `name` in /proc/kallsyms, 0 when hidden. */
static uint64_t kallsyms_addr(const char *name)
{
	char line[512], sym[256], type;
	unsigned long long a;
	uint64_t found = 0;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name) &&
		    (type == 't' || type == 'T'))
			found = a;
	fclose(f);
	return found;
}

static void test_kernel(void **state)
{
	uint64_t a = kallsyms_addr("schedule");
	struct tt_syms *s;

	(void)state;
	if (!a)
		skip();	/* kallsyms shows zeros to non-root (kptr_restrict) */
	s = tt_syms__new(false);
	assert_non_null(s);
	assert_string_equal(tt_syms_kernel(s, a + 4, false), "schedule_[k]");
	assert_string_equal(tt_syms_kernel(s, a + 1, true), "schedule_[k]");
	assert_string_equal(tt_syms_kernel(s, 1, false), TT_SYM_UNKNOWN "_[k]");
	tt_syms__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_function),
		cmocka_unit_test(test_shared_library),
		cmocka_unit_test(test_shared_files),
		cmocka_unit_test(test_out_of_fds),
		cmocka_unit_test(test_hurry),
		cmocka_unit_test(test_freed_after_exit),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_exited_process),
		cmocka_unit_test(test_missing_pid),
		cmocka_unit_test(test_address_space),
		cmocka_unit_test(test_late_mapping),
		cmocka_unit_test(test_reread_per_report),
		cmocka_unit_test(test_perf_map),
		cmocka_unit_test(test_vdso),
		cmocka_unit_test(test_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
