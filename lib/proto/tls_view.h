/* SPDX-License-Identifier: Apache-2.0 */
/* A TLS handshake seen from outside (internal, pure): the records of both
 * directions of a captured connection, parsed without any key. Visible
 * without keys: the ClientHello (versions, cipher suites, SNI), the
 * ServerHello (version, cipher suite, supported_versions), for TLS 1.0-1.2
 * the server's Certificate and every alert sent before ChangeCipherSpec;
 * after ChangeCipherSpec (TLS 1.0-1.2) or the ServerHello (TLS 1.3) only
 * record types, sizes and order. Used by the capture observer
 * (core/observe.c); the live client is tls.c. */
#ifndef RDPNEG_TLS_VIEW_H
#define RDPNEG_TLS_VIEW_H

#include "base/buf.h"
#include "proto/cert.h"

#include <stddef.h>
#include <stdint.h>

#define RDPNEG_TLSV_MAX_CIPHERS 48
#define RDPNEG_TLSV_MAX_VERSIONS 8
#define RDPNEG_TLSV_MAX_RECORDS 64

/* What the ClientHello offered and the ServerHello chose. */
typedef struct rdpneg_tlsv_hello {
  int client_hello;        /* a ClientHello was decoded */
  uint16_t client_version; /* its legacy_version */
  int nversions;           /* supported_versions (TLS 1.3 clients) */
  uint16_t versions[RDPNEG_TLSV_MAX_VERSIONS];
  int nciphers_offered; /* all of them; the first ones kept below */
  int nciphers;
  uint16_t ciphers[RDPNEG_TLSV_MAX_CIPHERS];
  char sni[128];
  int server_hello;
  uint16_t server_version;   /* legacy_version */
  uint16_t selected_version; /* supported_versions, 0 when absent */
  uint16_t cipher;
} rdpneg_tlsv_hello;

/* One record as seen on the wire. */
typedef struct rdpneg_tlsv_record {
  uint8_t dir;       /* 0 client to server, 1 server to client */
  uint8_t type;      /* content type: 20 CCS, 21 alert, 22 handshake, 23 */
  uint8_t encrypted; /* after ChangeCipherSpec / a TLS 1.3 ServerHello */
  uint8_t hs_type;   /* first handshake message type of a plaintext
                        handshake record, 0 otherwise */
  uint16_t len;      /* record body length */
} rdpneg_tlsv_record;

typedef struct rdpneg_tls_view {
  rdpneg_tlsv_hello hello;
  int tls13;           /* the ServerHello selected TLS 1.3 */
  int ccs[2];          /* ChangeCipherSpec seen per direction */
  int encrypted_hs[2]; /* an encrypted handshake record (Finished) seen */
  int alert_dir;       /* direction of the first plaintext alert, -1 */
  int alert_level, alert_code;
  int enc_alert_dir;   /* first encrypted alert record, -1 */
  int last_server_msg; /* last plaintext server handshake type, -1 */
  int cert_requested;  /* a plaintext CertificateRequest from the server */
  int not_tls[2];      /* a direction's bytes are not TLS records */
  uint8_t first_bytes[2][8];
  size_t first_len[2];
  int malformed;      /* a handshake message did not parse */
  int app_records[2]; /* application data records per direction */
  size_t app_bytes[2];
  int nrecords; /* records seen, the first ones kept in rec[] */
  rdpneg_tlsv_record rec[RDPNEG_TLSV_MAX_RECORDS];
  /* the server's Certificate message (TLS <= 1.2), leaf first, DER
   * certificates as in the message (3-byte length + DER each) */
  uint8_t *cert_msg;
  size_t cert_msg_len;
  /* internal */
  rdpneg_buf in[2], hs[2];
} rdpneg_tls_view;

void rdpneg_tlsv_init(rdpneg_tls_view *v);
void rdpneg_tlsv_free(rdpneg_tls_view *v);

/* Appends |len| bytes of direction |dir| and parses every complete
 * record. Returns the number of records parsed (>= 0) or RDPNEG_ERR_NOMEM.
 * Bytes that are not TLS set |not_tls| for that direction and are
 * ignored from then on. */
int rdpneg_tlsv_input(rdpneg_tls_view *v, int dir, const uint8_t *data,
                      size_t len);

/* Analyses the server's certificate chain (rdpneg_cert_analyse, no trust
 * anchors) as of |now_unix| (the capture's time). Returns 0,
 * RDPNEG_ERR_INVALID_STATE when no Certificate message was seen, or the
 * error of parsing / analysing it. */
int rdpneg_tlsv_cert(const rdpneg_tls_view *v, const char *name,
                     int64_t now_unix, int warn_days, rdpneg_cert_ev *ev);

/* "TLSv1.2" for 0x0303 (and 1.0, 1.1, 1.3, "SSLv3"), NULL for others. */
const char *rdpneg_tlsv_version_name(uint16_t v);

/* IANA name of a cipher suite ("TLS_RSA_WITH_AES_128_CBC_SHA"), from
 * mbedTLS's table and the TLS 1.3 suites; NULL when unknown. */
const char *rdpneg_tlsv_cipher_name(uint16_t id, char *buf, size_t cap);

#endif
