/* SPDX-License-Identifier: Apache-2.0 */
/* The diagnosis as JSON: the "diagnosis" array and the "reported" object
 * of the probe document (findings, remedies, client codes, the cross-check
 * of a reported code). */
#include "analysis/diagnose.h"
#include "analysis/diagnose_internal.h"
#include "base/json.h"

#include <rdpneg/rdpneg_taxonomy.h>

#include <string.h>

static void json_remedies(rdpneg_json *w, const rdpneg_taxonomy *tax, int ci) {
  rdpneg_json_arr_begin(w, "remedies");
  int n = ci >= 0 ? rdpneg_cause_remedy_count(tax, ci) : 0;
  for (int j = 0; j < n; j++)
    rdpneg_json_str(w, NULL, rdpneg_cause_remedy(tax, ci, j));
  rdpneg_json_arr_end(w);
}

static void json_client_codes(rdpneg_json *w, int ci) {
  rdpneg_json_arr_begin(w, "client_codes");
  int n = ci >= 0 ? rdpneg_cause_code_count(ci) : 0;
  for (int j = 0; j < n; j++) {
    int kind;
    uint32_t lo, hi;
    if (rdpneg_cause_code(ci, j, &kind, &lo, &hi) != 0)
      continue;
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "kind", rdpneg_kind_name(kind));
    rdpneg_json_hex(w, "code", lo, kind == RDPNEG_KIND_NTSTATUS ? 8 : 1);
    if (hi != lo)
      rdpneg_json_hex(w, "code_to", hi, 1);
    const char *name = NULL;
    if (rdpneg_code_lookup(kind, lo, &name, NULL) >= 0 && name)
      rdpneg_json_str(w, "name", name);
    const char *conf = rdpneg_cause_code_confidence(ci, j);
    if (conf)
      rdpneg_json_str(w, "confidence", conf);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
}

void rdpneg_diagnosis_write_json(const rdpneg_diagnosis *d, rdpneg_json *w) {
  rdpneg_json_arr_begin(w, "diagnosis");
  for (int i = 0; i < d->n; i++) {
    const finding *f = &d->f[i];
    int ci = f->cid;
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "cause", f->cause);
    rdpneg_json_str(w, "title", ci >= 0 ? rdpneg_cause_title(ci) : NULL);
    rdpneg_json_str(w, "phase", f->phase);
    rdpneg_json_str(w, "severity", f->severity);
    rdpneg_json_str(w, "confidence", f->confidence);
    rdpneg_json_str(w, "evidence", f->evidence);
    rdpneg_json_obj_begin(w, "seen");
    rdpneg_json_int(w, "attempts", f->seen);
    rdpneg_json_int(w, "of", f->seen_of);
    rdpneg_json_obj_end(w);
    json_remedies(w, d->tax, ci);
    json_client_codes(w, ci);
    if (d->has_reported)
      rdpneg_json_bool(w, "matches_reported", d->rep_match[i]);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
  if (!d->has_reported) {
    rdpneg_json_null(w, "reported");
    return;
  }
  rdpneg_json_obj_begin(w, "reported");
  rdpneg_json_str(w, "kind", rdpneg_kind_name(d->rep_kind));
  rdpneg_json_hex(w, "code", d->rep_code, 1);
  const char *name = NULL;
  if (rdpneg_code_lookup(d->rep_kind, d->rep_code, &name, NULL) >= 0)
    rdpneg_json_str(w, "name", name);
  if (d->rep_has_ext) {
    rdpneg_json_hex(w, "extended", d->rep_ext, 1);
    name = NULL;
    rdpneg_code_lookup(RDPNEG_KIND_EXTENDED, d->rep_ext, &name, NULL);
    rdpneg_json_str(w, "extended_name", name);
  }
  rdpneg_json_str(w, "verdict", d->rep_verdict);
  rdpneg_json_arr_begin(w, "matching_causes");
  for (int i = 0; i < d->n; i++)
    if (d->rep_match[i])
      rdpneg_json_str(w, NULL, d->f[i].cause);
  rdpneg_json_arr_end(w);
  /* server healthy from here: what is left on the client side */
  rdpneg_json_arr_begin(w, "client_side_candidates");
  int cand[64];
  int nc = rdpneg_diagnosis_client_candidates(d, cand, 64);
  for (int k = 0; k < nc; k++) {
    int ci = cand[k];
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "cause", rdpneg_cause_id(ci));
    rdpneg_json_str(w, "title", rdpneg_cause_title(ci));
    rdpneg_json_str(w, "phase", rdpneg_cause_phase(ci));
    json_remedies(w, d->tax, ci);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
  rdpneg_json_obj_end(w);
}

RDPNEG_EXTERN int rdpneg_diagnosis_json(const rdpneg_diagnosis *d, char **pjson,
                                        size_t *plen) {
  if (!d || !pjson)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_json w;
  rdpneg_json_init(&w, 1);
  rdpneg_json_obj_begin(&w, NULL);
  rdpneg_diagnosis_write_json(d, &w);
  rdpneg_json_obj_end(&w);
  int err = w.err;
  *pjson = rdpneg_json_take(&w, plen);
  return *pjson ? 0 : (err ? err : RDPNEG_ERR_NOMEM);
}
