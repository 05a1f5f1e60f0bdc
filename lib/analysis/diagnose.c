/* SPDX-License-Identifier: Apache-2.0 */
/* Evidence -> findings (pure): which cause, how sure, what was seen. */
#include "analysis/cause_ids.h"
#include "analysis/diagnose.h"
#include "analysis/diagnose_internal.h"
#include "analysis/diagnose_profile.h"
#include "analysis/tax_internal.h"
#include "base/json.h"
#include "core/evidence.h"
#include "proto/nla.h"
#include "proto/tls.h"
#include "proto/x224.h"

#include <rdpneg/rdpneg_diagnosis.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLOCK_SKEW_LIMIT_S 300 /* Kerberos default tolerance, 5 minutes */

static const char *const sev_order[] = {"failing", "degraded", "info"};
static const char *const phase_order[] = {"dns", "tcp", "x224", "tls", "nla"};

static int rank(const char *v, const char *const *tab, int n) {
  for (int i = 0; i < n; i++)
    if (!strcmp(v, tab[i]))
      return i;
  return n;
}

#define add rdpneg_diag_add

void rdpneg_diag_add(rdpneg_diagnosis *d, int cid, const char *phase,
                     const char *severity, const char *confidence,
                     const char *fmt, ...) {
  if (d->n >= RDPNEG_DIAG_MAX_FINDINGS || !rdpneg_cid_str(cid))
    return;
  finding *f = &d->f[d->n];
  memset(f, 0, sizeof *f);
  f->order = d->n++;
  f->seen = f->seen_of = 1;
  f->cid = cid;
  f->cause = rdpneg_cid_str(cid);
  f->phase = phase;
  /* the catalogue's default severity unless the rule overrides it */
  int ci = cid;
  f->severity = severity  ? severity
                : ci >= 0 ? rdpneg_cause_severity(ci)
                          : "failing";
  f->confidence = confidence;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->evidence, sizeof f->evidence, fmt, ap);
  va_end(ap);
}

static int cmp_finding(const void *a, const void *b) {
  const finding *x = a, *y = b;
  int r = rank(x->severity, sev_order, 3) - rank(y->severity, sev_order, 3);
  if (r)
    return r;
  r = rank(x->phase, phase_order, 5) - rank(y->phase, phase_order, 5);
  return r ? r : x->order - y->order; /* stable: rule order */
}

void rdpneg_diag_remove(rdpneg_diagnosis *d, int i) {
  if (i < 0 || i >= d->n)
    return;
  memmove(&d->f[i], &d->f[i + 1], (size_t)(d->n - i - 1) * sizeof d->f[0]);
  d->n--;
}

int rdpneg_diag_find(const rdpneg_diagnosis *d, int cid) {
  for (int i = 0; i < d->n; i++)
    if (d->f[i].cid == cid)
      return i;
  return -1;
}

static double phase_ms(const rdpneg_attempt_ev *s, rdpneg_phase ph) {
  return s->ph[ph].us < 0 ? 0.0 : (double)s->ph[ph].us / 1e3;
}

static void tcp_rules(rdpneg_diagnosis *d, const rdpneg_attempt_ev *s) {
  const char *a = s->address[0] ? s->address : s->host;
  double ms = phase_ms(s, RDPNEG_PHASE_TCP);
  switch (s->tcp_status) {
  case RDPNEG_TCP_DNS_FAILED:
    add(d, RDPNEG_CID_DNS_FAILURE, "dns", NULL, "high", "%s",
        s->ph[RDPNEG_PHASE_TCP].detail);
    break;
  case RDPNEG_TCP_REFUSED:
    add(d, RDPNEG_CID_PORT_CLOSED, "tcp", NULL, "high",
        "TCP connect to %s port %u answered with RST (connection refused) "
        "after %.1f ms: nothing listens there, or a firewall rejects with "
        "a reset",
        a, s->port, ms);
    break;
  case RDPNEG_TCP_TIMEOUT:
    /* Linux sends the SYN again after 1 s and 3 s: a shorter wait saw one
     * or two SYNs, which one lost packet or a full listen queue explains */
    add(d, RDPNEG_CID_PORT_FILTERED, "tcp", NULL,
        ms >= 3000 ? "high" : "medium",
        "SYN to %s port %u unanswered for %.0f ms (no SYN-ACK, no RST, no "
        "ICMP): packets are dropped on the way%s",
        a, s->port, ms,
        ms >= 3000 ? ""
                   : "; the wait was too short for SYN retransmissions, so "
                     "a lost SYN or a full listen queue would look the same");
    break;
  case RDPNEG_TCP_OK:
    if (ms >= 900)
      add(d, RDPNEG_CID_INTERMITTENT_PATH, "tcp", "info", "medium",
          "the TCP connect to %s port %u took %.0f ms: the first SYN went "
          "unanswered and a retransmission got through (a lost packet or a "
          "listen queue that was full): not a filtered port",
          a, s->port, ms);
    break;
  case RDPNEG_TCP_UNREACHABLE:
    add(d, RDPNEG_CID_HOST_UNREACHABLE, "tcp", NULL, "high",
        "connect to %s port %u failed with an ICMP unreachable/prohibited "
        "error (system error %d) after %.1f ms",
        a, s->port, s->tcp_sys_error, ms);
    break;
  case RDPNEG_TCP_ERROR:
    add(d, RDPNEG_CID_HOST_UNREACHABLE, "tcp", NULL, "low",
        "connect to %s port %u failed (system error %d)", a, s->port,
        s->tcp_sys_error);
    break;
  default:
    break;
  }
}

