// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stack address symbolization (see symbolize.h).  One ELF file per distinct
 * build-id (by device and inode when a file has none), shared by every
 * process that maps it, with its symbols at link-time addresses: a process
 * address is turned into a file offset through the mapping it falls in,
 * then into an ELF virtual address through the file's PT_LOAD headers, so
 * one symbol table serves every process that maps the file, at any load
 * address, in any mount namespace.  libdwfl reads the file (and its
 * debuglink or build-id debug file) once; the function symbols are copied
 * out and the Dwfl ended at once, so a loaded file holds no descriptor.
 * Mappings are kept per (pid, address-space generation): the samples a
 * process took before an execve are named from the image it ran then.
 * Anonymous executable mappings are named from the process's perf map, the
 * [vdso] mapping from a copy of tracetool's own vDSO.
 *
 * Bounds, for long runs: a capture whose process had exited (or exec'd)
 * when a report began is freed after that report; a file no capture maps
 * any more stays cached for a process that maps it again, within
 * TT_SYMS_IDLE_FILES files and TT_SYMS_IDLE_BYTES bytes, least recently
 * used first out.  A file that cannot be opened for lack of descriptors
 * (EMFILE, ENFILE) is counted (fd_lost) and tried again at a later report,
 * never remembered as unreadable.
 *
 * Nothing here reaches the network: debug files are looked for on local
 * paths only (libdwfl's standard search would ask a debuginfod server
 * whenever DEBUGINFOD_URLS is set).  With tt_syms_use_debuginfod, build-ids
 * without a local debug file go to a helper process that asks the servers;
 * its answers are taken at the next reports, and it is killed, not waited
 * for, at the end.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <linux/openat2.h>
#include <gelf.h>
#include <zlib.h>

#include "outfile.h"
#include "symbolize.h"

/* Files no capture maps, kept for a process that maps them again. */
#define TT_SYMS_IDLE_FILES 64
#define TT_SYMS_IDLE_BYTES (16u << 20)
/* Files remembered as unreadable (not for lack of descriptors), forgotten past this. */
#define TT_SYMS_BAD_FILES 4096

struct load_seg {
	uint64_t off, vaddr, filesz;
};

/* A function symbol, at module addresses (ELF vaddr + bias). */
struct sym_ent {
	uint64_t addr, size;
	const char *name;	/* in the file's `names` */
	int rank;		/* lower is preferred among aliases at one address */
};

enum dfd_state {
	DFD_NONE,		/* not asked: a local symbol table, or no debuginfod */
	DFD_WANTED,		/* no local debug file: to be sent to the helper */
	DFD_SENT,		/* waiting for the helper's answer */
	DFD_DONE,
};

/* One ELF file, shared by every mapping of it (cache per build-id). */
struct elf_file {
	char *id;		/* build-id in hex, or "ino:DEV:INO" */
	GElf_Addr bias;		/* module address = ELF vaddr + bias */
	size_t nloads;
	struct load_seg *loads;
	size_t nsyms;
	struct sym_ent *syms;	/* sorted by addr, preferred alias first */
	char *names;		/* the symbols' names, one block */
	size_t names_len;
	size_t bytes;		/* memory held, for the cache bound */
	unsigned int refs;	/* mappings of captures that point here */
	unsigned int used_gen;	/* report in which the last reference went */
	bool pinned;		/* our vDSO: never evicted */
	enum dfd_state dfd;
	struct elf_file *prev, *next;	/* list of all */
};

/* Files already opened, by (device, inode) as /proc/PID/maps shows them. */
struct file_key {
	dev_t dev;
	uint64_t ino;
	struct elf_file *elf;	/* NULL: could not be opened (not for lack of descriptors) */
};

struct mapping {
	uint64_t start, end, pgoff;
	struct elf_file *elf;	/* holds a reference; NULL when the file could not be read */
	char *path;		/* as /proc/PID/maps shows it; NULL: [vdso] or anonymous */
	const char *base;	/* its basename, or "[vdso]" */
	dev_t dev;
	uint64_t ino;
	bool retry;		/* not opened for lack of descriptors, or in a hurry: try again */
	bool jit;		/* anonymous: named by the process's perf map, if any */
	unsigned int retry_gen;	/* report of the last attempt */
};

/* A symbol of a perf map file (JIT code), at process addresses. */
struct jit_sym {
	uint64_t start, end;
	char *name;		/* owned */
	size_t line;		/* of the file: a later line wins at one start */
};

/* One address space of a process: its image between two execve calls. */
struct proc {
	pid_t pid;
	uint32_t as_gen;	/* 0: not announced, whatever the pid mapped when read */
	struct tt_syms_as id;	/* as_gen != 0: what /proc/PID/stat must show */
	bool gone;		/* exited or exec'd: never read again */
	bool retire;		/* gone when a report began: freed at the next one */
	bool captured;		/* read once at least */
	unsigned int refresh_gen;	/* report in which it was last read again */
	size_t n;
	struct mapping *maps;	/* sorted by start, not overlapping */
	size_t njit;
	struct jit_sym *jit;	/* its perf map, sorted by start */
};

struct ksym {
	uint64_t addr;
	uint32_t name;		/* offset of "name_[k]" in the arena */
};

/* The debuginfod helper process (tt_syms_use_debuginfod). */
struct dfd_helper {
	bool enabled;
	bool failed;		/* could not start, or died: no more queries */
	bool pending;		/* files DFD_WANTED may exist */
	pid_t pid;
	int to, from;		/* pipes: build-ids to it, "BUILDID PATH" lines back */
	size_t rlen;
	char rbuf[8192];
};

struct tt_syms {
	bool show_addrs;
	bool hurry;		/* SIGINT/SIGTERM pending: open no more files */
	unsigned int gen;
	void *procs;		/* tsearch: struct proc by pid, as_gen */
	size_t nprocs;
	void *files;		/* tsearch: struct file_key by dev, ino */
	size_t nbad;		/* entries of `files` without an elf */
	void *by_id;		/* tsearch: struct elf_file by id */
	struct elf_file *elfs;	/* most recently loaded or released first */
	struct elf_file *loading;	/* the file whose debug file libdwfl looks for */
	bool loading_emfile;	/* ... and an open failed for lack of descriptors */
	void *strings;		/* tsearch: strings made for one report (addresses) */
	bool kernel_loaded;
	unsigned int kernel_tried_gen;	/* report of the last attempt to read kallsyms */
	bool kernel_checked;
	char kernel_why[256];	/* why kernel frames cannot be named; "" when they can */
	struct ksym *ksyms;
	size_t nksyms;
	char *karena;
	struct tt_syms_stats st;
	char *debuginfo_path;
	Dwfl_Callbacks cbs;
	bool vdso_tried;
	uint64_t vdso_size;
	struct elf_file *vdso;	/* our vDSO, which every 64-bit process maps */
	struct dfd_helper dfd;
};

static int cmp_proc(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->as_gen > y->as_gen) - (x->as_gen < y->as_gen);
}

