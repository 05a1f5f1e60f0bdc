/* SPDX-License-Identifier: Apache-2.0 */
/* Server certificate analysis over an mbedTLS chain (internal). */
#ifndef RDPNEG_CERT_H
#define RDPNEG_CERT_H

#include <stddef.h>
#include <stdint.h>

#define RDPNEG_CERT_MAX_SAN 16
#define RDPNEG_CERT_MAX_CHAIN 8

typedef struct rdpneg_cert_ev {
  /* Every text below that comes from the server is terminal-safe (see
   * rdpneg_cert_safe_text): control characters are escaped as \xNN and
   * a text cut to fit ends in "...". */
  char subject[256];
  char issuer[256];
  int san_count;
  char san[RDPNEG_CERT_MAX_SAN][128]; /* DNS names and IP addresses */
  int64_t not_before, not_after;      /* seconds since 1970 UTC */
  char not_before_iso[24], not_after_iso[24];
  int dates_known;   /* 1 when the caller gave a wall clock */
  int64_t days_left; /* floor((not_after - now) / 86400) */
  int expired, not_yet_valid, expiring_soon;
  int self_signed;
  int hostname_match;    /* 1, 0 */
  int trusted;           /* 1, 0, or -1 when no trust anchors were given */
  uint32_t verify_flags; /* mbedTLS X.509 flags against the anchors */
  char key_type[16];
  int key_bits;
  int weak_key; /* RSA < 2048 or EC < 224 bits */
  char signature_algorithm[64];
  char sha256[65];
  char serial[80];
  int chain_len;
  struct {
    char subject[256];
    char issuer[256];
    char sha256[65];
  } chain[RDPNEG_CERT_MAX_CHAIN];
} rdpneg_cert_ev;

/* Opaque use of mbedtls_x509_crt to keep mbedTLS out of most headers. */
struct mbedtls_x509_crt;

/* Analyses |chain| (leaf first). |name| is the expected server name (host
 * name or IP literal); |now_unix| 0 = unknown; |ca| may be NULL (trusted is
 * then -1). Returns 0 or RDPNEG_ERR_NOMEM / RDPNEG_ERR_CRYPTO. */
int rdpneg_cert_analyse(const struct mbedtls_x509_crt *chain, const char *name,
                        int64_t now_unix, int warn_days,
                        struct mbedtls_x509_crt *ca, rdpneg_cert_ev *ev);

/* Matches |name| against a DNS pattern with an optional leftmost "*."
 * wildcard (RFC 6125 6.4.3, case-insensitive). Returns 1 on match. The
 * _n form takes the pattern as the certificate holds it (|len| bytes, not
 * NUL-terminated) and compares all of it: a pattern that contains a NUL
 * byte never matches. */
int rdpneg_cert_dns_match(const char *pattern, const char *name);
int rdpneg_cert_dns_match_n(const uint8_t *pattern, size_t len,
                            const char *name);

/* Copies |len| bytes of server-supplied text into |out| (|cap| bytes, NUL
 * included) so that it is safe to print on a terminal and valid UTF-8:
 * C0 controls (NUL included), DEL, C1 controls (U+0080-U+009F, escaped
 * byte by byte as UTF-8) and bytes that are not well-formed UTF-8 become
 * "\xNN"; backslashes are kept. When the result does not fit it is cut
 * on a character boundary and ends in "...". Returns 1 when cut, else 0. */
int rdpneg_cert_safe_text(char *out, size_t cap, const uint8_t *in, size_t len);

/* Writes the SubjectPublicKey of |crt| the way mbedtls_pk_write_pubkey()
 * does (RSAPublicKey for RSA): the bytes the CredSSP public-key binding
 * covers. Returns the length (> 0) or RDPNEG_ERR_INVALID_ARGUMENT (no
 * key, or longer than |cap|). */
int rdpneg_cert_pubkey(const struct mbedtls_x509_crt *crt, uint8_t *out,
                       size_t cap);

/* Parses an IPv4 or IPv6 literal into |out| (4 or 16 bytes). Returns the
 * length, or 0 when |s| is not an address literal. */
int rdpneg_ip_parse(const char *s, uint8_t out[16]);

#endif
