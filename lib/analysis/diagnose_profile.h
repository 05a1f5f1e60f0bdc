/* Findings from the enumeration's profile (analysis, internal): called by
 * rdpneg_diagnose with a function that records one finding. */
#ifndef RDPNEG_DIAGNOSE_PROFILE_H
#define RDPNEG_DIAGNOSE_PROFILE_H

#include "core/evidence.h"

/* Records a finding: cause RDPNEG_CID_*, phase, severity (NULL: the
 * cause's own), confidence, what was seen. */
typedef void (*rdpneg_diag_add_fn)(void *ctx, int cid, const char *phase,
                                   const char *severity, const char *confidence,
                                   const char *text);

/* NLA not required, Standard RDP Security accepted (with its weakest
 * encryption), legacy clients accepted, TLS 1.0/1.1 accepted, a weak
 * Standard RDP Security server key. Nothing without a profile. */
void rdpneg_diagnose_profile(const rdpneg_evidence *e, rdpneg_diag_add_fn add,
                             void *ctx);

#endif
