// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Labels of the requests tracer's records (labels.h). */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "labels.h"
#include "report.h"

const char *tt_http_method_name(unsigned int id)
{
	static const char *const names[TT_M_NR] = {
		[TT_M_GET] = "GET",	    [TT_M_HEAD] = "HEAD",	  [TT_M_POST] = "POST",
		[TT_M_PUT] = "PUT",	    [TT_M_DELETE] = "DELETE",	  [TT_M_CONNECT] = "CONNECT",
		[TT_M_OPTIONS] = "OPTIONS", [TT_M_TRACE] = "TRACE",	  [TT_M_PATCH] = "PATCH",
	};

	if (id < TT_M_NR && names[id])
		return names[id];
	return TT_METHOD_OTHER;
}

void tt_req_labels(const struct tt_req_event *e, struct tt_req_labels *l)
{
	snprintf(l->comm, sizeof(l->comm), "%.*s", TT_COMM_LEN, e->comm);
	l->method = tt_http_method_name(e->method);
	snprintf(l->status, sizeof(l->status), "%u", e->status);
	snprintf(l->port, sizeof(l->port), "%u",
		 e->kind == TT_REQ_HTTP_CLIENT ? e->rport : e->lport);
	snprintf(l->service, sizeof(l->service), "%s:%s", l->comm, l->port);
	if (e->kind == TT_REQ_HTTP_CLIENT)
		tt_ip_label(l->addr, sizeof(l->addr), e->family, e->raddr);
	else
		l->addr[0] = 0;
}

const char *tt_req_wire_label(const struct tt_req_event *e, char *buf)
{
	size_t i, n = e->route_len < TT_WIRE_WORD ? e->route_len : TT_WIRE_WORD;

	for (i = 0; i < n; i++)	/* the kernel keeps capitals only; anything else is a defect */
		if (e->route[i] < 'A' || e->route[i] > 'Z')
			n = 0;
	if (n) {
		memcpy(buf, e->route, n);
		buf[n] = 0;
		return buf;
	}
	if (e->kind == TT_REQ_POSTGRESQL && (e->status == 'B' || e->status == 'E'))
		return "_PREPARED";
	if (e->kind == TT_REQ_POSTGRESQL && e->status == 'F')
		return "_FUNCTION";
	return TT_METHOD_OTHER;
}
