/* SPDX-License-Identifier: Apache-2.0 */
/* Taxonomy as JSON: rdpneg.explain/1, rdpneg.cause/1, rdpneg.taxonomy/1. */
#include "analysis/tax_cite.h"
#include "analysis/tax_internal.h"

#include "base/json.h"

#include <stdlib.h>

/* ------------------------------------------------------------------------ */
/* Explain: JSON                                                             */

/* Text and citations for readers: no fact-sheet pointers (tax_cite.h). */
static void json_source(rdpneg_json *w, const char *key, const char *src) {
  char clean[2048];
  if (!src) {
    rdpneg_json_str(w, key, src);
    return;
  }
  rdpneg_tax_cite_clean(src, clean, sizeof clean);
  rdpneg_json_str(w, key, clean);
}

static void json_value(rdpneg_json *w, int kind, uint32_t v) {
  char buf[32];
  rdpneg_json_uint(w, "value", v);
  rdpneg_tax_fmt_value(buf, sizeof buf, kind, v);
  rdpneg_json_str(w, "display", buf);
  rdpneg_tax_fmt_hex(buf, sizeof buf, v);
  rdpneg_json_str(w, "hex", buf);
}

typedef struct jrel_ctx {
  rdpneg_json *w;
} jrel_ctx;

static void jrel(void *ctx, int kind, uint32_t value, const char *note,
                 const char *source, int conf) {
  rdpneg_json *w = ((jrel_ctx *)ctx)->w;
  int r = rdpneg_codetab_find(kind, value);
  rdpneg_json_obj_begin(w, NULL);
  rdpneg_json_str(w, "kind", rdpneg_tax_kindtab[kind].name);
  json_value(w, kind, value);
  rdpneg_json_str(w, "name", r >= 0 ? rdpneg_codetab[r].name : NULL);
  json_source(w, "note", note);
  json_source(w, "source", source);
  rdpneg_json_str(w, "confidence", rdpneg_tax_conf_names[conf]);
  rdpneg_json_obj_end(w);
}

static void json_note(rdpneg_json *w, const rdpneg_tax_note *n) {
  rdpneg_json_obj_begin(w, NULL);
  json_source(w, "text", n->text);
  json_source(w, "source", n->source);
  rdpneg_json_str(w, "confidence", rdpneg_tax_conf_names[n->conf]);
  rdpneg_json_bool(w, "lore", rdpneg_tax_conf_is_lore(n->conf));
  rdpneg_json_obj_end(w);
}

