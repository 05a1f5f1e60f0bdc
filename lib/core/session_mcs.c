/* SPDX-License-Identifier: Apache-2.0 */
/* The session's MCS exchange: Standard RDP Security's Connect Initial /
 * Connect Response, the evidence of what the server would protect the
 * connection with. */
#include "core/session_mcs.h"
#include "core/session.h"
#include "proto/mcs.h"
#include "proto/x224.h"

#include <stdio.h>
#include <string.h>

int rdpneg_session_mcs_wanted(const rdpneg_session *s) {
  if (!s->cfg->opt[RDPNEG_OPT_DO_MCS] || !s->have_cc)
    return 0;
  return !s->cc.has_neg || (s->cc.neg_type == RDPNEG_NEG_TYPE_RSP &&
                            s->cc.neg_value == RDPNEG_PROTOCOL_RDP);
}

static void stamp(rdpneg_session *s, rdpneg_tstamp ts) {
  s->mcs_end = ts;
  s->mcs.us = ts >= s->mcs_start ? (int64_t)((ts - s->mcs_start) / 1000u) : 0;
}

/* Decodes a complete TPKT in s->in, if there is one. Returns 1 when the
 * exchange has ended. */
static int try_decode(rdpneg_session *s, rdpneg_tstamp ts) {
  const uint8_t *p = rdpneg_buf_peek(&s->in);
  size_t n = rdpneg_buf_size(&s->in);
  rdpneg_ssize fl = rdpneg_x224_tpkt_frame(p, n);
  if (fl == 0) {
    if (n < s->in.limit)
      return 0;
    fl = RDPNEG_ERR_NOBUF;
  }
  stamp(s, ts);
  if (fl < 0) {
    s->mcs.status = RDPNEG_MCS_MALFORMED;
    snprintf(s->mcs.detail, sizeof s->mcs.detail,
             "answer to the MCS Connect Initial is not a TPKT (first byte "
             "0x%02x)",
             n ? p[0] : 0);
    return 1;
  }
  rdpneg_mcs_decode_response(p, (size_t)fl, &s->mcs, NULL);
  rdpneg_buf_consume(&s->in, (size_t)fl);
  /* bytes behind the answer are after the end: not counted, as in
   * rdpneg_session_read */
  s->rx_total -= rdpneg_buf_size(&s->in);
  return 1;
}

int rdpneg_session_mcs_begin(rdpneg_session *s, rdpneg_tstamp ts) {
  uint8_t ci[512];
  uint32_t methods =
      (uint32_t)s->cfg->opt[RDPNEG_OPT_MCS_METHODS] & RDPNEG_ENC_ALL;
  if (!methods)
    methods = RDPNEG_ENC_ALL;
  s->mcs_ran = 1;
  s->mcs_start = ts;
  memset(&s->mcs, 0, sizeof s->mcs);
  s->mcs.offered = methods;
  s->mcs.result = -1;
  rdpneg_ssize n = rdpneg_mcs_encode_connect_initial(
      methods, s->cc.has_neg ? s->cc.neg_value : 0, ci, sizeof ci);
  if (n < 0 || rdpneg_buf_append(&s->out, ci, (size_t)n) != 0) {
    stamp(s, ts);
    s->mcs.status = RDPNEG_MCS_MALFORMED;
    snprintf(s->mcs.detail, sizeof s->mcs.detail,
             "cannot encode the MCS Connect Initial");
    return 1;
  }
  /* bytes the server sent right after the confirm are its answer */
  return rdpneg_buf_size(&s->in) ? try_decode(s, ts) : 0;
}

int rdpneg_session_mcs_input(rdpneg_session *s, const uint8_t *data, size_t len,
                             rdpneg_tstamp ts) {
  size_t room = s->in.limit - rdpneg_buf_size(&s->in);
  int rv = rdpneg_buf_append(&s->in, data, len < room ? len : room);
  if (rv)
    return rv;
  return try_decode(s, ts);
}

void rdpneg_session_mcs_closed(rdpneg_session *s, int reset, rdpneg_tstamp ts) {
  stamp(s, ts);
  s->mcs.status = reset ? RDPNEG_MCS_RESET : RDPNEG_MCS_CLOSED;
  snprintf(s->mcs.detail, sizeof s->mcs.detail,
           "server %s the connection after the MCS Connect Initial (%zu "
           "bytes of an answer)",
           reset ? "reset" : "closed", rdpneg_buf_size(&s->in));
}

void rdpneg_session_mcs_timeout(rdpneg_session *s, int cancelled,
                                rdpneg_tstamp ts) {
  stamp(s, ts);
  s->mcs.status = cancelled ? RDPNEG_MCS_CANCELLED : RDPNEG_MCS_TIMEOUT;
  snprintf(s->mcs.detail, sizeof s->mcs.detail,
           "%s: no MCS Connect Response after %.0f ms (%zu bytes received)",
           cancelled ? "cancelled" : "no answer within the deadline",
           (double)s->mcs.us / 1e3, rdpneg_buf_size(&s->in));
}

void rdpneg_session_mcs_evidence(const rdpneg_session *s,
                                 rdpneg_attempt_ev *a) {
  a->mcs_ran = s->mcs_ran;
  if (!s->mcs_ran)
    return;
  a->mcs = s->mcs;
  if (s->mcs_end > s->t_start &&
      (int64_t)((s->mcs_end - s->t_start) / 1000u) > a->total_us)
    a->total_us = (int64_t)((s->mcs_end - s->t_start) / 1000u);
}
