/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Symbolization of stack addresses.  User space: elfutils libdwfl over the
 * ELF files a process maps (PIE executables, shared libraries, build-ids,
 * .gnu_debuglink and /usr/lib/debug), opened through /proc/PID/root so
 * processes in containers resolve too.  A process's mappings are captured
 * (and its files opened and their symbol tables loaded) when it is first
 * noted, so it can exit, and its binary can even be deleted, before the
 * report.  ELF files and resolved names are cached per build-id.  Kernel:
 * /proc/kallsyms, names suffixed "_[k]".
 */
#ifndef TT_SYMBOLIZE_H
#define TT_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TT_SYM_UNKNOWN "[unknown]"

struct tt_syms;

struct tt_syms_stats {
	size_t procs;		/* processes captured */
	size_t elfs;		/* distinct ELF files (by build-id) opened */
	size_t lookups;		/* user addresses asked for */
	size_t cache_hits;	/* ... answered from the per-build-id cache */
	size_t unresolved;	/* ... that stayed [unknown] */
};

/*
 * New symbolizer.  With `show_addrs`, an unresolved frame is shown as its
 * hex address ("0x7f12..." or "libfoo.so+0x1234" when the file is known)
 * instead of "[unknown]".  NULL + errno on failure.
 */
struct tt_syms *tt_syms__new(bool show_addrs);
void tt_syms__free(struct tt_syms *s);

/*
 * Capture what symbolizing `pid`'s addresses needs while it lives: its
 * executable mappings, an open descriptor and the symbol table of every
 * ELF file among them.  A pid already captured is left alone.  0, or
 * -ESRCH when it is gone, or another -errno.
 */
int tt_syms_note_pid(struct tt_syms *s, pid_t pid);

/*
 * Capture `pid` again (it called exec: its mappings changed), or for the
 * first time.  Same return values as tt_syms_note_pid.
 */
int tt_syms_recapture_pid(struct tt_syms *s, pid_t pid);

/*
 * A new report begins: a process captured earlier may be read again once
 * during it, when an address falls outside its known mappings (dlopen).
 */
void tt_syms_next_report(struct tt_syms *s);

/*
 * Name of user address `addr` of process `pid` (captured now if it was not
 * yet and still lives).  `ret_addr`: the address is a return address (every
 * frame but the innermost); the call instruction before it is looked up.
 * Never NULL: a symbol, "[unknown]" or (show_addrs) an address.  The string
 * is owned by `s` and lives until tt_syms__free.
 */
const char *tt_syms_user(struct tt_syms *s, pid_t pid, uint64_t addr, bool ret_addr);

/* Kernel address -> "symbol_[k]" from /proc/kallsyms (read on first use). Same rules. */
const char *tt_syms_kernel(struct tt_syms *s, uint64_t addr, bool ret_addr);

void tt_syms_get_stats(const struct tt_syms *s, struct tt_syms_stats *st);

#endif /* TT_SYMBOLIZE_H */
