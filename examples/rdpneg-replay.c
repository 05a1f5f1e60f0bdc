/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-replay: the RDP connections in a pcap/pcapng capture, observed by
 * the same core as rdpneg-probe (nothing is sent, no keys are needed).
 *
 *   rdpneg-replay FILE [--port N] [--json]
 *
 * Text: the stories (connections of one client grouped in time), then one
 * report per connection. --json: one rdpneg.replay/1 document holding one
 * rdpneg.probe/1 document per connection ("source": "capture") and the
 * stories. Exit: 0 read, 1 damaged file (what could be read is shown),
 * 2 usage or unreadable file. */
#include <rdpneg/rdpneg.h>
#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_replay.h>
#include <rdpneg/rdpneg_report.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int linktype(int dlt) {
  switch (dlt) {
  case DLT_NULL:
    return RDPNEG_LINKTYPE_NULL;
  case DLT_EN10MB:
    return RDPNEG_LINKTYPE_ETHERNET;
  case DLT_RAW:
    return RDPNEG_LINKTYPE_RAW;
#ifdef DLT_LOOP
  case DLT_LOOP:
    return RDPNEG_LINKTYPE_LOOP;
#endif
  case DLT_LINUX_SLL:
    return RDPNEG_LINKTYPE_LINUX_SLL;
#ifdef DLT_LINUX_SLL2
  case DLT_LINUX_SLL2:
    return RDPNEG_LINKTYPE_LINUX_SLL2;
#endif
#ifdef DLT_IPV4
  case DLT_IPV4:
    return RDPNEG_LINKTYPE_IPV4;
#endif
#ifdef DLT_IPV6
  case DLT_IPV6:
    return RDPNEG_LINKTYPE_IPV6;
#endif
  }
  return dlt;
}

static int usage(FILE *f) {
  fprintf(f, "usage: rdpneg-replay FILE [--port N] [--json] [--html OUT]\n"
             "  FILE       a pcap or pcapng capture\n"
             "  --port N   the RDP server's TCP port (default 3389)\n"
             "  --json     one rdpneg.replay/1 JSON document\n"
             "  --html OUT also write a self-contained HTML report (every "
             "connection, its phase ladder) to OUT\n"
             "  --help     this text\n"
             "  --version  print the version and exit\n"
             "exit: 0 read, 1 truncated or damaged file, 2 usage or "
             "unreadable file\n");
  return f == stdout ? 0 : 2;
}

/* Every connection of the capture in one HTML page (rdpneg_fleet_html):
 * counts by verdict, a row per connection, each with its report and
 * ladder. 0, or 2 after saying why on stderr. */
static int write_html(const rdpneg_capture *cap, int n, const char *file,
                      const char *out) {
  const rdpneg_evidence **evs = calloc(n > 0 ? (size_t)n : 1, sizeof *evs);
  int rv = evs ? 0 : RDPNEG_ERR_NOMEM, k = 0;
  for (int i = 0; i < n && !rv; i++) {
    rdpneg_evidence *e;
    rv = rdpneg_capture_evidence(cap, i, &e);
    if (!rv)
      evs[k++] = e;
  }
  char *page = NULL;
  size_t len = 0;
  char title[300];
  snprintf(title, sizeof title, "rdpneg-replay %s", file);
  if (!rv)
    rv = rdpneg_fleet_html(evs, NULL, k, title, &page, &len);
  for (int i = 0; i < k; i++)
    rdpneg_evidence_free((rdpneg_evidence *)evs[i]);
  free(evs);
  if (rv) {
    fprintf(stderr, "rdpneg-replay: HTML report: %s\n", rdpneg_strerror(rv));
    return 2;
  }
  FILE *f = fopen(out, "wb");
  int bad = !f || fwrite(page, 1, len, f) != len;
  if (f && fclose(f) != 0)
    bad = 1;
  rdpneg_free(page);
  if (bad) {
    fprintf(stderr, "rdpneg-replay: %s: cannot write\n", out);
    return 2;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *file = NULL, *html = NULL;
  int json = 0;
  long port = 3389;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
      char *end;
      port = strtol(argv[++i], &end, 10);
      if (*end || port < 1 || port > 65535) {
        fprintf(stderr, "rdpneg-replay: bad port '%s'\n", argv[i]);
        return 2;
      }
    } else if (!strcmp(argv[i], "--html") && i + 1 < argc) {
      html = argv[++i];
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      return usage(stdout);
    } else if (!strcmp(argv[i], "--version")) {
      printf("rdpneg-replay %s\n", rdpneg_version());
      return 0;
    } else if (argv[i][0] == '-' || file) {
      return usage(stderr);
    } else {
      file = argv[i];
    }
  }
  if (!file)
    return usage(stderr);

  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline_with_tstamp_precision(
      file, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p) {
    fprintf(stderr, "rdpneg-replay: %s: %s\n", file, err);
    return 2;
  }
  rdpneg_capture *cap;
  if (rdpneg_capture_new(&cap, (uint16_t)port) != 0) {
    pcap_close(p);
    fprintf(stderr, "rdpneg-replay: out of memory\n");
    return 2;
  }
  int lt = linktype(pcap_datalink(p)), rv, damaged = 0;
  struct pcap_pkthdr *h;
  const u_char *data;
  while ((rv = pcap_next_ex(p, &h, &data)) == 1)
    rdpneg_capture_frame(cap, lt, data, h->caplen,
                         (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec);
  if (rv == PCAP_ERROR) {
    damaged = 1;
    fprintf(stderr, "rdpneg-replay: %s: %s (showing what was read)\n", file,
            pcap_geterr(p));
    rdpneg_capture_damaged(cap, pcap_geterr(p));
  }
  pcap_close(p);

  int n = rdpneg_capture_analyse(cap);
  if (n < 0) {
    fprintf(stderr, "rdpneg-replay: %s\n", rdpneg_strerror(n));
    rdpneg_capture_free(cap);
    return 2;
  }
  if (html && write_html(cap, n, file, html) != 0) {
    rdpneg_capture_free(cap);
    return 2;
  }
  if (json) {
    char *out;
    size_t len;
    if (rdpneg_capture_json(cap, &out, &len) == 0) {
      fwrite(out, 1, len, stdout);
      fputc('\n', stdout);
      rdpneg_free(out);
    }
    rdpneg_capture_free(cap);
    return damaged;
  }
  printf("%s: %d connection%s to port %ld, %d stor%s\n", file, n,
         n == 1 ? "" : "s", port, rdpneg_capture_story_count(cap),
         rdpneg_capture_story_count(cap) == 1 ? "y" : "ies");
  for (int s = 0; s < rdpneg_capture_story_count(cap); s++) {
    const char *sum;
    rdpneg_capture_story(cap, s, NULL, 0, &sum);
    printf("story %d: %s\n", s + 1, sum);
  }
  for (int i = 0; i < n; i++) {
    rdpneg_evidence *e;
    char *text;
    size_t len;
    if (rdpneg_capture_evidence(cap, i, &e) != 0)
      continue;
    if (rdpneg_evidence_report(e, NULL, &text, &len) == 0) {
      printf("\n== connection #%d\n", i);
      fwrite(text, 1, len, stdout);
      rdpneg_free(text);
    }
    rdpneg_evidence_free(e);
  }
  rdpneg_capture_free(cap);
  return damaged;
}
