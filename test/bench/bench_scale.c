/* SPDX-License-Identifier: Apache-2.0 */
/* Scale (issue 11, item 3): probes per second and memory per in-flight
 * probe at 10,000 in flight, against a responder this program starts in
 * child processes on loopback; descriptors and RSS before and after.
 *
 *   bench_scale [-c IN_FLIGHT] [-t THREADS] [-x X224_PROBES]
 *               [-n TLS_PROBES] [-k rsa|ecdhe] [-r RESPONDERS] [-q]
 *   (defaults: 10000 in flight, one loop thread per core as rdpneg-scan,
 *   100000 X.224-only probes, 20000 TLS probes, key exchange rsa, one
 *   responder process; -q skips the throughput runs)
 *
 * What the responder (a child process per -r, one libuv loop each, on
 * 127.0.0.1-127.0.0.8) answers:
 *  - X.224: a Connection Confirm selecting SSL; the probe runs with
 *    RDPNEG_OPT_DO_TLS=0, so it ends there (TCP + X.224, one round trip).
 *  - TLS: the confirm, then a real TLS 1.2 server (mbedTLS) with a
 *    self-signed 1024-bit RSA certificate; the probe makes the whole
 *    handshake (Finished verified, certificate analysed) and closes.
 *    -k rsa: TLS_RSA_WITH_AES_128_GCM_SHA256 (RSA key transport: the
 *    cheapest full handshake for the responder, and for the client, which
 *    does no ECDHE); -k ecdhe: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 with
 *    X25519, what real RDP servers choose (the client's X25519 costs about
 *    1.1 ms of CPU in mbedTLS 2.28, the responder's as much again plus the
 *    signature).
 *  - memory: the same servers, but the X.224 one never answers (the probe
 *    waits for its confirm) and the TLS one never sends its Finished (the
 *    probe holds the whole handshake state: mbedTLS's record buffers, the
 *    key exchange, the server's certificate). RSS is measured once every
 *    probe is known to wait there, then the probes are cancelled.
 *
 * The probes are sessions started with rdpneg_uv_probe_start on THREADS
 * libuv loops (one per thread, as rdpneg-scan does), each keeping its
 * share of IN_FLIGHT running. Deadlines are long (60 s per phase): at
 * 10,000 in flight a probe waits its turn for seconds.
 *
 * Printed: probes/s, failures, CPU per probe of this process and of the
 * responder, the load average; RSS and descriptors at baseline (after a
 * warm-up), during each memory run and after the last run, also after
 * malloc_trim(0). Exit status 0 when every throughput probe succeeded and
 * the descriptors came back to the baseline. */
#include <rdpneg/rdpneg_uv.h>

#include <dirent.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#define NADDR 8
#define MAXRESP 8

enum { M_X224, M_TLS, M_SILENT, M_HOLD, M_COUNT };

/* Counters the responders share with the parent (MAP_SHARED). */
typedef struct shared {
  atomic_int ready;
  atomic_long requests[M_COUNT]; /* Connection Requests read */
  atomic_long held;              /* TLS clients waiting for our Finished */
  atomic_long handshakes;        /* TLS handshakes completed */
  int port[MAXRESP][M_COUNT];
} shared;

static shared *sh;

/* ---- responder --------------------------------------------------------- */

static mbedtls_ssl_config r_conf;
static mbedtls_ctr_drbg_context r_drbg;
static mbedtls_pk_context r_key;
static mbedtls_x509_crt r_crt;

static int fixed_entropy(void *ctx, unsigned char *b, size_t n) {
  unsigned *c = ctx;
  for (size_t i = 0; i < n; i++)
    b[i] = (unsigned char)(++*c * 131u + 7u);
  return 0;
}

