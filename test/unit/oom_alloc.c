/* SPDX-License-Identifier: Apache-2.0 */
/* See oom_alloc.h. Not thread-safe: the programs using it allocate from
 * one thread. */
#include "oom_alloc.h"

#include <execinfo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);

/* Open addressing, linear probing, backward-shift deletion. */
#ifndef OOM_SLOTS
#define OOM_SLOTS (1u << 20)
#endif
#define SLOTS OOM_SLOTS
static struct {
  uintptr_t p;
  size_t n;
} tab[SLOTS];
static size_t live, live_bytes, peak;
static size_t counted, failures, fail_n;
static int fail_persistent, paused;

static size_t slot_of(uintptr_t p) {
  return (size_t)((p >> 4) * 0x9E3779B97F4A7C15ull >> 44) & (SLOTS - 1);
}

static void track(void *ptr, size_t n) {
  uintptr_t p = (uintptr_t)ptr;
  size_t i = slot_of(p);
  if (live + 1 >= SLOTS - SLOTS / 8) {
    fprintf(stderr, "oom_alloc: more than %u live blocks\n", SLOTS);
    abort();
  }
  while (tab[i].p)
    i = (i + 1) & (SLOTS - 1);
  tab[i].p = p;
  tab[i].n = n;
  live++;
  live_bytes += n;
  if (live_bytes > peak)
    peak = live_bytes;
}

/* Removes |ptr|; returns 1 when it was tracked. */
static int untrack(void *ptr) {
  uintptr_t p = (uintptr_t)ptr;
  size_t i = slot_of(p);
  while (tab[i].p && tab[i].p != p)
    i = (i + 1) & (SLOTS - 1);
  if (!tab[i].p)
    return 0;
  live--;
  live_bytes -= tab[i].n;
  tab[i].p = 0;
  /* shift back the entries of the probe run that follows */
  size_t j = i;
  for (;;) {
    j = (j + 1) & (SLOTS - 1);
    if (!tab[j].p)
      break;
    size_t home = slot_of(tab[j].p);
    /* tab[j] moves to the hole when the hole lies on its probe path,
     * i.e. its home is not in the cyclic range (i, j] */
    if (((j - home) & (SLOTS - 1)) >= ((j - i) & (SLOTS - 1))) {
      tab[i] = tab[j];
      tab[j].p = 0;
      i = j;
    }
  }
  return 1;
}

/* OOM_TRACE=N prints the call stack of allocation N when it fails
 * (debugging aid: which allocation a sweep report means). */
static void trace(void) {
  static long want = -1;
  if (want < 0) {
    const char *e = getenv("OOM_TRACE");
    want = e ? atol(e) : 0;
  }
  if (want && (size_t)want == counted) {
    void *frames[32];
    paused++;
    int n = backtrace(frames, 32);
    fprintf(stderr, "oom_alloc: allocation %zu fails here:\n", counted);
    backtrace_symbols_fd(frames, n, 2);
    paused--;
  }
}

static int inject(void) {
  if (paused)
    return 0;
  counted++;
  if (fail_n && (counted == fail_n || (fail_persistent && counted > fail_n))) {
    failures++;
    trace();
    return 1;
  }
  return 0;
}

void *__wrap_malloc(size_t n) {
  if (inject())
    return NULL;
  void *p = __real_malloc(n);
  if (p)
    track(p, n);
  return p;
}

void *__wrap_calloc(size_t n, size_t m) {
  if (inject())
    return NULL;
  void *p = __real_calloc(n, m);
  if (p)
    track(p, n * m);
  return p;
}

void *__wrap_realloc(void *p, size_t n) {
  if (inject())
    return NULL;
  void *r = __real_realloc(p, n);
  if (r || n == 0) {
    if (p)
      untrack(p);
    if (r)
      track(r, n);
  }
  return r;
}

void __wrap_free(void *p) {
  if (p)
    untrack(p);
  __real_free(p);
}

char *__wrap_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = __wrap_malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

void oom_reset(void) {
  counted = failures = fail_n = 0;
  fail_persistent = 0;
}

void oom_fail_at(size_t n, int persistent) {
  fail_n = n;
  fail_persistent = persistent;
}

void oom_pause(void) {
  paused++;
}
void oom_resume(void) {
  paused--;
}
size_t oom_count(void) {
  return counted;
}
size_t oom_failures(void) {
  return failures;
}
size_t oom_live(void) {
  return live;
}
size_t oom_live_bytes(void) {
  return live_bytes;
}
size_t oom_peak_bytes(void) {
  return peak;
}
void oom_peak_reset(void) {
  peak = live_bytes;
}
