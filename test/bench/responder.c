/* SPDX-License-Identifier: Apache-2.0 */
/* See responder.h. */
#include "responder.h"

#include "unit/selfsigned.h"

#include <uv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

static responder_shared *sh;

/* ---- responder --------------------------------------------------------- */

static mbedtls_ssl_config r_conf;
static selfsigned r_id;

static int tls_init(int ecdhe) {
  static const int rsa_kx[] = {MBEDTLS_TLS_RSA_WITH_AES_128_GCM_SHA256, 0};
  static const int ecdhe_kx[] = {MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                                 0};
  static const mbedtls_ecp_group_id curves[] = {MBEDTLS_ECP_DP_CURVE25519,
                                                MBEDTLS_ECP_DP_NONE};
  mbedtls_ssl_config_init(&r_conf);
  if (selfsigned_init(&r_id, MBEDTLS_PK_RSA, "CN=bench.test", 11))
    return -1;
  if (mbedtls_ssl_config_defaults(&r_conf, MBEDTLS_SSL_IS_SERVER,
                                  MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT) ||
      mbedtls_ssl_conf_own_cert(&r_conf, &r_id.crt, &r_id.key))
    return -1;
  mbedtls_ssl_conf_rng(&r_conf, mbedtls_ctr_drbg_random, &r_id.drbg);
  mbedtls_ssl_conf_ciphersuites(&r_conf, ecdhe ? ecdhe_kx : rsa_kx);
  mbedtls_ssl_conf_curves(&r_conf, curves);
  return 0;
}

typedef struct rconn {
  uv_tcp_t tcp;
  int mode;
  int stage; /* 0 reading the request, 1 TLS, 2 answered / holding */
  uint8_t req[512];
  size_t reqlen;
  mbedtls_ssl_context *ssl;
  uint8_t *tin; /* TLS bytes from the client not yet taken */
  size_t tinlen, tinoff;
  int flights; /* TLS reads that made the server write */
  int handles, closing;
  uv_timer_t late; /* M_TLS_LATE: sends |lateq| */
  uint8_t *lateq;
  size_t latelen;
  int deferring;
} rconn;

typedef struct rwrite {
  uv_write_t req;
  uint8_t data[];
} rwrite;

static void r_written(uv_write_t *w, int status) {
  (void)status;
  free(w);
}

static void r_send(rconn *c, const uint8_t *d, size_t n) {
  if (!n || uv_is_closing((uv_handle_t *)&c->tcp))
    return;
  rwrite *w = malloc(sizeof *w + n);
  if (!w)
    abort();
  memcpy(w->data, d, n);
  uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)n);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, r_written) != 0)
    free(w);
}

static int r_bio_send(void *ctx, const unsigned char *b, size_t n) {
  rconn *c = ctx;
  if (c->deferring) {
    uint8_t *q = realloc(c->lateq, c->latelen + n);
    if (!q)
      abort();
    c->lateq = q;
    memcpy(q + c->latelen, b, n);
    c->latelen += n;
    return (int)n;
  }
  r_send(c, b, n);
  return (int)n;
}

static void on_late(uv_timer_t *t) {
  rconn *c = t->data;
  r_send(c, c->lateq, c->latelen);
  free(c->lateq);
  c->lateq = NULL;
  c->latelen = 0;
  atomic_fetch_sub(&sh->late, 1);
}

static int r_bio_recv(void *ctx, unsigned char *b, size_t n) {
  rconn *c = ctx;
  size_t have = c->tinlen - c->tinoff;
  if (!have)
    return MBEDTLS_ERR_SSL_WANT_READ;
  if (n > have)
    n = have;
  memcpy(b, c->tin + c->tinoff, n);
  c->tinoff += n;
  return (int)n;
}

static void r_drop_tls(rconn *c) {
  if (c->ssl) {
    mbedtls_ssl_free(c->ssl);
    free(c->ssl);
    c->ssl = NULL;
  }
  free(c->tin);
  c->tin = NULL;
  c->tinlen = c->tinoff = 0;
}

static void r_closed(uv_handle_t *h) {
  rconn *c = h->data;
  if (--c->handles > 0)
    return;
  r_drop_tls(c);
  if (c->lateq)
    atomic_fetch_sub(&sh->late, 1);
  free(c->lateq);
  free(c);
}

static void r_close(rconn *c) {
  if (c->closing)
    return;
  c->closing = 1;
  uv_close((uv_handle_t *)&c->tcp, r_closed);
  if (c->mode == M_TLS_LATE)
    uv_close((uv_handle_t *)&c->late, r_closed);
}

static void r_alloc(uv_handle_t *h, size_t s, uv_buf_t *b) {
  static char buf[65536];
  (void)h;
  (void)s;
  *b = uv_buf_init(buf, sizeof buf);
}

/* RDP_NEG_RSP selecting PROTOCOL_SSL */
static const uint8_t cc_ssl[19] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00,
                                   0x00, 0x12, 0x34, 0x00, 0x02, 0x00, 0x08,
                                   0x00, 0x01, 0x00, 0x00, 0x00};

