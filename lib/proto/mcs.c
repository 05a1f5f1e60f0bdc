/* SPDX-License-Identifier: Apache-2.0 */
/* MCS Connect Initial / Connect Response for Standard RDP Security
 * (MS-RDPBCGR 2.2.1.3, 2.2.1.4; T.125 BER, T.124 PER). */
#include "proto/mcs.h"

#include "proto/der.h"
#include "proto/x224.h"

#include <stdio.h>
#include <string.h>

/* ---- encoder ---- */

typedef struct wr {
  uint8_t *p;
  size_t n, cap;
  int err;
} wr;

static void put(wr *w, const void *src, size_t n) {
  if (w->err || n > w->cap - w->n) {
    w->err = 1;
    return;
  }
  memcpy(w->p + w->n, src, n);
  w->n += n;
}

static void put8(wr *w, unsigned v) {
  uint8_t b = (uint8_t)v;
  put(w, &b, 1);
}

static void put16le(wr *w, unsigned v) {
  put8(w, v & 0xff);
  put8(w, (v >> 8) & 0xff);
}

static void put32le(wr *w, uint32_t v) {
  put16le(w, v & 0xffff);
  put16le(w, v >> 16);
}

static void zeros(wr *w, size_t n) {
  while (n--)
    put8(w, 0);
}

/* BER length: short form below 128, else 0x81 / 0x82 and the bytes. */
static void ber_len(wr *w, size_t n) {
  if (n < 0x80) {
    put8(w, (unsigned)n);
  } else if (n < 0x100) {
    put8(w, 0x81);
    put8(w, (unsigned)n);
  } else {
    put8(w, 0x82);
    put8(w, (unsigned)(n >> 8));
    put8(w, (unsigned)(n & 0xff));
  }
}

/* BER INTEGER with the fewest octets (a leading zero where the high bit
 * would make it negative). */
static void ber_int(wr *w, uint32_t v) {
  uint8_t b[5];
  int n = 0;
  do {
    b[4 - n++] = (uint8_t)(v & 0xff);
    v >>= 8;
  } while (v);
  if (b[5 - n] & 0x80)
    b[4 - n++] = 0;
  put8(w, 0x02);
  put8(w, (unsigned)n);
  put(w, b + 5 - n, (size_t)n);
}

/* DomainParameters (T.125 7 part 2), the values every RDP client sends. */
static void domain_params(wr *w, const uint32_t v[8]) {
  wr tmp;
  uint8_t buf[64];
  tmp = (wr){buf, 0, sizeof buf, 0};
  for (int i = 0; i < 8; i++)
    ber_int(&tmp, v[i]);
  put8(w, 0x30);
  ber_len(w, tmp.n);
  put(w, buf, tmp.n);
  w->err |= tmp.err;
}

/* PER length determinant: one octet below 128, else two with bit 15. */
static void per_len(wr *w, size_t n) {
  if (n < 0x80) {
    put8(w, (unsigned)n);
  } else {
    put8(w, 0x80 | (unsigned)(n >> 8));
    put8(w, (unsigned)(n & 0xff));
  }
}

/* The client data blocks (2.2.1.3.2 core, 2.2.1.3.3 security, 2.2.1.3.4
 * network): what an RDP 5 client without channels sends. */
