/* SPDX-License-Identifier: Apache-2.0 */
/* A TLS server that requires a client certificate (the in-memory server of
 * the OOM test, mbedTLS with authmode REQUIRED): the handshake gets past the
 * ServerHello, the server's CertificateRequest is recorded, and the
 * diagnosis names the requirement instead of a version or cipher mismatch
 * "before any ServerHello". */
#include "oom_alloc.h"
#include "oom_peer.h"
#include "tap.h"

#include "core/evidence.h"
#include "core/session.h"

#include <rdpneg/rdpneg.h>
#include <rdpneg/rdpneg_diagnosis.h>

#include <string.h>

/* The first finding of |ev|: CLIENT_CERT_REQUIRED in the TLS phase at
 * |conf|, its evidence naming |text| and not "before any ServerHello". */
static void expect(const rdpneg_evidence *ev, const char *conf,
                   const char *text) {
  rdpneg_diagnosis *d = NULL;
  CHECK_EQ_INT(rdpneg_diagnose(ev, NULL, NULL, &d), 0);
  CHECK(d && rdpneg_diagnosis_count(d) >= 1);
  if (d && rdpneg_diagnosis_count(d) >= 1) {
    CHECK_EQ_STR(rdpneg_diagnosis_cause(d, 0), "CLIENT_CERT_REQUIRED");
    CHECK_EQ_STR(rdpneg_diagnosis_phase(d, 0), "tls");
    CHECK_EQ_STR(rdpneg_diagnosis_confidence(d, 0), conf);
    CHECK(strstr(rdpneg_diagnosis_evidence(d, 0), text));
    CHECK(!strstr(rdpneg_diagnosis_evidence(d, 0), "before any ServerHello"));
    CHECK_EQ_INT(rdpneg_diagnosis_verdict(d), RDPNEG_VERDICT_FAILING);
  }
  rdpneg_diagnosis_free(d);
}

TAP_TEST(client_certificate_required) {
  rdpneg_config *cfg = NULL;
  rdpneg_session *s = NULL;
  CHECK_EQ_INT(rdpneg_config_new(&cfg), 0);
  if (!cfg)
    return;
  rdpneg_config_set_int(cfg, RDPNEG_OPT_NOW_UNIX, 1700000000);
  CHECK_EQ_INT(rdpneg_session_new(&s, cfg, PEER_HOST, 3389), 0);
  rdpneg_config_free(cfg);
  if (!s)
    return;
  peer_opts po = {.selected = RDPNEG_PROTOCOL_SSL, .require_client_cert = 1};
  peer *p = peer_new(&po);
  rdpneg_tstamp ts = 1000000000u;
  rdpneg_session_start(s, ts);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "127.0.0.1", 0, ts);
  peer_run(p, s, ts);
  CHECK(rdpneg_session_done(s));
  CHECK_EQ_INT(rdpneg_session_phase(s, RDPNEG_PHASE_TLS, NULL, NULL),
               RDPNEG_PHASE_FAILED);
  char *json = NULL;
  CHECK_EQ_INT(rdpneg_session_json(s, &json, NULL), 0);
  CHECK(json && (strstr(json, "\"certificate_requested\":true") ||
                 strstr(json, "\"certificate_requested\": true")));
  CHECK(json && strstr(json, "ServerHelloDone"));
  rdpneg_evidence *ev = NULL;
  CHECK_EQ_INT(rdpneg_session_evidence(s, &ev), 0);
  if (ev) {
    /* as it happened: mbedTLS closes without an alert */
    rdpneg_tls_ev *t = ev->att[0].tls;
    CHECK(t->cert_requested);
    CHECK_EQ_INT(t->status, RDPNEG_TLS_CLOSED);
    expect(ev, "medium", "CertificateRequest");
    /* an alert a server sends for a missing certificate (OpenSSL's
     * s_server -Verify 1: handshake_failure after ServerHelloDone) */
    t->status = RDPNEG_TLS_ALERT;
    ev->att[0].tls_status = RDPNEG_TLS_ALERT;
    t->alert_code = 40;
    t->alert_level = 2;
    expect(ev, "high", "alert handshake_failure (40)");
    /* the same alert without a CertificateRequest: not a version or
     * cipher refusal either, as the ServerHello chose them */
    /* the document says so, and reads back to the same diagnosis */
    char *doc = NULL, err[200];
    rdpneg_evidence *back = NULL;
    CHECK_EQ_INT(rdpneg_evidence_json(ev, NULL, &doc, NULL), 0);
    CHECK(doc && strstr(doc, "certificate_requested\": true"));
    CHECK_EQ_INT(rdpneg_evidence_parse(doc, doc ? strlen(doc) : 0, &back, err,
                                       sizeof err),
                 0);
    if (back)
      expect(back, "high", "alert handshake_failure (40)");
    rdpneg_evidence_free(back);
    rdpneg_free(doc);
    t->cert_requested = 0;
    rdpneg_diagnosis *d = NULL;
    CHECK_EQ_INT(rdpneg_diagnose(ev, NULL, NULL, &d), 0);
    if (d && rdpneg_diagnosis_count(d) >= 1) {
      CHECK_EQ_STR(rdpneg_diagnosis_cause(d, 0), "TLS_VERSION_MISMATCH");
      CHECK_EQ_STR(rdpneg_diagnosis_confidence(d, 0), "low");
      CHECK(
          strstr(rdpneg_diagnosis_evidence(d, 0), "after its ServerHelloDone"));
    }
    rdpneg_diagnosis_free(d);
  }
  rdpneg_evidence_free(ev);
  CHECK_EQ_INT(rdpneg_session_verdict(s), RDPNEG_VERDICT_FAILING);
  rdpneg_free(json);
  peer_free(p);
  rdpneg_session_free(s);
}

int main(void) {
  if (peer_global_init() != 0) {
    printf("1..0 # SKIP cannot make the test certificate\n");
    return 0;
  }
  TAP_RUN(client_certificate_required);
  peer_global_free();
  return tap_done();
}
