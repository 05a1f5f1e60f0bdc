/* SPDX-License-Identifier: Apache-2.0 */
/* Observer of one captured connection (internal, sans-I/O).
 *
 * The counterpart of a session for recorded traffic: it is handed the bytes
 * of both directions as they became available in the capture, with the
 * capture's own time stamps (it never reads a clock), and writes what can
 * be known without keys into an attempt's evidence (source "capture"):
 * the X.224 exchange in full (the client's cookie, requestedProtocols,
 * flags and correlation id, the server's answer), the TLS 1.0-1.2
 * handshake with the certificate and plaintext alerts, TLS 1.3 up to the
 * ServerHello, CredSSP only as record sizes and timing, and where FIN and
 * RST came from in which phase. It never sends anything and needs no
 * secret. The phases' statuses use the same values as a probe's, so the
 * diagnosis (lib/analysis) runs on an observed connection unchanged. */
#ifndef RDPNEG_OBSERVE_H
#define RDPNEG_OBSERVE_H

#include "core/evidence.h"

typedef struct rdpneg_observer rdpneg_observer;

/* Starts observing into |a| (borrowed until rdpneg_observer_finish; it is
 * reset here). |t0_us| is the capture time of the connection's first
 * packet (microseconds since 1970); every later time is absolute too.
 * Returns 0 or RDPNEG_ERR_NOMEM. */
int rdpneg_observer_new(rdpneg_observer **po, rdpneg_attempt_ev *a,
                        int64_t t0_us);

/* A SYN (|dir| 0) or SYN+ACK (|dir| 1) was seen at |t_us|. */
void rdpneg_observer_syn(rdpneg_observer *o, int dir, int64_t t_us);

/* Bytes of direction |dir| (0 client to server, 1 server to client) that
 * became available at |t_us|, in stream order. Returns 0 or
 * RDPNEG_ERR_NOMEM. */
int rdpneg_observer_data(rdpneg_observer *o, int dir, const uint8_t *p,
                         size_t n, int64_t t_us);

/* Direction |dir| carried a FIN (|reset| 0) or an RST at |t_us|. */
void rdpneg_observer_end(rdpneg_observer *o, int dir, int reset, int64_t t_us);

/* Completes the evidence (phase statuses, times, TLS facts, the
 * certificate judged as of the capture's time) and frees |o|. */
void rdpneg_observer_finish(rdpneg_observer *o);

/* Frees |o| without completing (NULL is a no-op). */
void rdpneg_observer_free(rdpneg_observer *o);

#endif
