/*
 * librdpneg-uv - run librdpneg sessions on a libuv loop.
 *
 * One rdpneg_uv_probe per connection attempt; any number can run on one
 * loop. The driver resolves the name (uv_getaddrinfo, IPv4 and IPv6),
 * connects (TCP_NODELAY), moves bytes between the socket and the sans-I/O
 * session, arms a timer from rdpneg_session_expiry() (per-phase timeouts and
 * the overall deadline live in the session), and closes every handle it
 * opened. It never blocks and keeps no global state.
 */
#ifndef RDPNEG_UV_H
#define RDPNEG_UV_H

#include <rdpneg/rdpneg.h>
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

/* Convenience for bindings and scripts: runs one probe on a private loop
 * and returns the finished session in *|psess| (free with
 * rdpneg_session_free). When RDPNEG_OPT_NOW_UNIX is 0 the wall clock is
 * taken from the system. Returns 0 (read the evidence for the outcome),
 * INVALID_ARGUMENT or NOMEM. */
RDPNEG_EXTERN int rdpneg_probe_run(const rdpneg_config *cfg, const char *host,
                                   uint16_t port, rdpneg_session **psess);

/* Runs one connection per TLS version 1.0, 1.1 and 1.2 (sequentially, NLA
 * off) and attaches each outcome to |sess| (rdpneg_session_attach_tls_version).
 * Returns 0 or a negative code. */
RDPNEG_EXTERN int rdpneg_probe_run_tls_versions(const rdpneg_config *cfg,
                                                const char *host, uint16_t port,
                                                rdpneg_session *sess);

#ifdef __cplusplus
}
#endif

#endif /* RDPNEG_UV_H */
