/* SPDX-License-Identifier: Apache-2.0 */
/* The enumeration's members of the rdpneg.probe/1 document: "profile" (top
 * level) and "mcs" (per attempt), written from evidence and read back, and
 * the profile's lines in the text report. The TLS versions, the
 * certificate, the CredSSP version and the number of connections in the
 * profile are taken from the attempts when written, so a document read
 * back writes them again the same. */
#include "base/json.h"
#include "base/jsonparse.h"
#include "core/evidence.h"
#include "output/document.h"
#include "proto/mcs.h"
#include "proto/x224.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tri(rdpneg_json *w, const char *key, int v) {
  if (v < 0)
    rdpneg_json_null(w, key);
  else
    rdpneg_json_bool(w, key, v);
}

static void method_value(rdpneg_json *w, const char *key, uint32_t m) {
  const char *n = rdpneg_mcs_method_name(m);
  if (n)
    rdpneg_json_str(w, key, n);
  else
    rdpneg_json_hex(w, key, m, 8);
}

static void level_value(rdpneg_json *w, const char *key, uint32_t l) {
  const char *n = rdpneg_mcs_level_name(l);
  if (n)
    rdpneg_json_str(w, key, n);
  else
    rdpneg_json_hex(w, key, l, 8);
}

void rdpneg_doc_write_mcs(rdpneg_json *w, const rdpneg_attempt_ev *a) {
  if (!a->mcs_ran)
    return;
  const rdpneg_mcs_ev *m = &a->mcs;
  rdpneg_json_obj_begin(w, "mcs");
  rdpneg_json_str(w, "status", rdpneg_mcs_status_name(m->status));
  rdpneg_json_double(w, "ms", m->us < 0 ? 0.0 : (double)m->us / 1e3, 3);
  rdpneg_json_arr_begin(w, "offered");
  static const uint32_t order[] = {RDPNEG_ENC_40BIT, RDPNEG_ENC_56BIT,
                                   RDPNEG_ENC_128BIT, RDPNEG_ENC_FIPS};
  for (int i = 0; i < 4; i++)
    if (m->offered & order[i])
      rdpneg_json_str(w, NULL, rdpneg_mcs_method_name(order[i]));
  rdpneg_json_arr_end(w);
  if (m->result >= 0)
    rdpneg_json_int(w, "result", m->result);
  else
    rdpneg_json_null(w, "result");
  if (m->has_core)
    rdpneg_json_hex(w, "server_version", m->version, 8);
  else
    rdpneg_json_null(w, "server_version");
  if (m->has_requested)
    rdpneg_json_hex(w, "requested_protocols", m->requested, 8);
  else
    rdpneg_json_null(w, "requested_protocols");
  if (m->has_security) {
    method_value(w, "encryption_method", m->method);
    level_value(w, "encryption_level", m->level);
    rdpneg_json_uint(w, "server_random_bytes", m->random_len);
    rdpneg_json_str(w, "certificate", rdpneg_mcs_cert_name(m->cert_type));
    rdpneg_json_uint(w, "certificate_bytes", m->cert_len);
    rdpneg_json_bool(w, "certificate_temporary", m->cert_temporary);
    if (m->key_bits)
      rdpneg_json_int(w, "key_bits", m->key_bits);
    else
      rdpneg_json_null(w, "key_bits");
    if (m->cert_type == RDPNEG_MCS_CERT_X509)
      rdpneg_json_int(w, "x509_certificates", m->x509_count);
  } else {
    rdpneg_json_null(w, "encryption_method");
    rdpneg_json_null(w, "encryption_level");
    rdpneg_json_null(w, "certificate");
    rdpneg_json_null(w, "key_bits");
  }
  if (m->status == RDPNEG_MCS_REFUSED)
    rdpneg_json_int(w, "disconnect_reason", m->dpu_reason);
  rdpneg_json_str(w, "detail", m->detail[0] ? m->detail : NULL);
  rdpneg_json_obj_end(w);
}

/* The first attempt that shows |what|, the top one first. */
static const rdpneg_attempt_ev *
first_with(const rdpneg_evidence *e, int (*what)(const rdpneg_attempt_ev *),
           int *index) {
  if (what(rdpneg_evidence_top(e))) {
    *index = e->top;
    return rdpneg_evidence_top(e);
  }
  for (int i = 0; i < e->nattempts; i++)
    if (what(&e->att[i])) {
      *index = i;
      return &e->att[i];
    }
  return NULL;
}

