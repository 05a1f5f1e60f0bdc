/* Evidence -> JSON (schema rdpneg.probe/1) and a human-readable report. */
#include "base/json.h"
#include "core/session.h"

#include <rdpneg/rdpneg_diagnosis.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rdpneg_phase_name(int ph);
void rdpneg_session_nla_json(const rdpneg_session *s, rdpneg_json *w);
void rdpneg_diagnosis_write_json(const rdpneg_diagnosis *d, rdpneg_json *w);
int rdpneg_diagnosis_client_candidates(const rdpneg_diagnosis *d, int *out,
                                       int max);

static const char *phase_status_name(int st) {
  switch (st) {
  case RDPNEG_PHASE_OK:
    return "ok";
  case RDPNEG_PHASE_FAILED:
    return "failed";
  case RDPNEG_PHASE_SKIPPED:
    return "skipped";
  }
  return "pending";
}

static const char *tcp_status_name(rdpneg_tcp_status st) {
  static const char *const n[] = {"pending", "ok",          "refused",
                                  "timeout", "unreachable", "dns_failed",
                                  "error"};
  return (unsigned)st < 7 ? n[st] : "error";
}

static const char *x224_status_name(rdpneg_x224_status st) {
  static const char *const n[] = {"pending", "ok",     "failure", "legacy",
                                  "closed",  "reset",  "timeout", "malformed",
                                  "not_rdp", "skipped"};
  return (unsigned)st < 10 ? n[st] : "malformed";
}

static const char *tls_status_name(rdpneg_tls_status st) {
  static const char *const n[] = {"pending", "ok",     "alert",
                                  "closed",  "reset",  "stalled",
                                  "not_tls", "failed", "skipped"};
  return (unsigned)st < 9 ? n[st] : "failed";
}

static const char *tls_version_name(int v) {
  static const char *const n[] = {NULL, "TLSv1.0", "TLSv1.1", "TLSv1.2"};
  return v >= 1 && v <= 3 ? n[v] : NULL;
}

RDPNEG_EXTERN rdpneg_verdict rdpneg_session_verdict(const rdpneg_session *s) {
  rdpneg_diagnosis *d = NULL;
  if (!s || rdpneg_diagnose(s, s->tax, s->reported, &d) != 0)
    return RDPNEG_VERDICT_UNKNOWN;
  rdpneg_verdict v = rdpneg_diagnosis_verdict(d);
  rdpneg_diagnosis_free(d);
  return v;
}

static const char *verdict_name(rdpneg_verdict v) {
  static const char *const n[] = {"healthy", "degraded", "failing", "unknown"};
  return (unsigned)v < 4 ? n[v] : "unknown";
}

static double phase_ms(const rdpneg_session *s, int ph) {
  double ms;
  rdpneg_session_phase(s, (rdpneg_phase)ph, &ms, NULL);
  return ms;
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
  } else {
    rdpneg_json_null(w, "days_left");
    rdpneg_json_null(w, "expired");
    rdpneg_json_null(w, "not_yet_valid");
  }
  rdpneg_json_bool(w, "self_signed", c->self_signed);
  rdpneg_json_bool(w, "hostname_match", c->hostname_match);
  if (c->trusted < 0)
    rdpneg_json_null(w, "trusted");
  else
    rdpneg_json_bool(w, "trusted", c->trusted);
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

