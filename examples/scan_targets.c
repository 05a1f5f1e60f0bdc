/* SPDX-License-Identifier: Apache-2.0 */
/* rdpneg-scan's target list (see scan_targets.h). */
#include "scan_targets.h"
#include "scan_json.h"

#include <uv.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

void scan_targets_init(scan_targets *t, size_t max) {
  memset(t, 0, sizeof *t);
  t->max = max;
}

void scan_targets_free(scan_targets *t) {
  for (size_t i = 0; i < t->n; i++)
    free(t->v[i].host);
  free(t->v);
  free(t->slots);
  memset(t, 0, sizeof *t);
}

static uint64_t hash_key(const char *host, uint16_t port) {
  uint64_t h = 1469598103934665603ull;
  for (const char *p = host; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ull;
  h = (h ^ (port & 0xff)) * 1099511628211ull;
  h = (h ^ (port >> 8)) * 1099511628211ull;
  return h;
}

/* Index of the slot holding (host, port), or of the empty slot where it
 * belongs. */
static size_t find_slot(const scan_targets *t, const char *host,
                        uint16_t port) {
  size_t mask = t->nslots - 1;
  size_t i = (size_t)hash_key(host, port) & mask;
  while (t->slots[i]) {
    const scan_target *e = &t->v[t->slots[i] - 1];
    if (e->port == port && strcmp(e->host, host) == 0)
      return i;
    i = (i + 1) & mask;
  }
  return i;
}

static int rehash(scan_targets *t, size_t nslots) {
  size_t *s = calloc(nslots, sizeof *s);
  if (!s)
    return -1;
  free(t->slots);
  t->slots = s;
  t->nslots = nslots;
  for (size_t k = 0; k < t->n; k++)
    t->slots[find_slot(t, t->v[k].host, t->v[k].port)] = k + 1;
  return 0;
}

int scan_targets_contains(const scan_targets *t, const char *host,
                          uint16_t port) {
  if (!t->nslots)
    return 0;
  return t->slots[find_slot(t, host, port)] != 0;
}

/* Adds one canonical target; 0, or -1 (over the maximum / no memory). */
static int add_one(scan_targets *t, const char *host, uint16_t port,
                   int is_name, char *err, size_t errlen) {
  if (t->nslots == 0 && rehash(t, 1024) != 0)
    return fail(err, errlen, "out of memory");
  size_t i = find_slot(t, host, port);
  if (t->slots[i]) {
    t->duplicates++;
    return 0;
  }
  if (t->n >= t->max)
    return fail(err, errlen,
                "more than %zu targets (raise --max-targets to scan more)",
                t->max);
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 256;
    scan_target *v = realloc(t->v, cap * sizeof *v);
    if (!v)
      return fail(err, errlen, "out of memory");
    t->v = v;
    t->cap = cap;
  }
  char *h = strdup(host);
  if (!h)
    return fail(err, errlen, "out of memory");
  t->v[t->n] = (scan_target){h, port, is_name};
  t->slots[i] = ++t->n;
  if (t->n * 2 > t->nslots && rehash(t, t->nslots * 2) != 0)
    return fail(err, errlen, "out of memory");
  return 0;
}

static int valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 253)
    return 0;
  size_t label = 0; /* labels of 1 to 63 characters */
  for (const char *p = s; *p; p++) {
    if (*p == '.') {
      if (label == 0)
        return 0;
      label = 0;
    } else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
      if (++label > 63)
        return 0;
    } else {
      return 0;
    }
  }
  return s[0] != '-';
}

int scan_host_canonical(const char *host, char *out, size_t cap, int *is_name) {
  unsigned char a[16];
  *is_name = 0;
  if (uv_inet_pton(AF_INET, host, a) == 0)
    return uv_inet_ntop(AF_INET, a, out, cap) == 0 ? 0 : -1;
  if (uv_inet_pton(AF_INET6, host, a) == 0)
    return uv_inet_ntop(AF_INET6, a, out, cap) == 0 ? 0 : -1;
  if (!valid_name(host) || strlen(host) >= cap)
    return -1;
  for (size_t i = 0; host[i]; i++)
    out[i] = (char)tolower((unsigned char)host[i]);
  out[strlen(host)] = 0;
  *is_name = 1;
  return 0;
}

