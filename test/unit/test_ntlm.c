/* SPDX-License-Identifier: Apache-2.0 */
/* NTLM (MS-NLMP) unit tests: the MS-NLMP 4.2.4 NTLMv2 vectors, real
 * messages from Windows, FreeRDP and scapy captures, the AUTHENTICATE
 * builder checked the way a server checks it, and truncation/mutation of
 * every captured message. */
#include "tap.h"

#include "base/timefmt.h"
#include "proto/ntlm.h"
#include "proto/spnego.h"

#include <rdpneg/rdpneg.h>

#include <stdlib.h>
#include <string.h>

static size_t unhex(uint8_t *out, size_t cap, const char *hex) {
  size_t n = 0;
  while (*hex && n < cap) {
    while (*hex == ' ' || *hex == '\n')
      hex++;
    if (!*hex)
      break;
    unsigned v;
    sscanf(hex, "%2x", &v);
    out[n++] = (uint8_t)v;
    hex += 2;
  }
  return n;
}

#define CHECK_HEX(buf, hexstr)                                                 \
  do {                                                                         \
    uint8_t exp_[512];                                                         \
    size_t n_ = unhex(exp_, sizeof exp_, hexstr);                              \
    CHECK(memcmp((buf), exp_, n_) == 0);                                       \
  } while (0)

static unsigned char *load(const char *rel, size_t *len) {
  const char *dir = tap_captures_dir();
  if (!dir)
    return NULL;
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  return tap_read_file(path, len);
}

/* ---- MS-NLMP 4.2.1 common values ------------------------------------- */
static const uint8_t server_chal[8] = {0x01, 0x23, 0x45, 0x67,
                                       0x89, 0xab, 0xcd, 0xef};
static const uint8_t client_chal[8] = {0xaa, 0xaa, 0xaa, 0xaa,
                                       0xaa, 0xaa, 0xaa, 0xaa};
static const uint8_t random_session_key[16] = {
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};

/* MS-NLMP 4.2.4.3: CHALLENGE_MESSAGE of the NTLMv2 example (flags
 * 0xe28a8233, target "Server", AV pairs NbDomain "Domain", NbComputer
 * "Server", VERSION 6.0.6000). */
static const uint8_t spec_challenge[] = {
    0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x0c, 0x00, 0x0c, 0x00, 0x38, 0x00, 0x00, 0x00, 0x33, 0x82, 0x8a, 0xe2,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x24, 0x00, 0x44, 0x00, 0x00, 0x00,
    0x06, 0x00, 0x70, 0x17, 0x00, 0x00, 0x00, 0x0f, 0x53, 0x00, 0x65, 0x00,
    0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x02, 0x00, 0x0c, 0x00,
    0x44, 0x00, 0x6f, 0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00,
    0x01, 0x00, 0x0c, 0x00, 0x53, 0x00, 0x65, 0x00, 0x72, 0x00, 0x76, 0x00,
    0x65, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00};

/* MS-NLMP 4.2.4.3: AUTHENTICATE_MESSAGE of the NTLMv2 example. */
static const uint8_t spec_authenticate[] = {
    0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x03, 0x00, 0x00, 0x00,
    0x18, 0x00, 0x18, 0x00, 0x6c, 0x00, 0x00, 0x00, 0x54, 0x00, 0x54, 0x00,
    0x84, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c, 0x00, 0x48, 0x00, 0x00, 0x00,
    0x08, 0x00, 0x08, 0x00, 0x54, 0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00,
    0x5c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0xd8, 0x00, 0x00, 0x00,
    0x35, 0x82, 0x88, 0xe2, 0x05, 0x01, 0x28, 0x0a, 0x00, 0x00, 0x00, 0x0f,
    0x44, 0x00, 0x6f, 0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00,
    0x55, 0x00, 0x73, 0x00, 0x65, 0x00, 0x72, 0x00, 0x43, 0x00, 0x4f, 0x00,
    0x4d, 0x00, 0x50, 0x00, 0x55, 0x00, 0x54, 0x00, 0x45, 0x00, 0x52, 0x00,
    0x86, 0xc3, 0x50, 0x97, 0xac, 0x9c, 0xec, 0x10, 0x25, 0x54, 0x76, 0x4a,
    0x57, 0xcc, 0xcc, 0x19, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0x68, 0xcd, 0x0a, 0xb8, 0x51, 0xe5, 0x1c, 0x96, 0xaa, 0xbc, 0x92, 0x7b,
    0xeb, 0xef, 0x6a, 0x1c, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x0c, 0x00,
    0x44, 0x00, 0x6f, 0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00,
    0x01, 0x00, 0x0c, 0x00, 0x53, 0x00, 0x65, 0x00, 0x72, 0x00, 0x76, 0x00,
    0x65, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xc5, 0xda, 0xd2, 0x54, 0x4f, 0xc9, 0x79, 0x90, 0x94, 0xce, 0x1c, 0xe9,
    0x0b, 0xc9, 0xd0, 0x3e};

/* MS-NLMP 4.2.4.1.1 */
TAP_TEST(spec_ntowfv2) {
  uint8_t k[16];
  CHECK_EQ_INT(rdpneg_ntlm_ntowfv2(k, "Password", "User", "Domain"), 0);
  CHECK_HEX(k, "0c868a403bfd7a93a3001ef22ef02e3f");
  /* Uppercase(User): the user name's case does not matter, the domain's
   * does */
  uint8_t k2[16];
  CHECK_EQ_INT(rdpneg_ntlm_ntowfv2(k2, "Password", "uSeR", "Domain"), 0);
  CHECK(memcmp(k, k2, 16) == 0);
  CHECK_EQ_INT(rdpneg_ntlm_ntowfv2(k2, "Password", "User", "DOMAIN"), 0);
  CHECK(memcmp(k, k2, 16) != 0);
  CHECK_EQ_INT(rdpneg_ntlm_ntowfv2(k2, "Pass\xff", "User", "Domain"),
               RDPNEG_ERR_INVALID_ARGUMENT);
}

