/* SPDX-License-Identifier: Apache-2.0 */
/* The sans-I/O session: TCP -> X.224 -> TLS -> NLA, evidence per phase. */
#include "core/session.h"
#include "core/session_mcs.h"
#include "core/session_nla.h"

#include <rdpneg/rdpneg_plan.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#define MS(x) ((rdpneg_tstamp)(x)*1000000u)

static void set_detail(rdpneg_phase_ev *p, const char *fmt, va_list ap) {
  if (fmt)
    vsnprintf(p->detail, sizeof p->detail, fmt, ap);
}

static void begin(rdpneg_session *s, rdpneg_phase ph, rdpneg_tstamp ts,
                  int64_t timeout_ms) {
  s->ph[ph].started = 1;
  s->ph[ph].start = ts;
  s->ph[ph].status = RDPNEG_PHASE_PENDING;
  s->phase_deadline = ts + MS(timeout_ms);
}

static void end(rdpneg_session *s, rdpneg_phase ph, rdpneg_phase_status st,
                int err, rdpneg_tstamp ts, const char *fmt, ...) {
  rdpneg_phase_ev *p = &s->ph[ph];
  if (!p->started) {
    p->started = 1;
    p->start = ts;
  }
  p->status = st;
  p->end = ts;
  p->err = err;
  va_list ap;
  va_start(ap, fmt);
  set_detail(p, fmt, ap);
  va_end(ap);
}

static void skip(rdpneg_session *s, rdpneg_phase ph, const char *why) {
  rdpneg_phase_ev *p = &s->ph[ph];
  if (p->status != RDPNEG_PHASE_PENDING || p->started)
    return;
  p->status = RDPNEG_PHASE_SKIPPED;
  snprintf(p->detail, sizeof p->detail, "%s", why);
}

static void flush_tls(rdpneg_session *s);

/* A buffer holds memory only while it holds bytes: thousands of sessions
 * wait with empty ones. */
static void buf_trim(rdpneg_buf *b) {
  if (b->data && rdpneg_buf_size(b) == 0)
    rdpneg_buf_free(b);
}

/* Ends the session: every phase not reached is skipped; mbedTLS's context
 * and record buffers go at once (the evidence stays). */
static void finish(rdpneg_session *s, const char *why) {
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++)
    skip(s, (rdpneg_phase)i, why);
  if (!s->tls && s->tls_status == RDPNEG_TLS_PENDING)
    s->tls_status = RDPNEG_TLS_SKIPPED;
  if (s->tls) {
    flush_tls(s);
    rdpneg_tls_release(s->tls);
  }
  s->state = S_DONE;
  s->phase_deadline = RDPNEG_TSTAMP_NEVER;
}

