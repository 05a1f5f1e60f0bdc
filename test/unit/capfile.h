/* SPDX-License-Identifier: Apache-2.0 */
/* Capture files for the unit tests: read with libpcap (pcap and pcapng,
 * from memory through fmemopen), each frame fed to the library's TCP
 * reassembly (lib/replay/tcp.h). The names below keep the tests short. */
#ifndef RDPNEG_TEST_CAPFILE_H
#define RDPNEG_TEST_CAPFILE_H

#include "replay/tcp.h"

#include <stddef.h>
#include <stdint.h>

typedef rdpneg_tcp_table pcap_capture;
typedef rdpneg_tcp_conn pcap_conn;
typedef rdpneg_tcp_stream pcap_stream;

#define PCAP_MAX_CONNS RDPNEG_TCP_MAX_CONNS
#define PCAP_STREAM_MAX RDPNEG_TCP_STREAM_MAX
#define PCAP_MEM_BUDGET RDPNEG_TCP_MEM_BUDGET
#define PCAP_LINK_NULL RDPNEG_LINK_NULL
#define PCAP_LINK_ETHERNET RDPNEG_LINK_ETHERNET
#define PCAP_LINK_RAW RDPNEG_LINK_RAW
#define PCAP_LINK_LOOP RDPNEG_LINK_LOOP
#define PCAP_LINK_SLL RDPNEG_LINK_SLL
#define PCAP_LINK_IPV4 RDPNEG_LINK_IPV4
#define PCAP_LINK_IPV6 RDPNEG_LINK_IPV6
#define PCAP_LINK_SLL2 RDPNEG_LINK_SLL2

/* Reads a whole capture held in |buf| with libpcap. Returns 0 (|truncated|
 * is set when libpcap stopped at damage, with the connections read so far
 * kept) or -1 when libpcap does not recognise a capture file at all. |cap|
 * must be released with capfile_free() in both cases. */
int capfile_parse(const uint8_t *buf, size_t len, pcap_capture *cap);

/* The tcpdump.org LINKTYPE_ value of a libpcap DLT_ value. */
int capfile_linktype(int dlt);

#define capfile_feed_frame rdpneg_tcp_feed_frame
#define capfile_free rdpneg_tcp_table_free
#define capfile_conn_addr rdpneg_tcp_conn_addr

#endif
