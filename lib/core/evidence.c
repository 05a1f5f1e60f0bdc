/* SPDX-License-Identifier: Apache-2.0 */
/* Evidence values: a session's observations copied out of it, so that they
 * outlive the session and can be diagnosed, written and read back. */
#include "core/evidence.h"
#include "core/session.h"
#include "core/session_mcs.h"
#include "core/session_nla.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rdpneg_evidence_alloc(rdpneg_evidence **pev, int n, const char *source) {
  rdpneg_evidence *ev = calloc(1, sizeof *ev);
  if (!ev)
    return RDPNEG_ERR_NOMEM;
  if (n > 0) {
    ev->att = calloc((size_t)n, sizeof *ev->att);
    if (!ev->att) {
      free(ev);
      return RDPNEG_ERR_NOMEM;
    }
  }
  ev->nattempts = n;
  snprintf(ev->source, sizeof ev->source, "%s", source ? source : "probe");
  *pev = ev;
  return 0;
}

RDPNEG_EXTERN void rdpneg_evidence_free(rdpneg_evidence *ev) {
  if (!ev)
    return;
  free(ev->att);
  free(ev);
}

int64_t rdpneg_attempt_selected(const rdpneg_attempt_ev *a) {
  if (!a->have_cc || !a->has_neg || a->neg_type != RDPNEG_NEG_TYPE_RSP)
    return -1;
  return a->neg_value;
}

static int64_t phase_us(const rdpneg_phase_ev *p) {
  if (!p->started)
    return -1;
  return p->end >= p->start ? (int64_t)((p->end - p->start) / 1000u) : 0;
}

const rdpneg_attempt_ev *rdpneg_evidence_top(const rdpneg_evidence *ev) {
  return &ev->att[ev->top >= 0 && ev->top < ev->nattempts ? ev->top : 0];
}

void rdpneg_attempt_snapshot(const rdpneg_session *s, rdpneg_attempt_ev *a) {
  memset(a, 0, sizeof *a);
  snprintf(a->purpose, sizeof a->purpose, "%s",
           s->purpose[0] ? s->purpose : "primary");
  a->tls_min = (int)s->cfg->opt[RDPNEG_OPT_TLS_MIN];
  a->tls_max = (int)s->cfg->opt[RDPNEG_OPT_TLS_MAX];
  snprintf(a->host, sizeof a->host, "%s", s->host);
  a->port = s->port;
  snprintf(a->address, sizeof a->address, "%s", s->address);
  snprintf(a->name, sizeof a->name, "%s", s->cfg->sni ? s->cfg->sni : s->host);
  a->sni_set = s->cfg->sni != NULL;
  a->finished = s->state == S_DONE;
  a->cancelled = s->cancelled;
  rdpneg_tstamp last = s->t_start;
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++) {
    const rdpneg_phase_ev *p = &s->ph[i];
    a->ph[i].status = p->status;
    a->ph[i].us = phase_us(p);
    a->ph[i].err = p->err;
    snprintf(a->ph[i].detail, sizeof a->ph[i].detail, "%s", p->detail);
    if (p->started && p->end > last)
      last = p->end;
  }
  a->total_us = (int64_t)((last - s->t_start) / 1000u);

  a->msgs = s->msgs;
  a->tcp_status = s->tcp_status;
  a->tcp_sys_error = s->tcp_sys_error;

  a->x224_status = rdpneg_session_x224_status(s);
  a->sent_neg_req = s->sent_neg_req;
  a->requested = s->requested;
  a->req_flags = s->req_flags;
  if (s->cfg->cookie) {
    a->has_cookie = 1;
    snprintf(a->cookie, sizeof a->cookie, "%s", s->cfg->cookie);
  }
  a->have_cc = s->have_cc;
  if (s->have_cc) {
    a->has_neg = s->cc.has_neg;
    a->neg_type = s->cc.neg_type;
    a->neg_value = s->cc.neg_value;
    a->neg_flags = s->cc.neg_flags;
    a->src_ref = s->cc.src_ref;
  }
  memcpy(a->cc_raw, s->cc_raw, s->cc_raw_len);
  a->cc_raw_len = s->cc_raw_len;
  memcpy(a->rx_first, s->rx_first, s->rx_first_len);
  a->rx_first_len = s->rx_first_len;
  a->rx_total = s->rx_total;
  a->unexpected_protocol = s->unexpected_protocol;

  a->tls_status = rdpneg_session_tls_status(s);
  if (s->tls) {
    a->tls_ran = 1;
    rdpneg_tls_evidence_copy(s->tls, &a->tls);
  } else {
    a->tls.alert_code = -1;
    a->tls.last_server_msg = -1;
  }
  rdpneg_session_nla_evidence(s, &a->nla);
  rdpneg_session_mcs_evidence(s, a);
}

RDPNEG_EXTERN int rdpneg_session_evidence(const rdpneg_session *s,
                                          rdpneg_evidence **pev) {
  if (!s || !pev)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_evidence *ev;
  int rv = rdpneg_evidence_alloc(&ev, 1, "probe");
  if (rv)
    return rv;
  rdpneg_attempt_snapshot(s, &ev->att[0]);
  *pev = ev;
  return 0;
}

RDPNEG_EXTERN int rdpneg_evidence_attempt_count(const rdpneg_evidence *ev) {
  return ev ? ev->nattempts : 0;
}
