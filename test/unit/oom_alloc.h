/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation-failure injection and accounting for the test programs.
 *
 * A program links oom_alloc.c with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=strdup
 * so that every call to these functions from the program's own objects and
 * from static archives linked into it (librdpneg_internal.a; the mbedTLS
 * archives when they are linked statically) goes through the wrappers
 * below. Calls made inside shared libraries (libmbedcrypto.so, libc itself)
 * do not: the linker cannot see them.
 *
 * Every wrapped block is tracked (pointer -> size), so the live count and
 * bytes are exact for them; a free of a pointer the wrappers did not hand
 * out is passed on untouched. Failures are injected only while not paused:
 * the Nth counted allocation fails (or every one from the Nth on). */
#ifndef RDPNEG_OOM_ALLOC_H
#define RDPNEG_OOM_ALLOC_H

#include <stddef.h>

/* Forget counters and the failure plan (blocks stay tracked). */
void oom_reset(void);
/* Fail counted allocation number |n| (1-based; 0: none); with |persistent|
 * every one after it fails as well. */
void oom_fail_at(size_t n, int persistent);
/* Nested: while > 0, allocations are tracked but neither counted nor
 * failed (the test's own scripted server runs paused). */
void oom_pause(void);
void oom_resume(void);
/* Counted allocations since oom_reset, and failures injected. */
size_t oom_count(void);
size_t oom_failures(void);
/* Tracked blocks alive now, their bytes, and the highest byte total since
 * oom_peak_reset (or the start). */
size_t oom_live(void);
size_t oom_live_bytes(void);
size_t oom_peak_bytes(void);
void oom_peak_reset(void);

#endif
