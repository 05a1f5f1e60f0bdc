/* SPDX-License-Identifier: Apache-2.0 */
/* Taxonomy: code tables against the fact sheet, cause catalogue integrity,
 * explain, vendor overrides, and the JSON reader behind them.
 *
 * White-box parts expand the .def files directly (the same X-macro rows the
 * library is built from), so every row is checked, not a sample. The fact
 * sheet check reads ../shared/reference/taxonomy-facts.md (seen from the
 * project root, RDPNEG_SRCDIR) and is skipped when it is absent. */
#include <rdpneg/rdpneg_taxonomy.h>

#include "base/jsonparse.h"
#include "tap.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>
#endif

/* ------------------------------------------------------------------------ */
/* Raw rows, expanded here from the .def files                               */

typedef struct raw_code {
  int kind;
  uint32_t value;
  const char *name, *alt, *source;
} raw_code;

static const raw_code raw_codes[] = {
#define CODE(k, v, n, a, ph, cf, src, m)                                       \
  {RDPNEG_KIND_##k, (uint32_t)(v), n, a, src},
#include "taxonomy/codes.def"
#undef CODE
};
#define NRAW ((int)(sizeof raw_codes / sizeof raw_codes[0]))

typedef struct raw_link {
  int kind;
  uint32_t lo, hi;
  int has_ext;
  uint32_t ext;
  int rank;
  const char *cause, *source;
} raw_link;

static const raw_link raw_links[] = {
#define LINK(k, v, r, c, cf, src, why)                                         \
  {RDPNEG_KIND_##k, (uint32_t)(v), (uint32_t)(v), 0, 0, r, #c, src},
#define LINK_RANGE(k, lo, hi, r, c, cf, src, why)                              \
  {RDPNEG_KIND_##k, (uint32_t)(lo), (uint32_t)(hi), 0, 0, r, #c, src},
#define PAIR_LINK(k, v, e, r, c, cf, src, why)                                 \
  {RDPNEG_KIND_##k, (uint32_t)(v), (uint32_t)(v), 1, (uint32_t)(e), r, #c, src},
#include "taxonomy/links.def"
#undef LINK
#undef LINK_RANGE
#undef PAIR_LINK
};
#define NLINKS ((int)(sizeof raw_links / sizeof raw_links[0]))

typedef struct raw_ref {
  int kind;
  uint32_t value;
  int has_ext;
  uint32_t ext;
  const char *source;
} raw_ref;

/* Codes named by notes and equivalences. */
static const raw_ref raw_refs[] = {
#define NOTE(k, v, cf, src, t) {RDPNEG_KIND_##k, (uint32_t)(v), 0, 0, src},
#define PAIR_NOTE(k, v, e, cf, src, t)                                         \
  {RDPNEG_KIND_##k, (uint32_t)(v), 1, (uint32_t)(e), src},
#define RELATED(ka, va, kb, vb, cf, src, n)                                    \
  {RDPNEG_KIND_##ka, (uint32_t)(va), 0, 0, src},                               \
      {RDPNEG_KIND_##kb, (uint32_t)(vb), 0, 0, src},
#include "taxonomy/notes.def"
#undef NOTE
#undef PAIR_NOTE
#undef RELATED
};
#define NREFS ((int)(sizeof raw_refs / sizeof raw_refs[0]))

/* Every source string of every row. */
static const char *const all_sources[] = {
#define CODE(k, v, n, a, ph, cf, src, m) src,
#include "taxonomy/codes.def"
#undef CODE
#define CAUSE(id, ph, sv, cf, src, t, d) src,
#define EVIDENCE(id, wh, cf, src, t) src,
#define REMEDY(id, cf, src, t) src,
#include "taxonomy/causes.def"
#undef CAUSE
#undef EVIDENCE
#undef REMEDY
#define LINK(k, v, r, c, cf, src, why) src,
#define LINK_RANGE(k, lo, hi, r, c, cf, src, why) src,
#define PAIR_LINK(k, v, e, r, c, cf, src, why) src,
#include "taxonomy/links.def"
#undef LINK
#undef LINK_RANGE
#undef PAIR_LINK
#define NOTE(k, v, cf, src, t) src,
#define PAIR_NOTE(k, v, e, cf, src, t) src,
#define RELATED(ka, va, kb, vb, cf, src, n) src,
#include "taxonomy/notes.def"
#undef NOTE
#undef PAIR_NOTE
#undef RELATED
};

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static rdpneg_jp_node *jget(const rdpneg_jp_node *obj, const char *key) {
  if (!obj || obj->type != RDPNEG_JP_OBJECT)
    return NULL;
  for (rdpneg_jp_node *m = obj->child; m; m = m->next)
    if (strcmp(m->key, key) == 0)
      return m;
  return NULL;
}

static const char *jstr(const rdpneg_jp_node *obj, const char *key) {
  rdpneg_jp_node *n = jget(obj, key);
  return n && n->type == RDPNEG_JP_STRING ? n->str : NULL;
}

static rdpneg_jp_node *explain_doc(const rdpneg_taxonomy *tax, int kind,
                                   uint32_t code, int has_ext, uint32_t ext,
                                   int *prc) {
  char *s = NULL;
  rdpneg_jp_node *root = NULL;
  char err[200];
  *prc = rdpneg_explain_json(tax, kind, code, has_ext, ext, &s, NULL);
  if (!s)
    return NULL;
  if (rdpneg_jp_parse(s, strlen(s), &root, err, sizeof err) != 0) {
    printf("# explain JSON does not parse: %s\n", err);
    root = NULL;
  }
  free(s);
  return root;
}

static int has_candidate(const rdpneg_jp_node *doc, const char *id) {
  rdpneg_jp_node *c = jget(doc, "candidates");
  for (rdpneg_jp_node *e = c ? c->child : NULL; e; e = e->next)
    if (jstr(e, "id") && strcmp(jstr(e, "id"), id) == 0)
      return 1;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Kinds and code rows                                                       */

TAP_TEST(kind_parse) {
  CHECK_EQ_INT(rdpneg_kind_parse("errinfo"), RDPNEG_KIND_ERRINFO);
  CHECK_EQ_INT(rdpneg_kind_parse("ErrInfo"), RDPNEG_KIND_ERRINFO);
  CHECK_EQ_INT(rdpneg_kind_parse("auto"), RDPNEG_KIND_AUTO);
  CHECK_EQ_INT(rdpneg_kind_parse("disconnect"), RDPNEG_KIND_DISCONNECT);
  CHECK_EQ_INT(rdpneg_kind_parse("mstsc"), RDPNEG_KIND_DISCONNECT);
  CHECK_EQ_INT(rdpneg_kind_parse("ext"), RDPNEG_KIND_EXTENDED);
  CHECK_EQ_INT(rdpneg_kind_parse("neg-failure"), RDPNEG_KIND_NEG_FAILURE);
  CHECK_EQ_INT(rdpneg_kind_parse("tls_alert"), RDPNEG_KIND_TLS_ALERT);
  CHECK_EQ_INT(rdpneg_kind_parse("sec_e"), RDPNEG_KIND_SECURITY_STATUS);
  CHECK_EQ_INT(rdpneg_kind_parse("event"), RDPNEG_KIND_EVENT);
  CHECK(rdpneg_kind_parse("nonsense") < 0);
  CHECK(rdpneg_kind_parse(NULL) < 0);
  for (int k = 0; k < RDPNEG_KIND_COUNT; k++) {
    CHECK(rdpneg_kind_name(k) != NULL);
    CHECK(rdpneg_kind_title(k) != NULL);
    CHECK_EQ_INT(rdpneg_kind_parse(rdpneg_kind_name(k)), k);
  }
  CHECK(rdpneg_kind_name(RDPNEG_KIND_COUNT) == NULL);
  CHECK(rdpneg_kind_name(-1) == NULL);
}

TAP_TEST(code_rows_unique_and_complete) {
  CHECK_EQ_INT(rdpneg_code_count(), NRAW);
  for (int i = 0; i < NRAW; i++) {
    CHECK(raw_codes[i].source && raw_codes[i].source[0]);
    CHECK(rdpneg_code_meaning(i) && rdpneg_code_meaning(i)[0]);
    CHECK(rdpneg_code_phase(i) != NULL);
    CHECK(rdpneg_code_confidence(i) != NULL);
    for (int j = i + 1; j < NRAW; j++)
      if (raw_codes[i].kind == raw_codes[j].kind &&
          raw_codes[i].value == raw_codes[j].value) {
        printf("# duplicate row: kind %d value 0x%lX\n", raw_codes[i].kind,
               (unsigned long)raw_codes[i].value);
        CHECK(0);
      }
  }
}

/* Every row goes through lookup and explain (JSON and text) and comes back
 * with the same kind, value and name. */
TAP_TEST(every_code_roundtrips_through_explain) {
  int bad = 0;
  for (int i = 0; i < NRAW && bad < 5; i++) {
    const raw_code *r = &raw_codes[i];
    const char *name = NULL, *meaning = NULL;
    int rc, ok = 0;
    int li = rdpneg_code_lookup(r->kind, r->value, &name, &meaning);
    if (li != i || rdpneg_code_kind(li) != r->kind ||
        rdpneg_code_value(li) != r->value) {
      printf("# lookup of row %d (%s) gave %d\n", i, r->name ? r->name : "?",
             li);
      bad++;
      continue;
    }
    CHECK(meaning != NULL);
    rdpneg_jp_node *doc = explain_doc(NULL, r->kind, r->value, 0, 0, &rc);
    if (!doc || rc <= 0) {
      printf("# explain of row %d (%s) returned %d\n", i,
             r->name ? r->name : "?", rc);
      bad++;
      rdpneg_jp_free(doc);
      continue;
    }
    CHECK(jget(doc, "found") && jget(doc, "found")->type == RDPNEG_JP_TRUE);
    rdpneg_jp_node *in = jget(doc, "interpretations");
    for (rdpneg_jp_node *e = in ? in->child : NULL; e; e = e->next) {
      rdpneg_jp_node *v = jget(e, "value");
      const char *n = jstr(e, "name");
      if (jstr(e, "kind") &&
          strcmp(jstr(e, "kind"), rdpneg_kind_name(r->kind)) == 0 && v &&
          strtoull(v->str, NULL, 10) == r->value &&
          ((!r->name && !n) || (r->name && n && strcmp(n, r->name) == 0)))
        ok = 1;
    }
    if (!ok) {
      printf("# explain of row %d (%s) lacks the row\n", i,
             r->name ? r->name : "?");
      bad++;
    }
    rdpneg_jp_free(doc);

    char *text = NULL;
    rc = rdpneg_explain_text(NULL, r->kind, r->value, 0, 0, &text, NULL);
    if (rc <= 0 || !text || (r->name && !strstr(text, r->name))) {
      printf("# text explain of row %d (%s) rc %d\n", i,
             r->name ? r->name : "?", rc);
      bad++;
    }
    free(text);

    if (r->name)
      CHECK(rdpneg_code_find_name(r->name) >= 0);
    if (r->alt)
      CHECK_EQ_INT(rdpneg_code_find_name(r->alt), i);
  }
  CHECK_EQ_INT(bad, 0);
}

/* ------------------------------------------------------------------------ */
/* The fact sheet                                                            */

typedef struct doc {
  char *text;
  size_t len;
} doc;

/* Bounds of the section whose heading line starts with |heading|; it ends
 * at the next heading of the same or a higher level. */
static int section(const doc *d, const char *heading, const char **ps,
                   const char **pe) {
  size_t hl = strlen(heading);
  int level = 0;
  while (heading[level] == '#')
    level++;
  const char *p = d->text, *end = d->text + d->len;
  const char *start = NULL;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
      eol = end;
    if (!start) {
      if ((size_t)(eol - p) >= hl && memcmp(p, heading, hl) == 0)
        start = eol;
    } else if (*p == '#') {
      int l = 0;
      while (p + l < eol && p[l] == '#')
        l++;
      if (l <= level && p + l < eol && p[l] == ' ') {
        *ps = start;
        *pe = p;
        return 0;
      }
    }
    p = eol + 1;
  }
  if (!start)
    return -1;
  *ps = start;
  *pe = end;
  return 0;
}

#define MAXV 4096

typedef struct vset {
  uint32_t v[MAXV];
  int n;
} vset;

static void vadd(vset *s, uint32_t v) {
  for (int i = 0; i < s->n; i++)
    if (s->v[i] == v)
      return;
  if (s->n < MAXV)
    s->v[s->n++] = v;
}

static int vhas(const vset *s, uint32_t v) {
  for (int i = 0; i < s->n; i++)
    if (s->v[i] == v)
      return 1;
  return 0;
}

/* Adds every hex (0x...) or, with |dec|, every decimal number in [s, e).
 * With |ranges|, "A-B" / "A–B" adds every value in between. */
static void numbers(const char *s, const char *e, int dec, int ranges,
                    vset *out) {
  const char *p = s;
  uint32_t prev = 0;
  int have_prev = 0;
  while (p < e) {
    int is_hex = p + 2 < e && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
                 isxdigit((unsigned char)p[2]);
    int boundary = p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
    if (boundary && is_hex && !dec) {
      char *q;
      unsigned long long v = strtoull(p + 2, &q, 16);
      if (ranges && have_prev && v >= prev && v - prev < 256)
        for (uint32_t x = prev; x < v; x++)
          vadd(out, x);
      vadd(out, (uint32_t)v);
      p = q;
      prev = (uint32_t)v;
      have_prev = 0;
      /* a range marker follows? */
      if (p < e && *p == '-')
        have_prev = 1, p++;
      else if (e - p >= 3 && memcmp(p, "\xE2\x80\x93", 3) == 0)
        have_prev = 1, p += 3;
      continue;
    }
    /* Single digits are the same in hex and decimal ("0 / 0xFFFFFFFF"). */
    if (boundary && !dec && isdigit((unsigned char)*p) && !is_hex &&
        !(p + 1 < e && isalnum((unsigned char)p[1]))) {
      vadd(out, (uint32_t)(*p - '0'));
      p++;
      continue;
    }
    if (boundary && dec && isdigit((unsigned char)*p) && !is_hex) {
      char *q;
      unsigned long long v = strtoull(p, &q, 10);
      if (q < e && (isalpha((unsigned char)*q) || *q == '_')) {
        p = q;
        continue;
      }
      if (ranges && have_prev && v >= prev && v - prev < 256)
        for (uint32_t x = prev; x < v; x++)
          vadd(out, x);
      vadd(out, (uint32_t)v);
      p = q;
      prev = (uint32_t)v;
      have_prev = 0;
      if (p < e && *p == '-')
        have_prev = 1, p++;
      else if (e - p >= 3 && memcmp(p, "\xE2\x80\x93", 3) == 0)
        have_prev = 1, p += 3;
      continue;
    }
    if (!(*p == ' ' || *p == '*'))
      have_prev = 0;
    p++;
  }
}

/* Splits a table row into cells (pointers into a scratch copy). */
static int cells(const char *line, const char *eol, char *scratch, size_t cap,
                 char **cell, int maxc) {
  size_t n = (size_t)(eol - line);
  int nc = 0;
  if (n >= cap)
    n = cap - 1;
  memcpy(scratch, line, n);
  scratch[n] = 0;
  char *p = scratch;
  if (*p == '|')
    p++;
  while (*p && nc < maxc) {
    char *bar = strchr(p, '|');
    if (bar)
      *bar = 0;
    /* trim, drop emphasis and code marks */
    char *w = p, *r = p;
    for (; *r; r++)
      if (*r != '*' && *r != '`')
        *w++ = *r;
    *w = 0;
    while (*p == ' ')
      p++;
    w = p + strlen(p);
    while (w > p && (w[-1] == ' ' || w[-1] == '\r'))
      *--w = 0;
    cell[nc++] = p;
    if (!bar)
      break;
    p = bar + 1;
  }
  if (nc && !cell[nc - 1][0])
    nc--; /* trailing '|' */
  return nc;
}

static int separator_row(const char *c) {
  for (; *c; c++)
    if (*c != '-' && *c != ':' && *c != ' ')
      return 0;
  return 1;
}

static void first_ident(const char *s, char *out, size_t cap) {
  size_t n = 0;
  while (*s && !(isalnum((unsigned char)*s) || *s == '_'))
    s++;
  while (*s && (isalnum((unsigned char)*s) || *s == '_') && n + 1 < cap)
    out[n++] = *s++;
  out[n] = 0;
}

typedef struct tspec {
  const char *heading;
  int kind;
  int vcol, ncol; /* value column, name column (-1: no name check) */
  int dec;        /* values are decimal */
  const char *name_prefix;
} tspec;

static const tspec tables[] = {
    {"### 1.4 ", RDPNEG_KIND_NEG_REQ_FLAG, 1, 0, 0, ""},
    {"### 1.5 ", RDPNEG_KIND_PROTOCOL, 1, 0, 0, ""},
    {"### 1.6 ", RDPNEG_KIND_NEG_RSP_FLAG, 1, 0, 0, ""},
    {"### 1.7 ", RDPNEG_KIND_NEG_FAILURE, 0, 1, 0, ""},
    {"### 1.9 ", RDPNEG_KIND_EUA, 1, 2, 0, ""}, /* RDSTLS rows by name */
    {"### 2.1 ", RDPNEG_KIND_DISCONNECT, 0, 2, 0, ""},
    {"## 3. ", RDPNEG_KIND_EXTENDED, 1, 2, 0, ""},
    {"### 4.1 ", RDPNEG_KIND_ERRINFO, 0, 1, 0, ""},
    {"### 4.2 ", RDPNEG_KIND_ERRINFO, 0, 1, 0, ""},
    {"### 4.3 ", RDPNEG_KIND_ERRINFO, 0, 1, 0, ""},
    {"### 4.4 ", RDPNEG_KIND_ERRINFO, 0, 1, 0, ""},
    {"## 5. ", RDPNEG_KIND_FREERDP, 2, 0, 0, "ERRCONNECT_"},
    {"### 6.1 ", RDPNEG_KIND_CREDSSP_VERSION, 0, -1, 1, ""},
    {"### 6.2 ", RDPNEG_KIND_NTSTATUS, 1, 0, 0, ""},
    {"### 6.3 ", RDPNEG_KIND_SECURITY_STATUS, 1, 0, 0, ""},
    {"### 7.1 ", RDPNEG_KIND_TLS_ALERT, 0, 1, 1, ""},
    {"### 7.2 ", RDPNEG_KIND_EVENT, 0, -1, 1, ""},
    {"### 7.3 ", RDPNEG_KIND_EVENT, 1, -1, 1, ""},
};

static int row_matches_name(int row, const char *want) {
  const char *n = rdpneg_code_name(row), *a = rdpneg_code_alt_name(row);
  return (n && strcmp(n, want) == 0) || (a && strcmp(a, want) == 0);
}

/* Checks one table of the fact sheet; returns the number of codes. */
static int check_table(const doc *d, const tspec *t, int *missing) {
  const char *s, *e;
  int count = 0;
  char scratch[4096], *cell[16];
  if (section(d, t->heading, &s, &e) < 0) {
    printf("# section %s not found in the fact sheet\n", t->heading);
    (*missing)++;
    return 0;
  }
  int in_table = 0, tables_seen = 0;
  for (const char *p = s; p < e;) {
    const char *eol = memchr(p, '\n', (size_t)(e - p));
    if (!eol)
      eol = e;
    if (*p != '|') {
      if (in_table)
        tables_seen++;
      in_table = 0;
      p = eol + 1;
      continue;
    }
    /* 4.2 has a second structure after its table: only the first table
     * of a section is the code table, except where noted. */
    int nc = cells(p, eol, scratch, sizeof scratch, cell, 16);
    const char *next = eol + 1;
    const char *neol = next < e ? memchr(next, '\n', (size_t)(e - next)) : NULL;
    int header = 0;
    if (neol && *next == '|') {
      char s2[4096], *c2[16];
      int n2 = cells(next, neol, s2, sizeof s2, c2, 16);
      header = n2 > 0 && separator_row(c2[0]);
    }
    if (!in_table && !header) {
      p = eol + 1;
      continue;
    }
    if (!in_table) { /* header row */
      in_table = 1;
      p = eol + 1;
      continue;
    }
    if (nc > 0 && separator_row(cell[0])) {
      p = eol + 1;
      continue;
    }
    if (tables_seen > 0 && t->kind != RDPNEG_KIND_EVENT) {
      p = eol + 1;
      continue;
    }
    if (t->vcol >= nc) {
      p = eol + 1;
      continue;
    }
    int kind = t->kind;
    const char *vcell = cell[t->vcol];
    char name[160] = "";
    if (t->ncol >= 0 && t->ncol < nc)
      first_ident(cell[t->ncol], name, sizeof name);
    if (kind == RDPNEG_KIND_EUA && strncmp(name, "RDSTLS", 6) == 0)
      kind = RDPNEG_KIND_RDSTLS;
    if (kind == RDPNEG_KIND_FREERDP && !vcell[0] && nc > 1) {
      vcell = cell[1]; /* "(SUCCESS / NONE) | 0 / 0xFFFFFFFF |" */
      name[0] = 0;
    }
    vset vals = {{0}, 0};
    int is_range = strstr(vcell, "\xE2\x80\x93") != NULL;
    numbers(vcell, vcell + strlen(vcell), t->dec, 1, &vals);
    if (kind == RDPNEG_KIND_FREERDP && strchr(vcell, '/')) {
      vals.n = 0;
      vadd(&vals, 0);
      numbers(vcell, vcell + strlen(vcell), 0, 0, &vals);
    }
    for (int k = 0; k < vals.n; k++) {
      int row = rdpneg_code_find(kind, vals.v[k], 0);
      count++;
      if (row < 0) {
        printf("# facts %s: %s 0x%lX (%s) not in the library\n", t->heading,
               rdpneg_kind_name(kind), (unsigned long)vals.v[k], name);
        (*missing)++;
        continue;
      }
      if (name[0] && !is_range && vals.n == 1 && t->ncol >= 0) {
        char want[200];
        snprintf(want, sizeof want, "%s%s",
                 strncmp(name, t->name_prefix, strlen(t->name_prefix)) == 0
                     ? ""
                     : t->name_prefix,
                 name);
        if (!row_matches_name(row, want)) {
          printf("# facts %s: %s 0x%lX is \"%s\" in the fact sheet, \"%s\" "
                 "in the library\n",
                 t->heading, rdpneg_kind_name(kind), (unsigned long)vals.v[k],
                 want, rdpneg_code_name(row) ? rdpneg_code_name(row) : "");
          (*missing)++;
        }
      }
    }
    /* 7.1: the Windows error column names SECURITY_STATUS values. */
    if (t->kind == RDPNEG_KIND_TLS_ALERT && nc > 2) {
      vset sv = {{0}, 0};
      numbers(cell[2], cell[2] + strlen(cell[2]), 0, 0, &sv);
      for (int k = 0; k < sv.n; k++)
        if (rdpneg_code_find(RDPNEG_KIND_SECURITY_STATUS, sv.v[k], 0) < 0) {
          printf("# facts 7.1: SECURITY_STATUS 0x%lX not in the library\n",
                 (unsigned long)sv.v[k]);
          (*missing)++;
        }
    }
    p = eol + 1;
  }
  return count;
}

/* Section(s) in which each kind's values are written, and how. */
static const struct {
  int kind;
  const char *headings[4];
  int dec;
} kind_sections[] = {
    {RDPNEG_KIND_DISCONNECT, {"## 2. ", NULL}, 0},
    {RDPNEG_KIND_SSL_ERR, {"### 2.1 ", NULL}, 0},
    {RDPNEG_KIND_EXTENDED, {"## 3. ", NULL}, 0},
    {RDPNEG_KIND_ERRINFO, {"## 4. ", NULL}, 0},
    {RDPNEG_KIND_FREERDP, {"## 5. ", NULL}, 0},
    {RDPNEG_KIND_NEG_FAILURE, {"### 1.7 ", NULL}, 0},
    {RDPNEG_KIND_TLS_ALERT, {"### 7.1 ", NULL}, 1},
    {RDPNEG_KIND_NTSTATUS, {"### 6.2 ", NULL}, 0},
    {RDPNEG_KIND_SECURITY_STATUS,
     {"### 6.3 ", "### 7.1 ", "### 1.11 ", NULL},
     0},
    {RDPNEG_KIND_EUA, {"### 1.9 ", NULL}, 0},
    {RDPNEG_KIND_RDSTLS, {"### 1.9 ", NULL}, 0},
    {RDPNEG_KIND_LICENSE_ERROR, {"### 4.2 ", NULL}, 0},
    {RDPNEG_KIND_PROTOCOL, {"### 1.5 ", NULL}, 0},
    {RDPNEG_KIND_NEG_REQ_FLAG, {"### 1.4 ", NULL}, 0},
    {RDPNEG_KIND_NEG_RSP_FLAG, {"### 1.6 ", NULL}, 0},
    {RDPNEG_KIND_CREDSSP_VERSION, {"### 6.1 ", NULL}, 1},
    {RDPNEG_KIND_EVENT, {"### 7.2 ", "### 7.3 ", NULL}, 1},
};

TAP_TEST(fact_sheet_tables_are_all_known) {
  char path[4200];
  const char *src = getenv("RDPNEG_SRCDIR");
  doc d;
  int missing = 0;
  snprintf(path, sizeof path, "%s/../shared/reference/taxonomy-facts.md",
           src ? src : ".");
  d.text = (char *)tap_read_file(path, &d.len);
  if (!d.text)
    TAP_SKIP("../shared/reference/taxonomy-facts.md not present");

  /* Forward: every code of every table is known, with the same name. */
  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
    int n = check_table(&d, &tables[t], &missing);
    printf("# facts %-9s %-16s %3d codes\n", tables[t].heading,
           rdpneg_kind_name(tables[t].kind), n);
    CHECK(n > 0);
  }

  /* facts 2.3: the unofficial discReasons listed in prose. */
  {
    const char *s, *e, *stop;
    vset v = {{0}, 0};
    CHECK(section(&d, "### 2.3 ", &s, &e) == 0);
    stop = strstr(s, "Related observations");
    numbers(s, stop && stop < e ? stop : e, 0, 0, &v);
    for (int k = 0; k < v.n; k++)
      if (rdpneg_code_find(RDPNEG_KIND_DISCONNECT, v.v[k], 0) < 0) {
        printf("# facts 2.3: disconnect 0x%lX not in the library\n",
               (unsigned long)v.v[k]);
        missing++;
      }
    printf("# facts 2.3      disconnect       %3d unofficial codes\n", v.n);
    CHECK(v.n >= 30);
  }

  /* facts 4.2: licensing error messages, "NAME 0xV" pairs in prose. */
  {
    const char *s, *e, *p, *stop;
    int n = 0;
    CHECK(section(&d, "### 4.2 ", &s, &e) == 0);
    p = strstr(s, "dwErrorCode");
    stop = p ? strstr(p, "dwStateTransition") : NULL;
    while (p && stop && p < stop) {
      const char *x = strstr(p, " 0x");
      char name[80];
      const char *b;
      if (!x || x >= stop)
        break;
      b = x;
      while (b > p && (isupper((unsigned char)b[-1]) || b[-1] == '_'))
        b--;
      snprintf(name, sizeof name, "%.*s", (int)(x - b), b);
      uint32_t v = (uint32_t)strtoul(x + 3, NULL, 16);
      int row = rdpneg_code_find(RDPNEG_KIND_LICENSE_ERROR, v, 0);
      if (row < 0 || !row_matches_name(row, name)) {
        printf("# facts 4.2: license_error %s 0x%lX not in the library\n", name,
               (unsigned long)v);
        missing++;
      }
      n++;
      p = x + 3;
    }
    printf("# facts 4.2      license_error    %3d codes\n", n);
    CHECK(n >= 9);
  }

  /* Backward: every library row's value is written in its kind's
   * section(s) -- nothing was invented. */
  for (size_t k = 0; k < sizeof kind_sections / sizeof kind_sections[0]; k++) {
    vset v = {{0}, 0};
    int rows = 0;
    for (int h = 0; kind_sections[k].headings[h]; h++) {
      const char *s, *e;
      if (section(&d, kind_sections[k].headings[h], &s, &e) == 0)
        numbers(s, e, kind_sections[k].dec, 1, &v);
    }
    for (int i = 0; i < rdpneg_code_count(); i++) {
      if (rdpneg_code_kind(i) != kind_sections[k].kind)
        continue;
      rows++;
      if (!vhas(&v, rdpneg_code_value(i))) {
        printf("# library %s 0x%lX (%s) is not in the fact sheet\n",
               rdpneg_kind_name(kind_sections[k].kind),
               (unsigned long)rdpneg_code_value(i),
               rdpneg_code_name(i) ? rdpneg_code_name(i) : "");
        missing++;
      }
    }
    printf("# library %-16s %3d rows\n",
           rdpneg_kind_name(kind_sections[k].kind), rows);
  }
  CHECK_EQ_INT(missing, 0);
  free(d.text);
}

/* ------------------------------------------------------------------------ */
/* Causes and links                                                          */

static const char *const phases[] = {
    "dns",       "tcp",    "x224",      "tls",     "nla",    "mcs", "security",
    "licensing", "broker", "transport", "session", "client", "any"};

TAP_TEST(every_cause_is_complete) {
  static const char *const required[] = {"DNS_FAILURE",
                                         "PORT_CLOSED",
                                         "PORT_FILTERED",
                                         "HOST_UNREACHABLE",
                                         "NOT_RDP",
                                         "SERVER_SILENT",
                                         "CONNECTION_RESET",
                                         "TLS_REQUIRED_BY_SERVER",
                                         "TLS_NOT_ALLOWED_BY_SERVER",
                                         "NO_SERVER_CERTIFICATE",
                                         "NLA_REQUIRED_BY_SERVER",
                                         "CLIENT_CERT_REQUIRED",
                                         "LEGACY_SERVER",
                                         "CERT_EXPIRED",
                                         "CERT_NOT_YET_VALID",
                                         "CERT_NAME_MISMATCH",
                                         "CERT_UNTRUSTED",
                                         "CERT_WEAK_KEY",
                                         "CERT_EXPIRING_SOON",
                                         "TLS_VERSION_MISMATCH",
                                         "TLS1_3_REQUIRED",
                                         "TLS_SERVER_KEY_UNUSABLE",
                                         "TLS_STALLED",
                                         "CREDSSP_VERSION_MISMATCH",
                                         "CLOCK_SKEW",
                                         "AUTH_LOGON_FAILURE",
                                         "AUTH_PASSWORD_EXPIRED",
                                         "AUTH_ACCOUNT_RESTRICTED",
                                         "AUTH_ACCESS_DENIED",
                                         "AUTH_REJECTED_NO_REASON",
                                         "LOCAL_FIREWALL",
                                         "UDP_TRANSPORT_BLOCKED",
                                         "MTU_BLACKHOLE",
                                         "LICENSING_CLIENT_CACHE",
                                         "CREDSSP_ORACLE_POLICY",
                                         "INCONSISTENT_FLAGS"};
  for (size_t k = 0; k < sizeof required / sizeof required[0]; k++)
    if (rdpneg_cause_find(required[k]) < 0) {
      printf("# missing cause %s\n", required[k]);
      CHECK(0);
    }
  for (int i = 0; i < rdpneg_cause_count(); i++) {
    const char *id = rdpneg_cause_id(i);
    int ph = 0;
    CHECK(id && rdpneg_cause_find(id) == i);
    for (const char *p = id; *p; p++)
      CHECK(isupper((unsigned char)*p) || isdigit((unsigned char)*p) ||
            *p == '_');
    CHECK(rdpneg_cause_title(i) && rdpneg_cause_title(i)[0]);
    CHECK(rdpneg_cause_description(i) && rdpneg_cause_description(i)[0]);
    CHECK(rdpneg_cause_source(i) && rdpneg_cause_source(i)[0]);
    CHECK(rdpneg_cause_confidence(i) != NULL);
    for (size_t k = 0; k < sizeof phases / sizeof phases[0]; k++)
      ph |= rdpneg_cause_phase(i) && !strcmp(rdpneg_cause_phase(i), phases[k]);
    CHECK(ph);
    CHECK(rdpneg_cause_severity(i) &&
          (!strcmp(rdpneg_cause_severity(i), "failing") ||
           !strcmp(rdpneg_cause_severity(i), "degraded") ||
           !strcmp(rdpneg_cause_severity(i), "info")));
    if (rdpneg_cause_remedy_count(NULL, i) < 1 ||
        rdpneg_cause_evidence_count(i) < 1) {
      printf("# %s: %d remedies, %d evidence items\n", id,
             rdpneg_cause_remedy_count(NULL, i),
             rdpneg_cause_evidence_count(i));
      CHECK(0);
    }
    for (int j = 0; j < rdpneg_cause_remedy_count(NULL, i); j++) {
      CHECK(rdpneg_cause_remedy(NULL, i, j) &&
            rdpneg_cause_remedy(NULL, i, j)[0]);
      CHECK(rdpneg_cause_remedy_source(NULL, i, j) &&
            rdpneg_cause_remedy_source(NULL, i, j)[0]);
      CHECK(rdpneg_cause_remedy_confidence(NULL, i, j) != NULL);
    }
    for (int j = 0; j < rdpneg_cause_evidence_count(i); j++) {
      const char *w = rdpneg_cause_evidence_where(i, j);
      CHECK(rdpneg_cause_evidence(i, j) != NULL);
      CHECK(rdpneg_cause_evidence_source(i, j) != NULL);
      CHECK(rdpneg_cause_evidence_confidence(i, j) != NULL);
      CHECK(w && (!strcmp(w, "probe") || !strcmp(w, "server") ||
                  !strcmp(w, "client")));
    }
    char *js = NULL;
    CHECK_EQ_INT(rdpneg_cause_json(NULL, i, &js, NULL), 0);
    rdpneg_jp_node *root = NULL;
    char err[200];
    CHECK(js && rdpneg_jp_parse(js, strlen(js), &root, err, sizeof err) == 0);
    CHECK_EQ_STR(jstr(root, "id"), id);
    rdpneg_jp_free(root);
    free(js);
  }
}

/* Every client-code reference of every cause (and of notes) resolves to a
 * table row; ranks are unique per code. */
TAP_TEST(every_code_reference_resolves) {
  int bad = 0;
  for (int i = 0; i < NLINKS; i++) {
    const raw_link *l = &raw_links[i];
    if (rdpneg_code_lookup(l->kind, l->lo, NULL, NULL) < 0 ||
        rdpneg_code_lookup(l->kind, l->hi, NULL, NULL) < 0 ||
        (l->has_ext &&
         rdpneg_code_lookup(RDPNEG_KIND_EXTENDED, l->ext, NULL, NULL) < 0)) {
      printf("# link %s -> %s 0x%lX..0x%lX does not resolve\n", l->cause,
             rdpneg_kind_name(l->kind), (unsigned long)l->lo,
             (unsigned long)l->hi);
      bad++;
    }
    CHECK(l->rank >= 1);
    CHECK(rdpneg_cause_find(l->cause) >= 0);
    for (int j = i + 1; j < NLINKS; j++) {
      const raw_link *m = &raw_links[j];
      if (m->kind == l->kind && m->lo == l->lo && m->hi == l->hi &&
          m->has_ext == l->has_ext && m->ext == l->ext) {
        if (m->rank == l->rank) {
          printf("# rank %d used twice for %s 0x%lX\n", l->rank,
                 rdpneg_kind_name(l->kind), (unsigned long)l->lo);
          bad++;
        }
        if (!strcmp(m->cause, l->cause)) {
          printf("# cause %s linked twice to %s 0x%lX\n", l->cause,
                 rdpneg_kind_name(l->kind), (unsigned long)l->lo);
          bad++;
        }
      }
    }
  }
  for (int i = 0; i < NREFS; i++)
    if (rdpneg_code_lookup(raw_refs[i].kind, raw_refs[i].value, NULL, NULL) <
            0 ||
        (raw_refs[i].has_ext &&
         rdpneg_code_lookup(RDPNEG_KIND_EXTENDED, raw_refs[i].ext, NULL, NULL) <
             0)) {
      printf("# note/related code %s 0x%lX does not resolve\n",
             rdpneg_kind_name(raw_refs[i].kind),
             (unsigned long)raw_refs[i].value);
      bad++;
    }
  /* The public accessors see the same references. */
  for (int i = 0; i < rdpneg_cause_count(); i++)
    for (int j = 0; j < rdpneg_cause_code_count(i); j++) {
      int kind;
      uint32_t lo, hi;
      CHECK_EQ_INT(rdpneg_cause_code(i, j, &kind, &lo, &hi), 0);
      CHECK(rdpneg_code_lookup(kind, lo, NULL, NULL) >= 0);
      CHECK(rdpneg_cause_code_confidence(i, j) != NULL);
      uint32_t ext = 0;
      int pair = rdpneg_cause_code_extended(i, j, &ext);
      CHECK(pair == 0 || pair == 1);
      if (pair == 1)
        CHECK(rdpneg_code_lookup(RDPNEG_KIND_EXTENDED, ext, NULL, NULL) >= 0);
    }
  CHECK(rdpneg_cause_code_extended(0, 9999, NULL) < 0);
  {
    int ci = rdpneg_cause_find("CONNECTION_LIMIT"), pairs = 0;
    for (int j = 0; j < rdpneg_cause_code_count(ci); j++) {
      uint32_t ext = 0;
      if (rdpneg_cause_code_extended(ci, j, &ext) == 1 && ext == 0x7)
        pairs++;
    }
    CHECK_EQ_INT(pairs, 1);
  }
  CHECK_EQ_INT(bad, 0);
}

/* Every "S-..." key cited anywhere is in the source legend. */
TAP_TEST(every_source_key_is_in_the_legend) {
  int bad = 0;
  for (size_t i = 0; i < sizeof all_sources / sizeof all_sources[0]; i++) {
    const char *s = all_sources[i];
    CHECK(s && s[0]);
    for (const char *p = s; p && (p = strstr(p, "S-")) != NULL; p += 2) {
      char key[40];
      size_t n = 0;
      if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))
        continue;
      while ((isalnum((unsigned char)p[n]) || p[n] == '-') &&
             n + 1 < sizeof key)
        key[n] = p[n], n++;
      key[n] = 0;
      int found = 0;
      for (int k = 0; k < rdpneg_source_count(); k++)
        found |= !strcmp(rdpneg_source_key(k), key);
      if (!found) {
        printf("# source key %s (in \"%s\") is not in the legend\n", key, s);
        bad++;
      }
    }
  }
  CHECK_EQ_INT(bad, 0);
}

/* ------------------------------------------------------------------------ */
/* Explain                                                                   */

TAP_TEST(explain_0x904_0x7) {
  int rc;
  rdpneg_jp_node *d = explain_doc(NULL, RDPNEG_KIND_AUTO, 0x904, 1, 0x7, &rc);
  CHECK(d != NULL);
  CHECK(rc > 0);
  CHECK(jget(d, "found") && jget(d, "found")->type == RDPNEG_JP_TRUE);
  CHECK_EQ_STR(jstr(jget(d, "query"), "kind"), "disconnect");
  rdpneg_jp_node *in = jget(d, "interpretations");
  CHECK(in && in->count == 1);
  CHECK_EQ_STR(jstr(in ? in->child : NULL, "name"),
               "disconnectReasonAtClientWinsockFDCLOSE");
  rdpneg_jp_node *ex = jget(d, "extended_interpretations");
  CHECK(ex && ex->count == 1);
  CHECK_EQ_STR(jstr(ex ? ex->child : NULL, "name"),
               "exDiscReasonServerDeniedConnection");
  CHECK_EQ_STR(jstr(d, "candidates_from"), "pair");
  CHECK(has_candidate(d, "TLS_SERVER_KEY_UNUSABLE"));
  CHECK(has_candidate(d, "CONNECTION_LIMIT"));
  CHECK(has_candidate(d, "MIDDLEBOX_RESET"));
  /* lore is marked */
  int lore = 0, notlore = 0;
  rdpneg_jp_node *c = jget(d, "candidates");
  for (rdpneg_jp_node *e = c ? c->child : NULL; e; e = e->next) {
    rdpneg_jp_node *l = jget(e, "lore");
    const char *lc = jstr(e, "link_confidence");
    CHECK(l && lc);
    if (l && l->type == RDPNEG_JP_TRUE) {
      lore++;
      CHECK(lc && (!strcmp(lc, "C") || !strcmp(lc, "UNV")));
    } else {
      notlore++;
    }
    CHECK(jget(e, "evidence") && jget(e, "evidence")->count > 0);
    CHECK(jget(e, "remedies") && jget(e, "remedies")->count > 0);
  }
  CHECK(lore > 0 && notlore > 0);
  rdpneg_jp_free(d);

  char *t = NULL;
  rc = rdpneg_explain_text(NULL, RDPNEG_KIND_AUTO, 0x904, 1, 0x7, &t, NULL);
  CHECK(rc > 0 && t);
  CHECK(t && strstr(t, "\"socket closed\""));
  CHECK(t && strstr(t, "\"server denied connection\""));
  CHECK(t && strstr(t, "Officially this pair says only two things"));
  CHECK(t && strstr(t, "How a probe tells them apart"));
  CHECK(t && strstr(t, "lore"));
  CHECK(t && strstr(t, "Evidence to check"));
  CHECK(t && strstr(t, "Remedies"));
  free(t);
}

TAP_TEST(explain_auto_lists_every_interpretation) {
  int rc;
  rdpneg_jp_node *d = explain_doc(NULL, RDPNEG_KIND_AUTO, 5, 0, 0, &rc);
  rdpneg_jp_node *in = jget(d, "interpretations");
  CHECK(rc >= 5);
  CHECK(in && (int)in->count == rc);
  int seen = 0;
  for (rdpneg_jp_node *e = in ? in->child : NULL; e; e = e->next) {
    const char *k = jstr(e, "kind");
    seen |= k && !strcmp(k, "neg_failure") ? 1 : 0;
    seen |= k && !strcmp(k, "extended") ? 2 : 0;
    seen |= k && !strcmp(k, "errinfo") ? 4 : 0;
    seen |= k && !strcmp(k, "eua") ? 8 : 0;
    CHECK(jstr(e, "kind_title") != NULL);
  }
  CHECK_EQ_INT(seen, 15);
  rdpneg_jp_free(d);
  /* protocol bits are not error codes: not part of auto */
  d = explain_doc(NULL, RDPNEG_KIND_AUTO, 0x10, 0, 0, &rc);
  in = jget(d, "interpretations");
  for (rdpneg_jp_node *e = in ? in->child : NULL; e; e = e->next)
    CHECK(strcmp(jstr(e, "kind"), "protocol") != 0);
  rdpneg_jp_free(d);
}

TAP_TEST(explain_unknown_and_special) {
  int rc;
  char *t = NULL;
  rdpneg_jp_node *d =
      explain_doc(NULL, RDPNEG_KIND_DISCONNECT, 0x1234, 0, 0, &rc);
  CHECK_EQ_INT(rc, 0);
  CHECK(jget(d, "found") && jget(d, "found")->type == RDPNEG_JP_FALSE);
  CHECK(jget(jget(d, "query"), "layer") != NULL);
  rdpneg_jp_free(d);
  /* known code with an unknown extended code */
  d = explain_doc(NULL, RDPNEG_KIND_AUTO, 0x904, 1, 0x4242, &rc);
  CHECK_EQ_INT(rc, 0);
  rdpneg_jp_free(d);
  /* FreeRDP class 1 wraps ERRINFO */
  d = explain_doc(NULL, RDPNEG_KIND_FREERDP, 0x00010009, 0, 0, &rc);
  CHECK(rc > 0);
  {
    rdpneg_jp_node *in = jget(d, "interpretations");
    CHECK(in && in->child &&
          strstr(jstr(in->child, "name"),
                 "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES"));
  }
  CHECK(has_candidate(d, "AUTH_ACCESS_DENIED"));
  rdpneg_jp_free(d);
  CHECK(rdpneg_code_lookup(RDPNEG_KIND_FREERDP, 0x0001112F, NULL, NULL) >= 0);
  /* the extended protocol range carries ERRINFO */
  d = explain_doc(NULL, RDPNEG_KIND_EXTENDED, 0x112F, 0, 0, &rc);
  CHECK(rc > 0);
  {
    rdpneg_jp_node *in = jget(d, "interpretations");
    CHECK(in && in->child &&
          strstr(jstr(in->child, "name"), "ERRINFO_GRAPHICSSUBSYSTEMFAILED"));
  }
  CHECK(has_candidate(d, "RDP_PROTOCOL_ERROR"));
  rdpneg_jp_free(d);
  /* an unofficial code says so */
  CHECK(rdpneg_explain_text(NULL, RDPNEG_KIND_DISCONNECT, 0x1504, 0, 0, &t,
                            NULL) > 0);
  CHECK(t && strstr(t, "UNOFFICIAL"));
  free(t);
  t = NULL;
  /* failure codes map to their causes */
  d = explain_doc(NULL, RDPNEG_KIND_NEG_FAILURE, 5, 0, 0, &rc);
  CHECK(has_candidate(d, "NLA_REQUIRED_BY_SERVER"));
  rdpneg_jp_free(d);
  /* bad arguments */
  CHECK_EQ_INT(rdpneg_explain_json(NULL, 99, 1, 0, 0, &t, NULL),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_explain_text(NULL, 1, 1, 0, 0, NULL, NULL),
               RDPNEG_ERR_INVALID_ARGUMENT);
  /* accessors out of range */
  CHECK(rdpneg_code_name(-1) == NULL);
  CHECK(rdpneg_code_name(rdpneg_code_count()) == NULL);
  CHECK(rdpneg_cause_id(rdpneg_cause_count()) == NULL);
  CHECK(rdpneg_cause_remedy(NULL, 0, 999) == NULL);
  CHECK(rdpneg_cause_code(0, 999, NULL, NULL, NULL) < 0);
  CHECK(rdpneg_cause_find("NO_SUCH_CAUSE") < 0);
  CHECK(rdpneg_code_find(RDPNEG_KIND_ERRINFO, 0x8, 0) < 0);
  /* DISCONNECT finds SSL_ERR rows */
  CHECK(rdpneg_code_find(RDPNEG_KIND_DISCONNECT, 0x807, 0) >= 0);
  char *all = NULL;
  CHECK_EQ_INT(rdpneg_taxonomy_json(NULL, &all, NULL), 0);
  {
    rdpneg_jp_node *root = NULL;
    char err[200];
    CHECK(all &&
          rdpneg_jp_parse(all, strlen(all), &root, err, sizeof err) == 0);
    CHECK((int)jget(root, "codes")->count == rdpneg_code_count());
    CHECK((int)jget(root, "causes")->count == rdpneg_cause_count());
    rdpneg_jp_free(root);
  }
  free(all);
}

/* ------------------------------------------------------------------------ */
/* Overrides                                                                 */

/* Snapshot of every remedy of every cause, to prove "nothing changed". */
static char *snapshot(const rdpneg_taxonomy *tax) {
  size_t cap = 1 << 16, len = 0;
  char *s = malloc(cap);
  for (int i = 0; s && i < rdpneg_cause_count(); i++)
    for (int j = 0; j < rdpneg_cause_remedy_count(tax, i); j++) {
      const char *r = rdpneg_cause_remedy(tax, i, j);
      size_t n = strlen(r) + 2;
      if (len + n + 1 > cap) {
        cap = (len + n + 1) * 2;
        s = realloc(s, cap);
        if (!s)
          return NULL;
      }
      memcpy(s + len, r, n - 2);
      len += n - 2;
      s[len++] = '\n';
      s[len++] = '|';
    }
  if (s)
    s[len] = 0;
  return s;
}

TAP_TEST(overrides_replace_and_append) {
  rdpneg_taxonomy *tax = NULL;
  char err[300];
  int ci = rdpneg_cause_find("CERT_EXPIRED");
  int pi = rdpneg_cause_find("PORT_FILTERED");
  int builtin = rdpneg_cause_remedy_count(NULL, pi);
  const char *doc1 =
      "{\n"
      "  \"version\": 1,\n"
      "  \"comment\": \"ACME support\",\n"
      "  \"causes\": {\n"
      "    \"CERT_EXPIRED\": {\"remedies\": [\"Call ACME \\u00e9 desk\", "
      "\"Renew via portal\"], \"mode\": \"replace\"},\n"
      "    \"PORT_FILTERED\": {\"remedies\": [\"Open ticket FW-1\"], "
      "\"mode\": \"append\"}\n"
      "  }\n"
      "}\n";
  CHECK_EQ_INT(rdpneg_taxonomy_new(&tax), 0);
  CHECK_EQ_INT(rdpneg_taxonomy_load_overrides_mem(tax, doc1, strlen(doc1),
                                                  "acme.json", err, sizeof err),
               0);
  CHECK_EQ_INT(rdpneg_cause_remedy_count(tax, ci), 2);
  CHECK_EQ_STR(rdpneg_cause_remedy(tax, ci, 0), "Call ACME \xc3\xa9 desk");
  CHECK_EQ_STR(rdpneg_cause_remedy(tax, ci, 1), "Renew via portal");
  CHECK_EQ_STR(rdpneg_cause_remedy_source(tax, ci, 0), "override: acme.json");
  CHECK(rdpneg_cause_remedy_confidence(tax, ci, 0) == NULL);
  CHECK(rdpneg_cause_remedy_confidence(tax, pi, 0) != NULL);
  CHECK_EQ_INT(rdpneg_cause_remedy_count(tax, pi), builtin + 1);
  CHECK_EQ_STR(rdpneg_cause_remedy(tax, pi, builtin), "Open ticket FW-1");
  /* built-in defaults (NULL) are untouched */
  CHECK(rdpneg_cause_remedy_count(NULL, ci) >= 2);
  CHECK(strcmp(rdpneg_cause_remedy(NULL, ci, 0), "Call ACME \xc3\xa9 desk"));
  /* explain and cause JSON use the handle */
  char *t = NULL;
  CHECK(rdpneg_explain_text(tax, RDPNEG_KIND_SSL_ERR, 0x1B07, 0, 0, &t, NULL) >
        0);
  CHECK(t && strstr(t, "Renew via portal"));
  free(t);
  t = NULL;
  CHECK_EQ_INT(rdpneg_cause_json(tax, ci, &t, NULL), 0);
  CHECK(t && strstr(t, "\"override\": true"));
  free(t);
  /* a second file appends to what is in effect; mode defaults to replace */
  const char *doc2 = "{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": "
                     "[\"third\"], \"mode\": \"append\"}, \"PORT_FILTERED\": "
                     "{\"remedies\": [\"only\"]}}}";
  CHECK_EQ_INT(rdpneg_taxonomy_load_overrides_mem(tax, doc2, strlen(doc2), NULL,
                                                  err, sizeof err),
               0);
  CHECK_EQ_INT(rdpneg_cause_remedy_count(tax, ci), 3);
  CHECK_EQ_STR(rdpneg_cause_remedy(tax, ci, 2), "third");
  CHECK_EQ_STR(rdpneg_cause_remedy_source(tax, ci, 2), "override: <memory>");
  CHECK_EQ_INT(rdpneg_cause_remedy_count(tax, pi), 1);
  CHECK_EQ_STR(rdpneg_cause_remedy(tax, pi, 0), "only");
  rdpneg_taxonomy_free(tax);
  rdpneg_taxonomy_free(NULL);
}

TAP_TEST(overrides_bad_files_change_nothing) {
  static const struct {
    const char *doc;
    const char *want; /* substring of the error */
  } bad[] = {
      {"{\n  \"causes\": {\n    \"CERT_EXPIRED\": {\"remedies\": [\"a\",]}\n"
       "  }\n}\n",
       "line 3, column"},
      {"{\n  \"causes\": {\n    \"CERT_EXPIRED\": {\"remedies\": [\"a\"]},\n"
       "    \"CERT_EXPRED\": {\"remedies\": [\"b\"]}\n  }\n}\n",
       "line 4, column 5: unknown cause ID \"CERT_EXPRED\""},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": \"x\"}}}",
       "line 1, column 42: \"remedies\" of CERT_EXPIRED must be an array of "
       "strings, not a string"},
      {"{\"causes\": []}", "\"causes\" must be an object, not an array"},
      {"{\"causes\": {\"CERT_EXPIRED\": [1]}}",
       "the entry for CERT_EXPIRED must be an object, not an array"},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": [{}]}}}",
       "remedy must be a string, not an object"},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": []}}}", "is empty"},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": [\"x\"], \"mode\": "
       "\"merge\"}}}",
       "\"mode\" must be"},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": [\"x\"], \"extra\": "
       "1}}}",
       "unknown member \"extra\""},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": [\"x\"]}, "
       "\"CERT_EXPIRED\": {\"remedies\": [\"y\"]}}}",
       "duplicate cause ID"},
      {"[1, 2]", "line 1, column 1: the document must be an object with a "
                 "\"causes\" member, not an array"},
      {"{\"causes\": {}} trailing", "unexpected data after"},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": [\"\xff\"]}}}",
       "invalid UTF-8"},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": [42]}}}",
       "remedy must be a string"},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": [\"  \"]}}}",
       "remedy text is empty"},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"mode\": \"append\"}}}",
       "has no \"remedies\""},
      {"{\"version\": 2, \"causes\": {}}", "\"version\" must be 1"},
      {"{\"cause\": {}}", "unknown member \"cause\""},
      {"{}", "missing member \"causes\""},
      {"", "line 1, column 1: unexpected end of input"},
      {"{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": [\"a\\u0000b\"]}}}",
       "\\u0000"},
      {"{\"causes\"\n:\n{\"CERT_EXPIRED\": {\"remedies\": [\"unterminated]}}}",
       "line 3, column 32: unterminated string"},
  };
  rdpneg_taxonomy *tax = NULL;
  char err[300];
  CHECK_EQ_INT(rdpneg_taxonomy_new(&tax), 0);
  /* a first good file, so that "unchanged" covers overrides too */
  const char *good = "{\"causes\": {\"CLOCK_SKEW\": {\"remedies\": [\"sync\"], "
                     "\"mode\": \"append\"}}}";
  CHECK_EQ_INT(rdpneg_taxonomy_load_overrides_mem(tax, good, strlen(good),
                                                  "good", err, sizeof err),
               0);
  char *before = snapshot(tax);
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    int rc = rdpneg_taxonomy_load_overrides_mem(
        tax, bad[k].doc, strlen(bad[k].doc), "bad.json", err, sizeof err);
    if (rc != RDPNEG_ERR_BAD_FILE || !strstr(err, bad[k].want) ||
        strncmp(err, "bad.json: ", 10) != 0) {
      printf("# case %zu: rc %d, error \"%s\", wanted \"%s\"\n", k, rc, err,
             bad[k].want);
      CHECK(0);
    }
    char *after = snapshot(tax);
    CHECK(before && after && strcmp(before, after) == 0);
    free(after);
  }
  free(before);
  /* files */
  CHECK_EQ_INT(rdpneg_taxonomy_load_overrides(tax, "/nonexistent/ovr.json", err,
                                              sizeof err),
               RDPNEG_ERR_BAD_FILE);
  CHECK(strstr(err, "/nonexistent/ovr.json: cannot open") != NULL);
  char path[] = "/tmp/rdpneg_ovr_XXXXXX";
  FILE *f = NULL;
  {
    int fd = mkstemp(path);
    if (fd >= 0)
      f = fdopen(fd, "w");
  }
  CHECK(f != NULL);
  if (f) {
    fputs("{\"causes\": {\n  \"PORT_CLOSED\": {\"remedies\": [\"x\"], "
          "\"mode\": 7}\n}}\n",
          f);
    fclose(f);
    CHECK_EQ_INT(rdpneg_taxonomy_load_overrides(tax, path, err, sizeof err),
                 RDPNEG_ERR_BAD_FILE);
    CHECK(strstr(err, "line 2, column") != NULL);
    CHECK(strstr(err, path) == err);
    f = fopen(path, "w");
    fputs("{\"causes\": {\"PORT_CLOSED\": {\"remedies\": [\"file remedy\"]}}}",
          f);
    fclose(f);
    CHECK_EQ_INT(rdpneg_taxonomy_load_overrides(tax, path, err, sizeof err), 0);
    CHECK_EQ_STR(rdpneg_cause_remedy(tax, rdpneg_cause_find("PORT_CLOSED"), 0),
                 "file remedy");
    remove(path);
  }
  CHECK_EQ_INT(rdpneg_taxonomy_load_overrides(NULL, "x", err, sizeof err),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_taxonomy_load_overrides(tax, NULL, NULL, 0),
               RDPNEG_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(rdpneg_taxonomy_new(NULL), RDPNEG_ERR_INVALID_ARGUMENT);
  rdpneg_taxonomy_free(tax);
}

