// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * User stacks unwound from CFI with libdwfl (see unwind.h).  One Dwfl per
 * address space of a process, its modules reported from /proc/PID/maps when
 * the address space is announced, attached to thread callbacks that serve
 * the sample being unwound: its registers and its copy of the stack.  A
 * module's file is mapped and its descriptor closed at once, and only the
 * most recently used Dwfl's stay made: the others are made again, from
 * /proc/PID/maps, when a sample of theirs comes and the process still runs
 * the same image.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "symbolize.h"
#include "unwind.h"

/*
 * Address spaces known: the oldest-used is forgotten beyond this (its
 * process's later samples stay unwound only to their first frame), as are
 * those of processes gone at a report.  A few hundred bytes each.
 */
#define MAX_SPACES 1024
/*
 * Address spaces with their Dwfl made: the least recently used one's is
 * ended beyond this.  A Dwfl holds no descriptor but maps the files it
 * has read (each touched page of .eh_frame counts in our RSS, per Dwfl).
 */
#define MAX_DWFLS 32

struct tt_unwind;

/* One address space: its modules, and the sample being unwound in it. */
struct space {
	struct tt_unwind *u;
	pid_t pid;
	struct tt_syms_as id;	/* its identity in /proc/PID/stat, to make the Dwfl again */
	Dwfl *dwfl;		/* NULL: not made now */
	bool failed;		/* its modules could not be reported: not tried again */
	bool lacked_fds;	/* a file could not be opened for lack of descriptors */
	uint64_t used;		/* tick of its last use, for dropping the oldest */
	const struct tt_ustack_sample *cur;	/* valid during one unwinding only */
};

/* Frame-pointer judgement of one ELF file, by build-id. */
struct fp_verdict {
	char id[48];
	bool fp;
};

struct tt_unwind {
	int fp_ok_fd;
	void *by_as;		/* tsearch: struct space by (pid, gen) */
	struct space **spaces;	/* the same, for dropping */
	size_t nspaces;
	size_t ndwfls;		/* spaces with their Dwfl made */
	uint64_t tick;
	bool hurry;		/* a SIGINT/SIGTERM was pending: open no file */
	void *verdicts;		/* tsearch: struct fp_verdict by id */
	void *stacks;		/* tsearch: struct tt_unwound counted since the last take */
	struct tt_unwind_stats st;
	uint64_t ips[TT_UNWIND_MAX_FRAMES];	/* frames of the sample being unwound */
	size_t nips;
	bool last_exact;	/* ips[nips - 1] is not a return address (first or signal frame) */
};

static int cmp_space(const void *a, const void *b)
{
	const struct space *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->id.gen > y->id.gen) - (x->id.gen < y->id.gen);
}

static int cmp_verdict(const void *a, const void *b)
{
	return strcmp(((const struct fp_verdict *)a)->id, ((const struct fp_verdict *)b)->id);
}

static int cmp_unwound(const void *a, const void *b)
{
	const struct tt_unwound *x = a, *y = b;
	int c = memcmp(&x->key, &y->key, sizeof(x->key));

	if (c)
		return c;
	if (x->truncated != y->truncated)
		return x->truncated ? 1 : -1;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return memcmp(x->ips, y->ips, x->n * sizeof(x->ips[0]));
}

/* --- libdwfl callbacks --- */

static bool no_fds(int err)
{
	return err == EMFILE || err == ENFILE;
}

/*
 * Open no file once a SIGINT/SIGTERM waits (sticky, as the symbolizer):
 * the session ends at its next look at the signalfd.
 */
static bool hurry(struct tt_unwind *u)
{
	if (!u->hurry && tt_end_signal_pending())
		u->hurry = true;
	return u->hurry;
}

/*
 * Does libdw miss this file's .eh_frame_hdr?  It takes the binary search
 * table only from a .eh_frame_hdr section seen before .eh_frame, and LLVM's
 * lld places it after (clang, libLLVM, libc++ in Debian): libdw then reads
 * .eh_frame from its start up to each address looked up and keeps every
 * FDE it passed, 7 MB for clang's libclang-cpp per Dwfl.  The
 * PT_GNU_EH_FRAME segment points at the same table.
 */