static int cmp_file(const void *a, const void *b)
{
	const struct file_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

static int cmp_elf_id(const void *a, const void *b)
{
	return strcmp(((const struct elf_file *)a)->id, ((const struct elf_file *)b)->id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* A copy of `str` that lives until the next report, shared with equal strings; NULL on ENOMEM. */
static const char *intern(struct tt_syms *s, const char *str)
{
	char *copy, **slot = tfind(str, &s->strings, cmp_str);

	if (slot)
		return *slot;
	copy = strdup(str);
	if (!copy)
		return NULL;
	slot = tsearch(copy, &s->strings, cmp_str);
	if (!slot) {
		free(copy);
		return NULL;
	}
	return *slot;
}

/* Out of descriptors: the process's limit or the system's. */
static bool no_fds(int err)
{
	return err == EMFILE || err == ENFILE;
}

static void fd_lost(struct tt_syms *s)
{
	s->st.fd_lost++;
}

bool tt_end_signal_pending(void)
{
	sigset_t set;

	return !sigpending(&set) &&
	       (sigismember(&set, SIGINT) == 1 || sigismember(&set, SIGTERM) == 1 ||
		sigismember(&set, SIGHUP) == 1);
}

/* Opening and reading ELF files must not keep the session from ending: once seen, sticky. */
static bool hurry(struct tt_syms *s)
{
	if (!s->hurry && tt_end_signal_pending())
		s->hurry = true;
	return s->hurry;
}

static int local_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
				GElf_Addr base, const char *file_name, const char *debuglink_file,
				GElf_Word debuglink_crc, char **debuginfo_file_name);

static int no_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		       char **file_name, Elf **elfp)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name, (void)elfp;
	return -1;	/* every module is reported with its descriptor */
}

struct tt_syms *tt_syms__new(bool show_addrs)
{
	struct tt_syms *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->show_addrs = show_addrs;
	s->gen = 1;
	s->dfd.to = s->dfd.from = -1;
	elf_version(EV_CURRENT);
	/*
	 * Our own callbacks, not libdwfl's standard ones: those fall back to
	 * debuginfod (a network request per file, on this thread) whenever
	 * DEBUGINFOD_URLS is set.
	 */
	s->cbs.find_elf = no_find_elf;
	s->cbs.find_debuginfo = local_find_debuginfo;
	s->cbs.section_address = dwfl_offline_section_address;
	s->cbs.debuginfo_path = &s->debuginfo_path;
	return s;
}

static void unref_elf(struct tt_syms *s, struct elf_file *e);

static void free_mapping(struct tt_syms *s, struct mapping *m)
{
	if (m->elf)
		unref_elf(s, m->elf);
	m->elf = NULL;
	free(m->path);
	m->path = NULL;
}

static void free_jit(struct jit_sym *v, size_t n)
{
	while (n--)
		free(v[n].name);
	free(v);
}

static void free_proc_of(struct tt_syms *s, struct proc *pr)
{
	size_t i;

	for (i = 0; i < pr->n; i++)
		free_mapping(s, &pr->maps[i]);
	free_jit(pr->jit, pr->njit);
	free(pr->maps);
	free(pr);
}

static void free_elf(struct elf_file *e)
{
	free(e->syms);
	free(e->names);
	free(e->loads);
	free(e->id);
	free(e);
}

static void free_nothing(void *p)
{
	(void)p;
}

static void dfd_stop(struct tt_syms *s);

/* twalk_r: collect the nodes of a tree into a vector. */
struct collect {
	void **v;
	size_t n, cap;
	bool failed;
};

static void collect_node(const void *node, VISIT which, void *arg)
{
	struct collect *c = arg;

	if (which != postorder && which != leaf)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		void **nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv) {
			c->failed = true;
			return;
		}
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = *(void *const *)node;
}

void tt_syms__free(struct tt_syms *s)
{
	struct elf_file *e, *next;
	struct collect c = { 0 };
	size_t i;

	if (!s)
		return;
	dfd_stop(s);
	twalk_r(s->procs, collect_node, &c);
	tdestroy(s->procs, free_nothing);
	for (i = 0; i < c.n; i++)
		free_proc_of(s, c.v[i]);	/* on failure to collect, leaked at exit */
	free(c.v);
	tdestroy(s->files, free);
	tdestroy(s->by_id, free_nothing);
	for (e = s->elfs; e; e = next) {
		next = e->next;
		free_elf(e);
	}
	tdestroy(s->strings, free);
	free(s->ksyms);
	free(s->karena);
	free(s->debuginfo_path);
	free(s);
}

void tt_syms_get_stats(const struct tt_syms *s, struct tt_syms_stats *st)
{
	*st = s->st;
}

/* --- ELF files --- */

static void elf_unlink(struct tt_syms *s, struct elf_file *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		s->elfs = e->next;
	if (e->next)
		e->next->prev = e->prev;
	e->prev = e->next = NULL;
}

static void elf_push(struct tt_syms *s, struct elf_file *e)
{
	e->prev = NULL;
	e->next = s->elfs;
	if (s->elfs)
		s->elfs->prev = e;
	s->elfs = e;
}

static struct elf_file *ref_elf(struct tt_syms *s, struct elf_file *e)
{
	(void)s;
	if (e)
		e->refs++;
	return e;
}

static void unref_elf(struct tt_syms *s, struct elf_file *e)
{
	if (--e->refs)
		return;
	/* most recently released first: eviction takes from the tail */
	e->used_gen = s->gen;
	elf_unlink(s, e);
	elf_push(s, e);
}

static int read_loads(struct elf_file *e, Dwfl_Module *mod)
{
	Elf *elf = dwfl_module_getelf(mod, &e->bias);
	size_t n, i;

	if (!elf || elf_getphdrnum(elf, &n))
		return -ENOEXEC;
	e->loads = calloc(n ? n : 1, sizeof(*e->loads));
	if (!e->loads)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		e->loads[e->nloads++] = (struct load_seg){ ph.p_offset, ph.p_vaddr, ph.p_filesz };
	}
	return e->nloads ? 0 : -ENOEXEC;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym_ent *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return strcmp(x->name, y->name);
}

/* Is symbol `i` of `mod` a function we keep?  Its name, or NULL. */
static const char *func_sym(Dwfl_Module *mod, int i, GElf_Sym *sym, GElf_Addr *addr)
{
	GElf_Addr bias;
	GElf_Word shndx;
	Elf *elf;
	const char *name = dwfl_module_getsym_info(mod, i, sym, addr, &shndx, &elf, &bias);
	int type = GELF_ST_TYPE(sym->st_info);

	if (!name || !*name || sym->st_shndx == SHN_UNDEF || !*addr)
		return NULL;
	return type == STT_FUNC || type == STT_GNU_IFUNC ? name : NULL;
}

/*
 * The module's function symbols (.symtab, else the debug file's, else
 * .dynsym: libdwfl picks), copied out (names included: the Dwfl is ended
 * after this) and sorted for binary search.  libdwfl's own
 * dwfl_module_addrname scans the whole table on every call (measured: about
 * 190 us per address on libc), too slow for a host-wide profile.  On
 * success the old table of `e`, if any, is replaced.
 */
static int read_syms(struct elf_file *e, Dwfl_Module *mod)
{
	int n = dwfl_module_getsymtab(mod), i;
	size_t k = 0, bytes = 0, o = 0;
	struct sym_ent *syms;
	GElf_Addr addr;
	GElf_Sym sym;
	const char *name;
	char *names;

	if (n <= 0)
		return 0;	/* no symbols: every address stays unresolved */
	for (i = 0; i < n; i++)
		if ((name = func_sym(mod, i, &sym, &addr)))
			bytes += strlen(name) + 1, k++;
	syms = calloc(k ? k : 1, sizeof(*syms));
	names = malloc(bytes ? bytes : 1);
	if (!syms || !names) {
		free(syms);
		free(names);
		return -ENOMEM;
	}
	for (i = 0, k = 0; i < n; i++) {
		int bind = GELF_ST_BIND(sym.st_info);
		size_t len;

		if (!(name = func_sym(mod, i, &sym, &addr)))
			continue;
		bind = GELF_ST_BIND(sym.st_info);
		len = strlen(name) + 1;
		if (o + len > bytes)
			break;	/* the table changed under us: cannot be, but stay in bounds */
		memcpy(names + o, name, len);
		syms[k++] = (struct sym_ent){
			.addr = addr, .size = sym.st_size, .name = names + o,
			/* global before weak before local; then fewer leading underscores */
			.rank = (bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 10 : 20) +
				(int)strspn(name, "_"),
		};
		o += len;
	}
	qsort(syms, k, sizeof(*syms), cmp_sym);
	free(e->syms);
	free(e->names);
	e->syms = syms;
	e->names = names;
	e->nsyms = k;
	e->names_len = bytes;
	return 0;
}