/* --overrides on a FIFO used to block in fopen() until a writer came (for
 * ever, in a script); a directory gave "read error". Both are refused
 * before any read now. SIGALRM ends the test if the call blocks. */
TAP_TEST(overrides_refuse_fifo_and_directory) {
  rdpneg_taxonomy *tax = NULL;
  char err[300];
  CHECK_EQ_INT(rdpneg_taxonomy_new(&tax), 0);
#ifndef _WIN32
  char dir[] = "/tmp/rdpneg_ovr_dir_XXXXXX", fifo[64];
  if (!mkdtemp(dir)) {
    rdpneg_taxonomy_free(tax);
    TAP_SKIP("mkdtemp failed");
  }
  alarm(20);
  CHECK_EQ_INT(rdpneg_taxonomy_load_overrides(tax, dir, err, sizeof err),
               RDPNEG_ERR_BAD_FILE);
  CHECK(strstr(err, dir) == err);
  CHECK(strstr(err, ": is a directory") != NULL);
  snprintf(fifo, sizeof fifo, "%s/fifo.json", dir);
  if (mkfifo(fifo, 0600) == 0) {
    CHECK_EQ_INT(rdpneg_taxonomy_load_overrides(tax, fifo, err, sizeof err),
                 RDPNEG_ERR_BAD_FILE);
    CHECK(strstr(err, fifo) == err);
    CHECK(strstr(err, ": not a regular file") != NULL);
    remove(fifo);
  } else {
    printf("# mkfifo failed: FIFO case not run\n");
    CHECK(0);
  }
  CHECK_EQ_INT(
      rdpneg_taxonomy_load_overrides(tax, "/dev/null", err, sizeof err),
      RDPNEG_ERR_BAD_FILE);
  CHECK(strstr(err, "/dev/null: not a regular file") != NULL);
  alarm(0);
  rmdir(dir);
#else
  /* Windows has no FIFOs: a directory and the NUL device */
  CHECK_EQ_INT(rdpneg_taxonomy_load_overrides(tax, ".", err, sizeof err),
               RDPNEG_ERR_BAD_FILE);
  CHECK(strstr(err, ".: is a directory") == err);
  CHECK_EQ_INT(rdpneg_taxonomy_load_overrides(tax, "NUL", err, sizeof err),
               RDPNEG_ERR_BAD_FILE);
  CHECK(strstr(err, "NUL: not a regular file") != NULL);
#endif
  /* nothing was loaded */
  CHECK_EQ_INT(
      rdpneg_cause_remedy_count(tax, rdpneg_cause_find("CERT_EXPIRED")),
      rdpneg_cause_remedy_count(NULL, rdpneg_cause_find("CERT_EXPIRED")));
  rdpneg_taxonomy_free(tax);
}

