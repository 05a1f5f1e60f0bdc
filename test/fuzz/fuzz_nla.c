/* SPDX-License-Identifier: Apache-2.0 */
/* The CredSSP phase inside a real in-memory TLS connection, against a
 * server that does the work (tls_peer.c for TLS): it answers the client's
 * NEGOTIATE with an NTLM CHALLENGE (raw or SPNEGO), checks the
 * AUTHENTICATE with its own copy of the password, derives the session
 * keys, verifies the client's pubKeyAuth and proves the public-key binding
 * back (public-key echo below CredSSP 5, the nonce hash from 5 on), then
 * sends an Early User Authorization Result. So the session's pubKeyAuth
 * and EUA paths run; the fuzzer picks the server's version and behaviour
 * and damages one of its messages before encryption.
 *
 * Input:
 *   0  HYBRID_EX (0), client raw NTLM (1), server SPNEGO differs (2), no
 *      credentials (3), wrong password (4), binds another key (5), EC leaf
 *      and ECDHE (6; else RSA leaf, RSA key exchange), CHALLENGE without
 *      timestamp (7)
 *   1  CredSSP version (0-2), EUA none/success/denied/other (3-4),
 *      behaviour (5-7): 0 normal, 1 errorCode for NEGOTIATE, 2 errorCode
 *      for AUTHENTICATE, 3 close after AUTHENTICATE, 4 SPNEGO reject,
 *      5 wrong mechListMIC, 6 EUA in its own record, 7 normal
 *   2  NTSTATUS choice, 3 CHALLENGE flags to clear
 *   4  message to damage (0 none, 1 CHALLENGE, 2 final, low bits) and
 *      truncate instead of XOR (bit 2), 5-6 offset, 7 XOR value
 *   8  bytes per read (0 = all), 9 ms per read, 10 end (deadline, FIN, RST)
 *   rest: extra AV pairs in the CHALLENGE's target info */
#include "harness.h"
#include "tls_peer.h"

#include "proto/credssp.h"
#include "proto/ntlm.h"
#include "proto/spnego.h"

#include <string.h>

#include <mbedtls/md.h>

static const char *const PASSWORD = "Passw0rd!";

typedef struct srv {
  fuzz_peer *peer;
  int state; /* 0 handshake, 1 NEGOTIATE, 2 AUTHENTICATE, 3 done */
  uint8_t *in;
  size_t in_len;
  uint32_t version;
  int spnego, behaviour, eua, wrong_pw, wrong_key, eua_apart;
  uint32_t ntstatus, eua_value;
  uint8_t chal[1024];
  size_t chal_len;
  int mut_msg, mut_trunc;
  uint16_t mut_off;
  uint8_t mut_x;
  int closed;
} srv;

static void put16(uint8_t *p, unsigned v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
  put16(p, v & 0xFFFF);
  put16(p + 2, v >> 16);
}

static size_t av(uint8_t *p, unsigned id, const char *ascii) {
  size_t n = strlen(ascii);
  put16(p, id);
  put16(p + 2, (unsigned)(2 * n));
  for (size_t i = 0; i < n; i++)
    put16(p + 4 + 2 * i, (unsigned char)ascii[i]);
  return 4 + 2 * n;
}

