/* SPDX-License-Identifier: Apache-2.0 */
/* Probe plans: verifying an answer before it is believed.
 *
 * Silence, a reset, a stall: a lossy path, a middlebox, a listener that is
 * busy or a service that is not RDP can each give the answer a broken RDP
 * server gives. After the primary connection the plan queues, in parallel
 * and inside the overall deadline, what tells them apart:
 *   corroborate    the same request again (does the failure repeat?)
 *   identify_tls   a TLS ClientHello right after connect (a TLS service:
 *                  HTTPS, a VPN portal, an RD Gateway)
 *   identify_http  an HTTP request (a web server waits for one: silence)
 *   tls_alt_hello  a ClientHello of another shape (no SNI, TLS 1.2 only):
 *                  passes where the first was reset or dropped -> a device
 *                  on the path filters ClientHellos
 *   mss_check      the same request with a 536-byte MSS: passes where the
 *                  server's TLS flight stalled -> a path MTU black hole
 * The diagnosis (analysis/diagnose_plan.c) reads what each one saw. */
#include "core/plan_internal.h"
#include "core/session.h"

#include <string.h>

#define SMALL_MSS 536
/* A connect wait that holds two SYN retransmissions (Linux resends the SYN
 * after 1 s, RFC 6298's initial RTO, and 3 s) and their answers. */
#define TWO_SYN_RETRANSMISSIONS_MS 3500

static plan_attempt *queue(rdpneg_plan *p, const char *purpose, int mode,
                           int mss) {
  plan_attempt *a = rdpneg_plan_enqueue(p, purpose);
  if (!a) {
    rdpneg_plan_note(p, "%s connection not made: out of memory", purpose);
    return NULL;
  }
  a->mode = mode;
  a->tcp_mss = mss;
  /* a check needs no credentials and no NLA: only the primary's request
   * is repeated in full */
  if (strcmp(purpose, "corroborate") != 0) {
    a->cfg->opt[RDPNEG_OPT_DO_NLA] = 0;
    rdpneg_config_set_credentials(a->cfg, NULL, NULL, NULL);
  }
  if (mode != RDPNEG_MODE_RDP) {
    /* identification answers what the X.224 request did not: it gets the
     * time that request had, not a whole TLS phase */
    int64_t x = a->cfg->opt[RDPNEG_OPT_X224_TIMEOUT_MS];
    if (a->cfg->opt[RDPNEG_OPT_TLS_TIMEOUT_MS] > x)
      a->cfg->opt[RDPNEG_OPT_TLS_TIMEOUT_MS] = x;
  }
  if (!strcmp(purpose, "tls_alt_hello")) {
    rdpneg_config_set_str(a->cfg, RDPNEG_STROPT_SNI, NULL);
    a->cfg->opt[RDPNEG_OPT_TLS_MIN] = 3;
    a->cfg->opt[RDPNEG_OPT_TLS_MAX] = 3;
    a->cfg->opt[RDPNEG_OPT_DO_NLA] = 0;
  }
  return a;
}

void rdpneg_plan_verify(rdpneg_plan *p, const rdpneg_attempt_ev *e) {
  if (e->cancelled)
    return;
  switch (e->tcp_status) {
  case RDPNEG_TCP_TIMEOUT: { /* a dropped SYN, or a listener whose queue
                                is full */
    /* the check waits for the SYN retransmissions, as far as the overall
     * deadline allows: a queue that was full has room by then (a connect
     * that needed a retransmission is not a filtered port); a filter drops
     * them too, and random loss rarely drops five SYN exchanges in a row
     * (the diagnosis is high from five unanswered SYNs) */
    plan_attempt *a = queue(p, "corroborate", RDPNEG_MODE_RDP, 0);
    if (a &&
        a->cfg->opt[RDPNEG_OPT_CONNECT_TIMEOUT_MS] < TWO_SYN_RETRANSMISSIONS_MS)
      a->cfg->opt[RDPNEG_OPT_CONNECT_TIMEOUT_MS] = TWO_SYN_RETRANSMISSIONS_MS;
    return;
  }
  case RDPNEG_TCP_OK:
    break;
  default: /* refused, unreachable: the network answered, definitely */
    return;
  }
  switch (e->x224_status) {
  case RDPNEG_X224_TIMEOUT: /* silence: a hung listener, a lost confirm,
                               or a service that waits for its own
                               request (HTTP) */
  case RDPNEG_X224_CLOSED:  /* a close or reset before any confirm: a
                               listener at its limit, or a TLS service */
  case RDPNEG_X224_RESET:
    queue(p, "corroborate", RDPNEG_MODE_RDP, 0);
    if (e->rx_total == 0) {
      queue(p, "identify_tls", RDPNEG_MODE_TLS_DIRECT, 0);
      queue(p, "identify_http", RDPNEG_MODE_HTTP, 0);
    }
    return;
  default:
    break;
  }
  if (e->tls_ran) {
    const rdpneg_tls_ev *t = rdpneg_attempt_tls(e);
    int at_hello = t->last_server_msg < 0 && t->bytes_received == 0;
    switch (e->tls_status) {
    case RDPNEG_TLS_STALLED:
      queue(p, "corroborate", RDPNEG_MODE_RDP, 0);
      if (at_hello)
        queue(p, "tls_alt_hello", RDPNEG_MODE_RDP, 0);
      queue(p, "mss_check", RDPNEG_MODE_RDP, SMALL_MSS);
      return;
    case RDPNEG_TLS_CLOSED:
    case RDPNEG_TLS_RESET:
      queue(p, "corroborate", RDPNEG_MODE_RDP, 0);
      if (at_hello)
        queue(p, "tls_alt_hello", RDPNEG_MODE_RDP, 0);
      return;
    default:
      break;
    }
  }
  const rdpneg_nla_ev *n = rdpneg_attempt_nla(e);
  if (n->ran && n->status == RDPNEG_NLA_STATUS_FAILED && !n->has_ntstatus &&
      !n->has_challenge && n->error != RDPNEG_ERR_AUTH_CLOSED)
    /* CredSSP cut before any answer: a path that cuts long flows looks
     * like a version mismatch */
    queue(p, "corroborate", RDPNEG_MODE_RDP, 0);
}

/* How far a connection got: phases ended ok, and a finished one over a
 * cut one. */
static int progress(const rdpneg_attempt_ev *e) {
  int n = 0;
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++)
    n += e->ph[i].status == RDPNEG_PHASE_OK;
  if (e->x224_status == RDPNEG_X224_FAILURE ||
      e->x224_status == RDPNEG_X224_LEGACY || e->tls_status == RDPNEG_TLS_ALERT)
    n++; /* an answer, not a cut */
  return n;
}

int rdpneg_plan_furthest(const rdpneg_plan *p) {
  int best = 0;
  for (int i = 1; i < p->n; i++) {
    const plan_attempt *a = &p->a[i];
    if (!a->finished || strcmp(a->purpose, "corroborate") != 0 ||
        !p->a[0].finished)
      continue;
    if (progress(p->ev[i]) > progress(p->ev[best]))
      best = i;
  }
  return best;
}
