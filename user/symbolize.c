// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stack address symbolization (see symbolize.h).  One Dwfl per distinct ELF
 * file, keyed by build-id (by device and inode when a file has none), with
 * the file reported at its link-time addresses: a process address is turned
 * into a file offset through the mapping it falls in, then into an ELF
 * virtual address through the file's PT_LOAD headers, so the same cached
 * module serves every process that maps the file, at any load address, in
 * any mount namespace.  Resolved names are cached per ELF file.  Mappings
 * are kept per (pid, address-space generation): the samples a process took
 * before an execve are named from the image it ran then.  Anonymous
 * executable mappings are named from the process's perf map, the [vdso]
 * mapping from a copy of tracetool's own vDSO.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <elfutils/libdwfl.h>
#include <linux/openat2.h>
#include <gelf.h>

#include "symbolize.h"

struct load_seg {
	uint64_t off, vaddr, filesz;
};

/* A function symbol, at module addresses (ELF vaddr + bias). */
struct sym_ent {
	uint64_t addr, size;
	const char *name;	/* owned by the Dwfl */
	int rank;		/* lower is preferred among aliases at one address */
};

/* One ELF file, shared by every mapping of it (cache per build-id). */
struct elf_file {
	char *id;		/* build-id in hex, or "ino:DEV:INO" */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	GElf_Addr bias;		/* module address = ELF vaddr + bias */
	size_t nloads;
	struct load_seg *loads;
	size_t nsyms;
	struct sym_ent *syms;	/* sorted by addr, preferred alias first */
	void *names;		/* tsearch: struct name_hit by vaddr */
	struct elf_file *next;	/* list of all, for freeing */
};

struct name_hit {
	uint64_t vaddr;
	const char *name;	/* owned by the Dwfl, or NULL: unresolved */
};

/* Files already opened, by (device, inode) as /proc/PID/maps shows them. */
struct file_key {
	dev_t dev;
	uint64_t ino;
	struct elf_file *elf;	/* NULL: could not be opened */
};

struct mapping {
	uint64_t start, end, pgoff;
	struct elf_file *elf;	/* NULL when the file could not be read */
	const char *base;	/* interned basename, for show_addrs */
	bool jit;		/* anonymous: named by the process's perf map, if any */
};

/* A symbol of a perf map file (JIT code), at process addresses. */
struct jit_sym {
	uint64_t start, end;
	const char *name;	/* interned */
	size_t line;		/* of the file: a later line wins at one start */
};

