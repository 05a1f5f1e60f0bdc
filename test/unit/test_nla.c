/* SPDX-License-Identifier: Apache-2.0 */
/* NLA (CredSSP client) state machine against a scripted server.
 *
 * The server side is played with the same NTLM primitives, doing what a
 * real server does: it answers with a real captured CHALLENGE (Windows 7,
 * CredSSP v2, raw NTLM; Server 2019, SPNEGO), then checks the client's
 * AUTHENTICATE the hard way (NTProofStr from its own copy of the password,
 * session key, MIC, mechListMIC, pubKeyAuth) before answering. */
#include "output/document.h"
#include "tap.h"

#include "proto/credssp.h"
#include "base/json.h"
#include "proto/nla.h"
#include "proto/ntlm.h"
#include "proto/spnego.h"

#include <rdpneg/rdpneg.h>

#include <mbedtls/md.h>

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

#define REDEMPTION_CHALLENGE                                                   \
  "redemption/credssp_winxp_client_win7_server/"                               \
  "02_server_tsrequest_v2_ntlm_challenge_win7.bin"
#define SCAPY_CHALLENGE "scapy/ntlm_uts_tok2_spnego_ntlm_challenge_server.bin"

static const char *const PASSWORD = "Tr0ub4dor&3-secret";

/* A 270-byte stand-in for an RSAPublicKey (what mbedtls_pk_write_pubkey
 * writes for a 2048-bit key): only its bytes matter to CredSSP. */
static uint8_t pubkey[270];
static void init_pubkey(void) {
  pubkey[0] = 0x30;
  pubkey[1] = 0x82;
  pubkey[2] = 0x01;
  pubkey[3] = 0x0a;
  for (size_t i = 4; i < sizeof pubkey; i++)
    pubkey[i] = (uint8_t)(i * 7 + 3);
}

static int test_rng(void *ctx, unsigned char *buf, size_t len) {
  unsigned *ctr = ctx;
  for (size_t i = 0; i < len; i++)
    buf[i] = (unsigned char)(++*ctr * 31);
  return 0;
}

static int failing_rng(void *ctx, unsigned char *buf, size_t len) {
  (void)ctx;
  (void)buf;
  (void)len;
  return -1;
}

static void sha256(uint8_t out[32], const char *magic, const uint8_t *nonce,
                   const uint8_t *key, size_t keylen) {
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  mbedtls_md_context_t c;
  mbedtls_md_init(&c);
  mbedtls_md_setup(&c, info, 0);
  mbedtls_md_starts(&c);
  mbedtls_md_update(&c, (const uint8_t *)magic, strlen(magic) + 1);
  mbedtls_md_update(&c, nonce, 32);
  mbedtls_md_update(&c, key, keylen);
  mbedtls_md_finish(&c, out);
  mbedtls_md_free(&c);
}

/* ---- the scripted server ---------------------------------------------- */

typedef struct srv {
  uint32_t version; /* announced in every TSRequest */
  int spnego;       /* CHALLENGE comes SPNEGO-wrapped */
  const char *password;
  const uint8_t *key; /* the TLS public key the server really has */
  size_t key_len;
  uint8_t *chal_token; /* what goes into negoTokens (NTLM or NegTokenResp) */
  size_t chal_token_len;
  const uint8_t *chal_msg; /* the NTLM CHALLENGE inside */
  size_t chal_msg_len;
  uint8_t negotiate[64];
  size_t negotiate_len;
  /* after AUTHENTICATE */
  int client_version;
  int ntproof_ok, mic_ok, mech_list_mic_ok, pubkey_ok, has_nonce;
  int mic_present, mech_list_mic_present;
  int corrupt_mech_list_mic; /* send a wrong mechListMIC */
  uint8_t nonce[32];
  rdpneg_ntlm_sec sec;
  int have_sec;
  char user[64], domain[64];
} srv;

static void srv_free(srv *s) {
  free(s->chal_token);
  if (s->have_sec)
    rdpneg_ntlm_sec_free(&s->sec);
}

/* Loads the captured CHALLENGE for the server's mode. 0 if absent. */
static int srv_init(srv *s, uint32_t version, int spnego) {
  memset(s, 0, sizeof *s);
  s->version = version;
  s->spnego = spnego;
  s->password = PASSWORD;
  s->key = pubkey;
  s->key_len = sizeof pubkey;
  size_t l;
  unsigned char *b = load(spnego ? SCAPY_CHALLENGE : REDEMPTION_CHALLENGE, &l);
  if (!b)
    return 0;
  if (spnego) {
    s->chal_token = b;
    s->chal_token_len = l;
    rdpneg_spnego_resp r;
    if (rdpneg_spnego_parse_resp(&r, b, l))
      return 0;
    s->chal_msg = r.response_token;
    s->chal_msg_len = r.response_token_len;
  } else {
    rdpneg_tsrequest r;
    if (rdpneg_tsrequest_parse(&r, b, l)) {
      free(b);
      return 0;
    }
    s->chal_token = malloc(r.nego_token_len);
    memcpy(s->chal_token, r.nego_token, r.nego_token_len);
    s->chal_token_len = r.nego_token_len;
    free(b);
    s->chal_msg = s->chal_token;
    s->chal_msg_len = s->chal_token_len;
  }
  return 1;
}

/* Takes everything the client queued. */
static uint8_t *client_out(rdpneg_nla *n, size_t *len) {
  const uint8_t *p = rdpneg_nla_output(n, len);
  CHECK_EQ_INT(*len, rdpneg_nla_pending(n));
  uint8_t *b = *len ? malloc(*len) : NULL;
  if (b)
    memcpy(b, p, *len);
  rdpneg_nla_output_consume(n, *len);
  CHECK_EQ_INT(rdpneg_nla_pending(n), 0);
  return b;
}