static bool eh_frame_hdr_missed(Elf *elf)
{
	size_t shstrndx, nph, i;
	bool seg = false;
	Elf_Scn *scn = NULL;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &nph) || elf_getshdrstrndx(elf, &shstrndx) || !shstrndx)
		return false;
	for (i = 0; i < nph && !seg; i++)
		seg = gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_GNU_EH_FRAME;
	while (seg && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;

		if (name && !strcmp(name, ".eh_frame_hdr"))
			return false;
		if (name && !strcmp(name, ".eh_frame"))
			return true;
	}
	return false;
}

/*
 * `fd` read for unwinding: mapped whole (else read whole).  A file whose
 * .eh_frame_hdr libdw would miss is mapped copy-on-write and its section
 * names hidden (e_shstrndx in our copy of the ELF header: one page), so
 * that libdw finds its CFI through the program headers, search table
 * included.  The unwinder needs no section by name.
 */
static Elf *open_elf(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;

	if (elf && eh_frame_hdr_missed(elf)) {
		elf_end(elf);
		elf = elf_begin(fd, ELF_C_READ_MMAP_PRIVATE, NULL);
		if (elf && gelf_getehdr(elf, &eh)) {
			eh.e_shstrndx = SHN_UNDEF;
			if (!gelf_update_ehdr(elf, &eh)) {
				elf_end(elf);
				elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
			}
		}
	}
	/* FDREAD reads what is not mapped yet, then lets go of the descriptor */
	if (elf && elf_cntl(elf, ELF_C_FDREAD)) {
		elf_end(elf);
		elf = NULL;
	}
	return elf;
}

/*
 * A module's file as the process sees it: under /proc/PID/root (its mount
 * namespace), else by the path itself; the vDSO and deleted files through
 * libdwfl's own reader of /proc/PID/mem.  A file is mapped whole (else
 * read whole) and its descriptor closed before returning: a Dwfl holds no
 * descriptor.  Out of descriptors, the module stays without CFI in this
 * Dwfl (its frames end the walk) and the open is counted.
 */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	struct space *sp = *userdata;
	char path[4096];
	Elf *elf;
	int fd;

	if (hurry(sp->u))
		return -1;
	if (name[0] != '/' || strstr(name, " (deleted)")) {
		errno = 0;
		fd = dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
		if (fd < 0 && !*elfp && no_fds(errno)) {
			sp->u->st.fd_lost++;
			sp->lacked_fds = true;
		}
		return fd;
	}
	snprintf(path, sizeof(path), "/proc/%d/root%s", (int)sp->pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && !no_fds(errno))
		fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (no_fds(errno)) {
			sp->u->st.fd_lost++;
			sp->lacked_fds = true;
		}
		return -1;
	}
	elf = open_elf(fd);
	close(fd);
	if (!elf)
		return -1;
	*file_name = strdup(name);
	*elfp = elf;
	return -1;
}

/* No separate debug files: .eh_frame suffices, and no lookup may reach a network. */
static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			const char *file_name, const char *debuglink_file,
			GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name;
	(void)debuglink_file, (void)debuglink_crc, (void)debuginfo_file_name;
	return -1;
}

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = no_debuginfo,
};

static pid_t next_thread(Dwfl *dwfl, void *dwfl_arg, void **thread_argp)
{
	struct space *sp = dwfl_arg;

	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = sp;
	return sp->pid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *dwfl_arg, void **thread_argp)
{
	(void)dwfl, (void)tid;
	*thread_argp = dwfl_arg;
	return true;
}

