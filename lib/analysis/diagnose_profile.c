/* SPDX-License-Identifier: Apache-2.0 */
/* Findings from the enumeration's profile: what the server accepts from
 * clients other than the one that probed it. */
#include "analysis/diagnose_profile.h"
#include "analysis/cause_ids.h"
#include "analysis/diagnose_internal.h"
#include "proto/mcs.h"

#include <stdio.h>
#include <string.h>

#define WEAK_KEY_BITS 2048

static const char *answer_of(const rdpneg_profile *p, const char *set) {
  for (int i = 0; i < p->nanswers; i++)
    if (!strcmp(p->answers[i].set, set))
      return p->answers[i].answer;
  return "";
}

/* The attempt that asked |set|, NULL when it was inferred. */
static const rdpneg_attempt_ev *attempt_of(const rdpneg_evidence *e,
                                           const char *set) {
  const rdpneg_profile *p = &e->profile;
  for (int i = 0; i < p->nanswers; i++)
    if (!strcmp(p->answers[i].set, set) && p->answers[i].attempt >= 0 &&
        p->answers[i].attempt < e->nattempts)
      return &e->att[p->answers[i].attempt];
  return NULL;
}

/* The weakest method a client gets when it offers only that one. */
static uint32_t weakest(const rdpneg_profile *p) {
  static const uint32_t order[] = {RDPNEG_ENC_NONE, RDPNEG_ENC_40BIT,
                                   RDPNEG_ENC_56BIT, RDPNEG_ENC_128BIT,
                                   RDPNEG_ENC_FIPS};
  for (int k = 0; k < 5; k++)
    for (int i = 0; i < p->nmethods; i++)
      if (p->methods[i] == order[k])
        return order[k];
  return p->enc_method;
}

static const char *name_or(const char *n) {
  return n ? n : "unknown";
}

static void nla_not_required(rdpneg_diagnosis *d, const rdpneg_evidence *e) {
  const rdpneg_profile *p = &e->profile;
  char ways[256] = "";
  size_t o = 0;
  if (!strcmp(answer_of(p, "SSL"), "SSL"))
    o += (size_t)snprintf(
        ways + o, sizeof ways - o, "%s",
        attempt_of(e, "SSL")
            ? "a request for SSL alone was answered with SSL"
            : "SSL was selected out of a larger request (so out of SSL "
              "alone too)");
  if (p->rdp_security_accepted == 1 && o < sizeof ways)
    o += (size_t)snprintf(ways + o, sizeof ways - o,
                          "%sPROTOCOL_RDP alone "
                          "was accepted",
                          o ? "; " : "");
  if (p->legacy_accepted == 1 && o < sizeof ways)
    o += (size_t)snprintf(ways + o, sizeof ways - o,
                          "%sa legacy request without RDP_NEG_REQ was "
                          "accepted",
                          o ? "; " : "");
  if (p->nla_required != 0 || !o)
    return;
  char text[400];
  snprintf(text, sizeof text,
           "clients get in without CredSSP: %s (no HYBRID_REQUIRED_BY_SERVER)"
           "%s",
           ways,
           p->nla_supported == 0
               ? "; the server never selected HYBRID or HYBRID_EX"
               : "");
  rdpneg_diag_add(d, RDPNEG_CID_NLA_NOT_REQUIRED, "x224", NULL, "high", "%s",
                  text);
}

