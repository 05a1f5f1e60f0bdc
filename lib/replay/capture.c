/* SPDX-License-Identifier: Apache-2.0 */
/* Capture replay (public API, rdpneg_replay.h): frames -> TCP connections
 * (tcp.c) -> one observer per connection to the RDP port (core/observe.c)
 * -> evidence, documents and stories. */
#include "analysis/diagnose.h"
#include "base/json.h"
#include "core/evidence.h"
#include "core/observe.h"
#include "output/document.h"
#include "proto/x224.h"
#include "replay/tcp.h"

#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_replay.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Connections of one client to one server closer than this in time (from
 * one's last packet to the next one's first) belong to one story. */
#define STORY_GAP_NS (30ull * 1000000000ull)

typedef struct story {
  int first, n; /* indexes into the sorted connections */
  char summary[512];
} story;

struct rdpneg_capture {
  uint16_t port;
  rdpneg_tcp_table t;
  int analysed;
  char damage[160];
  int n;                         /* connections to the port */
  const rdpneg_tcp_conn **conns; /* in start order */
  rdpneg_attempt_ev *att;
  int nstories;
  story *stories;
};

RDPNEG_EXTERN int rdpneg_capture_new(rdpneg_capture **pcap, uint16_t port) {
  if (!pcap)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_capture *c = calloc(1, sizeof *c);
  if (!c)
    return RDPNEG_ERR_NOMEM;
  c->port = port ? port : 3389;
  rdpneg_tcp_table_init(&c->t);
  *pcap = c;
  return 0;
}

RDPNEG_EXTERN void rdpneg_capture_free(rdpneg_capture *c) {
  if (!c)
    return;
  rdpneg_tcp_table_free(&c->t);
  free(c->conns);
  for (int i = 0; c->att && i < c->n; i++)
    rdpneg_attempt_clear(&c->att[i]);
  free(c->att);
  free(c->stories);
  free(c);
}

RDPNEG_EXTERN int rdpneg_capture_frame(rdpneg_capture *c, int linktype,
                                       const uint8_t *frame, size_t caplen,
                                       int64_t ts_ns) {
  if (!c || (!frame && caplen))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (c->analysed)
    return RDPNEG_ERR_INVALID_STATE;
  int rv = rdpneg_tcp_feed_frame(&c->t, linktype, frame, caplen,
                                 ts_ns < 0 ? 0 : (uint64_t)ts_ns);
  return rv < 0 ? RDPNEG_ERR_BAD_FILE : rv;
}

RDPNEG_EXTERN void rdpneg_capture_damaged(rdpneg_capture *c, const char *why) {
  if (!c)
    return;
  c->t.truncated = 1;
  snprintf(c->damage, sizeof c->damage, "%s", why ? why : "damaged");
}

static int by_start(const void *x, const void *y) {
  const rdpneg_tcp_conn *a = *(const rdpneg_tcp_conn *const *)x;
  const rdpneg_tcp_conn *b = *(const rdpneg_tcp_conn *const *)y;
  return a->first_ts < b->first_ts ? -1 : a->first_ts > b->first_ts;
}