/* Words of the stack copy; anything else is unknown (the unwinder stops). */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *dwfl_arg)
{
	const struct tt_ustack_sample *s = ((struct space *)dwfl_arg)->cur;
	uint64_t sp = s->regs[TT_UREG_SP];

	(void)dwfl;
	if (addr < sp || addr - sp > s->size || s->size - (addr - sp) < sizeof(*result))
		return false;
	memcpy(result, s->stack + (addr - sp), sizeof(*result));
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct tt_ustack_sample *s = ((struct space *)thread_arg)->cur;
	Dwarf_Word regs[TT_UREGS];

	memcpy(regs, s->regs, sizeof(regs));
	return dwfl_thread_state_registers(thread, 0, TT_UREGS, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* --- frame pointers (auto) --- */

/*
 * How many functions are probed per file, and how few suffice: a small
 * program of a few functions built with frame pointers is judged on those
 * (a function without them is never rbp-based, unless it realigns its
 * stack or calls alloca, so a few rbp-based ones are telling).
 */
#define FP_PROBES 64
#define FP_MIN_PROBES 3

/*
 * Does this module keep frame pointers?  Functions spread over its symbol
 * table are probed in their middle, past any prologue: built with frame
 * pointers, the CFA there is rbp + 16 (DW_CFA_def_cfa_register rbp); without,
 * rsp-based.  At least 3 in 4 must be rbp-based; a file with too few
 * symbols to tell (a stripped executable), or without CFI, is taken as
 * without.  _start is not probed: it comes from libc's crt1.o, whatever
 * the program was built with, and would outvote a small program.
 */
static bool module_keeps_fp(Dwfl_Module *mod)
{
	int nsym = dwfl_module_getsymtab(mod), i, step, probes = 0, rbp = 0;
	Dwarf_Addr bias;
	Dwarf_CFI *cfi = dwfl_module_eh_cfi(mod, &bias);

	if (!cfi || nsym <= 1)
		return false;
	step = nsym / (4 * FP_PROBES) + 1;
	for (i = 1; i < nsym && probes < FP_PROBES; i += step) {
		Dwarf_Frame *frame;
		const char *name;
		Dwarf_Op *ops;
		GElf_Addr addr;
		GElf_Sym sym;
		size_t nops;

		if (!(name = dwfl_module_getsym_info(mod, i, &sym, &addr, NULL, NULL, NULL)) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
		    sym.st_size < 16 || !strcmp(name, "_start"))
			continue;
		if (dwarf_cfi_addrframe(cfi, addr + sym.st_size / 2 - bias, &frame))
			continue;
		probes++;
		if (!dwarf_frame_cfa(frame, &ops, &nops) && nops == 1 &&
		    ops[0].atom == DW_OP_bregx && ops[0].number == 6)	/* rbp */
			rbp++;
		free(frame);
	}
	return probes >= FP_MIN_PROBES && 4 * rbp >= 3 * probes;
}

/* One file alone, at its own addresses, for tt_unwind_file_keeps_fp. */
static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = no_debuginfo,
	.section_address = dwfl_offline_section_address,
};

int tt_unwind_file_keeps_fp(const char *path)
{
	Dwfl_Module *mod;
	Dwfl *dwfl;
	int ret;

	if (access(path, R_OK))
		return -errno;
	dwfl = dwfl_begin(&offline_callbacks);
	if (!dwfl)
		return -ENOMEM;
	dwfl_report_begin(dwfl);
	mod = dwfl_report_offline(dwfl, path, path, -1);
	dwfl_report_end(dwfl, NULL, NULL);
	ret = mod ? module_keeps_fp(mod) : -ENOEXEC;
	dwfl_end(dwfl);
	return ret;
}

struct judge {
	struct tt_unwind *u;
	bool all_fp;
};

static int judge_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
			void *arg)
{
	struct judge *j = arg;
	struct fp_verdict key, *v, **slot;
	const unsigned char *bits;
	GElf_Addr vaddr;
	Dwarf_Addr bias;
	int len, i;

	(void)userdata, (void)start;
	/*
	 * The vDSO: leaf functions the kernel's walk passes through; a file
	 * that is no ELF (a locale archive, a mapped data file) runs no code.
	 */
	if (name[0] != '/' || !dwfl_module_getelf(mod, &bias))
		return DWARF_CB_OK;
	len = dwfl_module_build_id(mod, &bits, &vaddr);
	if (len <= 0 || len > 20) {
		j->all_fp = module_keeps_fp(mod);
		return j->all_fp ? DWARF_CB_OK : DWARF_CB_ABORT;
	}
	for (i = 0; i < len; i++)
		snprintf(key.id + 2 * i, 3, "%02x", bits[i]);
	slot = tfind(&key, &j->u->verdicts, cmp_verdict);
	if (!slot) {
		v = malloc(sizeof(*v));
		if (v) {
			*v = key;
			v->fp = module_keeps_fp(mod);
			slot = tsearch(v, &j->u->verdicts, cmp_verdict);
			if (!slot) {
				j->all_fp = false;
				free(v);
				return DWARF_CB_ABORT;
			}
		}
	}
	j->all_fp = slot && (*slot)->fp;
	return j->all_fp ? DWARF_CB_OK : DWARF_CB_ABORT;
}

