/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnosis over sessions driven by hand: rule -> cause ID, ordering,
 * verdict, the --reported cross-check, and that every cause ID the rules can
 * emit exists in the catalogue with remedies. */
#include "core/evidence.h"
#include "core/session.h"
#include "tap.h"

#include <rdpneg/rdpneg_diagnosis.h>

#define MSEC 1000000ull

/* The evidence of |s|, diagnosed; and the same evidence written as a
 * document, read back and diagnosed again, which must give the same JSON. */
static int diag_session(const rdpneg_session *s, const rdpneg_taxonomy *tax,
                        const char *reported, rdpneg_diagnosis **pd) {
  rdpneg_evidence *ev = NULL, *back = NULL;
  rdpneg_diagnosis *d2 = NULL;
  char *doc = NULL, *doc2 = NULL, err[200];
  int rv = rdpneg_session_evidence(s, &ev);
  if (rv == 0)
    rv = rdpneg_diagnose(ev, tax, reported, pd);
  if (rv == 0) {
    CHECK_EQ_INT(rdpneg_evidence_json(ev, *pd, &doc, NULL), 0);
    CHECK_EQ_INT(
        rdpneg_evidence_parse(doc, strlen(doc), &back, err, sizeof err), 0);
    CHECK_EQ_INT(rdpneg_diagnose(back, tax, reported, &d2), 0);
    CHECK_EQ_INT(rdpneg_evidence_json(back, d2, &doc2, NULL), 0);
    CHECK(doc && doc2 && !strcmp(doc, doc2));
  }
  rdpneg_free(doc);
  rdpneg_free(doc2);
  rdpneg_diagnosis_free(d2);
  rdpneg_evidence_free(back);
  rdpneg_evidence_free(ev);
  return rv;
}

static rdpneg_session *connected(uint32_t req) {
  rdpneg_config *c;
  rdpneg_config_new(&c);
  rdpneg_config_set_int(c, RDPNEG_OPT_REQUESTED_PROTOCOLS, req);
  rdpneg_session *s = NULL;
  rdpneg_session_new(&s, c, "server.example", 3389);
  rdpneg_config_free(c);
  rdpneg_session_start(s, 0);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "192.0.2.1", 0, MSEC);
  return s;
}

static rdpneg_session *with_confirm(uint32_t req, uint8_t type,
                                    uint32_t value) {
  rdpneg_session *s = connected(req);
  uint8_t cc[19] = {3,
                    0,
                    0,
                    19,
                    14,
                    0xd0,
                    0,
                    0,
                    0x12,
                    0x34,
                    0,
                    type,
                    0,
                    8,
                    0,
                    (uint8_t)value,
                    (uint8_t)(value >> 8),
                    0,
                    0};
  rdpneg_session_read(s, cc, sizeof cc, 2 * MSEC);
  return s;
}

static void expect_first(rdpneg_session *s, const char *reported,
                         const char *cause, const char *sev, rdpneg_verdict v) {
  rdpneg_diagnosis *d = NULL;
  CHECK_EQ_INT(diag_session(s, NULL, reported, &d), 0);
  CHECK(rdpneg_diagnosis_count(d) >= 1);
  CHECK_EQ_STR(rdpneg_diagnosis_cause(d, 0), cause);
  CHECK_EQ_STR(rdpneg_diagnosis_severity(d, 0), sev);
  static const char *const sevs[] = {"failing", "degraded", "info"};
  CHECK_EQ_STR(sevs[rdpneg_diagnosis_severity_id(d, 0)], sev);
  CHECK(rdpneg_diagnosis_confidence_id(d, 0) >= RDPNEG_CONFIDENCE_HIGH);
  static const char *const phases[] = {"dns", "tcp", "x224", "tls", "nla"};
  CHECK(rdpneg_diagnosis_phase_id(d, 0) >= RDPNEG_PHASE_DNS);
  CHECK_EQ_STR(phases[rdpneg_diagnosis_phase_id(d, 0) + 1],
               rdpneg_diagnosis_phase(d, 0));
  CHECK_EQ_INT(rdpneg_diagnosis_severity_id(d, 99), -2);
  CHECK_EQ_INT(rdpneg_diagnosis_verdict(d), v);
  CHECK(rdpneg_diagnosis_evidence(d, 0) && *rdpneg_diagnosis_evidence(d, 0));
  rdpneg_diagnosis_free(d);
  CHECK_EQ_INT(rdpneg_session_verdict(s), v);
}