/* Checks the client's first TSRequest and remembers its NEGOTIATE. */
static int srv_on_negotiate(srv *s, const uint8_t *buf, size_t len,
                            int expect_spnego) {
  rdpneg_tsrequest r;
  if (rdpneg_tsrequest_parse(&r, buf, len) || r.version != 6 ||
      r.present != RDPNEG_TSREQ_NEGO_TOKENS || !r.nego_token)
    return 0;
  const uint8_t *neg = r.nego_token;
  size_t negl = r.nego_token_len;
  if (expect_spnego) {
    rdpneg_spnego_init t;
    if (rdpneg_spnego_parse_init(&t, r.nego_token, r.nego_token_len) ||
        !t.has_ntlm || !t.mech_token)
      return 0;
    neg = t.mech_token;
    negl = t.mech_token_len;
  }
  rdpneg_ntlm_negotiate n;
  if (rdpneg_ntlm_parse_negotiate(&n, neg, negl) ||
      n.flags != RDPNEG_NTLM_CLIENT_FLAGS || negl > sizeof s->negotiate)
    return 0;
  memcpy(s->negotiate, neg, negl);
  s->negotiate_len = negl;
  return 1;
}

static uint8_t *srv_challenge(srv *s, size_t *len) {
  rdpneg_tsrequest r = {0};
  r.version = s->version;
  r.present = RDPNEG_TSREQ_NEGO_TOKENS;
  r.nego_token = s->chal_token;
  r.nego_token_len = s->chal_token_len;
  uint8_t *out;
  rdpneg_tsrequest_write(&r, &out, len);
  return out;
}

/* What a server does with AUTHENTICATE + pubKeyAuth. Returns 1 when the
 * message is well formed (the flags say what verified). */
static int srv_on_authenticate(srv *s, const uint8_t *buf, size_t len) {
  rdpneg_tsrequest r;
  if (rdpneg_tsrequest_parse(&r, buf, len) || !r.nego_token ||
      !(r.present & RDPNEG_TSREQ_PUB_KEY_AUTH) ||
      (r.present & RDPNEG_TSREQ_AUTH_INFO) ||
      (r.present & RDPNEG_TSREQ_ERROR_CODE))
    return 0;
  s->client_version = (int)r.version;
  const uint8_t *auth = r.nego_token, *mlm = NULL;
  size_t authl = r.nego_token_len;
  if (s->spnego) {
    rdpneg_spnego_resp sr;
    if (rdpneg_spnego_parse_resp(&sr, r.nego_token, r.nego_token_len) ||
        !sr.response_token)
      return 0;
    auth = sr.response_token;
    authl = sr.response_token_len;
    if (sr.mech_list_mic) {
      if (sr.mech_list_mic_len != 16)
        return 0;
      mlm = sr.mech_list_mic;
      s->mech_list_mic_present = 1;
    }
  }
  rdpneg_ntlm_authenticate a;
  if (rdpneg_ntlm_parse_authenticate(&a, auth, authl))
    return 0;
  s->mic_present = a.has_mic;
  char *u = rdpneg_ntlm_utf16_to_utf8(a.user, a.user_len);
  char *d = rdpneg_ntlm_utf16_to_utf8(a.domain, a.domain_len);
  snprintf(s->user, sizeof s->user, "%s", u);
  snprintf(s->domain, sizeof s->domain, "%s", d);
  rdpneg_ntlm_challenge c;
  rdpneg_ntlm_parse_challenge(&c, s->chal_msg, s->chal_msg_len);
  uint8_t k[16], proof[16], sbk[16], key[16], mic[16];
  rdpneg_ntlm_ntowfv2(k, s->password, u, d);
  free(u);
  free(d);
  rdpneg_ntlm_ntproof(proof, k, c.server_challenge, a.nt_response + 16,
                      a.nt_response_len - 16);
  rdpneg_ntlm_challenge_free(&c);
  s->ntproof_ok = memcmp(proof, a.nt_response, 16) == 0;
  if (!s->ntproof_ok)
    return 1; /* wrong password: nothing else can verify */
  rdpneg_ntlm_session_base_key(sbk, k, proof);
  if (a.flags & RDPNEG_NTLM_NEGOTIATE_KEY_EXCH)
    rdpneg_ntlm_rc4k(sbk, a.enc_session_key, 16, key);
  else
    memcpy(key, sbk, 16);
  if (a.has_mic) {
    rdpneg_ntlm_mic(mic, key, s->negotiate, s->negotiate_len, s->chal_msg,
                    s->chal_msg_len, auth, authl);
    s->mic_ok = memcmp(mic, a.mic, 16) == 0;
  }
  rdpneg_ntlm_sec_init(&s->sec, key, a.flags, 1);
  s->have_sec = 1;
  if (mlm) {
    size_t ml;
    const uint8_t *mt = rdpneg_spnego_mech_types(&ml);
    int valid = 0;
    rdpneg_ntlm_sec_verify(&s->sec, mt, ml, mlm, &valid);
    s->mech_list_mic_ok = valid;
    rdpneg_ntlm_sec_reset(&s->sec, 0);
  }
  uint8_t plain[512];
  int valid = 0;
  if (r.pub_key_auth_len < 16 || r.pub_key_auth_len - 16 > sizeof plain)
    return 0;
  rdpneg_ntlm_sec_unseal(&s->sec, r.pub_key_auth, r.pub_key_auth_len, plain,
                         &valid);
  size_t pl = r.pub_key_auth_len - 16;
  uint32_t v = s->version < 6 ? s->version : 6;
  s->has_nonce =
      (r.present & RDPNEG_TSREQ_CLIENT_NONCE) && r.client_nonce_len == 32;
  if (s->has_nonce)
    memcpy(s->nonce, r.client_nonce, 32);
  if (v >= 5) {
    uint8_t h[32];
    sha256(h, "CredSSP Client-To-Server Binding Hash", s->nonce, s->key,
           s->key_len);
    s->pubkey_ok =
        valid && s->has_nonce && pl == 32 && memcmp(h, plain, 32) == 0;
  } else {
    s->pubkey_ok = valid && pl == s->key_len && memcmp(plain, s->key, pl) == 0;
  }
  return 1;
}

