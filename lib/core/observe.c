/* SPDX-License-Identifier: Apache-2.0 */
/* Observer of one captured connection; see observe.h. */
#include "core/observe.h"
#include "core/msglog.h"

#include "proto/tls_view.h"
#include "proto/x224.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ST_X224, ST_HOLD, ST_TLS, ST_RAW };

struct rdpneg_observer {
  rdpneg_attempt_ev *a;
  int64_t t0, t_last;
  int64_t t_syn, t_synack, t_cr, t_cc, t_ch, t_tls_end, t_nla_end;
  int stage[2];
  rdpneg_buf x[2]; /* bytes before the TLS decision */
  rdpneg_tls_view tv;
  int tls_on, tls_done;
  int phase; /* where the connection is: rdpneg_phase or RDPNEG_OBS_AFTER */
};

static int64_t rel(const rdpneg_observer *o, int64_t t) {
  return t > o->t0 ? t - o->t0 : 0;
}

int rdpneg_observer_new(rdpneg_observer **po, rdpneg_attempt_ev *a,
                        int64_t t0_us) {
  rdpneg_observer *o = calloc(1, sizeof *o);
  if (!o)
    return RDPNEG_ERR_NOMEM;
  /* |a| comes with its parts (rdpneg_attempt_parts_alloc): keep the
   * blocks, start every one from zero */
  rdpneg_tls_ev *tls = a->tls;
  rdpneg_nla_ev *nla = a->nla;
  rdpneg_obs_ev *obs = a->obs;
  rdpneg_msglog *msgs = a->msgs;
  if (!tls || !nla || !obs || !msgs) {
    free(o);
    return RDPNEG_ERR_INVALID_ARGUMENT;
  }
  memset(a, 0, sizeof *a);
  memset(tls, 0, sizeof *tls);
  memset(nla, 0, sizeof *nla);
  memset(obs, 0, sizeof *obs);
  memset(msgs, 0, sizeof *msgs);
  a->tls = tls;
  a->nla = nla;
  a->obs = obs;
  a->msgs = msgs;
  o->a = a;
  o->t0 = o->t_last = t0_us;
  o->t_syn = o->t_synack = o->t_cr = o->t_cc = o->t_ch = -1;
  o->t_tls_end = o->t_nla_end = -1;
  o->phase = RDPNEG_PHASE_TCP;
  for (int d = 0; d < 2; d++)
    rdpneg_buf_init(&o->x[d], 1u << 20);
  rdpneg_tlsv_init(&o->tv);
  a->observed = 1;
  a->obs->start_unix_us = t0_us;
  a->obs->client_alert_code = -1;
  a->obs->enc_alert_dir = -1;
  a->tls->alert_code = -1;
  a->tls->last_server_msg = -1;
  snprintf(a->purpose, sizeof a->purpose, "observed");
  *po = o;
  return 0;
}

void rdpneg_observer_free(rdpneg_observer *o) {
  if (!o)
    return;
  for (int d = 0; d < 2; d++)
    rdpneg_buf_free(&o->x[d]);
  rdpneg_tlsv_free(&o->tv);
  free(o);
}

void rdpneg_observer_syn(rdpneg_observer *o, int dir, int64_t t_us) {
  if (dir == 0 && !o->a->obs->syn) {
    o->a->obs->syn = 1;
    o->t_syn = t_us;
    rdpneg_msglog_event(o->a->msgs, RDPNEG_MSG_C2S, "TCP SYN", rel(o, t_us));
  } else if (dir == 1 && !o->a->obs->syn_ack) {
    o->a->obs->syn_ack = 1;
    o->t_synack = t_us;
    rdpneg_msglog_event(o->a->msgs, RDPNEG_MSG_S2C, "TCP SYN-ACK",
                        rel(o, t_us));
  }
}

