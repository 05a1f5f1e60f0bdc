/* SPDX-License-Identifier: Apache-2.0 */
/* Capture files for the unit tests through libpcap; see capfile.h. */
#include "capfile.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

int capfile_linktype(int dlt) {
  switch (dlt) {
  case DLT_NULL:
    return RDPNEG_LINK_NULL;
  case DLT_EN10MB:
    return RDPNEG_LINK_ETHERNET;
  case DLT_RAW:
    return RDPNEG_LINK_RAW;
#ifdef DLT_LOOP
  case DLT_LOOP:
    return RDPNEG_LINK_LOOP;
#endif
  case DLT_LINUX_SLL:
    return RDPNEG_LINK_SLL;
#ifdef DLT_LINUX_SLL2
  case DLT_LINUX_SLL2:
    return RDPNEG_LINK_SLL2;
#endif
#ifdef DLT_IPV4
  case DLT_IPV4:
    return RDPNEG_LINK_IPV4;
#endif
#ifdef DLT_IPV6
  case DLT_IPV6:
    return RDPNEG_LINK_IPV6;
#endif
  default:
    return dlt;
  }
}

int capfile_parse(const uint8_t *buf, size_t len, pcap_capture *cap) {
  rdpneg_tcp_table_init(cap);
  if (len == 0)
    return -1;
  FILE *f = fmemopen((void *)buf, len, "rb");
  if (!f)
    return -1;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_fopen_offline_with_tstamp_precision(
      f, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p) {
    fclose(f);
    return -1;
  }
  int link = capfile_linktype(pcap_datalink(p));
  struct pcap_pkthdr *h;
  const u_char *data;
  int rv;
  while ((rv = pcap_next_ex(p, &h, &data)) == 1) {
    uint64_t ts =
        (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
    rdpneg_tcp_feed_frame(cap, link, data, h->caplen, ts);
  }
  if (rv == PCAP_ERROR)
    cap->truncated = 1;
  pcap_close(p); /* closes |f| */
  return 0;
}
