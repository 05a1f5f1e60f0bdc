/* SPDX-License-Identifier: Apache-2.0 */
/* The enumeration plan driven by hand against scripted servers: which
 * connections it makes, what it infers instead, at most three at a time,
 * the profile it derives, the findings, and the document read back. No
 * sockets; TLS only where a server answers every ClientHello with an
 * alert or a reset (the TLS version connections). */
#include "tap.h"

#include "core/evidence.h"
#include "proto/mcs.h"
#include "proto/x224.h"

#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_plan.h>

#include <stdlib.h>
#include <string.h>

#define MSEC 1000000ull
#define FAIL(code) (0x100 | (code))
#define LEGACY_CC 0x200
#define SILENT 0x400
#define DATA_TPDU 0x800 /* an X.224 Data TPDU instead of a confirm (xrdp) */

/* A scripted server: what it answers to each request and to the MCS
 * Connect Initial. */
typedef struct srv {
  int neg[0x20]; /* by requestedProtocols: selected protocol, FAIL(code) */
  int legacy;    /* answer to a request without RDP_NEG_REQ: LEGACY_CC,
                    FAIL(code) or a selected protocol */
  int refused;   /* the TCP connect is refused */
  int mcs_refuse_legacy; /* Disconnect Provider Ultimatum after a legacy CC */
  uint32_t level;
  int key_bits;
  int tls; /* answer to every ClientHello: 0 no TLS phase (DO_TLS off),
              TLS_RESET or an alert code */
  int hello[8], nhello; /* client_version of each ClientHello */
  int connections, max_running;
} srv;

#define TLS_RESET 0x1000

static size_t confirm(int answer, uint8_t *out) {
  static const uint8_t cc[] = {3, 0, 0, 11, 6, 0xd0, 0, 0, 0x12, 0x34, 0};
  memcpy(out, cc, sizeof cc);
  if (answer == LEGACY_CC)
    return sizeof cc;
  out[3] = 19;
  out[4] = 14;
  uint8_t neg[8] = {2, 0x01, 8, 0, 0, 0, 0, 0};
  if (answer & 0x100) {
    neg[0] = 3;
    neg[1] = 0;
  }
  neg[4] = (uint8_t)(answer & 0xff);
  memcpy(out + 11, neg, 8);
  return 19;
}

static uint32_t pick(const srv *v, uint32_t offered) {
  if (v->level == RDPNEG_ENC_LEVEL_NONE)
    return RDPNEG_ENC_NONE;
  if (v->level == RDPNEG_ENC_LEVEL_HIGH)
    return RDPNEG_ENC_128BIT;
  if (v->level == RDPNEG_ENC_LEVEL_FIPS)
    return RDPNEG_ENC_FIPS;
  static const uint32_t pref[] = {RDPNEG_ENC_128BIT, RDPNEG_ENC_56BIT,
                                  RDPNEG_ENC_40BIT};
  for (int i = 0; i < 3; i++)
    if (offered & pref[i])
      return pref[i];
  return RDPNEG_ENC_NONE;
}

static void le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* An MCS Connect Response with Server Core, Security (proprietary
 * certificate with a |bits| RSA key) and Network Data. */
static size_t connect_response(uint32_t method, uint32_t level, int bits,
                               uint8_t *out) {
  uint8_t blk[600];
  size_t n = 0;
  static const uint8_t core[] = {0x01, 0x0c, 12, 0, 4, 0, 8, 0, 0, 0, 0, 0};
  memcpy(blk, core, sizeof core);
  n += sizeof core;
  uint8_t *sec = blk + n;
  sec[0] = 0x02;
  sec[1] = 0x0c;
  size_t keylen = (size_t)bits / 8 + 8;
  size_t certlen = method ? 16 + 20 + keylen + 4 + 72 : 0;
  size_t seclen = method ? 4 + 16 + 32 + certlen : 12;
  sec[2] = (uint8_t)seclen;
  sec[3] = (uint8_t)(seclen >> 8);
  le32(sec + 4, method);
  le32(sec + 8, level);
  if (method) {
    le32(sec + 12, 32);
    le32(sec + 16, (uint32_t)certlen);
    memset(sec + 20, 0x5a, 32);
    uint8_t *c = sec + 52;
    memset(c, 0, certlen);
    le32(c, 1);     /* dwVersion: proprietary */
    le32(c + 4, 1); /* dwSigAlgId */
    le32(c + 8, 1); /* dwKeyAlgId */
    c[12] = 6;      /* wPublicKeyBlobType */
    c[14] = (uint8_t)(20 + keylen);
    c[15] = (uint8_t)((20 + keylen) >> 8);
    memcpy(c + 16, "RSA1", 4);
    le32(c + 20, (uint32_t)keylen);
    le32(c + 24, (uint32_t)bits);
    le32(c + 28, (uint32_t)bits / 8 - 1);
    le32(c + 32, 65537);
    c[36 + keylen] = 8; /* wSignatureBlobType */
    c[38 + keylen] = 72;
  }
  n += seclen;
  static const uint8_t net[] = {0x03, 0x0c, 8, 0, 0xeb, 0x03, 0, 0};
  memcpy(blk + n, net, sizeof net);
  n += sizeof net;
  uint8_t gcc[700];
  static const uint8_t head[] = {0,    5,    0,    0x14, 0x7c, 0,   1,
                                 0x2a, 0x14, 0x76, 0x0a, 1,    1,   0,
                                 1,    0xc0, 0,    'M',  'c',  'D', 'n'};
  memcpy(gcc, head, sizeof head);
  size_t g = sizeof head;
  gcc[g++] = (uint8_t)(0x80 | (n >> 8));
  gcc[g++] = (uint8_t)n;
  memcpy(gcc + g, blk, n);
  g += n;
  static const uint8_t params[] = {0x30, 0x1a, 2, 1,    0x22, 2, 1, 3, 2, 1,
                                   0,    2,    1, 1,    2,    1, 0, 2, 1, 1,
                                   2,    3,    0, 0xff, 0xf8, 2, 1, 2};
  uint8_t body[800];
  size_t b = 0;
  static const uint8_t res[] = {0x0a, 1, 0, 2, 1, 0};
  memcpy(body, res, sizeof res);
  b += sizeof res;
  memcpy(body + b, params, sizeof params);
  b += sizeof params;
  body[b++] = 0x04;
  body[b++] = 0x82;
  body[b++] = (uint8_t)(g >> 8);
  body[b++] = (uint8_t)g;
  memcpy(body + b, gcc, g);
  b += g;
  size_t o = 7;
  out[o++] = 0x7f;
  out[o++] = 0x66;
  out[o++] = 0x82;
  out[o++] = (uint8_t)(b >> 8);
  out[o++] = (uint8_t)b;
  memcpy(out + o, body, b);
  o += b;
  out[0] = 3;
  out[1] = 0;
  out[2] = (uint8_t)(o >> 8);
  out[3] = (uint8_t)o;
  out[4] = 2;
  out[5] = 0xf0;
  out[6] = 0x80;
  return o;
}

