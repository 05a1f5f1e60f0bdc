/* SPDX-License-Identifier: Apache-2.0 */
/* The session's NLA phase (core, internal): glue between the session and
 * the sans-I/O CredSSP client in proto/nla.h. These functions record the
 * NLA phase's evidence; they never change the session's state: each
 * returns 1 when the phase has ended, and session.c then finishes the
 * session. */
#ifndef RDPNEG_SESSION_NLA_H
#define RDPNEG_SESSION_NLA_H

#include "core/evidence.h"

#include <rdpneg/rdpneg.h>

/* Starts CredSSP after the TLS handshake (the password is wiped here, right
 * after NTOWFv2). Returns 0 (running), 1 (ended at once: could not start;
 * the phase records why). */
int rdpneg_session_nla_begin(rdpneg_session *s, rdpneg_tstamp ts);

/* Moves decrypted bytes into CredSSP and its answers back into TLS.
 * Returns 1 when the exchange has ended, else 0. */
int rdpneg_session_nla_pump(rdpneg_session *s, rdpneg_tstamp ts);

/* The transport ended (|reset| 1 for RST) or the phase deadline passed.
 * Both end the phase. */
void rdpneg_session_nla_end_transport(rdpneg_session *s, int reset,
                                      rdpneg_tstamp ts);
void rdpneg_session_nla_timeout(rdpneg_session *s, rdpneg_tstamp ts);

/* Frees the CredSSP client (zeroising its keys). */
void rdpneg_session_nla_free(rdpneg_session *s);

/* Copies the NLA phase's evidence out of the session. */
void rdpneg_session_nla_evidence(const rdpneg_session *s, rdpneg_nla_ev *out);

#endif
