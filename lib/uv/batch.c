/* SPDX-License-Identifier: Apache-2.0 */
/* Batches of probe plans on the library's own loops (rdpneg_batch.h).
 *
 * Shared state (the queues, the listeners, the results, the counters) is
 * under b->mu. Each loop thread owns its loop, an async handle (poked when
 * targets arrive, a result is taken, or the batch is cancelled or ends) and
 * a rate timer; it starts what the shared state allows (pump) after every
 * event of its own.
 *
 * Scheduling (rdpneg-scan runs on it too): a target whose host is a name is
 * resolved first (one slot while it resolves) to learn its listeners. A
 * target one of whose listeners is full waits on that listener; when a
 * plan of the listener ends, the first waiting target moves to the ready
 * list, which is served before the input queue. Every loop is poked when
 * something becomes startable, so no target waits on a loop that is idle.
 * The batch ends (every loop closes its handles) when the input has ended
 * or the batch was cancelled and nothing is queued, waiting or running. */
#include "uv/batch_int.h"

#include <rdpneg/rdpneg_uv.h>

#include <stdlib.h>
#include <string.h>

#define MAX_ADDRS 8

typedef batch_listener listener; /* batch_listen.c */
typedef struct batch_target target;
typedef struct worker worker;

struct batch_target {
  target *next;          /* the queue or listener wait list it is on */
  target *iprev, *inext; /* the in-flight list of its worker */
  worker *w;             /* while in flight */
  rdpneg_uv_run *run;    /* while the plan runs */
  uv_getaddrinfo_t gai;  /* while the name resolves */
  listener *l[MAX_ADDRS];
  int nl, known, resolving;
  int64_t index;
  uint64_t t0;
  uint16_t port;
  char *spec, *host; /* one allocation: spec '\0' host '\0' */
};

struct worker {
  rdpneg_batch *b;
  uv_loop_t loop;
  uv_async_t wake;
  uv_timer_t rate_timer;
  uv_thread_t thread;
  rdpneg_config *cfg;
  int local, cap; /* in flight on this loop, and its share */
  int closing;    /* loop thread only */
  target *items;  /* in flight on this loop */
};

struct rdpneg_batch {
  uv_mutex_t mu;
  uv_cond_t cv; /* a result queued, or the batch finished */
  rdpneg_config *cfg;
  int64_t concurrency, per_listener, rate, threads, default_port;
  int64_t results_ahead; /* 0: no limit but 2 x concurrency */
  int started, ended, cancelled, finished, nworkers;
  worker *w;
  target *qhead, *qtail; /* input queue */
  target *rhead, *rtail; /* ready list (served first) */
  batch_listeners lt;    /* the listeners queued targets name */
  int64_t waiting, inflight, added, nstarted, queued, delivered, dropped;
  rdpneg_batch_result *reshead, *restail;
  double tokens;
  uint64_t refill_ns;
};

/* ---- small lists ---- */

static void push_back(target **h, target **t, target *x) {
  x->next = NULL;
  if (*t)
    (*t)->next = x;
  else
    *h = x;
  *t = x;
}

static void push_front(target **h, target **t, target *x) {
  x->next = *h;
  *h = x;
  if (!*t)
    *t = x;
}

static target *pop_front(target **h, target **t) {
  target *x = *h;
  if (x) {
    *h = x->next;
    if (!*h)
      *t = NULL;
    x->next = NULL;
  }
  return x;
}

/* ---- listeners ---- */

static void target_add_listener(rdpneg_batch *b, target *t, const char *addr) {
  char key[48];
  if (batch_canon_addr(addr, key) != 0 || t->nl >= MAX_ADDRS)
    return;
  listener *l = batch_listener_ref(&b->lt, key, t->port);
  if (!l)
    return; /* no memory: this address goes unlimited */
  for (int k = 0; k < t->nl; k++) {
    if (t->l[k] == l) {
      batch_listener_unref(&b->lt, l);
      return;
    }
  }
  t->l[t->nl++] = l;
}

/* ---- ending ---- */

