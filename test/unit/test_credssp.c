/* SPDX-License-Identifier: Apache-2.0 */
/* CredSSP TSRequest and SPNEGO codec tests: the real CredSSP v2 exchange
 * between Windows XP SP3 and Windows 7 (redemption), framing, round trips
 * of every field and version, and truncation/mutation of real messages. */
#include "tap.h"

#include "proto/credssp.h"
#include "base/timefmt.h"
#include "proto/ntlm.h"
#include "proto/spnego.h"

#include <rdpneg/rdpneg.h>

#include <stdlib.h>
#include <string.h>

static unsigned char *load(const char *rel, size_t *len) {
  const char *dir = tap_captures_dir();
  if (!dir)
    return NULL;
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  return tap_read_file(path, len);
}

static const char *const redemption[5] = {
    "redemption/credssp_winxp_client_win7_server/"
    "01_client_tsrequest_v2_ntlm_negotiate_winxp.bin",
    "redemption/credssp_winxp_client_win7_server/"
    "02_server_tsrequest_v2_ntlm_challenge_win7.bin",
    "redemption/credssp_winxp_client_win7_server/"
    "03_client_tsrequest_v2_ntlm_authenticate_pubkeyauth.bin",
    "redemption/credssp_winxp_client_win7_server/"
    "04_server_tsrequest_v2_pubkeyauth.bin",
    "redemption/credssp_winxp_client_win7_server/"
    "05_client_tsrequest_v2_authinfo_tscredentials.bin"};

typedef struct {
  unsigned char *b[5];
  size_t l[5];
} msgs;

static int load_all(msgs *m) {
  int ok = 1;
  for (int i = 0; i < 5; i++) {
    m->b[i] = load(redemption[i], &m->l[i]);
    ok &= m->b[i] != NULL;
  }
  return ok;
}

static void free_all(msgs *m) {
  for (int i = 0; i < 5; i++)
    free(m->b[i]);
}

