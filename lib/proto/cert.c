/* SPDX-License-Identifier: Apache-2.0 */
/* Server certificate analysis. The one place that reads the fields of a
 * parsed mbedtls_x509_crt: tls.c hands the peer chain over and asks for the
 * public key (rdpneg_cert_pubkey); base/config.c only checks that a CA
 * file parses. In mbedTLS 3.x sig, sig_md, sig_pk and sig_opts (used by
 * self_signed and the signature algorithm name) are private. */
#include "proto/cert.h"
#include "base/json.h"
#include "base/timefmt.h"
#include "proto/crypto.h"

#include <rdpneg/rdpneg.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

static int64_t x509_time(const mbedtls_x509_time *t) {
  return rdpneg_civil_to_unix(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/* ---- terminal-safe text ---------------------------------------------------
 */

/* Length of the well-formed UTF-8 sequence at |p| (RFC 3629: no overlong
 * forms, surrogates or values above U+10FFFF), 0 if there is none. */
static size_t utf8_len(const uint8_t *p, size_t avail) {
  uint8_t c = p[0];
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF; /* range of the second byte */
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0)
      lo = 0xA0;
    else if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F;
  } else
    return 0;
  if (avail < n || p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if ((p[i] & 0xC0) != 0x80)
      return 0;
  return n;
}

static int safe_text(char *out, size_t cap, const uint8_t *in, size_t len,
                     int cut) {
  static const char mark[] = "...";
  if (cap == 0)
    return 1;
  size_t o = 0, keep = 0; /* |keep|: last boundary leaving room for mark */
  int trunc = cut;
  for (size_t i = 0; i < len;) {
    char piece[12];
    size_t pn = 0, n = utf8_len(in + i, len - i);
    int c1 = n == 2 && in[i] == 0xC2 && in[i + 1] < 0xA0; /* U+0080-9F */
    if (n == 0 || c1 || in[i] < 0x20 || in[i] == 0x7F) {
      n = c1 ? 2 : 1; /* escape every byte of the unit */
      for (size_t k = 0; k < n; k++)
        pn += (size_t)snprintf(piece + pn, sizeof piece - pn, "\\x%02x",
                               in[i + k]);
    } else {
      memcpy(piece, in + i, n);
      pn = n;
    }
    if (o + pn > cap - 1) {
      trunc = 1;
      break;
    }
    memcpy(out + o, piece, pn);
    o += pn;
    i += n;
    if (o + sizeof mark - 1 <= cap - 1)
      keep = o;
  }
  if (trunc && cap > sizeof mark - 1) {
    if (o + sizeof mark - 1 > cap - 1)
      o = keep;
    memcpy(out + o, mark, sizeof mark - 1);
    o += sizeof mark - 1;
  }
  out[o] = 0;
  return trunc;
}

int rdpneg_cert_safe_text(char *out, size_t cap, const uint8_t *in,
                          size_t len) {
  return safe_text(out, cap, in, len, 0);
}

/* A distinguished name as mbedTLS prints it, made terminal-safe. */
static void dn_text(char *out, size_t cap, const mbedtls_x509_name *dn) {
  char raw[1024];
  raw[0] = 0;
  int n = mbedtls_x509_dn_gets(raw, sizeof raw, dn);
  safe_text(out, cap, (const uint8_t *)raw, strlen(raw), n < 0);
}

/* ---- names ------------------------------------------------------------------
 */

int rdpneg_cert_dns_match(const char *pattern, const char *name) {
  return rdpneg_cert_dns_match_n((const uint8_t *)pattern, strlen(pattern),
                                 name);
}

int rdpneg_cert_dns_match_n(const uint8_t *pat, size_t pl, const char *name) {
  const char *pattern = (const char *)pat;
  size_t nl = strlen(name);
  if (pl == 0 || memchr(pat, 0, pl)) /* "a.example\0.evil" is no name */
    return 0;
  if (nl && name[nl - 1] == '.')
    nl--;
  if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
    /* wildcard covers exactly one leftmost label */
    const char *dot = memchr(name, '.', nl);
    if (!dot || dot == name)
      return 0;
    size_t rest = nl - (size_t)(dot - name);
    if (rest != pl - 1)
      return 0;
    for (size_t i = 0; i < rest; i++)
      if (tolower((unsigned char)dot[i]) !=
          tolower((unsigned char)pattern[1 + i]))
        return 0;
    return 1;
  }
  if (pl != nl)
    return 0;
  for (size_t i = 0; i < nl; i++)
    if (tolower((unsigned char)pattern[i]) != tolower((unsigned char)name[i]))
      return 0;
  return 1;
}

