/* SPDX-License-Identifier: Apache-2.0 */
/* The probe options rdpneg-probe and rdpneg-scan share (probe_opts.h). */
#include "probe_opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static long parse_num(const char *s, long min, long max, int *ok) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  *ok = !errno && *s && !*end && v >= min && v <= max;
  return v;
}

char *probe_read_file(const char *prog, const char *path, size_t *plen) {
  FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
  if (!f) {
    fprintf(stderr, "%s: cannot open %s: %s\n", prog, path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, len = 0, max = 4u << 20;
  char *buf = malloc(cap + 1);
  while (buf) {
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
    if (len == cap) {
      if (cap >= max) {
        fprintf(stderr, "%s: %s: larger than 4 MiB\n", prog, path);
        free(buf);
        buf = NULL;
        break;
      }
      char *nb = realloc(buf, (cap *= 2) + 1);
      if (!nb)
        free(buf);
      buf = nb;
    }
  }
  if (buf && ferror(f)) {
    fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, strerror(errno));
    free(buf);
    buf = NULL;
  }
  if (f != stdin)
    fclose(f);
  if (buf)
    buf[len] = 0;
  *plen = len;
  return buf;
}

int probe_write_file(const char *prog, const char *path, const char *data,
                     size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
    if (f)
      fclose(f);
    return -1;
  }
  return 0;
}

void probe_opts_usage(FILE *f) {
  fputs("  --protocols LIST     rdp,ssl,hybrid,rdstls,hybrid_ex,rdsaad or "
        "none\n"
        "                       (default ssl,hybrid,hybrid_ex; none = "
        "legacy request)\n"
        "  --timeout MS         per-phase timeout (default 5000; overall "
        "3x)\n"
        "  --cookie NAME        send Cookie: mstshash=NAME\n"
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
        "  --html FILE          also write a self-contained HTML report\n"
        "                       (findings, certificate, timings, the phase\n"
        "                       ladder of every connection) to FILE\n",
        f);
}

int probe_opts_parse(probe_opts *o, int argc, char **argv, int *i,
                     const char **msg, const char **arg) {
  const char *a = argv[*i];
  const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
  rdpneg_config *cfg = o->cfg;
  int ok;
  static const char *const with_value[] = {
      "--protocols", "--timeout",  "--cookie",      "--ca-file",
      "--warn-days", "--reported", "--html",        "--overrides",
      "--user",      "--domain",   "--password-env"};
  for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
    if (strcmp(a, with_value[k]))
      continue;
    if (!v) {
      *msg = "missing value for";
      *arg = a;
      return PROBE_OPT_USAGE;
    }
    ++*i;
    break;
  }
#define BAD(m, x)                                                              \
  do {                                                                         \
    *msg = (m);                                                                \
    *arg = (x);                                                                \
    return PROBE_OPT_USAGE;                                                    \
  } while (0)
  if (!strcmp(a, "--protocols")) {
    uint32_t mask;
    int neg;
    if (rdpneg_protocols_parse(v, &mask, &neg) != 0)
      BAD("unknown protocol in list", v);
    rdpneg_config_set_int(cfg, RDPNEG_OPT_REQUESTED_PROTOCOLS, mask);
    rdpneg_config_set_int(cfg, RDPNEG_OPT_SEND_NEG_REQ, neg);
  } else if (!strcmp(a, "--timeout")) {
    long ms = parse_num(v, 1, 600000, &ok);
    if (!ok)
      BAD("bad --timeout (1..600000 ms)", v);
    rdpneg_config_set_int(cfg, RDPNEG_OPT_CONNECT_TIMEOUT_MS, ms);
    rdpneg_config_set_int(cfg, RDPNEG_OPT_X224_TIMEOUT_MS, ms);
    rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_TIMEOUT_MS, ms);
    rdpneg_config_set_int(cfg, RDPNEG_OPT_NLA_TIMEOUT_MS, ms);
    rdpneg_config_set_int(cfg, RDPNEG_OPT_OVERALL_TIMEOUT_MS, 3 * ms);
  } else if (!strcmp(a, "--cookie")) {
    if (rdpneg_config_set_str(cfg, RDPNEG_STROPT_COOKIE, v) != 0)
      BAD("bad cookie (1..255 bytes, no CR/LF)", v);
  } else if (!strcmp(a, "--ca-file")) {
    size_t n;
    char *buf = probe_read_file(o->prog, v, &n);
    if (!buf)
      return PROBE_OPT_FATAL;
    int rv = n ? rdpneg_config_add_ca(cfg, (const uint8_t *)buf, n) : -1;
    free(buf);
    if (rv != 0)
      BAD("no certificate in --ca-file", v);
  } else if (!strcmp(a, "--warn-days")) {
    long d = parse_num(v, 0, 36500, &ok);
    if (!ok)
      BAD("bad --warn-days", v);
    rdpneg_config_set_int(cfg, RDPNEG_OPT_WARN_DAYS, d);
    o->warn_days_set = 1;
  } else if (!strcmp(a, "--tls-versions")) {
    rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_VERSIONS, 1);
  } else if (!strcmp(a, "--enumerate")) {
    if (rdpneg_config_set_int(cfg, RDPNEG_OPT_ENUMERATE, 1) != 0)
      BAD("--enumerate: this librdpneg has no enumeration", NULL);
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
    o->reported = v;
  } else if (!strcmp(a, "--html")) {
    o->html = v;
  } else if (!strcmp(a, "--overrides")) {
    char err[512];
    if (!o->tax && rdpneg_taxonomy_new(&o->tax) != 0)
      return PROBE_OPT_FATAL;
    if (rdpneg_taxonomy_load_overrides(o->tax, v, err, sizeof err) != 0) {
      fprintf(stderr, "%s: %s\n", o->prog, err);
      return PROBE_OPT_FATAL;
    }
  } else if (!strcmp(a, "--user")) {
    o->user = v;
  } else if (!strcmp(a, "--domain")) {
    o->domain = v;
  } else if (!strcmp(a, "--password-env")) {
    o->pw_env = v;
  } else {
    return PROBE_OPT_NONE;
  }
#undef BAD
  return PROBE_OPT_TAKEN;
}

int probe_opts_finish(probe_opts *o, const char **msg, const char **arg) {
  *arg = NULL;
  /* a typo in --reported is a usage error, found before any connection */
  if (o->reported && rdpneg_reported_check(o->reported) != 0) {
    *msg = "bad --reported (e.g. 0x904/0x7, errinfo:0x7, ssl_err:0x1B07)";
    *arg = o->reported;
    return PROBE_OPT_USAGE;
  }
  if (!o->user && !o->pw_env)
    return PROBE_OPT_NONE;
  *msg = NULL;
  if (!o->user || !o->pw_env) {
    *msg = "--user and --password-env go together";
  } else {
    const char *pw = getenv(o->pw_env);
    int rv =
        pw ? rdpneg_config_set_credentials(o->cfg, o->user, o->domain, pw) : 0;
    if (!pw) {
      *msg = "password variable is not set";
      *arg = o->pw_env;
    } else if (rv == RDPNEG_ERR_INVALID_ARGUMENT) {
      *msg = "--user, --domain and the password must be valid UTF-8";
    } else if (rv != 0) {
      *msg = "cannot store credentials";
    }
  }
  return *msg ? PROBE_OPT_USAGE : PROBE_OPT_NONE;
}
