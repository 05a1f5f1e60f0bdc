/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-scan's run (see scan.h): the targets go to a librdpneg-uv batch
 * (rdpneg_batch.h), which runs the probe plans on its own loop threads
 * with the concurrency, per-listener, rate and thread settings; this file
 * is only the command's glue around it.
 *
 * Threads: the main thread runs a small libuv loop with the signal
 * handles, the progress timer and an async handle. Writer threads (one
 * per loop thread, so that diagnosing and formatting the documents is
 * spread as the probes are) take the results (rdpneg_batch_next) in
 * completion order, diagnose each (with --taxonomy and --reported), write
 * its document as one JSON line and count it; the last one to see the end
 * of the batch pokes the async handle. The writers also feed the batch:
 * it holds at most 4 x concurrency + 1024 targets not yet taken back as
 * results, so its memory does not grow with the target list (the batch
 * also keeps a small record per listener seen). The feeding is under
 * |feed_mu|, the counters under |mu|, standard output and the progress
 * line under |out_mu|; none is taken while |out_mu| is held, and |mu| is
 * never held while another is taken.
 *
 * Ctrl-C (or SIGTERM, or standard output closing) cancels the batch: no
 * new probe starts, those in flight end at once and their documents
 * (marked cancelled) are still written; a second Ctrl-C exits at once. */
#include "scan.h"
#include "scan_json.h"

#include <rdpneg/rdpneg_batch.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RESULTS_AHEAD 256 /* results not yet written at which none starts */

typedef struct scan {
  const scan_params *p;
  rdpneg_batch *b;
  size_t *tindex;     /* batch index -> target index */
  uv_mutex_t feed_mu; /* next, nadded, fed_all */
  size_t next;        /* the next target to add */
  int64_t nadded;     /* targets the batch accepted */
  int fed_all;        /* the batch's input has ended */
  int64_t window;     /* targets added and not yet taken, at most */
  uv_mutex_t mu;      /* st, nwriters */
  uv_mutex_t out_mu;  /* stdout, the progress line */
  scan_stats st;
  uv_thread_t *writers;
  int nwriters; /* running (under mu) */
  int nstarted; /* started */
  uv_loop_t loop;
  uv_async_t ended;
  uv_signal_t sigint, sigterm;
  uv_timer_t progress;
  int progress_shown, stdout_tty, interrupts;
  uint64_t t0;
} scan;

static void clear_progress_locked(scan *s) {
  if (s->progress_shown) {
    fputs("\r\033[K", stderr);
    fflush(stderr);
    s->progress_shown = 0;
  }
}

/* Stops starting probes and cancels those in flight (any thread). */
static void request_stop(scan *s) {
  uv_mutex_lock(&s->mu);
  s->st.interrupted = 1;
  uv_mutex_unlock(&s->mu);
  rdpneg_batch_cancel(s->b);
}

static void emit_line(scan *s, const char *line, size_t len) {
  int broken = 0;
  uv_mutex_lock(&s->out_mu);
  if (s->stdout_tty)
    clear_progress_locked(s);
  if (fwrite(line, 1, len, stdout) != len || fputc('\n', stdout) == EOF ||
      fflush(stdout) != 0)
    broken = 1;
  uv_mutex_unlock(&s->out_mu);
  if (broken)
    request_stop(s); /* stdout closed (a reader went away): stop */
}

/* Writes one result's document and counts it. */
static void write_result(scan *s, rdpneg_batch_result *r) {
  const rdpneg_evidence *ev = rdpneg_batch_result_evidence(r);
  int status = rdpneg_batch_result_status(r);
  int64_t bi = rdpneg_batch_result_index(r);
  size_t idx = s->tindex[bi];
  int verdict = RDPNEG_VERDICT_UNKNOWN, rv = status;
  char cause[48] = "";
  rdpneg_diagnosis *d = NULL;
  char *json = NULL;
  size_t len = 0;
  if (ev) {
    rv = rdpneg_diagnose(ev, s->p->tax, s->p->reported, &d);
    if (rv == 0)
      rv = rdpneg_evidence_json(ev, d, &json, &len);
  }
  if (ev && rv == 0) {
    /* one document per line: the library pretty-prints */
    len = sj_minify(json, len, json);
    emit_line(s, json, len);
    verdict = (int)rdpneg_diagnosis_verdict(d);
    if (verdict != RDPNEG_VERDICT_HEALTHY && rdpneg_diagnosis_count(d) > 0)
      snprintf(cause, sizeof cause, "%s", rdpneg_diagnosis_cause(d, 0));
  } else {
    fprintf(stderr, "rdpneg-scan: %s:%u: %s\n", rdpneg_batch_result_host(r),
            rdpneg_batch_result_port(r), rdpneg_strerror(rv ? rv : status));
  }
  uv_mutex_lock(&s->mu);
  s->st.done++;
  if (!ev || rv != 0) {
    s->st.errors++;
  } else {
    s->st.by_verdict[verdict]++;
    if (status == RDPNEG_ERR_CANCELLED) /* what it saw before it was cut */
      s->st.cancelled++;
    else if (cause[0])
      scan_count_cause(&s->st, cause);
    if (s->p->html) /* kept for the fleet page (scan_report.c) */
      scan_keep_doc(&s->st, idx, json, len);
  }
  uv_mutex_unlock(&s->mu);
  rdpneg_free(json);
  rdpneg_diagnosis_free(d);
}

