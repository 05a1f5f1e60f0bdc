/* SPDX-License-Identifier: Apache-2.0 */
#include "base/config.h"
#include "base/jsonparse.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

static const struct {
  int64_t def, min, max;
} limits[RDPNEG_OPT_MAX] = {
    [RDPNEG_OPT_REQUESTED_PROTOCOLS] = {0xb, 0, 0x1f},
    [RDPNEG_OPT_SEND_NEG_REQ] = {1, 0, 1},
    [RDPNEG_OPT_NEG_REQ_FLAGS] = {0, 0, 0xff},
    [RDPNEG_OPT_CONNECT_TIMEOUT_MS] = {5000, 1, 600000},
    [RDPNEG_OPT_X224_TIMEOUT_MS] = {5000, 1, 600000},
    [RDPNEG_OPT_TLS_TIMEOUT_MS] = {5000, 1, 600000},
    [RDPNEG_OPT_NLA_TIMEOUT_MS] = {5000, 1, 600000},
    [RDPNEG_OPT_OVERALL_TIMEOUT_MS] = {15000, 1, 3600000},
    [RDPNEG_OPT_DO_TLS] = {1, 0, 1},
    [RDPNEG_OPT_DO_NLA] = {1, 0, 1},
    [RDPNEG_OPT_TLS_MIN] = {1, 1, 3},
    [RDPNEG_OPT_TLS_MAX] = {3, 1, 3},
    [RDPNEG_OPT_WARN_DAYS] = {30, 0, 36500},
    [RDPNEG_OPT_NOW_UNIX] = {0, 0, INT64_C(253402300799)},
    [RDPNEG_OPT_SPNEGO] = {0, 0, 1},
    [RDPNEG_OPT_MAX_BUFFERED] = {65536, 1024, 16 * 1024 * 1024},
    [RDPNEG_OPT_REJECT_CERT] = {0, 0, 0x1f},
    [RDPNEG_OPT_TLS_VERSIONS] = {0, 0, 1},
    [RDPNEG_OPT_DO_MCS] = {0, 0, 1},
    [RDPNEG_OPT_ENUMERATE] = {0, 0, 1},
    [RDPNEG_OPT_MCS_METHODS] = {0x1b, 1, 0x1b},
};

static int valid_opt(int opt) {
  return opt > 0 && opt < RDPNEG_OPT_MAX && limits[opt].max > 0;
}

static void wipe_free(char *s) {
  if (s) {
    mbedtls_platform_zeroize(s, strlen(s));
    free(s);
  }
}

static int dupstr(char **dst, const char *src) {
  char *c = NULL;
  if (src) {
    size_t n = strlen(src);
    c = malloc(n + 1);
    if (!c)
      return RDPNEG_ERR_NOMEM;
    memcpy(c, src, n + 1);
  }
  *dst = c;
  return 0;
}

RDPNEG_EXTERN int rdpneg_config_new(rdpneg_config **pcfg) {
  if (!pcfg)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_config *c = calloc(1, sizeof *c);
  if (!c)
    return RDPNEG_ERR_NOMEM;
  for (int i = 1; i < RDPNEG_OPT_MAX; i++)
    c->opt[i] = limits[i].def;
  *pcfg = c;
  return 0;
}

RDPNEG_EXTERN void rdpneg_config_free(rdpneg_config *c) {
  if (!c)
    return;
  free(c->cookie);
  free(c->routing_token);
  free(c->sni);
  free(c->ca);
  wipe_free(c->user);
  wipe_free(c->domain);
  wipe_free(c->password);
  mbedtls_platform_zeroize(c, sizeof *c);
  free(c);
}

RDPNEG_EXTERN int rdpneg_config_set_int(rdpneg_config *c, rdpneg_opt opt,
                                        int64_t value) {
  if (!c || !valid_opt((int)opt))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (value < limits[opt].min || value > limits[opt].max)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  c->opt[opt] = value;
  return 0;
}

RDPNEG_EXTERN int rdpneg_config_get_int(const rdpneg_config *c, rdpneg_opt opt,
                                        int64_t *value) {
  if (!c || !value || !valid_opt((int)opt))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *value = c->opt[opt];
  return 0;
}

