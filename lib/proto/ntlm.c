/* SPDX-License-Identifier: Apache-2.0 */
/* NTLM (MS-NLMP) messages: flag names, text, parsing, NEGOTIATE and
 * AUTHENTICATE construction. The NTLMv2 computations are in
 * ntlm_crypto.c. See ntlm.h. */
#include "proto/ntlm.h"

#include "proto/crypto.h"

#include <rdpneg/rdpneg.h>

#include <stdlib.h>
#include <string.h>

static const uint8_t sig_ntlmssp[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

void rdpneg_ntlm_wipe_free(void *p, size_t len) {
  if (!p)
    return;
  rdpneg_crypto_wipe(p, len);
  free(p);
}

/* ---- flag names ------------------------------------------------------- */

static const struct {
  uint32_t bit;
  const char *name;
} flag_names[] = {
    {RDPNEG_NTLM_NEGOTIATE_UNICODE, "NEGOTIATE_UNICODE"},
    {RDPNEG_NTLM_NEGOTIATE_OEM, "NEGOTIATE_OEM"},
    {RDPNEG_NTLM_REQUEST_TARGET, "REQUEST_TARGET"},
    {RDPNEG_NTLM_NEGOTIATE_SIGN, "NEGOTIATE_SIGN"},
    {RDPNEG_NTLM_NEGOTIATE_SEAL, "NEGOTIATE_SEAL"},
    {RDPNEG_NTLM_NEGOTIATE_DATAGRAM, "NEGOTIATE_DATAGRAM"},
    {RDPNEG_NTLM_NEGOTIATE_LM_KEY, "NEGOTIATE_LM_KEY"},
    {RDPNEG_NTLM_NEGOTIATE_NTLM, "NEGOTIATE_NTLM"},
    {RDPNEG_NTLM_ANONYMOUS, "ANONYMOUS"},
    {RDPNEG_NTLM_NEGOTIATE_OEM_DOMAIN_SUPPLIED,
     "NEGOTIATE_OEM_DOMAIN_SUPPLIED"},
    {RDPNEG_NTLM_NEGOTIATE_OEM_WORKSTATION_SUPPLIED,
     "NEGOTIATE_OEM_WORKSTATION_SUPPLIED"},
    {RDPNEG_NTLM_NEGOTIATE_ALWAYS_SIGN, "NEGOTIATE_ALWAYS_SIGN"},
    {RDPNEG_NTLM_TARGET_TYPE_DOMAIN, "TARGET_TYPE_DOMAIN"},
    {RDPNEG_NTLM_TARGET_TYPE_SERVER, "TARGET_TYPE_SERVER"},
    {RDPNEG_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY,
     "NEGOTIATE_EXTENDED_SESSIONSECURITY"},
    {RDPNEG_NTLM_NEGOTIATE_IDENTIFY, "NEGOTIATE_IDENTIFY"},
    {RDPNEG_NTLM_REQUEST_NON_NT_SESSION_KEY, "REQUEST_NON_NT_SESSION_KEY"},
    {RDPNEG_NTLM_NEGOTIATE_TARGET_INFO, "NEGOTIATE_TARGET_INFO"},
    {RDPNEG_NTLM_NEGOTIATE_VERSION, "NEGOTIATE_VERSION"},
    {RDPNEG_NTLM_NEGOTIATE_128, "NEGOTIATE_128"},
    {RDPNEG_NTLM_NEGOTIATE_KEY_EXCH, "NEGOTIATE_KEY_EXCH"},
    {RDPNEG_NTLM_NEGOTIATE_56, "NEGOTIATE_56"},
};

const char *rdpneg_ntlm_flag_name(uint32_t bit) {
  static const char *const reserved[32] = {
      "RESERVED_0x00000001", "RESERVED_0x00000002", "RESERVED_0x00000004",
      "RESERVED_0x00000008", "RESERVED_0x00000010", "RESERVED_0x00000020",
      "RESERVED_0x00000040", "RESERVED_0x00000080", "RESERVED_0x00000100",
      "RESERVED_0x00000200", "RESERVED_0x00000400", "RESERVED_0x00000800",
      "RESERVED_0x00001000", "RESERVED_0x00002000", "RESERVED_0x00004000",
      "RESERVED_0x00008000", "RESERVED_0x00010000", "RESERVED_0x00020000",
      "RESERVED_0x00040000", "RESERVED_0x00080000", "RESERVED_0x00100000",
      "RESERVED_0x00200000", "RESERVED_0x00400000", "RESERVED_0x00800000",
      "RESERVED_0x01000000", "RESERVED_0x02000000", "RESERVED_0x04000000",
      "RESERVED_0x08000000", "RESERVED_0x10000000", "RESERVED_0x20000000",
      "RESERVED_0x40000000", "RESERVED_0x80000000"};
  for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
    if (flag_names[i].bit == bit)
      return flag_names[i].name;
  for (int i = 0; i < 32; i++)
    if (bit == (1u << i))
      return reserved[i];
  return "RESERVED";
}

/* ---- text ------------------------------------------------------------- */

static size_t utf8_put(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

char *rdpneg_ntlm_utf16_to_utf8(const uint8_t *s, size_t len) {
  size_t n = len / 2;
  /* each unit yields at most 3 bytes (a pair: 4 bytes for 2 units) */
  char *out = malloc(n * 3 + 1);
  if (!out)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t u = rdpneg_ntlm_le16(s + 2 * i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
      uint32_t l = rdpneg_ntlm_le16(s + 2 * i + 2);
      if (l >= 0xDC00 && l <= 0xDFFF) {
        u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
        i++;
      } else
        u = 0xFFFD;
    } else if ((u >= 0xD800 && u <= 0xDFFF) || u == 0)
      u = 0xFFFD;
    o += utf8_put(out + o, u);
  }
  out[o] = 0;
  return out;
}

/* Simple upper-casing for NTOWFv2's Uppercase(User): ASCII, Latin-1,
 * Latin Extended-A pairs, Greek and Cyrillic basic letters. */
static uint32_t upcase(uint32_t c) {
  if (c >= 'a' && c <= 'z')
    return c - 32;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7))
    return c - 32;
  if (c == 0xFF)
    return 0x178;
  if (c >= 0x100 && c <= 0x17F && c != 0x131 && c != 0x138 && c != 0x149 &&
      c != 0x17F) {
    /* pairs: even upper, odd lower (0x139..0x148 and 0x179..0x17E are
     * odd-upper) */
    int odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_upper)
      return (c % 2 == 0) ? c - 1 : c;
    return (c % 2 == 1) ? c - 1 : c;
  }
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
    return c - 32;
  if (c >= 0x430 && c <= 0x44F)
    return c - 32;
  if (c >= 0x450 && c <= 0x45F)
    return c - 80;
  return c;
}