static void client_data(wr *w, uint32_t methods, uint32_t selected) {
  static const char name[] = "RDPNEG";
  /* TS_UD_CS_CORE, 216 bytes with serverSelectedProtocol */
  put16le(w, 0xC001);
  put16le(w, 216);
  put32le(w, 0x00080004); /* RDP 5.0 and later */
  put16le(w, 1024);       /* desktopWidth */
  put16le(w, 768);        /* desktopHeight */
  put16le(w, 0xCA01);     /* colorDepth RNS_UD_COLOR_8BPP */
  put16le(w, 0xAA03);     /* SASSequence RNS_UD_SAS_DEL */
  put32le(w, 0x00000409); /* keyboardLayout en-US */
  put32le(w, 2600);       /* clientBuild */
  for (size_t i = 0; i < 16; i++)
    put16le(w, i < sizeof name - 1 ? (unsigned)name[i] : 0); /* clientName */
  put32le(w, 4);      /* keyboardType IBM enhanced */
  put32le(w, 0);      /* keyboardSubType */
  put32le(w, 12);     /* keyboardFunctionKey */
  zeros(w, 64);       /* imeFileName */
  put16le(w, 0xCA01); /* postBeta2ColorDepth */
  put16le(w, 1);      /* clientProductId */
  put32le(w, 0);      /* serialNumber */
  put16le(w, 16);     /* highColorDepth */
  put16le(w, 0x0007); /* supportedColorDepths 24/16/15 bpp */
  put16le(w, 0x0001); /* earlyCapabilityFlags: SUPPORT_ERRINFO_PDU */
  zeros(w, 64);       /* clientDigProductId */
  put8(w, 0);         /* connectionType */
  put8(w, 0);         /* pad1octet */
  put32le(w, selected);
  /* TS_UD_CS_SEC */
  put16le(w, 0xC002);
  put16le(w, 12);
  put32le(w, methods);
  put32le(w, 0); /* extEncryptionMethods (French locale only) */
  /* TS_UD_CS_NET without channels */
  put16le(w, 0xC003);
  put16le(w, 8);
  put32le(w, 0);
}

rdpneg_ssize rdpneg_mcs_encode_connect_initial(uint32_t methods,
                                               uint32_t selected, uint8_t *out,
                                               size_t cap) {
  static const uint32_t target[8] = {34, 2, 0, 1, 0, 1, 65535, 2};
  static const uint32_t minimum[8] = {1, 1, 1, 1, 0, 1, 1056, 2};
  static const uint32_t maximum[8] = {65535, 64535, 65535, 1, 0, 1, 65535, 2};
  if (!out || (methods & RDPNEG_ENC_ALL) == 0 || (methods & ~RDPNEG_ENC_ALL))
    return RDPNEG_ERR_INVALID_ARGUMENT;
  uint8_t ud[300], gcc[340], ci[460];
  wr u = {ud, 0, sizeof ud, 0};
  client_data(&u, methods, selected);

  /* T.124 ConnectData: key object {0 0 20 124 0 1}, then the ConnectGCCPDU
   * conferenceCreateRequest with conference name "1" and one set of user
   * data, h221NonStandard "Duca" (client to server) */
  static const uint8_t oid[] = {0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01};
  static const uint8_t ccr[] = {0x00, 0x08, 0x00, 0x10, 0x00, 0x01,
                                0xc0, 0x00, 'D',  'u',  'c',  'a'};
  wr g = {gcc, 0, sizeof gcc, 0};
  put(&g, oid, sizeof oid);
  per_len(&g, sizeof ccr + (u.n < 0x80 ? 1 : 2) + u.n);
  put(&g, ccr, sizeof ccr);
  per_len(&g, u.n);
  put(&g, ud, u.n);

  /* T.125 Connect-Initial ([APPLICATION 101]) */
  static const uint8_t sel[] = {0x04, 0x01, 0x01,  /* callingDomainSelector */
                                0x04, 0x01, 0x01,  /* calledDomainSelector */
                                0x01, 0x01, 0xff}; /* upwardFlag TRUE */
  uint8_t bb[440];
  wr body = {bb, 0, sizeof bb, 0};
  put(&body, sel, sizeof sel);
  domain_params(&body, target);
  domain_params(&body, minimum);
  domain_params(&body, maximum);
  put8(&body, 0x04); /* userData OCTET STRING */
  ber_len(&body, g.n);
  put(&body, gcc, g.n);
  wr c = {ci, 0, sizeof ci, 0};
  put8(&c, 0x7f);
  put8(&c, 0x65);
  ber_len(&c, body.n);
  put(&c, bb, body.n);
  if (u.err || g.err || body.err || c.err)
    return RDPNEG_ERR_NOBUF;

  /* TPKT + X.224 Data TPDU */
  size_t total = 4 + 3 + c.n;
  if (total > cap)
    return RDPNEG_ERR_NOBUF;
  out[0] = 3;
  out[1] = 0;
  out[2] = (uint8_t)(total >> 8);
  out[3] = (uint8_t)total;
  out[4] = 2;
  out[5] = RDPNEG_X224_DT;
  out[6] = 0x80;
  memcpy(out + 7, ci, c.n);
  return (rdpneg_ssize)total;
}

