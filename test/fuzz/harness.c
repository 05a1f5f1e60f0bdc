/* SPDX-License-Identifier: Apache-2.0 */
#include "harness.h"

#include "base/jsonparse.h"
#include "proto/x224.h"

#include <rdpneg/rdpneg_diagnosis.h>

#include <string.h>
#include <time.h>

#include <mbedtls/entropy.h>

/* ---- determinism --------------------------------------------------------
 * The library seeds its TLS DRBG from mbedtls_entropy_func, and mbedTLS puts
 * time() into the hello randoms. Both are replaced in the fuzz programs
 * (this definition takes precedence over libmbedcrypto's and libc's), so
 * that the same input gives the same bytes on the wire and a crash
 * reproduces. */
int mbedtls_entropy_func(void *data, unsigned char *output, size_t len) {
  (void)data;
  for (size_t i = 0; i < len; i++)
    output[i] = (unsigned char)(0xA5 ^ (i * 29));
  return 0;
}

time_t time(time_t *t) {
  if (t)
    *t = FUZZ_NOW;
  return FUZZ_NOW;
}

int fuzz_rng(void *ctx, unsigned char *buf, size_t len) {
  uint32_t *st = ctx, x = st && *st ? *st : 0x9E3779B9u;
  for (size_t i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = (unsigned char)x;
  }
  if (st)
    *st = x;
  return 0;
}

/* ---- output checks ------------------------------------------------------ */

void fuzz_check_json(const char *json, size_t len) {
  FUZZ_ASSERT(json != NULL);
  rdpneg_jp_node *root = NULL;
  char err[160];
  int rc = rdpneg_jp_parse(json, len, &root, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "invalid JSON (%s): %.*s\n", err, (int)len, json);
  FUZZ_ASSERT(rc == 0);
  FUZZ_ASSERT(root->type == RDPNEG_JP_OBJECT);
  rdpneg_jp_free(root);
}

void fuzz_check_text(const char *text, size_t len) {
  FUZZ_ASSERT(text != NULL);
  FUZZ_ASSERT(strlen(text) == len);
  /* terminal safety of server-supplied strings */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      fprintf(stderr, "control byte 0x%02x at %zu in the report:\n%s\n", c, i,
              text);
      FUZZ_ASSERT(!"control character in the text report");
    }
  }
}

/* ---- the session -------------------------------------------------------- */

int fuzz_link_open(fuzz_link *l, const rdpneg_config *cfg) {
  memset(l, 0, sizeof *l);
  l->ts = 1000 * FUZZ_MS;
  l->cut = UINT64_MAX;
  if (rdpneg_session_new(&l->s, cfg, "server.example", 3389) != 0)
    return -1;
  FUZZ_ASSERT(rdpneg_session_start(l->s, l->ts) == 0);
  FUZZ_ASSERT(rdpneg_session_tcp_result(l->s, RDPNEG_TCP_OK, "192.0.2.1", 0,
                                        l->ts + FUZZ_MS) == 0);
  l->ts += FUZZ_MS;
  uint8_t cr[512];
  rdpneg_ssize n = rdpneg_session_write(l->s, cr, sizeof cr, l->ts);
  if (n > 0) {
    rdpneg_x224_pdu pdu;
    FUZZ_ASSERT(rdpneg_x224_decode(cr, (size_t)n, 1, &pdu, NULL) == 0);
  }
  return 0;
}

void fuzz_link_deliver(fuzz_link *l, const uint8_t *data, size_t n) {
  while (n && !rdpneg_session_done(l->s) && l->sent < l->cut) {
    size_t c = l->chunk && l->chunk < n ? l->chunk : n;
    if (l->sent + c > l->cut)
      c = (size_t)(l->cut - l->sent);
    uint8_t buf[4096];
    if (c > sizeof buf)
      c = sizeof buf;
    memcpy(buf, data, c);
    for (int i = 0; i < l->nmut; i++)
      if (l->mut[i].off >= l->sent && l->mut[i].off < l->sent + c)
        buf[l->mut[i].off - l->sent] ^= l->mut[i].x;
    l->ts += (rdpneg_tstamp)l->step_ms * FUZZ_MS;
    /* a deadline that passed while the bytes were on their way */
    if (l->ts >= rdpneg_session_expiry(l->s))
      rdpneg_session_handle_expiry(l->s, l->ts);
    if (rdpneg_session_done(l->s))
      break;
    const char *dump = getenv("RDPNEG_FUZZ_DUMP"); /* to craft inputs */
    FILE *df = dump ? fopen(dump, "ab") : NULL;
    if (df) {
      fwrite(buf, 1, c, df);
      fclose(df);
    }
    rdpneg_ssize r = rdpneg_session_read(l->s, buf, c, l->ts);
    FUZZ_ASSERT(r == (rdpneg_ssize)c || r < 0);
    l->sent += c;
    data += c;
    n -= c;
  }
}