static int responder_tls_init(int ecdhe) {
  static unsigned ctr;
  static const int rsa_kx[] = {MBEDTLS_TLS_RSA_WITH_AES_128_GCM_SHA256, 0};
  static const int ecdhe_kx[] = {MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                                 0};
  static const mbedtls_ecp_group_id curves[] = {MBEDTLS_ECP_DP_CURVE25519,
                                                MBEDTLS_ECP_DP_NONE};
  unsigned char der[2048];
  mbedtls_x509write_cert w;
  mbedtls_mpi serial;
  mbedtls_ctr_drbg_init(&r_drbg);
  mbedtls_pk_init(&r_key);
  mbedtls_x509_crt_init(&r_crt);
  mbedtls_x509write_crt_init(&w);
  mbedtls_mpi_init(&serial);
  mbedtls_ssl_config_init(&r_conf);
  if (mbedtls_ctr_drbg_seed(&r_drbg, fixed_entropy, &ctr, NULL, 0) ||
      mbedtls_pk_setup(&r_key, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) ||
      mbedtls_rsa_gen_key(mbedtls_pk_rsa(r_key), mbedtls_ctr_drbg_random,
                          &r_drbg, 1024, 65537))
    return -1;
  mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w, &r_key);
  mbedtls_x509write_crt_set_issuer_key(&w, &r_key);
  if (mbedtls_mpi_lset(&serial, 11) ||
      mbedtls_x509write_crt_set_serial(&w, &serial) ||
      mbedtls_x509write_crt_set_subject_name(&w, "CN=bench.test") ||
      mbedtls_x509write_crt_set_issuer_name(&w, "CN=bench.test") ||
      mbedtls_x509write_crt_set_validity(&w, "20200101000000",
                                         "20400101000000"))
    return -1;
  int n = mbedtls_x509write_crt_der(&w, der, sizeof der,
                                    mbedtls_ctr_drbg_random, &r_drbg);
  if (n <= 0 ||
      mbedtls_x509_crt_parse_der(&r_crt, der + sizeof der - n, (size_t)n))
    return -1;
  mbedtls_x509write_crt_free(&w);
  mbedtls_mpi_free(&serial);
  if (mbedtls_ssl_config_defaults(&r_conf, MBEDTLS_SSL_IS_SERVER,
                                  MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT) ||
      mbedtls_ssl_conf_own_cert(&r_conf, &r_crt, &r_key))
    return -1;
  mbedtls_ssl_conf_rng(&r_conf, mbedtls_ctr_drbg_random, &r_drbg);
  mbedtls_ssl_conf_ciphersuites(&r_conf, ecdhe ? ecdhe_kx : rsa_kx);
  mbedtls_ssl_conf_curves(&r_conf, curves);
  return 0;
}

typedef struct rconn {
  uv_tcp_t tcp;
  int mode;
  int stage; /* 0 reading the request, 1 TLS, 2 answered / holding */
  uint8_t req[512];
  size_t reqlen;
  mbedtls_ssl_context *ssl;
  uint8_t *tin; /* TLS bytes from the client not yet taken */
  size_t tinlen, tinoff;
  int flights; /* TLS reads that made the server write */
} rconn;

typedef struct rwrite {
  uv_write_t req;
  uint8_t data[];
} rwrite;

static void r_written(uv_write_t *w, int status) {
  (void)status;
  free(w);
}

static void r_send(rconn *c, const uint8_t *d, size_t n) {
  if (!n || uv_is_closing((uv_handle_t *)&c->tcp))
    return;
  rwrite *w = malloc(sizeof *w + n);
  if (!w)
    abort();
  memcpy(w->data, d, n);
  uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)n);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, r_written) != 0)
    free(w);
}

static int r_bio_send(void *ctx, const unsigned char *b, size_t n) {
  r_send(ctx, b, n);
  return (int)n;
}

static int r_bio_recv(void *ctx, unsigned char *b, size_t n) {
  rconn *c = ctx;
  size_t have = c->tinlen - c->tinoff;
  if (!have)
    return MBEDTLS_ERR_SSL_WANT_READ;
  if (n > have)
    n = have;
  memcpy(b, c->tin + c->tinoff, n);
  c->tinoff += n;
  return (int)n;
}

static void r_drop_tls(rconn *c) {
  if (c->ssl) {
    mbedtls_ssl_free(c->ssl);
    free(c->ssl);
    c->ssl = NULL;
  }
  free(c->tin);
  c->tin = NULL;
  c->tinlen = c->tinoff = 0;
}

static void r_closed(uv_handle_t *h) {
  rconn *c = h->data;
  r_drop_tls(c);
  free(c);
}

static void r_alloc(uv_handle_t *h, size_t s, uv_buf_t *b) {
  static char buf[65536];
  (void)h;
  (void)s;
  *b = uv_buf_init(buf, sizeof buf);
}