/* Symbol containing module address `a` (a sizeless one: the nearest before it), or NULL. */
static const char *sym_lookup(const struct elf_file *e, uint64_t a)
{
	size_t lo = 0, hi = e->nsyms, i, back;

	while (lo < hi) {	/* lo = first entry above a */
		size_t mid = lo + (hi - lo) / 2;

		if (e->syms[mid].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* look back a little for an enclosing symbol (nested or overlapping ranges) */
	for (i = lo, back = 0; i-- > 0 && back < 8; back++) {
		const struct sym_ent *s = &e->syms[i];

		if (!s->size || a < s->addr + s->size) {
			while (i > 0 && e->syms[i - 1].addr == s->addr)	/* preferred alias */
				s = &e->syms[--i];
			return s->name;
		}
	}
	return NULL;
}

static void build_id_hex(const unsigned char *bits, int n, char *out, size_t len)
{
	size_t o = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < n && o + 3 < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%02x", bits[i]);
}

/* Does `path` name the file with this device and inode? */
static bool is_file(const char *path, dev_t dev, uint64_t ino)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == ino && st.st_dev == dev;
}

/*
 * Open the file of a mapping: through /proc/PID/map_files, which gives the
 * very file mapped (even deleted or replaced since, and without following
 * a container's symlinks), else by path.  `dbg_name` receives the path of
 * the file as this process sees it, which is where a .gnu_debuglink file
 * is looked for next to it: /proc/PID/maps shows a path in the
 * traced process's mount namespace (a container: valid only under
 * /proc/PID/root) or, for a chroot, in ours; the one whose device and
 * inode match the mapping is taken.  A descriptor or -errno.
 */
static int open_mapped(pid_t pid, const char *path, dev_t dev, uint64_t ino, uint64_t start,
		       uint64_t end, char *dbg_name, size_t len)
{
	char alt[128];
	int fd, err;

	/*
	 * A mount namespace may share our root directory and still mount other
	 * files over its paths: comparing roots is not enough, the inode decides.
	 */
	snprintf(dbg_name, len, "/proc/%d/root%s", (int)pid, path);
	if (!is_file(dbg_name, dev, ino) && is_file(path, dev, ino))
		snprintf(dbg_name, len, "%s", path);
	snprintf(alt, sizeof(alt), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, start, end);
	fd = open(alt, O_RDONLY | O_CLOEXEC);
	err = errno;
	if (fd < 0 && !no_fds(err) && !strstr(path, " (deleted)") && is_file(dbg_name, dev, ino)) {
		fd = open(dbg_name, O_RDONLY | O_CLOEXEC);
		err = errno;
	}
	return fd < 0 ? -err : fd;
}

/* --- debug files, on local paths only --- */

/* zlib's crc32 of the whole file on `fd` (the .gnu_debuglink checksum); false on a read error. */
static bool file_crc(int fd, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0, Z_NULL, 0);
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		c = crc32(c, buf, (uInt)n);
	*crc = (uint32_t)c;
	return n == 0;
}

/*
 * Is the file at `path` the debug file wanted: the same build-id as the
 * module's (`bits`), or without one the debuglink checksum `crc`, and not
 * the main file itself (`main_st`)?  Its descriptor, or -1.
 */
static int try_debug_file(struct tt_syms *s, const char *path, const unsigned char *bits,
			  int nbits, const GElf_Word *crc, const struct stat *main_st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = false;
	struct stat st;

	if (fd < 0) {
		if (no_fds(errno))
			s->loading_emfile = true;
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (main_st && st.st_dev == main_st->st_dev && st.st_ino == main_st->st_ino)) {
		close(fd);
		return -1;
	}
	if (nbits > 0) {
		Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		const void *id = NULL;
		ssize_t n = elf ? dwelf_elf_gnu_build_id(elf, &id) : -1;

		ok = n == nbits && !memcmp(id, bits, (size_t)n);
		elf_end(elf);
	} else if (crc) {
		uint32_t c;

		ok = file_crc(fd, &c) && c == *crc;
	}
	if (!ok) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/*
 * libdwfl's find_debuginfo callback: the places libdwfl's standard search
 * looks (the build-id tree of /usr/lib/debug; the debuglink name next to
 * the file, in .debug/ there, under /usr/lib/debug), in the traced
 * process's root too when the file was reached through /proc/PID/root, and
 * nothing else: no debuginfod.  A file with no local debug file is marked
 * for the debuginfod helper when it is enabled.
 */
static int local_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
				GElf_Addr base, const char *file_name, const char *debuglink_file,
				GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	struct tt_syms *s = *userdata;
	const unsigned char *bits = NULL;
	char dir[4096], root[64] = "", path[8192];
	const char *roots[2], *rest = file_name;
	struct stat main_st, *mst = NULL;
	GElf_Addr vaddr;
	int nbits, fd = -1, i, r, pid, len = 0;

	(void)modname, (void)base;
	if (!s || s->hurry)
		return -1;
	nbits = dwfl_module_build_id(mod, &bits, &vaddr);
	if (file_name && sscanf(file_name, "/proc/%d/root%n", &pid, &len) == 1 && len > 0 &&
	    file_name[len] == '/') {
		snprintf(root, sizeof(root), "/proc/%d/root", pid);
		rest = file_name + len;	/* the path inside the process's root */
	}
	roots[0] = root;
	roots[1] = "";
	if (file_name && !stat(file_name, &main_st))
		mst = &main_st;
	for (r = 0; fd < 0 && nbits > 0 && r < 2; r++) {
		int o;

		if (r && !root[0])
			break;
		o = snprintf(path, sizeof(path), "%s/usr/lib/debug/.build-id/%02x/", roots[r],
			     bits[0]);
		for (i = 1; i < nbits && o < (int)sizeof(path) - 8; i++)
			o += snprintf(path + o, sizeof(path) - (size_t)o, "%02x", bits[i]);
		snprintf(path + o, sizeof(path) - (size_t)o, ".debug");
		fd = try_debug_file(s, path, bits, nbits, NULL, NULL);
	}
	if (fd < 0 && debuglink_file && file_name && !strchr(debuglink_file, '/')) {
		const char *slash = strrchr(rest, '/');

		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rest) : 0, rest);
		for (i = 0; fd < 0 && i < 4; i++) {
			if (i == 0)		/* next to the file */
				snprintf(path, sizeof(path), "%s%s/%s", root, dir, debuglink_file);
			else if (i == 1)	/* in .debug/ there */
				snprintf(path, sizeof(path), "%s%s/.debug/%s", root, dir,
					 debuglink_file);
			else			/* under /usr/lib/debug, in its root, then ours */
				snprintf(path, sizeof(path), "%s/usr/lib/debug%s/%s", roots[i - 2],
					 dir, debuglink_file);
			if (i == 3 && !root[0])
				break;
			fd = try_debug_file(s, path, bits, nbits, &debuglink_crc, mst);
		}
	}
	if (fd >= 0) {
		*debuginfo_file_name = strdup(path);
		return fd;
	}
	if (nbits > 0 && s->dfd.enabled && s->loading && s->loading->dfd == DFD_NONE) {
		s->loading->dfd = DFD_WANTED;
		s->dfd.pending = true;
	}
	return -1;
}