static void x224_rules(rdpneg_diagnosis *d, const rdpneg_attempt_ev *s) {
  double ms = phase_ms(s, RDPNEG_PHASE_X224);
  char req[64];
  if (s->sent_neg_req)
    snprintf(req, sizeof req, "requestedProtocols 0x%08x",
             (unsigned)s->requested);
  else
    snprintf(req, sizeof req, "a Connection Request without RDP_NEG_REQ");
  switch (s->x224_status) {
  case RDPNEG_X224_NOT_RDP: {
    char b[65];
    rdpneg_printable_prefix(s->rx_first, s->rx_first_len, b, sizeof b);
    /* name what speaks first, where its first bytes say so */
    const char *what = "";
    if (s->rx_first_len >= 4 && !memcmp(s->rx_first, "SSH-", 4))
      what = "an SSH server: ";
    else if (s->rx_first_len >= 5 && !memcmp(s->rx_first, "HTTP/", 5))
      what = "an HTTP server: ";
    else if (s->rx_first_len >= 3 &&
             (s->rx_first[0] == 0x15 || s->rx_first[0] == 0x16) &&
             s->rx_first[1] == 3)
      what = "a TLS service: ";
    else if (s->rx_first_len >= 4 && (!memcmp(s->rx_first, "220 ", 4) ||
                                      !memcmp(s->rx_first, "220-", 4)))
      what = "an FTP or mail server: ";
    add(d, RDPNEG_CID_NOT_RDP, "x224", NULL, "high",
        "the service on port %u is not an RDP listener: %sit answered the "
        "X.224 Connection Request with bytes that are not TPKT (first byte "
        "0x%02x, text \"%s\")",
        s->port, what, s->rx_first_len ? s->rx_first[0] : 0, b);
    break;
  }
  case RDPNEG_X224_MALFORMED:
    add(d, RDPNEG_CID_NOT_RDP, "x224", NULL, "medium",
        "the answer to the Connection Request is not a valid X.224 "
        "Connection Confirm: %s",
        s->ph[RDPNEG_PHASE_X224].detail);
    break;
  case RDPNEG_X224_TIMEOUT:
    add(d, RDPNEG_CID_SERVER_SILENT, "x224", NULL, "high",
        "TCP connected, but no Connection Confirm came within %.0f ms "
        "(%zu bytes received): the server or a device on the path holds "
        "the connection without answering",
        ms, s->rx_total);
    break;
  case RDPNEG_X224_CLOSED:
  case RDPNEG_X224_RESET:
    add(d, RDPNEG_CID_CONNECTION_RESET, "x224", NULL, "high",
        "the connection was %s %.1f ms after the Connection Request (%s), "
        "before any Connection Confirm, by the server or a device on the "
        "path",
        s->x224_status == RDPNEG_X224_RESET ? "reset" : "closed (FIN)", ms,
        req);
    break;
  case RDPNEG_X224_LEGACY:
    if (!s->sent_neg_req && s->mcs_ran && s->mcs.status == RDPNEG_MCS_OK)
      /* a plain confirm is the right answer to a plain request: this says
       * the server accepts legacy clients, not that it is one */
      add(d, RDPNEG_CID_LEGACY_CLIENT_ACCEPTED, "x224", NULL, "high",
          "a Connection Request without RDP_NEG_REQ (a legacy client) got a "
          "Connection Confirm and an MCS Connect Response: the server lets "
          "such a client use Standard RDP Security instead of refusing it");
    else if (!s->sent_neg_req && s->mcs_ran &&
             s->mcs.status != RDPNEG_MCS_CANCELLED &&
             s->mcs.status != RDPNEG_MCS_PENDING)
      /* xrdp confirms a plain request and refuses it only at MCS: the
       * confirm alone does not say the legacy client gets in */
      add(d, RDPNEG_CID_TLS_REQUIRED_BY_SERVER, "x224", NULL,
          s->mcs.status == RDPNEG_MCS_REFUSED ? "high" : "medium",
          "a Connection Request without RDP_NEG_REQ (a legacy client) got a "
          "Connection Confirm, but the MCS Connect Initial that follows did "
          "not get a Connect Response (%s): %s does not let a client that "
          "does not negotiate use Standard RDP Security",
          s->mcs.detail[0] ? s->mcs.detail : "no answer",
          s->mcs.status == RDPNEG_MCS_REFUSED
              ? "the server (an MCS Disconnect Provider Ultimatum comes from "
                "the RDP stack)"
              : "the server, or a device on the path,");
    else if (!s->sent_neg_req)
      add(d, RDPNEG_CID_LEGACY_CLIENT_ACCEPTED, "x224", NULL, "medium",
          "a Connection Request without RDP_NEG_REQ (a legacy client) got a "
          "Connection Confirm, which MS-RDPBCGR gives only to a server that "
          "accepts such a client; the probe did not go on to the MCS "
          "Connect Initial, so it did not see Standard RDP Security "
          "actually start (xrdp confirms and refuses there; --enumerate "
          "checks it)");
    else
      add(d, RDPNEG_CID_LEGACY_SERVER, "x224", NULL, "high",
          "the Connection Confirm carries no RDP_NEG_RSP (answer to %s): the "
          "server only speaks Standard RDP Security",
          req);
    break;
  case RDPNEG_X224_FAILURE: {
    uint32_t code = s->neg_value;
    const char *name = rdpneg_failure_name(code);
    /* the connection attempt ended here: failing, whatever the cause's
     * default severity (SSL_NOT_ALLOWED is only degraded when the server
     * answers with PROTOCOL_RDP instead) */
    int cid = rdpneg_cid_of_code(RDPNEG_KIND_NEG_FAILURE, code);
    /* the attempt ended here: failing, except SSL_NOT_ALLOWED_BY_SERVER,
     * which says what an RDP_NEG_RSP selecting PROTOCOL_RDP says (xrdp
     * answers that way for the same configuration): Standard RDP Security
     * only, which a client that allows it still gets. Degraded in both. */
    add(d, cid >= 0 ? cid : RDPNEG_CID_NOT_RDP, "x224",
        code == RDPNEG_FAILURE_SSL_NOT_ALLOWED_BY_SERVER ? "degraded"
                                                         : "failing",
        "high", "RDP_NEG_FAILURE failureCode %u (%s) in answer to %s",
        (unsigned)code, name ? name : "unknown", req);
    break;
  }
  case RDPNEG_X224_OK:
    if (s->unexpected_protocol)
      add(d, RDPNEG_CID_NEG_UNEXPECTED_PROTOCOL, "x224", NULL, "high",
          "the server selected protocol 0x%08x, which %s did not offer",
          (unsigned)s->neg_value, req);
    if (s->neg_value == RDPNEG_PROTOCOL_RDP && s->requested != 0)
      add(d, RDPNEG_CID_TLS_NOT_ALLOWED_BY_SERVER, "x224", "degraded", "high",
          "the server selected PROTOCOL_RDP (Standard RDP Security, no TLS) "
          "although %s offered TLS; xrdp does this instead of sending "
          "SSL_NOT_ALLOWED_BY_SERVER, also when its certificate is missing",
          req);
    break;
  default:
    break;
  }
}

