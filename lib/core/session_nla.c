/* Glue between the session and the sans-I/O CredSSP client (nla.c): moves
 * plaintext between TLS and the NLA module and records the phase. */
#include "base/json.h"
#include "proto/nla.h"
#include "core/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rdpneg_session_nla_free(rdpneg_session *s);
int rdpneg_session_nla_begin(rdpneg_session *s, rdpneg_tstamp ts);
int rdpneg_session_nla_pump(rdpneg_session *s, rdpneg_tstamp ts);
void rdpneg_session_nla_end_transport(rdpneg_session *s, int reset,
                                      rdpneg_tstamp ts);
void rdpneg_session_nla_timeout(rdpneg_session *s, rdpneg_tstamp ts);
void rdpneg_session_nla_json(const rdpneg_session *s, rdpneg_json *w);

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
  if (len)
    rdpneg_tls_write(s->tls, buf, len);
  rdpneg_nla_output_consume(s->nla, len);
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
  s->state = S_DONE;
  s->phase_deadline = RDPNEG_TSTAMP_NEVER;
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
    s->state = S_DONE;
    s->phase_deadline = RDPNEG_TSTAMP_NEVER;
    return rv;
  }
  flush_output(s);
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
        return 0;
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
    return 0;
  }
}

void rdpneg_session_nla_end_transport(rdpneg_session *s, int reset,
                                      rdpneg_tstamp ts) {
  if (!s->nla) {
    s->state = S_DONE;
    return;
  }
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

RDPNEG_EXTERN int rdpneg_session_note_spnego_rejected(rdpneg_session *s,
                                                      uint32_t ntstatus) {
  if (!s)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  s->spnego_rejected = 1;
  s->spnego_rejected_status = ntstatus;
  return 0;
}

void rdpneg_session_nla_json(const rdpneg_session *s, rdpneg_json *w) {
  if (s->spnego_rejected) {
    rdpneg_json_obj_begin(w, "spnego_rejected");
    rdpneg_json_hex(w, "ntstatus", s->spnego_rejected_status, 8);
    rdpneg_json_str(w, "detail",
                    "the server refused the SPNEGO-wrapped NEGOTIATE on a "
                    "first connection; this result is from a retry with raw "
                    "NTLM");
    rdpneg_json_obj_end(w);
  }
  if (s->nla) {
    rdpneg_nla_json(s->nla, w);
    return;
  }
  int64_t sel = rdpneg_session_selected_protocol(s);
  int nla = sel == RDPNEG_PROTOCOL_HYBRID || sel == RDPNEG_PROTOCOL_HYBRID_EX;
  rdpneg_json_str(w, "status",
                  s->ph[RDPNEG_PHASE_NLA].status == RDPNEG_PHASE_FAILED
                      ? "failed"
                      : "skipped");
  rdpneg_json_null(w, "credssp_version");
  rdpneg_json_null(w, "ntlm");
  rdpneg_json_str(w, "auth", nla ? "not_tested" : "not_testable");
  rdpneg_json_null(w, "error");
  rdpneg_json_null(w, "early_user_auth");
}

void rdpneg_session_nla_summary(const rdpneg_session *s,
                                rdpneg_nla_summary *out) {
  memset(out, 0, sizeof *out);
  out->eua = -1;
  int64_t sel = rdpneg_session_selected_protocol(s);
  int nla = sel == RDPNEG_PROTOCOL_HYBRID || sel == RDPNEG_PROTOCOL_HYBRID_EX;
  out->auth = nla ? 0 : 1;
  if (!s->nla)
    return;
  out->ran = 1;
  rdpneg_nla_auth a = rdpneg_nla_get_auth(s->nla);
  out->auth = a == RDPNEG_NLA_AUTH_SUCCESS  ? 2
              : a == RDPNEG_NLA_AUTH_FAILED ? 3
                                            : 0;
  uint32_t st;
  if (rdpneg_nla_ntstatus(s->nla, &st)) {
    out->has_ntstatus = 1;
    out->ntstatus = st;
    out->ntstatus_name = rdpneg_nla_ntstatus_name(st);
  }
  out->closed_after_auth = rdpneg_nla_error(s->nla) == RDPNEG_ERR_AUTH_CLOSED;
  uint32_t eua;
  if (rdpneg_nla_early_user_auth(s->nla, &eua))
    out->eua = (int)eua;
  out->credssp_version = rdpneg_nla_credssp_version(s->nla);
  out->has_skew = rdpneg_nla_clock_skew(s->nla, &out->clock_skew_s);
  out->failed = rdpneg_nla_get_status(s->nla) == RDPNEG_NLA_STATUS_FAILED &&
                a != RDPNEG_NLA_AUTH_FAILED;
  snprintf(out->detail, sizeof out->detail, "%s", rdpneg_nla_detail(s->nla));
}
