/* SPDX-License-Identifier: Apache-2.0 */
/*
 * librdpneg capture replay: the connections to an RDP port in recorded
 * traffic, each observed by the same core a probe uses (observer mode:
 * nothing is sent, no secret is needed), as rdpneg.probe/1 documents with
 * "source": "capture", plus the stories they tell together (a client that
 * retries with fewer protocols after a failure is one story).
 *
 * The library reads no file: the caller reads the capture (libpcap in
 * rdpneg-replay) and hands over each link-layer frame with its time stamp.
 */
#ifndef RDPNEG_REPLAY_H
#define RDPNEG_REPLAY_H

#include <rdpneg/rdpneg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rdpneg_capture rdpneg_capture;

/* Link types understood by rdpneg_capture_frame (tcpdump.org LINKTYPE_
 * values; libpcap's DLT_RAW 12/14 are accepted as RAW too). */
#define RDPNEG_LINKTYPE_NULL 0
#define RDPNEG_LINKTYPE_ETHERNET 1
#define RDPNEG_LINKTYPE_RAW 101
#define RDPNEG_LINKTYPE_LOOP 108
#define RDPNEG_LINKTYPE_LINUX_SLL 113
#define RDPNEG_LINKTYPE_IPV4 228
#define RDPNEG_LINKTYPE_IPV6 229
#define RDPNEG_LINKTYPE_LINUX_SLL2 276

/* A capture of connections to TCP |port| (0: 3389). Returns 0,
 * RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_capture_new(rdpneg_capture **pcap, uint16_t port);

/* Frees |cap| (NULL is a no-op). */
RDPNEG_EXTERN void rdpneg_capture_free(rdpneg_capture *cap);

/* One captured frame (|frame| borrowed for the call) of |caplen| bytes at
 * |ts_ns| nanoseconds since 1970. Returns 1 when it carried TCP, 0 when it
 * was skipped (another protocol, an unknown link type), or
 * RDPNEG_ERR_BAD_FILE when its headers are malformed (counted, and the
 * capture goes on). */
RDPNEG_EXTERN int rdpneg_capture_frame(rdpneg_capture *cap, int linktype,
                                       const uint8_t *frame, size_t caplen,
                                       int64_t ts_ns);

/* The reader stopped early (a truncated or damaged file): |why| (copied,
 * may be NULL) goes into the output; the connections read so far are
 * still analysed. */
RDPNEG_EXTERN void rdpneg_capture_damaged(rdpneg_capture *cap, const char *why);

/* Observes every connection to the port (after the last frame). Returns
 * the number of connections (>= 0) or RDPNEG_ERR_NOMEM. Frames fed after
 * this are an RDPNEG_ERR_INVALID_STATE. */
RDPNEG_EXTERN int rdpneg_capture_analyse(rdpneg_capture *cap);

/* Number of connections found by rdpneg_capture_analyse. */
RDPNEG_EXTERN int rdpneg_capture_count(const rdpneg_capture *cap);

/* A copy of connection |i|'s evidence (source "capture"; free with
 * rdpneg_evidence_free), for rdpneg_diagnose / rdpneg_evidence_json.
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_capture_evidence(const rdpneg_capture *cap, int i,
                                          rdpneg_evidence **pev);

/* Number of stories and, for story |s|, its connections' indexes (up to
 * |max| written to |idx|; returns the story's size) and a one-line
 * summary (owned by |cap|). */
RDPNEG_EXTERN int rdpneg_capture_story_count(const rdpneg_capture *cap);
RDPNEG_EXTERN int rdpneg_capture_story(const rdpneg_capture *cap, int s,
                                       int *idx, int max, const char **summary);

/* The whole result as one JSON document (schema "rdpneg.replay/1"): the
 * capture's counters and damage, "connections" (one rdpneg.probe/1
 * document each, diagnosis included) and "stories". Free with
 * rdpneg_free(). Returns 0, RDPNEG_ERR_INVALID_STATE (not analysed) or
 * RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_capture_json(const rdpneg_capture *cap, char **pjson,
                                      size_t *plen);

#ifdef __cplusplus
}
#endif

#endif