static void client_request(rdpneg_observer *o, const uint8_t *p, size_t n) {
  rdpneg_attempt_ev *a = o->a;
  rdpneg_x224_pdu pdu;
  const char *why = NULL;
  if (rdpneg_x224_decode(p, n, 1, &pdu, &why) != 0)
    return;
  a->obs->cr_seen = 1;
  a->sent_neg_req = pdu.has_neg && pdu.neg_type == RDPNEG_NEG_TYPE_REQ;
  a->requested = a->sent_neg_req ? pdu.neg_value : 0;
  a->req_flags = a->sent_neg_req ? pdu.neg_flags : 0;
  if (pdu.token && pdu.token_is_cookie) {
    a->has_cookie = 1;
    rdpneg_cert_safe_text(a->cookie, sizeof a->cookie, pdu.token + 17,
                          pdu.token_len - 17);
  } else if (pdu.token) {
    rdpneg_cert_safe_text(a->obs->routing_token, sizeof a->obs->routing_token,
                          pdu.token, pdu.token_len);
  }
  a->obs->has_correlation = pdu.has_correlation;
  if (pdu.has_correlation)
    memcpy(a->obs->correlation_id, pdu.correlation_id, 16);
}

static int failure_err(uint32_t code) {
  static const int e[] = {0,
                          RDPNEG_ERR_NEG_SSL_REQUIRED,
                          RDPNEG_ERR_NEG_SSL_NOT_ALLOWED,
                          RDPNEG_ERR_NEG_SSL_CERT_NOT_ON_SERVER,
                          RDPNEG_ERR_NEG_INCONSISTENT_FLAGS,
                          RDPNEG_ERR_NEG_HYBRID_REQUIRED,
                          RDPNEG_ERR_NEG_SSL_WITH_USER_AUTH_REQUIRED};
  return code >= 1 && code <= 6 ? e[code] : RDPNEG_ERR_NEG_UNKNOWN_FAILURE;
}

static void set_phase(rdpneg_attempt_ev *a, int ph, rdpneg_phase_status st,
                      int err, int64_t us, const char *detail) {
  a->ph[ph].status = st;
  a->ph[ph].err = err;
  a->ph[ph].us = us < 0 ? 0 : us;
  snprintf(a->ph[ph].detail, sizeof a->ph[ph].detail, "%s",
           detail ? detail : "");
}

static int tls_input(rdpneg_observer *o, int dir, const uint8_t *p, size_t n,
                     int64_t t) {
  rdpneg_tls_view *v = &o->tv;
  rdpneg_obs_ev *ob = o->a->obs;
  int before = v->nrecords;
  if (dir == 0 && o->t_ch < 0 && n)
    o->t_ch = t;
  int r = rdpneg_tlsv_input(v, dir, p, n);
  if (r < 0)
    return r;
  for (int i = before; i < v->nrecords && i < RDPNEG_TLSV_MAX_RECORDS; i++) {
    if (ob->nrecords < RDPNEG_OBS_MAX_RECORDS) {
      const rdpneg_tlsv_record *s = &v->rec[i];
      ob->rec[ob->nrecords].dir = s->dir;
      ob->rec[ob->nrecords].type = s->type;
      ob->rec[ob->nrecords].encrypted = s->encrypted;
      ob->rec[ob->nrecords].hs_type = s->hs_type;
      ob->rec[ob->nrecords].len = s->len;
      ob->rec[ob->nrecords].t_us = rel(o, t);
      ob->nrecords++;
    }
  }
  if (v->nrecords > ob->nrecords && ob->nrecords == RDPNEG_OBS_MAX_RECORDS)
    ob->nrecords = RDPNEG_OBS_MAX_RECORDS; /* the count of kept ones */
  if (!o->tls_done) {
    int done = v->tls13 ? v->hello.server_hello && v->app_records[0] > 0
                        : v->ccs[0] && v->ccs[1] && v->encrypted_hs[0] &&
                              v->encrypted_hs[1];
    int alert = v->alert_dir >= 0 || v->enc_alert_dir >= 0;
    if (done || alert || v->not_tls[1]) {
      o->tls_done = done ? 1 : -1;
      o->t_tls_end = t;
      uint32_t sel = o->a->neg_value;
      if (done &&
          (sel == RDPNEG_PROTOCOL_HYBRID || sel == RDPNEG_PROTOCOL_HYBRID_EX))
        o->phase = RDPNEG_PHASE_NLA;
      else if (done)
        o->phase = RDPNEG_OBS_AFTER;
    }
  } else if (o->phase == RDPNEG_PHASE_NLA) {
    o->t_nla_end = t;
  }
  return 0;
}

