/* SPDX-License-Identifier: Apache-2.0 */
/* In-process benchmark: N probes against one server through the libuv
 * driver, at most C in flight on one loop. Prints wall time per probe
 * (median, p90) and process CPU time per probe (getrusage), which is what
 * a monitoring tool linking the library pays.
 *
 *   bench_probe HOST PORT N C [--no-tls] [--protocols LIST]
 *                             [--user U --password-env VAR]
 *
 * With --user every probe checks the credentials over NLA and counts as
 * failed unless the verdict is healthy (credentials accepted). */
#include <rdpneg/rdpneg_uv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
  uv_loop_t *loop;
  rdpneg_config *cfg;
  const char *host;
  uint16_t port;
  int total, started, finished, failed;
  int need_healthy;
  double *ms;
  uint64_t *t0;
} bench;

static void start_one(bench *b);

static void done(rdpneg_uv_probe *p, rdpneg_session *s, int status, void *ud) {
  (void)p;
  bench *b = ud;
  b->finished++;
  rdpneg_verdict v = rdpneg_session_verdict(s);
  if (status != 0 || v == RDPNEG_VERDICT_UNKNOWN ||
      (b->need_healthy && v != RDPNEG_VERDICT_HEALTHY))
    b->failed++;
  double total = 0;
  for (int ph = 0; ph < RDPNEG_PHASE_COUNT; ph++) {
    double ms;
    if (rdpneg_session_phase(s, (rdpneg_phase)ph, &ms, NULL) !=
        RDPNEG_PHASE_SKIPPED)
      total += ms;
  }
  b->ms[b->finished - 1] = total;
  rdpneg_session_free(s);
  if (b->started < b->total)
    start_one(b);
}

static void start_one(bench *b) {
  b->started++;
  if (rdpneg_uv_probe_start(NULL, b->loop, b->cfg, b->host, b->port, done, b) !=
      0) {
    b->failed++;
    b->finished++;
  }
}

static int cmp(const void *a, const void *c) {
  double x = *(const double *)a, y = *(const double *)c;
  return x < y ? -1 : x > y;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: bench_probe HOST PORT N C [--no-tls] "
                    "[--protocols LIST] [--user U --password-env VAR]\n");
    return 3;
  }
  bench b = {0};
  b.host = argv[1];
  b.port = (uint16_t)atoi(argv[2]);
  b.total = atoi(argv[3]);
  int conc = atoi(argv[4]);
  if (b.total < 1 || conc < 1 || b.port == 0)
    return 3;
  rdpneg_config_new(&b.cfg);
  const char *user = NULL, *pwvar = NULL;
  for (int i = 5; i < argc; i++) {
    if (!strcmp(argv[i], "--no-tls")) {
      rdpneg_config_set_int(b.cfg, RDPNEG_OPT_DO_TLS, 0);
    } else if (!strcmp(argv[i], "--protocols") && i + 1 < argc) {
      uint32_t m;
      int neg;
      if (rdpneg_protocols_parse(argv[++i], &m, &neg) != 0)
        return 3;
      rdpneg_config_set_int(b.cfg, RDPNEG_OPT_REQUESTED_PROTOCOLS, m);
      rdpneg_config_set_int(b.cfg, RDPNEG_OPT_SEND_NEG_REQ, neg);
    } else if (!strcmp(argv[i], "--user") && i + 1 < argc) {
      user = argv[++i];
    } else if (!strcmp(argv[i], "--password-env") && i + 1 < argc) {
      pwvar = argv[++i];
    } else {
      fprintf(stderr, "bench_probe: unknown option %s\n", argv[i]);
      return 3;
    }
  }
  if (user) {
    const char *pw = pwvar ? getenv(pwvar) : NULL;
    if (!pw || rdpneg_config_set_credentials(b.cfg, user, NULL, pw) != 0) {
      fprintf(stderr, "bench_probe: --user needs --password-env VAR set\n");
      return 3;
    }
    b.need_healthy = 1;
  }
  b.ms = calloc((size_t)b.total, sizeof *b.ms);
  uv_loop_t loop;
  uv_loop_init(&loop);
  b.loop = &loop;
  double c0 = cpu_s();
  uint64_t w0 = uv_hrtime();
  for (int i = 0; i < conc && b.started < b.total; i++)
    start_one(&b);
  uv_run(&loop, UV_RUN_DEFAULT);
  double wall = (double)(uv_hrtime() - w0) / 1e9;
  double cpu = cpu_s() - c0;
  uv_loop_close(&loop);
  qsort(b.ms, (size_t)b.total, sizeof *b.ms, cmp);
  printf("{\"probes\": %d, \"concurrency\": %d, \"failed\": %d, "
         "\"wall_s\": %.3f, \"probes_per_s\": %.1f, "
         "\"probe_ms_median\": %.2f, \"probe_ms_p90\": %.2f, "
         "\"cpu_ms_per_probe\": %.3f}\n",
         b.total, conc, b.failed, wall, b.total / wall, b.ms[b.total / 2],
         b.ms[(b.total * 9) / 10], cpu * 1000.0 / b.total);
  rdpneg_config_free(b.cfg);
  free(b.ms);
  return b.failed ? 1 : 0;
}