static int parse_port(const char *s, size_t n, uint16_t *port) {
  char tmp[8];
  if (n == 0 || n >= sizeof tmp)
    return -1;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  char *e;
  errno = 0;
  long v = strtol(tmp, &e, 10);
  if (*e || errno || v < 1 || v > 65535 || !isdigit((unsigned char)tmp[0]))
    return -1;
  *port = (uint16_t)v;
  return 0;
}

int scan_ports_parse(const char *list, uint16_t **pports, size_t *pn, char *err,
                     size_t errlen) {
  uint16_t *ports = NULL;
  size_t n = 0, cap = 0;
  unsigned char *seen = calloc(65536, 1);
  if (!seen)
    return fail(err, errlen, "out of memory");
  const char *p = list;
  while (1) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    const char *dash = memchr(p, '-', len);
    uint16_t lo, hi;
    if (dash ? parse_port(p, (size_t)(dash - p), &lo) != 0 ||
                   parse_port(dash + 1, len - (size_t)(dash - p) - 1, &hi) != 0
             : parse_port(p, len, &lo) != 0) {
      free(ports);
      free(seen);
      return fail(err, errlen, "bad port list (e.g. 3389,3390-3399): %s", list);
    }
    if (!dash)
      hi = lo;
    if (hi < lo) {
      free(ports);
      free(seen);
      return fail(err, errlen, "bad port range %.*s", (int)len, p);
    }
    for (unsigned v = lo; v <= hi; v++) {
      if (seen[v]++)
        continue;
      if (n == cap) {
        cap = cap ? cap * 2 : 16;
        uint16_t *np = realloc(ports, cap * sizeof *np);
        if (!np) {
          free(ports);
          free(seen);
          return fail(err, errlen, "out of memory");
        }
        ports = np;
      }
      ports[n++] = (uint16_t)v;
    }
    if (!comma)
      break;
    p = comma + 1;
  }
  free(seen);
  *pports = ports;
  *pn = n;
  return 0;
}

/* Adds host (not canonical yet) with the explicit port or every port. */
static int add_host(scan_targets *t, const char *spec, const char *host,
                    int has_port, uint16_t port, const uint16_t *ports,
                    size_t nports, char *err, size_t errlen) {
  char canon[256];
  int is_name;
  if (scan_host_canonical(host, canon, sizeof canon, &is_name) != 0)
    return fail(err, errlen,
                "bad target (HOST, HOST:PORT, [IPv6]:PORT or "
                "ADDRESS/PREFIX): %s",
                spec);
  if (has_port)
    return add_one(t, canon, port, is_name, err, errlen);
  for (size_t i = 0; i < nports; i++)
    if (add_one(t, canon, ports[i], is_name, err, errlen) != 0)
      return -1;
  return 0;
}

