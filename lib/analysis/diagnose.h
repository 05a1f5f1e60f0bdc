/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnosis internals shared with the output layer (document.c). */
#ifndef RDPNEG_DIAGNOSE_H
#define RDPNEG_DIAGNOSE_H

#include "base/json.h"

#include <rdpneg/rdpneg_diagnosis.h>

/* Writes the "diagnosis" array and the "reported" member. */
void rdpneg_diagnosis_write_json(const rdpneg_diagnosis *d, rdpneg_json *w);

/* When the server side looks healthy: the client-side / network causes the
 * reported code is known to show up as (catalogue indexes, at most |max|).
 * Returns the count. */
int rdpneg_diagnosis_client_candidates(const rdpneg_diagnosis *d, int *out,
                                       int max);

/* The taxonomy the diagnosis was made with (NULL: built-in). */
const rdpneg_taxonomy *rdpneg_diagnosis_taxonomy(const rdpneg_diagnosis *d);

/* The reported code as the caller gave it, NULL when none. */
const char *rdpneg_diagnosis_reported_text(const rdpneg_diagnosis *d);

#endif