/*
 * libdwfl's module for the file open on `fd` (owned from here), in a Dwfl
 * of its own (*dwflp, to end).  `dbg_name` is where a .gnu_debuglink file
 * is looked for.  NULL if it is no ELF file.
 */
static Dwfl_Module *report_file(struct tt_syms *s, int fd, const char *base, const char *dbg_name,
				Dwfl **dwflp)
{
	Dwfl *dwfl = dwfl_begin(&s->cbs);
	Dwfl_Module *mod;
	void **ud;

	*dwflp = NULL;
	if (!dwfl) {
		close(fd);
		return NULL;
	}
	dwfl_report_begin(dwfl);
	mod = dwfl_report_elf(dwfl, base, dbg_name, fd, 0, false);	/* owns fd from here */
	dwfl_report_end(dwfl, NULL, NULL);
	if (!mod) {
		close(fd);
		dwfl_end(dwfl);
		return NULL;
	}
	dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
	*ud = s;	/* for local_find_debuginfo */
	*dwflp = dwfl;
	return mod;
}

/*
 * The symbols of `mod` into `e`, the debug file's if libdwfl finds one
 * (local_find_debuginfo).  0; -EMFILE when a debug file could not be
 * opened for lack of descriptors (the table may lack its symbols: not
 * kept); -ENOMEM.
 */
static int load_syms(struct tt_syms *s, struct elf_file *e, Dwfl_Module *mod)
{
	int ret;

	s->loading = e;
	s->loading_emfile = false;
	ret = read_syms(e, mod);
	if (!ret && s->loading_emfile)
		ret = -EMFILE;
	s->loading = NULL;
	return ret;
}

/* Memory `e` holds, for the cache bound. */
static size_t elf_bytes(const struct elf_file *e)
{
	return sizeof(*e) + strlen(e->id) + 1 + e->nloads * sizeof(*e->loads) +
	       e->nsyms * sizeof(*e->syms) + e->names_len;
}

/*
 * The cached ELF file open on `fd` (owned from here), loaded now if its
 * build-id (else `fallback_id`) is new, with a reference taken.  NULL with
 * *err: -EMFILE (try again later), -EINTR (in a hurry: not loaded), or
 * another -errno (unreadable).
 */
static struct elf_file *elf_from_fd(struct tt_syms *s, int fd, const char *base,
				    const char *dbg_name, const char *fallback_id, int *err)
{
	struct elf_file *e, key, **found;
	const unsigned char *bits;
	Dwfl_Module *mod;
	GElf_Addr vaddr;
	char id[128];
	Dwfl *dwfl;
	int n, ret;

	mod = report_file(s, fd, base, dbg_name, &dwfl);
	if (!mod) {
		*err = -ENOEXEC;
		return NULL;
	}
	n = dwfl_module_build_id(mod, &bits, &vaddr);
	build_id_hex(bits, n, id, sizeof(id));
	if (!id[0])
		snprintf(id, sizeof(id), "%s", fallback_id);
	key.id = id;
	found = tfind(&key, &s->by_id, cmp_elf_id);
	if (found) {	/* same build-id through another path or container */
		dwfl_end(dwfl);
		s->st.elfs_shared++;
		return ref_elf(s, *found);
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->id = strdup(id))) {
		free(e);
		dwfl_end(dwfl);
		*err = -ENOMEM;
		return NULL;
	}
	ret = read_loads(e, mod);
	/*
	 * The symbols now, the debug file's included, while the process and
	 * its mount namespace still exist.
	 */
	ret = ret ?: load_syms(s, e, mod);
	dwfl_end(dwfl);
	if (!ret && !tsearch(e, &s->by_id, cmp_elf_id))
		ret = -ENOMEM;
	if (ret) {
		free_elf(e);
		*err = ret;
		return NULL;
	}
	e->bytes = elf_bytes(e);
	elf_push(s, e);
	s->st.elfs++;
	return ref_elf(s, e);
}


/*
 * The cached ELF file behind a mapping, opened now if it is new, with a
 * reference taken.  NULL with *err as elf_from_fd says; a file that could
 * not be opened or read for another reason than a lack of descriptors or
 * a hurry is remembered as unreadable.
 */
static struct elf_file *elf_for(struct tt_syms *s, pid_t pid, const char *path, dev_t dev,
				uint64_t ino, uint64_t start, uint64_t end, int *err)
{
	struct file_key fk = { .dev = dev, .ino = ino }, *nk, **slot;
	char dbg_name[4096], id[64];
	struct elf_file *e;
	const char *base;
	int fd;

	*err = 0;
	slot = tfind(&fk, &s->files, cmp_file);
	if (slot) {
		if (!(*slot)->elf)
			*err = -ENOEXEC;
		else
			s->st.elfs_shared++;
		return ref_elf(s, (*slot)->elf);
	}
	if (hurry(s)) {
		*err = -EINTR;
		return NULL;
	}
	fd = open_mapped(pid, path, dev, ino, start, end, dbg_name, sizeof(dbg_name));
	if (fd < 0) {
		*err = fd;
		if (no_fds(-fd))
			return NULL;
		e = NULL;
	} else {
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		snprintf(id, sizeof(id), "ino:%u:%u:%" PRIu64, major(dev), minor(dev), ino);
		e = elf_from_fd(s, fd, base, dbg_name, id, err);
		if (!e && (no_fds(-*err) || *err == -ENOMEM))
			return NULL;
	}
	if (!e && s->nbad >= TT_SYMS_BAD_FILES)
		return NULL;	/* not remembered: opened again when seen again */
	nk = malloc(sizeof(*nk));
	if (!nk)
		return e;
	*nk = (struct file_key){ .dev = dev, .ino = ino, .elf = e };
	slot = tsearch(nk, &s->files, cmp_file);
	if (!slot || *slot != nk)
		free(nk);
	else
		s->nbad += !e;
	return e;
}

/*
 * The vDSO: the kernel maps one image into every 64-bit process, ours
 * included, so ours (AT_SYSINFO_EHDR, its size from our maps) is copied
 * into a memfd and loaded like a file.  A process's [vdso] mapping of
 * another size (a 32-bit process's) is not that image: NULL.  A reference
 * is taken.
 */
static struct elf_file *vdso_elf(struct tt_syms *s, uint64_t size)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR), start, end;
	char line[512];
	FILE *f;
	int fd, err;

	if (!s->vdso_tried) {
		s->vdso_tried = true;
		f = fopen("/proc/self/maps", "re");
		while (f && base && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) == 2 &&
			    start == base && strstr(line, "[vdso]")) {
				s->vdso_size = end - start;
				break;
			}
		}
		if (f)
			fclose(f);
		fd = s->vdso_size ? memfd_create("vdso", MFD_CLOEXEC) : -1;
		err = fd < 0 ? -errno : 0;
		if (fd >= 0 && write(fd, (const void *)(uintptr_t)base, s->vdso_size) ==
				       (ssize_t)s->vdso_size)
			s->vdso = elf_from_fd(s, fd, "[vdso]", "[vdso]", "vdso", &err);
		else if (fd >= 0)
			close(fd);
		if (s->vdso) {
			s->vdso->pinned = true;
		} else if (s->vdso_size && no_fds(-err)) {
			s->vdso_tried = false;	/* again at the next [vdso] mapping */
			fd_lost(s);
		}
	}
	return size == s->vdso_size ? ref_elf(s, s->vdso) : NULL;
}

/* --- processes --- */

static int cmp_mapping(const void *a, const void *b)
{
	uint64_t x = ((const struct mapping *)a)->start, y = ((const struct mapping *)b)->start;

	return (x > y) - (x < y);
}