static void cert_rules(rdpneg_diagnosis *d, const rdpneg_attempt_ev *s,
                       const rdpneg_tls_ev *ev);

/* An alert after the server's ServerHello: the version and the cipher were
 * agreed, so it is not their mismatch. After a CertificateRequest that the
 * client answered without a certificate, the alerts a server sends for a
 * missing one (RFC 5246 7.4.6: handshake_failure; RFC 8446 4.4.2.4:
 * certificate_required; bad_certificate, access_denied; facts 7.1) name the
 * requirement; any other alert leaves it possible. */
static void alert_after_hello(rdpneg_diagnosis *d, const rdpneg_tls_ev *ev,
                              const char *an) {
  const char *last = rdpneg_tls_hs_name(ev->last_server_msg);
  if (ev->cert_requested) {
    int c = ev->alert_code;
    add(d, RDPNEG_CID_CLIENT_CERT_REQUIRED, "tls", NULL,
        c == 40 || c == 42 || c == 49 || c == 116 ? "high" : "medium",
        "the server asked for a client certificate (TLS CertificateRequest) "
        "and answered this client's handshake, which carried none, with "
        "alert %s (%d): the server, or a TLS terminator in front of it, "
        "requires certificate-based client authentication",
        an ? an : "?", c);
    return;
  }
  add(d, RDPNEG_CID_TLS_VERSION_MISMATCH, "tls", NULL, "low",
      "the server ended the handshake with alert %s (%d) after its %s, "
      "once its ServerHello had chosen %s%s%s: not a version or cipher "
      "refusal, a failure later in the handshake (key exchange, Finished)",
      an ? an : "?", ev->alert_code, last ? last : "handshake messages",
      ev->version[0] ? ev->version : "the version",
      ev->cipher[0] ? " and " : "", ev->cipher);
}