/* MS-NLMP 4.2.4.2.1 */
TAP_TEST(spec_lmv2_response) {
  uint8_t k[16], lm[24];
  rdpneg_ntlm_ntowfv2(k, "Password", "User", "Domain");
  CHECK_EQ_INT(rdpneg_ntlm_lmv2_response(lm, k, server_chal, client_chal), 0);
  CHECK_HEX(lm, "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
}

/* MS-NLMP 4.2.4.1.3 (temp), 4.2.4.2.2 (NTProofStr), 4.2.4.1.2 (session base
 * key), 4.2.4.2.3 (encrypted session key) */
TAP_TEST(spec_ntlmv2_response_and_keys) {
  rdpneg_ntlm_challenge c;
  CHECK_EQ_INT(
      rdpneg_ntlm_parse_challenge(&c, spec_challenge, sizeof spec_challenge),
      0);
  uint8_t k[16], proof[16], sbk[16], enc[16];
  uint8_t *temp;
  size_t templ;
  rdpneg_ntlm_ntowfv2(k, "Password", "User", "Domain");
  CHECK_EQ_INT(rdpneg_ntlm_make_temp(&temp, &templ, 0, client_chal,
                                     c.target_info, c.target_info_len),
               0);
  CHECK_EQ_INT(templ, 68);
  CHECK_HEX(temp, "01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000"
                  "02000c0044006f006d00610069006e0001000c005300650072007600"
                  "650072000000000000000000");
  CHECK(memcmp(temp, "\x01\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0);
  CHECK_EQ_INT(rdpneg_ntlm_ntproof(proof, k, server_chal, temp, templ), 0);
  CHECK_HEX(proof, "68cd0ab851e51c96aabc927bebef6a1c");
  CHECK_EQ_INT(rdpneg_ntlm_session_base_key(sbk, k, proof), 0);
  CHECK_HEX(sbk, "8de40ccadbc14a82f15cb0ad0de95ca3");
  CHECK_EQ_INT(rdpneg_ntlm_rc4k(sbk, random_session_key, 16, enc), 0);
  CHECK_HEX(enc, "c5dad2544fc9799094ce1ce90bc9d03e");
  uint8_t back[16];
  rdpneg_ntlm_rc4k(sbk, enc, 16, back);
  CHECK(memcmp(back, random_session_key, 16) == 0);
  free(temp);
  rdpneg_ntlm_challenge_free(&c);
}

/* MS-NLMP 4.2.4.3: the example CHALLENGE decodes */
TAP_TEST(spec_challenge_parse) {
  rdpneg_ntlm_challenge c;
  CHECK_EQ_INT(
      rdpneg_ntlm_parse_challenge(&c, spec_challenge, sizeof spec_challenge),
      0);
  CHECK_EQ_INT(c.flags, 0xe28a8233u);
  CHECK(memcmp(c.server_challenge, server_chal, 8) == 0);
  CHECK_EQ_STR(c.target_name, "Server");
  CHECK_EQ_STR(c.nb_domain, "Domain");
  CHECK_EQ_STR(c.nb_computer, "Server");
  CHECK(c.dns_domain == NULL && c.dns_computer == NULL && c.dns_tree == NULL);
  CHECK(!c.has_timestamp && !c.has_av_flags && c.has_eol);
  CHECK(c.version.present);
  CHECK_EQ_INT(c.version.major, 6);
  CHECK_EQ_INT(c.version.minor, 0);
  CHECK_EQ_INT(c.version.build, 6000);
  CHECK_EQ_INT(c.version.revision, 15);
  CHECK_EQ_INT(c.target_info_len, 36);
  rdpneg_ntlm_challenge_free(&c);
}

/* MS-NLMP 4.2.4.3: the example AUTHENTICATE decodes, and a server-side
 * recomputation of its NTProofStr and session key matches */
TAP_TEST(spec_authenticate_parse) {
  rdpneg_ntlm_authenticate a;
  CHECK_EQ_INT(rdpneg_ntlm_parse_authenticate(&a, spec_authenticate,
                                              sizeof spec_authenticate),
               0);
  CHECK_EQ_INT(a.flags, 0xe2888235u);
  CHECK(a.version.present && a.version.major == 5 && a.version.minor == 1 &&
        a.version.build == 2600);
  CHECK(!a.has_mic); /* payload starts at 72 */
  char *d = rdpneg_ntlm_utf16_to_utf8(a.domain, a.domain_len);
  char *u = rdpneg_ntlm_utf16_to_utf8(a.user, a.user_len);
  char *w = rdpneg_ntlm_utf16_to_utf8(a.workstation, a.workstation_len);
  CHECK_EQ_STR(d, "Domain");
  CHECK_EQ_STR(u, "User");
  CHECK_EQ_STR(w, "COMPUTER");
  CHECK_EQ_INT(a.lm_response_len, 24);
  CHECK_HEX(a.lm_response, "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
  CHECK_EQ_INT(a.enc_session_key_len, 16);
  CHECK_HEX(a.enc_session_key, "c5dad2544fc9799094ce1ce90bc9d03e");
  CHECK_EQ_INT(a.nt_response_len, 84);
  uint8_t k[16], proof[16], sbk[16], key[16];
  rdpneg_ntlm_ntowfv2(k, "Password", u, d);
  rdpneg_ntlm_ntproof(proof, k, server_chal, a.nt_response + 16,
                      a.nt_response_len - 16);
  CHECK(memcmp(proof, a.nt_response, 16) == 0);
  rdpneg_ntlm_session_base_key(sbk, k, proof);
  rdpneg_ntlm_rc4k(sbk, a.enc_session_key, 16, key);
  CHECK(memcmp(key, random_session_key, 16) == 0);
  free(d);
  free(u);
  free(w);
}

/* MS-NLMP 4.2.4.4 GSS_WrapEx: SEALKEY, SIGNKEY, sealed data, signature */
TAP_TEST(spec_gss_wrapex) {
  const uint32_t flags = 0xe28a8233u; /* 4.2.4 */
  uint8_t seal[16], sign[16];
  CHECK_EQ_INT(rdpneg_ntlm_sealkey(seal, random_session_key, flags, 0), 0);
  CHECK_HEX(seal, "59f600973cc4960a25480a7c196e4c58");
  CHECK_EQ_INT(rdpneg_ntlm_signkey(sign, random_session_key, 0), 0);
  CHECK_HEX(sign, "4788dc861b4782f35d43fd98fe1a2d39");

  static const uint8_t plaintext[18] = {'P', 0, 'l', 0, 'a', 0, 'i', 0, 'n', 0,
                                        't', 0, 'e', 0, 'x', 0, 't', 0};
  rdpneg_ntlm_sec cli, srv;
  CHECK_EQ_INT(rdpneg_ntlm_sec_init(&cli, random_session_key, flags, 0), 0);
  uint8_t out[16 + 18];
  CHECK_EQ_INT(rdpneg_ntlm_sec_seal(&cli, plaintext, 18, out), 0);
  CHECK_HEX(out, "010000007fb38ec5c55d497600000000");
  CHECK_HEX(out + 16, "54e50165bf1936dc996020c1811b0f06fb5f");
  CHECK_EQ_INT(cli.send_seq, 1);

  /* the server side undoes it and checks the signature */
  CHECK_EQ_INT(rdpneg_ntlm_sec_init(&srv, random_session_key, flags, 1), 0);
  uint8_t back[18];
  int valid = 0;
  CHECK_EQ_INT(rdpneg_ntlm_sec_unseal(&srv, out, sizeof out, back, &valid), 0);
  CHECK(valid);
  CHECK(memcmp(back, plaintext, 18) == 0);
  /* a replay (sequence number 0 again) does not verify */
  rdpneg_ntlm_sec_reset(&srv, 0);
  out[20] ^= 1;
  CHECK_EQ_INT(rdpneg_ntlm_sec_unseal(&srv, out, sizeof out, back, &valid), 0);
  CHECK(!valid);
  rdpneg_ntlm_sec_free(&cli);
  rdpneg_ntlm_sec_free(&srv);
}

TAP_TEST(negotiate_writer) {
  uint8_t m[RDPNEG_NTLM_NEGOTIATE_LEN];
  CHECK_EQ_INT(rdpneg_ntlm_write_negotiate(m, RDPNEG_NTLM_CLIENT_FLAGS), 40);
  CHECK_EQ_INT(RDPNEG_NTLM_CLIENT_FLAGS, 0xe2888235u);
  CHECK_HEX(m, "4e544c4d5353500001000000358288e2"
               "00000000000000000000000000000000"
               "0a0061 4a0000000f");
  rdpneg_ntlm_negotiate n;
  CHECK_EQ_INT(rdpneg_ntlm_parse_negotiate(&n, m, sizeof m), 0);
  CHECK_EQ_INT(n.flags, 0xe2888235u);
  CHECK(n.version.present && n.version.major == 10 && n.version.build == 19041);
}

/* FreeRDP TestSspiNTLM.c arrays (Windows 8.1 / 2012 R2 CHALLENGE). */
TAP_TEST(freerdp_messages) {
  size_t nl, cl, al;
  unsigned char *neg = load("freerdp/TestSspiNTLM_ntlm_negotiate.bin", &nl);
  unsigned char *chal =
      load("freerdp/TestSspiNTLM_ntlm_challenge_win81_2012r2.bin", &cl);
  unsigned char *auth = load("freerdp/TestSspiNTLM_ntlm_authenticate.bin", &al);
  if (!neg || !chal || !auth) {
    free(neg);
    free(chal);
    free(auth);
    TAP_SKIP("captures not available");
  }
  rdpneg_ntlm_negotiate n;
  CHECK_EQ_INT(rdpneg_ntlm_parse_negotiate(&n, neg, nl), 0);
  CHECK_EQ_INT(n.flags, 0xa2088207u);
  CHECK(n.version.present && n.version.major == 6 && n.version.minor == 3 &&
        n.version.build == 9600);

  rdpneg_ntlm_challenge c;
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c, chal, cl), 0);
  CHECK_EQ_INT(c.flags, 0xa2888207u);
  CHECK_HEX(c.server_challenge, "a4f1baa67cdc1a12");
  CHECK(c.target_name == NULL); /* TargetNameLen 0 */
  CHECK_EQ_STR(c.nb_domain, "NEWYEAR");
  CHECK_EQ_STR(c.nb_computer, "NEWYEAR");
  CHECK_EQ_STR(c.dns_domain, "lab.wayk.local");
  CHECK_EQ_STR(c.dns_computer, "newyear");
  CHECK(c.dns_tree == NULL);
  CHECK(c.has_timestamp);
  CHECK(c.timestamp == 0x01cf8b07b1bd5733ull);
  CHECK_EQ_INT(rdpneg_ntlm_filetime_to_unix(c.timestamp), 1403104338);
  char t[32];
  rdpneg_unix_to_iso(rdpneg_ntlm_filetime_to_unix(c.timestamp), t, sizeof t);
  CHECK_EQ_STR(t, "2014-06-18T15:12:18Z");
  CHECK(c.version.present && c.version.major == 6 && c.version.minor == 3 &&
        c.version.build == 9600);

  rdpneg_ntlm_authenticate a;
  CHECK_EQ_INT(rdpneg_ntlm_parse_authenticate(&a, auth, al), 0);
  CHECK_EQ_INT(a.flags, 0xa2888205u);
  char *d = rdpneg_ntlm_utf16_to_utf8(a.domain, a.domain_len);
  char *u = rdpneg_ntlm_utf16_to_utf8(a.user, a.user_len);
  char *w = rdpneg_ntlm_utf16_to_utf8(a.workstation, a.workstation_len);
  CHECK_EQ_STR(d, "Domain");
  CHECK_EQ_STR(u, "Username");
  CHECK_EQ_STR(w, "NEWYEAR");
  CHECK(a.has_mic);
  CHECK_HEX(a.mic, "12e55af580ee3f29e1de904d73770625");
  CHECK_EQ_INT(a.enc_session_key_len, 0);
  CHECK_EQ_INT(a.nt_response_len, 0x108);
  /* The NTLMv2 client challenge's AV list carries MsvAvFlags = MIC and
   * MsvAvTargetName "HTTP/rw.local": parse it with the CHALLENGE parser's
   * AV walker by wrapping it in a synthetic CHALLENGE header. */
  const uint8_t *av = a.nt_response + 16 + 28;
  size_t avl = a.nt_response_len - 16 - 28 - 4;
  uint8_t fake[48 + 512];
  memset(fake, 0, 48);
  memcpy(fake, "NTLMSSP\0\2\0\0\0", 12);
  fake[40] = (uint8_t)avl;
  fake[42] = (uint8_t)avl;
  fake[44] = 48;
  memcpy(fake + 48, av, avl);
  rdpneg_ntlm_challenge c2;
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c2, fake, 48 + avl), 0);
  CHECK(c2.has_av_flags && c2.av_flags == RDPNEG_NTLM_AV_FLAG_MIC_PROVIDED);
  CHECK_EQ_STR(c2.av_target, "HTTP/rw.local");
  CHECK(c2.has_eol);
  rdpneg_ntlm_challenge_free(&c2);
  free(d);
  free(u);
  free(w);
  rdpneg_ntlm_challenge_free(&c);
  free(neg);
  free(chal);
  free(auth);
}

