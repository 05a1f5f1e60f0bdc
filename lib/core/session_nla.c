/* SPDX-License-Identifier: Apache-2.0 */
/* Glue between the session and the sans-I/O CredSSP client (nla.c): moves
 * plaintext between TLS and the NLA module and records the phase. */
#include "core/session_nla.h"
#include "base/timefmt.h"
#include "core/session.h"
#include "proto/nla.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rdpneg_session_nla_free(rdpneg_session *s) {
  rdpneg_nla_free(s->nla);
  s->nla = NULL;
}

/* The password is needed once, to compute NTOWFv2 in rdpneg_nla_new. */
static void wipe_password(rdpneg_session *s) {
  if (s->cfg->password) {
    rdpneg_crypto_wipe(s->cfg->password, strlen(s->cfg->password));
    free(s->cfg->password);
    s->cfg->password = NULL;
  }
}

static void flush_output(rdpneg_session *s) {
  size_t len;
  const uint8_t *buf = rdpneg_nla_output(s->nla, &len);
  int rv = len ? rdpneg_tls_write(s->tls, buf, len) : 0;
  rdpneg_nla_output_consume(s->nla, len);
  if (rv) /* the message never left: no answer will come */
    rdpneg_nla_abort(s->nla, rv,
                     rv == RDPNEG_ERR_NOMEM
                         ? "out of memory in the probe while sending"
                         : "TLS failed while sending");
}

static void conclude(rdpneg_session *s, rdpneg_tstamp ts) {
  rdpneg_nla_status st = rdpneg_nla_get_status(s->nla);
  rdpneg_nla_auth auth = rdpneg_nla_get_auth(s->nla);
  const char *detail = rdpneg_nla_detail(s->nla);
  rdpneg_phase_ev *p = &s->ph[RDPNEG_PHASE_NLA];
  p->status =
      st == RDPNEG_NLA_STATUS_OK ? RDPNEG_PHASE_OK : RDPNEG_PHASE_FAILED;
  p->err = rdpneg_nla_error(s->nla);
  p->end = ts;
  if (detail && *detail)
    snprintf(p->detail, sizeof p->detail, "%s", detail);
  else
    snprintf(p->detail, sizeof p->detail, "CredSSP version %d, %s",
             rdpneg_nla_credssp_version(s->nla),
             auth == RDPNEG_NLA_AUTH_SUCCESS  ? "credentials accepted"
             : auth == RDPNEG_NLA_AUTH_FAILED ? "credentials rejected"
                                              : "NTLM CHALLENGE read");
  rdpneg_tls_close_notify(s->tls);
}

int rdpneg_session_nla_begin(rdpneg_session *s, rdpneg_tstamp ts) {
  const uint8_t *key = NULL;
  size_t key_len = 0;
  rdpneg_tls_peer_pubkey(s->tls, &key, &key_len);
  char spn[300];
  snprintf(spn, sizeof spn, "TERMSRV/%s", s->cfg->sni ? s->cfg->sni : s->host);
  rdpneg_nla_params p = {
      .use_spnego = (int)s->cfg->opt[RDPNEG_OPT_SPNEGO],
      .user = s->cfg->user,
      .domain = s->cfg->domain,
      .password = s->cfg->password,
      .workstation = NULL,
      .target_spn = spn,
      .server_pubkey = key,
      .server_pubkey_len = key_len,
      .hybrid_ex = s->cc.neg_value == RDPNEG_PROTOCOL_HYBRID_EX,
      .rng = rdpneg_tls_random,
      .rng_ctx = s->tls,
      .now_unix = s->cfg->opt[RDPNEG_OPT_NOW_UNIX],
  };
  int rv = rdpneg_nla_new(&s->nla, &p);
  wipe_password(s);
  if (rv == 0)
    rv = rdpneg_nla_start(s->nla);
  if (rv) {
    rdpneg_phase_ev *ph = &s->ph[RDPNEG_PHASE_NLA];
    ph->status = RDPNEG_PHASE_FAILED;
    ph->err = rv;
    ph->end = ts;
    snprintf(ph->detail, sizeof ph->detail, "cannot start CredSSP: %s",
             rdpneg_strerror(rv));
    rdpneg_nla_free(s->nla);
    s->nla = NULL;
    return 1;
  }
  flush_output(s);
  if (rdpneg_nla_done(s->nla)) {
    conclude(s, ts);
    return 1;
  }
  return 0;
}

int rdpneg_session_nla_pump(rdpneg_session *s, rdpneg_tstamp ts) {
  if (!s->nla || s->state != S_NLA)
    return 0;
  uint8_t buf[4096];
  for (;;) {
    rdpneg_ssize n = rdpneg_tls_read(s->tls, buf, sizeof buf);
    if (n > 0) {
      rdpneg_nla_input(s->nla, buf, (size_t)n);
      flush_output(s);
      if (rdpneg_nla_done(s->nla)) {
        conclude(s, ts);
        return 1;
      }
      continue;
    }
    if (n == 0)
      return 0;
    if (n == RDPNEG_ERR_PEER_CLOSED)
      rdpneg_nla_peer_closed(s->nla);
    else
      rdpneg_nla_abort(s->nla, (int)n,
                       n == RDPNEG_ERR_PEER_RESET
                           ? "the server reset the connection during CredSSP"
                           : "TLS failed during CredSSP");
    conclude(s, ts);
    return 1;
  }
}

void rdpneg_session_nla_end_transport(rdpneg_session *s, int reset,
                                      rdpneg_tstamp ts) {
  if (!s->nla)
    return;
  if (reset)
    rdpneg_nla_abort(s->nla, RDPNEG_ERR_PEER_RESET,
                     "the server reset the connection during CredSSP");
  else
    rdpneg_nla_peer_closed(s->nla);
  conclude(s, ts);
}

void rdpneg_session_nla_timeout(rdpneg_session *s, rdpneg_tstamp ts) {
  char d[120];
  double waited = (double)(ts - s->ph[RDPNEG_PHASE_NLA].start) / 1e6;
  snprintf(d, sizeof d, "no CredSSP answer within the deadline (%.0f ms)",
           waited);
  if (s->nla)
    rdpneg_nla_abort(s->nla, RDPNEG_ERR_TIMEOUT, d);
  conclude(s, ts);
}

RDPNEG_EXTERN int rdpneg_session_spnego_rejected(const rdpneg_session *s,
                                                 uint32_t *ntstatus) {
  uint32_t st;
  if (!s || !s->nla || !rdpneg_nla_spnego(s->nla) ||
      rdpneg_nla_get_status(s->nla) != RDPNEG_NLA_STATUS_FAILED ||
      !rdpneg_nla_ntstatus(s->nla, &st) || rdpneg_nla_challenge(s->nla))
    return 0;
  if (ntstatus)
    *ntstatus = st;
  return 1;
}

void rdpneg_session_nla_evidence(const rdpneg_session *s, rdpneg_nla_ev *e) {
  rdpneg_nla_evidence(s->nla, e);
  if (!s->nla)
    e->status = s->ph[RDPNEG_PHASE_NLA].status == RDPNEG_PHASE_FAILED
                    ? RDPNEG_NLA_STATUS_FAILED
                    : RDPNEG_NLA_STATUS_SKIPPED;
}
