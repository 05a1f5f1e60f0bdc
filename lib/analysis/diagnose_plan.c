/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnosis across the connections of a probe plan: a cause is stated only
 * as firmly as the connections allow.
 *  - seen: in how many of the connections that made the same request a
 *    finding appeared; a failure that did not repeat is an intermittent
 *    path problem, not a server fault;
 *  - identification: silence or a close at X.224 explained by another
 *    service (HTTP, TLS) answering its own kind of request;
 *  - a ClientHello of another shape that passes where the first was reset
 *    or dropped: a middlebox; failing the same way: "the server or a
 *    device on the path";
 *  - a small-MSS connection that gets the TLS flight where the normal one
 *    stalled: a path MTU black hole. */
#include "analysis/cause_ids.h"
#include "analysis/diagnose_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is(const rdpneg_attempt_ev *a, const char *purpose) {
  return !strcmp(a->purpose[0] ? a->purpose : "primary", purpose);
}

static const rdpneg_attempt_ev *find(const rdpneg_evidence *e,
                                     const char *purpose) {
  for (int i = 0; i < e->nattempts; i++)
    if (is(&e->att[i], purpose))
      return &e->att[i];
  return NULL;
}

/* Failures a lossy path or a busy listener can cause once. */
static int transient(int cid) {
  return cid == RDPNEG_CID_PORT_FILTERED || cid == RDPNEG_CID_SERVER_SILENT ||
         cid == RDPNEG_CID_CONNECTION_RESET || cid == RDPNEG_CID_TLS_STALLED ||
         cid == RDPNEG_CID_CREDSSP_VERSION_MISMATCH;
}

static int same_request(const rdpneg_attempt_ev *a) {
  return is(a, "primary") || is(a, "corroborate");
}

/* SYNs the connections of the same request sent unanswered: the first,
 * and one per retransmission Linux makes after 1 s and 3 s (with a margin
 * for the round trip). */
static int syns_sent(const rdpneg_evidence *e) {
  int n = 0;
  for (int i = 0; i < e->nattempts; i++) {
    const rdpneg_attempt_ev *a = &e->att[i];
    if (!same_request(a) || a->tcp_status != RDPNEG_TCP_TIMEOUT)
      continue;
    int64_t ms = a->ph[RDPNEG_PHASE_TCP].us / 1000;
    n += 1 + (ms >= 1200) + (ms >= 3200);
  }
  return n;
}

/* seen counts and failures that did not repeat. */
static void corroboration(rdpneg_diagnosis *d, const rdpneg_evidence *e) {
  const rdpneg_attempt_ev *top = rdpneg_evidence_top(e);
  if (!same_request(top))
    return;
  int of = 1;
  rdpneg_diagnosis *o = calloc(1, sizeof *o);
  if (!o)
    return;
  int seen[RDPNEG_DIAG_MAX_FINDINGS] = {0};
  int first_fail = -1, fail_count = 0;
  finding fail = {0};
  for (int i = 0; i < e->nattempts; i++) {
    const rdpneg_attempt_ev *a = &e->att[i];
    if (a == top || !same_request(a))
      continue;
    of++;
    memset(o, 0, sizeof *o);
    rdpneg_diag_rules(o, e, a);
    for (int k = 0; k < d->n; k++)
      seen[k] += rdpneg_diag_find(o, d->f[k].cid) >= 0;
    /* an attempt that failed where the top one did not */
    for (int k = 0; k < o->n; k++) {
      if (strcmp(o->f[k].severity, "failing") != 0 || !transient(o->f[k].cid) ||
          rdpneg_diag_find(d, o->f[k].cid) >= 0)
        continue;
      if (first_fail < 0) {
        first_fail = i;
        fail = o->f[k];
      }
      if (o->f[k].cid == fail.cid)
        fail_count++;
      break;
    }
  }
  free(o);
  for (int k = 0; k < d->n; k++) {
    d->f[k].seen = 1 + seen[k];
    d->f[k].seen_of = of;
    /* SYNs unanswered in every connection: high when at least five went
     * out in all (Linux resends after 1 s and 3 s). Fewer may be a listen
     * queue that was full, or loss: at 30 % loss each way a SYN exchange
     * fails one time in two, four in a row in 7 % of probes (seen: two
     * 2 s connections called a healthy server filtered), five in 3.5 % */
    if (d->f[k].cid == RDPNEG_CID_PORT_FILTERED && d->f[k].seen == of &&
        syns_sent(e) >= 5)
      d->f[k].confidence = "high";
    /* a transient-looking failure seen once (not checked again, or the
     * other connections ended before that phase) is not stated with high
     * confidence */
    if (d->f[k].seen < 2 && transient(d->f[k].cid) &&
        !strcmp(d->f[k].confidence, "high"))
      d->f[k].confidence = "medium";
  }
  if (first_fail >= 0) {
    /* the furthest connection failed too, and its failure did not repeat
     * either: every connection failed, each at another point */
    const finding *own = NULL;
    for (int k = 0; k < d->n && !own; k++)
      if (!strcmp(d->f[k].severity, "failing") && transient(d->f[k].cid) &&
          d->f[k].seen < of)
        own = &d->f[k];
    int n = d->n;
    if (own)
      rdpneg_diag_add(
          d, RDPNEG_CID_INTERMITTENT_PATH, fail.phase, "failing", "medium",
          "every connection with the same request failed, each "
          "at another point (%s in %d of %d, %s in %d): not one "
          "fault that repeats, a path that loses or holds "
          "packets, or a server that answers only at times; "
          "%s",
          fail.cause, fail_count, of, own->cause, own->seen, fail.evidence);
    else
      rdpneg_diag_add(d, RDPNEG_CID_INTERMITTENT_PATH, fail.phase, NULL,
                      "medium",
                      "%s in %d of %d connections with the same request, "
                      "while another got further: %s",
                      fail.cause, fail_count, of, fail.evidence);
    if (d->n > n) {
      d->f[n].seen = fail_count;
      d->f[n].seen_of = of;
    }
  }
}