static void r_tls(rconn *c, const uint8_t *d, size_t n) {
  if (c->mode == M_HOLD && c->flights >= 1) {
    /* the client's key exchange and Finished: never answered */
    if (c->stage == 1)
      atomic_fetch_add(&sh->held, 1);
    c->stage = 2;
    r_drop_tls(c);
    return;
  }
  uint8_t *nt = realloc(c->tin, c->tinlen + n);
  if (!nt)
    abort();
  c->tin = nt;
  memcpy(c->tin + c->tinlen, d, n);
  c->tinlen += n;
  c->deferring = c->mode == M_TLS_LATE && c->flights >= 1;
  int rv = mbedtls_ssl_handshake(c->ssl);
  c->deferring = 0;
  if (c->latelen && !uv_is_active((uv_handle_t *)&c->late)) {
    atomic_fetch_add(&sh->late, 1);
    uv_timer_start(&c->late, on_late, RESPONDER_LATE_MS, 0);
  }
  if (c->tinoff == c->tinlen)
    c->tinoff = c->tinlen = 0;
  if (rv == MBEDTLS_ERR_SSL_WANT_READ) {
    c->flights++;
    return;
  }
  if (rv == 0)
    atomic_fetch_add(&sh->handshakes, 1);
  c->stage = 2; /* done or failed: wait for the client's close */
  r_drop_tls(c);
}

static void r_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  rconn *c = st->data;
  if (n < 0) {
    r_close(c);
    return;
  }
  const uint8_t *d = (const uint8_t *)b->base;
  size_t len = (size_t)n;
  if (c->stage == 0) {
    size_t take =
        sizeof c->req - c->reqlen < len ? sizeof c->req - c->reqlen : len;
    memcpy(c->req + c->reqlen, d, take);
    c->reqlen += take;
    d += take;
    len -= take;
    if (c->reqlen < 4 || c->reqlen < (size_t)(c->req[2] << 8 | c->req[3]))
      return;
    atomic_fetch_add(&sh->requests[c->mode], 1);
    if (c->mode == M_SILENT) {
      c->stage = 2;
      return;
    }
    r_send(c, cc_ssl, sizeof cc_ssl);
    if (c->mode == M_X224) {
      c->stage = 2;
      return;
    }
    c->stage = 1;
    c->ssl = malloc(sizeof *c->ssl);
    if (!c->ssl)
      abort();
    mbedtls_ssl_init(c->ssl);
    if (mbedtls_ssl_setup(c->ssl, &r_conf))
      abort();
    mbedtls_ssl_set_bio(c->ssl, c, r_bio_send, r_bio_recv, NULL);
  }
  if (c->stage == 1 && len)
    r_tls(c, d, len);
}

static void r_connection(uv_stream_t *l, int status) {
  if (status < 0)
    return;
  rconn *c = calloc(1, sizeof *c);
  if (!c)
    abort();
  c->mode = (int)(intptr_t)l->data;
  uv_tcp_init(l->loop, &c->tcp);
  c->tcp.data = c;
  c->handles = 1;
  if (c->mode == M_TLS_LATE) {
    uv_timer_init(l->loop, &c->late);
    c->late.data = c;
    c->handles = 2;
  }
  if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
    r_close(c);
    return;
  }
  uv_read_start((uv_stream_t *)&c->tcp, r_alloc, r_read);
}

responder_shared *responder_shared_new(void) {
  responder_shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED)
    return NULL;
  memset(s, 0, sizeof *s);
  return s;
}

void responder_main(responder_shared *shared, int idx, int ecdhe) {
  sh = shared;
  if (tls_init(ecdhe) != 0) {
    fprintf(stderr, "responder: key/certificate failed\n");
    _exit(2);
  }
  uv_loop_t *loop = uv_default_loop();
  static uv_tcp_t lis[RESPONDER_ADDRS][M_COUNT];
  for (int m = 0; m < M_COUNT; m++) {
    int port = 0;
    for (int a = 0; a < RESPONDER_ADDRS; a++) {
      char ip[32];
      struct sockaddr_in sa;
      snprintf(ip, sizeof ip, "127.0.0.%d", a + 1);
      uv_ip4_addr(ip, port, &sa);
      uv_tcp_init(loop, &lis[a][m]);
      lis[a][m].data = (void *)(intptr_t)m;
      if (uv_tcp_bind(&lis[a][m], (struct sockaddr *)&sa, 0) != 0 ||
          uv_listen((uv_stream_t *)&lis[a][m], 8192, r_connection) != 0) {
        fprintf(stderr, "responder: cannot listen on %s:%d\n", ip, port);
        _exit(2);
      }
      if (a == 0) {
        int len = sizeof sa;
        uv_tcp_getsockname(&lis[a][m], (struct sockaddr *)&sa, &len);
        port = ntohs(sa.sin_port);
      }
    }
    sh->port[idx][m] = port;
  }
  atomic_fetch_add(&sh->ready, 1);
  uv_run(loop, UV_RUN_DEFAULT);
  _exit(0);
}
