/* SPDX-License-Identifier: Apache-2.0 */
/* Reads a saved rdpneg.probe/1 document back into an evidence value, the
 * inverse of document.c, so that a saved probe can be diagnosed again with
 * this build's rules. Members added after schema version 1's first release
 * (source, target.sni, x224.request_flags/bytes_received/received_hex,
 * certificate.expiring_soon/verify_flags, finished, cancelled) are optional;
 * the rest must be present with the type document.c writes. */
#include "base/jsonparse.h"
#include "base/timefmt.h"
#include "core/evidence.h"
#include "output/document.h"
#include "output/report.h"
#include "proto/ntlm.h"
#include "proto/x224.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_MAX_BYTES (4u << 20)

int rdpneg_doc_fail(rdpneg_doc_rd *r, const char *path, const char *what) {
  if (!r->rv && r->err && r->errlen)
    snprintf(r->err, r->errlen, "%s: %s", path, what);
  r->rv = RDPNEG_ERR_BAD_FILE;
  return r->rv;
}

const rdpneg_jp_node *rdpneg_doc_member(const rdpneg_jp_node *o,
                                        const char *k) {
  if (!o || o->type != RDPNEG_JP_OBJECT)
    return NULL;
  for (const rdpneg_jp_node *c = o->child; c; c = c->next)
    if (c->key && !strcmp(c->key, k))
      return c;
  return NULL;
}

/* An object member that must be an object. */
static const rdpneg_jp_node *obj(rdpneg_doc_rd *r, const rdpneg_jp_node *o,
                                 const char *k, const char *path) {
  const rdpneg_jp_node *n = rdpneg_doc_member(o, k);
  if (!n || n->type != RDPNEG_JP_OBJECT) {
    rdpneg_doc_fail(r, path, n ? "not an object" : "missing");
    return NULL;
  }
  return n;
}

enum { OPT = 0, REQ = 1 };

int rdpneg_doc_str(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
                   char *dst, size_t cap, int req, const char *path) {
  const rdpneg_jp_node *n = rdpneg_doc_member(o, k);
  if (dst && cap)
    dst[0] = 0;
  if (!n) {
    if (req)
      rdpneg_doc_fail(r, path, "missing");
    return 0;
  }
  if (n->type == RDPNEG_JP_NULL)
    return 0;
  if (n->type != RDPNEG_JP_STRING) {
    rdpneg_doc_fail(r, path, "not a string");
    return 0;
  }
  if (dst && cap)
    snprintf(dst, cap, "%s", n->str);
  return 1;
}

/* Number member (integer or decimal); returns 1 and *v, 0 for null/absent. */
static int num(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
               double *v, int req, const char *path) {
  const rdpneg_jp_node *n = rdpneg_doc_member(o, k);
  if (!n) {
    if (req)
      rdpneg_doc_fail(r, path, "missing");
    return 0;
  }
  if (n->type == RDPNEG_JP_NULL)
    return 0;
  if (n->type != RDPNEG_JP_NUMBER) {
    rdpneg_doc_fail(r, path, "not a number");
    return 0;
  }
  *v = strtod(n->str, NULL);
  if (!isfinite(*v) || fabs(*v) > 9e15) {
    rdpneg_doc_fail(r, path, "number out of range");
    return 0;
  }
  return 1;
}

static int64_t num_int(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
                       int64_t dflt, int req, const char *path) {
  double v;
  return num(r, o, k, &v, req, path) ? (int64_t)v : dflt;
}

int rdpneg_doc_bool(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
                    int dflt, int req, const char *path) {
  const rdpneg_jp_node *n = rdpneg_doc_member(o, k);
  if (!n) {
    if (req)
      rdpneg_doc_fail(r, path, "missing");
    return dflt;
  }
  if (n->type == RDPNEG_JP_NULL)
    return dflt;
  if (n->type != RDPNEG_JP_TRUE && n->type != RDPNEG_JP_FALSE) {
    rdpneg_doc_fail(r, path, "not a boolean");
    return dflt;
  }
  return n->type == RDPNEG_JP_TRUE;
}

