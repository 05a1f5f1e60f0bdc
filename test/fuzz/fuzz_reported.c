/* SPDX-License-Identifier: Apache-2.0 */
/* The reported-code parser ("[kind:]code[/ext]", rdpneg-probe --reported)
 * through the public API: rdpneg_diagnose() on the evidence of finished
 * sessions of several kinds and rdpneg_reported_check(), with the input as
 * the reported code. Both must agree on what is valid, and the documents
 * must stay well-formed. */
#include "harness.h"

#include <rdpneg/rdpneg_diagnosis.h>

#include <string.h>

#define NSESS 4
static rdpneg_session *sess[NSESS];
static rdpneg_evidence *evs[NSESS];
static rdpneg_taxonomy *tax;

/* 0 refused, 1 NEG_FAILURE HYBRID_REQUIRED, 2 legacy confirm, 3 silent */
static rdpneg_session *finished(int kind) {
  rdpneg_config *cfg = NULL;
  FUZZ_ASSERT(rdpneg_config_new(&cfg) == 0);
  fuzz_link l;
  FUZZ_ASSERT(fuzz_link_open(&l, cfg) == 0);
  rdpneg_config_free(cfg);
  static const uint8_t failure[] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00,
                                    0x00, 0x12, 0x34, 0x00, 0x03, 0x00, 0x08,
                                    0x00, 0x05, 0x00, 0x00, 0x00};
  static const uint8_t legacy[] = {0x03, 0x00, 0x00, 0x0b, 0x06, 0xd0,
                                   0x00, 0x00, 0x12, 0x34, 0x00};
  if (kind == 1)
    fuzz_link_deliver(&l, failure, sizeof failure);
  else if (kind == 2)
    fuzz_link_deliver(&l, legacy, sizeof legacy);
  rdpneg_session *s = l.s;
  if (kind == 0) {
    /* a fresh session, refused at the TCP stage */
    rdpneg_session_free(s);
    rdpneg_config_new(&cfg);
    FUZZ_ASSERT(rdpneg_session_new(&s, cfg, "server.example", 3389) == 0);
    rdpneg_config_free(cfg);
    rdpneg_session_start(s, FUZZ_MS);
    rdpneg_session_tcp_result(s, RDPNEG_TCP_REFUSED, "192.0.2.1", 111,
                              2 * FUZZ_MS);
  }
  while (!rdpneg_session_done(s))
    rdpneg_session_handle_expiry(s, rdpneg_session_expiry(s));
  return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  for (int i = 0; i < NSESS; i++) {
    sess[i] = finished(i);
    FUZZ_ASSERT(rdpneg_session_evidence(sess[i], &evs[i]) == 0);
  }
  FUZZ_ASSERT(rdpneg_taxonomy_new(&tax) == 0);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!tax)
    LLVMFuzzerInitialize(NULL, NULL);
  char *rep = malloc(size + 1);
  FUZZ_ASSERT(rep != NULL);
  memcpy(rep, data, size);
  rep[size] = 0;
  int which = size ? data[0] % NSESS : 0;
  rdpneg_evidence *ev = evs[which];

  rdpneg_diagnosis *d = NULL;
  int rc = rdpneg_diagnose(ev, (size & 1) ? tax : NULL, rep, &d);
  int rc2 = rdpneg_reported_check(rep);
  FUZZ_ASSERT(rc == rc2);
  if (rc == 0) {
    const char *v = rdpneg_diagnosis_reported_verdict(d);
    FUZZ_ASSERT(v && (!strcmp(v, "confirmed") || !strcmp(v, "refuted") ||
                      !strcmp(v, "server_healthy")));
    char *out = NULL;
    size_t len = 0;
    FUZZ_ASSERT(rdpneg_diagnosis_json(d, &out, &len) == 0);
    fuzz_check_json(out, len);
    rdpneg_free(out);
    FUZZ_ASSERT(rdpneg_evidence_json(ev, d, &out, &len) == 0);
    fuzz_check_json(out, len);
    rdpneg_free(out);
    FUZZ_ASSERT(rdpneg_evidence_report(ev, d, &out, &len) == 0);
    fuzz_check_text(out, len);
    rdpneg_free(out);
    rdpneg_diagnosis_free(d);
  } else {
    FUZZ_ASSERT(rc == RDPNEG_ERR_INVALID_ARGUMENT && d == NULL);
  }
  free(rep);
  return 0;
}
