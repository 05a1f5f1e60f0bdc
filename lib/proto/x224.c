/* SPDX-License-Identifier: Apache-2.0 */
#include "proto/x224.h"

#include "base/codes.h"

#include <string.h>

static void put_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_be16(const uint8_t *p) {
  return (uint16_t)((p[0] << 8) | p[1]);
}

static uint16_t get_le16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

static int bad_text(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 255)
    return 1;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\r' || s[i] == '\n')
      return 1;
  return 0;
}

rdpneg_ssize rdpneg_x224_encode_cr(const rdpneg_x224_req *req, uint8_t *out,
                                   size_t cap) {
  static const char cookie_prefix[] = "Cookie: mstshash=";
  size_t n = 11;
  if (!req || !out)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (req->cookie && req->routing_token)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (req->cookie && bad_text(req->cookie))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (req->routing_token && bad_text(req->routing_token))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  int corr = req->send_neg_req && req->correlation_id;
  size_t need = n;
  if (req->cookie)
    need += sizeof cookie_prefix - 1 + strlen(req->cookie) + 2;
  else if (req->routing_token)
    need += strlen(req->routing_token) + 2;
  if (req->send_neg_req)
    need += 8;
  if (corr)
    need += 36;
  /* the length indicator is one byte: 5 + 255 bytes at most */
  if (need - 5 > 255)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (need > cap)
    return RDPNEG_ERR_NOBUF;

  out[0] = 3;
  out[1] = 0;
  out[2] = (uint8_t)(need >> 8);
  out[3] = (uint8_t)need;
  out[4] = (uint8_t)(need - 5); /* LI excludes itself */
  out[5] = RDPNEG_X224_CR;
  memset(out + 6, 0, 5); /* DST-REF, SRC-REF, class 0 */
  if (req->cookie) {
    memcpy(out + n, cookie_prefix, sizeof cookie_prefix - 1);
    n += sizeof cookie_prefix - 1;
    memcpy(out + n, req->cookie, strlen(req->cookie));
    n += strlen(req->cookie);
    out[n++] = '\r';
    out[n++] = '\n';
  } else if (req->routing_token) {
    memcpy(out + n, req->routing_token, strlen(req->routing_token));
    n += strlen(req->routing_token);
    out[n++] = '\r';
    out[n++] = '\n';
  }
  if (req->send_neg_req) {
    uint8_t flags = req->flags;
    if (corr)
      flags |= RDPNEG_REQ_CORRELATION_INFO_PRESENT;
    else
      flags &= (uint8_t)~RDPNEG_REQ_CORRELATION_INFO_PRESENT;
    out[n] = RDPNEG_NEG_TYPE_REQ;
    out[n + 1] = flags;
    put_le16(out + n + 2, 8);
    put_le32(out + n + 4, req->requested);
    n += 8;
  }
  if (corr) {
    out[n] = RDPNEG_NEG_TYPE_CORRELATION;
    out[n + 1] = 0;
    put_le16(out + n + 2, 36);
    memcpy(out + n + 4, req->correlation_id, 16);
    memset(out + n + 20, 0, 16);
    n += 36;
  }
  return (rdpneg_ssize)n;
}

rdpneg_ssize rdpneg_x224_tpkt_frame(const uint8_t *buf, size_t len) {
  if (len == 0)
    return 0;
  if (buf[0] != 3)
    return RDPNEG_ERR_NOT_RDP;
  if (len >= 2 && buf[1] != 0)
    return RDPNEG_ERR_NOT_RDP;
  if (len < 4)
    return 0;
  uint16_t tl = get_be16(buf + 2);
  if (tl < 7)
    return RDPNEG_ERR_TPKT_MALFORMED;
  if (len < tl)
    return 0;
  return tl;
}

int rdpneg_x224_answer_check(const uint8_t *buf, size_t len, const char **why) {
  if (len < 6 || buf[0] != 3 || buf[1] != 0)
    return 0; /* too short, or rdpneg_x224_tpkt_frame()'s to refuse */
  uint8_t code = buf[5] & 0xF0;
  if (code != RDPNEG_X224_CC && code != RDPNEG_X224_DR &&
      code != RDPNEG_X224_DT && code != RDPNEG_X224_ER) {
    *why = "not an X.224 TPDU a server answers a Connection Request with";
    return RDPNEG_ERR_X224_MALFORMED;
  }
  if ((size_t)buf[4] + 5 > get_be16(buf + 2)) {
    *why = "X.224 length indicator exceeds the TPKT length";
    return RDPNEG_ERR_X224_MALFORMED;
  }
  return 0;
}

