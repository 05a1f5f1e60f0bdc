/* SPDX-License-Identifier: Apache-2.0 */
/* The probe document: evidence (+ diagnosis) -> JSON (schema
 * rdpneg.probe/1) and the human-readable report. The one module that writes
 * the document; document_read.c reads it back. */
#include "analysis/diagnose.h"
#include "base/json.h"
#include "core/evidence.h"
#include "output/document.h"
#include "output/report.h"
#include "proto/nla.h"
#include "proto/ntlm.h"
#include "proto/x224.h"

#include <rdpneg/rdpneg_diagnosis.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const phase_status_names[] = {"pending", "ok", "failed",
                                                 "skipped"};
static const char *const tcp_status_names[] = {
    "pending",     "ok",         "refused", "timeout",
    "unreachable", "dns_failed", "error"};
static const char *const x224_status_names[] = {
    "pending", "ok",      "failure",   "legacy",  "closed",
    "reset",   "timeout", "malformed", "not_rdp", "skipped"};
static const char *const tls_status_names[] = {"pending", "ok",     "alert",
                                               "closed",  "reset",  "stalled",
                                               "not_tls", "failed", "skipped"};
static const char *const verdict_names[] = {"healthy", "degraded", "failing",
                                            "unknown"};
static const char *const phase_names[] = {"tcp", "x224", "tls", "nla"};
static const char *const hs_msg_names[] = {[2] = "ServerHello",
                                           [11] = "Certificate",
                                           [12] = "ServerKeyExchange",
                                           [13] = "CertificateRequest",
                                           [14] = "ServerHelloDone"};
static const char *const nla_status_names[] = {"skipped", "failed", "ok",
                                               "failed"};
static const char *const nla_auth_names[] = {"not_tested", "success", "failed"};

#define NAME_OF(tab, v, dflt)                                                  \
  ((unsigned)(v) < sizeof tab / sizeof tab[0] && tab[v] ? tab[v] : (dflt))

const char *rdpneg_doc_name(rdpneg_doc_names which, int v) {
  switch (which) {
  case RDPNEG_DOC_PHASE:
    return NAME_OF(phase_names, v, NULL);
  case RDPNEG_DOC_PHASE_STATUS:
    return NAME_OF(phase_status_names, v, "pending");
  case RDPNEG_DOC_TCP_STATUS:
    return NAME_OF(tcp_status_names, v, "error");
  case RDPNEG_DOC_X224_STATUS:
    return NAME_OF(x224_status_names, v, "malformed");
  case RDPNEG_DOC_TLS_STATUS:
    return NAME_OF(tls_status_names, v, "failed");
  case RDPNEG_DOC_VERDICT:
    return NAME_OF(verdict_names, v, "unknown");
  case RDPNEG_DOC_HS_MSG:
    return v < 0 ? NULL : NAME_OF(hs_msg_names, v, "other");
  case RDPNEG_DOC_NLA_STATUS:
    return NAME_OF(nla_status_names, v, "failed");
  case RDPNEG_DOC_NLA_AUTH:
    return NAME_OF(nla_auth_names, v, "not_tested");
  }
  return NULL;
}

int rdpneg_doc_value(rdpneg_doc_names which, const char *name) {
  if (!name)
    return -1;
  for (int v = 0; v < 16; v++) {
    const char *n = rdpneg_doc_name(which, v);
    if (n && !strcmp(n, name) &&
        !(which == RDPNEG_DOC_HS_MSG && !strcmp(name, "other")))
      return v;
  }
  if (which == RDPNEG_DOC_HS_MSG && !strcmp(name, "other"))
    return RDPNEG_DOC_HS_OTHER;
  return -1;
}

static const char *tls_version_name(int v) {
  static const char *const n[] = {NULL, "TLSv1.0", "TLSv1.1", "TLSv1.2"};
  return v >= 1 && v <= 3 ? n[v] : NULL;
}

static void json_ms(rdpneg_json *w, const char *key, int64_t us) {
  rdpneg_json_double(w, key, us < 0 ? 0.0 : (double)us / 1e3, 3);
}