static void rdp_security(rdpneg_diagnosis *d, const rdpneg_evidence *e) {
  const rdpneg_profile *p = &e->profile;
  char text[400], enc[200] = "";
  if (p->has_rdp_security && p->enc_level == RDPNEG_ENC_LEVEL_NONE) {
    snprintf(enc, sizeof enc,
             "; its MCS Connect Response: encryption level NONE, method %s: "
             "the connection is not encrypted at all%s",
             name_or(rdpneg_mcs_method_name(p->enc_method)),
             p->cert_type == RDPNEG_MCS_CERT_NONE ? ", no server certificate"
                                                  : "");
  } else if (p->has_rdp_security) {
    char cert[64] = "no server certificate";
    if (p->cert_type != RDPNEG_MCS_CERT_NONE)
      snprintf(cert, sizeof cert, "%s certificate, %d-bit key",
               p->cert_type == RDPNEG_MCS_CERT_X509 ? "X.509" : "proprietary",
               p->server_key_bits);
    snprintf(enc, sizeof enc,
             "; its MCS Connect Response: encryption level %s, weakest "
             "method a client gets %s (with every method offered: %s), %s",
             name_or(rdpneg_mcs_level_name(p->enc_level)),
             name_or(rdpneg_mcs_method_name(weakest(p))),
             name_or(rdpneg_mcs_method_name(p->enc_method)), cert);
  }
  if (p->rdp_security_accepted == 1) {
    snprintf(text, sizeof text,
             "a request for PROTOCOL_RDP alone was answered with "
             "PROTOCOL_RDP (Standard RDP Security, no TLS)%s",
             enc);
    rdpneg_diag_add(d, RDPNEG_CID_RDP_SECURITY_ACCEPTED, "x224", NULL, "high",
                    "%s", text);
  }
  const rdpneg_attempt_ev *top = rdpneg_evidence_top(e);
  if (p->legacy_accepted == 1 && top->x224_status != RDPNEG_X224_LEGACY) {
    const rdpneg_attempt_ev *leg = attempt_of(e, "legacy");
    int64_t sel =
        top->x224_status == RDPNEG_X224_OK ? (int64_t)top->neg_value : -1;
    char versus[80] = "";
    if (sel > 0)
      snprintf(versus, sizeof versus,
               ", while a client that negotiates gets %s",
               name_or(rdpneg_protocol_name((uint32_t)sel)));
    snprintf(text, sizeof text,
             "a Connection Request without RDP_NEG_REQ got %s and an MCS "
             "Connect Response: Standard RDP Security for a client that "
             "does not negotiate%s",
             leg && leg->x224_status == RDPNEG_X224_OK
                 ? "an RDP_NEG_RSP selecting PROTOCOL_RDP"
                 : "a Connection Confirm without negotiation data",
             versus);
    rdpneg_diag_add(d, RDPNEG_CID_LEGACY_CLIENT_ACCEPTED, "x224", NULL, "high",
                    "%s", text);
  }
  if (p->has_rdp_security && p->server_key_bits > 0 &&
      p->server_key_bits < WEAK_KEY_BITS) {
    snprintf(text, sizeof text,
             "the Standard RDP Security server certificate (%s, in the MCS "
             "Connect Response) has a %d-bit RSA key",
             p->cert_type == RDPNEG_MCS_CERT_X509 ? "X.509" : "proprietary",
             p->server_key_bits);
    rdpneg_diag_add(d, RDPNEG_CID_CERT_WEAK_KEY, "x224", NULL, "high", "%s",
                    text);
  }
}

static void tls_versions(rdpneg_diagnosis *d, const rdpneg_evidence *e) {
  const rdpneg_attempt_ev *top = rdpneg_evidence_top(e);
  /* the top connection's own rule already names a TLS 1.0/1.1 it chose */
  if (top->tls_ran && top->tls_status == RDPNEG_TLS_OK &&
      (!strcmp(top->tls->version, "TLSv1.0") ||
       !strcmp(top->tls->version, "TLSv1.1")))
    return;
  char old[40] = "";
  size_t o = 0;
  for (int i = 0; i < e->tls_versions_count; i++) {
    const rdpneg_tls_version_ev *v = &e->tls_versions[i];
    if ((v->version == 1 || v->version == 2) && v->status == RDPNEG_TLS_OK)
      o += (size_t)snprintf(old + o, sizeof old - o, "%sTLS 1.%d",
                            o ? " and " : "", v->version - 1);
  }
  if (!o)
    return;
  char text[300];
  snprintf(text, sizeof text,
           "the TLS version connections: the server accepts %s, deprecated "
           "(RFC 8996); current clients refuse them by default",
           old);
  rdpneg_diag_add(d, RDPNEG_CID_TLS_VERSION_MISMATCH, "tls", "degraded", "high",
                  "%s", text);
}

void rdpneg_diagnose_profile(rdpneg_diagnosis *d, const rdpneg_evidence *e) {
  if (!e->has_profile)
    return;
  nla_not_required(d, e);
  rdp_security(d, e);
  tls_versions(d, e);
}
