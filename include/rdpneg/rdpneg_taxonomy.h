/* SPDX-License-Identifier: Apache-2.0 */
/*
 * librdpneg taxonomy: what RDP error codes officially mean, and which root
 * causes can be behind them.
 *
 * Two kinds of data, both compiled into the library from the .def files in
 * lib/taxonomy/ (the single source of truth, each row carrying its source
 * and a confidence tag):
 *
 *   - Code tables: mstsc disconnect reasons and SSL_ERR codes, extended
 *     disconnect reasons, Set Error Info (ERRINFO) codes, FreeRDP connect
 *     errors, RDP_NEG_FAILURE codes, protocol bits and flags, Early User
 *     Authorization and RDSTLS results, licensing error messages, CredSSP
 *     versions, NTSTATUS and SECURITY_STATUS values, TLS alerts and Windows
 *     event IDs. Addressed by (kind, value) or by a row index.
 *   - The cause catalogue: stable IDs such as "CERT_EXPIRED" with a phase,
 *     a default severity, the evidence that confirms or rules the cause out,
 *     remedies, and the client codes the cause typically shows up as.
 *
 * Confidence tags (from the fact sheet's legend): "O" official Microsoft
 * documentation, "I" open-source implementation, "C" community/vendor page
 * (lore), "INF" inference from cited facts, "UNV" unverified.
 *
 * Remedy text can be overridden per cause at run time from a JSON file.
 * Overrides live in an explicit rdpneg_taxonomy handle; every function that
 * returns remedy text takes that handle, and NULL means the built-in
 * defaults. There is no global mutable state: the built-in tables are
 * constant, and a handle is only modified by rdpneg_taxonomy_load_overrides*
 * (do not call it while another thread reads the same handle).
 *
 * Static strings returned by the accessors below live as long as the
 * library is loaded. Strings returned through char ** out-parameters are
 * newly allocated: free them with rdpneg_free().
 *
 * Index-based accessors (codes and causes) let bindings iterate the tables
 * without knowing any struct layout: indexes run from 0 to count-1 and are
 * stable for one build of the library (use IDs / (kind, value) to persist).
 */
#ifndef RDPNEG_TAXONOMY_H
#define RDPNEG_TAXONOMY_H

#include <rdpneg/rdpneg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Code kinds. The numbers are part of the ABI. */
typedef enum rdpneg_kind {
  RDPNEG_KIND_AUTO = 0,             /* explain: try every error-code kind */
  RDPNEG_KIND_DISCONNECT = 1,       /* mstsc / ActiveX discReason */
  RDPNEG_KIND_EXTENDED = 2,         /* ExtendedDisconnectReasonCode */
  RDPNEG_KIND_ERRINFO = 3,          /* Set Error Info PDU errorInfo */
  RDPNEG_KIND_FREERDP = 4,          /* FreeRDP composite (class << 16 | type) */
  RDPNEG_KIND_NEG_FAILURE = 5,      /* RDP_NEG_FAILURE failureCode */
  RDPNEG_KIND_SSL_ERR = 6,          /* mstsc SSL_ERR_* (0x..07 discReasons) */
  RDPNEG_KIND_TLS_ALERT = 7,        /* TLS AlertDescription */
  RDPNEG_KIND_NTSTATUS = 8,         /* NTSTATUS, e.g. TSRequest.errorCode */
  RDPNEG_KIND_SECURITY_STATUS = 9,  /* SSPI SECURITY_STATUS / HRESULT */
  RDPNEG_KIND_EUA = 10,             /* Early User Authorization Result */
  RDPNEG_KIND_RDSTLS = 11,          /* RDSTLS Authentication Response */
  RDPNEG_KIND_LICENSE_ERROR = 12,   /* licensing error message dwErrorCode */
  RDPNEG_KIND_PROTOCOL = 13,        /* requested/selected protocol bits */
  RDPNEG_KIND_NEG_REQ_FLAG = 14,    /* RDP_NEG_REQ flags */
  RDPNEG_KIND_NEG_RSP_FLAG = 15,    /* RDP_NEG_RSP flags */
  RDPNEG_KIND_CREDSSP_VERSION = 16, /* TSRequest.version */
  RDPNEG_KIND_EVENT = 17,           /* Windows event IDs (Schannel, RDS) */
  RDPNEG_KIND_COUNT = 18
} rdpneg_kind;

