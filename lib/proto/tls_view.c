/* SPDX-License-Identifier: Apache-2.0 */
/* A TLS handshake seen from outside; see tls_view.h. Every length read
 * from the records is checked against the bytes present. */
#include "proto/tls_view.h"

#include <rdpneg/rdpneg.h>

#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_MAX (16384 + 2048)

static unsigned be16(const uint8_t *p) {
  return (unsigned)p[0] << 8 | p[1];
}
static size_t be24(const uint8_t *p) {
  return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

void rdpneg_tlsv_init(rdpneg_tls_view *v) {
  memset(v, 0, sizeof *v);
  v->alert_dir = v->enc_alert_dir = v->last_server_msg = -1;
  for (int d = 0; d < 2; d++) {
    rdpneg_buf_init(&v->in[d], 1u << 20);
    rdpneg_buf_init(&v->hs[d], 1u << 20);
  }
}

void rdpneg_tlsv_free(rdpneg_tls_view *v) {
  for (int d = 0; d < 2; d++) {
    rdpneg_buf_free(&v->in[d]);
    rdpneg_buf_free(&v->hs[d]);
  }
  free(v->cert_msg);
  v->cert_msg = NULL;
}

/* Extensions of a hello: |p| at the 2-byte extensions length. */
static void hello_extensions(rdpneg_tls_view *v, int client, const uint8_t *p,
                             size_t n) {
  if (n < 2)
    return;
  size_t total = be16(p);
  p += 2;
  n -= 2;
  if (total < n)
    n = total;
  while (n >= 4) {
    unsigned type = be16(p);
    size_t len = be16(p + 2);
    if (len > n - 4)
      return;
    const uint8_t *e = p + 4;
    if (type == 43 && client && len >= 1) { /* supported_versions */
      size_t l = e[0];
      for (size_t i = 1; i + 1 < len && i < l + 1; i += 2)
        if (v->hello.nversions < RDPNEG_TLSV_MAX_VERSIONS)
          v->hello.versions[v->hello.nversions++] = (uint16_t)be16(e + i);
    } else if (type == 43 && !client && len == 2) {
      v->hello.selected_version = (uint16_t)be16(e);
    } else if (type == 0 && client && len >= 5) { /* server_name */
      size_t l = be16(e + 3);
      if (e[2] == 0 && l <= len - 5) {
        size_t k = l < sizeof v->hello.sni ? l : sizeof v->hello.sni - 1;
        for (size_t i = 0; i < k; i++)
          v->hello.sni[i] =
              (e[5 + i] >= 0x21 && e[5 + i] < 0x7f) ? (char)e[5 + i] : '?';
        v->hello.sni[k] = 0;
      }
    }
    p += 4 + len;
    n -= 4 + len;
  }
}

static int client_hello(rdpneg_tls_view *v, const uint8_t *p, size_t n) {
  rdpneg_tlsv_hello *h = &v->hello;
  if (n < 2 + 32 + 1)
    return -1;
  h->client_hello = 1;
  h->client_version = (uint16_t)be16(p);
  size_t o = 34;
  size_t sid = p[o];
  if (sid > n - o - 1)
    return -1;
  o += 1 + sid;
  if (n - o < 2)
    return -1;
  size_t cl = be16(p + o);
  o += 2;
  if (cl > n - o)
    return -1;
  h->nciphers_offered = (int)(cl / 2);
  for (size_t i = 0; i + 1 < cl; i += 2)
    if (h->nciphers < RDPNEG_TLSV_MAX_CIPHERS)
      h->ciphers[h->nciphers++] = (uint16_t)be16(p + o + i);
  o += cl;
  if (n - o < 1 || p[o] > n - o - 1)
    return -1;
  o += 1 + p[o];
  hello_extensions(v, 1, p + o, n - o);
  return 0;
}

static int server_hello(rdpneg_tls_view *v, const uint8_t *p, size_t n) {
  rdpneg_tlsv_hello *h = &v->hello;
  if (n < 2 + 32 + 1)
    return -1;
  h->server_hello = 1;
  h->server_version = (uint16_t)be16(p);
  size_t o = 34;
  size_t sid = p[o];
  if (sid > n - o - 1 || n - o - 1 - sid < 3)
    return -1;
  o += 1 + sid;
  h->cipher = (uint16_t)be16(p + o);
  o += 3;
  hello_extensions(v, 0, p + o, n - o);
  if (h->selected_version == 0x0304)
    v->tls13 = 1;
  return 0;
}

/* Parses the complete handshake messages buffered for |dir|. */
static int handshake_messages(rdpneg_tls_view *v, int dir) {
  rdpneg_buf *b = &v->hs[dir];
  while (rdpneg_buf_size(b) >= 4) {
    const uint8_t *p = rdpneg_buf_peek(b);
    size_t len = be24(p + 1);
    if (len > rdpneg_buf_size(b) - 4)
      break;
    int type = p[0], r = 0;
    if (dir == 0 && type == 1 && !v->hello.client_hello)
      r = client_hello(v, p + 4, len);
    else if (dir == 1) {
      v->last_server_msg = type;
      if (type == 13)
        v->cert_requested = 1;
      if (type == 2 && !v->hello.server_hello)
        r = server_hello(v, p + 4, len);
      else if (type == 11 && !v->cert_msg && len >= 3) {
        v->cert_msg = malloc(len);
        if (!v->cert_msg)
          return RDPNEG_ERR_NOMEM;
        memcpy(v->cert_msg, p + 4, len);
        v->cert_msg_len = len;
      }
    }
    if (r)
      v->malformed = 1;
    rdpneg_buf_consume(b, 4 + len);
  }
  return 0;
}

static void note_record(rdpneg_tls_view *v, int dir, int type, int enc,
                        int hs_type, size_t len) {
  if (v->nrecords < RDPNEG_TLSV_MAX_RECORDS) {
    rdpneg_tlsv_record *r = &v->rec[v->nrecords];
    r->dir = (uint8_t)dir;
    r->type = (uint8_t)type;
    r->encrypted = (uint8_t)enc;
    r->hs_type = (uint8_t)hs_type;
    r->len = (uint16_t)len;
  }
  v->nrecords++;
}

static int one_record(rdpneg_tls_view *v, int dir, const uint8_t *p,
                      size_t len) {
  int type = p[0];
  const uint8_t *body = p + 5;
  /* TLS 1.3: everything after the ServerHello is encrypted in both
   * directions, except the middlebox-compatibility ChangeCipherSpec (the
   * ServerHello's own record was parsed before tls13 was known) */
  int enc = v->ccs[dir] || (v->tls13 && type != 20);
  int hs_type = (!enc && type == 22 && len >= 1) ? body[0] : 0;
  note_record(v, dir, type, enc, hs_type, len);
  switch (type) {
  case 20:
    if (!v->tls13)
      v->ccs[dir] = 1;
    break;
  case 21:
    if (enc) {
      if (v->enc_alert_dir < 0)
        v->enc_alert_dir = dir;
    } else if (len >= 2 && v->alert_dir < 0) {
      v->alert_dir = dir;
      v->alert_level = body[0];
      v->alert_code = body[1];
    }
    break;
  case 22:
    if (enc) {
      v->encrypted_hs[dir] = 1;
    } else {
      if (rdpneg_buf_append(&v->hs[dir], body, len) != 0)
        return RDPNEG_ERR_NOMEM;
      int r = handshake_messages(v, dir);
      if (r)
        return r;
    }
    break;
  case 23: /* with TLS 1.3 the rest of the handshake is among these */
    v->app_records[dir]++;
    v->app_bytes[dir] += len;
    break;
  }
  return 0;
}

int rdpneg_tlsv_input(rdpneg_tls_view *v, int dir, const uint8_t *data,
                      size_t len) {
  dir &= 1;
  if (v->not_tls[dir])
    return 0;
  if (v->first_len[dir] < sizeof v->first_bytes[dir]) {
    size_t k = sizeof v->first_bytes[dir] - v->first_len[dir];
    if (k > len)
      k = len;
    memcpy(v->first_bytes[dir] + v->first_len[dir], data, k);
    v->first_len[dir] += k;
  }
  if (rdpneg_buf_append(&v->in[dir], data, len) != 0)
    return RDPNEG_ERR_NOMEM;
  int n = 0;
  rdpneg_buf *b = &v->in[dir];
  while (rdpneg_buf_size(b) >= 5) {
    const uint8_t *p = rdpneg_buf_peek(b);
    size_t rl = be16(p + 3);
    if (p[0] < 20 || p[0] > 24 || p[1] != 3 || rl > REC_MAX) {
      v->not_tls[dir] = 1;
      break;
    }
    if (rl > rdpneg_buf_size(b) - 5)
      break;
    int r = one_record(v, dir, p, rl);
    if (r)
      return r;
    rdpneg_buf_consume(b, 5 + rl);
    n++;
  }
  return n;
}

int rdpneg_tlsv_cert(const rdpneg_tls_view *v, const char *name,
                     int64_t now_unix, int warn_days, rdpneg_cert_ev *ev) {
  if (!v->cert_msg || v->cert_msg_len < 3)
    return RDPNEG_ERR_INVALID_STATE;
  const uint8_t *p = v->cert_msg;
  size_t total = be24(p), n = v->cert_msg_len - 3;
  if (total < n)
    n = total;
  p += 3;
  mbedtls_x509_crt chain;
  mbedtls_x509_crt_init(&chain);
  int parsed = 0;
  while (n >= 3) {
    size_t l = be24(p);
    if (l > n - 3)
      break;
    if (mbedtls_x509_crt_parse_der(&chain, p + 3, l) == 0)
      parsed++;
    p += 3 + l;
    n -= 3 + l;
  }
  int rv = RDPNEG_ERR_INVALID_STATE;
  if (parsed)
    rv = rdpneg_cert_analyse(&chain, name, now_unix, warn_days, NULL, ev);
  mbedtls_x509_crt_free(&chain);
  return rv;
}

const char *rdpneg_tlsv_version_name(uint16_t v) {
  switch (v) {
  case 0x0300:
    return "SSLv3";
  case 0x0301:
    return "TLSv1.0";
  case 0x0302:
    return "TLSv1.1";
  case 0x0303:
    return "TLSv1.2";
  case 0x0304:
    return "TLSv1.3";
  }
  return NULL;
}

const char *rdpneg_tlsv_cipher_name(uint16_t id, char *buf, size_t cap) {
  static const struct {
    uint16_t id;
    const char *name;
  } tls13[] = {{0x1301, "TLS_AES_128_GCM_SHA256"},
               {0x1302, "TLS_AES_256_GCM_SHA384"},
               {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
               {0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
               {0x5600, "TLS_FALLBACK_SCSV"}};
  for (size_t i = 0; i < sizeof tls13 / sizeof tls13[0]; i++)
    if (tls13[i].id == id)
      return tls13[i].name;
  const mbedtls_ssl_ciphersuite_t *cs = mbedtls_ssl_ciphersuite_from_id(id);
  if (!cs || !cap)
    return NULL;
  snprintf(buf, cap, "%s", cs->name);
  for (char *c = buf; *c; c++)
    if (*c == '-')
      *c = '_';
  return buf;
}