/* scapy ntlm.uts "Real exchange": SPNEGO-wrapped NTLM between a Windows 10
 * client and Server 2019; the test there names the password (User1,
 * "Password1!"), so the whole key schedule can be checked against Windows'
 * own bytes: NTProofStr, session key, MIC and both mechListMICs. */
typedef struct {
  unsigned char *b[5];
  size_t l[5];
} scapy_toks;

static int load_scapy(scapy_toks *t) {
  static const char *names[5] = {
      "scapy/ntlm_uts_tok0_spnego_negTokenInit_server_hint.bin",
      "scapy/ntlm_uts_tok1_spnego_ntlm_negotiate_client.bin",
      "scapy/ntlm_uts_tok2_spnego_ntlm_challenge_server.bin",
      "scapy/ntlm_uts_tok3_spnego_ntlm_authenticate_client.bin",
      "scapy/ntlm_uts_tok4_spnego_accept_completed_mechlistmic_server.bin"};
  int ok = 1;
  for (int i = 0; i < 5; i++) {
    t->b[i] = load(names[i], &t->l[i]);
    ok &= t->b[i] != NULL;
  }
  return ok;
}

static void free_scapy(scapy_toks *t) {
  for (int i = 0; i < 5; i++)
    free(t->b[i]);
}

TAP_TEST(scapy_spnego_tokens) {
  scapy_toks t;
  if (!load_scapy(&t)) {
    free_scapy(&t);
    TAP_SKIP("captures not available");
  }
  rdpneg_spnego_init hint, init;
  CHECK_EQ_INT(rdpneg_spnego_parse_init(&hint, t.b[0], t.l[0]), 0);
  CHECK_EQ_INT(hint.mech_count, 5); /* NEGOEX, MS-KRB5, KRB5, U2U, NTLM */
  CHECK(hint.has_ntlm);
  CHECK(hint.mech_token == NULL);
  CHECK(hint.hint_name_len == 36 &&
        memcmp(hint.hint_name, "not_defined_in_RFC4178@please_ignore", 36) ==
            0);
  CHECK_EQ_INT(rdpneg_spnego_parse_init(&init, t.b[1], t.l[1]), 0);
  CHECK_EQ_INT(init.mech_count, 1);
  CHECK(rdpneg_spnego_is_ntlm(init.first_mech, init.first_mech_len));
  size_t ml;
  const uint8_t *mt = rdpneg_spnego_mech_types(&ml);
  CHECK(init.mech_types_len == ml && memcmp(init.mech_types, mt, ml) == 0);
  rdpneg_ntlm_negotiate n;
  CHECK_EQ_INT(
      rdpneg_ntlm_parse_negotiate(&n, init.mech_token, init.mech_token_len), 0);
  CHECK_EQ_INT(n.flags, 0xe2088297u);
  CHECK(n.version.major == 10 && n.version.build == 19041);

  rdpneg_spnego_resp r2, r3, r4;
  CHECK_EQ_INT(rdpneg_spnego_parse_resp(&r2, t.b[2], t.l[2]), 0);
  CHECK_EQ_INT(r2.neg_state, RDPNEG_SPNEGO_ACCEPT_INCOMPLETE);
  CHECK(rdpneg_spnego_is_ntlm(r2.supported_mech, r2.supported_mech_len));
  CHECK(r2.mech_list_mic == NULL);
  rdpneg_ntlm_challenge c;
  CHECK_EQ_INT(
      rdpneg_ntlm_parse_challenge(&c, r2.response_token, r2.response_token_len),
      0);
  CHECK_EQ_INT(c.flags, 0xe2898215u);
  CHECK_EQ_STR(c.target_name, "DOMAIN");
  CHECK_EQ_STR(c.nb_domain, "DOMAIN");
  CHECK_EQ_STR(c.nb_computer, "DC1");
  CHECK_EQ_STR(c.dns_domain, "domain.local");
  CHECK_EQ_STR(c.dns_computer, "DC1.domain.local");
  CHECK(c.dns_tree == NULL); /* this DC sends no MsvAvDnsTreeName */
  CHECK(c.version.major == 10 && c.version.minor == 0 &&
        c.version.build == 17763);
  CHECK(c.has_timestamp && c.timestamp == 0x01d98dd2e88eea02ull);

  CHECK_EQ_INT(rdpneg_spnego_parse_resp(&r3, t.b[3], t.l[3]), 0);
  CHECK_EQ_INT(r3.neg_state, RDPNEG_SPNEGO_ACCEPT_INCOMPLETE);
  CHECK(r3.supported_mech == NULL);
  CHECK_EQ_INT(r3.mech_list_mic_len, 16);
  rdpneg_ntlm_authenticate a;
  CHECK_EQ_INT(rdpneg_ntlm_parse_authenticate(&a, r3.response_token,
                                              r3.response_token_len),
               0);
  CHECK_EQ_INT(a.flags, 0xe2888215u);
  CHECK(a.has_mic);
  char *u = rdpneg_ntlm_utf16_to_utf8(a.user, a.user_len);
  char *d = rdpneg_ntlm_utf16_to_utf8(a.domain, a.domain_len);
  char *w = rdpneg_ntlm_utf16_to_utf8(a.workstation, a.workstation_len);
  CHECK_EQ_STR(u, "User1");
  CHECK_EQ_STR(d, "DOMAIN");
  CHECK_EQ_STR(w, "WIN10");
  static const uint8_t z24[24];
  CHECK(a.lm_response_len == 24 && memcmp(a.lm_response, z24, 24) == 0);

  CHECK_EQ_INT(rdpneg_spnego_parse_resp(&r4, t.b[4], t.l[4]), 0);
  CHECK_EQ_INT(r4.neg_state, RDPNEG_SPNEGO_ACCEPT_COMPLETED);
  CHECK(r4.response_token == NULL && r4.mech_list_mic_len == 16);

  /* --- the key schedule, recomputed from the password --- */
  uint8_t k[16], proof[16], sbk[16], key[16], mic[16], sig[16];
  CHECK_EQ_INT(rdpneg_ntlm_ntowfv2(k, "Password1!", u, d), 0);
  rdpneg_ntlm_ntproof(proof, k, c.server_challenge, a.nt_response + 16,
                      a.nt_response_len - 16);
  CHECK(memcmp(proof, a.nt_response, 16) == 0);
  rdpneg_ntlm_session_base_key(sbk, k, proof);
  CHECK_EQ_INT(a.enc_session_key_len, 16);
  rdpneg_ntlm_rc4k(sbk, a.enc_session_key, 16, key); /* KEY_EXCH */
  CHECK_EQ_INT(rdpneg_ntlm_mic(mic, key, init.mech_token, init.mech_token_len,
                               r2.response_token, r2.response_token_len,
                               r3.response_token, r3.response_token_len),
               0);
  CHECK(memcmp(mic, a.mic, 16) == 0);
  /* client mechListMIC (MS-SPNG 3.1.5.1) over the DER mechTypes */
  rdpneg_ntlm_sec cli, srv;
  rdpneg_ntlm_sec_init(&cli, key, a.flags, 0);
  CHECK_EQ_INT(
      rdpneg_ntlm_sec_sign(&cli, init.mech_types, init.mech_types_len, sig), 0);
  CHECK(memcmp(sig, r3.mech_list_mic, 16) == 0);
  CHECK_HEX(sig, "010000000f9654bb55d06ccb00000000");
  /* the server's mechListMIC verifies with the inbound keys */
  int valid = 0;
  CHECK_EQ_INT(rdpneg_ntlm_sec_verify(&cli, init.mech_types,
                                      init.mech_types_len, r4.mech_list_mic,
                                      &valid),
               0);
  CHECK(valid);
  /* and the server computes it that way */
  rdpneg_ntlm_sec_init(&srv, key, a.flags, 1);
  rdpneg_ntlm_sec_sign(&srv, init.mech_types, init.mech_types_len, sig);
  CHECK(memcmp(sig, r4.mech_list_mic, 16) == 0);
  /* a wrong password breaks the chain at the first step */
  rdpneg_ntlm_ntowfv2(k, "Password1", u, d);
  rdpneg_ntlm_ntproof(proof, k, c.server_challenge, a.nt_response + 16,
                      a.nt_response_len - 16);
  CHECK(memcmp(proof, a.nt_response, 16) != 0);
  rdpneg_ntlm_sec_free(&cli);
  rdpneg_ntlm_sec_free(&srv);
  free(u);
  free(d);
  free(w);
  rdpneg_ntlm_challenge_free(&c);
  free_scapy(&t);
}

