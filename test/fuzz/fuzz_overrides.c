/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor override loader (rdpneg_taxonomy_load_overrides_mem) on arbitrary
 * bytes. A refused document must name itself in the error and change
 * nothing; an accepted one must leave every cause's JSON and text well
 * formed. */
#include "fuzz.h"

#include <rdpneg/rdpneg_taxonomy.h>

#include <string.h>

#define MAX_CAUSES 128
#define MAX_REM 16

typedef struct snap {
  int count[MAX_CAUSES];
  const char *rem[MAX_CAUSES][MAX_REM];
} snap;

static void take(const rdpneg_taxonomy *tax, snap *s) {
  int n = rdpneg_cause_count();
  FUZZ_ASSERT(n > 0 && n <= MAX_CAUSES);
  memset(s, 0, sizeof *s);
  for (int i = 0; i < n; i++) {
    s->count[i] = rdpneg_cause_remedy_count(tax, i);
    for (int j = 0; j < s->count[i] && j < MAX_REM; j++)
      s->rem[i][j] = rdpneg_cause_remedy(tax, i, j);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rdpneg_taxonomy *tax = NULL;
  FUZZ_ASSERT(rdpneg_taxonomy_new(&tax) == 0);
  /* a first good document, so that "unchanged" covers overrides too */
  static const char base[] =
      "{\"version\": 1, \"causes\": {\"CERT_EXPIRED\": {\"remedies\": "
      "[\"Call the help desk\"], \"mode\": \"append\"}}}";
  char err[256];
  FUZZ_ASSERT(rdpneg_taxonomy_load_overrides_mem(tax, base, sizeof base - 1,
                                                 "base.json", err,
                                                 sizeof err) == 0);
  snap *before = malloc(sizeof *before), *after = malloc(sizeof *after);
  FUZZ_ASSERT(before && after);
  take(tax, before);
  err[0] = 0;
  int rc = rdpneg_taxonomy_load_overrides_mem(tax, (const char *)data, size,
                                              "fuzz.json", err, sizeof err);
  take(tax, after);
  if (rc != 0) {
    FUZZ_ASSERT(rc < 0);
    FUZZ_ASSERT(strncmp(err, "fuzz.json", 9) == 0);
    FUZZ_ASSERT(memcmp(before, after, sizeof *before) == 0);
  } else {
    for (int i = 0; i < rdpneg_cause_count(); i++) {
      if (!memcmp(before->rem[i], after->rem[i], sizeof before->rem[i]) &&
          before->count[i] == after->count[i])
        continue;
      char *out = NULL;
      size_t len = 0;
      FUZZ_ASSERT(rdpneg_cause_json(tax, i, &out, &len) == 0);
      fuzz_check_json(out, len);
      rdpneg_free(out);
      FUZZ_ASSERT(rdpneg_cause_text(tax, i, &out, &len) == 0);
      FUZZ_ASSERT(out && strlen(out) == len);
      rdpneg_free(out);
      for (int j = 0; j < after->count[i] && j < MAX_REM; j++)
        FUZZ_ASSERT(after->rem[i][j] &&
                    rdpneg_cause_remedy_source(tax, i, j) != NULL);
    }
  }
  free(before);
  free(after);
  rdpneg_taxonomy_free(tax);
  return 0;
}
