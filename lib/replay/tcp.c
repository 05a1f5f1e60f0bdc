/* SPDX-License-Identifier: Apache-2.0 */
/* TCP reassembly and frame decoding for capture replay; see tcp.h. Every
 * read goes through a length check against what the frame really holds. */
#include "replay/tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- byte access ---- */

static uint16_t be16(const uint8_t *p) {
  return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 |
         p[0];
}

/* ---- TCP reassembly ---- */

/* Makes room for stream offsets [0, need); returns 0 or -1 (limits). */
static int stream_reserve(rdpneg_tcp_table *cap, rdpneg_tcp_stream *st,
                          size_t need) {
  if (need <= st->alloc)
    return 0;
  if (need > RDPNEG_TCP_STREAM_MAX)
    return -1;
  size_t n = st->alloc ? st->alloc : 4096;
  while (n < need)
    n *= 2;
  if (n > RDPNEG_TCP_STREAM_MAX)
    n = RDPNEG_TCP_STREAM_MAX;
  size_t grow = n - st->alloc;
  if (cap->mem_used + 2 * grow > RDPNEG_TCP_MEM_BUDGET)
    return -1;
  uint8_t *d = realloc(st->data, n);
  if (!d)
    return -1;
  st->data = d;
  uint8_t *h = realloc(st->have, n);
  if (!h)
    return -1;
  st->have = h;
  memset(st->data + st->alloc, 0, grow);
  memset(st->have + st->alloc, 0, grow);
  cap->mem_used += 2 * grow;
  st->alloc = n;
  return 0;
}

static void stream_update_len(rdpneg_tcp_stream *st) {
  while (st->len < st->extent && st->have[st->len])
    st->len++;
}

/* Moves the stream start to sequence number |nb|: bytes before it are
 * dropped, room is made when it lies before the current start. */
/* Adds a timeline entry; returns quietly when the timeline is full (the
 * loss is counted) or memory is short. */
static void conn_event(rdpneg_tcp_table *cap, rdpneg_tcp_conn *c, int dir,
                       int kind, size_t len, uint64_t ts) {
  if (kind == RDPNEG_TCP_EV_DATA && c->nevents) {
    /* merge with the previous growth of the same direction at one time */
    rdpneg_tcp_event *l = &c->events[c->nevents - 1];
    if (l->dir == dir && l->kind == kind && l->ts == ts) {
      l->len = (uint32_t)len;
      return;
    }
  }
  if (c->nevents == c->events_alloc) {
    size_t n = c->events_alloc ? 2 * c->events_alloc : 16;
    if (n > RDPNEG_TCP_MAX_EVENTS ||
        cap->mem_used + (n - c->events_alloc) * sizeof *c->events >
            RDPNEG_TCP_MEM_BUDGET) {
      c->events_dropped++;
      return;
    }
    rdpneg_tcp_event *e = realloc(c->events, n * sizeof *e);
    if (!e) {
      c->events_dropped++;
      return;
    }
    cap->mem_used += (n - c->events_alloc) * sizeof *e;
    c->events = e;
    c->events_alloc = n;
  }
  rdpneg_tcp_event *e = &c->events[c->nevents++];
  e->dir = (uint8_t)dir;
  e->kind = (uint8_t)kind;
  e->len = (uint32_t)len;
  e->ts = ts;
}

/* The stream start of direction |dir| moved by |d| bytes (positive:
 * dropped from the front): the timeline's lengths follow it. */
static void events_shift(rdpneg_tcp_conn *c, int dir, int64_t d) {
  for (size_t i = 0; i < c->nevents; i++) {
    rdpneg_tcp_event *e = &c->events[i];
    if (e->dir != dir || e->kind != RDPNEG_TCP_EV_DATA)
      continue;
    int64_t l = (int64_t)e->len - d;
    e->len = l < 0 ? 0 : (uint32_t)l;
  }
}