/* ------------------------------------------------------------------------ */
/* JSON reader                                                               */

TAP_TEST(jsonparse_values_and_errors) {
  rdpneg_jp_node *r = NULL;
  char err[200];
  const char *ok = "\xEF\xBB\xBF{\"a\": [1, -2.5e3, true, false, null, "
                   "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"], "
                   "\"b\": {}}";
  CHECK_EQ_INT(rdpneg_jp_parse(ok, strlen(ok), &r, err, sizeof err), 0);
  rdpneg_jp_node *a = jget(r, "a");
  CHECK(a && a->count == 6);
  CHECK_EQ_STR(a->child->str, "1");
  CHECK_EQ_STR(a->child->next->str, "-2.5e3");
  CHECK_EQ_STR(a->child->next->next->next->next->next->str,
               "\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(jget(r, "b") && jget(r, "b")->type == RDPNEG_JP_OBJECT);
  rdpneg_jp_free(r);

  static const struct {
    const char *in, *want;
  } bad[] = {
      {"{\"a\" 1}", "line 1, column 6: ':' expected"},
      {"[01]", "',' or ']' expected"},
      {"[1.]", "invalid number"},
      {"[\"\\ud800\"]", "unpaired UTF-16 surrogate"},
      {"[\"\\x\"]", "invalid escape"},
      {"[\"a\nb\"]", "newline inside a string"},
      {"[tru]", "invalid literal"},
      {"{\"a\":1,}", "trailing comma"},
      {"\n\n   @", "line 3, column 4: unexpected character"},
      {"[\"\xc0\xaf\"]", "invalid UTF-8"},
      {"[\"\xed\xa0\x80\"]", "invalid UTF-8"},
      {"{\"a\": [1, 2", "line 1, column 7: unterminated array"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    r = NULL;
    int rc = rdpneg_jp_parse(bad[k].in, strlen(bad[k].in), &r, err, sizeof err);
    if (rc != RDPNEG_ERR_BAD_FILE || r || !strstr(err, bad[k].want)) {
      printf("# jp case %zu: rc %d \"%s\", wanted \"%s\"\n", k, rc, err,
             bad[k].want);
      CHECK(0);
    }
  }
  /* nesting limit */
  char deep[300];
  memset(deep, '[', 200);
  deep[200] = 0;
  CHECK_EQ_INT(rdpneg_jp_parse(deep, 200, &r, err, sizeof err),
               RDPNEG_ERR_BAD_FILE);
  CHECK(strstr(err, "nesting too deep") != NULL);
  /* not NUL-terminated input is bounded by len */
  CHECK_EQ_INT(rdpneg_jp_parse("[1]xyz", 3, &r, err, sizeof err), 0);
  rdpneg_jp_free(r);
}

int main(void) {
  TAP_RUN(kind_parse);
  TAP_RUN(code_rows_unique_and_complete);
  TAP_RUN(every_code_roundtrips_through_explain);
  TAP_RUN(fact_sheet_tables_are_all_known);
  TAP_RUN(every_cause_is_complete);
  TAP_RUN(every_code_reference_resolves);
  TAP_RUN(every_source_key_is_in_the_legend);
  TAP_RUN(explain_0x904_0x7);
  TAP_RUN(explain_auto_lists_every_interpretation);
  TAP_RUN(explain_unknown_and_special);
  TAP_RUN(overrides_replace_and_append);
  TAP_RUN(overrides_bad_files_change_nothing);
  TAP_RUN(overrides_refuse_fifo_and_directory);
  TAP_RUN(jsonparse_values_and_errors);
  return tap_done();
}