RDPNEG_EXTERN int rdpneg_session_new(rdpneg_session **ps,
                                     const rdpneg_config *cfg, const char *host,
                                     uint16_t port) {
  if (!ps || !cfg || !host || !*host || strlen(host) > 253 || port == 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_session *s = calloc(1, sizeof *s);
  if (!s)
    return RDPNEG_ERR_NOMEM;
  s->cfg = rdpneg_config_dup(cfg);
  s->host = malloc(strlen(host) + 1);
  s->msgs = calloc(1, sizeof *s->msgs);
  if (!s->cfg || !s->host || !s->msgs) {
    rdpneg_session_free(s);
    return RDPNEG_ERR_NOMEM;
  }
  memcpy(s->host, host, strlen(host) + 1);
  s->port = port;
  rdpneg_buf_init(&s->in, (size_t)s->cfg->opt[RDPNEG_OPT_MAX_BUFFERED]);
  rdpneg_buf_init(&s->out, 0);
  s->phase_deadline = s->overall_deadline = RDPNEG_TSTAMP_NEVER;
  s->requested = (uint32_t)s->cfg->opt[RDPNEG_OPT_REQUESTED_PROTOCOLS];
  s->sent_neg_req = (int)s->cfg->opt[RDPNEG_OPT_SEND_NEG_REQ];
  s->req_flags = (uint8_t)s->cfg->opt[RDPNEG_OPT_NEG_REQ_FLAGS];
  *ps = s;
  return 0;
}

RDPNEG_EXTERN void rdpneg_session_free(rdpneg_session *s) {
  if (!s)
    return;
  rdpneg_session_nla_free(s);
  rdpneg_tls_free(s->tls);
  rdpneg_config_free(s->cfg);
  free(s->host);
  free(s->msgs);
  rdpneg_buf_free(&s->in);
  rdpneg_buf_free(&s->out);
  mbedtls_platform_zeroize(s, sizeof *s);
  free(s);
}

RDPNEG_EXTERN int rdpneg_session_start(rdpneg_session *s, rdpneg_tstamp ts) {
  if (!s)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (s->state != S_INIT)
    return RDPNEG_ERR_INVALID_STATE;
  s->t_start = ts;
  s->overall_deadline = ts + MS(s->cfg->opt[RDPNEG_OPT_OVERALL_TIMEOUT_MS]);
  s->state = S_TCP;
  begin(s, RDPNEG_PHASE_TCP, ts, s->cfg->opt[RDPNEG_OPT_CONNECT_TIMEOUT_MS]);
  return 0;
}

RDPNEG_EXTERN int rdpneg_session_dns_failed(rdpneg_session *s,
                                            const char *detail,
                                            rdpneg_tstamp ts) {
  if (!s)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (s->state != S_TCP)
    return RDPNEG_ERR_INVALID_STATE;
  s->tcp_status = RDPNEG_TCP_DNS_FAILED;
  end(s, RDPNEG_PHASE_TCP, RDPNEG_PHASE_FAILED, RDPNEG_ERR_DNS, ts,
      "cannot resolve %s: %s", s->host, detail ? detail : "no address");
  finish(s, "not reached: name resolution failed");
  return 0;
}

/* Bytes could not be buffered: they are lost, so the current phase ends
 * here with NOMEM instead of timing out later and blaming the server. */
static void end_nomem(rdpneg_session *s, rdpneg_tstamp ts, const char *why) {
  if (s->state == S_X224) {
    end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED, RDPNEG_ERR_NOMEM, ts, "%s",
        why);
  } else if (s->state == S_TLS) {
    s->tls_status = RDPNEG_TLS_FAILED;
    end(s, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED, RDPNEG_ERR_NOMEM, ts, "%s",
        why);
  } else if (s->state == S_NLA && s->nla) {
    rdpneg_nla_abort(s->nla, RDPNEG_ERR_NOMEM, why);
    rdpneg_session_nla_end_transport(s, 0, ts);
  }
  finish(s, "not reached: out of memory in the probe");
}

static void start_tls(rdpneg_session *s, rdpneg_tstamp ts);

/* Identification of a service that is not RDP: an HTTP request whose
 * answer the X.224 phase records (not TPKT: not_rdp, with its first
 * bytes). */
static int start_http(rdpneg_session *s, rdpneg_tstamp ts) {
  begin(s, RDPNEG_PHASE_X224, ts, s->cfg->opt[RDPNEG_OPT_X224_TIMEOUT_MS]);
  s->state = S_X224;
  int n =
      snprintf((char *)s->cr, sizeof s->cr,
               "GET / HTTP/1.0\r\nHost: %s\r\nUser-Agent: rdpneg/%s\r\n\r\n",
               s->host, RDPNEG_VERSION);
  s->cr_len = n > 0 && (size_t)n < sizeof s->cr ? (size_t)n : 0;
  int rv = rdpneg_buf_append(&s->out, s->cr, s->cr_len);
  if (rv)
    end_nomem(s, ts, "out of memory in the probe: request not sent");
  return rv;
}

static int start_x224(rdpneg_session *s, rdpneg_tstamp ts) {
  if (s->mode == RDPNEG_MODE_HTTP)
    return start_http(s, ts);
  if (s->mode == RDPNEG_MODE_TLS_DIRECT) {
    s->x224_status = RDPNEG_X224_SKIPPED;
    skip(s, RDPNEG_PHASE_X224,
         "not sent: a TLS ClientHello right after connect (identification)");
    start_tls(s, ts);
    return 0;
  }
  rdpneg_x224_req req = {
      .requested = s->requested,
      .send_neg_req = s->sent_neg_req,
      .flags = s->req_flags,
      .cookie = s->cfg->cookie,
      .routing_token = s->cfg->routing_token,
      .correlation_id = s->cfg->has_correlation ? s->cfg->correlation_id : NULL,
  };
  begin(s, RDPNEG_PHASE_X224, ts, s->cfg->opt[RDPNEG_OPT_X224_TIMEOUT_MS]);
  s->state = S_X224;
  rdpneg_ssize n = rdpneg_x224_encode_cr(&req, s->cr, sizeof s->cr);
  if (n < 0) {
    s->x224_status = RDPNEG_X224_MALFORMED;
    end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED, (int)n, ts,
        "cannot encode the Connection Request");
    finish(s, "not reached");
    return (int)n;
  }
  s->cr_len = (size_t)n;
  int rv = rdpneg_buf_append(&s->out, s->cr, s->cr_len);
  if (rv)
    end_nomem(s, ts, "out of memory in the probe: request not sent");
  return rv;
}