/* --- address spaces --- */

static int set_space(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
		     void *arg)
{
	(void)mod, (void)name, (void)start;
	*userdata = arg;
	return DWARF_CB_OK;
}

static void end_dwfl(struct tt_unwind *u, struct space *sp)
{
	if (!sp->dwfl)
		return;
	dwfl_end(sp->dwfl);
	sp->dwfl = NULL;
	u->ndwfls--;
}

static void drop_space(struct tt_unwind *u, size_t i)
{
	struct space *sp = u->spaces[i];

	tdelete(sp, &u->by_as, cmp_space);
	end_dwfl(u, sp);
	free(sp);
	u->spaces[i] = u->spaces[--u->nspaces];
}

/*
 * Report the modules `sp`'s process maps now into a new Dwfl, the least
 * recently used other Dwfl ended first when MAX_DWFLS are made.  0, or
 * -errno (-ESRCH: the process is gone; -EINTR: in a hurry).
 */
static int make_dwfl(struct tt_unwind *u, struct space *sp)
{
	size_t i, oldest = u->nspaces;
	int ret;

	if (hurry(u))
		return -EINTR;
	if (u->ndwfls >= MAX_DWFLS) {
		for (i = 0; i < u->nspaces; i++)
			if (u->spaces[i]->dwfl && u->spaces[i] != sp &&
			    (oldest == u->nspaces || u->spaces[i]->used < u->spaces[oldest]->used))
				oldest = i;
		if (oldest < u->nspaces)
			end_dwfl(u, u->spaces[oldest]);
	}
	sp->dwfl = dwfl_begin(&proc_callbacks);
	if (!sp->dwfl)
		return -ENOMEM;
	u->ndwfls++;
	dwfl_report_begin(sp->dwfl);
	ret = dwfl_linux_proc_report(sp->dwfl, sp->pid);
	dwfl_report_end(sp->dwfl, NULL, NULL);
	if (!ret) {
		dwfl_getmodules(sp->dwfl, set_space, sp, 0);
		if (!dwfl_attach_state(sp->dwfl, NULL, sp->pid, &thread_callbacks, sp))
			ret = -ENOEXEC;
	} else {
		ret = ret > 0 ? -ret : -ESRCH;
		if (no_fds(-ret))
			u->st.fd_lost++;
	}
	if (ret)
		end_dwfl(u, sp);
	return ret;
}

struct tt_unwind *tt_unwind__new(int fp_ok_fd)
{
	struct tt_unwind *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->fp_ok_fd = fp_ok_fd;
	u->spaces = calloc(MAX_SPACES + 1, sizeof(*u->spaces));
	if (!u->spaces) {
		free(u);
		errno = ENOMEM;
		return NULL;
	}
	return u;
}

static void free_nothing(void *p)
{
	(void)p;
}