/* A server's-eye check of what rdpneg_ntlm_build_authenticate produces. */
static void verify_built(const rdpneg_ntlm_auth_out *o,
                         const rdpneg_ntlm_challenge *c, const uint8_t *neg,
                         size_t negl, const uint8_t *chal, size_t chall,
                         const char *pw, int expect_mic) {
  rdpneg_ntlm_authenticate a;
  CHECK_EQ_INT(rdpneg_ntlm_parse_authenticate(&a, o->msg, o->len), 0);
  CHECK_EQ_INT(a.flags, o->flags);
  CHECK_EQ_INT(a.has_mic, expect_mic);
  char *u = rdpneg_ntlm_utf16_to_utf8(a.user, a.user_len);
  char *d = rdpneg_ntlm_utf16_to_utf8(a.domain, a.domain_len);
  uint8_t k[16], proof[16], sbk[16], key[16], mic[16];
  rdpneg_ntlm_ntowfv2(k, pw, u, d);
  rdpneg_ntlm_ntproof(proof, k, c->server_challenge, a.nt_response + 16,
                      a.nt_response_len - 16);
  CHECK(memcmp(proof, a.nt_response, 16) == 0);
  rdpneg_ntlm_session_base_key(sbk, k, proof);
  if (o->flags & RDPNEG_NTLM_NEGOTIATE_KEY_EXCH) {
    CHECK_EQ_INT(a.enc_session_key_len, 16);
    rdpneg_ntlm_rc4k(sbk, a.enc_session_key, 16, key);
  } else
    memcpy(key, sbk, 16);
  CHECK(memcmp(key, o->exported_session_key, 16) == 0);
  if (expect_mic) {
    rdpneg_ntlm_mic(mic, key, neg, negl, chal, chall, o->msg, o->len);
    CHECK(memcmp(mic, a.mic, 16) == 0);
  }
  free(u);
  free(d);
}

