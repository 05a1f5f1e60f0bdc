/* SPDX-License-Identifier: Apache-2.0 */
/* NTLMv2 values and keys (MS-NLMP 3.3.2, 3.4.5) and session security:
 * signing and sealing (MS-NLMP 3.4). All primitives come from the crypto
 * shim. See ntlm.h. */
#include "proto/ntlm.h"

#include "proto/crypto.h"

#include <rdpneg/rdpneg.h>

#include <stdlib.h>
#include <string.h>

typedef rdpneg_crypto_span span;

static int ntowfv2_core(uint8_t out[16], const uint8_t nt_hash[16],
                        const char *user, const char *domain) {
  uint8_t *u = NULL, *d = NULL;
  size_t ul = 0, dl = 0;
  int rc = rdpneg_ntlm_utf8_to_utf16(user, 1, &u, &ul);
  if (!rc)
    rc = rdpneg_ntlm_utf8_to_utf16(domain, 0, &d, &dl);
  if (!rc) {
    span parts[2] = {{u, ul}, {d, dl}};
    rc = rdpneg_crypto_hmac_md5(out, nt_hash, 16, parts, 2);
  }
  free(u);
  free(d);
  return rc;
}

int rdpneg_ntlm_ntowfv2_from_hash(uint8_t out[16], const uint8_t nt_hash[16],
                                  const char *user, const char *domain) {
  return ntowfv2_core(out, nt_hash, user, domain);
}

int rdpneg_ntlm_ntowfv2(uint8_t out[16], const char *password, const char *user,
                        const char *domain) {
  uint8_t *pw = NULL;
  size_t pwl = 0;
  uint8_t nt[16];
  int rc = rdpneg_ntlm_utf8_to_utf16(password, 0, &pw, &pwl);
  if (rc)
    return rc;
  span part = {pw, pwl};
  rc = rdpneg_crypto_md4(nt, &part, 1);
  rdpneg_ntlm_wipe_free(pw, pwl);
  if (!rc)
    rc = ntowfv2_core(out, nt, user, domain);
  rdpneg_crypto_wipe(nt, sizeof nt);
  return rc;
}

int rdpneg_ntlm_lmv2_response(uint8_t out[24], const uint8_t key[16],
                              const uint8_t server_chal[8],
                              const uint8_t client_chal[8]) {
  span parts[2] = {{server_chal, 8}, {client_chal, 8}};
  int rc = rdpneg_crypto_hmac_md5(out, key, 16, parts, 2);
  if (!rc)
    memcpy(out + 16, client_chal, 8);
  return rc;
}

int rdpneg_ntlm_make_temp(uint8_t **out, size_t *outlen, uint64_t filetime,
                          const uint8_t client_chal[8], const uint8_t *av,
                          size_t av_len) {
  size_t n = 28 + av_len + 4;
  uint8_t *t = calloc(1, n);
  if (!t)
    return RDPNEG_ERR_NOMEM;
  t[0] = 1; /* RespType */
  t[1] = 1; /* HiRespType */
  rdpneg_ntlm_put64(t + 8, filetime);
  memcpy(t + 16, client_chal, 8);
  if (av_len)
    memcpy(t + 28, av, av_len);
  *out = t;
  *outlen = n;
  return 0;
}

int rdpneg_ntlm_ntproof(uint8_t out[16], const uint8_t key[16],
                        const uint8_t server_chal[8], const uint8_t *temp,
                        size_t temp_len) {
  span parts[2] = {{server_chal, 8}, {temp, temp_len}};
  return rdpneg_crypto_hmac_md5(out, key, 16, parts, 2);
}

int rdpneg_ntlm_session_base_key(uint8_t out[16], const uint8_t key[16],
                                 const uint8_t ntproof[16]) {
  span part = {ntproof, 16};
  return rdpneg_crypto_hmac_md5(out, key, 16, &part, 1);
}

int rdpneg_ntlm_rc4k(const uint8_t key[16], const uint8_t *in, size_t len,
                     uint8_t *out) {
  rdpneg_crypto_rc4 rc4;
  int rc = rdpneg_crypto_rc4_init(&rc4, key, 16);
  if (!rc)
    rdpneg_crypto_rc4_crypt(&rc4, in, len, out);
  rdpneg_crypto_rc4_free(&rc4);
  return rc;
}

int rdpneg_ntlm_mic(uint8_t out[16], const uint8_t key[16], const uint8_t *neg,
                    size_t neg_len, const uint8_t *chal, size_t chal_len,
                    const uint8_t *auth, size_t auth_len) {
  static const uint8_t zero[16];
  if (auth_len < RDPNEG_NTLM_MIC_OFFSET + 16)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  span parts[5] = {{neg, neg_len},
                   {chal, chal_len},
                   {auth, RDPNEG_NTLM_MIC_OFFSET},
                   {zero, 16},
                   {auth + RDPNEG_NTLM_MIC_OFFSET + 16,
                    auth_len - RDPNEG_NTLM_MIC_OFFSET - 16}};
  return rdpneg_crypto_hmac_md5(out, key, 16, parts, 5);
}

static const char magic_cs_sign[] =
    "session key to client-to-server signing key magic constant";
static const char magic_sc_sign[] =
    "session key to server-to-client signing key magic constant";
static const char magic_cs_seal[] =
    "session key to client-to-server sealing key magic constant";
static const char magic_sc_seal[] =
    "session key to server-to-client sealing key magic constant";

int rdpneg_ntlm_signkey(uint8_t out[16], const uint8_t exported[16],
                        int server) {
  const char *m = server ? magic_sc_sign : magic_cs_sign;
  /* the constant is hashed with its terminating NUL */
  span parts[2] = {{exported, 16}, {(const uint8_t *)m, strlen(m) + 1}};
  return rdpneg_crypto_md5(out, parts, 2);
}