/* Decodes one UTF-8 sequence at |s|; returns its length, 0 if invalid. */
static size_t utf8_get(const unsigned char *s, uint32_t *cp) {
  unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  uint32_t v, min;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    v = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    v = c & 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    v = c & 0x07;
    min = 0x10000;
  } else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return n;
}

int rdpneg_ntlm_utf8_to_utf16(const char *s, int upper, uint8_t **out,
                              size_t *outlen) {
  if (!s)
    s = "";
  size_t len = strlen(s);
  /* worst case: every byte one unit (2 bytes); 4-byte seqs give 2 units */
  uint8_t *o = malloc(len * 2 + 2);
  if (!o)
    return RDPNEG_ERR_NOMEM;
  size_t w = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    uint32_t cp;
    size_t n = utf8_get(p, &cp);
    if (!n) {
      rdpneg_ntlm_wipe_free(o, len * 2 + 2);
      return RDPNEG_ERR_INVALID_ARGUMENT;
    }
    p += n;
    if (upper)
      cp = upcase(cp);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      rdpneg_ntlm_put16(o + w, (uint16_t)(0xD800 + (cp >> 10)));
      rdpneg_ntlm_put16(o + w + 2, (uint16_t)(0xDC00 + (cp & 0x3FF)));
      w += 4;
    } else {
      rdpneg_ntlm_put16(o + w, (uint16_t)cp);
      w += 2;
    }
  }
  *out = o;
  *outlen = w;
  return 0;
}

