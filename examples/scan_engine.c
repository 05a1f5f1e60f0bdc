/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-scan's engine (see scan.h).
 *
 * Threads: the main thread runs a small loop with the signal handles, the
 * progress timer and an async handle the workers poke when they end. Each
 * worker runs its own uv loop. Shared state (the target queue, the
 * listeners, the counters) is under one mutex, standard output and the
 * progress line under another; the first is never taken while the second
 * is held.
 *
 * Scheduling: a worker pumps (takes targets while it is under its share of
 * the concurrency, the scan under the total and the rate allows) after
 * every completion. A target whose host is a name is resolved first (one
 * slot while it resolves) to learn its listeners. A target one of whose
 * listeners is at --per-target waits on that listener; when a plan of the
 * listener ends, the first waiting target moves to the ready list, which
 * is served before the queue. The worker that moved it pumps next, so a
 * worker whose loop has nothing left may end: whatever remains is
 * reachable from a plan still running elsewhere. */
#include "scan.h"
#include "scan_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <unistd.h>
#endif

#define MAX_ADDRS 8

typedef struct listener listener;
struct listener {
  listener *next; /* hash chain */
  int inflight;
  size_t *wait; /* FIFO of target indexes */
  size_t whead, wlen, wcap;
  uint16_t port;
  char addr[48];
};

typedef struct tstate {
  listener *l[MAX_ADDRS];
  unsigned char nl;
  unsigned char known; /* listeners known: a literal, or a name resolved */
} tstate;

typedef struct scan scan;
typedef struct worker worker;
typedef struct item item;

struct item {
  worker *w;
  size_t idx;
  rdpneg_uv_run *run; /* NULL while the name resolves */
  uv_getaddrinfo_t gai;
  item *prev, *next;
};

struct worker {
  scan *s;
  uv_loop_t loop;
  uv_async_t wake;
  uv_timer_t rate_timer;
  uv_thread_t thread;
  rdpneg_config *cfg;
  int local, cap; /* in flight on this loop, and its share */
  int finished;   /* under s->mu */
  int stopped;    /* loop thread only */
  item *items;    /* in flight on this loop */
};

struct scan {
  const scan_params *p;
  uv_mutex_t mu;     /* everything below except the output */
  uv_mutex_t out_mu; /* stdout, the progress line */
  tstate *ts;
  size_t next;        /* queue position in p->targets */
  size_t *ready;      /* ring of target indexes */
  size_t rhead, rlen; /* ... capacity targets->n */
  listener **buckets;
  size_t nbuckets;
  size_t waiting;
  double tokens;
  uint64_t refill_ns;
  int stopping;
  scan_stats st;
  worker *w;
  int nfinished;
  /* main loop */
  uv_loop_t mloop;
  uv_async_t mwake;
  uv_signal_t sigint, sigterm;
  uv_timer_t progress;
  int progress_on, progress_shown, stdout_tty, interrupts;
  uint64_t t0;
};

/* ---- listeners ---- */

static listener *listener_get(scan *s, const char *addr, uint16_t port) {
  uint64_t h = 1469598103934665603ull;
  for (const char *c = addr; *c; c++)
    h = (h ^ (unsigned char)*c) * 1099511628211ull;
  h ^= port;
  listener **b = &s->buckets[h & (s->nbuckets - 1)];
  for (listener *l = *b; l; l = l->next)
    if (l->port == port && strcmp(l->addr, addr) == 0)
      return l;
  listener *l = calloc(1, sizeof *l);
  if (!l)
    return NULL;
  snprintf(l->addr, sizeof l->addr, "%s", addr);
  l->port = port;
  l->next = *b;
  *b = l;
  return l;
}

static int wait_push(listener *l, size_t idx) {
  if (l->wlen == l->wcap) {
    size_t cap = l->wcap ? l->wcap * 2 : 8;
    size_t *nw = malloc(cap * sizeof *nw);
    if (!nw)
      return -1;
    for (size_t i = 0; i < l->wlen; i++)
      nw[i] = l->wait[(l->whead + i) % l->wcap];
    free(l->wait);
    l->wait = nw;
    l->wcap = cap;
    l->whead = 0;
  }
  l->wait[(l->whead + l->wlen++) % l->wcap] = idx;
  return 0;
}

/* Adds a listener to a target's set (once). */
static void tstate_add(tstate *t, listener *l) {
  if (!l || t->nl >= MAX_ADDRS)
    return;
  for (int k = 0; k < t->nl; k++)
    if (t->l[k] == l)
      return;
  t->l[t->nl++] = l;
}

