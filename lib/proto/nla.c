/* SPDX-License-Identifier: Apache-2.0 */
/* Sans-I/O CredSSP (NLA) client. See nla.h. */
#include "proto/nla.h"

#include "base/buf.h"
#include "base/codes.h"
#include "base/timefmt.h"
#include "proto/credssp.h"
#include "proto/crypto.h"
#include "proto/spnego.h"

#include <rdpneg/rdpneg.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  ST_INIT,
  ST_WAIT_CHALLENGE,
  ST_WAIT_PUBKEY,
  ST_WAIT_EUA,
  ST_DONE,
  ST_FAILED
};

#define IN_MAX (2 * RDPNEG_TSREQUEST_MAX)

struct rdpneg_nla {
  int state;
  int use_spnego, spnego_used, hybrid_ex;
  int have_creds;
  char *user, *domain, *workstation, *spn;
  uint8_t nt_key[16]; /* NTOWFv2: password-equivalent, zeroised on free */
  uint8_t *pubkey;
  size_t pubkey_len;
  rdpneg_nla_rng_cb rng;
  void *rng_ctx;
  int64_t now;

  rdpneg_buf out; /* TSRequests queued for the server */
  rdpneg_buf in;  /* server bytes not yet a whole TSRequest (<= IN_MAX) */

  uint8_t negotiate[RDPNEG_NTLM_NEGOTIATE_LEN];
  uint8_t *challenge_msg;
  size_t challenge_len;
  rdpneg_ntlm_challenge chal;
  int have_chal;
  rdpneg_ntlm_sec sec;
  int have_sec;
  int mech_list_mic_sent, mech_list_mic_bad;
  uint8_t nonce[RDPNEG_CREDSSP_NONCE_LEN];

  /* results */
  uint32_t server_version;
  int have_version;
  int status, auth, error;
  int has_ntstatus;
  uint32_t ntstatus;
  int has_eua;
  uint32_t eua;
  char detail[200];
};

/* ---- NTSTATUS names: the taxonomy data (lib/taxonomy/codes.def) -------- */

/* CredSSP's errorCode carries an NTSTATUS, but servers also put SSPI
 * SECURITY_STATUS values there (facts 6.2 and 6.3), so both tables. */
const char *rdpneg_nla_ntstatus_name(uint32_t status) {
  const char *name = rdpneg_codename(RDPNEG_CK_NTSTATUS, status);
  return name ? name : rdpneg_codename(RDPNEG_CK_SECURITY_STATUS, status);
}

/* Credentials were fine but the user may not log on here. */
static int ntstatus_err(uint32_t st) {
  return (st == 0xC0000022u || st == 0xC000015Bu)
             ? RDPNEG_ERR_AUTH_ACCESS_DENIED
             : RDPNEG_ERR_AUTH_FAILED;
}

/* ---- helpers ------------------------------------------------------------ */

static void set_detail(rdpneg_nla *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(n->detail, sizeof n->detail, fmt, ap);
  va_end(ap);
}

static int fail(rdpneg_nla *n, int err, int auth, const char *fmt, ...) {
  n->state = ST_FAILED;
  n->status = RDPNEG_NLA_STATUS_FAILED;
  n->error = err;
  n->auth = auth;
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->detail, sizeof n->detail, fmt, ap);
    va_end(ap);
  }
  return err;
}

static int queue_tsrequest(rdpneg_nla *n, const rdpneg_tsrequest *req) {
  uint8_t *buf;
  size_t len;
  int rc = rdpneg_tsrequest_write(req, &buf, &len);
  if (rc)
    return rc;
  rc = rdpneg_buf_append(&n->out, buf, len);
  free(buf);
  return rc;
}

static uint32_t effective_version(const rdpneg_nla *n) {
  return n->server_version < RDPNEG_CREDSSP_VERSION ? n->server_version
                                                    : RDPNEG_CREDSSP_VERSION;
}

/* ---- lifecycle -------------------------------------------------------- */