/* RDP_NEG_RSP selecting PROTOCOL_SSL */
static const uint8_t cc_ssl[19] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00,
                                   0x00, 0x12, 0x34, 0x00, 0x02, 0x00, 0x08,
                                   0x00, 0x01, 0x00, 0x00, 0x00};

static void r_tls(rconn *c, const uint8_t *d, size_t n) {
  if (c->mode == M_HOLD && c->flights >= 1) {
    /* the client's key exchange and Finished: never answered */
    if (c->stage == 1)
      atomic_fetch_add(&sh->held, 1);
    c->stage = 2;
    r_drop_tls(c);
    return;
  }
  uint8_t *nt = realloc(c->tin, c->tinlen + n);
  if (!nt)
    abort();
  c->tin = nt;
  memcpy(c->tin + c->tinlen, d, n);
  c->tinlen += n;
  int rv = mbedtls_ssl_handshake(c->ssl);
  if (c->tinoff == c->tinlen)
    c->tinoff = c->tinlen = 0;
  if (rv == MBEDTLS_ERR_SSL_WANT_READ) {
    c->flights++;
    return;
  }
  if (rv == 0)
    atomic_fetch_add(&sh->handshakes, 1);
  c->stage = 2; /* done or failed: wait for the client's close */
  r_drop_tls(c);
}

static void r_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  rconn *c = st->data;
  if (n < 0) {
    uv_close((uv_handle_t *)&c->tcp, r_closed);
    return;
  }
  const uint8_t *d = (const uint8_t *)b->base;
  size_t len = (size_t)n;
  if (c->stage == 0) {
    size_t take =
        sizeof c->req - c->reqlen < len ? sizeof c->req - c->reqlen : len;
    memcpy(c->req + c->reqlen, d, take);
    c->reqlen += take;
    d += take;
    len -= take;
    if (c->reqlen < 4 || c->reqlen < (size_t)(c->req[2] << 8 | c->req[3]))
      return;
    atomic_fetch_add(&sh->requests[c->mode], 1);
    if (c->mode == M_SILENT) {
      c->stage = 2;
      return;
    }
    r_send(c, cc_ssl, sizeof cc_ssl);
    if (c->mode == M_X224) {
      c->stage = 2;
      return;
    }
    c->stage = 1;
    c->ssl = malloc(sizeof *c->ssl);
    if (!c->ssl)
      abort();
    mbedtls_ssl_init(c->ssl);
    if (mbedtls_ssl_setup(c->ssl, &r_conf))
      abort();
    mbedtls_ssl_set_bio(c->ssl, c, r_bio_send, r_bio_recv, NULL);
  }
  if (c->stage == 1 && len)
    r_tls(c, d, len);
}

static void r_connection(uv_stream_t *l, int status) {
  if (status < 0)
    return;
  rconn *c = calloc(1, sizeof *c);
  if (!c)
    abort();
  c->mode = (int)(intptr_t)l->data;
  uv_tcp_init(l->loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
    uv_close((uv_handle_t *)&c->tcp, r_closed);
    return;
  }
  uv_read_start((uv_stream_t *)&c->tcp, r_alloc, r_read);
}

static void responder_main(int idx) {
  uv_loop_t *loop = uv_default_loop();
  static uv_tcp_t lis[NADDR][M_COUNT];
  for (int m = 0; m < M_COUNT; m++) {
    int port = 0;
    for (int a = 0; a < NADDR; a++) {
      char ip[32];
      struct sockaddr_in sa;
      snprintf(ip, sizeof ip, "127.0.0.%d", a + 1);
      uv_ip4_addr(ip, port, &sa);
      uv_tcp_init(loop, &lis[a][m]);
      lis[a][m].data = (void *)(intptr_t)m;
      if (uv_tcp_bind(&lis[a][m], (struct sockaddr *)&sa, 0) != 0 ||
          uv_listen((uv_stream_t *)&lis[a][m], 8192, r_connection) != 0) {
        fprintf(stderr, "bench_scale: responder cannot listen on %s:%d\n", ip,
                port);
        _exit(2);
      }
      if (a == 0) {
        int len = sizeof sa;
        uv_tcp_getsockname(&lis[a][m], (struct sockaddr *)&sa, &len);
        port = ntohs(sa.sin_port);
      }
    }
    sh->port[idx][m] = port;
  }
  atomic_fetch_add(&sh->ready, 1);
  uv_run(loop, UV_RUN_DEFAULT);
  _exit(0);
}

