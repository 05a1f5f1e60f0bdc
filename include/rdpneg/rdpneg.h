/* SPDX-License-Identifier: Apache-2.0 */
/*
 * librdpneg - RDP pre-connection negotiation analysis (sans-I/O core).
 *
 * One rdpneg_session per connection attempt. The session never touches a
 * socket or reads a clock: the caller (the libuv driver in rdpneg_uv.h, or
 * any other loop) reports the TCP outcome, feeds received bytes with a
 * timestamp, drains bytes to send, asks for the next deadline and tells the
 * session when it passed. The session walks TCP -> X.224 -> TLS -> NLA and
 * keeps an evidence record per phase (outcome, decoded fields, raw codes,
 * elapsed time). Nothing is collapsed into one last-error.
 *
 * Conventions: functions returning int give 0 on success or a negative
 * RDPNEG_ERR_* code; functions returning rdpneg_ssize give a count >= 0 or a
 * negative code. Strings are UTF-8. Every pointer argument is borrowed for
 * the duration of the call unless its comment says otherwise. One session is
 * used by one thread at a time; there is no global mutable state.
 */
#ifndef RDPNEG_H
#define RDPNEG_H

#include <stddef.h>
#include <stdint.h>

#include <rdpneg/rdpneg_errors.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RDPNEG_STATICLIB)
#define RDPNEG_EXTERN
#elif defined(_WIN32)
#if defined(BUILDING_RDPNEG)
#define RDPNEG_EXTERN __declspec(dllexport)
#else
#define RDPNEG_EXTERN __declspec(dllimport)
#endif
#elif defined(BUILDING_RDPNEG)
#define RDPNEG_EXTERN __attribute__((visibility("default")))
#else
#define RDPNEG_EXTERN
#endif

#define RDPNEG_VERSION "0.1.0"
#define RDPNEG_VERSION_NUM 0x000100

typedef ptrdiff_t rdpneg_ssize;

/* Timestamps are nanoseconds on the caller's monotonic clock. */
typedef uint64_t rdpneg_tstamp;
#define RDPNEG_TSTAMP_NEVER UINT64_MAX

/* Error codes (values from rdpneg_errors.h). */
enum {
#define RDPNEG_XX(name, value, cat, msg) RDPNEG_ERR_##name = value,
  RDPNEG_ERR_MAP(RDPNEG_XX)
#undef RDPNEG_XX
};

/* Returns the library version string, e.g. "0.1.0". Static storage. */
RDPNEG_EXTERN const char *rdpneg_version(void);

/* Returns the library version as a number, 0xMMmmpp (RDPNEG_VERSION_NUM of
 * the library that is loaded, not of the header compiled against): a
 * binding or a program that needs a function added in a later release
 * compares it with the release it needs and refuses an older library. */
RDPNEG_EXTERN unsigned rdpneg_version_number(void);

/* Returns a one-sentence message for |err|, "unknown error" for unknown
 * values. Static storage. */
RDPNEG_EXTERN const char *rdpneg_strerror(int err);

/* Returns "RDPNEG_ERR_<NAME>" for |err|, or NULL when unknown. Static. */
RDPNEG_EXTERN const char *rdpneg_err_name(int err);

/* ------------------------------------------------------------------------ */
/* Protocol constants (MS-RDPBCGR 2.2.1.1.1, 2.2.1.2.1, 2.2.1.2.2)           */

#define RDPNEG_PROTOCOL_RDP 0x00000000u
#define RDPNEG_PROTOCOL_SSL 0x00000001u
#define RDPNEG_PROTOCOL_HYBRID 0x00000002u
#define RDPNEG_PROTOCOL_RDSTLS 0x00000004u
#define RDPNEG_PROTOCOL_HYBRID_EX 0x00000008u
#define RDPNEG_PROTOCOL_RDSAAD 0x00000010u

/* RDP_NEG_REQ flags */
#define RDPNEG_REQ_RESTRICTED_ADMIN_MODE_REQUIRED 0x01u
#define RDPNEG_REQ_REDIRECTED_AUTHENTICATION_MODE_REQUIRED 0x02u
#define RDPNEG_REQ_CORRELATION_INFO_PRESENT 0x08u