static void json_interp(rdpneg_json *w, const rdpneg_tax_interp *it) {
  const rdpneg_coderow *c = &rdpneg_codetab[it->row];
  char name[200];
  jrel_ctx ctx = {w};
  int lk;
  uint32_t lv;
  rdpneg_json_obj_begin(w, NULL);
  rdpneg_json_str(w, "kind", rdpneg_tax_kindtab[it->kind].name);
  rdpneg_json_str(w, "kind_title", rdpneg_tax_kindtab[it->kind].title);
  json_value(w, it->kind, it->value);
  if (it->via == RDPNEG_TAX_VIA_NONE) {
    rdpneg_json_str(w, "name", c->name);
  } else {
    rdpneg_tax_interp_name(it, name, sizeof name);
    rdpneg_json_str(w, "name", name);
  }
  rdpneg_json_str(w, "alt_name",
                  it->via == RDPNEG_TAX_VIA_NONE ? c->alt : c->name);
  json_source(w, "meaning", rdpneg_code_meaning(it->row));
  rdpneg_json_str(w, "phase", rdpneg_tax_phase_names[c->phase]);
  json_source(w, "source", c->source);
  rdpneg_json_str(w, "confidence", rdpneg_tax_conf_names[c->conf]);
  rdpneg_json_str(w, "confidence_text", rdpneg_tax_conf_texts[c->conf]);
  rdpneg_json_str(w, "status", rdpneg_tax_status_of_conf(c->conf));
  rdpneg_json_str(
      w, "via",
      it->via == RDPNEG_TAX_VIA_FREERDP_ERRINFO ? "freerdp_errinfo_class"
      : it->via == RDPNEG_TAX_VIA_EXT_RANGE     ? "extended_protocol_range"
                                                : NULL);
  if (it->kind == RDPNEG_KIND_DISCONNECT || it->kind == RDPNEG_KIND_SSL_ERR) {
    rdpneg_json_obj_begin(w, "layer");
    rdpneg_json_hex(w, "byte", it->value & 0xFF, 2);
    rdpneg_json_str(w, "name", rdpneg_tax_disc_layer(it->value));
    json_source(w, "source", "S-ONDISC (the documented codes' low bytes)");
    rdpneg_json_str(w, "confidence", "INF");
    rdpneg_json_obj_end(w);
  }
  json_source(w, "kind_note", rdpneg_tax_kindtab[it->kind].note);
  rdpneg_json_arr_begin(w, "notes");
  for (int i = 0; i < rdpneg_tax_nnotes; i++)
    if (!rdpneg_tax_notetab[i].has_ext &&
        rdpneg_tax_notetab[i].kind == c->kind &&
        rdpneg_tax_notetab[i].value == c->value)
      json_note(w, &rdpneg_tax_notetab[i]);
  rdpneg_json_arr_end(w);
  rdpneg_json_arr_begin(w, "related");
  rdpneg_tax_for_related(it, jrel, &ctx);
  rdpneg_json_arr_end(w);
  rdpneg_json_arr_begin(w, "causes");
  rdpneg_tax_link_key(it, &lk, &lv);
  for (int i = 0; i < rdpneg_tax_nlinks; i++) {
    const rdpneg_tax_link *l = &rdpneg_tax_linktab[i];
    if (l->has_ext || l->kind != lk || lv < l->lo || lv > l->hi)
      continue;
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_int(w, "rank", l->rank);
    rdpneg_json_str(w, "id", rdpneg_tax_causetab[l->cause].id);
    rdpneg_json_str(w, "confidence", rdpneg_tax_conf_names[l->conf]);
    rdpneg_json_bool(w, "lore", rdpneg_tax_conf_is_lore(l->conf));
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
  rdpneg_json_obj_end(w);
}

static void json_cause_body(rdpneg_json *w, const rdpneg_taxonomy *tax, int i) {
  const rdpneg_tax_cause *c = &rdpneg_tax_causetab[i];
  int n;
  rdpneg_json_str(w, "id", c->id);
  rdpneg_json_str(w, "title", c->title);
  rdpneg_json_str(w, "phase", rdpneg_tax_phase_names[c->phase]);
  rdpneg_json_str(w, "severity", rdpneg_tax_sev_names[c->sev]);
  json_source(w, "description", c->desc);
  json_source(w, "source", c->source);
  rdpneg_json_str(w, "confidence", rdpneg_tax_conf_names[c->conf]);
  rdpneg_json_arr_begin(w, "evidence");
  for (int k = 0; k < rdpneg_tax_nevidence; k++) {
    if (rdpneg_tax_evidencetab[k].cause != i)
      continue;
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "where",
                    rdpneg_tax_where_names[rdpneg_tax_evidencetab[k].where]);
    json_source(w, "text", rdpneg_tax_evidencetab[k].text);
    json_source(w, "source", rdpneg_tax_evidencetab[k].source);
    rdpneg_json_str(w, "confidence",
                    rdpneg_tax_conf_names[rdpneg_tax_evidencetab[k].conf]);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
  rdpneg_json_arr_begin(w, "remedies");
  n = rdpneg_cause_remedy_count(tax, i);
  for (int j = 0; j < n; j++) {
    const rdpneg_tax_remedy *b;
    const char *t, *s;
    if (rdpneg_tax_remedy_at(tax, i, j, &b, &t, &s) < 0)
      break;
    rdpneg_json_obj_begin(w, NULL);
    json_source(w, "text", b ? b->text : t);
    json_source(w, "source", b ? b->source : s);
    rdpneg_json_str(w, "confidence", b ? rdpneg_tax_conf_names[b->conf] : NULL);
    rdpneg_json_bool(w, "override", b == NULL);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
}

static void json_cause_codes(rdpneg_json *w, int i) {
  rdpneg_json_arr_begin(w, "codes");
  for (int k = 0; k < rdpneg_tax_nlinks; k++) {
    const rdpneg_tax_link *l = &rdpneg_tax_linktab[k];
    char buf[32];
    int r;
    if (l->cause != i)
      continue;
    r = rdpneg_codetab_find(l->kind, l->lo);
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "kind", rdpneg_tax_kindtab[l->kind].name);
    json_value(w, l->kind, l->lo);
    if (l->hi != l->lo) {
      rdpneg_json_uint(w, "value_hi", l->hi);
      rdpneg_tax_fmt_value(buf, sizeof buf, l->kind, l->hi);
      rdpneg_json_str(w, "display_hi", buf);
    }
    if (l->has_ext) {
      rdpneg_json_uint(w, "extended", l->ext);
      rdpneg_tax_fmt_hex(buf, sizeof buf, l->ext);
      rdpneg_json_str(w, "extended_hex", buf);
    }
    rdpneg_json_str(w, "name", r >= 0 ? rdpneg_codetab[r].name : NULL);
    rdpneg_json_int(w, "rank", l->rank);
    rdpneg_json_str(w, "confidence", rdpneg_tax_conf_names[l->conf]);
    rdpneg_json_bool(w, "lore", rdpneg_tax_conf_is_lore(l->conf));
    json_source(w, "source", l->source);
    rdpneg_json_str(w, "why", l->why);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
}

static void json_query(rdpneg_json *w, const rdpneg_tax_explain *e) {
  char buf[32];
  rdpneg_json_obj_begin(w, "query");
  rdpneg_json_str(w, "kind", rdpneg_tax_kindtab[e->kind].name);
  rdpneg_json_uint(w, "code", e->code);
  rdpneg_tax_fmt_hex(buf, sizeof buf, e->code);
  rdpneg_json_str(w, "code_hex", buf);
  if (e->has_ext) {
    rdpneg_json_uint(w, "extended", e->ext);
    rdpneg_tax_fmt_hex(buf, sizeof buf, e->ext);
    rdpneg_json_str(w, "extended_hex", buf);
  } else {
    rdpneg_json_null(w, "extended");
  }
  if (e->kind == RDPNEG_KIND_DISCONNECT) {
    rdpneg_json_obj_begin(w, "layer");
    rdpneg_json_hex(w, "byte", e->code & 0xFF, 2);
    rdpneg_json_str(w, "name", rdpneg_tax_disc_layer(e->code));
    json_source(w, "source", "S-ONDISC (the documented codes' low bytes)");
    rdpneg_json_str(w, "confidence", "INF");
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_obj_end(w);
}

int rdpneg_explain_json(const rdpneg_taxonomy *tax, int kind, uint32_t code,
                        int has_extended, uint32_t extended, char **pjson,
                        size_t *plen) {
  rdpneg_tax_explain *e;
  rdpneg_json w;
  int found;
  if (!pjson || !rdpneg_tax_valid_kind(kind))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *pjson = NULL;
  e = malloc(sizeof *e);
  if (!e)
    return RDPNEG_ERR_NOMEM;
  rdpneg_tax_run_explain(e, kind, code, has_extended, extended);
  found = rdpneg_tax_explain_found(e) ? e->nprim : 0;

  rdpneg_json_init(&w, 1);
  rdpneg_json_obj_begin(&w, NULL);
  rdpneg_json_str(&w, "schema", "rdpneg.explain/1");
  json_query(&w, e);
  rdpneg_json_bool(&w, "found", found);
  rdpneg_json_arr_begin(&w, "interpretations");
  for (int k = 0; k < e->nprim; k++)
    json_interp(&w, &e->prim[k]);
  rdpneg_json_arr_end(&w);
  if (e->has_ext) {
    rdpneg_json_arr_begin(&w, "extended_interpretations");
    for (int k = 0; k < e->next; k++)
      json_interp(&w, &e->exti[k]);
    rdpneg_json_arr_end(&w);
    rdpneg_json_arr_begin(&w, "pair_notes");
    for (int i = 0; i < rdpneg_tax_nnotes; i++)
      if (rdpneg_tax_notetab[i].has_ext &&
          rdpneg_tax_notetab[i].value == e->code &&
          rdpneg_tax_notetab[i].ext == e->ext &&
          rdpneg_tax_kind_matches(e->kind, rdpneg_tax_notetab[i].kind, 0))
        json_note(&w, &rdpneg_tax_notetab[i]);
    rdpneg_json_arr_end(&w);
  }
  rdpneg_json_str(&w, "candidates_from",
                  e->pair    ? "pair"
                  : e->ncand ? "codes"
                             : NULL);
  rdpneg_json_arr_begin(&w, "candidates");
  for (int k = 0; k < e->ncand; k++) {
    const rdpneg_tax_cand *c = &e->cands[k];
    char buf[32];
    rdpneg_json_obj_begin(&w, NULL);
    rdpneg_json_int(&w, "order", k + 1);
    rdpneg_json_int(&w, "rank", c->rank);
    rdpneg_tax_fmt_value(buf, sizeof buf, c->link->kind, c->link->lo);
    rdpneg_json_str(&w, "via_kind", rdpneg_tax_kindtab[c->link->kind].name);
    rdpneg_json_str(&w, "via_code", buf);
    rdpneg_json_str(&w, "link_confidence",
                    rdpneg_tax_conf_names[c->link->conf]);
    rdpneg_json_bool(&w, "lore", rdpneg_tax_conf_is_lore(c->link->conf));
    rdpneg_json_str(&w, "why", c->link->why);
    json_source(&w, "link_source", c->link->source);
    json_cause_body(&w, tax, c->cause);
    rdpneg_json_obj_end(&w);
  }
  rdpneg_json_arr_end(&w);
  rdpneg_json_obj_end(&w);
  free(e);
  *pjson = rdpneg_json_take(&w, plen);
  if (!*pjson)
    return RDPNEG_ERR_NOMEM;
  return found;
}

/* ------------------------------------------------------------------------ */
/* Cause JSON, whole taxonomy JSON                                           */

int rdpneg_cause_json(const rdpneg_taxonomy *tax, int i, char **pjson,
                      size_t *plen) {
  rdpneg_json w;
  if (!pjson || !rdpneg_tax_valid_cause(i))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_json_init(&w, 1);
  rdpneg_json_obj_begin(&w, NULL);
  rdpneg_json_str(&w, "schema", "rdpneg.cause/1");
  json_cause_body(&w, tax, i);
  json_cause_codes(&w, i);
  rdpneg_json_obj_end(&w);
  *pjson = rdpneg_json_take(&w, plen);
  return *pjson ? 0 : RDPNEG_ERR_NOMEM;
}

int rdpneg_taxonomy_json(const rdpneg_taxonomy *tax, char **pjson,
                         size_t *plen) {
  rdpneg_json w;
  if (!pjson)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_json_init(&w, 1);
  rdpneg_json_obj_begin(&w, NULL);
  rdpneg_json_str(&w, "schema", "rdpneg.taxonomy/1");
  rdpneg_json_arr_begin(&w, "kinds");
  for (int k = 1; k < RDPNEG_KIND_COUNT; k++) {
    rdpneg_json_obj_begin(&w, NULL);
    rdpneg_json_int(&w, "id", k);
    rdpneg_json_str(&w, "name", rdpneg_tax_kindtab[k].name);
    rdpneg_json_str(&w, "title", rdpneg_tax_kindtab[k].title);
    json_source(&w, "note", rdpneg_tax_kindtab[k].note);
    rdpneg_json_obj_end(&w);
  }
  rdpneg_json_arr_end(&w);
  rdpneg_json_arr_begin(&w, "sources");
  for (int i = 0; i < rdpneg_tax_nsources; i++) {
    rdpneg_json_obj_begin(&w, NULL);
    rdpneg_json_str(&w, "key", rdpneg_tax_sourcetab[i].key);
    rdpneg_json_str(&w, "description", rdpneg_tax_sourcetab[i].desc);
    rdpneg_json_obj_end(&w);
  }
  rdpneg_json_arr_end(&w);
  rdpneg_json_arr_begin(&w, "codes");
  for (int i = 0; i < rdpneg_codetab_len; i++) {
    rdpneg_json_obj_begin(&w, NULL);
    rdpneg_json_str(&w, "kind",
                    rdpneg_tax_kindtab[rdpneg_codetab[i].kind].name);
    json_value(&w, rdpneg_codetab[i].kind, rdpneg_codetab[i].value);
    rdpneg_json_str(&w, "name", rdpneg_codetab[i].name);
    rdpneg_json_str(&w, "alt_name", rdpneg_codetab[i].alt);
    json_source(&w, "meaning", rdpneg_code_meaning(i));
    rdpneg_json_str(&w, "phase",
                    rdpneg_tax_phase_names[rdpneg_codetab[i].phase]);
    rdpneg_json_str(&w, "source", rdpneg_codetab[i].source);
    rdpneg_json_str(&w, "confidence",
                    rdpneg_tax_conf_names[rdpneg_codetab[i].conf]);
    rdpneg_json_str(&w, "status",
                    rdpneg_tax_status_of_conf(rdpneg_codetab[i].conf));
    rdpneg_json_obj_end(&w);
  }
  rdpneg_json_arr_end(&w);
  rdpneg_json_arr_begin(&w, "causes");
  for (int i = 0; i < RDPNEG_CID_COUNT; i++) {
    rdpneg_json_obj_begin(&w, NULL);
    json_cause_body(&w, tax, i);
    json_cause_codes(&w, i);
    rdpneg_json_obj_end(&w);
  }
  rdpneg_json_arr_end(&w);
  rdpneg_json_obj_end(&w);
  *pjson = rdpneg_json_take(&w, plen);
  return *pjson ? 0 : RDPNEG_ERR_NOMEM;
}