static void stream_rebase(rdpneg_tcp_table *cap, rdpneg_tcp_conn *c, int dir,
                          uint32_t nb) {
  rdpneg_tcp_stream *st = &c->dir[dir];
  int64_t d = (int32_t)(nb - st->base);
  if (d == 0)
    return;
  events_shift(c, dir, st->extent ? d : 0);
  if (d > 0) { /* drop the first d bytes */
    size_t k = (size_t)d;
    if (k >= st->extent) {
      if (st->extent)
        memset(st->have, 0, st->extent);
      st->extent = 0;
    } else {
      memmove(st->data, st->data + k, st->extent - k);
      memmove(st->have, st->have + k, st->extent - k);
      memset(st->have + st->extent - k, 0, k);
      st->extent -= k;
    }
  } else { /* shift up by k */
    size_t k = (size_t)-d;
    if (st->extent) {
      if (stream_reserve(cap, st, st->extent + k) != 0) {
        /* cannot keep what we have: start over from the new base */
        memset(st->have, 0, st->extent);
        st->extent = 0;
        st->overflow = 1;
      } else {
        memmove(st->data + k, st->data, st->extent);
        memmove(st->have + k, st->have, st->extent);
        memset(st->have, 0, k);
        memset(st->data, 0, k);
        st->extent += k;
      }
    }
  }
  st->base = nb;
  st->len = 0;
  stream_update_len(st);
}

void rdpneg_tcp_segment(rdpneg_tcp_table *cap, rdpneg_tcp_conn *c, int dir,
                        uint32_t seq, uint8_t flags, const uint8_t *p, size_t n,
                        uint64_t ts) {
  const uint8_t SYN = RDPNEG_TCP_SYN, FIN = RDPNEG_TCP_FIN,
                RST = RDPNEG_TCP_RST;
  rdpneg_tcp_stream *st = &c->dir[dir & 1];
  dir &= 1;
  if (!c->first_ts || ts < c->first_ts)
    c->first_ts = ts;
  if (ts > c->last_ts)
    c->last_ts = ts;
  if (flags & SYN) {
    if (!st->syn) {
      st->syn = 1;
      st->syn_ts = ts;
      st->isn = seq;
      if (!st->have_base) {
        st->base = seq + 1;
        st->have_base = 1;
      } else if (!st->base_from_syn) {
        stream_rebase(cap, c, dir, seq + 1);
      }
      st->base_from_syn = 1;
    }
    seq += 1; /* data on a SYN (TFO) starts after it */
  }
  if (flags & FIN) {
    if (!st->fin)
      conn_event(cap, c, dir, RDPNEG_TCP_EV_FIN, 0, ts);
    st->fin = 1;
  }
  if (flags & RST) {
    if (!st->rst)
      conn_event(cap, c, dir, RDPNEG_TCP_EV_RST, 0, ts);
    st->rst = 1;
  }
  if (n == 0)
    return;
  st->segments++;
  if (!st->first_ts)
    st->first_ts = ts;
  if (!st->have_base) {
    st->base = seq;
    st->have_base = 1;
  }
  int64_t rel = (int32_t)(seq - st->base);
  if (rel < 0) {
    if (!st->base_from_syn && -rel <= (int64_t)RDPNEG_TCP_STREAM_MAX &&
        st->rebases < 64) {
      st->rebases++;
      stream_rebase(cap, c, dir, seq); /* earlier data, no SYN seen */
      rel = 0;
    } else { /* retransmission reaching before the start: trim */
      if ((uint64_t)-rel >= n)
        return;
      p += (size_t)-rel;
      n -= (size_t)-rel;
      rel = 0;
    }
  }
  size_t off = (size_t)rel;
  if (off >= RDPNEG_TCP_STREAM_MAX) {
    st->overflow = 1;
    return;
  }
  if (n > RDPNEG_TCP_STREAM_MAX - off) {
    n = RDPNEG_TCP_STREAM_MAX - off;
    st->overflow = 1;
  }
  if (stream_reserve(cap, st, off + n) != 0) {
    /* keep what fits in what we have */
    if (off >= st->alloc) {
      st->overflow = 1;
      return;
    }
    n = st->alloc - off;
    st->overflow = 1;
  }
  if (off > st->len)
    st->reordered++;
  for (size_t i = 0; i < n; i++) {
    if (st->have[off + i]) {
      st->dup_bytes++;
      if (st->data[off + i] != p[i])
        st->conflicts++;
    } else {
      st->have[off + i] = 1;
      st->data[off + i] = p[i];
    }
  }
  if (off + n > st->extent)
    st->extent = off + n;
  size_t before = st->len;
  stream_update_len(st);
  if (st->len > before)
    conn_event(cap, c, dir, RDPNEG_TCP_EV_DATA, st->len, ts);
}