TAP_TEST(failure_codes) {
  static const char *const want[] = {
      NULL,
      "TLS_REQUIRED_BY_SERVER",
      "TLS_NOT_ALLOWED_BY_SERVER",
      "NO_SERVER_CERTIFICATE",
      "INCONSISTENT_FLAGS",
      "NLA_REQUIRED_BY_SERVER",
      "CLIENT_CERT_REQUIRED",
  };
  for (uint32_t code = 1; code <= 6; code++) {
    rdpneg_session *s = with_confirm(0xb, 3, code);
    if (code == 2) /* Standard RDP Security only: as PROTOCOL_RDP selected */
      expect_first(s, NULL, want[code], "degraded", RDPNEG_VERDICT_DEGRADED);
    else
      expect_first(s, NULL, want[code], "failing", RDPNEG_VERDICT_FAILING);
    rdpneg_session_free(s);
  }
}

TAP_TEST(rdp_selected_and_legacy_are_degraded) {
  rdpneg_session *s = with_confirm(0xb, 2, 0);
  expect_first(s, NULL, "TLS_NOT_ALLOWED_BY_SERVER", "degraded",
               RDPNEG_VERDICT_DEGRADED);
  rdpneg_session_free(s);
  s = connected(0xb);
  static const uint8_t legacy[] = {3, 0, 0, 11, 6, 0xd0, 0, 0, 0x12, 0x34, 0};
  rdpneg_session_read(s, legacy, sizeof legacy, 2 * MSEC);
  expect_first(s, NULL, "LEGACY_SERVER", "degraded", RDPNEG_VERDICT_DEGRADED);
  rdpneg_session_free(s);
}

TAP_TEST(unexpected_protocol) {
  rdpneg_session *s = with_confirm(0x1, 2, 0x10); /* RDSAAD, not offered */
  rdpneg_diagnosis *d = NULL;
  diag_session(s, NULL, NULL, &d);
  int found = 0;
  for (int i = 0; i < rdpneg_diagnosis_count(d); i++)
    found |= !strcmp(rdpneg_diagnosis_cause(d, i), "NEG_UNEXPECTED_PROTOCOL");
  CHECK(found);
  rdpneg_diagnosis_free(d);
  rdpneg_session_free(s);
}

TAP_TEST(transport_rules) {
  rdpneg_config *c;
  rdpneg_config_new(&c);
  static const struct {
    rdpneg_tcp_status st;
    const char *cause;
  } t[] = {{RDPNEG_TCP_REFUSED, "PORT_CLOSED"},
           {RDPNEG_TCP_TIMEOUT, "PORT_FILTERED"},
           {RDPNEG_TCP_UNREACHABLE, "HOST_UNREACHABLE"}};
  for (size_t i = 0; i < 3; i++) {
    rdpneg_session *s = NULL;
    rdpneg_session_new(&s, c, "192.0.2.1", 3389);
    rdpneg_session_start(s, 0);
    rdpneg_session_tcp_result(s, t[i].st, "192.0.2.1", -1, MSEC);
    expect_first(s, NULL, t[i].cause, "failing", RDPNEG_VERDICT_FAILING);
    rdpneg_session_free(s);
  }
  rdpneg_session *s = NULL;
  rdpneg_session_new(&s, c, "x.invalid", 3389);
  rdpneg_session_start(s, 0);
  rdpneg_session_dns_failed(s, "unknown node", MSEC);
  expect_first(s, NULL, "DNS_FAILURE", "failing", RDPNEG_VERDICT_UNKNOWN);
  rdpneg_session_free(s);
  rdpneg_config_free(c);

  s = connected(0xb);
  rdpneg_session_handle_expiry(s, 10000 * MSEC);
  expect_first(s, NULL, "SERVER_SILENT", "failing", RDPNEG_VERDICT_FAILING);
  rdpneg_session_free(s);
  s = connected(0xb);
  rdpneg_session_transport_closed(s, RDPNEG_CLOSE_RESET, 0, 3 * MSEC);
  expect_first(s, NULL, "CONNECTION_RESET", "failing", RDPNEG_VERDICT_FAILING);
  rdpneg_session_free(s);
  s = connected(0xb);
  rdpneg_session_read(s, (const uint8_t *)"HTTP/1.1 400", 12, 3 * MSEC);
  expect_first(s, NULL, "NOT_RDP", "failing", RDPNEG_VERDICT_FAILING);
  rdpneg_session_free(s);
}

