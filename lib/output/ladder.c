/* SPDX-License-Identifier: Apache-2.0 */
/* The phase ladder: the message log in the document (attempts[].messages),
 * where a connection stopped, and the ladder in plain characters
 * (rdpneg_evidence_ladder). */
#include "output/report.h"
#include "base/jsonparse.h"
#include "output/document.h"

#include <rdpneg/rdpneg_report.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- growing string ---- */

void rdpneg_sb_printf(rdpneg_sb *b, const char *fmt, ...) {
  if (b->err)
    return;
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = vsnprintf(b->buf ? b->buf + b->len : NULL,
                      b->buf ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      b->err = RDPNEG_ERR_INTERNAL;
      return;
    }
    if (b->buf && b->len + (size_t)n < b->cap) {
      b->len += (size_t)n;
      return;
    }
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap < b->len + (size_t)n + 1)
      cap *= 2;
    char *nb = realloc(b->buf, cap);
    if (!nb) {
      b->err = RDPNEG_ERR_NOMEM;
      return;
    }
    b->buf = nb;
    b->cap = cap;
  }
}

void rdpneg_sb_put(rdpneg_sb *b, const char *s) {
  rdpneg_sb_printf(b, "%s", s ? s : "");
}

void rdpneg_sb_html(rdpneg_sb *b, const char *s) {
  if (!s)
    return;
  const char *run = s;
  for (; *s; s++) {
    const char *e = *s == '&'    ? "&amp;"
                    : *s == '<'  ? "&lt;"
                    : *s == '>'  ? "&gt;"
                    : *s == '"'  ? "&quot;"
                    : *s == '\'' ? "&#39;"
                                 : NULL;
    if (!e)
      continue;
    rdpneg_sb_printf(b, "%.*s%s", (int)(s - run), run, e);
    run = s + 1;
  }
  rdpneg_sb_put(b, run);
}

int rdpneg_sb_take(rdpneg_sb *b, char **pout, size_t *plen) {
  if (!b->err && !b->buf)
    rdpneg_sb_put(b, "");
  if (b->err) {
    free(b->buf);
    return b->err;
  }
  *pout = b->buf;
  if (plen)
    *plen = b->len;
  return 0;
}

const char *rdpneg_tls_offered_name(int lo, int hi) {
  static const char *const n[4][4] = {
      {0},
      {NULL, "TLS 1.0", "TLS 1.0-1.1", "TLS 1.0-1.2"},
      {NULL, NULL, "TLS 1.1", "TLS 1.1-1.2"},
      {NULL, NULL, NULL, "TLS 1.2"},
  };
  return lo >= 1 && lo <= 3 && hi >= lo && hi <= 3 ? n[lo][hi] : NULL;
}

/* ---- attempts[].messages ---- */

void rdpneg_doc_write_messages(rdpneg_json *w, const rdpneg_attempt_ev *a) {
  const rdpneg_msglog *l = a->msgs;
  rdpneg_json_arr_begin(w, "messages");
  for (int i = 0; i < l->n && i < RDPNEG_MSGLOG_MAX; i++) {
    const rdpneg_msg *m = &l->m[i];
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "dir", m->dir == RDPNEG_MSG_C2S ? "c2s" : "s2c");
    rdpneg_json_str(w, "name", m->name);
    rdpneg_json_uint(w, "bytes", m->bytes);
    rdpneg_json_double(w, "t_ms", m->t_us < 0 ? 0.0 : (double)m->t_us / 1e3, 3);
    rdpneg_json_bool(w, "event", m->event);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
  rdpneg_json_int(w, "messages_dropped", l->dropped);
}

static const rdpneg_jp_node *member(const rdpneg_jp_node *o, const char *k) {
  if (!o || o->type != RDPNEG_JP_OBJECT)
    return NULL;
  for (const rdpneg_jp_node *c = o->child; c; c = c->next)
    if (c->key && !strcmp(c->key, k))
      return c;
  return NULL;
}

static int bad(char *err, size_t errlen, int i, const char *what) {
  if (err && errlen)
    snprintf(err, errlen, "messages[%d]: %s", i, what);
  return RDPNEG_ERR_BAD_FILE;
}

int rdpneg_doc_read_messages(const rdpneg_jp_node *o, rdpneg_attempt_ev *a,
                             char *err, size_t errlen) {
  rdpneg_msglog *l = a->msgs;
  memset(l, 0, sizeof *l);
  const rdpneg_jp_node *arr = member(o, "messages");
  if (!arr || arr->type == RDPNEG_JP_NULL)
    return 0;
  if (arr->type != RDPNEG_JP_ARRAY)
    return bad(err, errlen, 0, "messages is not an array");
  int i = 0;
  for (const rdpneg_jp_node *m = arr->child; m; m = m->next, i++) {
    const rdpneg_jp_node *dir = member(m, "dir"), *name = member(m, "name");
    const rdpneg_jp_node *by = member(m, "bytes"), *t = member(m, "t_ms");
    const rdpneg_jp_node *ev = member(m, "event");
    if (!dir || dir->type != RDPNEG_JP_STRING ||
        (strcmp(dir->str, "c2s") && strcmp(dir->str, "s2c")))
      return bad(err, errlen, i, "dir is not c2s or s2c");
    if (!name || name->type != RDPNEG_JP_STRING)
      return bad(err, errlen, i, "name is not a string");
    double b = by && by->type == RDPNEG_JP_NUMBER ? strtod(by->str, NULL) : -1;
    double ms = t && t->type == RDPNEG_JP_NUMBER ? strtod(t->str, NULL) : -1;
    if (b < 0 || b > 4294967295.0 || ms < 0 || ms > 1e9)
      return bad(err, errlen, i, "bytes or t_ms missing or out of range");
    if (l->n >= RDPNEG_MSGLOG_MAX) {
      l->dropped++;
      continue;
    }
    rdpneg_msg *x = &l->m[l->n++];
    x->dir = !strcmp(dir->str, "c2s") ? RDPNEG_MSG_C2S : RDPNEG_MSG_S2C;
    x->event = ev && ev->type == RDPNEG_JP_TRUE;
    x->bytes = (uint32_t)b;
    x->t_us = llround(ms * 1e3);
    snprintf(x->name, sizeof x->name, "%s", name->str);
  }
  const rdpneg_jp_node *d = member(o, "messages_dropped");
  if (d && d->type == RDPNEG_JP_NUMBER) {
    double v = strtod(d->str, NULL);
    if (v < 0 || v > 1e6)
      return bad(err, errlen, i, "messages_dropped out of range");
    l->dropped += (int)v;
  }
  return 0;
}