TAP_TEST(build_authenticate_with_timestamp) {
  scapy_toks t;
  if (!load_scapy(&t)) {
    free_scapy(&t);
    TAP_SKIP("captures not available");
  }
  rdpneg_spnego_resp r2;
  rdpneg_spnego_parse_resp(&r2, t.b[2], t.l[2]);
  rdpneg_ntlm_challenge c;
  CHECK_EQ_INT(
      rdpneg_ntlm_parse_challenge(&c, r2.response_token, r2.response_token_len),
      0);
  uint8_t neg[40], k[16];
  rdpneg_ntlm_write_negotiate(neg, RDPNEG_NTLM_CLIENT_FLAGS);
  rdpneg_ntlm_ntowfv2(k, "S3cret!", "alice", "DOMAIN");
  rdpneg_ntlm_auth_in in = {0};
  in.challenge = &c;
  in.challenge_msg = r2.response_token;
  in.challenge_len = r2.response_token_len;
  in.negotiate_msg = neg;
  in.negotiate_len = sizeof neg;
  in.client_flags = RDPNEG_NTLM_CLIENT_FLAGS;
  in.response_key_nt = k;
  in.user = "alice";
  in.domain = "DOMAIN";
  in.workstation = "PROBE";
  in.target_spn = "TERMSRV/dc1.domain.local";
  in.client_challenge = client_chal;
  in.random_session_key = random_session_key;
  in.now_filetime = 1;
  rdpneg_ntlm_auth_out o;
  CHECK_EQ_INT(rdpneg_ntlm_build_authenticate(&o, &in), 0);
  CHECK_EQ_INT(o.flags, c.flags & RDPNEG_NTLM_CLIENT_FLAGS);
  CHECK(o.mic_present);
  CHECK(memcmp(o.exported_session_key, random_session_key, 16) == 0);
  verify_built(&o, &c, neg, sizeof neg, r2.response_token,
               r2.response_token_len, "S3cret!", 1);
  /* LmChallengeResponse is Z(24) and the server's timestamp is used */
  rdpneg_ntlm_authenticate a;
  rdpneg_ntlm_parse_authenticate(&a, o.msg, o.len);
  static const uint8_t z24[24];
  CHECK(a.lm_response_len == 24 && memcmp(a.lm_response, z24, 24) == 0);
  uint64_t ts = 0;
  for (int i = 7; i >= 0; i--)
    ts = (ts << 8) | a.nt_response[16 + 8 + i];
  CHECK(ts == c.timestamp);
  /* the AV list: server pairs + Flags(MIC) + ChannelBindings + TargetName */
  const uint8_t *av = a.nt_response + 16 + 28;
  size_t avl = a.nt_response_len - 16 - 28 - 4;
  uint8_t fake[48 + 512];
  memset(fake, 0, 48);
  memcpy(fake, "NTLMSSP\0\2\0\0\0", 12);
  fake[40] = fake[42] = (uint8_t)avl;
  fake[41] = fake[43] = (uint8_t)(avl >> 8);
  fake[44] = 48;
  memcpy(fake + 48, av, avl);
  rdpneg_ntlm_challenge c2;
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c2, fake, 48 + avl), 0);
  CHECK(c2.has_av_flags && (c2.av_flags & RDPNEG_NTLM_AV_FLAG_MIC_PROVIDED));
  CHECK_EQ_STR(c2.av_target, "TERMSRV/dc1.domain.local");
  CHECK_EQ_STR(c2.dns_computer, "DC1.domain.local");
  CHECK(c2.has_timestamp && c2.timestamp == c.timestamp && c2.has_eol);
  rdpneg_ntlm_challenge_free(&c2);
  rdpneg_ntlm_auth_out_free(&o);
  rdpneg_ntlm_challenge_free(&c);
  free_scapy(&t);
}

