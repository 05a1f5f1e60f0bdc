/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-probe: probe one RDP server and explain what its negotiation shows.
 *
 *   rdpneg-probe [--json] [--protocols LIST] [--timeout MS] [--cookie NAME]
 *                [--sni NAME] [--ca-file PATH] [--warn-days N] [--tls-versions]
 *                [--enumerate]
 *                [--user U [--domain D] --password-env VAR] [--raw-ntlm]
 *                [--reported CODE] [--overrides FILE] HOST[:PORT]
 *   rdpneg-probe --evidence FILE|- [--json] [--reported CODE]
 *                [--overrides FILE]
 *
 * Exit codes (monitoring-plugin convention): 0 healthy, 1 degraded,
 * 2 failing, 3 could not probe or usage error. */
#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_uv.h>

#include "nagios.h"

#include <signal.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(
      f, "usage: rdpneg-probe [options] HOST[:PORT]\n"
         "  --json               one JSON document (schema rdpneg.probe/1)\n"
         "  --nagios [-w DAYS] [-c DAYS]\n"
         "                       Nagios/Icinga plugin output; certificate\n"
         "                       days-left thresholds (default 30 and 7)\n"
         "  --protocols LIST     rdp,ssl,hybrid,rdstls,hybrid_ex,rdsaad or "
         "none\n"
         "                       (default ssl,hybrid,hybrid_ex; none = "
         "legacy request)\n"
         "  --timeout MS         per-phase timeout (default 5000; overall "
         "3x)\n"
         "  --cookie NAME        send Cookie: mstshash=NAME\n"
         "  --sni NAME           TLS server name and hostname check "
         "(default HOST)\n"
         "  --ca-file PATH       trust anchors (PEM/DER) for certificate "
         "checks\n"
         "  --warn-days N        certificate expiry warning (default 30)\n"
         "  --tls-versions       also try TLS 1.0, 1.1 and 1.2 one by one\n"
         "                       (in parallel; what the first answer decides\n"
         "                       is inferred, not tried)\n"
         "  --enumerate          the server's whole profile: what it selects\n"
         "                       for each protocol set, NLA / TLS required,\n"
         "                       Standard RDP Security and legacy clients\n"
         "                       accepted (encryption, key size), TLS\n"
         "                       versions (JSON profile)\n"
         "  --no-tls             stop after the X.224 negotiation\n"
         "  --user U --password-env VAR [--domain D]\n"
         "                       check credentials over NLA (password read "
         "from\n"
         "                       the environment variable VAR)\n"
         "  --spnego             wrap NTLM in SPNEGO exactly as mstsc does\n"
         "                       (default: raw NTLM, accepted by Windows and\n"
         "                       FreeRDP; a refusal of SPNEGO is retried raw)\n"
         "  --raw-ntlm           raw NTLM (the default)\n"
         "  --strict             reject an expired, misnamed or untrusted\n"
         "                       certificate before NLA (no NTLM is sent)\n"
         "  --reported CODE      what the user saw, e.g. 0x904/0x7, "
         "errinfo:0x7,\n"
         "                       ssl_err:0x1B07: cross-checked against the "
         "probe\n"
         "  --overrides FILE     vendor remedy texts (JSON, see README)\n"
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

/* Reads all of |path| ("-" = stdin) into a new buffer; NULL on error with
 * a message on stderr. Refuses what is not a regular file or a pipe on
 * stdin, and documents over 4 MiB. */