/* The server's happy answer: [final NegTokenResp +] pubKeyAuth. */
static uint8_t *srv_success(srv *s, size_t *len) {
  uint8_t *tok = NULL, pka[16 + 512], plain[512];
  size_t tokl = 0, pl;
  if (s->spnego) {
    rdpneg_spnego_resp r = {0};
    uint8_t mic[16];
    r.neg_state = RDPNEG_SPNEGO_ACCEPT_COMPLETED;
    if (s->mech_list_mic_present) {
      size_t ml;
      const uint8_t *mt = rdpneg_spnego_mech_types(&ml);
      rdpneg_ntlm_sec_sign(&s->sec, mt, ml, mic);
      rdpneg_ntlm_sec_reset(&s->sec, 1);
      if (s->corrupt_mech_list_mic)
        mic[5] ^= 0x40;
      r.mech_list_mic = mic;
      r.mech_list_mic_len = 16;
    }
    rdpneg_spnego_write_resp(&r, &tok, &tokl);
  }
  if ((s->version < 6 ? s->version : 6) >= 5) {
    sha256(plain, "CredSSP Server-To-Client Binding Hash", s->nonce, s->key,
           s->key_len);
    pl = 32;
  } else {
    memcpy(plain, s->key, s->key_len);
    plain[0]++;
    pl = s->key_len;
  }
  rdpneg_ntlm_sec_seal(&s->sec, plain, pl, pka);
  rdpneg_tsrequest t = {0};
  t.version = s->version;
  t.present = RDPNEG_TSREQ_PUB_KEY_AUTH;
  t.pub_key_auth = pka;
  t.pub_key_auth_len = 16 + pl;
  if (tok) {
    t.present |= RDPNEG_TSREQ_NEGO_TOKENS;
    t.nego_token = tok;
    t.nego_token_len = tokl;
  }
  uint8_t *out;
  rdpneg_tsrequest_write(&t, &out, len);
  free(tok);
  return out;
}

static uint8_t *srv_error(uint32_t version, uint32_t status, size_t *len) {
  rdpneg_tsrequest t = {0};
  t.version = version;
  t.present = RDPNEG_TSREQ_ERROR_CODE;
  t.error_code = status;
  uint8_t *out;
  rdpneg_tsrequest_write(&t, &out, len);
  return out;
}

/* ---- client helpers ------------------------------------------------------ */

static unsigned rng_ctr;

static rdpneg_nla *new_client(int spnego, int creds, int hybrid_ex,
                              int64_t now) {
  rdpneg_nla_params p = {0};
  p.use_spnego = spnego;
  if (creds) {
    p.user = "alice";
    p.domain = "WIN7";
    p.password = PASSWORD;
    p.workstation = "PROBE";
    p.target_spn = "TERMSRV/win7";
    p.server_pubkey = pubkey;
    p.server_pubkey_len = sizeof pubkey;
    p.rng = test_rng;
    p.rng_ctx = &rng_ctr;
  }
  p.hybrid_ex = hybrid_ex;
  p.now_unix = now;
  rdpneg_nla *n = NULL;
  if (rdpneg_nla_new(&n, &p) || rdpneg_nla_start(n)) {
    rdpneg_nla_free(n);
    return NULL;
  }
  return n;
}

/* The "nla" members the probe document writes for |n|'s evidence. */
static char *json_of(const rdpneg_nla *n) {
  rdpneg_nla_ev e;
  rdpneg_json w;
  rdpneg_nla_evidence(n, &e);
  rdpneg_json_init(&w, 0);
  rdpneg_json_obj_begin(&w, NULL);
  rdpneg_doc_nla_members(&w, &e);
  rdpneg_json_obj_end(&w);
  return rdpneg_json_take(&w, NULL);
}

#define CHECK_CONTAINS(hay, needle)                                            \
  do {                                                                         \
    const char *h_ = (hay);                                                    \
    if (!h_ || !strstr(h_, (needle))) {                                        \
      if (!tap_cur_failed)                                                     \
        printf("# %s:%d: missing %s in %s\n", __FILE__, __LINE__, (needle),    \
               h_ ? h_ : "(null)");                                            \
      tap_cur_failed = 1;                                                      \
    }                                                                          \
  } while (0)

/* Runs NEGOTIATE -> CHALLENGE. Returns the client, NULL on failure. */
static rdpneg_nla *to_challenge(srv *s, int creds, int hybrid_ex, int64_t now) {
  rdpneg_nla *n = new_client(s->spnego, creds, hybrid_ex, now);
  if (!n)
    return NULL;
  size_t l;
  uint8_t *b = client_out(n, &l);
  int ok = srv_on_negotiate(s, b, l, s->spnego);
  free(b);
  if (!ok) {
    rdpneg_nla_free(n);
    return NULL;
  }
  b = srv_challenge(s, &l);
  int rc = rdpneg_nla_input(n, b, l);
  free(b);
  if (rc) {
    rdpneg_nla_free(n);
    return NULL;
  }
  return n;
}

/* ---- tests ------------------------------------------------------------ */

