/* SPDX-License-Identifier: Apache-2.0 */
/* The sans-I/O session driven by hand: no sockets, explicit timestamps. */
#include "core/session.h"
#include "tap.h"

#include <stdlib.h>

#define MSEC 1000000ull

static rdpneg_session *connected(rdpneg_config *cfg) {
  rdpneg_session *s = NULL;
  if (rdpneg_session_new(&s, cfg, "server.example", 3389) != 0)
    return NULL;
  rdpneg_session_start(s, 1000 * MSEC);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "192.0.2.1", 0, 1001 * MSEC);
  return s;
}

static rdpneg_config *cfg_default(void) {
  rdpneg_config *c = NULL;
  rdpneg_config_new(&c);
  return c;
}

/* Feeds |b| in pieces of |step| bytes. */
static void feed(rdpneg_session *s, const uint8_t *b, size_t n, size_t step,
                 rdpneg_tstamp ts) {
  for (size_t i = 0; i < n && !rdpneg_session_done(s); i += step)
    rdpneg_session_read(s, b + i, n - i < step ? n - i : step, ts);
}

static const uint8_t failure_ssl_required[] = {
    0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x03,
    0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00,
    /* xrdp's DisconnectProviderUltimatum right behind (coalesced) */
    0x03, 0x00, 0x00, 0x09, 0x02, 0xf0, 0x80, 0x21, 0x80};

TAP_TEST(request_bytes) {
  rdpneg_config *c = cfg_default();
  rdpneg_config_set_str(c, RDPNEG_STROPT_COOKIE, "probe");
  rdpneg_session *s = connected(c);
  uint8_t out[512];
  rdpneg_ssize n = rdpneg_session_write(s, out, sizeof out, 0);
  CHECK(n > 19);
  rdpneg_x224_pdu pdu;
  CHECK_EQ_INT(rdpneg_x224_decode(out, (size_t)n, 1, &pdu, NULL), 0);
  CHECK_EQ_INT(pdu.neg_value, 0xb);
  CHECK_EQ_INT(rdpneg_session_write(s, out, sizeof out, 0), 0);
  CHECK(rdpneg_session_want_read(s));
  rdpneg_session_free(s);
  rdpneg_config_free(c);
}

TAP_TEST(failure_every_split) {
  for (size_t step = 1; step <= sizeof failure_ssl_required; step++) {
    rdpneg_config *c = cfg_default();
    rdpneg_session *s = connected(c);
    feed(s, failure_ssl_required, sizeof failure_ssl_required, step,
         1010 * MSEC);
    CHECK(rdpneg_session_done(s));
    CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_FAILURE);
    CHECK_EQ_INT(rdpneg_session_failure_code(s), 1);
    CHECK_EQ_INT(rdpneg_session_tls_status(s), RDPNEG_TLS_SKIPPED);
    CHECK_EQ_INT(rdpneg_session_verdict(s), RDPNEG_VERDICT_FAILING);
    double ms;
    int err;
    CHECK_EQ_INT(rdpneg_session_phase(s, RDPNEG_PHASE_X224, &ms, &err),
                 RDPNEG_PHASE_FAILED);
    CHECK_EQ_INT(err, RDPNEG_ERR_NEG_SSL_REQUIRED);
    CHECK(ms > 8.9 && ms < 9.1);
    CHECK_EQ_INT(rdpneg_session_phase(s, RDPNEG_PHASE_NLA, NULL, NULL),
                 RDPNEG_PHASE_SKIPPED);
    rdpneg_session_free(s);
    rdpneg_config_free(c);
  }
}

TAP_TEST(legacy_confirm) {
  static const uint8_t cc[] = {3, 0, 0, 11, 6, 0xd0, 0, 0, 0x12, 0x34, 0};
  rdpneg_config *c = cfg_default();
  rdpneg_session *s = connected(c);
  feed(s, cc, sizeof cc, 3, 1005 * MSEC);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_LEGACY);
  CHECK_EQ_INT(rdpneg_session_selected_protocol(s), -1);
  CHECK_EQ_INT(rdpneg_session_verdict(s), RDPNEG_VERDICT_DEGRADED);
  rdpneg_session_free(s);
  rdpneg_config_free(c);
}

