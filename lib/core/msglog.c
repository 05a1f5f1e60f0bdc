/* SPDX-License-Identifier: Apache-2.0 */
/* The message log of one connection (see msglog.h): records found by their
 * framing (TPKT: RFC 1006; TLS: RFC 5246 section 6.2) and named from their
 * first bytes (X.224: ISO 8073 TPDU codes and MS-RDPBCGR 2.2.1.2; TLS
 * handshake types: RFC 5246 section 7.4). */
#include "core/msglog.h"
#include "proto/tls.h"
#include "proto/x224.h"

#include <rdpneg/rdpneg.h>

#include <stdio.h>
#include <string.h>

enum { K_NONE, K_TPKT, K_TLS, K_RAW };

static int add(rdpneg_msglog *l, int dir, const char *name, int64_t t_us) {
  if (l->n >= RDPNEG_MSGLOG_MAX) {
    l->dropped++;
    return -1;
  }
  rdpneg_msg *m = &l->m[l->n];
  memset(m, 0, sizeof *m);
  m->dir = (uint8_t)dir;
  m->t_us = t_us;
  snprintf(m->name, sizeof m->name, "%s", name);
  return l->n++;
}

void rdpneg_msglog_event(rdpneg_msglog *l, int dir, const char *name,
                         int64_t t_us) {
  if (!l)
    return;
  int i = add(l, dir & 1, name, t_us);
  if (i >= 0)
    l->m[i].event = 1;
}

void rdpneg_msglog_tcp(rdpneg_msglog *l, int tcp_status, int64_t start_us,
                       int64_t end_us) {
  if (!l || tcp_status == RDPNEG_TCP_DNS_FAILED)
    return;
  rdpneg_msglog_event(l, RDPNEG_MSG_C2S, "TCP SYN", start_us);
  const char *answer =
      tcp_status == RDPNEG_TCP_OK            ? "TCP SYN-ACK"
      : tcp_status == RDPNEG_TCP_REFUSED     ? "TCP RST (connection refused)"
      : tcp_status == RDPNEG_TCP_UNREACHABLE ? "ICMP unreachable"
                                             : NULL;
  if (answer)
    rdpneg_msglog_event(l, RDPNEG_MSG_S2C, answer, end_us);
}

static void set_name(rdpneg_msglog *l, int idx, const char *name) {
  if (idx >= 0)
    snprintf(l->m[idx].name, sizeof l->m[idx].name, "%s", name);
}

static void append_name(rdpneg_msglog *l, int idx, const char *part) {
  if (idx < 0)
    return;
  char *n = l->m[idx].name;
  size_t len = strlen(n), cap = sizeof l->m[idx].name;
  int first = !strcmp(n, "TLS handshake");
  if (first)
    len = 4; /* keep "TLS " */
  if (len + strlen(part) + 3 >= cap) {
    if (len + 4 < cap && strcmp(n + len - 3, "..."))
      snprintf(n + len, cap - len, "...");
    return;
  }
  snprintf(n + len, cap - len, "%s%s", first ? "" : ", ", part);
}

static const char *hs_name(uint8_t t) {
  const char *n = rdpneg_tls_hs_name(t);
  return n ? n : "handshake message";
}

/* Walks the body bytes of a handshake record in the clear: names each
 * handshake message whose header starts in it. */
static void hs_walk(rdpneg_msglog *l, rdpneg_msgstream *s, const uint8_t *p,
                    size_t n) {
  while (n > 0) {
    if (s->hs_left) {
      size_t k = n < s->hs_left ? n : s->hs_left;
      s->hs_left -= (uint32_t)k;
      p += k;
      n -= k;
      continue;
    }
    s->hs[s->hs_have++] = *p++;
    n--;
    if (s->hs_have == 4) {
      append_name(l, s->idx, hs_name(s->hs[0]));
      s->hs_left =
          (uint32_t)s->hs[1] << 16 | (uint32_t)s->hs[2] << 8 | s->hs[3];
      s->hs_have = 0;
    }
  }
}