static void poke_all_locked(rdpneg_batch *b) {
  if (b->finished)
    return; /* the asyncs may be closing */
  for (int i = 0; i < b->nworkers; i++)
    uv_async_send(&b->w[i].wake);
}

/* Marks the batch finished when nothing is left to run (under b->mu). */
static void check_finished_locked(rdpneg_batch *b) {
  if (b->finished || !(b->ended || b->cancelled) || b->qhead || b->rhead ||
      b->waiting || b->inflight)
    return;
  poke_all_locked(b); /* every loop closes its handles */
  b->finished = 1;
  uv_cond_broadcast(&b->cv);
}

static void target_free(target *t) {
  if (t)
    free(t->spec);
  free(t);
}

/* Frees a target no longer queued, waiting or running, and the listeners
 * it was the last to name (under b->mu). */
static void target_drop_locked(rdpneg_batch *b, target *t) {
  for (int k = 0; k < t->nl; k++)
    batch_listener_unref(&b->lt, t->l[k]);
  target_free(t);
}

/* Drops every target not started (under b->mu). */
static void drop_queued_locked(rdpneg_batch *b) {
  target *t, *dh = NULL, *dt = NULL;
  /* the waiting ones first, off the table they may empty */
  for (size_t i = 0; i < b->lt.nbuckets; i++) {
    for (listener *l = b->lt.buckets[i]; l; l = l->next) {
      while ((t = pop_front(&l->whead, &l->wtail)) != NULL) {
        push_back(&dh, &dt, t);
        b->waiting--;
      }
    }
  }
  while ((t = pop_front(&b->qhead, &b->qtail)) != NULL ||
         (t = pop_front(&b->rhead, &b->rtail)) != NULL ||
         (t = pop_front(&dh, &dt)) != NULL) {
    target_drop_locked(b, t);
    b->dropped++;
  }
}

/* ---- completions ---- */

static void pump(worker *w);

static void item_link(worker *w, target *t) {
  t->w = w;
  t->iprev = NULL;
  t->inext = w->items;
  if (w->items)
    w->items->iprev = t;
  w->items = t;
}

static void item_unlink(worker *w, target *t) {
  if (t->iprev)
    t->iprev->inext = t->inext;
  else
    w->items = t->inext;
  if (t->inext)
    t->inext->iprev = t->iprev;
  t->iprev = t->inext = NULL;
}

/* Queues the result of |t| and frees |t| (its strings move). */
static void finish_target(worker *w, target *t, rdpneg_evidence *ev,
                          int status) {
  rdpneg_batch *b = w->b;
  rdpneg_batch_result *r = calloc(1, sizeof *r);
  item_unlink(w, t);
  uv_mutex_lock(&b->mu);
  for (int k = 0; k < t->nl; k++) {
    listener *l = t->l[k];
    l->inflight--;
    target *nx = pop_front(&l->whead, &l->wtail);
    if (nx) { /* the first waiting target becomes ready */
      b->waiting--;
      push_back(&b->rhead, &b->rtail, nx);
    }
    batch_listener_unref(&b->lt, l);
  }
  t->nl = 0;
  b->inflight--;
  w->local--;
  if (r) {
    r->ev = ev;
    r->status = status;
    r->index = t->index;
    r->t0 = t->t0;
    r->t1 = uv_hrtime();
    r->port = t->port;
    r->spec = t->spec;
    r->host = t->host;
    t->spec = NULL;
    if (b->restail)
      b->restail->next = r;
    else
      b->reshead = r;
    b->restail = r;
    b->queued++;
    uv_cond_signal(&b->cv);
  } else {
    rdpneg_evidence_free(ev); /* no memory for the result: counted lost */
    b->dropped++;
  }
  if (b->rhead)
    poke_all_locked(b);
  check_finished_locked(b);
  uv_mutex_unlock(&b->mu);
  target_free(t);
}

static void on_run_done(rdpneg_uv_run *run, rdpneg_evidence *ev, int status,
                        void *ud) {
  target *t = ud;
  worker *w = t->w;
  (void)run;
  t->run = NULL;
  finish_target(w, t, ev, status);
  pump(w);
}

