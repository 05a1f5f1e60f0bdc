/* SPDX-License-Identifier: Apache-2.0 */
/* SPNEGO (RFC 4178, MS-SPNG) wrapping of NTLM tokens, internal.
 *
 * The client side of what Windows does in CredSSP: an initial
 * GSS-API InitialContextToken carrying NegTokenInit { mechTypes = {NTLMSSP},
 * mechToken = NEGOTIATE_MESSAGE }, then NegTokenResp messages. DER is read
 * and written with the helpers of der.h; parsed pointers borrow
 * the input buffer. All functions return 0 or RDPNEG_ERR_SPNEGO_MALFORMED /
 * RDPNEG_ERR_NOMEM unless stated. */
#ifndef RDPNEG_SPNEGO_H
#define RDPNEG_SPNEGO_H

#include <stddef.h>
#include <stdint.h>

/* negState values (RFC 4178 4.2.2); -1 = field absent. */
#define RDPNEG_SPNEGO_ACCEPT_COMPLETED 0
#define RDPNEG_SPNEGO_ACCEPT_INCOMPLETE 1
#define RDPNEG_SPNEGO_REJECT 2
#define RDPNEG_SPNEGO_REQUEST_MIC 3

/* DER content of OID 1.3.6.1.4.1.311.2.2.10 (NTLMSSP). */
#define RDPNEG_SPNEGO_OID_NTLM "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
#define RDPNEG_SPNEGO_OID_NTLM_LEN 10

/* The DER MechTypeList we offer (SEQUENCE { OID NTLMSSP }): the input of
 * the mechListMIC. Static storage. */
const uint8_t *rdpneg_spnego_mech_types(size_t *len);

/* Writes the initial token: [APPLICATION 0] { OID 1.3.6.1.5.5.2,
 * [0] NegTokenInit { [0] mechTypes, [2] mechToken } }. |*out| malloc'd. */
int rdpneg_spnego_write_init(const uint8_t *mech_token, size_t len,
                             uint8_t **out, size_t *outlen);

/* A parsed NegTokenInit / NegTokenInit2 (either GSS-wrapped or bare
 * "a0 ..."). */
typedef struct rdpneg_spnego_init {
  const uint8_t *mech_types; /* DER MechTypeList, header included */
  size_t mech_types_len;
  size_t mech_count;
  int has_ntlm;              /* NTLMSSP is one of the mechTypes */
  const uint8_t *first_mech; /* OID content of the preferred mech */
  size_t first_mech_len;
  const uint8_t *mech_token;
  size_t mech_token_len;
  const uint8_t *hint_name; /* negHints.hintName (NegTokenInit2) */
  size_t hint_name_len;
  const uint8_t *mech_list_mic;
  size_t mech_list_mic_len;
} rdpneg_spnego_init;

int rdpneg_spnego_parse_init(rdpneg_spnego_init *t, const uint8_t *buf,
                             size_t len);

/* NegTokenResp ([1] SEQUENCE { [0] negState, [1] supportedMech,
 * [2] responseToken, [3] mechListMIC }). */
typedef struct rdpneg_spnego_resp {
  int neg_state;                 /* -1 when absent */
  const uint8_t *supported_mech; /* OID content, NULL when absent */
  size_t supported_mech_len;
  const uint8_t *response_token;
  size_t response_token_len;
  const uint8_t *mech_list_mic;
  size_t mech_list_mic_len;
} rdpneg_spnego_resp;

int rdpneg_spnego_parse_resp(rdpneg_spnego_resp *r, const uint8_t *buf,
                             size_t len);
/* Encodes the fields that are set (neg_state >= 0, non-NULL pointers).
 * |*out| malloc'd. Returns 0, RDPNEG_ERR_NOMEM or
 * RDPNEG_ERR_INVALID_ARGUMENT. */
int rdpneg_spnego_write_resp(const rdpneg_spnego_resp *r, uint8_t **out,
                             size_t *outlen);

/* 1 when |oid| (content octets) is NTLMSSP. */
int rdpneg_spnego_is_ntlm(const uint8_t *oid, size_t len);

#endif
