/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration object (internal layout). */
#ifndef RDPNEG_CONFIG_H
#define RDPNEG_CONFIG_H

#include <rdpneg/rdpneg.h>

#define RDPNEG_OPT_MAX 22

struct rdpneg_config {
  int64_t opt[RDPNEG_OPT_MAX];
  char *cookie;
  char *routing_token;
  char *sni;
  int has_correlation;
  uint8_t correlation_id[16];
  uint8_t *ca; /* concatenated PEM/DER blobs, each NUL-terminated */
  size_t ca_len;
  char *user;
  char *domain;
  char *password; /* zeroised on replace/free */
};

/* Deep copy of |src| into a new object; NULL on NOMEM. */
rdpneg_config *rdpneg_config_dup(const rdpneg_config *src);

#endif