int rdpneg_nla_new(rdpneg_nla **pn, const rdpneg_nla_params *p) {
  if (!pn || !p)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *pn = NULL;
  int creds = p->user != NULL;
  if (creds &&
      (!p->password || !p->rng || !p->server_pubkey || !p->server_pubkey_len))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_nla *n = calloc(1, sizeof *n);
  if (!n)
    return RDPNEG_ERR_NOMEM;
  n->use_spnego = p->use_spnego != 0;
  n->spnego_used = n->use_spnego;
  n->hybrid_ex = p->hybrid_ex != 0;
  n->have_creds = creds;
  n->rng = p->rng;
  n->rng_ctx = p->rng_ctx;
  n->now = p->now_unix;
  n->status = RDPNEG_NLA_STATUS_SKIPPED;
  rdpneg_buf_init(&n->out, 0);
  rdpneg_buf_init(&n->in, IN_MAX);
  int rc = 0;
  if (creds) {
    n->user = strdup(p->user);
    n->domain = strdup(p->domain ? p->domain : "");
    n->workstation = strdup(p->workstation ? p->workstation : "");
    n->spn = p->target_spn ? strdup(p->target_spn) : NULL;
    n->pubkey = malloc(p->server_pubkey_len);
    if (!n->user || !n->domain || !n->workstation ||
        (p->target_spn && !n->spn) || !n->pubkey) {
      rc = RDPNEG_ERR_NOMEM;
    } else {
      memcpy(n->pubkey, p->server_pubkey, p->server_pubkey_len);
      n->pubkey_len = p->server_pubkey_len;
      rc = rdpneg_ntlm_ntowfv2(n->nt_key, p->password, n->user, n->domain);
    }
  }
  if (rc) {
    rdpneg_nla_free(n);
    return rc;
  }
  *pn = n;
  return 0;
}

void rdpneg_nla_free(rdpneg_nla *n) {
  if (!n)
    return;
  free(n->user);
  free(n->domain);
  free(n->workstation);
  free(n->spn);
  free(n->pubkey);
  rdpneg_buf_free(&n->out);
  rdpneg_buf_free(&n->in);
  free(n->challenge_msg);
  rdpneg_ntlm_challenge_free(&n->chal);
  if (n->have_sec)
    rdpneg_ntlm_sec_free(&n->sec);
  rdpneg_crypto_wipe(n, sizeof *n);
  free(n);
}

int rdpneg_nla_start(rdpneg_nla *n) {
  if (n->state != ST_INIT)
    return RDPNEG_ERR_INVALID_STATE;
  rdpneg_ntlm_write_negotiate(n->negotiate, RDPNEG_NTLM_CLIENT_FLAGS);
  rdpneg_tsrequest req = {0};
  req.version = RDPNEG_CREDSSP_VERSION;
  req.present = RDPNEG_TSREQ_NEGO_TOKENS;
  uint8_t *tok = NULL;
  size_t tok_len = 0;
  int rc;
  if (n->use_spnego) {
    if ((rc = rdpneg_spnego_write_init(n->negotiate, sizeof n->negotiate, &tok,
                                       &tok_len)))
      return rc;
    req.nego_token = tok;
    req.nego_token_len = tok_len;
  } else {
    req.nego_token = n->negotiate;
    req.nego_token_len = sizeof n->negotiate;
  }
  rc = queue_tsrequest(n, &req);
  free(tok);
  if (rc)
    return rc;
  n->state = ST_WAIT_CHALLENGE;
  n->status = RDPNEG_NLA_STATUS_RUNNING;
  set_detail(n, "NEGOTIATE sent");
  return 0;
}

size_t rdpneg_nla_pending(const rdpneg_nla *n) {
  return rdpneg_buf_size(&n->out);
}

const uint8_t *rdpneg_nla_output(const rdpneg_nla *n, size_t *len) {
  *len = rdpneg_buf_size(&n->out);
  return rdpneg_buf_peek(&n->out);
}

void rdpneg_nla_output_consume(rdpneg_nla *n, size_t len) {
  rdpneg_buf_consume(&n->out, len);
}

