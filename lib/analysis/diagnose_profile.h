/* SPDX-License-Identifier: Apache-2.0 */
/* Findings from the enumeration's profile (analysis, internal): called by
 * rdpneg_diagnose after the rules over the connections. */
#ifndef RDPNEG_DIAGNOSE_PROFILE_H
#define RDPNEG_DIAGNOSE_PROFILE_H

#include "core/evidence.h"

#include <rdpneg/rdpneg_diagnosis.h>

/* NLA not required, Standard RDP Security accepted (with its weakest
 * encryption), legacy clients accepted, TLS 1.0/1.1 accepted, a weak
 * Standard RDP Security server key: added to |d|. Nothing without a
 * profile. */
void rdpneg_diagnose_profile(rdpneg_diagnosis *d, const rdpneg_evidence *e);

#endif
