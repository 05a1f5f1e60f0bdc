/* SPDX-License-Identifier: Apache-2.0 */
/* The self-contained HTML report (rdpneg_report.h): one page, inline CSS
 * and SVG, nothing fetched, nothing run. Every string from the evidence,
 * the diagnosis or an override file goes through rdpneg_sb_html. */
#include "output/html.h"
#include "analysis/diagnose.h"
#include "analysis/tax_cite.h"
#include "output/document.h"

#include <rdpneg/rdpneg_report.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "margin:0;color:#1d2430;background:#f4f6f9}"
    "main{max-width:980px;margin:0 auto;padding:16px 24px 40px}"
    "header.report{background:#1d2430;color:#fff;padding:18px 24px}"
    "header.report h1{margin:0 0 4px;font-size:20px}"
    "header.report p{margin:2px 0;color:#c9d1dc}"
    "section{background:#fff;border:1px solid #dde3ea;border-radius:6px;"
    "margin:16px 0;padding:12px 18px}"
    "h2{font-size:17px;margin:4px 0 10px}h3{font-size:15px;margin:10px 0 6px}"
    ".verdict{display:inline-block;padding:2px 10px;border-radius:12px;"
    "font-weight:600;text-transform:uppercase;font-size:12px;color:#fff}"
    ".v-healthy{background:#2e7d32}.v-degraded{background:#b26a00}"
    ".v-failing{background:#c62828}.v-unknown{background:#607080}"
    ".finding{border-left:4px solid #607080;padding:4px 12px;margin:10px 0}"
    ".sev-failing{border-color:#c62828}.sev-degraded{border-color:#b26a00}"
    ".sev-info{border-color:#1565c0}"
    ".meta{color:#556;font-size:12px}.seen{margin:4px 0}"
    ".src{color:#667;font-size:12px}"
    "table{border-collapse:collapse;width:100%}"
    "td,th{text-align:left;padding:3px 8px;border-bottom:1px solid #eef1f4;"
    "vertical-align:top}th{color:#445;font-weight:600;white-space:nowrap}"
    "td.num{text-align:right;white-space:nowrap}"
    ".ok{color:#2e7d32}.failed{color:#c62828}.skipped{color:#778}"
    "code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}"
    "pre{background:#f4f6f9;padding:8px;overflow:auto;white-space:pre-wrap;"
    "word-break:break-all}"
    "svg.ladder{max-width:100%;height:auto;display:block}"
    "svg.ladder text{font:12px system-ui,sans-serif;fill:#1d2430}"
    "svg.ladder text.col{font-weight:600;font-size:13px}"
    "svg.ladder text.t{fill:#667}"
    "svg.ladder line.life{stroke:#9aa5b1;stroke-width:2}"
    "svg.ladder .arrow line{stroke-width:1.6}"
    "svg.ladder .c2s line,svg.ladder .c2s polygon{stroke:#1565c0;"
    "fill:#1565c0}"
    "svg.ladder .s2c line,svg.ladder .s2c polygon{stroke:#6a1b9a;"
    "fill:#6a1b9a}"
    "svg.ladder .stop.failed line{stroke:#c62828;stroke-width:3}"
    "svg.ladder .stop.failed text.n{fill:#c62828;font-weight:600}"
    "svg.ladder .stop.ok line{stroke:#2e7d32;stroke-width:2;"
    "stroke-dasharray:2 3}"
    "p.stop{margin:4px 0 12px;font-weight:600}"
    "footer{color:#667;font-size:12px;text-align:center;margin-top:24px}";

static void head(rdpneg_sb *b, const char *title) {
  rdpneg_sb_put(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                   "<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, "
                   "initial-scale=1\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" "
                   "content=\"default-src 'none'; style-src 'unsafe-inline'; "
                   "img-src data:\">\n<title>");
  rdpneg_sb_html(b, title);
  rdpneg_sb_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
}

static void foot(rdpneg_sb *b) {
  rdpneg_sb_printf(b,
                   "<footer>librdpneg %s \xC2\xB7 self-contained report: no "
                   "script, nothing loaded from the network</footer>\n"
                   "</main>\n</body>\n</html>\n",
                   RDPNEG_VERSION);
}

static const char *verdict_name(const rdpneg_diagnosis *d) {
  return rdpneg_doc_name(RDPNEG_DOC_VERDICT, rdpneg_diagnosis_verdict(d));
}