/* The listener key of an address: IPv4-mapped IPv6 is the IPv4 listener. */
static const char *addr_key(const char *a) {
  if (strncmp(a, "::ffff:", 7) == 0 && strchr(a + 7, '.'))
    return a + 7;
  return a;
}

/* ---- ready list (a ring with room for every target) ---- */

static void ready_push_back(scan *s, size_t idx) {
  size_t n = s->p->targets->n;
  s->ready[(s->rhead + s->rlen++) % n] = idx;
}

static void ready_push_front(scan *s, size_t idx) {
  size_t n = s->p->targets->n;
  s->rhead = (s->rhead + n - 1) % n;
  s->ready[s->rhead] = idx;
  s->rlen++;
}

/* ---- output ---- */

static void clear_progress_locked(scan *s) {
  if (s->progress_shown) {
    fputs("\r\033[K", stderr);
    fflush(stderr);
    s->progress_shown = 0;
  }
}

static void request_stop(scan *s);

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

/* ---- workers ---- */

static void pump(worker *w);

static void item_unlink(worker *w, item *it) {
  if (it->prev)
    it->prev->next = it->next;
  else
    w->items = it->next;
  if (it->next)
    it->next->prev = it->prev;
}

/* A plan ended (document written or not): frees its listeners' slots,
 * counts the result and moves waiting targets to the ready list. */
static void plan_finished(worker *w, size_t idx, int verdict, const char *cause,
                          int cancelled, int error) {
  scan *s = w->s;
  uv_mutex_lock(&s->mu);
  tstate *t = &s->ts[idx];
  for (int k = 0; k < t->nl; k++) {
    listener *l = t->l[k];
    l->inflight--;
    if (l->wlen) {
      ready_push_back(s, l->wait[l->whead]);
      l->whead = (l->whead + 1) % l->wcap;
      l->wlen--;
      s->waiting--;
    }
  }
  s->st.inflight--;
  w->local--;
  s->st.done++;
  if (error) {
    s->st.errors++;
  } else {
    s->st.by_verdict[verdict]++;
    if (cancelled) /* its findings are what it saw before it was cut */
      s->st.cancelled++;
    else if (cause && cause[0])
      scan_count_cause(&s->st, cause);
  }
  uv_mutex_unlock(&s->mu);
}

static void on_run_done(rdpneg_uv_run *run, rdpneg_evidence *ev, int status,
                        void *ud) {
  item *it = ud;
  worker *w = it->w;
  scan *s = w->s;
  const scan_target *tg = &s->p->targets->v[it->idx];
  int verdict = RDPNEG_VERDICT_UNKNOWN, error = 1;
  char cause[48] = "";
  if (ev) {
    rdpneg_diagnosis *d = NULL;
    char *json = NULL;
    size_t len = 0;
    int rv = rdpneg_diagnose(ev, s->p->tax, s->p->reported, &d);
    if (rv == 0)
      rv = rdpneg_evidence_json(ev, d, &json, &len);
    if (rv == 0) {
      /* one document per line: the library pretty-prints */
      len = sj_minify(json, len, json);
      emit_line(s, json, len);
      if (s->p->html) { /* kept for the fleet page (scan_report.c) */
        uv_mutex_lock(&s->mu);
        scan_keep_doc(&s->st, it->idx, json, len);
        uv_mutex_unlock(&s->mu);
      }
      verdict = (int)rdpneg_diagnosis_verdict(d);
      if (verdict != RDPNEG_VERDICT_HEALTHY && rdpneg_diagnosis_count(d) > 0)
        snprintf(cause, sizeof cause, "%s", rdpneg_diagnosis_cause(d, 0));
      error = 0;
    } else {
      fprintf(stderr, "rdpneg-scan: %s:%u: %s\n", tg->host, tg->port,
              rdpneg_strerror(rv));
    }
    rdpneg_free(json);
    rdpneg_diagnosis_free(d);
    rdpneg_evidence_free(ev);
  } else {
    fprintf(stderr, "rdpneg-scan: %s:%u: %s\n", tg->host, tg->port,
            rdpneg_strerror(status));
  }
  (void)run;
  item_unlink(w, it);
  plan_finished(w, it->idx, verdict, cause, status == RDPNEG_ERR_CANCELLED,
                error);
  free(it);
  pump(w);
}