TAP_TEST(redemption_exchange_decodes) {
  msgs m;
  if (!load_all(&m)) {
    free_all(&m);
    TAP_SKIP("captures not available");
  }
  rdpneg_tsrequest r[5];
  for (int i = 0; i < 5; i++) {
    CHECK_EQ_INT(rdpneg_tsrequest_frame_len(m.b[i], m.l[i]), (long)m.l[i]);
    CHECK_EQ_INT(rdpneg_tsrequest_parse(&r[i], m.b[i], m.l[i]), 0);
    CHECK_EQ_INT(r[i].version, 2);
  }
  /* 01: XP SP3 NEGOTIATE, raw NTLM */
  CHECK_EQ_INT(r[0].present, RDPNEG_TSREQ_NEGO_TOKENS);
  CHECK_EQ_INT(r[0].nego_token_count, 1);
  rdpneg_ntlm_negotiate n;
  CHECK_EQ_INT(
      rdpneg_ntlm_parse_negotiate(&n, r[0].nego_token, r[0].nego_token_len), 0);
  CHECK_EQ_INT(n.flags, 0xe20882b7u);
  CHECK(n.version.major == 5 && n.version.minor == 1 &&
        n.version.build == 2600);

  /* 02: Windows 7 CHALLENGE */
  CHECK_EQ_INT(r[1].present, RDPNEG_TSREQ_NEGO_TOKENS);
  CHECK_EQ_INT(r[1].nego_token_len, 0x80);
  rdpneg_ntlm_challenge c;
  CHECK_EQ_INT(
      rdpneg_ntlm_parse_challenge(&c, r[1].nego_token, r[1].nego_token_len), 0);
  CHECK_EQ_INT(c.flags, 0xe28a8235u);
  CHECK(memcmp(c.server_challenge, "\x26\x6e\xcd\x75\xaa\x41\xe7\x6f", 8) == 0);
  CHECK_EQ_STR(c.target_name, "WIN7");
  CHECK_EQ_STR(c.nb_domain, "WIN7");
  CHECK_EQ_STR(c.nb_computer, "WIN7");
  CHECK_EQ_STR(c.dns_domain, "win7");
  CHECK_EQ_STR(c.dns_computer, "win7");
  CHECK(c.dns_tree == NULL);
  CHECK(c.version.present && c.version.major == 6 && c.version.minor == 1 &&
        c.version.build == 7600 && c.version.revision == 15);
  CHECK(c.has_timestamp && c.timestamp == 0x01cbb06c1a9b8da9ull);
  char t[32];
  rdpneg_unix_to_iso(rdpneg_ntlm_filetime_to_unix(c.timestamp), t, sizeof t);
  CHECK_EQ_STR(t, "2011-01-10T02:14:25Z");
  rdpneg_ntlm_challenge_free(&c);

  /* 03: AUTHENTICATE + pubKeyAuth (public-key echo, sealed: signature
   * version 1, sequence number 0) */
  CHECK_EQ_INT(r[2].present,
               RDPNEG_TSREQ_NEGO_TOKENS | RDPNEG_TSREQ_PUB_KEY_AUTH);
  rdpneg_ntlm_authenticate a;
  CHECK_EQ_INT(
      rdpneg_ntlm_parse_authenticate(&a, r[2].nego_token, r[2].nego_token_len),
      0);
  CHECK_EQ_INT(a.flags, 0xe2888235u);
  CHECK(!a.has_mic);
  char *d = rdpneg_ntlm_utf16_to_utf8(a.domain, a.domain_len);
  char *u = rdpneg_ntlm_utf16_to_utf8(a.user, a.user_len);
  char *w = rdpneg_ntlm_utf16_to_utf8(a.workstation, a.workstation_len);
  CHECK_EQ_STR(d, "win7");
  CHECK_EQ_STR(u, "username");
  CHECK_EQ_STR(w, "WINXP");
  free(d);
  free(u);
  free(w);
  CHECK_EQ_INT(a.lm_response_len, 24);
  CHECK_EQ_INT(a.nt_response_len, 0x70);
  CHECK_EQ_INT(a.enc_session_key_len, 16);
  CHECK_EQ_INT(r[2].pub_key_auth_len, 286); /* 16 + 270-byte RSAPublicKey */
  CHECK(memcmp(r[2].pub_key_auth, "\x01\0\0\0", 4) == 0);
  CHECK(memcmp(r[2].pub_key_auth + 12, "\0\0\0\0", 4) == 0);

  /* 04: the server's pubKeyAuth, 05: authInfo (TSCredentials) */
  CHECK_EQ_INT(r[3].present, RDPNEG_TSREQ_PUB_KEY_AUTH);
  CHECK_EQ_INT(r[3].pub_key_auth_len, 286);
  CHECK(memcmp(r[3].pub_key_auth, "\x01\0\0\0", 4) == 0);
  CHECK_EQ_INT(r[4].present, RDPNEG_TSREQ_AUTH_INFO);
  CHECK_EQ_INT(r[4].auth_info_len, 0x51);
  free_all(&m);
}

/* Re-encoding the captured TSRequests gives the same bytes. */
TAP_TEST(redemption_reencodes_identically) {
  msgs m;
  if (!load_all(&m)) {
    free_all(&m);
    TAP_SKIP("captures not available");
  }
  for (int i = 0; i < 5; i++) {
    rdpneg_tsrequest r;
    uint8_t *out;
    size_t ol;
    CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, m.b[i], m.l[i]), 0);
    CHECK_EQ_INT(rdpneg_tsrequest_write(&r, &out, &ol), 0);
    CHECK(ol == m.l[i] && memcmp(out, m.b[i], ol) == 0);
    free(out);
  }
  free_all(&m);
}

