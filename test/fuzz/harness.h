/* SPDX-License-Identifier: Apache-2.0 */
/* Session driving shared by the session, TLS and CredSSP fuzz targets:
 * deterministic randomness and clock for mbedTLS, a session opened through
 * the public API, and the checks run on every finished session. */
#ifndef RDPNEG_FUZZ_HARNESS_H
#define RDPNEG_FUZZ_HARNESS_H

#include "fuzz.h"

#include <rdpneg/rdpneg.h>

#define FUZZ_MS 1000000ull /* rdpneg_tstamp is in nanoseconds */
/* What time() returns inside the fuzz programs (2023-11-14T22:13:20Z). */
#define FUZZ_NOW 1700000000

/* Deterministic f_rng for the in-memory server (mbedTLS shape). */
int fuzz_rng(void *ctx, unsigned char *buf, size_t len);

/* A session being fed by a target. */
typedef struct fuzz_link {
  rdpneg_session *s;
  rdpneg_tstamp ts;
  unsigned step_ms; /* clock advance per delivery */
  size_t chunk;     /* server bytes per rdpneg_session_read; 0 = all */
  /* damage done to the server's byte stream, by stream offset */
  int nmut;
  struct {
    uint32_t off;
    uint8_t x;
  } mut[16];
  uint64_t cut; /* bytes after this offset are never delivered */
  uint64_t sent;
} fuzz_link;

/* Creates the session for |cfg| ("server.example":3389), starts it, reports
 * TCP connected and drains the Connection Request (which must decode).
 * Returns 0 or -1. */
int fuzz_link_open(fuzz_link *l, const rdpneg_config *cfg);

/* Delivers |n| server bytes: mutations and the cut applied, split into
 * |chunk|-sized reads, the clock advanced by step_ms each. With
 * RDPNEG_FUZZ_DUMP=FILE the delivered bytes are appended to FILE (stream
 * offsets for the mutations of a crafted input). */
void fuzz_link_deliver(fuzz_link *l, const uint8_t *data, size_t n);

/* Drains what the session wants to send into |*buf| (malloc'd, appended
 * at |*len|). Returns the number of new bytes. */
size_t fuzz_link_collect(fuzz_link *l, uint8_t **buf, size_t *len);

/* Ends the session as |how| says (0 deadline, 1 FIN, 2 RST, 3 socket
 * error), checks that it is done, that its JSON parses, that the text
 * report is clean, and diagnoses it (with |reported| when not NULL); then
 * frees it. */
void fuzz_link_close(fuzz_link *l, int how, const char *reported);

#endif
