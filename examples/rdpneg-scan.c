/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-scan: probe many RDP servers, one rdpneg.probe/1 document per
 * target as JSON Lines.
 *
 *   rdpneg-scan [options] [-f FILE|-] [TARGET...]
 *
 * Each target gets the probe plan rdpneg-probe runs (rdpneg_uv_run_start)
 * through the library's batch API (rdpneg_batch.h, scan_run.c), which
 * runs --threads libuv loops, each in its own thread: at most
 * --concurrency plans at once, at most --per-target of them against one
 * listener (address and port: names are resolved first, and a name counts
 * against every address it resolves to), and at most --rate start per
 * second. Documents are written in completion order, one per line. A
 * progress line on a terminal, a summary at the end (scan_report.c).
 * Ctrl-C stops starting probes and cancels those in flight (each still
 * writes its document, marked cancelled); a second Ctrl-C exits at once.
 *
 * Exit code: the worst verdict (0 healthy, 1 degraded, 2 failing, 3
 * unknown, or a scan that did not finish, or a usage error). */
#include "probe_opts.h"
#include "scan.h"

#include <signal.h>
#ifndef _WIN32
#include <sys/resource.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: rdpneg-scan [options] [-f FILE] [TARGET...]\n"
      "targets: HOST, HOST:PORT, [IPv6]:PORT, ADDRESS/PREFIX (IPv4 or IPv6\n"
      "         range, [IPv6/PREFIX]:PORT), DNS names; duplicates removed\n"
      "  -f, --file FILE      read targets from FILE (- = standard input;\n"
      "                       whitespace-separated, # starts a comment)\n"
      "  --ports LIST         ports for targets without one (default 3389;\n"
      "                       e.g. 3389,3390-3399)\n"
      "  --max-targets N      refuse more targets than N (default 65536)\n"
      "  --concurrency N      probe plans in flight (default 256)\n"
      "  --per-target N       plans in flight per listener, address and\n"
      "                       port (default 2)\n"
      "  --rate N             start at most N probes per second (default\n"
      "                       no limit)\n"
      "  --threads N          event loops, one thread each (default: one\n"
      "                       per core; more than 64 run as 64)\n"
      "  --resume FILE        skip targets with a document in FILE (an\n"
      "                       earlier output; cancelled ones are probed)\n"
      "  -q, --quiet          no progress line and no summary\n"
      "probe options, as rdpneg-probe's (--html: one page for the fleet):\n");
  probe_opts_usage(f);
  fprintf(f,
          "  -h, --help           print this help\n"
          "  --version            print the version and exit\n"
          "The TLS server name is each target's host.\n"
          "exit: 0 all healthy, 1 worst degraded, 2 worst failing, 3 unknown,\n"
          "      interrupted or usage error; 130 after a second Ctrl-C\n");
}

static int fail_usage(const char *msg, const char *arg) {
  fprintf(stderr, "rdpneg-scan: %s%s%s\n", msg, arg ? ": " : "",
          arg ? arg : "");
  fprintf(stderr, "try rdpneg-scan --help\n");
  return 3;
}

static long parse_num(const char *s, long min, long max, int *ok) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  *ok = !errno && *s && !*end && v >= min && v <= max;
  return v;
}

/* File descriptors one plan may hold at once: its connections (two for
 * the default plan's follow-ups, three more with --tls-versions, up to six
 * more with --enumerate). */
static int fds_per_plan(const rdpneg_config *cfg) {
  int64_t tlsv = 0, en = 0;
  rdpneg_config_get_int(cfg, RDPNEG_OPT_TLS_VERSIONS, &tlsv);
  if (rdpneg_config_get_int(cfg, RDPNEG_OPT_ENUMERATE, &en) != 0)
    en = 0;
  return 2 + (tlsv ? 3 : 0) + (en ? 6 : 0);
}

/* Raises the soft RLIMIT_NOFILE as far as the concurrency needs (up to the
 * hard limit) and lowers the concurrency to what fits. */
static int fit_fd_limit(int concurrency, int per_plan, int threads, int quiet) {
#ifndef _WIN32
  struct rlimit rl;
  rlim_t reserve = 32 + 8 * (rlim_t)threads;
  rlim_t want = (rlim_t)concurrency * (rlim_t)per_plan + reserve;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return concurrency;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    struct rlimit nr = rl;
    nr.rlim_cur =
        rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &nr) == 0)
      rl = nr;
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    long fit = rl.rlim_cur > reserve
                   ? (long)((rl.rlim_cur - reserve) / (rlim_t)per_plan)
                   : 1;
    if (fit < 1)
      fit = 1;
    if (!quiet)
      fprintf(stderr,
              "rdpneg-scan: file descriptor limit %lu: concurrency lowered "
              "from %d to %ld\n",
              (unsigned long)rl.rlim_cur, concurrency, fit);
    return (int)fit;
  }
#endif
  return concurrency;
}