/* One address space of a process: its image between two execve calls. */
struct proc {
	pid_t pid;
	uint32_t as_gen;	/* 0: not announced, whatever the pid mapped when read */
	struct tt_syms_as id;	/* as_gen != 0: what /proc/PID/stat must show */
	bool gone;		/* exited or exec'd: never read again */
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

struct tt_syms {
	bool show_addrs;
	unsigned int gen;
	void *procs;		/* tsearch: struct proc by pid */
	void *files;		/* tsearch: struct file_key by dev, ino */
	void *by_id;		/* tsearch: struct elf_file by id */
	struct elf_file *elfs;
	void *strings;		/* tsearch: interned strings */
	bool kernel_loaded;
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

static int cmp_hit(const void *a, const void *b)
{
	uint64_t x = ((const struct name_hit *)a)->vaddr, y = ((const struct name_hit *)b)->vaddr;

	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* A copy of `str` owned by `s`, shared with equal strings; NULL on ENOMEM. */
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

struct tt_syms *tt_syms__new(bool show_addrs)
{
	struct tt_syms *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->show_addrs = show_addrs;
	s->gen = 1;
	/* the default of libdwfl, spelled out: next to the file, .debug/, /usr/lib/debug */
	s->debuginfo_path = strdup(":.debug:/usr/lib/debug");
	if (!s->debuginfo_path) {
		free(s);
		return NULL;
	}
	s->cbs.find_elf = dwfl_build_id_find_elf;
	s->cbs.find_debuginfo = dwfl_standard_find_debuginfo;
	s->cbs.section_address = dwfl_offline_section_address;
	s->cbs.debuginfo_path = &s->debuginfo_path;
	return s;
}

static void free_proc(void *p)
{
	struct proc *pr = p;

	free(pr->jit);
	free(pr->maps);
	free(pr);
}

static void free_hit(void *p)
{
	free(p);
}

static void free_nothing(void *p)
{
	(void)p;
}

void tt_syms__free(struct tt_syms *s)
{
	struct elf_file *e, *next;

	if (!s)
		return;
	tdestroy(s->procs, free_proc);
	tdestroy(s->files, free);
	tdestroy(s->by_id, free_nothing);
	for (e = s->elfs; e; e = next) {
		next = e->next;
		tdestroy(e->names, free_hit);
		dwfl_end(e->dwfl);
		free(e->syms);
		free(e->loads);
		free(e->id);
		free(e);
	}
	tdestroy(s->strings, free);
	free(s->ksyms);
	free(s->karena);
	free(s->debuginfo_path);
	free(s);
}

void tt_syms_next_report(struct tt_syms *s)
{
	s->gen++;
}

void tt_syms_get_stats(const struct tt_syms *s, struct tt_syms_stats *st)
{
	*st = s->st;
}

/* --- ELF files --- */

static int read_loads(struct elf_file *e)
{
	Elf *elf = dwfl_module_getelf(e->mod, &e->bias);
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

/*
 * The module's function symbols (.symtab, else the debug file's, else
 * .dynsym: libdwfl picks), sorted for binary search.  libdwfl's own
 * dwfl_module_addrname scans the whole table on every call (measured: about
 * 190 us per address on libc), too slow for a host-wide profile.
 */
static int read_syms(struct elf_file *e)
{
	int n = dwfl_module_getsymtab(e->mod), i;
	size_t k = 0;

	if (n <= 0)
		return 0;	/* no symbols: every address stays unresolved */
	e->syms = calloc((size_t)n, sizeof(*e->syms));
	if (!e->syms)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		GElf_Addr addr, bias;
		GElf_Word shndx;
		GElf_Sym sym;
		Elf *elf;
		const char *name = dwfl_module_getsym_info(e->mod, i, &sym, &addr, &shndx, &elf,
							   &bias);
		int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);

		if (!name || !*name || sym.st_shndx == SHN_UNDEF || !addr)
			continue;
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		e->syms[k++] = (struct sym_ent){
			.addr = addr, .size = sym.st_size, .name = name,
			/* global before weak before local; then fewer leading underscores */
			.rank = (bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 10 : 20) +
				(int)strspn(name, "_"),
		};
	}
	e->nsyms = k;
	qsort(e->syms, k, sizeof(*e->syms), cmp_sym);
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

static void build_id_hex(Dwfl_Module *mod, char *out, size_t len)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(mod, &bits, &vaddr), i;
	size_t o = 0;

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
 * the file as this process sees it, which libdwfl uses to find a
 * .gnu_debuglink file next to it: /proc/PID/maps shows a path in the
 * traced process's mount namespace (a container: valid only under
 * /proc/PID/root) or, for a chroot, in ours; the one whose device and
 * inode match the mapping is taken.
 */
static int open_mapped(pid_t pid, const char *path, dev_t dev, uint64_t ino, uint64_t start,
		       uint64_t end, char *dbg_name, size_t len)
{
	char alt[128];
	int fd;

	/*
	 * A mount namespace may share our root directory and still mount other
	 * files over its paths: comparing roots is not enough, the inode decides.
	 */
	snprintf(dbg_name, len, "/proc/%d/root%s", (int)pid, path);
	if (!is_file(dbg_name, dev, ino) && is_file(path, dev, ino))
		snprintf(dbg_name, len, "%s", path);
	snprintf(alt, sizeof(alt), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, start, end);
	fd = open(alt, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && !strstr(path, " (deleted)"))
		fd = open(dbg_name, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * The cached ELF file open on `fd` (owned from here), loaded now if its
 * build-id (else `fallback_id`) is new.  `dbg_name` is where libdwfl looks
 * for a .gnu_debuglink file.  NULL if unreadable.
 */
static struct elf_file *elf_from_fd(struct tt_syms *s, int fd, const char *base,
				    const char *dbg_name, const char *fallback_id)
{
	struct elf_file *e, key, **found;
	Dwfl_Module *mod;
	char id[128];
	Dwfl *dwfl;

	dwfl = dwfl_begin(&s->cbs);
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
	build_id_hex(mod, id, sizeof(id));
	if (!id[0])
		snprintf(id, sizeof(id), "%s", fallback_id);
	key.id = id;
	found = tfind(&key, &s->by_id, cmp_elf_id);
	if (found) {	/* same build-id through another path or container */
		dwfl_end(dwfl);
		return *found;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->id = strdup(id))) {
		free(e);
		dwfl_end(dwfl);
		return NULL;
	}
	e->dwfl = dwfl;
	e->mod = mod;
	e->next = s->elfs;
	s->elfs = e;
	if (read_loads(e) || !tsearch(e, &s->by_id, cmp_elf_id)) {
		e->nloads = 0;	/* kept on the list for freeing; resolves nothing */
		return NULL;
	}
	/*
	 * Load the symbol table now, .gnu_debuglink / build-id debug file
	 * included, while the process and its mount namespace still exist.
	 */
	if (read_syms(e))
		return NULL;
	s->st.elfs++;
	return e;
}

/* The cached ELF file behind a mapping, opened now if it is new.  NULL if unreadable. */
static struct elf_file *elf_for(struct tt_syms *s, pid_t pid, const char *path, dev_t dev,
				uint64_t ino, uint64_t start, uint64_t end)
{
	struct file_key fk = { .dev = dev, .ino = ino }, *nk, **slot;
	char dbg_name[4096], id[64];
	const char *base;
	int fd;

	slot = tfind(&fk, &s->files, cmp_file);
	if (slot)
		return (*slot)->elf;
	nk = malloc(sizeof(*nk));
	if (!nk)
		return NULL;
	*nk = fk;
	if (!tsearch(nk, &s->files, cmp_file)) {
		free(nk);
		return NULL;
	}
	fd = open_mapped(pid, path, dev, ino, start, end, dbg_name, sizeof(dbg_name));
	if (fd < 0)
		return NULL;	/* remembered as unreadable */
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(id, sizeof(id), "ino:%u:%u:%" PRIu64, major(dev), minor(dev), ino);
	nk->elf = elf_from_fd(s, fd, base, dbg_name, id);
	return nk->elf;
}

/*
 * The vDSO: the kernel maps one image into every 64-bit process, ours
 * included, so ours (AT_SYSINFO_EHDR, its size from our maps) is copied
 * into a memfd and loaded like a file.  A process's [vdso] mapping of
 * another size (a 32-bit process's) is not that image: NULL.
 */
static struct elf_file *vdso_elf(struct tt_syms *s, uint64_t size)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR), start, end;
	char line[512];
	FILE *f;
	int fd;

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
		if (fd >= 0 && write(fd, (const void *)(uintptr_t)base, s->vdso_size) ==
				       (ssize_t)s->vdso_size)
			s->vdso = elf_from_fd(s, fd, "[vdso]", "[vdso]", "vdso");
		else if (fd >= 0)
			close(fd);
	}
	return size == s->vdso_size ? s->vdso : NULL;
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