TAP_TEST(rdp_selected_skips_tls) {
  static const uint8_t cc[] = {3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34,
                               0, 2, 1, 8,  0,  0,    0, 0, 0};
  rdpneg_config *c = cfg_default();
  rdpneg_session *s = connected(c);
  feed(s, cc, sizeof cc, 19, 1005 * MSEC);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_OK);
  CHECK_EQ_INT(rdpneg_session_selected_protocol(s), 0);
  CHECK_EQ_INT(rdpneg_session_tls_status(s), RDPNEG_TLS_SKIPPED);
  CHECK(rdpneg_session_done(s));
  CHECK_EQ_INT(rdpneg_session_verdict(s), RDPNEG_VERDICT_DEGRADED);
  char *json = NULL;
  CHECK_EQ_INT(rdpneg_session_json(s, &json, NULL), 0);
  CHECK(json && strstr(json, "\"selected\": \"RDP\""));
  CHECK(json && strstr(json, "\"EXTENDED_CLIENT_DATA_SUPPORTED\""));
  CHECK(json && strstr(json, "\"auth\": \"not_testable\""));
  rdpneg_free(json);
  rdpneg_session_free(s);
  rdpneg_config_free(c);
}

TAP_TEST(not_rdp_banner) {
  static const char b[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
  rdpneg_config *c = cfg_default();
  rdpneg_session *s = connected(c);
  feed(s, (const uint8_t *)b, sizeof b - 1, sizeof b, 1002 * MSEC);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_NOT_RDP);
  char *json = NULL;
  rdpneg_session_json(s, &json, NULL);
  CHECK(json && strstr(json, "SSH-2.0-OpenSSH_9.2p1 Debian-2"));
  CHECK(json && strstr(json, "\"status\": \"not_rdp\""));
  rdpneg_free(json);
  rdpneg_session_free(s);
  /* one byte at a time: decided on the first byte */
  s = connected(c);
  feed(s, (const uint8_t *)b, sizeof b - 1, 1, 1002 * MSEC);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_NOT_RDP);
  rdpneg_session_free(s);
  rdpneg_config_free(c);
}

TAP_TEST(close_and_reset_before_confirm) {
  for (int reset = 0; reset < 2; reset++) {
    for (size_t partial = 0; partial < 5; partial += 4) {
      rdpneg_config *c = cfg_default();
      rdpneg_session *s = connected(c);
      if (partial)
        rdpneg_session_read(s, failure_ssl_required, partial, 1003 * MSEC);
      rdpneg_session_transport_closed(
          s, reset ? RDPNEG_CLOSE_RESET : RDPNEG_CLOSE_EOF, 0, 1004 * MSEC);
      CHECK(rdpneg_session_done(s));
      CHECK_EQ_INT(rdpneg_session_x224_status(s),
                   reset ? RDPNEG_X224_RESET : RDPNEG_X224_CLOSED);
      CHECK_EQ_INT(rdpneg_session_verdict(s), RDPNEG_VERDICT_FAILING);
      rdpneg_session_free(s);
      rdpneg_config_free(c);
    }
  }
}