static void on_resolved(uv_getaddrinfo_t *req, int status,
                        struct addrinfo *res) {
  target *t = req->data;
  worker *w = t->w;
  rdpneg_batch *b = w->b;
  item_unlink(w, t);
  t->resolving = 0;
  uv_mutex_lock(&b->mu);
  int n = 0;
  for (struct addrinfo *ai = status == 0 ? res : NULL; ai && n < MAX_ADDRS;
       ai = ai->ai_next, n++) {
    char a[48];
    int r = -1;
    if (ai->ai_family == AF_INET)
      r = uv_ip4_name((struct sockaddr_in *)ai->ai_addr, a, sizeof a);
    else if (ai->ai_family == AF_INET6)
      r = uv_ip6_name((struct sockaddr_in6 *)ai->ai_addr, a, sizeof a);
    if (r == 0)
      target_add_listener(b, t, a);
  }
  /* a name that does not resolve is probed all the same: its document
   * says DNS_FAILURE */
  t->known = 1;
  b->inflight--;
  w->local--;
  if (b->cancelled) {
    target_drop_locked(b, t);
    b->dropped++;
  } else {
    push_front(&b->rhead, &b->rtail, t);
    poke_all_locked(b);
  }
  check_finished_locked(b);
  uv_mutex_unlock(&b->mu);
  if (res)
    uv_freeaddrinfo(res);
  pump(w);
}

/* ---- starting ---- */

static void start_resolve(worker *w, target *t) {
  rdpneg_batch *b = w->b;
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC; /* as the driver resolves */
  hints.ai_socktype = SOCK_STREAM;
  item_link(w, t);
  t->resolving = 1;
  t->gai.data = t;
  if (uv_getaddrinfo(&w->loop, &t->gai, on_resolved, t->host, NULL, &hints) ==
      0)
    return;
  /* could not resolve here: probe it without a listener limit */
  item_unlink(w, t);
  t->resolving = 0;
  uv_mutex_lock(&b->mu);
  b->inflight--;
  w->local--;
  t->known = 1;
  push_front(&b->rhead, &b->rtail, t);
  uv_mutex_unlock(&b->mu);
}

static void start_run(worker *w, target *t) {
  item_link(w, t);
  t->t0 = uv_hrtime();
  int rv = rdpneg_uv_run_start(&t->run, &w->loop, w->cfg, t->host, t->port,
                               on_run_done, t);
  if (rv != 0) {
    t->run = NULL;
    finish_target(w, t, NULL, rv);
  }
}

static void on_rate(uv_timer_t *tm) {
  pump(tm->data);
}

/* The first target of the ready list or the queue that may start now, or
 * NULL; full listeners take the targets that would exceed them. *|kind|
 * is 0 for a name to resolve, 1 for a plan to start. */
static target *take_locked(rdpneg_batch *b, worker *w, int *kind,
                           uint64_t *wait_ns) {
  while (!b->cancelled && w->local < w->cap && b->inflight < b->concurrency &&
         b->inflight + b->queued < 2 * b->concurrency &&
         (!b->results_ahead || b->queued < b->results_ahead)) {
    int from_ready = b->rhead != NULL;
    target *t = from_ready ? b->rhead : b->qhead;
    if (!t)
      return NULL;
    if (!t->known) {
      pop_front(&b->qhead, &b->qtail);
      *kind = 0;
      return t;
    }
    listener *full = NULL;
    for (int k = 0; k < t->nl && !full; k++)
      if (t->l[k]->inflight >= b->per_listener)
        full = t->l[k];
    if (full) {
      if (from_ready)
        pop_front(&b->rhead, &b->rtail);
      else
        pop_front(&b->qhead, &b->qtail);
      push_back(&full->whead, &full->wtail, t);
      b->waiting++;
      continue;
    }
    if (b->rate > 0) {
      uint64_t now = uv_hrtime();
      double burst = 1 + (double)b->rate / 100; /* 10 ms worth */
      b->tokens += (double)(now - b->refill_ns) * 1e-9 * (double)b->rate;
      if (b->tokens > burst)
        b->tokens = burst;
      b->refill_ns = now;
      if (b->tokens < 1) {
        *wait_ns = (uint64_t)((1 - b->tokens) / (double)b->rate * 1e9) + 1;
        return NULL;
      }
      b->tokens -= 1;
    }
    if (from_ready)
      pop_front(&b->rhead, &b->rtail);
    else
      pop_front(&b->qhead, &b->qtail);
    for (int k = 0; k < t->nl; k++)
      t->l[k]->inflight++;
    b->nstarted++;
    *kind = 1;
    return t;
  }
  return NULL;
}