/* ---- decoder ---- */

typedef struct rd {
  const uint8_t *p;
  size_t n;
} rd;

static int take(rd *r, size_t n, const uint8_t **at) {
  if (n > r->n)
    return -1;
  if (at)
    *at = r->p;
  r->p += n;
  r->n -= n;
  return 0;
}

static int get8(rd *r, unsigned *v) {
  const uint8_t *a;
  if (take(r, 1, &a))
    return -1;
  *v = a[0];
  return 0;
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p) {
  return (uint16_t)(p[0] | p[1] << 8);
}

/* BER tag (one or two octets for [APPLICATION n] with n > 30) and length;
 * the value is cut out into |val|. */
static int ber_tlv(rd *r, unsigned *tag, rd *val) {
  unsigned t, b;
  if (get8(r, &t))
    return -1;
  if ((t & 0x1f) == 0x1f) {
    if (get8(r, &b) || (b & 0x80))
      return -1;
    t = t << 8 | b;
  }
  if (get8(r, &b))
    return -1;
  size_t len = b;
  if (b & 0x80) {
    unsigned k = b & 0x7f;
    if (k == 0 || k > 2)
      return -1;
    len = 0;
    while (k--) {
      if (get8(r, &b))
        return -1;
      len = len << 8 | b;
    }
  }
  const uint8_t *at;
  if (take(r, len, &at))
    return -1;
  *tag = t;
  *val = (rd){at, len};
  return 0;
}

/* PER length determinant (one or two octets). */
static int per_length(rd *r, size_t *len) {
  unsigned b, c;
  if (get8(r, &b))
    return -1;
  if (b & 0x80) {
    if (get8(r, &c))
      return -1;
    *len = (size_t)(b & 0x7f) << 8 | c;
  } else {
    *len = b;
  }
  return 0;
}

/* RSA modulus bits of a DER certificate, read from its
 * SubjectPublicKeyInfo by hand: the terminal server certificate Windows
 * sends labels its key with an OID X.509 libraries refuse (FreeRDP reads it
 * the same way). 0 when it is not an RSAPublicKey. */
static int x509_key_bits(const uint8_t *der, size_t len) {
  const uint8_t *p = der, *end = der + len, *v;
  size_t l, vl;
  if (rdpneg_der_get_tag(&p, end, RDPNEG_DER_SEQUENCE, &l) ||
      rdpneg_der_get_tag(&p, end, RDPNEG_DER_SEQUENCE, &l))
    return 0;
  end = p + l; /* tbsCertificate */
  if (p < end && *p == RDPNEG_DER_CTX(0) &&
      rdpneg_der_get_tagged(&p, end, RDPNEG_DER_CTX(0), &v, &vl))
    return 0;
  /* serial, signature, issuer, validity, subject */
  static const int skip[] = {RDPNEG_DER_INTEGER, RDPNEG_DER_SEQUENCE,
                             RDPNEG_DER_SEQUENCE, RDPNEG_DER_SEQUENCE,
                             RDPNEG_DER_SEQUENCE};
  for (int i = 0; i < 5; i++)
    if (rdpneg_der_get_tagged(&p, end, skip[i], &v, &vl))
      return 0;
  if (rdpneg_der_get_tag(&p, end, RDPNEG_DER_SEQUENCE, &l))
    return 0;
  end = p + l; /* subjectPublicKeyInfo */
  if (rdpneg_der_get_tagged(&p, end, RDPNEG_DER_SEQUENCE, &v, &vl) ||
      rdpneg_der_get_tagged(&p, end, 0x03, &v, &vl) || vl < 2 || v[0] != 0)
    return 0;
  p = v + 1;
  end = v + vl;
  if (rdpneg_der_get_tag(&p, end, RDPNEG_DER_SEQUENCE, &l) ||
      rdpneg_der_get_tagged(&p, end, RDPNEG_DER_INTEGER, &v, &vl))
    return 0;
  while (vl && *v == 0) {
    v++;
    vl--;
  }
  if (!vl || vl > 2048)
    return 0;
  int bits = (int)vl * 8;
  for (uint8_t top = v[0]; !(top & 0x80); top <<= 1)
    bits--;
  return bits;
}