static void tls_rules(rdpneg_diagnosis *d, const rdpneg_evidence *e,
                      const rdpneg_attempt_ev *s) {
  if (!s->tls_ran)
    return;
  const rdpneg_tls_ev *ev = s->tls;
  const char *an = rdpneg_tls_alert_name(ev->alert_code);
  switch (ev->status) {
  case RDPNEG_TLS_ALERT:
    if (ev->requires_tls13)
      add(d, RDPNEG_CID_TLS1_3_REQUIRED, "tls", NULL, "high",
          "the server answered a ClientHello offering TLS 1.0-1.2 with alert "
          "%s (%d): it accepts only TLS 1.3",
          an ? an : "?", ev->alert_code);
    else if (ev->last_server_msg < 0)
      add(d, RDPNEG_CID_TLS_VERSION_MISMATCH, "tls", NULL,
          ev->alert_code == 80 ? "medium" : "high",
          "the server answered the ClientHello with alert %s (%d) before any "
          "ServerHello: no protocol version / cipher the server can use with "
          "this client (an OpenSSL 3 server limited to TLS 1.0 does this)",
          an ? an : "?", ev->alert_code);
    else
      alert_after_hello(d, ev, an);
    break;
  case RDPNEG_TLS_NOT_TLS:
    if (ev->first_len && ev->first_bytes[0] == 3)
      add(d, RDPNEG_CID_TLS_SERVER_KEY_UNUSABLE, "tls", NULL, "high",
          "the server selected TLS, then answered the ClientHello with a "
          "cleartext TPKT (first bytes %02x %02x %02x %02x): its certificate "
          "or key could not be loaded",
          ev->first_bytes[0], ev->first_bytes[1], ev->first_bytes[2],
          ev->first_bytes[3]);
    else
      add(d, RDPNEG_CID_NOT_RDP, "tls", NULL, "medium",
          "the answer to the ClientHello is not TLS (first byte 0x%02x)",
          ev->first_len ? ev->first_bytes[0] : 0);
    break;
  case RDPNEG_TLS_STALLED:
    add(d, RDPNEG_CID_TLS_STALLED, "tls", NULL, "high",
        "%s: the server or a device on the path holds the handshake",
        s->ph[RDPNEG_PHASE_TLS].detail);
    break;
  case RDPNEG_TLS_CLOSED:
  case RDPNEG_TLS_RESET:
    if (ev->cert_requested) {
      /* what mbedTLS and other servers do after a CertificateRequest
       * answered without a certificate: close, without an alert */
      add(d, RDPNEG_CID_CLIENT_CERT_REQUIRED, "tls", NULL, "medium",
          "%s, after the server asked for a client certificate (TLS "
          "CertificateRequest) and this client's handshake carried none: "
          "the server, or a TLS terminator in front of it, likely requires "
          "certificate-based client authentication (a device on the path "
          "could close the connection too)",
          s->ph[RDPNEG_PHASE_TLS].detail);
      break;
    }
    add(d, RDPNEG_CID_CONNECTION_RESET, "tls", NULL, "high",
        "%s, by the server or a device on the path",
        s->ph[RDPNEG_PHASE_TLS].detail);
    break;
  case RDPNEG_TLS_FAILED:
    if (s->ph[RDPNEG_PHASE_TLS].err == RDPNEG_ERR_CERT_REJECTED) {
      /* our own policy refused the certificate: say why */
      cert_rules(d, s, ev);
      break;
    }
    add(d, RDPNEG_CID_TLS_VERSION_MISMATCH, "tls", NULL, "low", "%s",
        s->ph[RDPNEG_PHASE_TLS].detail);
    break;
  case RDPNEG_TLS_OK:
    if (!strcmp(ev->version, "TLSv1.0") || !strcmp(ev->version, "TLSv1.1"))
      add(d, RDPNEG_CID_TLS_VERSION_MISMATCH, "tls", "degraded", "high",
          "the server negotiated %s (%s); TLS 1.0 and 1.1 are deprecated "
          "(RFC 8996) and current clients refuse them by default",
          ev->version, ev->cipher);
    cert_rules(d, s, ev);
    break;
  default:
    break;
  }
  if (e->tls13_only && ev->status != RDPNEG_TLS_ALERT)
    add(d, RDPNEG_CID_TLS1_3_REQUIRED, "tls", NULL, "high",
        "the TLS version connections: TLS 1.0, 1.1 and 1.2 were all refused");
}

