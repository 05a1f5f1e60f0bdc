/* SPDX-License-Identifier: Apache-2.0 */
/* Reports for people (output, internal): a growing string, the message log
 * in the document (ladder.c) and where a connection stopped, shared by the
 * text ladder (ladder.c) and the HTML report (html.c, html_ladder.c). */
#ifndef RDPNEG_OUTPUT_REPORT_H
#define RDPNEG_OUTPUT_REPORT_H

#include "base/json.h"
#include "core/evidence.h"

#include <stddef.h>
#include <stdio.h> /* __MINGW_PRINTF_FORMAT on mingw-w64 */

typedef struct rdpneg_sb {
  char *buf;
  size_t len, cap;
  int err; /* RDPNEG_ERR_NOMEM once an append failed */
} rdpneg_sb;

void rdpneg_sb_printf(rdpneg_sb *b, const char *fmt, ...)
#if defined(__MINGW_PRINTF_FORMAT) /* mingw-w64: its stdio's (%zu) */
    __attribute__((format(__MINGW_PRINTF_FORMAT, 2, 3)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void rdpneg_sb_put(rdpneg_sb *b, const char *s);
/* Appends |s| HTML-escaped (& < > " '), for text and attribute values. */
void rdpneg_sb_html(rdpneg_sb *b, const char *s);
/* Hands the string over (0) or frees it and returns the error. */
int rdpneg_sb_take(rdpneg_sb *b, char **pout, size_t *plen);

/* attempts[].messages and messages_dropped: writer and reader (0 or
 * RDPNEG_ERR_BAD_FILE with |err| set; absent: no messages). */
struct rdpneg_jp_node;
void rdpneg_doc_write_messages(rdpneg_json *w, const rdpneg_attempt_ev *a);
int rdpneg_doc_read_messages(const struct rdpneg_jp_node *attempt,
                             rdpneg_attempt_ev *a, char *err, size_t errlen);

/* Where and why attempt |a| stopped: the first failed phase and its detail,
 * or the last phase that ran and why the next was skipped. Writes one line
 * into |buf| and returns 1 when a phase failed. *|t_us|: when. */
int rdpneg_ladder_stop(const rdpneg_attempt_ev *a, char *buf, size_t cap,
                       int64_t *t_us);

/* "TLS 1.0-1.2" and the like, or NULL. */
const char *rdpneg_tls_offered_name(int lo, int hi);

#endif