/* Server certificate (2.2.1.4.3.1): proprietary (RSA1 public key blob) or
 * an X.509 chain whose last certificate is the server's own. */
static const char *server_cert(rd c, rdpneg_mcs_ev *ev) {
  const uint8_t *p;
  if (take(&c, 4, &p))
    return "server certificate shorter than dwVersion";
  uint32_t ver = le32(p);
  ev->cert_temporary = (ver & 0x80000000u) != 0;
  switch (ver & 0x7fffffffu) {
  case 1: {
    ev->cert_type = RDPNEG_MCS_CERT_PROPRIETARY;
    /* dwSigAlgId, dwKeyAlgId, wPublicKeyBlobType, wPublicKeyBlobLen */
    if (take(&c, 12, &p))
      return "proprietary certificate header cut short";
    size_t blob = le16(p + 10);
    if (le16(p + 8) != 0x0006 || blob < 20 || take(&c, blob, &p))
      return "proprietary certificate without an RSA public key blob";
    if (le32(p) != 0x31415352u) /* "RSA1" */
      return "public key blob magic is not RSA1";
    uint32_t keylen = le32(p + 4), bitlen = le32(p + 8);
    if (bitlen == 0 || bitlen > 8 * keylen || keylen > blob - 20)
      return "public key blob lengths disagree";
    ev->key_bits = (int)bitlen;
    return NULL;
  }
  case 2: {
    ev->cert_type = RDPNEG_MCS_CERT_X509;
    if (take(&c, 4, &p))
      return "X.509 chain without NumCertBlobs";
    uint32_t n = le32(p);
    if (n < 1 || n > 16)
      return "X.509 chain with an implausible number of certificates";
    const uint8_t *leaf = NULL;
    size_t leaf_len = 0;
    for (uint32_t i = 0; i < n; i++) {
      if (take(&c, 4, &p))
        return "X.509 chain cut short";
      size_t cb = le32(p);
      if (take(&c, cb, &leaf))
        return "X.509 certificate blob cut short";
      leaf_len = cb;
    }
    ev->x509_count = (int)n;
    ev->key_bits = x509_key_bits(leaf, leaf_len);
    return NULL;
  }
  default:
    return "unknown server certificate version";
  }
}

/* The server data blocks of the GCC Conference Create Response. */
static const char *server_blocks(rd r, rdpneg_mcs_ev *ev) {
  while (r.n >= 4) {
    const uint8_t *h, *b;
    take(&r, 4, &h);
    unsigned type = le16(h);
    size_t len = le16(h + 2);
    if (len < 4 || take(&r, len - 4, &b))
      return "server data block length out of range";
    len -= 4;
    if (type == 0x0C01) { /* SC_CORE */
      if (len < 4)
        return "Server Core Data too short";
      ev->has_core = 1;
      ev->version = le32(b);
      if (len >= 8) {
        ev->has_requested = 1;
        ev->requested = le32(b + 4);
      }
    } else if (type == 0x0C02) { /* SC_SECURITY */
      if (len < 8)
        return "Server Security Data too short";
      ev->has_security = 1;
      ev->method = le32(b);
      ev->level = le32(b + 4);
      if (ev->method == 0 && ev->level == 0)
        continue; /* Enhanced RDP Security: nothing follows */
      if (len < 16)
        return "Server Security Data without random and certificate";
      ev->random_len = le32(b + 8);
      ev->cert_len = le32(b + 12);
      if (ev->random_len > len - 16 || ev->cert_len > len - 16 - ev->random_len)
        return "server random / certificate longer than the block";
      if (ev->cert_len) {
        const char *why =
            server_cert((rd){b + 16 + ev->random_len, ev->cert_len}, ev);
        if (why)
          return why;
      }
    }
  }
  return NULL;
}

