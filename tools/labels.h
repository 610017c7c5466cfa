/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Key-to-label decoding of each tracer: plain functions of the structs in
 * include/tracetool/ (no skeleton, no map), so unit tests
 * (tests/unit/test_labels.c) run exactly what the tracers run.
 */
#ifndef TT_LABELS_H
#define TT_LABELS_H

#include <stdbool.h>
#include <stddef.h>

#include "tracetool/reqproto.h"
#include "tracetool/requests.h"
#include "tracetool/syscalls.h"
#include "tracetool/tcp.h"

#define TT_LABEL_LEN 64	/* room for any label value below (an IPv6 address included) */

/* --- syscalls (tools/syscalls_labels.c) --- */

#define TT_SYSCALL_NLABELS 5	/* syscall, abi, comm, pid, tid */

/* The `abi` label of ABI abi (TT_SYSCALL_ABI_*): "x86_64", "i386" on x86-64. */
const char *tt_syscall_abi_name(unsigned int abi);
/*
 * The plain name of syscall id `id` (include/tracetool/syscalls.h) in its
 * ABI's table (libseccomp), or "syscall_<nr>" when that table has no entry.
 */
void tt_syscall_name(unsigned int id, char buf[TT_LABEL_LEN]);
/*
 * The syscall ids named `name` (libseccomp) in every ABI, at most one per
 * ABI; returns how many (0: no ABI has it).
 */
size_t tt_syscall_ids(const char *name, unsigned int ids[2]);
/*
 * Label values of a syscall key in aggregation mode `by` (enum
 * tt_syscalls_by): syscall name (tt_syscall_name), abi, then comm, pid and
 * tid as the mode has them.  Returns how many (2-5).
 */
size_t tt_syscall_key_labels(unsigned int by, const struct tt_syscall_key *k,
			     char bufs[TT_SYSCALL_NLABELS][TT_LABEL_LEN],
			     const char *labels[TT_SYSCALL_NLABELS]);
/*
 * Label values of syscall id `id`'s overflow series in mode `by`: the
 * syscall name and abi, then `_other` for each finer label the mode has.
 * Returns how many.
 */
size_t tt_syscall_other_labels(unsigned int by, unsigned int id,
			       char bufs[TT_SYSCALL_NLABELS][TT_LABEL_LEN],
			       const char *labels[TT_SYSCALL_NLABELS]);
/* The errno label of a positive errno: "ENOENT", or "E<n>" when glibc has no name. */
const char *tt_errno_label(unsigned int err, char buf[TT_LABEL_LEN]);
/*
 * The name of a kernel-internal restart code a syscall can end with at
 * sys_exit ("ERESTARTSYS" for 512, ERESTARTNOINTR 513, ERESTARTNOHAND 514,
 * ERESTART_RESTARTBLOCK 516), or NULL for any other value.  No program
 * sees these: signal delivery turns them into EINTR or restarts the call.
 */
const char *tt_restart_name(unsigned int code);

/* --- tcp (tools/tcp_labels.c) --- */

struct tt_tcp_labels {
	char saddr[TT_LABEL_LEN], daddr[TT_LABEL_LEN], dport[8];
	const char *v[4];	/* label values in the family's order */
	size_t n;
};

/*
 * Labels of a counter key: [direction,] saddr, daddr, dport (connect
 * failures: daddr, dport).  Returns false for a kind that is no counter.
 */
bool tt_tcp_counter_labels(const struct tt_tcp_key *k, struct tt_tcp_labels *l);
/* Labels of a histogram key (connect latency, RTT): daddr, dport. */
void tt_tcp_peer_labels(const struct tt_tcp_key *k, struct tt_tcp_labels *l);
/* Name of a TCP state (1 = ESTABLISHED ...), "UNKNOWN" for others. */
const char *tt_tcp_state_name(unsigned int state);

/* --- requests (tools/requests_labels.c) --- */

/* Name of a method id (enum tt_http_method); "_OTHER" for unknown ids. */
const char *tt_http_method_name(unsigned int id);

struct tt_req_labels {
	char comm[TT_COMM_LEN + 1];
	const char *method;
	char status[8];
	char port[8];		/* TCP, HTTP server: the local port; HTTP client: the server's */
	char addr[TT_LABEL_LEN];	/* HTTP client: the server's address */
	char service[TT_COMM_LEN + 8];	/* "comm:port": what a route budget is per */
};

/* The label values of one finished request record (the route aside). */
void tt_req_labels(const struct tt_req_event *e, struct tt_req_labels *l);

/*
 * The command (Redis) or operation (PostgreSQL) label of a record, into
 * buf (at least TT_REQ_WIRE_LABEL bytes): the name or first keyword the
 * kernel kept, in capitals; for a PostgreSQL turn without one, what
 * started it: "_PREPARED" (Bind/Execute of a statement prepared earlier),
 * "_FUNCTION" (FunctionCall); "_OTHER" when the word was not recognisable
 * (not letters only, longer than 16 bytes, cut by the read).
 */
#define TT_REQ_WIRE_LABEL 24
const char *tt_req_wire_label(const struct tt_req_event *e, char *buf);

#endif /* TT_LABELS_H */