/* OEM (non-Unicode) text: keep printable ASCII, replace the rest. */
static char *oem_to_utf8(const uint8_t *s, size_t len) {
  char *out = malloc(len + 1);
  if (!out)
    return NULL;
  for (size_t i = 0; i < len; i++)
    out[i] = (s[i] >= 0x20 && s[i] < 0x7F) ? (char)s[i] : '?';
  out[len] = 0;
  return out;
}

/* ---- time ------------------------------------------------------------- */

int64_t rdpneg_ntlm_filetime_to_unix(uint64_t ft) {
  if (ft >= RDPNEG_NTLM_FILETIME_UNIX_EPOCH)
    return (int64_t)((ft - RDPNEG_NTLM_FILETIME_UNIX_EPOCH) / 10000000ull);
  uint64_t d = RDPNEG_NTLM_FILETIME_UNIX_EPOCH - ft;
  return -(int64_t)((d + 9999999ull) / 10000000ull);
}

/* ---- message parsing ---------------------------------------------------- */

/* A security-buffer field (Len, MaxLen, Offset) at |at|. Empty fields are
 * returned as (NULL, 0) whatever their offset. */
static int sec_field(const uint8_t *msg, size_t len, size_t at,
                     const uint8_t **p, size_t *flen, size_t *payload_start) {
  size_t l = rdpneg_ntlm_le16(msg + at);
  size_t off = rdpneg_ntlm_le32(msg + at + 4);
  if (l == 0) {
    *p = NULL;
    *flen = 0;
    return 0;
  }
  if (off > len || l > len - off)
    return RDPNEG_ERR_NTLM_MALFORMED;
  *p = msg + off;
  *flen = l;
  if (off < *payload_start)
    *payload_start = off;
  return 0;
}

static int check_header(const uint8_t *msg, size_t len, size_t min,
                        uint32_t type) {
  if (!msg || len < min || memcmp(msg, sig_ntlmssp, 8) != 0 ||
      rdpneg_ntlm_le32(msg + 8) != type)
    return RDPNEG_ERR_NTLM_MALFORMED;
  return 0;
}

/* VERSION at |at| when the flag is set and the payload leaves room for it.
 * With the flag set and no payload before |at| + 8, the bytes must be
 * there. */
static int read_version(rdpneg_ntlm_version *v, const uint8_t *msg, size_t len,
                        uint32_t flags, size_t at, size_t payload_start) {
  memset(v, 0, sizeof *v);
  if (!(flags & RDPNEG_NTLM_NEGOTIATE_VERSION) || payload_start < at + 8)
    return 0;
  if (len < at + 8)
    return RDPNEG_ERR_NTLM_MALFORMED;
  v->present = 1;
  v->major = msg[at];
  v->minor = msg[at + 1];
  v->build = rdpneg_ntlm_le16(msg + at + 2);
  v->revision = msg[at + 7];
  return 0;
}

int rdpneg_ntlm_write_negotiate(uint8_t out[RDPNEG_NTLM_NEGOTIATE_LEN],
                                uint32_t flags) {
  memset(out, 0, RDPNEG_NTLM_NEGOTIATE_LEN);
  memcpy(out, sig_ntlmssp, 8);
  rdpneg_ntlm_put32(out + 8, 1);
  rdpneg_ntlm_put32(out + 12, flags | RDPNEG_NTLM_NEGOTIATE_VERSION);
  /* DomainNameFields and WorkstationFields stay zero (no OEM_*_SUPPLIED) */
  out[32] = RDPNEG_NTLM_OUR_MAJOR;
  out[33] = RDPNEG_NTLM_OUR_MINOR;
  rdpneg_ntlm_put16(out + 34, RDPNEG_NTLM_OUR_BUILD);
  out[39] = RDPNEG_NTLM_REVISION_W2K3;
  return RDPNEG_NTLM_NEGOTIATE_LEN;
}

