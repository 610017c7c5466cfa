/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User stacks unwound in user space from CFI (--call-graph dwarf/auto):
 * a sample carries the user registers and a copy of the top of the user
 * stack (struct tt_ustack_sample); elfutils libdwfl unwinds it with the
 * process's modules (.eh_frame, .debug_frame of the files it maps; a frame
 * without CFI through its frame pointer), the way `perf --call-graph dwarf`
 * does.  The stack bytes are read only while one sample is unwound, never
 * copied or kept.  Unwound stacks are counted here by (key, addresses)
 * until taken at a report.  With --call-graph auto, each address space is
 * judged once: when every executable ELF file it maps keeps frame pointers
 * its stacks are walked by the kernel from then on.
 */
#ifndef TT_UNWIND_H
#define TT_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "symbolize.h"
#include "tracetool/stack.h"

/* Frames kept per unwound stack; a deeper one is cut and marked truncated. */
#define TT_UNWIND_MAX_FRAMES 2048

struct tt_unwind;

struct tt_unwind_stats {
	uint64_t samples;	/* sample records unwound */
	uint64_t complete;	/* ... up to the outermost frame (its return address undefined) */
	uint64_t truncated;	/* ... cut short: stack copy too small, no CFI, a bad frame */
	uint64_t no_modules;	/* ... of an address space whose modules were not known */
	uint64_t fp_spaces;	/* address spaces judged to keep frame pointers (auto) */
	uint64_t cfi_spaces;	/* ... judged to need CFI */
	uint64_t unwind_ns;	/* CPU time spent unwinding (CLOCK_THREAD_CPUTIME_ID) */
	uint64_t remade;	/* Dwfl's made again from /proc/PID/maps after being ended */
	uint64_t fd_lost;	/* opens failed for lack of descriptors (EMFILE, ENFILE) */
};

/*
 * New unwinder.  `fp_ok_fd`: with --call-graph auto, the BPF map (tgid ->
 * as_gen) where address spaces found to keep frame pointers are recorded;
 * -1 to judge none.  NULL + errno on failure.
 */
struct tt_unwind *tt_unwind__new(int fp_ok_fd);
void tt_unwind__free(struct tt_unwind *u);

/*
 * Address space `as` of `pid` was announced, and its mappings captured
 * (call right after, while the process still runs that image): report its
 * modules for unwinding, replacing an older report of it (a dlopen), and
 * judge it for auto.  Only the 32 most recently used address spaces keep
 * their modules reported; another one's are reported again at its next
 * sample if /proc/PID/stat still shows `as`.  No file is opened while a
 * SIGINT/SIGTERM is pending, and none is held open.  0, or -errno (-ESRCH
 * when the process is gone, -EINTR when a signal is pending, -EMFILE).
 */
int tt_unwind_note_as(struct tt_unwind *u, pid_t pid, const struct tt_syms_as *as);

/*
 * Unwind one record of `len` bytes and count its stack.  0, -EINVAL for a
 * malformed record, -ENOMEM.
 */
int tt_unwind_sample(struct tt_unwind *u, const struct tt_ustack_sample *s, size_t len);

/*
 * One counted stack: its key (user_stack TT_STACK_NONE), the user
 * addresses innermost first (ips[0] the sampled instruction, the others
 * return addresses), whether the unwinder stopped before the outermost
 * frame, and the sum of its samples' values.
 */
struct tt_unwound {
	struct tt_stack_key key;
	uint64_t value;
	bool truncated;
	uint32_t n;
	uint64_t ips[];
};

/*
 * Hand every stack counted since the previous call to `cb` (in no
 * particular order), then forget them.  Stops at and returns the first
 * non-zero return of `cb`; else 0.
 */
int tt_unwind_take(struct tt_unwind *u, int (*cb)(void *arg, const struct tt_unwound *w),
		   void *arg);

/*
 * The --call-graph auto judgement of one ELF file on its own: 1 when its
 * functions keep frame pointers, 0 when not or when it cannot tell (no
 * CFI, too few function symbols: a stripped executable); -errno when the
 * file cannot be read, -ENOEXEC when it is no ELF file.
 */
int tt_unwind_file_keeps_fp(const char *path);

void tt_unwind_get_stats(const struct tt_unwind *u, struct tt_unwind_stats *st);

#endif /* TT_UNWIND_H */