TAP_TEST(timeouts_per_phase) {
  rdpneg_config *c = cfg_default();
  rdpneg_config_set_int(c, RDPNEG_OPT_CONNECT_TIMEOUT_MS, 700);
  rdpneg_config_set_int(c, RDPNEG_OPT_X224_TIMEOUT_MS, 300);
  rdpneg_session *s = NULL;
  rdpneg_session_new(&s, c, "192.0.2.1", 3389);
  rdpneg_session_start(s, 0);
  CHECK_EQ_INT(rdpneg_session_expiry(s), 700 * MSEC);
  rdpneg_session_handle_expiry(s, 699 * MSEC);
  CHECK(!rdpneg_session_done(s));
  rdpneg_session_handle_expiry(s, 700 * MSEC);
  CHECK(rdpneg_session_done(s));
  CHECK_EQ_INT(rdpneg_session_tcp_status(s), RDPNEG_TCP_TIMEOUT);
  CHECK_EQ_INT(rdpneg_session_expiry(s), RDPNEG_TSTAMP_NEVER);
  rdpneg_session_free(s);

  rdpneg_session_new(&s, c, "192.0.2.1", 3389);
  rdpneg_session_start(s, 0);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "192.0.2.1", 0, 100 * MSEC);
  CHECK_EQ_INT(rdpneg_session_expiry(s), 400 * MSEC);
  rdpneg_session_handle_expiry(s, 400 * MSEC);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_TIMEOUT);
  double ms;
  rdpneg_session_phase(s, RDPNEG_PHASE_X224, &ms, NULL);
  CHECK(ms > 299.9 && ms < 300.1);
  rdpneg_session_free(s);

  /* the overall deadline wins when it is earlier */
  rdpneg_config_set_int(c, RDPNEG_OPT_OVERALL_TIMEOUT_MS, 150);
  rdpneg_session_new(&s, c, "192.0.2.1", 3389);
  rdpneg_session_start(s, 0);
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "192.0.2.1", 0, 100 * MSEC);
  CHECK_EQ_INT(rdpneg_session_expiry(s), 150 * MSEC);
  rdpneg_session_free(s);
  rdpneg_config_free(c);
}

TAP_TEST(tcp_outcomes) {
  static const struct {
    rdpneg_tcp_status st;
    int err;
  } cases[] = {{RDPNEG_TCP_REFUSED, RDPNEG_ERR_CONNECT_REFUSED},
               {RDPNEG_TCP_UNREACHABLE, RDPNEG_ERR_UNREACHABLE},
               {RDPNEG_TCP_TIMEOUT, RDPNEG_ERR_CONNECT_TIMEOUT},
               {RDPNEG_TCP_ERROR, RDPNEG_ERR_TRANSPORT}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rdpneg_config *c = cfg_default();
    rdpneg_session *s = NULL;
    rdpneg_session_new(&s, c, "192.0.2.1", 3389);
    rdpneg_session_start(s, 0);
    rdpneg_session_tcp_result(s, cases[i].st, "192.0.2.1", -111, MSEC);
    int err;
    CHECK_EQ_INT(rdpneg_session_phase(s, RDPNEG_PHASE_TCP, NULL, &err),
                 RDPNEG_PHASE_FAILED);
    CHECK_EQ_INT(err, cases[i].err);
    CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_SKIPPED);
    CHECK_EQ_INT(rdpneg_session_verdict(s), RDPNEG_VERDICT_FAILING);
    rdpneg_session_free(s);
    rdpneg_config_free(c);
  }
  rdpneg_config *c = cfg_default();
  rdpneg_session *s = NULL;
  rdpneg_session_new(&s, c, "no-such-host.invalid", 3389);
  rdpneg_session_start(s, 0);
  rdpneg_session_dns_failed(s, "unknown node or service", MSEC);
  CHECK_EQ_INT(rdpneg_session_tcp_status(s), RDPNEG_TCP_DNS_FAILED);
  CHECK_EQ_INT(rdpneg_session_verdict(s), RDPNEG_VERDICT_UNKNOWN);
  /* calls in the wrong state are refused, not crashes */
  CHECK_EQ_INT(rdpneg_session_read(s, (const uint8_t *)"x", 1, MSEC),
               RDPNEG_ERR_INVALID_STATE);
  CHECK_EQ_INT(rdpneg_session_start(s, 0), RDPNEG_ERR_INVALID_STATE);
  rdpneg_session_free(s);
  rdpneg_config_free(c);
}

TAP_TEST(bad_arguments) {
  rdpneg_config *c = cfg_default();
  rdpneg_session *s = NULL;
  CHECK_EQ_INT(rdpneg_session_new(&s, c, "", 3389),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_session_new(&s, c, "h", 0), RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_config_set_int(c, RDPNEG_OPT_TLS_MIN, 4),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_config_set_int(c, (rdpneg_opt)999, 1),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_config_set_str(c, RDPNEG_STROPT_COOKIE, "a\nb"),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_config_set_credentials(c, "u", NULL, NULL),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_config_add_ca(c, (const uint8_t *)"junk", 4),
               RDPNEG_ERR_BAD_FILE);
  uint8_t id[16] = {0xf4};
  CHECK_EQ_INT(rdpneg_config_set_correlation_id(c, id),
               RDPNEG_ERR_INVALID_ARGUMENT);
  rdpneg_session_free(NULL);
  rdpneg_config_free(NULL);
  rdpneg_config_free(c);
}