/* Parses a kind name, case-insensitive, '-' and '_' equivalent:
 * "auto", "disconnect" (also "disc", "mstsc", "discreason"), "extended"
 * ("ext"), "errinfo", "freerdp" ("frdp"), "neg_failure" ("failure"),
 * "ssl_err", "tls_alert" ("alert"), "ntstatus", "security_status" ("sec",
 * "sec_e", "hresult"), "eua", "rdstls", "license_error", "protocol",
 * "neg_req_flag", "neg_rsp_flag", "credssp_version", "event".
 * |name| is borrowed for the call.
 * Returns the rdpneg_kind value (>= 0), or RDPNEG_ERR_INVALID_ARGUMENT for
 * NULL or an unknown name. */
RDPNEG_EXTERN int rdpneg_kind_parse(const char *name);

/* Returns the canonical short name of |kind| ("disconnect", ...), or NULL
 * when |kind| is out of range. Static storage. */
RDPNEG_EXTERN const char *rdpneg_kind_name(int kind);

/* Returns a one-line title of |kind| ("mstsc disconnect reason
 * (IMsTscAxEvents::OnDisconnected discReason)"), or NULL. Static storage. */
RDPNEG_EXTERN const char *rdpneg_kind_title(int kind);

/* ------------------------------------------------------------------------ */
/* Taxonomy handle (vendor overrides)                                        */

typedef struct rdpneg_taxonomy rdpneg_taxonomy;

/* Creates a handle holding the built-in defaults (no overrides). Free it
 * with rdpneg_taxonomy_free(). Passing NULL wherever a
 * const rdpneg_taxonomy * is accepted means the same built-in defaults.
 * Returns 0, or one of:
 *   RDPNEG_ERR_INVALID_ARGUMENT  |ptax| is NULL
 *   RDPNEG_ERR_NOMEM             out of memory */
RDPNEG_EXTERN int rdpneg_taxonomy_new(rdpneg_taxonomy **ptax);

/* Frees |tax| and every override string it holds (NULL is a no-op). Strings
 * obtained from rdpneg_cause_remedy() for this handle become invalid. */
RDPNEG_EXTERN void rdpneg_taxonomy_free(rdpneg_taxonomy *tax);

/* Loads vendor overrides for remedy text from the JSON file |path|:
 *
 *   {"version": 1,
 *    "causes": {
 *      "CERT_EXPIRED": {"remedies": ["Call the ACME help desk", "..."],
 *                       "mode": "replace"},
 *      "PORT_FILTERED": {"remedies": ["..."], "mode": "append"}}}
 *
 * "version" (must be 1) and "comment" are optional; "mode" is optional and
 * defaults to "replace"; "remedies" is a non-empty array of non-empty
 * strings (at most 64 per cause, 4096 bytes each; file at most 1 MiB).
 * Unknown members and unknown cause IDs are errors. The file is parsed and
 * validated completely before anything is applied: on any error |tax| is
 * unchanged. Loading several files applies them in order ("append" adds to
 * the remedies in effect, "replace" replaces them).
 *
 * |path| is borrowed for the call. On failure a NUL-terminated message is
 * written into |errbuf| (if not NULL; truncated to |errlen|), naming the
 * file, the line and the column, e.g.
 *   "ovr.json: line 3, column 17: unknown cause ID \"CERT_EXPRED\"".
 * Returns 0, or one of:
 *   RDPNEG_ERR_INVALID_ARGUMENT  |tax| or |path| is NULL
 *   RDPNEG_ERR_BAD_FILE          unreadable file, invalid JSON, or content
 *                                that does not follow the format above
 *   RDPNEG_ERR_NOMEM             out of memory (|tax| unchanged) */
