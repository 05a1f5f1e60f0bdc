/* SPDX-License-Identifier: Apache-2.0 */
/* Capture replay: the TCP reassembler (lib/replay/tcp.c) over segments
 * made here (out of order, retransmitted, overlapping, both directions),
 * and rdpneg_capture over every RDP capture in ../shared/captures, read
 * with libpcap: the facts each capture really holds (SOURCES.md, the .txt
 * dissections beside the lab files) come out of the observer. */
#include "core/evidence.h"
#include "replay/tcp.h"
#include "tap.h"

#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_replay.h>
#include <rdpneg/rdpneg_report.h>

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- reassembler ---- */

static rdpneg_tcp_conn *new_conn(rdpneg_tcp_table *t) {
  rdpneg_tcp_table_init(t);
  t->conns = calloc(1, sizeof *t->conns);
  t->nconns = 1;
  return t->conns;
}

TAP_TEST(reassembly_out_of_order_and_retransmitted) {
  rdpneg_tcp_table t;
  rdpneg_tcp_conn *c = new_conn(&t);
  const uint8_t *msg = (const uint8_t *)"0123456789abcdef";
  rdpneg_tcp_segment(&t, c, 0, 999, RDPNEG_TCP_SYN, NULL, 0, 1);
  rdpneg_tcp_segment(&t, c, 0, 1008, 0, msg + 8, 8, 2); /* ahead of a hole */
  CHECK_EQ_INT(c->dir[0].len, 0);
  CHECK_EQ_INT(c->dir[0].reordered, 1);
  rdpneg_tcp_segment(&t, c, 0, 1000, 0, msg, 8, 3); /* fills it */
  CHECK_EQ_INT(c->dir[0].len, 16);
  CHECK(memcmp(c->dir[0].data, msg, 16) == 0);
  rdpneg_tcp_segment(&t, c, 0, 1000, 0, msg, 8, 4); /* retransmission */
  CHECK_EQ_INT(c->dir[0].len, 16);
  CHECK_EQ_INT(c->dir[0].dup_bytes, 8);
  CHECK_EQ_INT(c->dir[0].conflicts, 0);
  /* the timeline: the direction became contiguous to 16 at time 3 */
  int data_events = 0;
  for (size_t i = 0; i < c->nevents; i++)
    if (c->events[i].kind == RDPNEG_TCP_EV_DATA) {
      data_events++;
      CHECK_EQ_INT(c->events[i].len, 16);
      CHECK_EQ_INT(c->events[i].ts, 3);
    }
  CHECK_EQ_INT(data_events, 1);
  rdpneg_tcp_table_free(&t);
}

TAP_TEST(reassembly_overlap_first_copy_wins) {
  rdpneg_tcp_table t;
  rdpneg_tcp_conn *c = new_conn(&t);
  rdpneg_tcp_segment(&t, c, 1, 5000, RDPNEG_TCP_SYN, NULL, 0, 1);
  rdpneg_tcp_segment(&t, c, 1, 5001, 0, (const uint8_t *)"ABCDEF", 6, 2);
  /* overlaps bytes 3..5 with other content and adds 3 new ones */
  rdpneg_tcp_segment(&t, c, 1, 5004, 0, (const uint8_t *)"xyzGHI", 6, 3);
  CHECK_EQ_INT(c->dir[1].len, 9);
  CHECK(memcmp(c->dir[1].data, "ABCDEFGHI", 9) == 0);
  CHECK_EQ_INT(c->dir[1].dup_bytes, 3);
  CHECK_EQ_INT(c->dir[1].conflicts, 3);
  rdpneg_tcp_table_free(&t);
}

