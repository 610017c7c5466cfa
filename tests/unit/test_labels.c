// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of every tracer's key-to-label decoding (tools/<tracer>_labels.c):
 * the label values a map key or ring-buffer record becomes, in the order
 * of the family's label names.  Stack keys to frames are tested with the
 * symbolizer (test_symbolize.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "labels.h"

static void test_syscall_key_labels(void **state)
{
	struct tt_syscall_key k = { .nr = SYS_getppid, .tgid = 42, .tid = 43, .comm = "nginx" };
	char bufs[TT_SYSCALL_NLABELS][TT_LABEL_LEN];
	const char *l[TT_SYSCALL_NLABELS];

	(void)state;
	assert_int_equal(tt_syscall_key_labels(TT_BY_SYSCALL, &k, bufs, l), 2);
	assert_string_equal(l[0], "getppid");
	assert_string_equal(l[1], "x86_64");
	assert_int_equal(tt_syscall_key_labels(TT_BY_COMM, &k, bufs, l), 3);
	assert_string_equal(l[2], "nginx");
	assert_int_equal(tt_syscall_key_labels(TT_BY_PROCESS, &k, bufs, l), 4);
	assert_string_equal(l[3], "42");
	assert_int_equal(tt_syscall_key_labels(TT_BY_THREAD, &k, bufs, l), 5);
	assert_string_equal(l[4], "43");
	/* a comm of exactly TT_COMM_LEN bytes has no NUL in the key */
	memcpy(k.comm, "0123456789abcdef", TT_COMM_LEN);
	tt_syscall_key_labels(TT_BY_COMM, &k, bufs, l);
	assert_string_equal(l[2], "0123456789abcdef");
	k.nr = tt_syscall_id(TT_SYSCALL_ABI_NATIVE, 1000);	/* no such syscall */
	tt_syscall_key_labels(TT_BY_SYSCALL, &k, bufs, l);
	assert_string_equal(l[0], "syscall_1000");
	/* i386 20 is getpid (x86_64 20: writev), and 1000 is none */
	k.nr = tt_syscall_id(TT_SYSCALL_ABI_COMPAT, 20);
	assert_int_equal(tt_syscall_other_labels(TT_BY_PROCESS, k.nr, bufs, l), 4);
	assert_string_equal(l[0], "getpid");
	assert_string_equal(l[1], "i386");
	assert_string_equal(l[2], "_other");
	assert_string_equal(l[3], "_other");
	k.nr = tt_syscall_id(TT_SYSCALL_ABI_COMPAT, 1000);
	tt_syscall_key_labels(TT_BY_SYSCALL, &k, bufs, l);
	assert_string_equal(l[0], "syscall_1000");
	assert_string_equal(l[1], "i386");
}

/* Syscall ids: every (abi, nr < 1024) pair has its own id, decoded back. */
static void test_syscall_ids(void **state)
{
	unsigned int abi, nr, ids[2];
	static unsigned char seen[TT_SYSCALL_NR_MAX];

	(void)state;
	for (abi = 0; abi < 2; abi++)
		for (nr = 0; nr < TT_SYSCALL_NR_LIMIT; nr++) {
			__u32 id = tt_syscall_id(abi, nr);

			assert_true(id < TT_SYSCALL_NR_MAX);
			assert_int_equal(seen[id]++, 0);
			assert_int_equal(tt_syscall_id_abi(id), abi);
			assert_int_equal(tt_syscall_id_nr(id), nr);
			/* the dense rows: the native numbers below 512 */
			assert_int_equal(id < TT_SYSCALL_DENSE_NR, abi == TT_SYSCALL_ABI_NATIVE && nr < 512);
		}
	/* a name in every ABI that has it, and only those */
	assert_int_equal(tt_syscall_ids("getpid", ids), 2);
	assert_int_equal(ids[0], tt_syscall_id(TT_SYSCALL_ABI_NATIVE, SYS_getpid));
	assert_int_equal(ids[1], tt_syscall_id(TT_SYSCALL_ABI_COMPAT, 20));
	assert_int_equal(tt_syscall_ids("waitpid", ids), 1);	/* i386 only */
	assert_int_equal(ids[0], tt_syscall_id(TT_SYSCALL_ABI_COMPAT, 7));
	assert_int_equal(tt_syscall_ids("no_such_call", ids), 0);
}

static void test_errno_label(void **state)
{
	char buf[TT_LABEL_LEN];

	(void)state;
	assert_string_equal(tt_errno_label(ENOENT, buf), "ENOENT");
	assert_string_equal(tt_errno_label(EAGAIN, buf), "EAGAIN");
	assert_string_equal(tt_errno_label(4000, buf), "E4000");
}

static void test_tcp_counter_labels(void **state)
{
	struct tt_tcp_key k = { .kind = TT_TCP_RESET_SENT, .family = TT_TCP_AF_INET, .dport = 443,
				.saddr = { 10, 0, 0, 1 }, .daddr = { 10, 0, 0, 2 } };
	struct tt_tcp_labels l;

	(void)state;
	assert_true(tt_tcp_counter_labels(&k, &l));
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0], "sent");
	assert_string_equal(l.v[1], "10.0.0.1");
	assert_string_equal(l.v[2], "10.0.0.2");
	assert_string_equal(l.v[3], "443");
	k.kind = TT_TCP_RESET_RECEIVED;
	assert_true(tt_tcp_counter_labels(&k, &l));
	assert_string_equal(l.v[0], "received");
	k.kind = TT_TCP_RETRANS;
	assert_true(tt_tcp_counter_labels(&k, &l));
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "10.0.0.1");
	k.kind = TT_TCP_CONNECT_FAILED;	/* daddr, dport */
	assert_true(tt_tcp_counter_labels(&k, &l));
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "10.0.0.2");
	assert_string_equal(l.v[1], "443");
	k.kind = TT_TCP_CONNECT;	/* a histogram */
	assert_false(tt_tcp_counter_labels(&k, &l));
	k.kind = TT_TCP_KIND_NR;
	assert_false(tt_tcp_counter_labels(&k, &l));
}