int rdpneg_ntlm_parse_negotiate(rdpneg_ntlm_negotiate *n, const uint8_t *msg,
                                size_t len) {
  int rc = check_header(msg, len, 32, 1);
  if (rc)
    return rc;
  memset(n, 0, sizeof *n);
  n->flags = rdpneg_ntlm_le32(msg + 12);
  const uint8_t *p;
  size_t fl, payload = SIZE_MAX;
  if ((rc = sec_field(msg, len, 16, &p, &fl, &payload)) ||
      (rc = sec_field(msg, len, 24, &p, &fl, &payload)))
    return rc;
  return read_version(&n->version, msg, len, n->flags, 32, payload);
}

static int dup_av_string(char **dst, const uint8_t *v, size_t vlen) {
  if (*dst) /* first occurrence wins */
    return 0;
  *dst = rdpneg_ntlm_utf16_to_utf8(v, vlen);
  return *dst ? 0 : RDPNEG_ERR_NOMEM;
}

static int parse_av_pairs(rdpneg_ntlm_challenge *c, const uint8_t *av,
                          size_t len) {
  size_t i = 0;
  int rc;
  while (i < len) {
    if (len - i < 4)
      return RDPNEG_ERR_NTLM_MALFORMED;
    uint16_t id = rdpneg_ntlm_le16(av + i);
    size_t alen = rdpneg_ntlm_le16(av + i + 2);
    i += 4;
    if (alen > len - i)
      return RDPNEG_ERR_NTLM_MALFORMED;
    const uint8_t *v = av + i;
    i += alen;
    switch (id) {
    case RDPNEG_NTLM_AV_EOL:
      c->has_eol = 1;
      return 0;
    case RDPNEG_NTLM_AV_NB_COMPUTER_NAME:
      rc = dup_av_string(&c->nb_computer, v, alen);
      break;
    case RDPNEG_NTLM_AV_NB_DOMAIN_NAME:
      rc = dup_av_string(&c->nb_domain, v, alen);
      break;
    case RDPNEG_NTLM_AV_DNS_COMPUTER_NAME:
      rc = dup_av_string(&c->dns_computer, v, alen);
      break;
    case RDPNEG_NTLM_AV_DNS_DOMAIN_NAME:
      rc = dup_av_string(&c->dns_domain, v, alen);
      break;
    case RDPNEG_NTLM_AV_DNS_TREE_NAME:
      rc = dup_av_string(&c->dns_tree, v, alen);
      break;
    case RDPNEG_NTLM_AV_TARGET_NAME:
      rc = dup_av_string(&c->av_target, v, alen);
      break;
    case RDPNEG_NTLM_AV_FLAGS:
      rc = 0;
      if (alen == 4 && !c->has_av_flags) {
        c->has_av_flags = 1;
        c->av_flags = rdpneg_ntlm_le32(v);
      }
      break;
    case RDPNEG_NTLM_AV_TIMESTAMP:
      rc = 0;
      if (alen == 8 && !c->has_timestamp) {
        c->has_timestamp = 1;
        c->timestamp = rdpneg_ntlm_le64(v);
      }
      break;
    default: /* SingleHost, ChannelBindings, unknown: skipped */
      rc = 0;
      break;
    }
    if (rc)
      return rc;
  }
  return 0; /* no MsvAvEOL: tolerated, has_eol stays 0 */
}

void rdpneg_ntlm_challenge_free(rdpneg_ntlm_challenge *c) {
  if (!c)
    return;
  free(c->target_name);
  free(c->nb_computer);
  free(c->nb_domain);
  free(c->dns_computer);
  free(c->dns_domain);
  free(c->dns_tree);
  free(c->av_target);
  memset(c, 0, sizeof *c);
}

