/* SPDX-License-Identifier: Apache-2.0 */
/* CredSSP TSRequest DER codec (MS-CSSP 2.2.1), internal.
 *
 *   TSRequest ::= SEQUENCE {
 *     version     [0] INTEGER,
 *     negoTokens  [1] NegoData OPTIONAL,   -- SEQUENCE OF SEQUENCE {
 *                                          --   negoToken [0] OCTET STRING }
 *     authInfo    [2] OCTET STRING OPTIONAL,
 *     pubKeyAuth  [3] OCTET STRING OPTIONAL,
 *     errorCode   [4] INTEGER OPTIONAL,    -- NTSTATUS (v3+)
 *     clientNonce [5] OCTET STRING OPTIONAL -- 32 bytes (v5+)
 *   }
 *
 * Reading and writing use the DER helpers of der.h. Pure functions;
 * the parser never reads outside the buffer it is given. */
#ifndef RDPNEG_CREDSSP_H
#define RDPNEG_CREDSSP_H

#include <stddef.h>
#include <stdint.h>

/* Largest TSRequest accepted (a sane upper bound: real ones are < 8 KiB). */
#define RDPNEG_TSREQUEST_MAX (64 * 1024)
/* Our highest CredSSP version. */
#define RDPNEG_CREDSSP_VERSION 6
#define RDPNEG_CREDSSP_NONCE_LEN 32

/* Bits of rdpneg_tsrequest.present. */
#define RDPNEG_TSREQ_NEGO_TOKENS 0x01u
#define RDPNEG_TSREQ_AUTH_INFO 0x02u
#define RDPNEG_TSREQ_PUB_KEY_AUTH 0x04u
#define RDPNEG_TSREQ_ERROR_CODE 0x08u
#define RDPNEG_TSREQ_CLIENT_NONCE 0x10u

/* A decoded (or to-be-encoded) TSRequest. Parsed pointers borrow the input
 * buffer. Only the first NegoData item is exposed (CredSSP never sends
 * more); |nego_token_count| says how many there were. */
typedef struct rdpneg_tsrequest {
  uint32_t version;
  unsigned present; /* RDPNEG_TSREQ_* */
  const uint8_t *nego_token;
  size_t nego_token_len;
  size_t nego_token_count;
  const uint8_t *auth_info;
  size_t auth_info_len;
  const uint8_t *pub_key_auth;
  size_t pub_key_auth_len;
  uint32_t error_code; /* NTSTATUS as sent (two's complement kept) */
  const uint8_t *client_nonce;
  size_t client_nonce_len;
} rdpneg_tsrequest;

/* Length of the first complete DER TLV in |buf| (the whole TSRequest
 * SEQUENCE, header included). Returns that length (> 0), 0 when more bytes
 * are needed to know or to complete it, or RDPNEG_ERR_TSREQUEST_MALFORMED
 * (not a SEQUENCE, indefinite or over-long length, larger than
 * RDPNEG_TSREQUEST_MAX). */
long rdpneg_tsrequest_frame_len(const uint8_t *buf, size_t len);

/* Parses exactly one TSRequest occupying all |len| bytes. Unknown context
 * tags above [5] are skipped (forward compatibility); fields must appear in
 * ascending tag order. Returns 0 or RDPNEG_ERR_TSREQUEST_MALFORMED. */
int rdpneg_tsrequest_parse(rdpneg_tsrequest *req, const uint8_t *buf,
                           size_t len);

/* Encodes |req| (fields selected by |req->present|; a NEGO_TOKENS bit with
 * nego_token set writes one NegoData item). |*out| is malloc'd by this
 * function (free()). The errorCode is written as a signed 32-bit INTEGER,
 * the way Windows' NTSTATUS (a LONG) encodes. Returns 0,
 * RDPNEG_ERR_NOMEM or RDPNEG_ERR_INVALID_ARGUMENT (sizes). */
int rdpneg_tsrequest_write(const rdpneg_tsrequest *req, uint8_t **out,
                           size_t *outlen);

/* Public-key binding (MS-CSSP 3.1.5). From version 5 on, pubKeyAuth seals
 * SHA-256(magic || clientNonce || SubjectPublicKey), the magic being
 * "CredSSP Client-To-Server Binding Hash" from the client and "...
 * Server-To-Client ..." from the server, each with its NUL; below 5 the
 * client seals the public key itself and the server the key with its
 * first byte plus one. */

/* The v5+ hash; |server| selects the server-to-client magic. Returns 0 or
 * RDPNEG_ERR_CRYPTO. */
int rdpneg_credssp_binding_hash(uint8_t out[32], int server,
                                const uint8_t nonce[RDPNEG_CREDSSP_NONCE_LEN],
                                const uint8_t *pubkey, size_t pubkey_len);
/* Sets *|ok| to 1 when |plain| (the server's unsealed pubKeyAuth) is the
 * binding the server owes for |version| (the effective one, min of both
 * sides), else 0. Returns 0 or RDPNEG_ERR_CRYPTO. */
int rdpneg_credssp_check_server_binding(
    uint32_t version, const uint8_t nonce[RDPNEG_CREDSSP_NONCE_LEN],
    const uint8_t *pubkey, size_t pubkey_len, const uint8_t *plain,
    size_t plain_len, int *ok);

#endif
