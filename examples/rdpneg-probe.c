/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-probe: probe one RDP server and explain what its negotiation shows.
 *
 *   rdpneg-probe [--json] [--protocols LIST] [--timeout MS] [--cookie NAME]
 *                [--sni NAME] [--ca-file PATH] [--warn-days N] [--tls-versions]
 *                [--enumerate]
 *                [--user U [--domain D] --password-env VAR] [--raw-ntlm]
 *                [--reported CODE] [--overrides FILE] [--html FILE]
 *                [--ladder | --no-ladder] HOST[:PORT]
 *   rdpneg-probe --evidence FILE|- [--json] [--reported CODE]
 *                [--overrides FILE] [--html FILE]
 *
 * The options rdpneg-scan shares are parsed in probe_opts.c.
 *
 * Exit codes (monitoring-plugin convention): 0 healthy, 1 degraded,
 * 2 failing, 3 could not probe or usage error. */
#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_uv.h>

#include "nagios.h"
#include "probe_opts.h"

#include <rdpneg/rdpneg_report.h>

#include <signal.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <io.h>
#define isatty _isatty
#define fileno _fileno
#else
#include <unistd.h>
#endif

static void usage(FILE *f) {
  fprintf(f,
          "usage: rdpneg-probe [options] HOST[:PORT]\n"
          "  --json               one JSON document (schema rdpneg.probe/1)\n"
          "  --nagios [-w DAYS] [-c DAYS]\n"
          "                       Nagios/Icinga plugin output; certificate\n"
          "                       days-left thresholds (default 30 and 7)\n"
          "  --sni NAME           TLS server name and hostname check "
          "(default HOST)\n");
  probe_opts_usage(f);
  fprintf(
      f, "  --ladder, --no-ladder\n"
         "                       the phase ladder (each message with its size\n"
         "                       and time) before the report; default on a\n"
         "                       terminal\n"
         "  --evidence FILE      diagnose a saved --json document (- for "
         "stdin)\n"
         "                       with this build's rules; no network\n"
         "  --version            print the version and exit\n"
         "exit: 0 healthy, 1 degraded, 2 failing, 3 could not probe/usage\n");
}

static int parse_target(const char *arg, char *host, size_t cap,
                        uint16_t *port) {
  const char *colon = NULL;
  *port = 3389;
  if (arg[0] == '[') {
    const char *rb = strchr(arg, ']');
    if (!rb || (size_t)(rb - arg - 1) >= cap || rb == arg + 1)
      return -1;
    memcpy(host, arg + 1, (size_t)(rb - arg - 1));
    host[rb - arg - 1] = 0;
    if (rb[1] == ':')
      colon = rb + 1;
    else if (rb[1])
      return -1;
  } else {
    const char *c = strchr(arg, ':');
    if (c && !strchr(c + 1, ':'))
      colon = c;
    size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
    if (n == 0 || n >= cap)
      return -1;
    memcpy(host, arg, n);
    host[n] = 0;
  }
  if (colon) {
    char *end;
    errno = 0;
    long v = strtol(colon + 1, &end, 10);
    if (errno || *end || v < 1 || v > 65535 || end == colon + 1)
      return -1;
    *port = (uint16_t)v;
  }
  return 0;
}

static long parse_num(const char *s, long min, long max, int *ok) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  *ok = !errno && *s && !*end && v >= min && v <= max;
  return v;
}

static nagios_opts nagios = NAGIOS_OPTS_INIT;

static int fail_usage(const char *msg, const char *arg) {
  if (nagios.on) /* a plugin reports usage errors as UNKNOWN on stdout */
    return nagios_unknown(stdout, msg, arg);
  fprintf(stderr, "rdpneg-probe: %s%s%s\n", msg, arg ? ": " : "",
          arg ? arg : "");
  usage(stderr);
  return 3;
}

/* Writes the HTML report of |ev| to --html's file. 0 or -1. */
static int write_html(const rdpneg_evidence *ev, const probe_opts *o) {
  rdpneg_diagnosis *d = NULL;
  char *html = NULL;
  size_t len = 0;
  int rv = rdpneg_diagnose(ev, o->tax, o->reported, &d);
  if (rv == 0)
    rv = rdpneg_evidence_html(ev, d, &html, &len);
  rdpneg_diagnosis_free(d);
  if (rv)
    fprintf(stderr, "rdpneg-probe: HTML report: %s\n", rdpneg_strerror(rv));
  else
    rv = probe_write_file("rdpneg-probe", o->html, html, len);
  rdpneg_free(html);
  return rv ? -1 : 0;
}

/* Diagnoses |ev| and prints the report (after the ladder when |ladder|)
 * or the JSON document; writes the HTML report when asked. Returns the
 * exit code. */