/* RDP_NEG_FAILURE codes */
#define RDPNEG_FAILURE_SSL_REQUIRED_BY_SERVER 1u
#define RDPNEG_FAILURE_SSL_NOT_ALLOWED_BY_SERVER 2u
#define RDPNEG_FAILURE_SSL_CERT_NOT_ON_SERVER 3u
#define RDPNEG_FAILURE_INCONSISTENT_FLAGS 4u
#define RDPNEG_FAILURE_HYBRID_REQUIRED_BY_SERVER 5u
#define RDPNEG_FAILURE_SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER 6u

/* Returns the protocol name for a single selectedProtocol value ("RDP",
 * "SSL", "HYBRID", "RDSTLS", "HYBRID_EX", "RDSAAD"), or NULL. Static. */
RDPNEG_EXTERN const char *rdpneg_protocol_name(uint32_t protocol);

/* Parses a comma list "ssl,hybrid,hybrid_ex" (case-insensitive; rdp adds
 * nothing) into a requestedProtocols mask. "none" sets *|send_neg_req| to 0
 * (legacy request without RDP_NEG_REQ), otherwise it is set to 1.
 * Returns 0, or RDPNEG_ERR_INVALID_ARGUMENT naming no known protocol. */
RDPNEG_EXTERN int rdpneg_protocols_parse(const char *list, uint32_t *mask,
                                         int *send_neg_req);

/* Returns the failure name ("SSL_REQUIRED_BY_SERVER", ...) or NULL. */
RDPNEG_EXTERN const char *rdpneg_failure_name(uint32_t code);

/* ------------------------------------------------------------------------ */
/* Configuration: an opaque object with typed setters. Every string is      */
/* copied; the password is zeroised when replaced and when freed.           */

typedef struct rdpneg_config rdpneg_config;

typedef enum rdpneg_opt {
  /* uint32 mask of RDPNEG_PROTOCOL_*; default SSL|HYBRID|HYBRID_EX (0xb) */
  RDPNEG_OPT_REQUESTED_PROTOCOLS = 1,
  /* 0: legacy Connection Request without RDP_NEG_REQ; default 1 */
  RDPNEG_OPT_SEND_NEG_REQ = 2,
  /* RDP_NEG_REQ flags byte; default 0 */
  RDPNEG_OPT_NEG_REQ_FLAGS = 3,
  /* per-phase deadlines in ms; defaults 5000 each */
  RDPNEG_OPT_CONNECT_TIMEOUT_MS = 4,
  RDPNEG_OPT_X224_TIMEOUT_MS = 5,
  RDPNEG_OPT_TLS_TIMEOUT_MS = 6,
  RDPNEG_OPT_NLA_TIMEOUT_MS = 7,
  /* overall deadline in ms from rdpneg_session_start; default 15000 */
  RDPNEG_OPT_OVERALL_TIMEOUT_MS = 8,
  /* 1: continue into TLS when SSL/HYBRID/HYBRID_EX is selected; default 1 */
  RDPNEG_OPT_DO_TLS = 9,
  /* 1: continue into CredSSP when HYBRID/HYBRID_EX is selected; default 1 */
  RDPNEG_OPT_DO_NLA = 10,
  /* lowest / highest TLS version offered: 1 = TLS 1.0, 2 = 1.1, 3 = 1.2;
   * defaults 1 and 3 */
  RDPNEG_OPT_TLS_MIN = 11,
  RDPNEG_OPT_TLS_MAX = 12,
  /* days before notAfter that count as "expiring soon"; default 30 */
  RDPNEG_OPT_WARN_DAYS = 13,
  /* wall clock, seconds since 1970 UTC, for certificate dates and clock
   * skew; default 0 = unknown (date checks are then not made) */
  RDPNEG_OPT_NOW_UNIX = 14,
  /* 1: wrap the NTLM NEGOTIATE in SPNEGO exactly as mstsc does; default 0:
   * a raw NTLMSSP token in negoTokens (what nmap and impacket send), which
   * Windows and FreeRDP 2.x servers both accept, so one connection does.
   * With 1, a probe plan retries once with raw NTLM when the server refuses
   * SPNEGO (FreeRDP 2.x does). */
  RDPNEG_OPT_SPNEGO = 15,
  /* maximum bytes buffered from the peer; default 65536 */
  RDPNEG_OPT_MAX_BUFFERED = 16,
  /* certificate policy: a mask of RDPNEG_REJECT_*; default 0 (analyse and
   * report only). A certificate matching the mask ends the TLS phase with
   * RDPNEG_ERR_CERT_REJECTED before anything is sent inside TLS (no NTLM to
   * an unverified server). */
  RDPNEG_OPT_REJECT_CERT = 17,
  /* 1: a probe plan also makes one connection per TLS version 1.0, 1.1
   * and 1.2 (in parallel, NLA off; versions the first connection's answer
   * already decides are inferred, not tried) and says whether the server
   * requires TLS 1.3; default 0 */
  RDPNEG_OPT_TLS_VERSIONS = 18,
  /* 1: after a confirm that selects PROTOCOL_RDP (or a legacy confirm
   * without negotiation data) send an MCS Connect Initial and read the
   * Connect Response's Server Security Data (Standard RDP Security:
   * encryption method and level, server certificate); JSON attempts[].mcs.
   * Its deadline is RDPNEG_OPT_X224_TIMEOUT_MS; default 0 */
  RDPNEG_OPT_DO_MCS = 19,
  /* 1: a probe plan enumerates the server's pre-connection profile (JSON
   * profile): what it selects for each requestedProtocols set worth
   * asking, NLA / TLS required, Standard RDP Security and legacy clients
   * accepted (with MCS), the TLS versions (those below the first
   * connection's highest in one connection offering TLS 1.0-1.1, whose
   * answer decides 1.0 as well unless it chose 1.1 or was no TLS answer);
   * default 0 */
  RDPNEG_OPT_ENUMERATE = 20,
  /* encryptionMethods offered in the MCS Connect Initial (mask of 0x01
   * 40-bit, 0x02 128-bit, 0x08 56-bit, 0x10 FIPS); default 0x1b (all) */
  RDPNEG_OPT_MCS_METHODS = 21,
} rdpneg_opt;

