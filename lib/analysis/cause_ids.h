/* SPDX-License-Identifier: Apache-2.0 */
/* Cause IDs checked by the compiler (internal): RDPNEG_CID_<ID> for every
 * CAUSE row of lib/taxonomy/causes.def, in file order. The value of
 * RDPNEG_CID_<ID> is the cause's index for the rdpneg_cause_*() accessors,
 * so code that names a cause writes RDPNEG_CID_CERT_EXPIRED rather than
 * the string "CERT_EXPIRED", and a typo or a removed cause fails to build. */
#ifndef RDPNEG_CAUSE_IDS_H
#define RDPNEG_CAUSE_IDS_H

#include <stdint.h>

enum rdpneg_cid {
#define CAUSE(id, ...) RDPNEG_CID_##id,
#define EVIDENCE(...)
#define REMEDY(...)
#include "taxonomy/causes.def"
#undef CAUSE
#undef EVIDENCE
#undef REMEDY
  RDPNEG_CID_COUNT
};

/* The ID string of |cid| ("CERT_EXPIRED"), equal to rdpneg_cause_id(cid);
 * NULL when |cid| is not an RDPNEG_CID_* value. Static. */
const char *rdpneg_cid_str(int cid);

/* The first-ranked cause lib/taxonomy/links.def links to code |value| of
 * |kind| (an rdpneg_kind) on its own -- e.g. RDP_NEG_FAILURE 5 ->
 * RDPNEG_CID_NLA_REQUIRED_BY_SERVER -- or -1 when no link names it. */
int rdpneg_cid_of_code(int kind, uint32_t value);

#endif