RDPNEG_EXTERN int rdpneg_taxonomy_load_overrides(rdpneg_taxonomy *tax,
                                                 const char *path, char *errbuf,
                                                 size_t errlen);

/* Same as rdpneg_taxonomy_load_overrides() for |len| bytes of JSON at
 * |data| (borrowed for the call; need not be NUL-terminated). |label| (may
 * be NULL: "<memory>") names the document in error messages and in the
 * source of the remedies it adds. Same return codes. */
RDPNEG_EXTERN int
rdpneg_taxonomy_load_overrides_mem(rdpneg_taxonomy *tax, const char *data,
                                   size_t len, const char *label, char *errbuf,
                                   size_t errlen);

/* Serialises the whole taxonomy as one JSON document (schema
 * "rdpneg.taxonomy/1": kinds, sources, codes, causes with the remedies in
 * effect for |tax| (NULL: built-in)) into a new NUL-terminated string in
 * *|pjson| (free with rdpneg_free()); *|plen| (may be NULL) gets its length.
 * Returns 0, or RDPNEG_ERR_INVALID_ARGUMENT (|pjson| NULL) or
 * RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_taxonomy_json(const rdpneg_taxonomy *tax, char **pjson,
                                       size_t *plen);

/* ------------------------------------------------------------------------ */
/* Explain                                                                   */

/* Explains |code| of |kind| (a rdpneg_kind; RDPNEG_KIND_AUTO tries every
 * error-code kind and lists each interpretation, labelled with its kind).
 * With |has_extended| != 0, |extended| is an ExtendedDisconnectReason that
 * came together with |code| (mstsc shows "Error code: 0x904, Extended error
 * code: 0x7"); with RDPNEG_KIND_AUTO the primary code is then taken as an
 * mstsc disconnect reason.
 *
 * The JSON document (schema "rdpneg.explain/1") holds every interpretation
 * (official name, alternative name, meaning, phase, source, confidence,
 * status official/implementation/unofficial, notes, codes with the same
 * number elsewhere), and the ranked candidate causes with the evidence that
 * separates them and their remedies (as in effect for |tax|; NULL =
 * built-in). Candidates whose link is community lore or unverified carry
 * "lore": true. The document is stored in a new NUL-terminated string in
 * *|pjson| (free with rdpneg_free()); *|plen| (may be NULL) gets its length.
 *
 * Returns the number of interpretations of |code| (> 0), 0 when |code| is
 * unknown or, with |has_extended|, when |extended| is unknown (a document
 * is produced in both cases), or one of:
 *   RDPNEG_ERR_INVALID_ARGUMENT  |pjson| NULL or |kind| out of range
 *   RDPNEG_ERR_NOMEM             out of memory */
RDPNEG_EXTERN int rdpneg_explain_json(const rdpneg_taxonomy *tax, int kind,
                                      uint32_t code, int has_extended,
                                      uint32_t extended, char **pjson,
                                      size_t *plen);

/* Human-readable variant of rdpneg_explain_json() (UTF-8 text, lines
 * wrapped for a terminal), stored in *|ptext| (free with rdpneg_free()).
 * Same arguments and return values. */
RDPNEG_EXTERN int rdpneg_explain_text(const rdpneg_taxonomy *tax, int kind,
                                      uint32_t code, int has_extended,
                                      uint32_t extended, char **ptext,
                                      size_t *plen);

/* ------------------------------------------------------------------------ */
/* Code tables                                                               */

/* Returns the number of code rows (all kinds). */
RDPNEG_EXTERN int rdpneg_code_count(void);

/* Finds the first code row at index >= |start| whose kind is |kind| and
 * value is |value|. RDPNEG_KIND_AUTO matches every kind;
 * RDPNEG_KIND_DISCONNECT also matches SSL_ERR rows (they share the
 * discReason space). Use start = previous result + 1 to find more.
 * Returns the row index (>= 0), or RDPNEG_ERR_INVALID_ARGUMENT when there
 * is none (or |kind| is out of range). */
RDPNEG_EXTERN int rdpneg_code_find(int kind, uint32_t value, int start);

