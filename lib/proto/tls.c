/* SPDX-License-Identifier: Apache-2.0 */
/* TLS client through mbedTLS 2.28 over memory buffers.
 *
 * mbedTLS reads from t->in and writes to t->out through the BIO callbacks;
 * WANT_READ means "feed me more". Beside mbedTLS, a small sniffer follows
 * the server's cleartext records so that the evidence can say which
 * handshake message came last, what a ServerHello offered and which alert
 * was sent, even when mbedTLS itself gives up with a generic error. */
#include "proto/tls.h"

#include "base/codes.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/cipher.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/dhm.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#if defined(_WIN32)
#include <windows.h> /* before bcrypt.h */

#include <bcrypt.h>
#elif defined(__linux__)
#include <errno.h>
#include <sys/random.h>
#endif

/* What only the handshake and the records after it need: freed with its
 * record buffers (mbedTLS 2.28 allocates 2 x 16.7 KiB at setup) as soon as
 * the session is done with TLS (rdpneg_tls_release). */
typedef struct tls_live {
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;
  int has_ca;
} tls_live;

struct rdpneg_tls {
  tls_live *live; /* NULL once released */
  rdpneg_buf in, out;
  int eof, reset, done, failed;
  int nomem; /* a buffer could not grow: the handshake ends with NOMEM */
  int min_version, max_version;
  int64_t now_unix;
  int warn_days;
  char name[256];
  rdpneg_tls_hs ev;
  rdpneg_cert_ev *cert; /* made when the handshake completes */
  rdpneg_tls_ev *full;  /* rdpneg_tls_evidence's copy, made on demand */
  uint8_t *pubkey;      /* the server's SubjectPublicKey, sized to it */
  size_t pubkey_len;
  /* sniffer over the server's records */
  int sniff_off; /* stop after ChangeCipherSpec or non-TLS bytes */
  uint8_t rec_hdr[5];
  size_t rec_hdr_have, rec_remaining;
  int any_record;
  uint8_t alert[2];
  size_t alert_have;
  uint8_t hs_hdr[4];
  size_t hs_hdr_have, hs_remaining;
  int hs_type;
  uint8_t sh[512];
  size_t sh_have;
};

static const mbedtls_ecp_group_id curves[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,  MBEDTLS_ECP_DP_SECP521R1,
    MBEDTLS_ECP_DP_BP256R1,    MBEDTLS_ECP_DP_BP384R1,
    MBEDTLS_ECP_DP_NONE};

/* Names come from the taxonomy data (lib/taxonomy/codes.def). */
const char *rdpneg_tls_alert_name(int code) {
  if (code < 0 || code > 255)
    return NULL;
  return rdpneg_codename(RDPNEG_CK_TLS_ALERT, (uint32_t)code);
}

/* Is |rv| an mbedTLS allocation failure (high- or low-level part)? */
static int mbed_nomem(int rv) {
  int hi = -rv & 0xFF80, lo = -rv & 0x7F;
  return rv < 0 && (hi == -MBEDTLS_ERR_SSL_ALLOC_FAILED ||
                    hi == -MBEDTLS_ERR_X509_ALLOC_FAILED ||
                    hi == -MBEDTLS_ERR_PK_ALLOC_FAILED ||
                    hi == -MBEDTLS_ERR_ECP_ALLOC_FAILED ||
                    hi == -MBEDTLS_ERR_CIPHER_ALLOC_FAILED ||
                    hi == -MBEDTLS_ERR_MD_ALLOC_FAILED ||
                    hi == -MBEDTLS_ERR_PEM_ALLOC_FAILED ||
                    hi == -MBEDTLS_ERR_DHM_ALLOC_FAILED ||
                    lo == -MBEDTLS_ERR_MPI_ALLOC_FAILED ||
                    lo == -MBEDTLS_ERR_ASN1_ALLOC_FAILED);
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len) {
  rdpneg_tls *t = ctx;
  if (rdpneg_buf_append(&t->out, buf, len) != 0) {
    /* not WANT_WRITE: nothing will drain the buffer and retry */
    t->nomem = 1;
    return MBEDTLS_ERR_SSL_ALLOC_FAILED;
  }
  return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len) {
  rdpneg_tls *t = ctx;
  if (rdpneg_buf_size(&t->in) == 0) {
    if (t->reset)
      return MBEDTLS_ERR_NET_CONN_RESET;
    if (t->eof)
      return 0;
    return MBEDTLS_ERR_SSL_WANT_READ;
  }
  int n = (int)rdpneg_buf_take(&t->in, buf, len);
  if (rdpneg_buf_size(&t->in) == 0)
    rdpneg_buf_free(&t->in); /* memory only while it holds bytes */
  return n;
}