static void on_resolved(uv_getaddrinfo_t *req, int status,
                        struct addrinfo *res) {
  item *it = req->data;
  worker *w = it->w;
  scan *s = w->s;
  char addrs[MAX_ADDRS][48];
  int na = 0;
  for (struct addrinfo *ai = status == 0 ? res : NULL; ai && na < MAX_ADDRS;
       ai = ai->ai_next) {
    int r = -1;
    if (ai->ai_family == AF_INET)
      r = uv_ip4_name((struct sockaddr_in *)ai->ai_addr, addrs[na], 48);
    else if (ai->ai_family == AF_INET6)
      r = uv_ip6_name((struct sockaddr_in6 *)ai->ai_addr, addrs[na], 48);
    if (r == 0)
      na++;
  }
  uv_freeaddrinfo(res);
  uv_mutex_lock(&s->mu);
  s->st.inflight--;
  w->local--;
  tstate *t = &s->ts[it->idx];
  uint16_t port = s->p->targets->v[it->idx].port;
  for (int k = 0; k < na; k++)
    tstate_add(t, listener_get(s, addr_key(addrs[k]), port));
  /* a name that does not resolve is probed all the same: its document
   * says DNS_FAILURE */
  t->known = 1;
  if (!s->stopping && status != UV_ECANCELED)
    ready_push_front(s, it->idx);
  uv_mutex_unlock(&s->mu);
  item_unlink(w, it);
  free(it);
  pump(w);
}

static item *item_new(worker *w, size_t idx) {
  item *it = calloc(1, sizeof *it);
  if (!it)
    return NULL;
  it->w = w;
  it->idx = idx;
  it->next = w->items;
  if (w->items)
    w->items->prev = it;
  w->items = it;
  return it;
}

/* Starts resolving a target's name; -1 when it could not start (the
 * target then goes back to the ready list without a listener limit). */
static int start_resolve(worker *w, size_t idx) {
  scan *s = w->s;
  item *it = item_new(w, idx);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC; /* as the driver resolves */
  hints.ai_socktype = SOCK_STREAM;
  if (it) {
    it->gai.data = it;
    if (uv_getaddrinfo(&w->loop, &it->gai, on_resolved,
                       s->p->targets->v[idx].host, NULL, &hints) == 0)
      return 0;
    item_unlink(w, it);
    free(it);
  }
  /* could not resolve here: probe it without a listener limit */
  uv_mutex_lock(&s->mu);
  s->st.inflight--;
  w->local--;
  s->ts[idx].known = 1;
  ready_push_front(s, idx);
  uv_mutex_unlock(&s->mu);
  return -1;
}

/* Starts a target's plan; -1 when it could not start (counted as an
 * error, its slots freed). */
static int start_run(worker *w, size_t idx) {
  scan *s = w->s;
  const scan_target *tg = &s->p->targets->v[idx];
  item *it = item_new(w, idx);
  int rv = RDPNEG_ERR_NOMEM;
  if (it) {
    rv = rdpneg_uv_run_start(&it->run, &w->loop, w->cfg, tg->host, tg->port,
                             on_run_done, it);
    if (rv == 0)
      return 0;
    item_unlink(w, it);
    free(it);
  }
  fprintf(stderr, "rdpneg-scan: %s:%u: %s\n", tg->host, tg->port,
          rdpneg_strerror(rv));
  plan_finished(w, idx, RDPNEG_VERDICT_UNKNOWN, NULL, 0, 1);
  return -1;
}

static void on_rate(uv_timer_t *t) {
  pump(t->data);
}

/* Takes the head of the ready list or of the queue. */
static void take(scan *s, int from_ready) {
  if (from_ready) {
    s->rhead = (s->rhead + 1) % s->p->targets->n;
    s->rlen--;
  } else {
    s->next++;
  }
}

