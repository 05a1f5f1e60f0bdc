/* SPDX-License-Identifier: Apache-2.0 */
/* X.224 codec over real bytes (../shared/captures/redemption) and over
 * hand-made malformed input. */
#include "tap.h"
#include "proto/x224.h"

static unsigned char *cap(const char *rel, size_t *n) {
  const char *dir = tap_captures_dir();
  char path[8192];
  if (!dir)
    return NULL;
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  return tap_read_file(path, n);
}

#define NEED_CAPTURE(var, rel, len)                                            \
  size_t len = 0;                                                              \
  unsigned char *var = cap(rel, &len);                                         \
  if (!var)                                                                    \
  TAP_SKIP("../shared/captures absent")

static void expect_cc(const char *rel, int has_neg, int type, uint32_t value,
                      uint8_t flags) {
  NEED_CAPTURE(b, rel, n);
  CHECK_EQ_INT(rdpneg_x224_tpkt_frame(b, n), (long long)n);
  rdpneg_x224_pdu pdu;
  const char *why = NULL;
  CHECK_EQ_INT(rdpneg_x224_decode(b, n, 0, &pdu, &why), 0);
  CHECK_EQ_INT(pdu.code, RDPNEG_X224_CC);
  CHECK_EQ_INT(pdu.src_ref, 0x1234); /* Windows sets SRC-REF 0x1234 */
  CHECK_EQ_INT(pdu.has_neg, has_neg);
  if (has_neg) {
    CHECK_EQ_INT(pdu.neg_type, type);
    CHECK_EQ_INT(pdu.neg_value, value);
    CHECK_EQ_INT(pdu.neg_flags, flags);
  }
  /* every strict prefix needs more bytes, never an error */
  for (size_t i = 0; i < n; i++)
    CHECK_EQ_INT(rdpneg_x224_tpkt_frame(b, i), 0);
  free(b);
}

TAP_TEST(win2000_legacy_confirm) {
  expect_cc("redemption/win2000_server_std_rdp_security/"
            "02_server_x224_cc_no_negrsp.bin",
            0, 0, 0, 0);
}
TAP_TEST(win2003_legacy_confirm) {
  expect_cc("redemption/win2003_server_std_rdp_security/"
            "02_server_x224_cc_no_negrsp.bin",
            0, 0, 0, 0);
}
TAP_TEST(winxp_legacy_confirm) {
  expect_cc("redemption/winxp_server_std_rdp_security/"
            "02_server_x224_cc_no_negrsp.bin",
            0, 0, 0, 0);
}
TAP_TEST(win2008_no_negreq_confirm) {
  expect_cc(
      "redemption/win2008_server_no_negreq/02_server_x224_cc_no_negrsp.bin", 0,
      0, 0, 0);
}
TAP_TEST(win2008_failure_ssl_not_allowed) {
  expect_cc("redemption/win2008_server_ssl_refused_then_rdp/"
            "02_server_x224_cc_neg_failure_ssl_not_allowed.bin",
            1, RDPNEG_NEG_TYPE_FAILURE,
            RDPNEG_FAILURE_SSL_NOT_ALLOWED_BY_SERVER, 0);
}
TAP_TEST(win2008_rsp_rdp_flags09) {
  expect_cc("redemption/win2008_server_ssl_refused_then_rdp/"
            "04_server_x224_cc_negrsp_rdp_flags09.bin",
            1, RDPNEG_NEG_TYPE_RSP, RDPNEG_PROTOCOL_RDP, 0x09);
}
TAP_TEST(win2008_rsp_ssl_flags09) {
  expect_cc("redemption/win2008_server_ssl_selected/"
            "02_server_x224_cc_negrsp_ssl_flags09.bin",
            1, RDPNEG_NEG_TYPE_RSP, RDPNEG_PROTOCOL_SSL, 0x09);
}
TAP_TEST(win2012_rsp_ssl_flags0f) {
  expect_cc("redemption/win2012_server_ssl_selected/"
            "02_server_x224_cc_negrsp_ssl_flags0f.bin",
            1, RDPNEG_NEG_TYPE_RSP, RDPNEG_PROTOCOL_SSL, 0x0f);
  const char *names[8];
  int n = rdpneg_x224_rsp_flag_names(0x0f, names);
  CHECK_EQ_INT(n, 4);
  CHECK_EQ_STR(names[0], "EXTENDED_CLIENT_DATA_SUPPORTED");
  CHECK_EQ_STR(names[3], "RESTRICTED_ADMIN_MODE_SUPPORTED");
}