int rdpneg_doc_int(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
                   int64_t *v, const char *path) {
  const rdpneg_jp_node *n = rdpneg_doc_member(o, k);
  if (!n || n->type == RDPNEG_JP_NULL)
    return 0;
  double d = n->type == RDPNEG_JP_NUMBER ? strtod(n->str, NULL) : NAN;
  if (!isfinite(d) || fabs(d) > 9e15 || d != floor(d)) {
    rdpneg_doc_fail(r, path, "not an integer");
    return 0;
  }
  *v = (int64_t)d;
  return 1;
}

int rdpneg_doc_hex(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
                   uint32_t *v, int req, const char *path) {
  char b[24];
  if (!rdpneg_doc_str(r, o, k, b, sizeof b, req, path))
    return 0;
  char *end;
  unsigned long x = strtoul(b, &end, 16);
  if (strncmp(b, "0x", 2) != 0 || *end || end == b + 2 || x > 0xffffffffUL) {
    rdpneg_doc_fail(r, path, "not a 0x-hex number");
    return 0;
  }
  *v = (uint32_t)x;
  return 1;
}

static size_t unhex(rdpneg_doc_rd *r, const char *h, uint8_t *out, size_t cap,
                    const char *path) {
  size_t n = strlen(h);
  if (n % 2) {
    rdpneg_doc_fail(r, path, "odd hex length");
    return 0;
  }
  size_t k = 0;
  for (size_t i = 0; i + 1 < n && k < cap; i += 2) {
    unsigned v;
    if (sscanf(h + i, "%2x", &v) != 1) {
      rdpneg_doc_fail(r, path, "not hex");
      return 0;
    }
    out[k++] = (uint8_t)v;
  }
  return k;
}

static int enum_of(rdpneg_doc_rd *r, rdpneg_doc_names which,
                   const rdpneg_jp_node *o, const char *k, const char *path) {
  char b[32];
  rdpneg_doc_str(r, o, k, b, sizeof b, REQ, path);
  if (r->rv)
    return 0;
  int v = rdpneg_doc_value(which, b);
  if (v < 0)
    rdpneg_doc_fail(r, path, "unknown value");
  return v < 0 ? 0 : v;
}