/* The server's first TPKT decides what follows. */
static void server_confirm(rdpneg_observer *o, int64_t t) {
  rdpneg_attempt_ev *a = o->a;
  rdpneg_buf *b = &o->x[1];
  const uint8_t *p = rdpneg_buf_peek(b);
  size_t n = rdpneg_buf_size(b);
  rdpneg_ssize fl = rdpneg_x224_tpkt_frame(p, n);
  if (fl == 0)
    return;
  o->t_cc = t;
  o->stage[1] = ST_RAW;
  if (fl < 0) {
    a->x224_status =
        fl == RDPNEG_ERR_NOT_RDP ? RDPNEG_X224_NOT_RDP : RDPNEG_X224_MALFORMED;
    o->phase = RDPNEG_OBS_AFTER;
    return;
  }
  rdpneg_x224_pdu pdu;
  const char *why = NULL;
  if (rdpneg_x224_decode(p, (size_t)fl, 0, &pdu, &why) != 0) {
    a->x224_status = RDPNEG_X224_MALFORMED;
    o->phase = RDPNEG_OBS_AFTER;
    return;
  }
  a->have_cc = 1;
  a->has_neg = pdu.has_neg;
  a->neg_type = pdu.neg_type;
  a->neg_value = pdu.neg_value;
  a->neg_flags = pdu.neg_flags;
  a->src_ref = pdu.src_ref;
  a->cc_raw_len = (size_t)fl < sizeof a->cc_raw ? (size_t)fl : sizeof a->cc_raw;
  memcpy(a->cc_raw, p, a->cc_raw_len);
  o->phase = RDPNEG_OBS_AFTER;
  if (!pdu.has_neg) {
    a->x224_status = RDPNEG_X224_LEGACY;
  } else if (pdu.neg_type == RDPNEG_NEG_TYPE_FAILURE) {
    a->x224_status = RDPNEG_X224_FAILURE;
    o->phase = RDPNEG_PHASE_X224; /* what follows is its closing */
  } else {
    a->x224_status = RDPNEG_X224_OK;
    a->unexpected_protocol =
        a->sent_neg_req && pdu.neg_value && !(pdu.neg_value & a->requested);
    uint32_t sel = pdu.neg_value;
    if (sel == RDPNEG_PROTOCOL_SSL || sel == RDPNEG_PROTOCOL_HYBRID ||
        sel == RDPNEG_PROTOCOL_HYBRID_EX) {
      o->tls_on = 1;
      o->phase = RDPNEG_PHASE_TLS;
    }
  }
  rdpneg_buf_consume(b, (size_t)fl);
  for (int d = 0; d < 2; d++) {
    o->stage[d] = o->tls_on ? ST_TLS : ST_RAW;
    /* bytes already held past the confirm / the request */
    if (o->tls_on && rdpneg_buf_size(&o->x[d]))
      tls_input(o, d, rdpneg_buf_peek(&o->x[d]), rdpneg_buf_size(&o->x[d]), t);
    rdpneg_buf_consume(&o->x[d], rdpneg_buf_size(&o->x[d]));
  }
}