static void json_tls(rdpneg_json *w, const rdpneg_session *s) {
  rdpneg_json_obj_begin(w, "tls");
  rdpneg_json_str(w, "status", tls_status_name(rdpneg_session_tls_status(s)));
  if (!s->tls) {
    rdpneg_json_null(w, "version");
    rdpneg_json_null(w, "cipher");
    rdpneg_json_null(w, "alert");
    rdpneg_json_null(w, "certificate");
  } else {
    const rdpneg_tls_ev *ev = rdpneg_tls_evidence(s->tls);
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
    static const char *const msgs[] = {[2] = "ServerHello",
                                       [11] = "Certificate",
                                       [12] = "ServerKeyExchange",
                                       [13] = "CertificateRequest",
                                       [14] = "ServerHelloDone"};
    int lm = ev->last_server_msg;
    rdpneg_json_str(w, "last_server_message",
                    lm >= 0 && lm <= 14 && msgs[lm] ? msgs[lm]
                    : lm < 0                        ? NULL
                                                    : "other");
    if (ev->server_hello_version)
      rdpneg_json_hex(w, "server_hello_version",
                      (uint64_t)ev->server_hello_version, 4);
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
  if (s->tls_versions_count) {
    rdpneg_json_obj_begin(w, "versions");
    for (int i = 0; i < s->tls_versions_count; i++) {
      const char *vn = tls_version_name(s->tls_versions[i].version);
      rdpneg_json_obj_begin(w, vn ? vn : "unknown");
      rdpneg_json_bool(w, "accepted",
                       s->tls_versions[i].status == RDPNEG_TLS_OK);
      rdpneg_json_str(
          w, "status",
          tls_status_name((rdpneg_tls_status)s->tls_versions[i].status));
      if (s->tls_versions[i].alert_code >= 0)
        rdpneg_json_int(w, "alert", s->tls_versions[i].alert_code);
      rdpneg_json_obj_end(w);
    }
    rdpneg_json_bool(w, "requires_tls13", s->tls13_only);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_obj_end(w);
}

static void json_x224(rdpneg_json *w, const rdpneg_session *s) {
  const char *names[8];
  int n;
  rdpneg_json_obj_begin(w, "x224");
  rdpneg_json_str(w, "status", x224_status_name(rdpneg_session_x224_status(s)));
  rdpneg_json_bool(w, "neg_req", s->sent_neg_req);
  rdpneg_json_arr_begin(w, "requested");
  if (s->sent_neg_req) {
    n = rdpneg_x224_protocol_names(s->requested, names);
    for (int i = 0; i < n; i++)
      rdpneg_json_str(w, NULL, names[i]);
  }
  rdpneg_json_arr_end(w);
  if (s->sent_neg_req)
    rdpneg_json_hex(w, "requested_protocols", s->requested, 8);
  else
    rdpneg_json_null(w, "requested_protocols");
  rdpneg_json_str(w, "cookie", s->cfg->cookie);
  int rsp =
      s->have_cc && s->cc.has_neg && s->cc.neg_type == RDPNEG_NEG_TYPE_RSP;
  int failure =
      s->have_cc && s->cc.has_neg && s->cc.neg_type == RDPNEG_NEG_TYPE_FAILURE;
  rdpneg_json_str(w, "selected",
                  rsp ? rdpneg_protocol_name(s->cc.neg_value) : NULL);
  if (rsp)
    rdpneg_json_hex(w, "selected_protocol", s->cc.neg_value, 8);
  else
    rdpneg_json_null(w, "selected_protocol");
  rdpneg_json_arr_begin(w, "flags");
  if (rsp) {
    n = rdpneg_x224_rsp_flag_names(s->cc.neg_flags, names);
    for (int i = 0; i < n; i++)
      rdpneg_json_str(w, NULL, names[i]);
  }
  rdpneg_json_arr_end(w);
  if (rsp)
    rdpneg_json_hex(w, "flags_value", s->cc.neg_flags, 2);
  else
    rdpneg_json_null(w, "flags_value");
  rdpneg_json_str(w, "failure",
                  failure ? (rdpneg_failure_name(s->cc.neg_value)
                                 ? rdpneg_failure_name(s->cc.neg_value)
                                 : "UNKNOWN")
                          : NULL);
  if (failure)
    rdpneg_json_uint(w, "failure_code", s->cc.neg_value);
  else
    rdpneg_json_null(w, "failure_code");
  if (s->have_cc) {
    rdpneg_json_hex(w, "src_ref", s->cc.src_ref, 4);
    char hx[2 * sizeof s->cc_raw + 1];
    rdpneg_hex_encode(s->cc_raw, s->cc_raw_len, hx);
    rdpneg_json_str(w, "confirm_hex", hx);
  }
  rdpneg_json_bool(w, "unexpected_protocol", s->unexpected_protocol);
  if (s->x224_status == RDPNEG_X224_NOT_RDP ||
      s->x224_status == RDPNEG_X224_MALFORMED) {
    char hx[2 * sizeof s->rx_first + 1], b[sizeof s->rx_first + 1];
    rdpneg_hex_encode(s->rx_first, s->rx_first_len, hx);
    rdpneg_printable_prefix(s->rx_first, s->rx_first_len, b, sizeof b);
    rdpneg_json_str(w, "received_hex", hx);
    rdpneg_json_str(w, "received_text", b);
  }
  rdpneg_json_obj_end(w);
}

static void write_json(const rdpneg_session *s, rdpneg_json *w) {
  rdpneg_json_obj_begin(w, NULL);
  rdpneg_json_str(w, "schema", "rdpneg.probe/1");
  rdpneg_json_str(w, "library", RDPNEG_VERSION);
  rdpneg_json_obj_begin(w, "target");
  rdpneg_json_str(w, "host", s->host);
  rdpneg_json_uint(w, "port", s->port);
  rdpneg_json_str(w, "address", s->address[0] ? s->address : NULL);
  rdpneg_json_obj_end(w);

  rdpneg_json_arr_begin(w, "phases");
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++) {
    const rdpneg_phase_ev *p = &s->ph[i];
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "name", rdpneg_phase_name(i));
    rdpneg_json_str(w, "status", phase_status_name(p->status));
    if (p->status == RDPNEG_PHASE_SKIPPED)
      rdpneg_json_null(w, "ms");
    else
      rdpneg_json_double(w, "ms", phase_ms(s, i), 3);
    if (p->err)
      rdpneg_json_str(w, "error", rdpneg_err_name(p->err));
    else
      rdpneg_json_null(w, "error");
    rdpneg_json_str(w, "detail", p->detail[0] ? p->detail : NULL);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);

  rdpneg_json_obj_begin(w, "tcp");
  rdpneg_json_str(w, "status", tcp_status_name(s->tcp_status));
  rdpneg_json_double(w, "ms", phase_ms(s, RDPNEG_PHASE_TCP), 3);
  if (s->tcp_sys_error)
    rdpneg_json_int(w, "sys_error", s->tcp_sys_error);
  else
    rdpneg_json_null(w, "sys_error");
  rdpneg_json_obj_end(w);

  json_x224(w, s);
  json_tls(w, s);
  rdpneg_json_obj_begin(w, "nla");
  rdpneg_session_nla_json(s, w);
  rdpneg_json_obj_end(w);

  rdpneg_diagnosis *d = NULL;
  rdpneg_verdict v = RDPNEG_VERDICT_UNKNOWN;
  if (rdpneg_diagnose(s, s->tax, s->reported, &d) == 0) {
    rdpneg_diagnosis_write_json(d, w);
    v = rdpneg_diagnosis_verdict(d);
    rdpneg_diagnosis_free(d);
  } else {
    w->err = RDPNEG_ERR_NOMEM;
  }
  rdpneg_json_str(w, "verdict", verdict_name(v));
  rdpneg_tstamp last = s->t_start;
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++)
    if (s->ph[i].started && s->ph[i].end > last)
      last = s->ph[i].end;
  rdpneg_json_double(w, "total_ms", (double)(last - s->t_start) / 1e6, 3);
  rdpneg_json_obj_end(w);
}

