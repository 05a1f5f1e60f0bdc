/* SPDX-License-Identifier: Apache-2.0 */
/*
 * librdpneg - the one table of library error codes.
 *
 * Each row: XX(NAME, value, category, "message"). The constants
 * RDPNEG_ERR_<NAME>, rdpneg_strerror(), rdpneg_err_name() and the binding
 * tables are all expanded from this list. Values are fixed forever; the bands
 * are: -100 usage, -200 transport and framing, -300 negotiation, -400 TLS and
 * certificates, -500 CredSSP/SPNEGO/NTLM protocol, -600 authentication
 * outcome, -900 fatal internal.
 */
#ifndef RDPNEG_ERRORS_H
#define RDPNEG_ERRORS_H

/* clang-format off */
#define RDPNEG_ERR_MAP(XX)                                                     \
  XX(INVALID_ARGUMENT, -101, USAGE, "invalid argument")                        \
  XX(INVALID_STATE, -102, USAGE, "operation not valid in this state")          \
  XX(NOBUF, -103, USAGE, "input exceeds the configured buffer limit")          \
  XX(UNSUPPORTED, -104, USAGE, "not supported by this build")                  \
  XX(CANCELLED, -105, USAGE, "probe was cancelled")                            \
  XX(BAD_FILE, -106, USAGE, "file could not be read or parsed")                \
  XX(TPKT_MALFORMED, -201, TRANSPORT, "malformed TPKT header")                 \
  XX(X224_MALFORMED, -202, TRANSPORT, "malformed X.224 PDU")                   \
  XX(NOT_RDP, -203, TRANSPORT, "peer answered with bytes that are not RDP")    \
  XX(PEER_CLOSED, -204, TRANSPORT, "peer closed the connection")               \
  XX(PEER_RESET, -205, TRANSPORT, "peer reset the connection")                 \
  XX(TIMEOUT, -206, TRANSPORT, "no answer within the deadline")                \
  XX(CONNECT_REFUSED, -207, TRANSPORT, "connection refused")                   \
  XX(CONNECT_TIMEOUT, -208, TRANSPORT, "TCP connect timed out")                \
  XX(UNREACHABLE, -209, TRANSPORT, "host or network unreachable")             \
  XX(DNS, -210, TRANSPORT, "host name could not be resolved")                  \
  XX(TRANSPORT, -211, TRANSPORT, "other transport error")                      \
  XX(NEG_SSL_REQUIRED, -301, NEGOTIATION, "server requires TLS (SSL_REQUIRED_BY_SERVER)") \
  XX(NEG_SSL_NOT_ALLOWED, -302, NEGOTIATION, "server does not allow TLS (SSL_NOT_ALLOWED_BY_SERVER)") \
  XX(NEG_SSL_CERT_NOT_ON_SERVER, -303, NEGOTIATION, "server has no certificate (SSL_CERT_NOT_ON_SERVER)") \
  XX(NEG_INCONSISTENT_FLAGS, -304, NEGOTIATION, "inconsistent flags (INCONSISTENT_FLAGS)") \
  XX(NEG_HYBRID_REQUIRED, -305, NEGOTIATION, "server requires NLA (HYBRID_REQUIRED_BY_SERVER)") \
  XX(NEG_SSL_WITH_USER_AUTH_REQUIRED, -306, NEGOTIATION, "server requires TLS client authentication (SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER)") \
  XX(NEG_UNKNOWN_FAILURE, -307, NEGOTIATION, "unknown RDP_NEG_FAILURE code")   \
  XX(NEG_UNEXPECTED_PROTOCOL, -308, NEGOTIATION, "server selected a protocol that was not requested") \
  XX(TLS_HANDSHAKE, -401, TLS, "TLS handshake failed")                         \
  XX(TLS_ALERT, -402, TLS, "server sent a TLS alert")                          \
  XX(NOT_TLS, -403, TLS, "server answered the ClientHello with non-TLS bytes") \
  XX(TLS13_REQUIRED, -404, TLS, "server requires TLS 1.3")                     \
  XX(CERT_REJECTED, -405, TLS, "server certificate rejected by policy")       \
  XX(TSREQUEST_MALFORMED, -501, CREDSSP, "malformed CredSSP TSRequest")        \
  XX(NTLM_MALFORMED, -502, CREDSSP, "malformed NTLM message")                  \
  XX(SPNEGO_MALFORMED, -503, CREDSSP, "malformed SPNEGO token")                \
  XX(PUBKEY_MISMATCH, -504, CREDSSP, "CredSSP public-key binding did not verify") \
  XX(CREDSSP_VERSION, -505, CREDSSP, "unsupported CredSSP version")            \
  XX(AUTH_FAILED, -601, AUTH, "server rejected the credentials")               \
  XX(AUTH_ACCESS_DENIED, -602, AUTH, "user authenticated but access denied")   \
  XX(AUTH_CLOSED, -603, AUTH, "server closed after AUTHENTICATE without a reason") \
  XX(NOMEM, -901, INTERNAL, "out of memory")                                   \
  XX(INTERNAL, -902, INTERNAL, "internal error")                               \
  XX(CRYPTO, -903, INTERNAL, "crypto backend failure")
/* clang-format on */

#endif /* RDPNEG_ERRORS_H */