/* The encryptionMethods of a Connect Initial. */
static uint32_t offered_methods(const uint8_t *ci, size_t n) {
  for (size_t i = 0; i + 12 <= n; i++)
    if (ci[i] == 0x02 && ci[i + 1] == 0xc0 && ci[i + 2] == 12 && !ci[i + 3])
      return ci[i + 4] | ci[i + 5] << 8;
  return 0;
}

/* Plays one connection of |s| against |v| at time |t|. */
static void play(srv *v, rdpneg_session *s, rdpneg_tstamp t) {
  v->connections++;
  if (v->refused) {
    rdpneg_session_tcp_result(s, RDPNEG_TCP_REFUSED, "192.0.2.9", 111, t);
    return;
  }
  rdpneg_session_tcp_result(s, RDPNEG_TCP_OK, "192.0.2.9", 0, t);
  uint8_t out[2048], in[2048];
  rdpneg_ssize w = rdpneg_session_write(s, out, sizeof out, t);
  rdpneg_x224_pdu cr;
  const char *why;
  CHECK(w > 0 && rdpneg_x224_decode(out, (size_t)w, 1, &cr, &why) == 0);
  int legacy = !cr.has_neg;
  int ans = legacy ? v->legacy : v->neg[cr.neg_value & 0x1f];
  static const uint8_t dpu[] = {3, 0, 0, 9, 2, 0xf0, 0x80, 0x21, 0x80};
  if (ans == SILENT) {
    rdpneg_session_handle_expiry(s, rdpneg_session_expiry(s));
    return;
  }
  if (ans == DATA_TPDU) {
    rdpneg_session_read(s, dpu, sizeof dpu, t + MSEC);
    CHECK(rdpneg_session_done(s));
    return;
  }
  size_t n = confirm(ans, in);
  rdpneg_session_read(s, in, n, t + MSEC);
  if (rdpneg_session_done(s))
    return;
  if (v->tls && ans != LEGACY_CC && !(ans & 0x100) &&
      (ans & (RDPNEG_PROTOCOL_SSL | RDPNEG_PROTOCOL_HYBRID))) {
    w = rdpneg_session_write(s, out, sizeof out, t + MSEC);
    CHECK(w > 10 && out[0] == 0x16 && out[5] == 1);
    if (w > 10 && v->nhello < 8)
      v->hello[v->nhello++] = out[9] << 8 | out[10];
    if (v->tls == TLS_RESET) {
      rdpneg_session_transport_closed(s, RDPNEG_CLOSE_RESET, 104, t + 2 * MSEC);
    } else {
      const uint8_t alert[] = {0x15, 3, 1, 0, 2, 2, (uint8_t)v->tls};
      rdpneg_session_read(s, alert, sizeof alert, t + 2 * MSEC);
    }
    CHECK(rdpneg_session_done(s));
    return;
  }
  /* the MCS Connect Initial */
  w = rdpneg_session_write(s, out, sizeof out, t + MSEC);
  CHECK(w > 0);
  if (legacy && v->mcs_refuse_legacy) {
    rdpneg_session_read(s, dpu, sizeof dpu, t + 2 * MSEC);
  } else {
    uint32_t m = pick(v, offered_methods(out, (size_t)w));
    n = connect_response(m, v->level, v->key_bits, in);
    rdpneg_session_read(s, in, n, t + 2 * MSEC);
  }
  CHECK(rdpneg_session_done(s));
}

/* Runs a whole enumeration against |v|, the primary asking |mask|
 * (RDPNEG_PROTOCOL_*; negative: the default request); returns its evidence. */
static rdpneg_evidence *enumerate_mask(srv *v, int64_t mask) {
  rdpneg_config *c;
  rdpneg_config_new(&c);
  rdpneg_config_set_int(c, RDPNEG_OPT_ENUMERATE, 1);
  rdpneg_config_set_int(c, RDPNEG_OPT_DO_TLS, v->tls != 0);
  if (mask >= 0)
    rdpneg_config_set_int(c, RDPNEG_OPT_REQUESTED_PROTOCOLS, mask);
  rdpneg_plan *p = NULL;
  CHECK_EQ_INT(rdpneg_plan_new(&p, c, "server.example", 3389), 0);
  rdpneg_config_free(c);
  rdpneg_tstamp t = 0;
  rdpneg_plan_start(p, t);
  while (!rdpneg_plan_done(p)) {
    rdpneg_session *run[8];
    int n = 0;
    while (n < 8 && rdpneg_plan_next(p, t, &run[n]) == 1)
      n++;
    if (rdpneg_plan_running(p) > v->max_running)
      v->max_running = rdpneg_plan_running(p);
    CHECK(n > 0);
    if (!n)
      break;
    for (int i = 0; i < n; i++) {
      play(v, run[i], t);
      CHECK_EQ_INT(rdpneg_plan_attempt_done(p, run[i], t + 3 * MSEC), 0);
    }
    t += 5 * MSEC;
  }
  rdpneg_evidence *ev = NULL;
  CHECK_EQ_INT(rdpneg_plan_evidence(p, &ev), 0);
  rdpneg_plan_free(p);
  return ev;
}

