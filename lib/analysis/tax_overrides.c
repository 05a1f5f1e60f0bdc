/* SPDX-License-Identifier: Apache-2.0 */
/* Taxonomy handles and vendor remedy overrides loaded from JSON. */
#include "analysis/tax_internal.h"

#include "base/jsonparse.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

/* Windows has no FIFOs, terminals to adopt or exec: the flags are moot */
#ifndef O_NONBLOCK
#define O_NONBLOCK 0
#endif
#ifndef O_NOCTTY
#define O_NOCTTY 0
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* ------------------------------------------------------------------------ */
/* Taxonomy handle and overrides                                             */

static void ovr_clear(rdpneg_tax_ovr *o) {
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
  for (int i = 0; i < RDPNEG_CID_COUNT; i++)
    ovr_clear(&tax->ovr[i]);
  free(tax);
}

#define OVR_MAX_FILE (1024 * 1024)
#define OVR_MAX_REMEDIES 64
#define OVR_MAX_TEXT 4096
/* The parse tree a document may take: 6 bytes per byte of the file (an
 * array of small numbers would take 33), plus room for every cause with its
 * most remedies and other members whatever their size. Files that only say
 * something stay below: long remedies take about 1.1 bytes per byte, a
 * comment of short strings ("note 1", 10 bytes a value) about 5.8. */
#define OVR_VALUE_BYTES 64 /* sizeof(rdpneg_jp_node) on LP64 */
#define OVR_MAX_TREE(len)                                                      \
  ((size_t)6 * (len) +                                                         \
   (size_t)RDPNEG_CID_COUNT * (OVR_MAX_REMEDIES + 8) * OVR_VALUE_BYTES +       \
   65536)

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

/* "an array", "an object", "a string": the JSON type of |node| in a
 * sentence, as the two arguments of "%s %s". */
