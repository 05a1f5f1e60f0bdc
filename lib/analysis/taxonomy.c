/* Taxonomy: code tables, cause catalogue, explain, vendor overrides.
 *
 * All data comes from the .def files in lib/taxonomy/ (the single source of
 * truth, expanded here with X-macros). The built-in tables are const; the
 * only mutable state is inside rdpneg_taxonomy handles (overrides). */
#include <rdpneg/rdpneg_taxonomy.h>

#include "base/json.h"
#include "base/jsonparse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Enumerations used by the .def files                                       */

enum tax_phase {
  PH_DNS,
  PH_TCP,
  PH_X224,
  PH_TLS,
  PH_NLA,
  PH_MCS,
  PH_SECURITY,
  PH_LICENSING,
  PH_BROKER,
  PH_TRANSPORT,
  PH_SESSION,
  PH_CLIENT,
  PH_ANY,
  PH_COUNT
};

static const char *const phase_names[PH_COUNT] = {
    "dns",       "tcp",    "x224",      "tls",     "nla",    "mcs", "security",
    "licensing", "broker", "transport", "session", "client", "any"};

enum tax_conf { CF_O, CF_I, CF_C, CF_INF, CF_UNV, CF_COUNT };

static const char *const conf_names[CF_COUNT] = {"O", "I", "C", "INF", "UNV"};
static const char *const conf_texts[CF_COUNT] = {
    "official Microsoft documentation", "open-source implementation",
    "community / vendor page (lore)", "inference from cited facts",
    "unverified"};

/* Lore: community pages and unverified claims. */
static int conf_is_lore(int cf) {
  return cf == CF_C || cf == CF_UNV;
}

enum tax_sev { SEV_FAILING, SEV_DEGRADED, SEV_INFO };
static const char *const sev_names[] = {"failing", "degraded", "info"};

enum tax_where { WH_PROBE, WH_SERVER, WH_CLIENT };
static const char *const where_names[] = {"probe", "server", "client"};

/* ------------------------------------------------------------------------ */
/* Tables                                                                    */

typedef struct tax_kind {
  const char *name;
  int in_auto;
  int digits;
  const char *title;
  const char *note;
} tax_kind;

