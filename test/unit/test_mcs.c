/* SPDX-License-Identifier: Apache-2.0 */
/* MCS Connect Initial encoder and Connect Response decoder over real bytes:
 * Windows 2000/XP/2003/2008/2012 answers (../shared/captures/redemption),
 * Wireshark/Zeek/nDPI pcaps of Windows servers, and the lab's xrdp
 * captures (xfreerdp, nmap rdp-enum-encryption). */
#include "tap.h"
#include "capfile.h"
#include "proto/mcs.h"
#include "proto/x224.h"

static unsigned char *cap_file(const char *rel, size_t *n) {
  const char *dir = tap_captures_dir();
  char path[8192];
  if (!dir)
    return NULL;
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  return tap_read_file(path, n);
}

#define NEED_CAPTURE(var, rel, len)                                            \
  if (!tap_captures_dir())                                                     \
    TAP_SKIP("../shared/captures absent");                                     \
  size_t len = 0;                                                              \
  unsigned char *var = cap_file(rel, &len);                                    \
  CHECK(var != NULL);                                                          \
  if (!var)                                                                    \
  return

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* BER length at |p| (short, 0x81, 0x82); sets *|hl| to its size. */
static size_t ber_len_at(const uint8_t *p, size_t *hl) {
  if (p[0] < 0x80) {
    *hl = 1;
    return p[0];
  }
  if (p[0] == 0x81) {
    *hl = 2;
    return p[1];
  }
  *hl = 3;
  return (size_t)p[1] << 8 | p[2];
}

/* Walks a Connect Initial (TPKT .. client data blocks) the way a server
 * does; returns the client data blocks and their length, or NULL. */
static const uint8_t *ci_blocks(const uint8_t *b, size_t n, size_t *blen) {
  size_t hl, len;
  if (n < 12 || b[0] != 3 || ((size_t)b[2] << 8 | b[3]) != n || b[4] != 2 ||
      b[5] != 0xf0 || b[6] != 0x80 || b[7] != 0x7f || b[8] != 0x65)
    return NULL;
  const uint8_t *p = b + 9;
  len = ber_len_at(p, &hl);
  p += hl;
  if (p + len != b + n)
    return NULL;
  /* callingDomainSelector, calledDomainSelector, upwardFlag, 3 x params */
  static const uint8_t tags[] = {0x04, 0x04, 0x01, 0x30, 0x30, 0x30};
  for (int i = 0; i < 6; i++) {
    if (*p != tags[i])
      return NULL;
    len = ber_len_at(p + 1, &hl);
    p += 1 + hl + len;
  }
  if (*p != 0x04)
    return NULL;
  len = ber_len_at(p + 1, &hl);
  p += 1 + hl;
  if (p + len != b + n)
    return NULL;
  /* T.124: object key, connectPDU length, conferenceCreateRequest,
   * "Duca", user data length */
  static const uint8_t oid[] = {0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01};
  if (memcmp(p, oid, 7) != 0)
    return NULL;
  p += 7;
  size_t cl = p[0] & 0x80 ? (size_t)(p[0] & 0x7f) << 8 | p[1] : p[0];
  p += p[0] & 0x80 ? 2 : 1;
  if (p + cl != b + n)
    return NULL;
  const uint8_t *duca = p + 8;
  if (memcmp(duca, "Duca", 4) != 0)
    return NULL;
  p = duca + 4;
  size_t ul = p[0] & 0x80 ? (size_t)(p[0] & 0x7f) << 8 | p[1] : p[0];
  p += p[0] & 0x80 ? 2 : 1;
  if (p + ul != b + n)
    return NULL;
  *blen = ul;
  return p;
}

/* The client data block of |type| in |blocks|, NULL when absent. */
static const uint8_t *block(const uint8_t *blocks, size_t n, unsigned type,
                            size_t *len) {
  size_t o = 0;
  while (o + 4 <= n) {
    unsigned t = blocks[o] | blocks[o + 1] << 8;
    size_t l = blocks[o + 2] | blocks[o + 3] << 8;
    if (l < 4 || o + l > n)
      return NULL;
    if (t == type) {
      *len = l;
      return blocks + o;
    }
    o += l;
  }
  return NULL;
}