static int has_cert(const rdpneg_attempt_ev *a) {
  return a->tls_ran && a->tls->has_cert;
}

static int has_credssp(const rdpneg_attempt_ev *a) {
  return a->nla->ran && a->nla->credssp_version > 0;
}

static const char *const tls_names[] = {NULL, "TLSv1.0", "TLSv1.1", "TLSv1.2"};

void rdpneg_doc_write_profile(rdpneg_json *w, const rdpneg_evidence *e) {
  if (!e->has_profile)
    return;
  const rdpneg_profile *p = &e->profile;
  const char *names[8];
  rdpneg_json_obj_begin(w, "profile");
  rdpneg_json_int(w, "connections", e->nattempts);
  tri(w, "nla_required", p->nla_required);
  tri(w, "nla_supported", p->nla_supported);
  tri(w, "tls_required", p->tls_required);
  tri(w, "rdp_security_accepted", p->rdp_security_accepted);
  tri(w, "legacy_accepted", p->legacy_accepted);
  rdpneg_json_obj_begin(w, "selected");
  for (int i = 0; i < p->nanswers; i++)
    rdpneg_json_str(w, p->answers[i].set,
                    p->answers[i].answer[0] ? p->answers[i].answer : NULL);
  rdpneg_json_obj_end(w);
  rdpneg_json_arr_begin(w, "inferred");
  for (int i = 0; i < p->nanswers; i++)
    if (p->answers[i].inferred)
      rdpneg_json_str(w, NULL, p->answers[i].set);
  rdpneg_json_arr_end(w);
  rdpneg_json_obj_begin(w, "attempts");
  for (int i = 0; i < p->nanswers; i++)
    if (p->answers[i].attempt >= 0)
      rdpneg_json_int(w, p->answers[i].set, p->answers[i].attempt);
    else
      rdpneg_json_null(w, p->answers[i].set);
  rdpneg_json_obj_end(w);
  rdpneg_json_arr_begin(w, "flags");
  int n = p->has_flags ? rdpneg_x224_rsp_flag_names(p->flags, names) : 0;
  for (int i = 0; i < n; i++)
    rdpneg_json_str(w, NULL, names[i]);
  rdpneg_json_arr_end(w);
  if (p->has_flags)
    rdpneg_json_hex(w, "flags_value", p->flags, 2);
  else
    rdpneg_json_null(w, "flags_value");
  if (p->has_rdp_security) {
    rdpneg_json_obj_begin(w, "rdp_security");
    rdpneg_json_int(w, "attempt", p->rdp_security_attempt);
    method_value(w, "encryption_method", p->enc_method);
    rdpneg_json_arr_begin(w, "encryption_methods");
    for (int i = 0; i < p->nmethods; i++)
      method_value(w, NULL, p->methods[i]);
    rdpneg_json_arr_end(w);
    rdpneg_json_bool(w, "methods_inferred", p->methods_inferred);
    level_value(w, "encryption_level", p->enc_level);
    if (p->server_key_bits)
      rdpneg_json_int(w, "server_key_bits", p->server_key_bits);
    else
      rdpneg_json_null(w, "server_key_bits");
    rdpneg_json_str(w, "certificate", rdpneg_mcs_cert_name(p->cert_type));
    if (p->server_version)
      rdpneg_json_hex(w, "server_version", p->server_version, 8);
    else
      rdpneg_json_null(w, "server_version");
    rdpneg_json_obj_end(w);
  } else {
    rdpneg_json_null(w, "rdp_security");
  }
  if (e->tls_versions_count) {
    rdpneg_json_obj_begin(w, "tls_versions");
    for (int i = 0; i < e->tls_versions_count; i++) {
      int v = e->tls_versions[i].version;
      if (v >= 1 && v <= 3)
        rdpneg_json_bool(w, tls_names[v],
                         e->tls_versions[i].status == RDPNEG_TLS_OK);
    }
    rdpneg_json_bool(w, "requires_tls13", e->tls13_only);
    rdpneg_json_obj_end(w);
  } else {
    rdpneg_json_null(w, "tls_versions");
  }
  int at = -1;
  const rdpneg_attempt_ev *c = first_with(e, has_cert, &at);
  if (c) {
    const rdpneg_cert_ev *ce = &c->tls->cert;
    rdpneg_json_obj_begin(w, "certificate");
    rdpneg_json_int(w, "attempt", at);
    rdpneg_json_str(w, "subject", ce->subject);
    rdpneg_json_str(w, "issuer", ce->issuer);
    rdpneg_json_str(w, "not_after", ce->not_after_iso);
    rdpneg_json_str(w, "key_type", ce->key_type);
    rdpneg_json_int(w, "key_bits", ce->key_bits);
    rdpneg_json_str(w, "sha256", ce->sha256);
    rdpneg_json_obj_end(w);
  } else {
    rdpneg_json_null(w, "certificate");
  }
  c = first_with(e, has_credssp, &at);
  if (c)
    rdpneg_json_int(w, "credssp_version", c->nla->credssp_version);
  else
    rdpneg_json_null(w, "credssp_version");
  rdpneg_json_obj_end(w);
}

