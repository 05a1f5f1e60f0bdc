/* SPDX-License-Identifier: Apache-2.0 */
/* The probe document (output, internal): rdpneg.probe/1 written from an
 * evidence value and its diagnosis (document.c), and read back into an
 * evidence value (document_read.c). */
#ifndef RDPNEG_DOCUMENT_H
#define RDPNEG_DOCUMENT_H

#include "base/json.h"
#include "base/jsonparse.h"
#include "core/evidence.h"

#include <rdpneg/rdpneg_diagnosis.h>

/* The name tables of the document's own enumerations. */
typedef enum rdpneg_doc_names {
  RDPNEG_DOC_PHASE,
  RDPNEG_DOC_PHASE_STATUS,
  RDPNEG_DOC_TCP_STATUS,
  RDPNEG_DOC_X224_STATUS,
  RDPNEG_DOC_TLS_STATUS,
  RDPNEG_DOC_VERDICT,
  RDPNEG_DOC_HS_MSG,
  RDPNEG_DOC_NLA_STATUS,
  RDPNEG_DOC_NLA_AUTH
} rdpneg_doc_names;

/* A handshake message type outside the named ones ("other"). */
#define RDPNEG_DOC_HS_OTHER 255

/* Name of value |v| of enumeration |which|, or the table's fallback. */
const char *rdpneg_doc_name(rdpneg_doc_names which, int v);
/* The value named |name| in |which|, or -1. */
int rdpneg_doc_value(rdpneg_doc_names which, const char *name);

/* JSON key of NLA name |i| (RDPNEG_NLA_NAME_*) and its value in |n| (NULL
 * when the server did not send it). */
const char *rdpneg_doc_nla_name_key(int i);
const char *rdpneg_nla_ev_name(const rdpneg_nla_ev *n, int i);

/* Writes the members of the "nla" object of a CredSSP exchange that ran
 * (status, spnego, credssp_version, ntlm, auth, error, early_user_auth,
 * detail); the caller opens and closes the object. */
void rdpneg_doc_nla_members(rdpneg_json *w, const rdpneg_nla_ev *n);

/* Reading a document back (document_read.c, profile.c): the first
 * problem is kept in |err| as "path: what" and |rv| becomes
 * RDPNEG_ERR_BAD_FILE. Each reader takes the object |o|, the member |k|
 * and the path to name; |req|: an absent member is a problem (null never
 * is). They return 1 with the value, 0 for null/absent/wrong. */
typedef struct rdpneg_doc_rd {
  char *err;
  size_t errlen;
  int rv;
} rdpneg_doc_rd;
int rdpneg_doc_fail(rdpneg_doc_rd *r, const char *path, const char *what);
/* Member |k| of object |o|, NULL when absent or |o| is not an object. */
const rdpneg_jp_node *rdpneg_doc_member(const rdpneg_jp_node *o, const char *k);
int rdpneg_doc_str(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
                   char *dst, size_t cap, int req, const char *path);
/* true / false -> 1 / 0; null or absent -> |dflt| */
int rdpneg_doc_bool(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
                    int dflt, int req, const char *path);
/* "0x..." up to 32 bits */
int rdpneg_doc_hex(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
                   uint32_t *v, int req, const char *path);
/* a whole number (optional) */
int rdpneg_doc_int(rdpneg_doc_rd *r, const rdpneg_jp_node *o, const char *k,
                   int64_t *v, const char *path);

/* The enumeration's members (profile.c): "mcs" of an attempt whose MCS
 * exchange ran, the top-level "profile" when the plan enumerated, their
 * readers (0 or RDPNEG_ERR_BAD_FILE with |err| set; absent members leave
 * the evidence as it is) and the profile's lines of the text report
 * (malloc'd, "" without a profile; NULL on NOMEM). */
void rdpneg_doc_write_mcs(rdpneg_json *w, const rdpneg_attempt_ev *a);
void rdpneg_doc_write_profile(rdpneg_json *w, const rdpneg_evidence *e);
int rdpneg_doc_read_mcs(const struct rdpneg_jp_node *attempt,
                        rdpneg_attempt_ev *a, char *err, size_t errlen);
int rdpneg_doc_read_profile(const struct rdpneg_jp_node *root,
                            rdpneg_evidence *ev, char *err, size_t errlen);
char *rdpneg_doc_profile_text(const rdpneg_evidence *e);

/* The "observed" member of a connection seen in a capture
 * (document_observed.c); nothing for a probed one. */
void rdpneg_doc_write_observed(rdpneg_json *w, const rdpneg_attempt_ev *a);

/* Writes the whole document (evidence, |d|'s findings, verdict). */
void rdpneg_document_write(rdpneg_json *w, const rdpneg_evidence *e,
                           const rdpneg_diagnosis *d);

#endif
