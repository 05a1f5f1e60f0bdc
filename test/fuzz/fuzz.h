/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the fuzz targets (test/fuzz/README in README.md "Fuzzing").
 *
 * Every target defines LLVMFuzzerTestOneInput. Built with clang and
 * -fsanitize=fuzzer it is a libFuzzer binary; built with any compiler
 * without it, main.c runs the files and directories given as arguments
 * through it (the regression run in `meson test --suite fuzz`). */
#ifndef RDPNEG_FUZZ_H
#define RDPNEG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant the library must keep whatever the input: abort (a crash
 * for libFuzzer, a failed test for the regression run). */
#define FUZZ_ASSERT(cond)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed\n", __FILE__, __LINE__,   \
              #cond);                                                          \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* Reads an input front to back; past the end every read gives zeros. */
typedef struct fuzz_in {
  const uint8_t *p;
  size_t n;
} fuzz_in;

static inline uint8_t fuzz_u8(fuzz_in *in) {
  if (!in->n)
    return 0;
  in->n--;
  return *in->p++;
}

static inline uint32_t fuzz_u32(fuzz_in *in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++)
    v = v << 8 | fuzz_u8(in);
  return v;
}

/* Up to |max| bytes; *|len| gets the count (the rest of the input when
 * shorter). */
static inline const uint8_t *fuzz_bytes(fuzz_in *in, size_t max, size_t *len) {
  size_t l = max < in->n ? max : in->n;
  const uint8_t *p = in->p;
  in->p += l;
  in->n -= l;
  *len = l;
  return p;
}

/* Checks for bugs known and not yet fixed (issue 12 item 5: terminal
 * escapes in the text report, embedded NUL and long names in the SAN
 * check) run only with RDPNEG_FUZZ_STRICT=1; test/fuzz/known/ holds
 * inputs that show them (meson runs those as expected failures). */
static inline int fuzz_strict(void) {
  static int strict = -1;
  if (strict < 0) {
    const char *e = getenv("RDPNEG_FUZZ_STRICT");
    strict = e && *e == '1';
  }
  return strict;
}

/* Checks that |json| (|len| bytes) is one well-formed JSON document, using
 * the library's own reader (harness.c). */
void fuzz_check_json(const char *json, size_t len);

/* Checks that a text report holds no terminal control characters other
 * than newline and tab (harness.c). */
void fuzz_check_text(const char *text, size_t len);

#endif