static void pump(worker *w) {
  rdpneg_batch *b = w->b;
  if (w->closing)
    return;
  for (;;) {
    int kind = 0;
    uint64_t wait_ns = 0;
    uv_mutex_lock(&b->mu);
    target *t = take_locked(b, w, &kind, &wait_ns);
    if (t) {
      b->inflight++;
      w->local++;
    }
    uv_mutex_unlock(&b->mu);
    if (wait_ns)
      uv_timer_start(&w->rate_timer, on_rate, (wait_ns + 999999) / 1000000, 0);
    if (!t)
      return;
    if (kind)
      start_run(w, t);
    else
      start_resolve(w, t);
  }
}

/* Poked: new targets, a result taken, a cancellation or the end. */
static void on_wake(uv_async_t *a) {
  worker *w = a->data;
  rdpneg_batch *b = w->b;
  uv_mutex_lock(&b->mu);
  int cancelled = b->cancelled, finished = b->finished;
  uv_mutex_unlock(&b->mu);
  if (w->closing)
    return;
  if (finished) {
    w->closing = 1;
    uv_timer_stop(&w->rate_timer);
    uv_close((uv_handle_t *)&w->wake, NULL);
    uv_close((uv_handle_t *)&w->rate_timer, NULL);
    return;
  }
  if (cancelled) {
    uv_timer_stop(&w->rate_timer);
    for (target *t = w->items; t; t = t->inext) {
      if (t->run)
        rdpneg_uv_run_cancel(t->run); /* its result follows, cancelled */
      else if (t->resolving)
        uv_cancel((uv_req_t *)&t->gai);
    }
    return;
  }
  pump(w);
}

static void worker_main(void *arg) {
  worker *w = arg;
  uv_run(&w->loop, UV_RUN_DEFAULT);
  uv_loop_close(&w->loop);
}

/* Starts the loop threads (under b->mu); 0 or RDPNEG_ERR_NOMEM. */
static int start_locked(rdpneg_batch *b) {
  if (b->started)
    return b->nworkers > 0 ? 0 : RDPNEG_ERR_NOMEM;
  b->started = 1;
  b->w = calloc((size_t)b->threads, sizeof *b->w);
  if (!b->w)
    return RDPNEG_ERR_NOMEM;
  int64_t share = (b->concurrency + b->threads - 1) / b->threads;
  b->tokens = 1;
  b->refill_ns = uv_hrtime();
  for (int i = 0; i < b->threads; i++) {
    worker *w = &b->w[i];
    w->b = b;
    w->cap = (int)share;
    if (rdpneg_config_clone(b->cfg, &w->cfg) != 0)
      break;
    if (uv_loop_init(&w->loop) != 0) {
      rdpneg_config_free(w->cfg);
      break;
    }
    uv_async_init(&w->loop, &w->wake, on_wake);
    w->wake.data = w;
    uv_timer_init(&w->loop, &w->rate_timer);
    w->rate_timer.data = w;
    if (uv_thread_create(&w->thread, worker_main, w) != 0) {
      uv_close((uv_handle_t *)&w->wake, NULL);
      uv_close((uv_handle_t *)&w->rate_timer, NULL);
      uv_run(&w->loop, UV_RUN_DEFAULT);
      uv_loop_close(&w->loop);
      rdpneg_config_free(w->cfg);
      break;
    }
    b->nworkers++;
  }
  if (b->nworkers == 0)
    return RDPNEG_ERR_NOMEM;
  return 0;
}