static void tpkt_name(rdpneg_msglog *l, const rdpneg_msgstream *s) {
  const uint8_t *h = s->hdr;
  char buf[RDPNEG_MSG_NAME_MAX];
  size_t have = s->have < sizeof s->hdr ? s->have : sizeof s->hdr;
  uint8_t code = have > 5 ? (uint8_t)(h[5] & 0xF0) : 0;
  const char *names[8];
  if (code == 0xE0) {
    /* RDP_NEG_REQ ends the request, or comes before a correlation info */
    const uint8_t *t = s->tail + 36;
    if (s->len >= 51 && s->tail[8] == 6 && s->tail[0] == RDPNEG_NEG_TYPE_REQ)
      t = s->tail;
    if (s->len >= 19 && t[0] == RDPNEG_NEG_TYPE_REQ && t[2] == 8) {
      const uint8_t *tail = t;
      uint32_t req = (uint32_t)tail[4] | (uint32_t)tail[5] << 8 |
                     (uint32_t)tail[6] << 16 | (uint32_t)tail[7] << 24;
      int k = rdpneg_x224_protocol_names(req, names);
      size_t o = (size_t)snprintf(buf, sizeof buf,
                                  "X.224 Connection Request (RDP_NEG_REQ ");
      for (int i = 0; i < k && o < sizeof buf; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "|" : "",
                              names[i]);
      if (k == 0 && o < sizeof buf)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s",
                              rdpneg_protocol_name(RDPNEG_PROTOCOL_RDP));
      if (o < sizeof buf)
        snprintf(buf + o, sizeof buf - o, ")");
    } else {
      snprintf(buf, sizeof buf, "X.224 Connection Request (no RDP_NEG_REQ)");
    }
  } else if (code == 0xD0) {
    if (have >= 19 && h[11] == RDPNEG_NEG_TYPE_RSP) {
      uint32_t v = (uint32_t)h[15] | (uint32_t)h[16] << 8 |
                   (uint32_t)h[17] << 16 | (uint32_t)h[18] << 24;
      const char *pn = rdpneg_protocol_name(v);
      snprintf(buf, sizeof buf, "X.224 Connection Confirm (RDP_NEG_RSP %s)",
               pn ? pn : "unknown");
    } else if (have >= 19 && h[11] == RDPNEG_NEG_TYPE_FAILURE) {
      uint32_t v = (uint32_t)h[15] | (uint32_t)h[16] << 8;
      const char *fn = rdpneg_failure_name(v);
      snprintf(buf, sizeof buf, "X.224 Connection Confirm (RDP_NEG_FAILURE %s)",
               fn ? fn : "unknown");
    } else {
      snprintf(buf, sizeof buf, "X.224 Connection Confirm (no RDP_NEG_RSP)");
    }
  } else if (code == 0xF0) {
    if (have > 8 && h[7] == 0x7f && h[8] == 0x65)
      snprintf(buf, sizeof buf, "MCS Connect Initial");
    else if (have > 8 && h[7] == 0x7f && h[8] == 0x66)
      snprintf(buf, sizeof buf, "MCS Connect Response");
    else
      snprintf(buf, sizeof buf, "X.224 Data (MCS)");
  } else if (code == 0x80) {
    snprintf(buf, sizeof buf, "X.224 Disconnect Request");
  } else {
    snprintf(buf, sizeof buf, "TPKT (TPDU code 0x%02x)", code);
  }
  set_name(l, s->idx, buf);
}

static void raw_name(char *buf, size_t cap, const uint8_t *p, size_t n) {
  if (n >= 4 && !memcmp(p, "GET ", 4))
    snprintf(buf, cap, "HTTP request");
  else if (n >= 5 && !memcmp(p, "HTTP/", 5))
    snprintf(buf, cap, "HTTP response");
  else
    snprintf(buf, cap, "data, not TPKT or TLS (first byte 0x%02x)", p[0]);
}

/* A record starts with |p|: its entry. */
static void record_start(rdpneg_msglog *l, int dir, const uint8_t *p, size_t n,
                         int64_t t_us, int nla) {
  rdpneg_msgstream *s = &l->st[dir];
  char buf[RDPNEG_MSG_NAME_MAX];
  s->have = s->len = 0;
  if (p[0] == 3) {
    s->kind = K_TPKT;
    s->idx = add(l, dir, "TPKT", t_us);
    return;
  }
  if (p[0] >= 20 && p[0] <= 23) {
    s->kind = K_TLS;
    const char *nm = p[0] == 20   ? "TLS ChangeCipherSpec"
                     : p[0] == 21 ? "TLS Alert"
                     : p[0] == 22 ? (s->encrypted ? "TLS Finished (encrypted)"
                                                  : "TLS handshake")
                     : nla        ? "CredSSP TSRequest (TLS application data)"
                                  : "TLS application data (encrypted)";
    s->idx = add(l, dir, nm, t_us);
    return;
  }
  s->kind = K_RAW;
  raw_name(buf, sizeof buf, p, n);
  s->idx = add(l, dir, buf, t_us);
}