/* A header no answer to a Connection Request can have fails as soon as its
 * 6 bytes are in, not after the 65535 bytes its TPKT length announces or
 * the deadline; a plausible one waits. */
TAP_TEST(implausible_header_fails_at_once) {
  rdpneg_config *c = cfg_default();
  static const uint8_t code0[] = {3, 0, 0xff, 0xff, 0, 0, 0, 0};
  static const uint8_t li[] = {3, 0, 0, 19, 200, 0xd0};
  static const uint8_t cc_head[] = {3, 0, 0, 19, 14, 0xd0};
  const struct {
    const uint8_t *b;
    size_t n;
    int done;
  } cases[] = {{code0, sizeof code0, 1},
               {li, sizeof li, 1},
               {cc_head, sizeof cc_head, 0},
               {code0, 5, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rdpneg_session *s = connected(c);
    CHECK_EQ_INT(rdpneg_session_read(s, cases[i].b, cases[i].n, 0),
                 (long long)cases[i].n);
    CHECK_EQ_INT(rdpneg_session_done(s), cases[i].done);
    if (cases[i].done) {
      CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_MALFORMED);
      int err;
      rdpneg_session_phase(s, RDPNEG_PHASE_X224, NULL, &err);
      CHECK_EQ_INT(err, RDPNEG_ERR_X224_MALFORMED);
    }
    rdpneg_session_free(s);
  }
  rdpneg_config_free(c);
}

TAP_TEST(nobuf_limit) {
  rdpneg_config *c = cfg_default();
  rdpneg_config_set_int(c, RDPNEG_OPT_MAX_BUFFERED, 1024);
  rdpneg_session *s = connected(c);
  /* a TPKT announcing 65535 bytes that never completes (an X.224 Data
   * header, which rdpneg_x224_answer_check() lets wait for its bytes) */
  uint8_t big[2048] = {3, 0, 0xff, 0xff, 2, 0xf0, 0x80};
  CHECK_EQ_INT(rdpneg_session_read(s, big, 1000, 0), 1000);
  CHECK(!rdpneg_session_done(s));
  CHECK_EQ_INT(rdpneg_session_read(s, big, 1000, 0), 1000);
  CHECK(rdpneg_session_done(s));
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_MALFORMED);
  int err;
  rdpneg_session_phase(s, RDPNEG_PHASE_X224, NULL, &err);
  CHECK_EQ_INT(err, RDPNEG_ERR_NOBUF);
  rdpneg_session_free(s);
  /* one read far larger than the limit that starts with a whole confirm */
  s = connected(c);
  uint8_t *huge = calloc(1, 70000);
  memcpy(huge, failure_ssl_required, sizeof failure_ssl_required);
  CHECK_EQ_INT(rdpneg_session_read(s, huge, 70000, 0), 70000);
  CHECK_EQ_INT(rdpneg_session_x224_status(s), RDPNEG_X224_FAILURE);
  CHECK_EQ_INT(rdpneg_session_failure_code(s), 1);
  free(huge);
  rdpneg_session_free(s);
  rdpneg_config_free(c);
}

int main(void) {
  TAP_RUN(request_bytes);
  TAP_RUN(failure_every_split);
  TAP_RUN(legacy_confirm);
  TAP_RUN(rdp_selected_skips_tls);
  TAP_RUN(not_rdp_banner);
  TAP_RUN(close_and_reset_before_confirm);
  TAP_RUN(timeouts_per_phase);
  TAP_RUN(tcp_outcomes);
  TAP_RUN(bad_arguments);
  TAP_RUN(implausible_header_fails_at_once);
  TAP_RUN(nobuf_limit);
  return tap_done();
}