static rdpneg_evidence *enumerate(srv *v) {
  return enumerate_mask(v, -1);
}

static const char *answer(const rdpneg_evidence *ev, const char *set,
                          int *inferred) {
  for (int i = 0; i < ev->profile.nanswers; i++)
    if (!strcmp(ev->profile.answers[i].set, set)) {
      if (inferred)
        *inferred = ev->profile.answers[i].inferred;
      return ev->profile.answers[i].answer;
    }
  return "(absent)";
}

static int has_finding(const rdpneg_evidence *ev, const char *cause) {
  rdpneg_diagnosis *d = NULL;
  int found = 0;
  CHECK_EQ_INT(rdpneg_diagnose(ev, NULL, NULL, &d), 0);
  for (int i = 0; i < rdpneg_diagnosis_count(d); i++)
    found |= !strcmp(rdpneg_diagnosis_cause(d, i), cause);
  rdpneg_diagnosis_free(d);
  return found;
}

/* The document read back writes the same document. */
static void round_trip(const rdpneg_evidence *ev) {
  char *a = NULL, *b = NULL, err[200];
  rdpneg_evidence *back = NULL;
  CHECK_EQ_INT(rdpneg_evidence_json(ev, NULL, &a, NULL), 0);
  CHECK_EQ_INT(rdpneg_evidence_parse(a, strlen(a), &back, err, sizeof err), 0);
  if (back)
    CHECK_EQ_INT(rdpneg_evidence_json(back, NULL, &b, NULL), 0);
  CHECK(a && b && !strcmp(a, b));
  rdpneg_free(a);
  rdpneg_free(b);
  rdpneg_evidence_free(back);
}

static void all(srv *v, int ans) {
  for (int i = 0; i < 0x20; i++)
    v->neg[i] = ans;
}

/* Expectations on the profile: a field left 0 is not checked, IS(x)
 * expects x. */
#define IS(x) ((x) + 100)
typedef struct want_profile {
  int nla_required, nla_supported, tls_required, rdp_security_accepted,
      legacy_accepted, nattempts;
} want_profile;

static void check_profile(const rdpneg_evidence *ev, want_profile w) {
  const rdpneg_profile *p = &ev->profile;
  if (w.nla_required)
    CHECK_EQ_INT(p->nla_required, w.nla_required - 100);
  if (w.nla_supported)
    CHECK_EQ_INT(p->nla_supported, w.nla_supported - 100);
  if (w.tls_required)
    CHECK_EQ_INT(p->tls_required, w.tls_required - 100);
  if (w.rdp_security_accepted)
    CHECK_EQ_INT(p->rdp_security_accepted, w.rdp_security_accepted - 100);
  if (w.legacy_accepted)
    CHECK_EQ_INT(p->legacy_accepted, w.legacy_accepted - 100);
  if (w.nattempts)
    CHECK_EQ_INT(ev->nattempts, w.nattempts - 100);
}

/* The profile's answer to each set; |inferred| is 0, 1 or ANY (not
 * checked). The list ends with a NULL set. */
#define ANY (-1)
typedef struct want_answer {
  const char *set, *answer;
  int inferred;
} want_answer;

static void check_answers(const rdpneg_evidence *ev, const want_answer *w) {
  for (; w->set; w++) {
    int inf = -2;
    const char *got = answer(ev, w->set, &inf);
    if (strcmp(got, w->answer) != 0 ||
        (w->inferred != ANY && inf != w->inferred))
      printf("# answer to %s: %s (inferred %d), expected %s (inferred %d)\n",
             w->set, got, inf, w->answer, w->inferred);
    CHECK_EQ_STR(got, w->answer);
    if (w->inferred != ANY)
      CHECK_EQ_INT(inf, w->inferred);
  }
}

/* Each cause of |yes| is among the findings, none of |no| (NULL-ended). */
static void check_findings(const rdpneg_evidence *ev, const char *const *yes,
                           const char *const *no) {
  for (; *yes; yes++) {
    if (!has_finding(ev, *yes))
      printf("# finding %s missing\n", *yes);
    CHECK(has_finding(ev, *yes));
  }
  for (; *no; no++) {
    if (has_finding(ev, *no))
      printf("# finding %s unexpected\n", *no);
    CHECK(!has_finding(ev, *no));
  }
}
#define CAUSES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE ((const char *const[]){NULL})

/* xrdp security_layer=tls: SSL to any set that offers it, a legacy
 * confirm, then a Disconnect Provider Ultimatum to the legacy client's
 * Connect Initial. */
static srv xrdp_tls(void) {
  srv v = {0};
  all(&v, FAIL(1));
  v.neg[1] = v.neg[3] = v.neg[0xb] = RDPNEG_PROTOCOL_SSL;
  v.legacy = LEGACY_CC;
  v.mcs_refuse_legacy = 1;
  return v;
}

/* SSL selected out of every set that offers it; else |proto| out of every
 * set that holds |bit| (0: none), FAIL(|fail|) to the rest; |legacy|
 * answers a request without RDP_NEG_REQ. */
static srv ssl_first(int fail, uint32_t bit, uint32_t proto, int legacy) {
  srv v = {0};
  all(&v, FAIL(fail));
  for (uint32_t m = 0; m < 0x20; m++)
    if (m & RDPNEG_PROTOCOL_SSL)
      v.neg[m] = RDPNEG_PROTOCOL_SSL;
    else if (m & bit)
      v.neg[m] = (int)proto;
  v.legacy = legacy;
  return v;
}

/* NLA required: HYBRID_REQUIRED_BY_SERVER to every set, but HYBRID
 * selected from the sets that offer it and |proto| from those that hold
 * |bit| (checked first); a legacy request refused alike. */
