/* SPDX-License-Identifier: Apache-2.0 */
/* The code table of the taxonomy (internal): one row per row of
 * lib/taxonomy/codes.def, compiled once here in the base layer so that
 * every name the library prints for a code -- TLS alert, NTSTATUS,
 * SECURITY_STATUS, RDP_NEG_FAILURE code, protocol, negotiation flag --
 * comes from the same storage. The protocol codecs name codes through
 * rdpneg_codename(); the taxonomy (lib/analysis) reads the rows. There is
 * no other table of code names in lib/. */
#ifndef RDPNEG_CODES_H
#define RDPNEG_CODES_H

#include <stdint.h>

/* Code kinds; the values are the public rdpneg_kind values (the taxonomy
 * asserts that they agree). */
enum rdpneg_codekind {
#define KIND(e, v, ...) RDPNEG_CK_##e = (v),
#include "taxonomy/kinds.def"
#undef KIND
};

/* The phase column of the .def files: where a code or cause arises. */
enum rdpneg_tax_phase {
  RDPNEG_TPH_DNS,
  RDPNEG_TPH_TCP,
  RDPNEG_TPH_X224,
  RDPNEG_TPH_TLS,
  RDPNEG_TPH_NLA,
  RDPNEG_TPH_MCS,
  RDPNEG_TPH_SECURITY,
  RDPNEG_TPH_LICENSING,
  RDPNEG_TPH_BROKER,
  RDPNEG_TPH_TRANSPORT,
  RDPNEG_TPH_SESSION,
  RDPNEG_TPH_CLIENT,
  RDPNEG_TPH_ANY,
  RDPNEG_TPH_COUNT
};

/* The confidence column: official, implementation, community, inference,
 * unverified. */
enum rdpneg_tax_conf {
  RDPNEG_TCF_O,
  RDPNEG_TCF_I,
  RDPNEG_TCF_C,
  RDPNEG_TCF_INF,
  RDPNEG_TCF_UNV,
  RDPNEG_TCF_COUNT
};

typedef struct rdpneg_coderow {
  unsigned char kind;  /* enum rdpneg_codekind */
  unsigned char phase; /* enum rdpneg_tax_phase */
  unsigned char conf;  /* enum rdpneg_tax_conf */
  uint32_t value;
  const char *name; /* NULL: reported but no documented name */
  const char *alt, *source, *meaning;
} rdpneg_coderow;

/* The rows, in codes.def order (the public row indexes). */
extern const rdpneg_coderow rdpneg_codetab[];
extern const int rdpneg_codetab_len;

/* Index of the row (|kind|, |value|), or -1. */
int rdpneg_codetab_find(int kind, uint32_t value);

/* Name of code |value| of |kind| (an rdpneg_codekind), or NULL when the
 * data has no such code or the code has no documented name. Static. */
const char *rdpneg_codename(int kind, uint32_t value);

#endif
