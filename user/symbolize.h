/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Symbolization of stack addresses.  User space: elfutils libdwfl over the
 * ELF files a process maps (PIE executables, shared libraries, build-ids,
 * .gnu_debuglink and /usr/lib/debug), opened through /proc/PID/root so
 * processes in containers resolve too.  Mappings are captured per address
 * space of a process (its image between two execve calls), as the tracer
 * announces them: files opened and their symbol tables loaded at once, so
 * the process can exec, exit, and its binary even be deleted, before the
 * report.  Symbol tables are shared per build-id; captures of exited
 * processes are freed and files no process maps are evicted, so memory and
 * descriptors stay bounded on long runs (no descriptor is held open).
 * Debug files are looked for on local paths only, unless
 * tt_syms_use_debuginfod.  JIT code
 * (anonymous executable memory) is named from the process's perf map
 * (/tmp/perf-PID.map), the vDSO from tracetool's own.  Kernel:
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
	size_t procs;		/* address spaces captured */
	size_t maps_reads;	/* /proc/PID/maps reads, all causes */
	size_t rereads;		/* ... because an address fell outside every known mapping */
	size_t stale;		/* ... not kept: the process had exec'd again or exited */
	size_t perf_maps;	/* perf map files (JIT symbols) read */
	size_t procs_freed;	/* ... freed: the process had exited or exec'd */
	size_t open_procs;	/* ... held at the last report */
	size_t elfs;		/* distinct ELF files (by build-id) loaded */
	size_t elfs_shared;	/* mappings served by a file loaded already */
	size_t elfs_evicted;	/* files freed: no process mapped them, past the cache bound */
	size_t fd_lost;		/* opens failed for lack of descriptors (EMFILE, ENFILE) */
	size_t debuginfod_queries;	/* build-ids sent to the debuginfod helper */
	size_t debuginfod_found;	/* ... whose debug file it returned and was loaded */
	size_t lookups;		/* user addresses asked for */
	size_t unresolved;	/* ... that stayed [unknown] */
};

/*
 * New symbolizer.  With `show_addrs`, an unresolved frame is shown as its
 * hex address ("0x7f12..." or "libfoo.so+0x1234" when the file is known)
 * instead of "[unknown]".  NULL + errno on failure.
 */
struct tt_syms *tt_syms__new(bool show_addrs);
/* Frees everything; kills the debuginfod helper, if any, without waiting for its queries. */
void tt_syms__free(struct tt_syms *s);

/*
 * Ask the debuginfod servers of DEBUGINFOD_URLS for the debug file of every
 * ELF file (with a build-id) that has no local one.  The queries run in a
 * helper process (libdebuginfod, loaded with dlopen), started at the first
 * one: this thread never waits for the network.  An answer is used from
 * the first report after it came (the helper's cache keeps it for later
 * runs).  0, or -ENOENT when DEBUGINFOD_URLS is unset or empty.
 */
int tt_syms_use_debuginfod(struct tt_syms *s);

/*
 * An address space of a process, as the tracer announces it (struct
 * tt_new_pid): a generation number (never 0) and the mm's identity as
 * /proc/PID/stat shows it (startcode, startstack, arg_start).
 */
struct tt_syms_as {
	uint32_t gen;
	uint64_t start_code, start_stack, arg_start;
};

/*
 * Capture what symbolizing the addresses of address space `as` of `pid`
 * needs while it lives: its executable mappings, an open descriptor and the
 * symbol table of every ELF file among them.  Called again for the same
 * address space (its mappings changed: dlopen), the mappings are read
 * again and added; an old mapping that a new one overlaps is dropped.  The
 * maps read are kept only if /proc/PID/stat still shows `as` after reading
 * them.  0; -ESTALE when the process has moved on to another image (its
 * samples of `as` stay unresolved rather than being named from another
 * image); -ESRCH when it is gone; another -errno.
 */
int tt_syms_note_as(struct tt_syms *s, pid_t pid, const struct tt_syms_as *as);

/*
 * The identity of the address space `pid` runs in now, from /proc/PID/stat
 * (`gen` left 0): equal start_code, start_stack and arg_start mean the
 * same image.  0, -ESRCH (gone) or -EMFILE (no descriptor left).
 */
int tt_syms_read_as(pid_t pid, struct tt_syms_as *id);

/*
 * Capture `pid` as it is now, without an announced address space (its
 * addresses are then looked up with as_gen 0).  A pid already captured this
 * way is left alone.  0, or -ESRCH when it is gone, or another -errno.
 */
int tt_syms_note_pid(struct tt_syms *s, pid_t pid);

/*
 * A new report begins: a live address space may be read again once during
 * it, when an address falls outside its known mappings.  Strings returned
 * before are freed; captures of processes that were gone at the previous
 * call are freed; idle files past the cache bound are evicted; the
 * debuginfod helper's answers are taken.
 */
void tt_syms_next_report(struct tt_syms *s);

/*
 * Name of user address `addr` of address space `as_gen` of process `pid`
 * (struct tt_syms_as.gen, as captured by tt_syms_note_as; one never
 * captured resolves nothing).  as_gen 0: whatever `pid` maps now (captured
 * now if it was not yet and still lives).  `ret_addr`: the address is a
 * return address (every frame but the innermost); the call instruction
 * before it is looked up.  Never NULL: a symbol, "[unknown]" or
 * (show_addrs) an address; "file+0xOFFSET" when the file could not be read
 * for lack of descriptors or was skipped because a SIGINT or SIGTERM is
 * pending (no file is opened once one is: the caller can end at once).
 * The string is owned by `s` and lives until the next
 * tt_syms_next_report.
 */
const char *tt_syms_user(struct tt_syms *s, pid_t pid, uint32_t as_gen, uint64_t addr,
			 bool ret_addr);

/*
 * Kernel address -> "symbol_[k]" from /proc/kallsyms (read on first use).
 * Same rules; when kallsyms hides addresses (tt_syms_kernel_hidden), every
 * kernel frame is TT_SYM_KERNEL_HIDDEN (or, show_addrs, its address).
 */
const char *tt_syms_kernel(struct tt_syms *s, uint64_t addr, bool ret_addr);

#define TT_SYM_KERNEL_HIDDEN "[kernel symbols hidden]_[k]"

/*
 * Why kernel frames cannot be named, for a message shown once: NULL when
 * /proc/kallsyms shows this process kernel addresses, else a sentence
 * naming kernel.kptr_restrict and the remedy (CAP_SYSLOG).  Cheap: reads
 * kallsyms up to its first text symbol, once.  Owned by `s`.
 */
const char *tt_syms_kernel_hidden(struct tt_syms *s);

void tt_syms_get_stats(const struct tt_syms *s, struct tt_syms_stats *st);

/*
 * Is a SIGINT, SIGTERM or SIGHUP pending?  The session blocks them and
 * reads them from a signalfd between two calls into a tracer: whatever
 * opens files there (symbolization, unwinding) opens none once this is
 * true, so the session can end at once.
 */
bool tt_end_signal_pending(void);

#endif /* TT_SYMBOLIZE_H */