	if (fd < 0)
		return fd;
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
		v[n] = (struct jit_sym){ start, start + size, intern(s, line + pos), n };
		if (!v[n].name)
			goto enomem;
		n++;
	}
	fclose(f);
	qsort(v, n, sizeof(*v), cmp_jit);
	/* code emitted again at one address: the last line names it */
	for (i = 0, k = 0; i < n; i++) {
		if (k && v[k - 1].start == v[i].start)
			k--;
		v[k++] = v[i];
	}
	free(pr->jit);
	pr->jit = v;
	pr->njit = k;
	return 0;
enomem:
	fclose(f);
	free(v);
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
		return -ESRCH;
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

/*
 * The identity of the address space `pid` runs in now, from /proc/PID/stat
 * (fields 26 startcode, 28 startstack, 48 arg_start).  0 or -ESRCH.
 */
static int read_as_id(pid_t pid, struct tt_syms_as *id)
{
	char path[64], buf[1024], *p;
	unsigned long long v;
	int field, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
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
 * Read the executable file mappings of `pr`'s process and add them to
 * `pr`: a mapping read now replaces the old ones it overlaps, the others
 * stay (a library unloaded since still names the samples taken in it).  An
 * announced address space is checked against /proc/PID/stat after the
 * read, before any file is opened through /proc/PID/map_files: a process
 * that exec'd in between has another image there.  0, -ESTALE, -ESRCH or
 * -ENOMEM.
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
		ret = read_as_id(pr->pid, &now);
		if (!ret && !same_as(&now, &pr->id))
			ret = -ESTALE;
	}
	if (ret) {
		s->st.stale += ret == -ESTALE;
		free_raw(raw, nraw);
		return ret;
	}
	/* a zombie or kernel thread has no mappings: keep an empty capture */
	v = malloc((nraw + pr->n + 1) * sizeof(*v));
	if (!v) {
		free_raw(raw, nraw);
		return -ENOMEM;
	}
	for (i = 0, jit = false; i < nraw; i++) {
		const struct raw_map *r = &raw[i];

		v[i] = (struct mapping){ .start = r->start, .end = r->end, .pgoff = r->pgoff };
		if (r->path[0] == '/') {
			v[i].base = intern(s, strrchr(r->path, '/') + 1);
			v[i].elf = elf_for(s, pr->pid, r->path, r->dev, r->ino, r->start, r->end);
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
	for (i = 0, n = nraw; i < pr->n; i++)
		if (!overlaps(v, nraw, pr->maps[i].start, pr->maps[i].end))
			v[n++] = pr->maps[i];
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
		free_proc(pr);
		return NULL;
	}
	return pr;
}