TAP_TEST(build_authenticate_without_timestamp) {
  /* MS-NLMP 4.2.4 CHALLENGE has no MsvAvTimestamp: LMv2 is sent, no MIC,
   * the client's time goes into the NTLMv2 blob */
  rdpneg_ntlm_challenge c;
  rdpneg_ntlm_parse_challenge(&c, spec_challenge, sizeof spec_challenge);
  uint8_t neg[40], k[16];
  rdpneg_ntlm_write_negotiate(neg, RDPNEG_NTLM_CLIENT_FLAGS);
  rdpneg_ntlm_ntowfv2(k, "Password", "User", "Domain");
  rdpneg_ntlm_auth_in in = {0};
  in.challenge = &c;
  in.challenge_msg = spec_challenge;
  in.challenge_len = sizeof spec_challenge;
  in.negotiate_msg = neg;
  in.negotiate_len = sizeof neg;
  in.client_flags = RDPNEG_NTLM_CLIENT_FLAGS;
  in.response_key_nt = k;
  in.user = "User";
  in.domain = "Domain";
  in.client_challenge = client_chal;
  in.random_session_key = random_session_key;
  in.now_filetime = 0x01d98dd2e88eea02ull;
  rdpneg_ntlm_auth_out o;
  CHECK_EQ_INT(rdpneg_ntlm_build_authenticate(&o, &in), 0);
  CHECK(!o.mic_present);
  verify_built(&o, &c, neg, sizeof neg, spec_challenge, sizeof spec_challenge,
               "Password", 0);
  rdpneg_ntlm_authenticate a;
  rdpneg_ntlm_parse_authenticate(&a, o.msg, o.len);
  CHECK_HEX(a.lm_response, "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
  CHECK_HEX(a.nt_response + 16 + 8, "02ea8ee8d28dd901");
  CHECK(a.workstation == NULL && a.workstation_len == 0);
  rdpneg_ntlm_auth_out_free(&o);

  /* a server without extended session security is refused */
  uint8_t old[sizeof spec_challenge];
  memcpy(old, spec_challenge, sizeof old);
  old[22] &= (uint8_t)~0x08; /* clear 0x00080000 */
  rdpneg_ntlm_challenge c3;
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c3, old, sizeof old), 0);
  in.challenge = &c3;
  in.challenge_msg = old;
  CHECK_EQ_INT(rdpneg_ntlm_build_authenticate(&o, &in), RDPNEG_ERR_UNSUPPORTED);
  rdpneg_ntlm_challenge_free(&c3);
  rdpneg_ntlm_challenge_free(&c);
}

