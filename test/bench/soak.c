/* SPDX-License-Identifier: Apache-2.0 */
/* Soak (issue 12, item 6): many probe plans in one process against a
 * responder that misbehaves on a share of its connections; open file
 * descriptors, RSS and the heap in use must come back to where they were.
 *
 *   soak [-n PROBES] [-c IN_FLIGHT] [-r PER_SECOND] [-d DELAY_MS]
 *        [-f FAULT_PERCENT] [-s SEED]
 *   (defaults 10000 probes, at most 300 in flight, started at most 400 a
 *   second, answers delayed 0..1500 ms, 30 % faulty connections, seed 1)
 *
 * The responder runs in a thread of this program, on its own libuv loop,
 * on 127.0.0.1: a real RDP server in memory (test/unit/oom_peer.c: X.224,
 * TLS 1.2 with mbedTLS, CredSSP with NTLM that accepts the credentials,
 * HYBRID_EX), each answer held back by a random delay like a slow
 * network. Each connection it accepts gets a fault with the given
 * probability, one of: reset (RST) as soon as the request arrives, close
 * (FIN) in the middle of the confirm, stall (never answer), garbage
 * instead of a confirm, slow trickle (every byte of the whole exchange
 * sent alone, one per millisecond). The probes are rdpneg_uv_run_start
 * plans on the main loop with credentials.
 *
 * Measured: /proc/self/fd entries, RSS (/proc/self/statm) and the heap in
 * use (mallinfo2: uordblks + hblkhd; unlike RSS it leaves out memory the
 * allocator keeps for reuse, but counts the per-thread caches of freed
 * small blocks) at baseline (after a warm-up of 100 probes), every 1000
 * probes, at the peak and after the last probe (once more after
 * malloc_trim). Also printed: the longest loop iteration (how long the
 * probes' TLS work kept the loop from polling). Exit status 0 when the
 * descriptors are back to the baseline exactly and the heap in use within
 * 1 MiB of it. */
#include "oom_peer.h"

#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_uv.h>

#include <dirent.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* oom_peer.c pauses the allocation wrappers of the OOM test; there are
 * none here. */
void oom_pause(void);
void oom_resume(void);
void oom_pause(void) {
}
void oom_resume(void) {
}

/* ---- measurements ---------------------------------------------------------
 */

typedef struct meas {
  long fds;
  long rss_kb;
  long heap_kb;
} meas;

static long count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  long n = 0;
  if (!d)
    return -1;
  while (readdir(d))
    n++;
  closedir(d);
  return n - 3; /* ".", ".." and the directory's own descriptor */
}

static meas measure(void) {
  meas m = {count_fds(), -1, -1};
  FILE *f = fopen("/proc/self/statm", "r");
  long size, res;
  if (f) {
    if (fscanf(f, "%ld %ld", &size, &res) == 2)
      m.rss_kb = res * (sysconf(_SC_PAGESIZE) / 1024);
    fclose(f);
  }
  struct mallinfo2 mi = mallinfo2();
  m.heap_kb = (long)((mi.uordblks + mi.hblkhd) / 1024);
  return m;
}

static void print_meas(const char *what, meas m) {
  printf("%-26s fds %5ld   rss %7ld KiB   heap in use %7ld KiB\n", what, m.fds,
         m.rss_kb, m.heap_kb);
  fflush(stdout);
}

/* ---- the responder ----------------------------------------------------------
 */

enum {
  F_NONE,
  F_RESET,   /* RST as soon as the request arrives */
  F_MIDCONF, /* part of the confirm, then FIN */
  F_STALL,   /* read and never answer */
  F_GARBAGE, /* random bytes instead of a confirm, then FIN */
  F_TRICKLE, /* the whole exchange, one byte per millisecond */
  F_COUNT
};
static const char *const fault_names[F_COUNT] = {
    "none", "reset", "close mid-confirm", "stall", "garbage", "trickle"};

typedef struct server {
  uv_loop_t loop;
  uv_tcp_t listener;
  uv_async_t stop;
  uv_sem_t ready;
  int port;
  int fault_pct;
  int delay_ms; /* answers wait 0..delay_ms */
  uint64_t rng;
  atomic_int live; /* connections not yet closed */
  atomic_long faults[F_COUNT];
} server;

typedef struct sconn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_shutdown_t shut;
  server *s;
  peer *p;
  int fault;
  int answered, shutting, closing, pending_close;
  size_t tx, txdone;
  int txerr;
  uint8_t *q; /* trickle queue */
  size_t qlen, qoff;
} sconn;