static void cert_rules(rdpneg_diagnosis *d, const rdpneg_attempt_ev *s,
                       const rdpneg_tls_ev *ev) {
  {
    if (!ev->has_cert)
      return;
    const rdpneg_cert_ev *c = &ev->cert;
    if (c->expired)
      add(d, RDPNEG_CID_CERT_EXPIRED, "tls", NULL, "high",
          "certificate \"%s\" expired on %s (%lld days ago)", c->subject,
          c->not_after_iso, (long long)-c->days_left);
    if (c->not_yet_valid)
      add(d, RDPNEG_CID_CERT_NOT_YET_VALID, "tls", NULL, "high",
          "certificate \"%s\" is valid only from %s (check the clocks of "
          "server and client)",
          c->subject, c->not_before_iso);
    if (!c->hostname_match) {
      char sans[300] = "";
      size_t o = 0;
      for (int i = 0; i < c->san_count && o < sizeof sans - 2; i++)
        o += (size_t)snprintf(sans + o, sizeof sans - o, "%s%s", i ? ", " : "",
                              c->san[i]);
      add(d, RDPNEG_CID_CERT_NAME_MISMATCH, "tls", NULL, "high",
          "the name \"%s\" matches neither the certificate subject \"%s\" "
          "nor its SAN [%s]",
          s->name, c->subject, sans);
    }
    if (c->trusted == 0)
      add(d, RDPNEG_CID_CERT_UNTRUSTED, "tls", NULL, "high",
          "the chain of \"%s\" (issuer \"%s\"%s) does not lead to the given "
          "trust anchors (mbedTLS flags 0x%x)",
          c->subject, c->issuer, c->self_signed ? ", self-signed" : "",
          (unsigned)c->verify_flags);
    if (c->weak_key)
      add(d, RDPNEG_CID_CERT_WEAK_KEY, "tls", NULL, "high",
          "the certificate key is %s %d bits", c->key_type, c->key_bits);
    if (c->expiring_soon)
      add(d, RDPNEG_CID_CERT_EXPIRING_SOON, "tls", NULL, "high",
          "certificate \"%s\" expires on %s, in %lld days", c->subject,
          c->not_after_iso, (long long)c->days_left);
  }
}

/* The NLA cause a server's errorCode points to, from the taxonomy's links
 * (NTSTATUS, or SECURITY_STATUS for 0x8009xxxx): the first NLA-phase cause
 * in catalogue order that lists the value. */
static int auth_cause(uint32_t st) {
  int want =
      (st >> 16) == 0x8009 ? RDPNEG_KIND_SECURITY_STATUS : RDPNEG_KIND_NTSTATUS;
  int nc = rdpneg_cause_count();
  for (int ci = 0; ci < nc; ci++) {
    const char *ph = rdpneg_cause_phase(ci);
    if (!ph || strcmp(ph, "nla") != 0)
      continue;
    int n = rdpneg_cause_code_count(ci);
    for (int j = 0; j < n; j++) {
      int kind;
      uint32_t lo, hi;
      if (rdpneg_cause_code(ci, j, &kind, &lo, &hi) == 0 && kind == want &&
          st >= lo && st <= hi)
        return ci;
    }
  }
  return -1;
}