/* ---- reading back (the field readers are document_read.c's) ---- */

/* A method or level: its name, or 0x-hex for a value without one. */
static int named(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
                 int level, uint32_t *v, const char *path) {
  char b[32];
  if (!rdpneg_doc_str(r, o, k, b, sizeof b, 0, path))
    return 0;
  int64_t x = level ? rdpneg_mcs_level_value(b) : rdpneg_mcs_method_value(b);
  if (x >= 0) {
    *v = (uint32_t)x;
    return 1;
  }
  return rdpneg_doc_hex(r, o, k, v, 0, path);
}

int rdpneg_doc_read_mcs(const rdpneg_jp_node *o, rdpneg_attempt_ev *a,
                        char *err, size_t errlen) {
  rdpneg_doc_rd r = {err, errlen, 0};
  const rdpneg_jp_node *m = rdpneg_doc_member(o, "mcs");
  if (!m || m->type == RDPNEG_JP_NULL)
    return 0;
  if (m->type != RDPNEG_JP_OBJECT)
    return rdpneg_doc_fail(&r, "mcs", "not an object");
  rdpneg_mcs_ev *e = &a->mcs;
  memset(e, 0, sizeof *e);
  a->mcs_ran = 1;
  char b[32];
  rdpneg_doc_str(&r, m, "status", b, sizeof b, 0, "mcs.status");
  e->status = rdpneg_mcs_status_value(b);
  if (e->status < 0)
    rdpneg_doc_fail(&r, "mcs.status", "unknown value");
  const rdpneg_jp_node *ms = rdpneg_doc_member(m, "ms");
  if (ms && ms->type == RDPNEG_JP_NUMBER)
    e->us = llround(strtod(ms->str, NULL) * 1e3);
  const rdpneg_jp_node *off = rdpneg_doc_member(m, "offered");
  for (const rdpneg_jp_node *x =
           off && off->type == RDPNEG_JP_ARRAY ? off->child : NULL;
       x; x = x->next) {
    int64_t v =
        x->type == RDPNEG_JP_STRING ? rdpneg_mcs_method_value(x->str) : -1;
    if (v < 0)
      rdpneg_doc_fail(&r, "mcs.offered", "unknown method");
    else
      e->offered |= (uint32_t)v;
  }
  int64_t v = -1;
  e->result = rdpneg_doc_int(&r, m, "result", &v, "mcs.result") ? (int)v : -1;
  e->has_core = rdpneg_doc_hex(&r, m, "server_version", &e->version, 0,
                               "mcs.server_version");
  e->has_requested = rdpneg_doc_hex(&r, m, "requested_protocols", &e->requested,
                                    0, "mcs.requested_protocols");
  e->has_security =
      named(&r, m, "encryption_method", 0, &e->method, "mcs.encryption_method");
  named(&r, m, "encryption_level", 1, &e->level, "mcs.encryption_level");
  if (rdpneg_doc_int(&r, m, "server_random_bytes", &v,
                     "mcs.server_random_bytes"))
    e->random_len = (uint32_t)v;
  if (rdpneg_doc_str(&r, m, "certificate", b, sizeof b, 0, "mcs.certificate"))
    e->cert_type = rdpneg_mcs_cert_value(b);
  if (rdpneg_doc_int(&r, m, "certificate_bytes", &v, "mcs.certificate_bytes"))
    e->cert_len = (uint32_t)v;
  e->cert_temporary = rdpneg_doc_bool(&r, m, "certificate_temporary", 0, 0,
                                      "mcs.certificate_temporary");
  if (rdpneg_doc_int(&r, m, "key_bits", &v, "mcs.key_bits"))
    e->key_bits = (int)v;
  if (rdpneg_doc_int(&r, m, "x509_certificates", &v, "mcs.x509_certificates"))
    e->x509_count = (int)v;
  if (rdpneg_doc_int(&r, m, "disconnect_reason", &v, "mcs.disconnect_reason"))
    e->dpu_reason = (uint8_t)v;
  rdpneg_doc_str(&r, m, "detail", e->detail, sizeof e->detail, 0, "mcs.detail");
  return r.rv;
}

