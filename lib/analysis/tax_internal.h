/* SPDX-License-Identifier: Apache-2.0 */
/* Taxonomy internals shared by lib/analysis/tax_*.c (one file per job):
 *
 *   tax_tables.c       tables expanded from the .def files in lib/taxonomy/,
 * kinds, sources, shared helpers tax_lookup.c       code rows and cause
 * catalogue accessors tax_overrides.c    taxonomy handles, vendor remedy
 * overrides tax_explain.c      interpretations and candidate causes of a code
 *   tax_render_json.c  explain / cause / taxonomy as JSON
 *   tax_render_text.c  explain / cause as wrapped text
 *
 * The code rows themselves live in base/codes.c (rdpneg_codetab), shared
 * with the protocol layers that print code names. */
#ifndef RDPNEG_TAX_INTERNAL_H
#define RDPNEG_TAX_INTERNAL_H

#include <rdpneg/rdpneg_taxonomy.h>

#include "analysis/cause_ids.h"
#include "base/codes.h"

#include <stddef.h>
#include <stdint.h>

/* ---- Enumerations used by the .def files (phase and confidence are in
 * base/codes.h) ---------------------------------------------------------- */

enum rdpneg_tax_sev {
  RDPNEG_TSEV_FAILING,
  RDPNEG_TSEV_DEGRADED,
  RDPNEG_TSEV_INFO
};
enum rdpneg_tax_where {
  RDPNEG_TWH_PROBE,
  RDPNEG_TWH_SERVER,
  RDPNEG_TWH_CLIENT
};

extern const char *const rdpneg_tax_phase_names[RDPNEG_TPH_COUNT];
extern const char *const rdpneg_tax_conf_names[RDPNEG_TCF_COUNT];
extern const char *const rdpneg_tax_conf_texts[RDPNEG_TCF_COUNT];
extern const char *const rdpneg_tax_sev_names[];
extern const char *const rdpneg_tax_where_names[];

/* ---- Tables (tax_tables.c) --------------------------------------------- */

typedef struct rdpneg_tax_kind {
  const char *name;
  int in_auto;
  int digits;
  const char *title;
  const char *note;
} rdpneg_tax_kind;

typedef struct rdpneg_tax_cause {
  const char *id;
  unsigned char phase, sev, conf;
  const char *source, *title, *desc;
} rdpneg_tax_cause;

typedef struct rdpneg_tax_evidence {
  unsigned short cause;
  unsigned char where, conf;
  const char *source, *text;
} rdpneg_tax_evidence;

typedef struct rdpneg_tax_remedy {
  unsigned short cause;
  unsigned char conf;
  const char *source, *text;
} rdpneg_tax_remedy;

typedef struct rdpneg_tax_link {
  unsigned char kind, has_ext, conf;
  unsigned short rank, cause;
  uint32_t lo, hi, ext;
  const char *source, *why;
} rdpneg_tax_link;

typedef struct rdpneg_tax_note {
  unsigned char kind, has_ext, conf;
  uint32_t value, ext;
  const char *source, *text;
} rdpneg_tax_note;

typedef struct rdpneg_tax_related {
  unsigned char ka, kb, conf;
  uint32_t va, vb;
  const char *source, *note;
} rdpneg_tax_related;

typedef struct rdpneg_tax_source {
  const char *key, *desc;
} rdpneg_tax_source;

extern const rdpneg_tax_kind rdpneg_tax_kindtab[RDPNEG_KIND_COUNT];
extern const rdpneg_tax_cause rdpneg_tax_causetab[RDPNEG_CID_COUNT];
extern const rdpneg_tax_evidence rdpneg_tax_evidencetab[];
extern const int rdpneg_tax_nevidence;
extern const rdpneg_tax_remedy rdpneg_tax_remedytab[];
extern const int rdpneg_tax_nremedies;
extern const rdpneg_tax_link rdpneg_tax_linktab[];
extern const int rdpneg_tax_nlinks;
extern const rdpneg_tax_note rdpneg_tax_notetab[];
extern const int rdpneg_tax_nnotes;
extern const rdpneg_tax_related rdpneg_tax_relatedtab[];
extern const int rdpneg_tax_nrelated;
extern const rdpneg_tax_source rdpneg_tax_sourcetab[];
extern const int rdpneg_tax_nsources;

