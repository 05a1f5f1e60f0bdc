/* rdpneg-probe: probe one RDP server and explain what its negotiation shows.
 *
 *   rdpneg-probe [--json] [--protocols LIST] [--timeout MS] [--cookie NAME]
 *                [--sni NAME] [--ca-file PATH] [--warn-days N] [--tls-versions]
 *                [--user U [--domain D] --password-env VAR] [--raw-ntlm]
 *                [--reported CODE] [--overrides FILE] HOST[:PORT]
 *
 * Exit codes (monitoring-plugin convention): 0 healthy, 1 degraded,
 * 2 failing, 3 could not probe or usage error. */
#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_uv.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(f,
          "usage: rdpneg-probe [options] HOST[:PORT]\n"
          "  --json               one JSON document (schema rdpneg.probe/1)\n"
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
          "  --no-tls             stop after the X.224 negotiation\n"
          "  --user U --password-env VAR [--domain D]\n"
          "                       check credentials over NLA (password read "
          "from\n"
          "                       the environment variable VAR)\n"
          "  --raw-ntlm           send raw NTLM instead of SPNEGO\n"
          "  --strict             reject an expired, misnamed or untrusted\n"
          "                       certificate before NLA (no NTLM is sent)\n"
          "  --reported CODE      what the user saw, e.g. 0x904/0x7, "
          "errinfo:0x7,\n"
          "                       ssl_err:0x1B07: cross-checked against the "
          "probe\n"
          "  --overrides FILE     vendor remedy texts (JSON, see README)\n"
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

static int fail_usage(const char *msg, const char *arg) {
  fprintf(stderr, "rdpneg-probe: %s%s%s\n", msg, arg ? ": " : "",
          arg ? arg : "");
  usage(stderr);
  return 3;
}

