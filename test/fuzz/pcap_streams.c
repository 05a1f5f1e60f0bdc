/* SPDX-License-Identifier: Apache-2.0 */
/* Writes the reassembled TCP streams of a capture for make_corpus.py, with
 * the reader the capture tests use (test/unit/capfile.c, libpcap):
 *
 *   pcap_streams CAPTURE OUTDIR PREFIX
 *
 * creates OUTDIR/PREFIX-<n>-c.bin (client to server) and -s.bin (server to
 * client) for every connection with payload, and prints one line per
 * connection: "<n> <server port> <client bytes> <server bytes>". */
#include "../unit/capfile.h"

#include <stdio.h>
#include <stdlib.h>

static int write_file(const char *path, const uint8_t *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t w = fwrite(p, 1, n, f);
  return fclose(f) == 0 && w == n ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s CAPTURE OUTDIR PREFIX\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  size_t cap = 1 << 16, len = 0, n;
  uint8_t *buf = malloc(cap);
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap * 2);
      if (!nb)
        break;
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf)
    return 1;
  pcap_capture pc;
  int rc = capfile_parse(buf, len, &pc);
  free(buf);
  if (rc != 0) {
    capfile_free(&pc);
    fprintf(stderr, "%s: not a capture\n", argv[1]);
    return 1;
  }
  for (size_t i = 0; i < pc.nconns; i++) {
    const pcap_conn *c = &pc.conns[i];
    char path[4096];
    for (int d = 0; d < 2; d++) {
      if (!c->dir[d].len)
        continue;
      snprintf(path, sizeof path, "%s/%s-%zu-%c.bin", argv[2], argv[3], i,
               d ? 's' : 'c');
      if (write_file(path, c->dir[d].data, c->dir[d].len) != 0) {
        perror(path);
        capfile_free(&pc);
        return 1;
      }
    }
    printf("%zu %u %zu %zu\n", i, (unsigned)c->port[1], c->dir[0].len,
           c->dir[1].len);
  }
  capfile_free(&pc);
  return 0;
}
