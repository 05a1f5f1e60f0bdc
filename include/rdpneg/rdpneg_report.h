/* SPDX-License-Identifier: Apache-2.0 */
/*
 * librdpneg reports for people: the phase ladder (each message either side
 * sent, with its size and time, and where the connection stopped) in plain
 * characters, and one self-contained HTML page (inline CSS and SVG only: no
 * script, no external font, image or style sheet; it works offline and as an
 * e-mail attachment) with the verdict, the findings with their evidence and
 * remedies, the reported-code cross-check, the timings, the certificate, the
 * ladder of every connection of the plan and the rdpneg.probe/1 document
 * itself. Every string that came from the server (certificate names, NTLM
 * names, phase details, remedy overrides) is HTML-escaped.
 *
 * All functions return a new NUL-terminated string in *|pout| (free with
 * rdpneg_free()) and its length in *|plen| (|plen| may be NULL); 0,
 * RDPNEG_ERR_INVALID_ARGUMENT (a NULL pointer, an evidence value without
 * attempts, |n| < 1) or RDPNEG_ERR_NOMEM. A |diag| of NULL diagnoses |ev|
 * with the built-in rules and texts and no reported code. The arguments are
 * borrowed and not kept.
 */
#ifndef RDPNEG_REPORT_H
#define RDPNEG_REPORT_H

#include <rdpneg/rdpneg.h>
#include <rdpneg/rdpneg_diagnosis.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The phase ladder of every connection of |ev|, one block per attempt:
 *
 *       ms  client        server
 *      0.0    |------------>|  TCP SYN
 *      0.3    |<------------|  TCP SYN-ACK
 *      0.4    |------------>|  X.224 Connection Request (...)  43 B
 *      ...
 *     54.9    |      X      |  stopped in x224: RDP_NEG_FAILURE ...
 */
RDPNEG_EXTERN int rdpneg_evidence_ladder(const rdpneg_evidence *ev, char **pout,
                                         size_t *plen);

/* The HTML report of one probe. */
RDPNEG_EXTERN int rdpneg_evidence_html(const rdpneg_evidence *ev,
                                       const rdpneg_diagnosis *diag,
                                       char **pout, size_t *plen);

/* The HTML fleet report of |n| probes (rdpneg-scan): counts by verdict and
 * first cause, one summary row per target linking to its full report
 * below. |diags| may be NULL (each diagnosed with the built-in rules), or
 * hold NULL entries; |title| may be NULL. */
RDPNEG_EXTERN int rdpneg_fleet_html(const rdpneg_evidence *const *evs,
                                    const rdpneg_diagnosis *const *diags, int n,
                                    const char *title, char **pout,
                                    size_t *plen);

#ifdef __cplusplus
}
#endif

#endif