/* Replays one connection's timeline into an observer. */
static int observe(const rdpneg_tcp_conn *k, rdpneg_attempt_ev *a,
                   uint16_t port) {
  rdpneg_observer *o;
  int rv = rdpneg_observer_new(&o, a, (int64_t)(k->first_ts / 1000u));
  if (rv)
    return rv;
  char addr[64];
  rdpneg_tcp_conn_addr(k, 1, addr, sizeof addr);
  snprintf(a->host, sizeof a->host, "%s", addr);
  snprintf(a->address, sizeof a->address, "%s", addr);
  snprintf(a->name, sizeof a->name, "%s", addr);
  a->port = k->port[1];
  rdpneg_tcp_conn_addr(k, 0, a->obs->client, sizeof a->obs->client);
  a->obs->client_port = k->port[0];
  for (int d = 0; d < 2; d++) {
    const rdpneg_tcp_stream *s = &k->dir[d];
    if (s->syn)
      rdpneg_observer_syn(o, d, (int64_t)(s->syn_ts / 1000u));
    a->obs->dup_bytes[d] = s->dup_bytes;
    a->obs->conflicts[d] = s->conflicts;
    a->obs->reordered[d] = s->reordered;
    a->obs->gap[d] = s->extent > s->len;
  }
  size_t done[2] = {0, 0};
  for (size_t i = 0; i < k->nevents && rv == 0; i++) {
    const rdpneg_tcp_event *e = &k->events[i];
    const rdpneg_tcp_stream *s = &k->dir[e->dir];
    int64_t t = (int64_t)(e->ts / 1000u);
    if (e->kind == RDPNEG_TCP_EV_DATA) {
      size_t to = e->len < s->len ? e->len : s->len;
      if (to > done[e->dir]) {
        rv = rdpneg_observer_data(o, e->dir, s->data + done[e->dir],
                                  to - done[e->dir], t);
        done[e->dir] = to;
      }
    } else {
      rdpneg_observer_end(o, e->dir, e->kind == RDPNEG_TCP_EV_RST, t);
    }
  }
  for (int d = 0; d < 2 && rv == 0; d++) /* timeline entries lost */
    if (k->dir[d].len > done[d])
      rv = rdpneg_observer_data(o, d, k->dir[d].data + done[d],
                                k->dir[d].len - done[d],
                                (int64_t)(k->last_ts / 1000u));
  if (rv) {
    rdpneg_observer_free(o);
    return rv;
  }
  rdpneg_observer_finish(o);
  (void)port;
  return 0;
}

static const char *answer_text(const rdpneg_attempt_ev *a, char *b, size_t n) {
  if (a->x224_status == RDPNEG_X224_FAILURE) {
    const char *f = rdpneg_failure_name(a->neg_value);
    snprintf(b, n, "%s", f ? f : "RDP_NEG_FAILURE");
  } else if (a->x224_status == RDPNEG_X224_OK) {
    snprintf(b, n, "%s", rdpneg_protocol_name(a->neg_value));
  } else if (a->x224_status == RDPNEG_X224_LEGACY) {
    snprintf(b, n, "legacy confirm");
  } else {
    snprintf(b, n, "no answer (%s)",
             rdpneg_doc_name(RDPNEG_DOC_X224_STATUS, a->x224_status));
  }
  return b;
}

/* Where the connection stopped, for a story line. */
static const char *end_text(const rdpneg_attempt_ev *a, char *b, size_t n) {
  static const char *const ph[] = {"tcp", "x224", "tls", "nla"};
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++)
    if (a->ph[i].status == RDPNEG_PHASE_FAILED) {
      snprintf(b, n, "stopped in %s: %s", ph[i], a->ph[i].detail);
      return b;
    }
  snprintf(b, n, "no failure visible");
  return b;
}

static void make_story(rdpneg_capture *c, story *s) {
  size_t o = 0;
  char req[64], ans[64], end[300];
  const rdpneg_attempt_ev *first = &c->att[s->first];
  o += (size_t)snprintf(s->summary, sizeof s->summary,
                        "%s -> %s:%u: ", first->obs->client, first->address,
                        first->port);
  int fallback = 0;
  for (int i = 0; i < s->n && o < sizeof s->summary; i++) {
    const rdpneg_attempt_ev *a = &c->att[s->first + i];
    if (a->sent_neg_req) {
      const char *nm[8];
      int k = rdpneg_x224_protocol_names(a->requested, nm);
      size_t r = 0;
      req[0] = 0;
      for (int j = 0; j < k && r < sizeof req; j++)
        r += (size_t)snprintf(req + r, sizeof req - r, "%s%s", j ? "|" : "",
                              nm[j]);
    } else {
      snprintf(req, sizeof req, "%s",
               a->obs->cr_seen ? "legacy request" : "no request seen");
    }
    if (i > 0) {
      const rdpneg_attempt_ev *p = &c->att[s->first + i - 1];
      if (p->x224_status == RDPNEG_X224_FAILURE && a->sent_neg_req &&
          (a->requested & p->requested) == a->requested &&
          a->requested != p->requested)
        fallback = 1;
    }
    o += (size_t)snprintf(s->summary + o, sizeof s->summary - o,
                          "%s#%d asked %s, got %s", i ? "; then " : "",
                          s->first + i, req, answer_text(a, ans, sizeof ans));
  }
  const rdpneg_attempt_ev *last = &c->att[s->first + s->n - 1];
  if (o < sizeof s->summary)
    o += (size_t)snprintf(s->summary + o, sizeof s->summary - o, " (%s)%s",
                          end_text(last, end, sizeof end),
                          fallback ? "; the client fell back to fewer "
                                     "protocols after a negotiation failure"
                                   : "");
}

