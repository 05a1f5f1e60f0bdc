/* SPDX-License-Identifier: Apache-2.0 */
/* TCP connections out of captured link-layer frames (internal, sans-I/O).
 *
 * Frames come from a capture file read by the caller (libpcap in
 * examples/rdpneg-replay.c and the unit tests): link types Ethernet (with
 * VLAN tags), Linux cooked (SLL, SLL2), raw IP and BSD loopback
 * (NULL/LOOP); IPv4 and IPv6 (extension headers, no fragment reassembly);
 * TCP with per-direction reassembly by sequence number.
 *
 * Everything in a frame is treated as hostile: every length is checked
 * against the bytes actually present and memory is bounded
 * (RDPNEG_TCP_MAX_CONNS connections, RDPNEG_TCP_STREAM_MAX bytes per
 * direction, RDPNEG_TCP_MEM_BUDGET bytes in all).
 *
 * Reassembly: the first copy of a byte wins (later retransmissions that
 * disagree are counted in |conflicts|); segments may come in any order and
 * overlap; data[0..len) is the contiguous part from the stream start (the
 * byte after the SYN, or the lowest sequence number seen when the capture
 * has no SYN for that direction). Each connection also keeps a timeline:
 * when the contiguous part of a direction grew (to which length) and when a
 * FIN or RST was seen, in capture order, so that a replay can hand the bytes
 * of both directions to an observer as they became available. */
#ifndef RDPNEG_REPLAY_TCP_H
#define RDPNEG_REPLAY_TCP_H

#include <stddef.h>
#include <stdint.h>

#define RDPNEG_TCP_MAX_CONNS 256
#define RDPNEG_TCP_STREAM_MAX (1u << 20)
#define RDPNEG_TCP_MEM_BUDGET (32u << 20)
#define RDPNEG_TCP_MAX_EVENTS 4096 /* per connection; later ones dropped */

/* link types (tcpdump.org/linktypes.html) */
#define RDPNEG_LINK_NULL 0
#define RDPNEG_LINK_ETHERNET 1
#define RDPNEG_LINK_RAW 101
#define RDPNEG_LINK_LOOP 108
#define RDPNEG_LINK_SLL 113
#define RDPNEG_LINK_IPV4 228
#define RDPNEG_LINK_IPV6 229
#define RDPNEG_LINK_SLL2 276

/* TCP flags */
#define RDPNEG_TCP_FIN 0x01
#define RDPNEG_TCP_SYN 0x02
#define RDPNEG_TCP_RST 0x04

typedef struct rdpneg_tcp_stream {
  uint8_t *data; /* reassembled bytes from the stream start */
  size_t len;    /* contiguous bytes: data[0..len) */
  size_t extent; /* one past the highest byte held (> len after a hole) */
  int syn, fin, rst;
  int overflow;       /* data dropped: beyond the limits */
  unsigned segments;  /* segments with payload */
  unsigned dup_bytes; /* bytes received again (retransmissions) */
  unsigned conflicts; /* ... of which with different content */
  unsigned reordered; /* segments that arrived ahead of a hole */
  uint64_t first_ts;  /* nanoseconds, first payload byte */
  uint64_t syn_ts;    /* nanoseconds, first SYN, 0 none */
  /* internal */
  uint8_t *have; /* one flag per byte */
  size_t alloc;
  uint32_t base; /* sequence number of data[0] */
  uint32_t isn;
  int have_base, base_from_syn;
  unsigned rebases; /* start moved back (no SYN); bounded against abuse */
} rdpneg_tcp_stream;

/* Timeline entry: direction |dir| (0 client to server, 1 server to client)
 * got contiguous up to |len| bytes (DATA), or carried a FIN or an RST. */
enum { RDPNEG_TCP_EV_DATA = 0, RDPNEG_TCP_EV_FIN = 1, RDPNEG_TCP_EV_RST = 2 };
typedef struct rdpneg_tcp_event {
  uint8_t dir, kind;
  uint32_t len;
  uint64_t ts; /* nanoseconds */
} rdpneg_tcp_event;

typedef struct rdpneg_tcp_conn {
  int ipv6;
  uint8_t addr[2][16]; /* [0] client, [1] server (IPv4 in the first 4) */
  uint16_t port[2];
  rdpneg_tcp_stream dir[2]; /* [0] client -> server, [1] server -> client */
  int client_from_syn;      /* roles known from a SYN or SYN+ACK */
  unsigned packets;
  uint64_t first_ts, last_ts; /* nanoseconds */
  size_t nevents, events_alloc;
  unsigned events_dropped;
  rdpneg_tcp_event *events;
} rdpneg_tcp_conn;

typedef struct rdpneg_tcp_table {
  int linktype;         /* of the first frame fed, -1 none */
  unsigned packets;     /* frames fed */
  unsigned tcp_packets; /* ... that carried TCP over IP */
  unsigned skipped;     /* not IP/TCP, fragments, unknown link type */
  unsigned malformed;   /* bad headers inside a frame */
  int truncated;        /* set by the reader: the file ended early or broke */
  unsigned conns_dropped;
  size_t nconns;
  rdpneg_tcp_conn *conns;
  size_t mem_used; /* bytes allocated for streams (internal budget) */
} rdpneg_tcp_table;

void rdpneg_tcp_table_init(rdpneg_tcp_table *t);
void rdpneg_tcp_table_free(rdpneg_tcp_table *t);

/* Feeds one link-layer frame of |caplen| captured bytes, |ts| in
 * nanoseconds. Returns 1 when the frame was TCP, 0 when skipped, -1 when
 * malformed (counted in the table either way). */
int rdpneg_tcp_feed_frame(rdpneg_tcp_table *t, int linktype,
                          const uint8_t *frame, size_t caplen, uint64_t ts);

/* Feeds one TCP segment (sequence number, flags, payload) to direction
 * |dir| of |c| (the reassembler alone; rdpneg_tcp_feed_frame ends here). */
void rdpneg_tcp_segment(rdpneg_tcp_table *t, rdpneg_tcp_conn *c, int dir,
                        uint32_t seq, uint8_t flags, const uint8_t *p, size_t n,
                        uint64_t ts);

/* Swaps the roles of client and server (addresses, ports, streams,
 * timeline directions). */
void rdpneg_tcp_conn_swap(rdpneg_tcp_conn *c);

/* Formats an address of |c| (side 0 client, 1 server) as text. */
void rdpneg_tcp_conn_addr(const rdpneg_tcp_conn *c, int side, char *out,
                          size_t cap);

#endif