TAP_TEST(encoder_is_a_connect_initial_servers_parse) {
  uint8_t out[512];
  rdpneg_ssize n =
      rdpneg_mcs_encode_connect_initial(RDPNEG_ENC_ALL, 0, out, sizeof out);
  CHECK(n > 300);
  CHECK_EQ_INT(rdpneg_x224_tpkt_frame(out, (size_t)n), n);
  size_t bl = 0, l = 0;
  const uint8_t *b = ci_blocks(out, (size_t)n, &bl);
  CHECK(b != NULL);
  if (!b)
    return;
  const uint8_t *core = block(b, bl, 0xC001, &l);
  CHECK(core != NULL && l == 216);
  if (core) {
    CHECK_EQ_INT(le32(core + 4), 0x00080004);
    CHECK_EQ_INT(le32(core + 212), 0); /* serverSelectedProtocol */
  }
  const uint8_t *sec = block(b, bl, 0xC002, &l);
  CHECK(sec != NULL && l == 12);
  if (sec)
    CHECK_EQ_INT(le32(sec + 4), RDPNEG_ENC_ALL);
  const uint8_t *net = block(b, bl, 0xC003, &l);
  CHECK(net != NULL && l == 8);
  /* one method, after an RDP_NEG_RSP selecting PROTOCOL_RDP */
  n = rdpneg_mcs_encode_connect_initial(RDPNEG_ENC_40BIT, 0, out, sizeof out);
  b = ci_blocks(out, (size_t)n, &bl);
  sec = b ? block(b, bl, 0xC002, &l) : NULL;
  CHECK(sec && le32(sec + 4) == RDPNEG_ENC_40BIT);
  CHECK_EQ_INT(rdpneg_mcs_encode_connect_initial(0, 0, out, sizeof out),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_mcs_encode_connect_initial(0x20, 0, out, sizeof out),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_mcs_encode_connect_initial(RDPNEG_ENC_ALL, 0, out, 100),
               RDPNEG_ERR_NOBUF);
}

/* Real clients' Connect Initials pass the same walk: the walk is not just
 * the mirror of the encoder. */
TAP_TEST(real_clients_connect_initials_walk_alike) {
  NEED_CAPTURE(b,
               "redemption/win2003_server_std_rdp_security/"
               "03_client_mcs_connect_initial.bin",
               n);
  size_t bl = 0, l = 0;
  const uint8_t *blocks = ci_blocks(b, n, &bl);
  CHECK(blocks != NULL);
  const uint8_t *sec = blocks ? block(blocks, bl, 0xC002, &l) : NULL;
  CHECK(sec != NULL);
  if (sec)
    CHECK_EQ_INT(le32(sec + 4), 0x03); /* 40 and 128 bit */
  /* our domain parameters are the ones Windows clients send */
  uint8_t out[512];
  rdpneg_ssize m =
      rdpneg_mcs_encode_connect_initial(RDPNEG_ENC_ALL, 0, out, sizeof out);
  CHECK(m > 0 && memcmp(out + 12, b + 12, 9) == 0); /* selectors, flag */
  free(b);
}

typedef struct want {
  int status;
  uint32_t method, level;
  int cert_type, key_bits, x509_count;
  uint32_t version;
} want;

static void check_ev(const rdpneg_mcs_ev *ev, const want *w) {
  CHECK_EQ_INT(ev->status, w->status);
  if (w->status != RDPNEG_MCS_OK)
    return;
  CHECK_EQ_INT(ev->has_security, 1);
  CHECK_EQ_INT(ev->method, w->method);
  CHECK_EQ_INT(ev->level, w->level);
  CHECK_EQ_INT(ev->cert_type, w->cert_type);
  if (w->key_bits >= 0)
    CHECK_EQ_INT(ev->key_bits, w->key_bits);
  CHECK_EQ_INT(ev->x509_count, w->x509_count);
  CHECK_EQ_INT(ev->has_core, 1);
  CHECK_EQ_INT(ev->version, w->version);
  if (w->method)
    CHECK_EQ_INT(ev->random_len, 32);
}