/* --- perf map files (JIT code) --- */

#define TT_PERF_MAP_MAX (64u << 20)	/* bytes read of one perf map file at most */

/* `pid` as its own pid namespace numbers it (NSpid, innermost), or `pid`. */
static pid_t ns_pid(pid_t pid)
{
	char path[64], line[256], *last;
	pid_t r = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		line[strcspn(line, "\n")] = 0;
		last = strrchr(line, '\t');
		r = last ? (pid_t)atoi(last + 1) : pid;
		break;
	}
	if (f)
		fclose(f);
	return r > 0 ? r : pid;
}

/*
 * Open /tmp/perf-NSPID.map in the process's mount namespace, resolved
 * inside its root (openat2 RESOLVE_IN_ROOT, kernel 5.6: a symlink in the
 * container cannot lead out of it), never following the last component, not
 * blocking on a FIFO.  Only a regular file owned by root or by the
 * process's user is taken (perf's rule: the file names code, trust it only
 * from whoever runs the code).  A descriptor or -errno.
 */
static int open_perf_map(pid_t pid)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	char path[64], name[64];
	struct stat st, owner;
	int root, fd, err;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &owner))
		return -errno;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	snprintf(name, sizeof(name), "tmp/perf-%d.map", (int)ns_pid(pid));
	fd = (int)syscall(SYS_openat2, root, name, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		snprintf(path, sizeof(path), "/proc/%d/root/%s", (int)pid, name);
		fd = open(path, (int)how.flags);
	}
	err = errno;
	close(root);
	if (fd < 0)
		return -err;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (st.st_uid && st.st_uid != owner.st_uid)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

static int cmp_jit(const void *a, const void *b)
{
	const struct jit_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/*
 * Read the process's perf map ("START SIZE name" lines, hex, written by
 * the JIT as it emits code) into pr->jit, replacing what was read before
 * (the file only grows).  0 or -errno; on error pr->jit is left alone.
 */
static int read_perf_map(struct tt_syms *s, struct proc *pr)
{
	struct jit_sym *v = NULL, *nv;
	size_t n = 0, cap = 0, bytes = 0, i, k;
	unsigned long long start, size;
	char line[4096];
	int fd = open_perf_map(pr->pid), pos;
	FILE *f;

	if (fd < 0) {
		if (no_fds(-fd))
			fd_lost(s);
		return fd;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	s->st.perf_maps++;
	while (bytes < TT_PERF_MAP_MAX && fgets(line, sizeof(line), f)) {
		bytes += strlen(line);
		line[strcspn(line, "\n")] = 0;
		pos = 0;
		if (sscanf(line, "%llx %llx %n", &start, &size, &pos) < 2 || !pos || !line[pos] ||
		    !size || start + size < start)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto enomem;
			v = nv;
		}
		v[n] = (struct jit_sym){ start, start + size, strdup(line + pos), n };
		if (!v[n].name)
			goto enomem;
		n++;
	}
	fclose(f);
	qsort(v, n, sizeof(*v), cmp_jit);
	/* code emitted again at one address: the last line names it */
	for (i = 0, k = 0; i < n; i++) {
		if (k && v[k - 1].start == v[i].start)
			free(v[--k].name);
		v[k++] = v[i];
	}
	free_jit(pr->jit, pr->njit);
	pr->jit = v;
	pr->njit = k;
	return 0;
enomem:
	fclose(f);
	free_jit(v, n);
	return -ENOMEM;
}

/* The perf map symbol containing process address `a`, or NULL. */
static const char *jit_lookup(const struct proc *pr, uint64_t a)
{
	size_t lo = 0, hi = pr->njit;

	while (lo < hi) {	/* lo = first symbol starting above a */
		size_t mid = lo + (hi - lo) / 2;

		if (pr->jit[mid].start <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && a < pr->jit[lo - 1].end ? pr->jit[lo - 1].name : NULL;
}

/* A line of /proc/PID/maps: an executable mapping (a file, [vdso], anonymous). */
struct raw_map {
	uint64_t start, end, pgoff, ino;
	dev_t dev;
	char *path;
};

static void free_raw(struct raw_map *r, size_t n)
{
	while (n--)
		free(r[n].path);
	free(r);
}

/* -EMFILE for a lack of descriptors, else -ESRCH: the process is gone. */
static int proc_err(int err)
{
	return no_fds(err) ? -EMFILE : -ESRCH;
}

/* The executable mappings /proc/PID/maps shows now.  0 or -errno (-ESRCH: gone). */
static int read_raw_maps(pid_t pid, struct raw_map **out, size_t *count)
{
	char path[64], line[4352];
	struct raw_map *v = NULL, *nv;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return proc_err(errno);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, pgoff, ino;
		unsigned int maj, mnr;
		char perms[8];
		const char *file;
		int pos = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &pgoff,
			   &maj, &mnr, &ino, &pos) < 7 || !pos)
			continue;
		file = line + pos;
		line[strcspn(line, "\n")] = 0;
		/* files, the vDSO, and anonymous code (a JIT's): not [vsyscall] */
		if (perms[2] != 'x' || (file[0] != '/' && strcmp(file, "[vdso]") && file[0] &&
					strncmp(file, "[anon:", 6)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto enomem;
			v = nv;
		}
		v[n] = (struct raw_map){ start, end, pgoff, ino, makedev(maj, mnr), strdup(file) };
		if (!v[n++].path)
			goto enomem;
	}
	fclose(f);
	*out = v;
	*count = n;
	return 0;
enomem:
	fclose(f);
	free_raw(v, n);
	return -ENOMEM;
}

/* Fields 26 startcode, 28 startstack, 48 arg_start of /proc/PID/stat. */
int tt_syms_read_as(pid_t pid, struct tt_syms_as *id)
{
	char path[64], buf[1024], *p;
	unsigned long long v;
	int field, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return proc_err(errno);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* the comm may hold spaces and parentheses */
	if (!p)
		return -ESRCH;
	memset(id, 0, sizeof(*id));
	for (field = 3, p++; *p && field <= 48; field++) {
		while (*p == ' ')
			p++;
		v = strtoull(p, NULL, 10);	/* field 3, the state, is a letter */
		p += strcspn(p, " ");
		if (field == 26)
			id->start_code = v;
		else if (field == 28)
			id->start_stack = v;
		else if (field == 48)
			id->arg_start = v;
	}
	return field > 48 ? 0 : -ESRCH;
}

static bool same_as(const struct tt_syms_as *a, const struct tt_syms_as *b)
{
	return a->start_code == b->start_code && a->start_stack == b->start_stack &&
	       a->arg_start == b->arg_start;
}

/* Does a mapping of sorted `v` overlap [start, end)? */
static bool overlaps(const struct mapping *v, size_t n, uint64_t start, uint64_t end)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {	/* lo = first mapping ending after start */
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].end <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].start < end;
}

/*
 * Open the file of mapping `m` of `pid` (or take it from the cache).  A
 * lack of descriptors is counted, and the mapping tried again later; so is
 * one skipped in a hurry.
 */
static void open_mapping(struct tt_syms *s, pid_t pid, struct mapping *m)
{
	int err;

	m->retry_gen = s->gen;
	m->elf = elf_for(s, pid, m->path, m->dev, m->ino, m->start, m->end, &err);
	m->retry = !m->elf && (no_fds(-err) || err == -EINTR || err == -ENOMEM);
	if (!m->elf && no_fds(-err))
		fd_lost(s);
}

