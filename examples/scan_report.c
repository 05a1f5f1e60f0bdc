/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-scan's progress line and summary (see scan.h). */
#include "scan.h"

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