TAP_TEST(frame_len) {
  msgs m;
  if (!load_all(&m)) {
    free_all(&m);
    TAP_SKIP("captures not available");
  }
  for (int i = 0; i < 5; i++) {
    /* every proper prefix: "need more" */
    for (size_t k = 0; k < m.l[i]; k++)
      if (rdpneg_tsrequest_frame_len(m.b[i], k) != 0) {
        printf("# msg %d prefix %zu\n", i, k);
        CHECK(0);
      }
    /* trailing bytes of a next message do not change the length */
    uint8_t *two = malloc(m.l[i] + 3);
    memcpy(two, m.b[i], m.l[i]);
    memcpy(two + m.l[i], "\x30\x82\x01", 3);
    CHECK_EQ_INT(rdpneg_tsrequest_frame_len(two, m.l[i] + 3), (long)m.l[i]);
    free(two);
  }
  CHECK_EQ_INT(rdpneg_tsrequest_frame_len((const uint8_t *)"\x30\x80", 2),
               RDPNEG_ERR_TSREQUEST_MALFORMED); /* indefinite */
  CHECK_EQ_INT(
      rdpneg_tsrequest_frame_len((const uint8_t *)"\x30\x85\0\0\0\0\1", 7),
      RDPNEG_ERR_TSREQUEST_MALFORMED); /* 5 length octets */
  CHECK_EQ_INT(rdpneg_tsrequest_frame_len((const uint8_t *)"\x30\x83\x01", 3),
               0);
  CHECK_EQ_INT(
      rdpneg_tsrequest_frame_len((const uint8_t *)"\x30\x83\x01\x00\x00", 5),
      RDPNEG_ERR_TSREQUEST_MALFORMED); /* 64 KiB + : over the cap */
  CHECK_EQ_INT(rdpneg_tsrequest_frame_len((const uint8_t *)"\x16\x03", 2),
               RDPNEG_ERR_TSREQUEST_MALFORMED); /* a TLS record, say */
  CHECK_EQ_INT(rdpneg_tsrequest_frame_len((const uint8_t *)"\x30\x00", 2), 2);
  free_all(&m);
}

static int roundtrip(const rdpneg_tsrequest *in) {
  uint8_t *out;
  size_t ol;
  rdpneg_tsrequest r;
  if (rdpneg_tsrequest_write(in, &out, &ol))
    return 0;
  int ok = rdpneg_tsrequest_frame_len(out, ol) == (long)ol &&
           rdpneg_tsrequest_parse(&r, out, ol) == 0 &&
           r.version == in->version && r.present == in->present;
  if (ok && (in->present & RDPNEG_TSREQ_NEGO_TOKENS))
    ok = r.nego_token_len == in->nego_token_len &&
         (!in->nego_token_len ||
          memcmp(r.nego_token, in->nego_token, in->nego_token_len) == 0) &&
         r.nego_token_count == (in->nego_token ? 1u : 0u);
  if (ok && (in->present & RDPNEG_TSREQ_AUTH_INFO))
    ok = r.auth_info_len == in->auth_info_len &&
         memcmp(r.auth_info, in->auth_info, in->auth_info_len) == 0;
  if (ok && (in->present & RDPNEG_TSREQ_PUB_KEY_AUTH))
    ok = r.pub_key_auth_len == in->pub_key_auth_len &&
         memcmp(r.pub_key_auth, in->pub_key_auth, in->pub_key_auth_len) == 0;
  if (ok && (in->present & RDPNEG_TSREQ_ERROR_CODE))
    ok = r.error_code == in->error_code;
  if (ok && (in->present & RDPNEG_TSREQ_CLIENT_NONCE))
    ok = r.client_nonce_len == in->client_nonce_len &&
         memcmp(r.client_nonce, in->client_nonce, in->client_nonce_len) == 0;
  /* every truncation fails */
  for (size_t k = 0; ok && k < ol; k++) {
    uint8_t *cut = malloc(k ? k : 1);
    memcpy(cut, out, k);
    if (rdpneg_tsrequest_parse(&r, cut, k) != RDPNEG_ERR_TSREQUEST_MALFORMED)
      ok = 0;
    free(cut);
  }
  free(out);
  return ok;
}

TAP_TEST(roundtrip_all_fields_and_versions) {
  uint8_t tok[400], nonce[32], pka[286], ai[81];
  for (size_t i = 0; i < sizeof tok; i++)
    tok[i] = (uint8_t)i;
  memset(nonce, 0x5a, sizeof nonce);
  memset(pka, 0xa5, sizeof pka);
  memset(ai, 0x3c, sizeof ai);
  static const uint32_t codes[] = {0xC000006Du, 0xC0000224u, 0x80090302u,
                                   0x00000001u, 0x0000007Fu, 0x00000080u,
                                   0x7FFFFFFFu, 0xFFFFFFFFu, 0x00008000u};
  for (uint32_t v = 2; v <= 6; v++) {
    for (unsigned mask = 0; mask < 32; mask++) {
      rdpneg_tsrequest r = {0};
      r.version = v;
      r.present = mask;
      r.nego_token = tok;
      r.nego_token_len = (mask & 1) ? 40 + v * 50 : 0;
      r.auth_info = ai;
      r.auth_info_len = sizeof ai;
      r.pub_key_auth = pka;
      r.pub_key_auth_len = v >= 5 ? 48 : sizeof pka;
      r.error_code = codes[(v + mask) % 9];
      r.client_nonce = nonce;
      r.client_nonce_len = sizeof nonce;
      if (!roundtrip(&r)) {
        printf("# version %u mask 0x%x\n", (unsigned)v, mask);
        CHECK(0);
      }
    }
  }
  /* every errorCode encoding */
  for (size_t i = 0; i < 9; i++) {
    rdpneg_tsrequest r = {0};
    r.version = 6;
    r.present = RDPNEG_TSREQ_ERROR_CODE;
    r.error_code = codes[i];
    CHECK(roundtrip(&r));
  }
  /* an empty negoTokens SEQUENCE OF */
  rdpneg_tsrequest r = {0};
  r.version = 3;
  r.present = RDPNEG_TSREQ_NEGO_TOKENS;
  CHECK(roundtrip(&r));
}

