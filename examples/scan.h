/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-scan's run: the probe plans of a target list through a
 * librdpneg-uv batch (scan_run.c), with the progress line and the summary
 * (scan_report.c). */
#ifndef RDPNEG_SCAN_H
#define RDPNEG_SCAN_H

#include "scan_targets.h"

#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_uv.h>

typedef struct scan_params {
  const scan_targets *targets;
  const rdpneg_config *cfg;   /* copied by the batch */
  const rdpneg_taxonomy *tax; /* remedy texts, NULL = built-in */
  const char *reported;       /* --reported, NULL = none */
  int concurrency;            /* plans (and name resolutions) in flight */
  int per_target;             /* plans in flight per listener */
  int threads;                /* event loops */
  double rate;                /* plans started per second, 0 = no limit */
  int quiet;                  /* no progress line, no summary */
  size_t duplicates;          /* for the summary */
  size_t resumed;             /* targets skipped by --resume */
  const char *html;           /* --html FILE: the fleet page, or NULL */
} scan_params;

/* Runs the scan: one JSON line per started target on standard output,
 * progress and summary on standard error. Returns the exit code (the worst
 * verdict; 3 when interrupted before every target started). */
int scan_run(const scan_params *p);

/* ---- shared between scan_run.c and scan_report.c ---- */

typedef struct scan_cause {
  char name[48];
  size_t n;
} scan_cause;

/* Counters read by the progress line and the summary. */
typedef struct scan_stats {
  size_t total;    /* targets to probe */
  size_t started;  /* plans started */
  size_t done;     /* documents written (or failed) */
  size_t inflight; /* plans and resolutions in flight */
  size_t by_verdict[4];
  size_t cancelled;   /* documents of cancelled plans */
  size_t errors;      /* plans that gave no document */
  scan_cause *causes; /* first cause of each non-healthy target */
  size_t ncauses, ccap;
  int interrupted;
  double elapsed_s;
  struct scan_doc *docs; /* with --html: every document, for the page */
  size_t ndocs, dcap;
  int docs_lost; /* documents not kept (no memory) */
} scan_stats;

typedef struct scan_doc {
  size_t idx; /* target index: the page lists targets in the given order */
  char *json;
  size_t len;
} scan_doc;

/* Keeps a copy of target |idx|'s document for the HTML page (under the
 * caller's lock). */
void scan_keep_doc(scan_stats *st, size_t idx, const char *json, size_t len);

/* Writes the fleet page of the kept documents to p->html. 0, or -1 with a
 * message on standard error. */
int scan_write_html(const scan_stats *st, const scan_params *p);

void scan_docs_free(scan_stats *st);

/* The progress line (no newline) into |buf|. */
void scan_progress_line(const scan_stats *st, char *buf, size_t cap);

/* Prints the summary on standard error. */
void scan_summary(const scan_stats *st, const scan_params *p, FILE *f);

/* Counts |cause| in |st|; 0 or -1 (no memory). */
int scan_count_cause(scan_stats *st, const char *cause);

#endif