/* The sources of a remedy as the product cites them ("S-KB-IE; S-AZ-IE
 * (facts 8.1 #6)" -> "S-KB-IE; S-AZ-IE"; rdpneg-explain --sources lists
 * them). */
static void source_key(const char *src, char *out, size_t cap) {
  rdpneg_tax_cite_clean(src ? src : "", out, cap);
}

static void findings(rdpneg_sb *b, const rdpneg_diagnosis *d, const char *id) {
  const rdpneg_taxonomy *tax = rdpneg_diagnosis_taxonomy(d);
  int n = rdpneg_diagnosis_count(d);
  rdpneg_sb_put(b, "<section class=\"findings\">\n<h2>Findings</h2>\n");
  if (!n)
    rdpneg_sb_put(b,
                  "<p>No finding: every phase that ran looks healthy.</p>\n");
  for (int i = 0; i < n; i++) {
    const char *cause = rdpneg_diagnosis_cause(d, i);
    int ci = rdpneg_cause_find(cause);
    rdpneg_sb_printf(b, "<article class=\"finding sev-");
    rdpneg_sb_html(b, rdpneg_diagnosis_severity(d, i));
    rdpneg_sb_printf(b, "\" id=\"%sfinding-%d\">\n<h3><code>", id, i + 1);
    rdpneg_sb_html(b, cause);
    rdpneg_sb_put(b, "</code>");
    if (ci >= 0) {
      rdpneg_sb_put(b, " \xE2\x80\x94 ");
      rdpneg_sb_html(b, rdpneg_cause_title(ci));
    }
    rdpneg_sb_put(b, "</h3>\n<p class=\"meta\">");
    rdpneg_sb_html(b, rdpneg_diagnosis_severity(d, i));
    rdpneg_sb_put(b, " \xC2\xB7 phase ");
    rdpneg_sb_html(b, rdpneg_diagnosis_phase(d, i));
    rdpneg_sb_put(b, " \xC2\xB7 ");
    rdpneg_sb_html(b, rdpneg_diagnosis_confidence(d, i));
    rdpneg_sb_put(b, " confidence</p>\n<p class=\"seen\"><b>Seen:</b> ");
    rdpneg_sb_html(b, rdpneg_diagnosis_evidence(d, i));
    rdpneg_sb_put(b, "</p>\n");
    int nr = ci >= 0 ? rdpneg_cause_remedy_count(tax, ci) : 0;
    if (nr)
      rdpneg_sb_put(b, "<p><b>Remedies:</b></p>\n<ol class=\"remedies\">\n");
    for (int j = 0; j < nr; j++) {
      char key[160];
      source_key(rdpneg_cause_remedy_source(tax, ci, j), key, sizeof key);
      rdpneg_sb_put(b, "<li>");
      rdpneg_sb_html(b, rdpneg_cause_remedy(tax, ci, j));
      if (key[0]) {
        rdpneg_sb_put(b, " <span class=\"src\">[");
        rdpneg_sb_html(b, key);
        rdpneg_sb_put(b, "]</span>");
      }
      rdpneg_sb_put(b, "</li>\n");
    }
    if (nr)
      rdpneg_sb_put(b, "</ol>\n");
    rdpneg_sb_put(b, "</article>\n");
  }
  const char *rv = rdpneg_diagnosis_reported_verdict(d);
  if (rv) {
    rdpneg_sb_put(b, "<h3>Reported code</h3>\n<p class=\"reported\"><code>");
    rdpneg_sb_html(b, rdpneg_diagnosis_reported_text(d));
    rdpneg_sb_put(b, "</code>: ");
    rdpneg_sb_html(b, !strcmp(rv, "confirmed")
                          ? "confirmed by what the probe saw"
                      : !strcmp(rv, "refuted")
                          ? "the probe found a different cause (above)"
                          : "the server side looks healthy from here; the "
                            "candidates below are on the client side");
    rdpneg_sb_put(b, "</p>\n");
    int cand[64];
    int nc = rdpneg_diagnosis_client_candidates(d, cand, 64);
    if (nc)
      rdpneg_sb_put(b, "<ul class=\"candidates\">\n");
    for (int k = 0; k < nc; k++) {
      rdpneg_sb_put(b, "<li><code>");
      rdpneg_sb_html(b, rdpneg_cause_id(cand[k]));
      rdpneg_sb_put(b, "</code>: ");
      rdpneg_sb_html(b, rdpneg_cause_title(cand[k]));
      if (rdpneg_cause_remedy_count(tax, cand[k]) > 0) {
        rdpneg_sb_put(b, " \xE2\x80\x94 ");
        rdpneg_sb_html(b, rdpneg_cause_remedy(tax, cand[k], 0));
      }
      rdpneg_sb_put(b, "</li>\n");
    }
    if (nc)
      rdpneg_sb_put(b, "</ul>\n");
  }
  rdpneg_sb_put(b, "</section>\n");
}