RDPNEG_EXTERN int rdpneg_session_tcp_result(rdpneg_session *s,
                                            rdpneg_tcp_status st,
                                            const char *address, int sys_error,
                                            rdpneg_tstamp ts) {
  if (!s)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (s->state != S_TCP)
    return RDPNEG_ERR_INVALID_STATE;
  if (address)
    snprintf(s->address, sizeof s->address, "%s", address);
  s->tcp_sys_error = sys_error;
  s->tcp_status = st;
  rdpneg_msglog_tcp(s->msgs, st,
                    RDPNEG_SINCE_US(s, s->ph[RDPNEG_PHASE_TCP].start),
                    RDPNEG_SINCE_US(s, ts));
  switch (st) {
  case RDPNEG_TCP_OK:
    end(s, RDPNEG_PHASE_TCP, RDPNEG_PHASE_OK, 0, ts, "connected to %s",
        s->address);
    return start_x224(s, ts);
  case RDPNEG_TCP_REFUSED:
    end(s, RDPNEG_PHASE_TCP, RDPNEG_PHASE_FAILED, RDPNEG_ERR_CONNECT_REFUSED,
        ts, "connection refused (RST) by %s", s->address);
    break;
  case RDPNEG_TCP_TIMEOUT:
    end(s, RDPNEG_PHASE_TCP, RDPNEG_PHASE_FAILED, RDPNEG_ERR_CONNECT_TIMEOUT,
        ts, "SYN to %s unanswered", s->address);
    break;
  case RDPNEG_TCP_UNREACHABLE:
    end(s, RDPNEG_PHASE_TCP, RDPNEG_PHASE_FAILED, RDPNEG_ERR_UNREACHABLE, ts,
        "%s unreachable (ICMP error)", s->address);
    break;
  case RDPNEG_TCP_DNS_FAILED:
    return rdpneg_session_dns_failed(s, NULL, ts);
  case RDPNEG_TCP_ERROR:
    end(s, RDPNEG_PHASE_TCP, RDPNEG_PHASE_FAILED, RDPNEG_ERR_TRANSPORT, ts,
        "connect to %s failed (system error %d)", s->address, sys_error);
    break;
  default:
    return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  finish(s, "not reached: TCP connect failed");
  return 0;
}

/* ---- TLS and NLA ---- */

/* Moves TLS output behind the session's; when that cannot grow, the bytes
 * stay in the TLS buffer, which rdpneg_session_write drains next. */
static void flush_tls(rdpneg_session *s) {
  rdpneg_buf *o = rdpneg_tls_output(s->tls);
  if (rdpneg_buf_size(o) &&
      rdpneg_buf_append(&s->out, rdpneg_buf_peek(o), rdpneg_buf_size(o)) == 0)
    rdpneg_buf_consume(o, rdpneg_buf_size(o));
  buf_trim(o);
}

/* Where in the handshake: "after <the server's last message>", in |buf|. */
static const char *hs_place(int t, char *buf, size_t cap) {
  const char *n = rdpneg_tls_hs_name(t);
  if (t < 0)
    return "before any handshake message";
  if (!n)
    return "during the handshake";
  snprintf(buf, cap, "after %s", n);
  return buf;
}

static void tls_failed(rdpneg_session *s, int err, rdpneg_tstamp ts) {
  const rdpneg_tls_hs *ev = rdpneg_tls_hs_evidence(s->tls);
  s->tls_status = ev->status;
  switch (ev->status) {
  case RDPNEG_TLS_ALERT:
    end(s, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED, err, ts,
        "server sent TLS alert %s (%d)%s",
        rdpneg_tls_alert_name(ev->alert_code)
            ? rdpneg_tls_alert_name(ev->alert_code)
            : "unknown",
        ev->alert_code, ev->requires_tls13 ? ": server requires TLS 1.3" : "");
    break;
  case RDPNEG_TLS_NOT_TLS:
    end(s, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED, err, ts,
        "server answered the ClientHello with non-TLS bytes (first byte "
        "0x%02x%s)",
        ev->first_bytes[0],
        ev->first_bytes[0] == 3 ? ": a cleartext TPKT, the server's TLS key "
                                  "or certificate is unusable"
                                : "");
    break;
  case RDPNEG_TLS_CLOSED:
  case RDPNEG_TLS_RESET: {
    char at[48];
    end(s, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED, err, ts,
        "connection %s %s (%zu bytes received)",
        ev->status == RDPNEG_TLS_RESET ? "reset (RST)" : "closed (FIN)",
        hs_place(ev->last_server_msg, at, sizeof at), ev->bytes_received);
    break;
  }
  default:
    end(s, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED, err, ts,
        "TLS handshake failed: %s (mbedTLS -0x%04x)", ev->error,
        (unsigned)-ev->mbedtls_error);
    break;
  }
  finish(s, "not reached: TLS failed");
}

/* The embedding application's certificate policy (RDPNEG_OPT_REJECT_CERT). */
static const char *cert_rejected(const rdpneg_session *s,
                                 const rdpneg_cert_ev *c) {
  int64_t mask = s->cfg->opt[RDPNEG_OPT_REJECT_CERT];
  if (!mask)
    return NULL;
  if (!c)
    return "no certificate";
  if ((mask & RDPNEG_REJECT_EXPIRED) && c->expired)
    return "expired";
  if ((mask & RDPNEG_REJECT_EXPIRED) && c->not_yet_valid)
    return "not yet valid";
  if ((mask & RDPNEG_REJECT_NAME) && !c->hostname_match)
    return "name mismatch";
  if ((mask & RDPNEG_REJECT_UNTRUSTED) && c->trusted == 0)
    return "untrusted";
  if ((mask & RDPNEG_REJECT_NO_ANCHORS) && c->trusted < 0)
    return "no trust anchors configured";
  if ((mask & RDPNEG_REJECT_WEAK_KEY) && c->weak_key)
    return "weak key";
  return NULL;
}

static void tls_pump(rdpneg_session *s, rdpneg_tstamp ts) {
  int rv = rdpneg_tls_handshake(s->tls);
  flush_tls(s);
  if (rv == 0)
    return;
  if (rv < 0) {
    tls_failed(s, rv, ts);
    return;
  }
  const rdpneg_tls_hs *ev = rdpneg_tls_hs_evidence(s->tls);
  const char *why = cert_rejected(s, rdpneg_tls_cert(s->tls));
  if (why) {
    s->tls_status = RDPNEG_TLS_FAILED;
    end(s, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED, RDPNEG_ERR_CERT_REJECTED, ts,
        "%s %s; certificate rejected by policy: %s", ev->version, ev->cipher,
        why);
    rdpneg_tls_close_notify(s->tls);
    flush_tls(s);
    finish(s, "not reached: certificate rejected");
    return;
  }
  s->tls_status = RDPNEG_TLS_OK;
  end(s, RDPNEG_PHASE_TLS, RDPNEG_PHASE_OK, 0, ts, "%s %s", ev->version,
      ev->cipher);
  uint32_t sel = s->cc.neg_value;
  int nla = s->have_cc && s->cc.neg_type == RDPNEG_NEG_TYPE_RSP &&
            (sel == RDPNEG_PROTOCOL_HYBRID || sel == RDPNEG_PROTOCOL_HYBRID_EX);
  if (nla && s->cfg->opt[RDPNEG_OPT_DO_NLA]) {
    s->state = S_NLA;
    begin(s, RDPNEG_PHASE_NLA, ts, s->cfg->opt[RDPNEG_OPT_NLA_TIMEOUT_MS]);
    int ended = rdpneg_session_nla_begin(s, ts);
    if (!ended)
      ended = rdpneg_session_nla_pump(s, ts);
    flush_tls(s);
    if (ended)
      finish(s, "");
    return;
  }
  rdpneg_tls_close_notify(s->tls);
  flush_tls(s);
  finish(s, nla ? "NLA not requested"
                : "server did not select HYBRID or HYBRID_EX");
}

static void start_tls(rdpneg_session *s, rdpneg_tstamp ts) {
  rdpneg_tls_params p = {
      .sni = s->cfg->sni ? s->cfg->sni : s->host,
      .name = s->cfg->sni ? s->cfg->sni : s->host,
      .min_version = (int)s->cfg->opt[RDPNEG_OPT_TLS_MIN],
      .max_version = (int)s->cfg->opt[RDPNEG_OPT_TLS_MAX],
      .ca = s->cfg->ca,
      .ca_len = s->cfg->ca_len,
      .now_unix = s->cfg->opt[RDPNEG_OPT_NOW_UNIX],
      .warn_days = (int)s->cfg->opt[RDPNEG_OPT_WARN_DAYS],
  };
  s->state = S_TLS;
  begin(s, RDPNEG_PHASE_TLS, ts, s->cfg->opt[RDPNEG_OPT_TLS_TIMEOUT_MS]);
  int rv = rdpneg_tls_new(&s->tls, &p);
  if (rv) {
    s->tls_status = RDPNEG_TLS_FAILED;
    end(s, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED, rv, ts,
        "cannot set up TLS: %s", rdpneg_strerror(rv));
    finish(s, "not reached");
    return;
  }
  /* bytes the server sent right after the confirm belong to TLS */
  if (rdpneg_buf_size(&s->in)) {
    rv = rdpneg_tls_input(s->tls, rdpneg_buf_peek(&s->in),
                          rdpneg_buf_size(&s->in));
    rdpneg_buf_consume(&s->in, rdpneg_buf_size(&s->in));
    buf_trim(&s->in);
    if (rv) {
      end_nomem(s, ts, "out of memory in the probe while reading");
      return;
    }
  }
  tls_pump(s, ts);
}

/* ---- MCS (Standard RDP Security, RDPNEG_OPT_DO_MCS; session_mcs.c) ---- */

static void mcs_finish(rdpneg_session *s) {
  finish(s, s->cc.has_neg
                ? "not reached: server selected Standard RDP Security"
                : "not reached: legacy server (Standard RDP Security)");
}

/* After a confirm that leaves the connection on Standard RDP Security: the
 * MCS exchange when asked for. Returns 1 when it runs (or already ran). */
static int mcs_start(rdpneg_session *s, rdpneg_tstamp ts) {
  if (!rdpneg_session_mcs_wanted(s))
    return 0;
  s->state = S_MCS;
  s->phase_deadline = ts + MS(s->cfg->opt[RDPNEG_OPT_X224_TIMEOUT_MS]);
  if (rdpneg_session_mcs_begin(s, ts))
    mcs_finish(s);
  return 1;
}

/* ---- X.224 ---- */

static int failure_err(uint32_t code) {
  switch (code) {
  case 1:
    return RDPNEG_ERR_NEG_SSL_REQUIRED;
  case 2:
    return RDPNEG_ERR_NEG_SSL_NOT_ALLOWED;
  case 3:
    return RDPNEG_ERR_NEG_SSL_CERT_NOT_ON_SERVER;
  case 4:
    return RDPNEG_ERR_NEG_INCONSISTENT_FLAGS;
  case 5:
    return RDPNEG_ERR_NEG_HYBRID_REQUIRED;
  case 6:
    return RDPNEG_ERR_NEG_SSL_WITH_USER_AUTH_REQUIRED;
  }
  return RDPNEG_ERR_NEG_UNKNOWN_FAILURE;
}

static void x224_input(rdpneg_session *s, rdpneg_tstamp ts) {
  const uint8_t *p = rdpneg_buf_peek(&s->in);
  size_t n = rdpneg_buf_size(&s->in);
  rdpneg_ssize fl = rdpneg_x224_tpkt_frame(p, n);
  const char *why = NULL;
  if (fl == 0) {
    int rv = rdpneg_x224_answer_check(p, n, &why);
    if (rv) {
      s->x224_status = RDPNEG_X224_MALFORMED;
      end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED, rv, ts,
          "%s (TPDU code 0x%02x, length indicator %u, TPKT length %u)", why,
          p[5], (unsigned)p[4], (unsigned)(p[2] << 8 | p[3]));
      finish(s, "not reached: malformed confirm");
    }
    return;
  }
  if (fl == RDPNEG_ERR_NOT_RDP) {
    s->x224_status = RDPNEG_X224_NOT_RDP;
    end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED, RDPNEG_ERR_NOT_RDP, ts,
        "server answered with bytes that are not TPKT (first byte 0x%02x)",
        p[0]);
    finish(s, "not reached: not an RDP server");
    return;
  }
  if (fl < 0) {
    s->x224_status = RDPNEG_X224_MALFORMED;
    end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED, (int)fl, ts,
        "bad TPKT header (length %u)",
        n >= 4 ? (unsigned)(p[2] << 8 | p[3]) : 0u);
    finish(s, "not reached: malformed confirm");
    return;
  }
  s->cc_raw_len = (size_t)fl < sizeof s->cc_raw ? (size_t)fl : sizeof s->cc_raw;
  memcpy(s->cc_raw, p, s->cc_raw_len);
  int rv = rdpneg_x224_decode(p, (size_t)fl, 0, &s->cc, &why);
  rdpneg_buf_consume(&s->in, (size_t)fl);
  buf_trim(&s->in);
  if (rv) {
    s->x224_status = RDPNEG_X224_MALFORMED;
    end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED, rv, ts, "%s", why);
    finish(s, "not reached: malformed confirm");
    return;
  }
  s->have_cc = 1;
  if (!s->cc.has_neg) {
    s->x224_status = RDPNEG_X224_LEGACY;
    end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_OK, 0, ts,
        "Connection Confirm without negotiation data: legacy server, "
        "Standard RDP Security");
    if (mcs_start(s, ts))
      return;
    finish(s, "not reached: legacy server (Standard RDP Security)");
    return;
  }
  if (s->cc.neg_type == RDPNEG_NEG_TYPE_FAILURE) {
    s->x224_status = RDPNEG_X224_FAILURE;
    const char *fn = rdpneg_failure_name(s->cc.neg_value);
    end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED, failure_err(s->cc.neg_value),
        ts, "RDP_NEG_FAILURE %s (%u)", fn ? fn : "unknown",
        (unsigned)s->cc.neg_value);
    finish(s, "not reached: negotiation failed");
    return;
  }
  s->x224_status = RDPNEG_X224_OK;
  uint32_t sel = s->cc.neg_value;
  const char *sn = rdpneg_protocol_name(sel);
  if (sel != RDPNEG_PROTOCOL_RDP && !(sel & s->requested))
    s->unexpected_protocol = 1;
  end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_OK,
      s->unexpected_protocol ? RDPNEG_ERR_NEG_UNEXPECTED_PROTOCOL : 0, ts,
      "server selected %s%s", sn ? sn : "an unknown protocol",
      s->unexpected_protocol ? " (not requested)" : "");
  if (sel == RDPNEG_PROTOCOL_SSL || sel == RDPNEG_PROTOCOL_HYBRID ||
      sel == RDPNEG_PROTOCOL_HYBRID_EX) {
    if (s->cfg->opt[RDPNEG_OPT_DO_TLS]) {
      start_tls(s, ts);
      return;
    }
    finish(s, "TLS not requested");
    return;
  }
  if (sel == RDPNEG_PROTOCOL_RDP && mcs_start(s, ts))
    return;
  finish(s, sel == RDPNEG_PROTOCOL_RDP
                ? "not reached: server selected Standard RDP Security"
                : "not reached: protocol not analysed by this version");
}

