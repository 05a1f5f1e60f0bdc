/*
 * librdpneg diagnosis: a pure function from a finished session's evidence
 * (all phases) to findings: a stable cause ID from the catalogue in
 * rdpneg_taxonomy.h, the phase, a severity, a confidence, the evidence in
 * words with the observed values, remedies and the client codes the cause
 * usually shows up as. The verdict (and rdpneg-probe's exit code) is
 * derived from the findings.
 *
 * With a "reported" code (what the user saw, e.g. mstsc's "0x904/0x7"), the
 * diagnosis cross-checks it against the observation: "confirmed" (a finding
 * is among the causes that code is known to show up as), "refuted" (the
 * server side fails, but for a cause that code does not point to), or
 * "server_healthy" (nothing failing here; the remaining candidates are on
 * the client side and are listed with their remedies).
 */
#ifndef RDPNEG_DIAGNOSIS_H
#define RDPNEG_DIAGNOSIS_H

#include <rdpneg/rdpneg.h>
#include <rdpneg/rdpneg_taxonomy.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rdpneg_diagnosis rdpneg_diagnosis;

/* Diagnoses |sess| (borrowed; it should be finished). |tax| supplies the
 * remedy texts in effect (NULL: built-in); it is borrowed and must outlive
 * the result. |reported| (copied, may be NULL) is what the user saw:
 * "[KIND:]CODE[/EXTENDED]" with KIND as in rdpneg_kind_parse() (default:
 * an mstsc disconnect reason when EXTENDED is given, else any kind), CODE
 * and EXTENDED decimal or 0x-hex, e.g. "0x904/0x7", "errinfo:0x7",
 * "ssl_err:0x1B07", "ntstatus:0xC000006D". A space may replace the slash.
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT (NULL pointers, or |reported| not
 * in that form: the message names the problem via rdpneg_strerror only) or
 * RDPNEG_ERR_NOMEM. Free the result with rdpneg_diagnosis_free(). */
RDPNEG_EXTERN int rdpneg_diagnose(const rdpneg_session *sess,
                                  const rdpneg_taxonomy *tax,
                                  const char *reported,
                                  rdpneg_diagnosis **pdiag);

/* Frees |diag| (NULL is a no-op). */
RDPNEG_EXTERN void rdpneg_diagnosis_free(rdpneg_diagnosis *diag);

/* Number of findings, most important first (failing before degraded
 * before info; within one severity the earliest phase first, because it
 * blocked the later ones). */
RDPNEG_EXTERN int rdpneg_diagnosis_count(const rdpneg_diagnosis *diag);

/* Finding |i|: cause ID, phase ("tcp", "x224", "tls", "nla"), severity
 * ("failing", "degraded", "info"), confidence ("high", "medium", "low") and
 * the evidence sentence with the observed values. Strings are owned by
 * |diag|; NULL when |i| is out of range. */
RDPNEG_EXTERN const char *rdpneg_diagnosis_cause(const rdpneg_diagnosis *diag,
                                                 int i);
RDPNEG_EXTERN const char *rdpneg_diagnosis_phase(const rdpneg_diagnosis *diag,
                                                 int i);
RDPNEG_EXTERN const char *
rdpneg_diagnosis_severity(const rdpneg_diagnosis *diag, int i);
RDPNEG_EXTERN const char *
rdpneg_diagnosis_confidence(const rdpneg_diagnosis *diag, int i);
RDPNEG_EXTERN const char *
rdpneg_diagnosis_evidence(const rdpneg_diagnosis *diag, int i);

/* The verdict derived from the findings (RDPNEG_VERDICT_UNKNOWN when the
 * probe could not run: name resolution failed or it was cancelled). */
RDPNEG_EXTERN rdpneg_verdict
rdpneg_diagnosis_verdict(const rdpneg_diagnosis *diag);

/* The cross-check of the reported code: "confirmed", "refuted",
 * "server_healthy", or NULL when nothing was reported. */
RDPNEG_EXTERN const char *
rdpneg_diagnosis_reported_verdict(const rdpneg_diagnosis *diag);

/* Serialises {"diagnosis": [...], "reported": {...}|null} into a new
 * string (free with rdpneg_free()). Returns 0 or NOMEM/INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_diagnosis_json(const rdpneg_diagnosis *diag,
                                        char **pjson, size_t *plen);

/* Makes rdpneg_session_json(), rdpneg_session_report() and
 * rdpneg_session_verdict() use |tax| (borrowed: it must outlive |sess|; NULL
 * = built-in) and cross-check |reported| (copied; NULL = none). Returns 0,
 * INVALID_ARGUMENT (bad |reported|) or NOMEM. */
RDPNEG_EXTERN int rdpneg_session_set_analysis(rdpneg_session *sess,
                                              const rdpneg_taxonomy *tax,
                                              const char *reported);

#ifdef __cplusplus
}
#endif

#endif
