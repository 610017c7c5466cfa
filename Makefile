# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tracetool build: BPF objects -> skeletons -> libtracetool.a -> one binary.
# `make` builds, `make demo` traces a small HTTP backend and client with
# syscalls, tcp and requests in one process, then draws its CPU flame graph,
# `make test` runs unit and live tests, `make bench` prints benchmark figures.

OUT        ?= build
CC         ?= gcc
CLANG      ?= clang
LLVM_STRIP ?= $(shell command -v llvm-strip 2>/dev/null || echo llvm-strip-14)
BPFTOOL    ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VERSION    := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

WARN       := -Wall -Wextra -Werror
HOST_WARN  := $(WARN) -Wno-format-truncation  # snprintf truncation is deliberate
CFLAGS     ?= -O2 -g
CFLAGS     += $(HOST_WARN) -std=gnu11 -D_GNU_SOURCE -MMD -MP -Iinclude -Iuser -I$(OUT)
BPF_CFLAGS := -g -O2 -target bpf -D__TT_BPF__ -D__TARGET_ARCH_$(ARCH) $(WARN) \
	      -Wno-unused-function -Wno-unused-parameter -MMD -MP -Iinclude -Ibpf -I$(OUT)
LIBS       := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) \
	      -lseccomp -ljansson -lm -lmicrohttpd -lcap -lyaml -lcrypt