TAP_TEST(reported_cross_check) {
  rdpneg_session *s = with_confirm(0xb, 3, 5); /* HYBRID_REQUIRED */
  rdpneg_diagnosis *d = NULL;
  /* the FreeRDP error for this exact case */
  CHECK_EQ_INT(diag_session(s, NULL, "freerdp:0x0002001E", &d), 0);
  CHECK_EQ_STR(rdpneg_diagnosis_reported_verdict(d), "confirmed");
  rdpneg_diagnosis_free(d);
  CHECK_EQ_INT(diag_session(s, NULL, "ssl_err:0x1B07", &d), 0);
  CHECK_EQ_STR(rdpneg_diagnosis_reported_verdict(d), "refuted");
  rdpneg_diagnosis_free(d);
  rdpneg_session_free(s);
  /* a healthy-looking answer: the server side is fine from here */
  s = with_confirm(0x1, 2, 1);
  rdpneg_session_cancel(s, 3 * MSEC);
  rdpneg_session_free(s);
  s = connected(0);
  static const uint8_t rsp_rdp[] = {3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34,
                                    0, 2, 1, 8,  0,  0,    0, 0, 0};
  rdpneg_session_read(s, rsp_rdp, sizeof rsp_rdp, 2 * MSEC);
  CHECK_EQ_INT(diag_session(s, NULL, "0x904/0x7", &d), 0);
  CHECK_EQ_INT(rdpneg_diagnosis_count(d), 0);
  CHECK_EQ_STR(rdpneg_diagnosis_reported_verdict(d), "server_healthy");
  char *json = NULL;
  CHECK_EQ_INT(rdpneg_diagnosis_json(d, &json, NULL), 0);
  CHECK(json && strstr(json, "\"client_side_candidates\": ["));
  CHECK(json && strstr(json, "\"cause\": \""));
  /* no NLA here (PROTOCOL_RDP): credential causes are not candidates */
  CHECK(json && !strstr(json, "\"cause\": \"AUTH_"));
  rdpneg_free(json);
  rdpneg_diagnosis_free(d);
  /* bad input is refused, not guessed */
  CHECK_EQ_INT(diag_session(s, NULL, "0x904/banana", &d),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(diag_session(s, NULL, "nokind:1", &d),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_reported_check(""), RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_reported_check("0x904/0x7"), 0);
  rdpneg_session_free(s);
}

/* A TLS-1.3-only server (alert protocol_version to a 1.0-1.2 ClientHello)
 * confirms 0x904/0x7: rdpneg-explain lists TLS_VERSION_MISMATCH for it,
 * and TLS1_3_REQUIRED is that mismatch. */
TAP_TEST(reported_uses_explain_candidates) {
  rdpneg_session *s = with_confirm(0x1, 2, 1); /* SSL selected */
  uint8_t out[2048];
  while (rdpneg_session_write(s, out, sizeof out, 3 * MSEC) > 0)
    ;
  static const uint8_t alert70[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70};
  rdpneg_session_read(s, alert70, sizeof alert70, 4 * MSEC);
  CHECK(rdpneg_session_done(s));
  rdpneg_diagnosis *d = NULL;
  CHECK_EQ_INT(diag_session(s, NULL, "0x904/0x7", &d), 0);
  CHECK_EQ_STR(rdpneg_diagnosis_cause(d, 0), "TLS1_3_REQUIRED");
  CHECK_EQ_STR(rdpneg_diagnosis_reported_verdict(d), "confirmed");
  rdpneg_diagnosis_free(d);
  rdpneg_session_free(s);
}

/* A RST right after the NTLM AUTHENTICATE: the session counts the
 * credentials as failed (auth "failed", RDPNEG_ERR_PEER_RESET), so the
 * diagnosis must name it; it said nothing, and the verdict was healthy
 * (test/integration/test_bytefaults.py, RST inside the pubKeyAuth
 * answer). A FIN there (RDPNEG_ERR_AUTH_CLOSED) names the same cause; a
 * stall there (no answer before the deadline) is a failure too. */
/* Attempt |i| of |ev|: TLS selected, then the ClientHello |st| (stalled:
 * nothing came; ok: a TLS 1.2 handshake). */
static void tls_attempt(rdpneg_evidence *ev, int i, const char *purpose,
                        rdpneg_tls_status st) {
  rdpneg_attempt_ev *a = &ev->att[i];
  snprintf(a->purpose, sizeof a->purpose, "%s", purpose);
  snprintf(a->host, sizeof a->host, "server.example");
  a->port = 3389;
  a->finished = 1;
  a->tcp_status = RDPNEG_TCP_OK;
  a->ph[RDPNEG_PHASE_TCP].status = RDPNEG_PHASE_OK;
  a->x224_status = RDPNEG_X224_OK;
  a->ph[RDPNEG_PHASE_X224].status = RDPNEG_PHASE_OK;
  a->sent_neg_req = 1;
  a->requested = 0xb;
  a->have_cc = a->has_neg = 1;
  a->neg_type = RDPNEG_NEG_TYPE_RSP;
  a->neg_value = RDPNEG_PROTOCOL_SSL;
  a->tls_ran = 1;
  a->tls_status = a->tls->status = st;
  a->tls->alert_code = -1;
  a->tls->last_server_msg = st == RDPNEG_TLS_OK ? 14 : -1;
  a->ph[RDPNEG_PHASE_TLS].status =
      st == RDPNEG_TLS_OK ? RDPNEG_PHASE_OK : RDPNEG_PHASE_FAILED;
  if (st == RDPNEG_TLS_OK) {
    snprintf(a->tls->version, sizeof a->tls->version, "TLSv1.2");
  } else {
    a->ph[RDPNEG_PHASE_TLS].err =
        st == RDPNEG_TLS_STALLED ? RDPNEG_ERR_TIMEOUT : RDPNEG_ERR_PEER_RESET;
    snprintf(a->ph[RDPNEG_PHASE_TLS].detail, sizeof a->ph[0].detail,
             "no answer to the ClientHello");
  }
}

/* The ClientHello of the first shape failed in both connections of the
 * request, one of another shape got through: a reset is a filter's (high),
 * a stall may be packet loss too (medium); and when the small-MSS check
 * got the same ClientHello through, the failure did not follow its
 * content (no MIDDLEBOX_RESET). */
TAP_TEST(middlebox_only_as_firm_as_the_failure) {
  static const struct {
    rdpneg_tls_status st, mss;
    const char *cause, *conf;
  } cases[] = {
      {RDPNEG_TLS_RESET, RDPNEG_TLS_RESET, "MIDDLEBOX_RESET", "high"},
      {RDPNEG_TLS_STALLED, RDPNEG_TLS_STALLED, "MIDDLEBOX_RESET", "medium"},
      {RDPNEG_TLS_STALLED, RDPNEG_TLS_OK, "TLS_STALLED", "medium"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rdpneg_evidence *ev = NULL;
    CHECK_EQ_INT(rdpneg_evidence_alloc(&ev, 4, "probe"), 0);
    if (!ev)
      return;
    tls_attempt(ev, 0, "primary", cases[i].st);
    tls_attempt(ev, 1, "corroborate", cases[i].st);
    tls_attempt(ev, 2, "tls_alt_hello", RDPNEG_TLS_OK);
    tls_attempt(ev, 3, "mss_check", cases[i].mss);
    rdpneg_diagnosis *d = NULL;
    CHECK_EQ_INT(rdpneg_diagnose(ev, NULL, NULL, &d), 0);
    CHECK(d && rdpneg_diagnosis_count(d) >= 1);
    if (d && rdpneg_diagnosis_count(d) >= 1) {
      CHECK_EQ_STR(rdpneg_diagnosis_cause(d, 0), cases[i].cause);
      CHECK_EQ_STR(rdpneg_diagnosis_confidence(d, 0), cases[i].conf);
    }
    rdpneg_diagnosis_free(d);
    rdpneg_evidence_free(ev);
  }
}

/* Both connections of the request failed, each at another point (a TLS
 * stall, then silence after the Connection Request): what a lossy path
 * does, not one fault that repeats. */
TAP_TEST(failures_at_different_points_are_intermittent) {
  rdpneg_evidence *ev = NULL;
  CHECK_EQ_INT(rdpneg_evidence_alloc(&ev, 2, "probe"), 0);
  if (!ev)
    return;
  tls_attempt(ev, 0, "primary", RDPNEG_TLS_STALLED);
  tls_attempt(ev, 1, "corroborate", RDPNEG_TLS_STALLED);
  rdpneg_attempt_ev *c = &ev->att[1];
  c->x224_status = RDPNEG_X224_TIMEOUT;
  c->have_cc = c->has_neg = 0;
  c->ph[RDPNEG_PHASE_X224].status = RDPNEG_PHASE_FAILED;
  c->ph[RDPNEG_PHASE_X224].err = RDPNEG_ERR_TIMEOUT;
  snprintf(c->ph[RDPNEG_PHASE_X224].detail, sizeof c->ph[0].detail,
           "no Connection Confirm");
  c->tls_ran = 0;
  c->tls_status = c->tls->status = RDPNEG_TLS_SKIPPED;
  c->ph[RDPNEG_PHASE_TLS].status = RDPNEG_PHASE_SKIPPED;
  rdpneg_diagnosis *d = NULL;
  CHECK_EQ_INT(rdpneg_diagnose(ev, NULL, NULL, &d), 0);
  CHECK(d && rdpneg_diagnosis_count(d) >= 2);
  if (d && rdpneg_diagnosis_count(d) >= 2) {
    CHECK_EQ_STR(rdpneg_diagnosis_cause(d, 0), "INTERMITTENT_PATH");
    CHECK_EQ_STR(rdpneg_diagnosis_severity(d, 0), "failing");
    CHECK_EQ_STR(rdpneg_diagnosis_confidence(d, 0), "medium");
    CHECK(strstr(rdpneg_diagnosis_evidence(d, 0), "each at another point"));
    CHECK_EQ_STR(rdpneg_diagnosis_cause(d, 1), "TLS_STALLED");
    CHECK_EQ_STR(rdpneg_diagnosis_confidence(d, 1), "medium");
  }
  CHECK_EQ_INT(rdpneg_diagnosis_verdict(d), RDPNEG_VERDICT_FAILING);
  rdpneg_diagnosis_free(d);
  rdpneg_evidence_free(ev);
}

TAP_TEST(reset_after_authenticate_is_not_healthy) {
  static const int errs[] = {RDPNEG_ERR_PEER_RESET, RDPNEG_ERR_AUTH_CLOSED,
                             RDPNEG_ERR_TIMEOUT};
  for (size_t i = 0; i < 3; i++) {
    rdpneg_evidence *ev = NULL;
    CHECK_EQ_INT(rdpneg_evidence_alloc(&ev, 1, "probe"), 0);
    if (!ev)
      return;
    rdpneg_attempt_ev *a = &ev->att[0];
    tls_attempt(ev, 0, "primary", RDPNEG_TLS_OK);
    a->neg_value = RDPNEG_PROTOCOL_HYBRID;
    a->tls->version[0] = '\0';
    a->tls->last_server_msg = -1;
    for (int p = 0; p < RDPNEG_PHASE_COUNT; p++)
      a->ph[p].status = RDPNEG_PHASE_OK;
    a->ph[RDPNEG_PHASE_NLA].status = RDPNEG_PHASE_FAILED;
    a->ph[RDPNEG_PHASE_NLA].err = errs[i];
    a->nla->ran = 1;
    a->nla->status = RDPNEG_NLA_STATUS_FAILED;
    a->nla->credssp_version = 6;
    a->nla->has_challenge = 1;
    a->nla->auth = RDPNEG_NLA_AUTH_FAILED;
    a->nla->error = errs[i];
    rdpneg_diagnosis *d = NULL;
    CHECK_EQ_INT(rdpneg_diagnose(ev, NULL, NULL, &d), 0);
    CHECK(d && rdpneg_diagnosis_count(d) >= 1);
    if (d && rdpneg_diagnosis_count(d) >= 1 && i == 2) {
      /* no answer to AUTHENTICATE: says nothing of the credentials */
      CHECK_EQ_STR(rdpneg_diagnosis_phase(d, 0), "nla");
      CHECK(strcmp(rdpneg_diagnosis_cause(d, 0), "AUTH_REJECTED_NO_REASON"));
    } else if (d && rdpneg_diagnosis_count(d) >= 1) {
      CHECK_EQ_STR(rdpneg_diagnosis_cause(d, 0), "AUTH_REJECTED_NO_REASON");
      CHECK_EQ_STR(rdpneg_diagnosis_phase(d, 0), "nla");
      CHECK(strstr(rdpneg_diagnosis_evidence(d, 0),
                   i == 0 ? "server reset the connection"
                          : "server closed the connection") != NULL);
    }
    CHECK_EQ_INT(rdpneg_diagnosis_verdict(d), RDPNEG_VERDICT_FAILING);
    rdpneg_diagnosis_free(d);
    rdpneg_evidence_free(ev);
  }
}

/* Every cause the rules can name exists and has remedies and a source. */
TAP_TEST(rule_causes_in_catalogue) {
  static const char *const ids[] = {"DNS_FAILURE",
                                    "PORT_CLOSED",
                                    "PORT_FILTERED",
                                    "HOST_UNREACHABLE",
                                    "NOT_RDP",
                                    "SERVER_SILENT",
                                    "CONNECTION_RESET",
                                    "TLS_REQUIRED_BY_SERVER",
                                    "TLS_NOT_ALLOWED_BY_SERVER",
                                    "NO_SERVER_CERTIFICATE",
                                    "INCONSISTENT_FLAGS",
                                    "NLA_REQUIRED_BY_SERVER",
                                    "CLIENT_CERT_REQUIRED",
                                    "LEGACY_SERVER",
                                    "NEG_UNEXPECTED_PROTOCOL",
                                    "CERT_EXPIRED",
                                    "CERT_NOT_YET_VALID",
                                    "CERT_NAME_MISMATCH",
                                    "CERT_UNTRUSTED",
                                    "CERT_WEAK_KEY",
                                    "CERT_EXPIRING_SOON",
                                    "TLS_VERSION_MISMATCH",
                                    "TLS1_3_REQUIRED",
                                    "TLS_SERVER_KEY_UNUSABLE",
                                    "TLS_STALLED",
                                    "CREDSSP_VERSION_MISMATCH",
                                    "CLOCK_SKEW",
                                    "AUTH_LOGON_FAILURE",
                                    "AUTH_PASSWORD_EXPIRED",
                                    "AUTH_ACCOUNT_RESTRICTED",
                                    "AUTH_ACCESS_DENIED",
                                    "AUTH_REJECTED_NO_REASON"};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    int ci = rdpneg_cause_find(ids[i]);
    if (ci < 0)
      printf("# missing cause %s\n", ids[i]);
    CHECK(ci >= 0);
    CHECK(rdpneg_cause_remedy_count(NULL, ci) > 0);
    CHECK(rdpneg_cause_source(ci) != NULL);
  }
}

int main(void) {
  TAP_RUN(failure_codes);
  TAP_RUN(rdp_selected_and_legacy_are_degraded);
  TAP_RUN(unexpected_protocol);
  TAP_RUN(transport_rules);
  TAP_RUN(reported_cross_check);
  TAP_RUN(reported_uses_explain_candidates);
  TAP_RUN(rule_causes_in_catalogue);
  TAP_RUN(reset_after_authenticate_is_not_healthy);
  TAP_RUN(middlebox_only_as_firm_as_the_failure);
  TAP_RUN(failures_at_different_points_are_intermittent);
  return tap_done();
}