#define RDPNEG_REJECT_EXPIRED 0x01    /* expired or not yet valid */
#define RDPNEG_REJECT_NAME 0x02       /* hostname_match false */
#define RDPNEG_REJECT_UNTRUSTED 0x04  /* trusted false (needs trust anchors) */
#define RDPNEG_REJECT_WEAK_KEY 0x08   /* RSA < 2048 or EC < 224 bits */
#define RDPNEG_REJECT_NO_ANCHORS 0x10 /* reject when no CA was configured */

typedef enum rdpneg_stropt {
  /* "Cookie: mstshash=NAME" cookie; default none */
  RDPNEG_STROPT_COOKIE = 1,
  /* routing token sent verbatim (without the trailing CR LF); default none */
  RDPNEG_STROPT_ROUTING_TOKEN = 2,
  /* server name for SNI and hostname_match; default: the target host */
  RDPNEG_STROPT_SNI = 3,
} rdpneg_stropt;

/* Creates a configuration with the defaults above. Free with
 * rdpneg_config_free(). Returns 0 or RDPNEG_ERR_NOMEM /
 * RDPNEG_ERR_INVALID_ARGUMENT (|pcfg| NULL). */
RDPNEG_EXTERN int rdpneg_config_new(rdpneg_config **pcfg);

/* Creates an independent deep copy of |cfg| in *|pcopy| (credentials
 * included). Returns 0, INVALID_ARGUMENT or NOMEM. */
RDPNEG_EXTERN int rdpneg_config_clone(const rdpneg_config *cfg,
                                      rdpneg_config **pcopy);

/* Frees |cfg| (NULL is a no-op), zeroising the password. */
RDPNEG_EXTERN void rdpneg_config_free(rdpneg_config *cfg);

/* Sets an integer option. Returns 0, or RDPNEG_ERR_INVALID_ARGUMENT for an
 * unknown option or a value out of range (the option is then unchanged). */
