/* Cause IDs checked by the compiler (internal): RDPNEG_CID_<ID> for every
 * CAUSE row of lib/taxonomy/causes.def, in file order. The value of
 * RDPNEG_CID_<ID> is the cause's index for the rdpneg_cause_*() accessors,
 * so code that names a cause writes RDPNEG_CID_CERT_EXPIRED rather than
 * the string "CERT_EXPIRED", and a typo or a removed cause fails to build. */
#ifndef RDPNEG_CAUSE_IDS_H
#define RDPNEG_CAUSE_IDS_H

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

#endif
