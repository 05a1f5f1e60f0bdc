/* SPDX-License-Identifier: Apache-2.0 */
/* Sans-I/O CredSSP (NLA) client, internal.
 *
 * Runs after the TLS handshake, on the plaintext inside TLS: the session
 * feeds what it decrypted (rdpneg_nla_input) and writes what the module
 * queued (rdpneg_nla_output). No sockets, no clock: the wall clock is
 * a parameter, randomness comes from a callback.
 *
 * Exchange (MS-CSSP 3.1.5):
 *   -> TSRequest v6 { negoTokens: NEGOTIATE (raw NTLM or SPNEGO NegTokenInit) }
 *   <- TSRequest { version, negoTokens: CHALLENGE }   (or errorCode)
 *      without credentials the module stops here (auth "not_tested")
 *   -> TSRequest v6 { negoTokens: AUTHENTICATE [+ mechListMIC],
 *                     pubKeyAuth, clientNonce (server v5+) }
 *   <- TSRequest { pubKeyAuth }   -> auth "success"
 *      or errorCode (NTSTATUS)    -> auth "failed", precise reason
 *      or close                   -> auth "failed", RDPNEG_ERR_AUTH_CLOSED
 *   <- 4-byte Early User Authorization Result (HYBRID_EX), if it comes
 * TSCredentials (authInfo) are never sent.
 *
 * Every TSRequest we send carries our version (6): FreeRDP servers drop a
 * peer whose version changes mid-exchange. The public-key binding follows
 * min(6, server version): public-key echo below 5, SHA-256 hash with
 * clientNonce from 5 on.
 *
 * The password is read once, in rdpneg_nla_new(), to compute NTOWFv2; the
 * module keeps only that key and zeroises it in rdpneg_nla_free(). Neither
 * appears in the detail text or the JSON. */
#ifndef RDPNEG_NLA_H
#define RDPNEG_NLA_H

#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "proto/crypto.h"
#include "proto/ntlm.h"

typedef struct rdpneg_nla rdpneg_nla;

/* Source of the client challenge, session key and nonce: fills |buf| with
 * |len| random bytes, returns 0 on success (see crypto.h;
 * rdpneg_tls_random can be passed). */
typedef rdpneg_crypto_rng_cb rdpneg_nla_rng_cb;

typedef struct rdpneg_nla_params {
  int use_spnego;       /* 1: SPNEGO-wrapped NTLM (what Windows sends); 0: raw
                           NTLM (what FreeRDP 2.x servers expect) */
  const char *user;     /* UTF-8; NULL = no credentials (stop after the
                           CHALLENGE) */
  const char *domain;   /* UTF-8; NULL = "" */
  const char *password; /* UTF-8; read during rdpneg_nla_new only */
  const char *workstation;      /* NetBIOS name in AUTHENTICATE; NULL = "" */
  const char *target_spn;       /* MsvAvTargetName, e.g. "TERMSRV/host";
                                   NULL = not sent */
  const uint8_t *server_pubkey; /* SubjectPublicKey of the TLS certificate,
                                   as mbedtls_pk_write_pubkey() writes it
                                   (RSAPublicKey for RSA); copied; needed
                                   with credentials */
  size_t server_pubkey_len;
  int hybrid_ex;         /* HYBRID_EX selected: accept an Early User
                            Authorization Result after pubKeyAuth */
  rdpneg_nla_rng_cb rng; /* required with credentials */
  void *rng_ctx;
  int64_t now_unix; /* wall clock (s since 1970) for clock skew and the
                       NTLMv2 time; 0 = unknown */
} rdpneg_nla_params;

typedef enum rdpneg_nla_status {
  RDPNEG_NLA_STATUS_SKIPPED = 0, /* not started */
  RDPNEG_NLA_STATUS_RUNNING = 1,
  RDPNEG_NLA_STATUS_OK = 2,    /* CHALLENGE read (no credentials) or
                                  credentials accepted */
  RDPNEG_NLA_STATUS_FAILED = 3 /* anything else, rejection included */
} rdpneg_nla_status;