static void make_stories(rdpneg_capture *c) {
  c->nstories = 0;
  for (int i = 0; i < c->n; i++) {
    const rdpneg_tcp_conn *k = c->conns[i];
    story *s = c->nstories ? &c->stories[c->nstories - 1] : NULL;
    if (s) {
      const rdpneg_tcp_conn *p = c->conns[s->first + s->n - 1];
      size_t al = k->ipv6 ? 16 : 4;
      if (p->ipv6 == k->ipv6 && !memcmp(p->addr[0], k->addr[0], al) &&
          !memcmp(p->addr[1], k->addr[1], al) && p->port[1] == k->port[1] &&
          k->first_ts <= p->last_ts + STORY_GAP_NS) {
        s->n++;
        continue;
      }
    }
    s = &c->stories[c->nstories++];
    s->first = i;
    s->n = 1;
  }
  for (int i = 0; i < c->nstories; i++)
    make_story(c, &c->stories[i]);
}

RDPNEG_EXTERN int rdpneg_capture_analyse(rdpneg_capture *c) {
  if (!c)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (c->analysed)
    return c->n;
  c->analysed = 1;
  size_t n = c->t.nconns;
  c->conns = calloc(n ? n : 1, sizeof *c->conns);
  c->att = calloc(n ? n : 1, sizeof *c->att);
  c->stories = calloc(n ? n : 1, sizeof *c->stories);
  if (!c->conns || !c->att || !c->stories)
    return RDPNEG_ERR_NOMEM;
  for (size_t i = 0; i < n; i++) {
    rdpneg_tcp_conn *k = &c->t.conns[i];
    /* roles guessed from the first packet: the port says who serves */
    if (!k->client_from_syn && k->port[0] == c->port && k->port[1] != c->port)
      rdpneg_tcp_conn_swap(k);
    if (k->port[1] == c->port &&
        k->dir[0].len + k->dir[1].len + k->dir[0].syn + k->dir[1].rst > 0)
      c->conns[c->n++] = k;
  }
  qsort(c->conns, (size_t)c->n, sizeof *c->conns, by_start);
  for (int i = 0; i < c->n; i++) {
    int rv = rdpneg_attempt_parts_alloc(&c->att[i]);
    if (!rv)
      rv = observe(c->conns[i], &c->att[i], c->port);
    if (rv)
      return rv;
  }
  make_stories(c);
  return c->n;
}

RDPNEG_EXTERN int rdpneg_capture_count(const rdpneg_capture *c) {
  return c && c->analysed ? c->n : 0;
}

RDPNEG_EXTERN int rdpneg_capture_evidence(const rdpneg_capture *c, int i,
                                          rdpneg_evidence **pev) {
  if (!c || !pev || !c->analysed || i < 0 || i >= c->n)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  int rv = rdpneg_evidence_alloc_parts(pev, 1, "capture", 0);
  if (!rv && (rv = rdpneg_attempt_copy(&(*pev)->att[0], &c->att[i])) != 0) {
    rdpneg_evidence_free(*pev);
    *pev = NULL;
  }
  return rv;
}

RDPNEG_EXTERN int rdpneg_capture_story_count(const rdpneg_capture *c) {
  return c && c->analysed ? c->nstories : 0;
}

RDPNEG_EXTERN int rdpneg_capture_story(const rdpneg_capture *c, int s, int *idx,
                                       int max, const char **summary) {
  if (!c || !c->analysed || s < 0 || s >= c->nstories)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  const story *st = &c->stories[s];
  for (int i = 0; i < st->n && i < max && idx; i++)
    idx[i] = st->first + i;
  if (summary)
    *summary = st->summary;
  return st->n;
}

/* The story's connections as one evidence value (the last one on top), so
 * the diagnosis weighs them together as it weighs a plan's attempts. */
