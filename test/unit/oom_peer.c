/* SPDX-License-Identifier: Apache-2.0 */
/* See oom_peer.h. */
#include "oom_peer.h"

#include "oom_alloc.h"
#include "selfsigned.h"

#include "proto/credssp.h"
#include "proto/ntlm.h"
#include "proto/spnego.h"

#include <rdpneg/rdpneg.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- key and certificate ------------------------------------------------ */

static selfsigned g_id;
static uint8_t g_pub[512]; /* what the client binds: mbedtls_pk_write_pubkey */
static size_t g_pub_len;
static int g_ready;

int peer_global_init(void) {
  int rc = -1;
  oom_pause();
  if (selfsigned_init(&g_id, MBEDTLS_PK_ECKEY, "CN=" PEER_HOST, 4242))
    goto out;
  unsigned char *c = g_pub + sizeof g_pub;
  int n = mbedtls_pk_write_pubkey(&c, g_pub, &g_id.key);
  if (n <= 0)
    goto out;
  memmove(g_pub, c, (size_t)n);
  g_pub_len = (size_t)n;
  g_ready = 1;
  rc = 0;
out:
  oom_resume();
  return rc;
}

void peer_global_free(void) {
  oom_pause();
  selfsigned_free(&g_id);
  g_ready = 0;
  oom_resume();
}

/* ---- one connection ------------------------------------------------------ */

typedef struct bytes {
  uint8_t *b;
  size_t len, cap;
} bytes;

static void bytes_put(bytes *q, const uint8_t *d, size_t n) {
  if (!n)
    return;
  if (q->len + n > q->cap) {
    size_t cap = q->cap ? q->cap : 4096;
    while (cap < q->len + n)
      cap *= 2;
    q->b = realloc(q->b, cap);
    if (!q->b)
      abort();
    q->cap = cap;
  }
  memcpy(q->b + q->len, d, n);
  q->len += n;
}

static size_t bytes_take(bytes *q, uint8_t *dst, size_t cap) {
  size_t n = q->len < cap ? q->len : cap;
  if (!n)
    return 0;
  memcpy(dst, q->b, n);
  memmove(q->b, q->b + n, q->len - n);
  q->len -= n;
  return n;
}

enum { P_X224, P_TLS, P_NEGOTIATE, P_AUTHENTICATE, P_DRAIN, P_CLOSED };

struct peer {
  peer_opts o;
  int state;
  bytes in, out, app; /* client bytes, server bytes, decrypted TSRequests */
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  int spnego;
  uint8_t challenge[256];
  size_t challenge_len;
  uint8_t negotiate[64];
  size_t negotiate_len;
  size_t rx; /* bytes from the client */
  int last_rc;
};

int peer_debug(const peer *p, size_t *rx, int *rc) {
  *rx = p->rx;
  *rc = p->last_rc;
  return p->state;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len) {
  bytes_put(&((peer *)ctx)->out, buf, len);
  return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len) {
  peer *p = ctx;
  if (!p->in.len)
    return MBEDTLS_ERR_SSL_WANT_READ;
  return (int)bytes_take(&p->in, buf, len);
}

peer *peer_new(const peer_opts *o) {
  oom_pause();
  peer *p = calloc(1, sizeof *p);
  if (!p)
    abort();
  p->o = *o;
  /* the same server randomness for every connection: a test run makes
   * the same computations (and allocations) each time */
  if (selfsigned_reseed(&g_id))
    abort();
  mbedtls_ssl_config_init(&p->conf);
  mbedtls_ssl_init(&p->ssl);
  if (!g_ready ||
      mbedtls_ssl_config_defaults(&p->conf, MBEDTLS_SSL_IS_SERVER,
                                  MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT) ||
      mbedtls_ssl_conf_own_cert(&p->conf, &g_id.crt, &g_id.key))
    abort();
  mbedtls_ssl_conf_rng(&p->conf, mbedtls_ctr_drbg_random, &g_id.drbg);
  mbedtls_ssl_conf_min_version(&p->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_1);
  if (o->require_client_cert) {
    mbedtls_ssl_conf_authmode(&p->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&p->conf, &g_id.crt, NULL);
  }
  if (mbedtls_ssl_setup(&p->ssl, &p->conf))
    abort();
  mbedtls_ssl_set_bio(&p->ssl, p, bio_send, bio_recv, NULL);
  oom_resume();
  return p;
}