static int addr_eq(const uint8_t *a, const uint8_t *b, size_t n) {
  return memcmp(a, b, n) == 0;
}

void rdpneg_tcp_conn_swap(rdpneg_tcp_conn *c) {
  uint8_t a[16];
  memcpy(a, c->addr[0], 16);
  memcpy(c->addr[0], c->addr[1], 16);
  memcpy(c->addr[1], a, 16);
  uint16_t p = c->port[0];
  c->port[0] = c->port[1];
  c->port[1] = p;
  rdpneg_tcp_stream s = c->dir[0];
  c->dir[0] = c->dir[1];
  c->dir[1] = s;
  for (size_t i = 0; i < c->nevents; i++)
    c->events[i].dir ^= 1;
}

static void tcp_packet(rdpneg_tcp_table *cap, int ipv6, const uint8_t *src,
                       const uint8_t *dst, const uint8_t *tcp, size_t seglen,
                       uint64_t ts) {
  size_t alen = ipv6 ? 16 : 4;
  uint16_t sport = be16(tcp), dport = be16(tcp + 2);
  uint32_t seq = be32(tcp + 4);
  size_t doff = (size_t)(tcp[12] >> 4) * 4;
  uint8_t flags = tcp[13];
  const uint8_t *payload = tcp + doff;
  size_t n = seglen - doff;
  int syn_only = (flags & 0x12) == 0x02, syn_ack = (flags & 0x12) == 0x12;

  /* newest connection first, so that a reused 4-tuple finds the last one */
  rdpneg_tcp_conn *c = NULL;
  int side = 0; /* 0: sender is the client */
  for (size_t i = cap->nconns; i-- > 0;) {
    rdpneg_tcp_conn *k = &cap->conns[i];
    if (k->ipv6 != ipv6)
      continue;
    if (k->port[0] == sport && k->port[1] == dport &&
        addr_eq(k->addr[0], src, alen) && addr_eq(k->addr[1], dst, alen)) {
      c = k;
      side = 0;
      break;
    }
    if (k->port[1] == sport && k->port[0] == dport &&
        addr_eq(k->addr[1], src, alen) && addr_eq(k->addr[0], dst, alen)) {
      c = k;
      side = 1;
      break;
    }
  }
  /* a new SYN with another ISN on a used tuple opens a new connection */
  if (c && syn_only && side == 0 && c->dir[0].syn && c->dir[0].isn != seq &&
      (c->dir[0].fin || c->dir[0].rst || c->dir[1].fin || c->dir[1].rst ||
       c->dir[0].extent || c->dir[1].extent))
    c = NULL;
  if (!c) {
    if (cap->nconns >= RDPNEG_TCP_MAX_CONNS) {
      cap->conns_dropped++;
      return;
    }
    if (cap->nconns % 16 == 0) {
      rdpneg_tcp_conn *nc =
          realloc(cap->conns, (cap->nconns + 16) * sizeof *cap->conns);
      if (!nc) {
        cap->conns_dropped++;
        return;
      }
      cap->conns = nc;
    }
    c = &cap->conns[cap->nconns++];
    memset(c, 0, sizeof *c);
    c->ipv6 = ipv6;
    side = syn_ack ? 1 : 0; /* otherwise the first sender is the client */
    memcpy(c->addr[side], src, alen);
    memcpy(c->addr[!side], dst, alen);
    c->port[side] = sport;
    c->port[!side] = dport;
    c->client_from_syn = syn_only || syn_ack;
  } else if (!c->client_from_syn && (syn_only || syn_ack)) {
    /* roles guessed from the first packet; a late SYN tells the truth */
    int want = syn_ack ? 1 : 0;
    if (side != want) {
      rdpneg_tcp_conn_swap(c);
      side = want;
    }
    c->client_from_syn = 1;
  }
  c->packets++;
  rdpneg_tcp_segment(cap, c, side, seq, flags, payload, n, ts);
}