/* Looks up one code: like rdpneg_code_find(kind, value, 0), and in
 * addition a FreeRDP composite of class 1 (0x0001xxxx, which wraps an
 * ERRINFO value) resolves to the ERRINFO row. On success *|pname| and
 * *|pmeaning| (each may be NULL) receive static strings; the name may be
 * NULL for codes that are reported but have no documented name.
 * Returns the row index (>= 0), or RDPNEG_ERR_INVALID_ARGUMENT when the
 * code is unknown. */
RDPNEG_EXTERN int rdpneg_code_lookup(int kind, uint32_t value,
                                     const char **pname, const char **pmeaning);

/* Finds a code row by its name or alternative name (case-insensitive),
 * e.g. "SSL_ERR_CERT_EXPIRED" or "ERRINFO_UNKNOWN_DATA_PDU_TYPE".
 * Returns the row index, or RDPNEG_ERR_INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_code_find_name(const char *name);

/* Row accessors. |i| is a row index; out-of-range indexes give -1 / 0 /
 * NULL. All strings are static. */
RDPNEG_EXTERN int rdpneg_code_kind(int i); /* rdpneg_kind */
RDPNEG_EXTERN uint32_t rdpneg_code_value(int i);
RDPNEG_EXTERN const char *rdpneg_code_name(int i);     /* NULL: undocumented */
RDPNEG_EXTERN const char *rdpneg_code_alt_name(int i); /* NULL if none */
RDPNEG_EXTERN const char *rdpneg_code_meaning(int i);
RDPNEG_EXTERN const char *rdpneg_code_phase(int i); /* "tcp", "tls", ... */
RDPNEG_EXTERN const char *
rdpneg_code_source(int i); /* "S-ONDISC (facts 2.1)" */
RDPNEG_EXTERN const char *rdpneg_code_confidence(int i); /* "O", "I", ... */
/* "official" (confidence O), "implementation" (I) or "unofficial". */
RDPNEG_EXTERN const char *rdpneg_code_status(int i);

/* ------------------------------------------------------------------------ */
/* Cause catalogue                                                           */

/* Returns the number of causes. */
RDPNEG_EXTERN int rdpneg_cause_count(void);

/* Finds a cause by its stable ID ("CERT_EXPIRED"; exact, case-sensitive).
 * Returns the index, or RDPNEG_ERR_INVALID_ARGUMENT. */
RDPNEG_EXTERN int rdpneg_cause_find(const char *id);

/* Cause accessors; out-of-range indexes give NULL / 0. Static strings. */
RDPNEG_EXTERN const char *rdpneg_cause_id(int i);
RDPNEG_EXTERN const char *rdpneg_cause_title(int i);
RDPNEG_EXTERN const char *rdpneg_cause_description(int i);
/* "dns", "tcp", "x224", "tls", "nla", "security", "licensing", ... */
RDPNEG_EXTERN const char *rdpneg_cause_phase(int i);
/* Default severity: "failing", "degraded" or "info". */
RDPNEG_EXTERN const char *rdpneg_cause_severity(int i);
RDPNEG_EXTERN const char *rdpneg_cause_source(int i);
RDPNEG_EXTERN const char *rdpneg_cause_confidence(int i);

/* Evidence that confirms or rules out cause |i|: the number of items, and
 * item |j|'s text and where it is observed ("probe", "server" or
 * "client"). Static strings; NULL when out of range. */
RDPNEG_EXTERN int rdpneg_cause_evidence_count(int i);
RDPNEG_EXTERN const char *rdpneg_cause_evidence(int i, int j);
RDPNEG_EXTERN const char *rdpneg_cause_evidence_where(int i, int j);
/* Source and confidence tag of evidence item |j|; static, NULL when out of
 * range. */
RDPNEG_EXTERN const char *rdpneg_cause_evidence_source(int i, int j);
RDPNEG_EXTERN const char *rdpneg_cause_evidence_confidence(int i, int j);

