/* SPDX-License-Identifier: Apache-2.0 */
/* The code table of the taxonomy, expanded from lib/taxonomy/codes.def. */
#include "base/codes.h"

#include <stddef.h>

const rdpneg_coderow rdpneg_codetab[] = {
#define CODE(k, v, n, a, ph, cf, src, m)                                       \
  {RDPNEG_CK_##k,                                                              \
   RDPNEG_TPH_##ph,                                                            \
   RDPNEG_TCF_##cf,                                                            \
   (uint32_t)(v),                                                              \
   n,                                                                          \
   a,                                                                          \
   src,                                                                        \
   m},
#include "taxonomy/codes.def"
#undef CODE
};

const int rdpneg_codetab_len =
    (int)(sizeof rdpneg_codetab / sizeof rdpneg_codetab[0]);

int rdpneg_codetab_find(int kind, uint32_t value) {
  for (int i = 0; i < rdpneg_codetab_len; i++)
    if (rdpneg_codetab[i].kind == kind && rdpneg_codetab[i].value == value)
      return i;
  return -1;
}

const char *rdpneg_codename(int kind, uint32_t value) {
  int i = rdpneg_codetab_find(kind, value);
  return i < 0 ? NULL : rdpneg_codetab[i].name;
}