typedef enum rdpneg_nla_auth {
  RDPNEG_NLA_AUTH_NOT_TESTED = 0,
  RDPNEG_NLA_AUTH_SUCCESS = 1,
  RDPNEG_NLA_AUTH_FAILED = 2
} rdpneg_nla_auth;

/* Creates the client. Strings and the public key are copied (the caller may
 * free its copies at once); the password is only used to compute NTOWFv2.
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT (user without password, rng or
 * server key; text not UTF-8), RDPNEG_ERR_NOMEM or RDPNEG_ERR_CRYPTO. */
int rdpneg_nla_new(rdpneg_nla **pn, const rdpneg_nla_params *params);
/* Zeroises the keys and frees. NULL is a no-op. */
void rdpneg_nla_free(rdpneg_nla *n);

/* Queues the first TSRequest (NEGOTIATE). Returns 0, RDPNEG_ERR_NOMEM,
 * RDPNEG_ERR_INVALID_STATE (already started). */
int rdpneg_nla_start(rdpneg_nla *n);

/* Number of bytes queued for the server (plaintext to write inside TLS). */
size_t rdpneg_nla_pending(const rdpneg_nla *n);
/* The queued bytes: |*len| of them at the returned pointer, which stays
 * owned by |n| and valid until the next call that changes |n|. */
const uint8_t *rdpneg_nla_output(const rdpneg_nla *n, size_t *len);
/* Drops the first |len| queued bytes (once they were written). */
void rdpneg_nla_output_consume(rdpneg_nla *n, size_t len);

/* Plaintext received inside TLS (borrowed for the call); may hold part of
 * a TSRequest or several. Returns 0 (consumed; check rdpneg_nla_done), or
 * the error that ended the exchange:
 *   RDPNEG_ERR_TSREQUEST_MALFORMED, RDPNEG_ERR_NTLM_MALFORMED,
 *   RDPNEG_ERR_SPNEGO_MALFORMED   the server sent something undecodable
 *   RDPNEG_ERR_CREDSSP_VERSION    version < 1, or changed mid-exchange
 *   RDPNEG_ERR_UNSUPPORTED        SPNEGO reject / no extended session
 *                                 security: NTLM refused
 *   RDPNEG_ERR_AUTH_FAILED        errorCode NTSTATUS (see
 *                                 rdpneg_nla_ntstatus)
 *   RDPNEG_ERR_AUTH_ACCESS_DENIED STATUS_ACCESS_DENIED /
 *                                 LOGON_TYPE_NOT_GRANTED / AUTHZ_ACCESS_DENIED
 *   RDPNEG_ERR_PUBKEY_MISMATCH    pubKeyAuth does not verify
 *   RDPNEG_ERR_NOMEM, RDPNEG_ERR_CRYPTO
 * After the end, further input is ignored (0, or the same error). */
int rdpneg_nla_input(rdpneg_nla *n, const uint8_t *data, size_t len);

/* TLS close / EOF from the server. Before the CHALLENGE: PEER_CLOSED; after
 * AUTHENTICATE without any reason: AUTH_CLOSED (auth "failed"; FreeRDP's
 * shadow server does this for a wrong password). Returns 0 when the close
 * does not change the verdict (after the end), else that error. */
int rdpneg_nla_peer_closed(rdpneg_nla *n);

/* Ends a running exchange from outside (timeout, reset): records |err|
 * and |detail| (copied, may be NULL). No-op after the end. Returns |err|. */
int rdpneg_nla_abort(rdpneg_nla *n, int err, const char *detail);

/* 1 once the verdict is final (also while an Early User Authorization
 * Result may still arrive, see rdpneg_nla_wants_eua), else 0. */
int rdpneg_nla_done(const rdpneg_nla *n);
/* 1 after a verified pubKeyAuth with HYBRID_EX and no Early User
 * Authorization Result yet. Windows sends that PDU only after the
 * TSCredentials, which this module never sends, so waiting for it is
 * optional (a short grace period at most). */
int rdpneg_nla_wants_eua(const rdpneg_nla *n);