void tt_unwind__free(struct tt_unwind *u)
{
	if (!u)
		return;
	while (u->nspaces)
		drop_space(u, u->nspaces - 1);
	tdestroy(u->by_as, free_nothing);
	free(u->spaces);
	tdestroy(u->verdicts, free);
	tdestroy(u->stacks, free);
	free(u);
}

int tt_unwind_note_as(struct tt_unwind *u, pid_t pid, const struct tt_syms_as *as)
{
	struct space *sp, **slot;
	struct judge j = { .u = u, .all_fp = true };
	size_t i, oldest;
	int ret = 0;

	/* an older image of the pid is done: its samples came before this announcement */
	for (i = u->nspaces; i-- > 0;)
		if (u->spaces[i]->pid == pid)
			drop_space(u, i);
	if (u->nspaces == MAX_SPACES) {
		for (i = 1, oldest = 0; i < u->nspaces; i++)
			if (u->spaces[i]->used < u->spaces[oldest]->used)
				oldest = i;
		drop_space(u, oldest);
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	*sp = (struct space){ .u = u, .pid = pid, .id = *as, .used = ++u->tick };
	slot = tsearch(sp, &u->by_as, cmp_space);
	if (!slot) {
		free(sp);
		return -ENOMEM;
	}
	u->spaces[u->nspaces++] = sp;
	ret = make_dwfl(u, sp);
	if (ret) {
		sp->failed = ret != -EINTR && !no_fds(-ret);
		return ret;
	}
	if (u->fp_ok_fd < 0)
		return 0;
	dwfl_getmodules(sp->dwfl, judge_module, &j, 0);
	if (j.all_fp) {
		u->st.fp_spaces++;
		if (bpf_map_update_elem(u->fp_ok_fd, &(__u32){ (__u32)pid }, &as->gen, BPF_ANY))
			return -errno;
	} else {
		u->st.cfi_spaces++;
	}
	return 0;
}

/*
 * `sp`'s Dwfl, made again if it was ended for a more recent one and the
 * process still runs the image announced (else its samples cannot be
 * unwound any more: it is marked failed).  NULL when there is none.
 */
static Dwfl *space_dwfl(struct tt_unwind *u, struct space *sp)
{
	struct tt_syms_as now;
	int ret;

	if (sp->dwfl || sp->failed || hurry(u))
		return sp->dwfl;
	ret = tt_syms_read_as(sp->pid, &now);
	if (ret == -EMFILE) {
		u->st.fd_lost++;
		return NULL;
	}
	if (ret || now.start_code != sp->id.start_code || now.start_stack != sp->id.start_stack ||
	    now.arg_start != sp->id.arg_start) {
		sp->failed = true;
		return NULL;
	}
	ret = make_dwfl(u, sp);
	sp->failed = ret && ret != -EINTR && !no_fds(-ret);
	u->st.remade += !ret;
	return sp->dwfl;
}

/* --- unwinding --- */

static int on_frame(Dwfl_Frame *frame, void *arg)
{
	struct tt_unwind *u = arg;
	bool exact;
	Dwarf_Addr pc;

	if (!dwfl_frame_pc(frame, &pc, &exact))
		return -1;
	if (u->nips == TT_UNWIND_MAX_FRAMES)
		return 1;	/* deeper than kept: truncated */
	u->ips[u->nips++] = pc;
	u->last_exact = exact;
	return DWARF_CB_OK;
}

/*
 * Is `pc` in an outermost frame: does its CFI say the return address is
 * undefined (glibc's _start, a new thread's first frame)?  libdwfl also
 * ends a walk without error where a return address cannot be read (past
 * the end of the stack copy): that is a truncated stack, not a complete one.
 */
static bool is_outermost(Dwfl *dwfl, Dwarf_Addr pc)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, pc);
	Dwarf_Op ops_mem[3], *ops;
	Dwarf_Addr bias, start, end;
	Dwarf_Frame *frame;
	Dwarf_CFI *cfi;
	size_t nops;
	bool signalp, undefined;
	int ra;

	cfi = mod ? dwfl_module_eh_cfi(mod, &bias) : NULL;
	if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &frame))
		return false;
	ra = dwarf_frame_info(frame, &start, &end, &signalp);
	undefined = ra >= 0 && !dwarf_frame_register(frame, ra, ops_mem, &ops, &nops) &&
		    !nops && ops == ops_mem;
	free(frame);
	return undefined;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int count_stack(struct tt_unwind *u, const struct tt_stack_key *key, uint64_t value,
		       bool truncated)
{
	struct tt_unwound *w = malloc(sizeof(*w) + u->nips * sizeof(w->ips[0])), **slot;

	if (!w)
		return -ENOMEM;
	w->key = *key;
	w->key.user_stack = TT_STACK_NONE;
	w->value = value;
	w->truncated = truncated;
	w->n = (uint32_t)u->nips;
	memcpy(w->ips, u->ips, u->nips * sizeof(w->ips[0]));
	slot = tsearch(w, &u->stacks, cmp_unwound);
	if (!slot) {
		free(w);
		return -ENOMEM;
	}
	if (*slot != w) {
		(*slot)->value += value;
		free(w);
	}
	return 0;
}