RDPNEG_EXTERN rdpneg_ssize rdpneg_session_read(rdpneg_session *s,
                                               const uint8_t *data, size_t len,
                                               rdpneg_tstamp ts) {
  if (!s || (!data && len))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (s->state == S_DONE || s->state == S_INIT || s->state == S_TCP)
    return RDPNEG_ERR_INVALID_STATE;
  if (len == 0)
    return 0;
  rdpneg_msglog_bytes(s->msgs, RDPNEG_MSG_S2C, data, len,
                      RDPNEG_SINCE_US(s, ts), s->nla != NULL);
  if (s->rx_first_len < sizeof s->rx_first) {
    size_t c = sizeof s->rx_first - s->rx_first_len;
    c = c < len ? c : len;
    memcpy(s->rx_first + s->rx_first_len, data, c);
    s->rx_first_len += c;
  }
  s->rx_total += len;
  size_t total = len;
  /* One read may complete the confirm and carry the start of the next
   * phase (or much more than the X.224 buffer limit): consume it in steps
   * and hand whatever follows to the phase that is current then. */
  while (len > 0 && s->state != S_DONE) {
    int rv;
    if (s->state == S_X224) {
      size_t room = s->in.limit - rdpneg_buf_size(&s->in);
      size_t take = len < room ? len : room;
      rv = rdpneg_buf_append(&s->in, data, take);
      if (rv) {
        if (rv == RDPNEG_ERR_NOMEM)
          end_nomem(s, ts, "out of memory in the probe while reading");
        return rv;
      }
      data += take;
      len -= take;
      x224_input(s, ts);
      if (s->state == S_X224 && rdpneg_buf_size(&s->in) >= s->in.limit) {
        /* a "confirm" that does not fit: no RDP server sends that */
        s->x224_status = RDPNEG_X224_MALFORMED;
        end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED, RDPNEG_ERR_NOBUF, ts,
            "no complete Connection Confirm in the first %zu bytes",
            rdpneg_buf_size(&s->in));
        finish(s, "not reached: malformed confirm");
      }
      continue;
    }
    if (s->state == S_MCS) {
      rv = rdpneg_session_mcs_input(s, data, len, ts);
      if (rv < 0)
        return rv;
      len = 0;
      if (rv)
        mcs_finish(s);
      continue;
    }
    rv = rdpneg_tls_input(s->tls, data, len);
    if (rv) {
      if (rv == RDPNEG_ERR_NOMEM)
        end_nomem(s, ts, "out of memory in the probe while reading");
      return rv;
    }
    len = 0;
    if (s->state == S_TLS) {
      tls_pump(s, ts);
    } else {
      int ended = rdpneg_session_nla_pump(s, ts);
      flush_tls(s);
      if (ended)
        finish(s, "");
    }
  }
  /* bytes behind the end (a close_notify coalesced with the last record)
   * are not evidence: the count must not depend on how reads split */
  s->rx_total -= len;
  return (rdpneg_ssize)total;
}

