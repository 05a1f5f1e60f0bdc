/* SPDX-License-Identifier: Apache-2.0 */
/* Taxonomy tables: the cause catalogue, links, notes, sources and kinds,
 * expanded from the .def files in lib/taxonomy/ (the code rows are in
 * base/codes.c), with the small helpers every part of the taxonomy shares. */
#include "analysis/tax_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *const rdpneg_tax_phase_names[RDPNEG_TPH_COUNT] = {
    "dns",       "tcp",    "x224",      "tls",     "nla",    "mcs", "security",
    "licensing", "broker", "transport", "session", "client", "any"};

const char *const rdpneg_tax_conf_names[RDPNEG_TCF_COUNT] = {"O", "I", "C",
                                                             "INF", "UNV"};
const char *const rdpneg_tax_conf_texts[RDPNEG_TCF_COUNT] = {
    "official Microsoft documentation", "open-source implementation",
    "community / vendor page (lore)", "inference from cited facts",
    "unverified"};

const char *const rdpneg_tax_sev_names[] = {"failing", "degraded", "info"};
const char *const rdpneg_tax_where_names[] = {"probe", "server", "client"};

const rdpneg_tax_kind rdpneg_tax_kindtab[RDPNEG_KIND_COUNT] = {
    [RDPNEG_KIND_AUTO] = {"auto", 0, 1, "any error-code kind", NULL},
#define KIND(e, v, n, a, d, t, note) [v] = {n, a, d, t, note},
#include "taxonomy/kinds.def"
#undef KIND
};

