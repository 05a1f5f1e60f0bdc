/* SPDX-License-Identifier: Apache-2.0 */
/* The session's MCS exchange (core, internal; RDPNEG_OPT_DO_MCS): after a
 * confirm that leaves the connection on Standard RDP Security (PROTOCOL_RDP
 * selected, or a legacy confirm without negotiation data) the session sends
 * an MCS Connect Initial and reads the Server Security Data of the Connect
 * Response. These functions record the evidence (s->mcs); they never change
 * the session's state: each returns 1 when the exchange has ended, and
 * session.c then finishes the session. */
#ifndef RDPNEG_SESSION_MCS_H
#define RDPNEG_SESSION_MCS_H

#include "core/evidence.h"

#include <rdpneg/rdpneg.h>

/* 1 when the option is set and the confirm just decoded leaves the
 * connection on Standard RDP Security. */
int rdpneg_session_mcs_wanted(const rdpneg_session *s);

/* Queues the Connect Initial and takes the bytes that followed the confirm
 * (in s->in). Returns 0 (waiting for the answer) or 1 (ended already). */
int rdpneg_session_mcs_begin(rdpneg_session *s, rdpneg_tstamp ts);

/* Feeds received bytes. Returns 1 when the exchange has ended, else 0, or
 * a negative RDPNEG_ERR_* (NOMEM). */
int rdpneg_session_mcs_input(rdpneg_session *s, const uint8_t *data, size_t len,
                             rdpneg_tstamp ts);

/* The transport ended (|reset| 1 for RST), the deadline passed or the
 * probe was cancelled: the exchange ends. */
void rdpneg_session_mcs_closed(rdpneg_session *s, int reset, rdpneg_tstamp ts);
void rdpneg_session_mcs_timeout(rdpneg_session *s, int cancelled,
                                rdpneg_tstamp ts);

/* Copies the MCS evidence into |a| (mcs_ran, mcs) and counts its time in
 * a->total_us. */
void rdpneg_session_mcs_evidence(const rdpneg_session *s, rdpneg_attempt_ev *a);

#endif