/* Adds every address of ADDR/PREFIX. */
static int add_range(scan_targets *t, const char *spec, const char *cidr,
                     int has_port, uint16_t port, const uint16_t *ports,
                     size_t nports, char *err, size_t errlen) {
  const char *slash = strchr(cidr, '/');
  char addr[64];
  size_t an = (size_t)(slash - cidr);
  if (an == 0 || an >= sizeof addr)
    return fail(err, errlen, "bad address range: %s", spec);
  memcpy(addr, cidr, an);
  addr[an] = 0;
  char *e;
  errno = 0;
  long prefix = strtol(slash + 1, &e, 10);
  unsigned char a[16];
  int v6 = 0;
  if (uv_inet_pton(AF_INET, addr, a) == 0)
    v6 = 0;
  else if (uv_inet_pton(AF_INET6, addr, a) == 0)
    v6 = 1;
  else
    return fail(err, errlen, "bad address in range: %s", spec);
  int bits = v6 ? 128 : 32;
  if (*e || errno || slash[1] == 0 || prefix < 0 || prefix > bits)
    return fail(err, errlen, "bad prefix length in range: %s", spec);
  int hostbits = bits - (int)prefix;
  size_t per = has_port ? 1 : nports;
  /* refuse before expanding: a /64 has 2^64 addresses */
  if (hostbits >= 40 || ((size_t)1 << hostbits) > t->max ||
      ((size_t)1 << hostbits) * per > t->max - t->n)
    return fail(err, errlen,
                "range %s has %s%.0f addresses%s, over --max-targets %zu", cidr,
                hostbits >= 40 ? "2^" : "",
                hostbits >= 40 ? (double)hostbits : (double)(1ull << hostbits),
                per > 1 ? " times the ports" : "", t->max);
  /* clear the host bits, then count through the range */
  for (int b = (int)prefix; b < bits; b++)
    a[b / 8] &= (unsigned char)~(0x80u >> (b % 8));
  uint64_t count = 1ull << hostbits;
  for (uint64_t k = 0; k < count; k++) {
    unsigned char cur[16];
    memcpy(cur, a, sizeof cur);
    uint64_t add = k;
    for (int i = bits / 8 - 1; i >= 0 && add; i--) {
      uint64_t s = cur[i] + (add & 0xff);
      cur[i] = (unsigned char)s;
      add = (add >> 8) + (s >> 8);
    }
    char text[64];
    if (uv_inet_ntop(v6 ? AF_INET6 : AF_INET, cur, text, sizeof text) != 0)
      return fail(err, errlen, "bad address range: %s", spec);
    if (has_port) {
      if (add_one(t, text, port, 0, err, errlen) != 0)
        return -1;
    } else {
      for (size_t i = 0; i < nports; i++)
        if (add_one(t, text, ports[i], 0, err, errlen) != 0)
          return -1;
    }
  }
  return 0;
}

int scan_targets_add_spec(scan_targets *t, const char *spec,
                          const uint16_t *ports, size_t nports, char *err,
                          size_t errlen) {
  char host[300];
  int has_port = 0;
  uint16_t port = 0;
  size_t len = strlen(spec);
  if (len == 0 || len >= sizeof host)
    return fail(err, errlen, "bad target: %s", spec);
  if (spec[0] == '[') {
    const char *rb = strchr(spec, ']');
    if (!rb || rb == spec + 1)
      return fail(err, errlen, "bad target (missing ]): %s", spec);
    memcpy(host, spec + 1, (size_t)(rb - spec - 1));
    host[rb - spec - 1] = 0;
    if (rb[1] == ':') {
      if (parse_port(rb + 2, strlen(rb + 2), &port) != 0)
        return fail(err, errlen, "bad port in target: %s", spec);
      has_port = 1;
    } else if (rb[1]) {
      return fail(err, errlen, "bad target: %s", spec);
    }
    if (!strchr(host, ':'))
      return fail(err, errlen, "not an IPv6 address in brackets: %s", spec);
  } else {
    const char *c = strchr(spec, ':');
    if (c && !strchr(c + 1, ':')) {
      /* HOST:PORT or IPv4/PREFIX:PORT */
      if (parse_port(c + 1, strlen(c + 1), &port) != 0)
        return fail(err, errlen, "bad port in target: %s", spec);
      has_port = 1;
      memcpy(host, spec, (size_t)(c - spec));
      host[c - spec] = 0;
    } else {
      /* HOST, or a bare IPv6 address (two colons or more) */
      memcpy(host, spec, len + 1);
    }
  }
  if (strchr(host, '/'))
    return add_range(t, spec, host, has_port, port, ports, nports, err, errlen);
  return add_host(t, spec, host, has_port, port, ports, nports, err, errlen);
}

/* Reads one line of any length into *|pbuf|; returns its length or -1 at
 * the end. */