static srv nla_first(uint32_t bit, uint32_t proto) {
  srv v = {0};
  all(&v, FAIL(5));
  for (uint32_t m = 0; m < 0x20; m++)
    if (m & bit)
      v.neg[m] = (int)proto;
    else if (m & RDPNEG_PROTOCOL_HYBRID)
      v.neg[m] = RDPNEG_PROTOCOL_HYBRID;
  v.legacy = FAIL(5);
  return v;
}

/* Standard RDP Security only: PROTOCOL_RDP selected when offered alone,
 * SSL_NOT_ALLOWED_BY_SERVER to every other set; |legacy| answers a request
 * without RDP_NEG_REQ; the MCS answer at |level| with a |key_bits| key. */
static srv rdp_only(int legacy, uint32_t level, int key_bits) {
  srv v = {0};
  all(&v, FAIL(2));
  v.neg[0] = RDPNEG_PROTOCOL_RDP;
  v.legacy = legacy;
  v.level = level;
  v.key_bits = key_bits;
  return v;
}

/* FreeRDP shadow /sec:nla: HYBRID or nothing. */
TAP_TEST(nla_required_server) {
  srv v = {0};
  all(&v, FAIL(5));
  v.neg[2] = v.neg[3] = v.neg[0xb] = RDPNEG_PROTOCOL_HYBRID;
  v.legacy = FAIL(5);
  rdpneg_evidence *ev = enumerate(&v);
  CHECK(ev->has_profile);
  /* primary, RDP, legacy, RDSTLS|HYBRID_EX|RDSAAD (the group after
   * CredSSP, refused with the server's requirement) */
  check_profile(ev, (want_profile){.nla_required = IS(1),
                                   .nla_supported = IS(1),
                                   .tls_required = IS(1),
                                   .rdp_security_accepted = IS(0),
                                   .legacy_accepted = IS(0),
                                   .nattempts = IS(4)});
  check_answers(ev,
                (want_answer[]){
                    /* the primary selected HYBRID out of a superset */
                    {"HYBRID", "HYBRID", 1},
                    {"SSL|HYBRID", "HYBRID", 1},
                    /* RDP alone got HYBRID_REQUIRED_BY_SERVER */
                    {"SSL", "HYBRID_REQUIRED_BY_SERVER", 1},
                    {"legacy", "HYBRID_REQUIRED_BY_SERVER", ANY},
                    {"RDSTLS|HYBRID_EX|RDSAAD", "HYBRID_REQUIRED_BY_SERVER", 0},
                    {"RDSTLS", "HYBRID_REQUIRED_BY_SERVER", 1},
                    {"HYBRID_EX", "HYBRID_REQUIRED_BY_SERVER", 1},
                    {"RDSAAD", "HYBRID_REQUIRED_BY_SERVER", 1},
                    {NULL, NULL, 0}});
  CHECK(!ev->profile.has_rdp_security);
  CHECK_EQ_INT(v.connections, 4);
  CHECK(v.max_running <= 3);
  check_findings(ev, NONE, CAUSES("NLA_NOT_REQUIRED", "RDP_SECURITY_ACCEPTED"));
  round_trip(ev);
  rdpneg_evidence_free(ev);
}

/* Windows with NLA required picks HYBRID_EX: SSL|HYBRID is decided by SSL
 * and HYBRID alone (MS-RDPBCGR: HYBRID_REQUIRED_BY_SERVER). */
TAP_TEST(ssl_hybrid_inferred_from_ssl_and_hybrid) {
  srv v = nla_first(RDPNEG_PROTOCOL_HYBRID_EX, RDPNEG_PROTOCOL_HYBRID_EX);
  rdpneg_evidence *ev = enumerate(&v);
  check_answers(
      ev, (want_answer[]){{"SSL|HYBRID", "HYBRID", 1},
                          {"HYBRID", "HYBRID", 0},
                          {"HYBRID_EX", "HYBRID_EX", 1},
                          {"RDSTLS|RDSAAD", "HYBRID_REQUIRED_BY_SERVER", 0},
                          {"RDSTLS", "HYBRID_REQUIRED_BY_SERVER", 1},
                          {"RDSAAD", "HYBRID_REQUIRED_BY_SERVER", 1},
                          {NULL, NULL, 0}});
  /* SSL alone inferred from RDP alone; primary, RDP, legacy, the group
   * after CredSSP (RDSTLS|RDSAAD: HYBRID_EX was selected), HYBRID */
  check_profile(ev, (want_profile){.nla_required = IS(1), .nattempts = IS(5)});
  CHECK(v.max_running <= 3);
  rdpneg_evidence_free(ev);
}

/* xrdp security_layer=rdp: PROTOCOL_RDP to everything. */
TAP_TEST(rdp_only_server_downgrades_everything) {
  srv v = {0};
  all(&v, RDPNEG_PROTOCOL_RDP);
  v.legacy = LEGACY_CC;
  v.level = RDPNEG_ENC_LEVEL_HIGH;
  v.key_bits = 2048;
  rdpneg_evidence *ev = enumerate(&v);
  const rdpneg_profile *p = &ev->profile;
  /* primary, RDP, legacy, RDSTLS, RDSAAD */
  check_profile(ev, (want_profile){.rdp_security_accepted = IS(1),
                                   .legacy_accepted = IS(1),
                                   .nla_required = IS(0),
                                   .nla_supported = IS(0),
                                   .tls_required = IS(0),
                                   .nattempts = IS(5)});
  check_answers(ev, (want_answer[]){{"SSL", "RDP", 1},
                                    {"HYBRID_EX", "RDP", 1},
                                    {"legacy", "RDP", ANY},
                                    {NULL, NULL, 0}});
  CHECK(p->has_rdp_security);
  CHECK_EQ_INT(p->enc_level, RDPNEG_ENC_LEVEL_HIGH);
  CHECK_EQ_INT(p->nmethods, 1);
  CHECK_EQ_INT(p->methods[0], RDPNEG_ENC_128BIT);
  CHECK_EQ_INT(p->methods_inferred, 1);
  CHECK_EQ_INT(p->server_key_bits, 2048);
  check_findings(ev,
                 CAUSES("NLA_NOT_REQUIRED", "RDP_SECURITY_ACCEPTED",
                        "LEGACY_CLIENT_ACCEPTED"),
                 CAUSES("CERT_WEAK_KEY"));
  round_trip(ev);
  rdpneg_evidence_free(ev);
}

