/* SPDX-License-Identifier: Apache-2.0 */
/* The message log of one connection: every message each side sent, as the
 * bytes crossed the session boundary (internal).
 *
 * The session hands the log the bytes it reads from the server and the bytes
 * the driver takes from it (rdpneg_msglog_bytes), and the transport events
 * (rdpneg_msglog_event: connect, FIN, RST). The log splits each direction's
 * stream into records by their framing alone, TPKT (X.224, MCS) or TLS
 * (handshake messages named while the handshake is in the clear), so it
 * needs nothing from the session's state machine: a capture replay feeds
 * both directions of a connection through the same two calls. Each record
 * is one entry: sender, name, size, time of its first byte. Fixed size, no
 * allocation; entries beyond RDPNEG_MSGLOG_MAX are counted, not kept. The
 * calls below do nothing on a NULL log (a session's, once its evidence took
 * it over). */
#ifndef RDPNEG_MSGLOG_H
#define RDPNEG_MSGLOG_H

#include <stddef.h>
#include <stdint.h>

#define RDPNEG_MSGLOG_MAX 40
#define RDPNEG_MSG_NAME_MAX 72

enum { RDPNEG_MSG_C2S = 0, RDPNEG_MSG_S2C = 1 };

typedef struct rdpneg_msg {
  uint8_t dir;   /* RDPNEG_MSG_C2S / RDPNEG_MSG_S2C */
  uint8_t event; /* a transport event (connect, FIN, RST), no payload */
  uint32_t bytes;
  int64_t t_us; /* since the connection's start */
  char name[RDPNEG_MSG_NAME_MAX];
} rdpneg_msg;

/* Framing state of one direction. */
typedef struct rdpneg_msgstream {
  int kind;         /* 0 before the first byte, then a record kind or raw */
  uint8_t hdr[24];  /* the current record's first bytes */
  uint8_t tail[44]; /* ... and its last bytes */
  size_t have;      /* bytes of the current record seen so far */
  size_t len;       /* its length from the header, 0 until known */
  int idx;          /* its log entry, -1 none */
  int encrypted;    /* ChangeCipherSpec sent: handshake records are opaque */
  uint8_t hs[4];    /* handshake message header being read */
  size_t hs_have;
  uint32_t hs_left; /* body bytes of the handshake message to skip */
} rdpneg_msgstream;

typedef struct rdpneg_msglog {
  int n;
  int dropped; /* entries not kept (log full) */
  rdpneg_msg m[RDPNEG_MSGLOG_MAX];
  rdpneg_msgstream st[2];
} rdpneg_msglog;

/* Logs |n| bytes sent in direction |dir| at |t_us|. |nla|: the CredSSP
 * exchange has started (encrypted application data is a TSRequest). */
void rdpneg_msglog_bytes(rdpneg_msglog *l, int dir, const uint8_t *p, size_t n,
                         int64_t t_us, int nla);

/* Logs a transport event without payload (|name|: "SYN", "FIN", ...). */
void rdpneg_msglog_event(rdpneg_msglog *l, int dir, const char *name,
                         int64_t t_us);

/* Logs the TCP connect (RDPNEG_TCP_*): the client's SYN at |start_us| and
 * the answer (SYN-ACK, RST, ICMP) at |end_us|; nothing came back on a
 * timeout. */
void rdpneg_msglog_tcp(rdpneg_msglog *l, int tcp_status, int64_t start_us,
                       int64_t end_us);

#endif