TAP_TEST(no_credentials_win7_v2) {
  size_t l;
  unsigned char *b = load(REDEMPTION_CHALLENGE, &l);
  if (!b)
    TAP_SKIP("captures not available");
  /* the server's clock says 2011-01-10T02:14:25Z; ours is 100 s ahead */
  rdpneg_nla *n = new_client(0, 0, 0, 1294625665 + 100);
  CHECK(n != NULL);
  CHECK_EQ_INT(rdpneg_nla_get_status(n), RDPNEG_NLA_STATUS_RUNNING);
  size_t ol;
  uint8_t *o = client_out(n, &ol);
  rdpneg_tsrequest r;
  CHECK_EQ_INT(rdpneg_tsrequest_parse(&r, o, ol), 0);
  CHECK_EQ_INT(r.version, 6);
  CHECK_EQ_INT(r.nego_token_len, 40);
  CHECK(memcmp(r.nego_token, "NTLMSSP\0\1\0\0\0\x35\x82\x88\xe2", 16) == 0);
  free(o);
  CHECK_EQ_INT(rdpneg_nla_done(n), 0);
  /* the captured bytes, fed in three pieces */
  CHECK_EQ_INT(rdpneg_nla_input(n, b, 1), 0);
  CHECK_EQ_INT(rdpneg_nla_input(n, b + 1, 50), 0);
  CHECK_EQ_INT(rdpneg_nla_done(n), 0);
  CHECK_EQ_INT(rdpneg_nla_input(n, b + 51, l - 51), 0);
  CHECK_EQ_INT(rdpneg_nla_done(n), 1);
  CHECK_EQ_INT(rdpneg_nla_get_status(n), RDPNEG_NLA_STATUS_OK);
  CHECK_EQ_INT(rdpneg_nla_get_auth(n), RDPNEG_NLA_AUTH_NOT_TESTED);
  CHECK_EQ_INT(rdpneg_nla_credssp_version(n), 2);
  CHECK_EQ_INT(rdpneg_nla_pending(n), 0);
  int64_t skew = 0;
  CHECK_EQ_INT(rdpneg_nla_clock_skew(n, &skew), 1);
  CHECK_EQ_INT(skew, -100);
  const rdpneg_ntlm_challenge *c = rdpneg_nla_challenge(n);
  CHECK(c != NULL);
  CHECK_EQ_STR(c->target_name, "WIN7");
  char *j = json_of(n);
  CHECK_CONTAINS(j, "\"status\":\"ok\"");
  CHECK_CONTAINS(j, "\"spnego\":false");
  CHECK_CONTAINS(j, "\"credssp_version\":2");
  CHECK_CONTAINS(j, "\"target_name\":\"WIN7\"");
  CHECK_CONTAINS(j, "\"netbios_domain\":\"WIN7\"");
  CHECK_CONTAINS(j, "\"netbios_computer\":\"WIN7\"");
  CHECK_CONTAINS(j, "\"dns_domain\":\"win7\"");
  CHECK_CONTAINS(j, "\"dns_computer\":\"win7\"");
  CHECK_CONTAINS(j, "\"dns_tree\":null");
  CHECK_CONTAINS(j, "\"os_version\":\"6.1.7600\"");
  CHECK_CONTAINS(j, "\"server_time\":\"2011-01-10T02:14:25Z\"");
  CHECK_CONTAINS(j, "\"clock_skew_s\":-100");
  CHECK_CONTAINS(j, "\"NEGOTIATE_KEY_EXCH\"");
  CHECK_CONTAINS(j, "\"TARGET_TYPE_SERVER\"");
  CHECK_CONTAINS(j, "\"auth\":\"not_tested\"");
  CHECK_CONTAINS(j, "\"error\":null");
  CHECK_CONTAINS(j, "\"early_user_auth\":null");
  free(j);
  /* more input or a close after the end changes nothing */
  CHECK_EQ_INT(rdpneg_nla_input(n, b, l), 0);
  CHECK_EQ_INT(rdpneg_nla_peer_closed(n), 0);
  CHECK_EQ_INT(rdpneg_nla_get_status(n), RDPNEG_NLA_STATUS_OK);
  rdpneg_nla_free(n);
  free(b);
}

TAP_TEST(no_credentials_spnego_v6) {
  srv s;
  if (!srv_init(&s, 6, 1)) {
    srv_free(&s);
    TAP_SKIP("captures not available");
  }
  rdpneg_nla *n = to_challenge(&s, 0, 0, 0);
  CHECK(n != NULL);
  if (n) {
    CHECK_EQ_INT(rdpneg_nla_done(n), 1);
    CHECK_EQ_INT(rdpneg_nla_spnego(n), 1);
    CHECK_EQ_INT(rdpneg_nla_clock_skew(n, NULL), 0); /* now unknown */
    char *j = json_of(n);
    CHECK_CONTAINS(j, "\"spnego\":true");
    CHECK_CONTAINS(j, "\"credssp_version\":6");
    CHECK_CONTAINS(j, "\"dns_computer\":\"DC1.domain.local\"");
    CHECK_CONTAINS(j, "\"os_version\":\"10.0.17763\"");
    CHECK_CONTAINS(j, "\"server_time\":\"2023-05-24T00:01:36Z\"");
    CHECK_CONTAINS(j, "\"clock_skew_s\":null");
    free(j);
  }
  rdpneg_nla_free(n);
  srv_free(&s);
}

/* Full exchange for every server version, raw NTLM and SPNEGO. */
TAP_TEST(credentials_accepted_all_versions) {
  for (int spnego = 0; spnego <= 1; spnego++) {
    for (uint32_t v = 2; v <= 7; v++) {
      srv s;
      if (!srv_init(&s, v, spnego)) {
        srv_free(&s);
        TAP_SKIP("captures not available");
      }
      rdpneg_nla *n = to_challenge(&s, 1, 0, 1700000000);
      CHECK(n != NULL);
      if (!n) {
        srv_free(&s);
        continue;
      }
      CHECK_EQ_INT(rdpneg_nla_done(n), 0);
      size_t l;
      uint8_t *b = client_out(n, &l);
      CHECK_EQ_INT(srv_on_authenticate(&s, b, l), 1);
      free(b);
      /* what the server checked */
      CHECK_EQ_INT(s.client_version, 6); /* same version as NEGOTIATE */
      CHECK(s.ntproof_ok);
      CHECK(s.mic_present && s.mic_ok); /* both CHALLENGEs have a time */
      CHECK_EQ_INT(s.mech_list_mic_present, spnego);
      CHECK_EQ_INT(s.mech_list_mic_ok, spnego);
      CHECK_EQ_INT(s.has_nonce, v >= 5);
      CHECK(s.pubkey_ok);
      CHECK_EQ_STR(s.user, "alice");
      CHECK_EQ_STR(s.domain, "WIN7");
      b = srv_success(&s, &l);
      CHECK_EQ_INT(rdpneg_nla_input(n, b, l), 0);
      free(b);
      CHECK_EQ_INT(rdpneg_nla_done(n), 1);
      CHECK_EQ_INT(rdpneg_nla_get_status(n), RDPNEG_NLA_STATUS_OK);
      CHECK_EQ_INT(rdpneg_nla_get_auth(n), RDPNEG_NLA_AUTH_SUCCESS);
      CHECK_EQ_INT(rdpneg_nla_error(n), 0);
      CHECK_EQ_INT(rdpneg_nla_credssp_version(n), (int)v);
      CHECK_EQ_INT(rdpneg_nla_pending(n), 0); /* no TSCredentials */
      CHECK_EQ_INT(rdpneg_nla_peer_closed(n), 0);
      char *j = json_of(n);
      CHECK_CONTAINS(j, "\"auth\":\"success\"");
      CHECK(!strstr(j, PASSWORD));
      CHECK(!strstr(rdpneg_nla_detail(n), PASSWORD));
      free(j);
      rdpneg_nla_free(n);
      srv_free(&s);
    }
  }
}