/* A Windows-shaped CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2). */
static size_t build_challenge(uint8_t *m, uint32_t flags, int timestamp,
                              const uint8_t *extra, size_t extra_len) {
  memset(m, 0, 56);
  memcpy(m, "NTLMSSP", 8);
  put32(m + 8, 2);
  size_t o = 56;
  for (int i = 0; i < 3; i++)
    put16(m + o + 2 * i, (unsigned char)"LAB"[i]);
  put16(m + 12, 6);
  put16(m + 14, 6);
  put32(m + 16, 56);
  o += 6;
  size_t ti = o;
  o += av(m + o, RDPNEG_NTLM_AV_NB_DOMAIN_NAME, "LAB");
  o += av(m + o, RDPNEG_NTLM_AV_NB_COMPUTER_NAME, "SRV");
  o += av(m + o, RDPNEG_NTLM_AV_DNS_DOMAIN_NAME, "lab.example");
  o += av(m + o, RDPNEG_NTLM_AV_DNS_COMPUTER_NAME, "srv.lab.example");
  if (extra_len > 256)
    extra_len = 256;
  memcpy(m + o, extra, extra_len);
  o += extra_len;
  if (timestamp) {
    uint64_t ft = RDPNEG_NTLM_FILETIME_UNIX_EPOCH +
                  (uint64_t)(FUZZ_NOW + 30) * 10000000ull;
    put16(m + o, RDPNEG_NTLM_AV_TIMESTAMP);
    put16(m + o + 2, 8);
    put32(m + o + 4, (uint32_t)ft);
    put32(m + o + 8, (uint32_t)(ft >> 32));
    o += 12;
  }
  put32(m + o, 0); /* MsvAvEOL */
  o += 4;
  put32(m + 20, flags);
  memcpy(m + 24, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
  put16(m + 40, (unsigned)(o - ti));
  put16(m + 42, (unsigned)(o - ti));
  put32(m + 44, (uint32_t)ti);
  m[48] = 10; /* VERSION 10.0.17763, revision 15 */
  put16(m + 50, 17763);
  m[55] = 15;
  return o;
}

static void sha256(uint8_t out[32], const char *magic, const uint8_t *nonce,
                   const uint8_t *key, size_t keylen) {
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  mbedtls_md_context_t c;
  mbedtls_md_init(&c);
  FUZZ_ASSERT(mbedtls_md_setup(&c, info, 0) == 0);
  mbedtls_md_starts(&c);
  mbedtls_md_update(&c, (const uint8_t *)magic, strlen(magic) + 1);
  mbedtls_md_update(&c, nonce, 32);
  mbedtls_md_update(&c, key, keylen);
  mbedtls_md_finish(&c, out);
  mbedtls_md_free(&c);
}

/* Sends plaintext |idx| (1 CHALLENGE, 2 final answer), damaged if chosen. */
static void send_msg(srv *s, uint8_t *m, size_t len, int idx) {
  if (s->closed)
    return;
  if (idx == s->mut_msg && len) {
    size_t off = s->mut_off % len;
    if (s->mut_trunc) {
      fuzz_peer_write(s->peer, m, off);
      fuzz_peer_close_notify(s->peer);
      s->closed = 1;
      return;
    }
    m[off] ^= s->mut_x ? s->mut_x : 0x80;
  }
  fuzz_peer_write(s->peer, m, len);
}

static void send_tsrequest(srv *s, const rdpneg_tsrequest *t, int idx,
                           const uint8_t *tail, size_t tail_len) {
  uint8_t *out = NULL;
  size_t len = 0;
  FUZZ_ASSERT(rdpneg_tsrequest_write(t, &out, &len) == 0);
  uint8_t *all = malloc(len + tail_len);
  FUZZ_ASSERT(all != NULL);
  memcpy(all, out, len);
  if (tail_len)
    memcpy(all + len, tail, tail_len);
  send_msg(s, all, len + tail_len, idx);
  free(all);
  free(out);
}

static void send_error(srv *s, uint32_t status, int idx) {
  rdpneg_tsrequest t = {0};
  t.version = s->version;
  t.present = RDPNEG_TSREQ_ERROR_CODE;
  t.error_code = status;
  send_tsrequest(s, &t, idx, NULL, 0);
}

static void on_negotiate(srv *s) {
  rdpneg_tsrequest t = {0};
  t.version = s->version;
  if (s->behaviour == 1) {
    send_error(s, s->ntstatus, 1);
    return;
  }
  uint8_t *tok = NULL;
  size_t tok_len = 0;
  if (s->spnego || s->behaviour == 4) {
    rdpneg_spnego_resp r = {0};
    r.neg_state = s->behaviour == 4 ? RDPNEG_SPNEGO_REJECT
                                    : RDPNEG_SPNEGO_ACCEPT_INCOMPLETE;
    if (s->behaviour != 4) {
      r.supported_mech = (const uint8_t *)RDPNEG_SPNEGO_OID_NTLM;
      r.supported_mech_len = RDPNEG_SPNEGO_OID_NTLM_LEN;
      r.response_token = s->chal;
      r.response_token_len = s->chal_len;
    }
    FUZZ_ASSERT(rdpneg_spnego_write_resp(&r, &tok, &tok_len) == 0);
    t.nego_token = tok;
    t.nego_token_len = tok_len;
  } else {
    t.nego_token = s->chal;
    t.nego_token_len = s->chal_len;
  }
  t.present = RDPNEG_TSREQ_NEGO_TOKENS;
  send_tsrequest(s, &t, 1, NULL, 0);
  free(tok);
}

static void on_authenticate(srv *s, const uint8_t *buf, size_t len) {
  if (s->behaviour == 2) {
    send_error(s, s->ntstatus, 2);
    return;
  }
  if (s->behaviour == 3) {
    fuzz_peer_close_notify(s->peer);
    s->closed = 1;
    return;
  }
  rdpneg_tsrequest r;
  FUZZ_ASSERT(rdpneg_tsrequest_parse(&r, buf, len) == 0);
  FUZZ_ASSERT(r.nego_token && (r.present & RDPNEG_TSREQ_PUB_KEY_AUTH));
  const uint8_t *auth = r.nego_token, *mlm = NULL;
  size_t authl = r.nego_token_len;
  int client_spnego = authl && auth[0] == 0xA1;
  if (client_spnego) {
    rdpneg_spnego_resp sr;
    FUZZ_ASSERT(rdpneg_spnego_parse_resp(&sr, auth, authl) == 0);
    auth = sr.response_token;
    authl = sr.response_token_len;
    if (sr.mech_list_mic && sr.mech_list_mic_len == 16)
      mlm = sr.mech_list_mic;
  }
  rdpneg_ntlm_authenticate a;
  FUZZ_ASSERT(rdpneg_ntlm_parse_authenticate(&a, auth, authl) == 0);
  char *u = rdpneg_ntlm_utf16_to_utf8(a.user, a.user_len);
  char *d = rdpneg_ntlm_utf16_to_utf8(a.domain, a.domain_len);
  FUZZ_ASSERT(u && d);
  uint8_t k[16], proof[16], sbk[16], key[16];
  FUZZ_ASSERT(rdpneg_ntlm_ntowfv2(k, s->wrong_pw ? "not it" : PASSWORD, u, d) ==
              0);
  free(u);
  free(d);
  FUZZ_ASSERT(a.nt_response_len >= 16);
  rdpneg_ntlm_ntproof(proof, k, s->chal + 24, a.nt_response + 16,
                      a.nt_response_len - 16);
  if (memcmp(proof, a.nt_response, 16) != 0) {
    send_error(s, 0xC000006Du, 2); /* STATUS_LOGON_FAILURE */
    return;
  }
  rdpneg_ntlm_session_base_key(sbk, k, proof);
  if (a.flags & RDPNEG_NTLM_NEGOTIATE_KEY_EXCH)
    rdpneg_ntlm_rc4k(sbk, a.enc_session_key, 16, key);
  else
    memcpy(key, sbk, 16);
  rdpneg_ntlm_sec sec;
  FUZZ_ASSERT(rdpneg_ntlm_sec_init(&sec, key, a.flags, 1) == 0);
  size_t ml;
  const uint8_t *mt = rdpneg_spnego_mech_types(&ml);
  if (mlm) {
    int valid = 0;
    rdpneg_ntlm_sec_verify(&sec, mt, ml, mlm, &valid);
    FUZZ_ASSERT(valid);
    rdpneg_ntlm_sec_reset(&sec, 0);
  }
  /* the client's binding must verify: the session knows the leaf's key */
  const uint8_t *pub;
  size_t pub_len;
  fuzz_peer_pubkey(s->peer, &pub, &pub_len);
  uint8_t plain[512];
  int valid = 0;
  FUZZ_ASSERT(r.pub_key_auth_len >= 16 &&
              r.pub_key_auth_len - 16 <= sizeof plain);
  rdpneg_ntlm_sec_unseal(&sec, r.pub_key_auth, r.pub_key_auth_len, plain,
                         &valid);
  FUZZ_ASSERT(valid);
  /* the client binds as the version it saw says (a damaged CHALLENGE may
   * have changed it): the nonce hash from 5 on */
  uint32_t v = s->version < 6 ? s->version : 6;
  int hashed = (r.present & RDPNEG_TSREQ_CLIENT_NONCE) != 0;
  FUZZ_ASSERT(s->mut_msg == 1 || hashed == (v >= 5));
  uint8_t nonce[32] = {0};
  if (hashed) {
    FUZZ_ASSERT(r.client_nonce_len == 32);
    memcpy(nonce, r.client_nonce, 32);
    uint8_t h[32];
    sha256(h, "CredSSP Client-To-Server Binding Hash", nonce, pub, pub_len);
    FUZZ_ASSERT(r.pub_key_auth_len == 48 && memcmp(h, plain, 32) == 0);
  } else {
    FUZZ_ASSERT(r.pub_key_auth_len - 16 == pub_len &&
                memcmp(plain, pub, pub_len) == 0);
  }

  /* the answer: [final NegTokenResp +] pubKeyAuth [+ EUA] */
  uint8_t other[400];
  if (s->wrong_key) { /* what a TLS interceptor would bind */
    memcpy(other, pub, pub_len);
    other[pub_len / 2] ^= 0x55;
    pub = other;
  }
  uint8_t *tok = NULL, pka[16 + 512], body[512];
  size_t tokl = 0, bl;
  if (client_spnego) {
    rdpneg_spnego_resp fr = {0};
    uint8_t mic[16];
    fr.neg_state = RDPNEG_SPNEGO_ACCEPT_COMPLETED;
    if (mlm) {
      rdpneg_ntlm_sec_sign(&sec, mt, ml, mic);
      rdpneg_ntlm_sec_reset(&sec, 1);
      if (s->behaviour == 5)
        mic[3] ^= 0x10;
      fr.mech_list_mic = mic;
      fr.mech_list_mic_len = 16;
    }
    FUZZ_ASSERT(rdpneg_spnego_write_resp(&fr, &tok, &tokl) == 0);
  }
  if (hashed) {
    sha256(body, "CredSSP Server-To-Client Binding Hash", nonce, pub, pub_len);
    bl = 32;
  } else {
    memcpy(body, pub, pub_len);
    body[0]++;
    bl = pub_len;
  }
  rdpneg_ntlm_sec_seal(&sec, body, bl, pka);
  rdpneg_ntlm_sec_free(&sec);
  rdpneg_tsrequest t = {0};
  t.version = s->version;
  t.present = RDPNEG_TSREQ_PUB_KEY_AUTH;
  t.pub_key_auth = pka;
  t.pub_key_auth_len = 16 + bl;
  if (tok) {
    t.present |= RDPNEG_TSREQ_NEGO_TOKENS;
    t.nego_token = tok;
    t.nego_token_len = tokl;
  }
  uint8_t eua[4];
  put32(eua, s->eua_value);
  int with_eua = s->eua && !s->eua_apart;
  send_tsrequest(s, &t, 2, eua, with_eua ? 4 : 0);
  if (s->eua && s->eua_apart && !s->closed)
    fuzz_peer_write(s->peer, eua, 4);
  free(tok);
}

/* Reads the client's plaintext and answers each complete TSRequest. */
static void serve(srv *s) {
  uint8_t buf[4096];
  int n;
  while ((n = fuzz_peer_read(s->peer, buf, sizeof buf)) > 0) {
    uint8_t *nb = realloc(s->in, s->in_len + (size_t)n);
    FUZZ_ASSERT(nb != NULL);
    s->in = nb;
    memcpy(s->in + s->in_len, buf, (size_t)n);
    s->in_len += (size_t)n;
  }
  for (;;) {
    long fl = rdpneg_tsrequest_frame_len(s->in, s->in_len);
    FUZZ_ASSERT(fl >= 0); /* the client only sends TSRequests */
    if (fl == 0 || s->closed)
      return;
    if (s->state == 1) {
      on_negotiate(s);
      s->state = 2;
    } else if (s->state == 2) {
      on_authenticate(s, s->in, (size_t)fl);
      s->state = 3;
    }
    memmove(s->in, s->in + fl, s->in_len - (size_t)fl);
    s->in_len -= (size_t)fl;
  }
}

static const uint32_t statuses[8] = {
    0xC000006Du, /* STATUS_LOGON_FAILURE */
    0xC0000071u, /* STATUS_PASSWORD_EXPIRED */
    0xC000006Eu, /* STATUS_ACCOUNT_RESTRICTION */
    0xC0000022u, /* STATUS_ACCESS_DENIED */
    0xC000015Bu, /* STATUS_LOGON_TYPE_NOT_GRANTED */
    0xC00700EAu, /* FreeRDP: SPNEGO refused */
    0x80090308u, /* SEC_E_INVALID_TOKEN */
    0x12345678u,
};

static const uint32_t clear_bits[8] = {
    RDPNEG_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY,
    RDPNEG_NTLM_NEGOTIATE_KEY_EXCH,
    RDPNEG_NTLM_NEGOTIATE_SIGN,
    RDPNEG_NTLM_NEGOTIATE_SEAL,
    RDPNEG_NTLM_NEGOTIATE_128,
    RDPNEG_NTLM_NEGOTIATE_TARGET_INFO,
    RDPNEG_NTLM_NEGOTIATE_VERSION,
    RDPNEG_NTLM_NEGOTIATE_UNICODE,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in = {data, size};
  uint8_t c[11];
  for (int i = 0; i < 11; i++)
    c[i] = fuzz_u8(&in);

  srv s;
  memset(&s, 0, sizeof s);
  s.version = c[1] & 7;
  s.eua = (c[1] >> 3) & 3;
  s.eua_value = s.eua == 1 ? 0 : s.eua == 2 ? 5 : 0x7F;
  s.behaviour = c[1] >> 5;
  s.eua_apart = s.behaviour == 6;
  s.spnego = !(c[0] & 2) ^ ((c[0] >> 2) & 1);
  s.wrong_pw = (c[0] >> 4) & 1;
  s.wrong_key = (c[0] >> 5) & 1;
  s.ntstatus = statuses[c[2] & 7];
  uint32_t flags = RDPNEG_NTLM_CLIENT_FLAGS | RDPNEG_NTLM_TARGET_TYPE_SERVER;
  for (int b = 0; b < 8; b++)
    if (c[3] & (1u << b))
      flags &= ~clear_bits[b];
  s.mut_msg = c[4] & 3;
  s.mut_trunc = (c[4] >> 2) & 1;
  s.mut_off = (uint16_t)(c[5] << 8 | c[6]);
  s.mut_x = c[7];
  s.chal_len = build_challenge(s.chal, flags, !(c[0] & 128), in.p, in.n);

  rdpneg_config *cfg = NULL;
  FUZZ_ASSERT(rdpneg_config_new(&cfg) == 0);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_SPNEGO, !(c[0] & 2));
  rdpneg_config_set_int(cfg, RDPNEG_OPT_NOW_UNIX, FUZZ_NOW);
  if (!(c[0] & 8))
    rdpneg_config_set_credentials(cfg, "alice", "LAB", PASSWORD);
  fuzz_link l;
  int rc = fuzz_link_open(&l, cfg);
  rdpneg_config_free(cfg);
  if (rc)
    return 0;
  l.chunk = c[8];
  l.step_ms = c[9];
  uint8_t cc[19] = {
      0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00,
      0x12, 0x34, 0x00, 0x02, 0x1f, 0x08, 0x00, (c[0] & 1) ? 8 : 2};
  fuzz_link_deliver(&l, cc, sizeof cc);

  /* RSA key exchange unless EC is chosen: the fastest handshake, so that
   * the fuzzer's time goes to CredSSP */
  int ec = (c[0] >> 6) & 1;
  fuzz_peer_opts po = {
      .rsa = !ec, .suite = ec ? 0 : 7, .min_version = 3, .max_version = 3};
  fuzz_peer_new(&s.peer, &po);
  uint8_t *cli = NULL;
  size_t cli_len = 0;
  for (int round = 0; round < 32 && !rdpneg_session_done(l.s); round++) {
    size_t got = fuzz_link_collect(&l, &cli, &cli_len);
    fuzz_peer_input(s.peer, cli, cli_len);
    cli_len = 0;
    if (s.state == 0) {
      int hs = fuzz_peer_handshake(s.peer);
      FUZZ_ASSERT(hs >= 0); /* nothing damages the handshake here */
      if (hs == 1)
        s.state = 1;
    }
    if (s.state >= 1)
      serve(&s);
    const uint8_t *out;
    size_t out_len;
    fuzz_peer_output(s.peer, &out, &out_len);
    if (!got && !out_len)
      break;
    fuzz_link_deliver(&l, out, out_len);
    fuzz_peer_output_clear(s.peer);
  }
  free(cli);
  free(s.in);
  fuzz_peer_free(s.peer);
  fuzz_link_close(&l, c[10] % 3, NULL);
  return 0;
}