static void row(rdpneg_sb *b, const char *k, const char *v) {
  rdpneg_sb_put(b, "<tr><th>");
  rdpneg_sb_html(b, k);
  rdpneg_sb_put(b, "</th><td>");
  rdpneg_sb_html(b, v);
  rdpneg_sb_put(b, "</td></tr>\n");
}

static void timings(rdpneg_sb *b, const rdpneg_attempt_ev *a) {
  rdpneg_sb_put(b, "<table class=\"phases\">\n<tr><th>phase</th><th>status"
                   "</th><th>ms</th><th>detail</th></tr>\n");
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++) {
    const rdpneg_phase_rec *p = &a->ph[i];
    const char *st = rdpneg_doc_name(RDPNEG_DOC_PHASE_STATUS, p->status);
    rdpneg_sb_printf(b, "<tr><th>%s</th><td class=\"%s\">%s</td>",
                     rdpneg_doc_name(RDPNEG_DOC_PHASE, i), st, st);
    if (p->status == RDPNEG_PHASE_SKIPPED || p->us < 0)
      rdpneg_sb_put(b, "<td class=\"num\"></td><td>");
    else
      rdpneg_sb_printf(b, "<td class=\"num\">%.1f</td><td>",
                       (double)p->us / 1e3);
    rdpneg_sb_html(b, p->detail);
    rdpneg_sb_put(b, "</td></tr>\n");
  }
  rdpneg_sb_printf(b,
                   "<tr><th>total</th><td></td><td class=\"num\">%.1f</td>"
                   "<td></td></tr>\n</table>\n",
                   (double)a->total_us / 1e3);
}

static void certificate(rdpneg_sb *b, const rdpneg_evidence *e) {
  const rdpneg_attempt_ev *a = rdpneg_evidence_top(e);
  for (int i = 0; !(a->tls_ran && a->tls->has_cert) && i < e->nattempts; i++)
    a = &e->att[i];
  if (!a->tls_ran || !a->tls->has_cert)
    return;
  const rdpneg_cert_ev *c = &a->tls->cert;
  char v[512];
  rdpneg_sb_put(b, "<section class=\"certificate\">\n<h2>Certificate</h2>\n"
                   "<table>\n");
  row(b, "subject", c->subject);
  row(b, "issuer", c->issuer);
  size_t o = 0;
  v[0] = 0;
  for (int i = 0; i < c->san_count && o < sizeof v; i++)
    o +=
        (size_t)snprintf(v + o, sizeof v - o, "%s%s", i ? ", " : "", c->san[i]);
  row(b, "subject alternative names", c->san_count ? v : "(none)");
  snprintf(v, sizeof v, "%s .. %s", c->not_before_iso, c->not_after_iso);
  row(b, "valid", v);
  if (c->dates_known) {
    snprintf(v, sizeof v, "%lld%s", (long long)c->days_left,
             c->expired         ? " (EXPIRED)"
             : c->not_yet_valid ? " (NOT YET VALID)"
             : c->expiring_soon ? " (expiring soon)"
                                : "");
    row(b, "days left", v);
  }
  snprintf(v, sizeof v, "%s %d bits%s", c->key_type, c->key_bits,
           c->weak_key ? " (WEAK)" : "");
  row(b, "key", v);
  row(b, "signature", c->signature_algorithm);
  row(b, "issued", c->self_signed ? "self-signed" : "by a CA");
  row(b, "name",
      c->hostname_match ? "matches the server name" : "DOES NOT MATCH");
  row(b, "trusted",
      c->trusted < 0 ? "not checked (no trust anchors given)"
      : c->trusted   ? "yes"
                     : "NO");
  row(b, "sha256", c->sha256);
  for (int i = 0; i < c->chain_len && i < RDPNEG_CERT_MAX_CHAIN; i++) {
    snprintf(v, sizeof v, "chain %d", i + 1);
    row(b, v, c->chain[i].subject);
  }
  rdpneg_sb_put(b, "</table>\n</section>\n");
}