/* Read `pr` (again); a process gone or exec'd is remembered, never read again. */
static int capture(struct tt_syms *s, struct proc *pr)
{
	bool first = !pr->n && !pr->maps;
	int ret = read_maps(s, pr);

	if (ret == -ESRCH || ret == -ESTALE)
		pr->gone = true;
	else if (!ret && first)
		s->st.procs++;
	return ret;
}

int tt_syms_note_as(struct tt_syms *s, pid_t pid, const struct tt_syms_as *as)
{
	struct proc *pr;

	if (!as->gen)
		return tt_syms_note_pid(s, pid);
	pr = add_proc(s, pid, as);
	if (!pr)
		return -ENOMEM;
	return pr->gone ? -ESTALE : capture(s, pr);
}

int tt_syms_note_pid(struct tt_syms *s, pid_t pid)
{
	struct proc *pr = find_proc(s, pid, 0);

	if (pr)
		return pr->gone ? -ESRCH : 0;
	pr = add_proc(s, pid, NULL);
	return pr ? capture(s, pr) : -ENOMEM;
}

static const struct mapping *find_mapping(const struct proc *pr, uint64_t addr)
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

/* Name at ELF virtual address `vaddr` of `e`, cached; NULL when unresolved. */
static const char *elf_name(struct tt_syms *s, struct elf_file *e, uint64_t vaddr)
{
	struct name_hit key = { .vaddr = vaddr }, *hit, **slot;

	slot = tfind(&key, &e->names, cmp_hit);
	if (slot) {
		s->st.cache_hits++;
		return (*slot)->name;
	}
	hit = malloc(sizeof(*hit));
	if (!hit)
		return NULL;
	hit->vaddr = vaddr;
	hit->name = sym_lookup(e, vaddr + e->bias);
	if (!tsearch(hit, &e->names, cmp_hit)) {
		const char *name = hit->name;

		free(hit);
		return name;
	}
	return hit->name;
}

static const char *unresolved(struct tt_syms *s, const char *base, uint64_t off, uint64_t addr,
			      const char *suffix)
{
	char buf[512];
	const char *r;

	s->st.unresolved++;
	if (!s->show_addrs)
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
	const struct mapping *m = NULL;
	uint64_t a = ret_addr && addr ? addr - 1 : addr, off;
	struct proc *pr;
	const char *name;
	size_t i;

	s->st.lookups++;
	pr = find_proc(s, pid, as_gen);
	if (!pr && !as_gen) {
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
		return unresolved(s, NULL, 0, addr, "");
	if (m->jit) {
		name = jit_lookup(pr, a);
		return name ? name : unresolved(s, NULL, 0, addr, "");
	}
	off = a - m->start + m->pgoff;
	if (m->elf) {
		for (i = 0; i < m->elf->nloads; i++) {
			const struct load_seg *l = &m->elf->loads[i];

			if (off >= l->off && off < l->off + l->filesz) {
				name = elf_name(s, m->elf, off - l->off + l->vaddr);
				if (name)
					return name;
				break;
			}
		}
	}
	return unresolved(s, m->base, off, addr, "");
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

	if (!s->kernel_loaded) {
		s->kernel_loaded = true;
		if (tt_syms_kernel_hidden(s) || load_kallsyms(s))
			s->nksyms = 0;	/* every kernel frame shows as unresolved */
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
		return unresolved(s, NULL, 0, addr, "_[k]");
	return s->karena + s->ksyms[lo - 1].name;
}