int main(int argc, char **argv) {
  int ok, code = 3;
  const char *ports_arg = "3389", *resume = NULL;
  const char *files[64];
  const char *specs_buf[256];
  const char **specs = specs_buf;
  int nfiles = 0, nspecs = 0, quiet = 0;
  long concurrency = 256, per_target = 2, threads = 0, rate = 0;
  long max_targets = 65536;
  rdpneg_config *cfg = NULL;
  uint16_t *ports = NULL;
  size_t nports = 0;
  scan_targets targets;
  scan_targets_init(&targets, 0);
#ifdef SIGPIPE
  signal(SIGPIPE, SIG_IGN);
#endif
  if (rdpneg_config_new(&cfg) != 0)
    return 3;
  probe_opts po = {.prog = "rdpneg-scan", .cfg = cfg};
  const char *msg, *marg;
  if (argc > 256 &&
      !(specs = malloc((size_t)argc * sizeof *specs))) /* many targets */
    goto out;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define USAGE(msg, arg)                                                        \
  do {                                                                         \
    code = fail_usage(msg, arg);                                               \
    goto out;                                                                  \
  } while (0)
#define NEED_ARG()                                                             \
  do {                                                                         \
    if (!v)                                                                    \
      USAGE("missing value for", a);                                           \
    i++;                                                                       \
  } while (0)
#define NUM_ARG(var, lo, hi, msg)                                              \
  do {                                                                         \
    NEED_ARG();                                                                \
    var = parse_num(v, lo, hi, &ok);                                           \
    if (!ok)                                                                   \
      USAGE(msg, v);                                                           \
  } while (0)
    int taken = probe_opts_parse(&po, argc, argv, &i, &msg, &marg);
    if (taken == PROBE_OPT_USAGE)
      USAGE(msg, marg);
    if (taken == PROBE_OPT_FATAL)
      goto out;
    if (taken == PROBE_OPT_TAKEN)
      continue;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      code = 0;
      goto out;
    } else if (!strcmp(a, "--version")) {
      printf("rdpneg-scan %s\n", rdpneg_version());
      code = 0;
      goto out;
    } else if (!strcmp(a, "-f") || !strcmp(a, "--file")) {
      NEED_ARG();
      if (nfiles == (int)(sizeof files / sizeof files[0]))
        USAGE("too many --file", v);
      files[nfiles++] = v;
    } else if (!strcmp(a, "--ports")) {
      NEED_ARG();
      ports_arg = v;
    } else if (!strcmp(a, "--max-targets")) {
      NUM_ARG(max_targets, 1, 100000000, "bad --max-targets (1..100000000)");
    } else if (!strcmp(a, "--concurrency")) {
      NUM_ARG(concurrency, 1, 1000000, "bad --concurrency (1..1000000)");
    } else if (!strcmp(a, "--per-target")) {
      NUM_ARG(per_target, 1, 1000, "bad --per-target (1..1000)");
    } else if (!strcmp(a, "--rate")) {
      NUM_ARG(rate, 1, 10000000, "bad --rate (probes per second)");
    } else if (!strcmp(a, "--threads")) {
      NUM_ARG(threads, 1, 256, "bad --threads (1..256)");
    } else if (!strcmp(a, "--resume")) {
      NEED_ARG();
      resume = v;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      quiet = 1;
    } else if (!strcmp(a, "--")) { /* the rest are targets */
      while (++i < argc)
        specs[nspecs++] = argv[i];
    } else if (a[0] == '-' && a[1]) {
      USAGE("unknown option", a);
    } else {
      specs[nspecs++] = a;
    }
  }
  if (probe_opts_finish(&po, &msg, &marg) != 0)
    USAGE(msg, marg);
  if (nspecs == 0 && nfiles == 0)
    USAGE("no targets (arguments or -f FILE)", NULL);

  char err[600];
  if (scan_ports_parse(ports_arg, &ports, &nports, err, sizeof err) != 0)
    USAGE(err, NULL);
  targets.max = (size_t)max_targets;
  for (int i = 0; i < nspecs; i++)
    if (scan_targets_add_spec(&targets, specs[i], ports, nports, err,
                              sizeof err) != 0)
      USAGE(err, NULL);
  for (int i = 0; i < nfiles; i++)
    if (scan_targets_add_file(&targets, files[i], ports, nports, err,
                              sizeof err) != 0)
      USAGE(err, NULL);
  size_t total_given = targets.n, resumed = 0, bad_lines = 0;
  if (resume && scan_targets_resume(&targets, resume, &resumed, &bad_lines, err,
                                    sizeof err) != 0) {
    fprintf(stderr, "rdpneg-scan: %s\n", err);
    goto out;
  }
  if (resume && bad_lines && !quiet)
    fprintf(stderr, "rdpneg-scan: %s: %zu line%s not a document (ignored)\n",
            resume, bad_lines, bad_lines == 1 ? "" : "s");
  (void)total_given;

  if (threads == 0)
    threads = (long)uv_available_parallelism();
  if (threads < 1)
    threads = 1;
  if (threads > 64) /* the batch's limit (rdpneg_batch.h) */
    threads = 64;
  concurrency =
      fit_fd_limit((int)concurrency, fds_per_plan(cfg), (int)threads, quiet);
  if (threads > concurrency)
    threads = concurrency;
  if ((size_t)threads > targets.n)
    threads = targets.n ? (long)targets.n : 1;

  scan_params p = {
      .targets = &targets,
      .cfg = cfg,
      .tax = po.tax,
      .reported = po.reported,
      .html = po.html,
      .concurrency = (int)concurrency,
      .per_target = (int)per_target,
      .threads = (int)threads,
      .rate = (double)rate,
      .quiet = quiet,
      .duplicates = targets.duplicates,
      .resumed = resumed,
  };
  code = scan_run(&p);
out:
  if (specs != specs_buf)
    free((void *)specs);
  free(ports);
  scan_targets_free(&targets);
  rdpneg_config_free(cfg);
  rdpneg_taxonomy_free(po.tax);
  return code;
}