TAP_TEST(error_code_encodings) {
  rdpneg_tsrequest r;
  /* Windows-style signed 4-octet INTEGER */
  static const uint8_t win[] = {0x30, 0x0d, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa4,
                                0x06, 0x02, 0x04, 0xc0, 0x00, 0x00, 0x6d};
  /* FreeRDP-style positive 5-octet INTEGER */
  static const uint8_t frdp[] = {0x30, 0x0e, 0xa0, 0x03, 0x02, 0x01,
                                 0x06, 0xa4, 0x07, 0x02, 0x05, 0x00,
                                 0xc0, 0x00, 0x00, 0x6d};
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, win, sizeof win), 0);
  CHECK(r.present == RDPNEG_TSREQ_ERROR_CODE && r.error_code == 0xC000006Du);
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, frdp, sizeof frdp), 0);
  CHECK(r.present == RDPNEG_TSREQ_ERROR_CODE && r.error_code == 0xC000006Du);
  uint8_t *out;
  size_t ol;
  CHECK_EQ_INT(rdpneg_tsrequest_write(&r, &out, &ol), 0);
  CHECK(ol == sizeof win && memcmp(out, win, ol) == 0);
  free(out);
  /* 6 octets, or a bad sign octet: malformed */
  static const uint8_t big[] = {0x30, 0x0f, 0xa0, 0x03, 0x02, 0x01,
                                0x06, 0xa4, 0x08, 0x02, 0x06, 0x00,
                                0x00, 0xc0, 0x00, 0x00, 0x6d};
  static const uint8_t sign[] = {0x30, 0x0e, 0xa0, 0x03, 0x02, 0x01,
                                 0x06, 0xa4, 0x07, 0x02, 0x05, 0x01,
                                 0xc0, 0x00, 0x00, 0x6d};
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, big, sizeof big),
               RDPNEG_ERR_TSREQUEST_MALFORMED);
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, sign, sizeof sign),
               RDPNEG_ERR_TSREQUEST_MALFORMED);
}

TAP_TEST(structure_rules) {
  rdpneg_tsrequest r;
  /* no version */
  static const uint8_t nover[] = {0x30, 0x04, 0xa3, 0x02, 0x04, 0x00};
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, nover, sizeof nover),
               RDPNEG_ERR_TSREQUEST_MALFORMED);
  /* fields out of order */
  static const uint8_t order[] = {0x30, 0x09, 0xa3, 0x02, 0x04, 0x00,
                                  0xa0, 0x03, 0x02, 0x01, 0x06};
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, order, sizeof order),
               RDPNEG_ERR_TSREQUEST_MALFORMED);
  /* trailing garbage after the SEQUENCE */
  static const uint8_t trail[] = {0x30, 0x05, 0xa0, 0x03,
                                  0x02, 0x01, 0x06, 0x00};
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, trail, sizeof trail),
               RDPNEG_ERR_TSREQUEST_MALFORMED);
  /* negative version */
  static const uint8_t neg[] = {0x30, 0x05, 0xa0, 0x03, 0x02, 0x01, 0xff};
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, neg, sizeof neg),
               RDPNEG_ERR_TSREQUEST_MALFORMED);
  /* a future field [7] is skipped */
  static const uint8_t fut[] = {0x30, 0x0a, 0xa0, 0x03, 0x02, 0x01,
                                0x07, 0xa7, 0x03, 0x02, 0x01, 0x01};
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, fut, sizeof fut), 0);
  CHECK(r.version == 7 && r.present == 0);
  /* two NegoData items: the first is exposed, both counted */
  static const uint8_t two[] = {0x30, 0x17, 0xa0, 0x03, 0x02, 0x01, 0x06,
                                0xa1, 0x10, 0x30, 0x0e, 0x30, 0x05, 0xa0,
                                0x03, 0x04, 0x01, 0x41, 0x30, 0x05, 0xa0,
                                0x03, 0x04, 0x01, 0x42};
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, two, sizeof two), 0);
  CHECK(r.nego_token_count == 2 && r.nego_token_len == 1 &&
        r.nego_token[0] == 0x41);
}