static void nla_rules(rdpneg_diagnosis *d, const rdpneg_attempt_ev *s) {
  const rdpneg_nla_ev *e = s->nla;
  if (!e->ran)
    return;
  struct {
    int eua, closed_after_auth, failed;
  } n = {
      .eua = e->has_eua ? (int)e->eua : -1,
      /* a FIN or a RST right after AUTHENTICATE (the session counts both
       * as rejected credentials): without a finding here a probe whose
       * credentials failed would say healthy */
      .closed_after_auth = e->error == RDPNEG_ERR_AUTH_CLOSED ||
                           (e->error == RDPNEG_ERR_PEER_RESET &&
                            e->auth == RDPNEG_NLA_AUTH_FAILED),
      /* credentials rejected with a reason are named above; a failure
       * after AUTHENTICATE without one (a stall, a TLS failure) still is
       * a failure */
      .failed = e->status == RDPNEG_NLA_STATUS_FAILED &&
                (e->auth != RDPNEG_NLA_AUTH_FAILED || !e->has_ntstatus),
  };
  if (e->has_ntstatus) {
    int c = auth_cause(e->ntstatus);
    const char *name = rdpneg_nla_ntstatus_name(e->ntstatus);
    add(d, c >= 0 ? c : RDPNEG_CID_AUTH_LOGON_FAILURE, "nla", NULL,
        c >= 0 ? "high" : "low",
        "the server's TSRequest (CredSSP version %d) carried errorCode "
        "0x%08X (%s)",
        e->credssp_version, (unsigned)e->ntstatus,
        name ? name : "unknown NTSTATUS");
  } else if (n.closed_after_auth) {
    add(d, RDPNEG_CID_AUTH_REJECTED_NO_REASON, "nla", NULL, "medium",
        "the server %s the connection right after the NTLM "
        "AUTHENTICATE without an errorCode (FreeRDP's shadow server does "
        "this for a wrong password or unknown user)",
        e->error == RDPNEG_ERR_PEER_RESET ? "reset" : "closed");
  }
  if (n.eua == 5)
    add(d, RDPNEG_CID_AUTH_ACCESS_DENIED, "nla", NULL, "high",
        "Early User Authorization Result AUTHZ_ACCESS_DENIED (0x00000005): "
        "the credentials are valid, the user may not log on here");
  if (e->has_skew && (e->clock_skew_s > CLOCK_SKEW_LIMIT_S ||
                      e->clock_skew_s < -CLOCK_SKEW_LIMIT_S))
    add(d, RDPNEG_CID_CLOCK_SKEW, "nla", "degraded", "medium",
        "the server's NTLM timestamp differs from this machine's clock by "
        "%lld s (more than %d s breaks Kerberos)",
        (long long)e->clock_skew_s, CLOCK_SKEW_LIMIT_S);
  int cut =
      e->error == RDPNEG_ERR_PEER_CLOSED || e->error == RDPNEG_ERR_PEER_RESET;
  if (n.failed && cut && !e->has_ntstatus && !e->has_challenge)
    /* a connection cut inside TLS before the server said anything of
     * CredSSP: nothing here points at a version; a path that cuts flows
     * after some bytes looks the same */
    add(d, RDPNEG_CID_CONNECTION_RESET, "nla", NULL, "high",
        "the connection was %s during CredSSP, before the server's NTLM "
        "CHALLENGE (%s), by the server or a device on the path",
        e->error == RDPNEG_ERR_PEER_RESET ? "reset" : "closed",
        e->detail[0] ? e->detail : s->ph[RDPNEG_PHASE_NLA].detail);
  else if (n.failed && !e->has_ntstatus && !n.closed_after_auth && n.eua != 5)
    add(d, RDPNEG_CID_CREDSSP_VERSION_MISMATCH, "nla", NULL, "low", "%s",
        e->detail[0] ? e->detail : s->ph[RDPNEG_PHASE_NLA].detail);
}

void rdpneg_diag_rules(rdpneg_diagnosis *d, const rdpneg_evidence *e,
                       const rdpneg_attempt_ev *a) {
  tcp_rules(d, a);
  x224_rules(d, a);
  tls_rules(d, e, a);
  nla_rules(d, a);
}

/* "[kind:]code[/ext]" */
static int parse_reported(rdpneg_diagnosis *d, const char *r) {
  char buf[128];
  if (strlen(r) >= sizeof buf || !*r)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  strcpy(buf, r);
  char *p = buf, *colon = strchr(buf, ':');
  d->rep_kind = RDPNEG_KIND_AUTO;
  if (colon) {
    *colon = 0;
    int k = rdpneg_kind_parse(buf);
    if (k < 0)
      return RDPNEG_ERR_INVALID_ARGUMENT;
    d->rep_kind = k;
    p = colon + 1;
  }
  char *sep = strpbrk(p, "/ ,");
  if (sep)
    *sep++ = 0;
  char *end;
  unsigned long v = strtoul(p, &end, 0);
  if (end == p || *end || v > 0xffffffffUL)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  d->rep_code = (uint32_t)v;
  if (sep) {
    while (*sep == ' ')
      sep++;
    v = strtoul(sep, &end, 0);
    if (end == sep || *end || v > 0xffffffffUL)
      return RDPNEG_ERR_INVALID_ARGUMENT;
    d->rep_has_ext = 1;
    d->rep_ext = (uint32_t)v;
    if (d->rep_kind == RDPNEG_KIND_AUTO)
      d->rep_kind = RDPNEG_KIND_DISCONNECT;
  }
  d->has_reported = 1;
  return 0;
}

RDPNEG_EXTERN int rdpneg_reported_check(const char *reported) {
  rdpneg_diagnosis *d = calloc(1, sizeof *d);
  if (!d)
    return RDPNEG_ERR_NOMEM;
  int rv = reported ? parse_reported(d, reported) : RDPNEG_ERR_INVALID_ARGUMENT;
  free(d);
  return rv;
}