/* TCP inside an IP payload of |len| captured bytes (|decl| declared). */
static int tcp_in_ip(rdpneg_tcp_table *cap, int ipv6, const uint8_t *src,
                     const uint8_t *dst, const uint8_t *p, size_t len,
                     uint64_t ts) {
  if (len < 20)
    return -1;
  size_t doff = (size_t)(p[12] >> 4) * 4;
  if (doff < 20 || doff > len)
    return -1;
  tcp_packet(cap, ipv6, src, dst, p, len, ts);
  return 1;
}

static int ipv4(rdpneg_tcp_table *cap, const uint8_t *p, size_t len,
                uint64_t ts) {
  if (len < 20 || (p[0] >> 4) != 4)
    return -1;
  size_t ihl = (size_t)(p[0] & 0x0f) * 4;
  size_t tot = be16(p + 2);
  if (ihl < 20 || ihl > len)
    return -1;
  if (tot == 0) /* TSO: length left to the capture */
    tot = len;
  if (tot < ihl)
    return -1;
  if (tot < len) /* link-layer padding after the datagram */
    len = tot;
  if (be16(p + 6) & 0x3fff) /* MF or fragment offset: not reassembled */
    return 0;
  if (p[9] != 6)
    return 0;
  return tcp_in_ip(cap, 0, p + 12, p + 16, p + ihl, len - ihl, ts);
}

static int ipv6(rdpneg_tcp_table *cap, const uint8_t *p, size_t len,
                uint64_t ts) {
  if (len < 40 || (p[0] >> 4) != 6)
    return -1;
  size_t plen = be16(p + 4);
  size_t end = plen ? 40 + plen : len; /* 0: jumbogram, take what is there */
  if (end < len)
    len = end;
  uint8_t nh = p[6];
  size_t off = 40;
  for (int hops = 0; hops < 16; hops++) {
    if (nh == 6)
      return tcp_in_ip(cap, 1, p + 8, p + 24, p + off, len - off, ts);
    size_t hl;
    switch (nh) {
    case 0:  /* hop-by-hop */
    case 43: /* routing */
    case 60: /* destination options */
      if (len - off < 8)
        return -1;
      hl = ((size_t)p[off + 1] + 1) * 8;
      break;
    case 44: /* fragment */
      if (len - off < 8)
        return -1;
      if (be16(p + off + 2) & 0xfff9) /* offset or M flag */
        return 0;
      hl = 8;
      break;
    case 51: /* AH */
      if (len - off < 8)
        return -1;
      hl = ((size_t)p[off + 1] + 2) * 4;
      break;
    default:
      return 0; /* not TCP (or ESP, no next header) */
    }
    if (hl > len - off)
      return -1;
    nh = p[off];
    off += hl;
  }
  return -1;
}

static int by_ethertype(rdpneg_tcp_table *cap, unsigned type, const uint8_t *p,
                        size_t len, uint64_t ts) {
  if (type == 0x0800)
    return ipv4(cap, p, len, ts);
  if (type == 0x86dd)
    return ipv6(cap, p, len, ts);
  return 0;
}

static int by_version(rdpneg_tcp_table *cap, const uint8_t *p, size_t len,
                      uint64_t ts) {
  if (len < 1)
    return -1;
  if ((p[0] >> 4) == 4)
    return ipv4(cap, p, len, ts);
  if ((p[0] >> 4) == 6)
    return ipv6(cap, p, len, ts);
  return -1;
}

