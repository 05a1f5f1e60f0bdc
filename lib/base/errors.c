/* SPDX-License-Identifier: Apache-2.0 */
/* Library error table and protocol name lookups (names from the taxonomy
 * data, base/codes.h). */
#include <rdpneg/rdpneg.h>

#include "base/codes.h"

#include <ctype.h>
#include <string.h>

RDPNEG_EXTERN unsigned rdpneg_version_number(void) {
  return RDPNEG_VERSION_NUM;
}

RDPNEG_EXTERN const char *rdpneg_version(void) {
  return RDPNEG_VERSION;
}

RDPNEG_EXTERN const char *rdpneg_strerror(int err) {
  if (err == 0)
    return "success";
  switch (err) {
#define RDPNEG_XX(name, value, cat, msg)                                       \
  case value:                                                                  \
    return msg;
    RDPNEG_ERR_MAP(RDPNEG_XX)
#undef RDPNEG_XX
  }
  return "unknown error";
}

RDPNEG_EXTERN const char *rdpneg_err_name(int err) {
  switch (err) {
#define RDPNEG_XX(name, value, cat, msg)                                       \
  case value:                                                                  \
    return "RDPNEG_ERR_" #name;
    RDPNEG_ERR_MAP(RDPNEG_XX)
#undef RDPNEG_XX
  }
  return NULL;
}

/* Protocol names are the taxonomy's PROTOCOL_* names without the prefix
 * ("PROTOCOL_HYBRID" -> "HYBRID"). FreeRDP's PROTOCOL_FAILED_NEGO is a
 * client-internal marker, never on the wire (facts 1.5: its row's phase is
 * CLIENT), so it is not a protocol a server can select. */
RDPNEG_EXTERN const char *rdpneg_protocol_name(uint32_t protocol) {
  static const char prefix[] = "PROTOCOL_";
  int i = rdpneg_codetab_find(RDPNEG_CK_PROTOCOL, protocol);
  const char *name;
  if (i < 0 || rdpneg_codetab[i].phase == RDPNEG_TPH_CLIENT)
    return NULL;
  name = rdpneg_codetab[i].name;
  if (name && strncmp(name, prefix, sizeof prefix - 1) == 0)
    name += sizeof prefix - 1;
  return name;
}

RDPNEG_EXTERN const char *rdpneg_failure_name(uint32_t code) {
  return rdpneg_codename(RDPNEG_CK_NEG_FAILURE, code);
}

static int eq_nocase(const char *a, size_t n, const char *b) {
  if (strlen(b) != n)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (tolower((unsigned char)a[i]) != b[i])
      return 0;
  return 1;
}

RDPNEG_EXTERN int rdpneg_protocols_parse(const char *list, uint32_t *mask,
                                         int *send_neg_req) {
  static const struct {
    const char *name;
    uint32_t bit;
  } tab[] = {{"rdp", RDPNEG_PROTOCOL_RDP},
             {"ssl", RDPNEG_PROTOCOL_SSL},
             {"tls", RDPNEG_PROTOCOL_SSL},
             {"hybrid", RDPNEG_PROTOCOL_HYBRID},
             {"nla", RDPNEG_PROTOCOL_HYBRID},
             {"rdstls", RDPNEG_PROTOCOL_RDSTLS},
             {"hybrid_ex", RDPNEG_PROTOCOL_HYBRID_EX},
             {"rdsaad", RDPNEG_PROTOCOL_RDSAAD}};
  if (!list || !mask || !send_neg_req)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (eq_nocase(list, strlen(list), "none")) {
    *mask = 0;
    *send_neg_req = 0;
    return 0;
  }
  uint32_t m = 0;
  const char *p = list;
  while (1) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    int found = 0;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
      if (eq_nocase(p, n, tab[i].name)) {
        m |= tab[i].bit;
        found = 1;
      }
    if (!found)
      return RDPNEG_ERR_INVALID_ARGUMENT;
    if (!comma)
      break;
    p = comma + 1;
  }
  *mask = m;
  *send_neg_req = 1;
  return 0;
}