static void connections(rdpneg_sb *b, const rdpneg_evidence *e) {
  rdpneg_sb_printf(b,
                   "<section class=\"connections\">\n<h2>Phase ladder "
                   "(%d connection%s)</h2>\n",
                   e->nattempts, e->nattempts == 1 ? "" : "s");
  for (int i = 0; i < e->nnotes; i++) {
    rdpneg_sb_put(b, "<p class=\"note\">plan: ");
    rdpneg_sb_html(b, e->notes[i]);
    rdpneg_sb_put(b, "</p>\n");
  }
  for (int i = 0; i < e->nattempts; i++) {
    const rdpneg_attempt_ev *a = &e->att[i];
    const char *r = rdpneg_tls_offered_name(a->tls_min, a->tls_max);
    rdpneg_sb_printf(b, "<div class=\"attempt\">\n<h3>Connection %d of %d: ",
                     i + 1, e->nattempts);
    rdpneg_sb_html(b, a->purpose[0] ? a->purpose : "primary");
    if (r) {
      rdpneg_sb_put(b, ", offering ");
      rdpneg_sb_put(b, r);
    }
    rdpneg_sb_printf(b, ", started at %.1f ms%s</h3>\n",
                     (double)a->start_us / 1e3,
                     i == e->top ? " (the one the verdict describes)" : "");
    rdpneg_html_ladder(b, a);
    if (e->nattempts > 1)
      timings(b, a);
    rdpneg_sb_put(b, "</div>\n");
  }
  rdpneg_sb_put(b, "</section>\n");
}

/* One probe's report body; |id| prefixes the element ids (fleet). */
static void body(rdpneg_sb *b, const rdpneg_evidence *e,
                 const rdpneg_diagnosis *d, const char *id) {
  const rdpneg_attempt_ev *a = rdpneg_evidence_top(e);
  findings(b, d, id);
  rdpneg_sb_put(b, "<section class=\"timings\">\n<h2>Timings</h2>\n");
  timings(b, a);
  rdpneg_sb_put(b, "</section>\n");
  certificate(b, e);
  connections(b, e);
  char *prof = rdpneg_doc_profile_text(e);
  if (prof && prof[0]) {
    rdpneg_sb_put(b, "<section class=\"profile\">\n<h2>Server profile</h2>\n"
                     "<pre>");
    rdpneg_sb_html(b, prof);
    rdpneg_sb_put(b, "</pre>\n</section>\n");
  }
  free(prof);
  char *json = NULL;
  if (rdpneg_evidence_json(e, d, &json, NULL) == 0) {
    rdpneg_sb_put(b, "<section class=\"document\">\n<details><summary>The "
                     "evidence as an rdpneg.probe/1 document (save it and "
                     "run <code>rdpneg-probe --evidence FILE</code>)"
                     "</summary>\n<pre>");
    rdpneg_sb_html(b, json);
    rdpneg_sb_put(b, "</pre></details>\n</section>\n");
  } else {
    b->err = RDPNEG_ERR_NOMEM;
  }
  rdpneg_free(json);
}

static void target_line(rdpneg_sb *b, const rdpneg_attempt_ev *a) {
  rdpneg_sb_html(b, a->host);
  rdpneg_sb_printf(b, " port %u", a->port);
  if (a->address[0]) {
    rdpneg_sb_put(b, " (");
    rdpneg_sb_html(b, a->address);
    rdpneg_sb_put(b, ")");
  }
}

RDPNEG_EXTERN int rdpneg_evidence_html(const rdpneg_evidence *e,
                                       const rdpneg_diagnosis *d, char **pout,
                                       size_t *plen) {
  if (!e || !pout || e->nattempts < 1)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_diagnosis *own = NULL;
  if (!d) {
    int rv = rdpneg_diagnose(e, NULL, NULL, &own);
    if (rv)
      return rv;
    d = own;
  }
  const rdpneg_attempt_ev *a = rdpneg_evidence_top(e);
  rdpneg_sb b = {0};
  char title[400];
  snprintf(title, sizeof title, "RDP report: %s:%u \xE2\x80\x94 %s", a->host,
           a->port, verdict_name(d));
  head(&b, title);
  rdpneg_sb_put(&b, "<header class=\"report\">\n<h1>RDP pre-connection "
                    "report</h1>\n<p class=\"target\">");
  target_line(&b, a);
  rdpneg_sb_printf(&b,
                   "</p>\n<p>verdict <span class=\"verdict v-%s\" "
                   "id=\"verdict\">%s</span> \xC2\xB7 %d connection%s, "
                   "%.1f ms \xC2\xB7 source ",
                   verdict_name(d), verdict_name(d), e->nattempts,
                   e->nattempts == 1 ? "" : "s",
                   (double)(e->total_us ? e->total_us : a->total_us) / 1e3);
  rdpneg_sb_html(&b, e->source);
  rdpneg_sb_put(&b, "</p>\n</header>\n<main>\n");
  body(&b, e, d, "");
  foot(&b);
  rdpneg_diagnosis_free(own);
  return rdpneg_sb_take(&b, pout, plen);
}