static uint32_t prng_state = 0xdeadbeefu;
static uint32_t prng(void) {
  prng_state ^= prng_state << 13;
  prng_state ^= prng_state >> 17;
  prng_state ^= prng_state << 5;
  return prng_state;
}

TAP_TEST(truncated_and_mutated_tsrequests) {
  msgs m;
  if (!load_all(&m)) {
    free_all(&m);
    TAP_SKIP("captures not available");
  }
  for (int i = 0; i < 5; i++) {
    rdpneg_tsrequest r;
    for (size_t k = 0; k < m.l[i]; k++) {
      uint8_t *cut = malloc(k ? k : 1);
      memcpy(cut, m.b[i], k);
      if (rdpneg_tsrequest_parse(&r, cut, k) !=
          RDPNEG_ERR_TSREQUEST_MALFORMED) {
        printf("# msg %d truncated to %zu parsed\n", i, k);
        CHECK(0);
      }
      free(cut);
    }
    uint8_t *copy = malloc(m.l[i]);
    for (int round = 0; round < 5000; round++) {
      memcpy(copy, m.b[i], m.l[i]);
      int flips = 1 + (int)(prng() % 3);
      for (int f = 0; f < flips; f++) {
        size_t at = prng() % m.l[i];
        if (prng() % 2)
          at = prng() % (m.l[i] < 40 ? m.l[i] : 40); /* the DER headers */
        copy[at] = (uint8_t)prng();
      }
      size_t cut = prng() % 4 ? m.l[i] : prng() % (m.l[i] + 1);
      long fl = rdpneg_tsrequest_frame_len(copy, cut);
      if (rdpneg_tsrequest_parse(&r, copy, cut) == 0 && r.nego_token) {
        rdpneg_ntlm_challenge c; /* and whatever NTLM is inside */
        if (rdpneg_ntlm_parse_challenge(&c, r.nego_token, r.nego_token_len) ==
            0)
          rdpneg_ntlm_challenge_free(&c);
      }
      (void)fl;
    }
    free(copy);
  }
  free_all(&m);
}

/* ---- SPNEGO ---------------------------------------------------------- */

TAP_TEST(spnego_init_roundtrip) {
  uint8_t neg[RDPNEG_NTLM_NEGOTIATE_LEN];
  rdpneg_ntlm_write_negotiate(neg, RDPNEG_NTLM_CLIENT_FLAGS);
  uint8_t *tok;
  size_t tl;
  CHECK_EQ_INT(rdpneg_spnego_write_init(neg, sizeof neg, &tok, &tl), 0);
  /* the same framing as a Windows 10 client (scapy tok1) */
  static const uint8_t head[] = {
      0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e,
      0x30, 0x3c, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
      0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa2, 0x2a, 0x04, 0x28};
  CHECK_EQ_INT(tl, sizeof head + sizeof neg);
  CHECK(memcmp(tok, head, sizeof head) == 0);
  CHECK(memcmp(tok + sizeof head, neg, sizeof neg) == 0);
  rdpneg_spnego_init t;
  CHECK_EQ_INT(rdpneg_spnego_parse_init(&t, tok, tl), 0);
  CHECK(t.has_ntlm && t.mech_count == 1);
  CHECK(t.mech_token_len == sizeof neg &&
        memcmp(t.mech_token, neg, sizeof neg) == 0);
  for (size_t k = 0; k < tl; k++)
    CHECK_EQ_INT(rdpneg_spnego_parse_init(&t, tok, k),
                 RDPNEG_ERR_SPNEGO_MALFORMED);
  free(tok);
}