typedef struct wreq {
  uv_write_t req;
  struct sconn *c;
  size_t n;
  uint8_t data[];
} wreq;

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void on_written(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  if (status == 0)
    w->c->txdone += w->n;
  else
    w->c->txerr = status;
  free(req);
}

static void send_bytes(sconn *c, const uint8_t *d, size_t n) {
  if (!n || c->closing)
    return;
  wreq *w = malloc(sizeof *w + n);
  if (!w)
    abort();
  memcpy(w->data, d, n);
  w->c = c;
  w->n = n;
  c->tx += n;
  uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)n);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
    free(w);
}

static void on_conn_closed(uv_handle_t *h) {
  sconn *c = h->data;
  if (--c->pending_close)
    return;
  if (getenv("SOAK_VERBOSE")) {
    size_t rx;
    int rc, st = peer_debug(c->p, &rx, &rc);
    printf("server conn: fault %d state %d rx %zu rc -0x%x tx %zu/%zu %d\n",
           c->fault, st, rx, -rc, c->tx, c->txdone, c->txerr);
  }
  atomic_fetch_sub(&c->s->live, 1);
  peer_free(c->p);
  free(c->q);
  free(c);
}

static void conn_close(sconn *c, int reset) {
  if (c->closing)
    return;
  c->closing = 1;
  c->pending_close = 2;
  uv_close((uv_handle_t *)&c->timer, on_conn_closed);
  if (reset)
    uv_tcp_close_reset(&c->tcp, on_conn_closed);
  else
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)req;
  (void)status; /* the client's EOF closes the connection */
}

static void conn_shutdown(sconn *c) {
  if (c->shutting || c->closing)
    return;
  c->shutting = 1;
  c->shut.data = c;
  if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
    conn_close(c, 0);
}

/* Trickle: one queued byte per tick. */
static void on_tick(uv_timer_t *t) {
  sconn *c = t->data;
  if (c->qoff < c->qlen) {
    send_bytes(c, c->q + c->qoff, 1);
    c->qoff++;
  }
  if (c->qoff == c->qlen) {
    uv_timer_stop(t);
    if (peer_closed(c->p))
      conn_shutdown(c);
  }
}

/* Network delay: the queued answer goes out at once when the timer fires. */
static void on_delay(uv_timer_t *t) {
  sconn *c = t->data;
  send_bytes(c, c->q + c->qoff, c->qlen - c->qoff);
  c->qoff = c->qlen;
  if (peer_closed(c->p))
    conn_shutdown(c);
}

/* What the in-memory server answers, queued, then sent after a random
 * delay of up to the responder's delay (a network's round trip), or byte
 * by byte (trickle). */
