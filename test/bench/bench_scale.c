/* SPDX-License-Identifier: Apache-2.0 */
/* Scale (issue 11, item 3): probes per second and memory per in-flight
 * probe at 10,000 in flight, against a responder this program starts in
 * child processes on loopback; descriptors and RSS before and after.
 *
 *   bench_scale [-c IN_FLIGHT] [-t THREADS] [-x X224_PROBES]
 *               [-n TLS_PROBES] [-k rsa|ecdhe] [-r RESPONDERS] [-q] [-M]
 *               [-p]
 *   (defaults: 10000 in flight, one loop thread per core as rdpneg-scan,
 *   100000 X.224-only probes, 20000 TLS probes, key exchange rsa, one
 *   responder process; -q skips the throughput runs, -M the memory runs;
 *   -p runs probe plans, as rdpneg-scan does, instead of single sessions)
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
#include "responder.h"

#include <rdpneg/rdpneg_diagnosis.h>
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

static responder_shared *sh;

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

/* Heap in use (every arena): what the probes hold whether or not its
 * pages were touched yet. */
static long heap_kb(void) {
  struct mallinfo2 mi = mallinfo2();
  return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

static double self_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static pid_t resp_pid[RESPONDER_MAX];
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
  void **live; /* for the memory runs: cancelled at the end */
  int nlive;
} worker;

static atomic_int g_in_flight;
static int g_plans; /* -p: probe plans (rdpneg_uv_run_start) */
static atomic_int g_cancel_all;

static void start_one(worker *w);

static void close_cancel(worker *w) {
  if (!uv_is_closing((uv_handle_t *)&w->cancel))
    uv_close((uv_handle_t *)&w->cancel, NULL);
}

static void next(worker *w, void *handle, int failed) {
  for (int i = 0; i < w->nlive; i++)
    if (w->live[i] == handle) {
      w->live[i] = w->live[--w->nlive];
      break;
    }
  w->finished++;
  w->failed += failed;
  atomic_fetch_sub(&g_in_flight, 1);
  if (w->started < w->total && !atomic_load(&g_cancel_all))
    start_one(w);
  else if (w->finished == w->started)
    close_cancel(w);
}

static void on_done(rdpneg_uv_probe *p, rdpneg_session *s, int status,
                    void *ud) {
  worker *w = ud;
  rdpneg_phase want = w->mode == M_X224 ? RDPNEG_PHASE_X224 : RDPNEG_PHASE_TLS;
  int failed = status != 0 ||
               rdpneg_session_phase(s, want, NULL, NULL) != RDPNEG_PHASE_OK;
  rdpneg_session_free(s);
  next(w, p, failed);
}

/* A plan succeeded when it has a verdict (the responder's answers give
 * one: degraded for its 1024-bit key, healthy without TLS). */
static void on_run_done(rdpneg_uv_run *r, rdpneg_evidence *ev, int status,
                        void *ud) {
  worker *w = ud;
  rdpneg_diagnosis *d = NULL;
  int failed = 1;
  if (status == 0 && ev && rdpneg_diagnose(ev, NULL, NULL, &d) == 0) {
    failed = rdpneg_diagnosis_verdict(d) == RDPNEG_VERDICT_UNKNOWN;
    rdpneg_diagnosis_free(d);
  }
  rdpneg_evidence_free(ev);
  next(w, r, failed);
}

static void start_one(worker *w) {
  int k = w->idx + w->started++ * 7; /* spread over responders, addresses */
  int r = k % nresp, a = (k / nresp) % RESPONDER_ADDRS;
  char ip[32];
  snprintf(ip, sizeof ip, "127.0.0.%d", a + 1);
  void *p = NULL;
  uint16_t port = (uint16_t)sh->port[r][w->mode];
  int rv = g_plans ? rdpneg_uv_run_start((rdpneg_uv_run **)&p, &w->loop, w->cfg,
                                         ip, port, on_run_done, w)
                   : rdpneg_uv_probe_start((rdpneg_uv_probe **)&p, &w->loop,
                                           w->cfg, ip, port, on_done, w);
  if (rv != 0) {
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
  while (w->nlive > 0) {
    void *p = w->live[--w->nlive];
    if (g_plans)
      rdpneg_uv_run_cancel(p);
    else
      rdpneg_uv_probe_cancel(p);
  }
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

static long pre_rss, pre_heap; /* right before a memory run */
static int hold_n;
static const char *hold_what;
static double hold_target; /* issue 11's bound, KiB RSS per probe */

static void print_hold(void) {
  long r = rss_kb(), h = heap_kb();
  double per = (double)(r - pre_rss) / hold_n;
  printf("%-34s rss %8ld KiB  fds %6ld  => %.1f KiB RSS per in-flight "
         "probe (target <= %.0f KiB: %s), %.1f KiB heap in use\n",
         hold_what, r, count_fds(), per, hold_target,
         per <= hold_target ? "met" : "NOT met",
         (double)(h - pre_heap) / hold_n);
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
  int conc = 10000, nx = 100000, nt = 20000, ecdhe = 0, quick = 0, nomem = 0;
  nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "-M") ||
        !strcmp(argv[i], "-p")) {
      quick |= !strcmp(argv[i], "-q");
      nomem |= !strcmp(argv[i], "-M");
      g_plans |= !strcmp(argv[i], "-p");
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
                      "[-r RESPONDERS] [-q] [-M] [-p]\n");
      return 2;
    }
    i++;
  }
  if (conc < 1 || nthreads < 1 || nx < 1 || nt < 1 || nresp < 1 ||
      nresp > RESPONDER_MAX)
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
  sh = responder_shared_new();
  if (!sh)
    return 2;
  for (int i = 0; i < nresp; i++) {
    resp_pid[i] = fork();
    if (resp_pid[i] == 0) {
      responder_main(sh, i, ecdhe);
    }
  }
  for (int i = 0; i < 30000 && atomic_load(&sh->ready) < nresp; i++)
    usleep(1000);
  if (atomic_load(&sh->ready) < nresp) {
    fprintf(stderr, "bench_scale: the responder did not start\n");
    return 2;
  }
  printf("bench_scale: %d loop threads, %d in flight, %d responder "
         "process(es), %s, TLS key exchange %s, load average %.1f\n",
         nthreads, conc, nresp,
         g_plans ? "probe plans (rdpneg_uv_run_start)"
                 : "sessions (rdpneg_uv_probe_start)",
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
  if (nomem)
    goto rates;
  hold_what = "TLS in flight (no server Finished)";
  hold_target = 48;
  malloc_trim(0);
  pre_rss = rss_kb();
  pre_heap = heap_kb();
  run(M_HOLD, conc, conc, 1, print_hold);
  hold_what = "X.224 in flight (no confirm yet)";
  hold_target = 16;
  malloc_trim(0);
  pre_rss = rss_kb();
  pre_heap = heap_kb();
  run(M_SILENT, conc, conc, 1, print_hold);
rates:
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