/* Our encoder must produce the real client's bytes for the same inputs. */
static void expect_cr_roundtrip(const char *rel, const char *cookie,
                                uint32_t req, int neg) {
  NEED_CAPTURE(b, rel, n);
  rdpneg_x224_pdu pdu;
  const char *why;
  CHECK_EQ_INT(rdpneg_x224_decode(b, n, 1, &pdu, &why), 0);
  CHECK(pdu.token_is_cookie);
  CHECK_EQ_INT(pdu.has_neg, neg);
  if (neg)
    CHECK_EQ_INT(pdu.neg_value, req);
  rdpneg_x224_req r = {.requested = req, .send_neg_req = neg, .cookie = cookie};
  uint8_t out[256];
  rdpneg_ssize len = rdpneg_x224_encode_cr(&r, out, sizeof out);
  CHECK_EQ_INT(len, (long long)n);
  CHECK(len == (rdpneg_ssize)n && memcmp(out, b, n) == 0);
  free(b);
}

TAP_TEST(mstsc_win10_request_roundtrip) {
  expect_cr_roundtrip("redemption/mstsc_win10_1903_client/"
                      "01_client_x224_cr_req_ssl_hybrid_hybridex.bin",
                      "x", 0xb, 1);
}
TAP_TEST(rdesktop_request_roundtrip) {
  expect_cr_roundtrip(
      "redemption/rdesktop_client/01_client_x224_cr_req_ssl_hybrid.bin",
      "rzhou", 0x3, 1);
}
TAP_TEST(win2000_client_legacy_request_roundtrip) {
  expect_cr_roundtrip("redemption/win2000_server_std_rdp_security/"
                      "01_client_x224_cr_cookie_no_negreq.bin",
                      "administrateur", 0, 0);
}

TAP_TEST(encode_correlation_and_token) {
  uint8_t id[16], out[256];
  for (int i = 0; i < 16; i++)
    id[i] = (uint8_t)(0x10 + i);
  rdpneg_x224_req r = {.requested = 3,
                       .send_neg_req = 1,
                       .correlation_id = id,
                       .routing_token = "Cookie: msts=3640205228.15629.0000"};
  rdpneg_ssize n = rdpneg_x224_encode_cr(&r, out, sizeof out);
  CHECK(n > 0);
  rdpneg_x224_pdu pdu;
  CHECK_EQ_INT(rdpneg_x224_decode(out, (size_t)n, 1, &pdu, NULL), 0);
  CHECK(!pdu.token_is_cookie);
  CHECK_EQ_INT(pdu.token_len, 34);
  CHECK(pdu.neg_flags & RDPNEG_REQ_CORRELATION_INFO_PRESENT);
  CHECK(pdu.has_correlation && memcmp(pdu.correlation_id, id, 16) == 0);
  /* cookie and token together, CR inside, too small a buffer */
  rdpneg_x224_req bad = {.cookie = "a", .routing_token = "b"};
  CHECK_EQ_INT(rdpneg_x224_encode_cr(&bad, out, sizeof out),
               RDPNEG_ERR_INVALID_ARGUMENT);
  rdpneg_x224_req crlf = {.cookie = "a\r\nb"};
  CHECK_EQ_INT(rdpneg_x224_encode_cr(&crlf, out, sizeof out),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_x224_encode_cr(&r, out, 20), RDPNEG_ERR_NOBUF);
}