static void decode_file(const char *rel, const want *w) {
  NEED_CAPTURE(b, rel, n);
  CHECK_EQ_INT(rdpneg_x224_tpkt_frame(b, n), (long long)n);
  rdpneg_mcs_ev ev = {.offered = RDPNEG_ENC_ALL};
  const char *why = NULL;
  CHECK_EQ_INT(rdpneg_mcs_decode_response(b, n, &ev, &why), 0);
  if (why)
    printf("# %s: %s\n", rel, why);
  CHECK_EQ_INT(ev.offered, RDPNEG_ENC_ALL);
  check_ev(&ev, w);
  /* a response cut anywhere (the TPKT length kept consistent) is refused
   * as malformed, never read past its end */
  for (size_t k = 7; k < n; k++) {
    uint8_t *c = malloc(k);
    memcpy(c, b, k);
    c[2] = (uint8_t)(k >> 8);
    c[3] = (uint8_t)k;
    rdpneg_mcs_ev e2 = {0};
    int rv = rdpneg_mcs_decode_response(c, k, &e2, &why);
    CHECK(rv == RDPNEG_ERR_X224_MALFORMED || rv == 0);
    if (rv == 0)
      CHECK(e2.status == RDPNEG_MCS_OK);
    else
      CHECK_EQ_INT(e2.status, RDPNEG_MCS_MALFORMED);
    free(c);
  }
  free(b);
}

/* Server Connect Responses from ../shared/captures/redemption: one TAP line
 * a row. */
#define RS "redemption/"
#define STD_RDP(os)                                                            \
  RS os "_server_std_rdp_security/"                                            \
        "04_server_mcs_connect_response_proprietary_cert.bin"
/* A Connect Response with Server Security Data (core version 8.4): a
 * proprietary certificate, or an X.509 chain of |chain| certificates. */
#define PROPRIETARY(method, level, key_bits)                                   \
  RDPNEG_MCS_OK, method, level, RDPNEG_MCS_CERT_PROPRIETARY, key_bits, 0,      \
      0x00080004
#define X509(method, level, key_bits, chain)                                   \
  RDPNEG_MCS_OK, method, level, RDPNEG_MCS_CERT_X509, key_bits, chain,         \
      0x00080004
static const struct file_case {
  const char *name, *file;
  want w;
} file_cases[] = {
    {"win2000_proprietary_40bit",
     STD_RDP("win2000"),
     {PROPRIETARY(RDPNEG_ENC_40BIT, 2, 512)}},
    {"win2003_proprietary_128bit",
     STD_RDP("win2003"),
     {PROPRIETARY(RDPNEG_ENC_128BIT, 2, 512)}},
    {"winxp_proprietary_128bit",
     STD_RDP("winxp"),
     {PROPRIETARY(RDPNEG_ENC_128BIT, 2, 512)}},
    {"win2008_x509_chain",
     RS "win2008_server_no_negreq/"
        "04_server_mcs_connect_response_x509_chain.bin",
     {X509(RDPNEG_ENC_128BIT, 2, 512, 4)}},
    {"win2008_x509_after_ssl_refused",
     RS "win2008_server_ssl_refused_then_rdp/"
        "06_server_mcs_connect_response_x509_chain.bin",
     {X509(RDPNEG_ENC_128BIT, 2, 512, 4)}},
    /* inside TLS (Enhanced RDP Security): method and level 0, no
     * certificate */
    {"win2008_inside_tls_no_encryption",
     RS "win2008_server_ssl_selected/"
        "04_server_mcs_connect_response_inside_tls.bin",
     {RDPNEG_MCS_OK, 0, 0, RDPNEG_MCS_CERT_NONE, 0, 0, 0x00080004}},
};

/* ---- pcaps: the server's second TPKT (after the confirm) ---- */

typedef struct pcap_want {
  const char *file;
  int conn; /* -1: every connection that has a Connect Response */
  want w;
  uint32_t client_methods; /* the client's offer in its Connect Initial; 0
                              = not checked */
} pcap_want;

