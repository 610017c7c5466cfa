#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Every check of test_requests.sh on the fallback path (--hook tracepoint:
# the per-syscall exit tracepoints and the LRU hash of connections), named
# requests_fallback_*.  The plain run uses the socket path (tp_btf).
REQ_HOOK=tracepoint sh "$(dirname "$0")/test_requests.sh" |
	sed 's/^\(PASS\|FAIL\|SKIP\): requests_/\1: requests_fallback_/'