/* BSD address families seen in DLT_NULL / DLT_LOOP headers */
static int by_family(rdpneg_tcp_table *cap, uint32_t af, const uint8_t *p,
                     size_t len, uint64_t ts) {
  if (af == 2)
    return ipv4(cap, p, len, ts);
  if (af == 10 || af == 24 || af == 28 || af == 30)
    return ipv6(cap, p, len, ts);
  return 0;
}

int rdpneg_tcp_feed_frame(rdpneg_tcp_table *cap, int linktype, const uint8_t *f,
                          size_t len, uint64_t ts) {
  int rv;
  switch (linktype) {
  case RDPNEG_LINK_NULL: {
    if (len < 4) {
      rv = -1;
      break;
    }
    /* host byte order of the capturing machine: the family fits in the
     * low 16 bits, so a zero first half means big-endian */
    uint32_t af = (f[0] == 0 && f[1] == 0) ? be32(f) : le32(f);
    rv = by_family(cap, af, f + 4, len - 4, ts);
    break;
  }
  case RDPNEG_LINK_LOOP:
    rv = len < 4 ? -1 : by_family(cap, be32(f), f + 4, len - 4, ts);
    break;
  case RDPNEG_LINK_ETHERNET: {
    if (len < 14) {
      rv = -1;
      break;
    }
    size_t off = 12;
    unsigned type = be16(f + off);
    int tags = 0;
    while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && tags < 4) {
      if (len - off < 6) {
        type = 0;
        break;
      }
      off += 4;
      type = be16(f + off);
      tags++;
    }
    if (type == 0) {
      rv = -1;
      break;
    }
    off += 2;
    rv = by_ethertype(cap, type, f + off, len - off, ts);
    break;
  }
  case RDPNEG_LINK_SLL:
    rv = len < 16 ? -1 : by_ethertype(cap, be16(f + 14), f + 16, len - 16, ts);
    break;
  case RDPNEG_LINK_SLL2:
    rv = len < 20 ? -1 : by_ethertype(cap, be16(f), f + 20, len - 20, ts);
    break;
  case RDPNEG_LINK_RAW:
  case 12: /* DLT_RAW on most BSDs */
  case 14: /* DLT_RAW on OpenBSD */
    rv = by_version(cap, f, len, ts);
    break;
  case RDPNEG_LINK_IPV4:
    rv = ipv4(cap, f, len, ts);
    break;
  case RDPNEG_LINK_IPV6:
    rv = ipv6(cap, f, len, ts);
    break;
  default:
    rv = 0;
    break;
  }
  cap->packets++;
  if (cap->linktype < 0)
    cap->linktype = linktype;
  if (rv > 0)
    cap->tcp_packets++;
  else if (rv == 0)
    cap->skipped++;
  else
    cap->malformed++;
  return rv;
}

void rdpneg_tcp_table_free(rdpneg_tcp_table *cap) {
  if (!cap)
    return;
  for (size_t i = 0; i < cap->nconns; i++)
    for (int d = 0; d < 2; d++) {
      free(cap->conns[i].dir[d].data);
      free(cap->conns[i].dir[d].have);
    }
  for (size_t i = 0; i < cap->nconns; i++)
    free(cap->conns[i].events);
  free(cap->conns);
  memset(cap, 0, sizeof *cap);
}

void rdpneg_tcp_conn_addr(const rdpneg_tcp_conn *c, int side, char *out,
                          size_t cap) {
  const uint8_t *a = c->addr[side & 1];
  if (!c->ipv6) {
    snprintf(out, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    return;
  }
  size_t o = 0;
  for (int i = 0; i < 8 && o < cap; i++) {
    int w = snprintf(out + o, cap - o, i ? ":%x" : "%x", be16(a + 2 * i));
    if (w < 0)
      break;
    o += (size_t)w;
  }
}

void rdpneg_tcp_table_init(rdpneg_tcp_table *t) {
  memset(t, 0, sizeof *t);
  t->linktype = -1;
}
