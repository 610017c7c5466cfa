#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Every check of test_requests_redis_pg.sh on the fallback path (--hook
# tracepoint: the per-syscall exit tracepoints and the LRU hash of
# connections), named reqproto_fallback_*.  The plain run uses tp_btf.
REQ_HOOK=tracepoint sh "$(dirname "$0")/test_requests_redis_pg.sh" |
	sed 's/^\(PASS\|FAIL\|SKIP\): reqproto_/\1: reqproto_fallback_/'