/* The DRBG's entropy source, where no OS generator is called directly (see
 * os_entropy below) or it fails: one mbedTLS entropy context for the
 * process (38 KiB with HAVEGE in Debian's build, 0.17 ms to set up), made
 * on first use; mbedtls_entropy_func locks it (MBEDTLS_THREADING_C, else
 * entropy_func does), so loops on several threads share it. Each connection
 * keeps its own DRBG. */
static mbedtls_entropy_context g_entropy;
static atomic_int g_entropy_state; /* 0 not made, 1 being made, 2 ready */

static mbedtls_entropy_context *shared_entropy(void) {
  if (atomic_load(&g_entropy_state) != 2) {
    int expect = 0;
    if (atomic_compare_exchange_strong(&g_entropy_state, &expect, 1)) {
      mbedtls_entropy_init(&g_entropy);
      atomic_store(&g_entropy_state, 2);
    } else {
      while (atomic_load(&g_entropy_state) != 2)
        ; /* another thread is making it: a few microseconds, once */
    }
  }
  return &g_entropy;
}

#ifndef MBEDTLS_THREADING_C
static atomic_flag g_entropy_lock = ATOMIC_FLAG_INIT;
#endif

static int mbed_entropy_func(void *ctx, unsigned char *out, size_t len) {
#ifndef MBEDTLS_THREADING_C /* mbedTLS does not lock it: we do */
  while (atomic_flag_test_and_set(&g_entropy_lock))
    ;
#endif
  int rv = mbedtls_entropy_func(ctx, out, len);
#ifndef MBEDTLS_THREADING_C
  atomic_flag_clear(&g_entropy_lock);
#endif
  return rv;
}

/* The DRBG's seed straight from the operating system's generator:
 * getrandom(2) on Linux (blocks only until the kernel's pool is first
 * initialised), BCryptGenRandom on Windows. No mbedTLS entropy context: in
 * Debian's build its setup runs HAVEGE (1.1M of the 6.1M instructions of an
 * NLA probe) and each poll then mixes HAVEGE, the cycle counter and
 * getrandom itself through SHA-512. The OS generator is stateless and
 * thread-safe. 1 = filled, 0 = unavailable here (seccomp, a kernel before
 * 3.17, no CNG): then the mbedTLS entropy context. */