RDPNEG_EXTERN rdpneg_ssize rdpneg_session_write(rdpneg_session *s,
                                                uint8_t *dest, size_t cap,
                                                rdpneg_tstamp ts) {
  if (!s || (!dest && cap))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  size_t n = rdpneg_buf_take(&s->out, dest, cap);
  buf_trim(&s->out);
  if (s->tls && n < cap) { /* what flush_tls could not move */
    n += rdpneg_buf_take(rdpneg_tls_output(s->tls), dest + n, cap - n);
    buf_trim(rdpneg_tls_output(s->tls));
  }
  rdpneg_msglog_bytes(s->msgs, RDPNEG_MSG_C2S, dest, n, RDPNEG_SINCE_US(s, ts),
                      s->nla != NULL);
  return (rdpneg_ssize)n;
}

RDPNEG_EXTERN int rdpneg_session_transport_closed(rdpneg_session *s,
                                                  rdpneg_close_reason reason,
                                                  int sys_error,
                                                  rdpneg_tstamp ts) {
  if (!s)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  int reset = reason != RDPNEG_CLOSE_EOF;
  if (s->state != S_DONE && s->state != S_INIT && s->state != S_TCP)
    rdpneg_msglog_event(s->msgs, RDPNEG_MSG_S2C, reset ? "RST" : "FIN",
                        RDPNEG_SINCE_US(s, ts));
  switch (s->state) {
  case S_X224: {
    size_t have = rdpneg_buf_size(&s->in);
    s->x224_status = reset ? RDPNEG_X224_RESET : RDPNEG_X224_CLOSED;
    end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED,
        reset ? RDPNEG_ERR_PEER_RESET : RDPNEG_ERR_PEER_CLOSED, ts,
        "server %s the connection %s (%zu bytes received%s)",
        reset ? "reset" : "closed",
        have ? "in the middle of the confirm" : "before the confirm", have,
        reason == RDPNEG_CLOSE_ERROR ? ", socket error" : "");
    (void)sys_error;
    finish(s, "not reached: connection ended during X.224");
    break;
  }
  case S_TLS:
    rdpneg_tls_transport_end(s->tls, reset);
    tls_pump(s, ts);
    if (s->state == S_TLS) {
      /* mbedTLS still waiting: treat as closed */
      int err = rdpneg_tls_handshake(s->tls);
      tls_failed(s, err < 0 ? err : RDPNEG_ERR_PEER_CLOSED, ts);
    }
    break;
  case S_NLA:
    rdpneg_tls_transport_end(s->tls, reset);
    if (!rdpneg_session_nla_pump(s, ts))
      rdpneg_session_nla_end_transport(s, reset, ts);
    finish(s, "");
    break;
  case S_MCS:
    rdpneg_session_mcs_closed(s, reset, ts);
    mcs_finish(s);
    break;
  default:
    break;
  }
  return 0;
}