static inline int rdpneg_tax_valid_kind(int kind) {
  return kind >= 0 && kind < RDPNEG_KIND_COUNT;
}
static inline int rdpneg_tax_valid_cause(int i) {
  return i >= 0 && i < RDPNEG_CID_COUNT;
}
/* Lore: community pages and unverified claims. */
static inline int rdpneg_tax_conf_is_lore(int cf) {
  return cf == RDPNEG_TCF_C || cf == RDPNEG_TCF_UNV;
}

/* Case-insensitive comparison that also equates '-' and '_'. */
int rdpneg_tax_streq_fold(const char *a, const char *b);
/* Formats |v| the way |kind| writes its values. */
void rdpneg_tax_fmt_value(char *buf, size_t cap, int kind, uint32_t v);
void rdpneg_tax_fmt_hex(char *buf, size_t cap, uint32_t v);
/* Short label of a kind: its title up to the first " (". */
const char *rdpneg_tax_kind_label(int kind, char *buf, size_t cap);
/* Row kind |rk| answers a query for kind |qk|. */
int rdpneg_tax_kind_matches(int qk, int rk, int auto_all);

/* ---- Lookup (tax_lookup.c) ---------------------------------------------- */

/* Meaning of an mstsc discReason derived from its low byte (facts 2.2). */
const char *rdpneg_tax_disc_layer(uint32_t v);
/* "official", "implementation" or "unofficial". */
const char *rdpneg_tax_status_of_conf(int cf);

/* ---- Handles and overrides (tax_overrides.c) ---------------------------- */

typedef struct rdpneg_tax_ovr {
  int replace;   /* 1: built-in remedies hidden */
  size_t n;      /* override remedies */
  char **text;   /* n strings */
  char **source; /* n strings ("override: <label>") */
} rdpneg_tax_ovr;

struct rdpneg_taxonomy {
  rdpneg_tax_ovr ovr[RDPNEG_CID_COUNT];
};

/* Resolves remedy |j| of cause |i| under |tax|: either a built-in row
 * (*|pb|) or an override (*|ptext|, *|psrc|). Returns 0 or -1.
 * (tax_lookup.c) */
int rdpneg_tax_remedy_at(const rdpneg_taxonomy *tax, int i, int j,
                         const rdpneg_tax_remedy **pb, const char **ptext,
                         const char **psrc);

/* ---- Explain (tax_explain.c) --------------------------------------------- */

enum rdpneg_tax_via {
  RDPNEG_TAX_VIA_NONE,
  RDPNEG_TAX_VIA_FREERDP_ERRINFO,
  RDPNEG_TAX_VIA_EXT_RANGE
};

typedef struct rdpneg_tax_interp {
  int row;        /* rdpneg_codetab[] index */
  int kind;       /* kind it is presented as */
  uint32_t value; /* value as queried */
  int via;
} rdpneg_tax_interp;

#define RDPNEG_TAX_MAX_INTERP 32

typedef struct rdpneg_tax_cand {
  int cause;
  int rank; /* rank within its code */
  const rdpneg_tax_link *link;
  int from_ext; /* 1: linked through the extended code */
} rdpneg_tax_cand;

typedef struct rdpneg_tax_explain {
  int kind; /* effective primary kind */
  uint32_t code;
  int has_ext;
  uint32_t ext;
  rdpneg_tax_interp prim[RDPNEG_TAX_MAX_INTERP];
  int nprim;
  rdpneg_tax_interp exti[RDPNEG_TAX_MAX_INTERP];
  int next;
  rdpneg_tax_cand cands[RDPNEG_CID_COUNT];
  int ncand;
  int pair; /* candidates come from pair links */
} rdpneg_tax_explain;

void rdpneg_tax_run_explain(rdpneg_tax_explain *e, int kind, uint32_t code,
                            int has_ext, uint32_t ext);
/* 1 when the code (and the extended code, if any) is in the taxonomy. */
int rdpneg_tax_explain_found(const rdpneg_tax_explain *e);
/* Kind and value under which links of an interpretation are looked up. */
void rdpneg_tax_link_key(const rdpneg_tax_interp *it, int *pk, uint32_t *pv);

/* Calls |fn| for every code related to interpretation |it|. */
typedef void (*rdpneg_tax_related_fn)(void *ctx, int kind, uint32_t value,
                                      const char *note, const char *source,
                                      int conf);
void rdpneg_tax_for_related(const rdpneg_tax_interp *it,
                            rdpneg_tax_related_fn fn, void *ctx);
/* Display name of an interpretation. */
void rdpneg_tax_interp_name(const rdpneg_tax_interp *it, char *buf, size_t cap);

#endif
