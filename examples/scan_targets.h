/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-scan's target list: parsing target specifications (host,
 * host:port, [v6]:port, IPv4/IPv6 CIDR ranges, DNS names) and port lists,
 * expanding ranges, removing duplicates, reading targets files and the
 * targets of an earlier JSON Lines output (--resume). */
#ifndef RDPNEG_SCAN_TARGETS_H
#define RDPNEG_SCAN_TARGETS_H

#include <stddef.h>
#include <stdint.h>

typedef struct scan_target {
  /* an address literal in its canonical text form (inet_ntop) or a DNS
   * name in lower case: what the probe is given and what its document's
   * target.host says */
  char *host;
  uint16_t port;
  /* 1 when host is a name (resolved for the per-listener limit) */
  int is_name;
} scan_target;

typedef struct scan_targets {
  scan_target *v;
  size_t n, cap;
  size_t *slots; /* hash set over v: index + 1, 0 = empty */
  size_t nslots;
  size_t duplicates; /* specifications that named a target already there */
  size_t max;        /* refuse more than this many targets */
} scan_targets;

/* An empty list that refuses more than |max| targets. */
void scan_targets_init(scan_targets *t, size_t max);
void scan_targets_free(scan_targets *t);

/* Parses a port list "3389,3390-3399" into a new array of distinct ports
 * in the order given. Returns 0, or -1 with a message in |err|. */
int scan_ports_parse(const char *list, uint16_t **pports, size_t *pn, char *err,
                     size_t errlen);

/* Adds the targets of one specification: HOST, HOST:PORT, [IPv6]:PORT,
 * a bare IPv6 address, or an address range ADDR/PREFIX (IPv4 or IPv6,
 * every address of the range, [ADDR/PREFIX]:PORT for IPv6 with a port).
 * Without a port each of |ports| is used. Targets already present are
 * counted in t->duplicates and not added again. Returns 0, or -1 with a
 * message in |err| (bad specification, a range or a total over t->max). */
int scan_targets_add_spec(scan_targets *t, const char *spec,
                          const uint16_t *ports, size_t nports, char *err,
                          size_t errlen);

/* Adds every specification in the file |path| ("-" = standard input):
 * whitespace-separated, '#' starts a comment to the end of the line.
 * Returns 0, or -1 with a message in |err| naming the file and line. */
int scan_targets_add_file(scan_targets *t, const char *path,
                          const uint16_t *ports, size_t nports, char *err,
                          size_t errlen);

/* 1 when |host| (canonical form) and |port| are in |t|, else 0. */
int scan_targets_contains(const scan_targets *t, const char *host,
                          uint16_t port);

/* Reads an earlier rdpneg-scan output (JSON Lines) and removes from |t|
 * every target that has a document there, except documents of cancelled
 * probes (an interrupted scan probes those again). Lines that are not a
 * document (a line cut short when a scan was killed) are counted in
 * *|pbad|; *|pskipped| gets the number of targets removed. Returns 0, or
 * -1 with a message in |err| when the file cannot be read. */
int scan_targets_resume(scan_targets *t, const char *path, size_t *pskipped,
                        size_t *pbad, char *err, size_t errlen);

/* Canonical form of a host as the list stores it (address literals via
 * inet_pton/inet_ntop, names in lower case) into |out|; sets *|is_name|.
 * Returns 0, or -1 when |host| is neither an address nor a valid name. */
int scan_host_canonical(const char *host, char *out, size_t cap, int *is_name);

#endif