static void pump(worker *w) {
  scan *s = w->s;
  const scan_params *p = s->p;
  for (;;) {
    size_t batch[64];
    int kind[64], nb = 0;
    uint64_t wait_ns = 0;
    uv_mutex_lock(&s->mu);
    while (nb < 64 && !s->stopping && w->local < w->cap &&
           s->st.inflight < (size_t)p->concurrency) {
      size_t idx;
      int from_ready = s->rlen > 0;
      if (from_ready)
        idx = s->ready[s->rhead];
      else if (s->next < p->targets->n)
        idx = s->next;
      else
        break;
      tstate *t = &s->ts[idx];
      if (!t->known) { /* a name: resolve it first */
        take(s, from_ready);
        s->st.inflight++;
        w->local++;
        batch[nb] = idx;
        kind[nb++] = 0;
        continue;
      }
      listener *full = NULL;
      for (int k = 0; k < t->nl && !full; k++)
        if (t->l[k]->inflight >= p->per_target)
          full = t->l[k];
      if (full) {
        if (wait_push(full, idx) != 0)
          break; /* no memory: try again after the next completion */
        take(s, from_ready);
        s->waiting++;
        continue;
      }
      if (p->rate > 0) {
        uint64_t now = uv_hrtime();
        double burst = 1 + p->rate / 100; /* 10 ms worth */
        s->tokens += (double)(now - s->refill_ns) * 1e-9 * p->rate;
        if (s->tokens > burst)
          s->tokens = burst;
        s->refill_ns = now;
        if (s->tokens < 1) {
          wait_ns = (uint64_t)((1 - s->tokens) / p->rate * 1e9) + 1;
          break;
        }
        s->tokens -= 1;
      }
      take(s, from_ready);
      for (int k = 0; k < t->nl; k++)
        t->l[k]->inflight++;
      s->st.inflight++;
      s->st.started++;
      w->local++;
      batch[nb] = idx;
      kind[nb++] = 1;
    }
    uv_mutex_unlock(&s->mu);
    int again = 0;
    for (int i = 0; i < nb; i++) {
      if ((kind[i] ? start_run(w, batch[i]) : start_resolve(w, batch[i])) != 0)
        again = 1;
    }
    if (wait_ns && !w->stopped)
      uv_timer_start(&w->rate_timer, on_rate, (wait_ns + 999999) / 1000000, 0);
    if (nb < 64 && !again)
      break;
  }
}

/* The main thread asked to stop: cancel what runs on this loop. */
static void on_wake(uv_async_t *a) {
  worker *w = a->data;
  scan *s = w->s;
  uv_mutex_lock(&s->mu);
  int stop = s->stopping;
  uv_mutex_unlock(&s->mu);
  if (!stop || w->stopped)
    return;
  w->stopped = 1;
  uv_timer_stop(&w->rate_timer);
  for (item *it = w->items, *nx; it; it = nx) {
    nx = it->next;
    if (it->run)
      rdpneg_uv_run_cancel(it->run); /* its document follows, cancelled */
    else
      uv_cancel((uv_req_t *)&it->gai);
  }
}

static void worker_main(void *arg) {
  worker *w = arg;
  scan *s = w->s;
  pump(w);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  uv_mutex_lock(&s->mu);
  w->finished = 1;
  s->nfinished++;
  uv_async_send(&s->mwake); /* under the mutex: mwake is still open */
  uv_mutex_unlock(&s->mu);
  uv_close((uv_handle_t *)&w->wake, NULL);
  uv_close((uv_handle_t *)&w->rate_timer, NULL);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  uv_loop_close(&w->loop);
}

/* Stops starting plans and cancels those in flight (any thread). */
static void request_stop(scan *s) {
  uv_mutex_lock(&s->mu);
  if (!s->stopping) {
    s->stopping = 1;
    s->st.interrupted = 1;
    for (int i = 0; i < s->p->threads; i++)
      if (!s->w[i].finished)
        uv_async_send(&s->w[i].wake);
  }
  uv_mutex_unlock(&s->mu);
}

/* ---- main loop ---- */

