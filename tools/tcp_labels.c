// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Labels of the tcp tracer's keys (labels.h). */
#include <stdio.h>

#include "labels.h"
#include "report.h"

bool tt_tcp_counter_labels(const struct tt_tcp_key *k, struct tt_tcp_labels *l)
{
	l->n = 0;
	switch (k->kind) {
	case TT_TCP_RETRANS:
	case TT_TCP_RETRANS_FAILED:
	case TT_TCP_CONNECT_FAILED:
		break;
	case TT_TCP_RESET_SENT:
	case TT_TCP_RESET_RECEIVED:
		l->v[l->n++] = k->kind == TT_TCP_RESET_SENT ? "sent" : "received";
		break;
	default:
		return false;
	}
	tt_ip_label(l->saddr, sizeof(l->saddr), k->family, k->saddr);
	tt_ip_label(l->daddr, sizeof(l->daddr), k->family, k->daddr);
	snprintf(l->dport, sizeof(l->dport), "%u", k->dport);
	if (k->kind != TT_TCP_CONNECT_FAILED)
		l->v[l->n++] = l->saddr;
	l->v[l->n++] = l->daddr;
	l->v[l->n++] = l->dport;
	return true;
}

void tt_tcp_peer_labels(const struct tt_tcp_key *k, struct tt_tcp_labels *l)
{
	tt_ip_label(l->daddr, sizeof(l->daddr), k->family, k->daddr);
	snprintf(l->dport, sizeof(l->dport), "%u", k->dport);
	l->v[0] = l->daddr;
	l->v[1] = l->dport;
	l->n = 2;
}

const char *tt_tcp_state_name(unsigned int s)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT",	 [3] = "SYN_RECV",   [4] = "FIN_WAIT1",
		[5] = "FIN_WAIT2",   [6] = "TIME_WAIT",	 [7] = "CLOSE",	     [8] = "CLOSE_WAIT",
		[9] = "LAST_ACK",    [10] = "LISTEN",	 [11] = "CLOSING",   [12] = "NEW_SYN_RECV",
	};

	return s < sizeof(names) / sizeof(names[0]) && names[s] ? names[s] : "UNKNOWN";
}
