/* SPDX-License-Identifier: Apache-2.0 */
/*
 * librdpneg diagnosis: a pure function from a probe's evidence (all
 * connections, all phases; rdpneg_evidence in rdpneg.h) to findings: a stable
 * cause ID from the catalogue in rdpneg_taxonomy.h, the phase, a severity, a
 * confidence, the evidence in words with the observed values, remedies and the
 * client codes the cause usually shows up as. The verdict (and rdpneg-probe's
 * exit code) is derived from the findings.
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

/* Diagnoses |ev| (borrowed; from rdpneg_session_evidence or
 * rdpneg_evidence_parse; the verdict is "unknown" when the probe did not
 * finish). The result does not refer to |ev|. |tax| supplies the
 * remedy texts in effect (NULL: built-in); it is borrowed and must outlive
 * the result. |reported| (copied, may be NULL) is what the user saw:
 * "[KIND:]CODE[/EXTENDED]" with KIND as in rdpneg_kind_parse() (default:
 * an mstsc disconnect reason when EXTENDED is given, else any kind), CODE
 * and EXTENDED decimal or 0x-hex, e.g. "0x904/0x7", "errinfo:0x7",
 * "ssl_err:0x1B07", "ntstatus:0xC000006D". A space may replace the slash.
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT (NULL pointers, or |reported| not
 * in that form: the message names the problem via rdpneg_strerror only) or
 * RDPNEG_ERR_NOMEM. Free the result with rdpneg_diagnosis_free(). */
RDPNEG_EXTERN int rdpneg_diagnose(const rdpneg_evidence *ev,
                                  const rdpneg_taxonomy *tax,
                                  const char *reported,
                                  rdpneg_diagnosis **pdiag);

/* Checks the form of a reported code as rdpneg_diagnose() reads it,
 * without diagnosing anything (a front end refuses a typo before it
 * connects). Returns 0 or RDPNEG_ERR_INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_reported_check(const char *reported);

/* Frees |diag| (NULL is a no-op). */
RDPNEG_EXTERN void rdpneg_diagnosis_free(rdpneg_diagnosis *diag);

/* Severity and confidence of a finding as values (the names are what
 * rdpneg_diagnosis_severity / _confidence return). */
typedef enum rdpneg_severity {
  RDPNEG_SEVERITY_FAILING = 0,
  RDPNEG_SEVERITY_DEGRADED = 1,
  RDPNEG_SEVERITY_INFO = 2
} rdpneg_severity;

typedef enum rdpneg_confidence {
  RDPNEG_CONFIDENCE_HIGH = 0,
  RDPNEG_CONFIDENCE_MEDIUM = 1,
  RDPNEG_CONFIDENCE_LOW = 2
} rdpneg_confidence;

/* The phase a finding belongs to: RDPNEG_PHASE_TCP .. RDPNEG_PHASE_NLA
 * (rdpneg.h), or this for name resolution. */
#define RDPNEG_PHASE_DNS (-1)

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

/* Finding |i|'s severity, confidence and phase as values; -2
 * (RDPNEG_ERR_INVALID_ARGUMENT is not used here, as -1 is a phase) when
 * |diag| is NULL or |i| out of range. */
RDPNEG_EXTERN int rdpneg_diagnosis_severity_id(const rdpneg_diagnosis *diag,
                                               int i);
RDPNEG_EXTERN int rdpneg_diagnosis_confidence_id(const rdpneg_diagnosis *diag,
                                                 int i);
RDPNEG_EXTERN int rdpneg_diagnosis_phase_id(const rdpneg_diagnosis *diag,
                                            int i);

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

/* Writes |ev| with |diag|'s findings as one rdpneg.probe/1 document into a
 * new string (free with rdpneg_free()); |diag| NULL diagnoses with the
 * built-in rules and texts and no reported code. *|plen| may be NULL.
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT or RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_evidence_json(const rdpneg_evidence *ev,
                                       const rdpneg_diagnosis *diag,
                                       char **pjson, size_t *plen);

/* The human-readable report of |ev| and |diag| (rdpneg-probe's output),
 * like rdpneg_evidence_json. */
RDPNEG_EXTERN int rdpneg_evidence_report(const rdpneg_evidence *ev,
                                         const rdpneg_diagnosis *diag,
                                         char **ptext, size_t *plen);

#ifdef __cplusplus
}
#endif

#endif
