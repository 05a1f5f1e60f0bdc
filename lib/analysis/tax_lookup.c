/* SPDX-License-Identifier: Apache-2.0 */
/* Taxonomy lookup: code rows by (kind, value), name or index, and the
 * cause catalogue's accessors (evidence, remedies under overrides, codes). */
#include "analysis/tax_internal.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* Code accessors                                                            */

int rdpneg_code_count(void) {
  return rdpneg_codetab_len;
}

int rdpneg_code_find(int kind, uint32_t value, int start) {
  if (!rdpneg_tax_valid_kind(kind))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  for (int i = start < 0 ? 0 : start; i < rdpneg_codetab_len; i++)
    if (rdpneg_codetab[i].value == value &&
        rdpneg_tax_kind_matches(kind, rdpneg_codetab[i].kind, 1))
      return i;
  return RDPNEG_ERR_INVALID_ARGUMENT;
}

int rdpneg_code_lookup(int kind, uint32_t value, const char **pname,
                       const char **pmeaning) {
  int i = rdpneg_code_find(kind, value, 0);
  if (i < 0 && (kind == RDPNEG_KIND_FREERDP || kind == RDPNEG_KIND_AUTO) &&
      (value >> 16) == 1)
    i = rdpneg_codetab_find(RDPNEG_KIND_ERRINFO, value & 0xFFFF);
  if (i < 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (pname)
    *pname = rdpneg_codetab[i].name;
  if (pmeaning)
    *pmeaning = rdpneg_code_meaning(i);
  return i;
}

int rdpneg_code_find_name(const char *name) {
  if (!name)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  for (int i = 0; i < rdpneg_codetab_len; i++) {
    if (rdpneg_codetab[i].name &&
        rdpneg_tax_streq_fold(name, rdpneg_codetab[i].name))
      return i;
    if (rdpneg_codetab[i].alt &&
        rdpneg_tax_streq_fold(name, rdpneg_codetab[i].alt))
      return i;
  }
  return RDPNEG_ERR_INVALID_ARGUMENT;
}

#define VALID_ROW(i) ((i) >= 0 && (i) < rdpneg_codetab_len)

int rdpneg_code_kind(int i) {
  return VALID_ROW(i) ? rdpneg_codetab[i].kind : -1;
}
uint32_t rdpneg_code_value(int i) {
  return VALID_ROW(i) ? rdpneg_codetab[i].value : 0;
}
const char *rdpneg_code_name(int i) {
  return VALID_ROW(i) ? rdpneg_codetab[i].name : NULL;
}
const char *rdpneg_code_alt_name(int i) {
  return VALID_ROW(i) ? rdpneg_codetab[i].alt : NULL;
}

/* Meaning of an mstsc discReason derived from its low byte (facts 2.2). */
const char *rdpneg_tax_disc_layer(uint32_t v) {
  switch (v & 0xFF) {
  case 0x01:
  case 0x02:
  case 0x03:
    return "non-error termination";
  case 0x04:
    return "network/transport layer (Winsock, DNS, TCP)";
  case 0x06:
    return "security layer (Standard RDP Security crypto / server security "
           "data)";
  case 0x07:
    return "SSL/CredSSP authentication result (SSL_ERR_*)";
  case 0x08:
    return "client core/UI layer (timeouts, licensing, decompression)";
  default:
    return NULL;
  }
}

static const char *const undocumented_meaning[] = {
    "Not in the official list; no citable name or meaning. The low byte "
    "0x04 suggests the network/transport layer (facts 2.2, inference).",
    "Not in the official list; no citable name or meaning. The low byte "
    "0x08 suggests the client core/UI layer (facts 2.2, inference).",
    "Not in the official list; no citable name or meaning."};

const char *rdpneg_code_meaning(int i) {
  if (!VALID_ROW(i))
    return NULL;
  if (rdpneg_codetab[i].meaning)
    return rdpneg_codetab[i].meaning;
  switch (rdpneg_codetab[i].value & 0xFF) {
  case 0x04:
    return undocumented_meaning[0];
  case 0x08:
    return undocumented_meaning[1];
  default:
    return undocumented_meaning[2];
  }
}
const char *rdpneg_code_phase(int i) {
  return VALID_ROW(i) ? rdpneg_tax_phase_names[rdpneg_codetab[i].phase] : NULL;
}
const char *rdpneg_code_source(int i) {
  return VALID_ROW(i) ? rdpneg_codetab[i].source : NULL;
}
const char *rdpneg_code_confidence(int i) {
  return VALID_ROW(i) ? rdpneg_tax_conf_names[rdpneg_codetab[i].conf] : NULL;
}

const char *rdpneg_tax_status_of_conf(int cf) {
  return cf == RDPNEG_TCF_O   ? "official"
         : cf == RDPNEG_TCF_I ? "implementation"
                              : "unofficial";
}

const char *rdpneg_code_status(int i) {
  return VALID_ROW(i) ? rdpneg_tax_status_of_conf(rdpneg_codetab[i].conf)
                      : NULL;
}

/* ------------------------------------------------------------------------ */
/* Cause accessors                                                           */

#define rdpneg_tax_valid_cause(i) ((i) >= 0 && (i) < RDPNEG_CID_COUNT)

int rdpneg_cause_count(void) {
  return RDPNEG_CID_COUNT;
}

int rdpneg_cause_find(const char *id) {
  if (!id)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  for (int i = 0; i < RDPNEG_CID_COUNT; i++)
    if (strcmp(rdpneg_tax_causetab[i].id, id) == 0)
      return i;
  return RDPNEG_ERR_INVALID_ARGUMENT;
}

const char *rdpneg_cause_id(int i) {
  return rdpneg_tax_valid_cause(i) ? rdpneg_tax_causetab[i].id : NULL;
}
const char *rdpneg_cause_title(int i) {
  return rdpneg_tax_valid_cause(i) ? rdpneg_tax_causetab[i].title : NULL;
}
const char *rdpneg_cause_description(int i) {
  return rdpneg_tax_valid_cause(i) ? rdpneg_tax_causetab[i].desc : NULL;
}
const char *rdpneg_cause_phase(int i) {
  return rdpneg_tax_valid_cause(i)
             ? rdpneg_tax_phase_names[rdpneg_tax_causetab[i].phase]
             : NULL;
}
const char *rdpneg_cause_severity(int i) {
  return rdpneg_tax_valid_cause(i)
             ? rdpneg_tax_sev_names[rdpneg_tax_causetab[i].sev]
             : NULL;
}
const char *rdpneg_cause_source(int i) {
  return rdpneg_tax_valid_cause(i) ? rdpneg_tax_causetab[i].source : NULL;
}
const char *rdpneg_cause_confidence(int i) {
  return rdpneg_tax_valid_cause(i)
             ? rdpneg_tax_conf_names[rdpneg_tax_causetab[i].conf]
             : NULL;
}

static const rdpneg_tax_evidence *evidence_at(int i, int j) {
  if (!rdpneg_tax_valid_cause(i) || j < 0)
    return NULL;
  for (int k = 0; k < rdpneg_tax_nevidence; k++)
    if (rdpneg_tax_evidencetab[k].cause == i && j-- == 0)
      return &rdpneg_tax_evidencetab[k];
  return NULL;
}

int rdpneg_cause_evidence_count(int i) {
  int n = 0;
  if (!rdpneg_tax_valid_cause(i))
    return 0;
  for (int k = 0; k < rdpneg_tax_nevidence; k++)
    n += rdpneg_tax_evidencetab[k].cause == i;
  return n;
}
const char *rdpneg_cause_evidence(int i, int j) {
  const rdpneg_tax_evidence *e = evidence_at(i, j);
  return e ? e->text : NULL;
}
const char *rdpneg_cause_evidence_where(int i, int j) {
  const rdpneg_tax_evidence *e = evidence_at(i, j);
  return e ? rdpneg_tax_where_names[e->where] : NULL;
}

const char *rdpneg_cause_evidence_source(int i, int j) {
  const rdpneg_tax_evidence *e = evidence_at(i, j);
  return e ? e->source : NULL;
}
const char *rdpneg_cause_evidence_confidence(int i, int j) {
  const rdpneg_tax_evidence *e = evidence_at(i, j);
  return e ? rdpneg_tax_conf_names[e->conf] : NULL;
}

static int builtin_remedy_count(int i) {
  int n = 0;
  for (int k = 0; k < rdpneg_tax_nremedies; k++)
    n += rdpneg_tax_remedytab[k].cause == i;
  return n;
}

static const rdpneg_tax_remedy *builtin_remedy_at(int i, int j) {
  for (int k = 0; k < rdpneg_tax_nremedies; k++)
    if (rdpneg_tax_remedytab[k].cause == i && j-- == 0)
      return &rdpneg_tax_remedytab[k];
  return NULL;
}

/* Resolves remedy |j| of cause |i| under |tax|: either a built-in row
 * (*|pb|) or an override (*|ptext|, *|psrc|). Returns 0 or -1. */
int rdpneg_tax_remedy_at(const rdpneg_taxonomy *tax, int i, int j,
                         const rdpneg_tax_remedy **pb, const char **ptext,
                         const char **psrc) {
  int nb;
  const rdpneg_tax_ovr *o;
  *pb = NULL;
  *ptext = *psrc = NULL;
  if (!rdpneg_tax_valid_cause(i) || j < 0)
    return -1;
  o = tax ? &tax->ovr[i] : NULL;
  nb = (o && o->replace) ? 0 : builtin_remedy_count(i);
  if (j < nb) {
    *pb = builtin_remedy_at(i, j);
    return *pb ? 0 : -1;
  }
  j -= nb;
  if (!o || (size_t)j >= o->n)
    return -1;
  *ptext = o->text[j];
  *psrc = o->source[j];
  return 0;
}

int rdpneg_cause_remedy_count(const rdpneg_taxonomy *tax, int i) {
  const rdpneg_tax_ovr *o;
  if (!rdpneg_tax_valid_cause(i))
    return 0;
  o = tax ? &tax->ovr[i] : NULL;
  return (o && o->replace ? 0 : builtin_remedy_count(i)) + (o ? (int)o->n : 0);
}

const char *rdpneg_cause_remedy(const rdpneg_taxonomy *tax, int i, int j) {
  const rdpneg_tax_remedy *b;
  const char *t, *s;
  if (rdpneg_tax_remedy_at(tax, i, j, &b, &t, &s) < 0)
    return NULL;
  return b ? b->text : t;
}

const char *rdpneg_cause_remedy_source(const rdpneg_taxonomy *tax, int i,
                                       int j) {
  const rdpneg_tax_remedy *b;
  const char *t, *s;
  if (rdpneg_tax_remedy_at(tax, i, j, &b, &t, &s) < 0)
    return NULL;
  return b ? b->source : s;
}

const char *rdpneg_cause_remedy_confidence(const rdpneg_taxonomy *tax, int i,
                                           int j) {
  const rdpneg_tax_remedy *b;
  const char *t, *s;
  if (rdpneg_tax_remedy_at(tax, i, j, &b, &t, &s) < 0 || !b)
    return NULL;
  return rdpneg_tax_conf_names[b->conf];
}

static const rdpneg_tax_link *cause_link_at(int i, int j) {
  if (!rdpneg_tax_valid_cause(i) || j < 0)
    return NULL;
  for (int k = 0; k < rdpneg_tax_nlinks; k++)
    if (rdpneg_tax_linktab[k].cause == i && j-- == 0)
      return &rdpneg_tax_linktab[k];
  return NULL;
}

int rdpneg_cause_code_count(int i) {
  int n = 0;
  if (!rdpneg_tax_valid_cause(i))
    return 0;
  for (int k = 0; k < rdpneg_tax_nlinks; k++)
    n += rdpneg_tax_linktab[k].cause == i;
  return n;
}

int rdpneg_cause_code(int i, int j, int *pkind, uint32_t *plo, uint32_t *phi) {
  const rdpneg_tax_link *l = cause_link_at(i, j);
  if (!l)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (pkind)
    *pkind = l->kind;
  if (plo)
    *plo = l->lo;
  if (phi)
    *phi = l->hi;
  return 0;
}

int rdpneg_cause_code_extended(int i, int j, uint32_t *pext) {
  const rdpneg_tax_link *l = cause_link_at(i, j);
  if (!l)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (l->has_ext && pext)
    *pext = l->ext;
  return l->has_ext ? 1 : 0;
}

const char *rdpneg_cause_code_confidence(int i, int j) {
  const rdpneg_tax_link *l = cause_link_at(i, j);
  return l ? rdpneg_tax_conf_names[l->conf] : NULL;
}

int rdpneg_cid_of_code(int kind, uint32_t value) {
  for (int k = 0; k < rdpneg_tax_nlinks; k++) {
    const rdpneg_tax_link *l = &rdpneg_tax_linktab[k];
    if (!l->has_ext && l->rank == 1 && l->kind == kind && value >= l->lo &&
        value <= l->hi)
      return l->cause;
  }
  return -1;
}