RDPNEG_EXTERN int rdpneg_config_set_int(rdpneg_config *cfg, rdpneg_opt opt,
                                        int64_t value);

/* Reads an integer option into *|value|. Returns 0 or
 * RDPNEG_ERR_INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_config_get_int(const rdpneg_config *cfg,
                                        rdpneg_opt opt, int64_t *value);

/* Sets (copies) a string option; NULL clears it. A value that is empty,
 * longer than 255 bytes or contains CR or LF is refused (any option).
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT (also for a NULL |cfg| or an
 * unknown option) or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_config_set_str(rdpneg_config *cfg, rdpneg_stropt opt,
                                        const char *value);

/* Sets the 16-byte RDP_NEG_CORRELATION_INFO correlationId (copied) and the
 * CORRELATION_INFO_PRESENT flag; NULL removes both. The first byte must not
 * be 0x00 or 0xF4 and no byte may be 0x0D (MS-RDPBCGR 2.2.1.1.2).
 * Returns 0 or RDPNEG_ERR_INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_config_set_correlation_id(rdpneg_config *cfg,
                                                   const uint8_t *id16);

/* Adds trust anchors (PEM or DER bytes, copied) against which the server
 * chain is checked; certificate.trusted is null until one is added.
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT (|cfg| or |data| NULL, |len| 0),
 * RDPNEG_ERR_BAD_FILE when nothing parses, or NOMEM. */
RDPNEG_EXTERN int rdpneg_config_add_ca(rdpneg_config *cfg, const uint8_t *data,
                                       size_t len);

/* Sets the credentials for the NLA check. All three strings are copied; the
 * password copy is zeroised after the NTLM computation and on free. NULL
 * |user| clears them. |domain| may be NULL. Returns 0,
 * RDPNEG_ERR_INVALID_ARGUMENT (|user| set but |password| NULL, or a string
 * that is not valid UTF-8: nothing is changed then) or NOMEM. */
RDPNEG_EXTERN int rdpneg_config_set_credentials(rdpneg_config *cfg,
                                                const char *user,
                                                const char *domain,
                                                const char *password);

/* ------------------------------------------------------------------------ */
/* Session (sans-I/O)                                                        */

typedef struct rdpneg_session rdpneg_session;

typedef enum rdpneg_phase {
  RDPNEG_PHASE_TCP = 0,
  RDPNEG_PHASE_X224 = 1,
  RDPNEG_PHASE_TLS = 2,
  RDPNEG_PHASE_NLA = 3,
  RDPNEG_PHASE_COUNT = 4
} rdpneg_phase;

typedef enum rdpneg_phase_status {
  RDPNEG_PHASE_PENDING = 0, /* not reached yet / running */
  RDPNEG_PHASE_OK = 1,
  RDPNEG_PHASE_FAILED = 2,
  RDPNEG_PHASE_SKIPPED = 3
} rdpneg_phase_status;

/* TCP outcome as reported by the driver (JSON tcp.status). */
typedef enum rdpneg_tcp_status {
  RDPNEG_TCP_PENDING = 0,
  RDPNEG_TCP_OK = 1,
  RDPNEG_TCP_REFUSED = 2,
  RDPNEG_TCP_TIMEOUT = 3,
  RDPNEG_TCP_UNREACHABLE = 4,
  RDPNEG_TCP_DNS_FAILED = 5,
  RDPNEG_TCP_ERROR = 6
} rdpneg_tcp_status;

/* X.224 outcome (JSON x224.status). */
typedef enum rdpneg_x224_status {
  RDPNEG_X224_PENDING = 0,
  RDPNEG_X224_OK = 1,      /* RDP_NEG_RSP */
  RDPNEG_X224_FAILURE = 2, /* RDP_NEG_FAILURE */
  RDPNEG_X224_LEGACY = 3,  /* Connection Confirm without negotiation data */
  RDPNEG_X224_CLOSED = 4,  /* FIN before the confirm */
  RDPNEG_X224_RESET = 5,   /* RST before the confirm */
  RDPNEG_X224_TIMEOUT = 6, /* nothing within the deadline */
  RDPNEG_X224_MALFORMED = 7,
  RDPNEG_X224_NOT_RDP = 8,
  RDPNEG_X224_SKIPPED = 9
} rdpneg_x224_status;