/* Windows with SecurityLayer 0 at client-compatible level and a 512-bit
 * proprietary key: one MCS connection per weaker method. */
TAP_TEST(client_compatible_level_probes_each_weaker_method) {
  srv v = rdp_only(LEGACY_CC, RDPNEG_ENC_LEVEL_CLIENT_COMPATIBLE, 512);
  rdpneg_evidence *ev = enumerate(&v);
  const rdpneg_profile *p = &ev->profile;
  /* primary, RDP, legacy, 40-bit, 56-bit */
  check_profile(ev, (want_profile){.tls_required = IS(0),
                                   .nla_required = IS(0),
                                   .nattempts = IS(5)});
  check_answers(ev, (want_answer[]){{"RDSAAD", "SSL_NOT_ALLOWED_BY_SERVER", 1},
                                    {NULL, NULL, 0}});
  CHECK_EQ_INT(p->enc_method, RDPNEG_ENC_128BIT);
  CHECK_EQ_INT(p->nmethods, 3);
  CHECK_EQ_INT(p->methods_inferred, 0);
  CHECK_EQ_INT(p->server_key_bits, 512);
  check_findings(ev, CAUSES("CERT_WEAK_KEY"), NONE);
  rdpneg_diagnosis *d = NULL;
  rdpneg_diagnose(ev, NULL, NULL, &d);
  int seen40 = 0;
  for (int i = 0; i < rdpneg_diagnosis_count(d); i++)
    if (!strcmp(rdpneg_diagnosis_cause(d, i), "RDP_SECURITY_ACCEPTED"))
      seen40 = strstr(rdpneg_diagnosis_evidence(d, i),
                      "weakest method a client gets 40BIT") != NULL;
  CHECK(seen40);
  rdpneg_diagnosis_free(d);
  round_trip(ev);
  rdpneg_evidence_free(ev);
}

/* xrdp security_layer=tls: a legacy confirm, then a Disconnect Provider
 * Ultimatum: legacy clients are not let in. */
TAP_TEST(legacy_confirm_then_refused_at_mcs) {
  srv v = xrdp_tls();
  rdpneg_evidence *ev = enumerate(&v);
  check_answers(ev, (want_answer[]){{"legacy", "RDP", ANY},
                                    {"SSL", "SSL", 1},
                                    {NULL, NULL, 0}});
  check_profile(ev, (want_profile){.legacy_accepted = IS(0),
                                   .rdp_security_accepted = IS(0),
                                   .tls_required = IS(1),
                                   .nla_required = IS(0),
                                   .nla_supported = IS(0)});
  check_findings(ev, CAUSES("NLA_NOT_REQUIRED"),
                 CAUSES("LEGACY_CLIENT_ACCEPTED"));
  const rdpneg_attempt_ev *leg = NULL;
  for (int i = 0; i < ev->nattempts; i++)
    if (!strcmp(ev->att[i].purpose, "enum_legacy"))
      leg = &ev->att[i];
  CHECK(leg && leg->mcs_ran && leg->mcs.status == RDPNEG_MCS_REFUSED);
  CHECK(leg && leg->mcs.dpu_reason == 3);
  round_trip(ev);
  rdpneg_evidence_free(ev);
}

/* Nothing listens: the two connections made beside the primary fail the
 * same way and nothing else is asked. */
TAP_TEST(no_answer_stops_the_enumeration) {
  srv v = {0};
  v.refused = 1;
  rdpneg_evidence *ev = enumerate(&v);
  check_profile(ev, (want_profile){.nattempts = IS(3),
                                   .nla_required = IS(-1),
                                   .tls_required = IS(-1),
                                   .rdp_security_accepted = IS(-1)});
  check_answers(ev, (want_answer[]){{"RDP", "tcp_refused", ANY},
                                    {"SSL", "", ANY},
                                    {NULL, NULL, 0}});
  check_findings(ev, CAUSES("PORT_CLOSED"), CAUSES("NLA_NOT_REQUIRED"));
  round_trip(ev);
  rdpneg_evidence_free(ev);
}

/* FreeRDP shadow /sec:rdp: Standard RDP Security without encryption. */
TAP_TEST(rdp_security_without_encryption) {
  srv v = rdp_only(RDPNEG_PROTOCOL_RDP, RDPNEG_ENC_LEVEL_NONE, 0);
  rdpneg_evidence *ev = enumerate(&v);
  const rdpneg_profile *p = &ev->profile;
  check_profile(ev,
                (want_profile){.legacy_accepted = IS(1), .nattempts = IS(3)});
  CHECK_EQ_INT(p->enc_level, RDPNEG_ENC_LEVEL_NONE);
  CHECK_EQ_INT(p->cert_type, RDPNEG_MCS_CERT_NONE);
  char *text = NULL;
  CHECK_EQ_INT(rdpneg_evidence_report(ev, NULL, &text, NULL), 0);
  CHECK(text && strstr(text, "not encrypted at all"));
  CHECK(text && strstr(text, "profile  3 connections"));
  rdpneg_free(text);
  round_trip(ev);
  rdpneg_evidence_free(ev);
}

/* The sets the primary's confirm leaves open are asked as soon as the
 * confirm comes, while the primary's TLS handshake goes on; at most three
 * connections wait for a confirm at a time. */
