/* SPDX-License-Identifier: Apache-2.0 */
/* Taxonomy as text: explain and cause descriptions wrapped for a
 * terminal. */
#include "analysis/tax_cite.h"
#include "analysis/tax_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Text output                                                               */

typedef struct tbuf {
  char *b;
  size_t len, cap;
  int err;
} tbuf;

static void tb_put(tbuf *t, const char *s, size_t n) {
  if (t->err)
    return;
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (t->len + n + 1 > cap)
      cap *= 2;
    char *nb = realloc(t->b, cap);
    if (!nb) {
      t->err = RDPNEG_ERR_NOMEM;
      return;
    }
    t->b = nb;
    t->cap = cap;
  }
  memcpy(t->b + t->len, s, n);
  t->len += n;
  t->b[t->len] = 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
tb_printf(tbuf *t, const char *fmt, ...) {
  char small[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof small) {
    tb_put(t, small, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    t->err = RDPNEG_ERR_NOMEM;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  tb_put(t, big, (size_t)n);
  free(big);
}

#define TEXT_WIDTH 79

/* Writes |lead| at |indent| columns, then |text| word-wrapped; continuation
 * lines are indented to the end of the lead. */
static void tb_wrap(tbuf *t, int indent, const char *lead, const char *text) {
  int col, hang = indent + (int)strlen(lead);
  char clean[2048]; /* citations name sources, not the fact sheet */
  rdpneg_tax_cite_clean(text, clean, sizeof clean);
  const char *p = clean;
  tb_printf(t, "%*s%s", indent, "", lead);
  col = hang;
  while (*p) {
    const char *w = p;
    while (*w == ' ')
      w++;
    const char *end = w;
    while (*end && *end != ' ')
      end++;
    int wl = (int)(end - w);
    if (wl == 0)
      break;
    if (col > hang && col + 1 + wl > TEXT_WIDTH) {
      tb_printf(t, "\n%*s", hang, "");
      col = hang;
    } else if (col > hang) {
      tb_put(t, " ", 1);
      col++;
    }
    tb_put(t, w, (size_t)wl);
    col += wl;
    p = end;
  }
  tb_put(t, "\n", 1);
}

static char *tb_take(tbuf *t, size_t *plen) {
  if (t->err) {
    free(t->b);
    return NULL;
  }
  if (!t->b)
    tb_put(t, "", 0);
  if (t->err)
    return NULL;
  if (plen)
    *plen = t->len;
  return t->b;
}

typedef struct trel_ctx {
  tbuf *t;
} trel_ctx;

static void trel(void *ctx, int kind, uint32_t value, const char *note,
                 const char *source, int conf) {
  tbuf *t = ((trel_ctx *)ctx)->t;
  char buf[600], v[32];
  int r = rdpneg_codetab_find(kind, value);
  rdpneg_tax_fmt_value(v, sizeof v, kind, value);
  snprintf(buf, sizeof buf, "%s %s%s%s: %s [%s: %s]",
           rdpneg_tax_kindtab[kind].name, v,
           r >= 0 && rdpneg_codetab[r].name ? " " : "",
           r >= 0 && rdpneg_codetab[r].name ? rdpneg_codetab[r].name : "", note,
           rdpneg_tax_conf_names[conf], source);
  tb_wrap(t, 2, "Related:   ", buf);
}

static void text_note(tbuf *t, const rdpneg_tax_note *n) {
  char lead[32], buf[1400];
  snprintf(lead, sizeof lead,
           "%s [%s]: ", rdpneg_tax_conf_is_lore(n->conf) ? "Lore" : "Note",
           rdpneg_tax_conf_names[n->conf]);
  snprintf(buf, sizeof buf, "%s (%s)", n->text, n->source);
  tb_wrap(t, 2, lead, buf);
}

static void text_interp(tbuf *t, const rdpneg_tax_interp *it) {
  const rdpneg_coderow *c = &rdpneg_codetab[it->row];
  char name[200], v[32], dec[32], buf[900], label[128];
  trel_ctx ctx = {t};
  rdpneg_tax_interp_name(it, name, sizeof name);
  rdpneg_tax_fmt_value(v, sizeof v, it->kind, it->value);
  dec[0] = 0;
  if (rdpneg_tax_kindtab[it->kind].digits != 0 && it->value > 9)
    snprintf(dec, sizeof dec, " (%lu)", (unsigned long)it->value);
  snprintf(buf, sizeof buf, "%s %s%s: %s",
           rdpneg_tax_kind_label(it->kind, label, sizeof label), v, dec, name);
  tb_wrap(t, 0, "", buf);
  if (c->alt && it->via == RDPNEG_TAX_VIA_NONE)
    tb_wrap(t, 2, "Also:      ", c->alt);
  if (c->conf == RDPNEG_TCF_O)
    snprintf(buf, sizeof buf, "official [O: %s]", c->source);
  else if (c->conf == RDPNEG_TCF_I)
    snprintf(buf, sizeof buf,
             "defined by open-source implementations, not by Microsoft "
             "documentation [I: %s]",
             c->source);
  else if (c->name)
    snprintf(buf, sizeof buf, "UNOFFICIAL -- %s [%s: %s]",
             rdpneg_tax_conf_texts[c->conf], rdpneg_tax_conf_names[c->conf],
             c->source);
  else
    snprintf(buf, sizeof buf,
             "UNOFFICIAL -- reported in the wild but in no official list; "
             "no citable name or meaning [%s: %s]",
             rdpneg_tax_conf_names[c->conf], c->source);
  tb_wrap(t, 2, "Status:    ", buf);
  tb_wrap(t, 2, "Meaning:   ", rdpneg_code_meaning(it->row));
  tb_wrap(t, 2, "Phase:     ", rdpneg_tax_phase_names[c->phase]);
  if (it->kind == RDPNEG_KIND_DISCONNECT || it->kind == RDPNEG_KIND_SSL_ERR) {
    const char *layer = rdpneg_tax_disc_layer(it->value);
    snprintf(buf, sizeof buf, "low byte 0x%02lX = %s [INF: facts 2.2]",
             (unsigned long)(it->value & 0xFF),
             layer ? layer : "no known layer");
    tb_wrap(t, 2, "Layer:     ", buf);
  } else if (rdpneg_tax_kindtab[it->kind].note) {
    tb_wrap(t, 2, "About:     ", rdpneg_tax_kindtab[it->kind].note);
  }
  for (int i = 0; i < rdpneg_tax_nnotes; i++)
    if (!rdpneg_tax_notetab[i].has_ext &&
        rdpneg_tax_notetab[i].kind == c->kind &&
        rdpneg_tax_notetab[i].value == c->value)
      text_note(t, &rdpneg_tax_notetab[i]);
  rdpneg_tax_for_related(it, trel, &ctx);
}

static void text_cause_details(tbuf *t, const rdpneg_taxonomy *tax, int i,
                               int indent) {
  const rdpneg_tax_cause *c = &rdpneg_tax_causetab[i];
  char lead[64], buf[1400];
  int n;
  tb_wrap(t, indent, "", c->desc);
  tb_printf(t, "%*sEvidence to check:\n", indent, "");
  for (int k = 0; k < rdpneg_tax_nevidence; k++) {
    if (rdpneg_tax_evidencetab[k].cause != i)
      continue;
    snprintf(lead, sizeof lead,
             "- %s: ", rdpneg_tax_where_names[rdpneg_tax_evidencetab[k].where]);
    snprintf(buf, sizeof buf, "%s [%s: %s]", rdpneg_tax_evidencetab[k].text,
             rdpneg_tax_conf_names[rdpneg_tax_evidencetab[k].conf],
             rdpneg_tax_evidencetab[k].source);
    tb_wrap(t, indent + 2, lead, buf);
  }
  tb_printf(t, "%*sRemedies:\n", indent, "");
  n = rdpneg_cause_remedy_count(tax, i);
  for (int j = 0; j < n; j++) {
    const rdpneg_tax_remedy *b;
    const char *tx, *s;
    if (rdpneg_tax_remedy_at(tax, i, j, &b, &tx, &s) < 0)
      break;
    if (b)
      snprintf(buf, sizeof buf, "%s [%s: %s]", b->text,
               rdpneg_tax_conf_names[b->conf], b->source);
    else
      snprintf(buf, sizeof buf, "%s [%s]", tx, s);
    tb_wrap(t, indent + 2, "- ", buf);
  }
}

int rdpneg_explain_text(const rdpneg_taxonomy *tax, int kind, uint32_t code,
                        int has_extended, uint32_t extended, char **ptext,
                        size_t *plen) {
  rdpneg_tax_explain *e;
  tbuf t = {0};
  int found;
  char v[32], buf[1400], label[128], ext_s[32];
  if (!ptext || !rdpneg_tax_valid_kind(kind))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *ptext = NULL;
  e = malloc(sizeof *e);
  if (!e)
    return RDPNEG_ERR_NOMEM;
  rdpneg_tax_run_explain(e, kind, code, has_extended, extended);
  found = rdpneg_tax_explain_found(e) ? e->nprim : 0;

  if (e->nprim == 0) {
    rdpneg_tax_fmt_value(
        v, sizeof v,
        e->kind == RDPNEG_KIND_AUTO ? RDPNEG_KIND_DISCONNECT : e->kind, code);
    snprintf(buf, sizeof buf,
             "%s %s (%lu) is not in the taxonomy: no official definition, no "
             "implementation defines it, and it is not among the codes seen "
             "in the wild.",
             e->kind == RDPNEG_KIND_AUTO
                 ? "Code"
                 : rdpneg_tax_kind_label(e->kind, label, sizeof label),
             v, (unsigned long)code);
    tb_wrap(&t, 0, "UNKNOWN: ", buf);
    if (e->kind == RDPNEG_KIND_DISCONNECT) {
      const char *layer = rdpneg_tax_disc_layer(code);
      snprintf(buf, sizeof buf,
               "low byte 0x%02lX = %s [INF: facts 2.2]. mstscax's "
               "GetErrorDescription on Windows gives its text (S-GETERR).",
               (unsigned long)(code & 0xFF), layer ? layer : "no known layer");
      tb_wrap(&t, 2, "Layer:     ", buf);
    }
  }
  for (int k = 0; k < e->nprim; k++) {
    if (k)
      tb_put(&t, "\n", 1);
    if (e->nprim > 1) {
      snprintf(buf, sizeof buf, "[interpretation %d of %d] ", k + 1, e->nprim);
      tb_put(&t, buf, strlen(buf));
    }
    text_interp(&t, &e->prim[k]);
  }
  if (e->has_ext) {
    tb_put(&t, "\n", 1);
    if (e->next == 0) {
      snprintf(buf, sizeof buf,
               "extended disconnect reason 0x%lX (%lu) is not in the "
               "taxonomy (not in ExtendedDisconnectReasonCode, not an "
               "ERRINFO value).",
               (unsigned long)extended, (unsigned long)extended);
      tb_wrap(&t, 0, "UNKNOWN: ", buf);
    }
    for (int k = 0; k < e->next; k++) {
      if (k)
        tb_put(&t, "\n", 1);
      text_interp(&t, &e->exti[k]);
    }
    int any = 0;
    for (int i = 0; i < rdpneg_tax_nnotes; i++) {
      if (!(rdpneg_tax_notetab[i].has_ext &&
            rdpneg_tax_notetab[i].value == e->code &&
            rdpneg_tax_notetab[i].ext == e->ext &&
            rdpneg_tax_kind_matches(e->kind, rdpneg_tax_notetab[i].kind, 0)))
        continue;
      if (!any)
        tb_printf(&t, "\nWhat the pair officially says, and what it does "
                      "not\n");
      any = 1;
      snprintf(buf, sizeof buf, "%s (%s)", rdpneg_tax_notetab[i].text,
               rdpneg_tax_notetab[i].source);
      char lead[32];
      snprintf(lead, sizeof lead, "* [%s%s] ",
               rdpneg_tax_conf_names[rdpneg_tax_notetab[i].conf],
               rdpneg_tax_conf_is_lore(rdpneg_tax_notetab[i].conf) ? ", lore"
                                                                   : "");
      tb_wrap(&t, 2, lead, buf);
    }
  }

  if (e->ncand) {
    tb_printf(&t, "\nCandidate causes, in the order to check them (%d)%s\n",
              e->ncand, e->pair ? " -- for this pair" : "");
    tb_wrap(&t, 2, "",
            "A probe tells them apart: each lists the evidence that "
            "confirms or rules it out. \"lore\" marks a link that comes "
            "from community pages or is unverified.");
    if (e->ncand > 1) {
      tb_printf(&t, "\n  How a probe tells them apart:\n");
      for (int k = 0; k < e->ncand; k++) {
        const rdpneg_tax_evidence *pe = NULL;
        for (int x = 0; x < rdpneg_tax_nevidence && !pe; x++)
          if (rdpneg_tax_evidencetab[x].cause == e->cands[k].cause &&
              rdpneg_tax_evidencetab[x].where == RDPNEG_TWH_PROBE)
            pe = &rdpneg_tax_evidencetab[x];
        for (int x = 0; x < rdpneg_tax_nevidence && !pe; x++)
          if (rdpneg_tax_evidencetab[x].cause == e->cands[k].cause)
            pe = &rdpneg_tax_evidencetab[x];
        tb_printf(&t, "  %2d. %s\n", k + 1,
                  rdpneg_tax_causetab[e->cands[k].cause].id);
        tb_wrap(&t, 6, "", pe ? pe->text : "(no evidence listed)");
      }
    }
    for (int k = 0; k < e->ncand; k++) {
      const rdpneg_tax_cand *c = &e->cands[k];
      const rdpneg_tax_cause *cz = &rdpneg_tax_causetab[c->cause];
      tb_printf(&t, "\n  %d. %s -- %s\n", k + 1, cz->id, cz->title);
      snprintf(buf, sizeof buf, "phase %s, severity %s",
               rdpneg_tax_phase_names[cz->phase],
               rdpneg_tax_sev_names[cz->sev]);
      tb_wrap(&t, 5, "", buf);
      rdpneg_tax_fmt_value(v, sizeof v, c->link->kind, c->link->lo);
      rdpneg_tax_fmt_hex(ext_s, sizeof ext_s, c->link->ext);
      snprintf(buf, sizeof buf, "%s (via %s %s%s%s) [%s%s: %s]", c->link->why,
               rdpneg_tax_kindtab[c->link->kind].name, v,
               c->link->has_ext ? " + extended " : "",
               c->link->has_ext ? ext_s : "",
               rdpneg_tax_conf_names[c->link->conf],
               rdpneg_tax_conf_is_lore(c->link->conf) ? ", lore" : "",
               c->link->source);
      tb_wrap(&t, 5, "Why listed: ", buf);
      text_cause_details(&t, tax, c->cause, 5);
    }
  } else if (e->nprim) {
    tb_printf(&t, "\nNo candidate causes are linked to this code in the "
                  "catalogue.\n");
  }
  free(e);
  *ptext = tb_take(&t, plen);
  if (!*ptext)
    return RDPNEG_ERR_NOMEM;
  return found;
}

int rdpneg_cause_text(const rdpneg_taxonomy *tax, int i, char **ptext,
                      size_t *plen) {
  tbuf t = {0};
  const rdpneg_tax_cause *c;
  char buf[900], v[32], hi[32];
  if (!ptext || !rdpneg_tax_valid_cause(i))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  c = &rdpneg_tax_causetab[i];
  tb_printf(&t, "%s -- %s\n", c->id, c->title);
  snprintf(buf, sizeof buf, "phase %s, default severity %s [%s: %s]",
           rdpneg_tax_phase_names[c->phase], rdpneg_tax_sev_names[c->sev],
           rdpneg_tax_conf_names[c->conf], c->source);
  tb_wrap(&t, 2, "", buf);
  text_cause_details(&t, tax, i, 2);
  tb_printf(&t, "  Typically shows up as:\n");
  for (int k = 0; k < rdpneg_tax_nlinks; k++) {
    const rdpneg_tax_link *l = &rdpneg_tax_linktab[k];
    int r;
    if (l->cause != i)
      continue;
    r = rdpneg_codetab_find(l->kind, l->lo);
    rdpneg_tax_fmt_value(v, sizeof v, l->kind, l->lo);
    hi[0] = 0;
    if (l->hi != l->lo) {
      hi[0] = '-';
      rdpneg_tax_fmt_value(hi + 1, sizeof hi - 1, l->kind, l->hi);
    }
    if (l->has_ext)
      snprintf(buf, sizeof buf, "%s %s + extended 0x%lX: %s [%s%s: %s]",
               rdpneg_tax_kindtab[l->kind].name, v, (unsigned long)l->ext,
               l->why, rdpneg_tax_conf_names[l->conf],
               rdpneg_tax_conf_is_lore(l->conf) ? ", lore" : "", l->source);
    else
      snprintf(buf, sizeof buf, "%s %s%s%s%s (rank %d): %s [%s%s: %s]",
               rdpneg_tax_kindtab[l->kind].name, v, hi,
               r >= 0 && rdpneg_codetab[r].name && !hi[0] ? " " : "",
               r >= 0 && rdpneg_codetab[r].name && !hi[0]
                   ? rdpneg_codetab[r].name
                   : "",
               l->rank, l->why, rdpneg_tax_conf_names[l->conf],
               rdpneg_tax_conf_is_lore(l->conf) ? ", lore" : "", l->source);
    tb_wrap(&t, 4, "- ", buf);
  }
  *ptext = tb_take(&t, plen);
  return *ptext ? 0 : RDPNEG_ERR_NOMEM;
}