/* TLS outcome (JSON tls.status). */
typedef enum rdpneg_tls_status {
  RDPNEG_TLS_PENDING = 0,
  RDPNEG_TLS_OK = 1,
  RDPNEG_TLS_ALERT = 2,
  RDPNEG_TLS_CLOSED = 3,
  RDPNEG_TLS_RESET = 4,
  RDPNEG_TLS_STALLED = 5,
  RDPNEG_TLS_NOT_TLS = 6,
  RDPNEG_TLS_FAILED = 7,
  RDPNEG_TLS_SKIPPED = 8
} rdpneg_tls_status;

/* How the transport ended, reported by the driver. */
typedef enum rdpneg_close_reason {
  RDPNEG_CLOSE_EOF = 1,   /* orderly FIN from the peer */
  RDPNEG_CLOSE_RESET = 2, /* ECONNRESET / RST */
  RDPNEG_CLOSE_ERROR = 3  /* any other read/write error */
} rdpneg_close_reason;

/* Creates a session for |host| (copied; a name or an address literal) and
 * |port| with a copy of |cfg| (the caller may free |cfg| at once).
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_session_new(rdpneg_session **psess,
                                     const rdpneg_config *cfg, const char *host,
                                     uint16_t port);

/* Frees |sess| (NULL is a no-op), zeroising key material and credentials. */
RDPNEG_EXTERN void rdpneg_session_free(rdpneg_session *sess);

/* Starts the probe clock at |ts|: the TCP phase (name resolution and
 * connect) begins and its deadline is armed. Returns 0,
 * RDPNEG_ERR_INVALID_ARGUMENT for a NULL |sess| or
 * RDPNEG_ERR_INVALID_STATE when already started. */
RDPNEG_EXTERN int rdpneg_session_start(rdpneg_session *sess, rdpneg_tstamp ts);

/* Gives the session the wall clock (seconds since 1970 UTC) for certificate
 * dates and NTLM clock skew, overriding RDPNEG_OPT_NOW_UNIX. The session
 * never reads a clock itself. Returns 0 or INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_session_set_wallclock(rdpneg_session *sess,
                                               int64_t now_unix);

/* Reports that name resolution failed (|detail| copied, may be NULL). Ends
 * the session with tcp.status dns_failed. Returns 0, INVALID_ARGUMENT for
 * a NULL |sess|, or INVALID_STATE outside the TCP phase. */
RDPNEG_EXTERN int rdpneg_session_dns_failed(rdpneg_session *sess,
                                            const char *detail,
                                            rdpneg_tstamp ts);

/* Reports the TCP connect outcome. On RDPNEG_TCP_OK, |address| (copied) is
 * the peer address in text form and the X.224 Connection Request is queued
 * for rdpneg_session_write(). Any other status ends the session;
 * |sys_error| is the OS/libuv code kept as detail. Returns 0,
 * RDPNEG_ERR_INVALID_STATE (not in the TCP phase),
 * RDPNEG_ERR_INVALID_ARGUMENT (|sess| NULL, an unknown |status|, or a
 * Connection Request the configuration cannot make: cookie and routing
 * token both set, or longer than its one-byte length allows) or
 * RDPNEG_ERR_NOMEM (the request could not be queued). After TCP_OK a
 * non-zero return has ended the session (the evidence says why). */
RDPNEG_EXTERN int rdpneg_session_tcp_result(rdpneg_session *sess,
                                            rdpneg_tcp_status status,
                                            const char *address, int sys_error,
                                            rdpneg_tstamp ts);

/* Feeds |len| received bytes (borrowed for the call); any amount at once:
 * bytes beyond what the current phase needs go to the next phase, and
 * bytes after the end are ignored. Returns |len|, RDPNEG_ERR_INVALID_STATE
 * (session not connected or finished), RDPNEG_ERR_INVALID_ARGUMENT,
 * RDPNEG_ERR_NOMEM, or RDPNEG_ERR_NOBUF (the TLS layer already holds 1 MiB
 * it has not consumed). Protocol failures are not return values: they end the
 * session and are recorded in the evidence (a confirm that does not fit in
 * RDPNEG_OPT_MAX_BUFFERED bytes ends X.224 as malformed with
 * RDPNEG_ERR_NOBUF). */