void peer_free(peer *p) {
  if (!p)
    return;
  oom_pause();
  mbedtls_ssl_free(&p->ssl);
  mbedtls_ssl_config_free(&p->conf);
  free(p->in.b);
  free(p->out.b);
  free(p->app.b);
  free(p);
  oom_resume();
}

int peer_closed(const peer *p) {
  return p->state == P_CLOSED;
}

size_t peer_output(peer *p, uint8_t *dst, size_t cap) {
  return bytes_take(&p->out, dst, cap);
}

static void tls_send(peer *p, const uint8_t *d, size_t n) {
  while (n) {
    int w = mbedtls_ssl_write(&p->ssl, d, n);
    if (w <= 0)
      abort(); /* the output buffer never fills */
    d += w;
    n -= (size_t)w;
  }
}

/* A TSRequest from the server (fields as |t|), sent through TLS. */
static void send_tsrequest(peer *p, rdpneg_tsrequest *t) {
  uint8_t *out;
  size_t len;
  t->version = 6;
  if (rdpneg_tsrequest_write(t, &out, &len))
    abort();
  tls_send(p, out, len);
  free(out);
}

static void put16(uint8_t *b, size_t *o, uint16_t v) {
  b[(*o)++] = (uint8_t)v;
  b[(*o)++] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *b, size_t *o, uint32_t v) {
  put16(b, o, (uint16_t)v);
  put16(b, o, (uint16_t)(v >> 16));
}
static void put_av(uint8_t *b, size_t *o, uint16_t id, const char *ascii) {
  size_t n = strlen(ascii);
  put16(b, o, id);
  put16(b, o, (uint16_t)(2 * n));
  for (size_t i = 0; i < n; i++)
    put16(b, o, (uint8_t)ascii[i]);
}

/* An NTLM CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) with a timestamp, so the
 * client sends a MIC. */
static void make_challenge(peer *p) {
  uint8_t *b = p->challenge;
  size_t o = 0;
  const char *target = "OOM";
  memcpy(b, "NTLMSSP\0", 8);
  o = 8;
  put32(b, &o, 2);
  size_t tn_len = 2 * strlen(target);
  put16(b, &o, (uint16_t)tn_len);
  put16(b, &o, (uint16_t)tn_len);
  put32(b, &o, 56);
  put32(b, &o, RDPNEG_NTLM_CLIENT_FLAGS | RDPNEG_NTLM_TARGET_TYPE_DOMAIN);
  for (int i = 0; i < 8; i++) /* server challenge */
    b[o++] = (uint8_t)(0xA0 + i);
  memset(b + o, 0, 8); /* reserved */
  o += 8;
  size_t ti_fields = o;
  o += 8;      /* TargetInfoFields, filled below */
  b[o++] = 10; /* VERSION 10.0.17763, revision 15 */
  b[o++] = 0;
  put16(b, &o, 17763);
  b[o++] = 0;
  b[o++] = 0;
  b[o++] = 0;
  b[o++] = 15;
  for (size_t i = 0; target[i]; i++) /* TargetName at 56 */
    put16(b, &o, (uint8_t)target[i]);
  size_t ti = o;
  put_av(b, &o, RDPNEG_NTLM_AV_NB_DOMAIN_NAME, "OOM");
  put_av(b, &o, RDPNEG_NTLM_AV_NB_COMPUTER_NAME, "SRV");
  put_av(b, &o, RDPNEG_NTLM_AV_DNS_DOMAIN_NAME, "oom.test");
  put_av(b, &o, RDPNEG_NTLM_AV_DNS_COMPUTER_NAME, "srv.oom.test");
  put16(b, &o, RDPNEG_NTLM_AV_TIMESTAMP);
  put16(b, &o, 8);
  uint64_t now = p->o.now_unix > 0 ? (uint64_t)p->o.now_unix : 1700000000ull;
  uint64_t ft = now * 10000000ull + RDPNEG_NTLM_FILETIME_UNIX_EPOCH;
  put32(b, &o, (uint32_t)ft);
  put32(b, &o, (uint32_t)(ft >> 32));
  put16(b, &o, RDPNEG_NTLM_AV_EOL);
  put16(b, &o, 0);
  size_t f = ti_fields;
  put16(b, &f, (uint16_t)(o - ti));
  put16(b, &f, (uint16_t)(o - ti));
  put32(b, &f, (uint32_t)ti);
  p->challenge_len = o;
}

