/* SPDX-License-Identifier: Apache-2.0 */
/* Explain (public rdpneg_taxonomy.h) for any kind and code, with and
 * without an extended code and vendor overrides, and the lookups by name:
 * every document must be well-formed JSON, every text NUL-free.
 *
 * Input: kind (1), code (4), extended flag and code (5), then a name that
 * goes to the kind, code and cause lookups. */
#include "fuzz.h"

#include <rdpneg/rdpneg_taxonomy.h>

#include <string.h>

static rdpneg_taxonomy *vendor;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  static const char doc[] =
      "{\"version\": 1, \"causes\": {\"CERT_EXPIRED\": {\"remedies\": "
      "[\"Call ACME\"], \"mode\": \"replace\"}, \"PORT_FILTERED\": "
      "{\"remedies\": [\"Check the VPN\"], \"mode\": \"append\"}}}";
  FUZZ_ASSERT(rdpneg_taxonomy_new(&vendor) == 0);
  FUZZ_ASSERT(rdpneg_taxonomy_load_overrides_mem(vendor, doc, sizeof doc - 1,
                                                 NULL, NULL, 0) == 0);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!vendor)
    LLVMFuzzerInitialize(NULL, NULL);
  fuzz_in in = {data, size};
  uint8_t k = fuzz_u8(&in);
  int kind = (int)(k % (RDPNEG_KIND_COUNT + 2)) - 1; /* -1 .. COUNT */
  uint32_t code = fuzz_u32(&in);
  uint8_t flags = fuzz_u8(&in);
  uint32_t ext = fuzz_u32(&in);
  const rdpneg_taxonomy *tax = (flags & 2) ? vendor : NULL;

  char *out = NULL;
  size_t len = 0;
  int rc = rdpneg_explain_json(tax, kind, code, flags & 1, ext, &out, &len);
  if (kind < 0 || kind >= RDPNEG_KIND_COUNT) {
    FUZZ_ASSERT(rc == RDPNEG_ERR_INVALID_ARGUMENT);
  } else {
    FUZZ_ASSERT(rc >= 0);
    fuzz_check_json(out, len);
  }
  rdpneg_free(out);
  out = NULL;
  int rc2 = rdpneg_explain_text(tax, kind, code, flags & 1, ext, &out, &len);
  FUZZ_ASSERT(rc2 == rc);
  if (rc >= 0) {
    FUZZ_ASSERT(out && strlen(out) == len);
    fuzz_check_text(out, len);
  }
  rdpneg_free(out);

  /* name lookups */
  char name[128];
  size_t nl;
  const uint8_t *np = fuzz_bytes(&in, sizeof name - 1, &nl);
  memcpy(name, np, nl);
  name[nl] = 0;
  int kp = rdpneg_kind_parse(name);
  FUZZ_ASSERT(kp < RDPNEG_KIND_COUNT);
  if (kp >= 0)
    FUZZ_ASSERT(rdpneg_kind_name(kp) != NULL);
  int row = rdpneg_code_find_name(name);
  FUZZ_ASSERT(row < rdpneg_code_count());
  if (row >= 0) {
    FUZZ_ASSERT(rdpneg_code_meaning(row) != NULL);
    int again =
        rdpneg_code_find(rdpneg_code_kind(row), rdpneg_code_value(row), 0);
    FUZZ_ASSERT(again >= 0 && again <= row);
  }
  int ci = rdpneg_cause_find(name);
  if (ci >= 0) {
    FUZZ_ASSERT(strcmp(rdpneg_cause_id(ci), name) == 0);
    FUZZ_ASSERT(rdpneg_cause_json(tax, ci, &out, &len) == 0);
    fuzz_check_json(out, len);
    rdpneg_free(out);
  }
  return 0;
}