static void json_cert(rdpneg_json *w, const rdpneg_cert_ev *c) {
  rdpneg_json_obj_begin(w, "certificate");
  rdpneg_json_str(w, "subject", c->subject);
  rdpneg_json_str(w, "issuer", c->issuer);
  rdpneg_json_arr_begin(w, "san");
  for (int i = 0; i < c->san_count; i++)
    rdpneg_json_str(w, NULL, c->san[i]);
  rdpneg_json_arr_end(w);
  rdpneg_json_str(w, "serial", c->serial);
  rdpneg_json_str(w, "not_before", c->not_before_iso);
  rdpneg_json_str(w, "not_after", c->not_after_iso);
  if (c->dates_known) {
    rdpneg_json_int(w, "days_left", c->days_left);
    rdpneg_json_bool(w, "expired", c->expired);
    rdpneg_json_bool(w, "not_yet_valid", c->not_yet_valid);
    rdpneg_json_bool(w, "expiring_soon", c->expiring_soon);
  } else {
    rdpneg_json_null(w, "days_left");
    rdpneg_json_null(w, "expired");
    rdpneg_json_null(w, "not_yet_valid");
    rdpneg_json_null(w, "expiring_soon");
  }
  rdpneg_json_bool(w, "self_signed", c->self_signed);
  rdpneg_json_bool(w, "hostname_match", c->hostname_match);
  if (c->trusted < 0)
    rdpneg_json_null(w, "trusted");
  else
    rdpneg_json_bool(w, "trusted", c->trusted);
  rdpneg_json_hex(w, "verify_flags", c->verify_flags, 8);
  rdpneg_json_str(w, "key_type", c->key_type);
  rdpneg_json_int(w, "key_bits", c->key_bits);
  rdpneg_json_bool(w, "weak_key", c->weak_key);
  rdpneg_json_str(w, "signature_algorithm", c->signature_algorithm);
  rdpneg_json_str(w, "sha256", c->sha256);
  rdpneg_json_arr_begin(w, "chain");
  for (int i = 0; i < c->chain_len; i++) {
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "subject", c->chain[i].subject);
    rdpneg_json_str(w, "issuer", c->chain[i].issuer);
    rdpneg_json_str(w, "sha256", c->chain[i].sha256);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
  rdpneg_json_obj_end(w);
}

