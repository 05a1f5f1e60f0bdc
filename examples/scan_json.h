/* SPDX-License-Identifier: Apache-2.0 */
/* A few read-only JSON helpers for the command-line tools: rdpneg-scan
 * writes JSON Lines (one document per line) and reads back the targets of a
 * previous run; rdpneg-probe --nagios reads phase times and the
 * certificate's days left. The library writes and parses documents itself
 * (rdpneg_evidence_json / rdpneg_evidence_parse); the public API has no
 * field accessors on an evidence value, so the tools look into the
 * document they were given. Not a general JSON library: no allocation, no
 * DOM, and only documents that are valid JSON are expected. */
#ifndef RDPNEG_SCAN_JSON_H
#define RDPNEG_SCAN_JSON_H

#include <stddef.h>

/* Copies |len| bytes of the JSON text |in| to |out| (at least |len| bytes)
 * without the whitespace outside strings, so that a pretty-printed document
 * becomes one line (JSON strings cannot hold a raw newline). Returns the
 * length written; |out| is NUL-terminated when it has room (|len| + 1). */
size_t sj_minify(const char *in, size_t len, char *out);

typedef enum sj_type {
  SJ_NONE = 0, /* not found, or not valid JSON */
  SJ_NULL,
  SJ_BOOL,
  SJ_NUMBER,
  SJ_STRING,
  SJ_ARRAY,
  SJ_OBJECT
} sj_type;

/* A value inside the document: its type and its text (strings with their
 * quotes, objects with their braces). */
typedef struct sj_val {
  sj_type type;
  const char *p;
  size_t n;
} sj_val;

/* Looks up |path| in the document |doc| (|len| bytes): member names and
 * array indexes separated by dots, e.g. "target.host", "phases.0.ms",
 * "diagnosis.0.cause". Returns the value's type (SJ_NONE when the path is
 * not there or the text is not JSON) and stores the value in *|out|. */
sj_type sj_get(const char *doc, size_t len, const char *path, sj_val *out);

/* Copies the string value |v| into |buf| (|cap| bytes, NUL-terminated),
 * decoding the escapes (\uXXXX as UTF-8, surrogate pairs joined). Returns
 * 0, or -1 when |v| is not a string or does not fit. */
int sj_string(const sj_val *v, char *buf, size_t cap);

/* The number value |v| as a double. Returns 0, or -1 when |v| is not a
 * number. */
int sj_number(const sj_val *v, double *out);

/* 1 for true, 0 for false, -1 when |v| is not a boolean. */
int sj_bool(const sj_val *v);

#endif
