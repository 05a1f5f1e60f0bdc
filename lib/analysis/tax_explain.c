/* SPDX-License-Identifier: Apache-2.0 */
/* Explain: the interpretations of a code (or a pair) and the candidate
 * causes linked to them, in the order to check them. */
#include "analysis/tax_internal.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Explain: collecting interpretations and candidates                        */

static void add_interp(rdpneg_tax_interp *arr, int *n, int row, int kind,
                       uint32_t v, int via) {
  for (int k = 0; k < *n; k++)
    if (arr[k].row == row && arr[k].kind == kind)
      return;
  if (*n < RDPNEG_TAX_MAX_INTERP) {
    arr[*n].row = row;
    arr[*n].kind = kind;
    arr[*n].value = v;
    arr[*n].via = via;
    (*n)++;
  }
}

static void collect(rdpneg_tax_interp *arr, int *n, int kind, uint32_t v) {
  /* In kind order, so that AUTO lists mstsc codes first. */
  for (int k = 1; k < RDPNEG_KIND_COUNT; k++)
    for (int i = 0; i < rdpneg_codetab_len; i++)
      if (rdpneg_codetab[i].kind == k && rdpneg_codetab[i].value == v &&
          rdpneg_tax_kind_matches(kind, k, 0))
        add_interp(arr, n, i, k, v, RDPNEG_TAX_VIA_NONE);
  /* FreeRDP class 1 wraps an ERRINFO value. */
  if ((kind == RDPNEG_KIND_FREERDP || kind == RDPNEG_KIND_AUTO) &&
      (v >> 16) == 1 && rdpneg_codetab_find(RDPNEG_KIND_FREERDP, v) < 0) {
    int r = rdpneg_codetab_find(RDPNEG_KIND_ERRINFO, v & 0xFFFF);
    if (r >= 0)
      add_interp(arr, n, r, RDPNEG_KIND_FREERDP, v,
                 RDPNEG_TAX_VIA_FREERDP_ERRINFO);
  }
  /* The extended protocol range carries the server's ERRINFO value. */
  if (kind == RDPNEG_KIND_EXTENDED && v >= 0x1000 && v <= 0x7FFF &&
      rdpneg_codetab_find(RDPNEG_KIND_EXTENDED, v) < 0) {
    int r = rdpneg_codetab_find(RDPNEG_KIND_ERRINFO, v);
    if (r >= 0)
      add_interp(arr, n, r, RDPNEG_KIND_EXTENDED, v, RDPNEG_TAX_VIA_EXT_RANGE);
  }
}

/* Kind and value under which links of an interpretation are looked up. */
void rdpneg_tax_link_key(const rdpneg_tax_interp *it, int *pk, uint32_t *pv) {
  if (it->via == RDPNEG_TAX_VIA_FREERDP_ERRINFO) {
    *pk = RDPNEG_KIND_ERRINFO;
    *pv = it->value & 0xFFFF;
  } else {
    *pk = it->kind;
    *pv = it->value;
  }
}

static void add_cand(rdpneg_tax_explain *e, const rdpneg_tax_link *l,
                     int from_ext) {
  for (int k = 0; k < e->ncand; k++)
    if (e->cands[k].cause == l->cause)
      return;
  if (e->ncand < RDPNEG_CID_COUNT) {
    e->cands[e->ncand].cause = l->cause;
    e->cands[e->ncand].rank = l->rank;
    e->cands[e->ncand].link = l;
    e->cands[e->ncand].from_ext = from_ext;
    e->ncand++;
  }
}

/* Adds the single-code links of |it| in rank order. */
static void add_links_of(rdpneg_tax_explain *e, const rdpneg_tax_interp *it,
                         int from_ext) {
  int k;
  uint32_t v;
  rdpneg_tax_link_key(it, &k, &v);
  for (int rank = 1; rank <= 64; rank++)
    for (int i = 0; i < rdpneg_tax_nlinks; i++)
      if (!rdpneg_tax_linktab[i].has_ext && rdpneg_tax_linktab[i].kind == k &&
          rdpneg_tax_linktab[i].rank == rank && v >= rdpneg_tax_linktab[i].lo &&
          v <= rdpneg_tax_linktab[i].hi)
        add_cand(e, &rdpneg_tax_linktab[i], from_ext);
}

