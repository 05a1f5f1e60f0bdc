/* SPDX-License-Identifier: Apache-2.0 */
/* Private to librdpneg-uv's batch (batch.c, batch_result.c). */
#ifndef RDPNEG_UV_BATCH_INT_H
#define RDPNEG_UV_BATCH_INT_H

#include <rdpneg/rdpneg_batch.h>
#include <rdpneg/rdpneg_diagnosis.h>

struct rdpneg_batch_result {
  rdpneg_batch_result *next;
  rdpneg_evidence *ev;
  int status;
  int64_t index;
  uint64_t t0, t1;
  uint16_t port;
  char *spec, *host;
};

/* Parses a target specification (rdpneg_batch_add). On success *|pspec|
 * is a new allocation holding |spec| then the host (*|phost| points into
 * it; free *|pspec| only) and *|pport| the port (|defport| when none).
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
int batch_parse_target(const char *spec, uint16_t defport, char **pspec,
                       char **phost, uint16_t *pport);

#endif