static void json_tls(rdpneg_json *w, const rdpneg_evidence *e,
                     const rdpneg_attempt_ev *a, int with_versions) {
  rdpneg_json_obj_begin(w, "tls");
  rdpneg_json_str(w, "status",
                  rdpneg_doc_name(RDPNEG_DOC_TLS_STATUS, a->tls_status));
  if (!a->tls_ran) {
    rdpneg_json_null(w, "version");
    rdpneg_json_null(w, "cipher");
    rdpneg_json_null(w, "alert");
    rdpneg_json_null(w, "certificate");
  } else {
    const rdpneg_tls_ev *ev = a->tls;
    rdpneg_json_str(w, "version", ev->version[0] ? ev->version : NULL);
    rdpneg_json_str(w, "cipher", ev->cipher[0] ? ev->cipher : NULL);
    if (ev->alert_code >= 0) {
      rdpneg_json_obj_begin(w, "alert");
      rdpneg_json_str(w, "name", rdpneg_tls_alert_name(ev->alert_code));
      rdpneg_json_int(w, "code", ev->alert_code);
      rdpneg_json_int(w, "level", ev->alert_level);
      rdpneg_json_obj_end(w);
    } else {
      rdpneg_json_null(w, "alert");
    }
    rdpneg_json_bool(w, "requires_tls13", ev->requires_tls13);
    rdpneg_json_str(w, "last_server_message",
                    rdpneg_doc_name(RDPNEG_DOC_HS_MSG, ev->last_server_msg));
    rdpneg_json_bool(w, "certificate_requested", ev->cert_requested);
    if (ev->server_hello_version)
      rdpneg_json_hex(w, "server_hello_version",
                      (uint64_t)ev->server_hello_version, 4);
    if (ev->server_selected_version)
      rdpneg_json_hex(w, "server_selected_version",
                      (uint64_t)ev->server_selected_version, 4);
    rdpneg_json_uint(w, "bytes_received", ev->bytes_received);
    if (ev->status == RDPNEG_TLS_NOT_TLS) {
      char hx[2 * sizeof ev->first_bytes + 1];
      rdpneg_hex_encode(ev->first_bytes, ev->first_len, hx);
      rdpneg_json_str(w, "first_bytes_hex", hx);
    }
    if (ev->mbedtls_error) {
      rdpneg_json_int(w, "mbedtls_error", ev->mbedtls_error);
      rdpneg_json_str(w, "mbedtls_detail", ev->error);
    }
    if (ev->has_cert)
      json_cert(w, &ev->cert);
    else
      rdpneg_json_null(w, "certificate");
  }
  if (with_versions && e->tls_versions_count) {
    rdpneg_json_obj_begin(w, "versions");
    for (int i = 0; i < e->tls_versions_count; i++) {
      const rdpneg_tls_version_ev *v = &e->tls_versions[i];
      const char *vn = tls_version_name(v->version);
      rdpneg_json_obj_begin(w, vn ? vn : "unknown");
      rdpneg_json_bool(w, "accepted", v->status == RDPNEG_TLS_OK);
      rdpneg_json_str(w, "status",
                      v->inferred && v->status == RDPNEG_TLS_SKIPPED
                          ? "not_selected"
                          : rdpneg_doc_name(RDPNEG_DOC_TLS_STATUS, v->status));
      if (v->alert_code >= 0)
        rdpneg_json_int(w, "alert", v->alert_code);
      rdpneg_json_bool(w, "inferred", v->inferred);
      if (v->attempt >= 0)
        rdpneg_json_int(w, "attempt", v->attempt);
      else
        rdpneg_json_null(w, "attempt");
      rdpneg_json_obj_end(w);
    }
    rdpneg_json_bool(w, "requires_tls13", e->tls13_only);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_obj_end(w);
}

static void json_x224(rdpneg_json *w, const rdpneg_attempt_ev *a) {
  const char *names[8];
  int n;
  rdpneg_json_obj_begin(w, "x224");
  rdpneg_json_str(w, "status",
                  rdpneg_doc_name(RDPNEG_DOC_X224_STATUS, a->x224_status));
  rdpneg_json_bool(w, "neg_req", a->sent_neg_req);
  rdpneg_json_arr_begin(w, "requested");
  if (a->sent_neg_req) {
    n = rdpneg_x224_protocol_names(a->requested, names);
    for (int i = 0; i < n; i++)
      rdpneg_json_str(w, NULL, names[i]);
  }
  rdpneg_json_arr_end(w);
  if (a->sent_neg_req) {
    rdpneg_json_hex(w, "requested_protocols", a->requested, 8);
    rdpneg_json_hex(w, "request_flags", a->req_flags, 2);
  } else {
    rdpneg_json_null(w, "requested_protocols");
    rdpneg_json_null(w, "request_flags");
  }
  rdpneg_json_str(w, "cookie", a->has_cookie ? a->cookie : NULL);
  int rsp = a->have_cc && a->has_neg && a->neg_type == RDPNEG_NEG_TYPE_RSP;
  int failure =
      a->have_cc && a->has_neg && a->neg_type == RDPNEG_NEG_TYPE_FAILURE;
  rdpneg_json_str(w, "selected",
                  rsp ? rdpneg_protocol_name(a->neg_value) : NULL);
  if (rsp)
    rdpneg_json_hex(w, "selected_protocol", a->neg_value, 8);
  else
    rdpneg_json_null(w, "selected_protocol");
  rdpneg_json_arr_begin(w, "flags");
  if (rsp) {
    n = rdpneg_x224_rsp_flag_names(a->neg_flags, names);
    for (int i = 0; i < n; i++)
      rdpneg_json_str(w, NULL, names[i]);
  }
  rdpneg_json_arr_end(w);
  if (rsp)
    rdpneg_json_hex(w, "flags_value", a->neg_flags, 2);
  else
    rdpneg_json_null(w, "flags_value");
  rdpneg_json_str(w, "failure",
                  failure ? (rdpneg_failure_name(a->neg_value)
                                 ? rdpneg_failure_name(a->neg_value)
                                 : "UNKNOWN")
                          : NULL);
  if (failure)
    rdpneg_json_uint(w, "failure_code", a->neg_value);
  else
    rdpneg_json_null(w, "failure_code");
  if (a->have_cc) {
    rdpneg_json_hex(w, "src_ref", a->src_ref, 4);
    char hx[2 * sizeof a->cc_raw + 1];
    rdpneg_hex_encode(a->cc_raw, a->cc_raw_len, hx);
    rdpneg_json_str(w, "confirm_hex", hx);
  }
  rdpneg_json_bool(w, "unexpected_protocol", a->unexpected_protocol);
  rdpneg_json_uint(w, "bytes_received", a->rx_total);
  /* the first bytes only where they are the answer (not RDP, malformed):
   * after a confirm they would carry the next phase's random bytes */
  if (a->rx_first_len && (a->x224_status == RDPNEG_X224_NOT_RDP ||
                          a->x224_status == RDPNEG_X224_MALFORMED)) {
    char hx[2 * sizeof a->rx_first + 1], b[sizeof a->rx_first + 1];
    rdpneg_hex_encode(a->rx_first, a->rx_first_len, hx);
    rdpneg_printable_prefix(a->rx_first, a->rx_first_len, b, sizeof b);
    rdpneg_json_str(w, "received_hex", hx);
    rdpneg_json_str(w, "received_text", b);
  }
  rdpneg_json_obj_end(w);
}

static const char *const nla_name_keys[RDPNEG_NLA_NAME_COUNT] = {
    "target_name", "netbios_domain", "netbios_computer",
    "dns_domain",  "dns_computer",   "dns_tree"};

const char *rdpneg_doc_nla_name_key(int i) {
  return i >= 0 && i < RDPNEG_NLA_NAME_COUNT ? nla_name_keys[i] : NULL;
}

const char *rdpneg_nla_ev_name(const rdpneg_nla_ev *n, int i) {
  const char *v[RDPNEG_NLA_NAME_COUNT] = {n->target_name,  n->nb_domain,
                                          n->nb_computer,  n->dns_domain,
                                          n->dns_computer, n->dns_tree};
  return i >= 0 && i < RDPNEG_NLA_NAME_COUNT && (n->present & (1u << i)) ? v[i]
                                                                         : NULL;
}

void rdpneg_doc_nla_members(rdpneg_json *w, const rdpneg_nla_ev *n) {
  rdpneg_json_str(w, "status",
                  rdpneg_doc_name(RDPNEG_DOC_NLA_STATUS, n->status));
  rdpneg_json_bool(w, "spnego", n->spnego);
  if (n->credssp_version)
    rdpneg_json_uint(w, "credssp_version", (unsigned)n->credssp_version);
  else
    rdpneg_json_null(w, "credssp_version");
  if (n->has_challenge) {
    rdpneg_json_obj_begin(w, "ntlm");
    for (int i = 0; i < RDPNEG_NLA_NAME_COUNT; i++)
      rdpneg_json_str(w, nla_name_keys[i], rdpneg_nla_ev_name(n, i));
    rdpneg_json_str(w, "os_version", n->os_version[0] ? n->os_version : NULL);
    rdpneg_json_str(w, "server_time",
                    n->server_time[0] ? n->server_time : NULL);
    if (n->has_skew)
      rdpneg_json_int(w, "clock_skew_s", n->clock_skew_s);
    else
      rdpneg_json_null(w, "clock_skew_s");
    rdpneg_json_arr_begin(w, "flags");
    for (int i = 0; i < 32; i++)
      if (n->ntlm_flags & (1u << i))
        rdpneg_json_str(w, NULL, rdpneg_ntlm_flag_name(1u << i));
    rdpneg_json_arr_end(w);
    rdpneg_json_hex(w, "flags_value", n->ntlm_flags, 8);
    rdpneg_json_obj_end(w);
  } else {
    rdpneg_json_null(w, "ntlm");
  }
  rdpneg_json_str(w, "auth", rdpneg_doc_name(RDPNEG_DOC_NLA_AUTH, n->auth));
  if (n->error || n->has_ntstatus) {
    rdpneg_json_obj_begin(w, "error");
    rdpneg_json_str(w, "name",
                    n->has_ntstatus ? rdpneg_nla_ntstatus_name(n->ntstatus)
                                    : rdpneg_err_name(n->error));
    if (n->has_ntstatus) {
      char hex[16];
      snprintf(hex, sizeof hex, "0x%08X", (unsigned)n->ntstatus);
      rdpneg_json_str(w, "ntstatus", hex);
    } else {
      rdpneg_json_null(w, "ntstatus");
    }
    rdpneg_json_str(w, "code", rdpneg_err_name(n->error));
    rdpneg_json_obj_end(w);
  } else {
    rdpneg_json_null(w, "error");
  }
  if (n->has_eua) {
    if (n->eua == 0) {
      rdpneg_json_str(w, "early_user_auth", "AUTHZ_SUCCESS");
    } else if (n->eua == 5) {
      rdpneg_json_str(w, "early_user_auth", "AUTHZ_ACCESS_DENIED");
    } else {
      char hex[16];
      snprintf(hex, sizeof hex, "0x%08X", (unsigned)n->eua);
      rdpneg_json_str(w, "early_user_auth", hex);
    }
  } else {
    rdpneg_json_null(w, "early_user_auth");
  }
  rdpneg_json_str(w, "detail", n->detail[0] ? n->detail : NULL);
}

static void json_nla(rdpneg_json *w, const rdpneg_evidence *e,
                     const rdpneg_attempt_ev *a, int top) {
  const rdpneg_nla_ev *n = a->nla;
  rdpneg_json_obj_begin(w, "nla");
  if (top && e->spnego_rejected) {
    rdpneg_json_obj_begin(w, "spnego_rejected");
    rdpneg_json_hex(w, "ntstatus", e->spnego_rejected_status, 8);
    rdpneg_json_str(w, "detail",
                    "the server refused the SPNEGO-wrapped NEGOTIATE on a "
                    "first connection; this result is from a retry with raw "
                    "NTLM");
    rdpneg_json_obj_end(w);
  }
  if (!n->ran) {
    int64_t sel = rdpneg_attempt_selected(a);
    int nla = sel == RDPNEG_PROTOCOL_HYBRID || sel == RDPNEG_PROTOCOL_HYBRID_EX;
    rdpneg_json_str(w, "status",
                    a->ph[RDPNEG_PHASE_NLA].status == RDPNEG_PHASE_FAILED
                        ? "failed"
                        : "skipped");
    rdpneg_json_null(w, "credssp_version");
    rdpneg_json_null(w, "ntlm");
    rdpneg_json_str(w, "auth", nla ? "not_tested" : "not_testable");
    rdpneg_json_null(w, "error");
    rdpneg_json_null(w, "early_user_auth");
    rdpneg_json_obj_end(w);
    return;
  }
  rdpneg_doc_nla_members(w, n);
  rdpneg_json_obj_end(w);
}

/* The members that describe one connection (top level: the primary one). */
static void json_attempt(rdpneg_json *w, const rdpneg_evidence *e,
                         const rdpneg_attempt_ev *a, int top) {
  rdpneg_json_obj_begin(w, "target");
  rdpneg_json_str(w, "host", a->host);
  rdpneg_json_uint(w, "port", a->port);
  rdpneg_json_str(w, "address", a->address[0] ? a->address : NULL);
  rdpneg_json_str(w, "sni", a->sni_set ? a->name : NULL);
  rdpneg_json_obj_end(w);

  rdpneg_json_arr_begin(w, "phases");
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++) {
    const rdpneg_phase_rec *p = &a->ph[i];
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "name", phase_names[i]);
    rdpneg_json_str(w, "status",
                    rdpneg_doc_name(RDPNEG_DOC_PHASE_STATUS, p->status));
    if (p->status == RDPNEG_PHASE_SKIPPED)
      rdpneg_json_null(w, "ms");
    else
      json_ms(w, "ms", p->us);
    if (p->err)
      rdpneg_json_str(w, "error", rdpneg_err_name(p->err));
    else
      rdpneg_json_null(w, "error");
    rdpneg_json_str(w, "detail", p->detail[0] ? p->detail : NULL);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);

  rdpneg_json_obj_begin(w, "tcp");
  rdpneg_json_str(w, "status",
                  rdpneg_doc_name(RDPNEG_DOC_TCP_STATUS, a->tcp_status));
  json_ms(w, "ms", a->ph[RDPNEG_PHASE_TCP].us);
  if (a->tcp_sys_error)
    rdpneg_json_int(w, "sys_error", a->tcp_sys_error);
  else
    rdpneg_json_null(w, "sys_error");
  rdpneg_json_obj_end(w);

  json_x224(w, a);
  json_tls(w, e, a, top);
  json_nla(w, e, a, top);
  rdpneg_doc_write_mcs(w, a);      /* only when the MCS exchange ran */
  rdpneg_doc_write_observed(w, a); /* only for a captured connection */
  rdpneg_json_bool(w, "finished", a->finished);
  rdpneg_json_bool(w, "cancelled", a->cancelled || (top && e->cancelled));
}

