/* SPDX-License-Identifier: Apache-2.0 */
/* The HTML report (output, internal): html.c writes the page,
 * html_ladder.c the ladder of one connection as inline SVG. */
#ifndef RDPNEG_OUTPUT_HTML_H
#define RDPNEG_OUTPUT_HTML_H

#include "output/report.h"

/* Appends attempt |a|'s ladder (<svg class="ladder">, one
 * <g class="arrow ..."> per message, <g class="stop ...">) and a paragraph
 * with where and why it stopped. */
void rdpneg_html_ladder(rdpneg_sb *b, const rdpneg_attempt_ev *a);

#endif
