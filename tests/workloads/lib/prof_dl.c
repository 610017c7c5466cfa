// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libprof_dl.so, loaded by the prof_dlopen workload with dlopen() once it
 * has been running: prof_dl_spin is CPU work in a mapping that did not
 * exist when the process was first sampled.
 */
#include "../spin.h"

TT_SPIN(prof_dl_spin)