RDPNEG_EXTERN rdpneg_ssize rdpneg_session_read(rdpneg_session *sess,
                                               const uint8_t *data, size_t len,
                                               rdpneg_tstamp ts);

/* Copies up to |cap| pending bytes to |dest|. Returns the number copied
 * (>= 0; 0 when nothing is pending: call until it returns 0), or
 * RDPNEG_ERR_INVALID_ARGUMENT (|sess| NULL, or |dest| NULL with |cap| > 0).
 * Bytes still pending when the session ends may be dropped. */
RDPNEG_EXTERN rdpneg_ssize rdpneg_session_write(rdpneg_session *sess,
                                                uint8_t *dest, size_t cap,
                                                rdpneg_tstamp ts);

/* Reports that the transport ended (see rdpneg_close_reason; |sys_error|
 * is the OS code, kept as detail). The current phase ends as closed or
 * reset (TLS: with the last handshake message received; NLA: after
 * AUTHENTICATE a close without errorCode is a rejection); the session is
 * done afterwards. After the end it is a no-op. Returns 0, or
 * RDPNEG_ERR_INVALID_ARGUMENT for a NULL |sess|. */
RDPNEG_EXTERN int rdpneg_session_transport_closed(rdpneg_session *sess,
                                                  rdpneg_close_reason reason,
                                                  int sys_error,
                                                  rdpneg_tstamp ts);

/* Returns the next deadline, RDPNEG_TSTAMP_NEVER when none is armed. */
RDPNEG_EXTERN rdpneg_tstamp rdpneg_session_expiry(const rdpneg_session *sess);

/* Tells the session that time |ts| has come; a passed deadline ends the
 * current phase with a timeout. Early calls change nothing. Returns 0, or
 * RDPNEG_ERR_INVALID_ARGUMENT for a NULL |sess|. */
RDPNEG_EXTERN int rdpneg_session_handle_expiry(rdpneg_session *sess,
                                               rdpneg_tstamp ts);

/* Cancels the probe: the current phase ends with RDPNEG_ERR_CANCELLED and
 * the session is done (its verdict is "unknown"); a session not started
 * yet is done at once. No-op on a finished session. Returns 0, or
 * RDPNEG_ERR_INVALID_ARGUMENT for a NULL |sess|. */
RDPNEG_EXTERN int rdpneg_session_cancel(rdpneg_session *sess, rdpneg_tstamp ts);

/* Returns 1 once the session has finished (success or failure) and the
 * driver should flush what it took and close the transport. */
RDPNEG_EXTERN int rdpneg_session_done(const rdpneg_session *sess);

/* Returns 1 while the session expects more bytes from the peer. */
RDPNEG_EXTERN int rdpneg_session_want_read(const rdpneg_session *sess);

/* ---- evidence accessors (valid until rdpneg_session_free) ---- */

/* Phase outcome and timing. |ms| (may be NULL) receives the elapsed
 * milliseconds of the phase, |err| (may be NULL) the RDPNEG_ERR_* that ended
 * it or 0. Returns the status, or RDPNEG_ERR_INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_session_phase(const rdpneg_session *sess,
                                       rdpneg_phase phase, double *ms,
                                       int *err);

RDPNEG_EXTERN rdpneg_tcp_status
rdpneg_session_tcp_status(const rdpneg_session *sess);
RDPNEG_EXTERN rdpneg_x224_status
rdpneg_session_x224_status(const rdpneg_session *sess);
RDPNEG_EXTERN rdpneg_tls_status
rdpneg_session_tls_status(const rdpneg_session *sess);

/* Selected protocol of an RDP_NEG_RSP; returns -1 when none was received. */
RDPNEG_EXTERN int64_t
rdpneg_session_selected_protocol(const rdpneg_session *sess);