int rdpneg_ntlm_parse_challenge(rdpneg_ntlm_challenge *c, const uint8_t *msg,
                                size_t len) {
  memset(c, 0, sizeof *c);
  int rc = check_header(msg, len, 32, 2);
  if (rc)
    return rc;
  c->flags = rdpneg_ntlm_le32(msg + 20);
  memcpy(c->server_challenge, msg + 24, 8);
  const uint8_t *tn = NULL, *ti = NULL;
  size_t tn_len = 0, ti_len = 0, payload = SIZE_MAX;
  if ((rc = sec_field(msg, len, 12, &tn, &tn_len, &payload)))
    return rc;
  if (len >= 48) {
    if ((rc = sec_field(msg, len, 40, &ti, &ti_len, &payload)))
      return rc;
  } else if ((c->flags & RDPNEG_NTLM_NEGOTIATE_TARGET_INFO) && payload >= 48) {
    return RDPNEG_ERR_NTLM_MALFORMED; /* flag set, fields cut off */
  }
  if ((rc = read_version(&c->version, msg, len, c->flags, 48, payload)))
    return rc;
  if (tn_len) {
    c->target_name = (c->flags & RDPNEG_NTLM_NEGOTIATE_UNICODE)
                         ? rdpneg_ntlm_utf16_to_utf8(tn, tn_len)
                         : oem_to_utf8(tn, tn_len);
    if (!c->target_name) {
      rdpneg_ntlm_challenge_free(c);
      return RDPNEG_ERR_NOMEM;
    }
  }
  c->target_info = ti;
  c->target_info_len = ti_len;
  if (ti_len && (rc = parse_av_pairs(c, ti, ti_len))) {
    rdpneg_ntlm_challenge_free(c);
    return rc;
  }
  return 0;
}

int rdpneg_ntlm_parse_authenticate(rdpneg_ntlm_authenticate *a,
                                   const uint8_t *msg, size_t len) {
  memset(a, 0, sizeof *a);
  int rc = check_header(msg, len, 64, 3);
  if (rc)
    return rc;
  size_t payload = SIZE_MAX;
  if ((rc = sec_field(msg, len, 12, &a->lm_response, &a->lm_response_len,
                      &payload)) ||
      (rc = sec_field(msg, len, 20, &a->nt_response, &a->nt_response_len,
                      &payload)) ||
      (rc = sec_field(msg, len, 28, &a->domain, &a->domain_len, &payload)) ||
      (rc = sec_field(msg, len, 36, &a->user, &a->user_len, &payload)) ||
      (rc = sec_field(msg, len, 44, &a->workstation, &a->workstation_len,
                      &payload)) ||
      (rc = sec_field(msg, len, 52, &a->enc_session_key,
                      &a->enc_session_key_len, &payload)))
    return rc;
  a->flags = rdpneg_ntlm_le32(msg + 60);
  if ((rc = read_version(&a->version, msg, len, a->flags, 64, payload)))
    return rc;
  /* The MIC is there when the payload starts after it (Windows layout). */
  if (a->version.present && payload >= RDPNEG_NTLM_MIC_OFFSET + 16 &&
      payload != SIZE_MAX) {
    if (len < RDPNEG_NTLM_MIC_OFFSET + 16)
      return RDPNEG_ERR_NTLM_MALFORMED;
    a->has_mic = 1;
    a->mic = msg + RDPNEG_NTLM_MIC_OFFSET;
  }
  return 0;
}

/* ---- AUTHENTICATE_MESSAGE -------------------------------------------- */

/* Copies the server's AV pairs without MsvAvEOL (and without MsvAvFlags,
 * which is re-added with MIC_PROVIDED, nor the pairs we set ourselves),
 * then appends Flags, ChannelBindings Z(16), TargetName and EOL. */
