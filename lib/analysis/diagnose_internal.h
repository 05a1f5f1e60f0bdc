/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnosis internals shared by the rule files of lib/analysis (internal):
 * the findings list, how rules add to it, and the rules over one
 * connection, so that diagnose_plan.c can compare connections. */
#ifndef RDPNEG_DIAGNOSE_INTERNAL_H
#define RDPNEG_DIAGNOSE_INTERNAL_H

#include "analysis/cause_ids.h"
#include "core/evidence.h"

#include <rdpneg/rdpneg_diagnosis.h>

#include <stdio.h>

#define RDPNEG_DIAG_MAX_FINDINGS 16

typedef struct finding {
  int cid;           /* RDPNEG_CID_*: the catalogue index */
  const char *cause; /* its ID string (static) */
  const char *phase;
  const char *severity;
  const char *confidence;
  char evidence[400];
  int seen, seen_of; /* in how many of the comparable connections */
  int order;         /* rule order, keeps the sort stable */
} finding;

struct rdpneg_diagnosis {
  const rdpneg_taxonomy *tax;
  int n;
  finding f[RDPNEG_DIAG_MAX_FINDINGS];
  rdpneg_verdict verdict;
  /* reported code */
  int has_reported;
  int rep_kind;
  uint32_t rep_code;
  int rep_has_ext;
  uint32_t rep_ext;
  const char *rep_verdict;
  char rep_text[128];
  int auth_tested; /* credentials were checked over NLA */
  int nla_offered; /* the server selected HYBRID or HYBRID_EX */
  int rep_match[RDPNEG_DIAG_MAX_FINDINGS];
  /* the causes rdpneg-explain lists for the reported code */
  unsigned char rep_cand[RDPNEG_CID_COUNT];
};

/* Adds a finding of cause |cid| (RDPNEG_CID_*); |severity| NULL takes the
 * catalogue's. Ignored when the list is full. */
void rdpneg_diag_add(rdpneg_diagnosis *d, int cid, const char *phase,
                     const char *severity, const char *confidence,
                     const char *fmt, ...)
#if defined(__MINGW_PRINTF_FORMAT) /* mingw-w64: its stdio's (%zu) */
    __attribute__((format(__MINGW_PRINTF_FORMAT, 6, 7)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Removes finding |i|; index of the first finding of |cid|, or -1. */
void rdpneg_diag_remove(rdpneg_diagnosis *d, int i);
int rdpneg_diag_find(const rdpneg_diagnosis *d, int cid);

/* The rules over one connection |a| of |e| (diagnose.c). */
void rdpneg_diag_rules(rdpneg_diagnosis *d, const rdpneg_evidence *e,
                       const rdpneg_attempt_ev *a);

/* Across the connections of a plan (diagnose_plan.c): how many saw each
 * finding, failures that did not repeat, what the identification, the
 * alternative ClientHello and the small-MSS connection showed. */
void rdpneg_diagnose_plan(rdpneg_diagnosis *d, const rdpneg_evidence *e);

#endif