static long read_line(FILE *f, char **pbuf, size_t *pcap) {
  size_t n = 0;
  int ch;
  while ((ch = getc(f)) != EOF) {
    if (n + 1 >= *pcap) {
      size_t cap = *pcap ? *pcap * 2 : 4096;
      char *nb = realloc(*pbuf, cap);
      if (!nb)
        return -1;
      *pbuf = nb;
      *pcap = cap;
    }
    if (ch == '\n')
      break;
    (*pbuf)[n++] = (char)ch;
  }
  if (ch == EOF && n == 0)
    return -1;
  (*pbuf)[n] = 0;
  return (long)n;
}

int scan_targets_add_file(scan_targets *t, const char *path,
                          const uint16_t *ports, size_t nports, char *err,
                          size_t errlen) {
  FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
  if (!f)
    return fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
  char *line = NULL;
  size_t cap = 0;
  long len;
  int rv = 0;
  for (unsigned long lineno = 1; (len = read_line(f, &line, &cap)) >= 0;
       lineno++) {
    char *hash = strchr(line, '#');
    if (hash)
      *hash = 0;
    for (char *tok = strtok(line, " \t\r,"); tok;
         tok = strtok(NULL, " \t\r,")) {
      char sub[512];
      if (scan_targets_add_spec(t, tok, ports, nports, sub, sizeof sub) != 0) {
        rv = fail(err, errlen, "%s, line %lu: %s", path, lineno, sub);
        goto out;
      }
    }
  }
  if (ferror(f))
    rv = fail(err, errlen, "cannot read %s: %s", path, strerror(errno));
out:
  free(line);
  if (f != stdin)
    fclose(f);
  return rv;
}

int scan_targets_resume(scan_targets *t, const char *path, size_t *pskipped,
                        size_t *pbad, char *err, size_t errlen) {
  FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
  *pskipped = *pbad = 0;
  if (!f)
    return fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
  /* mark the targets that have a finished document */
  unsigned char *done = calloc(t->n ? t->n : 1, 1);
  char *line = NULL;
  size_t cap = 0;
  long len;
  if (!done) {
    if (f != stdin)
      fclose(f);
    return fail(err, errlen, "out of memory");
  }
  while ((len = read_line(f, &line, &cap)) >= 0) {
    sj_val host, port, cancelled, schema;
    char h[300], canon[300];
    double p;
    int is_name;
    if (len == 0)
      continue;
    if (sj_get(line, (size_t)len, "schema", &schema) != SJ_STRING ||
        sj_get(line, (size_t)len, "target.host", &host) != SJ_STRING ||
        sj_get(line, (size_t)len, "target.port", &port) != SJ_NUMBER ||
        sj_string(&host, h, sizeof h) != 0 || sj_number(&port, &p) != 0 ||
        p < 1 || p > 65535 ||
        scan_host_canonical(h, canon, sizeof canon, &is_name) != 0) {
      (*pbad)++;
      continue;
    }
    if (sj_get(line, (size_t)len, "cancelled", &cancelled) == SJ_BOOL &&
        sj_bool(&cancelled) == 1)
      continue;
    if (!t->nslots)
      continue;
    size_t slot = t->slots[find_slot(t, canon, (uint16_t)p)];
    if (slot)
      done[slot - 1] = 1;
  }
  int rv = 0;
  if (ferror(f))
    rv = fail(err, errlen, "cannot read %s: %s", path, strerror(errno));
  free(line);
  if (f != stdin)
    fclose(f);
  if (rv == 0) {
    size_t o = 0;
    for (size_t i = 0; i < t->n; i++) {
      if (done[i]) {
        free(t->v[i].host);
        (*pskipped)++;
      } else {
        t->v[o++] = t->v[i];
      }
    }
    t->n = o;
    if (t->nslots && rehash(t, t->nslots) != 0)
      rv = fail(err, errlen, "out of memory");
  }
  free(done);
  return rv;
}