/* Does cause |ci| list the reported code (or its extended code)? */
static int cause_shows_as(const rdpneg_diagnosis *d, int ci) {
  int n = rdpneg_cause_code_count(ci);
  for (int j = 0; j < n; j++) {
    int kind;
    uint32_t lo, hi;
    if (rdpneg_cause_code(ci, j, &kind, &lo, &hi) != 0)
      continue;
    int kind_ok =
        d->rep_kind == RDPNEG_KIND_AUTO || kind == d->rep_kind ||
        (d->rep_kind == RDPNEG_KIND_DISCONNECT && kind == RDPNEG_KIND_SSL_ERR);
    if (kind_ok && d->rep_code >= lo && d->rep_code <= hi)
      return 1;
    if (d->rep_has_ext && kind == RDPNEG_KIND_EXTENDED && d->rep_ext >= lo &&
        d->rep_ext <= hi)
      return 1;
  }
  return 0;
}

/* The reported code points to cause |ci|: the cause lists the code, or
 * rdpneg-explain names the cause for it (the same candidates a user reads
 * there). TLS1_3_REQUIRED is the TLS_VERSION_MISMATCH a TLS-1.3-only
 * server gives, and counts where that one does. */
static int points_to(const rdpneg_diagnosis *d, int ci) {
  if (ci < 0 || ci >= RDPNEG_CID_COUNT)
    return 0;
  if (cause_shows_as(d, ci) || d->rep_cand[ci])
    return 1;
  return ci == RDPNEG_CID_TLS1_3_REQUIRED &&
         d->rep_cand[RDPNEG_CID_TLS_VERSION_MISMATCH];
}

static void explain_candidates(rdpneg_diagnosis *d) {
  rdpneg_tax_explain *x = calloc(1, sizeof *x);
  if (!x)
    return;
  rdpneg_tax_run_explain(x, d->rep_kind, d->rep_code, d->rep_has_ext,
                         d->rep_ext);
  for (int i = 0; i < x->ncand; i++)
    if (x->cands[i].cause >= 0 && x->cands[i].cause < RDPNEG_CID_COUNT)
      d->rep_cand[x->cands[i].cause] = 1;
  free(x);
}

static void cross_check(rdpneg_diagnosis *d) {
  int failing = 0, matched = 0;
  explain_candidates(d);
  for (int i = 0; i < d->n; i++) {
    int ci = d->f[i].cid;
    d->rep_match[i] = points_to(d, ci);
    matched |= d->rep_match[i];
    if (!strcmp(d->f[i].severity, "failing"))
      failing = 1;
  }
  d->rep_verdict = matched   ? "confirmed"
                   : failing ? "refuted"
                             : "server_healthy";
}

/* A connection ended by the probe's own failure (out of memory, internal
 * or crypto error, the -900 band), or one the plan needed but could not
 * make for want of memory (its note says so): what was seen then says
 * nothing certain about the server, so the verdict is unknown. */
static int probe_failed(const rdpneg_evidence *e) {
  for (int i = 0; i < e->nattempts; i++)
    for (int k = 0; k < RDPNEG_PHASE_COUNT; k++)
      if (e->att[i].ph[k].err <= RDPNEG_ERR_NOMEM)
        return 1;
  for (int i = 0; i < e->nnotes; i++)
    if (strstr(e->notes[i], "out of memory"))
      return 1;
  return 0;
}

RDPNEG_EXTERN int rdpneg_diagnose(const rdpneg_evidence *e,
                                  const rdpneg_taxonomy *tax,
                                  const char *reported,
                                  rdpneg_diagnosis **pdiag) {
  if (!e || !pdiag || e->nattempts < 1)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  const rdpneg_attempt_ev *s = rdpneg_evidence_top(e);
  rdpneg_diagnosis *d = calloc(1, sizeof *d);
  if (!d)
    return RDPNEG_ERR_NOMEM;
  d->tax = tax;
  if (reported && parse_reported(d, reported) != 0) {
    free(d);
    return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  if (reported)
    snprintf(d->rep_text, sizeof d->rep_text, "%s", reported);
  rdpneg_diag_rules(d, e, s);
  rdpneg_diagnose_plan(d, e);
  rdpneg_diagnose_profile(d, e); /* enumeration (diagnose_profile.c) */
  for (int i = 0; i < d->n; i++)
    d->f[i].order = i;
  qsort(d->f, (size_t)d->n, sizeof d->f[0], cmp_finding);
  if (s->cancelled || e->cancelled || s->tcp_status == RDPNEG_TCP_DNS_FAILED ||
      !s->finished || probe_failed(e)) {
    d->verdict = RDPNEG_VERDICT_UNKNOWN;
  } else {
    d->verdict = RDPNEG_VERDICT_HEALTHY;
    for (int i = 0; i < d->n; i++) {
      if (!strcmp(d->f[i].severity, "failing"))
        d->verdict = RDPNEG_VERDICT_FAILING;
      else if (!strcmp(d->f[i].severity, "degraded") &&
               d->verdict == RDPNEG_VERDICT_HEALTHY)
        d->verdict = RDPNEG_VERDICT_DEGRADED;
    }
  }
  d->auth_tested = s->nla->ran && s->nla->auth != RDPNEG_NLA_AUTH_NOT_TESTED;
  int64_t sel = rdpneg_attempt_selected(s);
  /* credential causes only where NLA is in play */
  d->nla_offered =
      sel == RDPNEG_PROTOCOL_HYBRID || sel == RDPNEG_PROTOCOL_HYBRID_EX;
  if (d->has_reported)
    cross_check(d);
  *pdiag = d;
  return 0;
}

RDPNEG_EXTERN void rdpneg_diagnosis_free(rdpneg_diagnosis *d) {
  free(d);
}

RDPNEG_EXTERN int rdpneg_diagnosis_count(const rdpneg_diagnosis *d) {
  return d ? d->n : 0;
}

#define ACCESSOR(name, field)                                                  \
  RDPNEG_EXTERN const char *rdpneg_diagnosis_##name(const rdpneg_diagnosis *d, \
                                                    int i) {                   \
    return d && i >= 0 && i < d->n ? d->f[i].field : NULL;                     \
  }
