/* SPDX-License-Identifier: Apache-2.0 */
/*
 * librdpneg-uv - run librdpneg sessions on a libuv loop.
 *
 * One rdpneg_uv_probe per connection attempt; any number can run on one
 * loop. The driver resolves the name (uv_getaddrinfo, IPv4 and IPv6),
 * connects (TCP_NODELAY), moves bytes between the socket and the sans-I/O
 * session, arms a timer from rdpneg_session_expiry() (per-phase timeouts and
 * the overall deadline live in the session), and closes every handle it
 * opened. It never blocks and keeps no global state.
 *
 * rdpneg_uv_probe_* runs one session (one connection, no policy);
 * rdpneg_uv_run_* runs a probe plan (rdpneg_plan.h): what rdpneg-probe and
 * the bindings use.
 *
 * Threads: a loop and everything started on it belong to the thread that
 * runs that loop; call these functions only from it (libuv's rule). Runs on
 * different loops in different threads are independent: the library has no
 * global mutable state.
 */
#ifndef RDPNEG_UV_H
#define RDPNEG_UV_H

#include <rdpneg/rdpneg.h>
#include <rdpneg/rdpneg_plan.h>
#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rdpneg_uv_probe rdpneg_uv_probe;

/* Called once per probe, after every libuv handle of the probe has been
 * closed. Ownership of |sess| passes to the callback: free it with
 * rdpneg_session_free(). |status| is 0 when the session ran to its end
 * (whatever the server answered: read the evidence), RDPNEG_ERR_CANCELLED
 * after rdpneg_uv_probe_cancel(), or another negative code when the driver
 * itself failed (NOMEM). |probe| is invalid after the callback returns. */
typedef void (*rdpneg_uv_done_cb)(rdpneg_uv_probe *probe, rdpneg_session *sess,
                                  int status, void *user_data);

/* Starts probing |host|:|port| on |loop| with a copy of |cfg|. |host| is a
 * name or an IPv4/IPv6 literal (copied). On success *|pprobe| is set and
 * |cb| will be called exactly once. On failure |cb| is never called.
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_uv_probe_start(rdpneg_uv_probe **pprobe,
                                        uv_loop_t *loop,
                                        const rdpneg_config *cfg,
                                        const char *host, uint16_t port,
                                        rdpneg_uv_done_cb cb, void *user_data);

/* Cancels a running probe: the current phase ends with
 * RDPNEG_ERR_CANCELLED, handles close, and the done callback follows with
 * status RDPNEG_ERR_CANCELLED. Returns 0 or INVALID_STATE when the probe is
 * already finishing. */
RDPNEG_EXTERN int rdpneg_uv_probe_cancel(rdpneg_uv_probe *probe);

/* ---- probe plans (rdpneg_plan.h) on a libuv loop ---- */

typedef struct rdpneg_uv_run rdpneg_uv_run;

/* Called once per run, after every attempt ended and every handle of the
 * run was closed. Ownership of |ev| (the plan's evidence: every attempt)
 * passes to the callback: free it with rdpneg_evidence_free(). |status| is
 * 0 when the plan ran to its end (whatever the server answered: diagnose
 * the evidence), RDPNEG_ERR_CANCELLED after rdpneg_uv_run_cancel() (|ev|
 * holds what was gathered so far, marked cancelled), or RDPNEG_ERR_NOMEM
 * (|ev| may then be NULL). |run| is invalid after the callback returns. */
typedef void (*rdpneg_uv_run_cb)(rdpneg_uv_run *run, rdpneg_evidence *ev,
                                 int status, void *user_data);

/* Runs the probe plan of |host|:|port| with a copy of |cfg| on |loop|:
 * the plan's attempts run as it hands them out, several at once when it
 * allows. When RDPNEG_OPT_NOW_UNIX is 0 the wall clock is taken from the
 * system. On success *|prun| (may be NULL) is set and |cb| will be called
 * exactly once; on failure |cb| is never called. Returns 0,
 * RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_uv_run_start(rdpneg_uv_run **prun, uv_loop_t *loop,
                                      const rdpneg_config *cfg,
                                      const char *host, uint16_t port,
                                      rdpneg_uv_run_cb cb, void *user_data);

/* Cancels a run at any point (rdpneg_plan_cancel): every socket closes and
 * the callback follows with RDPNEG_ERR_CANCELLED and the evidence so far.
 * Returns 0 or RDPNEG_ERR_INVALID_STATE when the run is already ending. */
RDPNEG_EXTERN int rdpneg_uv_run_cancel(rdpneg_uv_run *run);

/* Convenience for bindings and scripts: runs one probe plan on a private
 * loop and returns its evidence in *|pev| (free with
 * rdpneg_evidence_free). Returns 0 (diagnose the evidence for the
 * outcome), INVALID_ARGUMENT or NOMEM. */
RDPNEG_EXTERN int rdpneg_probe_run(const rdpneg_config *cfg, const char *host,
                                   uint16_t port, rdpneg_evidence **pev);

#ifdef __cplusplus
}
#endif

#endif /* RDPNEG_UV_H */