/* ---- public ---- */

int rdpneg_batch_new(rdpneg_batch **pb, const rdpneg_config *cfg) {
  if (!pb)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *pb = NULL;
  rdpneg_batch *b = calloc(1, sizeof *b);
  if (!b)
    return RDPNEG_ERR_NOMEM;
  int rv = cfg ? rdpneg_config_clone(cfg, &b->cfg) : rdpneg_config_new(&b->cfg);
  if (rv != 0) {
    free(b);
    return rv;
  }
  if (uv_mutex_init(&b->mu) != 0) {
    rdpneg_config_free(b->cfg);
    free(b);
    return RDPNEG_ERR_NOMEM;
  }
  if (uv_cond_init(&b->cv) != 0) {
    uv_mutex_destroy(&b->mu);
    rdpneg_config_free(b->cfg);
    free(b);
    return RDPNEG_ERR_NOMEM;
  }
  if (batch_listeners_init(&b->lt) != 0) {
    uv_cond_destroy(&b->cv);
    uv_mutex_destroy(&b->mu);
    rdpneg_config_free(b->cfg);
    free(b);
    return RDPNEG_ERR_NOMEM;
  }
  b->concurrency = 256;
  b->per_listener = 2;
  b->threads = 1;
  b->default_port = 3389;
  *pb = b;
  return 0;
}