int rdpneg_doc_read_profile(const rdpneg_jp_node *root, rdpneg_evidence *ev,
                            char *err, size_t errlen) {
  rdpneg_doc_rd r = {err, errlen, 0};
  const rdpneg_jp_node *o = rdpneg_doc_member(root, "profile");
  if (!o || o->type == RDPNEG_JP_NULL)
    return 0;
  if (o->type != RDPNEG_JP_OBJECT)
    return rdpneg_doc_fail(&r, "profile", "not an object");
  rdpneg_profile *p = &ev->profile;
  memset(p, 0, sizeof *p);
  ev->has_profile = 1;
  p->nla_required =
      rdpneg_doc_bool(&r, o, "nla_required", -1, 0, "profile.nla_required");
  p->nla_supported =
      rdpneg_doc_bool(&r, o, "nla_supported", -1, 0, "profile.nla_supported");
  p->tls_required =
      rdpneg_doc_bool(&r, o, "tls_required", -1, 0, "profile.tls_required");
  p->rdp_security_accepted = rdpneg_doc_bool(
      &r, o, "rdp_security_accepted", -1, 0, "profile.rdp_security_accepted");
  p->legacy_accepted = rdpneg_doc_bool(&r, o, "legacy_accepted", -1, 0,
                                       "profile.legacy_accepted");
  const rdpneg_jp_node *sel = rdpneg_doc_member(o, "selected");
  if (!sel || sel->type != RDPNEG_JP_OBJECT)
    return rdpneg_doc_fail(&r, "profile.selected", "not an object");
  const rdpneg_jp_node *inf = rdpneg_doc_member(o, "inferred");
  const rdpneg_jp_node *att = rdpneg_doc_member(o, "attempts");
  for (const rdpneg_jp_node *x = sel->child;
       x && p->nanswers < RDPNEG_PROFILE_MAX_SETS; x = x->next) {
    rdpneg_profile_answer *a = &p->answers[p->nanswers++];
    snprintf(a->set, sizeof a->set, "%s", x->key);
    if (x->type == RDPNEG_JP_STRING)
      snprintf(a->answer, sizeof a->answer, "%s", x->str);
    else if (x->type != RDPNEG_JP_NULL)
      rdpneg_doc_fail(&r, "profile.selected", "not a string");
    for (const rdpneg_jp_node *y = inf ? inf->child : NULL; y; y = y->next)
      if (y->type == RDPNEG_JP_STRING && !strcmp(y->str, a->set))
        a->inferred = 1;
    int64_t v;
    a->attempt = rdpneg_doc_int(&r, att, a->set, &v, "profile.attempts") &&
                         v >= 0 && v < ev->nattempts
                     ? (int)v
                     : -1;
  }
  uint32_t fv;
  if (rdpneg_doc_hex(&r, o, "flags_value", &fv, 0, "profile.flags_value")) {
    p->has_flags = 1;
    p->flags = (uint8_t)fv;
  }
  const rdpneg_jp_node *rs = rdpneg_doc_member(o, "rdp_security");
  if (rs && rs->type == RDPNEG_JP_OBJECT) {
    p->has_rdp_security = 1;
    int64_t v = 0;
    rdpneg_doc_int(&r, rs, "attempt", &v, "profile.rdp_security.attempt");
    p->rdp_security_attempt = (int)v;
    named(&r, rs, "encryption_method", 0, &p->enc_method,
          "profile.rdp_security.encryption_method");
    named(&r, rs, "encryption_level", 1, &p->enc_level,
          "profile.rdp_security.encryption_level");
    const rdpneg_jp_node *ml = rdpneg_doc_member(rs, "encryption_methods");
    for (const rdpneg_jp_node *x = ml && ml->type == RDPNEG_JP_ARRAY ? ml->child
                                                                     : NULL;
         x && p->nmethods < 5; x = x->next) {
      int64_t mv =
          x->type == RDPNEG_JP_STRING ? rdpneg_mcs_method_value(x->str) : -1;
      if (mv < 0 && x->type == RDPNEG_JP_STRING)
        mv = (int64_t)strtoul(x->str, NULL, 16);
      p->methods[p->nmethods++] = (uint32_t)(mv < 0 ? 0 : mv);
    }
    p->methods_inferred =
        rdpneg_doc_bool(&r, rs, "methods_inferred", 0, 0,
                        "profile.rdp_security.methods_inferred");
    if (rdpneg_doc_int(&r, rs, "server_key_bits", &v,
                       "profile.rdp_security.server_key_bits"))
      p->server_key_bits = (int)v;
    char b[32];
    if (rdpneg_doc_str(&r, rs, "certificate", b, sizeof b, 0,
                       "profile.rdp_security.certificate"))
      p->cert_type = rdpneg_mcs_cert_value(b);
    rdpneg_doc_hex(&r, rs, "server_version", &p->server_version, 0,
                   "profile.rdp_security.server_version");
  }
  return r.rv;
}