/* ---- measurements ------------------------------------------------------ */

static long count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  long n = 0;
  if (!d)
    return -1;
  while (readdir(d))
    n++;
  closedir(d);
  return n - 3;
}

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long size, res = -1;
  if (f) {
    if (fscanf(f, "%ld %ld", &size, &res) != 2)
      res = -1;
    fclose(f);
  }
  return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

static double self_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static pid_t resp_pid[MAXRESP];
static int nresp = 1;

static double resp_cpu(void) {
  double t = 0;
  for (int i = 0; i < nresp; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)resp_pid[i]);
    FILE *f = fopen(path, "r");
    if (!f)
      continue;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut, st;
    if (p &&
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
               &ut, &st) == 2)
      t += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
  }
  return t;
}

static double loadavg(void) {
  double l = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1)
      l = -1;
    fclose(f);
  }
  return l;
}

/* ---- the probes -------------------------------------------------------- */

typedef struct worker {
  uv_thread_t th;
  uv_loop_t loop;
  uv_async_t cancel;
  rdpneg_config *cfg;
  int mode, total, conc, started, finished, failed, idx;
  rdpneg_uv_probe **live; /* for the memory runs: cancelled at the end */
  int nlive;
} worker;

static atomic_int g_in_flight;
static atomic_int g_cancel_all;

static void start_one(worker *w);

static void close_cancel(worker *w) {
  if (!uv_is_closing((uv_handle_t *)&w->cancel))
    uv_close((uv_handle_t *)&w->cancel, NULL);
}

static void on_done(rdpneg_uv_probe *p, rdpneg_session *s, int status,
                    void *ud) {
  worker *w = ud;
  for (int i = 0; i < w->nlive; i++)
    if (w->live[i] == p) {
      w->live[i] = w->live[--w->nlive];
      break;
    }
  w->finished++;
  atomic_fetch_sub(&g_in_flight, 1);
  rdpneg_phase want = w->mode == M_X224 ? RDPNEG_PHASE_X224 : RDPNEG_PHASE_TLS;
  if (status != 0 ||
      rdpneg_session_phase(s, want, NULL, NULL) != RDPNEG_PHASE_OK)
    w->failed++;
  rdpneg_session_free(s);
  if (w->started < w->total && !atomic_load(&g_cancel_all))
    start_one(w);
  else if (w->finished == w->started)
    close_cancel(w);
}

static void start_one(worker *w) {
  int k = w->idx + w->started++ * 7; /* spread over responders, addresses */
  int r = k % nresp, a = (k / nresp) % NADDR;
  char ip[32];
  snprintf(ip, sizeof ip, "127.0.0.%d", a + 1);
  rdpneg_uv_probe *p = NULL;
  if (rdpneg_uv_probe_start(&p, &w->loop, w->cfg, ip,
                            (uint16_t)sh->port[r][w->mode], on_done, w) != 0) {
    w->finished++;
    w->failed++;
    return;
  }
  atomic_fetch_add(&g_in_flight, 1);
  if (w->live)
    w->live[w->nlive++] = p;
}

static void on_cancel(uv_async_t *a) {
  worker *w = a->data;
  while (w->nlive > 0)
    rdpneg_uv_probe_cancel(w->live[--w->nlive]);
  if (w->finished == w->started)
    close_cancel(w);
}

static void worker_main(void *arg) {
  worker *w = arg;
  /* connects go out in bursts, as rdpneg-scan starts them */
  while (w->started < w->conc && w->started < w->total) {
    start_one(w);
    if (w->started % 500 == 0)
      uv_run(&w->loop, UV_RUN_NOWAIT);
  }
  if (w->finished == w->started)
    close_cancel(w);
  uv_run(&w->loop, UV_RUN_DEFAULT);
}

typedef struct run_result {
  double wall, cpu, rcpu, load;
  long failed, done;
  long peak_rss;
} run_result;

static int nthreads;