/* Remedies in effect for |tax| (NULL: built-in): the number, and remedy
 * |j|'s text and source ("S-KB-IE (facts 8.1 #6)" or
 * "override: <file>"). Strings are static for built-in remedies and owned
 * by |tax| for overrides (valid until the handle is freed or loaded again).
 * NULL when out of range. */
RDPNEG_EXTERN int rdpneg_cause_remedy_count(const rdpneg_taxonomy *tax, int i);
RDPNEG_EXTERN const char *rdpneg_cause_remedy(const rdpneg_taxonomy *tax, int i,
                                              int j);
RDPNEG_EXTERN const char *rdpneg_cause_remedy_source(const rdpneg_taxonomy *tax,
                                                     int i, int j);
/* Confidence tag of remedy |j| ("O", "INF", ...); NULL for an override
 * remedy or when out of range. */
RDPNEG_EXTERN const char *
rdpneg_cause_remedy_confidence(const rdpneg_taxonomy *tax, int i, int j);

/* Client codes cause |i| typically shows up as: the number of references,
 * and reference |j|: *|pkind| (rdpneg_kind), *|plo| and *|phi| (the value,
 * or an inclusive range when they differ); each out-pointer may be NULL.
 * Returns 0, or RDPNEG_ERR_INVALID_ARGUMENT when |i| or |j| is out of
 * range. */
RDPNEG_EXTERN int rdpneg_cause_code_count(int i);
RDPNEG_EXTERN int rdpneg_cause_code(int i, int j, int *pkind, uint32_t *plo,
                                    uint32_t *phi);
/* Whether reference |j| of cause |i| is an mstsc (discReason, extended
 * reason) pair: returns 1 and stores the extended reason in *|pext| (may be
 * NULL), 0 for a single code, or RDPNEG_ERR_INVALID_ARGUMENT when |i| or |j|
 * is out of range. */
RDPNEG_EXTERN int rdpneg_cause_code_extended(int i, int j, uint32_t *pext);
/* Confidence tag of that cause-to-code link ("O", "C", ...), or NULL. */
RDPNEG_EXTERN const char *rdpneg_cause_code_confidence(int i, int j);

/* Serialises cause |i| (with the remedies in effect for |tax|) as a JSON
 * object (schema "rdpneg.cause/1") into a new string in *|pjson| (free with
 * rdpneg_free()); *|plen| may be NULL. Returns 0, or
 * RDPNEG_ERR_INVALID_ARGUMENT (|i| out of range, |pjson| NULL) or
 * RDPNEG_ERR_NOMEM. */
RDPNEG_EXTERN int rdpneg_cause_json(const rdpneg_taxonomy *tax, int i,
                                    char **pjson, size_t *plen);

/* Human-readable description of cause |i|, like rdpneg_cause_json(). */
RDPNEG_EXTERN int rdpneg_cause_text(const rdpneg_taxonomy *tax, int i,
                                    char **ptext, size_t *plen);

/* ------------------------------------------------------------------------ */
/* Sources                                                                   */

/* The source legend: count, key ("S-BCGR") and description. Static
 * strings; NULL when out of range. */
RDPNEG_EXTERN int rdpneg_source_count(void);
RDPNEG_EXTERN const char *rdpneg_source_key(int i);
RDPNEG_EXTERN const char *rdpneg_source_description(int i);

/* Copies the citation or text |in| to |out| (|cap| bytes, NUL-terminated,
 * cut at |cap| - 1) for readers of the product: the taxonomy's internal
 * pointers into its fact sheet ("facts 8.1 #6", "(facts 1.7, 1.10)") are
 * removed, so what is left cites sources by their keys ("S-BCGR 2.2.1.2.2"),
 * which rdpneg_source_key / rdpneg-explain --sources resolve. Returns 0, or
 * RDPNEG_ERR_INVALID_ARGUMENT when |in| or |out| is NULL or |cap| is 0. The
 * JSON and text renderings of the taxonomy already apply it. */
RDPNEG_EXTERN int rdpneg_cite_clean(const char *in, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* RDPNEG_TAXONOMY_H */