static int err_value(const char *name) {
  if (!name || !*name)
    return 0;
#define RDPNEG_XX(n, value, cat, msg)                                          \
  if (!strcmp(name, "RDPNEG_ERR_" #n))                                         \
    return value;
  RDPNEG_ERR_MAP(RDPNEG_XX)
#undef RDPNEG_XX
  return RDPNEG_ERR_INTERNAL;
}

static void read_phases(rdpneg_doc_rd *r, const rdpneg_jp_node *root,
                        rdpneg_attempt_ev *a) {
  const rdpneg_jp_node *ph = rdpneg_doc_member(root, "phases");
  if (!ph || ph->type != RDPNEG_JP_ARRAY || ph->count != RDPNEG_PHASE_COUNT) {
    rdpneg_doc_fail(r, "phases", "not an array of 4 phases");
    return;
  }
  int i = 0;
  for (const rdpneg_jp_node *p = ph->child; p && !r->rv; p = p->next, i++) {
    rdpneg_phase_rec *rec = &a->ph[i];
    char name[16], e[64];
    rdpneg_doc_str(r, p, "name", name, sizeof name, REQ, "phases[].name");
    if (!r->rv && strcmp(name, rdpneg_doc_name(RDPNEG_DOC_PHASE, i)) != 0)
      rdpneg_doc_fail(r, "phases[].name", "phases out of order");
    rec->status =
        enum_of(r, RDPNEG_DOC_PHASE_STATUS, p, "status", "phases[].status");
    double ms;
    rec->us = num(r, p, "ms", &ms, OPT, "phases[].ms") ? llround(ms * 1e3) : -1;
    rdpneg_doc_str(r, p, "error", e, sizeof e, OPT, "phases[].error");
    rec->err = err_value(e);
    rdpneg_doc_str(r, p, "detail", rec->detail, sizeof rec->detail, OPT,
                   "phases[].detail");
  }
}

static void read_x224(rdpneg_doc_rd *r, const rdpneg_jp_node *x,
                      rdpneg_attempt_ev *a) {
  char b[2 * 64 + 2];
  a->x224_status =
      enum_of(r, RDPNEG_DOC_X224_STATUS, x, "status", "x224.status");
  a->sent_neg_req = rdpneg_doc_bool(r, x, "neg_req", 0, REQ, "x224.neg_req");
  rdpneg_doc_hex(r, x, "requested_protocols", &a->requested, OPT,
                 "x224.requested_protocols");
  uint32_t v = 0;
  if (rdpneg_doc_hex(r, x, "request_flags", &v, OPT, "x224.request_flags"))
    a->req_flags = (uint8_t)v;
  a->has_cookie = rdpneg_doc_str(r, x, "cookie", a->cookie, sizeof a->cookie,
                                 OPT, "x224.cookie");
  uint32_t sel, code, flags = 0, src = 0;
  int rsp = rdpneg_doc_hex(r, x, "selected_protocol", &sel, OPT,
                           "x224.selected_protocol");
  double fc;
  int failure = num(r, x, "failure_code", &fc, OPT, "x224.failure_code");
  code = failure ? (uint32_t)fc : 0;
  rdpneg_doc_hex(r, x, "flags_value", &flags, OPT, "x224.flags_value");
  int cc = rdpneg_doc_hex(r, x, "src_ref", &src, OPT, "x224.src_ref");
  if (rdpneg_doc_str(r, x, "confirm_hex", b, sizeof b, OPT,
                     "x224.confirm_hex")) {
    a->cc_raw_len =
        unhex(r, b, a->cc_raw, sizeof a->cc_raw, "x224.confirm_hex");
    cc = 1;
  }
  a->have_cc = cc || rsp || failure;
  a->src_ref = (uint16_t)src;
  if (rsp || failure) {
    a->has_neg = 1;
    a->neg_type = rsp ? RDPNEG_NEG_TYPE_RSP : RDPNEG_NEG_TYPE_FAILURE;
    a->neg_value = rsp ? sel : code;
    a->neg_flags = (uint8_t)flags;
  }
  a->unexpected_protocol = rdpneg_doc_bool(r, x, "unexpected_protocol", 0, OPT,
                                           "x224.unexpected_protocol");
  a->rx_total =
      (size_t)num_int(r, x, "bytes_received", 0, OPT, "x224.bytes_received");
  if (rdpneg_doc_str(r, x, "received_hex", b, sizeof b, OPT,
                     "x224.received_hex"))
    a->rx_first_len =
        unhex(r, b, a->rx_first, sizeof a->rx_first, "x224.received_hex");
  if (!rdpneg_doc_member(x, "bytes_received"))
    a->rx_total = a->rx_first_len;
}

static int64_t iso_to_unix(const char *s) {
  int y, mo, d, h, mi, se;
  if (sscanf(s, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se) != 6)
    return 0;
  return rdpneg_civil_to_unix(y, mo, d, h, mi, se);
}

static void read_cert(rdpneg_doc_rd *r, const rdpneg_jp_node *c,
                      rdpneg_cert_ev *e) {
  rdpneg_doc_str(r, c, "subject", e->subject, sizeof e->subject, REQ,
                 "certificate.subject");
  rdpneg_doc_str(r, c, "issuer", e->issuer, sizeof e->issuer, REQ,
                 "certificate.issuer");
  const rdpneg_jp_node *san = rdpneg_doc_member(c, "san");
  if (san && san->type == RDPNEG_JP_ARRAY) {
    for (const rdpneg_jp_node *n = san->child;
         n && e->san_count < RDPNEG_CERT_MAX_SAN; n = n->next)
      if (n->type == RDPNEG_JP_STRING)
        snprintf(e->san[e->san_count++], sizeof e->san[0], "%s", n->str);
  }
  rdpneg_doc_str(r, c, "serial", e->serial, sizeof e->serial, OPT,
                 "certificate.serial");
  rdpneg_doc_str(r, c, "not_before", e->not_before_iso,
                 sizeof e->not_before_iso, REQ, "certificate.not_before");
  rdpneg_doc_str(r, c, "not_after", e->not_after_iso, sizeof e->not_after_iso,
                 REQ, "certificate.not_after");
  e->not_before = iso_to_unix(e->not_before_iso);
  e->not_after = iso_to_unix(e->not_after_iso);
  double dl;
  e->dates_known = num(r, c, "days_left", &dl, OPT, "certificate.days_left");
  e->days_left = e->dates_known ? (int64_t)dl : 0;
  e->expired = rdpneg_doc_bool(r, c, "expired", 0, OPT, "certificate.expired");
  e->not_yet_valid = rdpneg_doc_bool(r, c, "not_yet_valid", 0, OPT,
                                     "certificate.not_yet_valid");
  e->expiring_soon = rdpneg_doc_bool(r, c, "expiring_soon", 0, OPT,
                                     "certificate.expiring_soon");
  e->self_signed =
      rdpneg_doc_bool(r, c, "self_signed", 0, REQ, "certificate.self_signed");
  e->hostname_match = rdpneg_doc_bool(r, c, "hostname_match", 0, REQ,
                                      "certificate.hostname_match");
  e->trusted = rdpneg_doc_bool(r, c, "trusted", -1, OPT, "certificate.trusted");
  rdpneg_doc_hex(r, c, "verify_flags", &e->verify_flags, OPT,
                 "certificate.verify_flags");
  rdpneg_doc_str(r, c, "key_type", e->key_type, sizeof e->key_type, OPT,
                 "certificate.key_type");
  e->key_bits = (int)num_int(r, c, "key_bits", 0, OPT, "certificate.key_bits");
  e->weak_key =
      rdpneg_doc_bool(r, c, "weak_key", 0, OPT, "certificate.weak_key");
  rdpneg_doc_str(r, c, "signature_algorithm", e->signature_algorithm,
                 sizeof e->signature_algorithm, OPT,
                 "certificate.signature_algorithm");
  rdpneg_doc_str(r, c, "sha256", e->sha256, sizeof e->sha256, OPT,
                 "certificate.sha256");
  const rdpneg_jp_node *ch = rdpneg_doc_member(c, "chain");
  if (ch && ch->type == RDPNEG_JP_ARRAY) {
    for (const rdpneg_jp_node *n = ch->child;
         n && e->chain_len < RDPNEG_CERT_MAX_CHAIN && !r->rv; n = n->next) {
      int i = e->chain_len++;
      rdpneg_doc_str(r, n, "subject", e->chain[i].subject,
                     sizeof e->chain[i].subject, OPT,
                     "certificate.chain[].subject");
      rdpneg_doc_str(r, n, "issuer", e->chain[i].issuer,
                     sizeof e->chain[i].issuer, OPT,
                     "certificate.chain[].issuer");
      rdpneg_doc_str(r, n, "sha256", e->chain[i].sha256,
                     sizeof e->chain[i].sha256, OPT,
                     "certificate.chain[].sha256");
    }
  }
}

static void read_tls_versions(rdpneg_doc_rd *r, const rdpneg_jp_node *vs,
                              rdpneg_evidence *ev) {
  static const char *const names[] = {NULL, "TLSv1.0", "TLSv1.1", "TLSv1.2"};
  for (const rdpneg_jp_node *n = vs->child; n && !r->rv; n = n->next) {
    if (!n->key || n->type != RDPNEG_JP_OBJECT)
      continue;
    int ver = 0;
    for (int k = 1; k <= 3; k++)
      if (!strcmp(n->key, names[k]))
        ver = k;
    if (!ver || ev->tls_versions_count >= RDPNEG_MAX_TLS_VERSIONS)
      continue;
    rdpneg_tls_version_ev *t = &ev->tls_versions[ev->tls_versions_count++];
    char st[32];
    t->version = ver;
    t->inferred =
        rdpneg_doc_bool(r, n, "inferred", 0, OPT, "tls.versions.inferred");
    t->attempt = (int)num_int(r, n, "attempt", -1, OPT, "tls.versions.attempt");
    if (rdpneg_doc_str(r, n, "status", st, sizeof st, REQ,
                       "tls.versions.status") &&
        !strcmp(st, "not_selected"))
      t->status = RDPNEG_TLS_SKIPPED;
    else
      t->status =
          enum_of(r, RDPNEG_DOC_TLS_STATUS, n, "status", "tls.versions.status");
    t->alert_code = (int)num_int(r, n, "alert", -1, OPT, "tls.versions.alert");
  }
  ev->tls13_only = rdpneg_doc_bool(r, vs, "requires_tls13", 0, OPT,
                                   "tls.versions.requires_tls13");
}

static void read_tls(rdpneg_doc_rd *r, const rdpneg_jp_node *t,
                     rdpneg_evidence *ev, rdpneg_attempt_ev *a) {
  rdpneg_tls_ev *e = a->tls;
  char b[80];
  a->tls_status = enum_of(r, RDPNEG_DOC_TLS_STATUS, t, "status", "tls.status");
  e->status = a->tls_status;
  e->alert_code = -1;
  e->last_server_msg = -1;
  /* the phase ran when it has a version field of its own or an outcome */
  a->tls_ran = rdpneg_doc_member(t, "requires_tls13") != NULL;
  rdpneg_doc_str(r, t, "version", e->version, sizeof e->version, OPT,
                 "tls.version");
  rdpneg_doc_str(r, t, "cipher", e->cipher, sizeof e->cipher, OPT,
                 "tls.cipher");
  const rdpneg_jp_node *al = rdpneg_doc_member(t, "alert");
  if (al && al->type == RDPNEG_JP_OBJECT) {
    e->alert_code = (int)num_int(r, al, "code", -1, REQ, "tls.alert.code");
    e->alert_level = (int)num_int(r, al, "level", 0, OPT, "tls.alert.level");
  }
  e->requires_tls13 =
      rdpneg_doc_bool(r, t, "requires_tls13", 0, OPT, "tls.requires_tls13");
  if (rdpneg_doc_str(r, t, "last_server_message", b, sizeof b, OPT,
                     "tls.last_server_message"))
    e->last_server_msg = rdpneg_doc_value(RDPNEG_DOC_HS_MSG, b);
  e->cert_requested = rdpneg_doc_bool(r, t, "certificate_requested", 0, OPT,
                                      "tls.certificate_requested");
  uint32_t v;
  if (rdpneg_doc_hex(r, t, "server_hello_version", &v, OPT,
                     "tls.server_hello_version"))
    e->server_hello_version = (int)v;
  if (rdpneg_doc_hex(r, t, "server_selected_version", &v, OPT,
                     "tls.server_selected_version"))
    e->server_selected_version = (int)v;
  e->bytes_received =
      (size_t)num_int(r, t, "bytes_received", 0, OPT, "tls.bytes_received");
  char hx[2 * sizeof e->first_bytes + 2];
  if (rdpneg_doc_str(r, t, "first_bytes_hex", hx, sizeof hx, OPT,
                     "tls.first_bytes_hex"))
    e->first_len = unhex(r, hx, e->first_bytes, sizeof e->first_bytes,
                         "tls.first_bytes_hex");
  e->mbedtls_error =
      (int)num_int(r, t, "mbedtls_error", 0, OPT, "tls.mbedtls_error");
  rdpneg_doc_str(r, t, "mbedtls_detail", e->error, sizeof e->error, OPT,
                 "tls.mbedtls_detail");
  const rdpneg_jp_node *c = rdpneg_doc_member(t, "certificate");
  if (c && c->type == RDPNEG_JP_OBJECT) {
    e->has_cert = 1;
    read_cert(r, c, &e->cert);
  }
  const rdpneg_jp_node *vs = rdpneg_doc_member(t, "versions");
  if (vs && vs->type == RDPNEG_JP_OBJECT)
    read_tls_versions(r, vs, ev);
}

static uint32_t ntlm_flags_of(const rdpneg_jp_node *arr) {
  uint32_t f = 0;
  if (!arr || arr->type != RDPNEG_JP_ARRAY)
    return 0;
  for (const rdpneg_jp_node *n = arr->child; n; n = n->next)
    for (int i = 0; i < 32 && n->type == RDPNEG_JP_STRING; i++) {
      const char *nm = rdpneg_ntlm_flag_name(1u << i);
      if (nm && !strcmp(nm, n->str))
        f |= 1u << i;
    }
  return f;
}

static void read_nla(rdpneg_doc_rd *r, const rdpneg_jp_node *n,
                     rdpneg_evidence *ev, rdpneg_attempt_ev *a) {
  rdpneg_nla_ev *e = a->nla;
  char b[64];
  const rdpneg_jp_node *sr = rdpneg_doc_member(n, "spnego_rejected");
  if (sr && sr->type == RDPNEG_JP_OBJECT) {
    ev->spnego_rejected = 1;
    rdpneg_doc_hex(r, sr, "ntstatus", &ev->spnego_rejected_status, OPT,
                   "nla.spnego_rejected.ntstatus");
  }
  /* a CredSSP exchange writes "spnego"; a phase that never ran does not */
  e->ran = rdpneg_doc_member(n, "spnego") != NULL;
  rdpneg_doc_str(r, n, "status", b, sizeof b, REQ, "nla.status");
  if (!e->ran) {
    e->status = !strcmp(b, "failed") ? 3 : 0;
    return;
  }
  e->status = rdpneg_doc_value(RDPNEG_DOC_NLA_STATUS, b);
  if (e->status < 0)
    rdpneg_doc_fail(r, "nla.status", "unknown value");
  if (e->status == 1)
    e->status = 3;
  e->spnego = rdpneg_doc_bool(r, n, "spnego", 0, REQ, "nla.spnego");
  e->credssp_version =
      (int)num_int(r, n, "credssp_version", 0, OPT, "nla.credssp_version");
  const rdpneg_jp_node *t = rdpneg_doc_member(n, "ntlm");
  if (t && t->type == RDPNEG_JP_OBJECT) {
    char *dst[RDPNEG_NLA_NAME_COUNT] = {e->target_name,  e->nb_domain,
                                        e->nb_computer,  e->dns_domain,
                                        e->dns_computer, e->dns_tree};
    e->has_challenge = 1;
    for (int i = 0; i < RDPNEG_NLA_NAME_COUNT; i++)
      if (rdpneg_doc_str(r, t, rdpneg_doc_nla_name_key(i), dst[i],
                         RDPNEG_NLA_NAME_MAX, OPT, "nla.ntlm.name"))
        e->present |= (uint8_t)(1u << i);
    rdpneg_doc_str(r, t, "os_version", e->os_version, sizeof e->os_version, OPT,
                   "nla.ntlm.os_version");
    rdpneg_doc_str(r, t, "server_time", e->server_time, sizeof e->server_time,
                   OPT, "nla.ntlm.server_time");
    double sk;
    e->has_skew = num(r, t, "clock_skew_s", &sk, OPT, "nla.ntlm.clock_skew_s");
    e->clock_skew_s = e->has_skew ? (int64_t)sk : 0;
    if (!rdpneg_doc_hex(r, t, "flags_value", &e->ntlm_flags, OPT,
                        "nla.ntlm.flags_value"))
      e->ntlm_flags = ntlm_flags_of(rdpneg_doc_member(t, "flags"));
  }
  e->auth = rdpneg_doc_value(
      RDPNEG_DOC_NLA_AUTH,
      (rdpneg_doc_str(r, n, "auth", b, sizeof b, REQ, "nla.auth"), b));
  if (e->auth < 0)
    rdpneg_doc_fail(r, "nla.auth", "unknown value");
  const rdpneg_jp_node *er = rdpneg_doc_member(n, "error");
  if (er && er->type == RDPNEG_JP_OBJECT) {
    rdpneg_doc_str(r, er, "code", b, sizeof b, OPT, "nla.error.code");
    e->error = err_value(b);
    e->has_ntstatus = rdpneg_doc_hex(r, er, "ntstatus", &e->ntstatus, OPT,
                                     "nla.error.ntstatus");
  }
  if (rdpneg_doc_str(r, n, "early_user_auth", b, sizeof b, OPT,
                     "nla.early_user_auth")) {
    e->has_eua = 1;
    if (!strcmp(b, "AUTHZ_SUCCESS"))
      e->eua = 0;
    else if (!strcmp(b, "AUTHZ_ACCESS_DENIED"))
      e->eua = 5;
    else
      e->eua = (uint32_t)strtoul(b, NULL, 16);
  }
  rdpneg_doc_str(r, n, "detail", e->detail, sizeof e->detail, OPT,
                 "nla.detail");
}

/* One connection: the members json_attempt() writes. */
static int range_of(const char *s, int *lo, int *hi) {
  int a, b;
  if (sscanf(s, "1.%d-1.%d", &a, &b) == 2 && a >= 0 && b <= 2 && a <= b) {
    *lo = a + 1;
    *hi = b + 1;
    return 1;
  }
  if (sscanf(s, "1.%d", &a) == 1 && a >= 0 && a <= 2) {
    *lo = *hi = a + 1;
    return 1;
  }
  return 0;
}

static void read_attempt(rdpneg_doc_rd *r, const rdpneg_jp_node *root,
                         rdpneg_evidence *ev, rdpneg_attempt_ev *a) {
  char b[32];
  if (!rdpneg_doc_str(r, root, "purpose", a->purpose, sizeof a->purpose, OPT,
                      "purpose"))
    snprintf(a->purpose, sizeof a->purpose, "primary");
  a->tls_min = 1;
  a->tls_max = 3;
  if (rdpneg_doc_str(r, root, "tls_offered", b, sizeof b, OPT, "tls_offered") &&
      !range_of(b, &a->tls_min, &a->tls_max))
    rdpneg_doc_fail(r, "tls_offered", "not a TLS version range");
  const rdpneg_jp_node *t = obj(r, root, "target", "target");
  if (!t)
    return;
  rdpneg_doc_str(r, t, "host", a->host, sizeof a->host, REQ, "target.host");
  int64_t port = num_int(r, t, "port", 0, REQ, "target.port");
  if (!r->rv && (port < 1 || port > 65535))
    rdpneg_doc_fail(r, "target.port", "out of range");
  a->port = (uint16_t)port;
  rdpneg_doc_str(r, t, "address", a->address, sizeof a->address, OPT,
                 "target.address");
  a->sni_set =
      rdpneg_doc_str(r, t, "sni", a->name, sizeof a->name, OPT, "target.sni");
  if (!a->sni_set)
    snprintf(a->name, sizeof a->name, "%s", a->host);
  read_phases(r, root, a);
  const rdpneg_jp_node *tcp = obj(r, root, "tcp", "tcp");
  if (tcp) {
    a->tcp_status =
        enum_of(r, RDPNEG_DOC_TCP_STATUS, tcp, "status", "tcp.status");
    a->tcp_sys_error =
        (int)num_int(r, tcp, "sys_error", 0, OPT, "tcp.sys_error");
  }
  const rdpneg_jp_node *x = obj(r, root, "x224", "x224");
  if (x)
    read_x224(r, x, a);
  const rdpneg_jp_node *tl = obj(r, root, "tls", "tls");
  if (tl)
    read_tls(r, tl, ev, a);
  const rdpneg_jp_node *nl = obj(r, root, "nla", "nla");
  if (nl)
    read_nla(r, nl, ev, a);
  if (!r->rv && rdpneg_doc_read_mcs(root, a, r->err, r->errlen))
    r->rv = RDPNEG_ERR_BAD_FILE; /* attempts[].mcs (profile.c) */
  if (!r->rv && rdpneg_doc_read_messages(root, a, r->err, r->errlen))
    r->rv = RDPNEG_ERR_BAD_FILE; /* attempts[].messages (ladder.c) */
  a->finished = rdpneg_doc_bool(r, root, "finished", 1, OPT, "finished");
  a->cancelled = rdpneg_doc_bool(r, root, "cancelled", 0, OPT, "cancelled");
  double ms;
  a->total_us =
      num(r, root, "total_ms", &ms, OPT, "total_ms") ? llround(ms * 1e3) : 0;
  a->start_us =
      num(r, root, "start_ms", &ms, OPT, "start_ms") ? llround(ms * 1e3) : 0;
}

RDPNEG_EXTERN int rdpneg_evidence_parse(const char *json, size_t len,
                                        rdpneg_evidence **pev, char *err,
                                        size_t errlen) {
  if (err && errlen)
    err[0] = 0;
  if (!json || !pev)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *pev = NULL;
  rdpneg_doc_rd r = {err, errlen, 0};
  if (len > DOC_MAX_BYTES)
    return rdpneg_doc_fail(&r, "document", "larger than 4 MiB");
  rdpneg_jp_node *root = NULL;
  int rv = rdpneg_jp_parse(json, len, &root, err, errlen);
  if (rv)
    return rv;
  char schema[32];
  if (root->type != RDPNEG_JP_OBJECT) {
    rdpneg_doc_fail(&r, "document", "not a JSON object");
  } else if (!rdpneg_doc_str(&r, root, "schema", schema, sizeof schema, REQ,
                             "schema") ||
             strcmp(schema, "rdpneg.probe/1") != 0) {
    rdpneg_doc_fail(&r, "schema", "not rdpneg.probe/1");
  }
  rdpneg_evidence *ev = NULL;
  if (!r.rv) {
    char source[16];
    if (!rdpneg_doc_str(&r, root, "source", source, sizeof source, OPT,
                        "source"))
      snprintf(source, sizeof source, "probe");
    const rdpneg_jp_node *atts = rdpneg_doc_member(root, "attempts");
    int n = 1;
    if (atts &&
        (atts->type != RDPNEG_JP_ARRAY || atts->count < 1 || atts->count > 64))
      rdpneg_doc_fail(&r, "attempts", "not an array of 1 to 64 attempts");
    else if (atts)
      n = (int)atts->count;
    rv = r.rv ? 0 : rdpneg_evidence_alloc(&ev, n, source);
    if (rv) {
      rdpneg_jp_free(root);
      return rv;
    }
    if (!r.rv && atts) {
      /* the connections; the top level repeats one of them and carries
       * what was derived across them */
      rdpneg_attempt_ev *top = calloc(1, sizeof *top);
      if (!top || rdpneg_attempt_parts_alloc(top) != 0) {
        if (top)
          rdpneg_attempt_clear(top);
        free(top);
        rdpneg_evidence_free(ev);
        rdpneg_jp_free(root);
        return RDPNEG_ERR_NOMEM;
      }
      int i = 0;
      for (const rdpneg_jp_node *a = atts->child; a && !r.rv; a = a->next)
        read_attempt(&r, a, ev, &ev->att[i++]);
      /* versions and the SPNEGO note come from the top level only */
      ev->tls_versions_count = 0;
      ev->spnego_rejected = 0;
      read_attempt(&r, root, ev, top);
      rdpneg_attempt_clear(top);
      free(top);
      const rdpneg_jp_node *pl = rdpneg_doc_member(root, "plan");
      if (pl && pl->type == RDPNEG_JP_OBJECT) {
        ev->top =
            (int)num_int(&r, pl, "top_attempt", 0, OPT, "plan.top_attempt");
        if (!r.rv && (ev->top < 0 || ev->top >= n))
          rdpneg_doc_fail(&r, "plan.top_attempt", "out of range");
        const rdpneg_jp_node *notes = rdpneg_doc_member(pl, "notes");
        for (const rdpneg_jp_node *x = notes ? notes->child : NULL;
             x && ev->nnotes < RDPNEG_EV_MAX_NOTES; x = x->next)
          if (x->type == RDPNEG_JP_STRING)
            snprintf(ev->notes[ev->nnotes++], sizeof ev->notes[0], "%s",
                     x->str);
      }
      double tot;
      ev->total_us = num(&r, root, "total_ms", &tot, OPT, "total_ms")
                         ? llround(tot * 1e3)
                         : 0;
      ev->cancelled =
          rdpneg_doc_bool(&r, root, "cancelled", 0, OPT, "cancelled") &&
          !ev->att[ev->top].cancelled;
      if (!r.rv && rdpneg_doc_read_profile(root, ev, err, errlen))
        r.rv = RDPNEG_ERR_BAD_FILE; /* "profile" (profile.c) */
    } else if (!r.rv) {
      read_attempt(&r, root, ev, &ev->att[0]);
    }
  }
  rdpneg_jp_free(root);
  if (r.rv) {
    rdpneg_evidence_free(ev);
    return r.rv;
  }
  *pev = ev;
  return 0;
}