/* ---- text report ---- */

static void add(char **buf, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !*buf)
    return;
  char *nb = realloc(*buf, *len + (size_t)n + 1);
  if (!nb) {
    free(*buf);
    *buf = NULL;
    return;
  }
  *buf = nb;
  va_start(ap, fmt);
  vsnprintf(*buf + *len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  *len += (size_t)n;
}

static const char *yesno(int v) {
  return v < 0 ? "unknown" : v ? "yes" : "no";
}

char *rdpneg_doc_profile_text(const rdpneg_evidence *e) {
  char *b = calloc(1, 1);
  size_t n = 0;
  if (!e->has_profile || !b)
    return b;
  const rdpneg_profile *p = &e->profile;
  add(&b, &n, "profile  %d connections\n", e->nattempts);
  add(&b, &n, "  NLA required %s (supported %s), TLS required %s\n",
      yesno(p->nla_required), yesno(p->nla_supported), yesno(p->tls_required));
  add(&b, &n,
      "  Standard RDP Security accepted %s, from legacy clients (no "
      "RDP_NEG_REQ) %s\n",
      yesno(p->rdp_security_accepted), yesno(p->legacy_accepted));
  for (int i = 0; i < p->nanswers; i++) {
    const rdpneg_profile_answer *a = &p->answers[i];
    add(&b, &n, "  %-22s -> %s%s\n", a->set,
        a->answer[0] ? a->answer : "not determined",
        a->inferred ? " (inferred)" : "");
  }
  if (p->has_rdp_security) {
    add(&b, &n, "  Standard RDP Security: level %s, methods",
        rdpneg_mcs_level_name(p->enc_level)
            ? rdpneg_mcs_level_name(p->enc_level)
            : "unknown");
    for (int i = 0; i < p->nmethods; i++) {
      const char *mn = rdpneg_mcs_method_name(p->methods[i]);
      add(&b, &n, " %s", mn ? mn : "unknown");
    }
    if (p->cert_type == RDPNEG_MCS_CERT_NONE)
      add(&b, &n, "%s, no server certificate\n",
          p->methods_inferred ? " (from the level)" : "");
    else
      add(&b, &n, "%s, %s certificate, %d-bit key\n",
          p->methods_inferred ? " (from the level)" : "",
          p->cert_type == RDPNEG_MCS_CERT_X509 ? "X.509" : "proprietary",
          p->server_key_bits);
  }
  if (e->tls_versions_count) {
    add(&b, &n, "  TLS versions:");
    for (int i = 0; i < e->tls_versions_count; i++) {
      int v = e->tls_versions[i].version;
      if (v >= 1 && v <= 3)
        add(&b, &n, "%s %s %s", i ? "," : "", tls_names[v],
            e->tls_versions[i].status == RDPNEG_TLS_OK ? "yes" : "no");
    }
    add(&b, &n, "%s\n", e->tls13_only ? ", TLS 1.3 required" : "");
  }
  int at;
  const rdpneg_attempt_ev *c = first_with(e, has_credssp, &at);
  if (c)
    add(&b, &n, "  CredSSP version %d\n", c->nla->credssp_version);
  return b;
}