static int build_av(const rdpneg_ntlm_challenge *c, int want_mic,
                    const uint8_t *spn, size_t spn_len, uint8_t **out,
                    size_t *outlen) {
  size_t cap = c->target_info_len + 8 + 20 + 4 + spn_len + 4 + 4;
  uint8_t *o = calloc(1, cap);
  if (!o)
    return RDPNEG_ERR_NOMEM;
  size_t w = 0, i = 0;
  const uint8_t *av = c->target_info;
  size_t len = c->target_info_len;
  uint32_t flags = 0;
  while (av && len - i >= 4) {
    uint16_t id = rdpneg_ntlm_le16(av + i);
    size_t alen = rdpneg_ntlm_le16(av + i + 2);
    if (alen > len - i - 4 || id == RDPNEG_NTLM_AV_EOL)
      break; /* parse_challenge already rejected overruns */
    if (id == RDPNEG_NTLM_AV_FLAGS) {
      if (alen == 4)
        flags |= rdpneg_ntlm_le32(av + i + 4);
    } else if (id == RDPNEG_NTLM_AV_CHANNEL_BINDINGS ||
               (id == RDPNEG_NTLM_AV_TARGET_NAME && spn)) {
      /* ours replace the server's (unusual in a CHALLENGE) */
    } else {
      memcpy(o + w, av + i, 4 + alen);
      w += 4 + alen;
    }
    i += 4 + alen;
  }
  if (want_mic)
    flags |= RDPNEG_NTLM_AV_FLAG_MIC_PROVIDED;
  if (flags || c->has_av_flags) {
    rdpneg_ntlm_put16(o + w, RDPNEG_NTLM_AV_FLAGS);
    rdpneg_ntlm_put16(o + w + 2, 4);
    rdpneg_ntlm_put32(o + w + 4, flags);
    w += 8;
  }
  rdpneg_ntlm_put16(o + w, RDPNEG_NTLM_AV_CHANNEL_BINDINGS);
  rdpneg_ntlm_put16(o + w + 2, 16);
  w += 20; /* Z(16): no channel binding token (CredSSP binds via pubKeyAuth) */
  if (spn) {
    rdpneg_ntlm_put16(o + w, RDPNEG_NTLM_AV_TARGET_NAME);
    rdpneg_ntlm_put16(o + w + 2, (uint16_t)spn_len);
    memcpy(o + w + 4, spn, spn_len);
    w += 4 + spn_len;
  }
  w += 4; /* MsvAvEOL */
  *out = o;
  *outlen = w;
  return 0;
}

void rdpneg_ntlm_auth_out_free(rdpneg_ntlm_auth_out *out) {
  if (!out)
    return;
  rdpneg_ntlm_wipe_free(out->msg, out->len);
  rdpneg_crypto_wipe(out, sizeof *out);
}