static const tax_kind kinds[RDPNEG_KIND_COUNT] = {
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

typedef struct tax_code {
  unsigned char kind, phase, conf;
  uint32_t value;
  const char *name, *alt, *source, *meaning;
} tax_code;

static const tax_code codes[] = {
#define CODE(k, v, n, a, ph, cf, src, m)                                       \
  {RDPNEG_KIND_##k, PH_##ph, CF_##cf, (uint32_t)(v), n, a, src, m},
#include "taxonomy/codes.def"
#undef CODE
};
#define NCODES ((int)(sizeof codes / sizeof codes[0]))

enum cause_id {
#define CAUSE(id, ...) CID_##id,
#define EVIDENCE(...)
#define REMEDY(...)
#include "taxonomy/causes.def"
#undef CAUSE
#undef EVIDENCE
#undef REMEDY
  CID_COUNT
};

typedef struct tax_cause {
  const char *id;
  unsigned char phase, sev, conf;
  const char *source, *title, *desc;
} tax_cause;

static const tax_cause causes[CID_COUNT] = {
#define CAUSE(id, ph, sv, cf, src, t, d)                                       \
  [CID_##id] = {#id, PH_##ph, SEV_##sv, CF_##cf, src, t, d},
#define EVIDENCE(...)
#define REMEDY(...)
#include "taxonomy/causes.def"
#undef CAUSE
#undef EVIDENCE
#undef REMEDY
};

typedef struct tax_evidence {
  unsigned short cause;
  unsigned char where, conf;
  const char *source, *text;
} tax_evidence;

static const tax_evidence evidence[] = {
#define CAUSE(...)
#define EVIDENCE(id, wh, cf, src, t) {CID_##id, WH_##wh, CF_##cf, src, t},
#define REMEDY(...)
#include "taxonomy/causes.def"
#undef CAUSE
#undef EVIDENCE
#undef REMEDY
};
#define NEVIDENCE ((int)(sizeof evidence / sizeof evidence[0]))

typedef struct tax_remedy {
  unsigned short cause;
  unsigned char conf;
  const char *source, *text;
} tax_remedy;

static const tax_remedy remedies[] = {
#define CAUSE(...)
#define EVIDENCE(...)
#define REMEDY(id, cf, src, t) {CID_##id, CF_##cf, src, t},
#include "taxonomy/causes.def"
#undef CAUSE
#undef EVIDENCE
#undef REMEDY
};
#define NREMEDIES ((int)(sizeof remedies / sizeof remedies[0]))

typedef struct tax_link {
  unsigned char kind, has_ext, conf;
  unsigned short rank, cause;
  uint32_t lo, hi, ext;
  const char *source, *why;
} tax_link;

static const tax_link links[] = {
#define LINK(k, v, r, c, cf, src, why)                                         \
  {RDPNEG_KIND_##k, 0, CF_##cf, r,  CID_##c, (uint32_t)(v),                    \
   (uint32_t)(v),   0, src,     why},
#define LINK_RANGE(k, lo, hi, r, c, cf, src, why)                              \
  {RDPNEG_KIND_##k, 0, CF_##cf, r,  CID_##c, (uint32_t)(lo),                   \
   (uint32_t)(hi),  0, src,     why},
#define PAIR_LINK(k, v, e, r, c, cf, src, why)                                 \
  {RDPNEG_KIND_##k, 1,   CF_##cf, r, CID_##c, (uint32_t)(v), (uint32_t)(v),    \
   (uint32_t)(e),   src, why},
#include "taxonomy/links.def"
#undef LINK
#undef LINK_RANGE
#undef PAIR_LINK
};
#define NLINKS ((int)(sizeof links / sizeof links[0]))

typedef struct tax_note {
  unsigned char kind, has_ext, conf;
  uint32_t value, ext;
  const char *source, *text;
} tax_note;

typedef struct tax_related {
  unsigned char ka, kb, conf;
  uint32_t va, vb;
  const char *source, *note;
} tax_related;

static const tax_note notes[] = {
#define NOTE(k, v, cf, src, t)                                                 \
  {RDPNEG_KIND_##k, 0, CF_##cf, (uint32_t)(v), 0, src, t},
#define PAIR_NOTE(k, v, e, cf, src, t)                                         \
  {RDPNEG_KIND_##k, 1, CF_##cf, (uint32_t)(v), (uint32_t)(e), src, t},
#define RELATED(...)
#include "taxonomy/notes.def"
#undef NOTE
#undef PAIR_NOTE
#undef RELATED
};
#define NNOTES ((int)(sizeof notes / sizeof notes[0]))

static const tax_related related[] = {
#define NOTE(...)
#define PAIR_NOTE(...)
#define RELATED(ka, va, kb, vb, cf, src, n)                                    \
  {RDPNEG_KIND_##ka,                                                           \
   RDPNEG_KIND_##kb,                                                           \
   CF_##cf,                                                                    \
   (uint32_t)(va),                                                             \
   (uint32_t)(vb),                                                             \
   src,                                                                        \
   n},
#include "taxonomy/notes.def"
#undef NOTE
#undef PAIR_NOTE
#undef RELATED
};
#define NRELATED ((int)(sizeof related / sizeof related[0]))

typedef struct tax_source {
  const char *key, *desc;
} tax_source;

static const tax_source sources[] = {
#define SOURCE(k, d) {k, d},
#include "taxonomy/sources.def"
#undef SOURCE
};
#define NSOURCES ((int)(sizeof sources / sizeof sources[0]))

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */

static int valid_kind(int kind) {
  return kind >= 0 && kind < RDPNEG_KIND_COUNT;
}

static int streq_fold(const char *a, const char *b) {
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
static void fmt_value(char *buf, size_t cap, int kind, uint32_t v) {
  int d = valid_kind(kind) ? kinds[kind].digits : 1;
  if (d == 0)
    snprintf(buf, cap, "%lu", (unsigned long)v);
  else if (d == 8)
    snprintf(buf, cap, "0x%08lX", (unsigned long)v);
  else
    snprintf(buf, cap, "0x%lX", (unsigned long)v);
}

static void fmt_hex(char *buf, size_t cap, uint32_t v) {
  snprintf(buf, cap, "0x%lX", (unsigned long)v);
}

/* Short label of a kind: its title up to the first " (". */
static const char *kind_label(int kind, char *buf, size_t cap) {
  const char *t = kinds[kind].title, *p = strstr(t, " (");
  size_t n = p ? (size_t)(p - t) : strlen(t);
  if (n >= cap)
    n = cap - 1;
  memcpy(buf, t, n);
  buf[n] = 0;
  return buf;
}

/* Row kind |rk| answers a query for kind |qk|. */
static int kind_matches(int qk, int rk, int auto_all) {
  if (qk == RDPNEG_KIND_AUTO)
    return auto_all || kinds[rk].in_auto;
  if (qk == rk)
    return 1;
  return qk == RDPNEG_KIND_DISCONNECT && rk == RDPNEG_KIND_SSL_ERR;
}

static int find_row(int kind, uint32_t value) {
  for (int i = 0; i < NCODES; i++)
    if (codes[i].kind == kind && codes[i].value == value)
      return i;
  return -1;
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
    if (kinds[k].name && streq_fold(name, kinds[k].name))
      return k;
  for (size_t i = 0; i < sizeof kind_aliases / sizeof kind_aliases[0]; i++)
    if (streq_fold(name, kind_aliases[i].alias))
      return kind_aliases[i].kind;
  return RDPNEG_ERR_INVALID_ARGUMENT;
}

const char *rdpneg_kind_name(int kind) {
  return valid_kind(kind) ? kinds[kind].name : NULL;
}

const char *rdpneg_kind_title(int kind) {
  return valid_kind(kind) ? kinds[kind].title : NULL;
}

/* ------------------------------------------------------------------------ */
/* Code accessors                                                            */

int rdpneg_code_count(void) {
  return NCODES;
}

int rdpneg_code_find(int kind, uint32_t value, int start) {
  if (!valid_kind(kind))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  for (int i = start < 0 ? 0 : start; i < NCODES; i++)
    if (codes[i].value == value && kind_matches(kind, codes[i].kind, 1))
      return i;
  return RDPNEG_ERR_INVALID_ARGUMENT;
}

int rdpneg_code_lookup(int kind, uint32_t value, const char **pname,
                       const char **pmeaning) {
  int i = rdpneg_code_find(kind, value, 0);
  if (i < 0 && (kind == RDPNEG_KIND_FREERDP || kind == RDPNEG_KIND_AUTO) &&
      (value >> 16) == 1)
    i = find_row(RDPNEG_KIND_ERRINFO, value & 0xFFFF);
  if (i < 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (pname)
    *pname = codes[i].name;
  if (pmeaning)
    *pmeaning = rdpneg_code_meaning(i);
  return i;
}

int rdpneg_code_find_name(const char *name) {
  if (!name)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  for (int i = 0; i < NCODES; i++) {
    if (codes[i].name && streq_fold(name, codes[i].name))
      return i;
    if (codes[i].alt && streq_fold(name, codes[i].alt))
      return i;
  }
  return RDPNEG_ERR_INVALID_ARGUMENT;
}

#define VALID_ROW(i) ((i) >= 0 && (i) < NCODES)

int rdpneg_code_kind(int i) {
  return VALID_ROW(i) ? codes[i].kind : -1;
}
uint32_t rdpneg_code_value(int i) {
  return VALID_ROW(i) ? codes[i].value : 0;
}
const char *rdpneg_code_name(int i) {
  return VALID_ROW(i) ? codes[i].name : NULL;
}
const char *rdpneg_code_alt_name(int i) {
  return VALID_ROW(i) ? codes[i].alt : NULL;
}

/* Meaning of an mstsc discReason derived from its low byte (facts 2.2). */
static const char *disc_layer(uint32_t v) {
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
  if (codes[i].meaning)
    return codes[i].meaning;
  switch (codes[i].value & 0xFF) {
  case 0x04:
    return undocumented_meaning[0];
  case 0x08:
    return undocumented_meaning[1];
  default:
    return undocumented_meaning[2];
  }
}
const char *rdpneg_code_phase(int i) {
  return VALID_ROW(i) ? phase_names[codes[i].phase] : NULL;
}
const char *rdpneg_code_source(int i) {
  return VALID_ROW(i) ? codes[i].source : NULL;
}
const char *rdpneg_code_confidence(int i) {
  return VALID_ROW(i) ? conf_names[codes[i].conf] : NULL;
}

static const char *status_of_conf(int cf) {
  return cf == CF_O ? "official" : cf == CF_I ? "implementation" : "unofficial";
}

const char *rdpneg_code_status(int i) {
  return VALID_ROW(i) ? status_of_conf(codes[i].conf) : NULL;
}

/* ------------------------------------------------------------------------ */
/* Taxonomy handle and overrides                                             */

typedef struct tax_ovr {
  int replace;   /* 1: built-in remedies hidden */
  size_t n;      /* override remedies */
  char **text;   /* n strings */
  char **source; /* n strings ("override: <label>") */
} tax_ovr;

struct rdpneg_taxonomy {
  tax_ovr ovr[CID_COUNT];
};

static void ovr_clear(tax_ovr *o) {
  for (size_t k = 0; k < o->n; k++) {
    free(o->text[k]);
    free(o->source[k]);
  }
  free(o->text);
  free(o->source);
  memset(o, 0, sizeof *o);
}

int rdpneg_taxonomy_new(rdpneg_taxonomy **ptax) {
  if (!ptax)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *ptax = calloc(1, sizeof **ptax);
  return *ptax ? 0 : RDPNEG_ERR_NOMEM;
}

void rdpneg_taxonomy_free(rdpneg_taxonomy *tax) {
  if (!tax)
    return;
  for (int i = 0; i < CID_COUNT; i++)
    ovr_clear(&tax->ovr[i]);
  free(tax);
}

#define OVR_MAX_FILE (1024 * 1024)
#define OVR_MAX_REMEDIES 64
#define OVR_MAX_TEXT 4096

static void seterr(char *errbuf, size_t errlen, const char *label,
                   const char *fmt, ...) {
  char msg[512];
  va_list ap;
  if (!errbuf || !errlen)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(errbuf, errlen, "%s: %s", label, msg);
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

/* Is |s| (|n| bytes) only whitespace? */
static int blank(const char *s, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (!isspace((unsigned char)s[k]))
      return 0;
  return 1;
}

/* One validated change, applied only when the whole document is valid. */
typedef struct ovr_change {
  int cause;
  int replace;
  const rdpneg_jp_node *remedies; /* array node */
} ovr_change;

static int validate_overrides(const rdpneg_jp_node *root, const char *label,
                              ovr_change *chg, int *pnchg, char *errbuf,
                              size_t errlen) {
  const rdpneg_jp_node *causes_node = NULL;
  int nchg = 0;
#define FAIL_AT(node_line, node_col, ...)                                      \
  do {                                                                         \
    char what_[400];                                                           \
    snprintf(what_, sizeof what_, __VA_ARGS__);                                \
    seterr(errbuf, errlen, label, "line %d, column %d: %s", (node_line),       \
           (node_col), what_);                                                 \
    return RDPNEG_ERR_BAD_FILE;                                                \
  } while (0)

  if (root->type != RDPNEG_JP_OBJECT)
    FAIL_AT(root->line, root->col,
            "the document must be an object with a \"causes\" member, not "
            "a %s",
            rdpneg_jp_type_name(root->type));
  for (const rdpneg_jp_node *m = root->child; m; m = m->next) {
    for (const rdpneg_jp_node *d = root->child; d != m; d = d->next)
      if (strcmp(d->key, m->key) == 0)
        FAIL_AT(m->key_line, m->key_col, "duplicate member \"%s\"", m->key);
    if (strcmp(m->key, "causes") == 0) {
      if (m->type != RDPNEG_JP_OBJECT)
        FAIL_AT(m->line, m->col, "\"causes\" must be an object, not a %s",
                rdpneg_jp_type_name(m->type));
      causes_node = m;
    } else if (strcmp(m->key, "version") == 0) {
      if (m->type != RDPNEG_JP_NUMBER || strcmp(m->str, "1") != 0)
        FAIL_AT(m->line, m->col, "\"version\" must be 1");
    } else if (strcmp(m->key, "comment") == 0) {
      /* free-form */
    } else {
      FAIL_AT(m->key_line, m->key_col,
              "unknown member \"%.80s\" (expected \"causes\", \"version\" "
              "or \"comment\")",
              m->key);
    }
  }
  if (!causes_node)
    FAIL_AT(root->line, root->col, "missing member \"causes\"");

  for (const rdpneg_jp_node *c = causes_node->child; c; c = c->next) {
    const rdpneg_jp_node *rem = NULL;
    int replace = 1;
    int id = rdpneg_cause_find(c->key);
    if (id < 0)
      FAIL_AT(c->key_line, c->key_col, "unknown cause ID \"%.80s\"", c->key);
    for (const rdpneg_jp_node *d = causes_node->child; d != c; d = d->next)
      if (strcmp(d->key, c->key) == 0)
        FAIL_AT(c->key_line, c->key_col, "duplicate cause ID \"%s\"", c->key);
    if (c->type != RDPNEG_JP_OBJECT)
      FAIL_AT(c->line, c->col, "the entry for %s must be an object, not a %s",
              c->key, rdpneg_jp_type_name(c->type));
    for (const rdpneg_jp_node *m = c->child; m; m = m->next) {
      for (const rdpneg_jp_node *d = c->child; d != m; d = d->next)
        if (strcmp(d->key, m->key) == 0)
          FAIL_AT(m->key_line, m->key_col, "duplicate member \"%s\"", m->key);
      if (strcmp(m->key, "remedies") == 0) {
        if (m->type != RDPNEG_JP_ARRAY)
          FAIL_AT(m->line, m->col,
                  "\"remedies\" of %s must be an array of strings, not a %s",
                  c->key, rdpneg_jp_type_name(m->type));
        if (m->count == 0)
          FAIL_AT(m->line, m->col, "\"remedies\" of %s is empty", c->key);
        if (m->count > OVR_MAX_REMEDIES)
          FAIL_AT(m->line, m->col, "more than %d remedies for %s",
                  OVR_MAX_REMEDIES, c->key);
        for (const rdpneg_jp_node *s = m->child; s; s = s->next) {
          if (s->type != RDPNEG_JP_STRING)
            FAIL_AT(s->line, s->col, "remedy must be a string, not a %s",
                    rdpneg_jp_type_name(s->type));
          if (blank(s->str, s->len))
            FAIL_AT(s->line, s->col, "remedy text is empty");
          if (s->len > OVR_MAX_TEXT)
            FAIL_AT(s->line, s->col, "remedy text longer than %d bytes",
                    OVR_MAX_TEXT);
        }
        rem = m;
      } else if (strcmp(m->key, "mode") == 0) {
        if (m->type != RDPNEG_JP_STRING ||
            (strcmp(m->str, "replace") != 0 && strcmp(m->str, "append") != 0))
          FAIL_AT(m->line, m->col,
                  "\"mode\" must be \"replace\" or \"append\"");
        replace = strcmp(m->str, "replace") == 0;
      } else if (strcmp(m->key, "comment") == 0) {
        /* free-form */
      } else {
        FAIL_AT(m->key_line, m->key_col,
                "unknown member \"%.80s\" in %s (expected \"remedies\", "
                "\"mode\" or \"comment\")",
                m->key, c->key);
      }
    }
    if (!rem)
      FAIL_AT(c->line, c->col, "%s has no \"remedies\" array", c->key);
    chg[nchg].cause = id;
    chg[nchg].replace = replace;
    chg[nchg].remedies = rem;
    nchg++;
  }
#undef FAIL_AT
  *pnchg = nchg;
  return 0;
}

/* Builds the new override state of one cause in |out| from the current
 * state |cur| and change |c|. On NOMEM |out| is cleared. */
static int build_ovr(const tax_ovr *cur, const ovr_change *c,
                     const char *source, tax_ovr *out) {
  size_t keep = c->replace ? 0 : cur->n;
  size_t n = keep + c->remedies->count;
  memset(out, 0, sizeof *out);
  out->replace = c->replace ? 1 : cur->replace;
  out->text = calloc(n, sizeof *out->text);
  out->source = calloc(n, sizeof *out->source);
  if (!out->text || !out->source)
    goto nomem;
  for (size_t k = 0; k < keep; k++) {
    out->text[out->n] = xstrdup(cur->text[k]);
    out->source[out->n] = xstrdup(cur->source[k]);
    out->n++;
    if (!out->text[out->n - 1] || !out->source[out->n - 1])
      goto nomem;
  }
  for (const rdpneg_jp_node *s = c->remedies->child; s; s = s->next) {
    out->text[out->n] = xstrdup(s->str);
    out->source[out->n] = xstrdup(source);
    out->n++;
    if (!out->text[out->n - 1] || !out->source[out->n - 1])
      goto nomem;
  }
  return 0;
nomem:
  if (out->text && out->source) {
    ovr_clear(out);
  } else {
    free(out->text);
    free(out->source);
    memset(out, 0, sizeof *out);
  }
  return RDPNEG_ERR_NOMEM;
}

int rdpneg_taxonomy_load_overrides_mem(rdpneg_taxonomy *tax, const char *data,
                                       size_t len, const char *label,
                                       char *errbuf, size_t errlen) {
  rdpneg_jp_node *root = NULL;
  char perr[300];
  char source[600];
  ovr_change *chg = NULL;
  tax_ovr *next = NULL;
  int nchg = 0, rc;

  if (!label)
    label = "<memory>";
  if (errbuf && errlen)
    errbuf[0] = 0;
  if (!tax || (!data && len)) {
    seterr(errbuf, errlen, label, "invalid argument");
    return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  if (len > OVR_MAX_FILE) {
    seterr(errbuf, errlen, label, "larger than %d bytes", OVR_MAX_FILE);
    return RDPNEG_ERR_BAD_FILE;
  }
  rc = rdpneg_jp_parse(data ? data : "", len, &root, perr, sizeof perr);
  if (rc < 0) {
    seterr(errbuf, errlen, label, "%s", perr);
    return rc;
  }
  chg = calloc(CID_COUNT, sizeof *chg);
  if (!chg) {
    rc = RDPNEG_ERR_NOMEM;
    goto out;
  }
  /* A "causes" object can name each cause once (duplicates are rejected),
   * so CID_COUNT entries suffice -- but count before trusting that. */
  {
    const rdpneg_jp_node *cn = NULL;
    if (root->type == RDPNEG_JP_OBJECT)
      for (const rdpneg_jp_node *m = root->child; m; m = m->next)
        if (strcmp(m->key, "causes") == 0 && m->type == RDPNEG_JP_OBJECT)
          cn = m;
    if (cn && cn->count > (size_t)CID_COUNT) {
      /* Some entry is unknown or duplicated; validation reports which. */
      free(chg);
      chg = calloc(cn->count, sizeof *chg);
      if (!chg) {
        rc = RDPNEG_ERR_NOMEM;
        goto out;
      }
    }
  }
  rc = validate_overrides(root, label, chg, &nchg, errbuf, errlen);
  if (rc < 0)
    goto out;

  /* Build the complete new state first; commit only if nothing failed. */
  snprintf(source, sizeof source, "override: %s", label);
  next = calloc(CID_COUNT, sizeof *next);
  if (!next) {
    rc = RDPNEG_ERR_NOMEM;
    goto out;
  }
  for (int i = 0; i < nchg; i++) {
    int id = chg[i].cause;
    rc = build_ovr(&tax->ovr[id], &chg[i], source, &next[id]);
    if (rc < 0) {
      for (int k = 0; k < i; k++)
        ovr_clear(&next[chg[k].cause]);
      goto out;
    }
  }
  for (int i = 0; i < nchg; i++) {
    int id = chg[i].cause;
    ovr_clear(&tax->ovr[id]);
    tax->ovr[id] = next[id];
  }
  rc = 0;
out:
  if (rc == RDPNEG_ERR_NOMEM)
    seterr(errbuf, errlen, label, "out of memory");
  free(next);
  free(chg);
  rdpneg_jp_free(root);
  return rc;
}

int rdpneg_taxonomy_load_overrides(rdpneg_taxonomy *tax, const char *path,
                                   char *errbuf, size_t errlen) {
  FILE *f;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int rc;

  if (errbuf && errlen)
    errbuf[0] = 0;
  if (!tax || !path) {
    seterr(errbuf, errlen, path ? path : "(null)", "invalid argument");
    return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  f = fopen(path, "rb");
  if (!f) {
    seterr(errbuf, errlen, path, "cannot open: %s", strerror(errno));
    return RDPNEG_ERR_BAD_FILE;
  }
  for (;;) {
    if (len == cap) {
      size_t ncap = cap ? cap * 2 : 4096;
      char *nb;
      if (cap > OVR_MAX_FILE) {
        fclose(f);
        free(buf);
        seterr(errbuf, errlen, path, "larger than %d bytes", OVR_MAX_FILE);
        return RDPNEG_ERR_BAD_FILE;
      }
      nb = realloc(buf, ncap);
      if (!nb) {
        fclose(f);
        free(buf);
        seterr(errbuf, errlen, path, "out of memory");
        return RDPNEG_ERR_NOMEM;
      }
      buf = nb;
      cap = ncap;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
  }
  if (ferror(f)) {
    fclose(f);
    free(buf);
    seterr(errbuf, errlen, path, "read error");
    return RDPNEG_ERR_BAD_FILE;
  }
  fclose(f);
  rc = rdpneg_taxonomy_load_overrides_mem(tax, buf, len, path, errbuf, errlen);
  free(buf);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Cause accessors                                                           */

#define VALID_CAUSE(i) ((i) >= 0 && (i) < CID_COUNT)

int rdpneg_cause_count(void) {
  return CID_COUNT;
}

int rdpneg_cause_find(const char *id) {
  if (!id)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  for (int i = 0; i < CID_COUNT; i++)
    if (strcmp(causes[i].id, id) == 0)
      return i;
  return RDPNEG_ERR_INVALID_ARGUMENT;
}

const char *rdpneg_cause_id(int i) {
  return VALID_CAUSE(i) ? causes[i].id : NULL;
}
const char *rdpneg_cause_title(int i) {
  return VALID_CAUSE(i) ? causes[i].title : NULL;
}
const char *rdpneg_cause_description(int i) {
  return VALID_CAUSE(i) ? causes[i].desc : NULL;
}
const char *rdpneg_cause_phase(int i) {
  return VALID_CAUSE(i) ? phase_names[causes[i].phase] : NULL;
}
const char *rdpneg_cause_severity(int i) {
  return VALID_CAUSE(i) ? sev_names[causes[i].sev] : NULL;
}
const char *rdpneg_cause_source(int i) {
  return VALID_CAUSE(i) ? causes[i].source : NULL;
}
const char *rdpneg_cause_confidence(int i) {
  return VALID_CAUSE(i) ? conf_names[causes[i].conf] : NULL;
}

static const tax_evidence *evidence_at(int i, int j) {
  if (!VALID_CAUSE(i) || j < 0)
    return NULL;
  for (int k = 0; k < NEVIDENCE; k++)
    if (evidence[k].cause == i && j-- == 0)
      return &evidence[k];
  return NULL;
}

int rdpneg_cause_evidence_count(int i) {
  int n = 0;
  if (!VALID_CAUSE(i))
    return 0;
  for (int k = 0; k < NEVIDENCE; k++)
    n += evidence[k].cause == i;
  return n;
}
const char *rdpneg_cause_evidence(int i, int j) {
  const tax_evidence *e = evidence_at(i, j);
  return e ? e->text : NULL;
}
const char *rdpneg_cause_evidence_where(int i, int j) {
  const tax_evidence *e = evidence_at(i, j);
  return e ? where_names[e->where] : NULL;
}

const char *rdpneg_cause_evidence_source(int i, int j) {
  const tax_evidence *e = evidence_at(i, j);
  return e ? e->source : NULL;
}
const char *rdpneg_cause_evidence_confidence(int i, int j) {
  const tax_evidence *e = evidence_at(i, j);
  return e ? conf_names[e->conf] : NULL;
}

static int builtin_remedy_count(int i) {
  int n = 0;
  for (int k = 0; k < NREMEDIES; k++)
    n += remedies[k].cause == i;
  return n;
}

static const tax_remedy *builtin_remedy_at(int i, int j) {
  for (int k = 0; k < NREMEDIES; k++)
    if (remedies[k].cause == i && j-- == 0)
      return &remedies[k];
  return NULL;
}

/* Resolves remedy |j| of cause |i| under |tax|: either a built-in row
 * (*|pb|) or an override (*|ptext|, *|psrc|). Returns 0 or -1. */
static int remedy_at(const rdpneg_taxonomy *tax, int i, int j,
                     const tax_remedy **pb, const char **ptext,
                     const char **psrc) {
  int nb;
  const tax_ovr *o;
  *pb = NULL;
  *ptext = *psrc = NULL;
  if (!VALID_CAUSE(i) || j < 0)
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
  const tax_ovr *o;
  if (!VALID_CAUSE(i))
    return 0;
  o = tax ? &tax->ovr[i] : NULL;
  return (o && o->replace ? 0 : builtin_remedy_count(i)) + (o ? (int)o->n : 0);
}

const char *rdpneg_cause_remedy(const rdpneg_taxonomy *tax, int i, int j) {
  const tax_remedy *b;
  const char *t, *s;
  if (remedy_at(tax, i, j, &b, &t, &s) < 0)
    return NULL;
  return b ? b->text : t;
}

const char *rdpneg_cause_remedy_source(const rdpneg_taxonomy *tax, int i,
                                       int j) {
  const tax_remedy *b;
  const char *t, *s;
  if (remedy_at(tax, i, j, &b, &t, &s) < 0)
    return NULL;
  return b ? b->source : s;
}

const char *rdpneg_cause_remedy_confidence(const rdpneg_taxonomy *tax, int i,
                                           int j) {
  const tax_remedy *b;
  const char *t, *s;
  if (remedy_at(tax, i, j, &b, &t, &s) < 0 || !b)
    return NULL;
  return conf_names[b->conf];
}

static const tax_link *cause_link_at(int i, int j) {
  if (!VALID_CAUSE(i) || j < 0)
    return NULL;
  for (int k = 0; k < NLINKS; k++)
    if (links[k].cause == i && j-- == 0)
      return &links[k];
  return NULL;
}

int rdpneg_cause_code_count(int i) {
  int n = 0;
  if (!VALID_CAUSE(i))
    return 0;
  for (int k = 0; k < NLINKS; k++)
    n += links[k].cause == i;
  return n;
}

int rdpneg_cause_code(int i, int j, int *pkind, uint32_t *plo, uint32_t *phi) {
  const tax_link *l = cause_link_at(i, j);
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
  const tax_link *l = cause_link_at(i, j);
  if (!l)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (l->has_ext && pext)
    *pext = l->ext;
  return l->has_ext ? 1 : 0;
}

const char *rdpneg_cause_code_confidence(int i, int j) {
  const tax_link *l = cause_link_at(i, j);
  return l ? conf_names[l->conf] : NULL;
}

/* ------------------------------------------------------------------------ */
/* Sources                                                                   */

int rdpneg_source_count(void) {
  return NSOURCES;
}
const char *rdpneg_source_key(int i) {
  return i >= 0 && i < NSOURCES ? sources[i].key : NULL;
}
const char *rdpneg_source_description(int i) {
  return i >= 0 && i < NSOURCES ? sources[i].desc : NULL;
}

/* ------------------------------------------------------------------------ */
/* Explain: collecting interpretations and candidates                        */

enum via { VIA_NONE, VIA_FREERDP_ERRINFO, VIA_EXT_RANGE };

typedef struct interp {
  int row;        /* codes[] index */
  int kind;       /* kind it is presented as */
  uint32_t value; /* value as queried */
  int via;
} interp;

#define MAX_INTERP 32

typedef struct cand {
  int cause;
  int rank; /* rank within its code */
  const tax_link *link;
  int from_ext; /* 1: linked through the extended code */
} cand;

typedef struct explain {
  int kind; /* effective primary kind */
  uint32_t code;
  int has_ext;
  uint32_t ext;
  interp prim[MAX_INTERP];
  int nprim;
  interp exti[MAX_INTERP];
  int next;
  cand cands[CID_COUNT];
  int ncand;
  int pair; /* candidates come from pair links */
} explain;

static void add_interp(interp *arr, int *n, int row, int kind, uint32_t v,
                       int via) {
  for (int k = 0; k < *n; k++)
    if (arr[k].row == row && arr[k].kind == kind)
      return;
  if (*n < MAX_INTERP) {
    arr[*n].row = row;
    arr[*n].kind = kind;
    arr[*n].value = v;
    arr[*n].via = via;
    (*n)++;
  }
}

static void collect(interp *arr, int *n, int kind, uint32_t v) {
  /* In kind order, so that AUTO lists mstsc codes first. */
  for (int k = 1; k < RDPNEG_KIND_COUNT; k++)
    for (int i = 0; i < NCODES; i++)
      if (codes[i].kind == k && codes[i].value == v && kind_matches(kind, k, 0))
        add_interp(arr, n, i, k, v, VIA_NONE);
  /* FreeRDP class 1 wraps an ERRINFO value. */
  if ((kind == RDPNEG_KIND_FREERDP || kind == RDPNEG_KIND_AUTO) &&
      (v >> 16) == 1 && find_row(RDPNEG_KIND_FREERDP, v) < 0) {
    int r = find_row(RDPNEG_KIND_ERRINFO, v & 0xFFFF);
    if (r >= 0)
      add_interp(arr, n, r, RDPNEG_KIND_FREERDP, v, VIA_FREERDP_ERRINFO);
  }
  /* The extended protocol range carries the server's ERRINFO value. */
  if (kind == RDPNEG_KIND_EXTENDED && v >= 0x1000 && v <= 0x7FFF &&
      find_row(RDPNEG_KIND_EXTENDED, v) < 0) {
    int r = find_row(RDPNEG_KIND_ERRINFO, v);
    if (r >= 0)
      add_interp(arr, n, r, RDPNEG_KIND_EXTENDED, v, VIA_EXT_RANGE);
  }
}

/* Kind and value under which links of an interpretation are looked up. */
static void link_key(const interp *it, int *pk, uint32_t *pv) {
  if (it->via == VIA_FREERDP_ERRINFO) {
    *pk = RDPNEG_KIND_ERRINFO;
    *pv = it->value & 0xFFFF;
  } else {
    *pk = it->kind;
    *pv = it->value;
  }
}

static void add_cand(explain *e, const tax_link *l, int from_ext) {
  for (int k = 0; k < e->ncand; k++)
    if (e->cands[k].cause == l->cause)
      return;
  if (e->ncand < CID_COUNT) {
    e->cands[e->ncand].cause = l->cause;
    e->cands[e->ncand].rank = l->rank;
    e->cands[e->ncand].link = l;
    e->cands[e->ncand].from_ext = from_ext;
    e->ncand++;
  }
}

/* Adds the single-code links of |it| in rank order. */
static void add_links_of(explain *e, const interp *it, int from_ext) {
  int k;
  uint32_t v;
  link_key(it, &k, &v);
  for (int rank = 1; rank <= 64; rank++)
    for (int i = 0; i < NLINKS; i++)
      if (!links[i].has_ext && links[i].kind == k && links[i].rank == rank &&
          v >= links[i].lo && v <= links[i].hi)
        add_cand(e, &links[i], from_ext);
}

static void run_explain(explain *e, int kind, uint32_t code, int has_ext,
                        uint32_t ext) {
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
      for (int i = 0; i < NLINKS; i++)
        if (links[i].has_ext && links[i].rank == rank && links[i].lo == code &&
            links[i].ext == ext && kind_matches(e->kind, links[i].kind, 0))
          add_cand(e, &links[i], 0);
    e->pair = e->ncand > 0;
  }
  if (!e->pair) {
    for (int k = 0; k < e->nprim; k++)
      add_links_of(e, &e->prim[k], 0);
    for (int k = 0; k < e->next; k++)
      add_links_of(e, &e->exti[k], 1);
  }
}

/* Calls |fn| for every code related to interpretation |it|. */
typedef void (*related_fn)(void *ctx, int kind, uint32_t value,
                           const char *note, const char *source, int conf);

static void for_related(const interp *it, related_fn fn, void *ctx) {
  const tax_code *c = &codes[it->row];
  int k = c->kind;
  uint32_t v = c->value;
  if (it->via == VIA_FREERDP_ERRINFO || it->via == VIA_EXT_RANGE) {
    fn(ctx, RDPNEG_KIND_ERRINFO, v,
       it->via == VIA_FREERDP_ERRINFO
           ? "FreeRDP's ERRINFO class (0x0001xxxx) wraps this ERRINFO value"
           : "the extended protocol range 0x1000-0x7FFF carries the server's "
             "ERRINFO value",
       it->via == VIA_FREERDP_ERRINFO ? "S-FRDP error.h (facts 5)"
                                      : "S-EXDISC (facts 0 key fact 3)",
       it->via == VIA_FREERDP_ERRINFO ? CF_I : CF_INF);
    return;
  }
  /* extended <-> ERRINFO by number (facts 0 key fact 3) */
  if (k == RDPNEG_KIND_EXTENDED &&
      ((v >= 1 && v <= 12) || (v >= 0x100 && v <= 0x10A)) &&
      find_row(RDPNEG_KIND_ERRINFO, v) >= 0)
    fn(ctx, RDPNEG_KIND_ERRINFO, v, "same number in the Set Error Info PDU",
       "S-EXDISC; S-BCGR 2.2.5.1.1 (facts 0 key fact 3, 3)", CF_INF);
  if (k == RDPNEG_KIND_ERRINFO) {
    if (((v >= 1 && v <= 12) || (v >= 0x100 && v <= 0x10A)) &&
        find_row(RDPNEG_KIND_EXTENDED, v) >= 0)
      fn(ctx, RDPNEG_KIND_EXTENDED, v,
         "mstsc shows the same number as extended disconnect reason",
         "S-EXDISC; S-BCGR 2.2.5.1.1 (facts 0 key fact 3, 3)", CF_INF);
    else if (v >= 0x1000 && v <= 0x7FFF)
      fn(ctx, RDPNEG_KIND_EXTENDED, v,
         "mstsc shows it as an extended reason in the protocol range "
         "0x1000-0x7FFF (\"protocol error (code: 0x...)\")",
         "S-EXDISC (facts 0 key fact 3, 2.3)", CF_INF);
    if (v != 0 && v <= 0xFFFF)
      fn(ctx, RDPNEG_KIND_FREERDP, 0x10000u | v,
         "FreeRDP reports it as class ERRINFO (1) << 16 | value",
         "S-FRDP error.h (facts 5)", CF_I);
  }
  for (int i = 0; i < NRELATED; i++) {
    const tax_related *r = &related[i];
    if (r->ka == k && r->va == v)
      fn(ctx, r->kb, r->vb, r->note, r->source, r->conf);
    else if (r->kb == k && r->vb == v)
      fn(ctx, r->ka, r->va, r->note, r->source, r->conf);
  }
}

/* Display name of an interpretation. */
static void interp_name(const interp *it, char *buf, size_t cap) {
  const tax_code *c = &codes[it->row];
  if (it->via == VIA_FREERDP_ERRINFO)
    snprintf(buf, cap, "ERRINFO class wrapping %s", c->name);
  else if (it->via == VIA_EXT_RANGE)
    snprintf(buf, cap, "protocol-range value = %s", c->name);
  else
    snprintf(buf, cap, "%s", c->name ? c->name : "(no documented name)");
}

/* ------------------------------------------------------------------------ */
/* Explain: JSON                                                             */

static void json_value(rdpneg_json *w, int kind, uint32_t v) {
  char buf[32];
  rdpneg_json_uint(w, "value", v);
  fmt_value(buf, sizeof buf, kind, v);
  rdpneg_json_str(w, "display", buf);
  fmt_hex(buf, sizeof buf, v);
  rdpneg_json_str(w, "hex", buf);
}

typedef struct jrel_ctx {
  rdpneg_json *w;
} jrel_ctx;

static void jrel(void *ctx, int kind, uint32_t value, const char *note,
                 const char *source, int conf) {
  rdpneg_json *w = ((jrel_ctx *)ctx)->w;
  int r = find_row(kind, value);
  rdpneg_json_obj_begin(w, NULL);
  rdpneg_json_str(w, "kind", kinds[kind].name);
  json_value(w, kind, value);
  rdpneg_json_str(w, "name", r >= 0 ? codes[r].name : NULL);
  rdpneg_json_str(w, "note", note);
  rdpneg_json_str(w, "source", source);
  rdpneg_json_str(w, "confidence", conf_names[conf]);
  rdpneg_json_obj_end(w);
}

static void json_note(rdpneg_json *w, const tax_note *n) {
  rdpneg_json_obj_begin(w, NULL);
  rdpneg_json_str(w, "text", n->text);
  rdpneg_json_str(w, "source", n->source);
  rdpneg_json_str(w, "confidence", conf_names[n->conf]);
  rdpneg_json_bool(w, "lore", conf_is_lore(n->conf));
  rdpneg_json_obj_end(w);
}

static void json_interp(rdpneg_json *w, const interp *it) {
  const tax_code *c = &codes[it->row];
  char name[200];
  jrel_ctx ctx = {w};
  int lk;
  uint32_t lv;
  rdpneg_json_obj_begin(w, NULL);
  rdpneg_json_str(w, "kind", kinds[it->kind].name);
  rdpneg_json_str(w, "kind_title", kinds[it->kind].title);
  json_value(w, it->kind, it->value);
  if (it->via == VIA_NONE) {
    rdpneg_json_str(w, "name", c->name);
  } else {
    interp_name(it, name, sizeof name);
    rdpneg_json_str(w, "name", name);
  }
  rdpneg_json_str(w, "alt_name", it->via == VIA_NONE ? c->alt : c->name);
  rdpneg_json_str(w, "meaning", rdpneg_code_meaning(it->row));
  rdpneg_json_str(w, "phase", phase_names[c->phase]);
  rdpneg_json_str(w, "source", c->source);
  rdpneg_json_str(w, "confidence", conf_names[c->conf]);
  rdpneg_json_str(w, "confidence_text", conf_texts[c->conf]);
  rdpneg_json_str(w, "status", status_of_conf(c->conf));
  rdpneg_json_str(w, "via",
                  it->via == VIA_FREERDP_ERRINFO ? "freerdp_errinfo_class"
                  : it->via == VIA_EXT_RANGE     ? "extended_protocol_range"
                                                 : NULL);
  if (it->kind == RDPNEG_KIND_DISCONNECT || it->kind == RDPNEG_KIND_SSL_ERR) {
    rdpneg_json_obj_begin(w, "layer");
    rdpneg_json_hex(w, "byte", it->value & 0xFF, 2);
    rdpneg_json_str(w, "name", disc_layer(it->value));
    rdpneg_json_str(w, "source", "facts 2.2");
    rdpneg_json_str(w, "confidence", "INF");
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_str(w, "kind_note", kinds[it->kind].note);
  rdpneg_json_arr_begin(w, "notes");
  for (int i = 0; i < NNOTES; i++)
    if (!notes[i].has_ext && notes[i].kind == c->kind &&
        notes[i].value == c->value)
      json_note(w, &notes[i]);
  rdpneg_json_arr_end(w);
  rdpneg_json_arr_begin(w, "related");
  for_related(it, jrel, &ctx);
  rdpneg_json_arr_end(w);
  rdpneg_json_arr_begin(w, "causes");
  link_key(it, &lk, &lv);
  for (int i = 0; i < NLINKS; i++) {
    const tax_link *l = &links[i];
    if (l->has_ext || l->kind != lk || lv < l->lo || lv > l->hi)
      continue;
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_int(w, "rank", l->rank);
    rdpneg_json_str(w, "id", causes[l->cause].id);
    rdpneg_json_str(w, "confidence", conf_names[l->conf]);
    rdpneg_json_bool(w, "lore", conf_is_lore(l->conf));
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
  rdpneg_json_obj_end(w);
}

static void json_cause_body(rdpneg_json *w, const rdpneg_taxonomy *tax, int i) {
  const tax_cause *c = &causes[i];
  int n;
  rdpneg_json_str(w, "id", c->id);
  rdpneg_json_str(w, "title", c->title);
  rdpneg_json_str(w, "phase", phase_names[c->phase]);
  rdpneg_json_str(w, "severity", sev_names[c->sev]);
  rdpneg_json_str(w, "description", c->desc);
  rdpneg_json_str(w, "source", c->source);
  rdpneg_json_str(w, "confidence", conf_names[c->conf]);
  rdpneg_json_arr_begin(w, "evidence");
  for (int k = 0; k < NEVIDENCE; k++) {
    if (evidence[k].cause != i)
      continue;
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "where", where_names[evidence[k].where]);
    rdpneg_json_str(w, "text", evidence[k].text);
    rdpneg_json_str(w, "source", evidence[k].source);
    rdpneg_json_str(w, "confidence", conf_names[evidence[k].conf]);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
  rdpneg_json_arr_begin(w, "remedies");
  n = rdpneg_cause_remedy_count(tax, i);
  for (int j = 0; j < n; j++) {
    const tax_remedy *b;
    const char *t, *s;
    if (remedy_at(tax, i, j, &b, &t, &s) < 0)
      break;
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "text", b ? b->text : t);
    rdpneg_json_str(w, "source", b ? b->source : s);
    rdpneg_json_str(w, "confidence", b ? conf_names[b->conf] : NULL);
    rdpneg_json_bool(w, "override", b == NULL);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
}

static void json_cause_codes(rdpneg_json *w, int i) {
  rdpneg_json_arr_begin(w, "codes");
  for (int k = 0; k < NLINKS; k++) {
    const tax_link *l = &links[k];
    char buf[32];
    int r;
    if (l->cause != i)
      continue;
    r = find_row(l->kind, l->lo);
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "kind", kinds[l->kind].name);
    json_value(w, l->kind, l->lo);
    if (l->hi != l->lo) {
      rdpneg_json_uint(w, "value_hi", l->hi);
      fmt_value(buf, sizeof buf, l->kind, l->hi);
      rdpneg_json_str(w, "display_hi", buf);
    }
    if (l->has_ext) {
      rdpneg_json_uint(w, "extended", l->ext);
      fmt_hex(buf, sizeof buf, l->ext);
      rdpneg_json_str(w, "extended_hex", buf);
    }
    rdpneg_json_str(w, "name", r >= 0 ? codes[r].name : NULL);
    rdpneg_json_int(w, "rank", l->rank);
    rdpneg_json_str(w, "confidence", conf_names[l->conf]);
    rdpneg_json_bool(w, "lore", conf_is_lore(l->conf));
    rdpneg_json_str(w, "source", l->source);
    rdpneg_json_str(w, "why", l->why);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
}

static void json_query(rdpneg_json *w, const explain *e) {
  char buf[32];
  rdpneg_json_obj_begin(w, "query");
  rdpneg_json_str(w, "kind", kinds[e->kind].name);
  rdpneg_json_uint(w, "code", e->code);
  fmt_hex(buf, sizeof buf, e->code);
  rdpneg_json_str(w, "code_hex", buf);
  if (e->has_ext) {
    rdpneg_json_uint(w, "extended", e->ext);
    fmt_hex(buf, sizeof buf, e->ext);
    rdpneg_json_str(w, "extended_hex", buf);
  } else {
    rdpneg_json_null(w, "extended");
  }
  if (e->kind == RDPNEG_KIND_DISCONNECT) {
    rdpneg_json_obj_begin(w, "layer");
    rdpneg_json_hex(w, "byte", e->code & 0xFF, 2);
    rdpneg_json_str(w, "name", disc_layer(e->code));
    rdpneg_json_str(w, "source", "facts 2.2");
    rdpneg_json_str(w, "confidence", "INF");
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_obj_end(w);
}

static int explain_found(const explain *e) {
  return e->nprim > 0 && (!e->has_ext || e->next > 0);
}

int rdpneg_explain_json(const rdpneg_taxonomy *tax, int kind, uint32_t code,
                        int has_extended, uint32_t extended, char **pjson,
                        size_t *plen) {
  explain *e;
  rdpneg_json w;
  int found;
  if (!pjson || !valid_kind(kind))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *pjson = NULL;
  e = malloc(sizeof *e);
  if (!e)
    return RDPNEG_ERR_NOMEM;
  run_explain(e, kind, code, has_extended, extended);
  found = explain_found(e) ? e->nprim : 0;

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
    for (int i = 0; i < NNOTES; i++)
      if (notes[i].has_ext && notes[i].value == e->code &&
          notes[i].ext == e->ext && kind_matches(e->kind, notes[i].kind, 0))
        json_note(&w, &notes[i]);
    rdpneg_json_arr_end(&w);
  }
  rdpneg_json_str(&w, "candidates_from",
                  e->pair    ? "pair"
                  : e->ncand ? "codes"
                             : NULL);
  rdpneg_json_arr_begin(&w, "candidates");
  for (int k = 0; k < e->ncand; k++) {
    const cand *c = &e->cands[k];
    char buf[32];
    rdpneg_json_obj_begin(&w, NULL);
    rdpneg_json_int(&w, "order", k + 1);
    rdpneg_json_int(&w, "rank", c->rank);
    fmt_value(buf, sizeof buf, c->link->kind, c->link->lo);
    rdpneg_json_str(&w, "via_kind", kinds[c->link->kind].name);
    rdpneg_json_str(&w, "via_code", buf);
    rdpneg_json_str(&w, "link_confidence", conf_names[c->link->conf]);
    rdpneg_json_bool(&w, "lore", conf_is_lore(c->link->conf));
    rdpneg_json_str(&w, "why", c->link->why);
    rdpneg_json_str(&w, "link_source", c->link->source);
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
  const char *p = text;
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
  int r = find_row(kind, value);
  fmt_value(v, sizeof v, kind, value);
  snprintf(buf, sizeof buf, "%s %s%s%s: %s [%s: %s]", kinds[kind].name, v,
           r >= 0 && codes[r].name ? " " : "",
           r >= 0 && codes[r].name ? codes[r].name : "", note, conf_names[conf],
           source);
  tb_wrap(t, 2, "Related:   ", buf);
}

static void text_note(tbuf *t, const tax_note *n) {
  char lead[32], buf[1400];
  snprintf(lead, sizeof lead,
           "%s [%s]: ", conf_is_lore(n->conf) ? "Lore" : "Note",
           conf_names[n->conf]);
  snprintf(buf, sizeof buf, "%s (%s)", n->text, n->source);
  tb_wrap(t, 2, lead, buf);
}

static void text_interp(tbuf *t, const interp *it) {
  const tax_code *c = &codes[it->row];
  char name[200], v[32], dec[32], buf[900], label[128];
  trel_ctx ctx = {t};
  interp_name(it, name, sizeof name);
  fmt_value(v, sizeof v, it->kind, it->value);
  dec[0] = 0;
  if (kinds[it->kind].digits != 0 && it->value > 9)
    snprintf(dec, sizeof dec, " (%lu)", (unsigned long)it->value);
  snprintf(buf, sizeof buf, "%s %s%s: %s",
           kind_label(it->kind, label, sizeof label), v, dec, name);
  tb_wrap(t, 0, "", buf);
  if (c->alt && it->via == VIA_NONE)
    tb_wrap(t, 2, "Also:      ", c->alt);
  if (c->conf == CF_O)
    snprintf(buf, sizeof buf, "official [O: %s]", c->source);
  else if (c->conf == CF_I)
    snprintf(buf, sizeof buf,
             "defined by open-source implementations, not by Microsoft "
             "documentation [I: %s]",
             c->source);
  else if (c->name)
    snprintf(buf, sizeof buf, "UNOFFICIAL -- %s [%s: %s]", conf_texts[c->conf],
             conf_names[c->conf], c->source);
  else
    snprintf(buf, sizeof buf,
             "UNOFFICIAL -- reported in the wild but in no official list; "
             "no citable name or meaning [%s: %s]",
             conf_names[c->conf], c->source);
  tb_wrap(t, 2, "Status:    ", buf);
  tb_wrap(t, 2, "Meaning:   ", rdpneg_code_meaning(it->row));
  tb_wrap(t, 2, "Phase:     ", phase_names[c->phase]);
  if (it->kind == RDPNEG_KIND_DISCONNECT || it->kind == RDPNEG_KIND_SSL_ERR) {
    const char *layer = disc_layer(it->value);
    snprintf(buf, sizeof buf, "low byte 0x%02lX = %s [INF: facts 2.2]",
             (unsigned long)(it->value & 0xFF),
             layer ? layer : "no known layer");
    tb_wrap(t, 2, "Layer:     ", buf);
  } else if (kinds[it->kind].note) {
    tb_wrap(t, 2, "About:     ", kinds[it->kind].note);
  }
  for (int i = 0; i < NNOTES; i++)
    if (!notes[i].has_ext && notes[i].kind == c->kind &&
        notes[i].value == c->value)
      text_note(t, &notes[i]);
  for_related(it, trel, &ctx);
}

static void text_cause_details(tbuf *t, const rdpneg_taxonomy *tax, int i,
                               int indent) {
  const tax_cause *c = &causes[i];
  char lead[64], buf[1400];
  int n;
  tb_wrap(t, indent, "", c->desc);
  tb_printf(t, "%*sEvidence to check:\n", indent, "");
  for (int k = 0; k < NEVIDENCE; k++) {
    if (evidence[k].cause != i)
      continue;
    snprintf(lead, sizeof lead, "- %s: ", where_names[evidence[k].where]);
    snprintf(buf, sizeof buf, "%s [%s: %s]", evidence[k].text,
             conf_names[evidence[k].conf], evidence[k].source);
    tb_wrap(t, indent + 2, lead, buf);
  }
  tb_printf(t, "%*sRemedies:\n", indent, "");
  n = rdpneg_cause_remedy_count(tax, i);
  for (int j = 0; j < n; j++) {
    const tax_remedy *b;
    const char *tx, *s;
    if (remedy_at(tax, i, j, &b, &tx, &s) < 0)
      break;
    if (b)
      snprintf(buf, sizeof buf, "%s [%s: %s]", b->text, conf_names[b->conf],
               b->source);
    else
      snprintf(buf, sizeof buf, "%s [%s]", tx, s);
    tb_wrap(t, indent + 2, "- ", buf);
  }
}

int rdpneg_explain_text(const rdpneg_taxonomy *tax, int kind, uint32_t code,
                        int has_extended, uint32_t extended, char **ptext,
                        size_t *plen) {
  explain *e;
  tbuf t = {0};
  int found;
  char v[32], buf[1400], label[128], ext_s[32];
  if (!ptext || !valid_kind(kind))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *ptext = NULL;
  e = malloc(sizeof *e);
  if (!e)
    return RDPNEG_ERR_NOMEM;
  run_explain(e, kind, code, has_extended, extended);
  found = explain_found(e) ? e->nprim : 0;

  if (e->nprim == 0) {
    fmt_value(v, sizeof v,
              e->kind == RDPNEG_KIND_AUTO ? RDPNEG_KIND_DISCONNECT : e->kind,
              code);
    snprintf(buf, sizeof buf,
             "%s %s (%lu) is not in the taxonomy: no official definition, no "
             "implementation defines it, and it is not among the codes seen "
             "in the wild.",
             e->kind == RDPNEG_KIND_AUTO
                 ? "Code"
                 : kind_label(e->kind, label, sizeof label),
             v, (unsigned long)code);
    tb_wrap(&t, 0, "UNKNOWN: ", buf);
    if (e->kind == RDPNEG_KIND_DISCONNECT) {
      const char *layer = disc_layer(code);
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
    for (int i = 0; i < NNOTES; i++) {
      if (!(notes[i].has_ext && notes[i].value == e->code &&
            notes[i].ext == e->ext && kind_matches(e->kind, notes[i].kind, 0)))
        continue;
      if (!any)
        tb_printf(&t, "\nWhat the pair officially says, and what it does "
                      "not\n");
      any = 1;
      snprintf(buf, sizeof buf, "%s (%s)", notes[i].text, notes[i].source);
      char lead[32];
      snprintf(lead, sizeof lead, "* [%s%s] ", conf_names[notes[i].conf],
               conf_is_lore(notes[i].conf) ? ", lore" : "");
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
        const tax_evidence *pe = NULL;
        for (int x = 0; x < NEVIDENCE && !pe; x++)
          if (evidence[x].cause == e->cands[k].cause &&
              evidence[x].where == WH_PROBE)
            pe = &evidence[x];
        for (int x = 0; x < NEVIDENCE && !pe; x++)
          if (evidence[x].cause == e->cands[k].cause)
            pe = &evidence[x];
        tb_printf(&t, "  %2d. %s\n", k + 1, causes[e->cands[k].cause].id);
        tb_wrap(&t, 6, "", pe ? pe->text : "(no evidence listed)");
      }
    }
    for (int k = 0; k < e->ncand; k++) {
      const cand *c = &e->cands[k];
      const tax_cause *cz = &causes[c->cause];
      tb_printf(&t, "\n  %d. %s -- %s\n", k + 1, cz->id, cz->title);
      snprintf(buf, sizeof buf, "phase %s, severity %s", phase_names[cz->phase],
               sev_names[cz->sev]);
      tb_wrap(&t, 5, "", buf);
      fmt_value(v, sizeof v, c->link->kind, c->link->lo);
      fmt_hex(ext_s, sizeof ext_s, c->link->ext);
      snprintf(buf, sizeof buf, "%s (via %s %s%s%s) [%s%s: %s]", c->link->why,
               kinds[c->link->kind].name, v,
               c->link->has_ext ? " + extended " : "",
               c->link->has_ext ? ext_s : "", conf_names[c->link->conf],
               conf_is_lore(c->link->conf) ? ", lore" : "", c->link->source);
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

/* ------------------------------------------------------------------------ */
/* Cause JSON / text, whole taxonomy JSON                                    */

int rdpneg_cause_json(const rdpneg_taxonomy *tax, int i, char **pjson,
                      size_t *plen) {
  rdpneg_json w;
  if (!pjson || !VALID_CAUSE(i))
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

int rdpneg_cause_text(const rdpneg_taxonomy *tax, int i, char **ptext,
                      size_t *plen) {
  tbuf t = {0};
  const tax_cause *c;
  char buf[900], v[32], hi[32];
  if (!ptext || !VALID_CAUSE(i))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  c = &causes[i];
  tb_printf(&t, "%s -- %s\n", c->id, c->title);
  snprintf(buf, sizeof buf, "phase %s, default severity %s [%s: %s]",
           phase_names[c->phase], sev_names[c->sev], conf_names[c->conf],
           c->source);
  tb_wrap(&t, 2, "", buf);
  text_cause_details(&t, tax, i, 2);
  tb_printf(&t, "  Typically shows up as:\n");
  for (int k = 0; k < NLINKS; k++) {
    const tax_link *l = &links[k];
    int r;
    if (l->cause != i)
      continue;
    r = find_row(l->kind, l->lo);
    fmt_value(v, sizeof v, l->kind, l->lo);
    hi[0] = 0;
    if (l->hi != l->lo) {
      hi[0] = '-';
      fmt_value(hi + 1, sizeof hi - 1, l->kind, l->hi);
    }
    if (l->has_ext)
      snprintf(buf, sizeof buf, "%s %s + extended 0x%lX: %s [%s%s: %s]",
               kinds[l->kind].name, v, (unsigned long)l->ext, l->why,
               conf_names[l->conf], conf_is_lore(l->conf) ? ", lore" : "",
               l->source);
    else
      snprintf(buf, sizeof buf, "%s %s%s%s%s (rank %d): %s [%s%s: %s]",
               kinds[l->kind].name, v, hi,
               r >= 0 && codes[r].name && !hi[0] ? " " : "",
               r >= 0 && codes[r].name && !hi[0] ? codes[r].name : "", l->rank,
               l->why, conf_names[l->conf],
               conf_is_lore(l->conf) ? ", lore" : "", l->source);
    tb_wrap(&t, 4, "- ", buf);
  }
  *ptext = tb_take(&t, plen);
  return *ptext ? 0 : RDPNEG_ERR_NOMEM;
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
    rdpneg_json_str(&w, "name", kinds[k].name);
    rdpneg_json_str(&w, "title", kinds[k].title);
    rdpneg_json_str(&w, "note", kinds[k].note);
    rdpneg_json_obj_end(&w);
  }
  rdpneg_json_arr_end(&w);
  rdpneg_json_arr_begin(&w, "sources");
  for (int i = 0; i < NSOURCES; i++) {
    rdpneg_json_obj_begin(&w, NULL);
    rdpneg_json_str(&w, "key", sources[i].key);
    rdpneg_json_str(&w, "description", sources[i].desc);
    rdpneg_json_obj_end(&w);
  }
  rdpneg_json_arr_end(&w);
  rdpneg_json_arr_begin(&w, "codes");
  for (int i = 0; i < NCODES; i++) {
    rdpneg_json_obj_begin(&w, NULL);
    rdpneg_json_str(&w, "kind", kinds[codes[i].kind].name);
    json_value(&w, codes[i].kind, codes[i].value);
    rdpneg_json_str(&w, "name", codes[i].name);
    rdpneg_json_str(&w, "alt_name", codes[i].alt);
    rdpneg_json_str(&w, "meaning", rdpneg_code_meaning(i));
    rdpneg_json_str(&w, "phase", phase_names[codes[i].phase]);
    rdpneg_json_str(&w, "source", codes[i].source);
    rdpneg_json_str(&w, "confidence", conf_names[codes[i].conf]);
    rdpneg_json_str(&w, "status", status_of_conf(codes[i].conf));
    rdpneg_json_obj_end(&w);
  }
  rdpneg_json_arr_end(&w);
  rdpneg_json_arr_begin(&w, "causes");
  for (int i = 0; i < CID_COUNT; i++) {
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
