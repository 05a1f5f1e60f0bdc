/* SPDX-License-Identifier: Apache-2.0 */
/* Credentials against the in-memory server of the OOM test.
 *
 * They must be UTF-8 (issue 12, item 5): NTLM hashes the password and
 * sends the names as UTF-16LE, which only a valid string converts to.
 * rdpneg_config_set_credentials refuses anything else with
 * INVALID_ARGUMENT and keeps what was set before; valid non-ASCII names go
 * through a whole CredSSP exchange with the in-memory server, which derives
 * its keys from the UTF-16 it receives.
 *
 * A TLS server that requires a client certificate (the same server with
 * authmode REQUIRED): the handshake gets past the ServerHello, the server's
 * CertificateRequest is recorded, and the diagnosis names the requirement
 * instead of a version or cipher mismatch "before any ServerHello". */
#include "tap.h"

#include "oom_peer.h"

#include "base/config.h"
#include "core/evidence.h"
#include "core/session.h"

#include <rdpneg/rdpneg.h>
#include <rdpneg/rdpneg_diagnosis.h>

#include <string.h>

static const char *const invalid[] = {
    "\x80",             /* continuation byte alone */
    "al\xbfice",        /* stray continuation inside */
    "\xff",             /* never valid */
    "\xfe\xff",         /* a UTF-16 byte order mark is not UTF-8 */
    "\xc0\xaf",         /* overlong '/' */
    "\xe0\x80\xaf",     /* overlong, three bytes */
    "\xf0\x80\x80\xaf", /* overlong, four bytes */
    "\xc1\xbf",         /* overlong two-byte lead */
    "\xed\xa0\x80",     /* UTF-16 surrogate U+D800 */
    "\xed\xbf\xbf",     /* UTF-16 surrogate U+DFFF */
    "\xf4\x90\x80\x80", /* U+110000 */
    "\xf5\x80\x80\x80", /* lead byte beyond U+10FFFF */
    "caf\xc3",          /* cut at the end */
    "\xe2\x82",         /* cut inside a three-byte character */
    "a\xe2\x82z",       /* a three-byte character missing its last byte */
};

static const char *const valid[] = {
    "alice",
    "J\xc3\xbcrgen",            /* Jürgen */
    "\xe6\x9d\xb1\xe4\xba\xac", /* 東京 */
    "\xf0\x9f\x98\x80",         /* U+1F600 (a UTF-16 surrogate pair) */
    "\xef\xbf\xbd",             /* U+FFFD */
    "\xf4\x8f\xbf\xbf",         /* U+10FFFF, the last code point */
    "\xed\x9f\xbf\xee\x80\x80", /* U+D7FF and U+E000 around surrogates */
};

TAP_TEST(invalid_utf8_refused_and_nothing_changed) {
  rdpneg_config *c = NULL;
  CHECK_EQ_INT(rdpneg_config_new(&c), 0);
  if (!c)
    return;
  CHECK_EQ_INT(rdpneg_config_set_credentials(c, "bob", "DOM", "pw"), 0);
  for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
    const char *bad = invalid[i];
    CHECK_EQ_INT(rdpneg_config_set_credentials(c, bad, "DOM", "pw"),
                 RDPNEG_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rdpneg_config_set_credentials(c, "bob", bad, "pw"),
                 RDPNEG_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(rdpneg_config_set_credentials(c, "bob", "DOM", bad),
                 RDPNEG_ERR_INVALID_ARGUMENT);
  }
  /* the credentials set before are still there */
  CHECK_EQ_STR(c->user, "bob");
  CHECK_EQ_STR(c->domain, "DOM");
  CHECK_EQ_STR(c->password, "pw");
  /* clearing needs no check; NULL domain stays allowed */
  CHECK_EQ_INT(rdpneg_config_set_credentials(c, NULL, "\xff", NULL), 0);
  CHECK(c->user == NULL && c->password == NULL);
  CHECK_EQ_INT(rdpneg_config_set_credentials(c, "bob", NULL, "pw"), 0);
  rdpneg_config_free(c);
}

TAP_TEST(valid_utf8_accepted) {
  rdpneg_config *c = NULL;
  CHECK_EQ_INT(rdpneg_config_new(&c), 0);
  if (!c)
    return;
  for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
    CHECK_EQ_INT(rdpneg_config_set_credentials(c, valid[i], valid[i], valid[i]),
                 0);
    CHECK_EQ_STR(c->user, valid[i]);
    CHECK_EQ_STR(c->password, valid[i]);
  }
  rdpneg_config_free(c);
}

/* A session with |cfg| (freed here), at 1700000000, run to its end
 * against a new server with |po|, handed back in |pp|; NULL when it could
 * not be made. */
static rdpneg_session *run_against(rdpneg_config *cfg, peer_opts po,
                                   peer **pp) {
  rdpneg_session *s = NULL;
  rdpneg_config_set_int(cfg, RDPNEG_OPT_NOW_UNIX, 1700000000);
  CHECK_EQ_INT(rdpneg_session_new(&s, cfg, PEER_HOST, 3389), 0);
  rdpneg_config_free(cfg);
  *pp = NULL;
  if (!s)
    return NULL;
  *pp = peer_new(&po);
  rdpneg_tstamp ts = 1000000000u;
  rdpneg_session_start(s, ts);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "127.0.0.1", 0, ts);
  peer_run(*pp, s, ts);
  return s;
}

/* A whole probe with a non-ASCII user, domain and password: the server
 * proves it derived the same keys (pubKeyAuth), so the UTF-8 -> UTF-16
 * conversion agrees on both sides. */
TAP_TEST(non_ascii_credentials_through_credssp) {
  rdpneg_config *cfg = NULL;
  CHECK_EQ_INT(rdpneg_config_new(&cfg), 0);
  if (!cfg)
    return;
  CHECK_EQ_INT(rdpneg_config_set_credentials(cfg,
                                             "J\xc3\xbcrgen \xf0\x9f\x98\x80",
                                             "D\xc3\x96M", PEER_PASSWORD),
               0);
  peer *p = NULL;
  rdpneg_session *s =
      run_against(cfg, (peer_opts){.selected = RDPNEG_PROTOCOL_HYBRID}, &p);
  if (!s)
    return;
  double ms;
  int err = 0;
  CHECK(rdpneg_session_done(s));
  CHECK_EQ_INT(rdpneg_session_phase(s, RDPNEG_PHASE_NLA, &ms, &err),
               RDPNEG_PHASE_OK);
  CHECK_EQ_INT(err, 0);
  char *json = NULL;
  CHECK_EQ_INT(rdpneg_session_json(s, &json, NULL), 0);
  CHECK(json && strstr(json, "credentials accepted"));
  CHECK_EQ_INT(rdpneg_session_verdict(s), RDPNEG_VERDICT_HEALTHY);
  rdpneg_free(json);
  peer_free(p);
  rdpneg_session_free(s);
}

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
  CHECK_EQ_INT(rdpneg_config_new(&cfg), 0);
  if (!cfg)
    return;
  peer *p = NULL;
  rdpneg_session *s = run_against(
      cfg,
      (peer_opts){.selected = RDPNEG_PROTOCOL_SSL, .require_client_cert = 1},
      &p);
  if (!s)
    return;
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
    /* the same alert without a CertificateRequest: not a version or
     * cipher refusal either, as the ServerHello chose them */
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
  TAP_RUN(invalid_utf8_refused_and_nothing_changed);
  TAP_RUN(valid_utf8_accepted);
  TAP_RUN(non_ascii_credentials_through_credssp);
  TAP_RUN(client_certificate_required);
  peer_global_free();
  return tap_done();
}