static const char *tls_range_name(int lo, int hi) {
  static const char *const n[4][4] = {
      {0},
      {NULL, "1.0", "1.0-1.1", "1.0-1.2"},
      {NULL, NULL, "1.1", "1.1-1.2"},
      {NULL, NULL, NULL, "1.2"},
  };
  return lo >= 1 && lo <= 3 && hi >= lo && hi <= 3 ? n[lo][hi] : NULL;
}

static void json_plan(rdpneg_json *w, const rdpneg_evidence *e) {
  rdpneg_json_arr_begin(w, "attempts");
  for (int i = 0; i < e->nattempts; i++) {
    const rdpneg_attempt_ev *a = &e->att[i];
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "purpose", a->purpose[0] ? a->purpose : "primary");
    rdpneg_json_str(w, "tls_offered", tls_range_name(a->tls_min, a->tls_max));
    json_attempt(w, e, a, 0);
    json_ms(w, "start_ms", a->start_us);
    json_ms(w, "total_ms", a->total_us);
    rdpneg_doc_write_messages(w, a); /* messages, messages_dropped */
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
  rdpneg_json_obj_begin(w, "plan");
  rdpneg_json_int(w, "connections", e->nattempts);
  rdpneg_json_int(w, "top_attempt", e->top);
  rdpneg_json_arr_begin(w, "notes");
  for (int i = 0; i < e->nnotes; i++)
    rdpneg_json_str(w, NULL, e->notes[i]);
  rdpneg_json_arr_end(w);
  rdpneg_json_obj_end(w);
}