static void answer(sconn *c) {
  uint8_t buf[8192];
  size_t n;
  int more = 0;
  while ((n = peer_output(c->p, buf, sizeof buf)) > 0) {
    if (c->qoff == c->qlen)
      c->qoff = c->qlen = 0;
    uint8_t *nq = realloc(c->q, c->qlen + n);
    if (!nq)
      abort();
    c->q = nq;
    memcpy(c->q + c->qlen, buf, n);
    c->qlen += n;
    more = 1;
  }
  if (more && !uv_is_active((uv_handle_t *)&c->timer)) {
    if (c->fault == F_TRICKLE)
      uv_timer_start(&c->timer, on_tick, 1, 1);
    else if (c->s->delay_ms > 0)
      uv_timer_start(&c->timer, on_delay,
                     next_rand(&c->s->rng) % (uint64_t)c->s->delay_ms, 0);
    else
      on_delay(&c->timer);
  }
  if (peer_closed(c->p) && c->qoff == c->qlen)
    conn_shutdown(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  (void)h;
  (void)suggested;
  static char rbuf[65536]; /* the responder's thread only */
  *b = uv_buf_init(rbuf, sizeof rbuf);
}

static void on_sread(uv_stream_t *st, ssize_t nread, const uv_buf_t *b) {
  sconn *c = st->data;
  if (nread < 0) {
    conn_close(c, 0);
    return;
  }
  if (nread == 0 || c->closing)
    return;
  const uint8_t *d = (const uint8_t *)b->base;
  switch (c->fault) {
  case F_RESET:
    conn_close(c, 1);
    return;
  case F_STALL:
    return;
  case F_GARBAGE:
    if (!c->answered) {
      uint8_t g[300];
      size_t n = 1 + next_rand(&c->s->rng) % sizeof g;
      for (size_t i = 0; i < n; i++)
        g[i] = (uint8_t)next_rand(&c->s->rng);
      send_bytes(c, g, n);
      conn_shutdown(c);
    }
    c->answered = 1;
    return;
  case F_MIDCONF:
    if (!c->answered) {
      uint8_t cc[64];
      peer_input(c->p, d, (size_t)nread);
      size_t n = peer_output(c->p, cc, sizeof cc);
      if (n > 1)
        send_bytes(c, cc, 1 + next_rand(&c->s->rng) % (n - 1));
      conn_shutdown(c);
    }
    c->answered = 1;
    return;
  default:
    if (peer_closed(c->p))
      return;
    peer_input(c->p, d, (size_t)nread);
    answer(c);
  }
}

static void on_connection(uv_stream_t *l, int status) {
  server *s = l->data;
  if (status < 0)
    return;
  sconn *c = calloc(1, sizeof *c);
  if (!c)
    abort();
  c->s = s;
  uv_tcp_init(&s->loop, &c->tcp);
  uv_timer_init(&s->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  atomic_fetch_add(&s->live, 1);
  peer_opts po = {.selected = RDPNEG_PROTOCOL_HYBRID_EX,
                  .now_unix = (int64_t)time(NULL)};
  c->p = peer_new(&po);
  if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
    conn_close(c, 0);
    return;
  }
  c->fault = F_NONE;
  if ((int)(next_rand(&s->rng) % 100) < s->fault_pct)
    c->fault = 1 + (int)(next_rand(&s->rng) % (F_COUNT - 1));
  atomic_fetch_add(&s->faults[c->fault], 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_sread);
}

static void close_any(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL); /* only the listener and the async are left */
}

static void on_stop(uv_async_t *a) {
  server *s = a->data;
  uv_walk(&s->loop, close_any, NULL);
}

static void server_main(void *arg) {
  server *s = arg;
  struct sockaddr_in a;
  int len = sizeof a;
  uv_loop_init(&s->loop);
  uv_async_init(&s->loop, &s->stop, on_stop);
  s->stop.data = s;
  uv_tcp_init(&s->loop, &s->listener);
  s->listener.data = s;
  uv_ip4_addr("127.0.0.1", 0, &a);
  if (uv_tcp_bind(&s->listener, (const struct sockaddr *)&a, 0) != 0 ||
      uv_listen((uv_stream_t *)&s->listener, 4096, on_connection) != 0 ||
      uv_tcp_getsockname(&s->listener, (struct sockaddr *)&a, &len) != 0) {
    s->port = -1;
    uv_sem_post(&s->ready);
    return;
  }
  s->port = ntohs(a.sin_port);
  uv_sem_post(&s->ready);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
}

/* ---- the probes
 * --------------------------------------------------------------- */

typedef struct soak {
  uv_loop_t *loop;
  rdpneg_config *cfg;
  uint16_t port;
  int total, concurrency, started, finished, in_flight;
  int per_tick; /* probes started at most every 5 ms */
  int peak_in_flight;
  uv_timer_t pacer;
  long verdicts[4], nomem, attempts, bad_status;
  meas peak;
  int next_mark;
  uv_timer_t sampler;
  uv_check_t check;
  uint64_t last_check, max_gap_ns; /* longest loop iteration */
} soak;

/* The longest time between two loop iterations: how long the probes' own
 * work (TLS, mostly) kept the loop from polling. */
static void on_check(uv_check_t *h) {
  soak *k = h->data;
  uint64_t now = uv_hrtime();
  if (k->last_check && now - k->last_check > k->max_gap_ns)
    k->max_gap_ns = now - k->last_check;
  k->last_check = now;
}

static void start_probes(soak *k);