ACCESSOR(cause, cause)
ACCESSOR(phase, phase)
ACCESSOR(severity, severity)
ACCESSOR(confidence, confidence)
ACCESSOR(evidence, evidence)

static int index_of(const char *v, const char *const *tab, int n) {
  int r = v ? rank(v, tab, n) : n;
  return r < n ? r : -2;
}

RDPNEG_EXTERN int rdpneg_diagnosis_severity_id(const rdpneg_diagnosis *d,
                                               int i) {
  return d && i >= 0 && i < d->n ? index_of(d->f[i].severity, sev_order, 3)
                                 : -2;
}

RDPNEG_EXTERN int rdpneg_diagnosis_confidence_id(const rdpneg_diagnosis *d,
                                                 int i) {
  static const char *const conf[] = {"high", "medium", "low"};
  return d && i >= 0 && i < d->n ? index_of(d->f[i].confidence, conf, 3) : -2;
}

RDPNEG_EXTERN int rdpneg_diagnosis_phase_id(const rdpneg_diagnosis *d, int i) {
  /* phase_order starts with "dns" (-1), then tcp, x224, tls, nla */
  int r =
      d && i >= 0 && i < d->n ? index_of(d->f[i].phase, phase_order, 5) : -2;
  return r >= 0 ? r - 1 : -2;
}

RDPNEG_EXTERN rdpneg_verdict
rdpneg_diagnosis_verdict(const rdpneg_diagnosis *d) {
  return d ? d->verdict : RDPNEG_VERDICT_UNKNOWN;
}

RDPNEG_EXTERN const char *
rdpneg_diagnosis_reported_verdict(const rdpneg_diagnosis *d) {
  return d && d->has_reported ? d->rep_verdict : NULL;
}

int rdpneg_diagnosis_client_candidates(const rdpneg_diagnosis *d, int *out,
                                       int max) {
  int n = 0;
  if (!d->has_reported || strcmp(d->rep_verdict, "server_healthy") != 0)
    return 0;
  int nc = rdpneg_cause_count();
  for (int ci = 0; ci < nc && n < max; ci++) {
    const char *ph = rdpneg_cause_phase(ci), *id = rdpneg_cause_id(ci);
    if (!ph || !id)
      continue;
    /* what a probe from here cannot rule out: the client itself, UDP and
     * licensing and the session after logon, the client's own network path
     * (a middlebox, an MTU black hole), limits that vary with load, and
     * credentials when none were tested */
    int keep = !strcmp(ph, "client") || !strcmp(ph, "transport") ||
               !strcmp(ph, "session") || !strcmp(ph, "licensing") ||
               !strcmp(ph, "network") || ci == RDPNEG_CID_MIDDLEBOX_RESET ||
               ci == RDPNEG_CID_MTU_BLACKHOLE ||
               ci == RDPNEG_CID_CONNECTION_LIMIT ||
               (!strcmp(ph, "nla") && !d->auth_tested && d->nla_offered);
    if (!keep)
      continue;
    if (points_to(d, ci))
      out[n++] = ci;
  }
  return n;
}

const rdpneg_taxonomy *rdpneg_diagnosis_taxonomy(const rdpneg_diagnosis *d) {
  return d ? d->tax : NULL;
}

const char *rdpneg_diagnosis_reported_text(const rdpneg_diagnosis *d) {
  return d && d->has_reported ? d->rep_text : NULL;
}