TAP_TEST(reassembly_both_directions_and_ends) {
  rdpneg_tcp_table t;
  rdpneg_tcp_conn *c = new_conn(&t);
  rdpneg_tcp_segment(&t, c, 0, 100, RDPNEG_TCP_SYN, NULL, 0, 1);
  rdpneg_tcp_segment(&t, c, 1, 700, RDPNEG_TCP_SYN, NULL, 0, 2);
  rdpneg_tcp_segment(&t, c, 0, 101, 0, (const uint8_t *)"req", 3, 3);
  rdpneg_tcp_segment(&t, c, 1, 701, RDPNEG_TCP_FIN, (const uint8_t *)"rsp", 3,
                     4);
  rdpneg_tcp_segment(&t, c, 0, 104, RDPNEG_TCP_RST, NULL, 0, 5);
  CHECK(memcmp(c->dir[0].data, "req", 3) == 0);
  CHECK(memcmp(c->dir[1].data, "rsp", 3) == 0);
  /* capture order: client data, server FIN (seen with its data), client
   * RST */
  CHECK_EQ_INT(c->nevents, 4);
  CHECK_EQ_INT(c->events[0].dir, 0);
  CHECK_EQ_INT(c->events[0].kind, RDPNEG_TCP_EV_DATA);
  CHECK_EQ_INT(c->events[1].kind, RDPNEG_TCP_EV_FIN);
  CHECK_EQ_INT(c->events[2].dir, 1);
  CHECK_EQ_INT(c->events[2].kind, RDPNEG_TCP_EV_DATA);
  CHECK_EQ_INT(c->events[3].kind, RDPNEG_TCP_EV_RST);
  CHECK_EQ_INT(c->events[3].ts, 5);
  rdpneg_tcp_conn_swap(c);
  CHECK_EQ_INT(c->events[0].dir, 1);
  CHECK(memcmp(c->dir[1].data, "req", 3) == 0);
  rdpneg_tcp_table_free(&t);
}

/* ---- captures ---- */

static int linktype(int dlt) {
  switch (dlt) {
  case DLT_EN10MB:
    return RDPNEG_LINKTYPE_ETHERNET;
  case DLT_RAW:
    return RDPNEG_LINKTYPE_RAW;
  case DLT_LINUX_SLL:
    return RDPNEG_LINKTYPE_LINUX_SLL;
  case DLT_NULL:
    return RDPNEG_LINKTYPE_NULL;
  }
  return dlt;
}