/* The numbers in kinds.def must be the public enum values. */
#define KIND(e, v, n, a, d, t, note)                                           \
  _Static_assert(RDPNEG_KIND_##e == (v), "kinds.def value of " #e);
#include "taxonomy/kinds.def"
#undef KIND

/* base/codes.h numbers the kinds from the same file. */
#define KIND(e, v, ...)                                                        \
  _Static_assert((int)RDPNEG_CK_##e == (int)RDPNEG_KIND_##e,                   \
                 "codes.h kind " #e);
#include "taxonomy/kinds.def"
#undef KIND

const rdpneg_tax_cause rdpneg_tax_causetab[RDPNEG_CID_COUNT] = {
#define CAUSE(id, ph, sv, cf, src, t, d)                                       \
  [RDPNEG_CID_##id] = {                                                        \
      #id, RDPNEG_TPH_##ph, RDPNEG_TSEV_##sv, RDPNEG_TCF_##cf, src, t, d},
#define EVIDENCE(...)
#define REMEDY(...)
#include "taxonomy/causes.def"
#undef CAUSE
#undef EVIDENCE
#undef REMEDY
};

const rdpneg_tax_evidence rdpneg_tax_evidencetab[] = {
#define CAUSE(...)
#define EVIDENCE(id, wh, cf, src, t)                                           \
  {RDPNEG_CID_##id, RDPNEG_TWH_##wh, RDPNEG_TCF_##cf, src, t},
#define REMEDY(...)
#include "taxonomy/causes.def"
#undef CAUSE
#undef EVIDENCE
#undef REMEDY
};
const int rdpneg_tax_nevidence =
    (int)(sizeof rdpneg_tax_evidencetab / sizeof rdpneg_tax_evidencetab[0]);

const rdpneg_tax_remedy rdpneg_tax_remedytab[] = {
#define CAUSE(...)
#define EVIDENCE(...)
#define REMEDY(id, cf, src, t) {RDPNEG_CID_##id, RDPNEG_TCF_##cf, src, t},
#include "taxonomy/causes.def"
#undef CAUSE
#undef EVIDENCE
#undef REMEDY
};
const int rdpneg_tax_nremedies =
    (int)(sizeof rdpneg_tax_remedytab / sizeof rdpneg_tax_remedytab[0]);

const rdpneg_tax_link rdpneg_tax_linktab[] = {
/* clang-format off */
#define LINK(k, v, r, c, cf, src, why)                                         \
  {RDPNEG_KIND_##k, 0, RDPNEG_TCF_##cf, r, RDPNEG_CID_##c,                     \
   (uint32_t)(v), (uint32_t)(v), 0, src, why},
#define LINK_RANGE(k, lo, hi, r, c, cf, src, why)                              \
  {RDPNEG_KIND_##k, 0, RDPNEG_TCF_##cf, r, RDPNEG_CID_##c,                     \
   (uint32_t)(lo), (uint32_t)(hi), 0, src, why},
#define PAIR_LINK(k, v, e, r, c, cf, src, why)                                 \
  {RDPNEG_KIND_##k, 1, RDPNEG_TCF_##cf, r, RDPNEG_CID_##c,                     \
   (uint32_t)(v), (uint32_t)(v), (uint32_t)(e), src, why},
/* clang-format on */
#include "taxonomy/links.def"
#undef LINK
#undef LINK_RANGE
#undef PAIR_LINK
};
const int rdpneg_tax_nlinks =
    (int)(sizeof rdpneg_tax_linktab / sizeof rdpneg_tax_linktab[0]);

const rdpneg_tax_note rdpneg_tax_notetab[] = {
#define NOTE(k, v, cf, src, t)                                                 \
  {RDPNEG_KIND_##k, 0, RDPNEG_TCF_##cf, (uint32_t)(v), 0, src, t},
#define PAIR_NOTE(k, v, e, cf, src, t)                                         \
  {RDPNEG_KIND_##k, 1, RDPNEG_TCF_##cf, (uint32_t)(v), (uint32_t)(e), src, t},
#define RELATED(...)
#include "taxonomy/notes.def"
#undef NOTE
#undef PAIR_NOTE
#undef RELATED
};
const int rdpneg_tax_nnotes =
    (int)(sizeof rdpneg_tax_notetab / sizeof rdpneg_tax_notetab[0]);

const rdpneg_tax_related rdpneg_tax_relatedtab[] = {
#define NOTE(...)
#define PAIR_NOTE(...)
/* clang-format off */
#define RELATED(ka, va, kb, vb, cf, src, n)                                    \
  {RDPNEG_KIND_##ka, RDPNEG_KIND_##kb, RDPNEG_TCF_##cf, (uint32_t)(va),         \
   (uint32_t)(vb), src, n},
/* clang-format on */
#include "taxonomy/notes.def"
#undef NOTE
#undef PAIR_NOTE
#undef RELATED
};
const int rdpneg_tax_nrelated =
    (int)(sizeof rdpneg_tax_relatedtab / sizeof rdpneg_tax_relatedtab[0]);

const rdpneg_tax_source rdpneg_tax_sourcetab[] = {
#define SOURCE(k, d) {k, d},
#include "taxonomy/sources.def"
#undef SOURCE
};
const int rdpneg_tax_nsources =
    (int)(sizeof rdpneg_tax_sourcetab / sizeof rdpneg_tax_sourcetab[0]);

const char *rdpneg_cid_str(int cid) {
  return cid >= 0 && cid < RDPNEG_CID_COUNT ? rdpneg_tax_causetab[cid].id
                                            : NULL;
}

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */

int rdpneg_tax_streq_fold(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
    if (ca == '-')
      ca = '_';
    if (cb == '-')
      cb = '_';
    if (ca != cb)
      return 0;
  }
  return *a == *b;
}

/* Formats |v| the way |kind| writes its values. */
void rdpneg_tax_fmt_value(char *buf, size_t cap, int kind, uint32_t v) {
  int d = rdpneg_tax_valid_kind(kind) ? rdpneg_tax_kindtab[kind].digits : 1;
  if (d == 0)
    snprintf(buf, cap, "%lu", (unsigned long)v);
  else if (d == 8)
    snprintf(buf, cap, "0x%08lX", (unsigned long)v);
  else
    snprintf(buf, cap, "0x%lX", (unsigned long)v);
}

void rdpneg_tax_fmt_hex(char *buf, size_t cap, uint32_t v) {
  snprintf(buf, cap, "0x%lX", (unsigned long)v);
}

/* Short label of a kind: its title up to the first " (". */
const char *rdpneg_tax_kind_label(int kind, char *buf, size_t cap) {
  const char *t = rdpneg_tax_kindtab[kind].title, *p = strstr(t, " (");
  size_t n = p ? (size_t)(p - t) : strlen(t);
  if (n >= cap)
    n = cap - 1;
  memcpy(buf, t, n);
  buf[n] = 0;
  return buf;
}

/* Row kind |rk| answers a query for kind |qk|. */
int rdpneg_tax_kind_matches(int qk, int rk, int auto_all) {
  if (qk == RDPNEG_KIND_AUTO)
    return auto_all || rdpneg_tax_kindtab[rk].in_auto;
  if (qk == rk)
    return 1;
  return qk == RDPNEG_KIND_DISCONNECT && rk == RDPNEG_KIND_SSL_ERR;
}

/* ------------------------------------------------------------------------ */
/* Kinds                                                                     */

static const struct {
  const char *alias;
  int kind;
} kind_aliases[] = {
    {"disc", RDPNEG_KIND_DISCONNECT},
    {"mstsc", RDPNEG_KIND_DISCONNECT},
    {"discreason", RDPNEG_KIND_DISCONNECT},
    {"ext", RDPNEG_KIND_EXTENDED},
    {"frdp", RDPNEG_KIND_FREERDP},
    {"failure", RDPNEG_KIND_NEG_FAILURE},
    {"negfailure", RDPNEG_KIND_NEG_FAILURE},
    {"alert", RDPNEG_KIND_TLS_ALERT},
    {"sec", RDPNEG_KIND_SECURITY_STATUS},
    {"sec_e", RDPNEG_KIND_SECURITY_STATUS},
    {"hresult", RDPNEG_KIND_SECURITY_STATUS},
};

int rdpneg_kind_parse(const char *name) {
  if (!name)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  for (int k = 0; k < RDPNEG_KIND_COUNT; k++)
    if (rdpneg_tax_kindtab[k].name &&
        rdpneg_tax_streq_fold(name, rdpneg_tax_kindtab[k].name))
      return k;
  for (size_t i = 0; i < sizeof kind_aliases / sizeof kind_aliases[0]; i++)
    if (rdpneg_tax_streq_fold(name, kind_aliases[i].alias))
      return kind_aliases[i].kind;
  return RDPNEG_ERR_INVALID_ARGUMENT;
}

const char *rdpneg_kind_name(int kind) {
  return rdpneg_tax_valid_kind(kind) ? rdpneg_tax_kindtab[kind].name : NULL;
}

const char *rdpneg_kind_title(int kind) {
  return rdpneg_tax_valid_kind(kind) ? rdpneg_tax_kindtab[kind].title : NULL;
}

/* ------------------------------------------------------------------------ */
/* Sources                                                                   */

int rdpneg_source_count(void) {
  return rdpneg_tax_nsources;
}
const char *rdpneg_source_key(int i) {
  return i >= 0 && i < rdpneg_tax_nsources ? rdpneg_tax_sourcetab[i].key : NULL;
}
const char *rdpneg_source_description(int i) {
  return i >= 0 && i < rdpneg_tax_nsources ? rdpneg_tax_sourcetab[i].desc
                                           : NULL;
}
