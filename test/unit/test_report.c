/* SPDX-License-Identifier: Apache-2.0 */
/* The message log (core/msglog.c) and the reports built on it
 * (output/ladder.c, output/html.c): records found by their framing however
 * the bytes are split, the ladder, the JSON round trip, and an HTML page
 * whose certificate texts are hostile markup. TAP. */
#include "core/evidence.h"
#include "core/msglog.h"
#include "tap.h"

#include <rdpneg/rdpneg_report.h>

/* A Connection Request with RDP_NEG_REQ SSL|HYBRID (19 bytes) and a
 * Connection Confirm with RDP_NEG_RSP HYBRID. */
static const uint8_t cr[] = {3, 0, 0, 19, 14, 0xE0, 0, 0, 0, 0,
                             0, 1, 0, 8,  0,  3,    0, 0, 0};
static const uint8_t cc[] = {3, 0, 0, 19, 14, 0xD0, 0, 0, 0x12, 0x34,
                             0, 2, 1, 8,  0,  2,    0, 0, 0};
/* One TLS handshake record holding ServerHello (4+2) and ServerHelloDone
 * (4+0), then an alert record (fatal handshake_failure). */
static const uint8_t hs[] = {22, 3, 3, 0, 10, 2, 0, 0, 2, 3, 3,
                             14, 0, 0, 0, 21, 3, 3, 0, 2, 2, 40};

static void feed(rdpneg_msglog *l, int dir, const uint8_t *p, size_t n,
                 size_t step, int64_t t) {
  for (size_t o = 0; o < n; o += step)
    rdpneg_msglog_bytes(l, dir, p + o, n - o < step ? n - o : step, t, 0);
}

TAP_TEST(msglog_framing_any_split) {
  for (size_t step = 1; step <= sizeof hs; step++) {
    rdpneg_msglog l;
    memset(&l, 0, sizeof l);
    rdpneg_msglog_tcp(&l, RDPNEG_TCP_OK, 0, 100);
    feed(&l, RDPNEG_MSG_C2S, cr, sizeof cr, step, 200);
    feed(&l, RDPNEG_MSG_S2C, cc, sizeof cc, step, 300);
    feed(&l, RDPNEG_MSG_S2C, hs, sizeof hs, step, 400);
    rdpneg_msglog_event(&l, RDPNEG_MSG_S2C, "FIN", 500);
    CHECK_EQ_INT(l.n, 7);
    if (l.n != 7)
      return;
    CHECK(!strcmp(l.m[0].name, "TCP SYN") && l.m[0].event);
    CHECK(!strcmp(l.m[1].name, "TCP SYN-ACK") && l.m[1].t_us == 100);
    CHECK(!strcmp(l.m[2].name,
                  "X.224 Connection Request (RDP_NEG_REQ SSL|HYBRID)"));
    CHECK_EQ_INT(l.m[2].bytes, 19);
    CHECK(!strcmp(l.m[3].name, "X.224 Connection Confirm (RDP_NEG_RSP "
                               "HYBRID)"));
    CHECK_EQ_INT(l.m[3].dir, RDPNEG_MSG_S2C);
    CHECK(!strcmp(l.m[4].name, "TLS ServerHello, ServerHelloDone"));
    CHECK_EQ_INT(l.m[4].bytes, 15);
    CHECK(!strcmp(l.m[5].name, "TLS Alert fatal: handshake_failure (40)"));
    CHECK_EQ_INT(l.m[5].bytes, 7);
    CHECK(!strcmp(l.m[6].name, "FIN") && l.m[6].t_us == 500);
  }
}

TAP_TEST(msglog_not_tpkt_and_full) {
  rdpneg_msglog l;
  memset(&l, 0, sizeof l);
  const char *http = "HTTP/1.1 400 Bad Request\r\n\r\n";
  rdpneg_msglog_bytes(&l, RDPNEG_MSG_S2C, (const uint8_t *)http, 10, 5, 0);
  rdpneg_msglog_bytes(&l, RDPNEG_MSG_S2C, (const uint8_t *)http + 10,
                      strlen(http) - 10, 6, 0);
  CHECK_EQ_INT(l.n, 1);
  CHECK(!strcmp(l.m[0].name, "HTTP response"));
  CHECK_EQ_INT(l.m[0].bytes, strlen(http));
  for (int i = 0; i < RDPNEG_MSGLOG_MAX + 5; i++)
    rdpneg_msglog_event(&l, RDPNEG_MSG_C2S, "x", i);
  CHECK_EQ_INT(l.n, RDPNEG_MSGLOG_MAX);
  CHECK_EQ_INT(l.dropped, 6);
}

static char *slurp(const char *path, size_t *plen) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *b = malloc(1 << 20);
  size_t n = b ? fread(b, 1, (1 << 20) - 1, f) : 0;
  fclose(f);
  if (b)
    b[n] = 0;
  *plen = n;
  return b;
}

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p++)
    n++;
  return n;
}

static rdpneg_evidence *hostile_ev;

static int hostile_ev_messages(void) {
  int n = 0;
  for (int i = 0; i < hostile_ev->nattempts; i++)
    n += hostile_ev->att[i].msgs->n;
  return n;
}