/* Adds targets while the batch holds fewer than the window, and ends
 * its input after the last (any thread). A target the batch refuses is
 * counted as an error. */
static void feed(scan *s) {
  const scan_targets *tg = s->p->targets;
  uv_mutex_lock(&s->feed_mu);
  int64_t room = s->fed_all
                     ? 0
                     : s->window - s->nadded +
                           rdpneg_batch_count(s->b, RDPNEG_BATCH_DELIVERED);
  while (!s->fed_all && room > 0) {
    if (s->next == tg->n) {
      s->fed_all = 1;
      rdpneg_batch_end_input(s->b); /* on failure the batch is cancelled */
      break;
    }
    char spec[600];
    const scan_target *t = &tg->v[s->next++];
    snprintf(spec, sizeof spec, strchr(t->host, ':') ? "[%s]:%u" : "%s:%u",
             t->host, t->port);
    int rv = rdpneg_batch_add(s->b, spec);
    if (rv == RDPNEG_ERR_CANCELLED) { /* Ctrl-C: nothing more starts */
      s->fed_all = 1;
      break;
    }
    if (rv != 0) {
      fprintf(stderr, "rdpneg-scan: %s: %s\n", spec, rdpneg_strerror(rv));
      uv_mutex_lock(&s->mu);
      s->st.errors++;
      uv_mutex_unlock(&s->mu);
      continue;
    }
    s->tindex[s->nadded++] = s->next - 1;
    room--;
  }
  uv_mutex_unlock(&s->feed_mu);
}

static void writer_main(void *arg) {
  scan *s = arg;
  rdpneg_batch_result *r;
  /* whoever takes a result feeds the batch after it, so a writer never
   * waits on a batch that holds nothing while its input is open */
  for (;;) {
    feed(s);
    if (rdpneg_batch_next(s->b, -1, &r) != RDPNEG_BATCH_RESULT)
      break;
    write_result(s, r);
    rdpneg_batch_result_free(r);
  }
  uv_mutex_lock(&s->mu);
  int last = --s->nwriters == 0;
  uv_mutex_unlock(&s->mu);
  if (last)
    uv_async_send(&s->ended);
}

/* ---- main loop ---- */

static void snapshot(scan *s, scan_stats *out) {
  uv_mutex_lock(&s->mu);
  *out = s->st;
  uv_mutex_unlock(&s->mu);
  out->causes = NULL; /* not needed for the progress line */
  out->ncauses = 0;
  out->docs = NULL;
  out->ndocs = 0;
  out->started = (size_t)rdpneg_batch_count(s->b, RDPNEG_BATCH_STARTED);
  out->inflight = (size_t)rdpneg_batch_count(s->b, RDPNEG_BATCH_INFLIGHT);
  out->elapsed_s = (double)(uv_hrtime() - s->t0) * 1e-9;
}

static void on_progress(uv_timer_t *t) {
  scan *s = t->data;
  scan_stats st;
  char line[256];
  snapshot(s, &st);
  scan_progress_line(&st, line, sizeof line);
  /* a writer blocked on a full pipe holds the lock: skip this update (the
   * main loop must stay free for the signals) */
  if (uv_mutex_trylock(&s->out_mu) != 0)
    return;
  fprintf(stderr, "\r\033[K%s", line);
  fflush(stderr);
  s->progress_shown = 1;
  uv_mutex_unlock(&s->out_mu);
}

static void on_signal(uv_signal_t *h, int signum) {
  scan *s = h->data;
  /* the output lock only when free: the writer may be blocked on a full
   * pipe, and then a second Ctrl-C must still get through */
  int locked = uv_mutex_trylock(&s->out_mu) == 0;
  if (locked)
    clear_progress_locked(s);
  if (s->interrupts++ > 0) {
    fprintf(stderr, "\nrdpneg-scan: interrupted again: exiting now\n");
    _exit(130);
  }
  if (!s->p->quiet)
    fprintf(stderr,
            "rdpneg-scan: %s: cancelling the probes in flight (again to "
            "exit at once)\n",
            signum == SIGINT ? "interrupted" : "terminated");
  if (locked)
    uv_mutex_unlock(&s->out_mu);
  request_stop(s);
}

static void on_ended(uv_async_t *a) {
  scan *s = a->data;
  uv_close((uv_handle_t *)&s->ended, NULL);
  uv_close((uv_handle_t *)&s->sigint, NULL);
  uv_close((uv_handle_t *)&s->sigterm, NULL);
  uv_close((uv_handle_t *)&s->progress, NULL);
}