static int emit(const rdpneg_evidence *ev, const probe_opts *o, int json,
                int ladder) {
  if (o->html && write_html(ev, o) != 0)
    return 3;
  if (nagios.on)
    return nagios_emit(ev, o->tax, o->reported, &nagios, stdout);
  rdpneg_diagnosis *d = NULL;
  char *out = NULL, *lad = NULL;
  int rv = rdpneg_diagnose(ev, o->tax, o->reported, &d);
  if (rv == 0 && ladder && !json)
    rv = rdpneg_evidence_ladder(ev, &lad, NULL);
  if (rv == 0)
    rv = json ? rdpneg_evidence_json(ev, d, &out, NULL)
              : rdpneg_evidence_report(ev, d, &out, NULL);
  int wrote = 0;
  if (rv == 0) {
    if (lad)
      fputs(lad, stdout);
    fputs(out, stdout);
    if (json)
      fputc('\n', stdout);
    /* a report that did not reach its reader is an error, not a verdict
     * (a full disk, a lost pipe); a reader that stopped reading (EPIPE:
     * `| head`) chose so */
    errno = 0;
    wrote = (fflush(stdout) == 0 && !ferror(stdout)) || errno == EPIPE;
    if (!wrote)
      fprintf(stderr, "rdpneg-probe: writing the report failed: %s\n",
              strerror(errno ? errno : EIO));
  } else {
    fprintf(stderr, "rdpneg-probe: %s\n", rdpneg_strerror(rv));
  }
  int code = wrote ? (int)rdpneg_diagnosis_verdict(d) : 3;
  rdpneg_free(lad);
  rdpneg_free(out);
  rdpneg_diagnosis_free(d);
  return code;
}

int main(int argc, char **argv) {
  int json = 0, ok, rv, ladder = -1;
  const char *target = NULL, *evidence = NULL;
  rdpneg_config *cfg;
#ifdef SIGPIPE
  /* a server that resets while we write must not kill the process */
  signal(SIGPIPE, SIG_IGN);
#endif
  if (rdpneg_config_new(&cfg) != 0)
    return 3;
  int code = 3;
  probe_opts po = {.prog = "rdpneg-probe", .cfg = cfg};
  const char *msg, *marg;
  nagios.on = nagios_wanted(argc, argv);
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
    int taken = probe_opts_parse(&po, argc, argv, &i, &msg, &marg);
    if (taken == PROBE_OPT_USAGE)
      USAGE(msg, marg);
    if (taken == PROBE_OPT_FATAL)
      goto out;
    if (taken == PROBE_OPT_TAKEN)
      continue;
    if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "--nagios")) {
      /* nagios.on is set before the loop */
    } else if (!strcmp(a, "-w") || !strcmp(a, "-c")) {
      NEED_ARG();
      long d = parse_num(v, 0, 36500, &ok);
      if (!ok || !nagios.on)
        USAGE("-w and -c take days (0..36500) and go with --nagios", v);
      *(a[1] == 'w' ? &nagios.warn_days : &nagios.crit_days) = (int)d;
      if (a[1] == 'w')
        rdpneg_config_set_int(cfg, RDPNEG_OPT_WARN_DAYS, d);
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      code = 0;
      goto out;
    } else if (!strcmp(a, "--version")) {
      printf("rdpneg-probe %s\n", rdpneg_version());
      code = 0;
      goto out;
    } else if (!strcmp(a, "--sni")) {
      NEED_ARG();
      if (rdpneg_config_set_str(cfg, RDPNEG_STROPT_SNI, v) != 0)
        USAGE("bad --sni", v);
    } else if (!strcmp(a, "--ladder") || !strcmp(a, "--no-ladder")) {
      ladder = a[2] == 'l';
    } else if (!strcmp(a, "--evidence")) {
      NEED_ARG();
      evidence = v;
    } else if (a[0] == '-' && a[1]) {
      USAGE("unknown option", a);
    } else if (!target) {
      target = a;
    } else {
      USAGE("more than one target", a);
    }
  }
  if (probe_opts_finish(&po, &msg, &marg) != 0 && !evidence)
    USAGE(msg, marg);
  if (po.reported && rdpneg_reported_check(po.reported) != 0)
    USAGE("bad --reported (e.g. 0x904/0x7, errinfo:0x7, ssl_err:0x1B07)",
          po.reported);
  if (json && nagios.on)
    USAGE("--json and --nagios exclude each other", NULL);
  if (ladder < 0) /* on by default when a person reads the report */
    ladder = isatty(fileno(stdout));
  if (evidence) {
    /* diagnose a saved document with this build's rules: no network */
    if (target)
      USAGE("--evidence takes no target", target);
    size_t len;
    char *doc = probe_read_file("rdpneg-probe", evidence, &len);
    if (!doc)
      goto out;
    rdpneg_evidence *ev = NULL;
    char err[256];
    rv = rdpneg_evidence_parse(doc, len, &ev, err, sizeof err);
    free(doc);
    if (rv) {
      fprintf(stderr, "rdpneg-probe: %s: %s\n", evidence,
              err[0] ? err : rdpneg_strerror(rv));
      goto out;
    }
    code = emit(ev, &po, json, ladder);
    rdpneg_evidence_free(ev);
    goto out;
  }
  if (!target)
    USAGE("no target given", NULL);
  char host[256];
  uint16_t port;
  if (parse_target(target, host, sizeof host, &port) != 0)
    USAGE("bad target (HOST, HOST:PORT or [IPv6]:PORT)", target);

  rdpneg_evidence *ev = NULL;
  rv = rdpneg_probe_run(cfg, host, port, &ev);
  if (!ev) {
    if (nagios.on)
      code = nagios_unknown(stdout, rdpneg_strerror(rv), NULL);
    else
      fprintf(stderr, "rdpneg-probe: %s\n", rdpneg_strerror(rv));
    goto out;
  }
  code = emit(ev, &po, json, ladder);
  rdpneg_evidence_free(ev);
out:
  rdpneg_config_free(cfg);
  rdpneg_taxonomy_free(po.tax);
  return code;
}
