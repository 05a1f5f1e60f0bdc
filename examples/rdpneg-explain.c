/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-explain: what an RDP error code officially means, and which root
 * causes can be behind it (with the evidence that tells them apart and the
 * remedies). Uses only the public API (rdpneg/rdpneg_taxonomy.h).
 *
 *   rdpneg-explain 0x904 0x7            mstsc "Error code / Extended error
 * code" rdpneg-explain --kind errinfo 0x7   one code of a given kind
 *   rdpneg-explain 5                    every interpretation of a number
 *   rdpneg-explain SSL_ERR_CERT_EXPIRED a symbol name
 *   rdpneg-explain --json ...           JSON instead of text
 *   rdpneg-explain --cause CERT_EXPIRED one cause of the catalogue
 *   rdpneg-explain --list-causes        the catalogue
 *   rdpneg-explain --list-codes [--kind K]
 *   rdpneg-explain --sources            the source legend
 *   rdpneg-explain --markdown           cause reference
 * (lib/taxonomy/CAUSES.md) rdpneg-explain --overrides FILE ... vendor remedy
 * overrides (repeatable)
 *
 * Exit status: 0 found, 1 unknown code or cause, 3 usage error (including an
 * unreadable or invalid overrides file).
 */
#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_taxonomy.h>

#include "scan_json.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_FOUND 0
#define EXIT_UNKNOWN 1
#define EXIT_USAGE 3

static void usage(FILE *f) {
  fputs(
      "usage: rdpneg-explain [--json] [--kind KIND] [--overrides FILE] CODE "
      "[EXTENDED]\n"
      "       rdpneg-explain [--json] [--overrides FILE] --cause ID\n"
      "       rdpneg-explain [--json] --list-causes\n"
      "       rdpneg-explain [--json] --list-codes [--kind KIND]\n"
      "       rdpneg-explain [--json] --sources\n"
      "       rdpneg-explain [--overrides FILE] --markdown\n"
      "\n"
      "Explains an RDP error code: its official name and meaning, source and\n"
      "confidence, and the ranked root causes behind it with the evidence "
      "that\n"
      "tells them apart and the remedies. Unofficial codes and community "
      "lore\n"
      "are marked as such.\n"
      "\n"
      "  CODE      decimal (2308), hex (0x904; digits with a-f like C000006D\n"
      "            are hex too), a negative decimal (a signed NTSTATUS), or a\n"
      "            symbol name (SSL_ERR_CERT_EXPIRED)\n"
      "  EXTENDED  mstsc's extended error code; CODE is then an mstsc\n"
      "            disconnect reason unless --kind says otherwise\n"
      "\n"
      "  -k, --kind KIND   auto (default), disconnect, extended, errinfo,\n"
      "                    freerdp, neg_failure, ssl_err, tls_alert, "
      "ntstatus,\n"
      "                    security_status, eua, rdstls, license_error,\n"
      "                    protocol, neg_req_flag, neg_rsp_flag,\n"
      "                    credssp_version, event\n"
      "  -j, --json        JSON output (schemas rdpneg.explain/1,\n"
      "                    rdpneg.cause/1)\n"
      "  -o, --overrides FILE\n"
      "                    vendor remedy overrides (JSON), may be repeated:\n"
      "                    {\"causes\": {\"CERT_EXPIRED\": {\"remedies\": "
      "[\"...\"],\n"
      "                    \"mode\": \"replace\"|\"append\"}}}\n"
      "  -c, --cause ID    describe one cause (e.g. CERT_EXPIRED)\n"
      "  -l, --list-causes list the cause catalogue\n"
      "      --list-codes  list the code tables (all, or one --kind)\n"
      "      --sources     list the source legend\n"
      "      --markdown    write the cause reference as Markdown\n"
      "  -h, --help        this text\n"
      "      --version     print the version and exit\n"
      "\n"
      "Exit status: 0 found, 1 unknown code or cause, 3 usage error.\n",
      f);
}

/* Parses a code. Returns 0 and sets *v (and *kind_hint when CODE is a
 * symbol name, else leaves it), or -1. */