LIBS       += -lprotobuf-c -lcurl -lz -lpthread  # OTLP push
LIBS       += $(shell pkg-config --libs libdw 2>/dev/null || echo -ldw -lelf)  # symbolization
LIBS       += $(shell pkg-config --libs zlib 2>/dev/null || echo -lz)  # .gnu_debuglink checksums
LIBS       += -lunistring  # screen cells of grapheme clusters (user/termwidth.c)

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
LIB_SRCS   := $(wildcard user/*.c user/render/*.c)
LIB_OBJS   := $(patsubst %.c,$(OUT)/%.o,$(LIB_SRCS))
# OTLP messages (proto/, the subset tracetool sends) compiled by protoc-c at build time
PROTOS     := $(shell find proto -name '*.proto' | sort)
PROTO_SRCS := $(patsubst proto/%.proto,$(OUT)/proto/%.pb-c.c,$(PROTOS))
PROTO_OBJS := $(PROTO_SRCS:.c=.o)
TOOL_SRCS  := $(wildcard tools/*.c)
TOOL_OBJS  := $(patsubst %.c,$(OUT)/%.o,$(TOOL_SRCS))
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
WL_SRCS    := $(wildcard tests/workloads/*.c)
WL_BINS    := $(patsubst tests/workloads/%.c,$(OUT)/workloads/%,$(WL_SRCS))
WL_LIBS    := $(patsubst tests/workloads/lib/%.c,$(OUT)/workloads/lib%.so,$(wildcard tests/workloads/lib/*.c))
# 32-bit workloads (tests/workloads/ia32/X.c -> X, -m32: the ia32 ABI's
# syscalls), built when the compiler has a 32-bit libc (gcc-multilib);
# without one their live tests skip.
M32_OK := $(shell echo 'int main(void){return 0;}' | $(CC) -m32 -x c -o /dev/null - 2>/dev/null && echo y)
ifeq ($(M32_OK),y)
WL_BINS += $(patsubst tests/workloads/ia32/%.c,$(OUT)/workloads/%,$(wildcard tests/workloads/ia32/*.c))
endif

.PHONY: all deps demo test unit live bench fuzz fuzz-report fuzz-resp fuzz-pg clean install FORCE
.DELETE_ON_ERROR:
.SECONDARY:

# test drivers of library code (tests/tools/X.c -> $(OUT)/tests/X), for the live tests
TEST_TOOLS := $(patsubst tests/tools/%.c,$(OUT)/tests/%,$(wildcard tests/tools/*.c))

all: $(OUT)/tracetool $(WL_BINS) $(WL_LIBS) $(TEST_TOOLS)

deps:
	@sh scripts/deps.sh

$(OUT)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@  # keep .BTF, drop DWARF: the skeleton embeds the object

# The stack tracers hand out stack ids with an atomic fetch-and-add: BPF v3
# atomics (kernel 5.12+; tracetool needs task storage, 5.11, and tp_btf anyway).
$(OUT)/bpf/profile.bpf.o $(OUT)/bpf/offcpu.bpf.o: BPF_CFLAGS += -mcpu=v3

# requests: its per-connection try-lock needs the atomic exchange of BPF ISA v3 (kernel 5.12+).
$(OUT)/bpf/requests.bpf.o: BPF_CFLAGS += -mcpu=v3

# syscalls, tcp: series ids (fetch-and-add) and min/max (compare-and-swap), bpf/lib/series.bpf.h.
$(OUT)/bpf/syscalls.bpf.o $(OUT)/bpf/tcp.bpf.o: BPF_CFLAGS += -mcpu=v3

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# Tools include skeletons: make every tool object wait for all of them.
$(TOOL_OBJS): $(SKELS)

# The version (git describe) in a header rewritten only when it changes, so
# --version and the benchmarks' provenance line follow every commit.
$(OUT)/version.h: FORCE
	@mkdir -p $(@D)
	@v='#define TT_VERSION "$(VERSION)"'; \
	[ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" > $@
FORCE:

$(OUT)/tools/tracetool.o $(OUT)/tools/serve.o: $(OUT)/version.h

$(OUT)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# one protoc-c run writes every .pb-c.[ch]; the encoder includes the headers
$(PROTO_SRCS) $(PROTO_SRCS:.c=.h) &: $(PROTOS)
	@mkdir -p $(OUT)/proto
	protoc-c --proto_path=proto --c_out=$(OUT)/proto $(PROTOS)

$(PROTO_OBJS): %.o: %.c
	$(CC) $(filter-out -Wextra,$(CFLAGS)) -I$(OUT)/proto -c $< -o $@

$(LIB_OBJS): | $(PROTO_SRCS)
$(OUT)/user/otlp.o $(OUT)/tests/test_otlp: CFLAGS += -I$(OUT)/proto
$(OUT)/tests/test_otlp: $(PROTO_SRCS)

$(OUT)/libtracetool.a: $(LIB_OBJS) $(PROTO_OBJS)
	$(AR) rcs $@ $^

$(OUT)/tracetool: $(TOOL_OBJS) $(OUT)/libtracetool.a
	$(CC) $(CFLAGS) -o $@ $(TOOL_OBJS) $(OUT)/libtracetool.a $(LIBS)

# Tests of tools/ code link those objects: the label decoders, and for the
# registry test the tracers themselves (skeletons and all), without main.
LABEL_OBJS  := $(patsubst %,$(OUT)/tools/%_labels.o,syscalls tcp requests)
TRACER_OBJS := $(patsubst %,$(OUT)/tools/%.o,registry syscalls tcp requests profile offcpu \
	       stacktool) $(LABEL_OBJS)
TOOL_TEST_OBJS_test_registry := $(TRACER_OBJS)
TOOL_TEST_OBJS_test_labels := $(LABEL_OBJS)
TOOL_TEST_OBJS_test_requests := $(LABEL_OBJS)
TOOL_TEST_OBJS_test_reqproto := $(LABEL_OBJS)
TOOL_TESTS := $(patsubst %,$(OUT)/tests/%,test_registry test_labels test_requests test_reqproto)
$(TOOL_TESTS): $(OUT)/tests/%: tests/unit/%.c $(TRACER_OBJS) $(OUT)/libtracetool.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -Itools -o $@ $< $(TOOL_TEST_OBJS_$*) $(OUT)/libtracetool.a \
		$(LIBS) -lcmocka

# tests that load a tracer's BPF object (root only; they skip otherwise)
$(OUT)/tests/test_store_bpf: $(SKELS)

# test_unwind judges real files: one program built with and without frame
# pointers, and the workloads (built with them) ...
FP_PROBES := $(OUT)/tests/data/fp_probe-fp $(OUT)/tests/data/fp_probe-nofp
$(OUT)/tests/data/fp_probe-fp: CFLAGS_FP := -fno-omit-frame-pointer
$(OUT)/tests/data/fp_probe-nofp: CFLAGS_FP := -fomit-frame-pointer
$(FP_PROBES): tests/unit/data/fp_probe.c
	@mkdir -p $(@D)
	$(CC) -O2 -g $(CFLAGS_FP) $(WARN) -o $@ $<
# ... and a library linked by gold, whose .eh_frame_hdr comes after .eh_frame
$(OUT)/tests/data/libgold_cfi.so: tests/unit/data/gold_cfi.c
	@mkdir -p $(@D)
	$(CC) -O1 -fPIC -shared -fno-toplevel-reorder -fuse-ld=gold $(WARN) -o $@ $<
$(OUT)/tests/test_unwind: $(FP_PROBES) $(OUT)/tests/data/libgold_cfi.so | $(WL_BINS) $(WL_LIBS)

$(OUT)/tests/%: tests/unit/%.c $(OUT)/libtracetool.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(OUT)/libtracetool.a $(LIBS) -lcmocka

$(TEST_TOOLS): $(OUT)/tests/%: tests/tools/%.c $(OUT)/libtracetool.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(OUT)/libtracetool.a $(LIBS)

# Workloads are built with frame pointers and without optimisation tricks
# that would merge the calls they are meant to make.
$(OUT)/workloads/%: tests/workloads/%.c tests/workloads/wl.h
	@mkdir -p $(@D)
	$(CC) -O1 -g -fno-omit-frame-pointer $(WARN) -o $@ $< -lm -lpthread

$(WL_BINS) $(WL_LIBS): $(wildcard tests/workloads/*.h)

$(OUT)/workloads/%: tests/workloads/ia32/%.c
	@mkdir -p $(@D)
	$(CC) -m32 -O1 -g -fno-omit-frame-pointer $(WARN) -o $@ $<

# Libraries the workloads load with dlopen (tests/workloads/lib/X.c -> libX.so).
$(OUT)/workloads/lib%.so: tests/workloads/lib/%.c
	@mkdir -p $(@D)
	$(CC) -O1 -g -fno-omit-frame-pointer -fPIC -shared $(WARN) -o $@ $<

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the man page, bash
# completion and the systemd unit of `tracetool serve` (docs/serve.md).
PREFIX  ?= /usr/local
BINDIR  := $(PREFIX)/bin
MANDIR  := $(PREFIX)/share/man/man1
COMPDIR := $(PREFIX)/share/bash-completion/completions
UNITDIR := $(PREFIX)/lib/systemd/system

install: $(OUT)/tracetool
	install -D -m 0755 $(OUT)/tracetool $(DESTDIR)$(BINDIR)/tracetool
	install -D -m 0644 docs/tracetool.1 $(DESTDIR)$(MANDIR)/tracetool.1
	install -D -m 0644 scripts/install/tracetool.bash-completion $(DESTDIR)$(COMPDIR)/tracetool
	@mkdir -p $(DESTDIR)$(UNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' scripts/install/tracetool-serve.service \
		> $(DESTDIR)$(UNITDIR)/tracetool-serve.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tracetool-serve.service

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(OUT)

unit: $(UNIT_BINS)
	@sh tests/run.sh $(OUT) unit

live: all
	@sh tests/run.sh $(OUT) live

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@sh tests/run.sh $(OUT)

bench: all
	@sh bench/syscalls.sh
	@sh bench/start.sh
	@sh bench/profile.sh
	@sh bench/profile_unwind.sh
	@sh bench/flamegraph.sh $(OUT)
	@sh bench/report.sh $(OUT)
	@sh bench/compare.sh
	@sh bench/tcp.sh
	@sh bench/requests.sh
	@sh bench/requests_redis_pg.sh
	@sh bench/serve.sh

# Fuzz targets under libFuzzer with ASan and UBSan (Debian's clang and
# libclang-rt-dev: sh scripts/deps.sh --fuzz); not part of `make test`:
# report (the report reader), resp and pg (the Redis and PostgreSQL decoders
# of include/tracetool/reqproto.h).  `make fuzz` runs each of FUZZ_TARGETS for
# FUZZ_RUNS executions, one process each; new inputs it finds are kept in
# $(OUT)/fuzz/corpus_NAME (report: $(OUT)/fuzz/corpus).
FUZZ_CC      ?= clang
FUZZ_RUNS    ?= 10000000
FUZZ_TARGETS ?= report resp pg
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	        -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Iuser
FUZZ_SRCS    := $(LIB_SRCS)

# the library includes the OTLP encoder: its generated protobuf-c sources too
$(OUT)/fuzz/fuzz_report: tests/fuzz/fuzz_report.c $(FUZZ_SRCS) $(PROTO_SRCS) \
		$(wildcard user/*.h include/tracetool/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -I$(OUT)/proto -o $@ tests/fuzz/fuzz_report.c $(FUZZ_SRCS) \
		$(PROTO_SRCS) $(LIBS)

$(OUT)/fuzz/fuzz_resp $(OUT)/fuzz/fuzz_pg: $(OUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c \
		tests/fuzz/fuzz_wire.h include/tracetool/reqproto.h include/tracetool/common.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $<

fuzz: $(patsubst %,fuzz-%,$(FUZZ_TARGETS))

fuzz-report: $(OUT)/fuzz/fuzz_report
	@mkdir -p $(OUT)/fuzz/corpus
	$< -runs=$(FUZZ_RUNS) -max_len=16384 -dict=tests/fuzz/report.dict -print_final_stats=1 \
	   $(OUT)/fuzz/corpus tests/fuzz/seeds

fuzz-resp fuzz-pg: fuzz-%: $(OUT)/fuzz/fuzz_%
	@mkdir -p $(OUT)/fuzz/corpus_$*
	$< -runs=$(FUZZ_RUNS) -max_len=4096 -dict=tests/fuzz/$*.dict -print_final_stats=1 \
	   $(OUT)/fuzz/corpus_$* tests/fuzz/seeds_$*

clean:
	rm -rf $(OUT)

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