static const char *article(const char *noun) {
  return noun[0] && strchr("aeiou", noun[0]) ? "an" : "a";
}
#define JP_TYPE(node)                                                          \
  article(rdpneg_jp_type_name((node)->type)), rdpneg_jp_type_name((node)->type)

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
            "%s %s",
            JP_TYPE(root));
  for (const rdpneg_jp_node *m = root->child; m; m = m->next) {
    for (const rdpneg_jp_node *d = root->child; d != m; d = d->next)
      if (strcmp(d->key, m->key) == 0)
        FAIL_AT(m->key_line, m->key_col, "duplicate member \"%s\"", m->key);
    if (strcmp(m->key, "causes") == 0) {
      if (m->type != RDPNEG_JP_OBJECT)
        FAIL_AT(m->line, m->col, "\"causes\" must be an object, not %s %s",
                JP_TYPE(m));
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
      FAIL_AT(c->line, c->col, "the entry for %s must be an object, not %s %s",
              c->key, JP_TYPE(c));
    for (const rdpneg_jp_node *m = c->child; m; m = m->next) {
      for (const rdpneg_jp_node *d = c->child; d != m; d = d->next)
        if (strcmp(d->key, m->key) == 0)
          FAIL_AT(m->key_line, m->key_col, "duplicate member \"%s\"", m->key);
      if (strcmp(m->key, "remedies") == 0) {
        if (m->type != RDPNEG_JP_ARRAY)
          FAIL_AT(m->line, m->col,
                  "\"remedies\" of %s must be an array of strings, not %s %s",
                  c->key, JP_TYPE(m));
        if (m->count == 0)
          FAIL_AT(m->line, m->col, "\"remedies\" of %s is empty", c->key);
        if (m->count > OVR_MAX_REMEDIES)
          FAIL_AT(m->line, m->col, "more than %d remedies for %s",
                  OVR_MAX_REMEDIES, c->key);
        for (const rdpneg_jp_node *s = m->child; s; s = s->next) {
          if (s->type != RDPNEG_JP_STRING)
            FAIL_AT(s->line, s->col, "remedy must be a string, not %s %s",
                    JP_TYPE(s));
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
static int build_ovr(const rdpneg_tax_ovr *cur, const ovr_change *c,
                     const char *source, rdpneg_tax_ovr *out) {
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
  rdpneg_tax_ovr *next = NULL;
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
  rc = rdpneg_jp_parse_max(data ? data : "", len, OVR_MAX_TREE(len), &root,
                           perr, sizeof perr);
  if (rc < 0) {
    seterr(errbuf, errlen, label, "%s", perr);
    return rc;
  }
  chg = calloc(RDPNEG_CID_COUNT, sizeof *chg);
  if (!chg) {
    rc = RDPNEG_ERR_NOMEM;
    goto out;
  }
  /* A "causes" object can name each cause once (duplicates are rejected),
   * so RDPNEG_CID_COUNT entries suffice -- but count before trusting that. */
  {
    const rdpneg_jp_node *cn = NULL;
    if (root->type == RDPNEG_JP_OBJECT)
      for (const rdpneg_jp_node *m = root->child; m; m = m->next)
        if (strcmp(m->key, "causes") == 0 && m->type == RDPNEG_JP_OBJECT)
          cn = m;
    if (cn && cn->count > (size_t)RDPNEG_CID_COUNT) {
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
  next = calloc(RDPNEG_CID_COUNT, sizeof *next);
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

/* Reads the whole file at |path| into *|pbuf| (*|plen| bytes). Only a
 * regular file is read: it is opened without blocking and checked before
 * any read, so a FIFO or a device named by mistake is refused at once
 * instead of waiting forever for a writer. */
static int read_file(const char *path, char **pbuf, size_t *plen, char *errbuf,
                     size_t errlen) {
  struct stat st;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
#ifdef _WIN32
  /* Windows' open() refuses a directory with EACCES */
  if (fd < 0 && errno == EACCES && stat(path, &st) == 0 &&
      S_ISDIR(st.st_mode)) {
    seterr(errbuf, errlen, path, "is a directory");
    return RDPNEG_ERR_BAD_FILE;
  }
#endif
  if (fd < 0) {
    seterr(errbuf, errlen, path, "cannot open: %s", strerror(errno));
    return RDPNEG_ERR_BAD_FILE;
  }
  if (fstat(fd, &st) != 0) {
    seterr(errbuf, errlen, path, "cannot stat: %s", strerror(errno));
    close(fd);
    return RDPNEG_ERR_BAD_FILE;
  }
  if (!S_ISREG(st.st_mode)) {
    seterr(errbuf, errlen, path, "%s",
           S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    close(fd);
    return RDPNEG_ERR_BAD_FILE;
  }
  /* one read of the whole file (plus one byte to see its end) when its
   * size is known; grow only if it grew meanwhile */
  if (st.st_size > OVR_MAX_FILE) {
    seterr(errbuf, errlen, path, "larger than %d bytes", OVR_MAX_FILE);
    close(fd);
    return RDPNEG_ERR_BAD_FILE;
  }
  cap = (size_t)st.st_size + 1;
  buf = malloc(cap);
  if (!buf) {
    close(fd);
    seterr(errbuf, errlen, path, "out of memory");
    return RDPNEG_ERR_NOMEM;
  }
  for (;;) {
    ssize_t n;
    if (len == cap) {
      size_t ncap = cap * 2;
      char *nb;
      if (cap > OVR_MAX_FILE) {
        close(fd);
        free(buf);
        seterr(errbuf, errlen, path, "larger than %d bytes", OVR_MAX_FILE);
        return RDPNEG_ERR_BAD_FILE;
      }
      nb = realloc(buf, ncap);
      if (!nb) {
        close(fd);
        free(buf);
        seterr(errbuf, errlen, path, "out of memory");
        return RDPNEG_ERR_NOMEM;
      }
      buf = nb;
      cap = ncap;
    }
    n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      seterr(errbuf, errlen, path, "read error: %s", strerror(errno));
      close(fd);
      free(buf);
      return RDPNEG_ERR_BAD_FILE;
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  close(fd);
  *pbuf = buf;
  *plen = len;
  return 0;
}

int rdpneg_taxonomy_load_overrides(rdpneg_taxonomy *tax, const char *path,
                                   char *errbuf, size_t errlen) {
  char *buf = NULL;
  size_t len = 0;
  int rc;

  if (errbuf && errlen)
    errbuf[0] = 0;
  if (!tax || !path) {
    seterr(errbuf, errlen, path ? path : "(null)", "invalid argument");
    return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  rc = read_file(path, &buf, &len, errbuf, errlen);
  if (rc < 0)
    return rc;
  rc = rdpneg_taxonomy_load_overrides_mem(tax, buf, len, path, errbuf, errlen);
  free(buf);
  return rc;
}