TAP_TEST(malformed_inputs) {
  static const uint8_t ssh[] = "SSH-2.0-OpenSSH_9.2p1\r\n";
  CHECK_EQ_INT(rdpneg_x224_tpkt_frame(ssh, sizeof ssh - 1), RDPNEG_ERR_NOT_RDP);
  static const uint8_t http[] = "HTTP/1.1 400";
  CHECK_EQ_INT(rdpneg_x224_tpkt_frame(http, 12), RDPNEG_ERR_NOT_RDP);
  static const uint8_t short_len[] = {3, 0, 0, 5, 0};
  CHECK_EQ_INT(rdpneg_x224_tpkt_frame(short_len, 5), RDPNEG_ERR_TPKT_MALFORMED);
  static const uint8_t reserved[] = {3, 1, 0, 11};
  CHECK_EQ_INT(rdpneg_x224_tpkt_frame(reserved, 4), RDPNEG_ERR_NOT_RDP);
  rdpneg_x224_pdu pdu;
  const char *why = NULL;
  /* the start of an answer: a TPDU code no server answers with, an LI
   * beyond the TPKT length; CC, DR, DT, ER and fewer than 6 bytes pass */
  static const uint8_t code0[] = {3, 0, 0xff, 0xff, 0, 0};
  CHECK_EQ_INT(rdpneg_x224_answer_check(code0, 6, &why),
               RDPNEG_ERR_X224_MALFORMED);
  CHECK(why != NULL);
  CHECK_EQ_INT(rdpneg_x224_answer_check(code0, 5, &why), 0);
  static const uint8_t bigli[] = {3, 0, 0, 11, 7, 0xd0};
  CHECK_EQ_INT(rdpneg_x224_answer_check(bigli, 6, &why),
               RDPNEG_ERR_X224_MALFORMED);
  static const uint8_t codes[] = {0xd0, 0x80, 0xf0, 0x70};
  for (size_t i = 0; i < sizeof codes; i++) {
    uint8_t h[] = {3, 0, 0, 19, 6, codes[i]};
    CHECK_EQ_INT(rdpneg_x224_answer_check(h, 6, &why), 0);
  }
  /* LI says 20 bytes but the TPKT holds 11 */
  static const uint8_t li[] = {3, 0, 0, 11, 20, 0xd0, 0, 0, 0x12, 0x34, 0};
  CHECK_EQ_INT(rdpneg_x224_decode(li, sizeof li, 0, &pdu, &why),
               RDPNEG_ERR_X224_MALFORMED);
  CHECK(why != NULL);
  /* negotiation structure with length 7 */
  static const uint8_t nl[] = {3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34,
                               0, 2, 0, 7,  0,  1,    0, 0, 0};
  CHECK_EQ_INT(rdpneg_x224_decode(nl, sizeof nl, 0, &pdu, &why),
               RDPNEG_ERR_X224_MALFORMED);
  /* truncated negotiation data (4 of 8 bytes) */
  static const uint8_t tr[] = {3,    0,    0, 15, 10, 0xd0, 0, 0,
                               0x12, 0x34, 0, 2,  0,  8,    0};
  CHECK_EQ_INT(rdpneg_x224_decode(tr, sizeof tr, 0, &pdu, &why),
               RDPNEG_ERR_X224_MALFORMED);
  /* a Disconnect Request instead of a confirm */
  static const uint8_t dr[] = {3, 0, 0, 11, 6, 0x80, 0, 0, 0x12, 0x34, 0};
  CHECK_EQ_INT(rdpneg_x224_decode(dr, sizeof dr, 0, &pdu, &why),
               RDPNEG_ERR_X224_MALFORMED);
  CHECK(why && strstr(why, "Disconnect"));
  /* unknown negotiation type 0x07 */
  static const uint8_t ut[] = {3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34,
                               0, 7, 0, 8,  0,  1,    0, 0, 0};
  CHECK_EQ_INT(rdpneg_x224_decode(ut, sizeof ut, 0, &pdu, &why),
               RDPNEG_ERR_X224_MALFORMED);
}

TAP_TEST(protocols_parse) {
  uint32_t m;
  int neg;
  CHECK_EQ_INT(rdpneg_protocols_parse("ssl,hybrid,hybrid_ex", &m, &neg), 0);
  CHECK_EQ_INT(m, 0xb);
  CHECK_EQ_INT(neg, 1);
  CHECK_EQ_INT(rdpneg_protocols_parse("rdp", &m, &neg), 0);
  CHECK_EQ_INT(m, 0);
  CHECK_EQ_INT(rdpneg_protocols_parse("none", &m, &neg), 0);
  CHECK_EQ_INT(neg, 0);
  CHECK_EQ_INT(rdpneg_protocols_parse("SSL,RDSTLS,RDSAAD", &m, &neg), 0);
  CHECK_EQ_INT(m, 0x15);
  CHECK_EQ_INT(rdpneg_protocols_parse("ssl,bogus", &m, &neg),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_protocols_parse("ssl,", &m, &neg),
               RDPNEG_ERR_INVALID_ARGUMENT);
}

int main(void) {
  TAP_RUN(win2000_legacy_confirm);
  TAP_RUN(win2003_legacy_confirm);
  TAP_RUN(winxp_legacy_confirm);
  TAP_RUN(win2008_no_negreq_confirm);
  TAP_RUN(win2008_failure_ssl_not_allowed);
  TAP_RUN(win2008_rsp_rdp_flags09);
  TAP_RUN(win2008_rsp_ssl_flags09);
  TAP_RUN(win2012_rsp_ssl_flags0f);
  TAP_RUN(mstsc_win10_request_roundtrip);
  TAP_RUN(rdesktop_request_roundtrip);
  TAP_RUN(win2000_client_legacy_request_roundtrip);
  TAP_RUN(encode_correlation_and_token);
  TAP_RUN(malformed_inputs);
  TAP_RUN(protocols_parse);
  return tap_done();
}
