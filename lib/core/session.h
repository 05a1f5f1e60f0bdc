/* SPDX-License-Identifier: Apache-2.0 */
/* Session internals (core only: session.c, session_nla.c, evidence.c). */
#ifndef RDPNEG_SESSION_H
#define RDPNEG_SESSION_H

#include "base/buf.h"
#include "base/config.h"
#include "core/evidence.h"
#include "core/msglog.h"
#include "proto/mcs.h"
#include "proto/tls.h"
#include "proto/x224.h"

#include <rdpneg/rdpneg.h>

struct rdpneg_nla;

typedef struct rdpneg_phase_ev {
  rdpneg_phase_status status;
  rdpneg_tstamp start, end;
  int started;
  int err;          /* RDPNEG_ERR_* that ended it, 0 if ok */
  char detail[240]; /* one line for people */
} rdpneg_phase_ev;

enum { S_INIT, S_TCP, S_X224, S_TLS, S_NLA, S_DONE, S_MCS };

/* What a connection sends after TCP: an RDP Connection Request, or (to
 * identify a service that is not RDP) a TLS ClientHello at once or an
 * HTTP request; the answer is recorded as the X.224 / TLS phase's. */
enum { RDPNEG_MODE_RDP, RDPNEG_MODE_TLS_DIRECT, RDPNEG_MODE_HTTP };

struct rdpneg_session {
  rdpneg_config *cfg;
  char *host;
  uint16_t port;
  char address[64];
  int state;
  int cancelled;
  rdpneg_tstamp t_start, phase_deadline, overall_deadline;
  rdpneg_phase_ev ph[RDPNEG_PHASE_COUNT];
  rdpneg_buf in, out;

  /* tcp */
  rdpneg_tcp_status tcp_status;
  int tcp_sys_error;

  /* x224 */
  rdpneg_x224_status x224_status;
  uint32_t requested;
  int sent_neg_req;
  uint8_t req_flags;
  uint8_t cr[400];
  size_t cr_len;
  int have_cc;
  rdpneg_x224_pdu cc;
  uint8_t cc_raw[64];
  size_t cc_raw_len;
  uint8_t rx_first[64]; /* first bytes the server sent */
  size_t rx_first_len;
  size_t rx_total;
  int unexpected_protocol;

  /* tls */
  rdpneg_tls *tls;
  rdpneg_tls_status tls_status; /* SKIPPED/PENDING when tls == NULL */

  /* nla */
  struct rdpneg_nla *nla;

  /* set by a probe plan */
  char purpose[32];      /* why the plan made this connection */
  char connect_addr[64]; /* where an earlier attempt connected, or "" */

  /* MCS Connect Initial / Response (RDPNEG_OPT_DO_MCS; session_mcs.c) */
  int mcs_ran;
  rdpneg_tstamp mcs_start, mcs_end;
  rdpneg_mcs_ev mcs;
  int mode;            /* RDPNEG_MODE_*: what is sent after connect */
  int tcp_mss;         /* MSS the driver should set, 0 = system default */
  rdpneg_msglog *msgs; /* each message either side sent (core/msglog.c);
                         NULL once an attempt's evidence took it */
};

/* Microseconds from the session's start to |ts|. */
#define RDPNEG_SINCE_US(s, ts)                                                 \
  ((ts) > (s)->t_start ? (int64_t)(((ts) - (s)->t_start) / 1000u) : 0)

#endif
