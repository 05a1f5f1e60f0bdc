/* SPDX-License-Identifier: Apache-2.0 */
/* The "observed" member of a connection seen in a capture (source
 * "capture"): what the client offered, what is visible without keys, and
 * the timing of records, FIN and RST. */
#include "output/document.h"
#include "proto/tls_view.h"

#include <stdio.h>

static const char *const phase_key[] = {"tcp", "x224", "tls", "nla", "after"};

static void json_end(rdpneg_json *w, const char *key, const rdpneg_obs_end *e) {
  if (!e->seen) {
    rdpneg_json_null(w, key);
    return;
  }
  rdpneg_json_obj_begin(w, key);
  rdpneg_json_str(w, "phase", phase_key[e->phase]);
  rdpneg_json_double(w, "ms", (double)e->t_us / 1e3, 3);
  rdpneg_json_obj_end(w);
}

static const char *rec_type(int t) {
  switch (t) {
  case 20:
    return "change_cipher_spec";
  case 21:
    return "alert";
  case 22:
    return "handshake";
  case 23:
    return "application_data";
  }
  return "other";
}

void rdpneg_doc_write_observed(rdpneg_json *w, const rdpneg_attempt_ev *a) {
  if (!a->observed)
    return;
  const rdpneg_obs_ev *o = a->obs;
  const rdpneg_tlsv_hello *h = &o->hello;
  char b[96];
  rdpneg_json_obj_begin(w, "observed");
  rdpneg_json_str(w, "client", o->client);
  rdpneg_json_uint(w, "client_port", o->client_port);
  rdpneg_json_int(w, "start_unix_us", o->start_unix_us);
  rdpneg_json_arr_begin(w, "visible_without_keys");
  rdpneg_json_str(w, NULL, "x224: in full");
  rdpneg_json_str(w, NULL,
                  o->tls13 ? "tls: TLS 1.3, up to the ServerHello"
                           : "tls: TLS 1.0-1.2 handshake, certificate and "
                             "plaintext alerts");
  rdpneg_json_str(w, NULL, "nla: CredSSP record sizes and timing only");
  rdpneg_json_arr_end(w);
  rdpneg_json_obj_begin(w, "client_request");
  rdpneg_json_bool(w, "seen", o->cr_seen);
  rdpneg_json_str(w, "routing_token",
                  o->routing_token[0] ? o->routing_token : NULL);
  if (o->has_correlation) {
    char hx[33];
    rdpneg_hex_encode(o->correlation_id, 16, hx);
    rdpneg_json_str(w, "correlation_id", hx);
  } else {
    rdpneg_json_null(w, "correlation_id");
  }
  rdpneg_json_obj_end(w);
  if (h->client_hello) {
    rdpneg_json_obj_begin(w, "client_hello");
    const char *vn = rdpneg_tlsv_version_name(h->client_version);
    rdpneg_json_str(w, "version", vn ? vn : "unknown");
    rdpneg_json_arr_begin(w, "supported_versions");
    for (int i = 0; i < h->nversions; i++) {
      vn = rdpneg_tlsv_version_name(h->versions[i]);
      if (vn)
        rdpneg_json_str(w, NULL, vn);
    }
    rdpneg_json_arr_end(w);
    rdpneg_json_int(w, "cipher_suites_offered", h->nciphers_offered);
    rdpneg_json_arr_begin(w, "cipher_suites");
    for (int i = 0; i < h->nciphers; i++) {
      const char *cn = rdpneg_tlsv_cipher_name(h->ciphers[i], b, sizeof b);
      if (!cn) {
        snprintf(b, sizeof b, "0x%04X", h->ciphers[i]);
        cn = b;
      }
      rdpneg_json_str(w, NULL, cn);
    }
    rdpneg_json_arr_end(w);
    rdpneg_json_str(w, "sni", h->sni[0] ? h->sni : NULL);
    rdpneg_json_obj_end(w);
  } else {
    rdpneg_json_null(w, "client_hello");
  }
  if (o->client_alert_code >= 0) {
    rdpneg_json_obj_begin(w, "client_alert");
    rdpneg_json_str(w, "name", rdpneg_tls_alert_name(o->client_alert_code));
    rdpneg_json_int(w, "code", o->client_alert_code);
    rdpneg_json_obj_end(w);
  } else {
    rdpneg_json_null(w, "client_alert");
  }
  if (o->enc_alert_dir >= 0)
    rdpneg_json_str(w, "encrypted_alert_from",
                    o->enc_alert_dir ? "server" : "client");
  else
    rdpneg_json_null(w, "encrypted_alert_from");
  rdpneg_json_arr_begin(w, "records");
  for (int i = 0; i < o->nrecords; i++) {
    rdpneg_json_obj_begin(w, NULL);
    rdpneg_json_str(w, "from", o->rec[i].dir ? "server" : "client");
    rdpneg_json_str(w, "type", rec_type(o->rec[i].type));
    rdpneg_json_bool(w, "encrypted", o->rec[i].encrypted);
    rdpneg_json_uint(w, "bytes", o->rec[i].len);
    rdpneg_json_double(w, "ms", (double)o->rec[i].t_us / 1e3, 3);
    rdpneg_json_obj_end(w);
  }
  rdpneg_json_arr_end(w);
  rdpneg_json_obj_begin(w, "application_data");
  rdpneg_json_int(w, "client_records", o->app_records[0]);
  rdpneg_json_uint(w, "client_bytes", o->app_bytes[0]);
  rdpneg_json_int(w, "server_records", o->app_records[1]);
  rdpneg_json_uint(w, "server_bytes", o->app_bytes[1]);
  rdpneg_json_obj_end(w);
  rdpneg_json_obj_begin(w, "ends");
  json_end(w, "client_fin", &o->fin[0]);
  json_end(w, "client_rst", &o->rst[0]);
  json_end(w, "server_fin", &o->fin[1]);
  json_end(w, "server_rst", &o->rst[1]);
  rdpneg_json_obj_end(w);
  rdpneg_json_obj_begin(w, "tcp");
  rdpneg_json_bool(w, "syn", o->syn);
  rdpneg_json_bool(w, "syn_ack", o->syn_ack);
  rdpneg_json_uint(w, "client_bytes", o->bytes[0]);
  rdpneg_json_uint(w, "server_bytes", o->bytes[1]);
  rdpneg_json_uint(w, "retransmitted_bytes", o->dup_bytes[0] + o->dup_bytes[1]);
  rdpneg_json_uint(w, "conflicting_bytes", o->conflicts[0] + o->conflicts[1]);
  rdpneg_json_uint(w, "out_of_order_segments",
                   o->reordered[0] + o->reordered[1]);
  rdpneg_json_bool(w, "bytes_missing", o->gap[0] || o->gap[1]);
  rdpneg_json_obj_end(w);
  rdpneg_json_obj_end(w);
}