void rdpneg_document_write(rdpneg_json *w, const rdpneg_evidence *e,
                           const rdpneg_diagnosis *d) {
  const rdpneg_attempt_ev *a = rdpneg_evidence_top(e);
  rdpneg_json_obj_begin(w, NULL);
  rdpneg_json_str(w, "schema", "rdpneg.probe/1");
  rdpneg_json_str(w, "library", RDPNEG_VERSION);
  rdpneg_json_str(w, "source", e->source);
  json_attempt(w, e, a, 1);
  json_plan(w, e);
  rdpneg_doc_write_profile(w, e); /* only when the plan enumerated */
  rdpneg_diagnosis_write_json(d, w);
  rdpneg_json_str(
      w, "verdict",
      rdpneg_doc_name(RDPNEG_DOC_VERDICT, rdpneg_diagnosis_verdict(d)));
  json_ms(w, "total_ms", e->total_us ? e->total_us : a->total_us);
  rdpneg_json_obj_end(w);
}

/* Diagnoses with the built-in rules and texts when the caller gave no
 * diagnosis. Returns the diagnosis to use and sets *|own| when it must be
 * freed. */
static int diag_or_default(const rdpneg_evidence *e, const rdpneg_diagnosis *d,
                           const rdpneg_diagnosis **use,
                           rdpneg_diagnosis **own) {
  *own = NULL;
  if (d) {
    *use = d;
    return 0;
  }
  int rv = rdpneg_diagnose(e, NULL, NULL, own);
  *use = *own;
  return rv;
}

