/* SPDX-License-Identifier: Apache-2.0 */
/* Tiny TAP emitter shared by the C test programs.
 *
 *   TAP_TEST(name) { ... CHECK(cond); CHECK_EQ_INT(a, b); ... }
 *   int main(void) { TAP_RUN(name); ...; return tap_done(); }
 *
 * Each TAP_RUN prints "ok N - name" or "not ok N - name" (with the first
 * failed check as a diagnostic); tap_skip() prints "ok N - name # SKIP why".
 * tap_done() prints the plan and returns 0 only when nothing failed. */
#ifndef RDPNEG_TAP_H
#define RDPNEG_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed, tap_cur_failed;
static char tap_skip_reason[256];

#define TAP_TEST(name) static void name(void)

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      if (!tap_cur_failed)                                                     \
        printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);      \
      tap_cur_failed = 1;                                                      \
    }                                                                          \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
  do {                                                                         \
    long long tap_a_ = (long long)(a), tap_b_ = (long long)(b);                \
    if (tap_a_ != tap_b_) {                                                    \
      if (!tap_cur_failed)                                                     \
        printf("# %s:%d: %s == %lld, expected %s == %lld\n", __FILE__,         \
               __LINE__, #a, tap_a_, #b, tap_b_);                              \
      tap_cur_failed = 1;                                                      \
    }                                                                          \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                     \
  do {                                                                         \
    const char *tap_a_ = (a), *tap_b_ = (b);                                   \
    if (!tap_a_ || !tap_b_ || strcmp(tap_a_, tap_b_) != 0) {                   \
      if (!tap_cur_failed)                                                     \
        printf("# %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
               #a, tap_a_ ? tap_a_ : "(null)", tap_b_ ? tap_b_ : "(null)");    \
      tap_cur_failed = 1;                                                      \
    }                                                                          \
  } while (0)

/* Inside a test: mark it skipped and return. */
#define TAP_SKIP(...)                                                          \
  do {                                                                         \
    snprintf(tap_skip_reason, sizeof tap_skip_reason, __VA_ARGS__);            \
    return;                                                                    \
  } while (0)

/* Set by tap_captures_dir() during the current test: it was asked, and it
 * found no captures folder. */
static int tap_captures_used, tap_captures_missing;

/* RDPNEG_REQUIRE_CAPTURES=1 (CI) turns a test that reads the captures and
 * cannot (folder absent, or the test skipped after asking) into a failure. */
static inline int tap_captures_required(void) {
  const char *r = getenv("RDPNEG_REQUIRE_CAPTURES");
  return r && *r && strcmp(r, "0") != 0;
}

/* Prints the result line of the test that just ran. */
static inline void tap_report(const char *name) {
  tap_n++;
  if (tap_captures_required() && tap_captures_used &&
      (tap_captures_missing || tap_skip_reason[0])) {
    printf("# captures required (RDPNEG_REQUIRE_CAPTURES) but %s\n",
           tap_captures_missing ? "../shared/captures is absent"
                                : tap_skip_reason);
    tap_skip_reason[0] = 0;
    tap_cur_failed = 1;
  }
  if (tap_skip_reason[0])
    printf("ok %d - %s # SKIP %s\n", tap_n, name, tap_skip_reason);
  else if (tap_cur_failed) {
    tap_failed++;
    printf("not ok %d - %s\n", tap_n, name);
  } else
    printf("ok %d - %s\n", tap_n, name);
  fflush(stdout);
}

/* One TAP line named |name| for |call|: a row of a table-driven test, e.g.
 * TAP_RUN_AS(rows[i].name, run_row(&rows[i])). */
#define TAP_RUN_AS(name, call)                                                 \
  do {                                                                         \
    tap_cur_failed = 0;                                                        \
    tap_skip_reason[0] = 0;                                                    \
    tap_captures_used = tap_captures_missing = 0;                              \
    call;                                                                      \
    tap_report(name);                                                          \
  } while (0)

#define TAP_RUN(fn) TAP_RUN_AS(#fn, fn())

static inline int tap_done(void) {
  printf("1..%d\n", tap_n);
  return tap_failed ? 1 : 0;
}

/* Reads a whole file into a malloc'd buffer; returns NULL when absent. */
static inline unsigned char *tap_read_file(const char *path, size_t *plen) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, len = 0;
  unsigned char *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      unsigned char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (plen)
    *plen = len;
  return buf;
}

/* Directory of ../shared/captures as seen from the project root; tests get
 * the project root in RDPNEG_SRCDIR (set by meson), or the folder itself in
 * RDPNEG_CAPTURES. NULL when absent (no SOURCES.md in it). */
static inline const char *tap_captures_dir(void) {
  static char path[4096];
  const char *env = getenv("RDPNEG_CAPTURES");
  if (env && *env) {
    snprintf(path, sizeof path, "%s", env);
  } else {
    const char *src = getenv("RDPNEG_SRCDIR");
    if (!src)
      src = ".";
    snprintf(path, sizeof path, "%s/../shared/captures", src);
  }
  tap_captures_used = 1;
  FILE *f;
  char probe[4200];
  snprintf(probe, sizeof probe, "%s/SOURCES.md", path);
  f = fopen(probe, "rb");
  if (!f) {
    tap_captures_missing = 1;
    return NULL;
  }
  fclose(f);
  return path;
}

#endif