static int os_entropy(unsigned char *out, size_t len) {
#if defined(_WIN32)
  return len <= 0xffffffffu &&
         BCRYPT_SUCCESS(BCryptGenRandom(NULL, out, (ULONG)len,
                                        BCRYPT_USE_SYSTEM_PREFERRED_RNG));
#elif defined(__linux__)
  while (len > 0) {
    ssize_t n = getrandom(out, len, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return 0;
    out += n;
    len -= (size_t)n;
  }
  return 1;
#else
  (void)out;
  (void)len;
  return 0;
#endif
}

static atomic_int g_os_entropy_failed;

/* |ctx| is unused: the shared mbedTLS context is made only when needed. */
static int entropy_func(void *ctx, unsigned char *out, size_t len) {
  (void)ctx;
  if (!atomic_load(&g_os_entropy_failed)) {
    if (os_entropy(out, len))
      return 0;
    atomic_store(&g_os_entropy_failed, 1);
  }
  return mbed_entropy_func(shared_entropy(), out, len);
}

static void live_free(tls_live *l) {
  if (!l)
    return;
  mbedtls_ssl_free(&l->ssl);
  mbedtls_ssl_config_free(&l->conf);
  mbedtls_ctr_drbg_free(&l->drbg);
  mbedtls_x509_crt_free(&l->ca);
  mbedtls_platform_zeroize(l, sizeof *l);
  free(l);
}

int rdpneg_tls_new(rdpneg_tls **pt, const rdpneg_tls_params *p) {
  rdpneg_tls *t = calloc(1, sizeof *t);
  int rv;
  if (!t)
    return RDPNEG_ERR_NOMEM;
  rdpneg_buf_init(&t->in, 1 << 20);
  rdpneg_buf_init(&t->out, 0);
  tls_live *l = t->live = malloc(sizeof *l);
  if (!l) {
    free(t);
    return RDPNEG_ERR_NOMEM;
  }
  mbedtls_ssl_init(&l->ssl);
  mbedtls_ssl_config_init(&l->conf);
  mbedtls_ctr_drbg_init(&l->drbg);
  mbedtls_x509_crt_init(&l->ca);
  l->has_ca = 0;
  t->ev.alert_code = -1;
  t->ev.last_server_msg = -1;
  t->ev.status = RDPNEG_TLS_PENDING;
  t->min_version = p->min_version;
  t->max_version = p->max_version;
  t->now_unix = p->now_unix;
  t->warn_days = p->warn_days;
  snprintf(t->name, sizeof t->name, "%s", p->name ? p->name : "");

  static const unsigned char pers[] = "librdpneg";
  if ((rv = mbedtls_ctr_drbg_seed(&l->drbg, entropy_func, NULL, pers,
                                  sizeof pers - 1)) != 0)
    goto crypto_fail;
  if ((rv = mbedtls_ssl_config_defaults(&l->conf, MBEDTLS_SSL_IS_CLIENT,
                                        MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
    goto crypto_fail;
  /* Analysis, not a gate: finish the handshake, judge the chain after. */
  mbedtls_ssl_conf_authmode(&l->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
  mbedtls_ssl_conf_rng(&l->conf, mbedtls_ctr_drbg_random, &l->drbg);
  mbedtls_ssl_conf_min_version(&l->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               p->min_version);
  mbedtls_ssl_conf_max_version(&l->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               p->max_version);
  /* X25519 first: 1.6 ms instead of 4.3 ms per handshake (real-peers 5.1) */
  mbedtls_ssl_conf_curves(&l->conf, curves);
  if (p->ca && p->ca_len) {
    size_t off = 0;
    while (off + sizeof(size_t) <= p->ca_len) {
      size_t n;
      memcpy(&n, p->ca + off, sizeof n);
      off += sizeof n;
      if (n > p->ca_len - off)
        break;
      if (mbedtls_x509_crt_parse(&l->ca, p->ca + off, n) >= 0)
        l->has_ca = 1;
      off += n;
    }
    if (l->has_ca)
      mbedtls_ssl_conf_ca_chain(&l->conf, &l->ca, NULL);
  }
  if ((rv = mbedtls_ssl_setup(&l->ssl, &l->conf)) != 0)
    goto crypto_fail;
  if (p->sni && *p->sni) {
    uint8_t ip[16];
    /* RFC 6066: literal IP addresses are not sent as SNI */
    rv = mbedtls_ssl_set_hostname(&l->ssl,
                                  rdpneg_ip_parse(p->sni, ip) ? NULL : p->sni);
    if (rv != 0)
      goto crypto_fail;
  }
  mbedtls_ssl_set_bio(&l->ssl, t, bio_send, bio_recv, NULL);
  *pt = t;
  return 0;
crypto_fail:
  rv = t->nomem || mbed_nomem(rv) ? RDPNEG_ERR_NOMEM : RDPNEG_ERR_CRYPTO;
  rdpneg_tls_free(t);
  return rv;
}

void rdpneg_tls_release(rdpneg_tls *t) {
  if (!t || !t->live)
    return;
  live_free(t->live);
  t->live = NULL;
  rdpneg_buf_free(&t->in);
}

void rdpneg_tls_free(rdpneg_tls *t) {
  if (!t)
    return;
  live_free(t->live);
  rdpneg_buf_free(&t->in);
  rdpneg_buf_free(&t->out);
  if (t->pubkey)
    mbedtls_platform_zeroize(t->pubkey, t->pubkey_len);
  free(t->pubkey);
  free(t->cert);
  free(t->full);
  mbedtls_platform_zeroize(t, sizeof *t);
  free(t);
}

static void parse_server_hello(rdpneg_tls *t) {
  const uint8_t *p = t->sh;
  size_t n = t->sh_have;
  if (n < 38)
    return;
  t->ev.server_hello_version = p[0] << 8 | p[1];
  size_t off = 34;
  size_t sid = p[off];
  off += 1 + sid + 2 + 1;
  if (off + 2 > n)
    return;
  size_t ext_end = off + 2 + (size_t)(p[off] << 8 | p[off + 1]);
  off += 2;
  if (ext_end > n)
    ext_end = n;
  while (off + 4 <= ext_end) {
    unsigned type = (unsigned)(p[off] << 8 | p[off + 1]);
    size_t len = (size_t)(p[off + 2] << 8 | p[off + 3]);
    off += 4;
    if (off + len > ext_end)
      break;
    if (type == 43 && len == 2) /* supported_versions */
      t->ev.server_selected_version = p[off] << 8 | p[off + 1];
    off += len;
  }
}

const char *rdpneg_tls_hs_name(int type) {
  switch (type) {
  case 0:
    return "HelloRequest";
  case 1:
    return "ClientHello";
  case 2:
    return "ServerHello";
  case 4:
    return "NewSessionTicket";
  case 8:
    return "EncryptedExtensions";
  case 11:
    return "Certificate";
  case 12:
    return "ServerKeyExchange";
  case 13:
    return "CertificateRequest";
  case 14:
    return "ServerHelloDone";
  case 15:
    return "CertificateVerify";
  case 16:
    return "ClientKeyExchange";
  case 20:
    return "Finished";
  default:
    return NULL;
  }
}

static void sniff_handshake(rdpneg_tls *t, const uint8_t *p, size_t n) {
  while (n > 0) {
    if (t->hs_remaining == 0 && t->hs_hdr_have < 4) {
      t->hs_hdr[t->hs_hdr_have++] = *p++;
      n--;
      if (t->hs_hdr_have == 4) {
        t->hs_type = t->hs_hdr[0];
        t->hs_remaining = (size_t)t->hs_hdr[1] << 16 |
                          (size_t)t->hs_hdr[2] << 8 | t->hs_hdr[3];
        t->sh_have = 0;
        if (t->hs_remaining == 0) {
          /* a message counts as received once it is complete */
          t->ev.last_server_msg = t->hs_type;
          t->hs_hdr_have = 0;
        }
      }
      continue;
    }
    size_t k = n < t->hs_remaining ? n : t->hs_remaining;
    if (t->hs_type == 2) {
      size_t room = sizeof t->sh - t->sh_have;
      size_t c = k < room ? k : room;
      memcpy(t->sh + t->sh_have, p, c);
      t->sh_have += c;
    }
    p += k;
    n -= k;
    t->hs_remaining -= k;
    if (t->hs_remaining == 0) {
      if (t->hs_type == 2)
        parse_server_hello(t);
      if (t->hs_type == 13)
        t->ev.cert_requested = 1;
      t->ev.last_server_msg = t->hs_type;
      t->hs_hdr_have = 0;
    }
  }
}

static void sniff(rdpneg_tls *t, const uint8_t *p, size_t n) {
  while (n > 0 && !t->sniff_off) {
    if (t->rec_hdr_have < 5) {
      t->rec_hdr[t->rec_hdr_have++] = *p++;
      n--;
      if (t->rec_hdr_have == 1 && (t->rec_hdr[0] < 20 || t->rec_hdr[0] > 23)) {
        t->sniff_off = 1;
        return;
      }
      if (t->rec_hdr_have == 2 && t->rec_hdr[1] != 3) {
        t->sniff_off = 1;
        return;
      }
      if (t->rec_hdr_have == 5) {
        t->any_record = 1;
        t->rec_remaining = (size_t)(t->rec_hdr[3] << 8 | t->rec_hdr[4]);
        t->alert_have = 0;
        if (t->rec_remaining == 0)
          t->rec_hdr_have = 0;
      }
      continue;
    }
    size_t k = n < t->rec_remaining ? n : t->rec_remaining;
    switch (t->rec_hdr[0]) {
    case 20: /* ChangeCipherSpec: the rest is encrypted */
      t->sniff_off = 1;
      return;
    case 21:
      for (size_t i = 0; i < k && t->alert_have < 2; i++)
        t->alert[t->alert_have++] = p[i];
      if (t->alert_have == 2) {
        t->ev.alert_level = t->alert[0];
        t->ev.alert_code = t->alert[1];
      }
      break;
    case 22:
      sniff_handshake(t, p, k);
      break;
    default:
      break;
    }
    p += k;
    n -= k;
    t->rec_remaining -= k;
    if (t->rec_remaining == 0)
      t->rec_hdr_have = 0;
  }
}

int rdpneg_tls_input(rdpneg_tls *t, const uint8_t *data, size_t len) {
  if (len == 0)
    return 0;
  if (t->ev.first_len < sizeof t->ev.first_bytes) {
    size_t c = sizeof t->ev.first_bytes - t->ev.first_len;
    if (c > len)
      c = len;
    memcpy(t->ev.first_bytes + t->ev.first_len, data, c);
    t->ev.first_len += c;
  }
  t->ev.bytes_received += len;
  if (!t->done)
    sniff(t, data, len);
  return rdpneg_buf_append(&t->in, data, len);
}

void rdpneg_tls_transport_end(rdpneg_tls *t, int reset) {
  if (reset)
    t->reset = 1;
  else
    t->eof = 1;
}

static int not_tls(const rdpneg_tls *t) {
  return t->ev.first_len > 0 &&
         (t->ev.first_bytes[0] < 20 || t->ev.first_bytes[0] > 23 ||
          (t->ev.first_len > 1 && t->ev.first_bytes[1] != 3));
}

static int fail(rdpneg_tls *t, int mbed_rv) {
  rdpneg_tls_hs *ev = &t->ev;
  int err;
  ev->mbedtls_error = mbed_rv;
  if (mbed_rv)
    mbedtls_strerror(mbed_rv, ev->error, sizeof ev->error);
  if (mbed_rv == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && ev->alert_code < 0) {
    ev->alert_level = 2;
    ev->alert_code = t->live->ssl.in_msg ? t->live->ssl.in_msg[1] : -1;
  }
  if (ev->server_selected_version == 0x0304)
    ev->requires_tls13 = 1;
  if (t->nomem || mbed_nomem(mbed_rv)) {
    /* our side ran out of memory: says nothing about the server */
    ev->status = RDPNEG_TLS_FAILED;
    t->failed = RDPNEG_ERR_NOMEM;
    return t->failed;
  }
  if (not_tls(t)) {
    ev->status = RDPNEG_TLS_NOT_TLS;
    err = RDPNEG_ERR_NOT_TLS;
  } else if (ev->alert_code >= 0) {
    ev->status = RDPNEG_TLS_ALERT;
    err = RDPNEG_ERR_TLS_ALERT;
    /* protocol_version to a hello offering up to TLS 1.2: the server wants
     * something newer, i.e. TLS 1.3 (RFC 8446 D.2 / 5246 E.1) */
    if (ev->alert_code == 70 && t->max_version == 3)
      ev->requires_tls13 = 1;
  } else if (t->reset || mbed_rv == MBEDTLS_ERR_NET_CONN_RESET) {
    ev->status = RDPNEG_TLS_RESET;
    err = RDPNEG_ERR_PEER_RESET;
  } else if (t->eof || mbed_rv == MBEDTLS_ERR_SSL_CONN_EOF) {
    ev->status = RDPNEG_TLS_CLOSED;
    err = RDPNEG_ERR_PEER_CLOSED;
  } else {
    ev->status = RDPNEG_TLS_FAILED;
    err = RDPNEG_ERR_TLS_HANDSHAKE;
  }
  if (ev->requires_tls13)
    err = RDPNEG_ERR_TLS13_REQUIRED;
  t->failed = err;
  return err;
}

/* Returns 0, or NOMEM when the certificate's analysis or the server's key
 * could not be kept. */
static int finish(rdpneg_tls *t) {
  rdpneg_tls_hs *ev = &t->ev;
  ev->status = RDPNEG_TLS_OK;
  tls_live *l = t->live;
  snprintf(ev->version, sizeof ev->version, "%s",
           mbedtls_ssl_get_version(&l->ssl));
  snprintf(ev->cipher, sizeof ev->cipher, "%s",
           mbedtls_ssl_get_ciphersuite(&l->ssl));
  for (char *c = ev->cipher; *c; c++)
    if (*c == '-')
      *c = '_';
  const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&l->ssl);
  if (peer) {
    if (!(t->cert = calloc(1, sizeof *t->cert)))
      return RDPNEG_ERR_NOMEM;
    if (rdpneg_cert_analyse(peer, t->name[0] ? t->name : NULL, t->now_unix,
                            t->warn_days, l->has_ca ? &l->ca : NULL,
                            t->cert) != 0) {
      free(t->cert);
      t->cert = NULL;
    }
    uint8_t key[2048];
    int n = rdpneg_cert_pubkey(peer, key, sizeof key);
    if (n > 0 && (t->pubkey = malloc((size_t)n)) != NULL) {
      memcpy(t->pubkey, key, (size_t)n);
      t->pubkey_len = (size_t)n;
    }
    mbedtls_platform_zeroize(key, sizeof key);
    if (n > 0 && !t->pubkey)
      return RDPNEG_ERR_NOMEM;
  }
  return 0;
}

int rdpneg_tls_handshake(rdpneg_tls *t) {
  if (t->done)
    return 1;
  if (t->failed)
    return t->failed;
  if (!t->live)
    return RDPNEG_ERR_INVALID_STATE;
  int rv = mbedtls_ssl_handshake(&t->live->ssl);
  if (rv == 0) {
    if (finish(t) != 0) {
      t->nomem = 1;
      return fail(t, 0);
    }
    t->done = 1;
    return 1;
  }
  if (rv == MBEDTLS_ERR_SSL_WANT_READ || rv == MBEDTLS_ERR_SSL_WANT_WRITE) {
    if (not_tls(t))
      return fail(t, 0); /* e.g. a cleartext TPKT answering the hello */
    if (t->ev.alert_code >= 0 && t->ev.alert_level == 2)
      return fail(t, 0);
    return 0;
  }
  return fail(t, rv);
}

rdpneg_buf *rdpneg_tls_output(rdpneg_tls *t) {
  return &t->out;
}

int rdpneg_tls_write(rdpneg_tls *t, const uint8_t *data, size_t len) {
  if (!t->live)
    return RDPNEG_ERR_INVALID_STATE;
  while (len > 0) {
    int rv = mbedtls_ssl_write(&t->live->ssl, data, len);
    if (rv < 0)
      return rv == MBEDTLS_ERR_SSL_WANT_WRITE || t->nomem || mbed_nomem(rv)
                 ? RDPNEG_ERR_NOMEM
                 : RDPNEG_ERR_TLS_HANDSHAKE;
    data += rv;
    len -= (size_t)rv;
  }
  return 0;
}

rdpneg_ssize rdpneg_tls_read(rdpneg_tls *t, uint8_t *out, size_t cap) {
  if (!t->live)
    return RDPNEG_ERR_INVALID_STATE;
  int rv = mbedtls_ssl_read(&t->live->ssl, out, cap);
  if (rv > 0)
    return rv;
  if (rv == MBEDTLS_ERR_SSL_WANT_READ || rv == MBEDTLS_ERR_SSL_WANT_WRITE)
    return 0;
  if (rv == 0 || rv == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
      rv == MBEDTLS_ERR_SSL_CONN_EOF)
    return RDPNEG_ERR_PEER_CLOSED;
  if (rv == MBEDTLS_ERR_NET_CONN_RESET)
    return RDPNEG_ERR_PEER_RESET;
  if (t->nomem || mbed_nomem(rv))
    return RDPNEG_ERR_NOMEM;
  t->ev.mbedtls_error = rv;
  mbedtls_strerror(rv, t->ev.error, sizeof t->ev.error);
  if (rv == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
    return RDPNEG_ERR_TLS_ALERT;
  return RDPNEG_ERR_TLS_HANDSHAKE;
}

void rdpneg_tls_close_notify(rdpneg_tls *t) {
  if (t->done && t->live)
    mbedtls_ssl_close_notify(&t->live->ssl);
}

void rdpneg_tls_stalled(rdpneg_tls *t) {
  if (!t->done && !t->failed) {
    t->ev.status = RDPNEG_TLS_STALLED;
    t->failed = RDPNEG_ERR_TIMEOUT;
  }
}

const rdpneg_tls_hs *rdpneg_tls_hs_evidence(const rdpneg_tls *t) {
  return &t->ev;
}

const rdpneg_cert_ev *rdpneg_tls_cert(const rdpneg_tls *t) {
  return t->cert;
}

/* rdpneg_tls_ev begins with the very members of rdpneg_tls_hs */
_Static_assert(offsetof(rdpneg_tls_ev, has_cert) >= sizeof(rdpneg_tls_hs),
               "rdpneg_tls_ev starts with rdpneg_tls_hs");

void rdpneg_tls_evidence_copy(const rdpneg_tls *t, rdpneg_tls_ev *out) {
  memset(out, 0, sizeof *out);
  memcpy(out, &t->ev, sizeof t->ev);
  if (t->cert) {
    out->has_cert = 1;
    out->cert = *t->cert;
  }
}

int rdpneg_tls_peer_pubkey(const rdpneg_tls *t, const uint8_t **key,
                           size_t *len) {
  if (!t->pubkey_len)
    return RDPNEG_ERR_INVALID_STATE;
  *key = t->pubkey;
  *len = t->pubkey_len;
  return 0;
}

int rdpneg_tls_random(void *ctx, unsigned char *buf, size_t len) {
  rdpneg_tls *t = ctx;
  if (!t->live)
    return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
  return mbedtls_ctr_drbg_random(&t->live->drbg, buf, len);
}

const rdpneg_tls_ev *rdpneg_tls_evidence(rdpneg_tls *t) {
  if (!t->full && !(t->full = malloc(sizeof *t->full)))
    return NULL;
  rdpneg_tls_evidence_copy(t, t->full);
  return t->full;
}