static void record_end(rdpneg_msglog *l, rdpneg_msgstream *s) {
  char buf[RDPNEG_MSG_NAME_MAX];
  if (s->kind == K_TPKT) {
    tpkt_name(l, s);
  } else if (s->hdr[0] == 20) {
    s->encrypted = 1;
  } else if (s->hdr[0] == 21 && !s->encrypted && s->len >= 7) {
    const char *an = rdpneg_tls_alert_name(s->hdr[6]);
    snprintf(buf, sizeof buf, "TLS Alert %s: %s (%u)",
             s->hdr[5] == 2 ? "fatal" : "warning", an ? an : "unknown",
             (unsigned)s->hdr[6]);
    set_name(l, s->idx, buf);
  } else if (s->hdr[0] == 21) {
    set_name(l, s->idx, "TLS Alert (encrypted)");
  }
  s->have = s->len = 0;
  s->hs_have = 0;
  s->hs_left = 0;
}

/* Keeps the last bytes of the current record (a Connection Request's
 * RDP_NEG_REQ sits at its end). */
static void keep_tail(rdpneg_msgstream *s, const uint8_t *p, size_t k) {
  size_t cap = sizeof s->tail;
  if (k >= cap) {
    memcpy(s->tail, p + k - cap, cap);
    return;
  }
  memmove(s->tail, s->tail + k, cap - k);
  memcpy(s->tail + cap - k, p, k);
}

void rdpneg_msglog_bytes(rdpneg_msglog *l, int dir, const uint8_t *p, size_t n,
                         int64_t t_us, int nla) {
  if (!l)
    return;
  dir &= 1;
  rdpneg_msgstream *s = &l->st[dir];
  while (n > 0) {
    if (s->kind == K_RAW) { /* a stream without (or that lost) its framing */
      if (s->idx < 0 || s->idx != l->n - 1) {
        char buf[RDPNEG_MSG_NAME_MAX];
        raw_name(buf, sizeof buf, p, n);
        s->idx = add(l, dir, buf, t_us);
      }
      if (s->idx >= 0)
        l->m[s->idx].bytes += (uint32_t)n;
      return;
    }
    if (s->have == 0) {
      record_start(l, dir, p, n, t_us, nla);
      if (s->kind == K_RAW) {
        if (s->idx >= 0)
          l->m[s->idx].bytes += (uint32_t)n;
        return;
      }
    }
    size_t hlen = s->kind == K_TPKT ? 4 : 5;
    size_t want = s->len ? s->len - s->have : hlen - s->have;
    size_t k = n < want ? n : want;
    size_t off = s->have;
    for (size_t i = 0; i < k && off + i < sizeof s->hdr; i++)
      s->hdr[off + i] = p[i];
    keep_tail(s, p, k);
    if (s->kind == K_TLS && s->hdr[0] == 22 && !s->encrypted && off + k > 5) {
      size_t from = off < 5 ? 5 - off : 0;
      hs_walk(l, s, p + from, k - from);
    }
    s->have += k;
    if (s->idx >= 0)
      l->m[s->idx].bytes += (uint32_t)k;
    p += k;
    n -= k;
    if (!s->len && s->have == hlen) {
      size_t len = s->kind == K_TPKT ? (size_t)(s->hdr[2] << 8 | s->hdr[3])
                                     : 5 + (size_t)(s->hdr[3] << 8 | s->hdr[4]);
      if ((s->kind == K_TPKT && len < 7) ||
          (s->kind == K_TLS && len > 5 + 18432)) {
        s->kind = K_RAW; /* framing lost: the rest is counted as data */
        set_name(l, s->idx, "bytes with a bad record length");
        continue;
      }
      s->len = len;
    }
    if (s->len && s->have == s->len)
      record_end(l, s);
  }
}