static void test_tcp_peer_labels_v6(void **state)
{
	struct tt_tcp_key k = { .kind = TT_TCP_RTT, .family = TT_TCP_AF_INET6, .dport = 8080,
				.daddr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct tt_tcp_labels l;

	(void)state;
	tt_tcp_peer_labels(&k, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "2001:db8::1");
	assert_string_equal(l.v[1], "8080");
	assert_string_equal(tt_tcp_state_name(1), "ESTABLISHED");
	assert_string_equal(tt_tcp_state_name(12), "NEW_SYN_RECV");
	assert_string_equal(tt_tcp_state_name(0), "UNKNOWN");
	assert_string_equal(tt_tcp_state_name(200), "UNKNOWN");
}

static void test_req_labels(void **state)
{
	struct tt_req_event e = { .kind = TT_REQ_HTTP_CLIENT, .method = TT_M_POST, .status = 503,
				  .lport = 40000, .rport = 8443, .family = TT_TCP_AF_INET,
				  .comm = "curl", .raddr = { 127, 0, 0, 9 } };
	struct tt_req_labels l;

	(void)state;
	tt_req_labels(&e, &l);
	assert_string_equal(l.comm, "curl");
	assert_string_equal(l.method, "POST");
	assert_string_equal(l.status, "503");
	assert_string_equal(l.addr, "127.0.0.9");
	assert_string_equal(l.port, "8443");	/* the server's */
	e.kind = TT_REQ_TCP;
	tt_req_labels(&e, &l);
	assert_string_equal(l.port, "40000");	/* the service's own port */
	assert_string_equal(l.addr, "");
	e.kind = TT_REQ_HTTP_SERVER;
	e.method = 250;
	tt_req_labels(&e, &l);
	assert_string_equal(l.method, "_OTHER");
	assert_string_equal(l.port, "40000");	/* server_port: the local port */
	assert_string_equal(l.service, "curl:40000");
	e.kind = TT_REQ_HTTP_CLIENT;
	memcpy(e.comm, "a:1", 4);
	tt_req_labels(&e, &l);
	assert_string_equal(l.service, "a:1:8443");	/* the port is after the last ':' */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall_key_labels),
		cmocka_unit_test(test_syscall_ids),
		cmocka_unit_test(test_errno_label),
		cmocka_unit_test(test_tcp_counter_labels),
		cmocka_unit_test(test_tcp_peer_labels_v6),
		cmocka_unit_test(test_req_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