int rdpneg_batch_set(rdpneg_batch *b, int opt, int64_t value) {
  if (!b)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  int64_t lo = 1, hi = 1000000, *field;
  switch (opt) {
  case RDPNEG_BATCH_CONCURRENCY:
    field = &b->concurrency;
    break;
  case RDPNEG_BATCH_PER_LISTENER:
    field = &b->per_listener;
    break;
  case RDPNEG_BATCH_RATE:
    field = &b->rate;
    lo = 0;
    break;
  case RDPNEG_BATCH_THREADS:
    field = &b->threads;
    hi = 64;
    break;
  case RDPNEG_BATCH_DEFAULT_PORT:
    field = &b->default_port;
    hi = 65535;
    break;
  case RDPNEG_BATCH_RESULTS_AHEAD:
    field = &b->results_ahead;
    lo = 0;
    break;
  default:
    return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  if (value < lo || value > hi)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  uv_mutex_lock(&b->mu);
  int rv = b->started ? RDPNEG_ERR_INVALID_STATE : 0;
  if (rv == 0)
    *field = value;
  uv_mutex_unlock(&b->mu);
  return rv;
}

int rdpneg_batch_add(rdpneg_batch *b, const char *spec) {
  if (!b || !spec)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  uv_mutex_lock(&b->mu);
  uint16_t defport = (uint16_t)b->default_port;
  uv_mutex_unlock(&b->mu);
  target *t = calloc(1, sizeof *t);
  if (!t)
    return RDPNEG_ERR_NOMEM;
  int rv = batch_parse_target(spec, defport, &t->spec, &t->host, &t->port);
  if (rv != 0) {
    free(t);
    return rv;
  }
  uv_mutex_lock(&b->mu);
  if (b->cancelled)
    rv = RDPNEG_ERR_CANCELLED;
  else if (b->ended)
    rv = RDPNEG_ERR_INVALID_STATE;
  else
    rv = start_locked(b);
  if (rv == 0) {
    char key[48];
    if (batch_canon_addr(t->host, key) == 0) {
      target_add_listener(b, t, key);
      t->known = 1;
    }
    t->index = b->added++;
    push_back(&b->qhead, &b->qtail, t);
    poke_all_locked(b);
    t = NULL;
  }
  uv_mutex_unlock(&b->mu);
  target_free(t);
  return rv;
}

int rdpneg_batch_end_input(rdpneg_batch *b) {
  if (!b)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  uv_mutex_lock(&b->mu);
  int rv = b->cancelled ? 0 : start_locked(b);
  b->ended = 1;
  if (rv != 0) {
    b->cancelled = 1;
    drop_queued_locked(b);
  }
  check_finished_locked(b);
  uv_mutex_unlock(&b->mu);
  return rv;
}

int rdpneg_batch_next(rdpneg_batch *b, int timeout_ms,
                      rdpneg_batch_result **presult) {
  if (!b || !presult)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *presult = NULL;
  uint64_t deadline =
      timeout_ms > 0 ? uv_hrtime() + (uint64_t)timeout_ms * 1000000u : 0;
  uv_mutex_lock(&b->mu);
  int rv;
  for (;;) {
    rdpneg_batch_result *r = b->reshead;
    if (r) {
      b->reshead = r->next;
      if (!b->reshead)
        b->restail = NULL;
      r->next = NULL;
      b->queued--;
      b->delivered++;
      *presult = r;
      /* a full result queue may have held back starts */
      if (b->qhead || b->rhead)
        poke_all_locked(b);
      rv = RDPNEG_BATCH_RESULT;
      break;
    }
    if (b->finished || (b->cancelled && !b->started)) {
      rv = RDPNEG_BATCH_END;
      break;
    }
    if (timeout_ms < 0) {
      uv_cond_wait(&b->cv, &b->mu);
      continue;
    }
    uint64_t now = uv_hrtime();
    if (timeout_ms == 0 || now >= deadline ||
        uv_cond_timedwait(&b->cv, &b->mu, deadline - now) != 0) {
      if (b->reshead || b->finished)
        continue; /* arrived as the wait ended */
      rv = RDPNEG_BATCH_TIMEOUT;
      break;
    }
  }
  uv_mutex_unlock(&b->mu);
  return rv;
}

int rdpneg_batch_cancel(rdpneg_batch *b) {
  if (!b)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  uv_mutex_lock(&b->mu);
  if (!b->cancelled) {
    b->cancelled = 1;
    drop_queued_locked(b);
    poke_all_locked(b); /* the loops cancel what they run */
    check_finished_locked(b);
    uv_cond_broadcast(&b->cv);
  }
  uv_mutex_unlock(&b->mu);
  return 0;
}

int64_t rdpneg_batch_count(rdpneg_batch *b, int counter) {
  if (!b)
    return -1;
  int64_t v;
  uv_mutex_lock(&b->mu);
  switch (counter) {
  case RDPNEG_BATCH_ADDED:
    v = b->added;
    break;
  case RDPNEG_BATCH_STARTED:
    v = b->nstarted;
    break;
  case RDPNEG_BATCH_INFLIGHT:
    v = b->inflight;
    break;
  case RDPNEG_BATCH_QUEUED:
    v = b->queued;
    break;
  case RDPNEG_BATCH_DELIVERED:
    v = b->delivered;
    break;
  case RDPNEG_BATCH_DROPPED:
    v = b->dropped;
    break;
  default:
    v = -1;
  }
  uv_mutex_unlock(&b->mu);
  return v;
}

void rdpneg_batch_free(rdpneg_batch *b) {
  if (!b)
    return;
  rdpneg_batch_cancel(b);
  uv_mutex_lock(&b->mu);
  if (b->nworkers > 0)
    while (!b->finished)
      uv_cond_wait(&b->cv, &b->mu);
  uv_mutex_unlock(&b->mu);
  for (int i = 0; i < b->nworkers; i++) {
    uv_thread_join(&b->w[i].thread);
    rdpneg_config_free(b->w[i].cfg);
  }
  free(b->w);
  drop_queued_locked(b); /* threads never started: the queue is ours */
  for (rdpneg_batch_result *r = b->reshead, *nx; r; r = nx) {
    nx = r->next;
    rdpneg_batch_result_free(r);
  }
  batch_listeners_free(&b->lt);
  rdpneg_config_free(b->cfg);
  uv_cond_destroy(&b->cv);
  uv_mutex_destroy(&b->mu);
  free(b);
}
