/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-scan's progress line and summary (see scan.h). */
#include "probe_opts.h"
#include "scan.h"

#include <rdpneg/rdpneg_report.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[4] = {"healthy", "degraded", "failing",
                                             "unknown"};

int scan_count_cause(scan_stats *st, const char *cause) {
  for (size_t i = 0; i < st->ncauses; i++) {
    if (strcmp(st->causes[i].name, cause) == 0) {
      st->causes[i].n++;
      return 0;
    }
  }
  if (st->ncauses == st->ccap) {
    size_t cap = st->ccap ? st->ccap * 2 : 16;
    scan_cause *nc = realloc(st->causes, cap * sizeof *nc);
    if (!nc)
      return -1;
    st->causes = nc;
    st->ccap = cap;
  }
  scan_cause *c = &st->causes[st->ncauses++];
  snprintf(c->name, sizeof c->name, "%s", cause);
  c->n = 1;
  return 0;
}

static void fmt_duration(double s, char *buf, size_t cap) {
  if (s < 0 || s > 1e7)
    snprintf(buf, cap, "?");
  else if (s < 60)
    snprintf(buf, cap, "%.0fs", s);
  else if (s < 3600)
    snprintf(buf, cap, "%dm%02ds", (int)s / 60, (int)s % 60);
  else
    snprintf(buf, cap, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

void scan_progress_line(const scan_stats *st, char *buf, size_t cap) {
  double rate = st->elapsed_s > 0 ? (double)st->done / st->elapsed_s : 0;
  char eta[32];
  if (rate > 0)
    fmt_duration((double)(st->total - st->done) / rate, eta, sizeof eta);
  else
    snprintf(eta, sizeof eta, "?");
  snprintf(buf, cap,
           "%zu/%zu done, %zu in flight, %.1f/s, ETA %s | healthy %zu, "
           "degraded %zu, failing %zu, unknown %zu",
           st->done, st->total, st->inflight, rate, eta, st->by_verdict[0],
           st->by_verdict[1], st->by_verdict[2], st->by_verdict[3]);
}

static int by_count(const void *a, const void *b) {
  const scan_cause *x = a, *y = b;
  if (x->n != y->n)
    return x->n < y->n ? 1 : -1;
  return strcmp(x->name, y->name);
}

void scan_summary(const scan_stats *st, const scan_params *p, FILE *f) {
  double rate = st->elapsed_s > 0 ? (double)st->done / st->elapsed_s : 0;
  fprintf(f, "rdpneg-scan: %zu of %zu targets probed in %.1f s (%.1f/s)%s\n",
          st->done, st->total, st->elapsed_s, rate,
          st->interrupted ? ", interrupted" : "");
  fprintf(f, "  %-28s %8s\n", "verdict", "targets");
  for (int v = 0; v < 4; v++)
    fprintf(f, "  %-28s %8zu\n", verdict_names[v], st->by_verdict[v]);
  if (st->ncauses) {
    scan_cause *sorted = malloc(st->ncauses * sizeof *sorted);
    if (sorted) {
      memcpy(sorted, st->causes, st->ncauses * sizeof *sorted);
      qsort(sorted, st->ncauses, sizeof *sorted, by_count);
      fprintf(f, "  %-28s %8s\n", "first cause", "targets");
      for (size_t i = 0; i < st->ncauses; i++)
        fprintf(f, "  %-28s %8zu\n", sorted[i].name, sorted[i].n);
      free(sorted);
    }
  }
  char notes[512];
  size_t o = 0;
#define NOTE(...)                                                              \
  do {                                                                         \
    if (o < sizeof notes)                                                      \
      o += (size_t)snprintf(notes + o, sizeof notes - o, "%s", o ? ", " : ""); \
    if (o < sizeof notes)                                                      \
      o += (size_t)snprintf(notes + o, sizeof notes - o, __VA_ARGS__);         \
  } while (0)
  if (p->duplicates)
    NOTE("%zu duplicate%s removed", p->duplicates,
         p->duplicates == 1 ? "" : "s");
  if (p->resumed)
    NOTE("%zu skipped (in the --resume file)", p->resumed);
  if (st->cancelled)
    NOTE("%zu cancelled in flight", st->cancelled);
  if (st->started < st->total)
    NOTE("%zu not started", st->total - st->started);
  if (st->errors)
    NOTE("%zu without a document (see above)", st->errors);
#undef NOTE
  if (o)
    fprintf(f, "  (%s)\n", notes);
}

/* ---- the fleet page (--html) ---- */

void scan_keep_doc(scan_stats *st, size_t idx, const char *json, size_t len) {
  if (st->ndocs == st->dcap) {
    size_t cap = st->dcap ? st->dcap * 2 : 16;
    scan_doc *nd = realloc(st->docs, cap * sizeof *nd);
    if (!nd) {
      st->docs_lost++;
      return;
    }
    st->docs = nd;
    st->dcap = cap;
  }
  char *copy = malloc(len + 1);
  if (!copy) {
    st->docs_lost++;
    return;
  }
  memcpy(copy, json, len);
  copy[len] = 0;
  st->docs[st->ndocs++] = (scan_doc){idx, copy, len};
}

void scan_docs_free(scan_stats *st) {
  for (size_t i = 0; i < st->ndocs; i++)
    free(st->docs[i].json);
  free(st->docs);
  st->docs = NULL;
  st->ndocs = st->dcap = 0;
}

static int by_target(const void *a, const void *b) {
  const scan_doc *x = a, *y = b;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int scan_write_html(const scan_stats *st, const scan_params *p) {
  if (st->docs_lost || st->ndocs == 0 || st->ndocs > 1000000) {
    fprintf(stderr, "rdpneg-scan: --html: %s\n",
            st->ndocs ? "out of memory keeping the documents"
                      : "no document to report");
    return -1;
  }
  size_t n = st->ndocs;
  qsort(st->docs, n, sizeof *st->docs, by_target);
  rdpneg_evidence **ev = calloc(n, sizeof *ev);
  rdpneg_diagnosis **d = calloc(n, sizeof *d);
  int rv = ev && d ? 0 : RDPNEG_ERR_NOMEM;
  char err[256] = "";
  for (size_t i = 0; !rv && i < n; i++) {
    rv = rdpneg_evidence_parse(st->docs[i].json, st->docs[i].len, &ev[i], err,
                               sizeof err);
    if (!rv)
      rv = rdpneg_diagnose(ev[i], p->tax, p->reported, &d[i]);
  }
  char *html = NULL;
  size_t len = 0;
  if (!rv)
    rv = rdpneg_fleet_html((const rdpneg_evidence *const *)ev,
                           (const rdpneg_diagnosis *const *)d, (int)n,
                           "RDP fleet report (rdpneg-scan)", &html, &len);
  if (rv)
    fprintf(stderr, "rdpneg-scan: --html: %s%s%s\n", rdpneg_strerror(rv),
            err[0] ? ": " : "", err);
  else
    rv = probe_write_file("rdpneg-scan", p->html, html, len);
  rdpneg_free(html);
  for (size_t i = 0; i < n; i++) {
    if (d)
      rdpneg_diagnosis_free(d[i]);
    if (ev)
      rdpneg_evidence_free(ev[i]);
  }
  free(d);
  free(ev);
  return rv ? -1 : 0;
}