static void snapshot(scan *s, scan_stats *out) {
  uv_mutex_lock(&s->mu);
  *out = s->st;
  out->causes = NULL; /* not needed for the progress line */
  out->ncauses = 0;
  uv_mutex_unlock(&s->mu);
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
  /* the output lock only when free: a writer may be blocked on a full
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

static void on_worker_end(uv_async_t *a) {
  scan *s = a->data;
  uv_mutex_lock(&s->mu);
  if (s->nfinished == s->p->threads) {
    uv_close((uv_handle_t *)&s->mwake, NULL);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->progress, NULL);
  }
  uv_mutex_unlock(&s->mu);
}

static int scan_init(scan *s, const scan_params *p) {
  size_t n = p->targets->n;
  memset(s, 0, sizeof *s);
  s->p = p;
  s->st.total = n;
  s->nbuckets = 1024;
  while (s->nbuckets < n && s->nbuckets < ((size_t)1 << 22))
    s->nbuckets *= 2;
  s->ts = calloc(n ? n : 1, sizeof *s->ts);
  s->ready = calloc(n ? n : 1, sizeof *s->ready);
  s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
  s->w = calloc((size_t)p->threads, sizeof *s->w);
  if (!s->ts || !s->ready || !s->buckets || !s->w)
    return -1;
  for (size_t i = 0; i < n; i++) {
    const scan_target *tg = &p->targets->v[i];
    if (!tg->is_name) {
      tstate_add(&s->ts[i], listener_get(s, addr_key(tg->host), tg->port));
      s->ts[i].known = 1;
    }
  }
  s->tokens = 1;
  s->refill_ns = uv_hrtime();
  uv_mutex_init(&s->mu);
  uv_mutex_init(&s->out_mu);
  return 0;
}

static void scan_free(scan *s) {
  for (size_t b = 0; b < s->nbuckets && s->buckets; b++) {
    for (listener *l = s->buckets[b], *nx; l; l = nx) {
      nx = l->next;
      free(l->wait);
      free(l);
    }
  }
  free(s->buckets);
  free(s->ts);
  free(s->ready);
  free(s->w);
  free(s->st.causes);
  scan_docs_free(&s->st);
}

int scan_run(const scan_params *p) {
  scan *s = malloc(sizeof *s);
  int code = 3;
  if (!s || scan_init(s, p) != 0) {
    fprintf(stderr, "rdpneg-scan: out of memory\n");
    if (s)
      scan_free(s);
    free(s);
    return 3;
  }
  s->t0 = uv_hrtime();
  s->stdout_tty = uv_guess_handle(1) == UV_TTY;
  s->progress_on = !p->quiet && uv_guess_handle(2) == UV_TTY;
  if (p->targets->n > 0) {
    uv_loop_init(&s->mloop);
    uv_async_init(&s->mloop, &s->mwake, on_worker_end);
    s->mwake.data = s;
    uv_signal_init(&s->mloop, &s->sigint);
    uv_signal_init(&s->mloop, &s->sigterm);
    s->sigint.data = s->sigterm.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_timer_init(&s->mloop, &s->progress);
    s->progress.data = s;
    if (s->progress_on)
      uv_timer_start(&s->progress, on_progress, 250, 250);
    int share = (p->concurrency + p->threads - 1) / p->threads;
    int nstarted = 0;
    for (int i = 0; i < p->threads; i++) {
      worker *w = &s->w[i];
      w->s = s;
      w->cap = share;
      if (rdpneg_config_clone(p->cfg, &w->cfg) != 0 ||
          uv_loop_init(&w->loop) != 0) {
        fprintf(stderr, "rdpneg-scan: cannot set up loop %d\n", i);
        break;
      }
      uv_async_init(&w->loop, &w->wake, on_wake);
      uv_unref((uv_handle_t *)&w->wake); /* the loop ends without work */
      w->wake.data = w;
      uv_timer_init(&w->loop, &w->rate_timer);
      w->rate_timer.data = w;
      nstarted++;
    }
    if (nstarted < p->threads) {
      /* unwind the loops set up so far: none has run */
      for (int i = 0; i < nstarted; i++) {
        uv_close((uv_handle_t *)&s->w[i].wake, NULL);
        uv_close((uv_handle_t *)&s->w[i].rate_timer, NULL);
        uv_run(&s->w[i].loop, UV_RUN_DEFAULT);
        uv_loop_close(&s->w[i].loop);
      }
      uv_mutex_lock(&s->mu);
      s->nfinished = p->threads;
      uv_mutex_unlock(&s->mu);
      uv_async_send(&s->mwake);
    } else {
      for (int i = 0; i < p->threads; i++)
        uv_thread_create(&s->w[i].thread, worker_main, &s->w[i]);
    }
    uv_run(&s->mloop, UV_RUN_DEFAULT);
    if (nstarted == p->threads)
      for (int i = 0; i < p->threads; i++)
        uv_thread_join(&s->w[i].thread);
    for (int i = 0; i < p->threads; i++)
      rdpneg_config_free(s->w[i].cfg);
    uv_loop_close(&s->mloop);
    if (nstarted < p->threads)
      s->st.interrupted = 1;
  }
  uv_mutex_lock(&s->out_mu);
  clear_progress_locked(s);
  uv_mutex_unlock(&s->out_mu);
  s->st.elapsed_s = (double)(uv_hrtime() - s->t0) * 1e-9;
  if (!p->quiet)
    scan_summary(&s->st, p, stderr);
  /* exit code: the worst verdict; a scan that did not finish is unknown */
  code = 0;
  for (int v = 0; v < 4; v++)
    if (s->st.by_verdict[v])
      code = v;
  if (s->st.errors || s->st.started < s->st.total)
    code = 3;
  if (p->html && scan_write_html(&s->st, p) != 0)
    code = 3;
  uv_mutex_destroy(&s->mu);
  uv_mutex_destroy(&s->out_mu);
  scan_free(s);
  free(s);
  return code;
}