/*
 * Read the executable file mappings of `pr`'s process and add them to
 * `pr`: a mapping read now replaces the old ones it overlaps, the others
 * stay (a library unloaded since still names the samples taken in it).  An
 * announced address space is checked against /proc/PID/stat after the
 * read, before any file is opened through /proc/PID/map_files: a process
 * that exec'd in between has another image there.  0, -ESTALE, -ESRCH,
 * -EMFILE (counted) or -ENOMEM.
 */
static int read_maps(struct tt_syms *s, struct proc *pr)
{
	struct raw_map *raw = NULL;
	struct mapping *v, *nv;
	struct tt_syms_as now;
	size_t nraw = 0, n, i;
	bool jit;
	int ret;

	s->st.maps_reads++;
	ret = read_raw_maps(pr->pid, &raw, &nraw);
	if (!ret && pr->as_gen) {
		ret = tt_syms_read_as(pr->pid, &now);
		if (!ret && !same_as(&now, &pr->id))
			ret = -ESTALE;
	}
	if (ret) {
		s->st.stale += ret == -ESTALE;
		if (ret == -EMFILE)
			fd_lost(s);
		free_raw(raw, nraw);
		return ret;
	}
	/* a zombie or kernel thread has no mappings: keep an empty capture */
	v = calloc(nraw + pr->n + 1, sizeof(*v));
	if (!v) {
		free_raw(raw, nraw);
		return -ENOMEM;
	}
	for (i = 0, jit = false; i < nraw; i++) {
		struct raw_map *r = &raw[i];

		v[i] = (struct mapping){ .start = r->start, .end = r->end, .pgoff = r->pgoff,
					 .dev = r->dev, .ino = r->ino };
		if (r->path[0] == '/') {
			v[i].path = r->path;	/* taken over */
			r->path = NULL;
			v[i].base = strrchr(v[i].path, '/') + 1;
			open_mapping(s, pr->pid, &v[i]);
		} else if (r->path[0] == '[' && r->path[1] == 'v') {
			v[i].base = "[vdso]";
			v[i].elf = vdso_elf(s, r->end - r->start);
		} else {
			v[i].jit = jit = true;
		}
	}
	free_raw(raw, nraw);
	if (jit)
		read_perf_map(s, pr);	/* none, or unreadable: the old one stays */
	qsort(v, nraw, sizeof(*v), cmp_mapping);
	for (i = 0, n = nraw; i < pr->n; i++) {
		if (!overlaps(v, nraw, pr->maps[i].start, pr->maps[i].end))
			v[n++] = pr->maps[i];
		else
			free_mapping(s, &pr->maps[i]);
	}
	if (n > nraw)
		qsort(v, n, sizeof(*v), cmp_mapping);
	nv = realloc(v, (n ? n : 1) * sizeof(*v));
	free(pr->maps);
	pr->maps = nv ? nv : v;
	pr->n = n;
	return 0;
}

static struct proc *find_proc(struct tt_syms *s, pid_t pid, uint32_t as_gen)
{
	struct proc key = { .pid = pid, .as_gen = as_gen }, **slot = tfind(&key, &s->procs, cmp_proc);

	return slot ? *slot : NULL;
}

/* The capture of (pid, as_gen), created empty if new; NULL on ENOMEM. */
static struct proc *add_proc(struct tt_syms *s, pid_t pid, const struct tt_syms_as *as)
{
	struct proc *pr = find_proc(s, pid, as ? as->gen : 0);

	if (pr)
		return pr;
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return NULL;
	pr->pid = pid;
	if (as) {
		pr->as_gen = as->gen;
		pr->id = *as;
	}
	pr->refresh_gen = s->gen;
	if (!tsearch(pr, &s->procs, cmp_proc)) {
		free(pr);
		return NULL;
	}
	s->nprocs++;
	return pr;
}

/*
 * Read `pr` (again); a process gone or exec'd is remembered, never read
 * again.  One that could not be read for lack of descriptors is read at
 * its next address lookup.
 */
static int capture(struct tt_syms *s, struct proc *pr)
{
	int ret = read_maps(s, pr);

	if (ret == -ESRCH || ret == -ESTALE) {
		pr->gone = true;
	} else if (!ret && !pr->captured) {
		pr->captured = true;
		s->st.procs++;
	} else if (ret == -EMFILE) {
		pr->refresh_gen = 0;
	}
	return ret;
}

static void dfd_poll(struct tt_syms *s);

int tt_syms_note_as(struct tt_syms *s, pid_t pid, const struct tt_syms_as *as)
{
	struct proc *pr;
	int ret;

	if (!as->gen)
		return tt_syms_note_pid(s, pid);
	pr = add_proc(s, pid, as);
	if (!pr)
		return -ENOMEM;
	ret = pr->gone ? -ESTALE : capture(s, pr);
	dfd_poll(s);	/* its files without a local debug file, at once */
	return ret;
}

int tt_syms_note_pid(struct tt_syms *s, pid_t pid)
{
	struct proc *pr = find_proc(s, pid, 0);

	if (pr && pr->captured)
		return pr->gone ? -ESRCH : 0;
	if (pr && pr->gone)
		return -ESRCH;
	pr = pr ? pr : add_proc(s, pid, NULL);
	return pr ? capture(s, pr) : -ENOMEM;
}

static struct mapping *find_mapping(const struct proc *pr, uint64_t addr)
{
	size_t lo = 0, hi = pr->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < pr->maps[mid].start)
			hi = mid;
		else if (addr >= pr->maps[mid].end)
			lo = mid + 1;
		else
			return &pr->maps[mid];
	}
	return NULL;
}

/* --- bounds: captures of exited processes, idle files --- */

/* Is the process of capture `pr` gone (exited, or running another image)? */
static bool proc_gone(const struct proc *pr)
{
	struct tt_syms_as now;
	char path[64];
	int ret;

	if (pr->gone)
		return true;
	if (pr->as_gen) {
		ret = tt_syms_read_as(pr->pid, &now);
		return ret == -ESRCH || (!ret && !same_as(&now, &pr->id));
	}
	snprintf(path, sizeof(path), "/proc/%d", (int)pr->pid);
	return access(path, F_OK) && errno == ENOENT;
}

static void drop_proc(struct tt_syms *s, struct proc *pr)
{
	tdelete(pr, &s->procs, cmp_proc);
	s->nprocs--;
	s->st.procs_freed++;
	free_proc_of(s, pr);
}

/*
 * Captures whose process was gone when the previous report began are
 * freed: every sample it took was counted by then, so that report named
 * them all.  Those gone now are marked for the next report.
 */
static void retire_procs(struct tt_syms *s)
{
	struct collect c = { 0 };
	size_t i;

	twalk_r(s->procs, collect_node, &c);
	for (i = 0; !c.failed && i < c.n; i++) {
		struct proc *pr = c.v[i];

		if (pr->retire)
			drop_proc(s, pr);
		else if (proc_gone(pr))
			pr->retire = pr->gone = true;
	}
	free(c.v);
}

/* Remove the (device, inode) entries that lead to `e`. */
static void forget_files_of(struct tt_syms *s, const struct elf_file *e)
{
	struct collect c = { 0 };
	size_t i;

	twalk_r(s->files, collect_node, &c);
	for (i = 0; i < c.n; i++) {
		struct file_key *fk = c.v[i];

		if (fk->elf == e) {
			tdelete(fk, &s->files, cmp_file);
			free(fk);
		}
	}
	free(c.v);
}

/*
 * Files no capture maps any more beyond TT_SYMS_IDLE_FILES or
 * TT_SYMS_IDLE_BYTES are freed, the least recently released first.
 */