static void sha256(uint8_t out[32], const char *magic, const uint8_t *nonce,
                   const uint8_t *key, size_t keylen) {
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  mbedtls_md_context_t c;
  mbedtls_md_init(&c);
  if (mbedtls_md_setup(&c, info, 0))
    abort();
  mbedtls_md_starts(&c);
  mbedtls_md_update(&c, (const uint8_t *)magic, strlen(magic) + 1);
  mbedtls_md_update(&c, nonce, 32);
  mbedtls_md_update(&c, key, keylen);
  mbedtls_md_finish(&c, out);
  mbedtls_md_free(&c);
}

static int on_negotiate(peer *p, const rdpneg_tsrequest *r) {
  const uint8_t *neg = r->nego_token;
  size_t negl = r->nego_token_len;
  if (!neg)
    return -1;
  if (negl && neg[0] == 0x60) {
    rdpneg_spnego_init t;
    if (rdpneg_spnego_parse_init(&t, neg, negl) || !t.mech_token)
      return -1;
    p->spnego = 1;
    neg = t.mech_token;
    negl = t.mech_token_len;
  }
  if (negl > sizeof p->negotiate)
    return -1;
  memcpy(p->negotiate, neg, negl);
  p->negotiate_len = negl;
  rdpneg_tsrequest t = {0};
  if (p->spnego && p->o.reject_spnego) {
    /* what a FreeRDP 2.x server does with a SPNEGO-wrapped NEGOTIATE */
    t.present = RDPNEG_TSREQ_ERROR_CODE;
    t.error_code = 0xC0000001u;
    send_tsrequest(p, &t);
    return -1;
  }
  make_challenge(p);
  uint8_t *tok = NULL;
  size_t tokl = 0;
  t.present = RDPNEG_TSREQ_NEGO_TOKENS;
  if (p->spnego) {
    rdpneg_spnego_resp s = {0};
    s.neg_state = RDPNEG_SPNEGO_ACCEPT_INCOMPLETE;
    s.supported_mech = (const uint8_t *)RDPNEG_SPNEGO_OID_NTLM;
    s.supported_mech_len = RDPNEG_SPNEGO_OID_NTLM_LEN;
    s.response_token = p->challenge;
    s.response_token_len = p->challenge_len;
    if (rdpneg_spnego_write_resp(&s, &tok, &tokl))
      abort();
    t.nego_token = tok;
    t.nego_token_len = tokl;
  } else {
    t.nego_token = p->challenge;
    t.nego_token_len = p->challenge_len;
  }
  send_tsrequest(p, &t);
  free(tok);
  p->state = P_AUTHENTICATE;
  return 0;
}

/* The server's half of NTLM: the keys from the password, then the
 * pubKeyAuth answer (CredSSP v5+ binding hash) and, after HYBRID_EX, the
 * Early User Authorization Result. */