static char *read_document(const char *path, size_t *plen) {
  FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
  if (!f) {
    fprintf(stderr, "rdpneg-probe: cannot open %s: %s\n", path,
            strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, len = 0, max = 4u << 20;
  char *buf = malloc(cap);
  while (buf) {
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
    if (len == cap) {
      if (cap >= max) {
        fprintf(stderr, "rdpneg-probe: %s: larger than 4 MiB\n", path);
        free(buf);
        buf = NULL;
        break;
      }
      char *nb = realloc(buf, cap *= 2);
      if (!nb)
        free(buf);
      buf = nb;
    }
  }
  if (buf && ferror(f)) {
    fprintf(stderr, "rdpneg-probe: cannot read %s: %s\n", path,
            strerror(errno));
    free(buf);
    buf = NULL;
  }
  if (f != stdin)
    fclose(f);
  *plen = len;
  return buf;
}

/* Diagnoses |ev| and prints the report or the JSON document. Returns the
 * exit code. */
static int emit(const rdpneg_evidence *ev, const rdpneg_taxonomy *tax,
                const char *reported, int json) {
  if (nagios.on)
    return nagios_emit(ev, tax, reported, &nagios, stdout);
  rdpneg_diagnosis *d = NULL;
  char *out = NULL;
  int rv = rdpneg_diagnose(ev, tax, reported, &d);
  if (rv == 0)
    rv = json ? rdpneg_evidence_json(ev, d, &out, NULL)
              : rdpneg_evidence_report(ev, d, &out, NULL);
  if (rv == 0) {
    fputs(out, stdout);
    if (json)
      fputc('\n', stdout);
    fflush(stdout);
  } else {
    fprintf(stderr, "rdpneg-probe: %s\n", rdpneg_strerror(rv));
  }
  int code = rv == 0 ? (int)rdpneg_diagnosis_verdict(d) : 3;
  rdpneg_free(out);
  rdpneg_diagnosis_free(d);
  return code;
}

int main(int argc, char **argv) {
  int json = 0, ok, rv;
  const char *target = NULL, *user = NULL, *domain = NULL, *pw_env = NULL;
  const char *reported = NULL, *evidence = NULL;
  rdpneg_taxonomy *tax = NULL;
  rdpneg_config *cfg;
#ifdef SIGPIPE
  /* a server that resets while we write must not kill the process */
  signal(SIGPIPE, SIG_IGN);
#endif
  if (rdpneg_config_new(&cfg) != 0)
    return 3;
  int code = 3;
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
    } else if (!strcmp(a, "--protocols")) {
      NEED_ARG();
      uint32_t mask;
      int neg;
      if (rdpneg_protocols_parse(v, &mask, &neg) != 0)
        USAGE("unknown protocol in list", v);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_REQUESTED_PROTOCOLS, mask);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_SEND_NEG_REQ, neg);
    } else if (!strcmp(a, "--timeout")) {
      NEED_ARG();
      long ms = parse_num(v, 1, 600000, &ok);
      if (!ok)
        USAGE("bad --timeout (1..600000 ms)", v);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_CONNECT_TIMEOUT_MS, ms);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_X224_TIMEOUT_MS, ms);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_TIMEOUT_MS, ms);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_NLA_TIMEOUT_MS, ms);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_OVERALL_TIMEOUT_MS, 3 * ms);
    } else if (!strcmp(a, "--cookie")) {
      NEED_ARG();
      if (rdpneg_config_set_str(cfg, RDPNEG_STROPT_COOKIE, v) != 0)
        USAGE("bad cookie (1..255 bytes, no CR/LF)", v);
    } else if (!strcmp(a, "--sni")) {
      NEED_ARG();
      if (rdpneg_config_set_str(cfg, RDPNEG_STROPT_SNI, v) != 0)
        USAGE("bad --sni", v);
    } else if (!strcmp(a, "--ca-file")) {
      NEED_ARG();
      size_t n;
      char *buf = read_document(v, &n);
      if (!buf) {
        code = 3;
        goto out;
      }
      rv = n ? rdpneg_config_add_ca(cfg, (const uint8_t *)buf, n) : -1;
      free(buf);
      if (rv != 0)
        USAGE("no certificate in --ca-file", v);
    } else if (!strcmp(a, "--warn-days")) {
      NEED_ARG();
      long d = parse_num(v, 0, 36500, &ok);
      if (!ok)
        USAGE("bad --warn-days", v);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_WARN_DAYS, d);
    } else if (!strcmp(a, "--tls-versions")) {
      rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_VERSIONS, 1);
    } else if (!strcmp(a, "--enumerate")) {
      rdpneg_config_set_int(cfg, RDPNEG_OPT_ENUMERATE, 1);
    } else if (!strcmp(a, "--no-tls")) {
      rdpneg_config_set_int(cfg, RDPNEG_OPT_DO_TLS, 0);
    } else if (!strcmp(a, "--raw-ntlm")) {
      rdpneg_config_set_int(cfg, RDPNEG_OPT_SPNEGO, 0);
    } else if (!strcmp(a, "--spnego")) {
      rdpneg_config_set_int(cfg, RDPNEG_OPT_SPNEGO, 1);
    } else if (!strcmp(a, "--strict")) {
      rdpneg_config_set_int(cfg, RDPNEG_OPT_REJECT_CERT,
                            RDPNEG_REJECT_EXPIRED | RDPNEG_REJECT_NAME |
                                RDPNEG_REJECT_UNTRUSTED);
    } else if (!strcmp(a, "--reported")) {
      NEED_ARG();
      reported = v;
    } else if (!strcmp(a, "--evidence")) {
      NEED_ARG();
      evidence = v;
    } else if (!strcmp(a, "--overrides")) {
      NEED_ARG();
      char err[512];
      if (!tax && rdpneg_taxonomy_new(&tax) != 0)
        goto out;
      if (rdpneg_taxonomy_load_overrides(tax, v, err, sizeof err) != 0) {
        fprintf(stderr, "rdpneg-probe: %s\n", err);
        goto out;
      }
    } else if (!strcmp(a, "--user")) {
      NEED_ARG();
      user = v;
    } else if (!strcmp(a, "--domain")) {
      NEED_ARG();
      domain = v;
    } else if (!strcmp(a, "--password-env")) {
      NEED_ARG();
      pw_env = v;
    } else if (a[0] == '-' && a[1]) {
      USAGE("unknown option", a);
    } else if (!target) {
      target = a;
    } else {
      USAGE("more than one target", a);
    }
  }
  /* a typo in --reported is a usage error, found before any connection */
  if (reported && rdpneg_reported_check(reported) != 0)
    USAGE("bad --reported (e.g. 0x904/0x7, errinfo:0x7, ssl_err:0x1B07)",
          reported);
  if (json && nagios.on)
    USAGE("--json and --nagios exclude each other", NULL);
  if (evidence) {
    /* diagnose a saved document with this build's rules: no network */
    if (target)
      USAGE("--evidence takes no target", target);
    size_t len;
    char *doc = read_document(evidence, &len);
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
    code = emit(ev, tax, reported, json);
    rdpneg_evidence_free(ev);
    goto out;
  }
  if (!target)
    USAGE("no target given", NULL);
  if (user || pw_env) {
    if (!user || !pw_env)
      USAGE("--user and --password-env go together", NULL);
    const char *pw = getenv(pw_env);
    if (!pw)
      USAGE("password variable is not set", pw_env);
    rv = rdpneg_config_set_credentials(cfg, user, domain, pw);
    if (rv == RDPNEG_ERR_INVALID_ARGUMENT)
      USAGE("--user, --domain and the password must be valid UTF-8", NULL);
    if (rv != 0)
      USAGE("cannot store credentials", NULL);
  }
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
  code = emit(ev, tax, reported, json);
  rdpneg_evidence_free(ev);
out:
  rdpneg_config_free(cfg);
  rdpneg_taxonomy_free(tax);
  return code;
}