/* Truncation at every byte and deterministic mutation of every captured
 * NTLM message: parsers must fail cleanly (run under ASan/valgrind). */
static uint32_t prng_state = 0x12345678u;
static uint32_t prng(void) {
  prng_state ^= prng_state << 13;
  prng_state ^= prng_state >> 17;
  prng_state ^= prng_state << 5;
  return prng_state;
}

static int parse_any(const uint8_t *m, size_t l, int type) {
  if (type == 1) {
    rdpneg_ntlm_negotiate n;
    return rdpneg_ntlm_parse_negotiate(&n, m, l);
  }
  if (type == 2) {
    rdpneg_ntlm_challenge c;
    int rc = rdpneg_ntlm_parse_challenge(&c, m, l);
    if (!rc)
      rdpneg_ntlm_challenge_free(&c);
    return rc;
  }
  rdpneg_ntlm_authenticate a;
  return rdpneg_ntlm_parse_authenticate(&a, m, l);
}

static int truncations_fail(const uint8_t *m, size_t l, int type) {
  int ok = parse_any(m, l, type) == 0;
  for (size_t i = 0; i < l; i++) {
    uint8_t *copy = malloc(i ? i : 1); /* exact size: ASan sees overreads */
    memcpy(copy, m, i);
    if (parse_any(copy, i, type) != RDPNEG_ERR_NTLM_MALFORMED) {
      printf("# type %d: truncation to %zu bytes parsed\n", type, i);
      ok = 0;
    }
    free(copy);
  }
  return ok;
}

static void mutate(const uint8_t *m, size_t l, int type, int rounds) {
  uint8_t *copy = malloc(l);
  for (int r = 0; r < rounds; r++) {
    memcpy(copy, m, l);
    int flips = 1 + (int)(prng() % 4);
    for (int f = 0; f < flips; f++) {
      size_t at = prng() % l;
      /* bias towards the length/offset fields of the header */
      if (prng() % 2 && l > 64)
        at = 12 + prng() % 52;
      copy[at] = (uint8_t)prng();
    }
    size_t cut = (prng() % 4 == 0) ? prng() % (l + 1) : l;
    parse_any(copy, cut, type); /* any result; must not crash */
  }
  free(copy);
}

TAP_TEST(truncated_and_mutated_messages) {
  CHECK(truncations_fail(spec_challenge, sizeof spec_challenge, 2));
  CHECK(truncations_fail(spec_authenticate, sizeof spec_authenticate, 3));
  uint8_t neg[40];
  rdpneg_ntlm_write_negotiate(neg, RDPNEG_NTLM_CLIENT_FLAGS);
  CHECK(truncations_fail(neg, sizeof neg, 1));
  mutate(spec_challenge, sizeof spec_challenge, 2, 20000);
  mutate(spec_authenticate, sizeof spec_authenticate, 3, 5000);

  size_t l[3];
  unsigned char *f[3] = {
      load("freerdp/TestSspiNTLM_ntlm_negotiate.bin", &l[0]),
      load("freerdp/TestSspiNTLM_ntlm_challenge_win81_2012r2.bin", &l[1]),
      load("freerdp/TestSspiNTLM_ntlm_authenticate.bin", &l[2])};
  for (int i = 0; i < 3; i++)
    if (f[i]) {
      CHECK(truncations_fail(f[i], l[i], i + 1));
      mutate(f[i], l[i], i + 1, i == 1 ? 20000 : 5000);
    }
  scapy_toks t;
  if (load_scapy(&t)) {
    rdpneg_spnego_init init;
    rdpneg_spnego_resp r2, r3;
    rdpneg_spnego_parse_init(&init, t.b[1], t.l[1]);
    rdpneg_spnego_parse_resp(&r2, t.b[2], t.l[2]);
    rdpneg_spnego_parse_resp(&r3, t.b[3], t.l[3]);
    CHECK(truncations_fail(init.mech_token, init.mech_token_len, 1));
    CHECK(truncations_fail(r2.response_token, r2.response_token_len, 2));
    CHECK(truncations_fail(r3.response_token, r3.response_token_len, 3));
    mutate(r2.response_token, r2.response_token_len, 2, 20000);
  }
  free_scapy(&t);
  for (int i = 0; i < 3; i++)
    free(f[i]);
}

TAP_TEST(hostile_challenge_fields) {
  uint8_t m[sizeof spec_challenge];
  rdpneg_ntlm_challenge c;
  /* TargetInfo offset beyond the end */
  memcpy(m, spec_challenge, sizeof m);
  m[44] = 0xff;
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c, m, sizeof m),
               RDPNEG_ERR_NTLM_MALFORMED);
  /* offset + length wraps around 32 bits */
  memcpy(m, spec_challenge, sizeof m);
  m[44] = 0xf0;
  m[45] = m[46] = m[47] = 0xff;
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c, m, sizeof m),
               RDPNEG_ERR_NTLM_MALFORMED);
  /* an AV pair longer than the TargetInfo field */
  memcpy(m, spec_challenge, sizeof m);
  m[0x44 + 2] = 0x40;
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c, m, sizeof m),
               RDPNEG_ERR_NTLM_MALFORMED);
  /* wrong signature / message type */
  memcpy(m, spec_challenge, sizeof m);
  m[8] = 3;
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c, m, sizeof m),
               RDPNEG_ERR_NTLM_MALFORMED);
  m[8] = 2;
  m[0] = 'X';
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c, m, sizeof m),
               RDPNEG_ERR_NTLM_MALFORMED);
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c, NULL, 0),
               RDPNEG_ERR_NTLM_MALFORMED);
  /* a missing MsvAvEOL is tolerated (names still read) */
  memcpy(m, spec_challenge, sizeof m);
  m[40] = m[42] = 32; /* cut the EOL off the TargetInfo field */
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c, m, sizeof m), 0);
  CHECK(!c.has_eol);
  CHECK_EQ_STR(c.nb_computer, "Server");
  rdpneg_ntlm_challenge_free(&c);
  /* the minimal 32-byte CHALLENGE of old servers is accepted */
  uint8_t min[32];
  memcpy(min, spec_challenge, 32);
  min[12] = min[14] = 0;     /* no target name */
  min[22] &= (uint8_t)~0x80; /* no TARGET_INFO */
  min[23] &= (uint8_t)~0x02; /* no VERSION */
  CHECK_EQ_INT(rdpneg_ntlm_parse_challenge(&c, min, sizeof min), 0);
  CHECK(!c.version.present && c.target_info == NULL);
  rdpneg_ntlm_challenge_free(&c);
}