static void on_run_done(rdpneg_uv_run *run, rdpneg_evidence *ev, int status,
                        void *ud) {
  (void)run;
  soak *k = ud;
  k->finished++;
  k->in_flight--;
  if (status != 0)
    k->bad_status++;
  if (ev) {
    rdpneg_diagnosis *d = NULL;
    k->attempts += rdpneg_evidence_attempt_count(ev);
    if (rdpneg_diagnose(ev, NULL, NULL, &d) == 0) {
      k->verdicts[rdpneg_diagnosis_verdict(d)]++;
      if (getenv("SOAK_VERBOSE"))
        for (int i = 0; i < rdpneg_diagnosis_count(d); i++)
          printf("  %s %s: %s\n", rdpneg_diagnosis_severity(d, i),
                 rdpneg_diagnosis_cause(d, i), rdpneg_diagnosis_evidence(d, i));
      rdpneg_diagnosis_free(d);
    } else {
      k->nomem++;
    }
    rdpneg_evidence_free(ev);
  }
  if (k->finished == k->next_mark) {
    char what[64];
    snprintf(what, sizeof what, "after %d probes", k->finished);
    print_meas(what, measure());
    k->next_mark += 1000;
  }
}

/* Starts probes at the configured rate while fewer than the cap run: a
 * monitoring tool spreads its probes; starting hundreds in one loop
 * iteration makes that iteration do hundreds of TLS handshakes. */
static void on_pace(uv_timer_t *t) {
  soak *k = t->data;
  start_probes(k);
  if (k->started == k->total)
    uv_timer_stop(t);
}

static void start_probes(soak *k) {
  for (int i = 0; i < k->per_tick && k->started < k->total &&
                  k->in_flight < k->concurrency;
       i++) {
    k->started++;
    if (rdpneg_uv_run_start(NULL, k->loop, k->cfg, "127.0.0.1", k->port,
                            on_run_done, k) != 0) {
      k->finished++;
      k->bad_status++;
      continue;
    }
    k->in_flight++;
    if (k->in_flight > k->peak_in_flight)
      k->peak_in_flight = k->in_flight;
  }
}

static void on_sample(uv_timer_t *t) {
  soak *k = t->data;
  meas m = measure();
  if (m.fds > k->peak.fds)
    k->peak.fds = m.fds;
  if (m.rss_kb > k->peak.rss_kb)
    k->peak.rss_kb = m.rss_kb;
  if (m.heap_kb > k->peak.heap_kb)
    k->peak.heap_kb = m.heap_kb;
}

/* Runs |n| probes, at most |c| at a time and |rate| a second, to the
 * end. */
static void run_probes(soak *k, int n, int c, int rate) {
  k->total = n;
  k->concurrency = c;
  k->per_tick = rate / 200 > 0 ? rate / 200 : 1;
  k->started = k->finished = 0;
  k->next_mark = n >= 1000 ? 1000 : n + 1;
  uv_timer_start(&k->pacer, on_pace, 0, 5);
  uv_run(k->loop, UV_RUN_DEFAULT);
}

/* The responder closes its side when the client's EOF arrives: wait for
 * that before measuring. */
static void settle(server *s) {
  for (int i = 0; i < 5000 && atomic_load(&s->live) > 0; i++)
    usleep(1000);
}

