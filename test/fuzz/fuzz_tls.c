/* SPDX-License-Identifier: Apache-2.0 */
/* The TLS phase against a real mbedTLS server in memory (tls_peer.c): the
 * fuzzer chooses both configurations, damages the server's bytes (XOR at
 * stream offsets, a cut), splits them and sets the clock; after the
 * handshake the server sends the rest of the input as application data,
 * which the session takes as the CredSSP stream.
 *
 * Input:
 *   0  session: selected protocol (bits 0-1: SSL, HYBRID, HYBRID_EX, SSL),
 *      no NLA (2), raw NTLM (3), credentials (4), CA configured (5),
 *      clock (6-7)
 *   1  server: EC leaf (0; else RSA 1024), chain (1), client certificate (2-3),
 * max version (4-5), min version = max (6), HelloRequest (7) 2  client TLS min
 * (0-1) and max (2-3), reject policy (4-7) 3  suite (0-2), end:
 * deadline/FIN/RST/error (3-4), close_notify (5) 4  bytes per read (0 = all), 5
 * ms per read 6  number of mutations (0-15), then 3 bytes each: offset (2), XOR
 *   +2 cut offset (0xFFFF = none), +1 bytes per application record
 *   with bit 6 of byte 3: a length byte and that many bytes of dNSName
 *   rest: application data */
#include "harness.h"
#include "tls_peer.h"

#include <string.h>

static const int64_t clocks[4] = {FUZZ_NOW, 0, 1950000000, 1500000000};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in = {data, size};
  uint8_t c0 = fuzz_u8(&in), c1 = fuzz_u8(&in), c2 = fuzz_u8(&in),
          c3 = fuzz_u8(&in);
  static const uint32_t sel_tab[4] = {1, 2, 8, 1};
  uint32_t selected = sel_tab[c0 & 3];

  rdpneg_config *cfg = NULL;
  FUZZ_ASSERT(rdpneg_config_new(&cfg) == 0);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_REQUESTED_PROTOCOLS, 0xb);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_DO_NLA, !(c0 & 4));
  rdpneg_config_set_int(cfg, RDPNEG_OPT_SPNEGO, !(c0 & 8));
  if (c0 & 16)
    rdpneg_config_set_credentials(cfg, "alice", "LAB", "Passw0rd!");
  if (c0 & 32) {
    const uint8_t *ca;
    size_t ca_len;
    fuzz_peer_ca(&ca, &ca_len);
    FUZZ_ASSERT(rdpneg_config_add_ca(cfg, ca, ca_len) == 0);
  }
  rdpneg_config_set_int(cfg, RDPNEG_OPT_NOW_UNIX, clocks[c0 >> 6]);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_MIN, 1 + (c2 & 3) % 3);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_MAX, 1 + ((c2 >> 2) & 3) % 3);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_REJECT_CERT, c2 >> 4);

  fuzz_peer_opts po = {
      .rsa = !(c1 & 1),
      .chain = (c1 >> 1) & 1,
      .client_cert = ((c1 >> 2) & 3) % 3,
      .max_version = 1 + ((c1 >> 4) & 3) % 3,
      .suite = c3 & 7,
  };
  po.min_version = (c1 & 64) ? po.max_version : 1;

  fuzz_link l;
  int rc = fuzz_link_open(&l, cfg);
  rdpneg_config_free(cfg);
  if (rc)
    return 0;
  l.chunk = fuzz_u8(&in);
  l.step_ms = fuzz_u8(&in);
  l.nmut = fuzz_u8(&in) & 15;
  for (int i = 0; i < l.nmut; i++) {
    l.mut[i].off = (uint32_t)fuzz_u8(&in) << 8;
    l.mut[i].off |= fuzz_u8(&in);
    l.mut[i].x = fuzz_u8(&in);
  }
  uint32_t cut = (uint32_t)fuzz_u8(&in) << 8;
  cut |= fuzz_u8(&in);
  if (cut != 0xFFFF)
    l.cut = cut;
  size_t app_chunk = fuzz_u8(&in);
  if (!app_chunk)
    app_chunk = 16384;
  if (c3 & 64) /* the leaf's dNSName from the input */
    po.san_name = fuzz_bytes(&in, fuzz_u8(&in), &po.san_len);

  /* Connection Confirm: RDP_NEG_RSP, flags 0x1f */
  uint8_t cc[19] = {
      0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00,
      0x12, 0x34, 0x00, 0x02, 0x1f, 0x08, 0x00, (uint8_t)selected};
  fuzz_link_deliver(&l, cc, sizeof cc);

  fuzz_peer *peer = NULL;
  fuzz_peer_new(&peer, &po);
  uint8_t *cli = NULL;
  size_t cli_len = 0;
  int hs = 0, app_sent = 0;
  for (int round = 0; round < 64 && !rdpneg_session_done(l.s); round++) {
    size_t got = fuzz_link_collect(&l, &cli, &cli_len);
    fuzz_peer_input(peer, cli, cli_len);
    cli_len = 0;
    if (hs == 0) {
      hs = fuzz_peer_handshake(peer);
      if (hs == 1 && (c1 & 128))
        fuzz_peer_hello_request(peer);
    }
    if (hs == 1) {
      uint8_t buf[4096];
      while (fuzz_peer_read(peer, buf, sizeof buf) > 0)
        ;
      if (!app_sent) {
        app_sent = 1;
        for (size_t off = 0; off < in.n; off += app_chunk)
          fuzz_peer_write(peer, in.p + off,
                          in.n - off < app_chunk ? in.n - off : app_chunk);
        if (c3 & 32)
          fuzz_peer_close_notify(peer);
      }
    }
    const uint8_t *out;
    size_t out_len;
    fuzz_peer_output(peer, &out, &out_len);
    if (!got && !out_len)
      break;
    fuzz_link_deliver(&l, out, out_len);
    fuzz_peer_output_clear(peer);
    if (hs < 0)
      break;
  }
  free(cli);
  fuzz_peer_free(peer);
  fuzz_link_close(&l, (c3 >> 3) & 3, NULL);
  return 0;
}
