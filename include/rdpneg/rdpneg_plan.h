/* SPDX-License-Identifier: Apache-2.0 */
/*
 * librdpneg probe plans (sans-I/O): which connections one probe makes, and
 * why.
 *
 * A probe is one or more connection attempts. The plan owns them: it
 * decides the follow-ups from the answers (a raw-NTLM retry when a server
 * refuses SPNEGO, one connection per TLS version with
 * RDPNEG_OPT_TLS_VERSIONS, later enumeration and corroboration), skips what
 * an earlier answer makes predictable, and keeps every attempt inside the
 * probe's overall deadline (RDPNEG_OPT_OVERALL_TIMEOUT_MS from
 * rdpneg_plan_start). Every attempt's evidence is kept. A driver holds no
 * protocol policy: it only runs the sessions the plan hands out, so every
 * driver gives the same answer.
 *
 * Driving a plan (any event loop; see the README for a complete example):
 *
 *   rdpneg_plan_new(&plan, cfg, host, port);
 *   rdpneg_plan_start(plan, now);
 *   loop:
 *     while (rdpneg_plan_next(plan, now, &sess) == 1)
 *       run sess: connect to rdpneg_session_connect_address(sess) when it
 *       is not NULL, else resolve rdpneg_session_host(sess); then
 *       rdpneg_session_tcp_result / _read / _write / _expiry /
 *       _handle_expiry / _transport_closed as for a single session (the
 *       session is already started);
 *     when rdpneg_session_done(sess) (or the transport is gone and the
 *       session was told): close the socket, then
 *       rdpneg_plan_attempt_done(plan, sess, now)   -- sess is freed here
 *     until rdpneg_plan_done(plan);
 *   rdpneg_plan_evidence(plan, &ev);  rdpneg_diagnose(ev, ...);
 *   rdpneg_plan_free(plan);
 *
 * Several attempts may run at once: call rdpneg_plan_next until it returns
 * 0 after every event. A plan is used by one thread at a time.
 */
#ifndef RDPNEG_PLAN_H
#define RDPNEG_PLAN_H

#include <rdpneg/rdpneg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rdpneg_plan rdpneg_plan;

/* Creates the plan of one probe of |host| (copied; a name or an address
 * literal) and |port| with a copy of |cfg| (the caller may free |cfg| at
 * once; credentials are copied and zeroised with the plan). Returns 0,
 * RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_plan_new(rdpneg_plan **pplan, const rdpneg_config *cfg,
                                  const char *host, uint16_t port);

/* Frees |plan| (NULL is a no-op) and every session it handed out and did
 * not get back: the driver must have closed their transports first. */
RDPNEG_EXTERN void rdpneg_plan_free(rdpneg_plan *plan);

/* Gives the plan (and every session it creates) the wall clock, seconds
 * since 1970 UTC, for certificate dates and NTLM clock skew; overrides
 * RDPNEG_OPT_NOW_UNIX. Returns 0 or RDPNEG_ERR_INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_plan_set_wallclock(rdpneg_plan *plan,
                                            int64_t now_unix);

/* Starts the probe clock at |ts|: the overall deadline is armed and the
 * first attempt becomes ready. Returns 0 or RDPNEG_ERR_INVALID_STATE when
 * already started. */
RDPNEG_EXTERN int rdpneg_plan_start(rdpneg_plan *plan, rdpneg_tstamp ts);

/* Hands out the next attempt to run: *|psess| is a started session owned
 * by the plan and lent to the driver until rdpneg_plan_attempt_done.
 * Returns 1 (an attempt in *|psess|), 0 (none ready now: wait for running
 * attempts, or the plan is done), RDPNEG_ERR_INVALID_STATE (not started)
 * or RDPNEG_ERR_NOMEM (the plan records that the attempt could not be made
 * and goes on). */
RDPNEG_EXTERN int rdpneg_plan_next(rdpneg_plan *plan, rdpneg_tstamp ts,
                                   rdpneg_session **psess);

/* Returns a lent session to the plan, which keeps its evidence, decides
 * the follow-ups and frees it. The driver calls it once per session, after
 * rdpneg_session_done() (or after cancelling the session) and after
 * closing its transport. Returns 0, RDPNEG_ERR_INVALID_ARGUMENT (not one
 * of this plan's running sessions) or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_plan_attempt_done(rdpneg_plan *plan,
                                           rdpneg_session *sess,
                                           rdpneg_tstamp ts);

/* The plan's own next deadline (RDPNEG_TSTAMP_NEVER when none): the
 * overall deadline while attempts are pending. The sessions' deadlines are
 * separate (rdpneg_session_expiry), and already bounded by it. */
RDPNEG_EXTERN rdpneg_tstamp rdpneg_plan_expiry(const rdpneg_plan *plan);

/* Tells the plan that |ts| has come: past the overall deadline no new
 * attempt is made (they are recorded as not run) and running sessions are
 * ended as timed out (the driver sees rdpneg_session_done). Returns 0. */
RDPNEG_EXTERN int rdpneg_plan_handle_expiry(rdpneg_plan *plan,
                                            rdpneg_tstamp ts);

/* Cancels the probe at any point: no new attempt is made and every running
 * session ends with RDPNEG_ERR_CANCELLED (the driver sees
 * rdpneg_session_done, closes the sockets and returns the sessions). The
 * evidence gathered so far stays, marked cancelled. Returns 0 or
 * RDPNEG_ERR_INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_plan_cancel(rdpneg_plan *plan, rdpneg_tstamp ts);

/* Returns 1 once no attempt runs and none will, else 0. */
RDPNEG_EXTERN int rdpneg_plan_done(const rdpneg_plan *plan);

/* Number of sessions currently lent to the driver. */
RDPNEG_EXTERN int rdpneg_plan_running(const rdpneg_plan *plan);

/* Copies the evidence of every finished attempt (and what the plan derived
 * across them) into a new value in *|pev| (free with
 * rdpneg_evidence_free); valid at any time, complete once
 * rdpneg_plan_done. Returns 0, RDPNEG_ERR_INVALID_ARGUMENT,
 * RDPNEG_ERR_INVALID_STATE (no attempt finished yet) or NOMEM. */
RDPNEG_EXTERN int rdpneg_plan_evidence(const rdpneg_plan *plan,
                                       rdpneg_evidence **pev);

/* ---- what a driver needs of a lent session ---- */

/* The host (name or address literal) and port the session probes. Valid
 * until the session is freed. */
RDPNEG_EXTERN const char *rdpneg_session_host(const rdpneg_session *sess);
RDPNEG_EXTERN uint16_t rdpneg_session_port(const rdpneg_session *sess);

/* The address (text) an earlier attempt of the same plan connected to, so
 * that follow-ups reach the same server without resolving the name again;
 * NULL when the driver should resolve rdpneg_session_host(). */
RDPNEG_EXTERN const char *
rdpneg_session_connect_address(const rdpneg_session *sess);

/* The TCP maximum segment size the driver should set on the socket before
 * connecting (setsockopt TCP_MAXSEG), 0 for the system's default. A plan
 * asks for a small one to tell a path MTU black hole from a stalled
 * server; a driver that cannot set it connects normally (the answer is
 * then less certain, never wrong). */
RDPNEG_EXTERN int rdpneg_session_tcp_mss(const rdpneg_session *sess);

#ifdef __cplusplus
}
#endif

#endif /* RDPNEG_PLAN_H */