int rdpneg_observer_data(rdpneg_observer *o, int dir, const uint8_t *p,
                         size_t n, int64_t t_us) {
  rdpneg_attempt_ev *a = o->a;
  dir &= 1;
  if (t_us > o->t_last)
    o->t_last = t_us;
  a->obs->bytes[dir] += n;
  if (o->phase == RDPNEG_PHASE_TCP)
    o->phase = RDPNEG_PHASE_X224;
  /* the same message log a probe keeps (the phase ladder): records named
   * from their framing, in the order the capture has them */
  rdpneg_msglog_bytes(a->msgs, dir == 0 ? RDPNEG_MSG_C2S : RDPNEG_MSG_S2C, p, n,
                      rel(o, t_us), o->phase == RDPNEG_PHASE_NLA);
  if (dir == 1) {
    if (a->rx_first_len < sizeof a->rx_first) {
      size_t k = sizeof a->rx_first - a->rx_first_len;
      k = k < n ? k : n;
      memcpy(a->rx_first + a->rx_first_len, p, k);
      a->rx_first_len += k;
    }
    a->rx_total += n;
  }
  switch (o->stage[dir]) {
  case ST_TLS:
    return tls_input(o, dir, p, n, t_us);
  case ST_RAW:
    return 0;
  default:
    break;
  }
  if (rdpneg_buf_append(&o->x[dir], p, n) != 0)
    return RDPNEG_ERR_NOMEM;
  if (dir == 0 && o->stage[0] == ST_X224) {
    const uint8_t *b = rdpneg_buf_peek(&o->x[0]);
    rdpneg_ssize fl = rdpneg_x224_tpkt_frame(b, rdpneg_buf_size(&o->x[0]));
    if (fl > 0) {
      o->t_cr = t_us;
      client_request(o, b, (size_t)fl);
      rdpneg_buf_consume(&o->x[0], (size_t)fl);
      o->stage[0] = ST_HOLD;
    } else if (fl < 0) {
      o->stage[0] = ST_HOLD; /* not a request: kept, judged by the server */
    }
  } else if (dir == 1) {
    server_confirm(o, t_us);
  }
  return 0;
}

void rdpneg_observer_end(rdpneg_observer *o, int dir, int reset, int64_t t_us) {
  rdpneg_obs_end *e =
      reset ? &o->a->obs->rst[dir & 1] : &o->a->obs->fin[dir & 1];
  if (t_us > o->t_last)
    o->t_last = t_us;
  if (e->seen)
    return;
  e->seen = 1;
  rdpneg_msglog_event(o->a->msgs, (dir & 1) ? RDPNEG_MSG_S2C : RDPNEG_MSG_C2S,
                      reset ? "RST" : "FIN", rel(o, t_us));
  e->phase = o->phase == RDPNEG_PHASE_TCP && o->a->obs->syn_ack
                 ? RDPNEG_PHASE_X224
                 : o->phase;
  e->t_us = rel(o, t_us);
}

/* ---- completing the evidence ---- */

static const char *side(int d) {
  return d ? "server" : "client";
}

/* The first FIN or RST seen while the connection was in |phase|. Returns
 * 1 and sets *|dir|, *|reset|, *|t| (relative), else 0. */
static int ended_in(const rdpneg_obs_ev *ob, int phase, int *dir, int *reset,
                    int64_t *t) {
  int found = 0;
  for (int r = 1; r >= 0; r--)
    for (int d = 1; d >= 0; d--) {
      const rdpneg_obs_end *e = r ? &ob->rst[d] : &ob->fin[d];
      if (e->seen && e->phase == phase && (!found || e->t_us < *t)) {
        found = 1;
        *dir = d;
        *reset = r;
        *t = e->t_us;
      }
    }
  return found;
}

/* A phase that ended with a FIN or RST (or the capture's end). */
static void phase_ended(rdpneg_observer *o, int ph, int64_t from, int *status,
                        int st_closed, int st_reset, int st_none,
                        const char *what) {
  rdpneg_attempt_ev *a = o->a;
  int dir, reset;
  int64_t t;
  char d[RDPNEG_EV_DETAIL_MAX];
  if (ended_in(a->obs, ph, &dir, &reset, &t)) {
    *status = reset ? st_reset : st_closed;
    snprintf(d, sizeof d, "the %s sent %s %s, %.1f ms into the connection",
             side(dir), reset ? "an RST" : "a FIN", what, (double)t / 1e3);
    set_phase(a, ph, RDPNEG_PHASE_FAILED,
              dir ? (reset ? RDPNEG_ERR_PEER_RESET : RDPNEG_ERR_PEER_CLOSED)
                  : RDPNEG_ERR_TRANSPORT,
              t - from, d);
  } else {
    *status = st_none;
    snprintf(d, sizeof d, "the capture ends %s", what);
    set_phase(a, ph, RDPNEG_PHASE_PENDING, 0, rel(o, o->t_last) - from, d);
  }
}