static void evict_files(struct tt_syms *s)
{
	struct elf_file *e, *prev, *tail = NULL;
	size_t idle = 0, bytes = 0;

	for (e = s->elfs; e; e = e->next) {
		if (!e->refs && !e->pinned) {
			idle++;
			bytes += e->bytes;
		}
		tail = e;
	}
	for (e = tail; e && (idle > TT_SYMS_IDLE_FILES || bytes > TT_SYMS_IDLE_BYTES); e = prev) {
		prev = e->prev;
		if (e->refs || e->pinned)
			continue;
		idle--;
		bytes -= e->bytes;
		forget_files_of(s, e);
		tdelete(e, &s->by_id, cmp_elf_id);
		elf_unlink(s, e);
		free_elf(e);
		s->st.elfs_evicted++;
	}
}

void tt_syms_next_report(struct tt_syms *s)
{
	s->gen++;
	tdestroy(s->strings, free);	/* the strings of the previous report */
	s->strings = NULL;
	retire_procs(s);
	evict_files(s);
	if (s->nbad >= TT_SYMS_BAD_FILES) {
		struct collect c = { 0 };
		size_t i;

		twalk_r(s->files, collect_node, &c);
		for (i = 0; !c.failed && i < c.n; i++) {
			struct file_key *fk = c.v[i];

			if (!fk->elf) {
				tdelete(fk, &s->files, cmp_file);
				free(fk);
			}
		}
		s->nbad = c.failed ? s->nbad : 0;
		free(c.v);
	}
	dfd_poll(s);
	s->st.open_procs = s->nprocs;
}

/* --- names --- */

static const char *unresolved(struct tt_syms *s, const char *base, uint64_t off, uint64_t addr,
			      const char *suffix, bool module)
{
	char buf[512];
	const char *r;

	s->st.unresolved++;
	if (!s->show_addrs && !(module && base))
		return *suffix ? TT_SYM_UNKNOWN "_[k]" : TT_SYM_UNKNOWN;
	if (base)
		snprintf(buf, sizeof(buf), "%s+0x%" PRIx64 "%s", base, off, suffix);
	else
		snprintf(buf, sizeof(buf), "0x%" PRIx64 "%s", addr, suffix);
	r = intern(s, buf);
	return r ? r : TT_SYM_UNKNOWN;
}

const char *tt_syms_user(struct tt_syms *s, pid_t pid, uint32_t as_gen, uint64_t addr,
			 bool ret_addr)
{
	struct mapping *m = NULL;
	uint64_t a = ret_addr && addr ? addr - 1 : addr, off;
	struct proc *pr;
	const char *name;
	size_t i;

	s->st.lookups++;
	pr = find_proc(s, pid, as_gen);
	if ((!pr || !pr->captured) && !as_gen) {
		tt_syms_note_pid(s, pid);
		pr = find_proc(s, pid, 0);
	}
	if (pr) {
		m = find_mapping(pr, a);
		/*
		 * A mapping made after the last capture (its announcement was
		 * held back, or none came), or JIT code named in the perf map
		 * since: read again, once per report, while the process still
		 * runs this image.
		 */
		if ((!m || (m->jit && !jit_lookup(pr, a))) && !pr->gone &&
		    pr->refresh_gen != s->gen) {
			pr->refresh_gen = s->gen;
			s->st.rereads++;
			if (!capture(s, pr))
				m = find_mapping(pr, a);
		}
	}
	if (!m)
		return unresolved(s, NULL, 0, addr, "", false);
	if (m->jit) {
		name = jit_lookup(pr, a);
		return name ? name : unresolved(s, NULL, 0, addr, "", false);
	}
	/* not opened for lack of descriptors (or in a hurry): once per report */
	if (m->retry && m->retry_gen != s->gen && !hurry(s))
		open_mapping(s, pr->pid, m);
	off = a - m->start + m->pgoff;
	if (m->elf) {
		for (i = 0; i < m->elf->nloads; i++) {
			const struct load_seg *l = &m->elf->loads[i];

			if (off >= l->off && off < l->off + l->filesz) {
				name = sym_lookup(m->elf, off - l->off + l->vaddr + m->elf->bias);
				if (name)
					return name;
				break;
			}
		}
	}
	/* a file not read (yet): its name and the offset say more than [unknown] */
	return unresolved(s, m->base, off, addr, "", m->retry);
}

/* --- debuginfod, in a helper process (tt_syms_use_debuginfod) --- */

/* libdebuginfod's client API (debuginfod.h), opened with dlopen as libdw does. */
typedef struct debuginfod_client debuginfod_client;
typedef debuginfod_client *(*dfd_begin_fn)(void);
typedef int (*dfd_find_fn)(debuginfod_client *, const unsigned char *, int, char **);

/*
 * The helper: reads hex build-ids, one a line, asks the servers of
 * DEBUGINFOD_URLS for each one's debug file (libdebuginfod caches it in
 * ~/.cache/debuginfod_client) and writes back "BUILDID PATH" or
 * "BUILDID -".  Never returns.
 */
static void __attribute__((noreturn)) dfd_child(void)
{
	void *lib = dlopen("libdebuginfod.so.1", RTLD_NOW);
	dfd_begin_fn begin = lib ? (dfd_begin_fn)dlsym(lib, "debuginfod_begin") : NULL;
	dfd_find_fn find = lib ? (dfd_find_fn)dlsym(lib, "debuginfod_find_debuginfo") : NULL;
	debuginfod_client *c = begin && find ? begin() : NULL;
	char line[256];
	FILE *in = fdopen(0, "r");

	if (!c || !in)
		_exit(3);
	while (fgets(line, sizeof(line), in)) {
		char *path = NULL;
		int fd;

		line[strcspn(line, "\n")] = 0;
		if (!line[0] || strspn(line, "0123456789abcdef") != strlen(line))
			continue;
		fd = find(c, (const unsigned char *)line, 0, &path);	/* 0: a hex string */
		if (fd >= 0)
			close(fd);
		if (dprintf(1, "%s %s\n", line, fd >= 0 && path && !strchr(path, '\n') ? path : "-")
		    < 0)
			_exit(1);
		free(path);
	}
	_exit(0);	/* never exit(): our parent's atexit handlers are not ours to run */
}