RDPNEG_EXTERN int rdpneg_fleet_html(const rdpneg_evidence *const *evs,
                                    const rdpneg_diagnosis *const *diags, int n,
                                    const char *title, char **pout,
                                    size_t *plen) {
  if (!evs || !pout || n < 1)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  for (int i = 0; i < n; i++)
    if (!evs[i] || evs[i]->nattempts < 1)
      return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_diagnosis **own = calloc((size_t)n, sizeof *own);
  if (!own)
    return RDPNEG_ERR_NOMEM;
  const rdpneg_diagnosis **d = calloc((size_t)n, sizeof *d);
  int rv = d ? 0 : RDPNEG_ERR_NOMEM;
  size_t count[4] = {0};
  for (int i = 0; !rv && i < n; i++) {
    d[i] = diags ? diags[i] : NULL;
    if (!d[i] && !(rv = rdpneg_diagnose(evs[i], NULL, NULL, &own[i])))
      d[i] = own[i];
    if (!rv)
      count[rdpneg_diagnosis_verdict(d[i]) & 3]++;
  }
  rdpneg_sb b = {0};
  if (!rv) {
    head(&b, title ? title : "RDP fleet report");
    rdpneg_sb_put(&b, "<header class=\"report\">\n<h1>");
    rdpneg_sb_html(&b, title ? title : "RDP fleet report");
    rdpneg_sb_printf(&b,
                     "</h1>\n<p>%d target%s: %zu healthy, %zu degraded, "
                     "%zu failing, %zu unknown</p>\n</header>\n<main>\n",
                     n, n == 1 ? "" : "s", count[0], count[1], count[2],
                     count[3]);
    rdpneg_sb_put(&b, "<section class=\"fleet\">\n<h2>Targets</h2>\n<table>\n"
                      "<tr><th>target</th><th>verdict</th><th>first "
                      "finding</th><th>ms</th></tr>\n");
    for (int i = 0; i < n; i++) {
      const rdpneg_attempt_ev *a = rdpneg_evidence_top(evs[i]);
      rdpneg_sb_printf(&b, "<tr><td><a href=\"#t%d\">", i + 1);
      target_line(&b, a);
      rdpneg_sb_printf(&b,
                       "</a></td><td><span class=\"verdict v-%s\">%s</span>"
                       "</td><td>",
                       verdict_name(d[i]), verdict_name(d[i]));
      if (rdpneg_diagnosis_count(d[i]) > 0) {
        rdpneg_sb_put(&b, "<code>");
        rdpneg_sb_html(&b, rdpneg_diagnosis_cause(d[i], 0));
        rdpneg_sb_put(&b, "</code>");
      }
      int64_t us = evs[i]->total_us ? evs[i]->total_us : a->total_us;
      rdpneg_sb_printf(&b, "</td><td class=\"num\">%.1f</td></tr>\n",
                       (double)us / 1e3);
    }
    rdpneg_sb_put(&b, "</table>\n</section>\n");
    for (int i = 0; i < n; i++) {
      const rdpneg_attempt_ev *a = rdpneg_evidence_top(evs[i]);
      char id[24];
      snprintf(id, sizeof id, "t%d-", i + 1);
      rdpneg_sb_printf(&b, "<div class=\"target\" id=\"t%d\">\n<h2>", i + 1);
      target_line(&b, a);
      rdpneg_sb_printf(&b, " <span class=\"verdict v-%s\">%s</span></h2>\n",
                       verdict_name(d[i]), verdict_name(d[i]));
      body(&b, evs[i], d[i], id);
      rdpneg_sb_put(&b, "</div>\n");
    }
    foot(&b);
  }
  for (int i = 0; i < n; i++)
    rdpneg_diagnosis_free(own[i]);
  free(own);
  free((void *)d);
  if (rv) {
    free(b.buf);
    return rv;
  }
  return rdpneg_sb_take(&b, pout, plen);
}