static rdpneg_capture *replay(const char *rel, uint16_t port) {
  const char *dir = tap_captures_dir();
  char path[8192], err[PCAP_ERRBUF_SIZE];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  pcap_t *p = pcap_open_offline_with_tstamp_precision(
      path, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p) {
    printf("# %s: %s\n", rel, err);
    return NULL;
  }
  rdpneg_capture *c;
  if (rdpneg_capture_new(&c, port)) {
    pcap_close(p);
    return NULL;
  }
  int lt = linktype(pcap_datalink(p)), rv;
  struct pcap_pkthdr *h;
  const u_char *d;
  while ((rv = pcap_next_ex(p, &h, &d)) == 1)
    rdpneg_capture_frame(c, lt, d, h->caplen,
                         (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec);
  if (rv == PCAP_ERROR)
    rdpneg_capture_damaged(c, pcap_geterr(p));
  pcap_close(p);
  if (rdpneg_capture_analyse(c) < 0) {
    rdpneg_capture_free(c);
    return NULL;
  }
  return c;
}

enum { NONE = -1 };
#define P_END_X224 RDPNEG_PHASE_X224
#define P_END_TLS RDPNEG_PHASE_TLS
#define P_END_NLA RDPNEG_PHASE_NLA
#define P_END_AFTER RDPNEG_OBS_AFTER

typedef struct cap_case {
  const char *file;
  uint16_t port;
  int nconns, conn;
  int x224;      /* rdpneg_x224_status */
  int64_t value; /* selected protocol or failure code, NONE */
  const char *cookie;
  int tls; /* rdpneg_tls_status */
  const char *version, *cipher, *subject;
  int alert;     /* server's plaintext alert code, NONE */
  int end_side;  /* who sent the first FIN/RST: 0 client, 1 server */
  int end_phase; /* in which phase */
  int nstories;
} cap_case;

#define XS_OK RDPNEG_X224_OK
#define X_FAIL RDPNEG_X224_FAILURE
#define X_LEG RDPNEG_X224_LEGACY
#define T_OK RDPNEG_TLS_OK
#define T_SKIP RDPNEG_TLS_SKIPPED
#define T_ALERT RDPNEG_TLS_ALERT

static const cap_case cases[] = {
    /* Windows: failure code 2 then a retry with PROTOCOL_RDP, one story */
    {"zeek/rdp-proprietary-encryption.pcap", 3389, 2, 0, X_FAIL, 2,
     "FTBCO\\A70", T_SKIP, NULL, NULL, NULL, NONE, 0, P_END_X224, 1},
    {"zeek/rdp-proprietary-encryption.pcap", 3389, 2, 1, XS_OK, 0, "FTBCO\\A70",
     T_SKIP, NULL, NULL, NULL, NONE, 0, P_END_AFTER, 1},
    /* HYBRID, TLS 1.0, Windows Server 2008 R2 */
    {"zeek/rdp-to-ssl.pcap", 3389, 2, 0, XS_OK, 2, "AWAKECODI", T_OK, "TLSv1.0",
     "TLS_RSA_WITH_AES_128_CBC_SHA", "CN=WIN2K8R2.awakecoding.ath.cx", NONE, 0,
     P_END_NLA, 2},
    /* HYBRID_EX, TLS 1.2, no cookie */
    {"zeek/rdp-no-cookie-mstshash.pcap", 3389, 1, 0, XS_OK, 8, NULL, T_OK,
     "TLSv1.2", "TLS_RSA_WITH_AES_256_GCM_SHA384",
     "CN=CLK-456040-D.one.phoenix.gov", NONE, 0, P_END_NLA, 1},
    {"ndpi/rdp.pcap", 3389, 1, 0, XS_OK, 8, NULL, T_OK, "TLSv1.2",
     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "CN=OFFICE-WIN10-VM", NONE, NONE,
     0, 1},
    /* HYBRID, NLA ended by an encrypted server alert, the client resets */
    {"ndpi/rdp_over_tls.pcap", 3389, 1, 0, XS_OK, 2, "WDeployAd", T_OK,
     "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "CN=topsalon", NONE, 0,
     P_END_NLA, 1},
    /* PROTOCOL_RDP with X.509 chain; legacy servers */
    {"zeek/rdp-x509.pcap", 3389, 1, 0, XS_OK, 0, "JOHN-PC  ", T_SKIP, NULL,
     NULL, NULL, NONE, NONE, 0, 1},
    {"suricata-verify/RDP-003.pcap", 3389, 1, 0, X_LEG, NONE, "A70067", T_SKIP,
     NULL, NULL, NULL, NONE, 0, P_END_AFTER, 1},
    {"ndpi/rdp3.pcap", 3389, 1, 0, X_LEG, NONE, "Administr", T_SKIP, NULL, NULL,
     NULL, NONE, NONE, 0, 1},
    /* lab: xrdp and FreeRDP shadow */
    {"lab/shadow-nla_ssl-only-request_HYBRID_REQUIRED.pcapng", 34001, 1, 0,
     X_FAIL, 5, NULL, T_SKIP, NULL, NULL, NULL, NONE, 0, P_END_X224, 1},
    {"lab/shadow-rdp_ssl-request_SSL_NOT_ALLOWED.pcapng", 34003, 1, 0, X_FAIL,
     2, NULL, T_SKIP, NULL, NULL, NULL, NONE, 0, P_END_X224, 1},
    {"lab/xrdp-tls-nocert_SSL_CERT_NOT_ON_SERVER.pcapng", 33901, 1, 0, X_FAIL,
     3, NULL, T_SKIP, NULL, NULL, NULL, NONE, 1, P_END_X224, 1},
    {"lab/xrdp-tls13only_tls12-client-fails.pcapng", 33899, 1, 0, XS_OK, 1,
     NULL, T_ALERT, NULL, NULL, NULL, 70, 0, P_END_TLS, 1},
    {"lab/xrdp-tls1only_handshake-alert.pcapng", 33897, 1, 0, XS_OK, 1, NULL,
     T_ALERT, NULL, NULL, NULL, 80, 0, P_END_TLS, 1},
    {"lab/xrdp-neg-expired_xfreerdp-certdeny-tls12.pcapng", 33894, 1, 0, XS_OK,
     1, "x", T_OK, "TLSv1.2", NULL, "CN=localhost", NONE, 0, P_END_AFTER, 1},
    {"lab/shadow-nla_xfreerdp-badpw.pcapng", 34001, 1, 0, XS_OK, 2, "labuser",
     T_OK, "TLSv1.3", "TLS_AES_256_GCM_SHA384", NULL, NONE, 1, P_END_NLA, 1},
    {"lab/xrdp-legacy-cr-no-negreq.pcapng", 33891, 1, 0, X_LEG, NONE, NULL,
     T_SKIP, NULL, NULL, NULL, NONE, 0, P_END_AFTER, 1},
};

/* The first FIN or RST of a connection. */
static void first_end(const rdpneg_obs_ev *o, int *side, int *phase) {
  int64_t best = -1;
  *side = *phase = NONE;
  for (int d = 0; d < 2; d++) {
    const rdpneg_obs_end *e[2] = {&o->fin[d], &o->rst[d]};
    for (int k = 0; k < 2; k++)
      if (e[k]->seen && (best < 0 || e[k]->t_us < best)) {
        best = e[k]->t_us;
        *side = d;
        *phase = e[k]->phase;
      }
  }
}

TAP_TEST(captures_replay_facts) {
  if (!tap_captures_dir())
    TAP_SKIP("../shared/captures absent");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const cap_case *k = &cases[i];
    int was = tap_cur_failed;
    tap_cur_failed = 0;
    rdpneg_capture *c = replay(k->file, k->port);
    CHECK(c != NULL);
    if (!c) {
      tap_cur_failed |= was;
      continue;
    }
    CHECK_EQ_INT(rdpneg_capture_count(c), k->nconns);
    CHECK_EQ_INT(rdpneg_capture_story_count(c), k->nstories);
    rdpneg_evidence *ev = NULL;
    CHECK_EQ_INT(rdpneg_capture_evidence(c, k->conn, &ev), 0);
    if (ev) {
      const rdpneg_attempt_ev *a = &ev->att[0];
      CHECK_EQ_STR(ev->source, "capture");
      CHECK_EQ_INT(a->x224_status, k->x224);
      if (k->value != NONE)
        CHECK_EQ_INT(a->neg_value, k->value);
      CHECK_EQ_STR(a->has_cookie ? a->cookie : "(none)",
                   k->cookie ? k->cookie : "(none)");
      CHECK_EQ_INT(a->tls_status, k->tls);
      if (k->version)
        CHECK_EQ_STR(a->tls->version, k->version);
      if (k->cipher)
        CHECK_EQ_STR(a->tls->cipher, k->cipher);
      if (k->subject) {
        CHECK(a->tls->has_cert);
        CHECK_EQ_STR(a->tls->cert.subject, k->subject);
      }
      CHECK_EQ_INT(a->tls_ran ? a->tls->alert_code : NONE, k->alert);
      int side, phase;
      first_end(a->obs, &side, &phase);
      CHECK_EQ_INT(side, k->end_side);
      if (k->end_side != NONE)
        CHECK_EQ_INT(phase, k->end_phase);
      /* the document says where it came from */
      char *js = NULL;
      CHECK_EQ_INT(rdpneg_evidence_json(ev, NULL, &js, NULL), 0);
      CHECK(js && strstr(js, "\"source\": \"capture\""));
      CHECK(js && strstr(js, "\"observed\""));
      rdpneg_free(js);
      rdpneg_evidence_free(ev);
    }
    if (tap_cur_failed)
      printf("# %s conn %d\n", k->file, k->conn);
    tap_cur_failed |= was;
    rdpneg_capture_free(c);
  }
}