/* Runs |total| probes of |mode|, |conc| in flight. With |hold|: waits
 * until every probe waits where the responder holds it, calls |at_hold|,
 * then cancels them all. */
static run_result run(int mode, int total, int conc, int hold,
                      void (*at_hold)(void)) {
  worker *ws = calloc((size_t)nthreads, sizeof *ws);
  rdpneg_config *cfg;
  rdpneg_config_new(&cfg);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_CONNECT_TIMEOUT_MS, 60000);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_X224_TIMEOUT_MS, 60000);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_TIMEOUT_MS, 60000);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_OVERALL_TIMEOUT_MS, 180000);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_DO_TLS, mode != M_X224);
  atomic_store(&g_cancel_all, 0);
  long held0 = atomic_load(&sh->held);
  long req0 = atomic_load(&sh->requests[M_SILENT]);
  run_result rr = {0};
  double c0 = self_cpu(), r0 = resp_cpu();
  uint64_t t0 = uv_hrtime();
  for (int i = 0; i < nthreads; i++) {
    worker *w = &ws[i];
    w->cfg = cfg;
    w->mode = mode;
    w->idx = i;
    w->total = total / nthreads + (i < total % nthreads);
    w->conc = conc / nthreads + (i < conc % nthreads);
    if (hold)
      w->live = calloc((size_t)w->total, sizeof *w->live);
    uv_loop_init(&w->loop);
    uv_async_init(&w->loop, &w->cancel, on_cancel);
    w->cancel.data = w;
    uv_thread_create(&w->th, worker_main, w);
  }
  if (hold) {
    for (int i = 0; i < 120000; i++) {
      long n = mode == M_SILENT ? atomic_load(&sh->requests[M_SILENT]) - req0
                                : atomic_load(&sh->held) - held0;
      if (n >= total)
        break;
      usleep(1000);
    }
    usleep(200000); /* the client's last steps after its flight */
    rr.peak_rss = rss_kb();
    if (at_hold)
      at_hold();
    atomic_store(&g_cancel_all, 1);
    for (int i = 0; i < nthreads; i++)
      uv_async_send(&ws[i].cancel);
  } else {
    /* sample RSS while it runs */
    int alive;
    do {
      long r = rss_kb();
      if (r > rr.peak_rss)
        rr.peak_rss = r;
      usleep(20000);
      alive = atomic_load(&g_in_flight) > 0;
      int started = 0;
      for (int i = 0; i < nthreads; i++)
        started += ws[i].started;
      alive = alive || started < total;
    } while (alive);
  }
  for (int i = 0; i < nthreads; i++) {
    uv_thread_join(&ws[i].th);
    uv_loop_close(&ws[i].loop);
    rr.failed += ws[i].failed;
    rr.done += ws[i].finished;
    free(ws[i].live);
  }
  rr.wall = (double)(uv_hrtime() - t0) / 1e9;
  rr.cpu = self_cpu() - c0;
  rr.rcpu = resp_cpu() - r0;
  rr.load = loadavg();
  rdpneg_config_free(cfg);
  free(ws);
  return rr;
}

static long pre_rss; /* right before a memory run, after malloc_trim */
static int hold_n;
static const char *hold_what;

static void print_hold(void) {
  long r = rss_kb();
  printf("%-34s rss %8ld KiB  fds %6ld  => %.1f KiB RSS per in-flight probe\n",
         hold_what, r, count_fds(), (double)(r - pre_rss) / hold_n);
  fflush(stdout);
}

static void print_rate(const char *what, int n, run_result r) {
  printf("%-34s %d probes in %.2f s = %.0f probes/s, %ld failed; CPU per "
         "probe %.3f ms (this process), responder %.3f ms (%.0f%% of a "
         "core); peak rss %ld KiB; load average %.1f\n",
         what, n, r.wall, n / r.wall, r.failed, r.cpu * 1000 / n,
         r.rcpu * 1000 / n, r.rcpu * 100 / r.wall, r.peak_rss, r.load);
  fflush(stdout);
}