static int second_tpkt(const pcap_stream *s, const uint8_t **p, size_t *n) {
  rdpneg_ssize a = rdpneg_x224_tpkt_frame(s->data, s->len);
  if (a <= 0)
    return -1;
  rdpneg_ssize b = rdpneg_x224_tpkt_frame(s->data + a, s->len - (size_t)a);
  if (b <= 0)
    return -1;
  *p = s->data + a;
  *n = (size_t)b;
  return 0;
}

/* The number of connections checked; -1 when the captures are absent. */
static int check_pcap(const pcap_want *pw) {
  if (!tap_captures_dir())
    return -1;
  size_t n = 0;
  unsigned char *b = cap_file(pw->file, &n);
  CHECK(b != NULL);
  if (!b)
    return 0;
  pcap_capture cap;
  int rv = capfile_parse(b, n, &cap);
  free(b);
  CHECK_EQ_INT(rv, 0);
  int seen = 0;
  for (size_t i = 0; rv == 0 && i < cap.nconns; i++) {
    if (pw->conn >= 0 && (size_t)pw->conn != i)
      continue;
    const uint8_t *p, *q;
    size_t m, k;
    if (second_tpkt(&cap.conns[i].dir[1], &p, &m) ||
        second_tpkt(&cap.conns[i].dir[0], &q, &k))
      continue;
    rdpneg_mcs_ev ev = {0};
    const char *why = NULL;
    CHECK_EQ_INT(rdpneg_mcs_decode_response(p, m, &ev, &why), 0);
    if (why)
      printf("# %s conn %zu: %s\n", pw->file, i, why);
    check_ev(&ev, &pw->w);
    if (pw->client_methods) {
      size_t bl, l;
      const uint8_t *blocks = ci_blocks(q, k, &bl);
      const uint8_t *sec = blocks ? block(blocks, bl, 0xC002, &l) : NULL;
      CHECK(sec != NULL);
      if (sec)
        CHECK(le32(sec + 4) & pw->client_methods);
    }
    seen++;
  }
  capfile_free(&cap);
  return seen;
}

/* pcaps of Windows servers and of the lab's xrdp: one TAP line a row. */
static const struct pcap_case {
  const char *name;
  pcap_want pw;
  int conns; /* connections expected to be checked */
} pcap_cases[] = {
    /* Vista client after SSL_NOT_ALLOWED: 128-bit, level High */
    {"wireshark_rdp004_high_proprietary",
     {"zeek/rdp-proprietary-encryption.pcap",
      -1,
      {PROPRIETARY(RDPNEG_ENC_128BIT, 3, 512)},
      0},
     1},
    {"wireshark_rdp003_xp_56bit",
     {"suricata-verify/RDP-003.pcap",
      -1,
      {PROPRIETARY(RDPNEG_ENC_56BIT, 2, 512)},
      0},
     1},
    {"zeek_rdp_x509",
     {"zeek/rdp-x509.pcap", -1, {X509(RDPNEG_ENC_128BIT, 2, 512, 2)}, 0},
     1},
    {"ndpi_rdp3_legacy_128bit",
     {"ndpi/rdp3.pcap", -1, {PROPRIETARY(RDPNEG_ENC_128BIT, 2, 512)}, 0},
     1},
    /* xrdp 0.9.21 (crypt_level=high) answering xfreerdp /sec:rdp */
    {"lab_xrdp_rdp_only_xfreerdp",
     {"lab/xrdp-rdp-only_xfreerdp.pcapng",
      -1,
      {PROPRIETARY(RDPNEG_ENC_128BIT, 3, 2048)},
      0},
     1},
    /* nmap rdp-enum-encryption offers one method per connection (legacy
     * request); xrdp at level High answers 128-bit whatever was offered */
    {"lab_xrdp_nmap_enum_one_method_each",
     {"lab/xrdp-neg-expired_nmap-enum.pcapng",
      -1,
      {PROPRIETARY(RDPNEG_ENC_128BIT, 3, 2048)},
      RDPNEG_ENC_ALL},
     4},
    /* xrdp with security_layer=tls: a legacy confirm, then a Disconnect
     * Provider Ultimatum in answer to the Connect Initial */
    {"lab_xrdp_tls_refuses_legacy_mcs",
     {"lab/xrdp-tls-valid_nmap-enum.pcapng",
      -1,
      {RDPNEG_MCS_REFUSED, 0, 0, 0, 0, 0, 0},
      0},
     1},
};