TAP_TEST(fallback_is_one_story) {
  if (!tap_captures_dir())
    TAP_SKIP("../shared/captures absent");
  rdpneg_capture *c = replay("zeek/rdp-proprietary-encryption.pcap", 3389);
  CHECK(c != NULL);
  if (!c)
    return;
  int idx[4];
  const char *sum = NULL;
  CHECK_EQ_INT(rdpneg_capture_story(c, 0, idx, 4, &sum), 2);
  CHECK(sum && strstr(sum, "fell back to fewer protocols"));
  CHECK(sum && strstr(sum, "SSL_NOT_ALLOWED_BY_SERVER"));
  char *js = NULL;
  CHECK_EQ_INT(rdpneg_capture_json(c, &js, NULL), 0);
  CHECK(js && strstr(js, "\"schema\": \"rdpneg.replay/1\""));
  rdpneg_free(js);
  rdpneg_capture_free(c);
}

/* The observer keeps the same message log a probe does: the ladder of a
 * captured NLA connection names each record in capture order, and the
 * HTML report of the capture draws it. */
TAP_TEST(capture_ladder_and_html) {
  if (!tap_captures_dir())
    TAP_SKIP("../shared/captures absent");
  rdpneg_capture *c = replay("ndpi/rdp_over_tls.pcap", 3389);
  CHECK(c != NULL);
  if (!c)
    return;
  rdpneg_evidence *e = NULL;
  CHECK_EQ_INT(rdpneg_capture_evidence(c, 0, &e), 0);
  if (!e) {
    rdpneg_capture_free(c);
    return;
  }
  const rdpneg_msglog *l = e->att[0].msgs;
  static const struct {
    int dir;
    const char *name;
    uint32_t bytes;
  } want[] = {
      {RDPNEG_MSG_C2S, "TCP SYN", 0},
      {RDPNEG_MSG_S2C, "TCP SYN-ACK", 0},
      {RDPNEG_MSG_C2S, "X.224 Connection Request (RDP_NEG_REQ SSL|HYBRID)", 47},
      {RDPNEG_MSG_S2C, "X.224 Connection Confirm (RDP_NEG_RSP HYBRID)", 19},
      {RDPNEG_MSG_C2S, "TLS ClientHello", 161},
      {RDPNEG_MSG_S2C,
       "TLS ServerHello, Certificate, ServerKeyExchange, ServerHelloDone",
       1197},
  };
  CHECK(l->n >= 6);
  for (size_t i = 0; i < sizeof want / sizeof want[0] && (int)i < l->n; i++) {
    CHECK_EQ_INT(l->m[i].dir, want[i].dir);
    CHECK_EQ_STR(l->m[i].name, want[i].name);
    CHECK_EQ_INT((int)l->m[i].bytes, (int)want[i].bytes);
    CHECK(i == 0 || l->m[i].t_us >= l->m[i - 1].t_us);
  }
  const rdpneg_evidence *evs[1] = {e};
  char *page = NULL;
  size_t len = 0;
  CHECK_EQ_INT(rdpneg_fleet_html(evs, NULL, 1, "capture", &page, &len), 0);
  CHECK(page && strstr(page, "<svg"));
  CHECK(page && strstr(page, "X.224 Connection Confirm (RDP_NEG_RSP HYBRID)"));
  rdpneg_free(page);
  rdpneg_evidence_free(e);
  rdpneg_capture_free(c);
}