/* ---- AUTHENTICATE + pubKeyAuth ----------------------------------------- */

static int send_authenticate(rdpneg_nla *n) {
  uint8_t rnd[8 + 16];
  int rc;
  if (rdpneg_crypto_random(n->rng, n->rng_ctx, rnd, sizeof rnd) ||
      rdpneg_crypto_random(n->rng, n->rng_ctx, n->nonce, sizeof n->nonce))
    return fail(n, RDPNEG_ERR_CRYPTO, RDPNEG_NLA_AUTH_NOT_TESTED,
                "random number generator failed");
  rdpneg_ntlm_auth_in in = {0};
  in.challenge = &n->chal;
  in.challenge_msg = n->challenge_msg;
  in.challenge_len = n->challenge_len;
  in.negotiate_msg = n->negotiate;
  in.negotiate_len = sizeof n->negotiate;
  in.client_flags = RDPNEG_NTLM_CLIENT_FLAGS;
  in.response_key_nt = n->nt_key;
  in.user = n->user;
  in.domain = n->domain;
  in.workstation = n->workstation;
  in.target_spn = n->spn;
  in.client_challenge = rnd;
  in.random_session_key = rnd + 8;
  in.now_filetime = n->now > 0 ? (uint64_t)n->now * 10000000ull +
                                     RDPNEG_NTLM_FILETIME_UNIX_EPOCH
                               : 0;
  rdpneg_ntlm_auth_out ao;
  rc = rdpneg_ntlm_build_authenticate(&ao, &in);
  rdpneg_crypto_wipe(rnd, sizeof rnd);
  if (rc == RDPNEG_ERR_UNSUPPORTED)
    return fail(n, rc, RDPNEG_NLA_AUTH_NOT_TESTED,
                "server does not offer NTLMv2 extended session security "
                "with Unicode (flags 0x%08x)",
                (unsigned)n->chal.flags);
  if (rc)
    return fail(n, rc, RDPNEG_NLA_AUTH_NOT_TESTED,
                "could not build AUTHENTICATE");
  rc = rdpneg_ntlm_sec_init(&n->sec, ao.exported_session_key, ao.flags, 0);
  if (rc) {
    rdpneg_ntlm_auth_out_free(&ao);
    return fail(n, rc, RDPNEG_NLA_AUTH_NOT_TESTED, "key derivation failed");
  }
  n->have_sec = 1;

  uint8_t *tok = NULL, *pka = NULL;
  size_t tok_len = 0, pka_len = 0;
  if (n->spnego_used) {
    uint8_t mic[RDPNEG_NTLM_SIGNATURE_LEN];
    rdpneg_spnego_resp r = {0};
    r.neg_state = RDPNEG_SPNEGO_ACCEPT_INCOMPLETE;
    r.response_token = ao.msg;
    r.response_token_len = ao.len;
    if (ao.mic_present) { /* MS-SPNG 3.1.5.1: mechListMIC with the MIC */
      size_t ml;
      const uint8_t *mt = rdpneg_spnego_mech_types(&ml);
      if ((rc = rdpneg_ntlm_sec_sign(&n->sec, mt, ml, mic)))
        goto out;
      rdpneg_ntlm_sec_reset(&n->sec, 1); /* MS-SPNG 3.3.5.1 */
      r.mech_list_mic = mic;
      r.mech_list_mic_len = sizeof mic;
      n->mech_list_mic_sent = 1;
    }
    if ((rc = rdpneg_spnego_write_resp(&r, &tok, &tok_len)))
      goto out;
  }

  /* pubKeyAuth: public-key echo (v2-4) or the v5+ binding hash */
  uint8_t hash[32];
  const uint8_t *plain = n->pubkey;
  size_t plain_len = n->pubkey_len;
  if (effective_version(n) >= 5) {
    if ((rc = rdpneg_credssp_binding_hash(hash, 0, n->nonce, n->pubkey,
                                          n->pubkey_len)))
      goto out;
    plain = hash;
    plain_len = sizeof hash;
  }
  pka_len = RDPNEG_NTLM_SIGNATURE_LEN + plain_len;
  if (!(pka = malloc(pka_len))) {
    rc = RDPNEG_ERR_NOMEM;
    goto out;
  }
  if ((rc = rdpneg_ntlm_sec_seal(&n->sec, plain, plain_len, pka)))
    goto out;

  rdpneg_tsrequest req = {0};
  req.version = RDPNEG_CREDSSP_VERSION;
  req.present = RDPNEG_TSREQ_NEGO_TOKENS | RDPNEG_TSREQ_PUB_KEY_AUTH;
  req.nego_token = n->spnego_used ? tok : ao.msg;
  req.nego_token_len = n->spnego_used ? tok_len : ao.len;
  req.pub_key_auth = pka;
  req.pub_key_auth_len = pka_len;
  if (effective_version(n) >= 5) {
    req.present |= RDPNEG_TSREQ_CLIENT_NONCE;
    req.client_nonce = n->nonce;
    req.client_nonce_len = sizeof n->nonce;
  }
  rc = queue_tsrequest(n, &req);
out:
  rdpneg_ntlm_auth_out_free(&ao);
  free(tok);
  free(pka);
  if (rc)
    return fail(n, rc, RDPNEG_NLA_AUTH_NOT_TESTED,
                "could not build the AUTHENTICATE TSRequest");
  n->state = ST_WAIT_PUBKEY;
  set_detail(n, "AUTHENTICATE sent (%s, CredSSP v%u binding)",
             n->spnego_used ? "SPNEGO" : "raw NTLM",
             (unsigned)effective_version(n));
  return 0;
}

