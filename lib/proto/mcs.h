/* SPDX-License-Identifier: Apache-2.0 */
/* MCS Connect Initial / Connect Response codec for Standard RDP Security
 * (pure). The client side of MS-RDPBCGR 2.2.1.3 (MCS Connect Initial PDU
 * with a GCC Conference Create Request: T.125 BER around T.124 PER around
 * the client core, security and network data) and the part of 2.2.1.4
 * (MCS Connect Response with GCC Conference Create Response) that says how
 * the server protects a Standard RDP Security connection: Server Core Data
 * (version, the requested protocols echoed) and Server Security Data
 * (encryption method and level, server random, proprietary or X.509 server
 * certificate). */
#ifndef RDPNEG_MCS_H
#define RDPNEG_MCS_H

#include <rdpneg/rdpneg.h>

/* Client encryptionMethods / server encryptionMethod (2.2.1.3.3,
 * 2.2.1.4.3) */
#define RDPNEG_ENC_NONE 0x00u
#define RDPNEG_ENC_40BIT 0x01u
#define RDPNEG_ENC_128BIT 0x02u
#define RDPNEG_ENC_56BIT 0x08u
#define RDPNEG_ENC_FIPS 0x10u
#define RDPNEG_ENC_ALL 0x1bu

/* Server encryptionLevel (2.2.1.4.3) */
#define RDPNEG_ENC_LEVEL_NONE 0u
#define RDPNEG_ENC_LEVEL_LOW 1u
#define RDPNEG_ENC_LEVEL_CLIENT_COMPATIBLE 2u
#define RDPNEG_ENC_LEVEL_HIGH 3u
#define RDPNEG_ENC_LEVEL_FIPS 4u

/* How the MCS exchange of one connection ended (JSON mcs.status). */
typedef enum rdpneg_mcs_status {
  RDPNEG_MCS_PENDING = 0,
  RDPNEG_MCS_OK = 1,      /* Connect Response, result rt-successful */
  RDPNEG_MCS_REFUSED = 2, /* Disconnect Provider Ultimatum, X.224
                             Disconnect Request or result != 0 */
  RDPNEG_MCS_CLOSED = 3,
  RDPNEG_MCS_RESET = 4,
  RDPNEG_MCS_TIMEOUT = 5,
  RDPNEG_MCS_MALFORMED = 6,
  RDPNEG_MCS_CANCELLED = 7
} rdpneg_mcs_status;

/* Server certificate kind in the Server Security Data */
enum {
  RDPNEG_MCS_CERT_NONE = 0,
  RDPNEG_MCS_CERT_PROPRIETARY = 1,
  RDPNEG_MCS_CERT_X509 = 2
};

/* What one MCS exchange showed (a member of the attempt's evidence). */
typedef struct rdpneg_mcs_ev {
  int status;          /* rdpneg_mcs_status */
  int64_t us;          /* Connect Initial sent -> answer, microseconds */
  uint32_t offered;    /* encryptionMethods the client offered */
  int result;          /* Connect-Response result, -1 none */
  int has_core;        /* Server Core Data */
  uint32_t version;    /* its version (0x00080004 = RDP 5.0 and later) */
  int has_requested;   /* ... with clientRequestedProtocols */
  uint32_t requested;  /* the requested protocols echoed */
  int has_security;    /* Server Security Data */
  uint32_t method;     /* encryptionMethod the server selected */
  uint32_t level;      /* encryptionLevel */
  uint32_t random_len; /* serverRandomLen */
  uint32_t cert_len;   /* serverCertLen */
  int cert_type;       /* RDPNEG_MCS_CERT_* */
  int cert_temporary;  /* dwVersion bit 31 */
  int key_bits;        /* RSA modulus bits (proprietary) or the X.509
                          leaf's key size; 0 unknown */
  int x509_count;      /* certificates in an X.509 chain */
  uint8_t dpu_reason;  /* Disconnect Provider Ultimatum reason */
  char detail[160];    /* one line for people */
} rdpneg_mcs_ev;

/* Encodes the X.224 Data TPDU with the MCS Connect Initial PDU offering
 * |methods| (encryptionMethods) and echoing |selected| (the protocol the
 * server selected, serverSelectedProtocol; 0 after a legacy confirm).
 * Returns the length, RDPNEG_ERR_INVALID_ARGUMENT (no method) or
 * RDPNEG_ERR_NOBUF (|cap| too small; 512 bytes always do). */
rdpneg_ssize rdpneg_mcs_encode_connect_initial(uint32_t methods,
                                               uint32_t selected, uint8_t *out,
                                               size_t cap);

/* Decodes the server's first TPKT after the Connect Initial (|len| bytes,
 * one complete TPKT as rdpneg_x224_tpkt_frame measures it) into |ev|:
 * status OK with the server data blocks, or REFUSED (Disconnect Provider
 * Ultimatum, X.224 Disconnect Request, a result other than
 * rt-successful). Returns 0, or RDPNEG_ERR_X224_MALFORMED with |why| set
 * to a static reason (ev->status MALFORMED). |ev->offered| and |ev->us| are
 * left as they were. */
int rdpneg_mcs_decode_response(const uint8_t *tpkt, size_t len,
                               rdpneg_mcs_ev *ev, const char **why);

/* "NONE", "40BIT", "56BIT", "128BIT", "FIPS"; NULL for other values. */
const char *rdpneg_mcs_method_name(uint32_t method);
/* The value named |name|, or -1. */
int64_t rdpneg_mcs_method_value(const char *name);
/* "NONE", "LOW", "CLIENT_COMPATIBLE", "HIGH", "FIPS"; NULL otherwise. */
const char *rdpneg_mcs_level_name(uint32_t level);
int64_t rdpneg_mcs_level_value(const char *name);
/* "ok", "refused", "closed", "reset", "timeout", "malformed", "cancelled"
 * ("pending" for 0). */
const char *rdpneg_mcs_status_name(int status);
int rdpneg_mcs_status_value(const char *name);
/* "proprietary", "x509", NULL for none. */
const char *rdpneg_mcs_cert_name(int type);
int rdpneg_mcs_cert_value(const char *name);

#endif