/* A capture cut in the middle: libpcap reports it, the connections read
 * so far still come out. */
TAP_TEST(truncated_capture_keeps_what_was_read) {
  const char *dir = tap_captures_dir();
  if (!dir)
    TAP_SKIP("../shared/captures absent");
  char path[8192];
  snprintf(path, sizeof path, "%s/zeek/rdp-proprietary-encryption.pcap", dir);
  size_t n = 0;
  unsigned char *b = tap_read_file(path, &n);
  CHECK(b != NULL);
  if (!b)
    return;
  char tmp[] = "/tmp/rdpneg-replay-cut-XXXXXX";
  int fd = mkstemp(tmp);
  CHECK(fd >= 0);
  FILE *f = fdopen(fd, "wb");
  fwrite(b, 1, 20000, f); /* inside a record of the second connection */
  fclose(f);
  free(b);
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(tmp, err);
  CHECK(p != NULL);
  rdpneg_capture *c;
  rdpneg_capture_new(&c, 0);
  struct pcap_pkthdr *h;
  const u_char *d;
  int rv;
  while (p && (rv = pcap_next_ex(p, &h, &d)) == 1)
    rdpneg_capture_frame(c, linktype(pcap_datalink(p)), d, h->caplen, 0);
  CHECK_EQ_INT(rv, PCAP_ERROR);
  rdpneg_capture_damaged(c, p ? pcap_geterr(p) : "?");
  if (p)
    pcap_close(p);
  unlink(tmp);
  CHECK_EQ_INT(rdpneg_capture_analyse(c), 2);
  char *js = NULL;
  CHECK_EQ_INT(rdpneg_capture_json(c, &js, NULL), 0);
  CHECK(js && strstr(js, "\"damaged\": true"));
  rdpneg_free(js);
  rdpneg_capture_free(c);
}

int main(void) {
  TAP_RUN(reassembly_out_of_order_and_retransmitted);
  TAP_RUN(reassembly_overlap_first_copy_wins);
  TAP_RUN(reassembly_both_directions_and_ends);
  TAP_RUN(captures_replay_facts);
  TAP_RUN(fallback_is_one_story);
  TAP_RUN(capture_ladder_and_html);
  TAP_RUN(truncated_capture_keeps_what_was_read);
  return tap_done();
}
