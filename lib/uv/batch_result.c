/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg_batch (batch.c): target parsing and the result accessors. */
#include "uv/batch_int.h"

#include <stdlib.h>
#include <string.h>

int batch_parse_target(const char *spec, uint16_t defport, char **pspec,
                       char **phost, uint16_t *pport) {
  size_t n = strlen(spec);
  const char *h = spec, *p = NULL;
  size_t hl = n;
  if (n == 0 || n > 1024)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (spec[0] == '[') {
    const char *close = strchr(spec, ']');
    if (!close || close == spec + 1)
      return RDPNEG_ERR_INVALID_ARGUMENT;
    h = spec + 1;
    hl = (size_t)(close - h);
    if (close[1] == ':')
      p = close + 2;
    else if (close[1] != '\0')
      return RDPNEG_ERR_INVALID_ARGUMENT;
  } else {
    const char *c = strchr(spec, ':');
    if (c && strchr(c + 1, ':') == NULL) { /* host:port */
      hl = (size_t)(c - spec);
      p = c + 1;
    } /* else a name, an IPv4 address or a bare IPv6 address */
  }
  if (hl == 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  unsigned long port = defport;
  if (p) {
    char *end;
    if (*p < '0' || *p > '9')
      return RDPNEG_ERR_INVALID_ARGUMENT;
    port = strtoul(p, &end, 10);
    if (*end != '\0' || port == 0 || port > 65535)
      return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  for (size_t i = 0; i < hl; i++)
    if ((unsigned char)h[i] <= ' ' || h[i] == '/' || h[i] == '[' || h[i] == ']')
      return RDPNEG_ERR_INVALID_ARGUMENT;
  char *s = malloc(n + 1 + hl + 1);
  if (!s)
    return RDPNEG_ERR_NOMEM;
  memcpy(s, spec, n + 1);
  memcpy(s + n + 1, h, hl);
  s[n + 1 + hl] = '\0';
  *pspec = s;
  *phost = s + n + 1;
  *pport = (uint16_t)port;
  return 0;
}

/* ---- results ---- */

const char *rdpneg_batch_result_target(const rdpneg_batch_result *r) {
  return r ? r->spec : NULL;
}

const char *rdpneg_batch_result_host(const rdpneg_batch_result *r) {
  return r ? r->host : NULL;
}

uint16_t rdpneg_batch_result_port(const rdpneg_batch_result *r) {
  return r ? r->port : 0;
}

int64_t rdpneg_batch_result_index(const rdpneg_batch_result *r) {
  return r ? r->index : -1;
}

int rdpneg_batch_result_status(const rdpneg_batch_result *r) {
  return r ? r->status : RDPNEG_ERR_INVALID_ARGUMENT;
}

uint64_t rdpneg_batch_result_started_ns(const rdpneg_batch_result *r) {
  return r ? r->t0 : 0;
}

uint64_t rdpneg_batch_result_ended_ns(const rdpneg_batch_result *r) {
  return r ? r->t1 : 0;
}

const rdpneg_evidence *
rdpneg_batch_result_evidence(const rdpneg_batch_result *r) {
  return r ? r->ev : NULL;
}

int rdpneg_batch_result_take_evidence(rdpneg_batch_result *r,
                                      rdpneg_evidence **pev) {
  if (!r || !pev)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *pev = r->ev;
  if (!r->ev)
    return RDPNEG_ERR_INVALID_STATE;
  r->ev = NULL;
  return 0;
}

int rdpneg_batch_result_json(const rdpneg_batch_result *r, char **pjson,
                             size_t *plen) {
  if (!r || !pjson)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *pjson = NULL;
  if (!r->ev)
    return RDPNEG_ERR_INVALID_STATE;
  return rdpneg_evidence_json(r->ev, NULL, pjson, plen);
}

void rdpneg_batch_result_free(rdpneg_batch_result *r) {
  if (!r)
    return;
  rdpneg_evidence_free(r->ev);
  free(r->spec);
  free(r);
}