static void finish_tcp(rdpneg_observer *o) {
  rdpneg_attempt_ev *a = o->a;
  rdpneg_obs_ev *ob = a->obs;
  if (ob->syn_ack || ob->bytes[1] || ob->bytes[0]) {
    a->tcp_status = RDPNEG_TCP_OK;
    int64_t us = ob->syn && ob->syn_ack ? o->t_synack - o->t_syn : 0;
    set_phase(a, RDPNEG_PHASE_TCP, RDPNEG_PHASE_OK, 0, us,
              ob->syn ? (ob->syn_ack ? "SYN and SYN+ACK in the capture"
                                     : "SYN in the capture, no SYN+ACK")
                      : "the capture starts after the TCP handshake");
  } else if (ob->rst[1].seen) {
    a->tcp_status = RDPNEG_TCP_REFUSED;
    set_phase(a, RDPNEG_PHASE_TCP, RDPNEG_PHASE_FAILED,
              RDPNEG_ERR_CONNECT_REFUSED, ob->rst[1].t_us,
              "the server answered the SYN with an RST");
  } else {
    a->tcp_status = RDPNEG_TCP_TIMEOUT;
    set_phase(a, RDPNEG_PHASE_TCP, RDPNEG_PHASE_FAILED,
              RDPNEG_ERR_CONNECT_TIMEOUT, rel(o, o->t_last),
              "no answer from the server in the capture");
  }
}

static void finish_x224(rdpneg_observer *o) {
  rdpneg_attempt_ev *a = o->a;
  int64_t from = o->t_cr >= 0 ? rel(o, o->t_cr) : 0;
  int64_t us = o->t_cc >= 0 ? rel(o, o->t_cc) - from : 0;
  char d[RDPNEG_EV_DETAIL_MAX];
  switch (a->x224_status) {
  case RDPNEG_X224_OK:
  case RDPNEG_X224_LEGACY:
    snprintf(d, sizeof d, "%s%s",
             a->x224_status == RDPNEG_X224_OK
                 ? "RDP_NEG_RSP"
                 : "Connection Confirm without negotiation data",
             a->obs->cr_seen ? "" : " (no Connection Request in the capture)");
    set_phase(a, RDPNEG_PHASE_X224, RDPNEG_PHASE_OK, 0, us, d);
    break;
  case RDPNEG_X224_FAILURE:
    snprintf(d, sizeof d, "RDP_NEG_FAILURE %s (%u)",
             rdpneg_failure_name(a->neg_value)
                 ? rdpneg_failure_name(a->neg_value)
                 : "UNKNOWN",
             (unsigned)a->neg_value);
    set_phase(a, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED,
              failure_err(a->neg_value), us, d);
    break;
  case RDPNEG_X224_NOT_RDP:
  case RDPNEG_X224_MALFORMED:
    set_phase(a, RDPNEG_PHASE_X224, RDPNEG_PHASE_FAILED,
              a->x224_status == RDPNEG_X224_NOT_RDP ? RDPNEG_ERR_NOT_RDP
                                                    : RDPNEG_ERR_X224_MALFORMED,
              us,
              a->x224_status == RDPNEG_X224_NOT_RDP
                  ? "the server's first bytes are not a TPKT"
                  : "the server's Connection Confirm does not parse");
    break;
  default: {
    int st;
    phase_ended(o, RDPNEG_PHASE_X224, from, &st, RDPNEG_X224_CLOSED,
                RDPNEG_X224_RESET, RDPNEG_X224_TIMEOUT,
                "before the Connection Confirm");
    a->x224_status = st;
  }
  }
}