static int dfd_start(struct tt_syms *s)
{
	int to[2], from[2];
	pid_t parent = getpid(), pid;

	if (pipe2(to, O_CLOEXEC))
		return -errno;
	if (pipe2(from, O_CLOEXEC)) {
		close(to[0]);
		close(to[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(to[0]), close(to[1]), close(from[0]), close(from[1]);
		return err;
	}
	if (!pid) {
		sigset_t all;

		/* dies with us; signals as by default (a Ctrl-C reaches it too) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0)
			_exit(1);
		close_range(3, ~0U, 0);	/* our BPF objects, output files, the CMD pipes */
		dfd_child();
	}
	close(to[0]);
	close(from[1]);
	s->dfd.pid = pid;
	s->dfd.to = to[1];
	s->dfd.from = from[0];
	fcntl(s->dfd.to, F_SETFL, O_NONBLOCK);
	fcntl(s->dfd.from, F_SETFL, O_NONBLOCK);
	return 0;
}

int tt_syms_use_debuginfod(struct tt_syms *s)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	if (!urls || !urls[0])
		return -ENOENT;
	s->dfd.enabled = true;
	return 0;
}

static void dfd_stop(struct tt_syms *s)
{
	if (s->dfd.pid > 0) {
		/* a query may wait on a server for minutes: killed, not waited for */
		kill(s->dfd.pid, SIGKILL);
		waitpid(s->dfd.pid, NULL, 0);
	}
	s->dfd.pid = 0;
	if (s->dfd.to >= 0)
		close(s->dfd.to);
	if (s->dfd.from >= 0)
		close(s->dfd.from);
	s->dfd.to = s->dfd.from = -1;
}

/* The symbols of `e` from the debug file at `path`, the helper's answer. */
static void dfd_load(struct tt_syms *s, struct elf_file *e, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Dwfl_Module *mod;
	Dwfl *dwfl;

	if (fd < 0) {
		if (no_fds(errno)) {
			fd_lost(s);
			e->dfd = DFD_WANTED;	/* asked again: the answer is cached */
			s->dfd.pending = true;
		}
		return;
	}
	mod = report_file(s, fd, e->id, path, &dwfl);
	if (mod && !load_syms(s, e, mod)) {
		e->bytes = elf_bytes(e);
		s->st.debuginfod_found++;
	}
	if (dwfl)
		dwfl_end(dwfl);
}

/* One answer line of the helper. */
static void dfd_answer(struct tt_syms *s, char *line)
{
	char *sp = strchr(line, ' ');
	struct elf_file key, **found;

	if (!sp)
		return;
	*sp = 0;
	key.id = line;
	found = tfind(&key, &s->by_id, cmp_elf_id);
	if (!found || (*found)->dfd != DFD_SENT)
		return;	/* evicted meanwhile: no process maps it any more */
	(*found)->dfd = DFD_DONE;
	if (strcmp(sp + 1, "-"))
		dfd_load(s, *found, sp + 1);
}

/*
 * Take the helper's answers so far, and send it the files waiting for one.
 * Never blocks: both pipes are non-blocking, and a query the pipe has no
 * room for is sent at a later report.
 */
static void dfd_poll(struct tt_syms *s)
{
	struct elf_file *e;
	char line[160], *nl;
	ssize_t n;

	if (!s->dfd.enabled || s->dfd.failed || (!s->dfd.pending && s->dfd.pid <= 0))
		return;
	while (s->dfd.from >= 0 &&
	       (n = read(s->dfd.from, s->dfd.rbuf + s->dfd.rlen,
			 sizeof(s->dfd.rbuf) - 1 - s->dfd.rlen)) > 0) {
		s->dfd.rlen += (size_t)n;
		s->dfd.rbuf[s->dfd.rlen] = 0;
		while ((nl = strchr(s->dfd.rbuf, '\n'))) {
			*nl = 0;
			dfd_answer(s, s->dfd.rbuf);
			s->dfd.rlen -= (size_t)(nl + 1 - s->dfd.rbuf);
			memmove(s->dfd.rbuf, nl + 1, s->dfd.rlen + 1);
		}
		if (s->dfd.rlen == sizeof(s->dfd.rbuf) - 1)
			s->dfd.rlen = 0;	/* a line longer than any path: dropped */
	}
	for (e = s->elfs, s->dfd.pending = false; e; e = e->next) {
		if (e->dfd != DFD_WANTED)
			continue;
		if (s->dfd.pid <= 0 && dfd_start(s)) {
			s->dfd.failed = true;
			return;
		}
		snprintf(line, sizeof(line), "%s\n", e->id);
		n = tt_write_nosigpipe(s->dfd.to, line, strlen(line));
		if (n < 0 && errno == EAGAIN) {
			s->dfd.pending = true;	/* the rest at a later call */
			break;
		}
		if (n != (ssize_t)strlen(line)) {	/* the helper died */
			s->dfd.failed = true;
			dfd_stop(s);
			return;
		}
		e->dfd = DFD_SENT;
		s->st.debuginfod_queries++;
	}
}

/* --- kernel --- */

static int cmp_ksym(const void *a, const void *b)
{
	uint64_t x = ((const struct ksym *)a)->addr, y = ((const struct ksym *)b)->addr;

	return (x > y) - (x < y);
}

static int load_kallsyms(struct tt_syms *s)
{
	size_t cap = 0, acap = 0, alen = 0;
	char line[512], name[256], type;
	unsigned long long addr;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t len;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (!addr || !strchr("tTwW", type))
			continue;
		len = strlen(name) + sizeof("_[k]");
		if (s->nksyms == cap) {
			struct ksym *nk;

			cap = cap ? cap * 2 : 65536;
			nk = realloc(s->ksyms, cap * sizeof(*nk));
			if (!nk)
				goto enomem;
			s->ksyms = nk;
		}
		if (alen + len > acap) {
			char *na;

			acap = acap ? acap * 2 : 1 << 20;
			na = realloc(s->karena, acap);
			if (!na)
				goto enomem;
			s->karena = na;
		}
		s->ksyms[s->nksyms++] = (struct ksym){ addr, (uint32_t)alen };
		alen += (size_t)snprintf(s->karena + alen, len, "%s_[k]", name) + 1;
	}
	fclose(f);
	qsort(s->ksyms, s->nksyms, sizeof(*s->ksyms), cmp_ksym);
	return 0;
enomem:
	fclose(f);
	return -ENOMEM;
}

/* The sysctl kernel.kptr_restrict, or -1. */
static int kptr_restrict(void)
{
	FILE *f = fopen("/proc/sys/kernel/kptr_restrict", "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * Does /proc/kallsyms show this process kernel addresses?  Its first text
 * symbol tells (hidden ones are all 0; the first lines may be per-CPU
 * symbols, at 0 anyway).
 */
const char *tt_syms_kernel_hidden(struct tt_syms *s)
{
	unsigned long long addr = 0;
	char line[512], type = 0;
	FILE *f;
	int k;

	if (s->kernel_checked)
		return s->kernel_why[0] ? s->kernel_why : NULL;
	s->kernel_checked = true;
	f = fopen("/proc/kallsyms", "re");
	if (!f) {
		snprintf(s->kernel_why, sizeof(s->kernel_why), "kernel frames show as %s: cannot "
			 "read /proc/kallsyms: %s", TT_SYM_KERNEL_HIDDEN, strerror(errno));
		return s->kernel_why;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c", &addr, &type) == 2 && (type == 't' || type == 'T'))
			break;
	fclose(f);
	if (addr && (type == 't' || type == 'T'))
		return NULL;
	k = kptr_restrict();
	snprintf(s->kernel_why, sizeof(s->kernel_why), "kernel frames show as %s: /proc/kallsyms "
		 "hides kernel addresses from this process (kernel.kptr_restrict=%d: %s)",
		 TT_SYM_KERNEL_HIDDEN, k, k == 1 ? "run with CAP_SYSLOG, or set it to 0" :
		 k == 2 ? "set it to 0 or 1 (sysctl)" : "needs CAP_SYSLOG");
	return s->kernel_why;
}

const char *tt_syms_kernel(struct tt_syms *s, uint64_t addr, bool ret_addr)
{
	uint64_t a = ret_addr && addr ? addr - 1 : addr;
	size_t lo = 0, hi;

	if (!s->kernel_loaded && s->kernel_tried_gen != s->gen) {
		int ret = tt_syms_kernel_hidden(s) ? 0 : load_kallsyms(s);

		s->kernel_loaded = true;
		s->kernel_tried_gen = s->gen;
		if (ret == -EMFILE || ret == -ENFILE) {
			fd_lost(s);
			s->kernel_loaded = false;	/* again at the next report */
		}
		if (ret || s->kernel_why[0]) {
			free(s->ksyms);
			s->ksyms = NULL;
			s->nksyms = 0;	/* every kernel frame shows as unresolved */
		}
	}
	if (!s->nksyms && s->kernel_why[0] && !s->show_addrs) {
		s->st.unresolved++;
		return TT_SYM_KERNEL_HIDDEN;
	}
	hi = s->nksyms;
	/* last symbol at or below a */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ksyms[mid].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return unresolved(s, NULL, 0, addr, "_[k]", false);
	return s->karena + s->ksyms[lo - 1].name;
}