/* What answers when the RDP request got silence or a close. */
static int identify(const rdpneg_evidence *e, char *out, size_t cap) {
  const rdpneg_attempt_ev *h = find(e, "identify_http");
  const rdpneg_attempt_ev *t = find(e, "identify_tls");
  out[0] = 0;
  if (h && h->x224_status == RDPNEG_X224_NOT_RDP && h->rx_first_len >= 5 &&
      !memcmp(h->rx_first, "HTTP/", 5)) {
    char line[65];
    rdpneg_printable_prefix(h->rx_first, h->rx_first_len, line, sizeof line);
    snprintf(out, cap, "an HTTP server (its answer to a GET: \"%s\")", line);
    return 1;
  }
  if (t && t->tls_ran &&
      (t->tls_status == RDPNEG_TLS_OK || t->tls_status == RDPNEG_TLS_ALERT ||
       t->tls->last_server_msg >= 2)) {
    if (t->tls->has_cert)
      snprintf(out, cap,
               "a TLS service (a ClientHello sent right after connect got "
               "%s, certificate \"%s\"): an HTTPS site, a VPN portal or an "
               "RD Gateway",
               t->tls->version[0] ? t->tls->version : "a handshake",
               t->tls->cert.subject);
    else
      snprintf(out, cap,
               "a TLS service (a ClientHello sent right after connect got a "
               "TLS answer): an HTTPS site, a VPN portal or an RD Gateway");
    return 1;
  }
  return 0;
}

static void identification(rdpneg_diagnosis *d, const rdpneg_evidence *e) {
  const rdpneg_attempt_ev *top = rdpneg_evidence_top(e);
  char what[400];
  if (!identify(e, what, sizeof what))
    return;
  const char *got = top->x224_status == RDPNEG_X224_TIMEOUT ? "no answer"
                    : top->x224_status == RDPNEG_X224_RESET ? "a reset"
                                                            : "a close";
  int seen = 1, of = 1;
  for (int cid = 0; cid < RDPNEG_CID_COUNT; cid++) {
    if (cid != RDPNEG_CID_SERVER_SILENT && cid != RDPNEG_CID_CONNECTION_RESET &&
        cid != RDPNEG_CID_INTERMITTENT_PATH)
      continue;
    int i = rdpneg_diag_find(d, cid);
    if (i < 0 || strcmp(d->f[i].phase, "x224") != 0)
      continue;
    if (cid != RDPNEG_CID_INTERMITTENT_PATH) {
      seen = d->f[i].seen;
      of = d->f[i].seen_of;
    }
    rdpneg_diag_remove(d, i);
  }
  int n = d->n;
  rdpneg_diag_add(d, RDPNEG_CID_NOT_RDP, "x224", "failing", "high",
                  "the service on port %u is not an RDP listener: %s; the "
                  "RDP Connection Request got %s",
                  top->port, what, got);
  if (d->n > n) {
    d->f[n].seen = seen;
    d->f[n].seen_of = of;
  }
}

/* The server answered a connection's ClientHello (a ServerHello or an
 * alert). */
static int got_past_hello(const rdpneg_attempt_ev *a) {
  return a->tls_ran &&
         (a->tls_status == RDPNEG_TLS_OK || a->tls_status == RDPNEG_TLS_ALERT ||
          a->tls->last_server_msg >= 2);
}