static void finish_tls(rdpneg_observer *o, const char *server) {
  rdpneg_attempt_ev *a = o->a;
  rdpneg_tls_view *v = &o->tv;
  rdpneg_tls_ev *t = a->tls;
  rdpneg_obs_ev *ob = a->obs;
  int64_t from = o->t_ch >= 0 ? rel(o, o->t_ch) : rel(o, o->t_cc);
  int64_t us = o->t_tls_end >= 0 ? rel(o, o->t_tls_end) - from : 0;
  char d[RDPNEG_EV_DETAIL_MAX], cb[96];
  a->tls_ran = 1;
  a->tls_min = 1;
  a->tls_max = 3;
  const rdpneg_tlsv_hello *h = &v->hello;
  uint16_t ver = h->selected_version ? h->selected_version : h->server_version;
  if (h->server_hello) {
    const char *vn = rdpneg_tlsv_version_name(ver);
    snprintf(t->version, sizeof t->version, "%s", vn ? vn : "");
    const char *cn = rdpneg_tlsv_cipher_name(h->cipher, cb, sizeof cb);
    if (cn)
      snprintf(t->cipher, sizeof t->cipher, "%s", cn);
    else
      snprintf(t->cipher, sizeof t->cipher, "0x%04X", h->cipher);
    t->server_hello_version = h->server_version;
    t->server_selected_version = h->selected_version;
  }
  t->last_server_msg = v->last_server_msg;
  t->cert_requested = v->cert_requested;
  t->bytes_received =
      a->rx_total > a->cc_raw_len ? a->rx_total - a->cc_raw_len : 0;
  memcpy(t->first_bytes, v->first_bytes[1], v->first_len[1]);
  t->first_len = v->first_len[1];
  if (v->cert_msg) {
    const char *name = h->sni[0] ? h->sni : server;
    snprintf(a->name, sizeof a->name, "%s", name);
    a->sni_set = h->sni[0] != 0;
    t->has_cert = rdpneg_tlsv_cert(v, name, ob->start_unix_us / 1000000, 30,
                                   &t->cert) == 0;
  }
  int offered13 = 0;
  for (int i = 0; i < h->nversions; i++)
    offered13 |= h->versions[i] == 0x0304;
  if (o->tls_done == 1) {
    a->tls_status = t->status = RDPNEG_TLS_OK;
    set_phase(a, RDPNEG_PHASE_TLS, RDPNEG_PHASE_OK, 0, us,
              v->tls13 ? "TLS 1.3: everything after the ServerHello is "
                         "encrypted (no certificate without keys)"
                       : "handshake complete (both Finished records seen)");
  } else if (v->alert_dir == 1) {
    a->tls_status = t->status = RDPNEG_TLS_ALERT;
    t->alert_code = v->alert_code;
    t->alert_level = v->alert_level;
    t->requires_tls13 = v->alert_code == 70 && !offered13;
    const char *an = rdpneg_tls_alert_name(v->alert_code);
    snprintf(d, sizeof d, "the server sent alert %s (%d)", an ? an : "?",
             v->alert_code);
    set_phase(a, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED, RDPNEG_ERR_TLS_ALERT,
              us, d);
  } else if (v->not_tls[1]) {
    a->tls_status = t->status = RDPNEG_TLS_NOT_TLS;
    set_phase(a, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED, RDPNEG_ERR_NOT_TLS, us,
              "the server answered with bytes that are not TLS records");
  } else if (v->alert_dir == 0 || v->enc_alert_dir >= 0) {
    a->tls_status = t->status = RDPNEG_TLS_FAILED;
    if (v->alert_dir == 0) {
      const char *an = rdpneg_tls_alert_name(v->alert_code);
      snprintf(d, sizeof d,
               "the client sent alert %s (%d): it refused the server's "
               "handshake (e.g. its certificate)",
               an ? an : "?", v->alert_code);
    } else {
      snprintf(d, sizeof d,
               "the %s sent an encrypted alert during the handshake",
               side(v->enc_alert_dir));
    }
    set_phase(a, RDPNEG_PHASE_TLS, RDPNEG_PHASE_FAILED,
              RDPNEG_ERR_TLS_HANDSHAKE, us, d);
  } else {
    int st;
    phase_ended(o, RDPNEG_PHASE_TLS, from, &st, RDPNEG_TLS_CLOSED,
                RDPNEG_TLS_RESET, RDPNEG_TLS_STALLED,
                "during the TLS handshake");
    a->tls_status = t->status = st;
  }
  if (v->alert_dir == 0) {
    ob->client_alert_code = v->alert_code;
    ob->client_alert_level = v->alert_level;
  }
}

