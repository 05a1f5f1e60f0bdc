/* Library error table and protocol name lookups. */
#include <rdpneg/rdpneg.h>

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

RDPNEG_EXTERN const char *rdpneg_protocol_name(uint32_t protocol) {
  switch (protocol) {
  case RDPNEG_PROTOCOL_RDP:
    return "RDP";
  case RDPNEG_PROTOCOL_SSL:
    return "SSL";
  case RDPNEG_PROTOCOL_HYBRID:
    return "HYBRID";
  case RDPNEG_PROTOCOL_RDSTLS:
    return "RDSTLS";
  case RDPNEG_PROTOCOL_HYBRID_EX:
    return "HYBRID_EX";
  case RDPNEG_PROTOCOL_RDSAAD:
    return "RDSAAD";
  }
  return NULL;
}

RDPNEG_EXTERN const char *rdpneg_failure_name(uint32_t code) {
  static const char *const names[] = {
      NULL,
      "SSL_REQUIRED_BY_SERVER",
      "SSL_NOT_ALLOWED_BY_SERVER",
      "SSL_CERT_NOT_ON_SERVER",
      "INCONSISTENT_FLAGS",
      "HYBRID_REQUIRED_BY_SERVER",
      "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
  };
  return code < sizeof names / sizeof names[0] ? names[code] : NULL;
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