TAP_TEST(spnego_resp_roundtrip) {
  uint8_t body[200], mic[16];
  memset(body, 0x4e, sizeof body);
  memset(mic, 0x11, sizeof mic);
  for (int mask = 0; mask < 16; mask++) {
    rdpneg_spnego_resp in = {0}, out;
    in.neg_state = (mask & 1) ? (mask >> 1) % 4 : -1;
    if (mask & 2) {
      in.supported_mech = (const uint8_t *)RDPNEG_SPNEGO_OID_NTLM;
      in.supported_mech_len = RDPNEG_SPNEGO_OID_NTLM_LEN;
    }
    if (mask & 4) {
      in.response_token = body;
      in.response_token_len = sizeof body;
    }
    if (mask & 8) {
      in.mech_list_mic = mic;
      in.mech_list_mic_len = sizeof mic;
    }
    uint8_t *tok;
    size_t tl;
    CHECK_EQ_INT(rdpneg_spnego_write_resp(&in, &tok, &tl), 0);
    CHECK_EQ_INT(rdpneg_spnego_parse_resp(&out, tok, tl), 0);
    CHECK_EQ_INT(out.neg_state, in.neg_state);
    CHECK((out.supported_mech != NULL) == !!(mask & 2));
    CHECK(out.response_token_len == in.response_token_len);
    CHECK(out.mech_list_mic_len == in.mech_list_mic_len);
    for (size_t k = 0; k < tl; k++)
      CHECK_EQ_INT(rdpneg_spnego_parse_resp(&out, tok, k),
                   RDPNEG_ERR_SPNEGO_MALFORMED);
    free(tok);
  }
}

TAP_TEST(spnego_captured_truncations) {
  static const char *const names[5] = {
      "scapy/ntlm_uts_tok0_spnego_negTokenInit_server_hint.bin",
      "scapy/ntlm_uts_tok1_spnego_ntlm_negotiate_client.bin",
      "scapy/ntlm_uts_tok2_spnego_ntlm_challenge_server.bin",
      "scapy/ntlm_uts_tok3_spnego_ntlm_authenticate_client.bin",
      "scapy/ntlm_uts_tok4_spnego_accept_completed_mechlistmic_server.bin"};
  int seen = 0;
  for (int i = 0; i < 5; i++) {
    size_t l;
    unsigned char *b = load(names[i], &l);
    if (!b)
      continue;
    seen++;
    int init = i < 2;
    rdpneg_spnego_init t;
    rdpneg_spnego_resp r;
    CHECK_EQ_INT(init ? rdpneg_spnego_parse_init(&t, b, l)
                      : rdpneg_spnego_parse_resp(&r, b, l),
                 0);
    for (size_t k = 0; k < l; k++) {
      uint8_t *cut = malloc(k ? k : 1);
      memcpy(cut, b, k);
      int rc = init ? rdpneg_spnego_parse_init(&t, cut, k)
                    : rdpneg_spnego_parse_resp(&r, cut, k);
      if (rc != RDPNEG_ERR_SPNEGO_MALFORMED) {
        printf("# token %d truncated to %zu parsed\n", i, k);
        CHECK(0);
      }
      free(cut);
    }
    uint8_t *copy = malloc(l);
    for (int round = 0; round < 3000; round++) {
      memcpy(copy, b, l);
      copy[prng() % l] = (uint8_t)prng();
      if (prng() % 2)
        copy[prng() % (l < 20 ? l : 20)] = (uint8_t)prng();
      if (init)
        rdpneg_spnego_parse_init(&t, copy, l);
      else
        rdpneg_spnego_parse_resp(&r, copy, l);
    }
    free(copy);
    free(b);
  }
  if (!seen)
    TAP_SKIP("captures not available");
}

int main(void) {
  TAP_RUN(redemption_exchange_decodes);
  TAP_RUN(redemption_reencodes_identically);
  TAP_RUN(frame_len);
  TAP_RUN(roundtrip_all_fields_and_versions);
  TAP_RUN(error_code_encodings);
  TAP_RUN(structure_rules);
  TAP_RUN(truncated_and_mutated_tsrequests);
  TAP_RUN(spnego_init_roundtrip);
  TAP_RUN(spnego_resp_roundtrip);
  TAP_RUN(spnego_captured_truncations);
  return tap_done();
}