static void pcap_case_run(const struct pcap_case *c) {
  int k = check_pcap(&c->pw);
  if (k < 0)
    TAP_SKIP("../shared/captures absent");
  CHECK_EQ_INT(k, c->conns);
}

TAP_TEST(hand_made_answers) {
  /* xrdp's Disconnect Provider Ultimatum, rn-user-requested (3) */
  static const uint8_t dpu[] = {3, 0, 0, 9, 2, 0xf0, 0x80, 0x21, 0x80};
  rdpneg_mcs_ev ev = {.offered = 0x1b};
  CHECK_EQ_INT(rdpneg_mcs_decode_response(dpu, sizeof dpu, &ev, NULL), 0);
  CHECK_EQ_INT(ev.status, RDPNEG_MCS_REFUSED);
  CHECK_EQ_INT(ev.dpu_reason, 3);
  CHECK_EQ_INT(ev.offered, 0x1b);
  /* X.224 Disconnect Request */
  static const uint8_t dr[] = {3, 0, 0, 11, 6, 0x80, 0, 0, 0x12, 0x34, 0};
  CHECK_EQ_INT(rdpneg_mcs_decode_response(dr, sizeof dr, &ev, NULL), 0);
  CHECK_EQ_INT(ev.status, RDPNEG_MCS_REFUSED);
  /* Connect Response with result 2 (rt-domain-not-hierarchical) */
  static const uint8_t bad[] = {3,    0,    0,    15,   2,    0xf0, 0x80, 0x7f,
                                0x66, 0x05, 0x0a, 0x01, 0x02, 0x02, 0x00};
  CHECK_EQ_INT(rdpneg_mcs_decode_response(bad, sizeof bad, &ev, NULL), 0);
  CHECK_EQ_INT(ev.status, RDPNEG_MCS_REFUSED);
  CHECK_EQ_INT(ev.result, 2);
  /* not MCS at all */
  static const uint8_t junk[] = {3, 0, 0, 9, 2, 0xf0, 0x80, 0x30, 0x00};
  const char *why = NULL;
  CHECK_EQ_INT(rdpneg_mcs_decode_response(junk, sizeof junk, &ev, &why),
               RDPNEG_ERR_X224_MALFORMED);
  CHECK(why != NULL);
  CHECK_EQ_INT(ev.status, RDPNEG_MCS_MALFORMED);
}

TAP_TEST(names_round_trip) {
  static const uint32_t m[] = {0, 1, 2, 8, 0x10};
  for (int i = 0; i < 5; i++)
    CHECK_EQ_INT(rdpneg_mcs_method_value(rdpneg_mcs_method_name(m[i])), m[i]);
  for (uint32_t l = 0; l < 5; l++)
    CHECK_EQ_INT(rdpneg_mcs_level_value(rdpneg_mcs_level_name(l)), l);
  for (int s = 0; s < 8; s++)
    CHECK_EQ_INT(rdpneg_mcs_status_value(rdpneg_mcs_status_name(s)), s);
  CHECK(rdpneg_mcs_method_name(3) == NULL);
  CHECK(rdpneg_mcs_level_name(5) == NULL);
  CHECK_EQ_STR(rdpneg_mcs_cert_name(RDPNEG_MCS_CERT_X509), "x509");
}

int main(void) {
  TAP_RUN(encoder_is_a_connect_initial_servers_parse);
  TAP_RUN(real_clients_connect_initials_walk_alike);
  for (size_t i = 0; i < sizeof file_cases / sizeof file_cases[0]; i++)
    TAP_RUN_AS(file_cases[i].name,
               decode_file(file_cases[i].file, &file_cases[i].w));
  for (size_t i = 0; i < sizeof pcap_cases / sizeof pcap_cases[0]; i++)
    TAP_RUN_AS(pcap_cases[i].name, pcap_case_run(&pcap_cases[i]));
  TAP_RUN(hand_made_answers);
  TAP_RUN(names_round_trip);
  return tap_done();
}