static int parse_code(const char *s, uint32_t *v, int *kind_hint) {
  char *end;
  int hex = 0, neg = 0;
  const char *p = s;
  if (!*s)
    return -1;
  if (*p == '-') {
    neg = 1;
    p++;
  }
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    hex = 1;
    p += 2;
  } else {
    int letters = 0, bad = 0;
    for (const char *q = p; *q; q++) {
      if (isxdigit((unsigned char)*q)) {
        if (!isdigit((unsigned char)*q))
          letters = 1;
      } else {
        bad = 1;
      }
    }
    if (bad || (letters && neg)) {
      /* A symbol name? */
      int i = rdpneg_code_find_name(s);
      if (i < 0)
        return -1;
      *v = rdpneg_code_value(i);
      *kind_hint = rdpneg_code_kind(i);
      return 0;
    }
    hex = letters;
  }
  if (!*p || !isxdigit((unsigned char)*p))
    return -1;
  errno = 0;
  unsigned long long x = strtoull(p, &end, hex ? 16 : 10);
  if (errno || *end)
    return -1;
  if (neg) {
    if (hex || x > 0x80000000ull)
      return -1;
    *v = (uint32_t)(0x100000000ull - x);
    return 0;
  }
  if (x > 0xFFFFFFFFull)
    return -1;
  *v = (uint32_t)x;
  return 0;
}

/* Minimal JSON string writer for the listing modes (the library's JSON
 * functions cover explain and causes). */