/* ---- where it stopped ---- */

int rdpneg_ladder_stop(const rdpneg_attempt_ev *a, char *buf, size_t cap,
                       int64_t *t_us) {
  *t_us = a->total_us; /* or the last message, when it came after the end */
  for (int k = 0; k < a->msgs->n && k < RDPNEG_MSGLOG_MAX; k++)
    if (a->msgs->m[k].t_us > *t_us)
      *t_us = a->msgs->m[k].t_us;
  int last_ok = -1;
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++) {
    const rdpneg_phase_rec *p = &a->ph[i];
    if (p->status == RDPNEG_PHASE_FAILED) {
      snprintf(buf, cap, "stopped in %s: %s",
               rdpneg_doc_name(RDPNEG_DOC_PHASE, i),
               p->detail[0] ? p->detail : "failed");
      return 1;
    }
    if (p->status == RDPNEG_PHASE_OK)
      last_ok = i;
  }
  if (a->cancelled) {
    snprintf(buf, cap, "cancelled");
    return 1;
  }
  if (last_ok + 1 < RDPNEG_PHASE_COUNT && last_ok >= 0)
    snprintf(buf, cap, "ended after %s; %s skipped: %s",
             rdpneg_doc_name(RDPNEG_DOC_PHASE, last_ok),
             rdpneg_doc_name(RDPNEG_DOC_PHASE, last_ok + 1),
             a->ph[last_ok + 1].detail[0] ? a->ph[last_ok + 1].detail : "-");
  else if (last_ok >= 0)
    snprintf(buf, cap, "ended after %s: %s",
             rdpneg_doc_name(RDPNEG_DOC_PHASE, last_ok),
             a->ph[last_ok].detail[0] ? a->ph[last_ok].detail : "ok");
  else
    snprintf(buf, cap, "ended: %s",
             a->ph[0].detail[0] ? a->ph[0].detail : "no phase ran");
  return 0;
}

/* ---- the ladder in plain characters ---- */

static void text_ladder(rdpneg_sb *b, const rdpneg_attempt_ev *a, int i,
                        int n) {
  const char *r = rdpneg_tls_offered_name(a->tls_min, a->tls_max);
  rdpneg_sb_printf(b, "ladder   connection %d of %d: %s%s%s, %s port %u%s%s\n",
                   i + 1, n, a->purpose[0] ? a->purpose : "primary",
                   r && strcmp(a->purpose, "primary") ? ", " : "",
                   r && strcmp(a->purpose, "primary") ? r : "", a->host,
                   a->port, a->address[0] ? " address " : "", a->address);
  rdpneg_sb_printf(b, "  %9s  client        server\n", "ms");
  const rdpneg_msglog *l = a->msgs;
  for (int k = 0; k < l->n && k < RDPNEG_MSGLOG_MAX; k++) {
    const rdpneg_msg *m = &l->m[k];
    const char *arrow = m->dir == RDPNEG_MSG_C2S
                            ? (m->event ? "|- - - - - ->|" : "|------------>|")
                            : (m->event ? "|<- - - - - -|" : "|<------------|");
    rdpneg_sb_printf(b, "  %9.1f  %s  %s", (double)m->t_us / 1e3, arrow,
                     m->name);
    if (!m->event)
      rdpneg_sb_printf(b, "  %u B", (unsigned)m->bytes);
    rdpneg_sb_put(b, "\n");
  }
  if (l->dropped)
    rdpneg_sb_printf(b, "  %9s  |     ...     |  %d more not kept\n", "",
                     l->dropped);
  char why[300];
  int64_t t;
  int failed = rdpneg_ladder_stop(a, why, sizeof why, &t);
  rdpneg_sb_printf(b, "  %9.1f  |%s|  %s\n", (double)t / 1e3,
                   failed ? "      X      " : "=============", why);
}

RDPNEG_EXTERN int rdpneg_evidence_ladder(const rdpneg_evidence *ev, char **pout,
                                         size_t *plen) {
  if (!ev || !pout || ev->nattempts < 1)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_sb b = {0};
  for (int i = 0; i < ev->nattempts; i++)
    text_ladder(&b, &ev->att[i], i, ev->nattempts);
  return rdpneg_sb_take(&b, pout, plen);
}