int tt_unwind_sample(struct tt_unwind *u, const struct tt_ustack_sample *s, size_t len)
{
	struct space probe, **slot, *sp;
	uint64_t t0 = cpu_ns();
	bool truncated = true;
	int ret;

	if (len < sizeof(*s) || s->size > len - sizeof(*s))
		return -EINVAL;
	u->st.samples++;
	u->nips = 0;
	probe.pid = (pid_t)s->key.tgid;
	probe.id.gen = s->key.as_gen;
	slot = tfind(&probe, &u->by_as, cmp_space);
	sp = slot ? *slot : NULL;
	if (sp)
		sp->used = ++u->tick;
	if (sp && space_dwfl(u, sp)) {
		sp->cur = s;
		ret = dwfl_getthread_frames(sp->dwfl, sp->pid, on_frame, u);
		sp->cur = NULL;
		truncated = ret || !u->nips ||
			    !is_outermost(sp->dwfl, u->ips[u->nips - 1] - !u->last_exact);
	} else {
		u->st.no_modules++;
	}
	if (!u->nips)	/* at least the sampled instruction */
		u->ips[u->nips++] = s->regs[TT_UREG_IP];
	u->st.complete += !truncated;
	u->st.truncated += truncated;
	ret = count_stack(u, &s->key, s->value, truncated);
	u->st.unwind_ns += cpu_ns() - t0;
	return ret;
}

struct take {
	int (*cb)(void *arg, const struct tt_unwound *w);
	void *arg;
	int ret;
};

static __thread struct take *take_ctx;

static void take_one(const void *node, VISIT which, int depth)
{
	(void)depth;
	if ((which == postorder || which == leaf) && !take_ctx->ret)
		take_ctx->ret = take_ctx->cb(take_ctx->arg, *(struct tt_unwound *const *)node);
}

int tt_unwind_take(struct tt_unwind *u, int (*cb)(void *arg, const struct tt_unwound *w),
		   void *arg)
{
	struct take t = { .cb = cb, .arg = arg };
	size_t i;

	take_ctx = &t;
	twalk(u->stacks, take_one);
	take_ctx = NULL;
	tdestroy(u->stacks, free);
	u->stacks = NULL;
	/*
	 * Processes gone are forgotten; a Dwfl that lacked descriptors for a
	 * file (that module has no CFI in it) is made again at its next sample.
	 */
	for (i = u->nspaces; i-- > 0;) {
		if (kill(u->spaces[i]->pid, 0) && errno == ESRCH) {
			drop_space(u, i);
		} else if (u->spaces[i]->lacked_fds) {
			end_dwfl(u, u->spaces[i]);
			u->spaces[i]->lacked_fds = false;
		}
	}
	return t.ret;
}

void tt_unwind_get_stats(const struct tt_unwind *u, struct tt_unwind_stats *st)
{
	*st = u->st;
}