int main(int argc, char **argv) {
  int conc = 10000, nx = 100000, nt = 20000, ecdhe = 0, quick = 0;
  nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "-q")) {
      quick = 1;
      continue;
    }
    if (!v) {
      fprintf(stderr, "bench_scale: %s needs a value\n", argv[i]);
      return 2;
    }
    if (!strcmp(argv[i], "-c"))
      conc = atoi(v);
    else if (!strcmp(argv[i], "-t"))
      nthreads = atoi(v);
    else if (!strcmp(argv[i], "-x"))
      nx = atoi(v);
    else if (!strcmp(argv[i], "-n"))
      nt = atoi(v);
    else if (!strcmp(argv[i], "-r"))
      nresp = atoi(v);
    else if (!strcmp(argv[i], "-k"))
      ecdhe = !strcmp(v, "ecdhe");
    else {
      fprintf(stderr, "usage: bench_scale [-c IN_FLIGHT] [-t THREADS] "
                      "[-x X224_PROBES] [-n TLS_PROBES] [-k rsa|ecdhe] "
                      "[-r RESPONDERS] [-q]\n");
      return 2;
    }
    i++;
  }
  if (conc < 1 || nthreads < 1 || nx < 1 || nt < 1 || nresp < 1 ||
      nresp > MAXRESP)
    return 2;
  /* a descriptor per probe here, one per connection in the responders */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rlim_t want = (rlim_t)conc + 1024;
    if (rl.rlim_cur < want) {
      rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
      getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < (rlim_t)conc + 64) {
      fprintf(stderr,
              "bench_scale: the descriptor limit (%lu) is below %d + 64\n",
              (unsigned long)rl.rlim_cur, conc);
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED)
    return 2;
  memset(sh, 0, sizeof *sh);
  for (int i = 0; i < nresp; i++) {
    resp_pid[i] = fork();
    if (resp_pid[i] == 0) {
      if (responder_tls_init(ecdhe) != 0) {
        fprintf(stderr, "bench_scale: responder key/certificate failed\n");
        _exit(2);
      }
      responder_main(i);
    }
  }
  for (int i = 0; i < 30000 && atomic_load(&sh->ready) < nresp; i++)
    usleep(1000);
  if (atomic_load(&sh->ready) < nresp) {
    fprintf(stderr, "bench_scale: the responder did not start\n");
    return 2;
  }
  printf("bench_scale: %d loop threads, %d in flight, %d responder "
         "process(es), TLS key exchange %s, load average %.1f\n",
         nthreads, conc, nresp,
         ecdhe ? "ECDHE X25519 + RSA-1024 signature" : "RSA-1024 key transport",
         loadavg());

  /* warm-up: threads, loops, the allocator's arenas */
  run(M_TLS, 400, 200, 0, NULL);
  run(M_X224, 400, 200, 0, NULL);
  long base_fds = count_fds();
  long base_rss = rss_kb();
  printf("%-34s rss %8ld KiB  fds %6ld\n", "baseline (after warm-up)", base_rss,
         base_fds);

  int ok = 1;
  hold_n = conc;
  /* each memory run counts from the RSS right before it, the freed
   * memory of the runs before given back first */
  hold_what = "TLS in flight (no server Finished)";
  malloc_trim(0);
  pre_rss = rss_kb();
  run(M_HOLD, conc, conc, 1, print_hold);
  hold_what = "X.224 in flight (no confirm yet)";
  malloc_trim(0);
  pre_rss = rss_kb();
  run(M_SILENT, conc, conc, 1, print_hold);
  if (!quick) {
    run_result r = run(M_X224, nx, conc, 0, NULL);
    print_rate("X.224-only", nx, r);
    ok = ok && r.failed == 0;
    r = run(M_TLS, nt, conc, 0, NULL);
    print_rate(ecdhe ? "TLS (ECDHE)" : "TLS (RSA key transport)", nt, r);
    ok = ok && r.failed == 0;
  }
  long fds = count_fds(), rss = rss_kb();
  malloc_trim(0);
  long trimmed = rss_kb();
  printf("%-34s rss %8ld KiB  fds %6ld  (%+ld fds, %+ld KiB; %+ld KiB after "
         "malloc_trim)\n",
         "after", rss, fds, fds - base_fds, rss - base_rss, trimmed - base_rss);
  ok = ok && fds == base_fds;
  for (int i = 0; i < nresp; i++) {
    kill(resp_pid[i], SIGTERM);
    waitpid(resp_pid[i], NULL, 0);
  }
  printf("%s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
