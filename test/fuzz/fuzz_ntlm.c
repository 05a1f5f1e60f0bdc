/* SPDX-License-Identifier: Apache-2.0 */
/* NTLM (MS-NLMP) messages: NEGOTIATE, CHALLENGE and AUTHENTICATE parsing of
 * arbitrary bytes, UTF-16 conversion, and the client's answer to a fuzzed
 * CHALLENGE: the AUTHENTICATE we build must parse, carry our names, and a
 * server holding the same password must derive the same session key (the
 * sealed message then unseals). Byte 0 selects the parser; the rest is the
 * message. */
#include "fuzz.h"

#include "base/timefmt.h"
#include "proto/ntlm.h"

#include <rdpneg/rdpneg.h>

#include <string.h>

static const uint8_t negotiate[RDPNEG_NTLM_NEGOTIATE_LEN] = {
    'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0x35, 0x82, 0x88, 0xe2};

static void check_str(const char *s) {
  if (s)
    FUZZ_ASSERT(strlen(s) < (1u << 20));
}

/* The client's answer, checked the way a server would. */
static void answer(const rdpneg_ntlm_challenge *c, const uint8_t *msg,
                   size_t len) {
  uint8_t key[16], cc[8], rsk[16];
  FUZZ_ASSERT(rdpneg_ntlm_ntowfv2(key, "Passw0rd!", "alice", "LAB") == 0);
  for (int i = 0; i < 16; i++)
    rsk[i] = (uint8_t)(0x40 + i);
  memset(cc, 0x11, sizeof cc);
  rdpneg_ntlm_auth_in in;
  memset(&in, 0, sizeof in);
  in.challenge = c;
  in.challenge_msg = msg;
  in.challenge_len = len;
  in.negotiate_msg = negotiate;
  in.negotiate_len = sizeof negotiate;
  in.client_flags = RDPNEG_NTLM_CLIENT_FLAGS;
  in.response_key_nt = key;
  in.user = "alice";
  in.domain = "LAB";
  in.workstation = "PROBE";
  in.target_spn = "TERMSRV/server.example";
  in.client_challenge = cc;
  in.random_session_key = rsk;
  in.now_filetime = RDPNEG_NTLM_FILETIME_UNIX_EPOCH + 17000000000000000ull;
  rdpneg_ntlm_auth_out out;
  int rc = rdpneg_ntlm_build_authenticate(&out, &in);
  if (rc) {
    FUZZ_ASSERT(rc == RDPNEG_ERR_UNSUPPORTED ||
                rc == RDPNEG_ERR_INVALID_ARGUMENT || rc == RDPNEG_ERR_NOMEM);
    return;
  }
  rdpneg_ntlm_authenticate a;
  FUZZ_ASSERT(rdpneg_ntlm_parse_authenticate(&a, out.msg, out.len) == 0);
  FUZZ_ASSERT(a.user_len == 10 && memcmp(a.user, "a\0l\0i\0c\0e\0", 10) == 0);
  FUZZ_ASSERT(a.has_mic == out.mic_present);
  FUZZ_ASSERT(a.nt_response_len >= 16);

  /* the server's side: NTProofStr, session key, sealing */
  uint8_t proof[16], sbk[16], exported[16];
  FUZZ_ASSERT(rdpneg_ntlm_ntproof(proof, key, c->server_challenge,
                                  a.nt_response + 16,
                                  a.nt_response_len - 16) == 0);
  FUZZ_ASSERT(memcmp(proof, a.nt_response, 16) == 0);
  FUZZ_ASSERT(rdpneg_ntlm_session_base_key(sbk, key, proof) == 0);
  if (out.flags & RDPNEG_NTLM_NEGOTIATE_KEY_EXCH) {
    FUZZ_ASSERT(a.enc_session_key_len == 16);
    FUZZ_ASSERT(rdpneg_ntlm_rc4k(sbk, a.enc_session_key, 16, exported) == 0);
  } else {
    memcpy(exported, sbk, 16);
  }
  FUZZ_ASSERT(memcmp(exported, out.exported_session_key, 16) == 0);
  rdpneg_ntlm_sec cli, srv;
  FUZZ_ASSERT(
      rdpneg_ntlm_sec_init(&cli, out.exported_session_key, out.flags, 0) == 0);
  FUZZ_ASSERT(rdpneg_ntlm_sec_init(&srv, exported, out.flags, 1) == 0);
  uint8_t sealed[16 + 24], plain[24];
  int valid = 0;
  FUZZ_ASSERT(rdpneg_ntlm_sec_seal(&cli, msg, len < 24 ? len : 24, sealed) ==
              0);
  FUZZ_ASSERT(rdpneg_ntlm_sec_unseal(&srv, sealed, 16 + (len < 24 ? len : 24),
                                     plain, &valid) == 0);
  FUZZ_ASSERT(valid);
  FUZZ_ASSERT(len == 0 || memcmp(plain, msg, len < 24 ? len : 24) == 0);
  rdpneg_ntlm_sec_free(&cli);
  rdpneg_ntlm_sec_free(&srv);
  rdpneg_ntlm_auth_out_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  uint8_t sel = data[0];
  const uint8_t *msg = data + 1;
  size_t len = size - 1;
  switch (sel % 4) {
  case 0: {
    rdpneg_ntlm_negotiate n;
    (void)rdpneg_ntlm_parse_negotiate(&n, msg, len);
    break;
  }
  case 1: {
    rdpneg_ntlm_challenge c;
    if (rdpneg_ntlm_parse_challenge(&c, msg, len) != 0)
      break;
    check_str(c.target_name);
    check_str(c.nb_computer);
    check_str(c.nb_domain);
    check_str(c.dns_computer);
    check_str(c.dns_domain);
    check_str(c.dns_tree);
    check_str(c.av_target);
    if (c.target_info)
      FUZZ_ASSERT(c.target_info >= msg &&
                  c.target_info + c.target_info_len <= msg + len);
    if (c.has_timestamp) {
      char t[32];
      rdpneg_unix_to_iso(rdpneg_ntlm_filetime_to_unix(c.timestamp), t,
                         sizeof t);
      FUZZ_ASSERT(strlen(t) < sizeof t);
    }
    for (int b = 0; b < 32; b++)
      if (c.flags & (1u << b))
        FUZZ_ASSERT(rdpneg_ntlm_flag_name(1u << b) != NULL);
    if (sel & 4)
      answer(&c, msg, len);
    rdpneg_ntlm_challenge_free(&c);
    break;
  }
  case 2: {
    rdpneg_ntlm_authenticate a;
    if (rdpneg_ntlm_parse_authenticate(&a, msg, len) == 0 && a.has_mic)
      FUZZ_ASSERT(a.mic == msg + RDPNEG_NTLM_MIC_OFFSET);
    break;
  }
  case 3: {
    char *s = rdpneg_ntlm_utf16_to_utf8(msg, len);
    FUZZ_ASSERT(s != NULL);
    uint8_t *back = NULL;
    size_t backlen = 0;
    /* the UTF-8 we produce is valid UTF-8 without NUL */
    FUZZ_ASSERT(rdpneg_ntlm_utf8_to_utf16(s, sel & 4, &back, &backlen) == 0);
    FUZZ_ASSERT(strlen(s) == 0 || backlen >= 2);
    free(back);
    free(s);
    break;
  }
  }
  return 0;
}