RDPNEG_EXTERN rdpneg_tstamp rdpneg_session_expiry(const rdpneg_session *s) {
  if (!s || s->state == S_DONE || s->state == S_INIT)
    return RDPNEG_TSTAMP_NEVER;
  return s->phase_deadline < s->overall_deadline ? s->phase_deadline
                                                 : s->overall_deadline;
}

static void timeout(rdpneg_session *s, rdpneg_tstamp ts, int cancelled) {
  int err = cancelled ? RDPNEG_ERR_CANCELLED : RDPNEG_ERR_TIMEOUT;
  const char *what = cancelled ? "cancelled" : "no answer within the deadline";
  double waited = (double)(ts - s->ph[s->state == S_TCP    ? RDPNEG_PHASE_TCP
                                      : s->state == S_X224 ? RDPNEG_PHASE_X224
                                      : s->state == S_TLS  ? RDPNEG_PHASE_TLS
                                                           : RDPNEG_PHASE_NLA]
                                    .start) /
                  1e6;
  switch (s->state) {
  case S_TCP:
    if (!cancelled)
      s->tcp_status = RDPNEG_TCP_TIMEOUT;
    end(s, RDPNEG_PHASE_TCP, RDPNEG_PHASE_FAILED,
        cancelled ? err : RDPNEG_ERR_CONNECT_TIMEOUT, ts,
        "%s: TCP connect not completed after %.0f ms", what, waited);
    finish(s, "not reached: TCP connect did not complete");
    break;
  case S_X224:
    s->x224_status = RDPNEG_X224_TIMEOUT;
    end(s, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED, err, ts,
        "%s: no Connection Confirm after %.0f ms (%zu bytes received)", what,
        waited, rdpneg_buf_size(&s->in));
    finish(s, "not reached: no Connection Confirm");
    break;
  case S_TLS: {
    rdpneg_tls_stalled(s->tls);
    const rdpneg_tls_hs *ev = rdpneg_tls_hs_evidence(s->tls);
    s->tls_status = RDPNEG_TLS_STALLED;
    char at[48];
    end(s, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED, err, ts,
        "%s: TLS handshake stalled %s after %.0f ms (%zu bytes received)", what,
        hs_place(ev->last_server_msg, at, sizeof at), waited,
        ev->bytes_received);
    finish(s, "not reached: TLS handshake stalled");
    break;
  }
  case S_NLA:
    rdpneg_session_nla_timeout(s, ts);
    finish(s, "");
    break;
  case S_MCS:
    rdpneg_session_mcs_timeout(s, cancelled, ts);
    mcs_finish(s);
    break;
  }
  if (cancelled)
    s->cancelled = 1;
}

RDPNEG_EXTERN int rdpneg_session_handle_expiry(rdpneg_session *s,
                                               rdpneg_tstamp ts) {
  if (!s)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (s->state == S_DONE || s->state == S_INIT)
    return 0;
  if (ts >= rdpneg_session_expiry(s))
    timeout(s, ts, 0);
  return 0;
}

RDPNEG_EXTERN int rdpneg_session_cancel(rdpneg_session *s, rdpneg_tstamp ts) {
  if (!s)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (s->state == S_DONE)
    return 0;
  if (s->state == S_INIT) {
    s->cancelled = 1;
    finish(s, "cancelled");
    return 0;
  }
  timeout(s, ts, 1);
  return 0;
}

RDPNEG_EXTERN int rdpneg_session_done(const rdpneg_session *s) {
  return s && s->state == S_DONE;
}

RDPNEG_EXTERN int rdpneg_session_want_read(const rdpneg_session *s) {
  return s && (s->state == S_X224 || s->state == S_TLS || s->state == S_NLA ||
               s->state == S_MCS);
}