/* GCC Conference Create Response (T.124 8.7, PER) inside the userData. */
static const char *gcc_response(rd r, rdpneg_mcs_ev *ev) {
  const uint8_t *p;
  unsigned v;
  size_t n;
  /* ConnectData: choice 0 (object), OID {0 0 20 124 0 1} */
  if (take(&r, 7, &p) || p[0] != 0 || p[1] != 5 || p[2] != 0 || p[3] != 20 ||
      p[4] != 124)
    return "userData is not T.124 ConnectData";
  if (per_length(&r, &n)) /* connectPDU length: Windows sends nonsense */
    return "ConnectData cut short";
  if (get8(&r, &v) || v != 0x14)
    return "ConnectGCCPDU is not a conferenceCreateResponse";
  if (take(&r, 2, NULL)) /* nodeID */
    return "conferenceCreateResponse cut short";
  if (get8(&r, &v) || take(&r, v, NULL)) /* tag */
    return "conferenceCreateResponse cut short";
  if (get8(&r, &v)) /* result */
    return "conferenceCreateResponse cut short";
  if (v != 0) {
    ev->status = RDPNEG_MCS_REFUSED;
    snprintf(ev->detail, sizeof ev->detail,
             "GCC conferenceCreateResponse result %u", v);
    return NULL;
  }
  unsigned sets, choice;
  if (get8(&r, &sets) || sets < 1 || get8(&r, &choice) || choice != 0xc0)
    return "conferenceCreateResponse without h221NonStandard user data";
  if (get8(&r, &v) || take(&r, v + 4, &p) || memcmp(p + v, "McDn", 4) != 0)
    return "user data key is not McDn";
  if (per_length(&r, &n) || n > r.n)
    return "server data length out of range";
  return server_blocks((rd){r.p, n}, ev);
}

int rdpneg_mcs_decode_response(const uint8_t *tpkt, size_t len,
                               rdpneg_mcs_ev *ev, const char **why) {
  static const char *dummy;
  if (!why)
    why = &dummy;
  *why = NULL;
  uint32_t offered = ev->offered;
  int64_t us = ev->us;
  memset(ev, 0, sizeof *ev);
  ev->offered = offered;
  ev->us = us;
  ev->result = -1;
  ev->status = RDPNEG_MCS_MALFORMED;
  if (!tpkt || len < 7 || tpkt[0] != 3) {
    *why = "answer is not a TPKT";
    goto bad;
  }
  uint8_t li = tpkt[4];
  uint8_t code = tpkt[5] & 0xf0;
  if (code == RDPNEG_X224_DR) {
    ev->status = RDPNEG_MCS_REFUSED;
    snprintf(ev->detail, sizeof ev->detail,
             "server answered the MCS Connect Initial with an X.224 "
             "Disconnect Request");
    return 0;
  }
  if (code != RDPNEG_X224_DT || li != 2 || len < 8) {
    *why = "answer is not an X.224 Data TPDU";
    goto bad;
  }
  rd r = {tpkt + 7, len - 7};
  /* a PER-encoded DomainMCSPDU: choice 8 is disconnectProviderUltimatum */
  if ((r.p[0] >> 2) == 8) {
    ev->status = RDPNEG_MCS_REFUSED;
    ev->dpu_reason =
        r.n >= 2 ? (uint8_t)(((r.p[0] & 0x03) << 1) | (r.p[1] >> 7)) : 0;
    snprintf(ev->detail, sizeof ev->detail,
             "server answered the MCS Connect Initial with a Disconnect "
             "Provider Ultimatum (reason %u)",
             ev->dpu_reason);
    return 0;
  }
  unsigned tag;
  rd cr, f;
  if (ber_tlv(&r, &tag, &cr) || tag != 0x7f66) {
    *why = "answer is not an MCS Connect Response";
    goto bad;
  }
  /* result ENUMERATED, calledConnectId INTEGER, domainParameters, userData */
  if (ber_tlv(&cr, &tag, &f) || tag != 0x0a || f.n != 1) {
    *why = "Connect Response without a result";
    goto bad;
  }
  ev->result = f.p[0];
  if (ev->result != 0) {
    ev->status = RDPNEG_MCS_REFUSED;
    snprintf(ev->detail, sizeof ev->detail,
             "MCS Connect Response result %d (not rt-successful)", ev->result);
    return 0;
  }
  if (ber_tlv(&cr, &tag, &f) || tag != 0x02 || ber_tlv(&cr, &tag, &f) ||
      tag != 0x30 || ber_tlv(&cr, &tag, &f) || tag != 0x04) {
    *why = "Connect Response fields out of order";
    goto bad;
  }
  ev->status = RDPNEG_MCS_OK;
  *why = gcc_response(f, ev);
  if (*why)
    goto bad;
  if (ev->status == RDPNEG_MCS_OK) {
    if (!ev->has_security) {
      *why = "Connect Response without Server Security Data";
      goto bad;
    }
    const char *mn = rdpneg_mcs_method_name(ev->method);
    const char *ln = rdpneg_mcs_level_name(ev->level);
    char key[32] = "";
    if (ev->key_bits)
      snprintf(key, sizeof key, " (%d-bit key)", ev->key_bits);
    snprintf(ev->detail, sizeof ev->detail,
             "encryption method %s, level %s, %s certificate%s",
             mn ? mn : "unknown", ln ? ln : "unknown",
             ev->cert_type == RDPNEG_MCS_CERT_PROPRIETARY ? "proprietary"
             : ev->cert_type == RDPNEG_MCS_CERT_X509      ? "X.509"
                                                          : "no",
             key);
  }
  return 0;
bad:
  ev->status = RDPNEG_MCS_MALFORMED;
  snprintf(ev->detail, sizeof ev->detail, "%s", *why ? *why : "malformed");
  if (!*why)
    *why = "malformed";
  return RDPNEG_ERR_X224_MALFORMED;
}

