/* SPDX-License-Identifier: Apache-2.0 */
/* The whole session through the public API, fed arbitrary server bytes in
 * arbitrary splits with arbitrary clocks: rdpneg_session_new / start /
 * tcp_result / read / write / expiry / handle_expiry / transport_closed.
 * Whatever happens it must end by itself, and its JSON, text report and
 * diagnosis must be well formed (harness.c).
 *
 * Input: two configuration bytes, then records [op][len][len bytes]:
 *   op & 7  0-3 deliver the bytes, 4 FIN, 5 RST, 6 the next deadline
 *           passes, 7 drain what the session wants to send (len = cap);
 *           only 0-3 are followed by bytes
 *   op >> 3 milliseconds that pass first: (op >> 3)^2 * 10 */
#include "harness.h"

#include <string.h>

static const uint32_t protocols[8] = {0xb, 0x1, 0x3, 0x0, 0x2, 0x8, 0x1f, 0xb};
static const int64_t clocks[4] = {0, FUZZ_NOW, 1950000000, 1500000000};

static rdpneg_config *config(uint8_t a, uint8_t b) {
  rdpneg_config *c = NULL;
  FUZZ_ASSERT(rdpneg_config_new(&c) == 0);
  rdpneg_config_set_int(c, RDPNEG_OPT_REQUESTED_PROTOCOLS, protocols[a & 7]);
  rdpneg_config_set_int(c, RDPNEG_OPT_SEND_NEG_REQ, (a & 7) != 7);
  rdpneg_config_set_int(c, RDPNEG_OPT_DO_TLS, !(a & 8));
  rdpneg_config_set_int(c, RDPNEG_OPT_DO_NLA, !(a & 16));
  rdpneg_config_set_int(c, RDPNEG_OPT_SPNEGO, !(a & 32));
  if (a & 64)
    rdpneg_config_set_credentials(c, "alice", "LAB", "Passw0rd!");
  if (a & 128)
    rdpneg_config_set_str(c, RDPNEG_STROPT_COOKIE, "fuzz");
  rdpneg_config_set_int(c, RDPNEG_OPT_TLS_MIN, 1 + (b & 3) % 3);
  rdpneg_config_set_int(c, RDPNEG_OPT_TLS_MAX, 1 + ((b >> 2) & 3) % 3);
  rdpneg_config_set_int(c, RDPNEG_OPT_NOW_UNIX, clocks[(b >> 4) & 3]);
  if (b & 64)
    rdpneg_config_set_int(c, RDPNEG_OPT_REJECT_CERT, 0x1f);
  if (b & 128)
    rdpneg_config_set_int(c, RDPNEG_OPT_MAX_BUFFERED, 512);
  return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in = {data, size};
  uint8_t a = fuzz_u8(&in), b = fuzz_u8(&in);
  rdpneg_config *cfg = config(a, b);
  fuzz_link l;
  int rc = fuzz_link_open(&l, cfg);
  rdpneg_config_free(cfg);
  if (rc)
    return 0;
  int how = 0;
  while (in.n && !rdpneg_session_done(l.s)) {
    uint8_t op = fuzz_u8(&in);
    size_t len = fuzz_u8(&in);
    const uint8_t *p = NULL;
    if ((op & 7) < 4)
      p = fuzz_bytes(&in, len, &len);
    unsigned dt = (unsigned)(op >> 3);
    l.ts += (rdpneg_tstamp)dt * dt * 10 * FUZZ_MS;
    if (l.ts >= rdpneg_session_expiry(l.s)) {
      rdpneg_session_handle_expiry(l.s, l.ts);
      continue;
    }
    switch (op & 7) {
    case 4:
    case 5:
      how = (op & 7) == 4 ? 1 : 2;
      rdpneg_session_transport_closed(
          l.s, how == 1 ? RDPNEG_CLOSE_EOF : RDPNEG_CLOSE_RESET, 0, l.ts);
      break;
    case 6: {
      rdpneg_tstamp e = rdpneg_session_expiry(l.s);
      FUZZ_ASSERT(e != RDPNEG_TSTAMP_NEVER);
      l.ts = e;
      rdpneg_session_handle_expiry(l.s, l.ts);
      break;
    }
    case 7: {
      uint8_t out[256];
      rdpneg_ssize n = rdpneg_session_write(l.s, out, len, l.ts);
      FUZZ_ASSERT(n >= 0 && (size_t)n <= len);
      break;
    }
    default: {
      rdpneg_ssize r = rdpneg_session_read(l.s, p, len, l.ts);
      FUZZ_ASSERT(r == (rdpneg_ssize)len || r < 0);
      break;
    }
    }
  }
  fuzz_link_close(&l, 0, NULL);
  return 0;
}