int main(int argc, char **argv) {
  int json = 0, tls_versions = 0, ok, rv;
  const char *target = NULL, *user = NULL, *domain = NULL, *pw_env = NULL;
  const char *reported = NULL;
  rdpneg_taxonomy *tax = NULL;
  rdpneg_config *cfg;
  if (rdpneg_config_new(&cfg) != 0)
    return 3;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG()                                                             \
  do {                                                                         \
    if (!v)                                                                    \
      return fail_usage("missing value for", a);                               \
    i++;                                                                       \
  } while (0)
    if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      rdpneg_config_free(cfg);
      return 0;
    } else if (!strcmp(a, "--version")) {
      printf("rdpneg-probe %s\n", rdpneg_version());
      rdpneg_config_free(cfg);
      return 0;
    } else if (!strcmp(a, "--protocols")) {
      NEED_ARG();
      uint32_t mask;
      int neg;
      if (rdpneg_protocols_parse(v, &mask, &neg) != 0)
        return fail_usage("unknown protocol in list", v);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_REQUESTED_PROTOCOLS, mask);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_SEND_NEG_REQ, neg);
    } else if (!strcmp(a, "--timeout")) {
      NEED_ARG();
      long ms = parse_num(v, 1, 600000, &ok);
      if (!ok)
        return fail_usage("bad --timeout (1..600000 ms)", v);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_CONNECT_TIMEOUT_MS, ms);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_X224_TIMEOUT_MS, ms);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_TIMEOUT_MS, ms);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_NLA_TIMEOUT_MS, ms);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_OVERALL_TIMEOUT_MS, 3 * ms);
    } else if (!strcmp(a, "--cookie")) {
      NEED_ARG();
      if (rdpneg_config_set_str(cfg, RDPNEG_STROPT_COOKIE, v) != 0)
        return fail_usage("bad cookie (1..255 bytes, no CR/LF)", v);
    } else if (!strcmp(a, "--sni")) {
      NEED_ARG();
      if (rdpneg_config_set_str(cfg, RDPNEG_STROPT_SNI, v) != 0)
        return fail_usage("bad --sni", v);
    } else if (!strcmp(a, "--ca-file")) {
      NEED_ARG();
      FILE *f = fopen(v, "rb");
      if (!f)
        return fail_usage("cannot open --ca-file", v);
      static unsigned char buf[1 << 20];
      size_t n = fread(buf, 1, sizeof buf, f);
      fclose(f);
      if (n == 0 || rdpneg_config_add_ca(cfg, buf, n) != 0)
        return fail_usage("no certificate in --ca-file", v);
    } else if (!strcmp(a, "--warn-days")) {
      NEED_ARG();
      long d = parse_num(v, 0, 36500, &ok);
      if (!ok)
        return fail_usage("bad --warn-days", v);
      rdpneg_config_set_int(cfg, RDPNEG_OPT_WARN_DAYS, d);
    } else if (!strcmp(a, "--tls-versions")) {
      tls_versions = 1;
    } else if (!strcmp(a, "--no-tls")) {
      rdpneg_config_set_int(cfg, RDPNEG_OPT_DO_TLS, 0);
    } else if (!strcmp(a, "--raw-ntlm")) {
      rdpneg_config_set_int(cfg, RDPNEG_OPT_SPNEGO, 0);
    } else if (!strcmp(a, "--strict")) {
      rdpneg_config_set_int(cfg, RDPNEG_OPT_REJECT_CERT,
                            RDPNEG_REJECT_EXPIRED | RDPNEG_REJECT_NAME |
                                RDPNEG_REJECT_UNTRUSTED);
    } else if (!strcmp(a, "--reported")) {
      NEED_ARG();
      reported = v;
    } else if (!strcmp(a, "--overrides")) {
      NEED_ARG();
      char err[512];
      if (!tax && rdpneg_taxonomy_new(&tax) != 0)
        return 3;
      if (rdpneg_taxonomy_load_overrides(tax, v, err, sizeof err) != 0) {
        fprintf(stderr, "rdpneg-probe: %s\n", err);
        return 3;
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
      return fail_usage("unknown option", a);
    } else if (!target) {
      target = a;
    } else {
      return fail_usage("more than one target", a);
    }
  }
  if (!target)
    return fail_usage("no target given", NULL);
  if (user || pw_env) {
    if (!user || !pw_env)
      return fail_usage("--user and --password-env go together", NULL);
    const char *pw = getenv(pw_env);
    if (!pw)
      return fail_usage("password variable is not set", pw_env);
    if (rdpneg_config_set_credentials(cfg, user, domain, pw) != 0)
      return fail_usage("cannot store credentials", NULL);
  }
  char host[256];
  uint16_t port;
  if (parse_target(target, host, sizeof host, &port) != 0)
    return fail_usage("bad target (HOST, HOST:PORT or [IPv6]:PORT)", target);

  if (reported) {
    /* validate before connecting: a typo is a usage error, not a probe */
    rdpneg_session *chk = NULL;
    int bad = rdpneg_session_new(&chk, cfg, host, port) != 0 ||
              rdpneg_session_set_analysis(chk, NULL, reported) != 0;
    rdpneg_session_free(chk);
    if (bad)
      return fail_usage("bad --reported (e.g. 0x904/0x7, errinfo:0x7, "
                        "ssl_err:0x1B07)",
                        reported);
  }
  rdpneg_session *s = NULL;
  rv = rdpneg_probe_run(cfg, host, port, &s);
  if (s)
    rdpneg_session_set_analysis(s, tax, reported);
  if (rv == 0 && tls_versions)
    rv = rdpneg_probe_run_tls_versions(cfg, host, port, s);
  rdpneg_config_free(cfg);
  if (!s) {
    fprintf(stderr, "rdpneg-probe: %s\n", rdpneg_strerror(rv));
    return 3;
  }
  char *out = NULL;
  if (json)
    rv = rdpneg_session_json(s, &out, NULL);
  else
    rv = rdpneg_session_report(s, &out, NULL);
  if (rv == 0) {
    fputs(out, stdout);
    if (json)
      fputc('\n', stdout);
  }
  rdpneg_free(out);
  int code = (int)rdpneg_session_verdict(s);
  rdpneg_session_free(s);
  rdpneg_taxonomy_free(tax);
  return rv == 0 ? code : 3;
}