/* ---- names ---- */

static const struct {
  uint32_t v;
  const char *n;
} methods[] = {{RDPNEG_ENC_NONE, "NONE"},
               {RDPNEG_ENC_40BIT, "40BIT"},
               {RDPNEG_ENC_56BIT, "56BIT"},
               {RDPNEG_ENC_128BIT, "128BIT"},
               {RDPNEG_ENC_FIPS, "FIPS"}};
static const char *const levels[] = {"NONE", "LOW", "CLIENT_COMPATIBLE", "HIGH",
                                     "FIPS"};
static const char *const statuses[] = {"pending",   "ok",       "refused",
                                       "closed",    "reset",    "timeout",
                                       "malformed", "cancelled"};

const char *rdpneg_mcs_method_name(uint32_t m) {
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    if (methods[i].v == m)
      return methods[i].n;
  return NULL;
}

int64_t rdpneg_mcs_method_value(const char *name) {
  for (size_t i = 0; name && i < sizeof methods / sizeof methods[0]; i++)
    if (!strcmp(methods[i].n, name))
      return methods[i].v;
  return -1;
}

const char *rdpneg_mcs_level_name(uint32_t l) {
  return l < 5 ? levels[l] : NULL;
}

int64_t rdpneg_mcs_level_value(const char *name) {
  for (int i = 0; name && i < 5; i++)
    if (!strcmp(levels[i], name))
      return i;
  return -1;
}

const char *rdpneg_mcs_status_name(int s) {
  return s >= 0 && s < 8 ? statuses[s] : "malformed";
}

int rdpneg_mcs_status_value(const char *name) {
  for (int i = 0; name && i < 8; i++)
    if (!strcmp(statuses[i], name))
      return i;
  return -1;
}

const char *rdpneg_mcs_cert_name(int t) {
  return t == RDPNEG_MCS_CERT_PROPRIETARY ? "proprietary"
         : t == RDPNEG_MCS_CERT_X509      ? "x509"
                                          : NULL;
}

int rdpneg_mcs_cert_value(const char *name) {
  if (name && !strcmp(name, "proprietary"))
    return RDPNEG_MCS_CERT_PROPRIETARY;
  if (name && !strcmp(name, "x509"))
    return RDPNEG_MCS_CERT_X509;
  return RDPNEG_MCS_CERT_NONE;
}