void rdpneg_tax_run_explain(rdpneg_tax_explain *e, int kind, uint32_t code,
                            int has_ext, uint32_t ext) {
  memset(e, 0, sizeof *e);
  e->kind =
      (kind == RDPNEG_KIND_AUTO && has_ext) ? RDPNEG_KIND_DISCONNECT : kind;
  e->code = code;
  e->has_ext = has_ext;
  e->ext = ext;
  collect(e->prim, &e->nprim, e->kind, code);
  if (has_ext)
    collect(e->exti, &e->next, RDPNEG_KIND_EXTENDED, ext);

  if (has_ext) {
    for (int rank = 1; rank <= 64; rank++)
      for (int i = 0; i < rdpneg_tax_nlinks; i++)
        if (rdpneg_tax_linktab[i].has_ext &&
            rdpneg_tax_linktab[i].rank == rank &&
            rdpneg_tax_linktab[i].lo == code &&
            rdpneg_tax_linktab[i].ext == ext &&
            rdpneg_tax_kind_matches(e->kind, rdpneg_tax_linktab[i].kind, 0))
          add_cand(e, &rdpneg_tax_linktab[i], 0);
    e->pair = e->ncand > 0;
  }
  if (!e->pair) {
    for (int k = 0; k < e->nprim; k++)
      add_links_of(e, &e->prim[k], 0);
    for (int k = 0; k < e->next; k++)
      add_links_of(e, &e->exti[k], 1);
  }
}

void rdpneg_tax_for_related(const rdpneg_tax_interp *it,
                            rdpneg_tax_related_fn fn, void *ctx) {
  const rdpneg_coderow *c = &rdpneg_codetab[it->row];
  int k = c->kind;
  uint32_t v = c->value;
  if (it->via == RDPNEG_TAX_VIA_FREERDP_ERRINFO ||
      it->via == RDPNEG_TAX_VIA_EXT_RANGE) {
    fn(ctx, RDPNEG_KIND_ERRINFO, v,
       it->via == RDPNEG_TAX_VIA_FREERDP_ERRINFO
           ? "FreeRDP's ERRINFO class (0x0001xxxx) wraps this ERRINFO value"
           : "the extended protocol range 0x1000-0x7FFF carries the server's "
             "ERRINFO value",
       it->via == RDPNEG_TAX_VIA_FREERDP_ERRINFO
           ? "S-FRDP error.h (facts 5)"
           : "S-EXDISC (facts 0 key fact 3)",
       it->via == RDPNEG_TAX_VIA_FREERDP_ERRINFO ? RDPNEG_TCF_I
                                                 : RDPNEG_TCF_INF);
    return;
  }
  /* extended <-> ERRINFO by number (facts 0 key fact 3) */
  if (k == RDPNEG_KIND_EXTENDED &&
      ((v >= 1 && v <= 12) || (v >= 0x100 && v <= 0x10A)) &&
      rdpneg_codetab_find(RDPNEG_KIND_ERRINFO, v) >= 0)
    fn(ctx, RDPNEG_KIND_ERRINFO, v, "same number in the Set Error Info PDU",
       "S-EXDISC; S-BCGR 2.2.5.1.1 (facts 0 key fact 3, 3)", RDPNEG_TCF_INF);
  if (k == RDPNEG_KIND_ERRINFO) {
    if (((v >= 1 && v <= 12) || (v >= 0x100 && v <= 0x10A)) &&
        rdpneg_codetab_find(RDPNEG_KIND_EXTENDED, v) >= 0)
      fn(ctx, RDPNEG_KIND_EXTENDED, v,
         "mstsc shows the same number as extended disconnect reason",
         "S-EXDISC; S-BCGR 2.2.5.1.1 (facts 0 key fact 3, 3)", RDPNEG_TCF_INF);
    else if (v >= 0x1000 && v <= 0x7FFF)
      fn(ctx, RDPNEG_KIND_EXTENDED, v,
         "mstsc shows it as an extended reason in the protocol range "
         "0x1000-0x7FFF (\"protocol error (code: 0x...)\")",
         "S-EXDISC (facts 0 key fact 3, 2.3)", RDPNEG_TCF_INF);
    if (v != 0 && v <= 0xFFFF)
      fn(ctx, RDPNEG_KIND_FREERDP, 0x10000u | v,
         "FreeRDP reports it as class ERRINFO (1) << 16 | value",
         "S-FRDP error.h (facts 5)", RDPNEG_TCF_I);
  }
  for (int i = 0; i < rdpneg_tax_nrelated; i++) {
    const rdpneg_tax_related *r = &rdpneg_tax_relatedtab[i];
    if (r->ka == k && r->va == v)
      fn(ctx, r->kb, r->vb, r->note, r->source, r->conf);
    else if (r->kb == k && r->vb == v)
      fn(ctx, r->ka, r->va, r->note, r->source, r->conf);
  }
}

/* Display name of an interpretation. */
void rdpneg_tax_interp_name(const rdpneg_tax_interp *it, char *buf,
                            size_t cap) {
  const rdpneg_coderow *c = &rdpneg_codetab[it->row];
  if (it->via == RDPNEG_TAX_VIA_FREERDP_ERRINFO)
    snprintf(buf, cap, "ERRINFO class wrapping %s", c->name);
  else if (it->via == RDPNEG_TAX_VIA_EXT_RANGE)
    snprintf(buf, cap, "protocol-range value = %s", c->name);
  else
    snprintf(buf, cap, "%s", c->name ? c->name : "(no documented name)");
}

int rdpneg_tax_explain_found(const rdpneg_tax_explain *e) {
  return e->nprim > 0 && (!e->has_ext || e->next > 0);
}