static int on_authenticate(peer *p, const rdpneg_tsrequest *r) {
  const uint8_t *auth = r->nego_token, *mlm = NULL;
  size_t authl = r->nego_token_len;
  if (!auth || !(r->present & RDPNEG_TSREQ_CLIENT_NONCE) ||
      r->client_nonce_len != 32)
    return -1;
  if (p->spnego) {
    rdpneg_spnego_resp sr;
    if (rdpneg_spnego_parse_resp(&sr, auth, authl) || !sr.response_token)
      return -1;
    auth = sr.response_token;
    authl = sr.response_token_len;
    mlm = sr.mech_list_mic;
  }
  rdpneg_ntlm_authenticate a;
  if (rdpneg_ntlm_parse_authenticate(&a, auth, authl) || a.nt_response_len < 16)
    return -1;
  char *u = rdpneg_ntlm_utf16_to_utf8(a.user, a.user_len);
  char *d = rdpneg_ntlm_utf16_to_utf8(a.domain, a.domain_len);
  uint8_t k[16], proof[16], sbk[16], key[16];
  int bad = !u || !d || rdpneg_ntlm_ntowfv2(k, PEER_PASSWORD, u, d);
  free(u);
  free(d);
  if (bad)
    return -1;
  rdpneg_ntlm_ntproof(proof, k, p->challenge + 24, a.nt_response + 16,
                      a.nt_response_len - 16);
  rdpneg_ntlm_session_base_key(sbk, k, proof);
  if (a.flags & RDPNEG_NTLM_NEGOTIATE_KEY_EXCH)
    rdpneg_ntlm_rc4k(sbk, a.enc_session_key, 16, key);
  else
    memcpy(key, sbk, 16);
  rdpneg_ntlm_sec sec;
  if (rdpneg_ntlm_sec_init(&sec, key, a.flags, 1))
    return -1;
  uint8_t *tok = NULL, mic[16], plain[32], pka[48];
  size_t tokl = 0;
  rdpneg_tsrequest t = {0};
  if (mlm) {
    size_t ml;
    const uint8_t *mt = rdpneg_spnego_mech_types(&ml);
    int valid = 0;
    rdpneg_ntlm_sec_verify(&sec, mt, ml, mlm, &valid);
    rdpneg_ntlm_sec_reset(&sec, 0);
    rdpneg_ntlm_sec_sign(&sec, mt, ml, mic);
    rdpneg_ntlm_sec_reset(&sec, 1);
    rdpneg_spnego_resp s = {0};
    s.neg_state = RDPNEG_SPNEGO_ACCEPT_COMPLETED;
    s.mech_list_mic = mic;
    s.mech_list_mic_len = 16;
    if (rdpneg_spnego_write_resp(&s, &tok, &tokl))
      abort();
    t.present |= RDPNEG_TSREQ_NEGO_TOKENS;
    t.nego_token = tok;
    t.nego_token_len = tokl;
  }
  sha256(plain, "CredSSP Server-To-Client Binding Hash", r->client_nonce, g_pub,
         g_pub_len);
  rdpneg_ntlm_sec_seal(&sec, plain, sizeof plain, pka);
  rdpneg_ntlm_sec_free(&sec);
  t.present |= RDPNEG_TSREQ_PUB_KEY_AUTH;
  t.pub_key_auth = pka;
  t.pub_key_auth_len = sizeof pka;
  send_tsrequest(p, &t);
  free(tok);
  if (p->o.selected == RDPNEG_PROTOCOL_HYBRID_EX) {
    static const uint8_t success[4] = {0, 0, 0, 0};
    tls_send(p, success, sizeof success);
  }
  p->state = P_DRAIN;
  return 0;
}