/* The batch with the scan's settings; 0 or -1 (with a message). */
static int setup_batch(scan *s) {
  const scan_params *p = s->p;
  if (rdpneg_batch_new(&s->b, p->cfg) != 0 ||
      rdpneg_batch_set(s->b, RDPNEG_BATCH_CONCURRENCY, p->concurrency) != 0 ||
      rdpneg_batch_set(s->b, RDPNEG_BATCH_PER_LISTENER, p->per_target) != 0 ||
      rdpneg_batch_set(s->b, RDPNEG_BATCH_RATE,
                       p->rate > 1e6 ? 1000000 : (int64_t)p->rate) != 0 ||
      rdpneg_batch_set(s->b, RDPNEG_BATCH_THREADS, p->threads) != 0 ||
      /* documents cost more than cheap probes (a closed port): the
       * writers then lag, and each result waiting holds its evidence */
      rdpneg_batch_set(s->b, RDPNEG_BATCH_RESULTS_AHEAD, RESULTS_AHEAD) != 0) {
    fprintf(stderr, "rdpneg-scan: cannot set up the batch\n");
    return -1;
  }
  /* in flight, waiting on a listener, and results not yet taken: the
   * batch holds back starts at 2 x concurrency of the last two */
  s->window = 4 * (int64_t)p->concurrency + 1024;
  feed(s);
  return 0;
}

/* Starts the writers; 0, or -1 when none started. */
static int start_writers(scan *s) {
  s->writers = calloc((size_t)s->p->threads, sizeof *s->writers);
  if (!s->writers)
    return -1;
  for (int i = 0; i < s->p->threads; i++) {
    uv_mutex_lock(&s->mu);
    s->nwriters++;
    uv_mutex_unlock(&s->mu);
    if (uv_thread_create(&s->writers[i], writer_main, s) != 0) {
      uv_mutex_lock(&s->mu);
      s->nwriters--;
      uv_mutex_unlock(&s->mu);
      break;
    }
    s->nstarted = i + 1;
  }
  return s->nstarted > 0 ? 0 : -1;
}

int scan_run(const scan_params *p) {
  scan *s = calloc(1, sizeof *s);
  size_t n = p->targets->n;
  if (!s || !(s->tindex = calloc(n ? n : 1, sizeof *s->tindex))) {
    fprintf(stderr, "rdpneg-scan: out of memory\n");
    free(s);
    return 3;
  }
  s->p = p;
  s->st.total = n;
  uv_mutex_init(&s->feed_mu);
  uv_mutex_init(&s->mu);
  uv_mutex_init(&s->out_mu);
  s->t0 = uv_hrtime();
  s->stdout_tty = uv_guess_handle(1) == UV_TTY;
  int ok = 1;
  if (n > 0) {
    uv_loop_init(&s->loop);
    uv_async_init(&s->loop, &s->ended, on_ended);
    s->ended.data = s;
    uv_signal_init(&s->loop, &s->sigint);
    uv_signal_init(&s->loop, &s->sigterm);
    s->sigint.data = s->sigterm.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_timer_init(&s->loop, &s->progress);
    s->progress.data = s;
    if (!p->quiet && uv_guess_handle(2) == UV_TTY)
      uv_timer_start(&s->progress, on_progress, 250, 250);
    ok = setup_batch(s) == 0 && start_writers(s) == 0;
    if (!ok) {
      rdpneg_batch_cancel(s->b);
      on_ended(&s->ended);
    }
    uv_run(&s->loop, UV_RUN_DEFAULT);
    for (int i = 0; i < s->nstarted; i++)
      uv_thread_join(&s->writers[i]);
    uv_loop_close(&s->loop);
    if (s->b)
      s->st.started = (size_t)rdpneg_batch_count(s->b, RDPNEG_BATCH_STARTED);
    rdpneg_batch_free(s->b);
  }
  uv_mutex_lock(&s->out_mu);
  clear_progress_locked(s);
  uv_mutex_unlock(&s->out_mu);
  if (!ok)
    s->st.interrupted = 1;
  s->st.elapsed_s = (double)(uv_hrtime() - s->t0) * 1e-9;
  if (!p->quiet)
    scan_summary(&s->st, p, stderr);
  /* exit code: the worst verdict; a scan that did not finish is unknown */
  int code = 0;
  for (int v = 0; v < 4; v++)
    if (s->st.by_verdict[v])
      code = v;
  if (s->st.errors || s->st.started < s->st.total)
    code = 3;
  if (p->html && scan_write_html(&s->st, p) != 0)
    code = 3;
  uv_mutex_destroy(&s->feed_mu);
  uv_mutex_destroy(&s->mu);
  uv_mutex_destroy(&s->out_mu);
  free(s->writers);
  free(s->st.causes);
  scan_docs_free(&s->st);
  free(s->tindex);
  free(s);
  return code;
}
