/* SPDX-License-Identifier: Apache-2.0 */
/* DER helpers shared by the CredSSP (credssp.c) and SPNEGO (spnego.c)
 * codecs (internal). The API has no mbedTLS type; der.c reads and writes
 * with mbedtls/asn1.h and asn1write.h, whose API is the same in 3.x.
 *
 * Reading moves |*p| forward through [*p, end) and never reads outside
 * it; a reader returns 0, or -1 when the bytes are not the DER asked for
 * (the caller reports its own *_MALFORMED code).
 *
 * Writing goes backwards, from the end of a buffer towards |start|, the
 * way mbedtls_asn1_write_* do: each writer prepends its bytes at |*p| and
 * returns how many it wrote, or RDPNEG_ERR_INVALID_ARGUMENT when they do
 * not fit (RDPNEG_ERR_INTERNAL for any other failure). */
#ifndef RDPNEG_DER_H
#define RDPNEG_DER_H

#include <stddef.h>
#include <stdint.h>

#define RDPNEG_DER_INTEGER 0x02
#define RDPNEG_DER_OCTET_STRING 0x04
#define RDPNEG_DER_OID 0x06
#define RDPNEG_DER_ENUMERATED 0x0A
#define RDPNEG_DER_GENERAL_STRING 0x1B
#define RDPNEG_DER_SEQUENCE 0x30 /* constructed */
/* [n] EXPLICIT: context-specific, constructed. */
#define RDPNEG_DER_CTX(n) (0xA0 | (n))
/* [APPLICATION n], constructed (the GSS-API InitialContextToken is [0]). */
#define RDPNEG_DER_APP(n) (0x60 | (n))

/* ---- reading ------------------------------------------------------------ */

/* Length of the first complete TLV with tag |tag| at |buf|, header
 * included: > 0 when all of it is there, 0 when more bytes are needed to
 * know its length or to complete it, -1 when it is not that tag, uses an
 * indefinite or over-long length, or is longer than |max|. */
long rdpneg_der_frame_len(const uint8_t *buf, size_t len, int tag, size_t max);
/* A tag |tag| header whose content fits before |end|; |*len| is the
 * content length and |*p| points at the content. */
int rdpneg_der_get_tag(const uint8_t **p, const uint8_t *end, int tag,
                       size_t *len);
/* [n] EXPLICIT header; |*fend| = end of its content. */
int rdpneg_der_get_ctx(const uint8_t **p, const uint8_t *end, int n,
                       const uint8_t **fend);
/* OCTET STRING (or, with _tagged, any primitive |tag|): |*v| borrows its
 * content, |*p| moves past it. */
int rdpneg_der_get_octets(const uint8_t **p, const uint8_t *end,
                          const uint8_t **v, size_t *vlen);
int rdpneg_der_get_tagged(const uint8_t **p, const uint8_t *end, int tag,
                          const uint8_t **v, size_t *vlen);
/* INTEGER / ENUMERATED that fits an int. */
int rdpneg_der_get_int(const uint8_t **p, const uint8_t *end, int *v);
int rdpneg_der_get_enum(const uint8_t **p, const uint8_t *end, int *v);

/* ---- writing (backwards) ---------------------------------------------- */

/* Adds the result of a writer to the size_t |n|; returns it from the
 * calling function when negative. */
#define RDPNEG_DER_PUT(n, expr)                                                \
  do {                                                                         \
    int der_w_ = (expr);                                                       \
    if (der_w_ < 0)                                                            \
      return der_w_;                                                           \
    (n) += (size_t)der_w_;                                                     \
  } while (0)

/* |len| raw bytes. */
int rdpneg_der_put_raw(uint8_t **p, uint8_t *start, const uint8_t *v,
                       size_t len);
/* Tag and length in front of |len| content bytes already written. */
int rdpneg_der_put_hdr(uint8_t **p, uint8_t *start, int tag, size_t len);
/* OCTET STRING; [ctx] { OCTET STRING }. */
int rdpneg_der_put_octets(uint8_t **p, uint8_t *start, const uint8_t *v,
                          size_t len);
int rdpneg_der_put_ctx_octets(uint8_t **p, uint8_t *start, int ctx,
                              const uint8_t *v, size_t len);
/* INTEGER / ENUMERATED (>= 0); OBJECT IDENTIFIER from its content
 * octets. */
int rdpneg_der_put_int(uint8_t **p, uint8_t *start, int v);
int rdpneg_der_put_enum(uint8_t **p, uint8_t *start, int v);
int rdpneg_der_put_oid(uint8_t **p, uint8_t *start, const uint8_t *oid,
                       size_t len);

/* Ends a backwards write into the malloc'd |buf|: with |n| >= 0 moves the
 * |n| bytes at |p| to the front and hands |buf| over in |*out| and
 * |*outlen|; with |n| < 0 frees |buf| and returns |n|. */
int rdpneg_der_finish(uint8_t *buf, uint8_t *p, int n, uint8_t **out,
                      size_t *outlen);

#endif