TAP_TEST(html_escapes_hostile_certificate) {
  const char *src = getenv("RDPNEG_SRCDIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/test/unit/data/report_hostile.json",
           src ? src : ".");
  size_t len;
  char *doc = slurp(path, &len), err[256];
  CHECK(doc != NULL);
  if (!doc)
    return;
  CHECK_EQ_INT(rdpneg_evidence_parse(doc, len, &hostile_ev, err, sizeof err),
               0);
  free(doc);
  if (!hostile_ev)
    return;
  char *html = NULL;
  CHECK_EQ_INT(rdpneg_evidence_html(hostile_ev, NULL, &html, NULL), 0);
  if (!html)
    return;
  /* nothing from the server became markup */
  CHECK_EQ_INT(count(html, "<script"), 0);
  CHECK_EQ_INT(count(html, "<img"), 0);
  CHECK_EQ_INT(count(html, "<iframe"), 0);
  CHECK_EQ_INT(count(html, "<svg onload"), 0);
  CHECK_EQ_INT(count(html, "<b>"), 0);
  CHECK_EQ_INT(count(html, "<i>host"), 0);
  CHECK(count(html, "CN=&lt;script&gt;alert(&quot;subject&quot;)") >= 1);
  CHECK(count(html, "&quot;&gt;&lt;svg onload=alert(2)&gt;") >= 1);
  CHECK(count(html, "O=&lt;/td&gt;&lt;/table&gt;&lt;iframe") >= 1);
  CHECK(count(html, "&amp;amp;") >= 1);
  /* one ladder, one arrow per message, a stop, nothing fetched */
  CHECK_EQ_INT(count(html, "<svg class=\"ladder\""), 1);
  CHECK_EQ_INT(count(html, "<g class=\"arrow"), hostile_ev_messages());
  CHECK_EQ_INT(count(html, "<g class=\"stop"), 1);
  CHECK_EQ_INT(count(html, "http://") + count(html, "https://"),
               count(html, "http://www.w3.org/2000/svg"));
  rdpneg_free(html);
}

TAP_TEST(ladder_text_and_round_trip) {
  if (!hostile_ev) {
    CHECK(hostile_ev != NULL);
    return;
  }
  char *lad = NULL, *json = NULL, *json2 = NULL;
  CHECK_EQ_INT(rdpneg_evidence_ladder(hostile_ev, &lad, NULL), 0);
  if (lad) {
    CHECK(strstr(lad, "ladder   connection 1 of 1: primary") != NULL);
    CHECK(strstr(lad, "|------------>|  X.224 Connection Request "
                      "(RDP_NEG_REQ SSL|HYBRID|HYBRID_EX)  19 B") != NULL);
    CHECK(strstr(lad, "|<------------|  TLS Certificate") != NULL);
    CHECK(strstr(lad, "ended after tls; nla skipped") != NULL);
    CHECK_EQ_INT(count(lad, "\n"), 3 + hostile_ev_messages());
  }
  rdpneg_free(lad);
  /* attempts[].messages survive a write and a read */
  CHECK_EQ_INT(rdpneg_evidence_json(hostile_ev, NULL, &json, NULL), 0);
  rdpneg_evidence *again = NULL;
  char err[256];
  if (json)
    CHECK_EQ_INT(
        rdpneg_evidence_parse(json, strlen(json), &again, err, sizeof err), 0);
  if (again)
    CHECK_EQ_INT(rdpneg_evidence_json(again, NULL, &json2, NULL), 0);
  CHECK(json && json2 && !strcmp(json, json2));
  CHECK(json && strstr(json, "\"messages_dropped\": 0") != NULL);
  rdpneg_free(json);
  rdpneg_free(json2);
  /* a fleet page of two: both ladders, anchors per target */
  const rdpneg_evidence *evs[2] = {hostile_ev, again};
  char *fleet = NULL;
  if (again)
    CHECK_EQ_INT(rdpneg_fleet_html(evs, NULL, 2, "fleet <x>", &fleet, NULL), 0);
  if (fleet) {
    CHECK_EQ_INT(count(fleet, "<svg class=\"ladder\""), 2);
    CHECK(strstr(fleet, "href=\"#t2\"") && strstr(fleet, "id=\"t2\""));
    CHECK(strstr(fleet, "<title>fleet &lt;x&gt;</title>") != NULL);
    CHECK(strstr(fleet, "2 targets: 2 healthy") != NULL);
  }
  rdpneg_free(fleet);
  rdpneg_evidence_free(again);
  /* argument errors */
  char *x = NULL;
  CHECK_EQ_INT(rdpneg_evidence_html(NULL, NULL, &x, NULL),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_fleet_html(evs, NULL, 0, NULL, &x, NULL),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_evidence_ladder(hostile_ev, NULL, NULL),
               RDPNEG_ERR_INVALID_ARGUMENT);
}

int main(void) {
  TAP_RUN(msglog_framing_any_split);
  TAP_RUN(msglog_not_tpkt_and_full);
  TAP_RUN(html_escapes_hostile_certificate);
  TAP_RUN(ladder_text_and_round_trip);
  rdpneg_evidence_free(hostile_ev);
  return tap_done();
}