TAP_TEST(round_two_starts_at_the_primary_confirm) {
  srv v = xrdp_tls();
  rdpneg_config *c;
  rdpneg_config_new(&c);
  rdpneg_config_set_int(c, RDPNEG_OPT_ENUMERATE, 1);
  rdpneg_plan *p = NULL;
  CHECK_EQ_INT(rdpneg_plan_new(&p, c, "server.example", 3389), 0);
  rdpneg_config_free(c);
  rdpneg_plan_start(p, 0);
  rdpneg_session *pri = NULL, *r[3] = {0}, *more = NULL;
  CHECK_EQ_INT(rdpneg_plan_next(p, 0, &pri), 1);
  CHECK_EQ_INT(rdpneg_plan_next(p, 0, &r[0]), 1); /* RDP */
  CHECK_EQ_INT(rdpneg_plan_next(p, 0, &r[1]), 1); /* legacy */
  CHECK_EQ_INT(rdpneg_plan_next(p, 0, &more), 0); /* three connecting */
  rdpneg_session_tcp_result(pri, RDPNEG_TCP_OK, "192.0.2.9", 0, MSEC);
  uint8_t out[4096], in[64];
  CHECK(rdpneg_session_write(pri, out, sizeof out, MSEC) > 0);
  size_t n = confirm(RDPNEG_PROTOCOL_SSL, in);
  rdpneg_session_read(pri, in, n, 2 * MSEC);
  CHECK(!rdpneg_session_done(pri)); /* the ClientHello is out */
  CHECK(rdpneg_session_write(pri, out, sizeof out, 2 * MSEC) > 0);
  /* the confirm decided: HYBRID|RDSTLS (SSL taken over CredSSP) may
   * start while TLS runs */
  CHECK_EQ_INT(rdpneg_plan_next(p, 2 * MSEC, &r[2]), 1);
  CHECK_EQ_INT(rdpneg_plan_running(p), 4);
  CHECK_EQ_INT(rdpneg_plan_next(p, 2 * MSEC, &more), 0);
  for (int i = 0; i < 3; i++) {
    play(&v, r[i], 3 * MSEC);
    CHECK_EQ_INT(rdpneg_plan_attempt_done(p, r[i], 4 * MSEC), 0);
  }
  static const uint8_t junk[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
  rdpneg_session_read(pri, junk, sizeof junk - 1, 5 * MSEC);
  CHECK(rdpneg_session_done(pri));
  CHECK_EQ_INT(rdpneg_plan_attempt_done(p, pri, 5 * MSEC), 0);
  rdpneg_tstamp t = 6 * MSEC;
  while (!rdpneg_plan_done(p)) {
    rdpneg_session *s = NULL;
    if (rdpneg_plan_next(p, t, &s) != 1)
      break;
    play(&v, s, t);
    rdpneg_plan_attempt_done(p, s, t + MSEC);
    t += 2 * MSEC;
  }
  CHECK(rdpneg_plan_done(p));
  rdpneg_evidence *ev = NULL;
  CHECK_EQ_INT(rdpneg_plan_evidence(p, &ev), 0);
  int inf = 0;
  CHECK_EQ_STR(answer(ev, "SSL", &inf), "SSL");
  CHECK_EQ_INT(inf, 1);
  CHECK_EQ_STR(answer(ev, "HYBRID|RDSTLS", &inf), "SSL_REQUIRED_BY_SERVER");
  CHECK_EQ_INT(inf, 0);
  CHECK_EQ_STR(answer(ev, "HYBRID", &inf), "SSL_REQUIRED_BY_SERVER");
  CHECK_EQ_INT(inf, 1);
  CHECK_EQ_INT(ev->profile.tls_required, 1);
  CHECK_EQ_INT(ev->profile.legacy_accepted, 0);
  rdpneg_evidence_free(ev);
  rdpneg_plan_free(p);
}

/* ---- inference from refusals (MS-RDPBCGR 2.2.1.2.2) ---- */

/* Like enumerate(), with the primary asking |mask| (RDPNEG_PROTOCOL_*). */
static rdpneg_evidence *enumerate_asking(srv *v, uint32_t mask) {
  return enumerate_mask(v, mask);
}

/* xrdp and FreeRDP shadow with TLS only: the primary got SSL though it
 * offered CredSSP, so HYBRID|RDSTLS is asked before HYBRID and RDSTLS
 * alone; SSL_REQUIRED_BY_SERVER to it refuses both, and HYBRID_EX alone
 * (CredSSP too) alike, without a connection each. */
TAP_TEST(ssl_required_to_credssp_decides_hybrid_ex) {
  srv v = ssl_first(1, 0, 0, LEGACY_CC);
  v.mcs_refuse_legacy = 1;
  rdpneg_evidence *ev = enumerate(&v);
  check_answers(ev,
                (want_answer[]){{"HYBRID|RDSTLS", "SSL_REQUIRED_BY_SERVER", 0},
                                {"HYBRID", "SSL_REQUIRED_BY_SERVER", 1},
                                {"HYBRID_EX", "SSL_REQUIRED_BY_SERVER", 1},
                                {"RDSTLS", "SSL_REQUIRED_BY_SERVER", 1},
                                {"SSL", "SSL", 1},
                                {NULL, NULL, 0}});
  CHECK_EQ_INT(ev->profile.tls_required, 1);
  CHECK_EQ_INT(ev->profile.nla_required, 0);
  CHECK_EQ_INT(ev->profile.nla_supported, 0);
  /* primary, RDP, legacy, HYBRID|RDSTLS, RDSAAD */
  CHECK_EQ_INT(ev->nattempts, 5);
  CHECK_EQ_INT(v.connections, 5);
  CHECK(v.max_running <= 3);
  round_trip(ev);
  rdpneg_evidence_free(ev);
}

/* A server that selects SSL out of SSL|HYBRID|HYBRID_EX but HYBRID out of
 * every set with HYBRID and without SSL (no rule decides HYBRID_EX from
 * that): HYBRID_EX waits for HYBRID's answer (here from HYBRID|RDSTLS),
 * then is asked; RDSTLS alone is asked too. */
TAP_TEST(hybrid_ex_asked_when_hybrid_decides_nothing) {
  srv v = ssl_first(1, RDPNEG_PROTOCOL_HYBRID, RDPNEG_PROTOCOL_HYBRID, FAIL(1));
  v.neg[8] = RDPNEG_PROTOCOL_HYBRID_EX;
  rdpneg_evidence *ev = enumerate(&v);
  check_answers(ev, (want_answer[]){{"HYBRID|RDSTLS", "HYBRID", 0},
                                    {"HYBRID", "HYBRID", 1},
                                    {"RDSTLS", "SSL_REQUIRED_BY_SERVER", 0},
                                    {"HYBRID_EX", "HYBRID_EX", 0},
                                    {"SSL|HYBRID", "SSL", 1},
                                    {NULL, NULL, 0}});
  CHECK_EQ_INT(ev->profile.nla_supported, 1);
  CHECK(v.max_running <= 3);
  rdpneg_evidence_free(ev);
}

/* FreeRDP shadow without /sec (TLS, no NLA) answers HYBRID alone with
 * SSL_NOT_ALLOWED_BY_SERVER though it selects SSL: a primary asking HYBRID
 * alone must not make SSL "not allowed"; SSL is asked. */
TAP_TEST(ssl_not_allowed_without_ssl_infers_nothing) {
  srv v = ssl_first(2, 0, 0, LEGACY_CC);
  v.neg[0] = RDPNEG_PROTOCOL_RDP;
  v.level = RDPNEG_ENC_LEVEL_HIGH;
  v.key_bits = 2048;
  rdpneg_evidence *ev = enumerate_asking(&v, RDPNEG_PROTOCOL_HYBRID);
  int inf = -1;
  CHECK_EQ_STR(answer(ev, "HYBRID", &inf), "SSL_NOT_ALLOWED_BY_SERVER");
  CHECK_EQ_INT(inf, 0);
  CHECK_EQ_STR(answer(ev, "SSL", &inf), "SSL");
  CHECK_EQ_INT(inf, 0);
  CHECK_EQ_STR(answer(ev, "SSL|HYBRID|HYBRID_EX", &inf), "SSL");
  CHECK_EQ_INT(inf, 0);
  /* HYBRID refused: HYBRID_EX (CredSSP too) alike */
  CHECK_EQ_STR(answer(ev, "HYBRID_EX", &inf), "SSL_NOT_ALLOWED_BY_SERVER");
  CHECK_EQ_INT(inf, 1);
  CHECK_EQ_INT(ev->profile.tls_required, 0);
  CHECK_EQ_INT(ev->profile.nla_supported, 0);
  rdpneg_evidence_free(ev);
}

/* The group test's union answered with something that is no negotiation
 * answer (xrdp sends a Data TPDU to some unions): nothing is inferred from
 * it, HYBRID and RDSTLS are asked alone. */
TAP_TEST(group_without_answer_asks_each_alone) {
  srv v = ssl_first(1, 0, 0, FAIL(1));
  v.neg[RDPNEG_PROTOCOL_HYBRID | RDPNEG_PROTOCOL_RDSTLS] = DATA_TPDU;
  rdpneg_evidence *ev = enumerate(&v);
  check_answers(ev, (want_answer[]){{"HYBRID|RDSTLS", "malformed", 0},
                                    {"HYBRID", "SSL_REQUIRED_BY_SERVER", 0},
                                    {"RDSTLS", "SSL_REQUIRED_BY_SERVER", 0},
                                    {"HYBRID_EX", "SSL_REQUIRED_BY_SERVER", 1},
                                    {NULL, NULL, 0}});
  /* primary, RDP, legacy, HYBRID|RDSTLS, RDSAAD, HYBRID, RDSTLS */
  CHECK_EQ_INT(v.connections, 7);
  CHECK(v.max_running <= 3);
  rdpneg_evidence_free(ev);
}

/* A server that takes RDSTLS over CredSSP: the union's RDSTLS answers
 * RDSTLS alone; HYBRID alone is still asked. */
TAP_TEST(group_selection_answers_only_the_selected) {
  srv v = ssl_first(1, RDPNEG_PROTOCOL_RDSTLS, RDPNEG_PROTOCOL_RDSTLS, FAIL(1));
  rdpneg_evidence *ev = enumerate(&v);
  check_answers(ev, (want_answer[]){{"HYBRID|RDSTLS", "RDSTLS", 0},
                                    {"RDSTLS", "RDSTLS", 1},
                                    {"HYBRID", "SSL_REQUIRED_BY_SERVER", 0},
                                    {NULL, NULL, 0}});
  CHECK_EQ_INT(ev->profile.nla_supported, 0);
  rdpneg_evidence_free(ev);
}

/* The TLS version connections of an enumeration against an xrdp-like
 * server (TLS required) whose every ClientHello gets |answer|: the
 * evidence; |hellos| gets the client_version of each ClientHello. */
static rdpneg_evidence *tls_versions_against(int answer, srv *v) {
  *v = ssl_first(1, 0, 0, LEGACY_CC);
  v->mcs_refuse_legacy = 1;
  v->tls = answer;
  return enumerate(v);
}

static const rdpneg_tls_version_ev *version(const rdpneg_evidence *ev, int v) {
  for (int i = 0; i < ev->tls_versions_count; i++)
    if (ev->tls_versions[i].version == v)
      return &ev->tls_versions[i];
  return NULL;
}

/* An alert before any ServerHello to the range connection (TLS 1.0-1.1,
 * the ClientHello of 1.1 alone): TLS 1.0 is refused alike, inferred from
 * that connection; no connection of its own. */
TAP_TEST(tls_version_range_refused_by_alert) {
  srv v;
  rdpneg_evidence *ev = tls_versions_against(70, &v);
  /* the primary (up to 1.2), then 1.2 alone (the primary failed) and the
   * range up to 1.1, in the order the plan queued them */
  CHECK_EQ_INT(v.nhello, 3);
  int range = -1, alone12 = -1;
  for (int i = 0; i < ev->nattempts; i++) {
    const rdpneg_attempt_ev *a = &ev->att[i];
    if (!strcmp(a->purpose, "tls_version") && a->tls_min == 1 &&
        a->tls_max == 2)
      range = i;
    if (!strcmp(a->purpose, "tls_version") && a->tls_min == 3)
      alone12 = i;
    CHECK(strcmp(a->purpose, "tls_version") || a->tls_max != 1);
  }
  CHECK(range >= 0 && alone12 >= 0);
  const rdpneg_tls_version_ev *t10 = version(ev, 1), *t11 = version(ev, 2),
                              *t12 = version(ev, 3);
  CHECK(t10 && t11 && t12);
  if (t10 && t11 && t12) {
    CHECK_EQ_INT(t11->status, RDPNEG_TLS_ALERT);
    CHECK_EQ_INT(t11->inferred, 0);
    CHECK_EQ_INT(t11->attempt, range);
    CHECK_EQ_INT(t10->status, RDPNEG_TLS_ALERT);
    CHECK_EQ_INT(t10->alert_code, 70);
    CHECK_EQ_INT(t10->inferred, 1);
    CHECK_EQ_INT(t10->attempt, range);
    CHECK_EQ_INT(t12->attempt, alone12);
  }
  CHECK_EQ_INT(ev->tls13_only, 1);
  CHECK(has_finding(ev, "TLS1_3_REQUIRED"));
  round_trip(ev);
  rdpneg_evidence_free(ev);
}

/* A reset instead of an answer (the server, or a device on the path):
 * nothing is inferred from it, TLS 1.0 gets its own connection. */
TAP_TEST(tls_version_range_reset_asks_each_alone) {
  srv v;
  rdpneg_evidence *ev = tls_versions_against(TLS_RESET, &v);
  /* the version connections: 1.2 alone (the primary failed), the range
   * (1.1's ClientHello), then 1.0 alone; the primary's reset is also
   * checked again (plan_verify), with ClientHellos of its own */
  int ranges[4][4] = {{0}};
  for (int i = 0; i < ev->nattempts; i++)
    if (!strcmp(ev->att[i].purpose, "tls_version"))
      ranges[ev->att[i].tls_min][ev->att[i].tls_max]++;
  CHECK_EQ_INT(ranges[3][3], 1);
  CHECK_EQ_INT(ranges[1][2], 1);
  CHECK_EQ_INT(ranges[1][1], 1);
  CHECK_EQ_INT(ranges[2][2], 0);
  int tls10 = 0;
  for (int i = 0; i < v.nhello; i++)
    tls10 += v.hello[i] == 0x0301;
  CHECK_EQ_INT(tls10, 1);
  for (int k = 1; k <= 3; k++) {
    const rdpneg_tls_version_ev *t = version(ev, k);
    CHECK(t && t->status == RDPNEG_TLS_RESET && !t->inferred &&
          t->attempt >= 0);
  }
  CHECK_EQ_INT(ev->tls13_only, 0);
  round_trip(ev);
  rdpneg_evidence_free(ev);
}

/* A server that supports RDSAAD besides CredSSP (an Entra-joined
 * Windows host): the group after CredSSP is selected RDSAAD, which answers
 * RDSAAD alone; RDSTLS and HYBRID_EX are asked alone, as many connections
 * as without the group. Answered with an MCS Disconnect Provider Ultimatum
 * (xrdp's answer to unknown protocols), each is asked alone. */
TAP_TEST(group_after_credssp) {
  static const struct {
    uint32_t answer; /* to every set that holds RDSAAD */
    const char *name;
    int connections;
  } c[] = {/* primary, RDP, legacy, group, RDSTLS, HYBRID_EX (+ RDSAAD) */
           {RDPNEG_PROTOCOL_RDSAAD, "RDSAAD", 6},
           {DATA_TPDU, "malformed", 7}};
  for (int k = 0; k < 2; k++) {
    srv v = nla_first(RDPNEG_PROTOCOL_RDSAAD, c[k].answer);
    rdpneg_evidence *ev = enumerate(&v);
    check_answers(ev,
                  (want_answer[]){{"RDSTLS|HYBRID_EX|RDSAAD", c[k].name, 0},
                                  {"RDSAAD", c[k].name, k == 0},
                                  {"RDSTLS", "HYBRID_REQUIRED_BY_SERVER", 0},
                                  {"HYBRID_EX", "HYBRID_REQUIRED_BY_SERVER", 0},
                                  {NULL, NULL, 0}});
    CHECK_EQ_INT(v.connections, c[k].connections);
    CHECK(v.max_running <= 3);
    round_trip(ev);
    rdpneg_evidence_free(ev);
  }
}

int main(void) {
  TAP_RUN(nla_required_server);
  TAP_RUN(ssl_hybrid_inferred_from_ssl_and_hybrid);
  TAP_RUN(rdp_only_server_downgrades_everything);
  TAP_RUN(client_compatible_level_probes_each_weaker_method);
  TAP_RUN(legacy_confirm_then_refused_at_mcs);
  TAP_RUN(no_answer_stops_the_enumeration);
  TAP_RUN(rdp_security_without_encryption);
  TAP_RUN(round_two_starts_at_the_primary_confirm);
  TAP_RUN(ssl_required_to_credssp_decides_hybrid_ex);
  TAP_RUN(hybrid_ex_asked_when_hybrid_decides_nothing);
  TAP_RUN(ssl_not_allowed_without_ssl_infers_nothing);
  TAP_RUN(group_without_answer_asks_each_alone);
  TAP_RUN(group_selection_answers_only_the_selected);
  TAP_RUN(group_after_credssp);
  TAP_RUN(tls_version_range_refused_by_alert);
  TAP_RUN(tls_version_range_reset_asks_each_alone);
  return tap_done();
}