/* Reset or dropped right after the ClientHello: the alternative one. */
static void middlebox(rdpneg_diagnosis *d, const rdpneg_evidence *e) {
  const rdpneg_attempt_ev *top = rdpneg_evidence_top(e);
  const rdpneg_attempt_ev *alt = find(e, "tls_alt_hello");
  if (!alt || !top->tls_ran || top->tls->last_server_msg >= 0 ||
      top->tls_status == RDPNEG_TLS_OK || top->tls_status == RDPNEG_TLS_ALERT)
    return;
  int k = rdpneg_diag_find(d, RDPNEG_CID_CONNECTION_RESET);
  if (k < 0 || strcmp(d->f[k].phase, "tls") != 0)
    k = rdpneg_diag_find(d, RDPNEG_CID_TLS_STALLED);
  if (k < 0)
    return;
  int passed = got_past_hello(alt);
  /* the small-MSS check sends the first ClientHello again: when it got
   * through, the failure did not follow the ClientHello's content */
  const rdpneg_attempt_ev *m = find(e, "mss_check");
  if (passed && m && got_past_hello(m)) {
    size_t len = strlen(d->f[k].evidence);
    snprintf(d->f[k].evidence + len, sizeof d->f[k].evidence - len,
             "; the same ClientHello got a TLS answer on another connection "
             "(small MSS): not a filter of its content, an intermittent "
             "path (packet loss) or server");
    if (!strcmp(d->f[k].confidence, "high"))
      d->f[k].confidence = "medium";
    return;
  }
  if (!passed) {
    size_t len = strlen(d->f[k].evidence);
    snprintf(d->f[k].evidence + len, sizeof d->f[k].evidence - len,
             "; a ClientHello of another shape (TLS 1.2 only, no SNI) "
             "failed the same way: the server or a device on the path");
    return;
  }
  int seen = d->f[k].seen, of = d->f[k].seen_of;
  char was[200];
  snprintf(was, sizeof was, "%s", d->f[k].evidence);
  rdpneg_diag_remove(d, k);
  int n = d->n;
  /* random loss stalls a handshake but forges no reset: a stall is
   * weaker evidence of a filter than a reset or close */
  int stalled = top->tls_status == RDPNEG_TLS_STALLED;
  rdpneg_diag_add(
      d, RDPNEG_CID_MIDDLEBOX_RESET, "tls", NULL, stalled ? "medium" : "high",
      "the ClientHello met this (%s) in %d of %d connections, "
      "but a ClientHello of another shape (TLS 1.2 only, no SNI) "
      "got %s: a device on the path filters ClientHellos by "
      "their content%s",
      was, seen, of,
      alt->tls_status == RDPNEG_TLS_OK ? alt->tls->version : "a TLS answer",
      stalled ? ", or packets were lost on the path (loss "
                "stalls a handshake too; it forges no reset)"
              : "");
  if (d->n > n) {
    d->f[n].seen = seen;
    d->f[n].seen_of = of;
  }
}

/* Did connection |a| get further in its TLS handshake than |than|? */
static int further(const rdpneg_attempt_ev *a, const rdpneg_attempt_ev *than) {
  return a->tls_ran && (a->tls_status == RDPNEG_TLS_OK ||
                        a->tls->last_server_msg > than->tls->last_server_msg);
}

/* A stalled TLS flight: the small-MSS connection. */
static void mtu(rdpneg_diagnosis *d, const rdpneg_evidence *e) {
  const rdpneg_attempt_ev *top = rdpneg_evidence_top(e);
  const rdpneg_attempt_ev *m = find(e, "mss_check");
  if (!m || !top->tls_ran || top->tls_status != RDPNEG_TLS_STALLED)
    return;
  int k = rdpneg_diag_find(d, RDPNEG_CID_TLS_STALLED);
  /* through: the small-MSS connection got further than the stalled one
   * (a stall at the same place is the server's, or a device's that cuts
   * flows, not the MTU's) */
  if (!further(m, top))
    return;
  /* the other ClientHello's flight came whole with the default MSS: the
   * full-size segments got through on that connection (a black hole would
   * have stalled it too), so the stalls are not the MTU's */
  const rdpneg_attempt_ev *alt = find(e, "tls_alt_hello");
  if (alt && further(alt, top))
    return;
  int seen = k >= 0 ? d->f[k].seen : 1, of = k >= 0 ? d->f[k].seen_of : 1;
  if (k >= 0)
    rdpneg_diag_remove(d, k);
  int n = d->n;
  rdpneg_diag_add(d, RDPNEG_CID_MTU_BLACKHOLE, "tls", NULL, "high",
                  "with the default TCP MSS the server's TLS flight stopped "
                  "after %zu bytes (in %d of %d connections); with a 536-byte "
                  "MSS it arrived (%zu bytes, %s): full-size segments are "
                  "lost on the path and the ICMP that would say so does not "
                  "come back",
                  top->tls->bytes_received, seen, of, m->tls->bytes_received,
                  m->tls_status == RDPNEG_TLS_OK ? m->tls->version
                                                 : "up to the Certificate");
  if (d->n > n) {
    d->f[n].seen = seen;
    d->f[n].seen_of = of;
  }
}

void rdpneg_diagnose_plan(rdpneg_diagnosis *d, const rdpneg_evidence *e) {
  corroboration(d, e);
  identification(d, e);
  middlebox(d, e);
  mtu(d, e);
}