TAP_TEST(error_code_after_authenticate) {
  static const struct {
    uint32_t st;
    int err;
    const char *name;
  } cases[] = {
      {0xC000006Du, RDPNEG_ERR_AUTH_FAILED, "STATUS_LOGON_FAILURE"},
      {0xC0000224u, RDPNEG_ERR_AUTH_FAILED, "STATUS_PASSWORD_MUST_CHANGE"},
      {0xC0000071u, RDPNEG_ERR_AUTH_FAILED, "STATUS_PASSWORD_EXPIRED"},
      {0xC0000234u, RDPNEG_ERR_AUTH_FAILED, "STATUS_ACCOUNT_LOCKED_OUT"},
      {0xC0000072u, RDPNEG_ERR_AUTH_FAILED, "STATUS_ACCOUNT_DISABLED"},
      {0xC000015Bu, RDPNEG_ERR_AUTH_ACCESS_DENIED,
       "STATUS_LOGON_TYPE_NOT_GRANTED"},
      {0x8009030Cu, RDPNEG_ERR_AUTH_FAILED, "SEC_E_LOGON_DENIED"},
      {0xC0001234u, RDPNEG_ERR_AUTH_FAILED, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    srv s;
    if (!srv_init(&s, 6, 0)) {
      srv_free(&s);
      TAP_SKIP("captures not available");
    }
    s.password = "not-the-same"; /* the server's account has another one */
    rdpneg_nla *n = to_challenge(&s, 1, 0, 0);
    CHECK(n != NULL);
    if (!n) {
      srv_free(&s);
      continue;
    }
    size_t l;
    uint8_t *b = client_out(n, &l);
    CHECK_EQ_INT(srv_on_authenticate(&s, b, l), 1);
    CHECK(!s.ntproof_ok);
    free(b);
    b = srv_error(6, cases[i].st, &l);
    CHECK_EQ_INT(rdpneg_nla_input(n, b, l), cases[i].err);
    free(b);
    CHECK_EQ_INT(rdpneg_nla_done(n), 1);
    CHECK_EQ_INT(rdpneg_nla_get_status(n), RDPNEG_NLA_STATUS_FAILED);
    CHECK_EQ_INT(rdpneg_nla_get_auth(n), RDPNEG_NLA_AUTH_FAILED);
    uint32_t st = 0;
    CHECK_EQ_INT(rdpneg_nla_ntstatus(n, &st), 1);
    CHECK(st == cases[i].st);
    char *j = json_of(n);
    CHECK_CONTAINS(j, "\"auth\":\"failed\"");
    CHECK_CONTAINS(j, "\"status\":\"failed\"");
    char hex[32];
    snprintf(hex, sizeof hex, "\"ntstatus\":\"0x%08X\"", (unsigned)cases[i].st);
    CHECK_CONTAINS(j, hex);
    if (cases[i].name) {
      char nm[80];
      snprintf(nm, sizeof nm, "\"name\":\"%s\"", cases[i].name);
      CHECK_CONTAINS(j, nm);
      CHECK_CONTAINS(rdpneg_nla_detail(n), cases[i].name);
    } else
      CHECK_CONTAINS(j, "\"name\":null");
    free(j);
    /* later input returns the same error */
    CHECK_EQ_INT(rdpneg_nla_input(n, (const uint8_t *)"\x30", 1), cases[i].err);
    rdpneg_nla_free(n);
    srv_free(&s);
  }
}

TAP_TEST(closed_after_authenticate) {
  srv s;
  if (!srv_init(&s, 6, 0)) {
    srv_free(&s);
    TAP_SKIP("captures not available");
  }
  rdpneg_nla *n = to_challenge(&s, 1, 0, 0);
  CHECK(n != NULL);
  if (n) {
    size_t l;
    free(client_out(n, &l));
    /* what FreeRDP's shadow server does with a wrong password */
    CHECK_EQ_INT(rdpneg_nla_peer_closed(n), RDPNEG_ERR_AUTH_CLOSED);
    CHECK_EQ_INT(rdpneg_nla_done(n), 1);
    CHECK_EQ_INT(rdpneg_nla_get_auth(n), RDPNEG_NLA_AUTH_FAILED);
    CHECK_EQ_INT(rdpneg_nla_ntstatus(n, NULL), 0);
    char *j = json_of(n);
    CHECK_CONTAINS(j, "\"name\":\"RDPNEG_ERR_AUTH_CLOSED\"");
    CHECK_CONTAINS(j, "\"ntstatus\":null");
    CHECK_CONTAINS(j, "\"auth\":\"failed\"");
    free(j);
  }
  rdpneg_nla_free(n);
  srv_free(&s);
}

TAP_TEST(closed_or_refused_before_challenge) {
  rdpneg_nla *n = new_client(1, 1, 0, 0);
  CHECK(n != NULL);
  size_t l;
  free(client_out(n, &l));
  CHECK_EQ_INT(rdpneg_nla_peer_closed(n), RDPNEG_ERR_PEER_CLOSED);
  CHECK_EQ_INT(rdpneg_nla_get_auth(n), RDPNEG_NLA_AUTH_NOT_TESTED);
  CHECK_EQ_INT(rdpneg_nla_get_status(n), RDPNEG_NLA_STATUS_FAILED);
  rdpneg_nla_free(n);

  /* errorCode instead of a CHALLENGE: failed, credentials not tested */
  n = new_client(0, 1, 0, 0);
  free(client_out(n, &l));
  uint8_t *b = srv_error(6, 0x80090302u, &l);
  CHECK_EQ_INT(rdpneg_nla_input(n, b, l), RDPNEG_ERR_AUTH_FAILED);
  free(b);
  CHECK_EQ_INT(rdpneg_nla_get_auth(n), RDPNEG_NLA_AUTH_NOT_TESTED);
  CHECK_CONTAINS(rdpneg_nla_detail(n), "SEC_E_UNSUPPORTED_FUNCTION");
  char *j = json_of(n);
  CHECK_CONTAINS(j, "\"name\":\"SEC_E_UNSUPPORTED_FUNCTION\"");
  CHECK_CONTAINS(j, "\"ntlm\":null");
  free(j);
  rdpneg_nla_free(n);

  /* SPNEGO reject: NTLM refused by policy */
  n = new_client(1, 1, 0, 0);
  free(client_out(n, &l));
  rdpneg_spnego_resp rej = {0};
  rej.neg_state = RDPNEG_SPNEGO_REJECT;
  uint8_t *tok;
  size_t tl;
  rdpneg_spnego_write_resp(&rej, &tok, &tl);
  rdpneg_tsrequest t = {0};
  t.version = 6;
  t.present = RDPNEG_TSREQ_NEGO_TOKENS;
  t.nego_token = tok;
  t.nego_token_len = tl;
  rdpneg_tsrequest_write(&t, &b, &l);
  CHECK_EQ_INT(rdpneg_nla_input(n, b, l), RDPNEG_ERR_UNSUPPORTED);
  free(b);
  free(tok);
  rdpneg_nla_free(n);
}

TAP_TEST(pubkey_mismatch) {
  srv s;
  if (!srv_init(&s, 6, 1)) {
    srv_free(&s);
    TAP_SKIP("captures not available");
  }
  /* a TLS-intercepting middlebox: the real server's key differs */
  uint8_t other[270];
  memcpy(other, pubkey, sizeof other);
  other[100] ^= 0x80;
  s.key = other;
  rdpneg_nla *n = to_challenge(&s, 1, 0, 0);
  CHECK(n != NULL);
  if (n) {
    size_t l;
    uint8_t *b = client_out(n, &l);
    CHECK_EQ_INT(srv_on_authenticate(&s, b, l), 1);
    CHECK(s.ntproof_ok && !s.pubkey_ok);
    free(b);
    b = srv_success(&s, &l);
    CHECK_EQ_INT(rdpneg_nla_input(n, b, l), RDPNEG_ERR_PUBKEY_MISMATCH);
    free(b);
    CHECK_EQ_INT(rdpneg_nla_get_status(n), RDPNEG_NLA_STATUS_FAILED);
  }
  rdpneg_nla_free(n);
  srv_free(&s);

  /* v2 echo with a bad seal (flipped ciphertext) */
  if (!srv_init(&s, 2, 0)) {
    srv_free(&s);
    TAP_SKIP("captures not available");
  }
  n = to_challenge(&s, 1, 0, 0);
  if (n) {
    size_t l;
    uint8_t *b = client_out(n, &l);
    srv_on_authenticate(&s, b, l);
    free(b);
    b = srv_success(&s, &l);
    b[l - 1] ^= 1;
    CHECK_EQ_INT(rdpneg_nla_input(n, b, l), RDPNEG_ERR_PUBKEY_MISMATCH);
    CHECK_CONTAINS(rdpneg_nla_detail(n), "signature");
    free(b);
  }
  rdpneg_nla_free(n);
  srv_free(&s);
}

TAP_TEST(early_user_authorization) {
  static const struct {
    uint8_t pdu[4];
    int err, auth;
    const char *json;
  } cases[] = {
      {{0, 0, 0, 0}, 0, RDPNEG_NLA_AUTH_SUCCESS, "\"AUTHZ_SUCCESS\""},
      {{5, 0, 0, 0},
       RDPNEG_ERR_AUTH_ACCESS_DENIED,
       RDPNEG_NLA_AUTH_FAILED,
       "\"AUTHZ_ACCESS_DENIED\""},
  };
  for (int i = 0; i < 2; i++) {
    srv s;
    if (!srv_init(&s, 6, 1)) {
      srv_free(&s);
      TAP_SKIP("captures not available");
    }
    rdpneg_nla *n = to_challenge(&s, 1, 1, 0);
    CHECK(n != NULL);
    if (!n) {
      srv_free(&s);
      continue;
    }
    size_t l;
    uint8_t *b = client_out(n, &l);
    srv_on_authenticate(&s, b, l);
    free(b);
    b = srv_success(&s, &l);
    /* pubKeyAuth and the EUA PDU in one read, then byte by byte */
    uint8_t *both = malloc(l + 4);
    memcpy(both, b, l);
    memcpy(both + l, cases[i].pdu, 4);
    CHECK_EQ_INT(rdpneg_nla_input(n, both, l + 2), 0);
    CHECK_EQ_INT(rdpneg_nla_get_auth(n), RDPNEG_NLA_AUTH_SUCCESS);
    CHECK_EQ_INT(rdpneg_nla_wants_eua(n), 1);
    CHECK_EQ_INT(rdpneg_nla_done(n), 1);
    CHECK_EQ_INT(rdpneg_nla_input(n, both + l + 2, 1), 0);
    CHECK_EQ_INT(rdpneg_nla_input(n, both + l + 3, 1), cases[i].err);
    CHECK_EQ_INT(rdpneg_nla_wants_eua(n), 0);
    CHECK_EQ_INT(rdpneg_nla_get_auth(n), cases[i].auth);
    uint32_t code = 99;
    CHECK_EQ_INT(rdpneg_nla_early_user_auth(n, &code), 1);
    CHECK_EQ_INT(code, cases[i].pdu[0]);
    char *j = json_of(n);
    CHECK_CONTAINS(j, cases[i].json);
    free(j);
    free(both);
    free(b);
    rdpneg_nla_free(n);
    srv_free(&s);
  }
  /* HYBRID_EX, but the server closes without the PDU: still a success */
  srv s;
  if (srv_init(&s, 6, 0)) {
    rdpneg_nla *n = to_challenge(&s, 1, 1, 0);
    size_t l;
    uint8_t *b = client_out(n, &l);
    srv_on_authenticate(&s, b, l);
    free(b);
    b = srv_success(&s, &l);
    CHECK_EQ_INT(rdpneg_nla_input(n, b, l), 0);
    free(b);
    CHECK_EQ_INT(rdpneg_nla_peer_closed(n), 0);
    CHECK_EQ_INT(rdpneg_nla_get_auth(n), RDPNEG_NLA_AUTH_SUCCESS);
    CHECK_EQ_INT(rdpneg_nla_early_user_auth(n, NULL), 0);
    rdpneg_nla_free(n);
  }
  srv_free(&s);
}

/* A server mechListMIC that does not verify is reported, not fatal: the
 * pubKeyAuth is what proves the key. */
TAP_TEST(bad_server_mech_list_mic) {
  srv s;
  if (!srv_init(&s, 6, 1)) {
    srv_free(&s);
    TAP_SKIP("captures not available");
  }
  s.corrupt_mech_list_mic = 1;
  rdpneg_nla *n = to_challenge(&s, 1, 0, 0);
  CHECK(n != NULL);
  if (n) {
    size_t l;
    uint8_t *b = client_out(n, &l);
    srv_on_authenticate(&s, b, l);
    free(b);
    b = srv_success(&s, &l);
    CHECK_EQ_INT(rdpneg_nla_input(n, b, l), 0);
    free(b);
    CHECK_EQ_INT(rdpneg_nla_get_auth(n), RDPNEG_NLA_AUTH_SUCCESS);
    CHECK_CONTAINS(rdpneg_nla_detail(n), "mechListMIC did not verify");
  }
  rdpneg_nla_free(n);
  srv_free(&s);
}

/* The whole server stream one byte at a time. */
TAP_TEST(byte_by_byte) {
  srv s;
  if (!srv_init(&s, 6, 1)) {
    srv_free(&s);
    TAP_SKIP("captures not available");
  }
  rdpneg_nla *n = new_client(1, 1, 0, 0);
  size_t l;
  uint8_t *b = client_out(n, &l);
  CHECK(srv_on_negotiate(&s, b, l, 1));
  free(b);
  b = srv_challenge(&s, &l);
  for (size_t i = 0; i < l; i++) {
    CHECK_EQ_INT(rdpneg_nla_input(n, b + i, 1), 0);
    CHECK_EQ_INT(rdpneg_nla_pending(n) != 0, i == l - 1);
  }
  free(b);
  b = client_out(n, &l);
  CHECK_EQ_INT(srv_on_authenticate(&s, b, l), 1);
  CHECK(s.pubkey_ok && s.mech_list_mic_ok);
  free(b);
  b = srv_success(&s, &l);
  for (size_t i = 0; i < l; i++)
    CHECK_EQ_INT(rdpneg_nla_input(n, b + i, 1), 0);
  free(b);
  CHECK_EQ_INT(rdpneg_nla_get_auth(n), RDPNEG_NLA_AUTH_SUCCESS);
  rdpneg_nla_free(n);
  srv_free(&s);
}

TAP_TEST(protocol_violations) {
  srv s;
  if (!srv_init(&s, 3, 0)) {
    srv_free(&s);
    TAP_SKIP("captures not available");
  }
  size_t l;
  uint8_t *b;
  /* the server changes its version between CHALLENGE and pubKeyAuth */
  rdpneg_nla *n = to_challenge(&s, 1, 0, 0);
  b = client_out(n, &l);
  srv_on_authenticate(&s, b, l);
  free(b);
  s.version = 4;
  b = srv_success(&s, &l);
  CHECK_EQ_INT(rdpneg_nla_input(n, b, l), RDPNEG_ERR_CREDSSP_VERSION);
  CHECK_CONTAINS(rdpneg_nla_detail(n), "from 3 to 4");
  free(b);
  rdpneg_nla_free(n);
  srv_free(&s);

  /* not a TSRequest at all (a TLS alert record, say) */
  n = new_client(0, 0, 0, 0);
  free(client_out(n, &l));
  CHECK_EQ_INT(rdpneg_nla_input(n, (const uint8_t *)"\x15\x03\x03\x00\x02", 5),
               RDPNEG_ERR_TSREQUEST_MALFORMED);
  rdpneg_nla_free(n);

  /* a TSRequest without negoTokens where the CHALLENGE belongs */
  n = new_client(0, 0, 0, 0);
  free(client_out(n, &l));
  CHECK_EQ_INT(rdpneg_nla_input(n,
                                (const uint8_t *)"\x30\x05\xa0\x03\x02"
                                                 "\x01\x06",
                                7),
               RDPNEG_ERR_TSREQUEST_MALFORMED);
  rdpneg_nla_free(n);

  /* version 0 */
  n = new_client(0, 0, 0, 0);
  free(client_out(n, &l));
  CHECK_EQ_INT(rdpneg_nla_input(n,
                                (const uint8_t *)"\x30\x05\xa0\x03\x02"
                                                 "\x01\x00",
                                7),
               RDPNEG_ERR_CREDSSP_VERSION);
  rdpneg_nla_free(n);

  /* a negoToken that is neither NTLM nor SPNEGO */
  n = new_client(0, 0, 0, 0);
  free(client_out(n, &l));
  CHECK_EQ_INT(rdpneg_nla_input(n,
                                (const uint8_t *)"\x30\x11\xa0\x03\x02\x01"
                                                 "\x06\xa1\x0a\x30\x08\x30"
                                                 "\x06\xa0\x04\x04\x02\x42"
                                                 "\x42",
                                19),
               RDPNEG_ERR_NTLM_MALFORMED);
  rdpneg_nla_free(n);

  /* input before start, double start, bad parameters */
  rdpneg_nla_params p = {0};
  CHECK_EQ_INT(rdpneg_nla_new(&n, &p), 0);
  CHECK_EQ_INT(rdpneg_nla_input(n, (const uint8_t *)"\x30", 1), 0);
  char *j = json_of(n);
  CHECK_CONTAINS(j, "\"status\":\"skipped\"");
  free(j);
  CHECK_EQ_INT(rdpneg_nla_start(n), 0);
  CHECK_EQ_INT(rdpneg_nla_start(n), RDPNEG_ERR_INVALID_STATE);
  CHECK_EQ_INT(rdpneg_nla_abort(n, RDPNEG_ERR_TIMEOUT, "no answer"),
               RDPNEG_ERR_TIMEOUT);
  CHECK_EQ_INT(rdpneg_nla_error(n), RDPNEG_ERR_TIMEOUT);
  CHECK_EQ_STR(rdpneg_nla_detail(n), "no answer");
  rdpneg_nla_free(n);
  p.user = "u"; /* no password, rng or key */
  n = (rdpneg_nla *)&p;
  CHECK_EQ_INT(rdpneg_nla_new(&n, &p), RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK(n == NULL);
  p.password = "x";
  p.rng = failing_rng;
  p.server_pubkey = pubkey;
  p.server_pubkey_len = sizeof pubkey;
  p.domain = "\xff"; /* not UTF-8 */
  CHECK_EQ_INT(rdpneg_nla_new(&n, &p), RDPNEG_ERR_INVALID_ARGUMENT);
  p.domain = NULL;
  CHECK_EQ_INT(rdpneg_nla_new(&n, &p), 0);
  rdpneg_nla_free(n);
  rdpneg_nla_free(NULL);

  /* the RNG fails when the AUTHENTICATE needs it */
  if (srv_init(&s, 6, 0)) {
    n = NULL;
    CHECK_EQ_INT(rdpneg_nla_new(&n, &p), 0);
    rdpneg_nla_start(n);
    b = client_out(n, &l);
    srv_on_negotiate(&s, b, l, 0);
    free(b);
    b = srv_challenge(&s, &l);
    CHECK_EQ_INT(rdpneg_nla_input(n, b, l), RDPNEG_ERR_CRYPTO);
    free(b);
    rdpneg_nla_free(n);
  }
  srv_free(&s);
}

static uint32_t prng_state = 0x2545f491u;
static uint32_t prng(void) {
  prng_state ^= prng_state << 13;
  prng_state ^= prng_state >> 17;
  prng_state ^= prng_state << 5;
  return prng_state;
}

/* Truncated and mutated server messages: every outcome is an error code
 * or a clean end, never a crash (run under ASan/valgrind). */
TAP_TEST(hostile_server_messages) {
  for (int spnego = 0; spnego <= 1; spnego++) {
    srv s;
    if (!srv_init(&s, 6, spnego)) {
      srv_free(&s);
      TAP_SKIP("captures not available");
    }
    size_t cl;
    uint8_t *chal = srv_challenge(&s, &cl);
    /* a truncated CHALLENGE followed by a close */
    for (size_t k = 0; k < cl; k++) {
      rdpneg_nla *n = new_client(spnego, 1, 0, 0);
      size_t l;
      free(client_out(n, &l));
      CHECK_EQ_INT(rdpneg_nla_input(n, chal, k), 0);
      CHECK_EQ_INT(rdpneg_nla_peer_closed(n), RDPNEG_ERR_PEER_CLOSED);
      rdpneg_nla_free(n);
    }
    /* mutations of the CHALLENGE TSRequest */
    uint8_t *copy = malloc(cl);
    for (int round = 0; round < 3000; round++) {
      memcpy(copy, chal, cl);
      int flips = 1 + (int)(prng() % 4);
      for (int f = 0; f < flips; f++)
        copy[prng() % cl] = (uint8_t)prng();
      rdpneg_nla *n = new_client(spnego, round % 2, 0, 0);
      size_t l;
      free(client_out(n, &l));
      int rc = rdpneg_nla_input(n, copy, cl);
      CHECK(rc <= 0);
      if (rc < 0)
        CHECK_EQ_INT(rdpneg_nla_error(n), rc);
      free(client_out(n, &l));
      char *j = json_of(n);
      CHECK(j != NULL);
      free(j);
      rdpneg_nla_free(n);
    }
    free(copy);
    free(chal);
    srv_free(&s);
  }
}

int main(void) {
  init_pubkey();
  TAP_RUN(no_credentials_win7_v2);
  TAP_RUN(no_credentials_spnego_v6);
  TAP_RUN(credentials_accepted_all_versions);
  TAP_RUN(error_code_after_authenticate);
  TAP_RUN(closed_after_authenticate);
  TAP_RUN(closed_or_refused_before_challenge);
  TAP_RUN(pubkey_mismatch);
  TAP_RUN(early_user_authorization);
  TAP_RUN(bad_server_mech_list_mic);
  TAP_RUN(byte_by_byte);
  TAP_RUN(protocol_violations);
  TAP_RUN(hostile_server_messages);
  return tap_done();
}