/* Accessors for verdicts and diagnosis. */
rdpneg_nla_status rdpneg_nla_get_status(const rdpneg_nla *n);
rdpneg_nla_auth rdpneg_nla_get_auth(const rdpneg_nla *n);
/* RDPNEG_ERR_* that ended the exchange, 0 if none. */
int rdpneg_nla_error(const rdpneg_nla *n);
/* 1 and *|status| when the server sent a non-zero errorCode, else 0. */
int rdpneg_nla_ntstatus(const rdpneg_nla *n, uint32_t *status);
/* Server's announced CredSSP version, 0 before its first TSRequest. */
int rdpneg_nla_credssp_version(const rdpneg_nla *n);
/* 1 and server time minus now_unix (s) when both are known, else 0. */
int rdpneg_nla_clock_skew(const rdpneg_nla *n, int64_t *skew_s);
/* The decoded CHALLENGE (names, OS version, flags, timestamp), NULL until
 * one was parsed. Valid until rdpneg_nla_free. */
const rdpneg_ntlm_challenge *rdpneg_nla_challenge(const rdpneg_nla *n);
/* 1 and *|code| (0 AUTHZ_SUCCESS, 5 AUTHZ_ACCESS_DENIED) once received. */
int rdpneg_nla_early_user_auth(const rdpneg_nla *n, uint32_t *code);
/* 1 when the exchange used SPNEGO. */
int rdpneg_nla_spnego(const rdpneg_nla *n);
/* Human-readable detail ("" when none). Valid until the next call that
 * changes |n|. */
const char *rdpneg_nla_detail(const rdpneg_nla *n);

/* Name of an NTSTATUS / SECURITY_STATUS a CredSSP server may return
 * ("STATUS_LOGON_FAILURE", "SEC_E_LOGON_DENIED"; values from the fact
 * sheet, taxonomy-facts.md 6.2/6.3), NULL when unknown. */
const char *rdpneg_nla_ntstatus_name(uint32_t status);

#define RDPNEG_NLA_NAME_MAX 256

/* The NLA (CredSSP) phase as observed. Strings are "" when absent; the
 * has_* flags say which optional values are present. */
typedef struct rdpneg_nla_ev {
  int ran;             /* CredSSP was started */
  int status;          /* rdpneg_nla_status values: 0 skipped, 1 running, 2 ok,
                          3 failed */
  int spnego;          /* the exchange used SPNEGO */
  int credssp_version; /* server's TSRequest version, 0 unknown */
  int has_challenge;
  char target_name[RDPNEG_NLA_NAME_MAX];
  char nb_domain[RDPNEG_NLA_NAME_MAX];
  char nb_computer[RDPNEG_NLA_NAME_MAX];
  char dns_domain[RDPNEG_NLA_NAME_MAX];
  char dns_computer[RDPNEG_NLA_NAME_MAX];
  char dns_tree[RDPNEG_NLA_NAME_MAX];
  uint8_t present;      /* bit i: the i-th name above was sent (may be "") */
  char os_version[24];  /* "10.0.19041", "" when absent */
  char server_time[32]; /* ISO 8601 UTC, "" when absent */
  int has_skew;
  int64_t clock_skew_s;
  uint32_t ntlm_flags;
  int auth;  /* rdpneg_nla_auth values: 0 not tested, 1 success, 2 failed */
  int error; /* RDPNEG_ERR_* that ended the exchange, 0 if none */
  int has_ntstatus;
  uint32_t ntstatus;
  int has_eua;
  uint32_t eua;
  char detail[200];
} rdpneg_nla_ev;

/* Name bits of rdpneg_nla_ev.present, in JSON order. */
enum {
  RDPNEG_NLA_NAME_TARGET,
  RDPNEG_NLA_NAME_NB_DOMAIN,
  RDPNEG_NLA_NAME_NB_COMPUTER,
  RDPNEG_NLA_NAME_DNS_DOMAIN,
  RDPNEG_NLA_NAME_DNS_COMPUTER,
  RDPNEG_NLA_NAME_DNS_TREE,
  RDPNEG_NLA_NAME_COUNT
};

/* Copies what the exchange observed into |e| (NULL |n|: a phase that never
 * started). */
void rdpneg_nla_evidence(const rdpneg_nla *n, rdpneg_nla_ev *e);

#endif