RDPNEG_EXTERN int rdpneg_config_set_str(rdpneg_config *c, rdpneg_stropt opt,
                                        const char *value) {
  char **slot;
  if (!c)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  switch (opt) {
  case RDPNEG_STROPT_COOKIE:
    slot = &c->cookie;
    break;
  case RDPNEG_STROPT_ROUTING_TOKEN:
    slot = &c->routing_token;
    break;
  case RDPNEG_STROPT_SNI:
    slot = &c->sni;
    break;
  default:
    return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  if (value) {
    size_t n = strlen(value);
    if (n == 0 || n > 255)
      return RDPNEG_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n; i++)
      if (value[i] == '\r' || value[i] == '\n' || value[i] == 0)
        return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  char *copy;
  int rv = dupstr(&copy, value);
  if (rv)
    return rv;
  free(*slot);
  *slot = copy;
  return 0;
}

RDPNEG_EXTERN int rdpneg_config_set_correlation_id(rdpneg_config *c,
                                                   const uint8_t *id) {
  if (!c)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (!id) {
    c->has_correlation = 0;
    return 0;
  }
  if (id[0] == 0x00 || id[0] == 0xF4)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  for (int i = 0; i < 16; i++)
    if (id[i] == 0x0D)
      return RDPNEG_ERR_INVALID_ARGUMENT;
  memcpy(c->correlation_id, id, 16);
  c->has_correlation = 1;
  return 0;
}

RDPNEG_EXTERN int rdpneg_config_add_ca(rdpneg_config *c, const uint8_t *data,
                                       size_t len) {
  if (!c || !data || !len)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  /* validate before keeping: at least one certificate must parse */
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  uint8_t *tmp = malloc(len + 1);
  if (!tmp)
    return RDPNEG_ERR_NOMEM;
  memcpy(tmp, data, len);
  tmp[len] = 0;
  int rv = mbedtls_x509_crt_parse(&crt, tmp, len + 1);
  int ok = rv >= 0 && crt.version != 0;
  mbedtls_x509_crt_free(&crt);
  if (!ok) {
    free(tmp);
    return RDPNEG_ERR_BAD_FILE;
  }
  uint8_t *nb = realloc(c->ca, c->ca_len + len + 1 + sizeof(size_t));
  if (!nb) {
    free(tmp);
    return RDPNEG_ERR_NOMEM;
  }
  /* stored as [size_t n][n bytes incl. NUL] records */
  size_t n = len + 1;
  memcpy(nb + c->ca_len, &n, sizeof n);
  memcpy(nb + c->ca_len + sizeof n, tmp, n);
  c->ca = nb;
  c->ca_len += sizeof n + n;
  free(tmp);
  return 0;
}

/* Is |s| well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF)? NTLM sends the names and hashes the password
 * as UTF-16LE, which only a valid string converts to. */
static int utf8_valid(const char *str) {
  const unsigned char *p = (const unsigned char *)str;
  const unsigned char *end = p + strlen(str);
  size_t n;
  while (p < end && (n = rdpneg_utf8_seq(p, end)) > 0)
    p += n;
  return p == end;
}

RDPNEG_EXTERN int rdpneg_config_set_credentials(rdpneg_config *c,
                                                const char *user,
                                                const char *domain,
                                                const char *password) {
  if (!c)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (user && !password)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (user && (!utf8_valid(user) || (domain && !utf8_valid(domain)) ||
               !utf8_valid(password)))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  char *u = NULL, *d = NULL, *p = NULL;
  if (user) {
    if (dupstr(&u, user) || dupstr(&d, domain) || dupstr(&p, password)) {
      wipe_free(u);
      wipe_free(d);
      wipe_free(p);
      return RDPNEG_ERR_NOMEM;
    }
  }
  wipe_free(c->user);
  wipe_free(c->domain);
  wipe_free(c->password);
  c->user = u;
  c->domain = d;
  c->password = p;
  return 0;
}

rdpneg_config *rdpneg_config_dup(const rdpneg_config *s) {
  rdpneg_config *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  memcpy(c->opt, s->opt, sizeof c->opt);
  c->has_correlation = s->has_correlation;
  memcpy(c->correlation_id, s->correlation_id, 16);
  if (dupstr(&c->cookie, s->cookie) ||
      dupstr(&c->routing_token, s->routing_token) || dupstr(&c->sni, s->sni) ||
      dupstr(&c->user, s->user) || dupstr(&c->domain, s->domain) ||
      dupstr(&c->password, s->password))
    goto fail;
  if (s->ca_len) {
    c->ca = malloc(s->ca_len);
    if (!c->ca)
      goto fail;
    memcpy(c->ca, s->ca, s->ca_len);
    c->ca_len = s->ca_len;
  }
  return c;
fail:
  rdpneg_config_free(c);
  return NULL;
}

RDPNEG_EXTERN int rdpneg_config_clone(const rdpneg_config *cfg,
                                      rdpneg_config **pcopy) {
  if (!cfg || !pcopy)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *pcopy = rdpneg_config_dup(cfg);
  return *pcopy ? 0 : RDPNEG_ERR_NOMEM;
}