int rdpneg_ntlm_build_authenticate(rdpneg_ntlm_auth_out *out,
                                   const rdpneg_ntlm_auth_in *in) {
  memset(out, 0, sizeof *out);
  const rdpneg_ntlm_challenge *c = in->challenge;
  if (!c || !in->response_key_nt || !in->client_challenge ||
      !in->random_session_key)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  uint32_t flags = c->flags & in->client_flags;
  if (!(flags & RDPNEG_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY))
    return RDPNEG_ERR_UNSUPPORTED;
  /* NTLMv2 text is always sent as UTF-16LE here */
  if (!(flags & RDPNEG_NTLM_NEGOTIATE_UNICODE))
    return RDPNEG_ERR_UNSUPPORTED;
  flags |= RDPNEG_NTLM_NEGOTIATE_VERSION;

  int rc;
  uint8_t *dom = NULL, *usr = NULL, *ws = NULL, *spn = NULL, *av = NULL,
          *temp = NULL, *msg = NULL;
  size_t doml = 0, usrl = 0, wsl = 0, spnl = 0, avl = 0, templ = 0;
  uint8_t ntproof[16], sbk[16], lm[24], enc_key[16];
  size_t enc_len = 0;
  int want_mic = c->has_timestamp && in->negotiate_msg && in->challenge_msg;

  if ((rc = rdpneg_ntlm_utf8_to_utf16(in->domain, 0, &dom, &doml)) ||
      (rc = rdpneg_ntlm_utf8_to_utf16(in->user, 0, &usr, &usrl)) ||
      (rc = rdpneg_ntlm_utf8_to_utf16(in->workstation, 0, &ws, &wsl)))
    goto done;
  if (in->target_spn &&
      (rc = rdpneg_ntlm_utf8_to_utf16(in->target_spn, 0, &spn, &spnl)))
    goto done;
  if (doml > 0xFFFF || usrl > 0xFFFF || wsl > 0xFFFF || spnl > 0xFFF0) {
    rc = RDPNEG_ERR_INVALID_ARGUMENT;
    goto done;
  }
  if ((rc = build_av(c, want_mic, spn, spnl, &av, &avl)))
    goto done;
  uint64_t ts = c->has_timestamp ? c->timestamp : in->now_filetime;
  if ((rc = rdpneg_ntlm_make_temp(&temp, &templ, ts, in->client_challenge, av,
                                  avl)) ||
      (rc = rdpneg_ntlm_ntproof(ntproof, in->response_key_nt,
                                c->server_challenge, temp, templ)) ||
      (rc = rdpneg_ntlm_session_base_key(sbk, in->response_key_nt, ntproof)))
    goto done;
  if (c->has_timestamp)
    memset(lm, 0, sizeof lm); /* MS-NLMP 3.1.5.1.2: Z(24) with a timestamp */
  else if ((rc = rdpneg_ntlm_lmv2_response(lm, in->response_key_nt,
                                           c->server_challenge,
                                           in->client_challenge)))
    goto done;

  /* KeyExchangeKey = SessionBaseKey for NTLMv2 */
  if (flags & RDPNEG_NTLM_NEGOTIATE_KEY_EXCH) {
    memcpy(out->exported_session_key, in->random_session_key, 16);
    if ((rc = rdpneg_ntlm_rc4k(sbk, in->random_session_key, 16, enc_key)))
      goto done;
    enc_len = 16;
  } else {
    memcpy(out->exported_session_key, sbk, 16);
  }

  size_t ntl = 16 + templ;
  if (ntl > 0xFFFF) {
    rc = RDPNEG_ERR_INVALID_ARGUMENT;
    goto done;
  }
  size_t hdr = want_mic ? RDPNEG_NTLM_MIC_OFFSET + 16 : 72;
  size_t total = hdr + doml + usrl + wsl + sizeof lm + ntl + enc_len;
  msg = calloc(1, total);
  if (!msg) {
    rc = RDPNEG_ERR_NOMEM;
    goto done;
  }
  memcpy(msg, sig_ntlmssp, 8);
  rdpneg_ntlm_put32(msg + 8, 3);
  size_t off = hdr;
  struct {
    size_t at;
    const uint8_t *p;
    size_t n;
  } f[6] = {{28, dom, doml},     {36, usr, usrl}, {44, ws, wsl},
            {12, lm, sizeof lm}, {20, NULL, ntl}, {52, enc_key, enc_len}};
  for (int i = 0; i < 6; i++) {
    rdpneg_ntlm_put16(msg + f[i].at, (uint16_t)f[i].n);
    rdpneg_ntlm_put16(msg + f[i].at + 2, (uint16_t)f[i].n);
    rdpneg_ntlm_put32(msg + f[i].at + 4, (uint32_t)off);
    if (f[i].at == 20) { /* NtChallengeResponse = NTProofStr || temp */
      memcpy(msg + off, ntproof, 16);
      memcpy(msg + off + 16, temp, templ);
    } else if (f[i].n)
      memcpy(msg + off, f[i].p, f[i].n);
    off += f[i].n;
  }
  rdpneg_ntlm_put32(msg + 60, flags);
  msg[64] = RDPNEG_NTLM_OUR_MAJOR;
  msg[65] = RDPNEG_NTLM_OUR_MINOR;
  rdpneg_ntlm_put16(msg + 66, RDPNEG_NTLM_OUR_BUILD);
  msg[71] = RDPNEG_NTLM_REVISION_W2K3;
  if (want_mic) {
    uint8_t mic[16];
    if ((rc = rdpneg_ntlm_mic(mic, out->exported_session_key, in->negotiate_msg,
                              in->negotiate_len, in->challenge_msg,
                              in->challenge_len, msg, total)))
      goto done;
    memcpy(msg + RDPNEG_NTLM_MIC_OFFSET, mic, 16);
  }
  out->msg = msg;
  out->len = total;
  out->flags = flags;
  out->mic_present = want_mic;
  msg = NULL;
done:
  if (rc)
    rdpneg_crypto_wipe(out, sizeof *out);
  free(dom);
  free(usr);
  free(ws);
  free(spn);
  free(av);
  rdpneg_ntlm_wipe_free(temp, templ);
  free(msg);
  rdpneg_crypto_wipe(ntproof, sizeof ntproof);
  rdpneg_crypto_wipe(sbk, sizeof sbk);
  rdpneg_crypto_wipe(lm, sizeof lm);
  rdpneg_crypto_wipe(enc_key, sizeof enc_key);
  return rc;
}