static void finish_nla(rdpneg_observer *o) {
  rdpneg_attempt_ev *a = o->a;
  rdpneg_obs_ev *ob = a->obs;
  int64_t from = rel(o, o->t_tls_end);
  int64_t us = o->t_nla_end >= 0 ? rel(o, o->t_nla_end) - from : 0;
  char d[RDPNEG_EV_DETAIL_MAX];
  int dir, reset;
  int64_t t;
  int n = snprintf(d, sizeof d,
                   "CredSSP encrypted (record sizes and timing only): %d "
                   "records client->server (%llu B), %d server->client "
                   "(%llu B)",
                   ob->app_records[0], (unsigned long long)ob->app_bytes[0],
                   ob->app_records[1], (unsigned long long)ob->app_bytes[1]);
  if (n < 0)
    n = 0;
  size_t k = (size_t)n < sizeof d ? (size_t)n : sizeof d - 1;
  if (o->tv.enc_alert_dir == 1) {
    snprintf(d + k, sizeof d - k, "; the server sent an encrypted alert");
    set_phase(a, RDPNEG_PHASE_NLA, RDPNEG_PHASE_FAILED, RDPNEG_ERR_TLS_ALERT,
              us, d);
  } else if (ended_in(ob, RDPNEG_PHASE_NLA, &dir, &reset, &t)) {
    snprintf(d + k, sizeof d - k, "; the %s sent %s at %.1f ms", side(dir),
             reset ? "an RST" : "a FIN", (double)t / 1e3);
    set_phase(
        a, RDPNEG_PHASE_NLA, dir ? RDPNEG_PHASE_FAILED : RDPNEG_PHASE_PENDING,
        dir ? (reset ? RDPNEG_ERR_PEER_RESET : RDPNEG_ERR_PEER_CLOSED) : 0,
        t - from, d);
  } else {
    snprintf(d + k, sizeof d - k, "; the outcome is not visible without keys");
    set_phase(a, RDPNEG_PHASE_NLA, RDPNEG_PHASE_PENDING, 0, us, d);
  }
}

void rdpneg_observer_finish(rdpneg_observer *o) {
  rdpneg_attempt_ev *a = o->a;
  rdpneg_obs_ev *ob = a->obs;
  rdpneg_tls_view *v = &o->tv;
  ob->hello = v->hello;
  ob->tls13 = v->tls13;
  ob->enc_alert_dir = v->enc_alert_dir;
  for (int d = 0; d < 2; d++) {
    ob->app_records[d] = v->app_records[d];
    ob->app_bytes[d] = v->app_bytes[d];
  }
  a->finished = 1;
  a->total_us = rel(o, o->t_last);
  a->tls_status = RDPNEG_TLS_SKIPPED;
  for (int i = 0; i < RDPNEG_PHASE_COUNT; i++)
    set_phase(a, i, RDPNEG_PHASE_SKIPPED, 0, -1, NULL);
  finish_tcp(o);
  if (a->tcp_status != RDPNEG_TCP_OK) {
    a->x224_status = RDPNEG_X224_SKIPPED;
    rdpneg_observer_free(o);
    return;
  }
  finish_x224(o);
  if (o->tls_on)
    finish_tls(o, a->address);
  if (o->tls_done == 1 && (a->neg_value == RDPNEG_PROTOCOL_HYBRID ||
                           a->neg_value == RDPNEG_PROTOCOL_HYBRID_EX))
    finish_nla(o);
  rdpneg_observer_free(o);
}