RDPNEG_EXTERN int rdpneg_evidence_json(const rdpneg_evidence *e,
                                       const rdpneg_diagnosis *d, char **pjson,
                                       size_t *plen) {
  if (!e || !pjson || e->nattempts < 1)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  const rdpneg_diagnosis *use;
  rdpneg_diagnosis *own;
  int rv = diag_or_default(e, d, &use, &own);
  if (rv)
    return rv;
  rdpneg_json w;
  rdpneg_json_init(&w, 1);
  rdpneg_document_write(&w, e, use);
  rdpneg_diagnosis_free(own);
  int err = w.err;
  *pjson = rdpneg_json_take(&w, plen);
  return *pjson ? 0 : (err ? err : RDPNEG_ERR_NOMEM);
}

RDPNEG_EXTERN int rdpneg_session_json(const rdpneg_session *s, char **pjson,
                                      size_t *plen) {
  if (!s || !pjson)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_evidence *e;
  int rv = rdpneg_session_evidence(s, &e);
  if (rv)
    return rv;
  rv = rdpneg_evidence_json(e, NULL, pjson, plen);
  rdpneg_evidence_free(e);
  return rv;
}

RDPNEG_EXTERN rdpneg_verdict rdpneg_session_verdict(const rdpneg_session *s) {
  rdpneg_evidence *e = NULL;
  rdpneg_diagnosis *d = NULL;
  rdpneg_verdict v = RDPNEG_VERDICT_UNKNOWN;
  if (s && rdpneg_session_evidence(s, &e) == 0 &&
      rdpneg_diagnose(e, NULL, NULL, &d) == 0)
    v = rdpneg_diagnosis_verdict(d);
  rdpneg_diagnosis_free(d);
  rdpneg_evidence_free(e);
  return v;
}