TAP_TEST(text_conversions) {
  /* UTF-16LE with a surrogate pair, an unpaired surrogate and a NUL */
  static const uint8_t s[] = {'A',  0,    0xe9, 0,   0x3d, 0xd8, 0x00,
                              0xde, 0x00, 0xd8, 'z', 0,    0,    0};
  char *u = rdpneg_ntlm_utf16_to_utf8(s, sizeof s);
  CHECK_EQ_STR(u, "A\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdz\xef\xbf\xbd");
  free(u);
  u = rdpneg_ntlm_utf16_to_utf8(s, 3); /* odd length: last byte ignored */
  CHECK_EQ_STR(u, "A");
  free(u);
  uint8_t *w;
  size_t wl;
  CHECK_EQ_INT(rdpneg_ntlm_utf8_to_utf16("\xc3\xa9t\xc3\xa9 \xd0\xb6"
                                         "\xf0\x9f\x98\x80",
                                         1, &w, &wl),
               0);
  static const uint8_t up[] = {0xc9, 0,    'T',  0,    0xc9, 0,    ' ',
                               0,    0x16, 0x04, 0x3d, 0xd8, 0x00, 0xde};
  CHECK(wl == sizeof up && memcmp(w, up, wl) == 0);
  free(w);
  CHECK_EQ_INT(rdpneg_ntlm_utf8_to_utf16("\xc0\xaf", 0, &w, &wl),
               RDPNEG_ERR_INVALID_ARGUMENT); /* overlong */
  CHECK_EQ_INT(rdpneg_ntlm_utf8_to_utf16("\xed\xa0\x80", 0, &w, &wl),
               RDPNEG_ERR_INVALID_ARGUMENT); /* surrogate */
  CHECK_EQ_INT(rdpneg_ntlm_utf8_to_utf16(NULL, 0, &w, &wl), 0);
  CHECK_EQ_INT(wl, 0);
  free(w);
  char t[32];
  rdpneg_unix_to_iso(0, t, sizeof t);
  CHECK_EQ_STR(t, "1970-01-01T00:00:00Z");
  rdpneg_unix_to_iso(951782400, t, sizeof t); /* leap day */
  CHECK_EQ_STR(t, "2000-02-29T00:00:00Z");
  rdpneg_unix_to_iso(-1, t, sizeof t);
  CHECK_EQ_STR(t, "1969-12-31T23:59:59Z");
  /* the one formatter also serves certificate dates: years 0000-9999 */
  rdpneg_unix_to_iso(rdpneg_civil_to_unix(9999, 12, 31, 23, 59, 59), t,
                     sizeof t);
  CHECK_EQ_STR(t, "9999-12-31T23:59:59Z");
  rdpneg_unix_to_iso(rdpneg_civil_to_unix(9999, 12, 31, 23, 59, 59) + 1, t,
                     sizeof t);
  CHECK_EQ_STR(t, "out-of-range");
  rdpneg_unix_to_iso(rdpneg_civil_to_unix(1601, 1, 1, 0, 0, 0), t, sizeof t);
  CHECK_EQ_STR(t, "1601-01-01T00:00:00Z");
  CHECK_EQ_INT(rdpneg_civil_to_unix(2000, 2, 29, 0, 0, 0), 951782400);
  CHECK_EQ_INT(rdpneg_civil_to_unix(1601, 1, 1, 0, 0, 0), -11644473600LL);
  rdpneg_unix_to_iso(INT64_MAX, t, sizeof t);
  CHECK_EQ_STR(t, "out-of-range");
  rdpneg_unix_to_iso(INT64_MIN, t, sizeof t);
  CHECK_EQ_STR(t, "out-of-range");
  CHECK_EQ_INT(rdpneg_ntlm_filetime_to_unix(0), -11644473600LL);
  CHECK_EQ_STR(rdpneg_ntlm_flag_name(0x00080000u),
               "NEGOTIATE_EXTENDED_SESSIONSECURITY");
  CHECK_EQ_STR(rdpneg_ntlm_flag_name(0x00000008u), "RESERVED_0x00000008");
}

int main(void) {
  TAP_RUN(spec_ntowfv2);
  TAP_RUN(spec_lmv2_response);
  TAP_RUN(spec_ntlmv2_response_and_keys);
  TAP_RUN(spec_challenge_parse);
  TAP_RUN(spec_authenticate_parse);
  TAP_RUN(spec_gss_wrapex);
  TAP_RUN(negotiate_writer);
  TAP_RUN(freerdp_messages);
  TAP_RUN(scapy_spnego_tokens);
  TAP_RUN(build_authenticate_with_timestamp);
  TAP_RUN(build_authenticate_without_timestamp);
  TAP_RUN(truncated_and_mutated_messages);
  TAP_RUN(hostile_challenge_fields);
  TAP_RUN(text_conversions);
  return tap_done();
}