int rdpneg_x224_decode(const uint8_t *tpkt, size_t len, int expect_cr,
                       rdpneg_x224_pdu *pdu, const char **why) {
  const char *dummy;
  if (!why)
    why = &dummy;
  *why = NULL;
  memset(pdu, 0, sizeof *pdu);
  if (len < 7 || tpkt[0] != 3 || tpkt[1] != 0 || get_be16(tpkt + 2) != len) {
    *why = "TPKT length does not match the PDU";
    return RDPNEG_ERR_X224_MALFORMED;
  }
  pdu->li = tpkt[4];
  pdu->code = tpkt[5] & 0xF0;
  if ((size_t)pdu->li + 5 > len) {
    *why = "X.224 length indicator exceeds the TPKT length";
    return RDPNEG_ERR_X224_MALFORMED;
  }
  uint8_t want = expect_cr ? RDPNEG_X224_CR : RDPNEG_X224_CC;
  if (pdu->code != want) {
    *why = pdu->code == RDPNEG_X224_DR   ? "X.224 Disconnect Request instead "
                                           "of a Connection Confirm"
           : pdu->code == RDPNEG_X224_DT ? "X.224 Data TPDU instead of a "
                                           "Connection Confirm"
           : pdu->code == RDPNEG_X224_ER ? "X.224 TPDU Error"
                                         : "unexpected X.224 TPDU code";
    return RDPNEG_ERR_X224_MALFORMED;
  }
  if (pdu->li < 6 || len < 11) {
    *why = "X.224 connection TPDU shorter than 11 bytes";
    return RDPNEG_ERR_X224_MALFORMED;
  }
  pdu->dst_ref = get_be16(tpkt + 6);
  pdu->src_ref = get_be16(tpkt + 8);
  pdu->class_opt = tpkt[10];
  size_t off = 11, end = (size_t)pdu->li + 5;

  if (expect_cr && off < end && end - off >= 8 && tpkt[off] == 'C') {
    /* cookie or routing token up to CR LF */
    size_t i = off;
    while (i + 1 < end && !(tpkt[i] == '\r' && tpkt[i + 1] == '\n'))
      i++;
    if (i + 1 >= end) {
      *why = "cookie without CR LF terminator";
      return RDPNEG_ERR_X224_MALFORMED;
    }
    pdu->token = tpkt + off;
    pdu->token_len = i - off;
    pdu->token_is_cookie = pdu->token_len >= 17 &&
                           memcmp(pdu->token, "Cookie: mstshash=", 17) == 0;
    off = i + 2;
  }
  if (off == end)
    return 0; /* no negotiation data: legacy */
  if (end - off < 8) {
    *why = "truncated negotiation structure";
    return RDPNEG_ERR_X224_MALFORMED;
  }
  pdu->has_neg = 1;
  pdu->neg_type = tpkt[off];
  pdu->neg_flags = tpkt[off + 1];
  pdu->neg_length = get_le16(tpkt + off + 2);
  pdu->neg_value = get_le32(tpkt + off + 4);
  if (pdu->neg_length != 8) {
    *why = "negotiation structure length is not 8";
    return RDPNEG_ERR_X224_MALFORMED;
  }
  if (expect_cr ? pdu->neg_type != RDPNEG_NEG_TYPE_REQ
                : (pdu->neg_type != RDPNEG_NEG_TYPE_RSP &&
                   pdu->neg_type != RDPNEG_NEG_TYPE_FAILURE)) {
    *why = "unknown negotiation structure type";
    return RDPNEG_ERR_X224_MALFORMED;
  }
  off += 8;
  if (expect_cr && (pdu->neg_flags & RDPNEG_REQ_CORRELATION_INFO_PRESENT)) {
    if (end - off < 36 || tpkt[off] != RDPNEG_NEG_TYPE_CORRELATION ||
        get_le16(tpkt + off + 2) != 36) {
      *why = "bad RDP_NEG_CORRELATION_INFO";
      return RDPNEG_ERR_X224_MALFORMED;
    }
    pdu->has_correlation = 1;
    memcpy(pdu->correlation_id, tpkt + off + 4, 16);
  }
  return 0;
}

/* Flag names come from the taxonomy data (lib/taxonomy/codes.def); bits
 * it does not name are reported once as UNKNOWN_FLAGS. */
int rdpneg_x224_rsp_flag_names(uint8_t flags, const char *names[8]) {
  int n = 0, unknown = 0;
  for (unsigned bit = 0x01; bit <= 0x80; bit <<= 1) {
    const char *name;
    if (!(flags & bit))
      continue;
    name = rdpneg_codename(RDPNEG_CK_NEG_RSP_FLAG, bit);
    if (name)
      names[n++] = name;
    else
      unknown = 1;
  }
  if (unknown)
    names[n++] = "UNKNOWN_FLAGS";
  return n;
}

int rdpneg_x224_protocol_names(uint32_t mask, const char *names[8]) {
  static const uint32_t bits[] = {
      RDPNEG_PROTOCOL_SSL, RDPNEG_PROTOCOL_HYBRID, RDPNEG_PROTOCOL_RDSTLS,
      RDPNEG_PROTOCOL_HYBRID_EX, RDPNEG_PROTOCOL_RDSAAD};
  int n = 0;
  if (mask == 0) {
    names[n++] = rdpneg_protocol_name(RDPNEG_PROTOCOL_RDP);
    return n;
  }
  for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
    if (mask & bits[i])
      names[n++] = rdpneg_protocol_name(bits[i]);
  return n;
}