RDPNEG_EXTERN void rdpneg_free(void *ptr) {
  free(ptr);
}

/* ---- text report ---- */

typedef struct {
  char *buf;
  size_t len, cap;
  int err;
} text;

static void tprintf(text *t, const char *fmt, ...) {
  if (t->err)
    return;
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = vsnprintf(t->buf ? t->buf + t->len : NULL,
                      t->buf ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      t->err = RDPNEG_ERR_INTERNAL;
      return;
    }
    if (t->buf && t->len + (size_t)n < t->cap) {
      t->len += (size_t)n;
      return;
    }
    size_t cap = t->cap ? t->cap * 2 : 2048;
    while (cap < t->len + (size_t)n + 1)
      cap *= 2;
    char *nb = realloc(t->buf, cap);
    if (!nb) {
      t->err = RDPNEG_ERR_NOMEM;
      return;
    }
    t->buf = nb;
    t->cap = cap;
  }
}

static void text_attempt(text *t, const rdpneg_attempt_ev *a) {
  const char *names[8];
  tprintf(t, "target   %s port %u%s%s\n", a->host, a->port,
          a->address[0] ? " address " : "", a->address);
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++) {
    const rdpneg_phase_rec *p = &a->ph[i];
    if (p->status == RDPNEG_PHASE_SKIPPED)
      tprintf(t, "%-8s skipped   %s\n", phase_names[i], p->detail);
    else
      tprintf(t, "%-8s %-8s %8.1f ms  %s\n", phase_names[i],
              rdpneg_doc_name(RDPNEG_DOC_PHASE_STATUS, p->status),
              p->us < 0 ? 0.0 : (double)p->us / 1e3, p->detail);
  }
  if (a->sent_neg_req) {
    int n = rdpneg_x224_protocol_names(a->requested, names);
    tprintf(t, "  requested:");
    for (int i = 0; i < n; i++)
      tprintf(t, " %s", names[i]);
    tprintf(t, " (0x%08x)\n", (unsigned)a->requested);
  } else {
    tprintf(t, "  requested: legacy Connection Request (no RDP_NEG_REQ)\n");
  }
  if (a->have_cc && a->has_neg && a->neg_type == RDPNEG_NEG_TYPE_RSP) {
    int n = rdpneg_x224_rsp_flag_names(a->neg_flags, names);
    tprintf(t, "  server flags: 0x%02x", a->neg_flags);
    for (int i = 0; i < n; i++)
      tprintf(t, " %s", names[i]);
    tprintf(t, "\n");
  }
  if (a->tls_ran && a->tls_status == RDPNEG_TLS_OK && a->tls->has_cert) {
    const rdpneg_cert_ev *c = &a->tls->cert;
    tprintf(t, "  certificate: %s\n    issuer %s\n", c->subject, c->issuer);
    tprintf(t, "    valid %s .. %s", c->not_before_iso, c->not_after_iso);
    if (c->dates_known)
      tprintf(t, " (%s%lld days left)",
              c->expired         ? "EXPIRED, "
              : c->not_yet_valid ? "NOT YET VALID, "
                                 : "",
              (long long)c->days_left);
    tprintf(t, "\n    %s %d bits%s, %s, %s, name %s%s\n", c->key_type,
            c->key_bits, c->weak_key ? " (WEAK)" : "", c->signature_algorithm,
            c->self_signed ? "self-signed" : "CA-issued",
            c->hostname_match ? "matches" : "DOES NOT MATCH",
            c->trusted < 0   ? ""
            : c->trusted > 0 ? ", trusted"
                             : ", NOT TRUSTED");
    tprintf(t, "    sha256 %s\n", c->sha256);
  }
}

