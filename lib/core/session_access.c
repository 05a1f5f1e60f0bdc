/* SPDX-License-Identifier: Apache-2.0 */
/* Session accessors: what a driver or a program reads of a session while
 * it runs (its evidence as a value is rdpneg_session_evidence). */
#include "core/session.h"

#include <rdpneg/rdpneg_plan.h>

RDPNEG_EXTERN int rdpneg_session_phase(const rdpneg_session *s,
                                       rdpneg_phase phase, double *ms,
                                       int *err) {
  if (!s || (int)phase < 0 || phase >= RDPNEG_PHASE_COUNT)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  const rdpneg_phase_ev *p = &s->ph[phase];
  if (ms)
    *ms = p->started && p->end >= p->start ? (double)(p->end - p->start) / 1e6
                                           : 0.0;
  if (err)
    *err = p->err;
  return (int)p->status;
}

RDPNEG_EXTERN rdpneg_tcp_status
rdpneg_session_tcp_status(const rdpneg_session *s) {
  return s ? s->tcp_status : RDPNEG_TCP_PENDING;
}

RDPNEG_EXTERN rdpneg_x224_status
rdpneg_session_x224_status(const rdpneg_session *s) {
  if (!s)
    return RDPNEG_X224_PENDING;
  if (s->x224_status == RDPNEG_X224_PENDING &&
      s->ph[RDPNEG_PHASE_X224].status == RDPNEG_PHASE_SKIPPED)
    return RDPNEG_X224_SKIPPED;
  return s->x224_status;
}

RDPNEG_EXTERN rdpneg_tls_status
rdpneg_session_tls_status(const rdpneg_session *s) {
  if (!s)
    return RDPNEG_TLS_PENDING;
  if (!s->tls)
    return s->state == S_DONE ? RDPNEG_TLS_SKIPPED : RDPNEG_TLS_PENDING;
  return s->tls_status;
}

RDPNEG_EXTERN int64_t
rdpneg_session_selected_protocol(const rdpneg_session *s) {
  if (!s || !s->have_cc || !s->cc.has_neg ||
      s->cc.neg_type != RDPNEG_NEG_TYPE_RSP)
    return -1;
  return s->cc.neg_value;
}

RDPNEG_EXTERN uint32_t rdpneg_session_failure_code(const rdpneg_session *s) {
  if (!s || !s->have_cc || !s->cc.has_neg ||
      s->cc.neg_type != RDPNEG_NEG_TYPE_FAILURE)
    return 0;
  return s->cc.neg_value;
}

RDPNEG_EXTERN int rdpneg_session_set_wallclock(rdpneg_session *s,
                                               int64_t now_unix) {
  if (!s || now_unix < 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  s->cfg->opt[RDPNEG_OPT_NOW_UNIX] = now_unix;
  return 0;
}

RDPNEG_EXTERN const char *rdpneg_session_host(const rdpneg_session *s) {
  return s ? s->host : NULL;
}

RDPNEG_EXTERN uint16_t rdpneg_session_port(const rdpneg_session *s) {
  return s ? s->port : 0;
}

RDPNEG_EXTERN const char *
rdpneg_session_connect_address(const rdpneg_session *s) {
  return s && s->connect_addr[0] ? s->connect_addr : NULL;
}

RDPNEG_EXTERN int rdpneg_session_tcp_mss(const rdpneg_session *s) {
  return s ? s->tcp_mss : 0;
}
