/* SPDX-License-Identifier: Apache-2.0 */
/* TPKT + X.224 Connection Request / Confirm + RDP_NEG_* codec (pure).
 * MS-RDPBCGR 2.2.1.1 and 2.2.1.2; taxonomy-facts.md §1. */
#ifndef RDPNEG_X224_H
#define RDPNEG_X224_H

#include <rdpneg/rdpneg.h>

#define RDPNEG_TPKT_HEADER 4
#define RDPNEG_X224_CR 0xE0
#define RDPNEG_X224_CC 0xD0
#define RDPNEG_X224_DR 0x80
#define RDPNEG_X224_DT 0xF0
#define RDPNEG_X224_ER 0x70

#define RDPNEG_NEG_TYPE_REQ 0x01
#define RDPNEG_NEG_TYPE_RSP 0x02
#define RDPNEG_NEG_TYPE_FAILURE 0x03
#define RDPNEG_NEG_TYPE_CORRELATION 0x06

typedef struct rdpneg_x224_req {
  uint32_t requested;            /* requestedProtocols */
  int send_neg_req;              /* 0: legacy request without RDP_NEG_REQ */
  uint8_t flags;                 /* RDP_NEG_REQ flags */
  const char *cookie;            /* mstshash value or NULL */
  const char *routing_token;     /* verbatim token or NULL (exclusive) */
  const uint8_t *correlation_id; /* 16 bytes or NULL */
} rdpneg_x224_req;

/* Encodes a Connection Request TPKT into |out|. Returns the length, or
 * RDPNEG_ERR_INVALID_ARGUMENT (cookie and token both set, CR/LF inside, too
 * long) or RDPNEG_ERR_NOBUF (|cap| too small). */
rdpneg_ssize rdpneg_x224_encode_cr(const rdpneg_x224_req *req, uint8_t *out,
                                   size_t cap);

/* Looks at the start of a byte stream for one TPKT. Returns its total
 * length when complete, 0 when more bytes are needed, RDPNEG_ERR_NOT_RDP
 * when the first byte is not TPKT version 3, RDPNEG_ERR_TPKT_MALFORMED for a
 * bad length (shorter than 7, reserved byte non-zero). */
rdpneg_ssize rdpneg_x224_tpkt_frame(const uint8_t *buf, size_t len);

/* Checks the start of an incomplete answer to a Connection Request, so that
 * a header no X.224 answer can have fails at once instead of after the
 * bytes its TPKT length announces (or the deadline): with at least 6 bytes
 * (TPKT header, length indicator, TPDU code), the code must be one a server
 * answers with (CC, DR, DT, ER) and the length indicator must fit the TPKT
 * length. Returns 0 (plausible, or fewer than 6 bytes) or
 * RDPNEG_ERR_X224_MALFORMED with |why| set to a static reason. */
int rdpneg_x224_answer_check(const uint8_t *buf, size_t len, const char **why);

typedef struct rdpneg_x224_pdu {
  uint8_t li;       /* X.224 length indicator */
  uint8_t code;     /* TPDU code (upper nibble kept, CDT masked off) */
  uint16_t dst_ref; /* DST-REF */
  uint16_t src_ref; /* SRC-REF (xrdp: 0x1234) */
  uint8_t class_opt;
  int has_neg;      /* a negotiation structure was present */
  uint8_t neg_type; /* RDPNEG_NEG_TYPE_* */
  uint8_t neg_flags;
  uint16_t neg_length;
  uint32_t neg_value; /* requested/selected protocol or failure code */
  /* CR only: cookie or routing token text (not NUL-terminated) */
  const uint8_t *token;
  size_t token_len;
  int token_is_cookie;
  int has_correlation;
  uint8_t correlation_id[16];
} rdpneg_x224_pdu;

/* Decodes one complete TPKT holding an X.224 Connection Confirm (or CR when
 * |expect_cr|). Returns 0 or RDPNEG_ERR_X224_MALFORMED with |why| set to a
 * static reason. Token pointers point into |tpkt|. */
int rdpneg_x224_decode(const uint8_t *tpkt, size_t len, int expect_cr,
                       rdpneg_x224_pdu *pdu, const char **why);

/* Fills |names| with the flag names of an RDP_NEG_RSP flags byte; returns the
 * count (at most 8). */
int rdpneg_x224_rsp_flag_names(uint8_t flags, const char *names[8]);

/* Writes the names of the protocols in |mask| ("SSL", "HYBRID", ...). A
 * zero mask yields "RDP". Returns the count (at most 8). */
int rdpneg_x224_protocol_names(uint32_t mask, const char *names[8]);

#endif