/* failureCode of an RDP_NEG_FAILURE; 0 when none was received. */
RDPNEG_EXTERN uint32_t rdpneg_session_failure_code(const rdpneg_session *sess);

typedef enum rdpneg_verdict {
  RDPNEG_VERDICT_HEALTHY = 0,
  RDPNEG_VERDICT_DEGRADED = 1,
  RDPNEG_VERDICT_FAILING = 2,
  RDPNEG_VERDICT_UNKNOWN = 3 /* could not probe (DNS failure, cancelled) */
} rdpneg_verdict;

/* The verdict of the built-in diagnosis of |sess|'s evidence, which is also
 * the monitoring-plugin exit code; RDPNEG_VERDICT_UNKNOWN for NULL or when
 * memory runs out. */
RDPNEG_EXTERN rdpneg_verdict rdpneg_session_verdict(const rdpneg_session *sess);

/* Returns 1 when the session used SPNEGO and the server answered the
 * NTLM NEGOTIATE with an errorCode (stored in *|ntstatus|, may be NULL):
 * the server may accept raw NTLM (FreeRDP 2.x servers do); a probe plan
 * then retries once with RDPNEG_OPT_SPNEGO 0. Returns 0 otherwise. */
RDPNEG_EXTERN int rdpneg_session_spnego_rejected(const rdpneg_session *sess,
                                                 uint32_t *ntstatus);

/* ------------------------------------------------------------------------ */
/* Evidence: what a probe observed, as a value                               */

/* An evidence value holds the connections (attempts) of one probe with
 * their phases, decoded fields, raw codes and timings. It is independent of
 * the session that produced it, and the same value comes back from a saved
 * rdpneg.probe/1 document, so a diagnosis (rdpneg_diagnosis.h) runs alike
 * on a live probe, a file or a replayed capture. */
typedef struct rdpneg_evidence rdpneg_evidence;

/* Copies the evidence of |sess| (finished or not) into a new value in
 * *|pev| (free with rdpneg_evidence_free). Returns 0,
 * RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_session_evidence(const rdpneg_session *sess,
                                          rdpneg_evidence **pev);

/* Reads a saved rdpneg.probe/1 document (|len| bytes of UTF-8 JSON at
 * |json|, borrowed) back into an evidence value in *|pev|. Fields added by
 * later versions are ignored; fields this version writes must be present
 * and well-typed. On failure returns RDPNEG_ERR_BAD_FILE (not JSON, not
 * rdpneg.probe/1, or a field of the wrong type) or RDPNEG_ERR_NOMEM and
 * writes "line N, column M: <what>" or "<field>: <what>" into |err|
 * (|errlen| bytes; may be NULL/0). */
RDPNEG_EXTERN int rdpneg_evidence_parse(const char *json, size_t len,
                                        rdpneg_evidence **pev, char *err,
                                        size_t errlen);

/* Frees |ev| (NULL is a no-op). */
RDPNEG_EXTERN void rdpneg_evidence_free(rdpneg_evidence *ev);

/* Number of connections in |ev| (1 for a single session), 0 for NULL. */
RDPNEG_EXTERN int rdpneg_evidence_attempt_count(const rdpneg_evidence *ev);

/* Convenience: the evidence of |sess| as one JSON document (schema
 * "rdpneg.probe/1") with the built-in diagnosis, in a newly allocated
 * NUL-terminated string stored in *|pjson| (free with rdpneg_free());
 * *|plen| (may be NULL) gets its length. Same as rdpneg_session_evidence
 * followed by rdpneg_evidence_json(ev, NULL, ...). Returns 0,
 * RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_session_json(const rdpneg_session *sess, char **pjson,
                                      size_t *plen);

/* Convenience: the human-readable report of |sess|, like
 * rdpneg_session_json (rdpneg_evidence_report with the built-in
 * diagnosis). */
RDPNEG_EXTERN int rdpneg_session_report(const rdpneg_session *sess,
                                        char **ptext, size_t *plen);

/* Frees memory returned by the library (NULL is a no-op). */
RDPNEG_EXTERN void rdpneg_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* RDPNEG_H */