static int x224(peer *p) {
  if (p->in.len < 4)
    return 0;
  size_t len = (size_t)(p->in.b[2] << 8 | p->in.b[3]);
  if (p->in.b[0] != 3 || len < 11)
    return -1;
  if (p->in.len < len)
    return 0;
  uint32_t req = 0;
  if (len >= 19 && p->in.b[len - 8] == 0x01)
    req = (uint32_t)p->in.b[len - 4] | (uint32_t)p->in.b[len - 3] << 8;
  uint8_t tmp[512];
  bytes_take(&p->in, tmp, len);
  uint32_t sel = p->o.selected;
  if (!(req & sel))
    sel =
        (req & RDPNEG_PROTOCOL_SSL) ? RDPNEG_PROTOCOL_SSL : RDPNEG_PROTOCOL_RDP;
  const uint8_t cc[19] = {3, 0, 0, 19, 14, 0xd0,         0, 0, 0x12, 0x34,
                          0, 2, 0, 8,  0,  (uint8_t)sel, 0, 0, 0};
  bytes_put(&p->out, cc, sizeof cc);
  p->state = sel == RDPNEG_PROTOCOL_RDP ? P_CLOSED : P_TLS;
  return 0;
}

static int pump(peer *p) {
  if (p->state == P_X224 && x224(p) < 0)
    return -1;
  if (p->state == P_TLS) {
    int rc = mbedtls_ssl_handshake(&p->ssl);
    p->last_rc = rc;
    if (rc == 0)
      p->state = P_NEGOTIATE;
    else if (rc != MBEDTLS_ERR_SSL_WANT_READ)
      return -1;
  }
  while (p->state >= P_NEGOTIATE && p->state < P_CLOSED) {
    uint8_t buf[4096];
    int n = mbedtls_ssl_read(&p->ssl, buf, sizeof buf);
    if (n == MBEDTLS_ERR_SSL_WANT_READ)
      break;
    if (n <= 0) { /* close_notify or an error: the client is gone */
      mbedtls_ssl_close_notify(&p->ssl);
      p->state = P_CLOSED;
      break;
    }
    bytes_put(&p->app, buf, (size_t)n);
    long fl;
    while (p->state < P_DRAIN &&
           (fl = rdpneg_tsrequest_frame_len(p->app.b, p->app.len)) > 0) {
      rdpneg_tsrequest r;
      uint8_t *msg = malloc((size_t)fl);
      if (!msg)
        abort();
      bytes_take(&p->app, msg, (size_t)fl);
      int rc = rdpneg_tsrequest_parse(&r, msg, (size_t)fl);
      if (!rc)
        rc = p->state == P_NEGOTIATE ? on_negotiate(p, &r)
                                     : on_authenticate(p, &r);
      free(msg);
      if (rc < 0)
        return -1;
    }
  }
  return 0;
}

int peer_input(peer *p, const uint8_t *data, size_t len) {
  if (p->state == P_CLOSED)
    return 0;
  oom_pause();
  p->rx += len;
  bytes_put(&p->in, data, len);
  int rc = pump(p);
  if (rc < 0) {
    if (p->state >= P_NEGOTIATE)
      mbedtls_ssl_close_notify(&p->ssl);
    p->state = P_CLOSED;
  }
  oom_resume();
  return rc;
}

void peer_run(peer *p, rdpneg_session *s, uint64_t ts) {
  uint8_t buf[16384];
  for (int step = 0; step < 100 && !rdpneg_session_done(s); step++) {
    rdpneg_ssize n;
    while ((n = rdpneg_session_write(s, buf, sizeof buf, ts)) > 0)
      peer_input(p, buf, (size_t)n);
    size_t m;
    while ((m = peer_output(p, buf, sizeof buf)) > 0)
      if (!rdpneg_session_done(s))
        rdpneg_session_read(s, buf, m, ts);
    if (peer_closed(p) && !rdpneg_session_done(s))
      rdpneg_session_transport_closed(s, RDPNEG_CLOSE_EOF, 0, ts);
    ts += 1000000u;
  }
}