/* ---- server messages ---------------------------------------------------- */

static int on_challenge_token(rdpneg_nla *n, const uint8_t *tok, size_t len) {
  static const uint8_t ntlmssp[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
  if (len >= 8 && memcmp(tok, ntlmssp, 8) == 0) {
    n->spnego_used = 0;
  } else if (len && tok[0] == 0xA1) {
    rdpneg_spnego_resp r;
    if (rdpneg_spnego_parse_resp(&r, tok, len))
      return fail(n, RDPNEG_ERR_SPNEGO_MALFORMED, RDPNEG_NLA_AUTH_NOT_TESTED,
                  "server NegTokenResp does not decode");
    n->spnego_used = 1;
    if (r.neg_state == RDPNEG_SPNEGO_REJECT)
      return fail(n, RDPNEG_ERR_UNSUPPORTED, RDPNEG_NLA_AUTH_NOT_TESTED,
                  "server rejected SPNEGO negotiation: NTLM refused");
    if (r.supported_mech &&
        !rdpneg_spnego_is_ntlm(r.supported_mech, r.supported_mech_len))
      return fail(n, RDPNEG_ERR_SPNEGO_MALFORMED, RDPNEG_NLA_AUTH_NOT_TESTED,
                  "server selected a mechanism other than NTLM");
    if (!r.response_token)
      return fail(n, RDPNEG_ERR_SPNEGO_MALFORMED, RDPNEG_NLA_AUTH_NOT_TESTED,
                  "server NegTokenResp has no responseToken");
    tok = r.response_token;
    len = r.response_token_len;
  } else {
    return fail(n, RDPNEG_ERR_NTLM_MALFORMED, RDPNEG_NLA_AUTH_NOT_TESTED,
                "server token is neither NTLM nor SPNEGO NegTokenResp");
  }
  if (!(n->challenge_msg = malloc(len ? len : 1)))
    return fail(n, RDPNEG_ERR_NOMEM, RDPNEG_NLA_AUTH_NOT_TESTED, NULL);
  memcpy(n->challenge_msg, tok, len);
  n->challenge_len = len;
  int rc = rdpneg_ntlm_parse_challenge(&n->chal, n->challenge_msg, len);
  if (rc)
    return fail(n, rc, RDPNEG_NLA_AUTH_NOT_TESTED,
                rc == RDPNEG_ERR_NOMEM ? NULL
                                       : "malformed NTLM CHALLENGE_MESSAGE");
  n->have_chal = 1;
  if (!n->have_creds) {
    n->state = ST_DONE;
    n->status = RDPNEG_NLA_STATUS_OK;
    n->auth = RDPNEG_NLA_AUTH_NOT_TESTED;
    set_detail(n, "NTLM CHALLENGE received; no credentials to test");
    return 0;
  }
  return send_authenticate(n);
}

/* Final NegTokenResp of the server: negState and its mechListMIC. */
static int on_final_token(rdpneg_nla *n, const uint8_t *tok, size_t len) {
  rdpneg_spnego_resp r;
  if (!n->spnego_used || rdpneg_spnego_parse_resp(&r, tok, len))
    return fail(n, RDPNEG_ERR_SPNEGO_MALFORMED, RDPNEG_NLA_AUTH_FAILED,
                "server's answer to AUTHENTICATE does not decode");
  if (r.neg_state == RDPNEG_SPNEGO_REJECT)
    return fail(n, RDPNEG_ERR_AUTH_FAILED, RDPNEG_NLA_AUTH_FAILED,
                "server rejected the AUTHENTICATE (SPNEGO reject)");
  if (r.mech_list_mic && n->mech_list_mic_sent) {
    size_t ml;
    const uint8_t *mt = rdpneg_spnego_mech_types(&ml);
    int valid = 0;
    /* Not fatal: the pubKeyAuth that follows is the proof that matters;
     * a mismatch is reported in the detail. */
    if (r.mech_list_mic_len != RDPNEG_NTLM_SIGNATURE_LEN ||
        rdpneg_ntlm_sec_verify(&n->sec, mt, ml, r.mech_list_mic, &valid) ||
        !valid)
      n->mech_list_mic_bad = 1;
    rdpneg_ntlm_sec_reset(&n->sec, 0); /* MS-SPNG 3.3.5.1 */
  }
  return 0;
}

static int on_pubkey_auth(rdpneg_nla *n, const uint8_t *p, size_t len) {
  if (len < RDPNEG_NTLM_SIGNATURE_LEN)
    return fail(n, RDPNEG_ERR_PUBKEY_MISMATCH, RDPNEG_NLA_AUTH_FAILED,
                "server pubKeyAuth is too short (%zu bytes)", len);
  size_t plen = len - RDPNEG_NTLM_SIGNATURE_LEN;
  uint8_t *plain = malloc(plen ? plen : 1);
  if (!plain)
    return fail(n, RDPNEG_ERR_NOMEM, RDPNEG_NLA_AUTH_NOT_TESTED, NULL);
  int valid = 0, ok = 0;
  int rc = rdpneg_ntlm_sec_unseal(&n->sec, p, len, plain, &valid);
  if (!rc && valid)
    rc = rdpneg_credssp_check_server_binding(effective_version(n), n->nonce,
                                             n->pubkey, n->pubkey_len, plain,
                                             plen, &ok);
  free(plain);
  if (rc)
    return fail(n, rc, RDPNEG_NLA_AUTH_NOT_TESTED, NULL);
  if (!valid)
    return fail(n, RDPNEG_ERR_PUBKEY_MISMATCH, RDPNEG_NLA_AUTH_FAILED,
                "server pubKeyAuth signature does not verify");
  if (!ok)
    return fail(n, RDPNEG_ERR_PUBKEY_MISMATCH, RDPNEG_NLA_AUTH_FAILED,
                "server pubKeyAuth does not match the TLS public key "
                "(TLS interception?)");
  n->auth = RDPNEG_NLA_AUTH_SUCCESS;
  n->status = RDPNEG_NLA_STATUS_OK;
  n->state = n->hybrid_ex ? ST_WAIT_EUA : ST_DONE;
  set_detail(n,
             "credentials accepted: server pubKeyAuth verified (CredSSP v%u "
             "binding)%s",
             (unsigned)effective_version(n),
             n->mech_list_mic_bad ? "; the server's mechListMIC did not verify"
                                  : "");
  return 0;
}

static int on_tsrequest(rdpneg_nla *n, const uint8_t *buf, size_t len) {
  rdpneg_tsrequest req;
  if (rdpneg_tsrequest_parse(&req, buf, len))
    return fail(n, RDPNEG_ERR_TSREQUEST_MALFORMED,
                n->state == ST_WAIT_PUBKEY ? RDPNEG_NLA_AUTH_FAILED
                                           : RDPNEG_NLA_AUTH_NOT_TESTED,
                "server TSRequest does not decode");
  int sent_auth = n->state == ST_WAIT_PUBKEY || n->state == ST_WAIT_EUA;
  int auth_if_fail =
      sent_auth ? RDPNEG_NLA_AUTH_FAILED : RDPNEG_NLA_AUTH_NOT_TESTED;
  if (!n->have_version) {
    n->have_version = 1;
    n->server_version = req.version;
    if (req.version < 1)
      return fail(n, RDPNEG_ERR_CREDSSP_VERSION, RDPNEG_NLA_AUTH_NOT_TESTED,
                  "server announced CredSSP version %u", (unsigned)req.version);
  } else if (req.version != n->server_version) {
    return fail(n, RDPNEG_ERR_CREDSSP_VERSION, auth_if_fail,
                "server changed CredSSP version from %u to %u",
                (unsigned)n->server_version, (unsigned)req.version);
  }
  if ((req.present & RDPNEG_TSREQ_ERROR_CODE) && req.error_code != 0) {
    n->has_ntstatus = 1;
    n->ntstatus = req.error_code;
    const char *name = rdpneg_nla_ntstatus_name(req.error_code);
    return fail(n, ntstatus_err(req.error_code), auth_if_fail,
                "server returned %s (0x%08X) after %s",
                name ? name : "an unknown status", (unsigned)req.error_code,
                sent_auth ? "AUTHENTICATE" : "NEGOTIATE");
  }
  switch (n->state) {
  case ST_WAIT_CHALLENGE:
    if (!(req.present & RDPNEG_TSREQ_NEGO_TOKENS) || !req.nego_token)
      return fail(n, RDPNEG_ERR_TSREQUEST_MALFORMED, RDPNEG_NLA_AUTH_NOT_TESTED,
                  "server TSRequest has no negoToken (expected CHALLENGE)");
    return on_challenge_token(n, req.nego_token, req.nego_token_len);
  case ST_WAIT_PUBKEY: {
    int rc;
    if ((req.present & RDPNEG_TSREQ_NEGO_TOKENS) && req.nego_token &&
        (rc = on_final_token(n, req.nego_token, req.nego_token_len)))
      return rc;
    if (req.present & RDPNEG_TSREQ_PUB_KEY_AUTH)
      return on_pubkey_auth(n, req.pub_key_auth, req.pub_key_auth_len);
    if (req.present & RDPNEG_TSREQ_NEGO_TOKENS)
      return 0; /* a token alone: the pubKeyAuth may follow */
    return fail(n, RDPNEG_ERR_TSREQUEST_MALFORMED, RDPNEG_NLA_AUTH_FAILED,
                "server TSRequest has neither pubKeyAuth nor errorCode");
  }
  default: /* after the verdict: nothing more to learn */
    return 0;
  }
}

static int on_eua(rdpneg_nla *n, const uint8_t *p) {
  n->has_eua = 1;
  n->eua = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
  n->state = ST_DONE;
  if (n->eua == 0) {
    set_detail(n, "credentials accepted; Early User Authorization: "
                  "AUTHZ_SUCCESS");
    return 0;
  }
  return fail(n, RDPNEG_ERR_AUTH_ACCESS_DENIED, RDPNEG_NLA_AUTH_FAILED,
              "credentials accepted but Early User Authorization Result is "
              "%s (0x%08X)",
              n->eua == 5 ? "AUTHZ_ACCESS_DENIED" : "unknown",
              (unsigned)n->eua);
}

int rdpneg_nla_input(rdpneg_nla *n, const uint8_t *data, size_t len) {
  if (n->state == ST_FAILED)
    return n->error;
  if (n->state == ST_DONE || n->state == ST_INIT || !len)
    return 0;
  int rc = rdpneg_buf_append(&n->in, data, len);
  if (rc == RDPNEG_ERR_NOBUF)
    return fail(n, RDPNEG_ERR_TSREQUEST_MALFORMED,
                n->state == ST_WAIT_PUBKEY ? RDPNEG_NLA_AUTH_FAILED
                                           : RDPNEG_NLA_AUTH_NOT_TESTED,
                "server sent more than %d bytes without a complete "
                "TSRequest",
                IN_MAX);
  if (rc)
    return fail(n, RDPNEG_ERR_NOMEM, n->auth, NULL);
  while (rdpneg_buf_size(&n->in) && n->state != ST_DONE &&
         n->state != ST_FAILED) {
    const uint8_t *in = rdpneg_buf_peek(&n->in);
    size_t in_len = rdpneg_buf_size(&n->in);
    if (n->state == ST_WAIT_EUA && in[0] != 0x30) {
      if (in_len < 4)
        return 0;
      rc = on_eua(n, in);
      rdpneg_buf_consume(&n->in, 4);
      if (rc)
        return rc;
      continue;
    }
    long fl = rdpneg_tsrequest_frame_len(in, in_len);
    if (fl < 0)
      return fail(n, RDPNEG_ERR_TSREQUEST_MALFORMED,
                  n->state == ST_WAIT_PUBKEY ? RDPNEG_NLA_AUTH_FAILED
                                             : RDPNEG_NLA_AUTH_NOT_TESTED,
                  "server sent bytes that are not a TSRequest");
    if (fl == 0)
      return 0;
    rc = on_tsrequest(n, in, (size_t)fl);
    rdpneg_buf_consume(&n->in, (size_t)fl);
    if (rc)
      return rc;
  }
  return 0;
}

int rdpneg_nla_peer_closed(rdpneg_nla *n) {
  switch (n->state) {
  case ST_INIT:
  case ST_WAIT_CHALLENGE:
    return fail(n, RDPNEG_ERR_PEER_CLOSED, RDPNEG_NLA_AUTH_NOT_TESTED,
                "server closed the connection before sending a CHALLENGE");
  case ST_WAIT_PUBKEY:
    return fail(n, RDPNEG_ERR_AUTH_CLOSED, RDPNEG_NLA_AUTH_FAILED,
                "server closed the connection after AUTHENTICATE without "
                "a reason (credentials rejected)");
  case ST_WAIT_EUA:
    n->state = ST_DONE;
    set_detail(n, "credentials accepted; connection closed before any "
                  "Early User Authorization Result");
    return 0;
  default:
    return 0;
  }
}

int rdpneg_nla_abort(rdpneg_nla *n, int err, const char *detail) {
  if (n->state == ST_DONE || n->state == ST_FAILED)
    return err;
  if (n->state == ST_WAIT_EUA) {
    n->state = ST_DONE;
    return err;
  }
  /* running out of memory here says nothing about the credentials */
  return fail(n, err,
              n->state == ST_WAIT_PUBKEY && err != RDPNEG_ERR_NOMEM
                  ? RDPNEG_NLA_AUTH_FAILED
                  : RDPNEG_NLA_AUTH_NOT_TESTED,
              detail ? "%s" : NULL, detail);
}

/* ---- accessors ---------------------------------------------------------- */

int rdpneg_nla_done(const rdpneg_nla *n) {
  return n->state == ST_DONE || n->state == ST_FAILED ||
         n->state == ST_WAIT_EUA;
}

int rdpneg_nla_wants_eua(const rdpneg_nla *n) {
  return n->state == ST_WAIT_EUA;
}

rdpneg_nla_status rdpneg_nla_get_status(const rdpneg_nla *n) {
  return (rdpneg_nla_status)n->status;
}

rdpneg_nla_auth rdpneg_nla_get_auth(const rdpneg_nla *n) {
  return (rdpneg_nla_auth)n->auth;
}

int rdpneg_nla_error(const rdpneg_nla *n) {
  return n->error;
}

int rdpneg_nla_ntstatus(const rdpneg_nla *n, uint32_t *status) {
  if (n->has_ntstatus && status)
    *status = n->ntstatus;
  return n->has_ntstatus;
}

int rdpneg_nla_credssp_version(const rdpneg_nla *n) {
  return n->have_version ? (int)n->server_version : 0;
}

int rdpneg_nla_clock_skew(const rdpneg_nla *n, int64_t *skew_s) {
  if (!n->have_chal || !n->chal.has_timestamp || n->now <= 0)
    return 0;
  if (skew_s)
    *skew_s = rdpneg_ntlm_filetime_to_unix(n->chal.timestamp) - n->now;
  return 1;
}

const rdpneg_ntlm_challenge *rdpneg_nla_challenge(const rdpneg_nla *n) {
  return n->have_chal ? &n->chal : NULL;
}

int rdpneg_nla_early_user_auth(const rdpneg_nla *n, uint32_t *code) {
  if (n->has_eua && code)
    *code = n->eua;
  return n->has_eua;
}

int rdpneg_nla_spnego(const rdpneg_nla *n) {
  return n->spnego_used;
}

const char *rdpneg_nla_detail(const rdpneg_nla *n) {
  return n->detail;
}

/* ---- JSON --------------------------------------------------------------- */

/* ---- evidence ---- */

static void copy_name(rdpneg_nla_ev *e, int bit, char *dst, size_t cap,
                      const char *src) {
  if (!src)
    return;
  e->present |= (uint8_t)(1u << bit);
  snprintf(dst, cap, "%s", src);
}

void rdpneg_nla_evidence(const rdpneg_nla *n, rdpneg_nla_ev *e) {
  memset(e, 0, sizeof *e);
  if (!n)
    return;
  e->ran = 1;
  e->status = rdpneg_nla_get_status(n);
  e->spnego = rdpneg_nla_spnego(n);
  e->credssp_version = rdpneg_nla_credssp_version(n);
  const rdpneg_ntlm_challenge *c = rdpneg_nla_challenge(n);
  if (c) {
    e->has_challenge = 1;
    copy_name(e, RDPNEG_NLA_NAME_TARGET, e->target_name, sizeof e->target_name,
              c->target_name);
    copy_name(e, RDPNEG_NLA_NAME_NB_DOMAIN, e->nb_domain, sizeof e->nb_domain,
              c->nb_domain);
    copy_name(e, RDPNEG_NLA_NAME_NB_COMPUTER, e->nb_computer,
              sizeof e->nb_computer, c->nb_computer);
    copy_name(e, RDPNEG_NLA_NAME_DNS_DOMAIN, e->dns_domain,
              sizeof e->dns_domain, c->dns_domain);
    copy_name(e, RDPNEG_NLA_NAME_DNS_COMPUTER, e->dns_computer,
              sizeof e->dns_computer, c->dns_computer);
    copy_name(e, RDPNEG_NLA_NAME_DNS_TREE, e->dns_tree, sizeof e->dns_tree,
              c->dns_tree);
    if (c->version.present)
      snprintf(e->os_version, sizeof e->os_version, "%u.%u.%u",
               (unsigned)c->version.major, (unsigned)c->version.minor,
               (unsigned)c->version.build);
    if (c->has_timestamp)
      rdpneg_unix_to_iso(rdpneg_ntlm_filetime_to_unix(c->timestamp),
                         e->server_time, sizeof e->server_time);
    e->ntlm_flags = c->flags;
  }
  e->has_skew = rdpneg_nla_clock_skew(n, &e->clock_skew_s);
  e->auth = rdpneg_nla_get_auth(n);
  e->error = rdpneg_nla_error(n);
  e->has_ntstatus = rdpneg_nla_ntstatus(n, &e->ntstatus);
  e->has_eua = rdpneg_nla_early_user_auth(n, &e->eua);
  snprintf(e->detail, sizeof e->detail, "%s", rdpneg_nla_detail(n));
}