static void text_diagnosis(text *t, const rdpneg_diagnosis *d) {
  const rdpneg_taxonomy *tax = rdpneg_diagnosis_taxonomy(d);
  int n = rdpneg_diagnosis_count(d);
  if (n)
    tprintf(t, "diagnosis\n");
  for (int i = 0; i < n; i++) {
    int ci = rdpneg_cause_find(rdpneg_diagnosis_cause(d, i));
    tprintf(t, "  [%s] %s (%s, %s confidence)%s%s\n",
            rdpneg_diagnosis_severity(d, i), rdpneg_diagnosis_cause(d, i),
            rdpneg_diagnosis_phase(d, i), rdpneg_diagnosis_confidence(d, i),
            ci >= 0 ? ": " : "", ci >= 0 ? rdpneg_cause_title(ci) : "");
    tprintf(t, "      seen: %s\n", rdpneg_diagnosis_evidence(d, i));
    int nr = ci >= 0 ? rdpneg_cause_remedy_count(tax, ci) : 0;
    for (int j = 0; j < nr; j++)
      tprintf(t, "      fix:  %s\n", rdpneg_cause_remedy(tax, ci, j));
  }
  const char *rv = rdpneg_diagnosis_reported_verdict(d);
  if (rv)
    tprintf(t, "reported %s: %s\n", rdpneg_diagnosis_reported_text(d),
            !strcmp(rv, "confirmed") ? "CONFIRMED by what the probe saw"
            : !strcmp(rv, "refuted") ? "the probe found a different "
                                       "cause (see diagnosis)"
                                     : "the server side looks healthy "
                                       "from here; check the client side "
                                       "(rdpneg-explain lists the "
                                       "candidates)");
  int cand[64];
  int nc = rdpneg_diagnosis_client_candidates(d, cand, 64);
  for (int k = 0; k < nc; k++) {
    tprintf(t, "  candidate %s (%s): %s\n", rdpneg_cause_id(cand[k]),
            rdpneg_cause_phase(cand[k]), rdpneg_cause_title(cand[k]));
    if (rdpneg_cause_remedy_count(tax, cand[k]) > 0)
      tprintf(t, "      fix:  %s\n", rdpneg_cause_remedy(tax, cand[k], 0));
  }
  tprintf(t, "verdict  %s\n",
          rdpneg_doc_name(RDPNEG_DOC_VERDICT, rdpneg_diagnosis_verdict(d)));
}

RDPNEG_EXTERN int rdpneg_evidence_report(const rdpneg_evidence *e,
                                         const rdpneg_diagnosis *d,
                                         char **ptext, size_t *plen) {
  if (!e || !ptext || e->nattempts < 1)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  const rdpneg_diagnosis *use;
  rdpneg_diagnosis *own;
  int rv = diag_or_default(e, d, &use, &own);
  if (rv)
    return rv;
  text t = {0};
  text_attempt(&t, rdpneg_evidence_top(e));
  if (e->nattempts > 1) {
    tprintf(&t, "plan     %d connections:", e->nattempts);
    for (int i = 0; i < e->nattempts; i++) {
      const rdpneg_attempt_ev *a = &e->att[i];
      const char *r = tls_range_name(a->tls_min, a->tls_max);
      tprintf(&t, "%s %s%s%s", i ? "," : "", a->purpose,
              !strcmp(a->purpose, "tls_version") && r ? " " : "",
              !strcmp(a->purpose, "tls_version") && r ? r : "");
    }
    tprintf(&t, "\n");
  }
  for (int i = 0; i < e->nnotes; i++)
    tprintf(&t, "  plan: %s\n", e->notes[i]);
  char *prof = rdpneg_doc_profile_text(e); /* enumeration (profile.c) */
  tprintf(&t, "%s", prof ? prof : "");
  free(prof);
  text_diagnosis(&t, use);
  rdpneg_diagnosis_free(own);
  if (t.err) {
    free(t.buf);
    return t.err;
  }
  *ptext = t.buf;
  if (plen)
    *plen = t.len;
  return 0;
}

RDPNEG_EXTERN int rdpneg_session_report(const rdpneg_session *s, char **ptext,
                                        size_t *plen) {
  if (!s || !ptext)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_evidence *e;
  int rv = rdpneg_session_evidence(s, &e);
  if (rv)
    return rv;
  rv = rdpneg_evidence_report(e, NULL, ptext, plen);
  rdpneg_evidence_free(e);
  return rv;
}
