/* SPDX-License-Identifier: Apache-2.0 */
/* Capture reader for the unit tests; see pcap.h. Every read goes through
 * a length check against what the buffer really holds. */
#include "pcap.h"

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
static uint16_t le16(const uint8_t *p) {
  return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 |
         p[0];
}
static uint16_t rd16(const uint8_t *p, int big) {
  return big ? be16(p) : le16(p);
}
static uint32_t rd32(const uint8_t *p, int big) {
  return big ? be32(p) : le32(p);
}

/* ---- TCP reassembly ---- */

/* Makes room for stream offsets [0, need); returns 0 or -1 (limits). */
static int stream_reserve(pcap_capture *cap, pcap_stream *st, size_t need) {
  if (need <= st->alloc)
    return 0;
  if (need > PCAP_STREAM_MAX)
    return -1;
  size_t n = st->alloc ? st->alloc : 4096;
  while (n < need)
    n *= 2;
  if (n > PCAP_STREAM_MAX)
    n = PCAP_STREAM_MAX;
  size_t grow = n - st->alloc;
  if (cap->mem_used + 2 * grow > PCAP_MEM_BUDGET)
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

static void stream_update_len(pcap_stream *st) {
  while (st->len < st->extent && st->have[st->len])
    st->len++;
}

/* Moves the stream start to sequence number |nb|: bytes before it are
 * dropped, room is made when it lies before the current start. */
static void stream_rebase(pcap_capture *cap, pcap_stream *st, uint32_t nb) {
  int64_t d = (int32_t)(nb - st->base);
  if (d == 0)
    return;
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

static void stream_segment(pcap_capture *cap, pcap_stream *st, uint32_t seq,
                           uint8_t flags, const uint8_t *p, size_t n,
                           uint64_t ts) {
  const uint8_t SYN = 0x02, FIN = 0x01, RST = 0x04;
  if (flags & SYN) {
    if (!st->syn) {
      st->syn = 1;
      st->isn = seq;
      if (!st->have_base) {
        st->base = seq + 1;
        st->have_base = 1;
      } else if (!st->base_from_syn) {
        stream_rebase(cap, st, seq + 1);
      }
      st->base_from_syn = 1;
    }
    seq += 1; /* data on a SYN (TFO) starts after it */
  }
  if (flags & FIN)
    st->fin = 1;
  if (flags & RST)
    st->rst = 1;
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
    if (!st->base_from_syn && -rel <= (int64_t)PCAP_STREAM_MAX &&
        st->rebases < 64) {
      st->rebases++;
      stream_rebase(cap, st, seq); /* earlier data, no SYN seen */
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
  if (off >= PCAP_STREAM_MAX) {
    st->overflow = 1;
    return;
  }
  if (n > PCAP_STREAM_MAX - off) {
    n = PCAP_STREAM_MAX - off;
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
  stream_update_len(st);
}

static int addr_eq(const uint8_t *a, const uint8_t *b, size_t n) {
  return memcmp(a, b, n) == 0;
}

static void conn_swap(pcap_conn *c) {
  uint8_t a[16];
  memcpy(a, c->addr[0], 16);
  memcpy(c->addr[0], c->addr[1], 16);
  memcpy(c->addr[1], a, 16);
  uint16_t p = c->port[0];
  c->port[0] = c->port[1];
  c->port[1] = p;
  pcap_stream s = c->dir[0];
  c->dir[0] = c->dir[1];
  c->dir[1] = s;
}

static void tcp_packet(pcap_capture *cap, int ipv6, const uint8_t *src,
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
  pcap_conn *c = NULL;
  int side = 0; /* 0: sender is the client */
  for (size_t i = cap->nconns; i-- > 0;) {
    pcap_conn *k = &cap->conns[i];
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
    if (cap->nconns >= PCAP_MAX_CONNS) {
      cap->conns_dropped++;
      return;
    }
    if (cap->nconns % 16 == 0) {
      pcap_conn *nc =
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
    c->first_ts = ts;
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
      conn_swap(c);
      side = want;
    }
    c->client_from_syn = 1;
  }
  c->packets++;
  stream_segment(cap, &c->dir[side], seq, flags, payload, n, ts);
}

/* TCP inside an IP payload of |len| captured bytes (|decl| declared). */
static int tcp_in_ip(pcap_capture *cap, int ipv6, const uint8_t *src,
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

static int ipv4(pcap_capture *cap, const uint8_t *p, size_t len, uint64_t ts) {
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

static int ipv6(pcap_capture *cap, const uint8_t *p, size_t len, uint64_t ts) {
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

static int by_ethertype(pcap_capture *cap, unsigned type, const uint8_t *p,
                        size_t len, uint64_t ts) {
  if (type == 0x0800)
    return ipv4(cap, p, len, ts);
  if (type == 0x86dd)
    return ipv6(cap, p, len, ts);
  return 0;
}

static int by_version(pcap_capture *cap, const uint8_t *p, size_t len,
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
static int by_family(pcap_capture *cap, uint32_t af, const uint8_t *p,
                     size_t len, uint64_t ts) {
  if (af == 2)
    return ipv4(cap, p, len, ts);
  if (af == 10 || af == 24 || af == 28 || af == 30)
    return ipv6(cap, p, len, ts);
  return 0;
}

int pcap_feed_frame(pcap_capture *cap, int linktype, const uint8_t *f,
                    size_t len, uint64_t ts) {
  int rv;
  switch (linktype) {
  case PCAP_LINK_NULL: {
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
  case PCAP_LINK_LOOP:
    rv = len < 4 ? -1 : by_family(cap, be32(f), f + 4, len - 4, ts);
    break;
  case PCAP_LINK_ETHERNET: {
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
  case PCAP_LINK_SLL:
    rv = len < 16 ? -1 : by_ethertype(cap, be16(f + 14), f + 16, len - 16, ts);
    break;
  case PCAP_LINK_SLL2:
    rv = len < 20 ? -1 : by_ethertype(cap, be16(f), f + 20, len - 20, ts);
    break;
  case PCAP_LINK_RAW:
  case 12: /* DLT_RAW on most BSDs */
  case 14: /* DLT_RAW on OpenBSD */
    rv = by_version(cap, f, len, ts);
    break;
  case PCAP_LINK_IPV4:
    rv = ipv4(cap, f, len, ts);
    break;
  case PCAP_LINK_IPV6:
    rv = ipv6(cap, f, len, ts);
    break;
  default:
    rv = 0;
    break;
  }
  if (rv > 0)
    cap->tcp_packets++;
  else if (rv == 0)
    cap->skipped++;
  else
    cap->malformed++;
  return rv;
}

/* ---- classic pcap ---- */

static int parse_pcap(const uint8_t *b, size_t len, pcap_capture *cap) {
  uint32_t m = le32(b);
  int big, nsec;
  if (m == 0xa1b2c3d4u || m == 0xa1b23c4du) {
    big = 0;
    nsec = m == 0xa1b23c4du;
  } else {
    big = 1;
    nsec = be32(b) == 0xa1b23c4du;
  }
  cap->format = PCAP_FMT_PCAP;
  cap->big_endian = big;
  cap->nsec = nsec;
  if (len < 24) {
    cap->truncated = 1;
    return -1;
  }
  cap->linktype = (int)(rd32(b + 20, big) & 0xffff);
  size_t off = 24;
  while (off < len) {
    if (len - off < 16) {
      cap->truncated = 1;
      break;
    }
    uint32_t sec = rd32(b + off, big), frac = rd32(b + off + 4, big);
    uint32_t incl = rd32(b + off + 8, big);
    if (incl > len - off - 16) {
      cap->truncated = 1;
      break;
    }
    uint64_t ts = (uint64_t)sec * 1000000000u +
                  (nsec ? (uint64_t)frac : (uint64_t)frac * 1000u);
    cap->packets++;
    pcap_feed_frame(cap, cap->linktype, b + off + 16, incl, ts);
    off += 16 + (size_t)incl;
  }
  return 0;
}

/* ---- pcapng ---- */

#define NG_MAX_IF 64

typedef struct ng_if {
  int linktype;
  uint32_t snaplen;
  int res_pow2; /* if_tsresol: 1 = 2^-res, 0 = 10^-res */
  unsigned res;
} ng_if;

static uint64_t ng_ts(const ng_if *i, uint64_t t) {
  if (i->res_pow2) {
    if (i->res >= 64)
      return 0;
    return (uint64_t)((double)t / (double)((uint64_t)1 << i->res) * 1e9);
  }
  uint64_t m = 1;
  if (i->res <= 9) {
    for (unsigned k = i->res; k < 9; k++)
      m *= 10;
    return t * m;
  }
  if (i->res > 19)
    return 0;
  for (unsigned k = 9; k < i->res; k++)
    m *= 10;
  return t / m;
}

static void ng_idb(const uint8_t *body, size_t n, int big, ng_if *ifs, int *nif,
                   pcap_capture *cap) {
  if (n < 8) {
    cap->malformed++;
    return;
  }
  ng_if i = {.linktype = rd16(body, big),
             .snaplen = rd32(body + 4, big),
             .res_pow2 = 0,
             .res = 6};
  size_t off = 8;
  while (n - off >= 4) {
    unsigned code = rd16(body + off, big);
    size_t ol = rd16(body + off + 2, big);
    off += 4;
    if (code == 0)
      break;
    if (ol > n - off) {
      cap->malformed++;
      break;
    }
    if (code == 9 && ol >= 1) {
      i.res_pow2 = body[off] >> 7;
      i.res = body[off] & 0x7f;
    }
    size_t pad = (ol + 3) & ~(size_t)3;
    if (pad > n - off)
      break;
    off += pad;
  }
  if (cap->linktype < 0)
    cap->linktype = i.linktype;
  if (*nif < NG_MAX_IF)
    ifs[(*nif)++] = i;
}

static int parse_pcapng(const uint8_t *b, size_t len, pcap_capture *cap) {
  ng_if ifs[NG_MAX_IF];
  int nif = 0, big = 0, sections = 0;
  size_t off = 0;
  cap->format = PCAP_FMT_PCAPNG;
  while (off < len) {
    if (len - off < 12) {
      cap->truncated = 1;
      break;
    }
    uint32_t type = rd32(b + off, big);
    if (type == 0x0a0d0d0au) {
      uint32_t bom = le32(b + off + 8);
      if (bom == 0x1a2b3c4du)
        big = 0;
      else if (bom == 0x4d3c2b1au)
        big = 1;
      else {
        cap->malformed++;
        break;
      }
      if (!sections)
        cap->big_endian = big;
      sections++;
      nif = 0;
    } else if (!sections) {
      return -1;
    }
    uint32_t blen = rd32(b + off + 4, big);
    if (blen < 12 || blen % 4 != 0) {
      cap->malformed++;
      break;
    }
    if (blen > len - off) {
      cap->truncated = 1;
      break;
    }
    if (rd32(b + off + blen - 4, big) != blen) {
      cap->malformed++;
      break;
    }
    const uint8_t *body = b + off + 8;
    size_t n = blen - 12;
    switch (type) {
    case 0x0a0d0d0au: /* SHB */
      if (n < 16)
        cap->malformed++;
      break;
    case 1: /* IDB */
      ng_idb(body, n, big, ifs, &nif, cap);
      break;
    case 2: /* obsolete Packet Block */
    case 6: /* EPB */ {
      if (n < 20) {
        cap->malformed++;
        break;
      }
      uint32_t ifid = type == 6 ? rd32(body, big) : rd16(body, big);
      uint64_t t = (uint64_t)rd32(body + 4, big) << 32 | rd32(body + 8, big);
      uint32_t caplen = rd32(body + 12, big);
      cap->packets++;
      if (caplen > n - 20) {
        cap->malformed++;
        break;
      }
      if (ifid >= (uint32_t)nif) {
        cap->malformed++;
        break;
      }
      pcap_feed_frame(cap, ifs[ifid].linktype, body + 20, caplen,
                      ng_ts(&ifs[ifid], t));
      break;
    }
    case 3: /* SPB: interface 0, length from the block */ {
      if (n < 4) {
        cap->malformed++;
        break;
      }
      cap->packets++;
      if (nif < 1) {
        cap->malformed++;
        break;
      }
      size_t caplen = n - 4, orig = rd32(body, big);
      if (orig < caplen)
        caplen = orig; /* the rest is padding */
      if (ifs[0].snaplen && ifs[0].snaplen < caplen)
        caplen = ifs[0].snaplen;
      pcap_feed_frame(cap, ifs[0].linktype, body + 4, caplen, 0);
      break;
    }
    default: /* NRB, ISB, DSB, custom...: not needed */
      break;
    }
    off += blen;
  }
  return 0;
}

int pcap_parse(const uint8_t *buf, size_t len, pcap_capture *cap) {
  memset(cap, 0, sizeof *cap);
  cap->linktype = -1;
  if (!buf || len < 4)
    return -1;
  uint32_t m = le32(buf);
  switch (m) {
  case 0xa1b2c3d4u:
  case 0xa1b23c4du:
  case 0xd4c3b2a1u:
  case 0x4d3cb2a1u:
    return parse_pcap(buf, len, cap);
  case 0x0a0d0d0au:
    return parse_pcapng(buf, len, cap);
  }
  return -1;
}

void pcap_capture_free(pcap_capture *cap) {
  if (!cap)
    return;
  for (size_t i = 0; i < cap->nconns; i++)
    for (int d = 0; d < 2; d++) {
      free(cap->conns[i].dir[d].data);
      free(cap->conns[i].dir[d].have);
    }
  free(cap->conns);
  memset(cap, 0, sizeof *cap);
}

void pcap_conn_addr(const pcap_conn *c, int side, char *out, size_t cap) {
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
