/* SPDX-License-Identifier: Apache-2.0 */
/* Credentials must be UTF-8 (issue 12, item 5): NTLM hashes the password
 * and sends the names as UTF-16LE, which only a valid string converts to.
 * rdpneg_config_set_credentials refuses anything else with
 * INVALID_ARGUMENT and keeps what was set before; valid non-ASCII names go
 * through a whole CredSSP exchange with the in-memory server, which derives
 * its keys from the UTF-16 it receives. */
#include "tap.h"

#include "oom_peer.h"

#include "base/config.h"

#include <rdpneg/rdpneg.h>

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

/* A whole probe with a non-ASCII user, domain and password: the server
 * proves it derived the same keys (pubKeyAuth), so the UTF-8 -> UTF-16
 * conversion agrees on both sides. */
TAP_TEST(non_ascii_credentials_through_credssp) {
  rdpneg_config *cfg = NULL;
  rdpneg_session *s = NULL;
  CHECK_EQ_INT(rdpneg_config_new(&cfg), 0);
  if (!cfg)
    return;
  rdpneg_config_set_int(cfg, RDPNEG_OPT_NOW_UNIX, 1700000000);
  CHECK_EQ_INT(rdpneg_config_set_credentials(cfg,
                                             "J\xc3\xbcrgen \xf0\x9f\x98\x80",
                                             "D\xc3\x96M", PEER_PASSWORD),
               0);
  CHECK_EQ_INT(rdpneg_session_new(&s, cfg, PEER_HOST, 3389), 0);
  rdpneg_config_free(cfg);
  if (!s)
    return;
  peer_opts po = {.selected = RDPNEG_PROTOCOL_HYBRID};
  peer *p = peer_new(&po);
  rdpneg_tstamp ts = 1000000000u;
  rdpneg_session_start(s, ts);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "127.0.0.1", 0, ts);
  peer_run(p, s, ts);
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

int main(void) {
  if (peer_global_init() != 0) {
    printf("1..0 # SKIP cannot make the test certificate\n");
    return 0;
  }
  TAP_RUN(invalid_utf8_refused_and_nothing_changed);
  TAP_RUN(valid_utf8_accepted);
  TAP_RUN(non_ascii_credentials_through_credssp);
  peer_global_free();
  return tap_done();
}