static int parse_v4(const char *s, uint8_t out[4]) {
  int parts = 0;
  while (parts < 4) {
    if (!isdigit((unsigned char)*s))
      return 0;
    int v = 0, digits = 0;
    while (isdigit((unsigned char)*s)) {
      v = v * 10 + (*s++ - '0');
      if (++digits > 3 || v > 255)
        return 0;
    }
    out[parts++] = (uint8_t)v;
    if (parts < 4 && *s++ != '.')
      return 0;
  }
  return *s == 0 ? 4 : 0;
}

int rdpneg_ip_parse(const char *s, uint8_t out[16]) {
  if (!s || !*s)
    return 0;
  if (!strchr(s, ':'))
    return parse_v4(s, out);
  /* IPv6: up to 8 groups, one "::", optional trailing dotted quad */
  uint16_t g[8];
  int n = 0, gap = -1;
  const char *p = s;
  if (p[0] == ':') {
    if (p[1] != ':')
      return 0;
    gap = 0;
    p += 2;
  }
  while (*p) {
    if (n >= 8)
      return 0;
    const char *q = p;
    unsigned v = 0;
    int digits = 0;
    while (isxdigit((unsigned char)*q) && digits < 5) {
      v = v * 16 + (unsigned)(isdigit((unsigned char)*q)
                                  ? *q - '0'
                                  : tolower((unsigned char)*q) - 'a' + 10);
      q++;
      digits++;
    }
    if (*q == '.') {
      uint8_t v4[4];
      if (n > 6 || !parse_v4(p, v4))
        return 0;
      g[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
      g[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
      p += strlen(p);
      break;
    }
    if (digits == 0 || digits > 4)
      return 0;
    g[n++] = (uint16_t)v;
    p = q;
    if (*p == ':') {
      if (p[1] == ':') {
        if (gap >= 0)
          return 0;
        gap = n;
        p += 2;
      } else {
        p++;
        if (!*p)
          return 0;
      }
    } else if (*p) {
      return 0;
    }
  }
  if (gap < 0 && n != 8)
    return 0;
  if (gap >= 0 && n > 7)
    return 0;
  uint16_t full[8] = {0};
  if (gap < 0) {
    memcpy(full, g, sizeof full);
  } else {
    for (int i = 0; i < gap; i++)
      full[i] = g[i];
    int tail = n - gap;
    for (int i = 0; i < tail; i++)
      full[8 - tail + i] = g[gap + i];
  }
  for (int i = 0; i < 8; i++) {
    out[2 * i] = (uint8_t)(full[i] >> 8);
    out[2 * i + 1] = (uint8_t)full[i];
  }
  return 16;
}

static void fingerprint(const mbedtls_x509_crt *c, char out[65]) {
  uint8_t h[32];
  rdpneg_crypto_span der = {c->raw.p, c->raw.len};
  if (rdpneg_crypto_sha256(h, &der, 1))
    memset(h, 0, sizeof h);
  rdpneg_hex_encode(h, 32, out);
}

static void ip_text(const uint8_t *p, size_t n, char *out, size_t cap) {
  if (n == 4) {
    snprintf(out, cap, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
  } else if (n == 16) {
    /* RFC 5952 short form: compress the longest run of zero groups */
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
      g[i] = (uint16_t)(p[2 * i] << 8 | p[2 * i + 1]);
    int best = -1, bestlen = 1;
    for (int i = 0; i < 8;) {
      int j = i;
      while (j < 8 && g[j] == 0)
        j++;
      if (j - i > bestlen) {
        best = i;
        bestlen = j - i;
      }
      i = j > i ? j : i + 1;
    }
    size_t o = 0;
    out[0] = 0;
    for (int i = 0; i < 8 && o < cap; i++) {
      if (i == best) {
        o += (size_t)snprintf(out + o, cap - o, "::");
        i += bestlen - 1;
        continue;
      }
      o += (size_t)snprintf(out + o, cap - o, "%s%x",
                            (i > 0 && i != best + bestlen) ? ":" : "", g[i]);
    }
  } else {
    snprintf(out, cap, "(bad IP SAN)");
  }
}

static int self_signed(const mbedtls_x509_crt *c) {
  if (c->subject_raw.len != c->issuer_raw.len ||
      memcmp(c->subject_raw.p, c->issuer_raw.p, c->subject_raw.len) != 0)
    return 0;
  const mbedtls_md_info_t *md = mbedtls_md_info_from_type(c->sig_md);
  uint8_t hash[MBEDTLS_MD_MAX_SIZE];
  if (!md || mbedtls_md(md, c->tbs.p, c->tbs.len, hash) != 0)
    return 1; /* same names; cannot check the signature */
  int rv = mbedtls_pk_verify_ext(c->sig_pk, c->sig_opts,
                                 (mbedtls_pk_context *)&c->pk, c->sig_md, hash,
                                 mbedtls_md_get_size(md), c->sig.p, c->sig.len);
  /* a check that ran out of memory proves nothing either way: same names */
  int lo = -rv & 0x7F, hi = -rv & 0xFF80;
  if (rv < 0 && (lo == -MBEDTLS_ERR_MPI_ALLOC_FAILED ||
                 hi == -MBEDTLS_ERR_ECP_ALLOC_FAILED ||
                 hi == -MBEDTLS_ERR_MD_ALLOC_FAILED ||
                 hi == -MBEDTLS_ERR_PK_ALLOC_FAILED))
    return 1;
  return rv == 0;
}

int rdpneg_cert_analyse(const mbedtls_x509_crt *chain, const char *name,
                        int64_t now_unix, int warn_days, mbedtls_x509_crt *ca,
                        rdpneg_cert_ev *ev) {
  memset(ev, 0, sizeof *ev);
  ev->trusted = -1;
  if (!chain || chain->raw.len == 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  const mbedtls_x509_crt *c = chain;
  dn_text(ev->subject, sizeof ev->subject, &c->subject);
  dn_text(ev->issuer, sizeof ev->issuer, &c->issuer);
  mbedtls_x509_serial_gets(ev->serial, sizeof ev->serial, &c->serial);

  uint8_t want_ip[16];
  int want_ip_len = name ? rdpneg_ip_parse(name, want_ip) : 0;
  int have_dns_san = 0, match = 0;
  for (const mbedtls_x509_sequence *s = &c->subject_alt_names; s && s->buf.p;
       s = s->next) {
    int tag = s->buf.tag & 0x1f;
    char text[sizeof ev->san[0]];
    if (tag == 2) { /* dNSName: matched on its full DER length */
      rdpneg_cert_safe_text(text, sizeof text, s->buf.p, s->buf.len);
      have_dns_san = 1;
      if (name && !want_ip_len &&
          rdpneg_cert_dns_match_n(s->buf.p, s->buf.len, name))
        match = 1;
    } else if (tag == 7) { /* iPAddress */
      ip_text(s->buf.p, s->buf.len, text, sizeof text);
      if (want_ip_len && (size_t)want_ip_len == s->buf.len &&
          memcmp(want_ip, s->buf.p, s->buf.len) == 0)
        match = 1;
    } else {
      continue;
    }
    if (ev->san_count < RDPNEG_CERT_MAX_SAN)
      snprintf(ev->san[ev->san_count++], sizeof ev->san[0], "%s", text);
  }
  if (!have_dns_san && name && !want_ip_len) {
    /* no dNSName SAN: fall back to the subject CN (RFC 6125 6.4.4) */
    for (const mbedtls_x509_name *n = &c->subject; n; n = n->next) {
      if (n->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0 &&
          rdpneg_cert_dns_match_n(n->val.p, n->val.len, name))
        match = 1;
    }
  }
  ev->hostname_match = match;

  ev->not_before = x509_time(&c->valid_from);
  ev->not_after = x509_time(&c->valid_to);
  rdpneg_unix_to_iso(ev->not_before, ev->not_before_iso,
                     sizeof ev->not_before_iso);
  rdpneg_unix_to_iso(ev->not_after, ev->not_after_iso,
                     sizeof ev->not_after_iso);
  if (now_unix > 0) {
    ev->dates_known = 1;
    int64_t left = ev->not_after - now_unix;
    ev->days_left = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
    ev->expired = now_unix > ev->not_after;
    ev->not_yet_valid = now_unix < ev->not_before;
    ev->expiring_soon = !ev->expired && ev->days_left < (int64_t)warn_days;
  }

  snprintf(ev->key_type, sizeof ev->key_type, "%s",
           mbedtls_pk_get_name(&c->pk));
  ev->key_bits = (int)mbedtls_pk_get_bitlen(&c->pk);
  mbedtls_pk_type_t kt = mbedtls_pk_get_type(&c->pk);
  if (kt == MBEDTLS_PK_RSA || kt == MBEDTLS_PK_RSASSA_PSS)
    ev->weak_key = ev->key_bits < 2048;
  else if (kt == MBEDTLS_PK_ECKEY || kt == MBEDTLS_PK_ECDSA)
    ev->weak_key = ev->key_bits < 224;
  mbedtls_x509_sig_alg_gets(ev->signature_algorithm,
                            sizeof ev->signature_algorithm, &c->sig_oid,
                            c->sig_pk, c->sig_md, c->sig_opts);
  fingerprint(c, ev->sha256);
  ev->self_signed = self_signed(c);

  for (const mbedtls_x509_crt *p = chain;
       p && p->raw.len && ev->chain_len < RDPNEG_CERT_MAX_CHAIN; p = p->next) {
    int i = ev->chain_len++;
    dn_text(ev->chain[i].subject, sizeof ev->chain[i].subject, &p->subject);
    dn_text(ev->chain[i].issuer, sizeof ev->chain[i].issuer, &p->issuer);
    fingerprint(p, ev->chain[i].sha256);
  }

  if (ca) {
    /* Trust only: dates, names and key strength are reported separately. */
    uint32_t flags = 0;
    mbedtls_x509_crt_profile any = {
        .allowed_mds = 0xffffffff,
        .allowed_pks = 0xffffffff,
        .allowed_curves = 0xffffffff,
        .rsa_min_bitlen = 512,
    };
    mbedtls_x509_crt_verify_with_profile((mbedtls_x509_crt *)chain, ca, NULL,
                                         &any, NULL, &flags, NULL, NULL);
    ev->verify_flags = flags;
    uint32_t ignore = MBEDTLS_X509_BADCERT_EXPIRED |
                      MBEDTLS_X509_BADCERT_FUTURE |
                      MBEDTLS_X509_BADCERT_CN_MISMATCH |
                      MBEDTLS_X509_BADCRL_EXPIRED | MBEDTLS_X509_BADCRL_FUTURE;
    ev->trusted = (flags & ~ignore) == 0;
  }
  return 0;
}

int rdpneg_cert_pubkey(const mbedtls_x509_crt *crt, uint8_t *out, size_t cap) {
  if (!crt || !out || !cap)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  /* mbedtls_pk_write_pubkey writes backwards from the end */
  uint8_t *c = out + cap;
  int n = mbedtls_pk_write_pubkey(&c, out, (mbedtls_pk_context *)&crt->pk);
  if (n <= 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  memmove(out, c, (size_t)n);
  return n;
}
