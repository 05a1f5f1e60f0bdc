/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-probe --nagios (see nagios.h). */
#include "nagios.h"
#include "scan_json.h"

#include <stdlib.h>
#include <string.h>

static const char *const state_names[4] = {"OK", "WARNING", "CRITICAL",
                                           "UNKNOWN"};

/* Writes |s| without the characters that would break the plugin output:
 * '|' starts the performance data, a newline ends the line. */
static void put_text(FILE *out, const char *s) {
  for (; s && *s; s++)
    fputc(*s == '|' ? '/' : (*s == '\n' || *s == '\r') ? ' ' : *s, out);
}

int nagios_unknown(FILE *out, const char *msg, const char *arg) {
  fputs("RDP UNKNOWN - ", out);
  put_text(out, msg);
  if (arg) {
    fputs(": ", out);
    put_text(out, arg);
  }
  fputc('\n', out);
  fflush(out);
  return 3;
}

int nagios_wanted(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--nagios") == 0)
      return 1;
  return 0;
}

/* A number of the document at |path| into *|v|; 0 or -1. */
static int doc_num(const char *doc, size_t len, const char *path, double *v) {
  sj_val x;
  return sj_get(doc, len, path, &x) == SJ_NUMBER ? sj_number(&x, v) : -1;
}

static void doc_str(const char *doc, size_t len, const char *path, char *buf,
                    size_t cap) {
  sj_val x;
  buf[0] = 0;
  if (sj_get(doc, len, path, &x) != SJ_STRING || sj_string(&x, buf, cap) != 0)
    buf[0] = 0;
}

/* A perfdata value: at most three decimals, no trailing zeros. */
static void put_ms(FILE *out, const char *label, const char *doc, size_t len,
                   const char *path) {
  double v;
  if (doc_num(doc, len, path, &v) == 0) {
    char num[64];
    snprintf(num, sizeof num, "%.3f", v < 0 ? 0 : v);
    size_t k = strlen(num);
    while (k > 1 && num[k - 1] == '0')
      num[--k] = 0;
    if (num[k - 1] == '.')
      num[--k] = 0;
    fprintf(out, " %s=%sms;;;0", label, num);
  } else
    fprintf(out, " %s=U", label); /* not reached or not measured */
}

int nagios_emit(const rdpneg_evidence *ev, const rdpneg_taxonomy *tax,
                const char *reported, const nagios_opts *o, FILE *out) {
  rdpneg_diagnosis *d = NULL;
  char *doc = NULL;
  size_t len = 0;
  int rv = rdpneg_diagnose(ev, tax, reported, &d);
  if (rv == 0)
    rv = rdpneg_evidence_json(ev, d, &doc, &len);
  if (rv != 0) {
    rdpneg_diagnosis_free(d);
    return nagios_unknown(out, rdpneg_strerror(rv), NULL);
  }
  int verdict = (int)rdpneg_diagnosis_verdict(d);
  int state = verdict;
  double days = 0;
  int has_days = doc_num(doc, len, "tls.certificate.days_left", &days) == 0;
  int by_threshold = 0; /* the thresholds raised the state */
  if (verdict != RDPNEG_VERDICT_UNKNOWN && has_days) {
    int t = days < o->crit_days ? 2 : days < o->warn_days ? 1 : 0;
    if (t > state) {
      state = t;
      by_threshold = 1;
    }
  }
  int n = rdpneg_diagnosis_count(d), shown = 0;

  /* the status line */
  fprintf(out, "RDP %s - ", state_names[state]);
  if (state == 0 || (n == 0 && !by_threshold)) {
    char host[300], sel[32], ver[32];
    double port = 0;
    doc_str(doc, len, "target.host", host, sizeof host);
    doc_num(doc, len, "target.port", &port);
    doc_str(doc, len, "x224.selected", sel, sizeof sel);
    doc_str(doc, len, "tls.version", ver, sizeof ver);
    fprintf(out, strchr(host, ':') ? "[%s]:%.0f" : "%s:%.0f", host, port);
    if (sel[0]) {
      fputs(" selected ", out);
      put_text(out, sel);
    }
    if (ver[0]) {
      fputs(", ", out);
      put_text(out, ver);
    }
    if (has_days)
      fprintf(out, ", certificate valid for %.0f more days", days);
  } else if (by_threshold && (n == 0 || state > verdict)) {
    shown = -1; /* the line names CERT_EXPIRING_SOON itself */
    fprintf(out,
            "CERT_EXPIRING_SOON: the certificate expires in %.0f days (%s "
            "under %d days)",
            days, state == 2 ? "critical" : "warning",
            state == 2 ? o->crit_days : o->warn_days);
  } else {
    put_text(out, rdpneg_diagnosis_cause(d, 0));
    fputs(": ", out);
    put_text(out, rdpneg_diagnosis_evidence(d, 0));
    shown = 1;
  }
  int more = 0;
  for (int i = shown > 0 ? shown : 0; i < n; i++)
    if (rdpneg_diagnosis_severity_id(d, i) != RDPNEG_SEVERITY_INFO &&
        !(shown < 0 &&
          !strcmp(rdpneg_diagnosis_cause(d, i), "CERT_EXPIRING_SOON")))
      more++;
  if (more)
    fprintf(out, " (%d more finding%s)", more, more == 1 ? "" : "s");

  /* performance data */
  fputs(" |", out);
  static const char *const phases[4] = {"tcp", "x224", "tls", "nla"};
  for (int i = 0; i < 4; i++) {
    char path[32];
    snprintf(path, sizeof path, "phases.%d.ms", i);
    put_ms(out, phases[i], doc, len, path);
  }
  put_ms(out, "total", doc, len, "total_ms");
  if (has_days)
    fprintf(out, " cert_days=%.0f;%d:;%d:;;", days, o->warn_days, o->crit_days);
  fputc('\n', out);

  /* long output: every finding */
  for (int i = 0; i < n; i++) {
    const char *sev = rdpneg_diagnosis_severity(d, i);
    for (const char *c = sev; c && *c; c++)
      fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, out);
    fputc(' ', out);
    put_text(out, rdpneg_diagnosis_cause(d, i));
    fputs(" (", out);
    put_text(out, rdpneg_diagnosis_phase(d, i));
    fputs(", ", out);
    put_text(out, rdpneg_diagnosis_confidence(d, i));
    fputs("): ", out);
    put_text(out, rdpneg_diagnosis_evidence(d, i));
    fputc('\n', out);
  }
  fflush(out);
  rdpneg_free(doc);
  rdpneg_diagnosis_free(d);
  return state;
}