int rdpneg_ntlm_sealkey(uint8_t out[16], const uint8_t exported[16],
                        uint32_t flags, int server) {
  const char *m = server ? magic_sc_seal : magic_cs_seal;
  size_t klen = (flags & RDPNEG_NTLM_NEGOTIATE_128)  ? 16
                : (flags & RDPNEG_NTLM_NEGOTIATE_56) ? 7
                                                     : 5;
  span parts[2] = {{exported, klen}, {(const uint8_t *)m, strlen(m) + 1}};
  return rdpneg_crypto_md5(out, parts, 2);
}

/* ---- session security --------------------------------------------------- */

int rdpneg_ntlm_sec_init(rdpneg_ntlm_sec *s, const uint8_t exported[16],
                         uint32_t flags, int server) {
  memset(s, 0, sizeof *s);
  s->flags = flags;
  int rc;
  if ((rc = rdpneg_ntlm_signkey(s->send_sign, exported, server)) ||
      (rc = rdpneg_ntlm_signkey(s->recv_sign, exported, !server)) ||
      (rc = rdpneg_ntlm_sealkey(s->send_seal, exported, flags, server)) ||
      (rc = rdpneg_ntlm_sealkey(s->recv_seal, exported, flags, !server))) {
    rdpneg_crypto_wipe(s, sizeof *s);
    return rc;
  }
  if ((rc = rdpneg_crypto_rc4_init(&s->send_rc4, s->send_seal, 16)) ||
      (rc = rdpneg_crypto_rc4_init(&s->recv_rc4, s->recv_seal, 16)))
    rdpneg_crypto_wipe(s, sizeof *s);
  return rc;
}

void rdpneg_ntlm_sec_reset(rdpneg_ntlm_sec *s, int outbound) {
  if (outbound) {
    /* cannot fail: the key is 16 bytes */
    (void)rdpneg_crypto_rc4_init(&s->send_rc4, s->send_seal, 16);
    s->send_seq = 0;
  } else {
    (void)rdpneg_crypto_rc4_init(&s->recv_rc4, s->recv_seal, 16);
    s->recv_seq = 0;
  }
}

void rdpneg_ntlm_sec_free(rdpneg_ntlm_sec *s) {
  if (!s)
    return;
  rdpneg_crypto_wipe(s, sizeof *s); /* keys and both RC4 states */
}

/* Checksum = HMAC_MD5(SigningKey, SeqNum || Message)[0..7], RC4-encrypted
 * with |rc4| when KEY_EXCH was negotiated (MS-NLMP 3.4.4.2). */
static int make_signature(const rdpneg_ntlm_sec *s, const uint8_t key[16],
                          rdpneg_crypto_rc4 *rc4, uint32_t seq,
                          const uint8_t *msg, size_t len, uint8_t sig[16]) {
  uint8_t seqb[4], mac[16];
  rdpneg_ntlm_put32(seqb, seq);
  span parts[2] = {{seqb, 4}, {msg, len}};
  int rc = rdpneg_crypto_hmac_md5(mac, key, 16, parts, 2);
  if (rc)
    return rc;
  rdpneg_ntlm_put32(sig, 1); /* Version */
  if (s->flags & RDPNEG_NTLM_NEGOTIATE_KEY_EXCH)
    rdpneg_crypto_rc4_crypt(rc4, mac, 8, sig + 4);
  else
    memcpy(sig + 4, mac, 8);
  rdpneg_ntlm_put32(sig + 12, seq);
  rdpneg_crypto_wipe(mac, sizeof mac);
  return rc;
}

int rdpneg_ntlm_sec_seal(rdpneg_ntlm_sec *s, const uint8_t *in, size_t len,
                         uint8_t *out) {
  /* RC4 the message first, then the checksum, with the same handle */
  rdpneg_crypto_rc4_crypt(&s->send_rc4, in, len, out + 16);
  int rc =
      make_signature(s, s->send_sign, &s->send_rc4, s->send_seq, in, len, out);
  if (!rc)
    s->send_seq++;
  return rc;
}

int rdpneg_ntlm_sec_unseal(rdpneg_ntlm_sec *s, const uint8_t *in, size_t len,
                           uint8_t *out, int *valid) {
  *valid = 0;
  if (len < 16)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  size_t n = len - 16;
  rdpneg_crypto_rc4_crypt(&s->recv_rc4, in + 16, n, out);
  uint8_t expect[16];
  int rc = make_signature(s, s->recv_sign, &s->recv_rc4, s->recv_seq, out, n,
                          expect);
  if (rc)
    return rc;
  *valid = rdpneg_crypto_equal(expect, in, 16);
  if (*valid)
    s->recv_seq++;
  return 0;
}

int rdpneg_ntlm_sec_sign(rdpneg_ntlm_sec *s, const uint8_t *msg, size_t len,
                         uint8_t sig[RDPNEG_NTLM_SIGNATURE_LEN]) {
  int rc =
      make_signature(s, s->send_sign, &s->send_rc4, s->send_seq, msg, len, sig);
  if (!rc)
    s->send_seq++;
  return rc;
}

int rdpneg_ntlm_sec_verify(rdpneg_ntlm_sec *s, const uint8_t *msg, size_t len,
                           const uint8_t sig[RDPNEG_NTLM_SIGNATURE_LEN],
                           int *valid) {
  uint8_t expect[16];
  *valid = 0;
  int rc = make_signature(s, s->recv_sign, &s->recv_rc4, s->recv_seq, msg, len,
                          expect);
  if (rc)
    return rc;
  *valid = rdpneg_crypto_equal(expect, sig, 16);
  if (*valid)
    s->recv_seq++;
  return 0;
}