int main(int argc, char **argv) {
  int n = 10000, c = 300, fault = 30, rate = 400, delay = 1500;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "-n"))
      n = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-c"))
      c = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-f"))
      fault = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-d"))
      delay = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-r"))
      rate = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-s"))
      seed = strtoull(argv[i + 1], NULL, 10);
  }
  if (n < 1 || c < 1 || rate < 1 || delay < 0 || fault < 0 || fault > 100 ||
      !seed) {
    fprintf(stderr, "usage: soak [-n PROBES] [-c IN_FLIGHT] [-r PER_SECOND] "
                    "[-d DELAY_MS] [-f FAULT_%%] [-s SEED]\n");
    return 2;
  }
  /* both ends of every connection live in this process */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  meas m0 = measure();
  print_meas("start", m0);
  if (peer_global_init() != 0) {
    fprintf(stderr, "soak: cannot make the responder's certificate\n");
    return 2;
  }
  static server srv;
  srv.fault_pct = fault;
  srv.delay_ms = delay;
  srv.rng = seed * 0x9E3779B97F4A7C15ull | 1;
  uv_sem_init(&srv.ready, 0);
  uv_thread_t th;
  if (uv_thread_create(&th, server_main, &srv) != 0)
    return 2;
  uv_sem_wait(&srv.ready);
  if (srv.port <= 0) {
    fprintf(stderr, "soak: the responder cannot listen on 127.0.0.1\n");
    return 2;
  }

  soak k = {0};
  k.loop = uv_default_loop();
  uv_timer_init(k.loop, &k.pacer);
  k.pacer.data = &k;
  k.port = (uint16_t)srv.port;
  if (rdpneg_config_new(&k.cfg) != 0)
    return 2;
  /* shorter deadlines than the defaults: a stalled server costs 2 s */
  rdpneg_config_set_int(k.cfg, RDPNEG_OPT_CONNECT_TIMEOUT_MS, 2000);
  rdpneg_config_set_int(k.cfg, RDPNEG_OPT_X224_TIMEOUT_MS, 2000);
  rdpneg_config_set_int(k.cfg, RDPNEG_OPT_TLS_TIMEOUT_MS, 4000);
  rdpneg_config_set_int(k.cfg, RDPNEG_OPT_NLA_TIMEOUT_MS, 4000);
  rdpneg_config_set_int(k.cfg, RDPNEG_OPT_OVERALL_TIMEOUT_MS, 10000);
  rdpneg_config_set_str(k.cfg, RDPNEG_STROPT_SNI, PEER_HOST);
  rdpneg_config_set_credentials(k.cfg, "soak", "OOM", PEER_PASSWORD);

  /* warm-up: lazily made things (libuv's thread pool for name lookups,
   * the loop's descriptor table, allocator arenas) are part of the
   * baseline */
  run_probes(&k, 100, 100, rate);
  settle(&srv);
  meas base = measure();
  print_meas("baseline (after warm-up)", base);

  long faults0[F_COUNT];
  for (int f = 0; f < F_COUNT; f++)
    faults0[f] = atomic_load(&srv.faults[f]);
  memset(k.verdicts, 0, sizeof k.verdicts);
  k.attempts = k.bad_status = k.nomem = 0;
  k.peak = base;
  uv_timer_init(k.loop, &k.sampler);
  k.sampler.data = &k;
  uv_timer_start(&k.sampler, on_sample, 20, 20);
  uv_unref((uv_handle_t *)&k.sampler);
  uv_check_init(k.loop, &k.check);
  k.check.data = &k;
  uv_check_start(&k.check, on_check);
  uv_unref((uv_handle_t *)&k.check);
  uint64_t t0 = uv_hrtime();
  run_probes(&k, n, c, rate);
  double secs = (double)(uv_hrtime() - t0) / 1e9;
  uv_timer_stop(&k.sampler);
  uv_close((uv_handle_t *)&k.sampler, NULL);
  uv_close((uv_handle_t *)&k.check, NULL);
  uv_run(k.loop, UV_RUN_DEFAULT);
  settle(&srv);
  meas after = measure();
  print_meas("peak (sampled every 20 ms)", k.peak);
  print_meas("after", after);
  malloc_trim(0);
  meas trimmed = measure();
  print_meas("after malloc_trim(0)", trimmed);

  long conns = 0;
  for (int f = 0; f < F_COUNT; f++)
    conns += atomic_load(&srv.faults[f]) - faults0[f];
  printf("%d probes (%ld connections) in %.1f s, %d in flight at most (cap "
         "%d, started at most %d/s, answers delayed up to %d ms); "
         "verdicts: %ld healthy, %ld degraded, %ld failing, %ld unknown; "
         "%ld runs not ok\n",
         n, conns, secs, k.peak_in_flight, c, rate, delay, k.verdicts[0],
         k.verdicts[1], k.verdicts[2], k.verdicts[3], k.bad_status + k.nomem);
  printf("longest loop iteration: %.0f ms\n", (double)k.max_gap_ns / 1e6);
  printf("responder faults:");
  for (int f = 0; f < F_COUNT; f++)
    printf(" %s %ld%s", fault_names[f],
           atomic_load(&srv.faults[f]) - faults0[f],
           f + 1 < F_COUNT ? "," : "\n");

  uv_close((uv_handle_t *)&k.pacer, NULL);
  uv_run(k.loop, UV_RUN_DEFAULT);
  uv_async_send(&srv.stop);
  uv_thread_join(&th);
  rdpneg_config_free(k.cfg);
  peer_global_free();
  uv_loop_close(k.loop);

  int ok = after.fds == base.fds && labs(after.heap_kb - base.heap_kb) <= 1024;
  printf("descriptors %s the baseline (%+ld), heap in use %+ld KiB, RSS "
         "%+ld KiB (%+ld KiB after malloc_trim): %s\n",
         after.fds == base.fds ? "back to" : "NOT back to",
         after.fds - base.fds, after.heap_kb - base.heap_kb,
         after.rss_kb - base.rss_kb, trimmed.rss_kb - base.rss_kb,
         ok ? "ok" : "LEAK");
  return ok ? 0 : 1;
}