size_t fuzz_link_collect(fuzz_link *l, uint8_t **buf, size_t *len) {
  size_t before = *len;
  for (;;) {
    uint8_t tmp[4096];
    rdpneg_ssize n = rdpneg_session_write(l->s, tmp, sizeof tmp, l->ts);
    FUZZ_ASSERT(n >= 0);
    if (n == 0)
      break;
    uint8_t *nb = realloc(*buf, *len + (size_t)n);
    FUZZ_ASSERT(nb != NULL);
    memcpy(nb + *len, tmp, (size_t)n);
    *buf = nb;
    *len += (size_t)n;
  }
  return *len - before;
}

static void check_outputs(rdpneg_session *s, const char *reported) {
  char *out = NULL;
  size_t len = 0;
  FUZZ_ASSERT(rdpneg_session_json(s, &out, &len) == 0);
  fuzz_check_json(out, len);
  rdpneg_free(out);
  FUZZ_ASSERT(rdpneg_session_report(s, &out, &len) == 0);
  fuzz_check_text(out, len);
  if (getenv("RDPNEG_FUZZ_VERBOSE")) /* to see what an input does */
    fprintf(stderr, "%s\n", out);
  rdpneg_free(out);
  rdpneg_verdict v = rdpneg_session_verdict(s);
  FUZZ_ASSERT(v >= RDPNEG_VERDICT_HEALTHY && v <= RDPNEG_VERDICT_UNKNOWN);
  for (int ph = 0; ph < RDPNEG_PHASE_COUNT; ph++)
    FUZZ_ASSERT(rdpneg_session_phase(s, (rdpneg_phase)ph, NULL, NULL) !=
                RDPNEG_PHASE_PENDING);
  rdpneg_diagnosis *d = NULL;
  rdpneg_evidence *ev = NULL;
  FUZZ_ASSERT(rdpneg_session_evidence(s, &ev) == 0);
  int rc = rdpneg_diagnose(ev, NULL, reported, &d);
  if (rc == 0) {
    FUZZ_ASSERT(rdpneg_diagnosis_json(d, &out, &len) == 0);
    fuzz_check_json(out, len);
    rdpneg_free(out);
    /* the document reads back into the same evidence and diagnosis */
    char *doc = NULL, *doc2 = NULL, err[160];
    rdpneg_evidence *back = NULL;
    rdpneg_diagnosis *d2 = NULL;
    FUZZ_ASSERT(rdpneg_evidence_json(ev, d, &doc, &len) == 0);
    FUZZ_ASSERT(rdpneg_evidence_parse(doc, len, &back, err, sizeof err) == 0);
    FUZZ_ASSERT(rdpneg_diagnose(back, NULL, reported, &d2) == 0);
    FUZZ_ASSERT(rdpneg_evidence_json(back, d2, &doc2, NULL) == 0);
    FUZZ_ASSERT(strcmp(doc, doc2) == 0);
    rdpneg_free(doc);
    rdpneg_free(doc2);
    rdpneg_diagnosis_free(d2);
    rdpneg_evidence_free(back);
    /* every finding has a cause (regress/session/neg-failure-code-0) */
    for (int i = 0; i < rdpneg_diagnosis_count(d); i++)
      FUZZ_ASSERT(rdpneg_diagnosis_cause(d, i) != NULL);
    rdpneg_diagnosis_free(d);
  } else {
    FUZZ_ASSERT(reported != NULL && rc == RDPNEG_ERR_INVALID_ARGUMENT);
  }
  rdpneg_evidence_free(ev);
}

void fuzz_link_close(fuzz_link *l, int how, const char *reported) {
  rdpneg_session *s = l->s;
  if (!rdpneg_session_done(s) && how > 0) {
    l->ts += FUZZ_MS;
    rdpneg_session_transport_closed(s,
                                    how == 1   ? RDPNEG_CLOSE_EOF
                                    : how == 2 ? RDPNEG_CLOSE_RESET
                                               : RDPNEG_CLOSE_ERROR,
                                    how == 3 ? 32 : 0, l->ts);
  }
  /* every deadline in turn: the session must end by itself */
  for (int i = 0; i < 8 && !rdpneg_session_done(s); i++) {
    rdpneg_tstamp e = rdpneg_session_expiry(s);
    FUZZ_ASSERT(e != RDPNEG_TSTAMP_NEVER);
    if (e > l->ts)
      l->ts = e;
    rdpneg_session_handle_expiry(s, l->ts);
  }
  FUZZ_ASSERT(rdpneg_session_done(s));
  FUZZ_ASSERT(rdpneg_session_expiry(s) == RDPNEG_TSTAMP_NEVER);
  uint8_t *rest = NULL;
  size_t rest_len = 0;
  fuzz_link_collect(l, &rest, &rest_len);
  free(rest);
  check_outputs(s, reported);
  rdpneg_session_free(s);
  l->s = NULL;
}