static int story_diag(const rdpneg_capture *c, const story *s,
                      rdpneg_diagnosis **pd) {
  rdpneg_evidence *e;
  int rv = rdpneg_evidence_alloc_parts(&e, s->n, "capture", 0);
  if (rv)
    return rv;
  for (int i = 0; i < s->n; i++)
    if (rdpneg_attempt_copy(&e->att[i], &c->att[s->first + i]) != 0) {
      rdpneg_evidence_free(e);
      return RDPNEG_ERR_NOMEM;
    }
  e->top = s->n - 1;
  rv = rdpneg_diagnose(e, NULL, NULL, pd);
  rdpneg_evidence_free(e);
  return rv;
}

RDPNEG_EXTERN int rdpneg_capture_json(const rdpneg_capture *c, char **pjson,
                                      size_t *plen) {
  if (!c || !pjson)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (!c->analysed)
    return RDPNEG_ERR_INVALID_STATE;
  rdpneg_json w;
  rdpneg_json_init(&w, 1);
  rdpneg_json_obj_begin(&w, NULL);
  rdpneg_json_str(&w, "schema", "rdpneg.replay/1");
  rdpneg_json_str(&w, "library", RDPNEG_VERSION);
  rdpneg_json_obj_begin(&w, "capture");
  rdpneg_json_uint(&w, "port", c->port);
  rdpneg_json_int(&w, "linktype", c->t.linktype);
  rdpneg_json_uint(&w, "packets", c->t.packets);
  rdpneg_json_uint(&w, "tcp_packets", c->t.tcp_packets);
  rdpneg_json_uint(&w, "skipped", c->t.skipped);
  rdpneg_json_uint(&w, "malformed", c->t.malformed);
  rdpneg_json_uint(&w, "tcp_connections", c->t.nconns);
  rdpneg_json_uint(&w, "connections_dropped", c->t.conns_dropped);
  rdpneg_json_bool(&w, "damaged", c->t.truncated);
  rdpneg_json_str(&w, "damage", c->damage[0] ? c->damage : NULL);
  rdpneg_json_obj_end(&w);
  int rv = 0;
  rdpneg_json_arr_begin(&w, "connections");
  for (int i = 0; i < c->n && rv == 0; i++) {
    rdpneg_evidence *e;
    rdpneg_diagnosis *d = NULL;
    rv = rdpneg_capture_evidence(c, i, &e);
    if (rv)
      break;
    rv = rdpneg_diagnose(e, NULL, NULL, &d);
    if (rv == 0)
      rdpneg_document_write(&w, e, d);
    rdpneg_diagnosis_free(d);
    rdpneg_evidence_free(e);
  }
  rdpneg_json_arr_end(&w);
  rdpneg_json_arr_begin(&w, "stories");
  for (int i = 0; i < c->nstories && rv == 0; i++) {
    const story *s = &c->stories[i];
    rdpneg_diagnosis *d = NULL;
    rv = story_diag(c, s, &d);
    if (rv)
      break;
    rdpneg_json_obj_begin(&w, NULL);
    rdpneg_json_arr_begin(&w, "connections");
    for (int k = 0; k < s->n; k++)
      rdpneg_json_int(&w, NULL, s->first + k);
    rdpneg_json_arr_end(&w);
    rdpneg_json_str(&w, "client", c->att[s->first].obs->client);
    rdpneg_json_str(&w, "server", c->att[s->first].address);
    rdpneg_json_str(&w, "summary", s->summary);
    rdpneg_json_arr_begin(&w, "causes");
    for (int k = 0; k < rdpneg_diagnosis_count(d); k++)
      rdpneg_json_str(&w, NULL, rdpneg_diagnosis_cause(d, k));
    rdpneg_json_arr_end(&w);
    rdpneg_json_str(
        &w, "verdict",
        rdpneg_doc_name(RDPNEG_DOC_VERDICT, rdpneg_diagnosis_verdict(d)));
    rdpneg_json_obj_end(&w);
    rdpneg_diagnosis_free(d);
  }
  rdpneg_json_arr_end(&w);
  rdpneg_json_obj_end(&w);
  if (rv) {
    rdpneg_json_free(&w);
    return rv;
  }
  int err = w.err;
  *pjson = rdpneg_json_take(&w, plen);
  return *pjson ? 0 : (err ? err : RDPNEG_ERR_NOMEM);
}
