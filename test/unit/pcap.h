/* SPDX-License-Identifier: Apache-2.0 */
/* A small capture reader for the unit tests: classic pcap (both byte orders,
 * microsecond and nanosecond stamps) and pcapng (SHB/IDB/EPB/SPB and the
 * obsolete PB, both byte orders, several sections); link types Ethernet
 * (with VLAN tags), Linux cooked (SLL, SLL2), raw IP and BSD loopback
 * (NULL/LOOP); IPv4 and IPv6; TCP with per-direction reassembly by
 * sequence number.
 *
 * Everything read from the file is treated as hostile: every length is
 * checked against the bytes actually present, nothing is read past the
 * buffer given, and memory is bounded (PCAP_MAX_CONNS connections,
 * PCAP_STREAM_MAX bytes per direction, PCAP_MEM_BUDGET bytes in all).
 *
 * Reassembly: the first copy of a byte wins (later retransmissions that
 * disagree are counted in |conflicts|); segments may come in any order;
 * data[0..len) is the contiguous part from the start of the stream (the
 * byte after the SYN, or the lowest sequence number seen when the capture
 * has no SYN for that direction). */
#ifndef RDPNEG_TEST_PCAP_H
#define RDPNEG_TEST_PCAP_H

#include <stddef.h>
#include <stdint.h>

#define PCAP_MAX_CONNS 256
#define PCAP_STREAM_MAX (1u << 20)
#define PCAP_MEM_BUDGET (32u << 20)

/* link types (tcpdump.org/linktypes.html) */
#define PCAP_LINK_NULL 0
#define PCAP_LINK_ETHERNET 1
#define PCAP_LINK_RAW 101
#define PCAP_LINK_LOOP 108
#define PCAP_LINK_SLL 113
#define PCAP_LINK_IPV4 228
#define PCAP_LINK_IPV6 229
#define PCAP_LINK_SLL2 276

enum { PCAP_FMT_PCAP = 1, PCAP_FMT_PCAPNG = 2 };

typedef struct pcap_stream {
  uint8_t *data; /* reassembled bytes from the stream start */
  size_t len;    /* contiguous bytes: data[0..len) */
  size_t extent; /* one past the highest byte held (> len after a hole) */
  int syn, fin, rst;
  int overflow;       /* data dropped: beyond PCAP_STREAM_MAX or budget */
  unsigned segments;  /* segments with payload */
  unsigned dup_bytes; /* bytes received again (retransmissions) */
  unsigned conflicts; /* ... of which with different content */
  unsigned reordered; /* segments that arrived ahead of a hole */
  uint64_t first_ts;  /* nanoseconds, first payload byte */
  /* internal */
  uint8_t *have; /* one flag per byte */
  size_t alloc;
  uint32_t base; /* sequence number of data[0] */
  uint32_t isn;
  int have_base, base_from_syn;
  unsigned rebases; /* start moved back (no SYN); bounded against abuse */
} pcap_stream;

typedef struct pcap_conn {
  int ipv6;
  uint8_t addr[2][16]; /* [0] client, [1] server (IPv4 in the first 4) */
  uint16_t port[2];
  pcap_stream dir[2];  /* [0] client -> server, [1] server -> client */
  int client_from_syn; /* roles known from a SYN or SYN+ACK */
  unsigned packets;
  uint64_t first_ts; /* nanoseconds */
} pcap_conn;

typedef struct pcap_capture {
  int format;           /* PCAP_FMT_* */
  int big_endian;       /* of the (first) section */
  int nsec;             /* classic pcap with nanosecond stamps */
  int linktype;         /* of the file / first interface, -1 none */
  unsigned packets;     /* packet records read */
  unsigned tcp_packets; /* ... that carried TCP over IP */
  unsigned skipped;     /* not IP/TCP, fragments, unknown link type */
  unsigned malformed;   /* bad headers inside a packet or a block */
  int truncated;        /* the file ended inside a header or a record */
  unsigned conns_dropped;
  size_t nconns;
  pcap_conn *conns;
  size_t mem_used; /* bytes allocated for streams (internal budget) */
} pcap_capture;

/* Parses a whole capture held in |buf|. Returns 0 (check |truncated| and
 * |malformed| for damage found along the way) or -1 when |buf| is not a
 * pcap/pcapng file at all or its file header is unusable. |cap| must be
 * released with pcap_capture_free() in both cases. */
int pcap_parse(const uint8_t *buf, size_t len, pcap_capture *cap);

/* Feeds one link-layer frame (used by pcap_parse; public for tests that
 * build frames by hand). |ts| in nanoseconds. Returns 1 when the frame was
 * TCP, 0 when skipped, -1 when malformed. */
int pcap_feed_frame(pcap_capture *cap, int linktype, const uint8_t *frame,
                    size_t caplen, uint64_t ts);

void pcap_capture_free(pcap_capture *cap);

/* Formats an address of |c| (side 0 client, 1 server) as text. */
void pcap_conn_addr(const pcap_conn *c, int side, char *out, size_t cap);

#endif