RDPNEG_EXTERN int rdpneg_session_json(const rdpneg_session *s, char **pjson,
                                      size_t *plen) {
  if (!s || !pjson)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_json w;
  rdpneg_json_init(&w, 1);
  write_json(s, &w);
  int err = w.err;
  *pjson = rdpneg_json_take(&w, plen);
  return *pjson ? 0 : (err ? err : RDPNEG_ERR_NOMEM);
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

RDPNEG_EXTERN int rdpneg_session_report(const rdpneg_session *s, char **ptext,
                                        size_t *plen) {
  if (!s || !ptext)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  text t = {0};
  const char *names[8];
  tprintf(&t, "target   %s port %u%s%s\n", s->host, s->port,
          s->address[0] ? " address " : "", s->address);
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++) {
    const rdpneg_phase_ev *p = &s->ph[i];
    if (p->status == RDPNEG_PHASE_SKIPPED)
      tprintf(&t, "%-8s skipped   %s\n", rdpneg_phase_name(i), p->detail);
    else
      tprintf(&t, "%-8s %-8s %8.1f ms  %s\n", rdpneg_phase_name(i),
              phase_status_name(p->status), phase_ms(s, i), p->detail);
  }
  if (s->sent_neg_req) {
    int n = rdpneg_x224_protocol_names(s->requested, names);
    tprintf(&t, "  requested:");
    for (int i = 0; i < n; i++)
      tprintf(&t, " %s", names[i]);
    tprintf(&t, " (0x%08x)\n", (unsigned)s->requested);
  } else {
    tprintf(&t, "  requested: legacy Connection Request (no RDP_NEG_REQ)\n");
  }
  if (s->have_cc && s->cc.has_neg && s->cc.neg_type == RDPNEG_NEG_TYPE_RSP) {
    int n = rdpneg_x224_rsp_flag_names(s->cc.neg_flags, names);
    tprintf(&t, "  server flags: 0x%02x", s->cc.neg_flags);
    for (int i = 0; i < n; i++)
      tprintf(&t, " %s", names[i]);
    tprintf(&t, "\n");
  }
  if (s->tls && s->tls_status == RDPNEG_TLS_OK) {
    const rdpneg_tls_ev *ev = rdpneg_tls_evidence(s->tls);
    if (ev->has_cert) {
      const rdpneg_cert_ev *c = &ev->cert;
      tprintf(&t, "  certificate: %s\n    issuer %s\n", c->subject, c->issuer);
      tprintf(&t, "    valid %s .. %s", c->not_before_iso, c->not_after_iso);
      if (c->dates_known)
        tprintf(&t, " (%s%lld days left)",
                c->expired         ? "EXPIRED, "
                : c->not_yet_valid ? "NOT YET VALID, "
                                   : "",
                (long long)c->days_left);
      tprintf(&t, "\n    %s %d bits%s, %s, %s, name %s%s\n", c->key_type,
              c->key_bits, c->weak_key ? " (WEAK)" : "", c->signature_algorithm,
              c->self_signed ? "self-signed" : "CA-issued",
              c->hostname_match ? "matches" : "DOES NOT MATCH",
              c->trusted < 0   ? ""
              : c->trusted > 0 ? ", trusted"
                               : ", NOT TRUSTED");
      tprintf(&t, "    sha256 %s\n", c->sha256);
    }
  }
  rdpneg_diagnosis *d = NULL;
  rdpneg_verdict v = RDPNEG_VERDICT_UNKNOWN;
  if (rdpneg_diagnose(s, s->tax, s->reported, &d) == 0) {
    int n = rdpneg_diagnosis_count(d);
    if (n)
      tprintf(&t, "diagnosis\n");
    for (int i = 0; i < n; i++) {
      int ci = rdpneg_cause_find(rdpneg_diagnosis_cause(d, i));
      tprintf(&t, "  [%s] %s (%s, %s confidence)%s%s\n",
              rdpneg_diagnosis_severity(d, i), rdpneg_diagnosis_cause(d, i),
              rdpneg_diagnosis_phase(d, i), rdpneg_diagnosis_confidence(d, i),
              ci >= 0 ? ": " : "", ci >= 0 ? rdpneg_cause_title(ci) : "");
      tprintf(&t, "      seen: %s\n", rdpneg_diagnosis_evidence(d, i));
      int nr = ci >= 0 ? rdpneg_cause_remedy_count(s->tax, ci) : 0;
      for (int j = 0; j < nr; j++)
        tprintf(&t, "      fix:  %s\n", rdpneg_cause_remedy(s->tax, ci, j));
    }
    const char *rv = rdpneg_diagnosis_reported_verdict(d);
    if (rv)
      tprintf(&t, "reported %s: %s\n", s->reported,
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
      tprintf(&t, "  candidate %s (%s): %s\n", rdpneg_cause_id(cand[k]),
              rdpneg_cause_phase(cand[k]), rdpneg_cause_title(cand[k]));
      if (rdpneg_cause_remedy_count(s->tax, cand[k]) > 0)
        tprintf(&t, "      fix:  %s\n",
                rdpneg_cause_remedy(s->tax, cand[k], 0));
    }
    v = rdpneg_diagnosis_verdict(d);
    rdpneg_diagnosis_free(d);
  }
  tprintf(&t, "verdict  %s\n", verdict_name(v));
  if (t.err) {
    free(t.buf);
    return t.err;
  }
  *ptext = t.buf;
  if (plen)
    *plen = t.len;
  return 0;
}
