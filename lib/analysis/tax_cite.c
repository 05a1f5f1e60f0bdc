/* SPDX-License-Identifier: Apache-2.0 */
/* Citations without fact-sheet pointers (tax_cite.h). */
#include "analysis/tax_cite.h"

#include <rdpneg/rdpneg.h>
#include <rdpneg/rdpneg_taxonomy.h>

#include <ctype.h>
#include <string.h>

typedef struct out {
  char *p;
  size_t len, cap;
} out;

static void put(out *o, const char *s, size_t n) {
  for (size_t i = 0; i < n && o->len + 1 < o->cap; i++)
    o->p[o->len++] = s[i];
  o->p[o->len] = 0;
}

static int ends(const out *o, const char *s) {
  size_t n = strlen(s);
  return o->len >= n && !memcmp(o->p + o->len - n, s, n);
}

static void drop(out *o, size_t n) {
  o->len = n < o->len ? o->len - n : 0;
  o->p[o->len] = 0;
}

static int at_pointer(const char *in, size_t i) {
  return !strncmp(in + i, "facts ", 6) && isdigit((unsigned char)in[i + 6]) &&
         (i == 0 || !isalpha((unsigned char)in[i - 1]));
}

void rdpneg_tax_cite_clean(const char *in, char *outbuf, size_t cap) {
  if (!cap)
    return;
  out o = {outbuf, 0, cap};
  outbuf[0] = 0;
  static const char sheet[] = "fact sheet";
  for (size_t i = 0; in[i];) {
    if (!strncmp(in + i, sheet, sizeof sheet - 1)) {
      put(&o, "taxonomy", 8); /* the product's own, built from it */
      i += sizeof sheet - 1;
      continue;
    }
    if (!at_pointer(in, i)) {
      put(&o, in + i, 1);
      i++;
      continue;
    }
    /* the pointer runs to the ')' ']' or ';' that closes it */
    size_t j = i;
    int depth = 0;
    for (; in[j]; j++) {
      if (in[j] == '[')
        depth++;
      else if (in[j] == ']' && depth-- == 0)
        break;
      else if ((in[j] == ')' || in[j] == ';') && depth == 0)
        break;
    }
    char tags[64] = "";
    size_t nt = 0;
    for (size_t k = i; k < j; k++) { /* confidence tags inside it */
      if (in[k] != '[')
        continue;
      const char *e = strchr(in + k, ']');
      if (!e || e > in + j || nt + (size_t)(e - (in + k)) + 3 > sizeof tags)
        break;
      if (nt)
        tags[nt++] = ' ';
      memcpy(tags + nt, in + k, (size_t)(e - (in + k)) + 1);
      nt += (size_t)(e - (in + k)) + 1;
      tags[nt] = 0;
      k = (size_t)(e - in);
    }
    if (ends(&o, "(")) { /* "(facts ...)": the whole parenthesis */
      drop(&o, 1);
      if (ends(&o, " "))
        drop(&o, 1);
      if (in[j] == ')')
        j++;
      if (nt) {
        if (o.len && !ends(&o, " ") && !ends(&o, "(") && !ends(&o, "["))
          put(&o, " ", 1);
        put(&o, tags, nt);
      }
    } else if (ends(&o, ": ") || ends(&o, "; ") || ends(&o, ", ")) {
      drop(&o, 2);
    } else if (ends(&o, " ")) {
      drop(&o, 1);
    }
    i = j;
  }
}

RDPNEG_EXTERN int rdpneg_cite_clean(const char *in, char *dst, size_t cap) {
  if (!in || !dst || !cap)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_tax_cite_clean(in, dst, cap);
  return 0;
}