static void jstr(const char *s) {
  if (!s) {
    fputs("null", stdout);
    return;
  }
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

static void fmt_code(char *buf, size_t cap, int kind, uint32_t v) {
  switch (kind) {
  case RDPNEG_KIND_TLS_ALERT:
  case RDPNEG_KIND_EVENT:
  case RDPNEG_KIND_CREDSSP_VERSION:
    snprintf(buf, cap, "%lu", (unsigned long)v);
    break;
  case RDPNEG_KIND_ERRINFO:
  case RDPNEG_KIND_FREERDP:
  case RDPNEG_KIND_NTSTATUS:
  case RDPNEG_KIND_SECURITY_STATUS:
  case RDPNEG_KIND_NEG_FAILURE:
  case RDPNEG_KIND_EUA:
  case RDPNEG_KIND_RDSTLS:
  case RDPNEG_KIND_PROTOCOL:
    snprintf(buf, cap, "0x%08lX", (unsigned long)v);
    break;
  default:
    snprintf(buf, cap, "0x%lX", (unsigned long)v);
  }
}

static int list_causes(int json) {
  int n = rdpneg_cause_count();
  if (json)
    printf("[\n");
  for (int i = 0; i < n; i++) {
    if (json) {
      printf("  {\"id\": ");
      jstr(rdpneg_cause_id(i));
      printf(", \"phase\": ");
      jstr(rdpneg_cause_phase(i));
      printf(", \"severity\": ");
      jstr(rdpneg_cause_severity(i));
      printf(", \"title\": ");
      jstr(rdpneg_cause_title(i));
      printf("}%s\n", i + 1 < n ? "," : "");
    } else {
      printf("%-32s %-9s %-8s %s\n", rdpneg_cause_id(i), rdpneg_cause_phase(i),
             rdpneg_cause_severity(i), rdpneg_cause_title(i));
    }
  }
  if (json)
    printf("]\n");
  return EXIT_FOUND;
}

static int list_codes(int kind, int json) {
  int n = rdpneg_code_count(), first = 1;
  if (json)
    printf("[\n");
  for (int i = 0; i < n; i++) {
    int k = rdpneg_code_kind(i);
    char v[32];
    if (kind != RDPNEG_KIND_AUTO && k != kind &&
        !(kind == RDPNEG_KIND_DISCONNECT && k == RDPNEG_KIND_SSL_ERR))
      continue;
    fmt_code(v, sizeof v, k, rdpneg_code_value(i));
    if (json) {
      printf("%s  {\"kind\": ", first ? "" : ",\n");
      jstr(rdpneg_kind_name(k));
      printf(", \"value\": %lu, \"display\": ",
             (unsigned long)rdpneg_code_value(i));
      jstr(v);
      printf(", \"name\": ");
      jstr(rdpneg_code_name(i));
      printf(", \"status\": ");
      jstr(rdpneg_code_status(i));
      printf(", \"confidence\": ");
      jstr(rdpneg_code_confidence(i));
      printf(", \"meaning\": ");
      char clean[2048];
      const char *m = rdpneg_code_meaning(i);
      jstr(m && rdpneg_cite_clean(m, clean, sizeof clean) == 0 ? clean : m);
      printf("}");
    } else {
      const char *name = rdpneg_code_name(i);
      printf("%-15s %-12s %-14s %s\n", rdpneg_kind_name(k), v,
             rdpneg_code_status(i), name ? name : "(no documented name)");
    }
    first = 0;
  }
  if (json)
    printf("%s]\n", first ? "" : "\n");
  return EXIT_FOUND;
}

/* Where each source of the legend can be read, as the taxonomy's fact sheet
 * names it: a repository at the commit read, the Open Specification, a
 * host. NULL: the source names no place (headers on the build host). */
static const struct {
  const char *key, *url;
} source_urls[] = {
    {"S-BCGR", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/"
               "ms-rdpbcgr/"},
    {"S-ONDISC", "https://github.com/MicrosoftDocs/win32/blob/017eca30/"
                 "desktop-src/TermServ/imstscaxevents-ondisconnected.md"},
    {"S-EXDISC", "https://github.com/MicrosoftDocs/win32/blob/49e6544c/"
                 "desktop-src/TermServ/extendeddisconnectreasoncode.md"},
    {"S-GETERR", "https://github.com/MicrosoftDocs/win32"},
    {"S-FRDP", "https://github.com/FreeRDP/FreeRDP/tree/"
               "9626564421df72c84f891afdbc0b20bf702f369f"},
    {"S-IRDP", "https://github.com/Devolutions/IronRDP/tree/"
               "18e259cd108b1debe6598b93f760af5d527ad194"},
    {"S-XRDP", "https://github.com/neutrinolabs/xrdp/tree/514c62c7"},
    {"S-PYSP", "https://github.com/jborean93/pyspnego/tree/57ff8d2c"},
    {"S-IMPK", "https://github.com/fortra/impacket/tree/f133bb88"},
    {"S-OSSL", "https://www.rfc-editor.org/rfc/rfc5246#section-7.2"},
    {"S-SCHAN", "https://github.com/MicrosoftDocs/win32"},
    {"S-SCHEV", "https://detection-wiki-dev.pages.dev/schannel"},
    {"S-KB-IE", "https://github.com/MicrosoftDocs/SupportArticles-docs"},
    {"S-KB-GEN", "https://github.com/MicrosoftDocs/SupportArticles-docs"},
    {"S-KB-DISC", "https://github.com/MicrosoftDocs/SupportArticles-docs"},
    {"S-AZ-IE", "https://github.com/MicrosoftDocs/SupportArticles-docs"},
    {"S-AZ-EV", "https://github.com/MicrosoftDocs/SupportArticles-docs"},
    {"S-AZ-AUTH", "https://github.com/MicrosoftDocs/SupportArticles-docs"},
    {"S-AZ-ORCL", "https://github.com/MicrosoftDocs/SupportArticles-docs"},
    {"S-KB4093492", "https://mskb.pkisolutions.com/kb/4093492"},
    {"S-RACK", "https://docs.rackspace.com"},
    {"S-MISC-C", "https://deploymentresearch.com"},
};

static const char *source_url(const char *key) {
  for (size_t i = 0; i < sizeof source_urls / sizeof source_urls[0]; i++)
    if (!strcmp(source_urls[i].key, key))
      return source_urls[i].url;
  return NULL;
}

static int list_sources(int json) {
  int n = rdpneg_source_count();
  if (json)
    printf("[\n");
  for (int i = 0; i < n; i++) {
    if (json) {
      printf("  {\"key\": ");
      jstr(rdpneg_source_key(i));
      printf(", \"description\": ");
      jstr(rdpneg_source_description(i));
      printf(", \"url\": ");
      jstr(source_url(rdpneg_source_key(i)));
      printf("}%s\n", i + 1 < n ? "," : "");
    } else {
      const char *url = source_url(rdpneg_source_key(i));
      printf("%-12s %s\n", rdpneg_source_key(i), rdpneg_source_description(i));
      if (url)
        printf("%-12s %s\n", "", url);
    }
  }
  if (json)
    printf("]\n");
  return EXIT_FOUND;
}

/* Escapes Markdown table/emphasis characters that appear in the data. */
static void md(const char *text) {
  char clean[2048]; /* citations name sources, not the fact sheet */
  if (!text || rdpneg_cite_clean(text, clean, sizeof clean) != 0)
    return;
  for (const char *s = clean; *s; s++) {
    if (*s == '|' || *s == '*' || *s == '_' || *s == '<' || *s == '>' ||
        *s == '\\' || *s == '`')
      putchar('\\');
    putchar(*s);
  }
}

static void md_code(const char *s) {
  /* Inside backticks only the backtick itself would need care. */
  printf("`%s`", s);
}

static int markdown(const rdpneg_taxonomy *tax) {
  int n = rdpneg_cause_count();
  int counts[RDPNEG_KIND_COUNT] = {0};
  for (int i = 0; i < rdpneg_code_count(); i++)
    counts[rdpneg_code_kind(i)]++;
  printf("# librdpneg cause reference\n\n");
  printf("<!-- Generated by `rdpneg-explain --markdown` from "
         "lib/taxonomy/*.def; do not edit by hand. -->\n\n");
  printf("Every cause has a stable ID, the phase where it shows, a default "
         "severity, the\nevidence that confirms or rules it out, remedies "
         "and the client codes it\ntypically shows up as. Tags: **O** "
         "official Microsoft documentation, **I**\nopen-source "
         "implementation, **C** community page (lore), **INF** inference "
         "from\ncited facts, **UNV** unverified. The S-... source keys are "
         "listed at the end\n(`rdpneg-explain --sources` gives their "
         "URLs).\n\n");
  printf("## Code tables\n\n| kind | rows | what |\n|---|---|---|\n");
  for (int k = 1; k < RDPNEG_KIND_COUNT; k++) {
    printf("| %s | %d | ", rdpneg_kind_name(k), counts[k]);
    md(rdpneg_kind_title(k));
    printf(" |\n");
  }
  printf(
      "\n## Causes\n\n| ID | phase | severity | title |\n|---|---|---|---|\n");
  for (int i = 0; i < n; i++) {
    printf("| [%s](#", rdpneg_cause_id(i));
    for (const char *p = rdpneg_cause_id(i); *p; p++)
      putchar(tolower((unsigned char)*p));
    printf(") | %s | %s | ", rdpneg_cause_phase(i), rdpneg_cause_severity(i));
    md(rdpneg_cause_title(i));
    printf(" |\n");
  }
  for (int i = 0; i < n; i++) {
    printf("\n### %s\n\n**", rdpneg_cause_id(i));
    md(rdpneg_cause_title(i));
    printf(
        "** -- phase `%s`, default severity `%s` [%s: ", rdpneg_cause_phase(i),
        rdpneg_cause_severity(i), rdpneg_cause_confidence(i));
    md(rdpneg_cause_source(i));
    printf("]\n\n");
    md(rdpneg_cause_description(i));
    printf("\n\nEvidence:\n\n");
    for (int j = 0; j < rdpneg_cause_evidence_count(i); j++) {
      printf("- *%s*: ", rdpneg_cause_evidence_where(i, j));
      md(rdpneg_cause_evidence(i, j));
      printf(" [%s: ", rdpneg_cause_evidence_confidence(i, j));
      md(rdpneg_cause_evidence_source(i, j));
      printf("]\n");
    }
    printf("\nRemedies:\n\n");
    for (int j = 0; j < rdpneg_cause_remedy_count(tax, i); j++) {
      printf("- ");
      const char *conf = rdpneg_cause_remedy_confidence(tax, i, j);
      md(rdpneg_cause_remedy(tax, i, j));
      printf(" [%s%s", conf ? conf : "", conf ? ": " : "");
      md(rdpneg_cause_remedy_source(tax, i, j));
      printf("]\n");
    }
    if (rdpneg_cause_code_count(i)) {
      printf("\nShows up as:\n\n");
      for (int j = 0; j < rdpneg_cause_code_count(i); j++) {
        int kind;
        uint32_t lo, hi;
        char a[32], b[32];
        const char *name = NULL;
        rdpneg_cause_code(i, j, &kind, &lo, &hi);
        fmt_code(a, sizeof a, kind, lo);
        fmt_code(b, sizeof b, kind, hi);
        uint32_t ext = 0;
        printf("- %s ", rdpneg_kind_name(kind));
        if (rdpneg_cause_code_extended(i, j, &ext) == 1) {
          printf("%s + extended 0x%lX", a, (unsigned long)ext);
        } else if (lo != hi) {
          printf("%s-%s", a, b);
        } else {
          printf("%s", a);
          rdpneg_code_lookup(kind, lo, &name, NULL);
          if (name) {
            printf(" ");
            md_code(name);
          }
        }
        printf(" [%s]\n", rdpneg_cause_code_confidence(i, j));
      }
    }
  }
  printf("\n## Sources\n\n");
  for (int i = 0; i < rdpneg_source_count(); i++) {
    printf("- **%s**: ", rdpneg_source_key(i));
    md(rdpneg_source_description(i));
    printf("\n");
  }
  return EXIT_FOUND;
}

/* The first clause of a meaning ("Socket closed: the client's ..." ->
 * "Socket closed"). */
static void first_clause(char *m) {
  size_t n = strcspn(m, ":.;");
  while (n > 0 && m[n - 1] == ' ')
    n--;
  if (n > 0)
    m[n] = 0;
}

static int jget(const char *doc, size_t len, const char *path, char *buf,
                size_t cap) {
  sj_val v;
  buf[0] = 0;
  return sj_get(doc, len, path, &v) == SJ_STRING &&
         sj_string(&v, buf, cap) == 0;
}

/* One reading ("0x904 disconnectReasonAtClientWinsockFDCLOSE "Socket
 * closed"") of interpretation |path| into |out|; its status into |st|. */
static void reading(const char *doc, size_t len, const char *path, char *out,
                    size_t cap, char *st, size_t stcap) {
  char p[96], name[128], disp[40], m[600], kind[32];
  snprintf(p, sizeof p, "%s.display", path);
  jget(doc, len, p, disp, sizeof disp);
  snprintf(p, sizeof p, "%s.name", path);
  jget(doc, len, p, name, sizeof name);
  snprintf(p, sizeof p, "%s.meaning", path);
  jget(doc, len, p, m, sizeof m);
  snprintf(p, sizeof p, "%s.status", path);
  jget(doc, len, p, st, stcap);
  snprintf(p, sizeof p, "%s.kind", path);
  jget(doc, len, p, kind, sizeof kind);
  first_clause(m);
  snprintf(out, cap, "%s %s%s%s \"%s\"", kind, disp, name[0] ? " " : "", name,
           m);
}

/* What the code officially means, what it does not, the next step: at most
 * three lines before the full explanation. */
static void summary(const rdpneg_taxonomy *tax, int kind, uint32_t code,
                    int has_ext, uint32_t ext) {
  char *doc = NULL;
  size_t len = 0;
  if (rdpneg_explain_json(tax, kind, code, has_ext, ext, &doc, &len) <= 0 ||
      !doc) {
    rdpneg_free(doc);
    return;
  }
  char means[2100], r1[1000], r2[1000], st[32], st2[32] = "official", p[64];
  char first[64], k0[32], hex[24], ehex[24], reported[96];
  sj_val v;
  int nint = 0, ncand = 0;
  while (snprintf(p, sizeof p, "interpretations.%d", nint),
         sj_get(doc, len, p, &v) == SJ_OBJECT)
    nint++;
  while (snprintf(p, sizeof p, "candidates.%d", ncand),
         sj_get(doc, len, p, &v) == SJ_OBJECT)
    ncand++;
  reading(doc, len, "interpretations.0", r1, sizeof r1, st, sizeof st);
  if (has_ext) {
    reading(doc, len, "extended_interpretations.0", r2, sizeof r2, st2,
            sizeof st2);
    snprintf(means, sizeof means, "%s; %s", r1, r2);
  } else if (nint > 1) {
    snprintf(means, sizeof means, "%s (and %d other reading%s below)", r1,
             nint - 1, nint == 2 ? "" : "s");
  } else {
    snprintf(means, sizeof means, "%s", r1);
  }
  int official = !strcmp(st, "official") && !strcmp(st2, "official");
  jget(doc, len, "candidates.0.id", first, sizeof first);
  printf("Means: %s%s\n",
         !official   ? ""
         : ncand > 1 ? "officially only "
                     : "officially ",
         means);
  char why[200];
  if (ncand == 0)
    snprintf(why, sizeof why, "a cause: no catalogued cause is linked to it");
  else if (ncand == 1)
    snprintf(why, sizeof why,
             "proof: %s is the likely cause; a probe confirms or rules it "
             "out",
             first);
  else
    snprintf(why, sizeof why,
             "which of the %d candidate causes below is behind it; the code "
             "alone does not say",
             ncand);
  if (official)
    printf("Not:   %s\n", why);
  else
    printf("Not:   an official definition (status %s%s%s): web explanations "
           "are hypotheses; nor %s\n",
           st, strcmp(st2, "official") ? ", extended " : "",
           strcmp(st2, "official") ? st2 : "", why);
  jget(doc, len, "query.kind", k0, sizeof k0);
  jget(doc, len, "query.code_hex", hex, sizeof hex);
  jget(doc, len, "query.extended_hex", ehex, sizeof ehex);
  if (has_ext)
    snprintf(reported, sizeof reported, "%s%s%s/%s",
             strcmp(k0, "disconnect") ? k0 : "",
             strcmp(k0, "disconnect") ? ":" : "", hex, ehex);
  else
    snprintf(reported, sizeof reported, "%s%s%s", strcmp(k0, "auto") ? k0 : "",
             strcmp(k0, "auto") ? ":" : "", hex);
  if (rdpneg_reported_check(reported) == 0 && first[0])
    printf("Next:  rdpneg-probe --reported %s SERVER checks the candidates "
           "on the wire, first %s\n\n",
           reported, first);
  else
    printf("Next:  rdpneg-probe SERVER shows what the server does in each "
           "phase%s%s\n\n",
           first[0] ? "; check first " : "", first);
  rdpneg_free(doc);
}

static int print_out(int rc, char *s) {
  if (rc < 0 || !s) {
    fprintf(stderr, "rdpneg-explain: %s\n", rdpneg_strerror(rc));
    return EXIT_USAGE;
  }
  fputs(s, stdout);
  rdpneg_free(s);
  return EXIT_FOUND;
}

int main(int argc, char **argv) {
  int json = 0, kind = RDPNEG_KIND_AUTO, kind_given = 0;
  int mode_list_causes = 0, mode_list_codes = 0, mode_sources = 0;
  int mode_markdown = 0;
  const char *cause = NULL;
  const char *args[2];
  int nargs = 0, rc;
  rdpneg_taxonomy *tax = NULL;

  if (rdpneg_taxonomy_new(&tax) < 0) {
    fprintf(stderr, "rdpneg-explain: out of memory\n");
    return EXIT_USAGE;
  }
  int opts_done = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (opts_done || (a[0] == '-' && isdigit((unsigned char)a[1]))) {
      if (nargs >= 2) {
        fprintf(stderr, "rdpneg-explain: too many arguments\n");
        usage(stderr);
        rdpneg_taxonomy_free(tax);
        return EXIT_USAGE;
      }
      args[nargs++] = a;
    } else if (!strcmp(a, "--")) {
      opts_done = 1;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      rdpneg_taxonomy_free(tax);
      return EXIT_FOUND;
    } else if (!strcmp(a, "--version")) {
      printf("rdpneg-explain %s\n", rdpneg_version());
      rdpneg_taxonomy_free(tax);
      return EXIT_FOUND;
    } else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "-k") || !strcmp(a, "--kind")) {
      if (++i >= argc || (kind = rdpneg_kind_parse(argv[i])) < 0) {
        fprintf(stderr, "rdpneg-explain: --kind needs one of: auto");
        for (int k = 1; k < RDPNEG_KIND_COUNT; k++)
          fprintf(stderr, ", %s", rdpneg_kind_name(k));
        fprintf(stderr, "\n");
        rdpneg_taxonomy_free(tax);
        return EXIT_USAGE;
      }
      kind_given = 1;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--overrides")) {
      char err[600];
      if (++i >= argc) {
        fprintf(stderr, "rdpneg-explain: --overrides needs a file\n");
        rdpneg_taxonomy_free(tax);
        return EXIT_USAGE;
      }
      if (rdpneg_taxonomy_load_overrides(tax, argv[i], err, sizeof err) < 0) {
        fprintf(stderr, "rdpneg-explain: %s\n", err);
        rdpneg_taxonomy_free(tax);
        return EXIT_USAGE;
      }
    } else if (!strcmp(a, "-c") || !strcmp(a, "--cause")) {
      if (++i >= argc) {
        fprintf(stderr, "rdpneg-explain: --cause needs an ID\n");
        rdpneg_taxonomy_free(tax);
        return EXIT_USAGE;
      }
      cause = argv[i];
    } else if (!strcmp(a, "-l") || !strcmp(a, "--list-causes")) {
      mode_list_causes = 1;
    } else if (!strcmp(a, "--list-codes")) {
      mode_list_codes = 1;
    } else if (!strcmp(a, "--sources")) {
      mode_sources = 1;
    } else if (!strcmp(a, "--markdown")) {
      mode_markdown = 1;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "rdpneg-explain: unknown option %s\n", a);
      usage(stderr);
      rdpneg_taxonomy_free(tax);
      return EXIT_USAGE;
    } else if (nargs < 2) {
      args[nargs++] = a;
    } else {
      fprintf(stderr, "rdpneg-explain: too many arguments\n");
      usage(stderr);
      rdpneg_taxonomy_free(tax);
      return EXIT_USAGE;
    }
  }

  if (mode_list_causes + mode_list_codes + mode_sources + mode_markdown +
          (cause != NULL) + (nargs > 0) !=
      1) {
    usage(stderr);
    rdpneg_taxonomy_free(tax);
    return EXIT_USAGE;
  }

  if (mode_list_causes)
    rc = list_causes(json);
  else if (mode_list_codes)
    rc = list_codes(kind, json);
  else if (mode_sources)
    rc = list_sources(json);
  else if (mode_markdown)
    rc = markdown(tax);
  else if (cause) {
    int i = rdpneg_cause_find(cause);
    char *s = NULL;
    if (i < 0) {
      fprintf(stderr,
              "rdpneg-explain: unknown cause ID \"%s\" (see --list-causes)\n",
              cause);
      rc = EXIT_UNKNOWN;
    } else {
      int r = json ? rdpneg_cause_json(tax, i, &s, NULL)
                   : rdpneg_cause_text(tax, i, &s, NULL);
      rc = print_out(r, s);
    }
  } else {
    uint32_t code = 0, ext = 0;
    int hint = -1, ehint = -1, n;
    char *s = NULL;
    if (parse_code(args[0], &code, &hint) < 0 ||
        (nargs > 1 && parse_code(args[1], &ext, &ehint) < 0)) {
      fprintf(stderr,
              "rdpneg-explain: \"%s\" is not a number or a known code name\n",
              parse_code(args[0], &code, &hint) < 0 ? args[0] : args[1]);
      rdpneg_taxonomy_free(tax);
      return EXIT_USAGE;
    }
    if (!kind_given && hint >= 0)
      kind = hint;
    if (json)
      n = rdpneg_explain_json(tax, kind, code, nargs > 1, ext, &s, NULL);
    else
      n = rdpneg_explain_text(tax, kind, code, nargs > 1, ext, &s, NULL);
    if (!json && n > 0 && s)
      summary(tax, kind, code, nargs > 1, ext);
    rc = print_out(n, s);
    if (rc == EXIT_FOUND && n == 0)
      rc = EXIT_UNKNOWN;
  }
  rdpneg_taxonomy_free(tax);
  return rc;
}
