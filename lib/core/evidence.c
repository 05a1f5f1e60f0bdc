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

const rdpneg_tls_ev rdpneg_tls_ev_none = {.alert_code = -1,
                                          .last_server_msg = -1};
const rdpneg_nla_ev rdpneg_nla_ev_none = {.status = RDPNEG_NLA_STATUS_SKIPPED};
const rdpneg_obs_ev rdpneg_obs_ev_none;
const rdpneg_msglog rdpneg_msglog_none;

const rdpneg_tls_ev *rdpneg_attempt_tls(const rdpneg_attempt_ev *a) {
  return a->tls ? a->tls : &rdpneg_tls_ev_none;
}

const rdpneg_nla_ev *rdpneg_attempt_nla(const rdpneg_attempt_ev *a) {
  return a->nla ? a->nla : &rdpneg_nla_ev_none;
}

const rdpneg_msglog *rdpneg_attempt_msgs(const rdpneg_attempt_ev *a) {
  return a->msgs ? a->msgs : &rdpneg_msglog_none;
}

int rdpneg_attempt_parts_alloc(rdpneg_attempt_ev *a) {
  if (!a->tls)
    a->tls = calloc(1, sizeof *a->tls);
  if (!a->nla)
    a->nla = calloc(1, sizeof *a->nla);
  if (!a->obs)
    a->obs = calloc(1, sizeof *a->obs);
  if (!a->msgs)
    a->msgs = calloc(1, sizeof *a->msgs);
  return a->tls && a->nla && a->obs && a->msgs ? 0 : RDPNEG_ERR_NOMEM;
}

void rdpneg_attempt_clear(rdpneg_attempt_ev *a) {
  free(a->tls);
  free(a->nla);
  free(a->obs);
  free(a->msgs);
  a->tls = NULL;
  a->nla = NULL;
  a->obs = NULL;
  a->msgs = NULL;
}

/* A copy of |src|, else of |def|, in a block of its own. */
static void *dup_part(const void *src, const void *def, size_t n) {
  void *p = malloc(n);
  if (p)
    memcpy(p, src ? src : def, n);
  return p;
}

int rdpneg_attempt_copy(rdpneg_attempt_ev *dst, const rdpneg_attempt_ev *src) {
  rdpneg_attempt_clear(dst);
  *dst = *src;
  dst->tls = dup_part(src->tls, &rdpneg_tls_ev_none, sizeof *dst->tls);
  dst->nla = dup_part(src->nla, &rdpneg_nla_ev_none, sizeof *dst->nla);
  dst->obs = dup_part(src->obs, &rdpneg_obs_ev_none, sizeof *dst->obs);
  dst->msgs = dup_part(src->msgs, &rdpneg_msglog_none, sizeof *dst->msgs);
  return dst->tls && dst->nla && dst->obs && dst->msgs ? 0 : RDPNEG_ERR_NOMEM;
}

int rdpneg_evidence_alloc_parts(rdpneg_evidence **pev, int n,
                                const char *source, int parts) {
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
  for (int i = 0; parts && i < n; i++)
    if (rdpneg_attempt_parts_alloc(&ev->att[i]) != 0) {
      rdpneg_evidence_free(ev);
      return RDPNEG_ERR_NOMEM;
    }
  *pev = ev;
  return 0;
}

int rdpneg_evidence_alloc(rdpneg_evidence **pev, int n, const char *source) {
  return rdpneg_evidence_alloc_parts(pev, n, source, 1);
}

RDPNEG_EXTERN void rdpneg_evidence_free(rdpneg_evidence *ev) {
  if (!ev)
    return;
  for (int i = 0; ev->att && i < ev->nattempts; i++)
    rdpneg_attempt_clear(&ev->att[i]);
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

int rdpneg_attempt_snapshot(const rdpneg_session *s, rdpneg_attempt_ev *a,
                            int full, rdpneg_session *take) {
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

  if (take) { /* the session ends here: its log changes hands */
    a->msgs = take->msgs;
    take->msgs = NULL;
  } else if (s->msgs || full) {
    a->msgs = dup_part(s->msgs, &rdpneg_msglog_none, sizeof *a->msgs);
    if (!a->msgs)
      return RDPNEG_ERR_NOMEM;
  }
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
  rdpneg_session_mcs_evidence(s, a);
  /* the parts: what the phase saw, else the default (in an evidence
   * value) or nothing (in a plan's store) */
  if (s->tls || full) {
    a->tls = malloc(sizeof *a->tls);
    if (!a->tls)
      return RDPNEG_ERR_NOMEM;
    a->tls_ran = s->tls != NULL;
    if (s->tls)
      rdpneg_tls_evidence_copy(s->tls, a->tls);
    else
      *a->tls = rdpneg_tls_ev_none;
  }
  rdpneg_nla_ev nla;
  rdpneg_session_nla_evidence(s, &nla);
  if (full || memcmp(&nla, &rdpneg_nla_ev_none, sizeof nla) != 0) {
    a->nla = dup_part(&nla, NULL, sizeof nla);
    if (!a->nla)
      return RDPNEG_ERR_NOMEM;
  }
  if (full) {
    a->obs = dup_part(NULL, &rdpneg_obs_ev_none, sizeof *a->obs);
    if (!a->obs)
      return RDPNEG_ERR_NOMEM;
  }
  return 0;
}

RDPNEG_EXTERN int rdpneg_session_evidence(const rdpneg_session *s,
                                          rdpneg_evidence **pev) {
  if (!s || !pev)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_evidence *ev;
  int rv = rdpneg_evidence_alloc_parts(&ev, 1, "probe", 0);
  if (rv)
    return rv;
  rv = rdpneg_attempt_snapshot(s, &ev->att[0], 1, NULL);
  if (rv) {
    rdpneg_evidence_free(ev);
    return rv;
  }
  *pev = ev;
  return 0;
}

RDPNEG_EXTERN int rdpneg_evidence_attempt_count(const rdpneg_evidence *ev) {
  return ev ? ev->nattempts : 0;
}
